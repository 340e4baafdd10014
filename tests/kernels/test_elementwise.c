/* Elementwise kernels against the reference: activations (Relu, LeakyRelu,
 * Clip with both, one or no bounds, Sigmoid, Tanh over a wide range),
 * Add/Sub/Mul/Div with random numpy broadcasting up to rank 8, PRelu slope
 * shapes, BatchNormalization on rank 2, 3 and 4; every other operator of
 * the elementwise family (op_table.h) over its domain, standalone and fused
 * into a Conv's epilogue, Pow with negative bases and integral exponents,
 * and the variadic Min/Max/Sum/Mean with broadcasting and any arity. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kt.h"

static int unary_shape(vkcnn_context *ctx, vkc_op op, const vkc_attrs *a, float scale,
                       const int64_t *d, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    uint32_t x = kt_tensor(g, "x", 4, d, false, &s);
    float *v = kt_data(g, x);
    for (uint64_t i = 0; i < g->tensors[x].elements; i++)
        v[i] *= scale;
    kt_output(g, kt_node(g, op, 13, &x, 1, a));
    char what[96];
    snprintf(what, sizeof what, "%s of %llu elements (inputs in +-%g)", vkc_op_name(op),
             (unsigned long long)g->tensors[x].elements, (double)scale);
    return kt_check(ctx, g, NULL, seed, what);
}

static int unary(vkcnn_context *ctx, vkc_op op, const vkc_attrs *a, float scale, uint64_t seed) {
    int64_t d[4] = {3, 5, 7, 9};
    return unary_shape(ctx, op, a, scale, d, seed);
}

/* Random broadcast pair: a shape of rank r, and b built from it by dropping
 * leading axes and setting some axes to 1 (and maybe swapping the roles). */
static int binary(vkcnn_context *ctx, vkc_op op, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    uint32_t r = (uint32_t)kt_range(&s, 1, 8);
    int64_t full[8], ad[8], bd[8];
    uint64_t total = 1;
    for (uint32_t i = 0; i < r; i++) {
        full[i] = kt_range(&s, 1, total > 2000 ? 1 : 4);
        total *= (uint64_t)full[i];
    }
    uint32_t ar = r, br = (uint32_t)kt_range(&s, 0, r);
    for (uint32_t i = 0; i < ar; i++)
        ad[i] = kt_range(&s, 0, 3) == 0 ? 1 : full[i];
    for (uint32_t i = 0; i < br; i++)
        bd[i] = kt_range(&s, 0, 2) == 0 ? 1 : full[r - br + i];
    bool swap = kt_range(&s, 0, 1);
    bool b_const = kt_range(&s, 0, 1);
    uint32_t ta = kt_tensor(g, "a", swap ? br : ar, swap ? bd : ad, false, &s);
    uint32_t tb = kt_tensor(g, "b", swap ? ar : br, swap ? ad : bd, b_const, &s);
    if (op == VKC_OP_DIV) { /* keep divisors away from 0 */
        float *v = kt_data(g, tb);
        for (uint64_t i = 0; i < g->tensors[tb].elements; i++)
            v[i] = v[i] < 0 ? v[i] - 0.5f : v[i] + 0.5f;
    }
    char what[200], sa[80], sb[80];
    snprintf(what, sizeof what, "%s %s x %s", vkc_op_name(op),
             vkc_shape_string(g->tensors[ta].rank, g->tensors[ta].dims, sa, sizeof sa),
             vkc_shape_string(g->tensors[tb].rank, g->tensors[tb].dims, sb, sizeof sb));
    uint32_t in[2] = {ta, tb};
    kt_output(g, kt_node(g, op, 13, in, 2, NULL));
    return kt_check(ctx, g, NULL, seed, what);
}

static int prelu(vkcnn_context *ctx, uint32_t sr, const int64_t *sd, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    int64_t xd[4] = {3, 4, 5, 6};
    char what[96], ss[64];
    uint32_t in[2] = {kt_tensor(g, "x", 4, xd, false, &s), kt_tensor(g, "slope", sr, sd, true, &s)};
    snprintf(what, sizeof what, "PRelu slope %s", vkc_shape_string(sr, sd, ss, sizeof ss));
    kt_output(g, kt_node(g, VKC_OP_PRELU, 13, in, 2, NULL));
    return kt_check(ctx, g, NULL, seed, what);
}

