#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#if defined(VEC8) && VEC8
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
#endif
// Gemm at small M (batch) with B transposed ([N, K], torch Linear's weight):
//   Y[m, n] = ALPHA * sum_k A'[m, k] * B[n, k] + BETA * C[m, n]
// A' is A ([K, M] when TRANS_A, else [M, K]); C is read at m * C_SM + n * C_SN
// (0 strides broadcast it); the fused epilogue (epilogue.glsl) then applies the
// post-ops per element.
// Memory bound: each workgroup owns NC consecutive columns n (rows of B) for
// all M rows of A, so every weight is read once. Its LOCAL_SIZE invocations
// split K (split-K inside the workgroup, see k_range): consecutive
// invocations read consecutive memory (vec4s when VEC4).
// The NC * M partial sums are then reduced in shared memory by a fixed tree:
// no atomics, the result is bit-identical run to run.
// Weights split across chunks (split.glsl): a workgroup whose NC rows lie in
// one chunk reads that chunk directly (the chunk is uniform per workgroup);
// the few whose rows straddle a chunk boundary go through wt_load.
// VEC4 (set by the lowering) requires K % 4 == 0 and WT_CHUNK % 4 == 0.
// WT_HALF (fp16 weights, split.glsl): B is stored as IEEE halves and
// converted on load; with VEC8 a load then brings 16 of them (K % 16 == 0,
// WT_CHUNK % 16 == 0).
// WT_TEXEL (CPU drivers, within maxTexelBufferElements): B's chunks are
// uniform texel buffers (split.glsl), A is one too, and the loop steps K by
// 8: two float texels or one texel of 8 halves per column, two texels of A
// per row. Requires K % 8 == 0,
// WT_CHUNK % 8 == 0 and TRANS_A 0. On lavapipe a texelFetch is one 16-byte
// gather, about 10x the rate of a storage-buffer vec4 load.
// WT_PACKED (with WT_TEXEL, fp32 B): B in the blocked order of
// passes/gemv_pack.c, so that a workgroup's NC rows are one stream, each
// lane block's slice of K starting on a block of 16 units; WT_GPC groups
// of NC rows per chunk, none straddling two (no wt_load path).
// VEC8 (with VEC4, on devices with shaderInt64) reads 8 floats per load as a
// u64vec4 and requires K % 8 == 0, WT_CHUNK % 8 == 0 and TRANS_A 0: on a CPU
// driver every storage-buffer load is emulated lane by lane, so the bytes
// per load instruction, not the memory, bound this kernel (lavapipe: about
// twice the rate of vec4 loads).
// Grid: GROUPS workgroups, flat over a 1-D or 2-D grid (common.glsl).
// Requires 1 <= NC <= N and K >= 1.
// Bindings: 0 Y, 1 A, 2.. B (split), then C when HAS_C, then the
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
#ifndef NC
#define NC 1
#endif
#ifndef VEC4
#define VEC4 0
#endif
#ifndef VEC8
#define VEC8 0
#endif
#ifndef WT_PACKED
#define WT_PACKED 0
#endif
#ifndef WT_GPC
#define WT_GPC 1u // WT_PACKED: groups of NC rows per chunk (the lowering's)
#endif
#ifndef SG_WIDTH
#define SG_WIDTH 32
#endif
#ifndef TRANS_A
#define TRANS_A 0
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
// GROUPS = ceil(N / NC) workgroups: computed once by the lowering
// (lower_matrix.c) and passed in (the default only lets the template compile
// on its own)
#ifndef GROUPS
#define GROUPS 1u
#endif
#define WT_BINDING 2

#include "common.glsl"
#include "split.glsl"
#define EPI_BINDING (2 + WT_CHUNKS + HAS_C)
#include "epilogue.glsl"

layout(std430, binding = 0) writeonly buffer Out { float y[]; };
#if WT_TEXEL
// A through a texel buffer as well (its offset is texel-aligned and K % 8
// == 0): a[i] is a texel component
layout(binding = 1) uniform TEXEL_BUFFER a_t;
#define A_AT(i) texelFetch(a_t, int((i) >> 2))[(i) & 3u]
#else
layout(std430, binding = 1) readonly buffer InA { float a[]; };
#define A_AT(i) a[i]
#endif
#if HAS_C
layout(std430, binding = 2 + WT_CHUNKS) readonly buffer InC { float cm[]; };
#endif

