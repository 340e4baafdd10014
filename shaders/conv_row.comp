#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#if (defined(YV8) && YV8) || (defined(YR2) && YR2)
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
#endif
// Convolution of group 1 with few input channels (a network's first layer:
// RGB in, ResNet's and GoogLeNet's 7x7 stride 2, MobileNet's 3x3 stride 2),
// fp32, NCHW:
//   Y[n, m, oy, ox] = B[m] + sum over c, ky, kx of
//     X[n, c, oy*SH - PT + ky*DH, ox*SW - PL + kx*DW] * W[m, c, ky, kx]
// zero outside X; 1-D convolutions use H = KH = 1. The fused epilogue
// (epilogue.glsl) then applies the post-ops per element.
//
// Invocation t of the grid owns TM output channels x TX adjacent outputs of
// one output row: t = ((n * NMB + mb) * OH + oy) * NXB + xb, row blocks
// fastest. For each input channel c and window row ky it reads the XC input
// columns its TX outputs span once, as the aligned texels covering them
// (TEXEL), and for each of its TM channels the KW weights W[m, c, ky, .]
// (consecutive in W) likewise; then TM * TX * KW FMAs. A 7x7 stride-2 row of
// TX 16 at TM 8: 11 + 8 * 3 fetches for 896 FMAs, where the implicit GEMM
// (conv_gemm.comp) loads per tap, and a channel count of 3 gives its
// reduction over c nothing to block. Only (c, ky)'s work is unrolled: LLVM's
// time to build the pipeline grows with the unrolled FMAs (TM * TX * KW).
// Taps outside X read a clamped, valid address and select 0; outputs past
// OW and channels past M are computed and never stored. YV4 (the lowering
// defines it: OW % 4 == 0 and TX % 4 == 0, so a block's outputs are aligned
// vec4s, Y_GAP's too): Y stored as vec4s, a quarter of the stores (on
// lavapipe 22.3 each store is a loop over the lanes, and with the stores
// skipped a 3x3 stride-2 stem ran in 60% of its time); YV8 (multiples of
// 8, common.glsl): as u64vec4s of 8 floats. YR2 (rows that are no whole
// vec4s, TX even; the lowering defines it where Y takes 64-bit words):
// each row segment as pairs of floats at even elements (row_pairs.glsl),
// TX / 2 + 2 stores instead of TX.
// TEXEL (CPU drivers): X and W through uniform texel buffers; WT_HALF: W
// stored as IEEE halves (fp16 weights), read per element. WPACK (TEXEL,
// TM % 4 == 0; passes/row_pack.c): W packed as [C][KH][M4][KW][4], M4 =
// ceil(M / 4), so that tap kx of 4 consecutive channels is one aligned
// texel: per (c, ky) TM / 4 * KW fetches and no selects, where each
// channel's KW taps in ONNX's order cost KW / 4 + 2 fetches and the
// selects that align them (a 7x7 stem at TM 8: 14 fetches against 24).
// Bindings: 0 Y, 1 X, 2 W, then B when HAS_BIAS, then the epilogue's
// operands (EPI_BINDING on).
// Shape-generic: the lowering defines the sizes and pads (N, C, M, H, W,
// OH, OW, PT, PL, the block counts, TOTAL) as push constants and divisions
// by them as DIV_<name> (common.glsl); the window, stride, dilation and the
// block are literals.
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
#ifndef HAS_BIAS
#define HAS_BIAS 0
#endif
#ifndef TM
#define TM 8
#endif
#ifndef TX
#define TX 8
#endif
#ifndef TEXEL
#define TEXEL 0
#endif
#ifndef WT_HALF
#define WT_HALF 0
#endif
#ifndef YV4
#define YV4 0
#endif
#ifndef YV8
#define YV8 0
#endif
#ifndef YR2
#define YR2 0
#endif
#ifndef WPACK
#define WPACK 0
#endif
#define M4 ((M + 3) / 4) // WPACK: texels of 4 channels per tap
#ifndef HW
#define HW (H * W)
#endif
#ifndef OHW
#define OHW (OH * OW)
#endif
#ifndef NXB
#define NXB ((OW + TX - 1) / TX) // row blocks per output row
#endif
#ifndef NMB
#define NMB ((M + TM - 1) / TM) // channel blocks
#endif
#ifndef DIV_NXB
#define DIV_NXB(x) (uint(x) / uint(NXB))
#endif
#ifndef ROWS
#define ROWS OH // output rows per image (the lowering: a push constant with a divisor)
#endif
#ifndef DIV_ROWS
#define DIV_ROWS(x) (uint(x) / uint(ROWS))
#endif
#ifndef DIV_NMB
#define DIV_NMB(x) (uint(x) / uint(NMB))
#endif
#define XC ((TX - 1) * SW + (KW - 1) * DW + 1) // input columns a row block reads
#ifndef TOTAL // the lowering defines it: the row blocks
#define TOTAL (uint(N) * uint(NMB) * uint(OH) * uint(NXB))
#endif

