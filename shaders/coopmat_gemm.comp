#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_KHR_shader_subgroup_basic : require
// A GEMM on cooperative matrices (tensor cores): D = A x B with A and B
// rounded to fp16 and the products accumulated in fp32, in one of three
// loader modes (CM_MODE):
//   1 GEMM: Gemm / MatMul, Y[m, n] = ALPHA * sum_k A[m, k] B[k, n]
//           + BETA * C[m, n] (A [M, K], or [K, M] with TRANS_A; B [K, N], or
//           [N, K] with TRANS_B), then the fused epilogue at channel n;
//   2 CONV: convolution as an implicit GEMM per group g, rows the group's
//           output channels, columns the output pixels of all images,
//           Y[n, g*MG + m, oy, ox] = B[m] + sum over (c, ky, kx) of
//           W[g*MG + m, c, ky, kx] * X[n, g*CG + c, oy*SH - PT + ky*DH,
//           ox*SW - PL + kx*DW] (zero outside X), then the epilogue;
//           CONV1X1 (1x1, no padding): k is the input channel, no window;
//   3 WINO: the Winograd GEMM, per tile position a < A2,
//           Mt[a][m][p] = sum over c of U[a][c][m] * V[a][c][p], stored as
//           it is (the output transform applies bias and epilogue).
// The tiling, shared by the three modes:
// - a workgroup owns a BM x BN tile of D (rows GR, columns GC, batch GB:
//   the group, the tile position, or 1); SGM x SGN subgroups of CM_SG
//   invocations (CM_SG pinned by the pipeline: requiredSubgroupSize), each
//   FM x FN fragments of CM_M x CM_N (the device's shape, defined by the
//   lowering);
// - per step of BK along K the workgroup stages A's BM x BK and B's BK x BN
//   in shared memory as fp16 (every invocation converts a share of the
//   operands, read as the other kernels read them: fp32 activations, fp32
//   or fp16 (WT_HALF) weights; zero past the matrix's edges, so no fragment
//   reads garbage), then each subgroup multiplies its fragments;
// - the result: each fragment is stored to the subgroup's own CM_M x CM_N
//   of shared memory, and its lanes apply bias / epilogue per element and
//   store what lies inside D.
// Shared offsets and strides are multiples of 8 halves / 4 floats (16
// bytes), the alignment cooperative-matrix loads and stores ask for. Every
// subgroup runs the same loop count (uniform control flow for barrier()
// and the cooperative-matrix operations).
// CM_KHR selects GL_KHR_cooperative_matrix (glslang >= 14; CMake option
// VKCNN_COOPMAT_KHR): only the CM_* macros below differ.
// Bindings: GEMM 0 Y, 1 A, 2 B, then C (HAS_C), then the epilogue's;
// CONV 0 Y, 1 X, 2 W, then bias (HAS_BIAS), X's scale (XSCALE), the
// epilogue's; WINO 0 Mt, 1 U, 2 V.
#ifndef CM_MODE
#define CM_MODE 1
#endif
#ifndef CM_KHR
#define CM_KHR 0
#endif
#ifndef CM_M
#define CM_M 16
#endif
#ifndef CM_N
#define CM_N 16
#endif
#ifndef CM_K
#define CM_K 16
#endif
#ifndef CM_SG
#define CM_SG 32
#endif
#ifndef SGM
#define SGM 2
#endif
#ifndef SGN
#define SGN 2
#endif
#ifndef BM
#define BM 64
#endif
#ifndef BN
#define BN 64
#endif
#ifndef BK
#define BK 32
#endif
#define FM (BM / (SGM * CM_M))
#define FN (BN / (SGN * CM_N))
// the lowering defines LOCAL_SIZE (common.glsl's workgroup size) as this
#ifndef LOCAL_SIZE
#define LOCAL_SIZE (SGM * SGN * CM_SG)
#endif
#if LOCAL_SIZE != SGM * SGN * CM_SG
#error "LOCAL_SIZE must be SGM * SGN subgroups of CM_SG"
#endif
#if FM < 1 || FN < 1 || FM * SGM * CM_M != BM || FN * SGN * CM_N != BN || BK % CM_K != 0
#error "BM, BN, BK must be whole multiples of the subgroup grid and fragment shape"
#endif
#ifndef WT_HALF
#define WT_HALF 0
#endif