// NC * M partial sums per invocation, reduced across the workgroup.
#define OUTS (NC * M)
shared float red[OUTS * LOCAL_SIZE];
float acc[NC][M];
#ifndef SG_RED
#define SG_RED 0
#endif
#if SG_RED
// SG_RED: the device's fixed subgroup size, dividing LOCAL_SIZE, with
// subgroup arithmetic (the lowering checked); see the reduction in main()
#extension GL_KHR_shader_subgroup_arithmetic : require
// output e's subgroup sums, in subgroup order
float red_sum(uint e) {
    float t = red[e * (uint(LOCAL_SIZE) / uint(SG_RED))];
    for (uint s = 1u; s < uint(LOCAL_SIZE) / uint(SG_RED); s++)
        t += red[e * (uint(LOCAL_SIZE) / uint(SG_RED)) + s];
    return t;
}
#endif

#if WT_TEXEL
#define K8 (uint(K) / 8u)
// A's floats 8 * k8 .. 8 * k8 + 7 of row m
void load_a8(uint m, uint k8, out vec4 lo, out vec4 hi) {
    lo = texelFetch(a_t, int(2u * (m * K8 + k8)));
    hi = texelFetch(a_t, int(2u * (m * K8 + k8) + 1u));
}
// B's 8 elements at unit u (8 elements) of chunk W
#if WT_HALF
#define LOAD_B8(W, u, lo, hi)                                                                      \
    {                                                                                              \
        uvec4 t_ = texelFetch(W, int(u));                                                          \
        lo = vec4(unpackHalf2x16(t_.x), unpackHalf2x16(t_.y));                                     \
        hi = vec4(unpackHalf2x16(t_.z), unpackHalf2x16(t_.w));                                     \
    }
#else
#define LOAD_B8(W, u, lo, hi)                                                                      \
    {                                                                                              \
        lo = texelFetch(W, int(2u * (u)));                                                         \
        hi = texelFetch(W, int(2u * (u) + 1u));                                                    \
    }
#endif
#if WT_PACKED
// B blocked (passes.h vkc_gemv_pack_offset): a group of pg rows (NC, or N %
// NC in the last group) from unit r0 on; in it, unit u of its row j at
// (u & ~15) * pg + j * w + (u & 15), w the units of u's block (16, or K8's
// remainder in the last). Columns past the group's rows read its last row
// (computed, never stored).
#define B_UNIT0(r0, u) ((r0) + ((u) & ~15u) * pg + ((u) & 15u))
#define B_WIDTH(u) min(16u, K8 - ((u) & ~15u))
#define B_COL(c) min(c, pg - 1u)
#else
#define B_UNIT0(r0, u) ((r0) + (u))
#define B_WIDTH(u) K8
#define B_COL(c) (c)
#endif
// Rows r0 .. r0 + NC - 1 of the chunk W from unit r0 (WT_PACKED: their
// group's first unit).
#define GEMV_ROWS_TEXEL(W, r0)                                                                     \
    for (uint k8 = kr.x; k8 < kr.y; k8 += kr.z) {                                                  \
        vec4 alo[M], ahi[M];                                                                       \
        [[unroll]] for (uint m = 0u; m < uint(M); m++)                                             \
            load_a8(m, k8, alo[m], ahi[m]);                                                        \
        uint u0 = B_UNIT0(r0, k8), uw = B_WIDTH(k8);                                               \
        [[unroll]] for (uint c = 0u; c < uint(NC); c++) {                                          \
            vec4 blo, bhi;                                                                         \
            LOAD_B8(W, u0 + B_COL(c) * uw, blo, bhi);                                              \
            [[unroll]] for (uint m = 0u; m < uint(M); m++)                                         \
                acc[c][m] += dot(alo[m], blo) + dot(ahi[m], bhi);                                  \
        }                                                                                          \
    }
