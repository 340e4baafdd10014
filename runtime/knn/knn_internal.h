/* Exact k-nearest-neighbour search on the device (vkcnn_index_*, vkcnn.h).
 *
 *   index.c   the public API: rows checked and packed into gallery chunks
 *             (device buffers, or host memory streamed at search time when
 *             the memory budget is spent), the query loop, the results.
 *   search.c  the search plan: kernels (shaders/knn_distance.comp and
 *             knn_select.comp), working buffers sized to the device's
 *             limits and the budget, and one recorded sequence per chunk.
 *
 * Per query block (qb queries) and gallery chunk c, in one sequence:
 *   distance   S[qb][stride] = |g|^2 - 2 q.g   (or -q.g)
 *   select     dense, one workgroup per (query, segment): the k smallest
 *              (score, index) keys of its columns; with one segment merged
 *              straight into the running list of the query (the first
 *              chunk starts it), else written as partial lists ...
 *   merge      ... that a pairs pass merges into the running list.
 * The running lists ([qb][k2] pairs) stay on the device across chunks and
 * are read once per block. */
#ifndef VKC_KNN_INTERNAL_H
#define VKC_KNN_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "vk/kernel.h"
#include "vk/memory.h"
#include "vk/sequence.h"
#include "vkcnn.h"

#define VKC_KNN_LOCAL 64u                  /* invocations per workgroup, both kernels */
#define VKC_KNN_PER 16u                    /* candidates per invocation per selection round */
#define VKC_KNN_PAIRS_PER 4u               /* the same in the merge pass */
#define VKC_KNN_MIN_BC 256u                /* selection buffer entries, at least */
#define VKC_KNN_MIN_K2 8u                  /* list length, at least */
#define VKC_KNN_MAX_SEGMENTS 64u           /* workgroups per query in one chunk, at most */
#define VKC_KNN_MAX_ROWS (UINT32_MAX - 1u) /* UINT32_MAX marks an empty list entry */
#define VKC_KNN_MAX_CHUNK_ROWS 65536u
#define VKC_KNN_CHUNK_BYTES (64ull << 20) /* gallery chunk, at most */
#define VKC_KNN_SCORE_BYTES (64ull << 20) /* score matrix of one query block, at most */
#define VKC_KNN_MAX_QB 1024u              /* queries per block, at most */
#define VKC_KNN_MAX_NORM2 1e30            /* squared norm of a row or query, at most */
#define VKC_KNN_TM_KINDS 7                /* distance kernels: TM = 1, 2, 4, ..., 64 */

/* One chunk of the gallery: up to index->chunk_rows rows of dp floats
 * (zero-padded from dim), and their squared norms (L2). */
typedef struct vkc_knn_chunk {
    uint32_t rows;
    bool resident;          /* in device buffers; else host memory */
    vkc_buffer data, norms; /* when resident */
    float *host_data;       /* when not: chunk_rows * dp floats */
    float *host_norms;      /* chunk_rows floats */
} vkc_knn_chunk;

typedef struct vkc_knn_plan
    vkc_knn_plan; /* index.c: one row as stored, dp floats (zero past dim; unit length for
                   * cosine, a zero row staying zero), and its squared norm. */
void vkc_knn_pack_row(const vkcnn_index *ix, const float *src, float *dst, float *norm2);

/* search.c */

struct vkcnn_index {
    vkcnn_context *ctx;
    vkcnn_metric metric;
    uint32_t dim, dp;    /* dimension, and rounded up to a multiple of 4 */
    uint32_t chunk_rows; /* capacity of a chunk, a multiple of 4 */
    uint64_t count;      /* rows */
    uint64_t version;    /* bumped by every add: plans recorded before are stale */
    vkc_knn_chunk **chunks;
    uint32_t chunk_count, chunk_cap;
    uint64_t gallery_bytes; /* device memory of the resident chunks */
    uint64_t reserve;       /* device bytes one search needs at least (budget rule) */
    bool texel;             /* operands through uniform texel buffers (CPU drivers) */
    bool profile;
    /* the distance kernel's register block: TN gallery rows by up to TM
     * queries (a search of fewer queries uses the power of two at least
     * their count); one kernel per TM used, created by the first search
     * that needs it (distance[log2 TM]) */
    uint32_t tm, tn;
    vkc_kernel distance[VKC_KNN_TM_KINDS];
    bool have_distance[VKC_KNN_TM_KINDS];
    vkc_knn_plan *plan; /* the last search's, reused while it fits */
    vkcnn_index_stats last;
    char error[VKC_ERROR_MAX];
};

/* index.c: one row as stored, dp floats (zero past dim; unit length for
 * cosine, a zero row staying zero), and its squared norm. */
void vkc_knn_pack_row(const vkcnn_index *ix, const float *src, float *dst, float *norm2);

/* search.c */

/* Device bytes a search needs at the smallest query block (the budget rule
 * of index.c keeps them free). */
uint64_t vkc_knn_reserve_bytes(const vkcnn_index *index);

/* The plan for `queries` queries at k: kernels, buffers, one sequence per
 * chunk. Reuses index->plan when it fits (same k, version and block), else
 * replaces it. Sets index->last.query_block (the block the caller splits
 * the queries into), .segments and .dispatches. */
vkcnn_status vkc_knn_plan_get(vkcnn_index *index, uint64_t queries, uint32_t k, vkc_knn_plan **out);
void vkc_knn_plan_destroy(vkcnn_index *index, vkc_knn_plan *plan);

/* Runs the plan on rows [first, first + n) of `queries` (n <= the plan's
 * block; already checked, normalised for cosine), writing k results per
 * query. */
vkcnn_status vkc_knn_plan_run(vkcnn_index *index, vkc_knn_plan *plan, const float *queries,
                              uint64_t first, uint32_t n, uint32_t k, float *distances,
                              int64_t *indices);

/* What the plan did, for vkcnn_index_get_stats. */
void vkc_knn_plan_stats(const vkc_knn_plan *plan, vkcnn_index_stats *stats);

#endif