#if CM_KHR
#extension GL_KHR_cooperative_matrix : require
#define CM_A coopmat<float16_t, gl_ScopeSubgroup, CM_M, CM_K, gl_MatrixUseA>
#define CM_B coopmat<float16_t, gl_ScopeSubgroup, CM_K, CM_N, gl_MatrixUseB>
#define CM_C coopmat<float, gl_ScopeSubgroup, CM_M, CM_N, gl_MatrixUseAccumulator>
#define CM_LOAD(m, arr, at, stride)                                                                \
    coopMatLoad(m, arr, at, stride, gl_CooperativeMatrixLayoutRowMajor)
#define CM_STORE(m, arr, at, stride)                                                               \
    coopMatStore(m, arr, at, stride, gl_CooperativeMatrixLayoutRowMajor)
#define CM_MULADD(a, b, c) coopMatMulAdd(a, b, c)
#else
#extension GL_NV_cooperative_matrix : require
#define CM_A fcoopmatNV<16, gl_ScopeSubgroup, CM_M, CM_K>
#define CM_B fcoopmatNV<16, gl_ScopeSubgroup, CM_K, CM_N>
#define CM_C fcoopmatNV<32, gl_ScopeSubgroup, CM_M, CM_N>
#define CM_LOAD(m, arr, at, stride) coopMatLoadNV(m, arr, at, stride, false)
#define CM_STORE(m, arr, at, stride) coopMatStoreNV(m, arr, at, stride, false)
#define CM_MULADD(a, b, c) coopMatMulAddNV(a, b, c)
#endif

// ---- the operands of each mode: GR x GK times GK x GC, GB times ----------
#if CM_MODE == 1
#ifndef M
#define M 1
#endif
#ifndef N
#define N 1
#endif
#ifndef K
#define K 1
#endif
#ifndef TRANS_A
#define TRANS_A 0
#endif
#ifndef TRANS_B
#define TRANS_B 1
#endif
#ifndef ALPHA
#define ALPHA 1.0
#endif
#ifndef BETA
#define BETA 1.0
#endif
#ifndef HAS_C
#define HAS_C 0
#endif
#ifndef C_SM
#define C_SM 0u
#endif
#ifndef C_SN
#define C_SN 0u
#endif
#define GR M
#define GC N
#define GK K
#define GB 1
#define A_ROW_FAST TRANS_A // A's m is its contiguous index
#define B_ROW_FAST (TRANS_B == 0) // B's n is its contiguous index
#define EPI_BINDING (3 + HAS_C)
#elif CM_MODE == 2
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
#ifndef XSCALE
#define XSCALE 0
#endif
#ifndef CONV1X1
#define CONV1X1 0
#endif
#define CG (C / GROUP)
#define MG (M / GROUP)
#define HW (H * W)
#define OHW (OH * OW)
#define GR MG
#define GC (N * OHW)
#define GK (CG * KH * KW)
#define GB GROUP
#define A_ROW_FAST 0 // W is [M, K]: k contiguous
#define B_ROW_FAST 1 // pixels are X's contiguous index
#define EPI_BINDING (3 + HAS_BIAS + (XSCALE > 0 ? 1 : 0))
#else
#ifndef T
#define T 4
#endif
#ifndef C
#define C 1
#endif
#ifndef MP
#define MP 16
#endif
#ifndef PP
#define PP 8
#endif
#define GR MP
#define GC PP
#define GK C
#define GB ((T + 2) * (T + 2))
#define A_ROW_FAST 1 // U is [C][MP]: m contiguous
#define B_ROW_FAST 1 // V is [C][PP]: p contiguous
#endif

// The grid (the lowering computes it): GROUPS = GB * NMB * NNB workgroups,
// flat over a 1-D or 2-D grid (common.glsl), NNB fastest.
#define NMB ((GR + BM - 1) / BM)
#define NNB ((GC + BN - 1) / BN)
#ifndef GROUPS
#define GROUPS 1u
#endif

#include "common.glsl"
#if CM_MODE != 3
#include "epilogue.glsl"
#endif