#elif VEC4
// vec4 views of the same bindings (K % 4 == 0: rows start on 16 bytes);
// fp16 weights (WT_HALF) are viewed 4 to a uvec2 and converted.
#define K4 (uint(K) / 4u)
#if WT_HALF
#define WV4_T uvec2
#define W4(v) vec4(unpackHalf2x16((v).x), unpackHalf2x16((v).y))
#else
#define WV4_T vec4
#define W4(v) (v)
#endif
layout(std430, binding = 1) readonly buffer InA4 { vec4 a4[]; };
layout(std430, binding = WT_BINDING) readonly buffer Wv0 { WV4_T wv0[]; };
#if WT_CHUNKS > 1
layout(std430, binding = WT_BINDING + 1) readonly buffer Wv1 { WV4_T wv1[]; };
#endif
#if WT_CHUNKS > 2
layout(std430, binding = WT_BINDING + 2) readonly buffer Wv2 { WV4_T wv2[]; };
#endif
#if WT_CHUNKS > 3
layout(std430, binding = WT_BINDING + 3) readonly buffer Wv3 { WV4_T wv3[]; };
#endif
#if WT_CHUNKS > 4
layout(std430, binding = WT_BINDING + 4) readonly buffer Wv4 { WV4_T wv4[]; };
#endif
#if WT_CHUNKS > 5
layout(std430, binding = WT_BINDING + 5) readonly buffer Wv5 { WV4_T wv5[]; };
#endif
#if WT_CHUNKS > 6
layout(std430, binding = WT_BINDING + 6) readonly buffer Wv6 { WV4_T wv6[]; };
#endif
#if WT_CHUNKS > 7
layout(std430, binding = WT_BINDING + 7) readonly buffer Wv7 { WV4_T wv7[]; };
#endif

vec4 load_a4(uint m, uint k4) {
#if TRANS_A
    uint k = 4u * k4;
    return vec4(a[k * uint(M) + m], a[(k + 1u) * uint(M) + m], a[(k + 2u) * uint(M) + m],
                a[(k + 3u) * uint(M) + m]);
#else
    return a4[m * K4 + k4];
#endif
}

// Row r0 + c of the chunk viewed as W (vec4 units), columns beyond N clamped
// to the last row (read, never stored).
#define GEMV_ROWS(W, r0)                                                           \
    for (uint k4 = kr.x; k4 < kr.y; k4 += kr.z) {                                  \
        vec4 va[M];                                                                \
        [[unroll]] for (uint m = 0u; m < uint(M); m++)                                        \
            va[m] = load_a4(m, k4);                                                \
        [[unroll]] for (uint c = 0u; c < uint(NC); c++) {                                     \
            vec4 vb = W4(W[(r0) + c * K4 + k4]);                                   \
            [[unroll]] for (uint m = 0u; m < uint(M); m++)                                    \
                acc[c][m] += dot(va[m], vb);                                       \
        }                                                                          \
    }
#if VEC8
// u64vec4 views (8 floats) of the same bindings.
#define K8 (uint(K) / 8u)
layout(std430, binding = 1) readonly buffer InA8 { u64vec4 a8[]; };
layout(std430, binding = WT_BINDING) readonly buffer Wd0 { u64vec4 wd0[]; };
#if WT_CHUNKS > 1
layout(std430, binding = WT_BINDING + 1) readonly buffer Wd1 { u64vec4 wd1[]; };
#endif
#if WT_CHUNKS > 2
layout(std430, binding = WT_BINDING + 2) readonly buffer Wd2 { u64vec4 wd2[]; };
#endif
#if WT_CHUNKS > 3
layout(std430, binding = WT_BINDING + 3) readonly buffer Wd3 { u64vec4 wd3[]; };
#endif
#if WT_CHUNKS > 4
layout(std430, binding = WT_BINDING + 4) readonly buffer Wd4 { u64vec4 wd4[]; };
#endif
#if WT_CHUNKS > 5
layout(std430, binding = WT_BINDING + 5) readonly buffer Wd5 { u64vec4 wd5[]; };
#endif
#if WT_CHUNKS > 6
layout(std430, binding = WT_BINDING + 6) readonly buffer Wd6 { u64vec4 wd6[]; };
#endif
#if WT_CHUNKS > 7
layout(std430, binding = WT_BINDING + 7) readonly buffer Wd7 { u64vec4 wd7[]; };
#endif

// The 8 floats of a u64vec4 in memory order (each 64-bit word holds the
// float at the lower address in its low half).
vec4 lo4(u64vec4 v) {
    return vec4(uintBitsToFloat(unpack32(v.x)), uintBitsToFloat(unpack32(v.y)));
}
vec4 hi4(u64vec4 v) {
    return vec4(uintBitsToFloat(unpack32(v.z)), uintBitsToFloat(unpack32(v.w)));
}

