/* The device side of a k-NN search (knn_internal.h has the picture): the
 * kernels, the working buffers, and one recorded sequence per gallery chunk
 * that turns a block of queries into updated per-query lists. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "knn/knn_internal.h"
#include "vk/context.h"
#include "vk/shaders.h"

struct vkc_knn_plan {
    uint64_t version; /* the index's when built */
    uint32_t k, k2, bc, qb, segments;
    uint32_t tm;                /* the distance kernel's query rows (divides qb) */
    const vkc_kernel *distance; /* the index's kernel for tm */
    vkc_kernel dense, pairs;    /* the selection, on scores and on partial lists */
    bool have_dense, have_pairs;
    vkc_buffer queries, scores, lists, partial, sdata, snorms;
    vkc_sequence **seqs; /* per chunk */
    uint32_t seq_count;
    uint32_t dispatches; /* per query block */
    uint64_t bytes;      /* device memory of the buffers above */
    float *pack;         /* qb * dp: the block's queries as stored */
    float *qnorm;        /* qb */
    uint32_t *readback;  /* qb * k2 * 2 */
};

static uint32_t pow2_at_least(uint32_t v) {
    uint32_t p = 1;
    while (p < v)
        p <<= 1;
    return p;
}

static bool subgroup_select(const vkcnn_index *ix, uint32_t k2);

/* Shared memory of the selection kernel for list length k2 (knn_select.comp:
 * none with subgroups, the private-list path up to 32, the buffered one past
 * it). */
static uint64_t select_shared(const vkcnn_index *ix, uint32_t k2) {
    if (subgroup_select(ix, k2)) return 0;
    if (k2 <= 32) return (uint64_t)VKC_KNN_LOCAL * k2 * 8;
    uint32_t bc = k2 > VKC_KNN_MIN_BC ? k2 : VKC_KNN_MIN_BC;
    return ((uint64_t)k2 + bc) * 8 + 16;
}

/* Query rows per block: the score matrix within its cap and the device's
 * limits, rows a multiple of tm. */
static uint32_t block_cap(const vkcnn_index *ix, uint32_t tm) {
    const vkcnn_device_info *info = &ix->ctx->dev.phys->info;
    uint64_t cap = VKC_KNN_SCORE_BYTES;
    if (cap > info->max_storage_buffer_range) cap = info->max_storage_buffer_range;
    if (cap > info->max_memory_allocation_size) cap = info->max_memory_allocation_size;
    if (ix->texel && cap / 16 > info->max_texel_buffer_elements)
        cap = info->max_texel_buffer_elements * 16;
    uint64_t rows = cap / ((uint64_t)ix->chunk_rows * 4);
    if (rows > VKC_KNN_MAX_QB) rows = VKC_KNN_MAX_QB;
    rows = rows / tm * tm;
    return rows < tm ? tm : (uint32_t)rows;
}

/* The distance kernel's query rows for a search of `queries`: the index's
 * TM, or the power of two at least `queries` when that is smaller (a few
 * queries do not pay for a block of 64). */
static uint32_t tile_rows(const vkcnn_index *ix, uint64_t queries) {
    uint32_t tm = 1;
    while (tm < ix->tm && tm < queries)
        tm <<= 1;
    return tm;
}

/* Workgroups per query in a chunk's selection: enough workgroups for the
 * device to be busy when the block holds few queries, each segment at least
 * four rounds of a workgroup. */
static uint32_t choose_segments(const vkcnn_index *ix, uint32_t qb) {
    bool cpu = ix->ctx->dev.phys->info.type == VKCNN_DEVICE_CPU;
    uint32_t want = cpu ? 16 : 1024; /* workgroups of one dispatch */
    uint32_t s = (want + qb - 1) / qb;
    uint32_t most = ix->chunk_rows / (VKC_KNN_LOCAL * VKC_KNN_PER * 4);
    if (s > most) s = most;
    if (s > VKC_KNN_MAX_SEGMENTS) s = VKC_KNN_MAX_SEGMENTS;
    return s ? s : 1;
}

uint64_t vkc_knn_reserve_bytes(const vkcnn_index *ix) {
    /* the smallest block at the largest k, streaming one chunk */
    uint64_t k2 = VKCNN_INDEX_MAX_K, qb = 1, s = choose_segments(ix, 1);
    uint64_t chunk = (uint64_t)ix->chunk_rows * ((uint64_t)ix->dp * 4 + 4);
    return qb * ix->chunk_rows * 4 + qb * ix->dp * 4 + qb * k2 * 8 * (s > 1 ? 1 + s : 1) + chunk;
}

