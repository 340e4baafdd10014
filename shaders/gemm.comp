#version 450
#extension GL_GOOGLE_include_directive : require
// Matrix products, fp32, one invocation per output element: Gemm and MatMul.
//   Y[b, m, n] = ALPHA * sum_k A'[b, m, k] * B'[b, k, n] + BETA * C[m, n]
// A' is A ([K, M] when TRANS_A, else [M, K]) and B' is B ([N, K] when
// TRANS_B, else [K, N]). MatMul's broadcast batch dims: output batch index b
// has coordinates in BATCH_DIMS; A's matrix starts at sum coord * A_BSTR and
// B's at sum coord * B_BSTR (strides in elements, 0 where broadcast). C (Gemm)
// is read at m * C_SM + n * C_SN (0 strides broadcast it).
// The fused epilogue (epilogue.glsl) then applies the post-ops per element.
// Bindings: 0 Y, 1 A, 2.. B (split, see split.glsl), then C when HAS_C, then the
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
#ifndef TRANS_A
#define TRANS_A 0
#endif
#ifndef TRANS_B
#define TRANS_B 0
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
#ifndef BATCH_RANK
#define BATCH_RANK 0
#endif
#ifndef BATCH
#define BATCH 1u
#endif
#ifndef TOTAL
#define TOTAL (uint(BATCH) * uint(M) * uint(N))
#endif
#define WT_BINDING 2

#include "common.glsl"
#include "split.glsl"
#define EPI_BINDING (2 + WT_CHUNKS + HAS_C)
#include "epilogue.glsl"

layout(std430, binding = 0) writeonly buffer Out { float y[]; };
layout(std430, binding = 1) readonly buffer InA { float a[]; };
#if HAS_C
layout(std430, binding = 2 + WT_CHUNKS) readonly buffer InC { float cm[]; };
#endif

#if BATCH_RANK > 0
const uint bdims[BATCH_RANK] = uint[BATCH_RANK](BATCH_DIMS);
const uint abstr[BATCH_RANK] = uint[BATCH_RANK](A_BSTR);
const uint bbstr[BATCH_RANK] = uint[BATCH_RANK](B_BSTR);
#endif

void main() {
    uint i = flat_index();
    if (i >= TOTAL)
        return;
    uint n = i % uint(N);
    uint t = i / uint(N);
    uint m = t % uint(M);
    uint ao = 0u, bo = 0u;
#if BATCH_RANK > 0
    uint r = t / uint(M);
    for (int d = BATCH_RANK - 1; d >= 0; d--) {
        uint k = r % bdims[d];
        r /= bdims[d];
        ao += k * abstr[d];
        bo += k * bbstr[d];
    }
#endif
    float acc = 0.0;
    for (uint k = 0u; k < uint(K); k++) {
#if TRANS_A
        float va = a[ao + k * uint(M) + m];
#else
        float va = a[ao + m * uint(K) + k];
#endif
#if TRANS_B
        float vb = wt_load(bo + n * uint(K) + k);
#else
        float vb = wt_load(bo + k * uint(N) + n);
#endif
        acc += va * vb;
    }
    float v = float(ALPHA) * acc;
#if HAS_C
    v += float(BETA) * cm[m * C_SM + n * C_SN];
#endif
    y[i] = epilogue(v, n, i);
}
