/* Layout kernels against the reference: Transpose (random permutations,
 * rank 1..6), Concat (every axis, 1..4 inputs, constants among them;
 * inputs written in place at batch 1 and 3), Pad
 * (constant, reflect, edge; negative pads crop), Softmax and LogSoftmax
 * (opset < 13 coerced-2-D and opset 13 single-axis semantics), and the view
 * ops (Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout) chained
 * around computing nodes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kt.h"

static void shape(uint64_t *s, uint32_t rank, int64_t *d, int64_t hi) {
    for (uint32_t i = 0; i < rank; i++)
        d[i] = kt_range(s, 1, hi);
}

static int transpose(vkcnn_context *ctx, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    uint32_t r = (uint32_t)kt_range(&s, 1, 6);
    int64_t d[8];
    shape(&s, r, d, r > 4 ? 3 : 5);
    uint32_t x = kt_tensor(g, "x", r, d, false, &s);
    vkc_attrs a = kt_attrs(VKC_OP_TRANSPOSE, 13);
    a.transpose.count = kt_range(&s, 0, 4) == 0 ? 0 : r; /* 0: reversed axes */
    for (uint32_t i = 0; i < r; i++)
        a.transpose.perm[i] = i;
    for (uint32_t i = r; i > 1; i--) { /* Fisher-Yates */
        uint32_t j = th_rand(&s) % i;
        int64_t t = a.transpose.perm[i - 1];
        a.transpose.perm[i - 1] = a.transpose.perm[j];
        a.transpose.perm[j] = t;
    }
    char what[160], sx[64], sp[64];
    snprintf(what, sizeof what, "Transpose %s perm %s", vkc_shape_string(r, d, sx, sizeof sx),
             a.transpose.count ? vkc_shape_string(r, a.transpose.perm, sp, sizeof sp) : "reversed");
    kt_output(g, kt_node(g, VKC_OP_TRANSPOSE, 13, &x, 1, &a));
    return kt_check(ctx, g, NULL, seed, what);
}

static int concat(vkcnn_context *ctx, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    uint32_t r = (uint32_t)kt_range(&s, 1, 4), count = (uint32_t)kt_range(&s, 1, 4);
    int64_t d[8], axis = kt_range(&s, 0, r - 1);
    shape(&s, r, d, 5);
    uint32_t in[4];
    char what[96];
    for (uint32_t i = 0; i < count; i++) {
        char name[16];
        snprintf(name, sizeof name, "x%u", i);
        d[axis] = kt_range(&s, 1, 4);
        in[i] = kt_tensor(g, name, r, d, i == 1, &s); /* input 1 is a constant */
    }
    vkc_attrs a = kt_attrs(VKC_OP_CONCAT, 13);
    a.axis = kt_range(&s, 0, 1) ? axis : axis - r; /* negative axes too */
    snprintf(what, sizeof what, "Concat rank %u of %u inputs on axis %lld", r, count,
             (long long)a.axis);
    kt_output(g, kt_node(g, VKC_OP_CONCAT, 13, in, count, &a));
    return kt_check(ctx, g, NULL, seed, what);
}

/* A convolution of x to m channels, k x k, stride 1, "same" padding; its
 * weight is named after the graph's tensor count (unique). */
static uint32_t conv_same(vkc_graph *g, uint32_t x, int64_t c, int64_t m, int64_t k, uint64_t *s) {
    int64_t wd[4] = {m, c, k, k};
    char name[16];
    snprintf(name, sizeof name, "w%u", g->tensor_count);
    uint32_t in[2] = {x, kt_tensor(g, name, 4, wd, true, s)};
    vkc_attrs a = kt_attrs(VKC_OP_CONV, 13);
    a.window.group = 1;
    a.window.pad_count = 4;
    for (uint32_t i = 0; i < 2; i++) {
        a.window.strides[i] = a.window.dilations[i] = 1;
        a.window.file_pads[i] = a.window.file_pads[2 + i] = k / 2;
    }
    return kt_node(g, VKC_OP_CONV, 13, in, 2, &a);
}

