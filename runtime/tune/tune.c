/* vkcnn_tune: measures the kernel candidates of each distinct layer shape of
 * a model on the context's device and stores the winners (table.h).
 *
 * Per distinct shape (a Conv, Gemm or MatMul node's family, input and weight
 * shapes and attributes, batch included; largest MACs first, so a budget
 * that runs out leaves the small layers):
 * 1. a one-node graph of that shape: the input and weights uniform in
 *    [-1, 1) from a fixed seed (rounded to fp16 first at precision fp16, so
 *    that every candidate computes with the same weights: Winograd keeps its
 *    transformed weights in fp32), the model's attributes;
 * 2. the default rule's executor (no override, no tuned choice) and its
 *    output, the reference;
 * 3. per other candidate: an executor with the candidate forced; its output
 *    must match the reference (max |diff| <= 1e-4 max |ref| + 1e-5; looser
 *    where one of the two rounds activations to fp16: CM_RTOL), else it is
 *    rejected; then a warm-up run of each and ROUNDS interleaved rounds
 *    (default and candidate, in alternating order), timed by GPU timestamps;
 *    a candidate twice as slow as the default after two rounds stops early;
 * 4. a candidate is faster when the median over the rounds of the ratio
 *    default / candidate (each round's pair ran back to back) exceeds 1.05
 *    (MIN_SPEEDUP); of several, the largest wins, and is measured once more
 *    against the default in fresh rounds: it replaces the default only if
 *    that confirms more than 5% again. These hosts drift by up to 1.8x
 *    within minutes: the pairing, the 5% margin and the confirmation keep
 *    drift and noise from picking a loser.
 * The budget is checked between candidates and between rounds; a layer cut
 * short keeps the best of what was measured completely. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/choose.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/half.h"
#include "exec/exec_internal.h"
#include "graph/network.h"
#include "ops/op_table.h"
#include "passes/passes.h"
#include "tune/table.h"
#include "tune/tune.h"
#include "vk/context.h"

#define ROUNDS_DEFAULT 7
#define MIN_SPEEDUP 1.05
#define CHECK_RTOL 1e-4
#define CHECK_ATOL 1e-5
/* The cooperative-matrix candidates (cm, offered only at precision fp16)
 * round the activations to fp16 as well: each product then carries up to
 * 2^-10 relative error, about 1e-3 of the output's scale over a random sum
 * (CM_RTOL, 2^-8, leaves 4x margin); their Winograd GEMM (cm-wino2) rounds
 * transformed tiles, which the output transform amplifies: 0.6% of the
 * scale for F(2x2) (exec.c, choose_half), within CM_WINO_RTOL, the bound
 * the fp16 precision policy accepts for a whole model. */
#define CM_RTOL (1.0 / 256)
#define CM_WINO_RTOL 1e-2
#define BUDGET_DEFAULT_S 60.0

/* One distinct layer shape and what was measured of it. */
typedef struct shape {
    vkc_family family;
    uint32_t node; /* first node of g with this shape */
    uint32_t count;
    uint64_t macs;
    char key[VKC_TUNE_KEY_MAX];
    char nodes[300];
    char deflt[VKC_VARIANT_STRING_MAX], winner[VKC_VARIANT_STRING_MAX];
    vkcnn_tune_layer out;
} shape;

struct vkcnn_tune_result_impl {
    vkcnn_tune_result pub;
    vkcnn_tune_layer *layers;
    shape *shapes;
    char path[VKC_CACHE_PATH_MAX + 64];
};

static vkcnn_status oom(void) {
    return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
}

static float next_uniform(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (float)(*s >> 40) / 8388608.0f - 1.0f;
}