#if CM_MODE == 1
layout(std430, binding = 0) writeonly buffer Out { float y[]; };
layout(std430, binding = 1) readonly buffer InA { float a[]; };
#if WT_HALF
layout(std430, binding = 2) readonly buffer InB { uint b[]; };
#define BLOAD(i) (unpackHalf2x16(b[(i) >> 1])[(i)&1u])
#else
layout(std430, binding = 2) readonly buffer InB { float b[]; };
#define BLOAD(i) b[i]
#endif
#if HAS_C
layout(std430, binding = 3) readonly buffer InC { float cm[]; };
#endif
float a_at(uint m, uint k, uint batch) {
    return a[TRANS_A != 0 ? k * uint(M) + m : m * uint(K) + k];
}
float b_at(uint k, uint n, uint batch) {
    return BLOAD(TRANS_B != 0 ? n * uint(K) + k : k * uint(N) + n);
}
#elif CM_MODE == 2
// fp16 activations (X_HALF, Y_HALF: common.glsl): X loaded through float
layout(std430, binding = 0) writeonly buffer Out { Y_T y[]; };
layout(std430, binding = 1) readonly buffer In { X_T x[]; };
#if WT_HALF
layout(std430, binding = 2) readonly buffer Wt { uint wt[]; };
#define WLOAD(i) (unpackHalf2x16(wt[(i) >> 1])[(i)&1u])
#else
layout(std430, binding = 2) readonly buffer Wt { float wt[]; };
#define WLOAD(i) wt[i]
#endif
#if HAS_BIAS
layout(std430, binding = 3) readonly buffer Bias { float bias[]; };
#endif
#if XSCALE
// X's scale (squeeze-and-excitation), one value per channel (1) or per
// image and channel (2), at X's flat index / HW
layout(std430, binding = 3 + HAS_BIAS) readonly buffer XScale { float xs[]; };
#if XSCALE == 1
#define XS(i) xs[((i) / uint(HW)) % uint(C)]
#else
#define XS(i) xs[(i) / uint(HW)]
#endif
#define XLOAD(i) (float(x[i]) * XS(i))
#else
#define XLOAD(i) float(x[i])
#endif
float a_at(uint m, uint k, uint g) {
    return WLOAD((g * uint(MG) + m) * uint(GK) + k);
}
// im2col: column p = (image, oy, ox), row k = (c, ky, kx)
float b_at(uint k, uint p, uint g) {
    uint n = p / uint(OHW), r = p - n * uint(OHW);
    uint oy = r / uint(OW), ox = r - oy * uint(OW);
#if CONV1X1
    return XLOAD((n * uint(C) + g * uint(CG) + k) * uint(HW) + oy * uint(SH * W) + ox * uint(SW));
#else
    uint c = k / uint(KH * KW), t = k - c * uint(KH * KW);
    uint ky = t / uint(KW), kx = t - ky * uint(KW);
    int iy = int(oy) * SH - PT + int(ky) * DH, ix = int(ox) * SW - PL + int(kx) * DW;
    bool ok = iy >= 0 && iy < H && ix >= 0 && ix < W;
    uint at = (n * uint(C) + g * uint(CG) + c) * uint(HW) + uint(clamp(iy, 0, H - 1) * W + clamp(ix, 0, W - 1));
    float v = XLOAD(at);
    return ok ? v : 0.0;
#endif
}
#else
layout(std430, binding = 0) writeonly buffer Prod { float mt[]; };
#if WT_HALF
layout(std430, binding = 1) readonly buffer Ut { uint u[]; };
#define ULOAD(i) (unpackHalf2x16(u[(i) >> 1])[(i)&1u])
#else
layout(std430, binding = 1) readonly buffer Ut { float u[]; };
#define ULOAD(i) u[i]
#endif
layout(std430, binding = 2) readonly buffer Vt { float v[]; };
float a_at(uint m, uint c, uint a) {
    return ULOAD((a * uint(C) + c) * uint(MP) + m);
}
float b_at(uint c, uint p, uint a) {
    return v[(a * uint(C) + c) * uint(PP) + p];
}
#endif

// Shared memory: A's tile row-major [BM][SA], B's [BK][SB] (padded rows:
// fewer bank conflicts, 16-byte multiples), one CM_M x CM_N fp32 fragment
// per subgroup for the result.
#define SA (BK + 8)
#define SB (BN + 8)
shared float16_t sa[BM * SA];
shared float16_t sb[BK * SB];
shared float sc[SGM * SGN * CM_M * CM_N];

