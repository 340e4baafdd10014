#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#if (defined(VEC8) && VEC8) || (defined(YV8) && YV8)
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
#endif
// Winograd F(T x T, 3x3), step 3 of 3: output transform (lower_winograd.c).
// For output channel m and tile p = (n, ty, tx), the ALPHA x ALPHA products
// Mt[a][m][p] (winograd_gemm.comp) become the T x T outputs A^T Mt A, plus
// the bias, through the fused epilogue (epilogue.glsl), stored into
// Y[n, m, ty*T + u, tx*T + w] (NCHW) where inside OH x OW. A^T from Lavin &
// Gray (2016), the points of winograd_input.comp.
// POOL (a fused MaxPool, window POOL x POOL at stride POOL, T a multiple of
// POOL): the tile's outputs, after the epilogue, are max-pooled in
// registers and only the PH x PW pooled outputs are stored; every window
// lies in one tile, and windows past PH x PW (the floor of an odd OH or OW)
// are dropped as the pool drops them.
// One invocation per (m, p), p fastest; VEC8 (devices with shaderInt64,
// where loads are emulated per lane: CPU drivers): per (m, 8 tiles), each
// a's 8 values one u64vec4 load. Mt's rows are PP long, MP rows per a.
// TEXEL (CPU drivers): Mt is a uniform texel buffer.
// Bindings: 0 Y, 1 Mt (scratch), then B when HAS_BIAS, then the
// epilogue's operands (EPI_BINDING on).
// Shape-generic (lower_winograd.c): sizes and tile counts may be push
// constants, divisions by them DIV_<name> (common.glsl); T, the blocks and
// the load paths stay literals. The defaults below take literal defines.
#ifndef T
#define T 4
#endif
#ifndef HAS_BIAS
#define HAS_BIAS 0
#endif
#define ALPHA (T + 2)
#ifndef M
#define M 1
#endif
#ifndef MP
#define MP 16
#endif
#ifndef OH
#define OH 4
#endif
#ifndef OW
#define OW 4
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
#ifndef TOTAL
#define TOTAL (uint(M) * uint(P))
#endif
#ifndef VEC8
#define VEC8 0
#endif
#ifndef TOTAL_TILES
#define TOTAL_TILES (TH * TW)
#endif
#ifndef DIV_TOTAL_TILES
#define DIV_TOTAL_TILES(x) (uint(x) / uint(TOTAL_TILES))
#endif
#ifndef DIV_TW
#define DIV_TW(x) (uint(x) / uint(TW))
#endif
#ifndef DIV_P
#define DIV_P(x) (uint(x) / uint(P))
#endif
#ifndef PV
#define PV (PP / 8)
#endif
#ifndef DIV_PV
#define DIV_PV(x) (uint(x) / uint(PV))
#endif
#ifndef POOL
#define POOL 0
#endif

#include "common.glsl"
#define EPI_BINDING (2 + HAS_BIAS)
#include "epilogue.glsl"

#ifndef STORE4
#define STORE4 0
#endif
#ifndef YV8
#define YV8 0
#endif
#if YV8
// YV8 (STORE4 with VEC8, OW a multiple of 8, fp32 Y): TW is even, so the
// tiles 2k and 2k + 1 of an invocation's 8 are neighbours in one tile row,
// and their rows make one aligned block of 8 floats of Y, stored as one
// u64vec4 (common.glsl)
layout(std430, binding = 0) writeonly buffer Out { u64vec4 y8[]; };
#elif STORE4
// STORE4 (T 4, no pool, OW a multiple of 4): a tile row is one aligned vec4
// of Y (a store per lane is a loop on CPU drivers)
layout(std430, binding = 0) writeonly buffer Out { Y4_T y4[]; };
#else
layout(std430, binding = 0) writeonly buffer Out { Y_T y[]; };
#endif
#if defined(TEXEL) && TEXEL
// Mt through a uniform texel buffer: one gather per 4 floats on CPU drivers
layout(binding = 1) uniform TEXEL_BUFFER mt_t;
#elif VEC8
layout(std430, binding = 1) readonly buffer Prod8 { u64vec4 mt8[]; };
#else
layout(std430, binding = 1) readonly buffer Prod { float mt[]; };
#endif
#if HAS_BIAS
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
#endif

float channel_bias(uint m) {
#if HAS_BIAS
    return bias[m];
#else
    return 0.0;
#endif
}

