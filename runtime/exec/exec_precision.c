/* The auto precision policy (vkcnn_model_options.precision = AUTO): fp16
 * weights only where the device computes fp16 faster and the model keeps its
 * answer, checked once per device and model and cached.
 *
 * The check runs the model twice on the same fixed pseudo-random input (the
 * one `vkcnn bench` uses), once in fp32 and once in fp16, both with every
 * intermediate kept (plan_memory off), and accepts fp16 when every output's
 * max |fp16 - fp32| <= tolerance * max |fp32| and the top-1 index of each
 * output agrees. Otherwise it moves layers back to fp32 by their own error:
 * a layer's output differs from fp32 by what it inherits from its inputs
 * plus what its own fp16 weights add, so the figure is the output's relative
 * difference less the largest of its inputs'. The worst quarter of the
 * layers still in fp16 (at least one) go back per round, so L layers take
 * at most about log(L) / log(4/3) + 3 rounds (12 for 50 layers); with every
 * layer back in fp32 the run is the reference itself and passes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/error.h"
#include "core/hash.h"
#include "exec/exec_internal.h"
#include "tune/table.h"
#include "vk/context.h"

#define DEFAULT_TOLERANCE 1e-2
#define MIN_FP16_SPEEDUP 1.5
#define CACHE_KIND "precision"
#define VKC_MAX_PRECISION_NODES (1u << 20)
#define CACHE_MAX (16u << 20)

uint32_t vkc_exec_node_count(const vkc_exec *e) {
    return e ? e->node_count : 0;
}

void vkc_precision_choice_free(vkc_precision_choice *c) {
    if (!c) return;
    free(c->fp32_nodes);
    c->fp32_nodes = NULL;
}

/* `vkcnn bench`'s inputs: xorshift64 from a fixed seed, values in [-1, 1),
 * continuing from one input to the next (tools/cmd_bench.c). */
static void fixed_input(uint64_t *seed, float *v, uint64_t n) {
    for (uint64_t k = 0; k < n; k++) {
        *seed ^= *seed << 13, *seed ^= *seed >> 7, *seed ^= *seed << 17;
        v[k] = (float)(*seed >> 40) / 8388608.0f - 1.0f;
    }
}

/* What identifies the model's numerics: ops, attributes' bytes are not
 * hashed (they may hold pointers); the structure (tensor indices), shapes and
 * every constant's bytes, plus the options that change kernels. */
static uint64_t graph_hash(const vkc_graph *g, const vkc_exec_options *o) {
    uint64_t h = VKC_FNV_OFFSET;
    uint8_t flags[3] = {o->fusion, o->winograd, o->tuned != NULL};
    h = vkc_fnv1a(h, flags, sizeof flags);
    for (uint32_t i = 0; i < g->node_count; i++) {
        const vkc_node *n = &g->nodes[i];
        h = vkc_fnv1a(h, &n->op, sizeof n->op);
        h = vkc_fnv1a(h, n->name, strlen(n->name));
        h = vkc_fnv1a(h, n->inputs, n->input_count * sizeof *n->inputs);
        h = vkc_fnv1a(h, n->outputs, n->output_count * sizeof *n->outputs);
    }
    for (uint32_t t = 0; t < g->tensor_count; t++) {
        const vkc_tensor *x = &g->tensors[t];
        h = vkc_fnv1a(h, &x->dtype, sizeof x->dtype);
        h = vkc_fnv1a(h, x->dims, x->rank * sizeof *x->dims);
        if (x->data) h = vkc_fnv1a(h, x->data, x->elements * (x->dtype == VKC_DTYPE_INT64 ? 8 : 4));
    }
    return h;
}

static void cache_key(vkcnn_context *ctx, const vkc_graph *g, const vkc_exec_options *o,
                      double tolerance, char *key, size_t size) {
    vkcnn_device_info info;
    char dev[512] = "";
    if (vkcnn_context_device_info(ctx, vkcnn_context_device_index(ctx), &info) == VKCNN_OK)
        vkc_tune_table_key(&info, dev, sizeof dev);
    snprintf(key, size, "v1 %s graph %016llx tol %.3g faults %u", dev,
             (unsigned long long)graph_hash(g, o), tolerance, ctx->faults & VKCNN_FAULT_FAST_FP16);
}

