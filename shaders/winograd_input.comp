#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#if defined(VEC8) && VEC8
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
#endif
// Winograd F(T x T, 3x3), step 1 of 3: input transform (lower_winograd.c).
// For every input channel c and output tile p = (n, ty, tx) (P tiles, TH x TW
// per image), the ALPHA x ALPHA patch d of X starting at (ty*T - PT,
// tx*T - PL) (zero outside X: the padding) becomes B^T d B, stored as
//   V[a][c][p], a = i * ALPHA + j, rows of PP >= P tiles (zeros past P),
// the layout winograd_gemm.comp reads. KS x KS parts of the kernel
// (runtime/passes/winograd.c: a 5x5 as four 3x3, a stride-S kernel as S^2
// phases): row s * C + c of V is channel c's patch for part
// s = si * KS + sj, its rows and columns STEP apart (the stride) starting at
// (ty * T * STEP - PT + UNIT * si, tx * T * STEP - PL + UNIT * sj). B^T from Lavin & Gray (2016):
//   F(2x2): points 0, 1, -1, inf; F(3x3): 0, 1, -1, 1/2, inf;
//   F(4x4): 0, 1, -1, 1/2, -2, inf (passes/winograd.c has the choice).
// One invocation per (c, p), p fastest (neighbouring lanes write neighbours);
// VEC8 (devices with shaderInt64, where loads and stores are emulated per
// lane: CPU drivers): per (c, 8 tiles), each a's 8 values one u64vec4 store.
// TEXEL (CPU drivers; X whole texels): X is a uniform texel buffer; with
// STEP 1 and W % 4 == 0 (rows start on a texel) a patch row is read as the
// ceil((o + ALPHA) / 4) texels it spans (o = its first column mod 4), not
// one texel per element: half the gathers for F(4x4).
// Bindings: 0 V (scratch), 1 X.
// Shape-generic (lower_winograd.c): sizes and tile counts may be push
// constants, divisions by them DIV_<name> (common.glsl); T, the blocks and
// the load paths stay literals. The defaults below take literal defines.
#ifndef T
#define T 4
#endif
#define ALPHA (T + 2)
#ifndef N
#define N 1
#endif
#ifndef C
#define C 1
#endif
#ifndef H
#define H 4
#endif
#ifndef W
#define W 4
#endif
#ifndef PT
#define PT 0
#endif
#ifndef PL
#define PL 0
#endif
#ifndef TH
#define TH 1
#endif
#ifndef TW
#define TW 1
#endif
#ifndef P
#define P 1
#endif
#ifndef PP
#define PP 8
#endif
#ifndef KS
#define KS 1
#endif
#ifndef STEP
#define STEP 1
#endif
#ifndef UNIT
#define UNIT 3
#endif
#define CS (KS * KS * C) // rows of V
#ifndef TOTAL
#define TOTAL (uint(CS) * uint(PP))
#endif
#ifndef VEC8
#define VEC8 0
#endif
#ifndef TOTAL_TILES
#define TOTAL_TILES (TH * TW)
#endif
#ifndef W4
#define W4 (W % 4 == 0) // the lowering defines it where W is a push constant
#endif
#ifndef DIV_TOTAL_TILES
#define DIV_TOTAL_TILES(x) (uint(x) / uint(TOTAL_TILES))
#endif
#ifndef DIV_TW
#define DIV_TW(x) (uint(x) / uint(TW))
#endif
#ifndef DIV_C
#define DIV_C(x) (uint(x) / uint(C))
#endif
#ifndef DIV_PP
#define DIV_PP(x) (uint(x) / uint(PP))
#endif
#ifndef PV
#define PV (PP / 8)
#endif
#ifndef DIV_PV
#define DIV_PV(x) (uint(x) / uint(PV))
#endif

#include "common.glsl"

#if VEC8
layout(std430, binding = 0) writeonly buffer Vt8 { u64vec4 v8[]; };
#else
layout(std430, binding = 0) writeonly buffer Vt { float v[]; };
#endif
#if defined(TEXEL) && TEXEL
// X through a uniform texel buffer (whole texels): one gather per load on
// CPU drivers, where a storage-buffer load is a loop over the lanes
layout(binding = 1) uniform TEXEL_BUFFER x_t;
#define XLOAD(i) texelFetch(x_t, int((i) >> 2))[(i) & 3u]
#else
layout(std430, binding = 1) readonly buffer In { X_T x[]; };
#define XLOAD(i) float(x[i])
#endif

// One row (or column) of B^T d: the 1-D transform of ALPHA values.
void bt(inout float d[ALPHA]) {
#if T == 4
    // interpolation points 0, 1, -1, 1/2, -2, infinity (passes/winograd.c)
    float t0 = d[0] - 2.0 * d[2] + d[4] + 1.5 * (d[3] - d[1]);
    float t1 = 0.5 * d[2] + 2.5 * d[3] + d[4] - d[1];
    float t2 = d[1] - 2.5 * d[2] + 0.5 * d[3] + d[4];
    float t3 = 2.0 * (d[3] - d[1]) - d[2] + d[4];
    float t4 = 0.5 * (d[1] - d[3]) - d[2] + d[4];
    float t5 = d[1] - 1.5 * d[2] - 2.0 * d[3] + 1.5 * d[4] + d[5];
    d[0] = t0;
    d[1] = t1;
    d[2] = t2;
    d[3] = t3;
    d[4] = t4;
    d[5] = t5;
#elif T == 3
    // interpolation points 0, 1, -1, 1/2, infinity (passes/winograd.c)
    float t0 = 0.5 * (d[0] - d[2]) - d[1] + d[3];
    float t1 = 0.5 * (d[2] - d[1]) + d[3];
    float t2 = 0.5 * d[1] - 1.5 * d[2] + d[3];
    float t3 = d[3] - d[1];
    float t4 = 0.5 * (d[1] - d[3]) - d[2] + d[4];
    d[0] = t0;
    d[1] = t1;
    d[2] = t2;
    d[3] = t3;
    d[4] = t4;
#else
    float t0 = d[0] - d[2];
    float t1 = d[1] + d[2];
    float t2 = d[2] - d[1];
    float t3 = d[1] - d[3];
    d[0] = t0;
    d[1] = t1;
    d[2] = t2;
    d[3] = t3;
#endif
}