// The 1-D output transform A^T s of ALPHA values into T.
void at(float s[ALPHA], out float o[T]) {
#if T == 4
    // points 0, 1, -1, 1/2, -2, infinity: row i is (p^i), with 1 at infinity in the last
    float a = s[1] + s[2], b = s[1] - s[2];
    o[0] = s[0] + a + s[3] + s[4];
    o[1] = b + 0.5 * s[3] - 2.0 * s[4];
    o[2] = a + 0.25 * s[3] + 4.0 * s[4];
    o[3] = b + 0.125 * s[3] - 8.0 * s[4] + s[5];
#elif T == 3
    // points 0, 1, -1, 1/2, infinity
    o[0] = s[0] + s[1] + s[2] + s[3];
    o[1] = s[1] - s[2] + 0.5 * s[3];
    o[2] = s[1] + s[2] + 0.25 * s[3] + s[4];
#else
    o[0] = s[0] + s[1] + s[2];
    o[1] = s[1] - s[2] - s[3];
#endif
}

// Tile p of channel m from its ALPHA^2 products s (a = y * ALPHA + x): its
// image n, first output row oy0 and column ox0, and its outputs after the
// bias b and the epilogue, v[u][w] at row oy0 + u and column ox0 + w (those
// past OH or OW computed at a clamped index, never stored).
void tile_outputs(uint p, uint m, float b, float s[ALPHA * ALPHA], out int n, out int oy0,
                  out int ox0, out float v[T][T]) {
    // rows: s A (ALPHA rows of T), then columns: A^T (s A)
    float r[ALPHA][T];
    [[unroll]] for (int a = 0; a < ALPHA; a++) {
        float row[ALPHA];
        [[unroll]] for (int b = 0; b < ALPHA; b++)
            row[b] = s[a * ALPHA + b];
        at(row, r[a]);
    }
    n = int(DIV_TOTAL_TILES(p));
    int q = int(p) - n * TOTAL_TILES;
    int ty = int(DIV_TW(q));
    oy0 = ty * T;
    ox0 = (q - ty * TW) * T;
    // the epilogue's output index (clamped inside the image on partial tiles,
    // whose values are never stored)
    uint cb = (uint(n) * uint(M) + m) * uint(OH * OW);
#define OUT_INDEX(u, w) (cb + uint(min(oy0 + (u), OH - 1) * OW + min(ox0 + (w), OW - 1)))
    [[unroll]] for (int w = 0; w < T; w++) {
        float col[ALPHA], o[T];
        [[unroll]] for (int a = 0; a < ALPHA; a++)
            col[a] = r[a][w];
        at(col, o);
        [[unroll]] for (int u = 0; u < T; u++)
            v[u][w] = o[u] + b;
    }
#if STORE4
    // rows of 4 whole, aligned outputs (OW % 4 == 0, T 4): the epilogue per
    // row, its texel operands read once per row (epilogue4)
    [[unroll]] for (int u = 0; u < T; u++) {
        vec4 e = epilogue4(vec4(v[u][0], v[u][1], v[u][2], v[u][3]), m, OUT_INDEX(u, 0));
        [[unroll]] for (int w = 0; w < T; w++)
            v[u][w] = e[w];
    }
#else
    [[unroll]] for (int u = 0; u < T; u++)
        [[unroll]] for (int w = 0; w < T; w++)
            v[u][w] = epilogue(v[u][w], m, OUT_INDEX(u, w));
#endif
}

#if YV8
// Tiles p and p + 1 of channel m (p even: neighbours in one tile row), one
// u64vec4 per output row.
void finish_pair(uint p, uint m, float b, float s0[ALPHA * ALPHA], float s1[ALPHA * ALPHA]) {
    int n, oy0, ox0, n1, oy1, ox1;
    float v0[T][T], v1[T][T];
    tile_outputs(p, m, b, s0, n, oy0, ox0, v0);
    tile_outputs(p + 1u, m, b, s1, n1, oy1, ox1, v1);
    uint yb = (uint(n) * uint(M) + m) * uint(OH * OW);
    [[unroll]] for (int u = 0; u < T; u++)
        if (oy0 + u < OH) {
            float e[8];
            [[unroll]] for (int w = 0; w < T; w++) {
                e[w] = v0[u][w];
                e[T + w] = v1[u][w];
            }
            y8[Y_AT(yb + uint((oy0 + u) * OW + ox0), n) >> 3] = y8_pack(e); // Y_GAP % 8 == 0
        }
}