#include "common.glsl"
#define EPI_BINDING (3 + HAS_BIAS)
#include "epilogue.glsl"
#include "span.glsl"

#if YV8 // rows of whole blocks of 8 (OW % 8 == 0, TX % 8 == 0; common.glsl)
layout(std430, binding = 0) writeonly buffer Out { u64vec4 y8[]; };
#elif YV4 // rows of whole vec4s (OW % 4 == 0, TX % 4 == 0): one store per 4 outputs
layout(std430, binding = 0) writeonly buffer Out { Y4_T y4[]; };
#elif YR2 // Y's floats, and pairs of them as 64-bit words: two views
layout(std430, binding = 0) writeonly buffer Out { float y[]; };
layout(std430, binding = 0) writeonly buffer Out2 { uint64_t y2[]; };
#define RP_N TX
#include "row_pairs.glsl"
#else
layout(std430, binding = 0) writeonly buffer Out { Y_T y[]; };
#endif
#if TEXEL
layout(binding = 1) uniform TEXEL_BUFFER x_t;
#if WT_HALF
layout(binding = 2) uniform UTEXEL_BUFFER wt_t;
#define WLOAD(i) (unpackHalf2x16(texelFetch(wt_t, int(uint(i) >> 3))[(uint(i) >> 1) & 3u])[uint(i) & 1u])
#else
layout(binding = 2) uniform TEXEL_BUFFER wt_t;
#endif
#else
layout(std430, binding = 1) readonly buffer In { X_T x[]; };
#if WT_HALF
layout(std430, binding = 2) readonly buffer Wt { uint wt[]; };
#define WLOAD(i) (unpackHalf2x16(wt[uint(i) >> 1])[uint(i) & 1u])
#else
layout(std430, binding = 2) readonly buffer Wt { float wt[]; };
#define WLOAD(i) wt[i]
#endif
#endif
#if HAS_BIAS
layout(std430, binding = 3) readonly buffer Bias { float bias[]; };
#endif

// X's elements e .. e + XC - 1 (one input row's span; columns outside the
// row read its neighbours, selected out by the caller)
#if TEXEL
TEXEL_SPAN(x_span, x_t, XC, (N * C * HW) >> 2) // TEXEL: N * C * H * W % 4 == 0
#endif
#if TEXEL && !WT_HALF
TEXEL_SPAN(w_span, wt_t, KW, (M * C * KH * KW) >> 2) // TEXEL: M * C * KH * KW % 4 == 0
#endif
void load_row(int e, out float v[XC]) {
#if TEXEL
    x_span(e, v);
#else
    int last = N * C * HW - 1;
    [[unroll]] for (int u = 0; u < XC; u++)
        v[u] = float(x[clamp(e + u, 0, last)]);
#endif
}

// W's elements e .. e + KW - 1 (W[m, c, ky, .])
void load_w(int e, out float v[KW]) {
#if TEXEL && !WT_HALF
    w_span(e, v);
#else
    [[unroll]] for (int u = 0; u < KW; u++)
        v[u] = WLOAD(e + u);
#endif
}

