#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
// Gemm at larger M with B transposed ([N, K]) and A not ([M, K]): both
// operands are K-contiguous rows.
//   Y[m, n] = ALPHA * sum_k A[m, k] * B[n, k] + BETA * C[m, n]
// C is read at m * C_SM + n * C_SN (0 strides broadcast it); the fused
// epilogue (epilogue.glsl) then applies the post-ops per element.
// Register blocking: each invocation computes a TM x TN block of outputs over
// the whole K (no reduction, so the order of the sum is fixed). A workgroup
// owns TM rows (m0 is uniform in the workgroup, so A's loads are the same
// address across it: a broadcast) and LOCAL_SIZE * TN consecutive columns;
// per step of K each invocation loads TN values of B and reuses each TM
// times. Rows or columns past M or N are clamped to the last one (computed,
// never stored). VEC4 (K % 4 == 0) loads vec4s along K.
// B is one binding (the lowering uses gemv.comp for a split B); WT_HALF: B
// is stored as IEEE halves (fp16 weights), converted on load.
// B_KN (MatMul with a 2-D B, A's leading axes flattened into M): B is
// [K, N] as MatMul stores it, read B[k * N + n]; lanes take consecutive
// blocks of TN columns, so a row of B is read by neighbouring lanes.
// Grid: GROUPS workgroups, flat over a 1-D or 2-D grid (common.glsl).
// Bindings: 0 Y, 1 A, 2 B, then C when HAS_C, then the
// epilogue's operands (EPI_BINDING on).
#ifndef M
#define M 1
#endif
#ifndef N
#define N 1
#endif
#ifndef K
#define K 1
#endif
#ifndef TM
#define TM 8
#endif
#ifndef TN
#define TN 4
#endif
#ifndef VEC4
#define VEC4 0
#endif
#ifndef WT_HALF
#define WT_HALF 0
#endif
#ifndef B_KN
#define B_KN 0
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
#define WT_CHUNKS 1
// The grid, computed once by the lowering (lower_matrix.c) and passed in:
// GROUPS = ceil(M / TM) * NGROUPS_N workgroups, NGROUPS_N of them along N
// (LOCAL_SIZE * TN columns each). The defaults only let the template
// compile on its own.
#ifndef NGROUPS_N
#define NGROUPS_N 1u
#endif
#ifndef GROUPS
#define GROUPS 1u
#endif

#include "common.glsl"
#define EPI_BINDING (3 + HAS_C)
#include "epilogue.glsl"

layout(std430, binding = 0) writeonly buffer Out { float y[]; };
#if B_KN // scalar B[k * N + n] (K-major: no vec4 along K)
#if WT_HALF
layout(std430, binding = 2) readonly buffer InB { uint b[]; };
#define BKN(i) (unpackHalf2x16(b[(i) >> 1])[(i)&1u])
#else
layout(std430, binding = 2) readonly buffer InB { float b[]; };
#define BKN(i) b[i]
#endif
#endif
#if VEC4
#define KU (uint(K) / 4u)
#define VT vec4
#define MAC(x, w) dot(x, w)
layout(std430, binding = 1) readonly buffer InA { vec4 a[]; };
#if B_KN
#define LOAD_B(n, k)                                                                           \
    vec4(BKN((4u * (k)) * uint(N) + (n)), BKN((4u * (k) + 1u) * uint(N) + (n)),             \
         BKN((4u * (k) + 2u) * uint(N) + (n)), BKN((4u * (k) + 3u) * uint(N) + (n)))
#elif WT_HALF
layout(std430, binding = 2) readonly buffer InB { uvec2 b[]; };
#define LOAD_B(i) vec4(unpackHalf2x16(b[i].x), unpackHalf2x16(b[i].y))
#else
layout(std430, binding = 2) readonly buffer InB { vec4 b[]; };
#define LOAD_B(i) b[i]
#endif
#else
#define KU uint(K)
#define VT float
#define MAC(x, w) ((x) * (w))
layout(std430, binding = 1) readonly buffer InA { float a[]; };
#if B_KN
#define LOAD_B(n, k) BKN((k) * uint(N) + (n))
#elif WT_HALF
layout(std430, binding = 2) readonly buffer InB { uint b[]; };
#define LOAD_B(i) (unpackHalf2x16(b[(i) >> 1])[(i)&1u])
#else
layout(std430, binding = 2) readonly buffer InB { float b[]; };
#define LOAD_B(i) b[i]
#endif
#endif
#if HAS_C
layout(std430, binding = 3) readonly buffer InC { float cm[]; };
#endif

void main() {
    uint g = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    if (g >= GROUPS)
        return;
    uint m0 = (g / NGROUPS_N) * uint(TM);
    uint n0 = ((g % NGROUPS_N) * uint(LOCAL_SIZE) + gl_LocalInvocationID.x) * uint(TN);
    uint ar[TM], br[TN]; // row starts, clamped into the operands
    [[unroll]] for (uint i = 0u; i < uint(TM); i++)
        ar[i] = min(m0 + i, uint(M) - 1u) * KU;
    [[unroll]] for (uint j = 0u; j < uint(TN); j++)
#if B_KN
        br[j] = min(n0 + j, uint(N) - 1u); // a column of B
#else
        br[j] = min(n0 + j, uint(N) - 1u) * KU;
#endif
    float acc[TM][TN];
    [[unroll]] for (uint i = 0u; i < uint(TM); i++)
        [[unroll]] for (uint j = 0u; j < uint(TN); j++)
            acc[i][j] = 0.0;
    for (uint k = 0u; k < KU; k++) {
        VT vb[TN];
        [[unroll]] for (uint j = 0u; j < uint(TN); j++)
#if B_KN
            vb[j] = LOAD_B(br[j], k);
#else
            vb[j] = LOAD_B(br[j] + k);
#endif
        [[unroll]] for (uint i = 0u; i < uint(TM); i++) {
            VT va = a[ar[i] + k];
            [[unroll]] for (uint j = 0u; j < uint(TN); j++)
                acc[i][j] += MAC(va, vb[j]);
        }
    }
    [[unroll]] for (uint i = 0u; i < uint(TM); i++) {
        uint m = m0 + i;
        [[unroll]] for (uint j = 0u; j < uint(TN); j++) {
            uint n = n0 + j;
            if (m < uint(M) && n < uint(N)) {
                float v = float(ALPHA) * acc[i][j];
#if HAS_C
                v += float(BETA) * cm[m * C_SM + n * C_SN];
#endif
                y[m * uint(N) + n] = epilogue(v, n, m * uint(N) + n);
            }
        }
    }
}
