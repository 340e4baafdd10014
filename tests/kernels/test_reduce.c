/* Reduction kernels (shaders/reduce.comp) against the reference, under the
 * validation layer:
 * - every Reduce* operator on random shapes of rank 1 to 6 and random axis
 *   sets (negative axes, keepdims both ways, no axes = all of them), as an
 *   attribute (opset 13) or a constant input (opset 18; ReduceSum 13);
 * - the common forms at sizes that do not divide the workgroup: the last
 *   axis ([37, 1000]), a CNN's spatial axes, channels with few and many
 *   outputs (one lane or many per output), one long reduction of 100003
 *   elements, rank 8 with alternating axes (4 kept and 4 reduced groups),
 *   size-1 axes only, a rank-0 input; lanes combined both through subgroup
 *   operations (a subgroup per row, or subgroups then one barrier: where the
 *   device allows it) and through the shared-memory tree
 *   (VKCNN_REDUCE_TREE=1), NaN included;
 * - NaN propagation of ReduceMax/ReduceMin, noop_with_empty_axes (an
 *   Identity) and an empty axes input without it (every axis);
 * - refusals, each naming its fault: axes computed at run time, repeated or
 *   out-of-range axes, an axes input before the opset that has one, a
 *   reduction over an empty axis.
 * Tolerance: kt.h's (max |diff| <= 1e-4 max |ref| + 1e-5). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "kt.h"

static const vkc_op reduce_ops[] = {
    VKC_OP_REDUCE_SUM,     VKC_OP_REDUCE_MEAN,       VKC_OP_REDUCE_MAX, VKC_OP_REDUCE_MIN,
    VKC_OP_REDUCE_PROD,    VKC_OP_REDUCE_L1,         VKC_OP_REDUCE_L2,  VKC_OP_REDUCE_SUM_SQUARE,
    VKC_OP_REDUCE_LOG_SUM, VKC_OP_REDUCE_LOG_SUM_EXP};
#define OPS (sizeof reduce_ops / sizeof reduce_ops[0])

/* An int64 constant [count] holding v (Reduce*'s axes input). */
static uint32_t axes_tensor(vkc_graph *g, const int64_t *v, uint32_t count) {
    uint32_t t;
    char name[32];
    snprintf(name, sizeof name, "axes%u", g->tensor_count);
    int64_t d[1] = {count};
    void *data;
    if (vkc_graph_add_tensor(g, name, &t) || vkc_graph_set_shape(g, t, VKC_DTYPE_INT64, 1, d) ||
        vkc_graph_alloc_data(g, t, &data)) {
        fprintf(stderr, "axes tensor: %s\n", vkc_error_message());
        th_failures++;
        return VKC_NONE;
    }
    if (count) memcpy(data, v, count * sizeof *v);
    return t;
}

/* Values fit for op: Prod near +-1 (the product of a long row stays in
 * range), LogSum positive (so is its sum). */
static void shape_values(vkc_graph *g, uint32_t x, vkc_op op) {
    float *v = kt_data(g, x);
    for (uint64_t i = 0; i < g->tensors[x].elements; i++) {
        if (op == VKC_OP_REDUCE_PROD)
            v[i] = (v[i] < 0 ? -1.0f : 1.0f) * (0.97f + 0.06f * fabsf(v[i]));
        if (op == VKC_OP_REDUCE_LOG_SUM) v[i] = 0.05f + fabsf(v[i]);
    }
}

static const char *axes_string(char *buf, size_t size, const int64_t *axes, uint32_t count) {
    size_t len = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < count && len < size; i++) {
        int w = snprintf(buf + len, size - len, "%s%lld", i ? "," : "", (long long)axes[i]);
        if (w < 0) break;
        len += (size_t)w;
    }
    return buf;
}

typedef struct reduce_case {
    vkc_op op;
    uint32_t rank;
    int64_t dims[VKC_MAX_RANK];
    uint32_t count; /* axes given (may be negative); 0: none */
    int64_t axes[VKC_MAX_RANK];
    bool keepdims, as_input, noop;
    int nan_at; /* > 0: x[nan_at] is NaN */
} reduce_case;