void main() {
    uint t = flat_index();
    if (t >= TOTAL)
        return;
    uint q = DIV_NXB(t);
    int xb = int(t - q * uint(NXB));
    t = DIV_ROWS(q);
    int oy = int(q - t * uint(ROWS));
    int n = int(DIV_NMB(t));
    int m0 = (int(t) - n * NMB) * TM;
    int ox0 = xb * TX;
    int iy0 = oy * SH - PT, ix0 = ox0 * SW - PL;
    bool colok[XC];
    [[unroll]] for (int u = 0; u < XC; u++)
        colok[u] = ix0 + u >= 0 && ix0 + u < W;
    int wrow[TM]; // W[m0 + i, 0, 0, 0] (channels past M clamped to the last)
    [[unroll]] for (int i = 0; i < TM; i++)
        wrow[i] = min(m0 + i, M - 1) * C * KH * KW;
    float acc[TM][TX];
    [[unroll]] for (int i = 0; i < TM; i++)
        [[unroll]] for (int j = 0; j < TX; j++)
            acc[i][j] = 0.0;
#if WPACK
    int q0 = m0 / 4; // the block's first texel of channels (TM % 4 == 0)
#endif
    for (int c = 0; c < C; c++) {
        for (int ky = 0; ky < KH; ky++) { // loops: only a row's work is unrolled
            int iy = iy0 + ky * DH;
            bool rowok = iy >= 0 && iy < H;
            float row[XC];
            load_row((n * C + c) * HW + clamp(iy, 0, H - 1) * W + ix0, row);
            [[unroll]] for (int u = 0; u < XC; u++)
                row[u] = rowok && colok[u] ? row[u] : 0.0;
#if WPACK
            vec4 wq[TM / 4][KW]; // tap kx of channels m0 + 4r .. + 3 (past M: zeros, clamped)
            [[unroll]] for (int r = 0; r < TM / 4; r++)
                [[unroll]] for (int kx = 0; kx < KW; kx++)
                    wq[r][kx] = texelFetch(wt_t, ((c * KH + ky) * M4 + min(q0 + r, M4 - 1)) * KW + kx);
#endif
            [[unroll]] for (int i = 0; i < TM; i++) {
                float wv[KW];
#if WPACK
                [[unroll]] for (int kx = 0; kx < KW; kx++)
                    wv[kx] = wq[i / 4][kx][i % 4];
#else
                load_w(wrow[i] + (c * KH + ky) * KW, wv);
#endif
#if KW >= 5
                // kx innermost for wide windows: on lavapipe each accumulator
                // (spilled: the block is larger than the register file) is
                // then loaded and stored once per KW FMAs, not once per FMA:
                // ResNet's 7x7 stem 8% faster; VGG-16's 3x3 first layer ran
                // 18% slower so (bench/RESULTS.md, stop 40). The sums' order is
                // the same either way.
                [[unroll]] for (int j = 0; j < TX; j++) {
                    float s = acc[i][j];
                    [[unroll]] for (int kx = 0; kx < KW; kx++)
                        s += wv[kx] * row[j * SW + kx * DW];
                    acc[i][j] = s;
                }
#else
                [[unroll]] for (int kx = 0; kx < KW; kx++)
                    [[unroll]] for (int j = 0; j < TX; j++)
                        acc[i][j] += wv[kx] * row[j * SW + kx * DW];
#endif
            }
        }
    }
    [[unroll]] for (int i = 0; i < TM; i++) {
        int m = m0 + i;
        if (m < M) {
#if HAS_BIAS
            float b = bias[m];
#else
            const float b = 0.0;
#endif
            int yb = (n * M + m) * OHW + oy * OW + ox0;
#if YV8
            [[unroll]] for (int j = 0; j < TX / 8; j++)
                if (ox0 + 8 * j < OW) {
                    uint o = uint(yb + 8 * j);
                    float v[8];
                    [[unroll]] for (int k = 0; k < 8; k++)
                        v[k] = epilogue(acc[i][8 * j + k] + b, uint(m), o + uint(k));
                    y8[Y_AT(o, n) >> 3] = y8_pack(v); // Y_GAP % 8 == 0 here
                }
#elif YV4
            [[unroll]] for (int j = 0; j < TX / 4; j++)
                if (ox0 + 4 * j < OW) {
                    uint o = uint(yb + 4 * j);
                    vec4 v;
                    [[unroll]] for (int k = 0; k < 4; k++)
                        v[k] = epilogue(acc[i][4 * j + k] + b, uint(m), o + uint(k));
                    y4[Y_AT(o, n) >> 2] = Y4_T(v); // Y_GAP % 4 == 0 here
                }
#elif YR2
            float v[TX]; // past OW: not stored, the epilogue's operands read at OW - 1
            [[unroll]] for (int j = 0; j < TX; j++)
                v[j] = epilogue(acc[i][j] + b, uint(m), uint(yb + min(j, OW - 1 - ox0)));
            store_row_pairs(v, Y_AT(uint(yb), n), OW - ox0);
#else
            [[unroll]] for (int j = 0; j < TX; j++)
                if (ox0 + j < OW) {
                    uint o = uint(yb + j);
                    y[Y_AT(o, n)] = Y_T(epilogue(acc[i][j] + b, uint(m), o));
                }
#endif
        }
    }
}
