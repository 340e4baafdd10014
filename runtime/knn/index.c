/* The public index API (vkcnn.h, "nearest-neighbour search"): rows checked
 * and packed into gallery chunks, searches split into query blocks. The
 * device side is search.c. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/choose.h"
#include "core/checked.h"
#include "knn/knn_internal.h"
#include "vk/context.h"

static vkcnn_status index_error(vkcnn_index *ix, vkcnn_status st) {
    if (st < VKCNN_OK) {
        snprintf(ix->error, sizeof ix->error, "%s", vkc_error_message());
        vkc_ctx_error(ix->ctx, st);
    }
    return st;
}

const char *vkcnn_metric_string(vkcnn_metric metric) {
    switch (metric) {
    case VKCNN_METRIC_L2: return "l2";
    case VKCNN_METRIC_IP: return "ip";
    case VKCNN_METRIC_COSINE: return "cosine";
    default: return NULL;
    }
}

/* The register block of the distance GEMM. CPU drivers (one invocation per
 * SIMD lane, operands through texel gathers): a large block amortises the
 * gathers over many FMAs, spills and all; on lavapipe (2 cores, AVX-512)
 * the 16384 x 512 by 256 GEMM took 151-375 ms at 64 x 16, 185-342 at
 * 32 x 16, 203-495 at 16 x 16 and 655-861 at 8 x 8 (a loaded host: ranges
 * of 3 runs, interleaved). GPUs: a small block, many invocations.
 * VKCNN_KNN_TILE=MxN overrides (M, N powers of two, M <= 64, N <= 32), for
 * measurements. */
static void choose_tile(vkcnn_index *ix, const vkcnn_device_info *info) {
    bool cpu = info->type == VKCNN_DEVICE_CPU;
    ix->tm = cpu ? 64 : 8;
    ix->tn = cpu ? 16 : 4;
    const char *env = getenv("VKCNN_KNN_TILE");
    unsigned m = 0, n = 0;
    if (env && sscanf(env, "%ux%u", &m, &n) == 2 && m && m <= 64 && !(m & (m - 1)) && n &&
        n <= 32 && !(n & (n - 1))) {
        ix->tm = m;
        ix->tn = n;
    }
}

