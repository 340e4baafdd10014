/* The recognition passes (runtime/passes/recognise.c) on hand-built graphs,
 * under the validation layer. Each graph runs with fusion (the passes on)
 * against runtime/ref's node-by-node reference of the graph as built
 * (unfused), and its compiled plan is checked:
 * - LayerNormalization as PyTorch < 1.13 exports it (ReduceMean, Sub,
 *   Pow(2) or Mul(d, d), ReduceMean, Add(eps), Sqrt, Div, Mul(weight),
 *   Add(bias)), over the last axis or the last two, operands in either
 *   order, with and without weight and bias, between ConvNeXt's Transposes:
 *   one LayerNormalization node, one dispatch;
 * - GELU's erf form in every order PyTorch writes (Div by sqrt 2 or Mul by
 *   1 / sqrt 2; the 0.5 applied to x, to the product, or to the sum): one
 *   Gelu, a single post-op of the Conv before it, or one dispatch alone;
 * - a per-channel affine map written per channel (torchvision GoogLeNet's
 *   input transform: Gather of channel i, Unsqueeze, Mul, Add, then Concat),
 *   also with Sub and Div, the scalar on either side, negative indices and
 *   one-element index tensors: one BatchNormalization, before a padded
 *   7x7 stride-2 Conv (2 dispatches) or alone (1);
 * - chains that must stay as they are: an intermediate also a graph output,
 *   Pow(4), a weight broadcast the kernel does not read (the norm is
 *   recognised, the Mul stays), a 0.6 in place of 0.5, channels
 *   concatenated out of order, c / x, a Concat along another axis.
 * Tolerance: kt.h's (max |diff| <= 1e-4 max |ref| + 1e-5). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "kt.h"
#include "passes/passes.h"

static int failures;

static const vkc_exec_options fused = {.fusion = true, .plan_memory = true};

/* A constant of one value. */
static uint32_t scalar(vkc_graph *g, const char *name, float v, uint64_t *s) {
    int64_t one[1] = {1};
    char unique[64];
    snprintf(unique, sizeof unique, "%s%u", name, g->tensor_count);
    uint32_t t = kt_tensor(g, unique, 1, one, true, s);
    kt_data(g, t)[0] = v;
    return t;
}

static uint32_t binary(vkc_graph *g, vkc_op op, uint32_t a, uint32_t b) {
    uint32_t in[2] = {a, b};
    return kt_node(g, op, 13, in, 2, NULL);
}

/* What the passes make of g (a clone; g is kept): the recognised count, and
 * the op and post-op count of the node that produces tensor `out`. */
static void inspect(const vkc_graph *g, uint32_t out, uint32_t *recognised, vkc_op *op,
                    uint32_t *posts) {
    vkc_graph *c = NULL;
    vkc_passes r;
    vkc_passes_options po = {.fusion = true};
    *recognised = 0;
    *op = VKC_OP_COUNT;
    *posts = 0;
    if (vkc_graph_clone(g, &c) == VKCNN_OK && vkc_passes_run(c, &po, &r) == VKCNN_OK) {
        *recognised = r.recognised;
        uint32_t p = c->tensors[out].producer;
        if (p != VKC_NONE) {
            *op = c->nodes[p].op;
            *posts = c->nodes[p].post_count;
        }
        CHECK_MSG(vkc_graph_validate(c) == VKCNN_OK, "passes leave a valid graph: %s",
                  vkc_error_message());
    } else {
        CHECK_MSG(0, "passes failed: %s", vkc_error_message());
    }
    vkc_graph_clone_destroy(c, g);
}

/* Runs g fused against the reference; checks its dispatch count, but for
 * im2col's patch gathers (an im2col conv's GEMM takes the fused post-ops);
 * g destroyed. */
static void check(vkcnn_context *ctx, vkc_graph *g, const char *what, uint32_t dispatches) {
    vkc_exec *e = NULL;
    if (vkc_exec_create(ctx, g, &fused, &e) == VKCNN_OK) {
        uint32_t n = 0;
        for (uint32_t i = 0; i < vkc_exec_dispatch_count(e); i++)
            n += strcmp(vkc_exec_dispatch_template(e, i), "im2col") != 0;
        CHECK_MSG(n == dispatches, "%s: %u dispatches, want %u", what, n, dispatches);
    } else {
        CHECK_MSG(0, "%s: %s", what, vkc_error_message());
    }
    vkc_exec_destroy(e);
    failures += kt_check(ctx, g, &fused, 1, what);
}

/* ---- LayerNormalization ------------------------------------------------------- */

