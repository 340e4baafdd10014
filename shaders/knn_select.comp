#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#if (defined(SUBGROUP) && SUBGROUP) || (defined(SGPATH) && SGPATH)
#extension GL_KHR_shader_subgroup_arithmetic : require
#endif
// k-NN, step 2 of 2 (runtime/knn/search.c): per query, the k smallest
// (score, index) pairs of a stream of candidates, merged into a sorted list.
// Keys compare as (score, index) pairs, so equal scores go to the lower
// gallery index: the order is total and the result deterministic.
// One workgroup per (query row, segment); three ways, by the list length K2
// (k rounded up to a power of two) and the device:
//   K2 <= 32 (PRIVATE): every invocation keeps the K2 smallest keys of its
//     own candidates, sorted, in registers (most candidates fail one
//     comparison with its K2-th); then the LOCAL_SIZE lists are merged
//     pairwise in shared memory, log2(LOCAL_SIZE) levels of bitonic merges.
//     SUBGROUP (devices with subgroup arithmetic): after each round the
//     subgroup shares the smallest of its invocations' K2-th scores, a bound
//     for all of them (that invocation holds K2 >= k keys at or below it),
//     so each drops candidates above it too: far fewer insertions.
//     SGPATH (a fixed subgroup size with subgroup arithmetic; the workgroup
//     is one subgroup): no shared memory and no barrier at all. The stored
//     list enters as candidates; then the k smallest are taken one by one:
//     the subgroup's smallest head (subgroupMin of the scores, then of the
//     indices at that score), which its invocation pops.
//   K2 > 32: the workgroup keeps, in shared memory, the list L of the K2
//     smallest keys seen so far (ascending) and a buffer B of BC candidates.
//     Every invocation reads PER candidates per round and keeps those that
//     beat L[k - 1]; survivors are appended to B. A full B is sorted
//     (bitonic) and merged into L. Candidates that found B full wait in
//     registers for the next round of appends.
// Merging two sorted lists A and B of K2 keys: M[i] = min(A[i], B[K2-1-i])
// is a bitonic sequence holding the K2 smallest of both, which a bitonic
// merge (log2(K2) compare-exchange stages) sorts.
// Candidates:
//   dense (PAIRS 0): the scores of one row of knn_distance's output,
//     columns [seg * segment, min(n, seg * (segment + 1))), with indices
//     base + column; TEXEL: read as a uniform texel buffer.
//   pairs (PAIRS 1): n (score bits, index) pairs per row (the lists that
//     the segments of a dense pass wrote), row stride cstride.
// The list: row (query row * segments + segment) of K2 (score bits, index)
// pairs, merged with the new keys when push.merge (else the new keys
// alone), written back at the end. Unfilled entries are (+inf, 0xffffffff).
// Bindings: 0 lists, 1 candidates.
#ifndef K2
#define K2 16
#endif
#ifndef BC
#define BC 256
#endif
#ifndef PER
#define PER 4
#endif
#ifndef PAIRS
#define PAIRS 0
#endif
#ifndef TEXEL
#define TEXEL 0
#endif
#ifndef STRIDE
#define STRIDE 4
#endif
#ifndef SUBGROUP
#define SUBGROUP 0
#endif
#ifndef SGPATH
#define SGPATH 0
#endif
#if K2 <= 32
#define PRIVATE 1
#else
#define PRIVATE 0
#endif

#include "common.glsl"

#define NONE 0xffffffffu

layout(push_constant) uniform Push {
    uint n;        // candidates per row
    uint seg;      // dense: candidates per segment (a multiple of 4)
    uint segments; // workgroups per query row
    uint base;     // dense: gallery index of column 0
    uint k;        // 1 <= k <= K2
    uint merge;    // 1: merge with the list's stored contents
    uint rows;     // query rows
    uint cstride;  // pairs: row stride of the candidates
} push;

layout(std430, binding = 0) buffer Lists { uvec2 list[]; };
#if PAIRS
layout(std430, binding = 1) readonly buffer Cand { uvec2 cand[]; };
#elif TEXEL
layout(binding = 1) uniform TEXEL_BUFFER sc;
#else
layout(std430, binding = 1) readonly buffer Cand { vec4 sc[]; };
#endif

