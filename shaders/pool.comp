#version 450
#extension GL_GOOGLE_include_directive : require
// Max and average pooling, fp32, NCHW (N*C planes folded into NC), one
// invocation per output element; global pools are the case KH = H, KW = W.
// Window of output (oy, ox): rows oy*SH - PT + ky*DH for ky < KH (likewise
// columns). Taps outside X are skipped. AVG divides by the taps inside X, or
// with COUNT_INCLUDE_PAD by the taps inside the padded extent
// [-PT, H + PB) x [-PL, W + PR) (taps that ceil_mode adds past it never count).
// 1-D pools use H = KH = 1; 3-D pools (N x C x D x H x W) add the depth
// axis D with OD, KD, SD, DD, PF (front) and PK (back), 1 and 0 otherwise.
// TEXEL (CPU drivers; X whole texels): X is read
// through a uniform texel buffer. Bindings: 0 Y, 1 X.
#ifndef NC
#define NC 1
#endif
#ifndef H
#define H 1
#endif
#ifndef W
#define W 1
#endif
#ifndef OH
#define OH 1
#endif
#ifndef OW
#define OW 1
#endif
#ifndef KH
#define KH 1
#endif
#ifndef KW
#define KW 1
#endif
#ifndef SH
#define SH 1
#endif
#ifndef SW
#define SW 1
#endif
#ifndef PT
#define PT 0
#endif
#ifndef PL
#define PL 0
#endif
#ifndef PB
#define PB 0
#endif
#ifndef PR
#define PR 0
#endif
#ifndef DH
#define DH 1
#endif
#ifndef DW
#define DW 1
#endif
#ifndef D
#define D 1
#endif
#ifndef OD
#define OD 1
#endif
#ifndef KD
#define KD 1
#endif
#ifndef SD
#define SD 1
#endif
#ifndef DD
#define DD 1
#endif
#ifndef PF
#define PF 0
#endif
#ifndef PK
#define PK 0
#endif
#ifndef POOL_MAX
#define POOL_MAX 1
#endif
#ifndef COUNT_INCLUDE_PAD
#define COUNT_INCLUDE_PAD 0
#endif
#ifndef C
#define C 1
#endif
// Shape-generic (lower_window.c): NC, C and the grid may be push constants,
// the division by C then DIV_C; the window geometry is literal.
#ifndef DIV_C
#define DIV_C(x) (uint(x) / uint(C))
#endif
#ifndef TOTAL
#define TOTAL (uint(NC) * uint(OD) * uint(OH) * uint(OW))
#endif

#include "common.glsl"
#define EPI_BINDING 2
#include "epilogue.glsl"

layout(std430, binding = 0) writeonly buffer Out { Y_T y[]; };
#if defined(TEXEL) && TEXEL
layout(binding = 1) uniform TEXEL_BUFFER x_t;
#define XLOAD(i) texelFetch(x_t, int((i) >> 2))[(i) & 3u]
#else
layout(std430, binding = 1) readonly buffer In { X_T x[]; };
#define XLOAD(i) float(x[i])
#endif

void main() {
    uint i = flat_index();
    if (i >= TOTAL)
        return;
    uint ox = i % uint(OW);
    uint t = i / uint(OW);
    uint oy = t % uint(OH);
    t /= uint(OH);
    uint oz = t % uint(OD);
    uint plane = t / uint(OD);
    uint base = plane * uint(D * H * W);
    int iz0 = int(oz) * SD - PF, iy0 = int(oy) * SH - PT, ix0 = int(ox) * SW - PL;
#if POOL_MAX
    float acc = -VKC_INF;
#else
    float acc = 0.0;
#endif
    for (int kz = 0; kz < KD; kz++) {
        int iz = iz0 + kz * DD;
        if (iz < 0 || iz >= D)
            continue;
        for (int ky = 0; ky < KH; ky++) {
            int iy = iy0 + ky * DH;
            if (iy < 0 || iy >= H)
                continue;
            for (int kx = 0; kx < KW; kx++) {
                int ix = ix0 + kx * DW;
                if (ix < 0 || ix >= W)
                    continue;
                float v = XLOAD(base + uint((iz * H + iy) * W + ix));
#if POOL_MAX
                acc = max(acc, v);
#else
                acc += v;
#endif
            }
        }
    }
#if !POOL_MAX
    // the taps counted: a box, so the product of the counts per axis
    int deps = 0, rows = 0, cols = 0;
    for (int kz = 0; kz < KD; kz++) {
        int iz = iz0 + kz * DD;
#if COUNT_INCLUDE_PAD
        if (iz >= -PF && iz < D + PK)
            deps++;
#else
        if (iz >= 0 && iz < D)
            deps++;
#endif
    }
    for (int ky = 0; ky < KH; ky++) {
        int iy = iy0 + ky * DH;
#if COUNT_INCLUDE_PAD
        if (iy >= -PT && iy < H + PB)
            rows++;
#else
        if (iy >= 0 && iy < H)
            rows++;
#endif
    }
    for (int kx = 0; kx < KW; kx++) {
        int ix = ix0 + kx * DW;
#if COUNT_INCLUDE_PAD
        if (ix >= -PL && ix < W + PR)
            cols++;
#else
        if (ix >= 0 && ix < W)
            cols++;
#endif
    }
    acc /= float(deps * rows * cols);
#endif
    uint n = DIV_C(plane);
    y[Y_AT(i, n)] = Y_T(epilogue(acc, plane - n * uint(C), i));
}
