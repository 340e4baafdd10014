/* Layout kernels against the reference: Transpose (random permutations,
 * rank 1..6), Concat (every axis, 1..4 inputs, constants among them), Pad
 * (constant, reflect, edge; negative pads crop), Softmax and LogSoftmax
 * (opset < 13 coerced-2-D and opset 13 single-axis semantics), and the view
 * ops (Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout) chained
 * around computing nodes. */
#include <stdio.h>
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