/* Payload: "fp32\n" or "fp16 <nodes> <error> <fp32 node indices...>\n". */
static bool cache_read(vkcnn_context *ctx, const char *key, vkc_precision_choice *c) {
    void *data = NULL;
    size_t size = 0;
    if (!vkc_cache_load(&ctx->cache, CACHE_KIND, key, strlen(key), CACHE_MAX, &data, &size))
        return false;
    char *text = vkc_calloc(size + 1, 1);
    bool ok = text != NULL;
    if (ok) memcpy(text, data, size);
    free(data);
    if (ok && strncmp(text, "fp32\n", 5) == 0) {
        c->fp16 = false;
    } else if (ok) {
        char *p = text, *end;
        ok = strncmp(p, "fp16 ", 5) == 0;
        unsigned long nodes = ok ? strtoul(p + 5, &end, 10) : 0;
        /* the key (graph and options) fixes the executor's node numbering */
        ok = ok && end != p + 5 && nodes <= VKC_MAX_PRECISION_NODES;
        c->node_count = (uint32_t)nodes;
        if (ok) c->error = strtod(p = end, &end);
        ok = ok && end != p && isfinite(c->error) && c->error >= 0;
        c->fp32_nodes = ok ? vkc_calloc(c->node_count ? c->node_count : 1, 1) : NULL;
        ok = ok && c->fp32_nodes;
        for (p = end; ok && *p == ' ';) {
            unsigned long k = strtoul(p + 1, &end, 10);
            ok = end != p + 1 && k < c->node_count && !c->fp32_nodes[k];
            if (ok) c->fp32_nodes[k] = true, c->fp32_count++;
            p = end;
        }
        ok = ok && *p == '\n';
        c->fp16 = ok;
    }
    free(text);
    if (!ok) { /* a damaged entry is a miss, as the cache's own checks make it */
        vkc_precision_choice_free(c);
        memset(c, 0, sizeof *c);
    }
    return ok;
}

static void cache_write(vkcnn_context *ctx, const char *key, const vkc_precision_choice *c) {
    size_t cap = 64 + (size_t)c->node_count * 11;
    char *text = vkc_calloc(cap, 1);
    if (!text) return; /* best effort, like every cache store */
    size_t len = 0;
    if (!c->fp16) {
        len = (size_t)snprintf(text, cap, "fp32\n");
    } else {
        len = (size_t)snprintf(text, cap, "fp16 %u %.17g", c->node_count, c->error);
        for (uint32_t k = 0; k < c->node_count && len < cap; k++)
            if (c->fp32_nodes && c->fp32_nodes[k])
                len += (size_t)snprintf(text + len, cap - len, " %u", k);
        if (len < cap) len += (size_t)snprintf(text + len, cap - len, "\n");
    }
    if (len < cap) vkc_cache_store(&ctx->cache, CACHE_KIND, key, strlen(key), text, len);
    free(text);
}

/* Every value of tensor t as the executor holds it; NULL (not an error) for
 * a tensor without storage (a fused-away intermediate). */
static vkcnn_status fetch(vkc_exec *e, uint32_t t, float **out) {
    *out = NULL;
    if (t == VKC_NONE || t >= e->tensor_count || e->tensors[t].storage == VKC_NONE) return VKCNN_OK;
    return vkc_exec_fetch(e, t, out);
}

/* max |a - ref| / max |ref| over n values (0 when ref is all zero and a
 * equals it; inf for a NaN or infinity that ref lacks). */
static double rel_diff(const float *a, const float *ref, uint64_t n) {
    double scale = 0, diff = 0;
    for (uint64_t i = 0; i < n; i++) {
        double r = ref[i], d = fabs((double)a[i] - r);
        if (!isfinite(d)) {
            if (!(isnan(a[i]) && isnan(ref[i])) && a[i] != ref[i]) return INFINITY;
            continue;
        }
        if (fabs(r) > scale) scale = fabs(r);
        if (d > diff) diff = d;
    }
    return diff == 0 ? 0 : scale > 0 ? diff / scale : INFINITY;
}

static uint64_t argmax(const float *v, uint64_t n) {
    uint64_t best = 0;
    for (uint64_t i = 1; i < n; i++)
        if (v[i] > v[best]) best = i;
    return best;
}

