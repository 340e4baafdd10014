#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
// Convolution as an implicit GEMM, fp32, NCHW. Per group g:
//   Y[m, p] = B[m] + sum over k of W[m, k] * X_im2col[k, p]
// m < M/GROUP an output channel of the group, p = (n, oy, ox) an output pixel,
// k = (c, ky, kx) with X_im2col[k, p] = X[n, g*C/GROUP + c, oy*SH - PT + ky*DH,
// ox*SW - PL + kx*DW] (zero outside X); W is [M, C/GROUP*KH*KW] row-major. The
// fused epilogue (epilogue.glsl) then applies the post-ops per element.
//
// Register blocking: a workgroup owns TM channels (m0 is uniform in it) and
// LOCAL_SIZE * TP pixels; each invocation accumulates a TM x TP block, pixel
// j of invocation l being p0 + j * LOCAL_SIZE + l (neighbouring lanes read
// neighbouring X). Per k it loads TP values of X and the TM weights of k:
// - SG > 0 (the lowering checked that subgroups of exactly SG invocations
//   with ballot ops exist): lane s loads channels m0 + r * SG + s (WR loads)
//   and subgroupBroadcast hands each weight to every lane;
// - SG == 0: every lane loads all TM weights (same address across lanes).
// Loads, not FMAs, bound this kernel on lavapipe: every load of a SIMD row is
// a loop over its lanes (a uniform address is fetched once per lane), so
// SG > 0 cuts W's loads SG-fold (2.6x faster on VGG's 512->512 at 14x14).
// The loop runs (ky, kx) outside and c inside: the padding test depends only
// on (ky, kx, p), so it is done once per (ky, kx) outside the c loop; an
// out-of-range tap reads a clamped, valid address and selects 0 (no branch in
// the inner loop). Pixels past P and channels past M/GROUP are clamped to the
// last one (computed, never stored).
// No shared memory: staging W through it in slices of 32-64 k was no faster
// on lavapipe (its shared loads are per-lane loops too) and needs barriers;
// X has per-lane addresses either way.
// ROWS (needs SG > 0): the blocking of the second main() below, TP pixels
// adjacent in one output row per invocation (past OW clamped, never stored).
// W is one binding (the lowering uses conv.comp for a split W); WT_HALF: W
// is stored as IEEE halves (fp16 weights), converted on load.
// TEXEL (CPU drivers): X and W are read through uniform texel buffers.
// Grid: GROUPS workgroups (defined by the lowering), flat over a 1-D or
// 2-D grid (common.glsl).
// Bindings: 0 Y, 1 X, 2 W, then B when HAS_BIAS, then the
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
#ifndef TM
#define TM 8
#endif
#ifndef TP
#define TP 4
#endif
#ifndef SG
#define SG 0
#endif
#ifndef WT_HALF
#define WT_HALF 0
#endif
#if SG
#extension GL_KHR_shader_subgroup_ballot : require
#define WR ((TM + SG - 1) / SG)
#endif
#define CG (C / GROUP)
#define MG (M / GROUP)
#define HW (H * W)
#define OHW (OH * OW)
#define P (N * OHW)
#ifndef ROWS
#define ROWS 0
#endif
// SPLITK > 1 (column form only): GROUPS = SPLITK * SPLIT_GROUPS workgroups,
// slice ks = gid / SPLIT_GROUPS summing input channels [ks * CSLICE,
// (ks + 1) * CSLICE) of its group; Y is then the fp32 partials
// [SPLITK][N][M][OH*OW] (no bias, no epilogue: splitk_sum.comp adds the
// slices and applies them).
#ifndef SPLITK
#define SPLITK 1
#endif
#define CSLICE ((CG + SPLITK - 1) / SPLITK)
// The grid is computed once, by the lowering (lower_window.c), and passed
// in: GROUPS = GROUP * NMB * NPB workgroups, NMB blocks of TM channels per
// group times NPB blocks of pixels (LOCAL_SIZE * TP pixels; ROWS: LOCAL_SIZE
// of the Q row blocks, OWB blocks of TP pixels per output row). The
// defaults below only let the template compile on its own.
#ifndef NPB
#define NPB 1
#endif
#ifndef NMB
#define NMB 1
#endif
#ifndef GROUPS
#define GROUPS 1u
#endif
#if ROWS
#ifndef OWB
#define OWB 1
#endif
#ifndef Q
#define Q 1
#endif
#define XC ((TP - 1) * SW + (KW - 1) * DW + 1) // X columns a block reads per row
#endif

#include "common.glsl"
#ifndef XSCALE
#define XSCALE 0
#endif
#define EPI_BINDING (3 + HAS_BIAS + (XSCALE > 0 ? 1 : 0))
#include "epilogue.glsl"