#if SGPATH
#elif PRIVATE
// LOCAL_SIZE lists of K2 keys, merged in place
shared float ls[LOCAL_SIZE * K2];
shared uint li[LOCAL_SIZE * K2];
#else
shared float ls[K2];
shared uint li[K2];
shared float bs[BC];
shared uint bi[BC];
shared uint bcount;
#endif

bool less(float a, uint ia, float b, uint ib) {
    return a < b || (a == b && ia < ib);
}

// Candidates p0 .. p0 + PER - 1 of query row `row` (those at or past hi:
// +inf, never kept).
void load(uint row, uint p0, uint hi, out float cs[PER], out uint ci[PER]) {
#if PAIRS
    [[unroll]] for (int j = 0; j < PER; j++) {
        uint p = p0 + uint(j);
        uvec2 e = p < hi ? cand[row * push.cstride + p] : uvec2(floatBitsToUint(VKC_INF), NONE);
        cs[j] = uintBitsToFloat(e.x);
        ci[j] = e.y;
    }
#else
    [[unroll]] for (int j = 0; j < PER; j += 4) {
        uint p = p0 + uint(j);
        vec4 v = vec4(VKC_INF);
        if (p < hi) {
            uint at = (row * uint(STRIDE) + p) / 4u;
#if TEXEL
            v = texelFetch(sc, int(at));
#else
            v = sc[at];
#endif
        }
        [[unroll]] for (int e = 0; e < 4; e++) { // columns past hi: not candidates
            bool in_range = p + uint(e) < hi;
            cs[j + e] = in_range ? v[e] : VKC_INF;
            ci[j + e] = in_range ? push.base + p + uint(e) : NONE;
        }
    }
#endif
}

#if !SGPATH
// Sorts `count` bitonic lists of K2 keys at ls[l * spacing * K2], ascending.
// Needs a barrier before; ends with one.
void bitonic_merge(uint count, uint spacing) {
    for (uint stride = uint(K2) >> 1u; stride > 0u; stride >>= 1u) {
        for (uint t = gl_LocalInvocationID.x; t < count * uint(K2 / 2); t += uint(LOCAL_SIZE)) {
            uint l = t / uint(K2 / 2), u = t % uint(K2 / 2);
            uint a = l * spacing * uint(K2) + 2u * stride * (u / stride) + u % stride;
            uint b = a + stride;
            if (less(ls[b], li[b], ls[a], li[a])) {
                float s = ls[a];
                uint i = li[a];
                ls[a] = ls[b];
                li[a] = li[b];
                ls[b] = s;
                li[b] = i;
            }
        }
        barrier();
    }
}
#endif

#if PRIVATE || SGPATH

// Inserts key (c, ci) into the sorted private list, dropping its largest.
void insert(inout float ps[K2], inout uint pi[K2], float c, uint ci) {
    [[unroll]] for (int j = K2 - 1; j > 0; j--) {
        if (less(c, ci, ps[j], pi[j])) {
            bool above = less(c, ci, ps[j - 1], pi[j - 1]);
            ps[j] = above ? ps[j - 1] : c;
            pi[j] = above ? pi[j - 1] : ci;
        }
    }
    if (less(c, ci, ps[0], pi[0])) {
        ps[0] = c;
        pi[0] = ci;
    }
}
#endif

#if SGPATH