vkcnn_status vkcnn_index_create(vkcnn_context *ctx, uint32_t dim,
                                const vkcnn_index_options *options, vkcnn_index **out) {
    vkc_error_clear();
    if (!out) return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_index_create: out is NULL");
    *out = NULL;
    if (!ctx) return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_index_create: ctx is NULL");
    vkcnn_status st = vkc_ctx_usable(ctx);
    if (st) return vkc_ctx_error(ctx, st);
    vkcnn_index_options defaults = {0};
    const vkcnn_index_options *o = options ? options : &defaults;
    if (!vkcnn_metric_string(o->metric))
        return vkc_ctx_error(ctx, vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                                           "vkcnn_index_create: metric %d is not l2, ip or cosine",
                                           (int)o->metric));
    if (dim == 0)
        return vkc_ctx_error(
            ctx, vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_index_create: the dimension is 0"));
    const vkcnn_device_info *info = &ctx->dev.phys->info;
    /* texel buffers where the models' kernels take them by default
     * (vkc_choose_device_loads: CPU drivers, but not lavapipe after 22.3,
     * whose texelFetch crashes or reads garbage) */
    vkc_codegen_target device;
    vkc_codegen_target_init(&device, info, 0);
    device.caps.int64 = ctx->dev.int64;
    vkc_choose_device_loads(&device, NULL);
    const char *texel = getenv("VKCNN_TEXEL_LOADS"); /* "0" or "1": forced, as for models */
    bool use_texel = texel && (strcmp(texel, "0") == 0 || strcmp(texel, "1") == 0)
                         ? texel[0] == '1'
                         : device.texel_loads;
    /* a chunk is one binding: within every limit that applies to it */
    uint64_t cap = VKC_KNN_CHUNK_BYTES;
    if (cap > info->max_storage_buffer_range) cap = info->max_storage_buffer_range;
    if (cap > info->max_memory_allocation_size) cap = info->max_memory_allocation_size;
    if (use_texel && cap / 16 > info->max_texel_buffer_elements)
        cap = info->max_texel_buffer_elements * 16;
    uint64_t dp = ((uint64_t)dim + 3) / 4 * 4, row_bytes = dp * 4;
    if (row_bytes * 4 > cap)
        return vkc_ctx_error(ctx,
                             vkc_fail(VKCNN_ERROR_LIMIT,
                                      "vkcnn_index_create: a row of %u floats is too large: "
                                      "4 rows must fit one buffer of %llu bytes on this device",
                                      dim, (unsigned long long)cap));
    uint64_t rows = cap / row_bytes;
    if (rows > VKC_KNN_MAX_CHUNK_ROWS) rows = VKC_KNN_MAX_CHUNK_ROWS;
    if (o->chunk_rows && o->chunk_rows < rows) rows = o->chunk_rows;
    rows = (rows + 3) / 4 * 4;
    if (rows * row_bytes > cap) rows -= 4; /* a chunk_rows rounded up past the cap */

    vkcnn_index *ix = calloc(1, sizeof *ix);
    if (!ix)
        return vkc_ctx_error(ctx, vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory"));
    ix->ctx = ctx;
    ix->metric = o->metric;
    ix->dim = dim;
    ix->dp = (uint32_t)dp;
    ix->chunk_rows = (uint32_t)rows;
    ix->texel = use_texel;
    ix->profile = o->profile == VKCNN_ON;
    choose_tile(ix, info);
    ix->reserve = vkc_knn_reserve_bytes(ix);
    *out = ix;
    return VKCNN_OK;
}

static void chunk_destroy(vkcnn_index *ix, vkc_knn_chunk *c) {
    if (!c) return;
    if (c->resident) {
        vkc_buffer_destroy(ix->ctx, &c->data);
        vkc_buffer_destroy(ix->ctx, &c->norms);
        ix->gallery_bytes -= c->data.size + c->norms.size;
    }
    free(c->host_data);
    free(c->host_norms);
    free(c);
}

void vkcnn_index_destroy(vkcnn_index *ix) {
    if (!ix) return;
    vkc_knn_plan_destroy(ix, ix->plan);
    for (int i = 0; i < VKC_KNN_TM_KINDS; i++)
        if (ix->have_distance[i]) vkc_kernel_destroy(ix->ctx, &ix->distance[i]);
    for (uint32_t i = 0; i < ix->chunk_count; i++)
        chunk_destroy(ix, ix->chunks[i]);
    free(ix->chunks);
    free(ix);
}

uint64_t vkcnn_index_count(const vkcnn_index *ix) {
    return ix ? ix->count : 0;
}

uint32_t vkcnn_index_dim(const vkcnn_index *ix) {
    return ix ? ix->dim : 0;
}

const char *vkcnn_index_error(const vkcnn_index *ix) {
    return ix ? ix->error : "";
}

/* Checks `count` rows of dim floats: finite, squared norm within the limit.
 * `what` names them ("row" or "query") in the message. */
static vkcnn_status check_rows(const vkcnn_index *ix, const float *rows, uint64_t count,
                               const char *what) {
    for (uint64_t r = 0; r < count; r++) {
        const float *x = rows + r * ix->dim;
        double n2 = 0;
        for (uint32_t j = 0; j < ix->dim; j++) {
            if (!isfinite(x[j]))
                return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "%s %llu, column %u is %s", what,
                                (unsigned long long)r, j, isnan(x[j]) ? "NaN" : "infinite");
            n2 += (double)x[j] * x[j];
        }
        if (n2 > VKC_KNN_MAX_NORM2)
            return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                            "%s %llu has a squared norm of %.3g, over the limit of %.0e (its fp32 "
                            "distances could overflow); scale the data down",
                            what, (unsigned long long)r, n2, VKC_KNN_MAX_NORM2);
    }
    return VKCNN_OK;
}

/* One row as stored: dp floats (zero past dim), unit length for cosine
 * (a zero row stays zero); *norm2 = its squared norm, summed in double. */
void vkc_knn_pack_row(const vkcnn_index *ix, const float *src, float *dst, float *norm2) {
    double n2 = 0;
    for (uint32_t j = 0; j < ix->dim; j++)
        n2 += (double)src[j] * src[j];
    double scale = ix->metric == VKCNN_METRIC_COSINE && n2 > 0 ? 1.0 / sqrt(n2) : 1.0;
    double m2 = 0;
    for (uint32_t j = 0; j < ix->dim; j++) {
        dst[j] = (float)(src[j] * scale);
        m2 += (double)dst[j] * dst[j];
    }
    for (uint32_t j = ix->dim; j < ix->dp; j++)
        dst[j] = 0.0f;
    *norm2 = (float)m2;
}