static vkcnn_status dispatch_groups(const vkcnn_index *ix, uint64_t groups, uint32_t out[3]) {
    const vkcnn_device_info *info = &ix->ctx->dev.phys->info;
    uint64_t gx = groups < info->max_workgroup_count[0] ? groups : info->max_workgroup_count[0];
    if (gx == 0) gx = 1;
    uint64_t gy = (groups + gx - 1) / gx;
    if (gy > info->max_workgroup_count[1])
        return vkc_fail(VKCNN_ERROR_LIMIT, "k-NN: %llu workgroups exceed the device's grid",
                        (unsigned long long)groups);
    out[0] = (uint32_t)gx;
    out[1] = (uint32_t)(gy ? gy : 1);
    out[2] = 1;
    return VKCNN_OK;
}

/* The embedded template `name` with its `#include "x.glsl"` lines replaced
 * by those embedded headers (the kernels include common.glsl). */
static vkcnn_status template_source(const char *name, char **out) {
    *out = NULL;
    const char *text = vkc_shader_find(name);
    if (!text) return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "no embedded shader named '%s'", name);
    size_t cap = strlen(text) + 1, len = 0;
    for (const char *p = text; (p = strstr(p, "#include \"")); p++) {
        char inc[64];
        if (sscanf(p, "#include \"%63[^\"]\"", inc) == 1 && vkc_shader_find(inc))
            cap += strlen(vkc_shader_find(inc));
    }
    char *s = malloc(cap);
    if (!s) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    for (const char *line = text; *line;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) + 1 : strlen(line);
        char inc[64];
        const char *body = NULL;
        if (strncmp(line, "#include \"", 10) == 0 &&
            sscanf(line, "#include \"%63[^\"]\"", inc) == 1 && !(body = vkc_shader_find(inc))) {
            free(s);
            return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                            "shader '%s' includes '%s', which is not embedded", name, inc);
        }
        size_t bn = body ? strlen(body) : n;
        memcpy(s + len, body ? body : line, bn);
        len += bn;
        line += n;
    }
    s[len] = '\0';
    *out = s;
    return VKCNN_OK;
}

static vkcnn_status create_kernel(vkcnn_index *ix, const char *name, const char *defines,
                                  vkc_kernel *k) {
    char *source = NULL;
    VKC_TRY(template_source(name, &source));
    vkc_kernel_desc d = {.name = name, .source = source, .defines = defines};
    vkcnn_status st = vkc_kernel_create(ix->ctx, &d, k);
    free(source);
    return st;
}

static vkcnn_status create_distance(vkcnn_index *ix, uint32_t tm, const vkc_kernel **out) {
    int kind = 0;
    while ((1u << kind) < tm)
        kind++;
    if (!ix->have_distance[kind]) {
        char defines[256];
        snprintf(defines, sizeof defines,
                 "#define LOCAL_SIZE %u\n#define TM %u\n#define TN %u\n#define D4 %u\n"
                 "#define STRIDE %u\n#define L2 %d\n#define TEXEL %d\n",
                 VKC_KNN_LOCAL, tm, ix->tn, ix->dp / 4, ix->chunk_rows,
                 ix->metric == VKCNN_METRIC_L2, ix->texel);
        VKC_TRY(create_kernel(ix, "knn_distance", defines, &ix->distance[kind]));
        ix->have_distance[kind] = true;
    }
    *out = &ix->distance[kind];
    return VKCNN_OK;
}

/* Whether the selection runs as one subgroup per workgroup, without shared
 * memory or barriers (knn_select.comp's SGPATH): lists of up to 32 keys on
 * a device whose compute subgroups have one fixed size and arithmetic. */
static bool subgroup_select(const vkcnn_index *ix, uint32_t k2) {
    const vkcnn_device_info *info = &ix->ctx->dev.phys->info;
    const char *env = getenv("VKCNN_KNN_SUBGROUP"); /* "0": off, for measurements and tests */
    return k2 <= 32 && (info->subgroup_ops & VKCNN_SUBGROUP_ARITHMETIC) &&
           info->subgroup_size_min == info->subgroup_size_max && info->subgroup_size >= 4 &&
           info->subgroup_size <= 128 && !(env && strcmp(env, "0") == 0);
}