void main() {
    uint w = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    if (w >= push.rows * push.segments)
        return; // the whole workgroup (one subgroup)
    uint row = w / push.segments, segment = w % push.segments;
    uint lid = gl_LocalInvocationID.x;
#if PAIRS
    uint lo = 0u, hi = push.n;
#else
    uint lo = min(push.n, segment * push.seg), hi = min(push.n, lo + push.seg);
#endif
    float ps[K2];
    uint pi[K2];
    [[unroll]] for (int j = 0; j < K2; j++) {
        ps[j] = VKC_INF;
        pi[j] = NONE;
    }
    if (push.merge != 0u) // the stored list: candidates like the others
        for (uint t = lid; t < push.k; t += uint(LOCAL_SIZE)) {
            uvec2 e = list[w * uint(K2) + t];
            if (less(uintBitsToFloat(e.x), e.y, ps[K2 - 1], pi[K2 - 1]))
                insert(ps, pi, uintBitsToFloat(e.x), e.y);
        }
    float bound = subgroupMin(ps[K2 - 1]);
    for (uint r0 = lo; r0 < hi; r0 += uint(LOCAL_SIZE * PER)) {
        float cs[PER];
        uint ci[PER];
        load(row, r0 + lid * uint(PER), hi, cs, ci);
        [[unroll]] for (int j = 0; j < PER; j++)
            if (cs[j] <= bound && less(cs[j], ci[j], ps[K2 - 1], pi[K2 - 1]))
                insert(ps, pi, cs[j], ci[j]);
        bound = subgroupMin(ps[K2 - 1]);
    }
    for (uint j = 0u; j < uint(K2); j++) {
        float m = VKC_INF;
        uint mi = NONE;
        if (j < push.k) {
            m = subgroupMin(ps[0]);
            mi = subgroupMin(ps[0] == m ? pi[0] : NONE);
            if (ps[0] == m && pi[0] == mi) { // this invocation's head: pop it
                [[unroll]] for (int t = 0; t < K2 - 1; t++) {
                    ps[t] = ps[t + 1];
                    pi[t] = pi[t + 1];
                }
                ps[K2 - 1] = VKC_INF;
                pi[K2 - 1] = NONE;
            }
        }
        if (lid == 0u)
            list[w * uint(K2) + j] = uvec2(floatBitsToUint(m), mi);
    }
}

#elif PRIVATE

void main() {
    uint w = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    if (w >= push.rows * push.segments)
        return; // the whole workgroup: no barrier is skipped by some of it
    uint row = w / push.segments, segment = w % push.segments;
    uint lid = gl_LocalInvocationID.x;
#if PAIRS
    uint lo = 0u, hi = push.n;
#else
    uint lo = min(push.n, segment * push.seg), hi = min(push.n, lo + push.seg);
#endif
    float ps[K2];
    uint pi[K2];
    [[unroll]] for (int j = 0; j < K2; j++) {
        ps[j] = VKC_INF;
        pi[j] = NONE;
    }
    float bound = VKC_INF; // a score no kept key exceeds (SUBGROUP)
    for (uint r0 = lo; r0 < hi; r0 += uint(LOCAL_SIZE * PER)) {
        float cs[PER];
        uint ci[PER];
        load(row, r0 + lid * uint(PER), hi, cs, ci);
        [[unroll]] for (int j = 0; j < PER; j++)
            if (cs[j] <= bound && less(cs[j], ci[j], ps[K2 - 1], pi[K2 - 1]))
                insert(ps, pi, cs[j], ci[j]);
#if SUBGROUP
        bound = subgroupMin(ps[K2 - 1]);
#endif
    }
    [[unroll]] for (int j = 0; j < K2; j++) {
        ls[lid * uint(K2) + uint(j)] = ps[j];
        li[lid * uint(K2) + uint(j)] = pi[j];
    }
    barrier();
    // pairwise: list l * 2 * step absorbs list l * 2 * step + step
    for (uint step = 1u; step < uint(LOCAL_SIZE); step <<= 1u) {
        uint pairs = uint(LOCAL_SIZE) / (2u * step);
        for (uint t = lid; t < pairs * uint(K2); t += uint(LOCAL_SIZE)) {
            uint l = t / uint(K2), j = t % uint(K2);
            uint a = l * 2u * step * uint(K2) + j;
            uint b = (l * 2u * step + step) * uint(K2) + uint(K2) - 1u - j;
            if (less(ls[b], li[b], ls[a], li[a])) {
                ls[a] = ls[b];
                li[a] = li[b];
            }
        }
        barrier();
        bitonic_merge(pairs, 2u * step);
    }
    if (push.merge != 0u) { // the stored list into list 1's place, then merged
        for (uint t = lid; t < uint(K2); t += uint(LOCAL_SIZE)) {
            uvec2 e = list[w * uint(K2) + uint(K2) - 1u - t];
            if (less(uintBitsToFloat(e.x), e.y, ls[t], li[t])) {
                ls[t] = uintBitsToFloat(e.x);
                li[t] = e.y;
            }
        }
        barrier();
        bitonic_merge(1u, 1u);
    }
    for (uint t = lid; t < uint(K2); t += uint(LOCAL_SIZE))
        list[w * uint(K2) + t] = uvec2(floatBitsToUint(ls[t]), li[t]);
}

