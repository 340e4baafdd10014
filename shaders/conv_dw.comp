#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#if (defined(YV8) && YV8) || (defined(YR2) && YR2)
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
#endif
// Depthwise convolution (GROUP == C, one input channel per group), fp32,
// NCHW, with channel multiplier MG = M / C:
//   Y[n, m, oy, ox] = B[m] + sum over ky, kx of
//     X[n, m / MG, oy*SH - PT + ky*DH, ox*SW - PL + kx*DW] * W[m, 0, ky, kx]
// zero outside X. 1-D convolutions use H = KH = 1. The fused epilogue
// (epilogue.glsl) then applies the post-ops per element.
//
// No GEMM: a depthwise layer has KH*KW MACs per output and no reduction
// over channels, so loads, not FMAs, bound it (on lavapipe every load of a
// SIMD row is a gather). Invocation t of the grid owns a TY x TX tile of
// outputs of one image and channel (t = ((n * M + m) * NTY + ty) * NTX +
// tx: tiles of one row fastest, so neighbouring lanes read neighbouring X).
// It loads the channel's KH*KW weights once, then computes the tile's output
// rows one after the other in a loop, over a window of the KR input rows
// the current output row reads (XC columns each, in registers): moving down
// one output row drops the window's first SH rows and loads SH new ones
// (all KR when SH >= KR). So each input row is loaded once per tile, and
// per output row that is SH*XC loads for TX*KH*KW FMAs: 3x3 stride 1 at TX
// 8, 10 loads for 72 FMAs, where a load per tap would be 72. Only one
// output row is unrolled (TX*KH*KW FMAs), so TY costs no code: LLVM's time
// to build the pipeline grows with the unrolled FMAs, not with the tile.
// Columns and rows outside X read a clamped, valid address and select 0;
// outputs past OH or OW are computed and never stored. YV4 (the lowering
// defines it: OW % 4 == 0 and TX % 4 == 0, so a tile row's outputs are
// aligned vec4s, Y_GAP's too): Y stored as vec4s, a quarter of the stores
// (on lavapipe each store is a loop over the lanes); YV8 (multiples of 8,
// common.glsl): as u64vec4s of 8 floats. YR2 (rows of no whole vec4s, TX
// even, where Y takes 64-bit words: the 14x14 and 7x7 layers of MobileNets
// and EfficientNets): each row segment as pairs of floats at even elements
// (row_pairs.glsl), TX / 2 + 2 stores instead of TX. Rows of even OW would
// take TX / 2 (pairs only), but in a pipeline of their own: 14x14 and 7x7
// layers share one here, and each pipeline costs start-up.
// TEXEL (CPU drivers): X and W through uniform texel buffers, a window
// row's XC columns read as the XC/4 + 2 aligned texels that cover them,
// shifted by the row's offset mod 4 (selects): 3x3 stride 1 at TX 8, 4
// fetches per row where one per column would be 10 (each texel fetch a
// gather on lavapipe); the channel's KH*KW weights likewise, KH*KW/4 + 2
// fetches (4 for 3x3, 8 for 5x5) where one per weight was 9 or 25.
// WT_HALF: W stored as IEEE halves (fp16 weights). XSCALE: X's scale per
// channel (1) or per image and channel (2), squeeze-and-excitation: every
// tap of an output reads the same input channel, so the scale multiplies
// the sum.
// Bindings: 0 Y, 1 X, 2 W, then B when HAS_BIAS, then X's scale when
// XSCALE, then the epilogue's operands (EPI_BINDING on).
// Shape-generic: the lowering defines the sizes and pads (N, C, M, H, W,
// OH, OW, PT, PL, the tile counts, TOTAL) as push constants, and divisions
// by them as DIV_<name> (common.glsl), so layers of equal window, stride,
// dilation, tile and epilogue share one pipeline. Literal defines work too.
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
#ifndef TY
#define TY 4
#endif
#ifndef TX
#define TX 4
#endif
#ifndef TEXEL
#define TEXEL 0
#endif
#ifndef WT_HALF
#define WT_HALF 0
#endif
#ifndef XSCALE
#define XSCALE 0
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
#ifndef MG
#define MG (M / C) // output channels per input channel
#endif
#ifndef HW
#define HW (H * W)
#endif
#ifndef OHW
#define OHW (OH * OW)
#endif
#define KK (KH * KW)
#ifndef NTY
#define NTY ((OH + TY - 1) / TY) // tile rows per channel
#endif
#ifndef NTX
#define NTX ((OW + TX - 1) / TX) // tiles per tile row
#endif
// Divisions by shape values: the lowering defines these as multiply-highs
// where the shapes are push constants (shape-generic, common.glsl)
#ifndef DIV_NTX
#define DIV_NTX(x) (uint(x) / uint(NTX))
#endif
#ifndef DIV_NTY
#define DIV_NTY(x) (uint(x) / uint(NTY))
#endif
#ifndef DIV_M
#define DIV_M(x) (uint(x) / uint(M))
#endif
#ifndef DIV_MG
#define DIV_MG(x) (uint(x) / uint(MG))
#endif
#define KR ((KH - 1) * DH + 1)                  // input rows an output row reads
#define XC ((TX - 1) * SW + (KW - 1) * DW + 1) // input columns per row
#ifndef TOTAL // the lowering defines it: the tiles
#define TOTAL (uint(N) * uint(M) * uint(NTY) * uint(NTX))
#endif