/* Concat inputs written in place by their producers (runtime/exec,
 * choose_in_place), DenseNet's pattern included: p0 (Relu), p1 (1x1 Conv)
 * and p2 (3x3 Conv) of input x, c1 = Concat(p0, p1, x, p2), c2 = Concat(p2,
 * p0, p1) reading c1's slices, and p0 + p1 read from them too. At batch 1
 * (channel slices contiguous) c1 copies only the graph input x and c2 all
 * three (they live in c1); at batch 2 c1 copies all four. *c1, *c2: the
 * Concat nodes. */
static vkc_graph *in_place_graph(uint64_t seed, int64_t n, uint32_t *c1, uint32_t *c2) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    int64_t c = kt_range(&s, 1, 5), m = kt_range(&s, 1, 5), hw = 4 * kt_range(&s, 1, 2);
    int64_t xd[4] = {n, c, hw, hw};
    uint32_t x = kt_tensor(g, "x", 4, xd, false, &s);
    uint32_t p0 = kt_node(g, VKC_OP_RELU, 13, &x, 1, NULL);
    uint32_t p1 = conv_same(g, x, c, c, 1, &s), p2 = conv_same(g, x, c, m, 3, &s);
    vkc_attrs a = kt_attrs(VKC_OP_CONCAT, 13);
    a.axis = 1;
    uint32_t in1[4] = {p0, p1, x, p2}, in2[3] = {p2, p0, p1}, sum[2] = {p0, p1};
    uint32_t y1 = kt_node(g, VKC_OP_CONCAT, 13, in1, 4, &a);
    uint32_t y2 = kt_node(g, VKC_OP_CONCAT, 13, in2, 3, &a);
    kt_output(g, kt_node(g, VKC_OP_SIGMOID, 13, &y1, 1, NULL));
    kt_output(g, y2);
    kt_output(g, kt_node(g, VKC_OP_ADD, 13, sum, 2, NULL));
    *c1 = y1 == VKC_NONE ? VKC_NONE : g->tensors[y1].producer;
    *c2 = y2 == VKC_NONE ? VKC_NONE : g->tensors[y2].producer;
    return g;
}

/* The copy dispatches of each of `count` nodes of g compiled with o, into
 * copies[]; g is destroyed. */
static vkcnn_status node_copies(vkcnn_context *ctx, vkc_graph *g, const vkc_exec_options *o,
                                const uint32_t *nodes, uint32_t count, uint32_t *copies) {
    vkc_exec *e = NULL;
    vkcnn_status st = vkc_exec_create(ctx, g, o, &e);
    for (uint32_t i = 0, first; !st && i < count; i++)
        vkc_exec_node_dispatches(e, nodes[i], &first, &copies[i]);
    vkc_exec_destroy(e);
    vkc_graph_destroy(g);
    return st;
}

static int concat_in_place(vkcnn_context *ctx, uint64_t seed, int64_t n, bool plan) {
    vkc_exec_options o = {.fusion = true, .plan_memory = plan};
    char what[96];
    snprintf(what, sizeof what, "Concat in place, batch %lld, %s", (long long)n,
             plan ? "planned" : "own buffers");
    if (!kt_selecting()) {
        /* the copies each Concat still dispatches */
        uint32_t c[2], copies[2] = {0, 0};
        vkc_graph *g = in_place_graph(seed, n, &c[0], &c[1]);
        vkcnn_status st = node_copies(ctx, g, &o, c, 2, copies);
        uint32_t want[2] = {n == 1 ? 1 : 4, 3};
        if (st || copies[0] != want[0] || copies[1] != want[1]) {
            fprintf(stderr,
                    "FAIL %s (seed %llu): status %d, copies %u and %u, expected %u and %u\n", what,
                    (unsigned long long)seed, (int)st, copies[0], copies[1], want[0], want[1]);
            th_failures++;
        }
    }
    uint32_t c1, c2;
    return kt_check(ctx, in_place_graph(seed, n, &c1, &c2), &o, seed, what);
}