static vkcnn_status create_select(vkcnn_index *ix, vkc_knn_plan *p, bool pairs) {
    const vkcnn_device_info *info = &ix->ctx->dev.phys->info;
    bool sg = subgroup_select(ix, p->k2);
    char defines[320];
    snprintf(defines, sizeof defines,
             "#define LOCAL_SIZE %u\n#define K2 %u\n#define BC %u\n#define PER %u\n"
             "#define PAIRS %d\n#define TEXEL %d\n#define STRIDE %u\n#define SUBGROUP %d\n"
             "#define SGPATH %d\n",
             sg ? info->subgroup_size : VKC_KNN_LOCAL, p->k2, p->bc,
             pairs ? VKC_KNN_PAIRS_PER : VKC_KNN_PER, pairs, !pairs && ix->texel, ix->chunk_rows,
             (info->subgroup_ops & VKCNN_SUBGROUP_ARITHMETIC) != 0, sg);
    vkcnn_status st = create_kernel(ix, "knn_select", defines, pairs ? &p->pairs : &p->dense);
    if (!st) *(pairs ? &p->have_pairs : &p->have_dense) = true;
    return st;
}

static void free_buffers(vkcnn_index *ix, vkc_knn_plan *p) {
    vkc_buffer *b[] = {&p->queries, &p->scores, &p->lists, &p->partial, &p->sdata, &p->snorms};
    for (size_t i = 0; i < sizeof b / sizeof b[0]; i++)
        vkc_buffer_destroy(ix->ctx, b[i]); /* a no-op on a zeroed buffer */
    p->bytes = 0;
}

static bool has_host_chunks(const vkcnn_index *ix) {
    for (uint32_t i = 0; i < ix->chunk_count; i++)
        if (!ix->chunks[i]->resident) return true;
    return false;
}

static vkcnn_status make_buffer(vkcnn_index *ix, vkc_knn_plan *p, uint64_t bytes, vkc_buffer *b) {
    VKC_TRY(vkc_buffer_create(ix->ctx, bytes, VKC_MEM_DEVICE, b));
    p->bytes += b->size;
    return VKCNN_OK;
}

/* The working buffers for block p->qb. */
static vkcnn_status alloc_buffers(vkcnn_index *ix, vkc_knn_plan *p) {
    uint64_t qb = p->qb, rows = ix->chunk_rows;
    VKC_TRY(make_buffer(ix, p, qb * ix->dp * 4, &p->queries));
    VKC_TRY(make_buffer(ix, p, qb * rows * 4, &p->scores));
    VKC_TRY(make_buffer(ix, p, qb * p->k2 * 8, &p->lists));
    if (p->segments > 1) VKC_TRY(make_buffer(ix, p, qb * p->segments * p->k2 * 8, &p->partial));
    if (has_host_chunks(ix)) {
        VKC_TRY(make_buffer(ix, p, rows * ix->dp * 4, &p->sdata));
        VKC_TRY(make_buffer(ix, p, rows * 4, &p->snorms));
    }
    return VKCNN_OK;
}

typedef struct select_push {
    uint32_t n, seg, segments, base, k, merge, rows, cstride;
} select_push;

/* The dispatches of chunk c for one query block. */
static vkcnn_status record_chunk(vkcnn_index *ix, vkc_knn_plan *p, uint32_t c, vkc_sequence *seq) {
    const vkc_knn_chunk *ch = ix->chunks[c];
    const vkc_buffer *data = ch->resident ? &ch->data : &p->sdata;
    const vkc_buffer *norms = ch->resident ? &ch->norms : &p->snorms;
    uint32_t n = ch->rows, base = c * ix->chunk_rows;
    uint32_t total = (p->qb / p->tm) * ((n + ix->tn - 1) / ix->tn);
    struct {
        uint32_t n, total;
    } dpush = {n, total};
    vkc_binding db[4] = {{&p->scores, 0, VK_WHOLE_SIZE, VKC_WRITE, false},
                         {&p->queries, 0, VK_WHOLE_SIZE, VKC_READ, false},
                         {data, 0, VK_WHOLE_SIZE, VKC_READ, false},
                         {norms, 0, VK_WHOLE_SIZE, VKC_READ, false}};
    vkc_dispatch d = {
        .kernel = p->distance, .bindings = db, .push = &dpush, .label = "knn_distance"};
    VKC_TRY(dispatch_groups(ix, (total + VKC_KNN_LOCAL - 1) / VKC_KNN_LOCAL, d.groups));
    VKC_TRY(vkc_sequence_add(seq, &d));

    uint32_t s = p->segments;
    uint32_t seg = (n + s - 1) / s;
    seg = (seg + 3) / 4 * 4;
    select_push sp = {.n = n,
                      .seg = seg,
                      .segments = s,
                      .base = base,
                      .k = p->k,
                      .merge = s == 1 && c > 0,
                      .rows = p->qb};
    vkc_binding sb[2] = {
        {s == 1 ? &p->lists : &p->partial, 0, VK_WHOLE_SIZE, VKC_READ | VKC_WRITE, false},
        {&p->scores, 0, VK_WHOLE_SIZE, VKC_READ, false}};
    vkc_dispatch sd = {.kernel = &p->dense, .bindings = sb, .push = &sp, .label = "knn_select"};
    VKC_TRY(dispatch_groups(ix, (uint64_t)p->qb * s, sd.groups));
    VKC_TRY(vkc_sequence_add(seq, &sd));
    if (s == 1) return VKCNN_OK;

    select_push mp = {.n = s * p->k2,
                      .seg = s * p->k2,
                      .segments = 1,
                      .k = p->k,
                      .merge = c > 0,
                      .rows = p->qb,
                      .cstride = s * p->k2};
    vkc_binding mb[2] = {{&p->lists, 0, VK_WHOLE_SIZE, VKC_READ | VKC_WRITE, false},
                         {&p->partial, 0, VK_WHOLE_SIZE, VKC_READ, false}};
    vkc_dispatch md = {.kernel = &p->pairs, .bindings = mb, .push = &mp, .label = "knn_merge"};
    VKC_TRY(dispatch_groups(ix, p->qb, md.groups));
    return vkc_sequence_add(seq, &md);
}