static int batch_norm(vkcnn_context *ctx, uint32_t rank, const int64_t *xd, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    uint32_t in[5] = {kt_tensor(g, "x", rank, xd, false, &s)};
    kt_batch_norm_operands(g, xd[1], 0.1f, &s, in);
    vkc_attrs a = kt_attrs(VKC_OP_BATCH_NORM, 13);
    a.epsilon = 1e-3f;
    char what[96], sx[64];
    snprintf(what, sizeof what, "BatchNormalization %s", vkc_shape_string(rank, xd, sx, sizeof sx));
    kt_output(g, kt_node(g, VKC_OP_BATCH_NORM, 13, in, 5, &a));
    return kt_check(ctx, g, NULL, seed, what);
}

/* A batch norm that no Conv takes, with fused post-ops (the batch norm is
 * an anchor, batchnorm.comp's epilogue): post 0 none, 1 Relu (DenseNet's),
 * 2 Relu then an Add of a graph input of X's shape (ELEMENT), 3 a Mul by
 * a graph input of one value per image and channel (IMAGE_CHANNEL), then
 * Relu. Random N x C x H x W, spatial sizes with and without SP % 4 == 0
 * and not dividing the 16-element chunks; one dispatch, or the check fails.
 * in_slice: that shape instead, the result concatenated after Relu(z) of
 * 2 channels (the batch norm stores into its slice: 2 dispatches). */
static int batch_norm_fused(vkcnn_context *ctx, int post, const int64_t *in_slice, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    int64_t xd[4] = {kt_range(&s, 0, 1) ? 3 : 1, kt_range(&s, 1, 9), kt_range(&s, 1, 9),
                     kt_range(&s, 1, 13)};
    if (in_slice) memcpy(xd, in_slice, sizeof xd);
    int64_t sd[4] = {xd[0], xd[1], 1, 1};
    uint32_t in[5] = {kt_tensor(g, "x", 4, xd, false, &s)};
    kt_batch_norm_operands(g, xd[1], 0.1f, &s, in);
    vkc_attrs a = kt_attrs(VKC_OP_BATCH_NORM, 13);
    a.epsilon = 1e-5f;
    uint32_t t = kt_node(g, VKC_OP_BATCH_NORM, 13, in, 5, &a);
    if (post == 3) {
        uint32_t m[2] = {t, kt_tensor(g, "se", 4, sd, false, &s)};
        t = kt_node(g, VKC_OP_MUL, 13, m, 2, NULL);
    }
    if (post > 0) t = kt_node(g, VKC_OP_RELU, 13, &t, 1, NULL);
    if (post == 2) {
        uint32_t r[2] = {t, kt_tensor(g, "res", 4, xd, false, &s)};
        t = kt_node(g, VKC_OP_ADD, 13, r, 2, NULL);
    }
    uint32_t dispatches = 1;
    if (in_slice) { /* Concat(Relu(z), t): t stored into its slice, images Y_GAP apart */
        int64_t zd[4] = {xd[0], 2, xd[2], xd[3]};
        uint32_t cat[2] = {kt_tensor(g, "z", 4, zd, false, &s), t};
        cat[0] = kt_node(g, VKC_OP_RELU, 13, &cat[0], 1, NULL);
        vkc_attrs ca = kt_attrs(VKC_OP_CONCAT, 13);
        ca.axis = 1;
        t = kt_node(g, VKC_OP_CONCAT, 13, cat, 2, &ca);
        dispatches = 2;
    }
    kt_output(g, t);
    static const char *const posts[4] = {"", " + Relu", " + Relu + Add", " * scale + Relu"};
    char what[96], sx[64];
    snprintf(what, sizeof what, "BatchNormalization %s%s fused%s",
             vkc_shape_string(4, xd, sx, sizeof sx), posts[post],
             in_slice ? ", into a Concat's slice" : "");
    vkc_exec_options o = {.fusion = true, .plan_memory = true};
    vkc_exec *e = NULL;
    if (!kt_selecting()) {
        vkcnn_status st = vkc_exec_create(ctx, g, &o, &e);
        uint32_t count = st ? 0 : vkc_exec_dispatch_count(e);
        vkc_exec_destroy(e);
        if (st || count != dispatches) {
            fprintf(stderr, "FAIL %s (seed %llu): status %d, %u dispatches, expected %u\n", what,
                    (unsigned long long)seed, (int)st, count, dispatches);
            th_failures++;
        }
    }
    return kt_check(ctx, g, &o, seed, what);
}