static int run_case(vkcnn_context *ctx, const reduce_case *k, uint64_t seed, const char *note) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    int opset = k->as_input ? 18 : 13;
    if (k->op == VKC_OP_REDUCE_SUM) opset = k->as_input ? 13 : 11;
    uint32_t in[2] = {kt_tensor(g, "x", k->rank, k->dims, false, &s), VKC_NONE};
    shape_values(g, in[0], k->op);
    if (k->nan_at > 0 && (uint64_t)k->nan_at < g->tensors[in[0]].elements)
        kt_data(g, in[0])[k->nan_at] = NAN;
    vkc_attrs a = kt_attrs(k->op, opset);
    a.reduce.keepdims = k->keepdims;
    a.reduce.noop_with_empty_axes = k->noop;
    if (k->as_input) {
        in[1] = axes_tensor(g, k->axes, k->count);
    } else {
        a.reduce.count = k->count;
        memcpy(a.reduce.axes, k->axes, sizeof a.reduce.axes);
    }
    char what[256], sx[96], sa[96];
    snprintf(what, sizeof what, "%s-%d %s axes [%s]%s%s%s%s%s", vkc_op_name(k->op), opset,
             vkc_shape_string(k->rank, k->dims, sx, sizeof sx),
             axes_string(sa, sizeof sa, k->axes, k->count), k->as_input ? " (input)" : "",
             k->keepdims ? " keepdims" : "", k->noop ? " noop" : "", note ? ", " : "",
             note ? note : "");
    kt_output(g, kt_node(g, k->op, opset, in, k->as_input ? 2 : 1, &a));
    return kt_check(ctx, g, NULL, seed, what);
}

/* A random shape (rank 1..6, at most ~6000 elements), axis set, form. */
static int random_case(vkcnn_context *ctx, uint64_t seed) {
    uint64_t s = seed;
    reduce_case k = {.op = reduce_ops[kt_range(&s, 0, OPS - 1)]};
    k.rank = (uint32_t)kt_range(&s, 1, 6);
    uint64_t total = 1;
    for (uint32_t i = 0; i < k.rank; i++) {
        k.dims[i] = kt_range(&s, 1, total > 1000 ? 2 : 13);
        total *= (uint64_t)k.dims[i];
    }
    for (uint32_t i = 0; i < k.rank; i++)
        if (kt_range(&s, 0, 1)) /* negative half the time */
            k.axes[k.count++] = kt_range(&s, 0, 1) ? (int64_t)i - (int64_t)k.rank : (int64_t)i;
    if (k.count == k.rank && kt_range(&s, 0, 1)) k.count = 0; /* none named: all */
    k.keepdims = kt_range(&s, 0, 1);
    k.as_input = kt_range(&s, 0, 1);
    return run_case(ctx, &k, seed, NULL);
}

/* Status and message of inferring op over x (and axes tensor `axes` when
 * not VKC_NONE) at `opset`; the graph is destroyed. */
static void refuse(vkc_graph *g, vkc_op op, int opset, uint32_t x, uint32_t axes,
                   const vkc_attrs *a, vkcnn_status want, const char *needle) {
    uint32_t n, y;
    vkcnn_status st = vkc_graph_add_node(g, op, opset, "r", axes == VKC_NONE ? 1 : 2, 1, &n);
    if (!st) {
        g->nodes[n].attrs = *a;
        g->nodes[n].inputs[0] = x;
        if (axes != VKC_NONE) g->nodes[n].inputs[1] = axes;
        st = vkc_graph_add_tensor(g, "y", &y);
    }
    if (!st) {
        g->nodes[n].outputs[0] = y;
        st = vkc_graph_link_node(g, n);
    }
    if (!st) st = vkc_infer_node(g, n);
    const char *msg = st ? vkc_error_message() : "";
    if (st != want || !strstr(msg, needle)) {
        fprintf(stderr, "FAIL refusal: got %s (%s), expected %s naming '%s'\n",
                vkcnn_status_string(st), msg, vkcnn_status_string(want), needle);
        th_failures++;
    }
    vkc_graph_destroy(g);
}