void vkc_knn_plan_destroy(vkcnn_index *ix, vkc_knn_plan *p) {
    if (!p) return;
    for (uint32_t i = 0; i < p->seq_count; i++)
        vkc_sequence_destroy(p->seqs[i]);
    free(p->seqs);
    if (p->have_dense) vkc_kernel_destroy(ix->ctx, &p->dense);
    if (p->have_pairs) vkc_kernel_destroy(ix->ctx, &p->pairs);
    free_buffers(ix, p);
    free(p->pack);
    free(p->qnorm);
    free(p->readback);
    free(p);
}

/* Builds the plan at block qb. */
static vkcnn_status build(vkcnn_index *ix, vkc_knn_plan *p) {
    p->segments = choose_segments(ix, p->qb);
    vkcnn_status st = create_distance(ix, p->tm, &p->distance);
    if (!st) st = alloc_buffers(ix, p);
    if (st) return st;
    p->pack = vkc_calloc((size_t)p->qb * ix->dp, sizeof *p->pack);
    p->qnorm = vkc_calloc(p->qb, sizeof *p->qnorm);
    p->readback = vkc_calloc((size_t)p->qb * p->k2 * 2, sizeof *p->readback);
    p->seqs = vkc_calloc(ix->chunk_count, sizeof *p->seqs);
    if (!p->pack || !p->qnorm || !p->readback || !p->seqs)
        return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    if (!p->have_dense && (st = create_select(ix, p, false))) return st;
    if (p->segments > 1 && !p->have_pairs && (st = create_select(ix, p, true))) return st;
    p->dispatches = p->segments > 1 ? 3 : 2;
    for (uint32_t c = 0; c < ix->chunk_count && !st; c++) {
        st = vkc_sequence_create(ix->ctx, ix->profile, &p->seqs[c]);
        if (!st) p->seq_count++;
        if (!st) st = record_chunk(ix, p, c, p->seqs[c]);
        if (!st) st = vkc_sequence_record(p->seqs[c]);
    }
    return st;
}