#if WT_HALF
// fp16 weights: a u64vec4 holds 16 of them (in memory order), against two
// u64vec4 loads of A; the unit of K is 16 (the lowering checked K % 16).
#define KV 16u
void w16(u64vec4 v, out vec4 q[4]) {
    uvec2 a = unpack32(v.x), b = unpack32(v.y), c = unpack32(v.z), d = unpack32(v.w);
    q[0] = vec4(unpackHalf2x16(a.x), unpackHalf2x16(a.y));
    q[1] = vec4(unpackHalf2x16(b.x), unpackHalf2x16(b.y));
    q[2] = vec4(unpackHalf2x16(c.x), unpackHalf2x16(c.y));
    q[3] = vec4(unpackHalf2x16(d.x), unpackHalf2x16(d.y));
}

#define GEMV_ROWS8(W, r0)                                                          \
    for (uint k16 = kr.x; k16 < kr.y; k16 += kr.z) {                               \
        vec4 va[M][4];                                                             \
        [[unroll]] for (uint m = 0u; m < uint(M); m++) {                           \
            u64vec4 t0 = a8[m * K8 + 2u * k16], t1 = a8[m * K8 + 2u * k16 + 1u];   \
            va[m][0] = lo4(t0);                                                    \
            va[m][1] = hi4(t0);                                                    \
            va[m][2] = lo4(t1);                                                    \
            va[m][3] = hi4(t1);                                                    \
        }                                                                          \
        [[unroll]] for (uint c = 0u; c < uint(NC); c++) {                          \
            vec4 w[4];                                                             \
            w16(W[(r0) + c * (uint(K) / 16u) + k16], w);                           \
            [[unroll]] for (uint m = 0u; m < uint(M); m++)                         \
                acc[c][m] += dot(va[m][0], w[0]) + dot(va[m][1], w[1]) +           \
                             dot(va[m][2], w[2]) + dot(va[m][3], w[3]);            \
        }                                                                          \
    }
#else
#define KV 8u
#define GEMV_ROWS8(W, r0)                                                          \
    for (uint k8 = kr.x; k8 < kr.y; k8 += kr.z) {                                  \
        vec4 va[M], vb4[M];                                                        \
        [[unroll]] for (uint m = 0u; m < uint(M); m++) {                           \
            u64vec4 t = a8[m * K8 + k8];                                           \
            va[m] = lo4(t);                                                        \
            vb4[m] = hi4(t);                                                       \
        }                                                                          \
        [[unroll]] for (uint c = 0u; c < uint(NC); c++) {                          \
            u64vec4 w8 = W[(r0) + c * K8 + k8];                                    \
            vec4 w0 = lo4(w8), w1 = hi4(w8);                                       \
            [[unroll]] for (uint m = 0u; m < uint(M); m++)                         \
                acc[c][m] += dot(va[m], w0) + dot(vb4[m], w1);                     \
        }                                                                          \
    }
#endif
#endif
#else
float load_a(uint m, uint k) {
#if TRANS_A
    return a[k * uint(M) + m];
#else
    return a[m * uint(K) + k];
#endif
}

#define GEMV_ROWS(W, r0)                                                           \
    for (uint k = kr.x; k < kr.y; k += kr.z) {                                     \
        float va[M];                                                               \
        [[unroll]] for (uint m = 0u; m < uint(M); m++)                                        \
            va[m] = load_a(m, k);                                                  \
        [[unroll]] for (uint c = 0u; c < uint(NC); c++) {                                     \
            float vb = WT_GET(W, (r0) + c * uint(K) + k);                          \
            [[unroll]] for (uint m = 0u; m < uint(M); m++)                                    \
                acc[c][m] += va[m] * vb;                                           \
        }                                                                          \
    }
#endif

// The invocations as blocks of SG_WIDTH (the device's subgroup size, a
// define so that the split of K is fixed): block b reads its own contiguous
// slice of the `units` of a row, its w invocations interleaved within it. A
// driver that runs a workgroup subgroup after subgroup (CPU drivers) then
// streams each slice once instead of the whole row once per subgroup. The
// split is exact for any LOCAL_SIZE and SG_WIDTH (a partial last block
// strides by its own width). Returns (first, end, stride).
uvec3 k_range(uint units) {
    const uint blocks = (uint(LOCAL_SIZE) + uint(SG_WIDTH) - 1u) / uint(SG_WIDTH);
    uint lid = gl_LocalInvocationID.x;
    uint b = lid / uint(SG_WIDTH);
    uint w = min(uint(SG_WIDTH), uint(LOCAL_SIZE) - b * uint(SG_WIDTH));
    uint per = (units + blocks - 1u) / blocks;
#if WT_PACKED
    per = (per + 15u) & ~15u; // each block starts a block of the packing
#endif
    uint first = b * per;
    return uvec3(first + lid % uint(SG_WIDTH), min(units, first + per), w);
}