/* A Concat at batch 3 (axis 1) of every producer kind that writes its
 * slice of each image in place (Y_AT, common.glsl): a 1x1 Conv (conv1x1),
 * a depthwise 3x3 (conv_dw), a 3x3 Conv (Winograd, or the implicit GEMM
 * without it), a MaxPool, a Relu (eltwise), a BatchNormalization
 * (batchnorm), a 5x5 Conv (conv_row where c <= 4); and a Softmax over the
 * channels, whose kernel cannot, so the Concat copies it: one dispatch. */
static vkc_graph *images_graph(uint64_t seed, uint32_t *concat) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    int64_t c = kt_range(&s, 2, 6), hw = 4 * kt_range(&s, 1, 2);
    int64_t xd[4] = {3, c, hw, hw}, dd[4] = {c, 1, 3, 3};
    uint32_t x = kt_tensor(g, "x", 4, xd, false, &s);
    uint32_t in[8];
    in[0] = conv_same(g, x, c, kt_range(&s, 1, 9), 1, &s);
    uint32_t din[2] = {x, kt_tensor(g, "wdw", 4, dd, true, &s)};
    vkc_attrs a = kt_attrs(VKC_OP_CONV, 13);
    a.window.group = c;
    a.window.pad_count = 4;
    for (uint32_t i = 0; i < 4; i++)
        a.window.file_pads[i] = 1;
    in[1] = kt_node(g, VKC_OP_CONV, 13, din, 2, &a);
    in[2] = conv_same(g, x, c, kt_range(&s, 1, 9), 3, &s);
    vkc_attrs p = kt_attrs(VKC_OP_MAX_POOL, 13);
    p.window.has_kernel = true;
    p.window.pad_count = 4;
    for (uint32_t i = 0; i < 2; i++) {
        p.window.kernel[i] = 3;
        p.window.strides[i] = p.window.dilations[i] = 1;
        p.window.file_pads[i] = p.window.file_pads[2 + i] = 1;
    }
    in[3] = kt_node(g, VKC_OP_MAX_POOL, 13, &x, 1, &p);
    in[4] = kt_node(g, VKC_OP_RELU, 13, &x, 1, NULL);
    vkc_attrs sm = kt_attrs(VKC_OP_SOFTMAX, 13);
    sm.softmax.axis = 1;
    in[5] = kt_node(g, VKC_OP_SOFTMAX, 13, &x, 1, &sm);
    vkc_attrs ca = kt_attrs(VKC_OP_CONCAT, 13);
    ca.axis = 1;
    uint32_t bn[5] = {x};
    kt_batch_norm_operands(g, c, 0.25f, &s, bn);
    vkc_attrs ba = kt_attrs(VKC_OP_BATCH_NORM, 13);
    in[6] = kt_node(g, VKC_OP_BATCH_NORM, 13, bn, 5, &ba);
    /* a 5x5 Conv: conv_row.comp by rule on CPU drivers where c <= 4 */
    in[7] = conv_same(g, x, c, kt_range(&s, 1, 9), 5, &s);
    uint32_t y = kt_node(g, VKC_OP_CONCAT, 13, in, 8, &ca);
    kt_output(g, y);
    *concat = y == VKC_NONE ? VKC_NONE : g->tensors[y].producer;
    return g;
}