typedef struct ln_form {
    const char *what;
    uint32_t rank;
    int64_t dims[4];
    uint32_t k;        /* normalized axes: the last k */
    bool mul_square;   /* Mul(d, d) instead of Pow(d, 2) */
    bool swap;         /* Add(eps, v), Mul(w, n), Add(b, w) */
    int weight, bias;  /* 0 absent, 1 normalized shape, 2 one value, 3 [1, C] (not read) */
    float exponent;    /* of the Pow: 2, or 4 (no match) */
    bool mean_visible; /* the first mean is also a graph output (no match) */
    bool transposed;   /* x = Transpose(NCHW -> NHWC), y transposed back (ConvNeXt) */
} ln_form;

static void layer_norm(vkcnn_context *ctx, const ln_form *f, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    uint32_t x = kt_tensor(g, "x", f->rank, f->dims, false, &s);
    if (f->transposed) {
        vkc_attrs t = kt_attrs(VKC_OP_TRANSPOSE, 13);
        t.transpose.count = 4;
        int64_t perm[4] = {0, 2, 3, 1};
        memcpy(t.transpose.perm, perm, sizeof perm);
        x = kt_node(g, VKC_OP_TRANSPOSE, 13, &x, 1, &t);
    }
    const vkc_tensor *xt = &g->tensors[x];
    uint32_t rank = xt->rank;
    int64_t nd[5] = {1}; /* [1, normalized...] */
    for (uint32_t i = 0; i < f->k; i++)
        nd[1 + i] = xt->dims[rank - f->k + i];
    vkc_attrs m = kt_attrs(VKC_OP_REDUCE_MEAN, 13);
    m.reduce.count = f->k;
    for (uint32_t i = 0; i < f->k; i++)
        m.reduce.axes[i] = -(int64_t)f->k + i;
    uint32_t mean = kt_node(g, VKC_OP_REDUCE_MEAN, 13, &x, 1, &m);
    uint32_t d = binary(g, VKC_OP_SUB, x, mean);
    uint32_t sq = f->mul_square ? binary(g, VKC_OP_MUL, d, d)
                                : binary(g, VKC_OP_POW, d, scalar(g, "two", f->exponent, &s));
    uint32_t var = kt_node(g, VKC_OP_REDUCE_MEAN, 13, &sq, 1, &m);
    uint32_t eps = scalar(g, "eps", 1e-5f, &s);
    uint32_t e = f->swap ? binary(g, VKC_OP_ADD, eps, var) : binary(g, VKC_OP_ADD, var, eps);
    uint32_t root = kt_node(g, VKC_OP_SQRT, 13, &e, 1, NULL);
    uint32_t y = binary(g, VKC_OP_DIV, d, root);
    uint32_t params[2] = {VKC_NONE, VKC_NONE};
    for (int i = 0; i < 2; i++) {
        int form = i ? f->bias : f->weight;
        const char *name = i ? "bias" : "weight";
        if (form == 1) params[i] = kt_tensor(g, name, f->k, nd + 1, true, &s);
        if (form == 2) params[i] = scalar(g, name, 0.75f, &s);
        if (form == 3) { /* [1, C] against normalized [H, C]: broadcast inside */
            int64_t bd[2] = {1, nd[f->k]};
            params[i] = kt_tensor(g, name, 2, bd, true, &s);
        }
        if (params[i] == VKC_NONE) continue;
        vkc_op op = i ? VKC_OP_ADD : VKC_OP_MUL;
        y = f->swap ? binary(g, op, params[i], y) : binary(g, op, y, params[i]);
    }
    if (f->transposed) {
        vkc_attrs t = kt_attrs(VKC_OP_TRANSPOSE, 13);
        t.transpose.count = 4;
        int64_t perm[4] = {0, 3, 1, 2};
        memcpy(t.transpose.perm, perm, sizeof perm);
        y = kt_node(g, VKC_OP_TRANSPOSE, 13, &y, 1, &t);
    }
    kt_output(g, y);
    if (f->mean_visible) kt_output(g, mean);
    bool match = !f->mean_visible && f->exponent == 2;
    /* the Mul or Add that reads a [1, C] weight or bias stays after the norm */
    bool rest = match && (f->weight == 3 || f->bias == 3);
    uint32_t recognised, posts;
    vkc_op op;
    uint32_t norm_out = f->transposed ? g->nodes[g->tensors[y].producer].inputs[0] : y;
    inspect(g, norm_out, &recognised, &op, &posts);
    CHECK_MSG(recognised == (match ? 1u : 0u), "%s: recognised %u", f->what, recognised);
    if (match && !rest)
        CHECK_MSG(op == VKC_OP_LAYER_NORM, "%s: the chain's output comes from %s", f->what,
                  vkc_op_name(op));
    uint32_t want = match ? 1 + (f->transposed ? 2 : 0) + (rest ? 1 : 0) : 0;
    if (match)
        check(ctx, g, f->what, want);
    else
        failures += kt_check(ctx, g, &fused, 1, f->what);
}