static int compare_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, uint32_t n) {
    qsort(v, n, sizeof *v, compare_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* A tensor of g's tensor `like`'s shape in h: a constant filled from the
 * seed (fp16-rounded when half), or a graph input. */
static vkcnn_status add_tensor(vkc_graph *h, const vkc_tensor *like, const char *name,
                               bool constant, bool half, uint64_t *seed, uint32_t *index) {
    VKC_TRY(vkc_graph_add_tensor(h, name, index));
    VKC_TRY(vkc_graph_set_shape(h, *index, VKC_DTYPE_FLOAT32, like->rank, like->dims));
    if (!constant) {
        h->tensors[*index].graph_input = true;
        uint32_t *grown = realloc(h->inputs, (h->input_count + 1) * sizeof *grown);
        if (!grown) return oom();
        h->inputs = grown;
        h->inputs[h->input_count++] = *index;
        return VKCNN_OK;
    }
    void *p = NULL;
    VKC_TRY(vkc_graph_alloc_data(h, *index, &p));
    h->tensors[*index].initializer = true;
    float *v = p;
    for (uint64_t i = 0; i < like->elements; i++)
        v[i] = half ? vkc_half_round(next_uniform(seed)) : next_uniform(seed);
    return VKCNN_OK;
}

/* The one-node graph of g's node n: its own inputs (constants stay
 * constants, with values from the seed), its attributes, one output. */
static vkcnn_status one_node(const vkc_graph *g, uint32_t n, bool half, vkc_graph **out) {
    *out = NULL;
    const vkc_node *src = &g->nodes[n];
    vkc_limits lim = g->limits;
    if (lim.max_tensors < 16) lim.max_tensors = 16;
    if (lim.max_nodes < 4) lim.max_nodes = 4;
    vkc_graph *h = vkc_graph_create(&lim);
    if (!h) return oom();
    h->opset = g->opset;
    h->batch = g->batch;
    uint64_t seed = 0x9e3779b97f4a7c15ull ^ (uint64_t)n;
    uint32_t ins[3] = {VKC_NONE, VKC_NONE, VKC_NONE}, node = 0, y = 0;
    uint32_t count = src->own_inputs < 3 ? src->own_inputs : 3;
    vkcnn_status st = VKCNN_OK;
    for (uint32_t i = 0; i < count && !st; i++) {
        if (src->inputs[i] == VKC_NONE) continue;
        const vkc_tensor *t = &g->tensors[src->inputs[i]];
        char name[16];
        snprintf(name, sizeof name, "in%u", i);
        /* operand 0 always an input; weights and biases constants as in g */
        st = add_tensor(h, t, name, i > 0 && t->data != NULL, half && i == 1, &seed, &ins[i]);
    }
    if (!st) st = vkc_graph_add_node(h, src->op, src->opset, src->name, count, 1, &node);
    if (!st) {
        h->nodes[node].attrs = src->attrs;
        for (uint32_t i = 0; i < count; i++)
            h->nodes[node].inputs[i] = ins[i];
        st = vkc_graph_add_tensor(h, "out", &y);
    }
    if (!st) {
        h->nodes[node].outputs[0] = y;
        st = vkc_graph_link_node(h, node);
    }
    if (!st) st = vkc_infer_node(h, node);
    if (!st) {
        h->tensors[y].graph_output = true;
        uint32_t *o = malloc(sizeof *o);
        if (!o)
            st = oom();
        else {
            o[0] = y;
            h->outputs = o;
            h->output_count = 1;
        }
    }
    if (st) {
        vkc_graph_destroy(h);
        return st;
    }
    *out = h;
    return VKCNN_OK;
}

typedef struct bench_ctx {
    vkcnn_context *ctx;
    const vkc_graph *h;
    vkc_exec_options opts;
    float **inputs; /* per graph input of h */
    uint32_t out_tensor;
    uint64_t out_count;
} bench_ctx;

static vkcnn_status run_once(vkc_exec *e, const bench_ctx *b, double *ms) {
    for (uint32_t i = 0; i < b->h->input_count; i++)
        VKC_TRY(vkc_exec_write(e, b->h->inputs[i], b->inputs[i],
                               b->h->tensors[b->h->inputs[i]].elements));
    VKC_TRY(vkc_exec_run(e));
    *ms = vkc_exec_total_ms(e);
    return VKCNN_OK;
}

/* max |a - ref| <= rtol max |ref| + CHECK_ATOL (NaN only matches NaN). */
static bool outputs_match(const float *a, const float *ref, uint64_t n, double rtol) {
    double err = 0, scale = 0;
    for (uint64_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)ref[i]);
        if (isnan(d) && !(isnan(a[i]) && isnan(ref[i]))) return false;
        if (d > err) err = d;
        if (isfinite(ref[i]) && fabs(ref[i]) > scale) scale = fabs(ref[i]);
    }
    return err <= rtol * scale + CHECK_ATOL;
}