static int concat_images(vkcnn_context *ctx, uint64_t seed, bool plan, bool winograd) {
    vkc_exec_options o = {.fusion = true, .plan_memory = plan, .winograd = winograd};
    char what[96];
    snprintf(what, sizeof what, "Concat in place at batch 3, %s, %s",
             plan ? "planned" : "own buffers", winograd ? "Winograd" : "no Winograd");
    if (!kt_selecting()) {
        uint32_t concat, first, copies = 0;
        vkc_graph *g = images_graph(seed, &concat);
        uint32_t x = g->inputs[0];
        uint64_t nx = g->tensors[x].elements;
        float *in = malloc(nx * sizeof *in);
        memcpy(in, kt_data(g, x), nx * sizeof *in);
        vkc_exec *e = NULL;
        vkcnn_status st = vkc_exec_create(ctx, g, &o, &e);
        vkc_graph_destroy(g);
        if (!st) vkc_exec_node_dispatches(e, concat, &first, &copies);
        /* check mode reads every node's output, the slices in the images too */
        char report[512] = "";
        if (!st) st = vkc_exec_write(e, x, in, nx);
        if (!st) st = vkc_exec_run(e);
        if (!st) st = vkc_exec_check(e, 1e-3f, 1e-5f, report, sizeof report);
        vkc_exec_destroy(e);
        free(in);
        if (st || copies != 1) {
            fprintf(stderr, "FAIL %s (seed %llu): %s %s, copies %u, expected 1\n", what,
                    (unsigned long long)seed, vkcnn_status_string(st), report, copies);
            th_failures++;
        }
    }
    uint32_t concat;
    return kt_check(ctx, images_graph(seed, &concat), &o, seed, what);
}

/* A Concat that lists one kernel-written input twice, p = Relu(x):
 * Concat(p, x, p) at batch 1. One slice can hold p in place; its second
 * occurrence is copied. */
static int concat_twice(vkcnn_context *ctx, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    int64_t xd[4] = {1, kt_range(&s, 1, 4), 4, kt_range(&s, 1, 5)};
    uint32_t x = kt_tensor(g, "x", 4, xd, false, &s);
    uint32_t p = kt_node(g, VKC_OP_RELU, 13, &x, 1, NULL);
    vkc_attrs a = kt_attrs(VKC_OP_CONCAT, 13);
    a.axis = 1;
    uint32_t in[3] = {p, x, p};
    kt_output(g, kt_node(g, VKC_OP_CONCAT, 13, in, 3, &a));
    vkc_exec_options o = {.fusion = true, .plan_memory = true};
    return kt_check(ctx, g, &o, seed, "Concat(p, x, p) with p in place");
}

/* DenseNet's block: r = Relu(x), then layer i reads c_i = Concat(r, f_1,
 * .., f_(i-1)) (c_1 = r) and writes f_i (a 1x1 or 3x3 Conv), and the block
 * ends in Concat(r, f_1, .., f_L). Each Concat's inputs begin with the
 * previous one's, so at batch 1 every Concat is a prefix of the last one's
 * buffer (choose_in_place's chains) and none copies; at batch 2 all copy.
 * *concats: the Concat nodes, *count of them. */
static vkc_graph *dense_graph(uint64_t seed, int64_t n, uint32_t *concats, uint32_t *count) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    int64_t c = kt_range(&s, 1, 4), growth = kt_range(&s, 1, 4), hw = kt_range(&s, 2, 6);
    uint32_t layers = (uint32_t)kt_range(&s, 2, 5);
    int64_t xd[4] = {n, c, hw, hw};
    uint32_t x = kt_tensor(g, "x", 4, xd, false, &s);
    uint32_t feats[8] = {kt_node(g, VKC_OP_RELU, 13, &x, 1, NULL)};
    vkc_attrs a = kt_attrs(VKC_OP_CONCAT, 13);
    a.axis = 1;
    *count = 0;
    int64_t ch = c;
    for (uint32_t i = 1; i <= layers; i++) {
        uint32_t in = feats[0];
        if (i > 1) {
            in = kt_node(g, VKC_OP_CONCAT, 13, feats, i, &a);
            if (in != VKC_NONE) concats[(*count)++] = g->tensors[in].producer;
        }
        int64_t k = kt_range(&s, 0, 1) ? 3 : 1;
        feats[i] = conv_same(g, in, ch, growth, k, &s);
        ch += growth;
    }
    uint32_t y = kt_node(g, VKC_OP_CONCAT, 13, feats, layers + 1, &a);
    if (y != VKC_NONE) concats[(*count)++] = g->tensors[y].producer;
    kt_output(g, kt_node(g, VKC_OP_SIGMOID, 13, &y, 1, NULL));
    return g;
}