vkcnn_status vkc_knn_plan_get(vkcnn_index *ix, uint64_t queries, uint32_t k, vkc_knn_plan **out) {
    *out = NULL;
    uint32_t k2 = pow2_at_least(k > VKC_KNN_MIN_K2 ? k : VKC_KNN_MIN_K2);
    const vkcnn_device_info *info = &ix->ctx->dev.phys->info;
    if (select_shared(ix, k2) > info->shared_memory)
        return vkc_fail(VKCNN_ERROR_UNSUPPORTED,
                        "k-NN: k = %u needs %llu bytes of shared memory; %s has %u (largest k "
                        "here: %u)",
                        k, (unsigned long long)select_shared(ix, k2), info->name,
                        info->shared_memory,
                        select_shared(ix, 512) <= info->shared_memory ? 512u : 256u);
    /* blocks of equal size, as few as the cap allows */
    uint32_t tm = tile_rows(ix, queries);
    uint64_t cap = block_cap(ix, tm), blocks = (queries + cap - 1) / cap;
    uint64_t qb = (queries + blocks - 1) / blocks;
    qb = (qb + tm - 1) / tm * tm;
    vkc_knn_plan *p = ix->plan;
    if (p && p->version == ix->version && p->k == k && p->qb == qb && p->tm == tm) {
        *out = p;
        return VKCNN_OK;
    }
    vkc_knn_plan_destroy(ix, p);
    ix->plan = NULL;
    vkcnn_status st = VKCNN_OK;
    for (;;) { /* smaller blocks while the memory budget refuses them */
        p = calloc(1, sizeof *p);
        if (!p) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
        p->version = ix->version;
        p->k = k;
        p->k2 = k2;
        p->bc = k2 > VKC_KNN_MIN_BC ? k2 : VKC_KNN_MIN_BC;
        p->tm = tm;
        p->qb = (uint32_t)qb;
        st = build(ix, p);
        if (!st) break;
        vkc_knn_plan_destroy(ix, p);
        if (st != VKCNN_ERROR_OUT_OF_DEVICE_MEMORY) break;
        if (qb > tm) {
            qb = qb / 2 / tm * tm;
            if (qb < tm) qb = tm;
        } else if (tm > 1) {
            tm /= 2;
            qb = tm;
        } else {
            break;
        }
        vkc_error_clear();
    }
    if (st)
        return vkc_fail_context(st,
                                "k-NN search of %u-dimensional vectors (%u gallery rows per "
                                "chunk)",
                                ix->dim, ix->chunk_rows);
    ix->plan = p;
    ix->last.query_block = p->qb;
    ix->last.segments = p->segments;
    ix->last.dispatches = p->dispatches * ix->chunk_count;
    *out = p;
    return VKCNN_OK;
}

/* The distance a score stands for, by metric (qn: the query's |q|^2). */
static float distance_of(vkcnn_metric metric, float score, float qn) {
    switch (metric) {
    case VKCNN_METRIC_L2: {
        float d = score + qn;
        return d > 0.0f ? d : 0.0f; /* rounding can take a zero distance below 0 */
    }
    case VKCNN_METRIC_IP: return -score;
    default: {
        float d = 1.0f + score;
        return d < 0.0f ? 0.0f : d > 2.0f ? 2.0f : d;
    }
    }
}

vkcnn_status vkc_knn_plan_run(vkcnn_index *ix, vkc_knn_plan *p, const float *queries,
                              uint64_t first, uint32_t n, uint32_t k, float *distances,
                              int64_t *indices) {
    vkcnn_context *ctx = ix->ctx;
    for (uint32_t r = 0; r < n; r++)
        vkc_knn_pack_row(ix, queries + (first + r) * ix->dim, p->pack + (size_t)r * ix->dp,
                         &p->qnorm[r]);
    memset(p->pack + (size_t)n * ix->dp, 0, (size_t)(p->qb - n) * ix->dp * sizeof *p->pack);
    VKC_TRY(vkc_buffer_write(ctx, &p->queries, 0, p->pack, (size_t)p->qb * ix->dp * 4));
    for (uint32_t c = 0; c < ix->chunk_count; c++) {
        const vkc_knn_chunk *ch = ix->chunks[c];
        if (!ch->resident) { /* streamed through the block's chunk buffers */
            VKC_TRY(
                vkc_buffer_write(ctx, &p->sdata, 0, ch->host_data, (size_t)ch->rows * ix->dp * 4));
            VKC_TRY(vkc_buffer_write(ctx, &p->snorms, 0, ch->host_norms, (size_t)ch->rows * 4));
        }
        VKC_TRY(vkc_sequence_run(p->seqs[c]));
        ix->last.submissions++;
        double ms = vkc_sequence_total_ms(p->seqs[c]);
        if (ix->profile && ms >= 0) ix->last.gpu_ms += ms;
    }
    VKC_TRY(vkc_buffer_read(ctx, &p->lists, 0, p->readback, (size_t)n * p->k2 * 8));
    float empty = ix->metric == VKCNN_METRIC_IP ? -INFINITY : INFINITY;
    for (uint32_t r = 0; r < n; r++) {
        const uint32_t *row = p->readback + (size_t)r * p->k2 * 2;
        for (uint32_t j = 0; j < k; j++) {
            bool have = j < p->k2 && row[2 * j + 1] != UINT32_MAX;
            float score;
            memcpy(&score, &row[2 * j], sizeof score);
            if (distances)
                distances[(size_t)r * k + j] =
                    have ? distance_of(ix->metric, score, p->qnorm[r]) : empty;
            if (indices) indices[(size_t)r * k + j] = have ? (int64_t)row[2 * j + 1] : -1;
        }
    }
    return VKCNN_OK;
}

void vkc_knn_plan_stats(const vkc_knn_plan *p, vkcnn_index_stats *stats) {
    stats->device_bytes += p->bytes;
    stats->query_block = p->qb;
    stats->segments = p->segments;
}