/* The bound of a candidate's output against the default's: the looser of
 * the two kernels' own (one of them may be a cooperative-matrix kernel). */
static double check_rtol(const vkc_variant *deflt, const vkc_variant *cand) {
    double r = CHECK_RTOL;
    const vkc_variant *v[2] = {deflt, cand};
    for (int i = 0; i < 2; i++)
        if (v[i]->algo == VKC_ALGO_COOPMAT) {
            double cm = v[i]->tile ? CM_WINO_RTOL : CM_RTOL;
            r = cm > r ? cm : r;
        }
    return r;
}

static double elapsed_s(double start_ms) {
    return (vkc_now_ms() - start_ms) / 1e3;
}

typedef struct rounds_result {
    uint32_t rounds;        /* completed */
    double def_ms, cand_ms; /* medians */
    double speedup;         /* median of the rounds' default / candidate ratios */
} rounds_result;

/* A warm-up run of the default, then up to `rounds` rounds of one run of
 * each, in alternating order (a host that drifts slows both alike), until
 * the budget ends; with early_stop, a candidate twice as slow as the
 * default after two rounds ends them (it cannot win). dt and ct hold at
 * least `rounds` values. */
static vkcnn_status pair_rounds(vkc_exec *def, vkc_exec *cand, const bench_ctx *b, uint32_t rounds,
                                bool early_stop, double start_ms, double budget_s, double *dt,
                                double *ct, rounds_result *out) {
    memset(out, 0, sizeof *out);
    double ms;
    VKC_TRY(run_once(def, b, &ms));
    uint32_t r = 0;
    for (; r < rounds; r++) {
        if (elapsed_s(start_ms) >= budget_s) break;
        if (r % 2 == 0) {
            VKC_TRY(run_once(def, b, &dt[r]));
            VKC_TRY(run_once(cand, b, &ct[r]));
        } else {
            VKC_TRY(run_once(cand, b, &ct[r]));
            VKC_TRY(run_once(def, b, &dt[r]));
        }
        if (!(dt[r] > 0) || !(ct[r] > 0)) return VKCNN_OK; /* no timestamps */
        if (early_stop && r == 1 && ct[0] + ct[1] > 2.0 * (dt[0] + dt[1])) {
            r++;
            break;
        }
    }
    out->rounds = r;
    if (r < 2) return VKCNN_OK;
    double *ratio = malloc(r * sizeof *ratio);
    if (!ratio) return oom();
    for (uint32_t i = 0; i < r; i++)
        ratio[i] = dt[i] / ct[i];
    out->speedup = median(ratio, r);
    free(ratio);
    out->def_ms = median(dt, r);
    out->cand_ms = median(ct, r);
    return VKCNN_OK;
}