/* Every unary operator of the family beyond the first activations: the
 * input range and parameters each is tested with, standalone and as the
 * post-op of a Conv (the same GLSL function in both). */
typedef struct unary_case {
    vkc_op op;
    float lo, hi; /* inputs uniform in [lo, hi) */
    float p[3];   /* alpha, beta, gamma; all zero: the defaults */
    bool halves;  /* some inputs exactly k + 0.5 (Round's ties) */
} unary_case;

static const unary_case unary_cases[] = {
    {VKC_OP_ABS, -3, 3, {0}, false},
    {VKC_OP_NEG, -3, 3, {0}, false},
    {VKC_OP_EXP, -8, 8, {0}, false},
    {VKC_OP_LOG, 0.01f, 50, {0}, false},
    {VKC_OP_SQRT, 0, 50, {0}, false},
    {VKC_OP_RECIPROCAL, 0.1f, 4, {0}, false},
    {VKC_OP_FLOOR, -5, 5, {0}, true},
    {VKC_OP_CEIL, -5, 5, {0}, true},
    {VKC_OP_ROUND, -5, 5, {0}, true},
    {VKC_OP_SIGN, -2, 2, {0}, false},
    {VKC_OP_ERF, -3, 3, {0}, false},
    {VKC_OP_ERF, -0.06f, 0.06f, {0}, false},
    {VKC_OP_SIN, -10, 10, {0}, false},
    {VKC_OP_COS, -10, 10, {0}, false},
    {VKC_OP_SOFTPLUS, -40, 40, {0}, false},
    {VKC_OP_SOFTSIGN, -5, 5, {0}, false},
    {VKC_OP_ELU, -4, 4, {0}, false},
    {VKC_OP_ELU, -4, 4, {0.7f}, false},
    {VKC_OP_SELU, -4, 4, {0}, false},
    {VKC_OP_CELU, -4, 4, {1.5f}, false},
    {VKC_OP_THRESHOLDED_RELU, -2, 2, {0.3f}, false},
    {VKC_OP_HARD_SIGMOID, -6, 6, {0}, false},
    {VKC_OP_HARD_SIGMOID, -6, 6, {0.3f, 0.4f}, false},
    {VKC_OP_HARD_SWISH, -5, 5, {0}, false},
};

static vkc_attrs case_attrs(const unary_case *k) {
    vkc_attrs a = kt_attrs(k->op, 14);
    if (k->p[0] != 0 || k->p[1] != 0 || k->p[2] != 0) {
        a.elt.alpha = k->p[0];
        if (k->p[1] != 0) a.elt.beta = k->p[1];
        if (k->p[2] != 0) a.elt.gamma = k->p[2];
    }
    return a;
}

/* Fills t with values uniform in [lo, hi) (every eighth a tie k + 0.5 when
 * `halves`). */
static void fill(vkc_graph *g, uint32_t t, float lo, float hi, bool halves) {
    float *v = kt_data(g, t);
    for (uint64_t i = 0; i < g->tensors[t].elements; i++) {
        v[i] = lo + (v[i] + 1.0f) * 0.5f * (hi - lo);
        if (halves && i % 8 == 0) v[i] = floorf(v[i]) + 0.5f;
    }
}