static int concat_dense(vkcnn_context *ctx, uint64_t seed, int64_t n, bool plan) {
    vkc_exec_options o = {.fusion = true, .plan_memory = plan};
    char what[96];
    snprintf(what, sizeof what, "DenseNet block, batch %lld, %s", (long long)n,
             plan ? "planned" : "own buffers");
    uint32_t concats[8], count;
    if (!kt_selecting()) {
        uint32_t copies[8] = {0}, all = 0;
        vkc_graph *g = dense_graph(seed, n, concats, &count);
        vkcnn_status st = node_copies(ctx, g, &o, concats, count, copies);
        for (uint32_t i = 0; i < count; i++)
            all += copies[i];
        if (st || (n == 1 && all != 0) || (n > 1 && all == 0)) {
            fprintf(stderr, "FAIL %s (seed %llu): status %d, %u copies in %u Concats\n", what,
                    (unsigned long long)seed, (int)st, all, count);
            th_failures++;
        }
    }
    return kt_check(ctx, dense_graph(seed, n, concats, &count), &o, seed, what);
}

static int pad(vkcnn_context *ctx, vkc_pad_mode mode, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    uint32_t r = (uint32_t)kt_range(&s, 1, 4);
    int64_t d[8];
    shape(&s, r, d, 6);
    vkc_attrs a = kt_attrs(VKC_OP_PAD, 13);
    a.pad.mode = mode;
    a.pad.value = 0.75f;
    a.pad.pads_given = true;
    a.pad.pad_count = 2 * r;
    for (uint32_t i = 0; i < r; i++) {
        if (mode == VKC_PAD_REFLECT && d[i] < 3) d[i] = 3;
        int64_t lim = mode == VKC_PAD_REFLECT ? d[i] - 1 : 3;
        a.pad.pads[i] = kt_range(&s, -1, lim);
        a.pad.pads[r + i] = kt_range(&s, -1, lim);
        if (a.pad.pads[i] < 0 && a.pad.pads[r + i] < 0 && d[i] < 3)
            d[i] = 3; /* room to crop both ends */
    }
    uint32_t x = kt_tensor(g, "x", r, d, false, &s);
    char what[160], sx[64], sp[128];
    snprintf(what, sizeof what, "Pad mode %d %s pads %s", (int)mode,
             vkc_shape_string(r, d, sx, sizeof sx),
             vkc_shape_string(2 * r, a.pad.pads, sp, sizeof sp));
    kt_output(g, kt_node(g, VKC_OP_PAD, 13, &x, 1, &a));
    return kt_check(ctx, g, NULL, seed, what);
}

static int softmax(vkcnn_context *ctx, vkc_op op, int opset, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    uint32_t r = (uint32_t)kt_range(&s, 1, 4);
    int64_t d[8];
    shape(&s, r, d, 7);
    uint32_t x = kt_tensor(g, "x", r, d, false, &s);
    float *v = kt_data(g, x);
    for (uint64_t i = 0; i < g->tensors[x].elements; i++)
        v[i] *= 10.0f;
    vkc_attrs a = kt_attrs(op, opset);
    a.softmax.axis = kt_range(&s, -(int64_t)r, r - 1);
    char what[128], sx[64];
    snprintf(what, sizeof what, "%s opset %d %s axis %lld", vkc_op_name(op), opset,
             vkc_shape_string(r, d, sx, sizeof sx), (long long)a.softmax.axis);
    kt_output(g, kt_node(g, op, opset, &x, 1, &a));
    return kt_check(ctx, g, NULL, seed, what);
}