/* Measures shape s's candidates; fills s->out and s->deflt / s->winner. */
static vkcnn_status tune_shape(vkcnn_context *ctx, const vkc_graph *g, shape *s,
                               const vkc_exec_options *base, const vkc_codegen_target *target,
                               uint32_t rounds, double start_ms, double budget_s) {
    double t0 = vkc_now_ms();
    vkc_graph *h = NULL;
    VKC_TRY(one_node(g, s->node, base->half_weights, &h));
    bench_ctx b = {ctx, h, *base, NULL, h->outputs[0], h->tensors[h->outputs[0]].elements};
    vkc_exec *def = NULL, *cand = NULL;
    float *ref = NULL, *got = NULL;
    double *dt = NULL, *ct = NULL;
    vkcnn_status st = VKCNN_OK;
    vkc_variant cands[VKC_MAX_CANDIDATES];
    uint32_t hn = h->tensors[h->outputs[0]].producer;
    uint32_t nc = vkc_variant_candidates(h, hn, target, base->fusion && base->winograd, cands,
                                         VKC_MAX_CANDIDATES);
    s->out.candidates = nc;
    b.inputs = calloc(h->input_count ? h->input_count : 1, sizeof *b.inputs);
    ref = malloc((b.out_count ? b.out_count : 1) * sizeof *ref);
    got = malloc((b.out_count ? b.out_count : 1) * sizeof *got);
    dt = calloc(rounds + 1, sizeof *dt);
    ct = calloc(rounds + 1, sizeof *ct);
    if (!b.inputs || !ref || !got || !dt || !ct) st = oom();
    uint64_t seed = 0x2545f4914f6cdd1dull;
    for (uint32_t i = 0; !st && i < h->input_count; i++) {
        uint64_t n = h->tensors[h->inputs[i]].elements;
        if (!(b.inputs[i] = malloc((n ? n : 1) * sizeof(float)))) st = oom();
        for (uint64_t k = 0; !st && k < n; k++)
            b.inputs[i][k] = next_uniform(&seed);
    }
    /* the default: no force, no override, no tuned choice */
    double ms = 0;
    vkc_variant dv = {0};
    if (!st) st = vkc_exec_create(ctx, h, &b.opts, &def);
    if (!st) st = run_once(def, &b, &ms);
    if (!st) st = vkc_exec_read(def, b.out_tensor, ref, b.out_count);
    if (!st && !vkc_exec_node_variant(def, hn, &dv, NULL))
        st = vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "tune: node '%s' has no kernel variant",
                      h->nodes[hn].name);
    if (!st) vkc_variant_string(&dv, s->deflt, sizeof s->deflt);
    snprintf(s->winner, sizeof s->winner, "%s", s->deflt);
    double best = 1.0, def_ms = -1;
    vkc_exec *best_exec = NULL;
    for (uint32_t c = 0; !st && c < nc; c++) {
        if (vkc_variant_equal(&cands[c], &dv)) continue;
        if (elapsed_s(start_ms) >= budget_s) {
            s->out.skipped_candidates++;
            continue;
        }
        vkc_variant force[VKC_FAMILY_COUNT] = {{0}};
        force[s->family] = cands[c];
        vkc_exec_options o = b.opts;
        o.force = force;
        if (vkc_exec_create(ctx, h, &o, &cand) != VKCNN_OK) {
            s->out.failed++;
            vkc_error_clear();
            continue;
        }
        vkcnn_status rs = run_once(cand, &b, &ms); /* also its warm-up */
        if (!rs) rs = vkc_exec_read(cand, b.out_tensor, got, b.out_count);
        if (rs) {
            s->out.failed++;
            vkc_error_clear();
        } else if (!outputs_match(got, ref, b.out_count, check_rtol(&dv, &cands[c]))) {
            s->out.rejected++;
        } else {
            rounds_result m;
            st = pair_rounds(def, cand, &b, rounds, true, start_ms, budget_s, dt, ct, &m);
            if (!st && m.rounds >= 2) {
                s->out.measured++;
                if (def_ms < 0) def_ms = m.def_ms;
                if (m.speedup > MIN_SPEEDUP && m.speedup > best) {
                    best = m.speedup;
                    vkc_variant_string(&cands[c], s->winner, sizeof s->winner);
                    vkc_exec_destroy(best_exec); /* keep the best for the confirmation */
                    best_exec = cand;
                    cand = NULL;
                }
            } else if (!st) {
                s->out.skipped_candidates++;
            }
        }
        vkc_exec_destroy(cand);
        cand = NULL;
    }
    /* the winner once more against the default, in fresh rounds: a lucky
     * streak of noise in its first rounds does not make it the choice */
    s->out.default_ms = def_ms;
    s->out.winner_ms = def_ms;
    s->out.speedup = 1.0;
    if (!st && best_exec) {
        rounds_result m;
        st = pair_rounds(def, best_exec, &b, rounds, false, start_ms, 1e300, dt, ct, &m);
        if (!st && m.speedup > MIN_SPEEDUP) {
            s->out.default_ms = m.def_ms;
            s->out.winner_ms = m.cand_ms;
            s->out.speedup = m.speedup;
        } else if (!st) {
            s->out.unconfirmed = 1;
            snprintf(s->winner, sizeof s->winner, "%s", s->deflt);
        }
    }
    vkc_exec_destroy(best_exec);
    vkc_exec_destroy(cand);
    vkc_exec_destroy(def);
    for (uint32_t i = 0; b.inputs && i < h->input_count; i++)
        free(b.inputs[i]);
    free(b.inputs);
    free(ref);
    free(got);
    free(dt);
    free(ct);
    vkc_graph_destroy(h);
    s->out.seconds = (vkc_now_ms() - t0) / 1e3;
    return st;
}

