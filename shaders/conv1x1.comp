#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#if (defined(YV8) && YV8) || (defined(YP2) && YP2)
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
#endif
// 1x1 convolution (group 1, no padding) as a register-blocked GEMM, fp32,
// NCHW. Per image n:
//   Y_n[m, p] = B[m] + sum over c of W[m, c] * X_n[c, p]
// p = (oy, ox) an output pixel, X_n[c, p] = X[n, c, oy*SH, ox*SW]; W is
// [M, C] row-major. The fused epilogue (epilogue.glsl) then applies the
// post-ops per element.
//
// Invocation t of the grid owns a TM x TP block: image n, channels
// m0 .. m0+TM-1, pixels p0 .. p0+TP-1 of that image (t = (n * NMB + mb) *
// NPB + pb, pixel blocks fastest, so neighbouring lanes read neighbouring
// X). No subgroup ops, no shared memory, no idle lanes but the grid's tail:
// blocks never straddle images, so a 7x7 layer has ceil(49/TP) pixel blocks
// per channel block, not a workgroup's worth.
// Loads are vec4s, each serving 4 FMAs per block row or column: c runs in
// steps of 4, and per step an invocation loads TM vec4s of W (W[m, c..c+3],
// 4 consecutive reduction indices of row m: W needs no transpose) and, for
// each of the 4 channels, TP/4 vec4s of X along the pixels. So a step costs
// TM + TP loads for 4*TM*TP FMAs, like conv_gemm.comp's broadcast form but
// without its idle lanes and with a quarter of its X loads.
// - XV4 (the lowering defines it: stride 1 and OH*OW % 4 == 0): X's vec4s
//   are aligned; a vec4 past the image's last pixel reads the last vec4
//   instead (computed, never stored). Otherwise X is read per pixel
//   (stride 2, 7x7) at clamped offsets computed once.
// - YV4 (the lowering defines it: OH*OW % 4 == 0, any stride): Y's rows
//   are whole vec4s, stored as such; YV8 (OH*OW and TP multiples of 8,
//   common.glsl): as u64vec4s of 8 floats. A block's vec4s (8-float blocks)
//   then lie wholly inside or past the image.
// - YP2 (the lowering defines it where OH*OW is odd, TM even, images an
//   even number of elements apart or N 1, fp32 Y and wide accesses, like
//   YV8): row i of a block then starts at an even element exactly when i
//   is even, so its floats are stored in pairs, as 64-bit words: 4 or 5
//   stores per 8 pixels instead of 8.
// - XP2 (TEXEL; the lowering defines it for stride 2 where W and OW are
//   even and H*W % 4 == 0: ResNet's downsampling at 28x28 and 14x14): the
//   block's pixels in pairs (p, p + 1), p even, which then lie in one row
//   at an even column, so their elements of X (2 apart) are components x
//   and z of one aligned texel: one fetch per pair, not one per pixel.
// - XU (TEXEL, stride 1, OH*OW % 4 != 0: 7x7): a block's TP pixels are
//   consecutive in X but not aligned: TP/4 + 1 aligned texels are fetched
//   and shifted by the block's offset mod 4 (selects). XU_R (the lowering
//   defines it as H*W % 4 where N is 1 or C*H*W % 4 == 0, so images start
//   at whole texels): that offset is then (c % 4) * XU_R % 4, known per
//   channel of a step of 4 once the step's loop is unrolled: no selects,
//   and TP/4 texels for the channels whose offset is 0.
// - WV4 (C % 4 == 0): W's rows are whole vec4s; otherwise W is read per
//   element. C % 4 channels after the last whole step run one by one.
// BIAS_TEXEL (with TEXEL, M % 4 == 0): B as texels too, one fetch per 4
// channels of the block instead of a storage load per channel.
// TEXEL (CPU drivers): X and W through uniform texel buffers (one 16-byte
// gather per vec4 on lavapipe instead of a loop over lanes); WT_HALF: W
// stored as IEEE halves (fp16 weights). XSCALE: X's scale per channel (1)
// or per image and channel (2), squeeze-and-excitation, applied per loaded
// channel; with TEXEL and WV4 (C % 4 == 0, so the scales are whole texels)
// read as one texel per step of 4 channels (XS_TEXEL), where a storage load
// per channel would be a loop over the lanes on lavapipe. XSHIFT (with
// XSCALE 1): X * s + t, t per channel too (binding after s), then with
// XRELU clamped at 0 as vkc_relu does: a batch norm and Relu before the
// convolution (fuse.c vkc_pass_fuse_input_affine). No padding here, so
// every tap is a real element of X.
// Bindings: 0 Y, 1 X, 2 W, then B when HAS_BIAS, then X's scale when
// XSCALE, then X's shift when XSHIFT, then the epilogue's operands
// (EPI_BINDING on).
// Shape-generic: the lowering defines the sizes (N, C, M, H, W, OH, OW, the
// block counts, TOTAL) as push constants, and divisions by them as
// DIV_<name> (common.glsl), so layers of equal block, stride, load path
// and epilogue share one pipeline; only the block and the stride are
// unrolled. Literal defines work too (the defaults below).
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
#ifndef SH
#define SH 1
#endif
#ifndef SW
#define SW 1
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
#ifndef XV4
#define XV4 0
#endif
#ifndef YV4
#define YV4 0
#endif
#ifndef YV8
#define YV8 0
#endif
#ifndef YP2
#define YP2 0
#endif
#ifndef WV4
#define WV4 0
#endif
#ifndef TEXEL
#define TEXEL 0
#endif
#if TEXEL && !XV4 && SH == 1 && SW == 1
#define XU 1
#else
#define XU 0
#endif
#ifndef XP2
#define XP2 0
#endif
#ifndef XU_R
#define XU_R -1
#endif
#if TEXEL && XP2 && SH == 2 && SW == 2 && TP % 2 == 0
#define XPAIR 1
#else
#define XPAIR 0
#endif
#ifndef XT
#define XT (N * C * HW / 4) // X's texels (TEXEL: whole ones)
#endif
#ifndef WT_HALF
#define WT_HALF 0
#endif
#ifndef XSCALE
#define XSCALE 0
#endif
#ifndef XSHIFT
#define XSHIFT 0
#endif
#ifndef XRELU
#define XRELU 0
#endif
#ifndef HW
#define HW (H * W)
#endif
#ifndef OHW
#define OHW (OH * OW)
#endif
#define TP4 (TP / 4) // TP is a multiple of 4
#if XSCALE && TEXEL && WV4
#define XS_TEXEL 1
#else
#define XS_TEXEL 0
#endif
#ifndef NPB
#define NPB ((OHW + TP - 1) / TP) // pixel blocks per image
#endif
#ifndef NMB
#define NMB ((M + TM - 1) / TM) // channel blocks
#endif
#define C4 (C / 4) // whole steps of 4 channels
// Divisions by shape values: the lowering defines these as multiply-highs
// where the shapes are push constants (shape-generic, common.glsl)
#ifndef DIV_NPB
#define DIV_NPB(x) (uint(x) / uint(NPB))
#endif
#ifndef DIV_NMB
#define DIV_NMB(x) (uint(x) / uint(NMB))
#endif
#ifndef DIV_OW
#define DIV_OW(x) (uint(x) / uint(OW))
#endif