#else
// Tile p of channel m, stored.
void finish(uint p, uint m, float b, float s[ALPHA * ALPHA]) {
    int n, oy0, ox0;
    float v[T][T];
    tile_outputs(p, m, b, s, n, oy0, ox0, v);
#if POOL
    uint yb = (uint(n) * uint(M) + m) * uint(PH * PW);
    int py0 = oy0 / POOL, px0 = ox0 / POOL;
    [[unroll]] for (int i = 0; i < T / POOL; i++)
        [[unroll]] for (int j = 0; j < T / POOL; j++) {
            float mx = v[i * POOL][j * POOL];
            [[unroll]] for (int u = 0; u < POOL; u++)
                [[unroll]] for (int w = 0; w < POOL; w++)
                    mx = max(mx, v[i * POOL + u][j * POOL + w]);
            if (py0 + i < PH && px0 + j < PW)
                y[Y_AT(yb + uint((py0 + i) * PW + px0 + j), n)] = Y_T(mx);
        }
#elif STORE4
    uint yb = (uint(n) * uint(M) + m) * uint(OH * OW);
    [[unroll]] for (int u = 0; u < T; u++)
        if (oy0 + u < OH)
            y4[Y_AT(yb + uint((oy0 + u) * OW + ox0), n) >> 2] =
                Y4_T(vec4(v[u][0], v[u][1], v[u][2], v[u][3])); // Y_GAP % 4 == 0 here
#else
    uint yb = (uint(n) * uint(M) + m) * uint(OH * OW);
    [[unroll]] for (int w = 0; w < T; w++)
        [[unroll]] for (int u = 0; u < T; u++)
            if (ox0 + w < OW && oy0 + u < OH)
                y[Y_AT(yb + uint((oy0 + u) * OW + ox0 + w), n)] = Y_T(v[u][w]);
#endif
}
#endif

void main() {
    uint i = flat_index();
    if (i >= TOTAL)
        return;
#if VEC8
    // 8 neighbouring tiles per invocation: one 8-float load per a
    uint m = DIV_PV(i), pv = i - m * uint(PV);
    float b = channel_bias(m); // once for the 8 tiles, all of channel m
    float s[8][ALPHA * ALPHA];
    [[unroll]] for (int a = 0; a < ALPHA * ALPHA; a++) {
#if defined(TEXEL) && TEXEL
        int at = int(((uint(a) * uint(MP) + m) * uint(PV) + pv) * 2u);
        vec4 lo = texelFetch(mt_t, at), hi = texelFetch(mt_t, at + 1);
        s[0][a] = lo.x;
        s[1][a] = lo.y;
        s[2][a] = lo.z;
        s[3][a] = lo.w;
        s[4][a] = hi.x;
        s[5][a] = hi.y;
        s[6][a] = hi.z;
        s[7][a] = hi.w;
#else
        u64vec4 t = mt8[(uint(a) * uint(MP) + m) * uint(PV) + pv];
        uvec2 w0 = unpack32(t.x), w1 = unpack32(t.y), w2 = unpack32(t.z), w3 = unpack32(t.w);
        s[0][a] = uintBitsToFloat(w0.x);
        s[1][a] = uintBitsToFloat(w0.y);
        s[2][a] = uintBitsToFloat(w1.x);
        s[3][a] = uintBitsToFloat(w1.y);
        s[4][a] = uintBitsToFloat(w2.x);
        s[5][a] = uintBitsToFloat(w2.y);
        s[6][a] = uintBitsToFloat(w3.x);
        s[7][a] = uintBitsToFloat(w3.y);
#endif
    }
#if YV8
    [[unroll]] for (int j = 0; j < 8; j += 2)
        if (pv * 8u + uint(j) < uint(P)) // P is even (TW is)
            finish_pair(pv * 8u + uint(j), m, b, s[j], s[j + 1]);
#else
    [[unroll]] for (int j = 0; j < 8; j++)
        if (pv * 8u + uint(j) < uint(P))
            finish(pv * 8u + uint(j), m, b, s[j]);
#endif
#else
    uint m = DIV_P(i), p = i - m * uint(P);
    float s[ALPHA * ALPHA];
    [[unroll]] for (int a = 0; a < ALPHA * ALPHA; a++) {
        uint at = (uint(a) * uint(MP) + m) * uint(PP) + p;
#if defined(TEXEL) && TEXEL
        s[a] = texelFetch(mt_t, int(at >> 2))[at & 3u];
#else
        s[a] = mt[at];
#endif
    }
    finish(p, m, channel_bias(m), s);
#endif
}