// The transform of tile p of row cs = s * C + c of V into t (B^T d B,
// a = y * ALPHA + x).
void transform(uint p, uint cs, out float t[ALPHA * ALPHA]) {
    if (p >= uint(P)) {
        [[unroll]] for (int a = 0; a < ALPHA * ALPHA; a++)
            t[a] = 0.0;
        return;
    }
    int n = int(DIV_TOTAL_TILES(p)), r = int(p) - n * TOTAL_TILES;
    uint s = DIV_C(cs), c = cs - s * uint(C);
    int ty = int(DIV_TW(r)), tx = r - ty * TW;
    int iy0 = ty * T * STEP - PT + UNIT * int(s / uint(KS));
    int ix0 = tx * T * STEP - PL + UNIT * int(s % uint(KS));
    uint xb = (uint(n) * uint(C) + c) * uint(H * W);
    float d[ALPHA][ALPHA];
#if defined(TEXEL) && TEXEL && STEP == 1 && W4
#define NT ((3 + ALPHA + 3) / 4) // texels a row of ALPHA spans at most
    const int last = N * C * H * W / 4 - 1; // the buffer's last texel
    int o = ix0 & 3;                        // the row's first column within its texel
    [[unroll]] for (int y = 0; y < ALPHA; y++) {
        int iy = iy0 + y;
        bool rowok = iy >= 0 && iy < H;
        int t0 = (int(xb) + clamp(iy, 0, H - 1) * W + ix0 - o) >> 2;
        float f[4 * NT];
        [[unroll]] for (int j = 0; j < NT; j++) {
            vec4 q = texelFetch(x_t, clamp(t0 + j, 0, last));
            f[4 * j] = q.x;
            f[4 * j + 1] = q.y;
            f[4 * j + 2] = q.z;
            f[4 * j + 3] = q.w;
        }
        [[unroll]] for (int xx = 0; xx < ALPHA; xx++) {
            int ix = ix0 + xx;
            float val = o == 0 ? f[xx] : o == 1 ? f[xx + 1] : o == 2 ? f[xx + 2] : f[xx + 3];
            d[y][xx] = rowok && ix >= 0 && ix < W ? val : 0.0;
        }
    }
#else
    [[unroll]] for (int y = 0; y < ALPHA; y++) {
        int iy = iy0 + y * STEP;
        bool rowok = iy >= 0 && iy < H;
        int row = clamp(iy, 0, H - 1) * W;
        [[unroll]] for (int xx = 0; xx < ALPHA; xx++) {
            int ix = ix0 + xx * STEP;
            float val = XLOAD(xb + uint(row + clamp(ix, 0, W - 1)));
            d[y][xx] = rowok && ix >= 0 && ix < W ? val : 0.0;
        }
    }
#endif
    // rows: d <- d B (each row transformed), then columns: B^T d
    [[unroll]] for (int y = 0; y < ALPHA; y++)
        bt(d[y]);
    [[unroll]] for (int xx = 0; xx < ALPHA; xx++) {
        float col[ALPHA];
        [[unroll]] for (int y = 0; y < ALPHA; y++)
            col[y] = d[y][xx];
        bt(col);
        [[unroll]] for (int y = 0; y < ALPHA; y++)
            t[y * ALPHA + xx] = col[y];
    }
}

void main() {
    uint i = flat_index();
    if (i >= TOTAL)
        return;
#if VEC8
    // 8 neighbouring tiles per invocation: one 8-float store per a
    uint c = DIV_PV(i), pv = i - c * uint(PV);
    float t[8][ALPHA * ALPHA];
    [[unroll]] for (int j = 0; j < 8; j++)
        transform(pv * 8u + uint(j), c, t[j]);
    [[unroll]] for (int a = 0; a < ALPHA * ALPHA; a++)
        v8[(uint(a) * uint(CS) + c) * uint(PV) + pv] =
            u64vec4(pack64(uvec2(floatBitsToUint(t[0][a]), floatBitsToUint(t[1][a]))),
                    pack64(uvec2(floatBitsToUint(t[2][a]), floatBitsToUint(t[3][a]))),
                    pack64(uvec2(floatBitsToUint(t[4][a]), floatBitsToUint(t[5][a]))),
                    pack64(uvec2(floatBitsToUint(t[6][a]), floatBitsToUint(t[7][a]))));
#else
    uint c = DIV_PP(i), p = i - c * uint(PP);
    float t[ALPHA * ALPHA];
    transform(p, c, t);
    [[unroll]] for (int a = 0; a < ALPHA * ALPHA; a++)
        v[(uint(a) * uint(CS) + c) * uint(PP) + p] = t[a];
#endif
}