static void refusals(void) {
    int64_t d3[3] = {3, 4, 5}, d0[3] = {3, 0, 2}, one[1] = {1};
    uint64_t s = 77;
    { /* axes computed at run time (a graph input) */
        vkc_graph *g = kt_graph();
        uint32_t x = kt_tensor(g, "x", 3, d3, false, &s), t;
        if (vkc_graph_add_tensor(g, "runtime_axes", &t) ||
            vkc_graph_set_shape(g, t, VKC_DTYPE_INT64, 1, one))
            th_failures++;
        g->tensors[t].graph_input = true;
        vkc_attrs a = kt_attrs(VKC_OP_REDUCE_MEAN, 18);
        refuse(g, VKC_OP_REDUCE_MEAN, 18, x, t, &a, VKCNN_ERROR_UNSUPPORTED, "'runtime_axes'");
    }
    { /* repeated axes (one negative) */
        vkc_graph *g = kt_graph();
        uint32_t x = kt_tensor(g, "x", 3, d3, false, &s);
        vkc_attrs a = kt_attrs(VKC_OP_REDUCE_MAX, 13);
        a.reduce.count = 2;
        a.reduce.axes[0] = 2;
        a.reduce.axes[1] = -1;
        refuse(g, VKC_OP_REDUCE_MAX, 13, x, VKC_NONE, &a, VKCNN_ERROR_INVALID_MODEL, "repeats");
    }
    { /* out of range */
        vkc_graph *g = kt_graph();
        uint32_t x = kt_tensor(g, "x", 3, d3, false, &s);
        vkc_attrs a = kt_attrs(VKC_OP_REDUCE_L2, 13);
        a.reduce.count = 1;
        a.reduce.axes[0] = -4;
        refuse(g, VKC_OP_REDUCE_L2, 13, x, VKC_NONE, &a, VKCNN_ERROR_INVALID_MODEL, "out of range");
    }
    { /* an axes input at opset 13 (ReduceMean takes one from 18) */
        vkc_graph *g = kt_graph();
        uint32_t x = kt_tensor(g, "x", 3, d3, false, &s);
        int64_t ax[1] = {1};
        uint32_t t = axes_tensor(g, ax, 1);
        vkc_attrs a = kt_attrs(VKC_OP_REDUCE_MEAN, 13);
        refuse(g, VKC_OP_REDUCE_MEAN, 13, x, t, &a, VKCNN_ERROR_INVALID_MODEL, "from opset 18");
    }
    { /* over an empty axis */
        vkc_graph *g = kt_graph();
        uint32_t x = kt_tensor(g, "x", 3, d0, false, &s);
        vkc_attrs a = kt_attrs(VKC_OP_REDUCE_SUM, 11);
        a.reduce.count = 1;
        a.reduce.axes[0] = 1;
        refuse(g, VKC_OP_REDUCE_SUM, 11, x, VKC_NONE, &a, VKCNN_ERROR_UNSUPPORTED, "empty axis");
    }
}