static bool env_is(const char *name, const char *value) {
    const char *v = getenv(name);
    return v && strcmp(v, value) == 0;
}

/* The nodes of g that the graph passes fold into squeeze-and-excitation
 * nodes on target t (passes/squeeze_excite.c), marked in skip[]: their
 * Convs never run as Convs there, and tuning them would spend the budget
 * on nothing (EfficientNet-B0 on lavapipe: 14 of its 47 shapes). */
static vkcnn_status se_members(const vkc_graph *g, const vkc_codegen_target *t, bool fusion,
                               bool *skip) {
    if (!fusion || !t->squeeze_excite) return VKCNN_OK;
    vkc_graph *pg = NULL;
    vkc_passes passes;
    vkc_passes_options po = {
        .fusion = true, .squeeze_excite = vkc_choose_squeeze_excite_pass, .user = (void *)t};
    vkcnn_status st = vkc_graph_clone(g, &pg);
    if (!st) st = vkc_passes_run(pg, &po, &passes);
    for (uint32_t n = 0; !st && n < pg->node_count && n < g->node_count; n++) {
        const vkc_node *node = &pg->nodes[n];
        if (node->dead || node->op != VKC_OP_SQUEEZE_EXCITE) continue;
        skip[n] = true;
        for (uint32_t k = 0; k < node->member_count; k++)
            if (node->members[k] < g->node_count) skip[node->members[k]] = true;
    }
    if (pg) vkc_graph_clone_destroy(pg, g);
    return st;
}

/* Distinct shapes of g's Conv, Gemm and MatMul nodes, in graph order, but
 * those skip[] marks. */
static vkcnn_status collect(const vkc_graph *g, const bool *skip, shape **out, uint32_t *count) {
    *out = NULL;
    *count = 0;
    shape *list = NULL;
    uint32_t n_list = 0;
    for (uint32_t n = 0; n < g->node_count; n++) {
        vkc_family f = vkc_node_family(g, n);
        char key[VKC_TUNE_KEY_MAX];
        if (!f || skip[n] || !vkc_variant_shape_key(g, n, key, sizeof key)) continue;
        uint32_t i = 0;
        while (i < n_list && !(list[i].family == f && strcmp(list[i].key, key) == 0))
            i++;
        if (i < n_list) {
            list[i].count++;
            continue;
        }
        shape *grown = realloc(list, (n_list + 1) * sizeof *grown);
        if (!grown) {
            free(list);
            return oom();
        }
        list = grown;
        shape *s = &list[n_list++];
        memset(s, 0, sizeof *s);
        s->family = f;
        s->node = n;
        s->count = 1;
        s->macs = vkc_node_macs(g, n);
        snprintf(s->key, sizeof s->key, "%s", key);
    }
    *out = list;
    *count = n_list;
    return VKCNN_OK;
}