void main() {
    uint gid = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    if (gid >= GROUPS) // whole workgroups only: barrier() stays uniform
        return;
    uint nb = gid % uint(NNB), t = gid / uint(NNB);
    uint mb = t % uint(NMB), batch = t / uint(NMB);
    uint m0 = mb * uint(BM), n0 = nb * uint(BN);
    uint lid = gl_LocalInvocationID.x;
    uint sub = lid / uint(CM_SG), lane = lid % uint(CM_SG);
    uint sm = sub / uint(SGN), sn = sub % uint(SGN); // the subgroup's place in the grid

    CM_C acc[FM * FN];
    [[unroll]] for (int i = 0; i < FM * FN; i++)
        acc[i] = CM_C(0.0);

    for (uint k0 = 0u; k0 < uint(GK); k0 += uint(BK)) {
        // stage A (BM x BK) and B (BK x BN) as fp16, zero past the edges;
        // consecutive invocations take the operand's contiguous index
        [[unroll]] for (uint e = lid; e < uint(BM * BK); e += uint(LOCAL_SIZE)) {
#if A_ROW_FAST
            uint r = e % uint(BM), kk = e / uint(BM);
#else
            uint r = e / uint(BK), kk = e % uint(BK);
#endif
            uint m = m0 + r, k = k0 + kk;
            float val = a_at(min(m, uint(GR) - 1u), min(k, uint(GK) - 1u), batch);
            sa[r * uint(SA) + kk] = float16_t(m < uint(GR) && k < uint(GK) ? val : 0.0);
        }
        [[unroll]] for (uint e = lid; e < uint(BK * BN); e += uint(LOCAL_SIZE)) {
#if B_ROW_FAST
            uint kk = e / uint(BN), cc = e % uint(BN);
#else
            uint kk = e % uint(BK), cc = e / uint(BK);
#endif
            uint n = n0 + cc, k = k0 + kk;
            float val = b_at(min(k, uint(GK) - 1u), min(n, uint(GC) - 1u), batch);
            sb[kk * uint(SB) + cc] = float16_t(n < uint(GC) && k < uint(GK) ? val : 0.0);
        }
        barrier();
        [[unroll]] for (uint ks = 0u; ks < uint(BK); ks += uint(CM_K)) {
            CM_B fb[FN];
            [[unroll]] for (int j = 0; j < FN; j++)
                CM_LOAD(fb[j], sb, ks * uint(SB) + (sn * uint(FN) + uint(j)) * uint(CM_N), uint(SB));
            [[unroll]] for (int i = 0; i < FM; i++) {
                CM_A fa;
                CM_LOAD(fa, sa, (sm * uint(FM) + uint(i)) * uint(CM_M) * uint(SA) + ks, uint(SA));
                [[unroll]] for (int j = 0; j < FN; j++)
                    acc[i * FN + j] = CM_MULADD(fa, fb[j], acc[i * FN + j]);
            }
        }
        barrier();
    }

    // the result, fragment by fragment through the subgroup's own scratch
    uint scb = sub * uint(CM_M * CM_N);
    [[unroll]] for (int i = 0; i < FM; i++) {
        [[unroll]] for (int j = 0; j < FN; j++) {
            CM_STORE(acc[i * FN + j], sc, scb, uint(CM_N));
            subgroupMemoryBarrierShared();
            subgroupBarrier();
            uint fr = m0 + (sm * uint(FM) + uint(i)) * uint(CM_M);
            uint fc = n0 + (sn * uint(FN) + uint(j)) * uint(CM_N);
            for (uint e = lane; e < uint(CM_M * CM_N); e += uint(CM_SG)) {
                uint m = fr + e / uint(CM_N), n = fc + e % uint(CM_N);
                if (m >= uint(GR) || n >= uint(GC))
                    continue;
                float val = sc[scb + e];
#if CM_MODE == 1
                val *= float(ALPHA);
#if HAS_C
                val += float(BETA) * cm[m * C_SM + n * C_SN];
#endif
                y[m * uint(N) + n] = epilogue(val, n, m * uint(N) + n);
#elif CM_MODE == 2
                uint ch = batch * uint(MG) + m; // the output channel
                uint img = n / uint(OHW), r = n - img * uint(OHW);
                uint at = (img * uint(M) + ch) * uint(OHW) + r;
#if HAS_BIAS
                val += bias[ch];
#endif
                y[at] = Y_T(epilogue(val, ch, at));
#else
                mt[(batch * uint(MP) + m) * uint(PP) + n] = val;
#endif
            }
            // the next fragment overwrites the scratch: every lane has read it
            subgroupMemoryBarrierShared();
            subgroupBarrier();
        }
    }
}