/* ---- GELU -------------------------------------------------------------------------- */

typedef enum gelu_form {
    GELU_PRODUCT_HALF, /* (x * (1 + erf(x / sqrt 2))) * 0.5: torch's own order */
    GELU_X_HALF,       /* (x * 0.5) * (1 + erf(x * (1 / sqrt 2))) */
    GELU_SUM_HALF,     /* x * ((1 + erf(x / sqrt 2)) * 0.5) */
} gelu_form;

static void gelu(vkcnn_context *ctx, gelu_form form, bool by_mul, bool swap, bool after_conv,
                 float half, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    uint32_t x;
    if (after_conv) {
        int64_t xd[4] = {2, 3, 9, 9}, wd[4] = {5, 3, 3, 3}, bd[1] = {5};
        uint32_t in[3] = {kt_tensor(g, "x", 4, xd, false, &s), kt_tensor(g, "w", 4, wd, true, &s),
                          kt_tensor(g, "b", 1, bd, true, &s)};
        vkc_attrs a = kt_attrs(VKC_OP_CONV, 13);
        x = kt_node(g, VKC_OP_CONV, 13, in, 3, &a);
    } else {
        int64_t xd[3] = {4, 7, 33};
        x = kt_tensor(g, "x", 3, xd, false, &s);
        float *v = kt_data(g, x);
        for (uint64_t i = 0; i < g->tensors[x].elements; i++)
            v[i] *= 4;
    }
    uint32_t h = form == GELU_X_HALF ? (swap ? binary(g, VKC_OP_MUL, scalar(g, "h", half, &s), x)
                                             : binary(g, VKC_OP_MUL, x, scalar(g, "h", half, &s)))
                                     : VKC_NONE;
    uint32_t d = by_mul ? (swap ? binary(g, VKC_OP_MUL, scalar(g, "r2", 0.70710677f, &s), x)
                                : binary(g, VKC_OP_MUL, x, scalar(g, "r2", 0.70710677f, &s)))
                        : binary(g, VKC_OP_DIV, x, scalar(g, "s2", 1.4142135f, &s));
    uint32_t e = kt_node(g, VKC_OP_ERF, 13, &d, 1, NULL);
    uint32_t one = scalar(g, "one", 1.0f, &s);
    uint32_t t = swap ? binary(g, VKC_OP_ADD, one, e) : binary(g, VKC_OP_ADD, e, one);
    uint32_t y;
    if (form == GELU_PRODUCT_HALF) {
        uint32_t p = swap ? binary(g, VKC_OP_MUL, t, x) : binary(g, VKC_OP_MUL, x, t);
        uint32_t c = scalar(g, "half", half, &s);
        y = swap ? binary(g, VKC_OP_MUL, c, p) : binary(g, VKC_OP_MUL, p, c);
    } else if (form == GELU_X_HALF) {
        y = swap ? binary(g, VKC_OP_MUL, t, h) : binary(g, VKC_OP_MUL, h, t);
    } else {
        uint32_t c = scalar(g, "half", half, &s);
        uint32_t th = swap ? binary(g, VKC_OP_MUL, c, t) : binary(g, VKC_OP_MUL, t, c);
        y = swap ? binary(g, VKC_OP_MUL, th, x) : binary(g, VKC_OP_MUL, x, th);
    }
    kt_output(g, y);
    static const char *const names[3] = {"(x * s) * 0.5", "(x * 0.5) * s", "x * (s * 0.5)"};
    char what[160];
    snprintf(what, sizeof what, "GELU %s, %s sqrt 2%s%s%s", names[form], by_mul ? "Mul 1 /" : "Div",
             swap ? ", operands swapped" : "", after_conv ? ", after a Conv" : "",
             half != 0.5f ? ", 0.6 (no match)" : "");
    bool match = half == 0.5f;
    uint32_t recognised, posts;
    vkc_op op;
    inspect(g, y, &recognised, &op, &posts);
    CHECK_MSG(recognised == (match ? 1u : 0u), "%s: recognised %u", what, recognised);
    if (match && after_conv)
        CHECK_MSG(op == VKC_OP_CONV && posts == 1, "%s: %s with %u post-ops", what, vkc_op_name(op),
                  posts);
    if (match && !after_conv) CHECK_MSG(op == VKC_OP_GELU, "%s: %s", what, vkc_op_name(op));
    check(ctx, g, what, 1); /* recognised or not, one group */
}

