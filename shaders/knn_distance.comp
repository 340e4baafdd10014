#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
// k-NN, step 1 of 2 (runtime/knn/search.c): the distance GEMM of a block of
// queries against one chunk of the gallery, as scores that order like the
// distance:
//   L2:         S[m][n] = |g_n|^2 - 2 q_m . g_n     (|q_m|^2 is added on the host)
//   IP, cosine: S[m][n] = -(q_m . g_n)              (cosine rows are unit vectors)
// Q is [MB][D4] vec4 (the query block, rows padded with zeros to a multiple
// of 4 floats), G is [chunk rows][D4] vec4, GN[n] = |g_n|^2 (L2 only), S is
// [MB][STRIDE] float. Both operands are K-contiguous rows.
// Register blocking: each invocation computes a TM x TN block of S over the
// whole D (no reduction across invocations, so the order of the sum is fixed
// and a row's score does not depend on where the row sits in the chunk: equal
// rows give equal scores, which the tie rule relies on). Per vec4 step of D it
// loads TM query and TN gallery vec4s and does 4 * TM * TN FMAs (explicit
// fma: 5-10% faster than dot() on lavapipe, and fused on every device).
// Invocations: (m block, n block), n block fastest, so that neighbouring lanes
// read neighbouring gallery rows and the same query rows.
// Gallery rows past push.n are clamped to the last one (computed, never stored).
// TEXEL (CPU drivers): Q and G are uniform texel buffers, one 16-byte gather
// per texelFetch where a storage-buffer load goes lane by lane.
// Bindings: 0 S, 1 Q, 2 G, 3 GN.
#ifndef TM
#define TM 8
#endif
#ifndef TN
#define TN 8
#endif
#ifndef D4
#define D4 1
#endif
#ifndef MB
#define MB TM
#endif
#ifndef STRIDE
#define STRIDE 4
#endif
#ifndef L2
#define L2 1
#endif
#ifndef TEXEL
#define TEXEL 0
#endif

#include "common.glsl"

layout(push_constant) uniform Push {
    uint n;     // valid gallery rows in the chunk (>= 1)
    uint total; // invocations: (MB / TM) * ceil(n / TN)
} push;

layout(std430, binding = 0) writeonly buffer Scores { float s[]; };
#if TEXEL
layout(binding = 1) uniform TEXEL_BUFFER q;
layout(binding = 2) uniform TEXEL_BUFFER g;
#define LOAD(buf, i) texelFetch(buf, int(i))
#else
layout(std430, binding = 1) readonly buffer Queries { vec4 q[]; };
layout(std430, binding = 2) readonly buffer Gallery { vec4 g[]; };
#define LOAD(buf, i) buf[i]
#endif
layout(std430, binding = 3) readonly buffer Norms { float gn[]; };

void main() {
    uint i = flat_index();
    if (i >= push.total)
        return;
    uint nblocks = (push.n + uint(TN) - 1u) / uint(TN);
    uint nb = i % nblocks, mb = i / nblocks;
    uint m0 = mb * uint(TM), n0 = nb * uint(TN);
    uint qr[TM], gr[TN]; // row starts in vec4s
    [[unroll]] for (int r = 0; r < TM; r++)
        qr[r] = (m0 + uint(r)) * uint(D4);
    [[unroll]] for (int c = 0; c < TN; c++)
        gr[c] = min(n0 + uint(c), push.n - 1u) * uint(D4);
    float acc[TM][TN];
    [[unroll]] for (int r = 0; r < TM; r++)
        [[unroll]] for (int c = 0; c < TN; c++)
            acc[r][c] = 0.0;
    for (uint k = 0u; k < uint(D4); k++) {
        vec4 vg[TN];
        [[unroll]] for (int c = 0; c < TN; c++)
            vg[c] = LOAD(g, gr[c] + k);
        [[unroll]] for (int r = 0; r < TM; r++) {
            vec4 vq = LOAD(q, qr[r] + k);
            [[unroll]] for (int c = 0; c < TN; c++)
                acc[r][c] = fma(vq.w, vg[c].w,
                                fma(vq.z, vg[c].z, fma(vq.y, vg[c].y, fma(vq.x, vg[c].x, acc[r][c]))));
        }
    }
    [[unroll]] for (int c = 0; c < TN; c++) {
        uint n = n0 + uint(c);
        if (n >= push.n)
            break;
#if L2
        float norm = gn[n];
#endif
        [[unroll]] for (int r = 0; r < TM; r++) {
#if L2
            s[(m0 + uint(r)) * uint(STRIDE) + n] = norm - 2.0 * acc[r][c];
#else
            s[(m0 + uint(r)) * uint(STRIDE) + n] = -acc[r][c];
#endif
        }
    }
}