#else // !PRIVATE

// Bitonic sort of B, ascending.
void sort_buffer() {
    for (uint size = 2u; size <= uint(BC); size <<= 1u) {
        for (uint stride = size >> 1u; stride > 0u; stride >>= 1u) {
            for (uint t = gl_LocalInvocationID.x; t < uint(BC) / 2u; t += uint(LOCAL_SIZE)) {
                uint a = 2u * stride * (t / stride) + t % stride, b = a + stride;
                bool up = (a & size) == 0u;
                float sa = bs[a], sb = bs[b];
                uint ia = bi[a], ib = bi[b];
                if (less(sb, ib, sa, ia) == up) {
                    bs[a] = sb;
                    bi[a] = ib;
                    bs[b] = sa;
                    bi[b] = ia;
                }
            }
            barrier();
        }
    }
}

// Sorts the first `count` entries of B (the rest padded) and merges them
// into L. Needs a barrier before; ends with one.
void flush(uint count) {
    for (uint t = count + gl_LocalInvocationID.x; t < uint(BC); t += uint(LOCAL_SIZE)) {
        bs[t] = VKC_INF;
        bi[t] = NONE;
    }
    barrier();
    sort_buffer();
    for (uint t = gl_LocalInvocationID.x; t < uint(K2); t += uint(LOCAL_SIZE)) {
        uint j = uint(K2) - 1u - t;
        if (less(bs[j], bi[j], ls[t], li[t])) {
            ls[t] = bs[j];
            li[t] = bi[j];
        }
    }
    barrier();
    bitonic_merge(1u, 1u);
}

void main() {
    uint w = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    if (w >= push.rows * push.segments)
        return; // the whole workgroup: no barrier is skipped by some of it
    uint row = w / push.segments, segment = w % push.segments;
    uint lid = gl_LocalInvocationID.x;
    for (uint t = lid; t < uint(K2); t += uint(LOCAL_SIZE)) {
        uvec2 e = push.merge != 0u ? list[w * uint(K2) + t] : uvec2(floatBitsToUint(VKC_INF), NONE);
        ls[t] = uintBitsToFloat(e.x);
        li[t] = e.y;
    }
    if (lid == 0u)
        bcount = 0u;
    barrier();
    float ts = ls[push.k - 1u];
    uint ti = li[push.k - 1u];
#if PAIRS
    uint lo = 0u, hi = push.n;
#else
    uint lo = min(push.n, segment * push.seg), hi = min(push.n, lo + push.seg);
#endif
    uint held = 0u; // entries in B
    for (uint r0 = lo; r0 < hi; r0 += uint(LOCAL_SIZE * PER)) {
        float cs[PER];
        uint ci[PER];
        bool wait[PER];
        load(row, r0 + lid * uint(PER), hi, cs, ci);
        [[unroll]] for (int j = 0; j < PER; j++)
            wait[j] = less(cs[j], ci[j], ts, ti);
        for (;;) {
            [[unroll]] for (int j = 0; j < PER; j++) {
                if (wait[j]) {
                    uint slot = atomicAdd(bcount, 1u);
                    if (slot < uint(BC)) {
                        bs[slot] = cs[j];
                        bi[slot] = ci[j];
                        wait[j] = false;
                    }
                }
            }
            barrier();
            held = bcount;
            barrier();
            if (held < uint(BC))
                break; // every survivor found a place
            flush(uint(BC));
            if (lid == 0u)
                bcount = 0u;
            ts = ls[push.k - 1u];
            ti = li[push.k - 1u];
            barrier();
            held = 0u;
            [[unroll]] for (int j = 0; j < PER; j++)
                wait[j] = wait[j] && less(cs[j], ci[j], ts, ti);
        }
    }
    if (held > 0u)
        flush(held);
    for (uint t = lid; t < uint(K2); t += uint(LOCAL_SIZE))
        list[w * uint(K2) + t] = uvec2(floatBitsToUint(ls[t]), li[t]);
}

#endif
