#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#if (defined(YV8) && YV8) || (defined(YV2) && YV2) || (defined(YR2) && YR2)
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
#endif
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
// TX > 0 (2-D pools that are not global, lower_window.c): an invocation
// owns TX adjacent outputs of one output row and reads each window row's
// span of input columns once for all of them, (TX - 1) * SW + (KW - 1) *
// DW + 1 values (with TEXEL as the aligned texels covering it), instead of
// KW values per output: GoogLeNet's 3x3/1 branch pools read 10 values per
// 8 outputs and row where one output per invocation read 24. Taps outside
// X read a clamped address and are then left out by a select. YV4 (the
// lowering defines it with TX: OW % 4 == 0 and TX % 4 == 0, so a block's
// outputs are aligned vec4s, Y_GAP's too): Y stored as vec4s, a quarter of
// the stores (on lavapipe 22.3 each store is a loop over the lanes); YV8
// (multiples of 8, common.glsl): as u64vec4s of 8 floats; YV2 (OW and TX
// even, common.glsl): in pairs, as 64-bit words; YR2 (odd OW, TX even):
// pairs where each row's parity allows (row_pairs.glsl).
// GLOBAL_TEXELS (global pools with TEXEL, lower_window.c): an invocation
// reduces its plane's H * W values as the whole texels covering them, the
// values of neighbouring planes in the first and last texel selected out:
// a quarter of the fetches of one value per tap.
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
#ifndef TX
#define TX 0
#endif
#if TX > 0
#define NXB ((OW + TX - 1) / TX) // row blocks per output row
#define SPAN ((TX - 1) * SW + (KW - 1) * DW + 1)
#ifndef TOTAL
#define TOTAL (uint(NC) * uint(OH) * uint(NXB))
#endif
#endif
#ifndef TOTAL
#define TOTAL (uint(NC) * uint(OD) * uint(OH) * uint(OW))
#endif

#include "common.glsl"
#define EPI_BINDING 2
#include "epilogue.glsl"
#include "span.glsl"

#ifndef YV4
#define YV4 0
#endif
#ifndef YV8
#define YV8 0
#endif
#ifndef YV2
#define YV2 0
#endif
#ifndef YR2
#define YR2 0
#endif
#if YV8 // TX > 0 rows of whole blocks of 8 (OW % 8 == 0, TX % 8 == 0; common.glsl)
layout(std430, binding = 0) writeonly buffer Out { u64vec4 y8[]; };
#elif YV4 // TX > 0 rows of whole vec4s (OW % 4 == 0, TX % 4 == 0): one store per 4 outputs
layout(std430, binding = 0) writeonly buffer Out { Y4_T y4[]; };
#elif YV2 // TX > 0 rows of whole pairs (OW and TX even): one store per 2 outputs
layout(std430, binding = 0) writeonly buffer Out { uint64_t y2[]; };
#elif YR2 // TX > 0 rows of odd parity known at run time: pairs where they fit
layout(std430, binding = 0) writeonly buffer Out { float y[]; };
layout(std430, binding = 0) writeonly buffer Out2 { uint64_t y2[]; };
#define RP_N TX
#include "row_pairs.glsl"
#else
layout(std430, binding = 0) writeonly buffer Out { Y_T y[]; };
#endif
#if defined(TEXEL) && TEXEL
layout(binding = 1) uniform TEXEL_BUFFER x_t;
#define XLOAD(i) texelFetch(x_t, int((i) >> 2))[(i) & 3u]
#else
layout(std430, binding = 1) readonly buffer In { X_T x[]; };
#define XLOAD(i) float(x[i])
#endif

#if defined(GLOBAL_TEXELS) && GLOBAL_TEXELS
void main() {
    uint plane = flat_index();
    if (plane >= uint(NC))
        return;
    int e0 = int(plane) * (H * W), e1 = e0 + H * W; // the plane's [e0, e1)
#if POOL_MAX
    vec4 acc = vec4(-VKC_INF);
#else
    vec4 acc = vec4(0.0);
#endif
    for (int t = e0 >> 2; t <= (e1 - 1) >> 2; t++) {
        vec4 q = texelFetch(x_t, t);
        [[unroll]] for (int k = 0; k < 4; k++) {
            bool ok = 4 * t + k >= e0 && 4 * t + k < e1;
#if POOL_MAX
            acc[k] = max(acc[k], ok ? q[k] : -VKC_INF);
#else
            acc[k] += ok ? q[k] : 0.0;
#endif
        }
    }
#if POOL_MAX
    float v = max(max(acc.x, acc.y), max(acc.z, acc.w));
#else
    float v = (acc.x + acc.y + acc.z + acc.w) / float(H * W);
#endif
    uint n = DIV_C(plane);
    y[Y_AT(plane, n)] = Y_T(epilogue(v, plane - n * uint(C), plane));
}
#elif TX > 0
// Columns ix0 .. ix0 + SPAN - 1 of the input row at rowbase into v, those
// outside X read at a clamped address (main's cok marks them).
#if defined(TEXEL) && TEXEL
TEXEL_SPAN(x_span, x_t, SPAN, (int(NC) * H * W) / 4) // TEXEL: NC * H * W % 4 == 0
#endif
void load_span(uint rowbase, int ix0, out float v[SPAN]) {
#if defined(TEXEL) && TEXEL
    x_span(int(rowbase) + ix0, v);
#else
    [[unroll]] for (int u = 0; u < SPAN; u++)
        v[u] = XLOAD(rowbase + uint(clamp(ix0 + u, 0, W - 1)));
#endif
}