/* Whether a device chunk of `bytes` leaves a search's working memory free
 * under the context's budget (no budget: try, the device says). */
static bool budget_allows(vkcnn_index *ix, uint64_t bytes) {
    vkcnn_context *ctx = ix->ctx;
    pthread_mutex_lock(&ctx->memory_lock);
    uint64_t budget = ctx->memory.budget, used = ctx->memory.allocated;
    pthread_mutex_unlock(&ctx->memory_lock);
    return !budget || (bytes + ix->reserve <= budget && used <= budget - bytes - ix->reserve);
}

/* A new chunk: in device memory when the budget and the device allow, else
 * in host memory (streamed when searching). */
static vkcnn_status chunk_create(vkcnn_index *ix, vkc_knn_chunk **out) {
    *out = NULL;
    vkc_knn_chunk *c = calloc(1, sizeof *c);
    if (!c) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    uint64_t data = (uint64_t)ix->chunk_rows * ix->dp * 4, norms = (uint64_t)ix->chunk_rows * 4;
    if (budget_allows(ix, data + norms)) {
        vkcnn_status st = vkc_buffer_create(ix->ctx, data, VKC_MEM_DEVICE, &c->data);
        if (!st) {
            st = vkc_buffer_create(ix->ctx, norms, VKC_MEM_DEVICE, &c->norms);
            if (st) vkc_buffer_destroy(ix->ctx, &c->data);
        }
        if (!st) {
            c->resident = true;
            ix->gallery_bytes += c->data.size + c->norms.size;
            *out = c;
            return VKCNN_OK;
        }
        if (st != VKCNN_ERROR_OUT_OF_DEVICE_MEMORY) {
            free(c);
            return st;
        }
        vkc_error_clear(); /* the device is full: host memory instead */
    }
    c->host_data = vkc_calloc((size_t)ix->chunk_rows * ix->dp, sizeof *c->host_data);
    c->host_norms = vkc_calloc(ix->chunk_rows, sizeof *c->host_norms);
    if (!c->host_data || !c->host_norms) {
        chunk_destroy(ix, c);
        return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY,
                        "out of host memory for a gallery chunk of %u rows", ix->chunk_rows);
    }
    *out = c;
    return VKCNN_OK;
}

/* Writes rows [0, n) of `rows` into chunk c from its row `at`. */
static vkcnn_status chunk_write(vkcnn_index *ix, vkc_knn_chunk *c, uint32_t at, const float *rows,
                                uint32_t n, float *pack, float *norms) {
    float *dst = c->resident ? pack : c->host_data + (size_t)at * ix->dp;
    float *nd = c->resident ? norms : c->host_norms + at;
    for (uint32_t r = 0; r < n; r++)
        vkc_knn_pack_row(ix, rows + (size_t)r * ix->dim, dst + (size_t)r * ix->dp, &nd[r]);
    if (!c->resident) return VKCNN_OK;
    VKC_TRY(vkc_buffer_write(ix->ctx, &c->data, (VkDeviceSize)at * ix->dp * 4, pack,
                             (size_t)n * ix->dp * 4));
    return vkc_buffer_write(ix->ctx, &c->norms, (VkDeviceSize)at * 4, norms, (size_t)n * 4);
}

/* Rows are written in pieces of at most this many bytes of packed data. */
#define PACK_BYTES (4u << 20)