static int unary_case_run(vkcnn_context *ctx, const unary_case *k, bool fused, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    vkc_attrs a = case_attrs(k);
    char what[160];
    uint32_t x;
    if (fused) { /* a 1x1 conv of one channel and weight 1: the conv's output is x */
        int64_t xd[4] = {2, 3, 7, 9}, wd[4] = {3, 3, 1, 1};
        uint32_t in[3] = {kt_tensor(g, "x", 4, xd, false, &s), kt_tensor(g, "w", 4, wd, true, &s),
                          VKC_NONE};
        fill(g, in[0], k->lo, k->hi, k->halves);
        float *w = kt_data(g, in[1]);
        for (int i = 0; i < 9; i++)
            w[i] = i % 4 == 0 ? 1.0f : 0.0f; /* identity */
        vkc_attrs ca = kt_attrs(VKC_OP_CONV, 13);
        x = kt_node(g, VKC_OP_CONV, 13, in, 3, &ca);
    } else {
        int64_t xd[3] = {5, 7, 11};
        x = kt_tensor(g, "x", 3, xd, false, &s);
        fill(g, x, k->lo, k->hi, k->halves);
    }
    kt_output(g, kt_node(g, k->op, 14, &x, 1, &a));
    snprintf(what, sizeof what, "%s%s, inputs in [%g, %g)", vkc_op_name(k->op),
             fused ? " fused after a Conv" : "", (double)k->lo, (double)k->hi);
    static const vkc_exec_options fusion = {.fusion = true};
    return kt_check(ctx, g, fused ? &fusion : NULL, seed, what);
}

/* Pow: positive bases with any exponent, negative bases with integral
 * exponents (broadcast), and exponent 2 (computed exactly). */
static int power(vkcnn_context *ctx, int form, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    int64_t xd[3] = {4, 5, 6}, ed[2] = {5, 1}, one[1] = {1};
    uint32_t in[2] = {kt_tensor(g, "x", 3, xd, false, &s),
                      kt_tensor(g, "e", form == 2 ? 1 : 2, form == 2 ? one : ed, true, &s)};
    float *x = kt_data(g, in[0]), *e = kt_data(g, in[1]);
    for (uint64_t i = 0; i < g->tensors[in[0]].elements; i++)
        x[i] = form == 0 ? fabsf(x[i]) * 3 + 0.05f : x[i] * 3;
    for (uint64_t i = 0; i < g->tensors[in[1]].elements; i++)
        e[i] = form == 0 ? e[i] * 3 : form == 1 ? (float)((int)i % 7 - 3) : 2.0f;
    kt_output(g, kt_node(g, VKC_OP_POW, 13, in, 2, NULL));
    static const char *const what[3] = {"Pow, positive bases", "Pow, integral exponents",
                                        "Pow, exponent 2"};
    return kt_check(ctx, g, NULL, seed, what[form]);
}

/* Min, Max, Sum, Mean over `count` inputs of random broadcast shapes. */
static int variadic(vkcnn_context *ctx, vkc_op op, uint32_t count, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    int64_t full[4] = {2, 3, 4, 5};
    uint32_t in[12];
    static const char *const names[12] = {"a", "b", "c", "d", "e", "f",
                                          "g", "h", "i", "j", "k", "l"};
    for (uint32_t i = 0; i < count; i++) {
        uint32_t r = (uint32_t)kt_range(&s, 1, 4);
        int64_t d[4];
        for (uint32_t k = 0; k < r; k++)
            d[k] = kt_range(&s, 0, 2) == 0 ? 1 : full[4 - r + k];
        in[i] = kt_tensor(g, names[i], r, d, kt_range(&s, 0, 3) == 0, &s);
    }
    kt_output(g, kt_node(g, op, 13, in, count, NULL));
    char what[96];
    snprintf(what, sizeof what, "%s of %u broadcast inputs", vkc_op_name(op), count);
    return kt_check(ctx, g, NULL, seed, what);
}