#include "common.glsl"
#define EPI_BINDING (3 + HAS_BIAS + (XSCALE > 0 ? 1 : 0) + XSHIFT)
#include "epilogue.glsl"

#if YV8 // Y's rows are whole blocks of 8 floats: one store per 8 pixels
layout(std430, binding = 0) writeonly buffer Out { u64vec4 y8[]; };
#elif YP2 // Y's floats, and pairs of them as 64-bit words: two views
layout(std430, binding = 0) writeonly buffer Out { float y[]; };
layout(std430, binding = 0) writeonly buffer Out2 { uint64_t y2[]; };
#elif YV4 // Y's rows are whole vec4s: one store per 4 pixels
layout(std430, binding = 0) writeonly buffer Out { Y4_T y4[]; };
#else
layout(std430, binding = 0) writeonly buffer Out { Y_T y[]; };
#endif
#if TEXEL
layout(binding = 1) uniform TEXEL_BUFFER x_t;
#define XLOAD4(i) texelFetch(x_t, int(uint(i) >> 2))
#define XLOAD(i) texelFetch(x_t, int(uint(i) >> 2))[uint(i) & 3u]
#if WT_HALF
layout(binding = 2) uniform UTEXEL_BUFFER wt_t;
#define WLOAD(i) (unpackHalf2x16(texelFetch(wt_t, int(uint(i) >> 3))[(uint(i) >> 1) & 3u])[uint(i) & 1u])
#if WV4
vec4 wload4(uint i) { // i % 4 == 0: 4 halves, half a texel
    uvec4 t = texelFetch(wt_t, int(i >> 3));
    uvec2 u = (i & 4u) != 0u ? t.zw : t.xy;
    return vec4(unpackHalf2x16(u.x), unpackHalf2x16(u.y));
}
#endif
#else
layout(binding = 2) uniform TEXEL_BUFFER wt_t;
#define WLOAD(i) texelFetch(wt_t, int(uint(i) >> 2))[uint(i) & 3u]
#if WV4
vec4 wload4(uint i) {
    return texelFetch(wt_t, int(i >> 2));
}
#endif
#endif
#else
#if XV4
layout(std430, binding = 1) readonly buffer In { X4_T x4[]; };
#define XLOAD4(i) vec4(x4[uint(i) >> 2])
#else
layout(std430, binding = 1) readonly buffer In { X_T x[]; };
#define XLOAD(i) float(x[i])
#endif
#if WT_HALF
#if WV4
layout(std430, binding = 2) readonly buffer Wt { uvec2 wt2[]; };
vec4 wload4(uint i) {
    uvec2 u = wt2[i >> 2];
    return vec4(unpackHalf2x16(u.x), unpackHalf2x16(u.y));
}
#else
layout(std430, binding = 2) readonly buffer Wt { uint wt[]; };
#define WLOAD(i) (unpackHalf2x16(wt[uint(i) >> 1])[uint(i) & 1u])
#endif
#else
#if WV4
layout(std430, binding = 2) readonly buffer Wt { vec4 wt4[]; };
vec4 wload4(uint i) {
    return wt4[i >> 2];
}
#else
layout(std430, binding = 2) readonly buffer Wt { float wt[]; };
#define WLOAD(i) wt[i]
#endif
#endif
#endif
#if !WV4
vec4 wload4(uint i) {
    return vec4(WLOAD(i), WLOAD(i + 1u), WLOAD(i + 2u), WLOAD(i + 3u));
}
#endif
#ifndef BIAS_TEXEL
#define BIAS_TEXEL 0
#endif
#if HAS_BIAS && BIAS_TEXEL // M % 4 == 0: whole texels
layout(binding = 3) uniform TEXEL_BUFFER bias_t;
#elif HAS_BIAS
layout(std430, binding = 3) readonly buffer Bias { float bias[]; };
#endif
#if XS_TEXEL
layout(binding = 3 + HAS_BIAS) uniform TEXEL_BUFFER xs_t;
#if XSHIFT
layout(binding = 4 + HAS_BIAS) uniform TEXEL_BUFFER xt_t;
#endif
#elif XSCALE
layout(std430, binding = 3 + HAS_BIAS) readonly buffer XScale { float xs[]; };
#if XSHIFT
layout(std430, binding = 4 + HAS_BIAS) readonly buffer XShift { float xsh[]; };
#endif
#endif