/* x [2,3,4,5] -> Reshape [6,20] -> Relu -> Flatten(axis 0) -> Unsqueeze [0]
 * -> Squeeze -> Identity -> Dropout -> Sigmoid; every tensor an output, and
 * a view of the graph input an output too. */
static int views(vkcnn_context *ctx, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    int64_t d[4] = {2, 3, 4, 5};
    uint32_t x = kt_tensor(g, "x", 4, d, false, &s);
    vkc_attrs a = kt_attrs(VKC_OP_RESHAPE, 13);
    a.reshape = (vkc_reshape_attrs){.count = 2, .shape = {6, -1}, .given = true};
    uint32_t t = kt_node(g, VKC_OP_RESHAPE, 13, &x, 1, &a);
    kt_output(g, t);
    t = kt_node(g, VKC_OP_RELU, 13, &t, 1, NULL);
    a = kt_attrs(VKC_OP_FLATTEN, 13);
    a.axis = 0;
    t = kt_node(g, VKC_OP_FLATTEN, 13, &t, 1, &a);
    a = kt_attrs(VKC_OP_UNSQUEEZE, 13);
    a.axes = (vkc_axes_attrs){.count = 1, .axes = {0}, .given = true};
    t = kt_node(g, VKC_OP_UNSQUEEZE, 13, &t, 1, &a);
    kt_output(g, t);
    t = kt_node(g, VKC_OP_SQUEEZE, 13, &t, 1, NULL);
    t = kt_node(g, VKC_OP_IDENTITY, 13, &t, 1, NULL);
    t = kt_node(g, VKC_OP_DROPOUT, 13, &t, 1, NULL);
    kt_output(g, t);
    kt_output(g, kt_node(g, VKC_OP_SIGMOID, 13, &t, 1, NULL));
    return kt_check(ctx, g, NULL, seed, "views around Relu and Sigmoid");
}

int main(int argc, char **argv) {
    kt_args(argc, argv);
    vkcnn_context *ctx = th_context(NULL, 0, 0);
    uint64_t seed = 5000;
    for (unsigned i = 0; i < 12; i++)
        transpose(ctx, 0x7a000u + i);
    for (unsigned i = 0; i < 12; i++)
        concat(ctx, 0xc0000u + i);
    for (unsigned i = 0; i < 8; i++)
        concat_in_place(ctx, 0x1c0000u + i, i % 4 < 2 ? 1 : 2, i % 2);
    for (unsigned i = 0; i < 4; i++)
        concat_images(ctx, 0x1a0000u + i, i % 2, i / 2);
    for (unsigned i = 0; i < 4; i++)
        concat_twice(ctx, 0x2c0000u + i);
    for (unsigned i = 0; i < 6; i++)
        concat_dense(ctx, 0xde0000u + i, i % 3 == 2 ? 2 : 1, i % 2 == 0);
    /* every Conv as the implicit GEMM, in both blockings (its two stores) */
    const char *igemm[2] = {"conv=igemm/8x4/rows", "conv=igemm/8x2/cols"};
    for (unsigned i = 0; i < 2; i++) {
        kt_override(igemm[i]);
        concat_images(ctx, 0x1a0010u + i, true, false);
    }
    kt_override(NULL);
    for (unsigned i = 0; i < 12; i++)
        pad(ctx, (vkc_pad_mode)(i % 3), 0xad000u + i);
    for (unsigned i = 0; i < 12; i++)
        softmax(ctx, i % 2 ? VKC_OP_LOG_SOFTMAX : VKC_OP_SOFTMAX, i % 4 < 2 ? 11 : 13,
                0x50f000u + i);
    views(ctx, seed++);
    th_destroy(ctx);
    kt_summary("layout");
    return th_done("test_kernel_layout");
}