#include "common.glsl"
#define EPI_BINDING (3 + HAS_BIAS + (XSCALE > 0 ? 1 : 0))
#include "epilogue.glsl"
#include "span.glsl"

#if YV8 // rows of whole blocks of 8 (OW % 8 == 0, TX % 8 == 0; common.glsl)
layout(std430, binding = 0) writeonly buffer Out { u64vec4 y8[]; };
#elif YV4 // rows of whole vec4s (OW % 4 == 0, TX % 4 == 0): one store per 4 outputs
layout(std430, binding = 0) writeonly buffer Out { Y4_T y4[]; };
#elif YR2 // rows of no whole vec4s (TX even): pairs where each row's parity allows
layout(std430, binding = 0) writeonly buffer Out { float y[]; };
layout(std430, binding = 0) writeonly buffer Out2 { uint64_t y2[]; };
#define RP_N TX
#include "row_pairs.glsl"
#else
layout(std430, binding = 0) writeonly buffer Out { Y_T y[]; };
#endif
#if TEXEL
layout(binding = 1) uniform TEXEL_BUFFER x_t;
#define XLOAD(i) texelFetch(x_t, int(uint(i) >> 2))[uint(i) & 3u]
#if WT_HALF
layout(binding = 2) uniform UTEXEL_BUFFER wt_t;
#define WLOAD(i) (unpackHalf2x16(texelFetch(wt_t, int(uint(i) >> 3))[(uint(i) >> 1) & 3u])[uint(i) & 1u])
#else
layout(binding = 2) uniform TEXEL_BUFFER wt_t;
#define WLOAD(i) texelFetch(wt_t, int(uint(i) >> 2))[uint(i) & 3u]
#endif
#else
layout(std430, binding = 1) readonly buffer In { X_T x[]; };
#define XLOAD(i) float(x[i])
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
#if XSCALE
layout(std430, binding = 3 + HAS_BIAS) readonly buffer XScale { float xs[]; };
#endif

// Input row `rowoff` (an element offset; the row is clamped into X), columns
// ix0 .. ix0 + XC - 1 into v, zero where `rowok` or colok[u] is false.
// Columns outside X read a neighbouring row's values, then selected out.
#if TEXEL
TEXEL_SPAN(x_span, x_t, XC, (N * C * HW) >> 2) // TEXEL: N * C * H * W % 4 == 0
#endif
#if TEXEL && !WT_HALF
TEXEL_SPAN(w_span, wt_t, KK, (M * KK) >> 2) // TEXEL: M * KH * KW % 4 == 0
#endif
void load_row(int rowoff, int ix0, bool rowok, bool colok[XC], out float v[XC]) {
#if TEXEL
    float s[XC];
    x_span(rowoff + ix0, s);
    [[unroll]] for (int u = 0; u < XC; u++)
        v[u] = rowok && colok[u] ? s[u] : 0.0;
#else
    [[unroll]] for (int u = 0; u < XC; u++) {
        float x = XLOAD(rowoff + clamp(ix0 + u, 0, W - 1));
        v[u] = rowok && colok[u] ? x : 0.0;
    }
#endif
}