int wrow[TM]; // start of W's row m0 + i (clamped to the last row)
#if XV4
int xo4[TP4]; // X's offset of vec4 j within a channel, clamped to the last vec4
#elif XU
int xo0; // X's offset of the block's first pixel within a channel
#elif XPAIR
int xo2[TP / 2]; // X's offset of pixel pair k (p0 + 2k, clamped) within a channel
#else
int xoff[TP]; // X's offset of pixel p0 + j within a channel (clamped)
#endif

#if XSCALE && !XS_TEXEL
// X's scale of channel c of image n
float x_scale(int c, int n) {
#if XSCALE == 1
    return xs[c];
#else
    return xs[n * C + c];
#endif
}
#endif
#if XSHIFT && !XS_TEXEL
float x_shift(int c) {
    return xsh[c];
}
#endif

// Channel c of X for the block's TP pixels into xv, times s (XSCALE), plus
// t (XSHIFT), then clamped at 0 (XRELU); k = c % 4 (a literal in the
// step's unrolled loop).
void load_x(int xb, int c, int k, float s, float t, out float xv[TP]) {
#if XV4
    [[unroll]] for (int j = 0; j < TP4; j++) {
        vec4 v = XLOAD4(xb + c * HW + xo4[j]);
        [[unroll]] for (int k = 0; k < 4; k++)
            xv[4 * j + k] = v[k];
    }
#elif XU
    // TP consecutive elements from e: TP4 + 1 aligned texels (clamped to
    // X's last; what they hold past the image is never stored), shifted
    int e = xb + c * HW + xo0;
#if XU_R >= 0
    // e % 4 == (k * XU_R) % 4 (XU_R = HW % 4, xb and xo0 multiples of 4):
    // a literal per channel of the step, so no selects, and TP4 texels
    // where it is 0
    int t0 = e >> 2, sh = (k * XU_R) & 3;
    float a[TP + 4];
    [[unroll]] for (int u = 0; u <= TP4; u++) {
        vec4 v = u < TP4 || sh != 0 ? texelFetch(x_t, min(t0 + u, XT - 1)) : vec4(0.0);
        [[unroll]] for (int q = 0; q < 4; q++)
            a[4 * u + q] = v[q];
    }
    [[unroll]] for (int j = 0; j < TP; j++)
        xv[j] = a[j + sh];
#else
    int t0 = e >> 2, sh = e & 3;
    float a[TP + 4];
    [[unroll]] for (int u = 0; u <= TP4; u++) {
        vec4 v = texelFetch(x_t, min(t0 + u, XT - 1));
        [[unroll]] for (int q = 0; q < 4; q++)
            a[4 * u + q] = v[q];
    }
    [[unroll]] for (int j = 0; j < TP; j++)
        xv[j] = sh == 0 ? a[j] : sh == 1 ? a[j + 1] : sh == 2 ? a[j + 2] : a[j + 3];
#endif
#elif XPAIR
    [[unroll]] for (int k = 0; k < TP / 2; k++) {
        vec4 v = texelFetch(x_t, int(uint(xb + c * HW + xo2[k]) >> 2));
        xv[2 * k] = v.x;
        xv[2 * k + 1] = v.z;
    }
#else
    [[unroll]] for (int j = 0; j < TP; j++)
        xv[j] = XLOAD(xb + c * HW + xoff[j]);
#endif
#if XSHIFT
    [[unroll]] for (int j = 0; j < TP; j++) {
        float v = xv[j] * s + t;
#if XRELU
        v = v < 0.0 ? 0.0 : v;
#endif
        xv[j] = v;
    }
#elif XSCALE
    [[unroll]] for (int j = 0; j < TP; j++)
        xv[j] *= s;
#endif
}