vkcnn_status vkcnn_index_add(vkcnn_index *ix, const float *rows, uint64_t count) {
    vkc_error_clear();
    if (!ix) return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_index_add: index is NULL");
    if (count == 0) return VKCNN_OK;
    if (!rows)
        return index_error(ix,
                           vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_index_add: rows is NULL"));
    vkcnn_status st = vkc_ctx_usable(ix->ctx);
    if (st) return index_error(ix, st);
    if (count > VKC_KNN_MAX_ROWS - ix->count)
        return index_error(ix, vkc_fail(VKCNN_ERROR_LIMIT,
                                        "vkcnn_index_add: %llu rows would exceed the index's "
                                        "limit of %u",
                                        (unsigned long long)(ix->count + count), VKC_KNN_MAX_ROWS));
    if ((st = check_rows(ix, rows, count, "row")))
        return index_error(ix, vkc_fail_context(st, "vkcnn_index_add"));
    /* the last search's plan is stale now: its buffers go back before the
     * budget rule counts what is allocated */
    vkc_knn_plan_destroy(ix, ix->plan);
    ix->plan = NULL;
    /* all or nothing: remember what to roll back to */
    uint32_t old_chunks = ix->chunk_count;
    uint32_t old_fill = old_chunks ? ix->chunks[old_chunks - 1]->rows : 0;
    uint32_t piece = PACK_BYTES / (ix->dp * 4) ? PACK_BYTES / (ix->dp * 4) : 1;
    float *pack = vkc_calloc((size_t)piece * ix->dp, sizeof *pack);
    float *norms = vkc_calloc(piece, sizeof *norms);
    if (!pack || !norms) st = vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    uint64_t done = 0;
    while (!st && done < count) {
        vkc_knn_chunk *c = ix->chunk_count ? ix->chunks[ix->chunk_count - 1] : NULL;
        if (!c || c->rows == ix->chunk_rows) {
            if (ix->chunk_count == ix->chunk_cap) {
                uint32_t cap = ix->chunk_cap ? ix->chunk_cap * 2 : 8;
                vkc_knn_chunk **grown = vkc_realloc_array(ix->chunks, cap, sizeof *grown);
                if (!grown) {
                    st = vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
                    break;
                }
                ix->chunks = grown;
                ix->chunk_cap = cap;
            }
            if ((st = chunk_create(ix, &c))) break;
            ix->chunks[ix->chunk_count++] = c;
        }
        uint64_t n = count - done;
        if (n > ix->chunk_rows - c->rows) n = ix->chunk_rows - c->rows;
        if (n > piece) n = piece;
        st = chunk_write(ix, c, c->rows, rows + done * ix->dim, (uint32_t)n, pack, norms);
        if (!st) {
            c->rows += (uint32_t)n;
            done += n;
        }
    }
    free(pack);
    free(norms);
    if (st) {
        while (ix->chunk_count > old_chunks)
            chunk_destroy(ix, ix->chunks[--ix->chunk_count]);
        if (old_chunks) ix->chunks[old_chunks - 1]->rows = old_fill;
        return index_error(ix, vkc_fail_context(st, "vkcnn_index_add"));
    }
    ix->count += count;
    ix->version++;
    ix->last.rows = ix->count;
    return VKCNN_OK;
}

vkcnn_status vkcnn_index_search(vkcnn_index *ix, const float *queries, uint64_t count, uint32_t k,
                                float *distances, int64_t *indices) {
    vkc_error_clear();
    if (!ix) return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_index_search: index is NULL");
    vkcnn_status st = vkc_ctx_usable(ix->ctx);
    if (st) return index_error(ix, st);
    if (count && !queries)
        return index_error(
            ix, vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_index_search: queries is NULL"));
    if (k == 0 || k > VKCNN_INDEX_MAX_K)
        return index_error(ix, vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                                        "vkcnn_index_search: k = %u is outside 1..%d", k,
                                        VKCNN_INDEX_MAX_K));
    if (ix->count == 0)
        return index_error(ix, vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                                        "vkcnn_index_search: the index is empty (add rows first)"));
    if (count == 0) return VKCNN_OK;
    if ((st = check_rows(ix, queries, count, "query")))
        return index_error(ix, vkc_fail_context(st, "vkcnn_index_search"));
    vkc_knn_plan *plan = NULL;
    if ((st = vkc_knn_plan_get(ix, count, k, &plan))) return index_error(ix, st);
    ix->last.gpu_ms = ix->profile ? 0.0 : -1.0;
    ix->last.submissions = 0;
    uint64_t block = ix->last.query_block;
    for (uint64_t first = 0; first < count && !st; first += block) {
        uint32_t n = (uint32_t)(count - first < block ? count - first : block);
        st = vkc_knn_plan_run(ix, plan, queries, first, n, k,
                              distances ? distances + first * k : NULL,
                              indices ? indices + first * k : NULL);
    }
    return index_error(ix, st);
}

vkcnn_status vkcnn_index_get_stats(const vkcnn_index *ix, vkcnn_index_stats *stats) {
    vkc_error_clear();
    if (!ix || !stats)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_index_get_stats: NULL argument");
    *stats = ix->last;
    stats->rows = ix->count;
    stats->dim = ix->dim;
    stats->chunk_rows = ix->chunk_rows;
    stats->chunks = ix->chunk_count;
    stats->host_chunks = 0;
    for (uint32_t i = 0; i < ix->chunk_count; i++)
        stats->host_chunks += !ix->chunks[i]->resident;
    stats->device_bytes = ix->gallery_bytes;
    if (ix->plan) vkc_knn_plan_stats(ix->plan, stats);
    return VKCNN_OK;
}