void main() {
    uint t = flat_index();
    if (t >= TOTAL)
        return;
    uint q = DIV_NTX(t);
    int tx = int(t - q * uint(NTX));
    t = DIV_NTY(q);
    int ty = int(q - t * uint(NTY));
    int n = int(DIV_M(t));
    int m = int(t) - n * M;
    int c = int(DIV_MG(m));
    int oy0 = ty * TY, ox0 = tx * TX;
    int iy0 = oy0 * SH - PT, ix0 = ox0 * SW - PL;

    float wv[KK];
#if TEXEL && !WT_HALF
    w_span(m * KK, wv);
#else
    [[unroll]] for (int k = 0; k < KK; k++)
        wv[k] = WLOAD(m * KK + k);
#endif
    bool colok[XC];
    [[unroll]] for (int u = 0; u < XC; u++)
        colok[u] = ix0 + u >= 0 && ix0 + u < W;
#if XSCALE == 1
    float scale = xs[c];
#elif XSCALE == 2
    float scale = xs[n * C + c];
#else
    const float scale = 1.0;
#endif
#if HAS_BIAS
    float b = bias[m];
#else
    const float b = 0.0;
#endif
    int xb = (n * C + c) * HW;
    // win[r] holds input row iy0 + i*SH + r of the output row i at hand
    float win[KR][XC];
#if SH < KR
    // the first output row's rows but its last SH, which the loop loads
    [[unroll]] for (int r = 0; r < KR - SH; r++) {
        int iy = iy0 + r;
        bool rowok = iy >= 0 && iy < H;
        load_row(xb + clamp(iy, 0, H - 1) * W, ix0, rowok, colok, win[r + SH]);
    }
#endif
    int rows = min(TY, OH - oy0);
    int yb = (n * M + m) * OHW + oy0 * OW + ox0;
    for (int i = 0; i < rows; i++) {
        int top = iy0 + i * SH;
#if SH < KR
        // drop the SH rows above, load SH new rows at the bottom
        [[unroll]] for (int r = 0; r < KR - SH; r++)
            [[unroll]] for (int u = 0; u < XC; u++)
                win[r][u] = win[r + SH][u];
        [[unroll]] for (int r = KR - SH; r < KR; r++) {
#else
        [[unroll]] for (int r = 0; r < KR; r++) {
#endif
            int iy = top + r;
            bool rowok = iy >= 0 && iy < H;
            load_row(xb + clamp(iy, 0, H - 1) * W, ix0, rowok, colok, win[r]);
        }
        float acc[TX];
        [[unroll]] for (int j = 0; j < TX; j++)
            acc[j] = 0.0;
        [[unroll]] for (int ky = 0; ky < KH; ky++)
            [[unroll]] for (int kx = 0; kx < KW; kx++)
                [[unroll]] for (int j = 0; j < TX; j++)
                    acc[j] += wv[ky * KW + kx] * win[ky * DH][j * SW + kx * DW];
#if YV8
        [[unroll]] for (int j = 0; j < TX / 8; j++)
            if (ox0 + 8 * j < OW) {
                uint o = uint(yb + i * OW + 8 * j);
                float v[8];
                [[unroll]] for (int k = 0; k < 8; k++)
                    v[k] = epilogue(acc[8 * j + k] * scale + b, uint(m), o + uint(k));
                y8[Y_AT(o, n) >> 3] = y8_pack(v); // Y_GAP % 8 == 0 here
            }
#elif YV4
        [[unroll]] for (int j = 0; j < TX / 4; j++)
            if (ox0 + 4 * j < OW) {
                uint o = uint(yb + i * OW + 4 * j);
                vec4 v;
                [[unroll]] for (int k = 0; k < 4; k++)
                    v[k] = epilogue(acc[4 * j + k] * scale + b, uint(m), o + uint(k));
                y4[Y_AT(o, n) >> 2] = Y4_T(v); // Y_GAP % 4 == 0 here
            }
#elif YR2
        float v[TX]; // past OW: not stored, the epilogue's operands read at OW - 1
        [[unroll]] for (int j = 0; j < TX; j++)
            v[j] = epilogue(acc[j] * scale + b, uint(m), uint(yb + i * OW + min(j, OW - 1 - ox0)));
        store_row_pairs(v, Y_AT(uint(yb + i * OW), n), OW - ox0);
#else
        [[unroll]] for (int j = 0; j < TX; j++)
            if (ox0 + j < OW) {
                uint o = uint(yb + i * OW + j);
                y[Y_AT(o, n)] = Y_T(epilogue(acc[j] * scale + b, uint(m), o));
            }
#endif
    }
}