void main() {
    uint g = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    if (g >= GROUPS) // whole workgroups only: uniform before the barriers
        return;
    uint lid = gl_LocalInvocationID.x;
    uint n0 = g * uint(NC);
    [[unroll]] for (uint c = 0u; c < uint(NC); c++)
        [[unroll]] for (uint m = 0u; m < uint(M); m++)
            acc[c][m] = 0.0;

    // The NC rows as one span of B (the last group clamps to row N - NC; its
    // extra columns recompute rows of the previous group and are not stored).
#if WT_PACKED
    // groups of NC rows from row 0 (the last one pg rows), WT_GPC whole
    // groups per chunk from its start
    uint r = n0, pg = min(uint(NC), uint(N) - n0);
    uint chunk = g / uint(WT_GPC);
    uint off = (g - chunk * uint(WT_GPC)) * uint(NC) * uint(K); // in floats
    bool whole = true;
#else
    uint r = n0 + uint(NC) <= uint(N) ? n0 : uint(N) - uint(NC);
    uint first = r * uint(K), last = first + uint(NC) * uint(K) - 1u;
    uint chunk = first / WT_CHUNK;
    uint off = first - chunk * WT_CHUNK; // in floats
    bool whole = WT_CHUNKS == 1 || last / WT_CHUNK == chunk;
#endif
    uint cols = n0 - r; // stored columns start at acc[cols]
    if (whole) {
#if WT_TEXEL
        uint o = off / 8u; // row r (WT_PACKED: its group) in the chunk, units of 8 elements
        uvec3 kr = k_range(K8);
#define ROWST(W) GEMV_ROWS_TEXEL(W, o)
        switch (chunk) {
        case 0u: ROWST(wt0) break;
#if WT_CHUNKS > 1
        case 1u: ROWST(wt1) break;
#endif
#if WT_CHUNKS > 2
        case 2u: ROWST(wt2) break;
#endif
#if WT_CHUNKS > 3
        case 3u: ROWST(wt3) break;
#endif
#if WT_CHUNKS > 4
        case 4u: ROWST(wt4) break;
#endif
#if WT_CHUNKS > 5
        case 5u: ROWST(wt5) break;
#endif
#if WT_CHUNKS > 6
        case 6u: ROWST(wt6) break;
#endif
#if WT_CHUNKS > 7
        case 7u: ROWST(wt7) break;
#endif
        }
#elif VEC8
        uint o = off / KV; // row r in the chunk's u64vec4 view
        uvec3 kr = k_range(uint(K) / KV);
#define ROWS8(W) GEMV_ROWS8(W, o)
        switch (chunk) {
        case 0u: ROWS8(wd0) break;
#if WT_CHUNKS > 1
        case 1u: ROWS8(wd1) break;
#endif
#if WT_CHUNKS > 2
        case 2u: ROWS8(wd2) break;
#endif
#if WT_CHUNKS > 3
        case 3u: ROWS8(wd3) break;
#endif
#if WT_CHUNKS > 4
        case 4u: ROWS8(wd4) break;
#endif
#if WT_CHUNKS > 5
        case 5u: ROWS8(wd5) break;
#endif
#if WT_CHUNKS > 6
        case 6u: ROWS8(wd6) break;
#endif
#if WT_CHUNKS > 7
        case 7u: ROWS8(wd7) break;
#endif
        }
#else
        uint o = VEC4 != 0 ? off / 4u : off; // row r in the chunk's view
        uvec3 kr = k_range(VEC4 != 0 ? uint(K) / 4u : uint(K));
#define ROWS(W) GEMV_ROWS(W, o)
#if VEC4
        switch (chunk) {
        case 0u: ROWS(wv0) break;
#if WT_CHUNKS > 1
        case 1u: ROWS(wv1) break;
#endif
#if WT_CHUNKS > 2
        case 2u: ROWS(wv2) break;
#endif
#if WT_CHUNKS > 3
        case 3u: ROWS(wv3) break;
#endif
#if WT_CHUNKS > 4
        case 4u: ROWS(wv4) break;
#endif
#if WT_CHUNKS > 5
        case 5u: ROWS(wv5) break;
#endif
#if WT_CHUNKS > 6
        case 6u: ROWS(wv6) break;
#endif
#if WT_CHUNKS > 7
        case 7u: ROWS(wv7) break;
#endif
        }
#else
        switch (chunk) {
        case 0u: ROWS(wt0) break;
#if WT_CHUNKS > 1
        case 1u: ROWS(wt1) break;
#endif
#if WT_CHUNKS > 2
        case 2u: ROWS(wt2) break;
#endif
#if WT_CHUNKS > 3
        case 3u: ROWS(wt3) break;
#endif
#if WT_CHUNKS > 4
        case 4u: ROWS(wt4) break;
#endif
#if WT_CHUNKS > 5
        case 5u: ROWS(wt5) break;
#endif
#if WT_CHUNKS > 6
        case 6u: ROWS(wt6) break;
#endif
#if WT_CHUNKS > 7
        case 7u: ROWS(wt7) break;
#endif
        }
#endif
#endif
    }
#if !WT_PACKED
    else {
        // rows straddling a chunk boundary (at most WT_CHUNKS - 1 groups):
        // scalar, each element through wt_load
        uvec3 kr = k_range(uint(K));
        for (uint k = kr.x; k < kr.y; k += kr.z) {
            [[unroll]] for (uint c = 0u; c < uint(NC); c++) {
                float vb = wt_load(first + c * uint(K) + k);
                [[unroll]] for (uint m = 0u; m < uint(M); m++)
#if TRANS_A
                    acc[c][m] += A_AT(k * uint(M) + m) * vb;
#else
                    acc[c][m] += A_AT(m * uint(K) + k) * vb;
#endif
            }
        }
    }
#endif

#if SG_RED
    // Each subgroup of SG_RED invocations sums its partials with subgroupAdd
    // (an order fixed by the driver's code, not by timing: bit-identical
    // run to run), then one invocation per output adds the LOCAL_SIZE /
    // SG_RED subgroup sums in subgroup order: one barrier instead of the
    // tree's log2(LOCAL_SIZE) + 1, whose shared-memory steps and barriers
    // cost more than the loads at small K on CPU drivers.
#define NSG (uint(LOCAL_SIZE) / uint(SG_RED))
    [[unroll]] for (uint c = 0u; c < uint(NC); c++)
        [[unroll]] for (uint m = 0u; m < uint(M); m++) {
            float v = subgroupAdd(acc[c][m]);
            if (gl_SubgroupInvocationID == 0u)
                red[(c * uint(M) + m) * NSG + gl_SubgroupID] = v;
        }
    memoryBarrierShared();
    barrier();
#define RED_AT(e) red_sum(e)
#else
    // Fixed-order tree over the invocations (any LOCAL_SIZE): step s adds
    // element i + s into i for i < s, starting from the power of two below L.
    [[unroll]] for (uint c = 0u; c < uint(NC); c++)
        [[unroll]] for (uint m = 0u; m < uint(M); m++)
            red[(c * uint(M) + m) * uint(LOCAL_SIZE) + lid] = acc[c][m];
    memoryBarrierShared();
    barrier();
    uint s = 1u;
    while (2u * s < uint(LOCAL_SIZE))
        s *= 2u;
    for (; s > 0u; s /= 2u) {
        if (lid < s && lid + s < uint(LOCAL_SIZE))
            for (uint e = 0u; e < uint(OUTS); e++)
                red[e * uint(LOCAL_SIZE) + lid] += red[e * uint(LOCAL_SIZE) + lid + s];
        memoryBarrierShared();
        barrier();
    }
#define RED_AT(e) red[(e) * uint(LOCAL_SIZE)]
#endif

    for (uint e = lid; e < uint(OUTS); e += uint(LOCAL_SIZE)) {
        uint c = e / uint(M), m = e % uint(M);
        uint n = r + c;
        if (c < cols || n >= uint(N)) // recomputed columns of the previous group,
            continue;                // or (WT_PACKED) past the last row
        float v = float(ALPHA) * RED_AT(e);
#if HAS_C
        v += float(BETA) * cm[m * C_SM + n * C_SN];
#endif
        y[m * uint(N) + n] = epilogue(v, n, m * uint(N) + n);
    }
}