static vkcnn_status run_fixed(vkc_exec *e, const vkc_graph *g) {
    uint64_t seed = 0x2545f4914f6cdd1dull;
    for (uint32_t i = 0; i < g->input_count; i++) {
        uint64_t n = g->tensors[g->inputs[i]].elements;
        float *v = vkc_calloc(n ? n : 1, sizeof *v);
        if (!v) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
        fixed_input(&seed, v, n);
        vkcnn_status st = vkc_exec_write(e, g->inputs[i], v, n);
        free(v);
        VKC_TRY(st);
    }
    return vkc_exec_run(e);
}

/* Whether the fp16 run `h` passes against the fp32 run `f`: *error is the
 * largest relative difference over the outputs. */
static vkcnn_status outputs_pass(vkc_exec *f, vkc_exec *h, const vkc_graph *g, double tolerance,
                                 bool *pass, double *error) {
    *pass = true;
    *error = 0;
    for (uint32_t i = 0; i < g->output_count; i++) {
        uint32_t t = g->outputs[i];
        uint64_t n = g->tensors[t].elements;
        float *a = NULL, *b = NULL;
        vkcnn_status st = fetch(f, t, &a);
        if (!st) st = fetch(h, t, &b);
        if (!st && (!a || !b)) st = vkc_fail(VKCNN_ERROR_INVALID_MODEL, "output without storage");
        if (!st) {
            double d = rel_diff(b, a, n);
            if (d > *error) *error = d;
            if (!(d <= tolerance) || (n && argmax(a, n) != argmax(b, n))) *pass = false;
        }
        free(a);
        free(b);
        VKC_TRY(st);
    }
    return VKCNN_OK;
}

typedef struct blame {
    uint32_t node;
    double own; /* output's relative difference less the worst input's */
} blame;

static int by_own_desc(const void *pa, const void *pb) {
    const blame *a = pa, *b = pb;
    if (a->own != b->own) return a->own < b->own ? 1 : -1;
    return a->node < b->node ? -1 : a->node > b->node;
}

static vkcnn_status tensor_diff(vkc_exec *f, vkc_exec *h, uint32_t t, double *d) {
    *d = 0;
    float *a = NULL, *b = NULL;
    vkcnn_status st = fetch(f, t, &a);
    if (!st) st = fetch(h, t, &b);
    if (!st && a && b) *d = rel_diff(b, a, f->tensors[t].elements);
    free(a);
    free(b);
    return st;
}

/* Whether node k of h reads an fp16 weight. */
static bool node_half(const vkc_exec *h, uint32_t k) {
    const vkc_xnode *n = &h->nodes[k];
    for (uint32_t i = 0; h->half && i < n->input_count; i++)
        if (n->inputs[i] != VKC_NONE && h->half[n->inputs[i]]) return true;
    return false;
}

/* Moves the worst quarter (at least one) of h's fp16 layers to fp32 in c. */
static vkcnn_status demote(vkc_exec *f, vkc_exec *h, vkc_precision_choice *c) {
    blame *list = vkc_calloc(h->node_count ? h->node_count : 1, sizeof *list);
    if (!list) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    uint32_t count = 0;
    vkcnn_status st = VKCNN_OK;
    for (uint32_t k = 0; !st && k < h->node_count; k++) {
        const vkc_xnode *n = &h->nodes[k];
        if (!node_half(h, k)) continue;
        double out = 0, in = 0, d;
        st = tensor_diff(f, h, n->output, &out);
        for (uint32_t i = 0; !st && i < n->input_count; i++) {
            uint32_t t = n->inputs[i];
            if (t == VKC_NONE || h->tensors[t].constant) continue;
            st = tensor_diff(f, h, t, &d);
            if (d > in) in = d;
        }
        list[count++] = (blame){k, isfinite(out) ? out - in : INFINITY};
    }
    if (!st) {
        qsort(list, count, sizeof *list, by_own_desc);
        uint32_t take = count / 4 ? count / 4 : 1;
        for (uint32_t i = 0; i < take && i < count; i++, c->fp32_count++)
            c->fp32_nodes[list[i].node] = true;
    }
    free(list);
    return st;
}