void main() {
    uint i = flat_index();
    if (i >= TOTAL)
        return;
    uint r = i / uint(NXB); // output row (plane, oy)
    uint ox0 = (i - r * uint(NXB)) * uint(TX);
    uint plane = r / uint(OH);
    uint oy = r - plane * uint(OH);
    uint base = plane * uint(H * W);
    int iy0 = int(oy) * SH - PT, ix0 = int(ox0) * SW - PL;
    bool cok[SPAN];
    [[unroll]] for (int u = 0; u < SPAN; u++)
        cok[u] = ix0 + u >= 0 && ix0 + u < W;
    float acc[TX];
    [[unroll]] for (int j = 0; j < TX; j++)
#if POOL_MAX
        acc[j] = -VKC_INF;
#else
        acc[j] = 0.0;
#endif
    for (int ky = 0; ky < KH; ky++) { // a loop: only a row's work is unrolled
        int iy = iy0 + ky * DH;
        bool rok = iy >= 0 && iy < H;
        float v[SPAN];
        load_span(base + uint(clamp(iy, 0, H - 1) * W), ix0, v);
        [[unroll]] for (int j = 0; j < TX; j++)
            [[unroll]] for (int kx = 0; kx < KW; kx++) {
                int u = j * SW + kx * DW;
                bool ok = rok && cok[u];
#if POOL_MAX
                acc[j] = max(acc[j], ok ? v[u] : -VKC_INF);
#else
                acc[j] += ok ? v[u] : 0.0;
#endif
            }
    }
    uint n = DIV_C(plane);
#if !POOL_MAX
    int rows = 0;
    [[unroll]] for (int ky = 0; ky < KH; ky++) {
        int iy = iy0 + ky * DH;
#if COUNT_INCLUDE_PAD
        rows += iy >= -PT && iy < H + PB ? 1 : 0;
#else
        rows += iy >= 0 && iy < H ? 1 : 0;
#endif
    }
#endif
#if YV8
    float q[8];
#elif YV4
    vec4 q;
#elif YV2
    float q[2];
#elif YR2
    float q[TX]; // past OW: never stored
    [[unroll]] for (int j = 0; j < TX; j++)
        q[j] = 0.0;
#endif
    [[unroll]] for (int j = 0; j < TX; j++) {
        uint ox = ox0 + uint(j);
        if (ox < uint(OW)) { // YV4, YV8: a block lies wholly inside or past OW
            float v = acc[j];
#if !POOL_MAX
            int cols = 0;
            [[unroll]] for (int kx = 0; kx < KW; kx++) {
                int ix = ix0 + j * SW + kx * DW;
#if COUNT_INCLUDE_PAD
                cols += ix >= -PL && ix < W + PR ? 1 : 0;
#else
                cols += ix >= 0 && ix < W ? 1 : 0;
#endif
            }
            v /= float(rows * cols);
#endif
            uint o = r * uint(OW) + ox;
#if YV8
            q[j & 7] = epilogue(v, plane - n * uint(C), o);
            if ((j & 7) == 7)
                y8[Y_AT(o - 7u, n) >> 3] = y8_pack(q); // Y_GAP % 8 == 0 here
#elif YV4
            q[j & 3] = epilogue(v, plane - n * uint(C), o);
            if ((j & 3) == 3)
                y4[Y_AT(o - 3u, n) >> 2] = Y4_T(q); // Y_GAP % 4 == 0 here
#elif YV2
            q[j & 1] = epilogue(v, plane - n * uint(C), o);
            if ((j & 1) == 1)
                y2[Y_AT(o - 1u, n) >> 1] = y2_pack(q[0], q[1]); // Y_GAP even here
#elif YR2
            q[j] = epilogue(v, plane - n * uint(C), o);
#else
            y[Y_AT(o, n)] = Y_T(epilogue(v, plane - n * uint(C), o));
#endif
        }
    }
#if YR2
    store_row_pairs(q, Y_AT(r * uint(OW) + ox0, n), OW - int(ox0));
#endif
}
#else
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
#endif
