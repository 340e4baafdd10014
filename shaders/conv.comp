#version 450
#extension GL_GOOGLE_include_directive : require
// Direct convolution, fp32, NCHW, one invocation per output element.
// Y[n, m, oy, ox] = B[m] + sum over c < C/GROUP, ky, kx of
//   X[n, g*C/GROUP + c, oy*SH - PT + ky*DH, ox*SW - PL + kx*DW] * W[m, c, ky, kx]
// with g = m / (M/GROUP) and zero outside X. 1-D convolutions use H = KH = 1.
// The fused epilogue (epilogue.glsl) then applies the post-ops per element.
// Bindings: 0 Y, 1 X, 2.. W (split, see split.glsl), then B when HAS_BIAS,
// then the
// epilogue's operands (EPI_BINDING on).
#ifndef N
#define N 1
#endif
#ifndef C
#define C 1
#endif
#ifndef H
#define H 1
#endif
#ifndef W
#define W 1
#endif
#ifndef M
#define M 1
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
#ifndef DH
#define DH 1
#endif
#ifndef DW
#define DW 1
#endif
#ifndef GROUP
#define GROUP 1
#endif
#ifndef HAS_BIAS
#define HAS_BIAS 0
#endif
#ifndef TOTAL
#define TOTAL (uint(N) * uint(M) * uint(OH) * uint(OW))
#endif
#define WT_BINDING 2

#include "common.glsl"
#include "split.glsl"
#ifndef XSCALE
#define XSCALE 0
#endif
#define EPI_BINDING (2 + WT_CHUNKS + HAS_BIAS + (XSCALE > 0 ? 1 : 0))
#include "epilogue.glsl"

layout(std430, binding = 0) writeonly buffer Out { Y_T y[]; };
layout(std430, binding = 1) readonly buffer In { X_T x[]; };
#if HAS_BIAS
layout(std430, binding = 2 + WT_CHUNKS) readonly buffer Bias { float bias[]; };
#endif
#if XSCALE
// X's scale (squeeze-and-excitation): one value per channel (XSCALE 1) or
// per image and channel (2)
layout(std430, binding = 2 + WT_CHUNKS + HAS_BIAS) readonly buffer XScale { float xs[]; };
#endif

void main() {
    uint i = flat_index();
    if (i >= TOTAL)
        return;
    const uint CG = uint(C / GROUP), MG = uint(M / GROUP);
    uint ox = i % uint(OW);
    uint t = i / uint(OW);
    uint oy = t % uint(OH);
    t /= uint(OH);
    uint m = t % uint(M);
    uint n = t / uint(M);
    uint g = m / MG;
    int iy0 = int(oy) * SH - PT, ix0 = int(ox) * SW - PL;
    float acc = 0.0;
    for (uint c = 0u; c < CG; c++) {
        uint xbase = (n * uint(C) + g * CG + c) * uint(H * W);
        uint wbase = (m * CG + c) * uint(KH * KW);
#if XSCALE == 1
        float scale = xs[g * CG + c];
#elif XSCALE == 2
        float scale = xs[n * uint(C) + g * CG + c];
#else
        const float scale = 1.0;
#endif
        for (int ky = 0; ky < KH; ky++) {
            int iy = iy0 + ky * DH;
            if (iy < 0 || iy >= H)
                continue;
            for (int kx = 0; kx < KW; kx++) {
                int ix = ix0 + kx * DW;
                if (ix < 0 || ix >= W)
                    continue;
                acc += float(x[xbase + uint(iy * W + ix)]) * scale * wt_load(wbase + uint(ky * KW + kx));
            }
        }
    }
#if HAS_BIAS
    acc += bias[m];
#endif
    y[i] = Y_T(epilogue(acc, m, i));
}