static vkcnn_status check(vkcnn_context *ctx, const vkc_graph *g, const vkc_exec_options *base,
                          double tolerance, vkc_precision_choice *c) {
    vkc_exec_options o = *base;
    o.plan_memory = false; /* every intermediate stays readable */
    o.timestamps = false;
    o.progress = NULL;
    o.half_weights = o.half_activations = false;
    vkc_exec *f = NULL, *h = NULL;
    vkcnn_status st = vkc_exec_create(ctx, g, &o, &f);
    if (!st) st = run_fixed(f, g);
    if (!st) {
        c->node_count = f->node_count;
        c->fp32_nodes = vkc_calloc(c->node_count ? c->node_count : 1, 1);
        if (!c->fp32_nodes) st = vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    }
    c->fp16 = true;
    while (!st && c->fp16) {
        o.half_weights = o.half_activations = true;
        o.fp32_nodes = c->fp32_nodes;
        o.fp32_node_count = c->node_count;
        st = vkc_exec_create(ctx, g, &o, &h);
        if (!st && h->node_count != c->node_count)
            st =
                vkc_fail(VKCNN_ERROR_INVALID_MODEL, "precision check: %u nodes in fp16, %u in fp32",
                         h->node_count, c->node_count);
        c->rounds++;
        /* every weight back in fp32 (or none fit a half): that is fp32 */
        uint32_t halves = 0;
        for (uint32_t k = 0; !st && k < h->node_count; k++)
            halves += node_half(h, k);
        if (!st && halves == 0) {
            c->fp16 = false;
            break;
        }
        if (!st) st = run_fixed(h, g);
        bool pass = false;
        if (!st) st = outputs_pass(f, h, g, tolerance, &pass, &c->error);
        if (!st && pass) break;
        if (!st) st = demote(f, h, c);
        vkc_exec_destroy(h);
        h = NULL;
    }
    vkc_exec_destroy(h);
    vkc_exec_destroy(f);
    if (!st && !c->fp16) {
        c->error = 0;
        c->fp32_count = c->node_count = 0; /* as a cached "fp32" reads */
        free(c->fp32_nodes);
        c->fp32_nodes = NULL;
    }
    return st;
}

vkcnn_status vkc_exec_precision_auto(vkcnn_context *ctx, const vkc_graph *g,
                                     const vkc_exec_options *base, double tolerance,
                                     vkc_precision_choice *out) {
    memset(out, 0, sizeof *out);
    if (!(tolerance > 0)) tolerance = DEFAULT_TOLERANCE;
    vkcnn_peak peak;
    vkcnn_status pst = vkcnn_context_peak(ctx, 0, &peak);
    if (pst) return vkc_fail_context(pst, "precision auto: the device's peak rates");
    double ratio = peak.fp32_gflops > 0 ? peak.fp16_gflops / peak.fp32_gflops : 0;
    if (ctx->faults & VKCNN_FAULT_FAST_FP16) ratio = 2.0;
    if (!ctx->dev.fp16 || ratio < MIN_FP16_SPEEDUP) {
        snprintf(out->note, sizeof out->note, "fp32: fp16 FMA at %.2fx the fp32 rate (< %.1fx)",
                 ratio, MIN_FP16_SPEEDUP);
        return VKCNN_OK;
    }
    char key[768];
    cache_key(ctx, g, base, tolerance, key, sizeof key);
    vkcnn_status st = VKCNN_OK;
    if (cache_read(ctx, key, out)) {
        out->from_cache = true;
    } else {
        st = check(ctx, g, base, tolerance, out);
        if (!st) cache_write(ctx, key, out);
    }
    if (st) {
        vkc_precision_choice_free(out);
        return vkc_fail_context(st, "precision auto: the fp16 check");
    }
    if (out->fp16)
        snprintf(out->note, sizeof out->note,
                 "fp16 (FMA %.2fx fp32): %u of %u nodes kept fp32, max |diff| %.3g of max |ref|%s",
                 ratio, out->fp32_count, out->node_count, out->error,
                 out->from_cache ? " (cached)" : "");
    else
        snprintf(out->note, sizeof out->note, "fp32: the fp16 check failed at every layer%s",
                 out->from_cache ? " (cached)" : "");
    return VKCNN_OK;
}