vkcnn_status vkcnn_tune(vkcnn_context *ctx, const vkcnn_network *net,
                        const vkcnn_tune_options *options, vkcnn_tune_result **out) {
    vkc_error_clear();
    if (!out) return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_tune: out is NULL");
    *out = NULL;
    if (!ctx || !net) return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_tune: NULL argument");
    vkcnn_status st = vkc_ctx_usable(ctx);
    if (st) return vkc_ctx_error(ctx, st);
    vkcnn_tune_options defaults = {0};
    const vkcnn_tune_options *o = options ? options : &defaults;
    const vkcnn_device_info *info = &ctx->dev.phys->info;
    if (o->precision != VKCNN_PRECISION_FP32 && o->precision != VKCNN_PRECISION_FP16)
        return vkc_ctx_error(ctx, vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                                           "vkcnn_tune: precision %d is neither fp32 nor fp16",
                                           (int)o->precision));
    if (!(o->budget_s >= 0) || o->budget_s > 1e6)
        return vkc_ctx_error(ctx, vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                                           "vkcnn_tune: budget %g s out of range", o->budget_s));
    if (!info->timestamps)
        return vkc_ctx_error(ctx, vkc_fail(VKCNN_ERROR_UNSUPPORTED,
                                           "device %s cannot time compute work (no timestamps)",
                                           info->name));
    if (!ctx->cache.enabled)
        return vkc_ctx_error(ctx, vkc_fail(VKCNN_ERROR_IO,
                                           "the cache directory is disabled: tuned choices "
                                           "would have nowhere to go"));
    struct vkcnn_tune_result_impl *r = calloc(1, sizeof *r);
    if (!r) return vkc_ctx_error(ctx, oom());
    double start = vkc_now_ms(), budget = o->budget_s > 0 ? o->budget_s : BUDGET_DEFAULT_S;
    uint32_t rounds = o->rounds ? o->rounds : ROUNDS_DEFAULT;
    if (rounds < 2) rounds = 2;
    const vkc_graph *g = vkc_network_graph(net);
    vkc_exec_options base = {.timestamps = true,
                             .fusion = o->fusion == VKCNN_ON ||
                                       (o->fusion == VKCNN_DEFAULT && !env_is("VKCNN_FUSION", "0")),
                             .plan_memory = true,
                             .half_weights = o->precision == VKCNN_PRECISION_FP16,
                             .half_activations = o->precision == VKCNN_PRECISION_FP16,
                             .ignore_override = true};
    base.winograd = base.fusion && (o->winograd == VKCNN_ON || (o->winograd == VKCNN_DEFAULT &&
                                                                !env_is("VKCNN_WINOGRAD", "0")));
    vkc_codegen_target target;
    vkc_kernel_override ov;
    vkc_tune_table table = {0};
    bool was_bad = false;
    uint32_t count = 0;
    st = vkc_exec_target(ctx, &base, &target, &ov);
    bool *skip = st ? NULL : calloc(g->node_count ? g->node_count : 1, sizeof *skip);
    if (!st && !skip) st = oom();
    if (!st) st = se_members(g, &target, base.fusion, skip);
    if (!st) st = collect(g, skip, &r->shapes, &count);
    free(skip);
    if (!st) st = vkc_tune_table_load(&ctx->cache, info, &table, &was_bad);
    if (!st && !(r->layers = calloc(count ? count : 1, sizeof *r->layers))) st = oom();
    /* largest first: a budget that runs out leaves the small layers */
    uint32_t *order = st ? NULL : calloc(count ? count : 1, sizeof *order);
    if (!st && !order) st = oom();
    for (uint32_t i = 0; !st && i < count; i++)
        order[i] = i;
    for (uint32_t i = 1; !st && i < count; i++)
        for (uint32_t j = i; j > 0 && r->shapes[order[j]].macs > r->shapes[order[j - 1]].macs;
             j--) {
            uint32_t x = order[j];
            order[j] = order[j - 1];
            order[j - 1] = x;
        }
    uint32_t stored = 0;
    for (uint32_t k = 0; !st && k < count; k++) {
        shape *s = &r->shapes[order[k]];
        if (elapsed_s(start) >= budget) {
            s->out.skipped = 1;
        } else {
            st = tune_shape(ctx, g, s, &base, &target, rounds, start, budget);
            /* a shape whose default cannot run here (too large for the
             * device, say) keeps the rule; the others are still tuned */
            if (st && st != VKCNN_ERROR_DEVICE_LOST && st != VKCNN_ERROR_OUT_OF_HOST_MEMORY) {
                s->out.failed = s->out.candidates ? s->out.candidates : 1;
                s->out.default_ms = s->out.winner_ms = -1;
                s->out.speedup = 1.0;
                snprintf(s->winner, sizeof s->winner, "%s", s->deflt);
                vkc_error_clear();
                st = VKCNN_OK;
            }
            if (!st && s->out.candidates > 1 && s->out.default_ms >= 0) {
                vkc_tune_entry e;
                memset(&e, 0, sizeof e);
                e.family = s->family;
                e.fp16 = base.half_weights;
                e.batch = g->batch > 0 ? (uint32_t)g->batch : 1;
                snprintf(e.shape, sizeof e.shape, "%s", s->key);
                snprintf(e.variant, sizeof e.variant, "%s", s->winner);
                snprintf(e.default_variant, sizeof e.default_variant, "%s", s->deflt);
                e.speedup = s->out.speedup;
                st = vkc_tune_table_put(&table, &e);
                s->out.stored = !st;
                stored += !st;
            }
        }
        if (!st && o->progress) {
            /* the public view of the layer so far */
            vkcnn_tune_layer *l = &s->out;
            l->family = vkc_family_name(s->family);
            l->shape = s->key;
            l->default_variant = s->deflt;
            l->winner = s->winner;
            l->node_count = s->count;
            snprintf(s->nodes, sizeof s->nodes, "%s", g->nodes[s->node].name);
            l->first_node = s->nodes;
            o->progress(o->user, l, k + 1, count);
        }
    }
    free(order);
    if (!st && stored) st = vkc_tune_table_store(&ctx->cache, info, &table);
    if (!st) vkc_tune_table_path(&ctx->cache, info, r->path, sizeof r->path);
    vkc_tune_table_free(&table);
    if (st) {
        vkcnn_tune_result_destroy(&r->pub);
        return vkc_ctx_error(ctx, st);
    }
    for (uint32_t i = 0; i < count; i++) {
        shape *s = &r->shapes[i];
        vkcnn_tune_layer *l = &s->out;
        l->family = vkc_family_name(s->family);
        l->shape = s->key;
        l->default_variant = s->deflt;
        l->winner = s->winner;
        l->node_count = s->count;
        snprintf(s->nodes, sizeof s->nodes, "%s", g->nodes[s->node].name);
        l->first_node = s->nodes;
        r->layers[i] = *l;
    }
    r->pub.layer_count = count;
    r->pub.layers = r->layers;
    r->pub.seconds = elapsed_s(start);
    r->pub.budget_s = budget;
    for (uint32_t i = 0; i < count; i++)
        if (r->layers[i].skipped || r->layers[i].skipped_candidates) r->pub.budget_exhausted = 1;
    r->pub.stored = stored;
    r->pub.path = stored ? r->path : "";
    r->pub.rebuilt = was_bad;
    *out = &r->pub;
    return VKCNN_OK;
}

vkcnn_status vkc_tune_load_for_model(vkcnn_context *ctx, vkcnn_toggle tuned, const char *dir,
                                     vkc_tune_table *t) {
    memset(t, 0, sizeof *t);
    if (tuned == VKCNN_OFF || (tuned == VKCNN_DEFAULT && env_is("VKCNN_NO_TUNE", "1")))
        return VKCNN_OK;
    const vkcnn_device_info *info = &ctx->dev.phys->info;
    if (!dir) return vkc_tune_table_load(&ctx->cache, info, t, NULL);
    vkc_disk_cache cache; /* "": the default directory */
    char why[256];
    vkc_cache_init(&cache, *dir ? dir : NULL, *dir ? VKCNN_ON : VKCNN_DEFAULT, why, sizeof why);
    return vkc_tune_table_load(&cache, info, t, NULL);
}

void vkcnn_tune_result_destroy(vkcnn_tune_result *result) {
    if (!result) return;
    struct vkcnn_tune_result_impl *r = (struct vkcnn_tune_result_impl *)result;
    free(r->layers);
    free(r->shapes);
    free(r);
}