void main() {
    uint t = flat_index();
    if (t >= uint(N * NMB * NPB))
        return;
    int r = int(DIV_NPB(t));
    int pb = int(t) - r * NPB;
    int n = int(DIV_NMB(r));
    int m0 = (r - n * NMB) * TM;
    int p0 = pb * TP;
    [[unroll]] for (int i = 0; i < TM; i++)
        wrow[i] = min(m0 + i, M - 1) * C;
#if XV4
    // vec4 j reads pixels p0 + 4j .. + 3, clamped to the image's last vec4
    [[unroll]] for (int j = 0; j < TP4; j++)
        xo4[j] = min(p0 + 4 * j, OHW - 4);
#elif XU
    xo0 = p0;
#elif XPAIR
    // pairs past the image read its last pair (OH*OW is even here)
    [[unroll]] for (int k = 0; k < TP / 2; k++) {
        int p = min(p0 + 2 * k, OHW - 2);
        int oy = int(DIV_OW(p)), ox = p - oy * OW;
        xo2[k] = oy * SH * W + ox * SW;
    }
#else
    [[unroll]] for (int j = 0; j < TP; j++) {
        int p = min(p0 + j, OHW - 1);
        int oy = int(DIV_OW(p)), ox = p - oy * OW;
        xoff[j] = oy * SH * W + ox * SW;
    }
#endif
    int xbase = n * C * HW;
    float acc[TM][TP];
    [[unroll]] for (int i = 0; i < TM; i++)
        [[unroll]] for (int j = 0; j < TP; j++)
            acc[i][j] = 0.0;

#if XS_TEXEL
    int xsb = XSCALE == 2 ? n * C4 : 0; // the first texel of image n's scales
#endif
    for (int c4 = 0; c4 < C4; c4++) {
        vec4 wv[TM];
        [[unroll]] for (int i = 0; i < TM; i++)
            wv[i] = wload4(uint(wrow[i] + 4 * c4));
#if XS_TEXEL
        vec4 sv = texelFetch(xs_t, xsb + c4);
#if XSHIFT
        vec4 tv = texelFetch(xt_t, c4);
#else
        const vec4 tv = vec4(0.0);
#endif
#endif
        // the step's 4 channels of X first, then each accumulator takes its 4
        // products in one go: on lavapipe, where the 16x8 block's
        // accumulators live on the stack, each is then loaded and stored
        // once per 4 FMAs, not once per FMA (ResNet-50's 1x1 GEMMs 12%
        // faster); the sums' order is unchanged (bench/RESULTS.md, stop 40)
        float xq[4][TP];
        [[unroll]] for (int k = 0; k < 4; k++) {
            float xv[TP];
#if XS_TEXEL
            load_x(xbase, 4 * c4 + k, k, sv[k], tv[k], xv);
#elif XSHIFT
            load_x(xbase, 4 * c4 + k, k, x_scale(4 * c4 + k, n), x_shift(4 * c4 + k), xv);
#elif XSCALE
            load_x(xbase, 4 * c4 + k, k, x_scale(4 * c4 + k, n), 0.0, xv);
#else
            load_x(xbase, 4 * c4 + k, k, 1.0, 0.0, xv);
#endif
            xq[k] = xv;
        }
        [[unroll]] for (int i = 0; i < TM; i++)
            [[unroll]] for (int j = 0; j < TP; j++)
                acc[i][j] = acc[i][j] + wv[i].x * xq[0][j] + wv[i].y * xq[1][j] +
                            wv[i].z * xq[2][j] + wv[i].w * xq[3][j];
    }
#if !WV4 // C % 4 channels after the whole steps
    for (int c = 4 * C4; c < C; c++) {
        float xv[TP];
#if XSHIFT // not XS_TEXEL: C % 4 != 0 here
        load_x(xbase, c, c & 3, x_scale(c, n), x_shift(c), xv);
#elif XSCALE
        load_x(xbase, c, c & 3, x_scale(c, n), 0.0, xv);
#else
        load_x(xbase, c, c & 3, 1.0, 0.0, xv);
#endif
        [[unroll]] for (int i = 0; i < TM; i++) {
            float wv = WLOAD(wrow[i] + c);
            [[unroll]] for (int j = 0; j < TP; j++)
                acc[i][j] += wv * xv[j];
        }
    }
#endif

#if HAS_BIAS && BIAS_TEXEL && TM >= 4
    // the block's biases, one texel per 4 channels (m0 % 4 == 0; clamped to
    // the last texel: rows past M are never stored)
    vec4 bq[TM / 4];
    [[unroll]] for (int q = 0; q < TM / 4; q++)
        bq[q] = texelFetch(bias_t, min((m0 >> 2) + q, M / 4 - 1));
#endif
    [[unroll]] for (int i = 0; i < TM; i++) {
        int m = m0 + i;
        if (m < M) {
#if HAS_BIAS && BIAS_TEXEL && TM >= 4
            float b = bq[i >> 2][i & 3];
#elif HAS_BIAS && BIAS_TEXEL
            float b = texelFetch(bias_t, m >> 2)[m & 3];
#elif HAS_BIAS
            float b = bias[m];
#else
            float b = 0.0;
#endif
            int yb = (n * M + m) * OHW;
#if YV8
            [[unroll]] for (int j = 0; j < TP / 8; j++) {
                int o = yb + p0 + 8 * j;
                if (p0 + 8 * j < OHW) {
                    float v[8];
                    [[unroll]] for (int h = 0; h < 2; h++) { // o % 8 == 0
                        vec4 a = vec4(acc[i][8 * j + 4 * h], acc[i][8 * j + 4 * h + 1],
                                      acc[i][8 * j + 4 * h + 2], acc[i][8 * j + 4 * h + 3]);
                        vec4 e = epilogue4(a + b, uint(m), uint(o + 4 * h));
                        [[unroll]] for (int k = 0; k < 4; k++)
                            v[4 * h + k] = e[k];
                    }
                    y8[Y_AT(o, n) >> 3] = y8_pack(v); // Y_GAP % 8 == 0 here
                }
            }
#elif YV4
            [[unroll]] for (int j = 0; j < TP4; j++) {
                int o = yb + p0 + 4 * j;
                if (p0 + 4 * j < OHW) {
                    vec4 a = vec4(acc[i][4 * j], acc[i][4 * j + 1], acc[i][4 * j + 2],
                                  acc[i][4 * j + 3]);
                    y4[Y_AT(o, n) >> 2] = Y4_T(epilogue4(a + b, uint(m), uint(o))); // o % 4 == 0, Y_GAP's too
                }
            }
#elif YP2
            // row i starts at an even element where i is even (the
            // lowering's YP2 conditions): pairs from j = 0, else one float,
            // pairs from j = 1 and one float at the end
            int g = int(Y_AT(yb + p0, n));
            float v[TP];
            [[unroll]] for (int j = 0; j < TP; j++)
                v[j] = epilogue(acc[i][j] + b, uint(m), uint(yb + p0 + j));
            if ((i & 1) == 0) {
                [[unroll]] for (int j = 0; j < TP; j += 2)
                    if (p0 + j + 1 < OHW)
                        y2[(g + j) >> 1] = y2_pack(v[j], v[j + 1]);
                    else if (p0 + j < OHW)
                        y[g + j] = v[j];
            } else {
                y[g] = v[0]; // p0 < OHW
                [[unroll]] for (int j = 1; j < TP - 1; j += 2)
                    if (p0 + j + 1 < OHW)
                        y2[(g + j) >> 1] = y2_pack(v[j], v[j + 1]);
                    else if (p0 + j < OHW)
                        y[g + j] = v[j];
                if (p0 + TP - 1 < OHW)
                    y[g + TP - 1] = v[TP - 1];
            }
#else
            [[unroll]] for (int j = 0; j < TP; j++)
                if (p0 + j < OHW)
                    y[Y_AT(yb + p0 + j, n)] =
                        Y_T(epilogue(acc[i][j] + b, uint(m), uint(yb + p0 + j)));
#endif
        }
    }
}