/* ---- A per-channel affine map written per channel ------------------------- */

typedef enum affine_form {
    AFFINE_GOOGLENET,  /* Unsqueeze(Gather(x, i)) * s + t, as torchvision writes it */
    AFFINE_MIXED,      /* index [1] (no Unsqueeze), negative indices, Sub, Div, swaps */
    AFFINE_SWAPPED,    /* channels 1 and 0 concatenated in that order (no match) */
    AFFINE_RECIPROCAL, /* c / x in one channel (no match) */
    AFFINE_VISIBLE,    /* one slice's product also a graph output (no match) */
    AFFINE_OTHER_AXIS, /* slices of axis 1 concatenated along axis 2 (no match) */
} affine_form;

static uint32_t index_of(vkc_graph *g, int64_t v, bool one_element) {
    int64_t dims[1] = {1};
    uint32_t t;
    void *d;
    char name[32];
    snprintf(name, sizeof name, "index%u", g->tensor_count);
    if (vkc_graph_add_tensor(g, name, &t) ||
        vkc_graph_set_shape(g, t, VKC_DTYPE_INT64, one_element ? 1 : 0, dims) ||
        vkc_graph_alloc_data(g, t, &d)) {
        CHECK_MSG(0, "index constant: %s", vkc_error_message());
        return VKC_NONE;
    }
    memcpy(d, &v, sizeof v);
    return t;
}

static void channel_affine(vkcnn_context *ctx, affine_form form, bool conv_after, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    int64_t xd[4] = {2, 3, 15, 17};
    uint32_t x = kt_tensor(g, "x", 4, xd, false, &s), parts[3], visible = VKC_NONE;
    for (int64_t i = 0; i < 3; i++) {
        int64_t c = form == AFFINE_SWAPPED && i < 2 ? 1 - i : i;
        bool mixed = form == AFFINE_MIXED, one = mixed && i == 1;
        vkc_attrs ga = kt_attrs(VKC_OP_GATHER, 13);
        ga.axis = 1;
        uint32_t in[2] = {x, index_of(g, mixed && i == 2 ? c - 3 : c, one)};
        uint32_t v = kt_node(g, VKC_OP_GATHER, 13, in, 2, &ga);
        if (!one) {
            vkc_attrs ua = kt_attrs(VKC_OP_UNSQUEEZE, 13);
            ua.axes = (vkc_axes_attrs){.count = 1, .axes = {1}, .given = true};
            v = kt_node(g, VKC_OP_UNSQUEEZE, 13, &v, 1, &ua);
        }
        float sc = 0.229f / 0.5f + 0.1f * (float)i, sh = (0.485f - 0.5f) / 0.5f + 0.05f * (float)i;
        if (mixed && i == 0) { /* (x - 0.3) / 0.7 * s */
            v = binary(g, VKC_OP_SUB, v, scalar(g, "m", 0.3f, &s));
            v = binary(g, VKC_OP_DIV, v, scalar(g, "d", 0.7f, &s));
            v = binary(g, VKC_OP_MUL, scalar(g, "s", sc, &s), v);
        } else if (mixed && i == 2) { /* 0.25 - x * s */
            v = binary(g, VKC_OP_MUL, v, scalar(g, "s", sc, &s));
            v = binary(g, VKC_OP_SUB, scalar(g, "t", 0.25f, &s), v);
        } else if (form == AFFINE_RECIPROCAL && i == 1) {
            v = binary(g, VKC_OP_DIV, scalar(g, "s", sc, &s), v);
        } else {
            v = binary(g, VKC_OP_MUL, v, scalar(g, "s", sc, &s));
            if (form == AFFINE_VISIBLE && i == 2) visible = v;
            v = mixed ? binary(g, VKC_OP_ADD, scalar(g, "t", sh, &s), v)
                      : binary(g, VKC_OP_ADD, v, scalar(g, "t", sh, &s));
        }
        parts[i] = v;
    }
    vkc_attrs ca = kt_attrs(VKC_OP_CONCAT, 13);
    ca.axis = form == AFFINE_OTHER_AXIS ? 2 : 1;
    uint32_t y = kt_node(g, VKC_OP_CONCAT, 13, parts, 3, &ca);
    if (conv_after) { /* GoogLeNet's stem: 7x7, stride 2, pads 3 */
        int64_t wd[4] = {8, 3, 7, 7}, bd[1] = {8};
        uint32_t in[3] = {y, kt_tensor(g, "w", 4, wd, true, &s),
                          kt_tensor(g, "b", 1, bd, true, &s)};
        vkc_attrs a = kt_attrs(VKC_OP_CONV, 13);
        for (int k = 0; k < 2; k++) {
            a.window.strides[k] = 2;
            a.window.pads[k] = a.window.pads[2 + k] = 3;
        }
        uint32_t conv = kt_node(g, VKC_OP_CONV, 13, in, 3, &a);
        kt_output(g, kt_node(g, VKC_OP_RELU, 13, &conv, 1, NULL));
    } else {
        kt_output(g, y);
    }
    if (visible != VKC_NONE) kt_output(g, visible);
    static const char *const names[] = {"GoogLeNet's form",      "mixed forms",
                                        "channels out of order", "c / x",
                                        "a product also output", "Concat along axis 2"};
    char what[160];
    snprintf(what, sizeof what, "channel affine, %s%s", names[form],
             conv_after ? ", before a 7x7/2 Conv" : "");
    bool match = form == AFFINE_GOOGLENET || form == AFFINE_MIXED;
    uint32_t recognised, posts;
    vkc_op op;
    inspect(g, y, &recognised, &op, &posts);
    CHECK_MSG(recognised == (match ? 1u : 0u), "%s: recognised %u", what, recognised);
    if (match) {
        CHECK_MSG(op == VKC_OP_BATCH_NORM, "%s: the Concat's output comes from %s", what,
                  vkc_op_name(op));
        check(ctx, g, what, conv_after ? 2 : 1);
    } else {
        failures += kt_check(ctx, g, &fused, 1, what);
    }
}