int main(int argc, char **argv) {
    kt_args(argc, argv);
    vkcnn_context *ctx = th_context(NULL, 0, 0);
    if (!kt_selecting()) refusals(); /* not cases: skipped when cases are selected */
    uint64_t seed = 0x4ed0000u;
    /* the last axis, rows not a multiple of the workgroup: every op, the
     * long rows both ways */
    for (unsigned i = 0; i < OPS; i++) {
        reduce_case k = {reduce_ops[i], 2, {37, 1000}, 1, {-1}, true, false, false, 0};
        run_case(ctx, &k, seed++, NULL);
    }
    /* lanes combined through subgroups (a subgroup per row from 256 rows,
     * subgroups then one barrier for a workgroup per row) and through the
     * shared-memory tree; NaN through both */
    for (int tree = 0; tree < 2; tree++) {
        if (tree) setenv("VKCNN_REDUCE_TREE", "1", 1);
        const char *note = tree ? "tree" : "subgroups where possible";
        const reduce_case both[] = {
            {VKC_OP_REDUCE_MEAN, 2, {37, 1000}, 1, {1}, false, false, false, 0},
            {VKC_OP_REDUCE_MAX, 2, {37, 1000}, 1, {1}, true, false, false, 2500},
            {VKC_OP_REDUCE_SUM, 2, {1, 100003}, 0, {0}, true, false, false, 0},
            {VKC_OP_REDUCE_LOG_SUM_EXP, 3, {3, 7, 999}, 1, {2}, true, true, false, 0},
            {VKC_OP_REDUCE_MIN, 2, {300, 77}, 1, {-1}, true, false, false, 0},
            {VKC_OP_REDUCE_L2, 2, {300, 77}, 1, {-1}, false, true, false, 0},
            {VKC_OP_REDUCE_PROD, 2, {512, 20}, 1, {1}, true, false, false, 0},
            {VKC_OP_REDUCE_MAX, 3, {40, 10, 9}, 1, {2}, true, false, false, 95},
            {VKC_OP_REDUCE_LOG_SUM_EXP, 2, {260, 33}, 1, {1}, true, false, false, 0},
        };
        for (size_t i = 0; i < sizeof both / sizeof both[0]; i++)
            run_case(ctx, &both[i], seed++, note);
        unsetenv("VKCNN_REDUCE_TREE");
    }
    /* a CNN's spatial axes (ShuffleNet's and MNASNet's mean), channels with
     * few outputs (many lanes each) and many (one lane), the batch */
    reduce_case forms[] = {
        {VKC_OP_REDUCE_MEAN, 4, {2, 64, 7, 7}, 2, {2, 3}, true, false, false, 0},
        {VKC_OP_REDUCE_MEAN, 4, {2, 64, 7, 7}, 2, {-1, -2}, false, true, false, 0},
        {VKC_OP_REDUCE_MAX, 4, {1, 24, 56, 56}, 2, {2, 3}, true, false, false, 0},
        {VKC_OP_REDUCE_SUM, 4, {2, 96, 9, 9}, 1, {1}, true, false, false, 0},
        {VKC_OP_REDUCE_L2, 4, {4, 32, 33, 33}, 1, {1}, false, false, false, 0},
        {VKC_OP_REDUCE_MIN, 3, {65, 3, 17}, 1, {0}, true, true, false, 0},
        {VKC_OP_REDUCE_SUM_SQUARE, 4, {3, 4, 5, 6}, 2, {0, 2}, false, false, false, 0},
        {VKC_OP_REDUCE_L1, 8, {2, 3, 2, 3, 2, 3, 2, 3}, 4, {0, 2, 4, 6}, true, false, false, 0},
        {VKC_OP_REDUCE_MEAN, 8, {2, 3, 2, 3, 2, 3, 2, 3}, 4, {1, 3, 5, 7}, false, true, false, 0},
        {VKC_OP_REDUCE_PROD, 3, {5, 1, 7}, 1, {1}, false, false, false, 0},
        {VKC_OP_REDUCE_SUM, 0, {0}, 0, {0}, true, false, false, 0},
        /* NaN propagates through Max and Min, also when lanes combine it */
        {VKC_OP_REDUCE_MAX, 2, {4, 50}, 1, {1}, true, false, false, 3},
        {VKC_OP_REDUCE_MIN, 2, {4, 300}, 1, {1}, true, false, false, 401},
        /* an empty axes input: every axis, or an Identity with noop */
        {VKC_OP_REDUCE_MEAN, 3, {3, 4, 5}, 0, {0}, true, true, false, 0},
        {VKC_OP_REDUCE_MAX, 3, {3, 4, 5}, 0, {0}, false, true, true, 0},
        {VKC_OP_REDUCE_SUM, 3, {3, 4, 5}, 0, {0}, true, true, true, 0},
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
        run_case(ctx, &forms[i], seed++, NULL);
    for (unsigned i = 0; i < 60; i++)
        random_case(ctx, 0x4ed1000u + i);
    th_destroy(ctx);
    kt_summary("reduce");
    return th_done("test_kernel_reduce");
}