int main(int argc, char **argv) {
    kt_args(argc, argv);
    vkcnn_context *ctx = th_context(NULL, 0, 0);
    uint64_t seed = 4000;
    unary(ctx, VKC_OP_RELU, NULL, 1.0f, seed++);
    vkc_attrs a = kt_attrs(VKC_OP_LEAKY_RELU, 13);
    a.elt.alpha = 0.1f;
    unary(ctx, VKC_OP_LEAKY_RELU, &a, 1.0f, seed++);
    a = kt_attrs(VKC_OP_CLIP, 13);
    a.clip.min = -0.25f;
    a.clip.max = 0.5f;
    unary(ctx, VKC_OP_CLIP, &a, 1.0f, seed++);
    a.clip.max = INFINITY;
    unary(ctx, VKC_OP_CLIP, &a, 1.0f, seed++);
    a.clip.min = -INFINITY;
    a.clip.max = 0.0f;
    unary(ctx, VKC_OP_CLIP, &a, 1.0f, seed++);
    a.clip.max = INFINITY;
    unary(ctx, VKC_OP_CLIP, &a, 1.0f, seed++);
    unary(ctx, VKC_OP_SIGMOID, NULL, 1.0f, seed++);
    unary(ctx, VKC_OP_SIGMOID, NULL, 40.0f, seed++);
    unary(ctx, VKC_OP_TANH, NULL, 1.0f, seed++);
    unary(ctx, VKC_OP_TANH, NULL, 40.0f, seed++);
    /* more groups than maxComputeWorkGroupCount[0] (65535 on lavapipe): 2-D grid */
    int64_t big[4] = {1, 5, 1024, 1024};
    unary_shape(ctx, VKC_OP_RELU, NULL, 1.0f, big, seed++);
    static const vkc_op ops[4] = {VKC_OP_ADD, VKC_OP_SUB, VKC_OP_MUL, VKC_OP_DIV};
    for (unsigned i = 0; i < 32; i++)
        binary(ctx, ops[i % 4], 0xb1a0000u + i);
    int64_t s1[1] = {1}, s411[3] = {4, 1, 1}, s6[1] = {6}, s56[2] = {5, 6}, s3456[4] = {3, 4, 5, 6};
    prelu(ctx, 1, s1, seed++);
    prelu(ctx, 3, s411, seed++);
    prelu(ctx, 1, s6, seed++);
    prelu(ctx, 2, s56, seed++);
    prelu(ctx, 4, s3456, seed++);
    int64_t x2[2] = {3, 10}, x3[3] = {3, 4, 7}, x4[4] = {1, 8, 5, 5};
    batch_norm(ctx, 2, x2, seed++);
    batch_norm(ctx, 3, x3, seed++);
    batch_norm(ctx, 4, x4, seed++);
    for (unsigned i = 0; i < 16; i++)
        batch_norm_fused(ctx, (int)(i % 4), NULL, 0xb40000u + i);
    /* planes of 24 (vectors of 8), 20 and 12 elements (of 4), 3 images */
    static const int64_t slices[3][4] = {{3, 5, 6, 4}, {3, 4, 5, 4}, {3, 3, 2, 6}};
    for (unsigned i = 0; i < 6; i++)
        batch_norm_fused(ctx, (int)(i % 2), slices[i % 3], 0xb41000u + i);
    for (size_t i = 0; i < sizeof unary_cases / sizeof unary_cases[0]; i++)
        for (int fused = 0; fused < 2; fused++)
            unary_case_run(ctx, &unary_cases[i], fused, 0xe170000u + i * 2 + (uint64_t)fused);
    for (int form = 0; form < 3; form++)
        power(ctx, form, 0x90e0000u + (uint64_t)form);
    static const vkc_op vops[4] = {VKC_OP_MIN, VKC_OP_MAX, VKC_OP_SUM, VKC_OP_MEAN};
    static const uint32_t arity[4] = {1, 2, 3, 11};
    for (unsigned i = 0; i < 16; i++)
        variadic(ctx, vops[i % 4], arity[i / 4], 0xa710000u + i);
    th_destroy(ctx);
    kt_summary("elementwise");
    return th_done("test_kernel_elementwise");
}