int main(int argc, char **argv) {
    kt_args(argc, argv);
    vkcnn_context *ctx = th_context(NULL, 0, 0);
    const ln_form forms[] = {
        {"LayerNorm, last axis, Pow", 3, {2, 7, 96}, 1, false, false, 1, 1, 2, false, false},
        {"LayerNorm, last 2 axes, Mul(d, d), swapped",
         4,
         {3, 5, 6, 7},
         2,
         true,
         true,
         1,
         1,
         2,
         false,
         false},
        {"LayerNorm, no weight or bias", 2, {4, 33}, 1, false, true, 0, 0, 2, false, false},
        {"LayerNorm, weight only", 2, {4, 33}, 1, false, false, 1, 0, 2, false, false},
        {"LayerNorm, bias of one value only", 2, {4, 33}, 1, false, false, 0, 2, 2, false, false},
        {"LayerNorm between ConvNeXt's Transposes",
         4,
         {2, 24, 5, 6},
         1,
         false,
         false,
         1,
         1,
         2,
         false,
         true},
        {"LayerNorm, weight [1, C] on 2 axes (Mul stays)",
         3,
         {3, 4, 8},
         2,
         false,
         false,
         3,
         0,
         2,
         false,
         false},
        {"LayerNorm-like, Pow(4) (no match)", 2, {4, 33}, 1, false, false, 1, 1, 4, false, false},
        {"LayerNorm, mean also an output (no match)",
         2,
         {4, 33},
         1,
         false,
         false,
         1,
         1,
         2,
         true,
         false},
    };
    uint64_t seed = 0x4ec0000u;
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
        layer_norm(ctx, &forms[i], seed++);
    for (int form = 0; form < 3; form++)
        for (int v = 0; v < 4; v++)
            gelu(ctx, (gelu_form)form, v & 1, v & 2, form == 0 ? v < 2 : v >= 2, 0.5f, seed++);
    gelu(ctx, GELU_PRODUCT_HALF, false, false, true, 0.6f, seed++);
    gelu(ctx, GELU_SUM_HALF, true, true, false, 0.6f, seed++);
    for (int form = AFFINE_GOOGLENET; form <= AFFINE_OTHER_AXIS; form++)
        channel_affine(ctx, (affine_form)form, form != AFFINE_OTHER_AXIS, seed++);
    channel_affine(ctx, AFFINE_GOOGLENET, false, seed++);
    th_destroy(ctx);
    kt_summary("recognise");
    if (failures) fprintf(stderr, "test_recognise: %d failures\n", failures);
    th_failures += failures;
    return th_done("test_passes_recognise");
}