layout(std430, binding = 0) writeonly buffer Out { Y_T y[]; };
#ifndef TEXEL
#define TEXEL 0
#endif
#if TEXEL
// X and W through uniform texel buffers of four 32-bit components (their
// sizes are whole texels, the lowering checked): one gather per load on
// CPU drivers instead of a per-lane loop
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
#if WT_HALF // fp16 weights: two halves per word, converted on load
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
// X's scale (squeeze-and-excitation), applied as X is loaded: one value per
// channel (XSCALE 1) or per image and channel (2), at X's flat index / HW
layout(std430, binding = 3 + HAS_BIAS) readonly buffer XScale { float xs[]; };
#if XSCALE == 1
#define XS(i) xs[(uint(i) / uint(HW)) % uint(C)]
#else
#define XS(i) xs[uint(i) / uint(HW)]
#endif
#define XLOADS(i) (XLOAD(i) * XS(i))
#else
#define XLOADS(i) XLOAD(i)
#endif

#if ROWS
// Row blocks (ROWS, with SG): the TP pixels of an invocation are neighbours
// in one output row, so for each (c, ky) the XC columns they read are loaded
// once and reused by every kx (3x3 stride 1, TP 4: 6 loads for 12 taps).
void main() {
    uint gid = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    if (gid >= GROUPS)
        return;
    int pb = int(gid % uint(NPB));
    int t = int(gid / uint(NPB));
    int m0 = (t % NMB) * TM;
    int g = t / NMB;
    int q0 = pb * LOCAL_SIZE + int(gl_LocalInvocationID.x);
    int q = min(q0, Q - 1);
    int oxb = q % OWB, nr = q / OWB;
    int oy = nr % OH, n = nr / OH;
    int xb = (n * C + g * CG) * HW;
    int iy0 = oy * SH - PT, ix0 = oxb * TP * SW - PL;
    int col[XC];
    bool colok[XC];
    [[unroll]] for (int u = 0; u < XC; u++) {
        colok[u] = ix0 + u >= 0 && ix0 + u < W;
        col[u] = clamp(ix0 + u, 0, W - 1);
    }
    int wlane[WR];
    [[unroll]] for (int r = 0; r < WR; r++)
        wlane[r] = (g * MG + min(m0 + r * SG + int(gl_SubgroupInvocationID), MG - 1)) *
                   (CG * KH * KW);
    float acc[TM][TP];
    [[unroll]] for (int i = 0; i < TM; i++)
        [[unroll]] for (int j = 0; j < TP; j++)
            acc[i][j] = 0.0;

    for (int ky = 0; ky < KH; ky++) {
        int iy = iy0 + ky * DH;
        bool rowok = iy >= 0 && iy < H;
        int rowoff = xb + clamp(iy, 0, H - 1) * W;
        bool ok[XC];
        [[unroll]] for (int u = 0; u < XC; u++)
            ok[u] = rowok && colok[u];
        for (int c = 0; c < CG; c++) {
            float xv[XC];
            [[unroll]] for (int u = 0; u < XC; u++) {
                float v = XLOADS(rowoff + c * HW + col[u]);
                xv[u] = ok[u] ? v : 0.0;
            }
            // kx innermost: each spilled accumulator loaded and stored once
            // per KW FMAs on lavapipe (ResNet-18's 3x3/2 layer 3.4 -> 3.1-3.2
            // ms; unlike conv_row.comp, 3-wide windows gain here too)
            float wr[KW][WR];
            [[unroll]] for (int kx = 0; kx < KW; kx++)
                [[unroll]] for (int r = 0; r < WR; r++)
                    wr[kx][r] = WLOAD(wlane[r] + c * (KH * KW) + ky * KW + kx);
            [[unroll]] for (int i = 0; i < TM; i++) {
                float wv[KW];
                [[unroll]] for (int kx = 0; kx < KW; kx++)
                    wv[kx] = subgroupBroadcast(wr[kx][i / SG], uint(i % SG));
                [[unroll]] for (int j = 0; j < TP; j++) {
                    float s = acc[i][j];
                    [[unroll]] for (int kx = 0; kx < KW; kx++)
                        s += wv[kx] * xv[j * SW + kx * DW];
                    acc[i][j] = s;
                }
            }
        }
    }

    int yb = (n * M + g * MG) * OHW + oy * OW + oxb * TP;
    [[unroll]] for (int i = 0; i < TM; i++) {
        int m = m0 + i;
        if (m < MG) {
            uint mm = uint(g * MG + m);
#if HAS_BIAS
            float b = bias[mm];
#else
            float b = 0.0;
#endif
            [[unroll]] for (int j = 0; j < TP; j++)
                if (q0 < Q && oxb * TP + j < OW)
                    y[Y_AT(yb + m * OHW + j, n)] =
                        Y_T(epilogue(acc[i][j] + b, mm, uint(yb + m * OHW + j)));
        }
    }
}
#else
void main() {
    uint gid = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    if (gid >= GROUPS)
        return;
#if SPLITK > 1
    // split-K: slice ks of the input channels, its partial sums to Y at
    // ks * N * M * OHW (the lowering binds the partials there)
    int ks = int(gid / uint(SPLIT_GROUPS));
    gid -= uint(ks) * uint(SPLIT_GROUPS);
    int c_lo = ks * CSLICE, c_hi = min(CG, c_lo + CSLICE);
#else
    const int c_lo = 0, c_hi = CG;
#endif
    int pb = int(gid % uint(NPB));
    int t = int(gid / uint(NPB));
    int m0 = (t % NMB) * TM;
    int g = t / NMB;
    int p0 = pb * (LOCAL_SIZE * TP) + int(gl_LocalInvocationID.x);

#if !SG
    int wrow[TM]; // start of W's row m, clamped into the group
    [[unroll]] for (int i = 0; i < TM; i++)
        wrow[i] = (g * MG + min(m0 + i, MG - 1)) * (CG * KH * KW);
#else
    // lane s holds channel m0 + r * SG + s of register r (clamped)
    int wlane[WR];
    [[unroll]] for (int r = 0; r < WR; r++)
        wlane[r] = (g * MG + min(m0 + r * SG + int(gl_SubgroupInvocationID), MG - 1)) *
                   (CG * KH * KW);
#endif
    int xb[TP], iy0[TP], ix0[TP], yo[TP], yn[TP];
    [[unroll]] for (int j = 0; j < TP; j++) {
        int p = min(p0 + j * LOCAL_SIZE, P - 1);
        int n = p / OHW, r = p - n * OHW;
        int oy = r / OW, ox = r - oy * OW;
        xb[j] = (n * C + g * CG) * HW;
        iy0[j] = oy * SH - PT;
        ix0[j] = ox * SW - PL;
        yo[j] = (n * M + g * MG) * OHW + r;
        yn[j] = n;
    }
    float acc[TM][TP];
    [[unroll]] for (int i = 0; i < TM; i++)
        [[unroll]] for (int j = 0; j < TP; j++)
            acc[i][j] = 0.0;

    for (int ky = 0; ky < KH; ky++) {
        for (int kx = 0; kx < KW; kx++) {
            int off[TP];
            bool ok[TP];
            [[unroll]] for (int j = 0; j < TP; j++) {
                int iy = iy0[j] + ky * DH, ix = ix0[j] + kx * DW;
                ok[j] = iy >= 0 && iy < H && ix >= 0 && ix < W;
                off[j] = xb[j] + clamp(iy, 0, H - 1) * W + clamp(ix, 0, W - 1);
            }
            int wk = ky * KW + kx;
#if SG
            for (int c = c_lo; c < c_hi; c++) {
                float xv[TP];
                [[unroll]] for (int j = 0; j < TP; j++) {
                    float v = XLOADS(off[j] + c * HW);
                    xv[j] = ok[j] ? v : 0.0;
                }
                float wr[WR];
                [[unroll]] for (int r = 0; r < WR; r++)
                    wr[r] = WLOAD(wlane[r] + c * (KH * KW) + wk);
                [[unroll]] for (int i = 0; i < TM; i++) {
                    float wv = subgroupBroadcast(wr[i / SG], uint(i % SG));
                    [[unroll]] for (int j = 0; j < TP; j++)
                        acc[i][j] += wv * xv[j];
                }
            }
#else
            for (int c = c_lo; c < c_hi; c++) {
                float xv[TP];
                [[unroll]] for (int j = 0; j < TP; j++) {
                    float v = XLOADS(off[j] + c * HW);
                    xv[j] = ok[j] ? v : 0.0;
                }
                [[unroll]] for (int i = 0; i < TM; i++) {
                    float wv = WLOAD(wrow[i] + c * (KH * KW) + wk);
                    [[unroll]] for (int j = 0; j < TP; j++)
                        acc[i][j] += wv * xv[j];
                }
            }
#endif
        }
    }

#if SPLITK > 1
    [[unroll]] for (int i = 0; i < TM; i++)
        if (m0 + i < MG)
            [[unroll]] for (int j = 0; j < TP; j++)
                if (p0 + j * LOCAL_SIZE < P)
                    y[uint(ks * (N * M * OHW) + yo[j] + (m0 + i) * OHW)] = Y_T(acc[i][j]);
    return;
#endif
    [[unroll]] for (int i = 0; i < TM; i++) {
        int m = m0 + i;
        if (m < MG) {
            uint mm = uint(g * MG + m);
#if HAS_BIAS
            float b = bias[mm];
#else
            float b = 0.0;
#endif
            [[unroll]] for (int j = 0; j < TP; j++)
                if (p0 + j * LOCAL_SIZE < P)
                    y[Y_AT(yo[j] + m * OHW, yn[j])] =
                        Y_T(epilogue(acc[i][j] + b, mm, uint(yo[j] + m * OHW)));
        }
    }
}
#endif
