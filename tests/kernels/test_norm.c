/* Normalization kernels (shaders/norm.comp) against the reference, under
 * the validation layer:
 * - LayerNormalization over the last axis and over several (negative axis,
 *   axis 0), rows of 1 to 3000 elements (held in registers, or statistics
 *   then an apply pass; a subgroup, a lane group or a whole workgroup per
 *   row, and again with the shared-memory tree only), Scale and B of the
 *   normalized shape, of one value, as constants or graph inputs, B absent,
 *   and a large offset (the variance is taken about the mean); its Mean and
 *   InvStdDev outputs;
 * - InstanceNormalization on 1-D, 2-D and 3-D spatial data;
 * - GroupNormalization-18 (scale and bias per group) and -21 (per channel),
 *   one group, one channel per group, rank 2;
 * - LpNormalization, p 1 and 2, along the last, first and a middle axis;
 * - refusals naming their fault: a Scale broadcast other than whole or one
 *   value, groups that do not divide the channels, a missing Scale.
 * Tolerance: kt.h's (max |diff| <= 1e-4 max |ref| + 1e-5). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "kt.h"

/* Adds `offset` to every value of t (a mean far from 0). */
static void shift(vkc_graph *g, uint32_t t, float offset) {
    float *v = kt_data(g, t);
    for (uint64_t i = 0; i < g->tensors[t].elements; i++)
        v[i] += offset;
}

typedef struct layer_case {
    uint32_t rank;
    int64_t dims[VKC_MAX_RANK];
    int64_t axis;
    int scale; /* 0: normalized shape, 1: one value, 2: [1, normalized] */
    int bias;  /* 0: normalized shape, 1: one value, 2: absent */
    bool runtime_params;
    float offset;
    uint32_t output; /* 0 Y, 1 Mean, 2 InvStdDev */
} layer_case;

static int layer_norm(vkcnn_context *ctx, const layer_case *k, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    uint32_t x = kt_tensor(g, "x", k->rank, k->dims, false, &s);
    shift(g, x, k->offset);
    uint32_t axis = (uint32_t)(k->axis < 0 ? k->axis + k->rank : k->axis);
    int64_t pd[VKC_MAX_RANK + 1] = {1}, one[1] = {1};
    uint32_t pr = k->rank - axis;
    memcpy(pd + 1, k->dims + axis, pr * sizeof pd[0]);
    bool c = !k->runtime_params;
    uint32_t in[3];
    in[0] = x;
    in[1] = k->scale == 1   ? kt_tensor(g, "scale", 1, one, c, &s)
            : k->scale == 2 ? kt_tensor(g, "scale", pr + 1, pd, c, &s)
                            : kt_tensor(g, "scale", pr, pd + 1, c, &s);
    in[2] = k->bias == 2   ? VKC_NONE
            : k->bias == 1 ? kt_tensor(g, "bias", 1, one, c, &s)
                           : kt_tensor(g, "bias", pr, pd + 1, c, &s);
    vkc_attrs a = kt_attrs(VKC_OP_LAYER_NORM, 17);
    a.norm.axis = k->axis;
    a.norm.epsilon = 1e-3f;
    a.norm.output = k->output;
    kt_output(g, kt_node(g, VKC_OP_LAYER_NORM, 17, in, k->bias == 2 ? 2 : 3, &a));
    char what[200], sx[96];
    static const char *const forms[3] = {"normalized shape", "one value", "[1, normalized]"};
    static const char *const outputs[3] = {"", ", output Mean", ", output InvStdDev"};
    snprintf(what, sizeof what, "LayerNormalization %s axis %lld, scale %s, bias %s%s, +%g%s",
             vkc_shape_string(k->rank, k->dims, sx, sizeof sx), (long long)k->axis, forms[k->scale],
             k->bias == 2 ? "absent" : forms[k->bias],
             k->runtime_params ? ", run-time parameters" : "", (double)k->offset,
             outputs[k->output]);
    return kt_check(ctx, g, NULL, seed, what);
}

/* InstanceNormalization (groups 0) or GroupNormalization at `opset`. */
static int channel_norm(vkcnn_context *ctx, uint32_t rank, const int64_t *dims, int64_t groups,
                        int opset, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    vkc_op op = groups ? VKC_OP_GROUP_NORM : VKC_OP_INSTANCE_NORM;
    int64_t pd[1] = {groups && opset < 21 ? groups : dims[1]};
    uint32_t in[3] = {kt_tensor(g, "x", rank, dims, false, &s),
                      kt_tensor(g, "scale", 1, pd, true, &s),
                      kt_tensor(g, "bias", 1, pd, true, &s)};
    shift(g, in[0], 0.5f);
    vkc_attrs a = kt_attrs(op, opset);
    a.norm.epsilon = 1e-4f;
    a.norm.groups = groups;
    a.norm.per_group = groups && opset < 21;
    kt_output(g, kt_node(g, op, opset, in, 3, &a));
    char what[160], sx[96], sg[32] = "";
    if (groups) snprintf(sg, sizeof sg, ", groups %lld", (long long)groups);
    snprintf(what, sizeof what, "%s-%d %s%s", vkc_op_name(op), opset,
             vkc_shape_string(rank, dims, sx, sizeof sx), sg);
    return kt_check(ctx, g, NULL, seed, what);
}

static int lp_norm(vkcnn_context *ctx, uint32_t rank, const int64_t *dims, int64_t axis, int64_t p,
                   uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    uint32_t x = kt_tensor(g, "x", rank, dims, false, &s);
    vkc_attrs a = kt_attrs(VKC_OP_LP_NORM, 1);
    a.norm.axis = axis;
    a.norm.p = p;
    kt_output(g, kt_node(g, VKC_OP_LP_NORM, 1, &x, 1, &a));
    char what[160], sx[96];
    snprintf(what, sizeof what, "LpNormalization %s axis %lld p %lld",
             vkc_shape_string(rank, dims, sx, sizeof sx), (long long)axis, (long long)p);
    return kt_check(ctx, g, NULL, seed, what);
}

/* Infers op over `inputs` and expects `want` with `needle` in the message;
 * destroys g. */
static void refuse(vkc_graph *g, vkc_op op, int opset, const uint32_t *inputs, uint32_t count,
                   const vkc_attrs *a, vkcnn_status want, const char *needle) {
    uint32_t n, y;
    vkcnn_status st = vkc_graph_add_node(g, op, opset, "r", count, 1, &n);
    if (!st) {
        g->nodes[n].attrs = *a;
        memcpy(g->nodes[n].inputs, inputs, count * sizeof *inputs);
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
    uint64_t s = 99;
    int64_t xd[3] = {2, 4, 5}, sd[2] = {1, 5}, cd[4] = {1, 6, 3, 3}, gd[1] = {6};
    { /* Scale [1, 5] against the normalized [4, 5]: a broadcast the kernel does not read */
        vkc_graph *g = kt_graph();
        uint32_t in[2] = {kt_tensor(g, "x", 3, xd, false, &s),
                          kt_tensor(g, "odd_scale", 2, sd, true, &s)};
        vkc_attrs a = kt_attrs(VKC_OP_LAYER_NORM, 17);
        a.norm.axis = 1;
        refuse(g, VKC_OP_LAYER_NORM, 17, in, 2, &a, VKCNN_ERROR_UNSUPPORTED, "'odd_scale'");
    }
    { /* Scale [4] does not broadcast to [5] */
        vkc_graph *g = kt_graph();
        int64_t bad[1] = {4};
        uint32_t in[2] = {kt_tensor(g, "x", 3, xd, false, &s),
                          kt_tensor(g, "bad_scale", 1, bad, true, &s)};
        vkc_attrs a = kt_attrs(VKC_OP_LAYER_NORM, 17);
        refuse(g, VKC_OP_LAYER_NORM, 17, in, 2, &a, VKCNN_ERROR_INVALID_MODEL, "'bad_scale'");
    }
    { /* no Scale */
        vkc_graph *g = kt_graph();
        uint32_t in[2] = {kt_tensor(g, "x", 3, xd, false, &s), VKC_NONE};
        vkc_attrs a = kt_attrs(VKC_OP_LAYER_NORM, 17);
        refuse(g, VKC_OP_LAYER_NORM, 17, in, 2, &a, VKCNN_ERROR_INVALID_MODEL, "'Scale'");
    }
    { /* 4 groups of 6 channels */
        vkc_graph *g = kt_graph();
        uint32_t in[3] = {kt_tensor(g, "x", 4, cd, false, &s), kt_tensor(g, "s", 1, gd, true, &s),
                          kt_tensor(g, "b", 1, gd, true, &s)};
        vkc_attrs a = kt_attrs(VKC_OP_GROUP_NORM, 21);
        a.norm.groups = 4;
        refuse(g, VKC_OP_GROUP_NORM, 21, in, 3, &a, VKCNN_ERROR_INVALID_MODEL, "num_groups");
    }
    { /* GroupNormalization-18 with a per-channel scale */
        vkc_graph *g = kt_graph();
        uint32_t in[3] = {kt_tensor(g, "x", 4, cd, false, &s),
                          kt_tensor(g, "chan_scale", 1, gd, true, &s),
                          kt_tensor(g, "b", 1, gd, true, &s)};
        vkc_attrs a = kt_attrs(VKC_OP_GROUP_NORM, 18);
        a.norm.groups = 3;
        a.norm.per_group = true;
        refuse(g, VKC_OP_GROUP_NORM, 18, in, 3, &a, VKCNN_ERROR_INVALID_MODEL, "'chan_scale'");
    }
}

int main(int argc, char **argv) {
    kt_args(argc, argv);
    vkcnn_context *ctx = th_context(NULL, 0, 0);
    if (!kt_selecting()) refusals(); /* not cases: skipped when cases are selected */
    uint64_t seed = 0x10e0000u;
    const layer_case layers[] = {
        {3, {2, 7, 96}, -1, 0, 0, false, 0, 0},    /* ConvNeXt's channels-last norm */
        {2, {13, 768}, -1, 0, 0, true, 0, 0},      /* a row per workgroup, in registers */
        {2, {5, 3000}, 1, 0, 1, false, 0, 0},      /* statistics, then the apply pass */
        {4, {2, 3, 5, 7}, -2, 1, 0, false, 0, 0},  /* two axes */
        {4, {2, 3, 5, 7}, 0, 0, 2, false, 0, 0},   /* everything one row */
        {3, {3000, 3, 1}, -1, 0, 0, false, 0, 0},  /* rows of one element */
        {3, {17, 5, 3}, -1, 2, 1, true, 0, 0},     /* scale [1, 3] */
        {2, {9, 100}, -1, 0, 0, false, 100.0f, 0}, /* var about the mean, not E[x^2] - m^2 */
        {2, {600, 40}, -1, 0, 0, false, 0, 0},     /* a subgroup per row, in registers */
        {3, {3, 100, 700}, -1, 0, 1, false, 0, 0}, /* a subgroup per row, then the apply pass */
        /* the Mean and InvStdDev outputs */
        {3, {3, 5, 7}, 1, 0, 0, false, 0.5f, 1},
        {3, {3, 5, 7}, -1, 1, 2, false, 0, 2},
        {2, {600, 40}, -1, 0, 0, false, 0, 1},
        {2, {5, 3000}, 1, 0, 1, false, 0, 2},
    };
    for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++)
        layer_norm(ctx, &layers[i], seed++);
    /* the same forms with the shared-memory tree only */
    setenv("VKCNN_REDUCE_TREE", "1", 1);
    for (size_t i = 1; i < sizeof layers / sizeof layers[0]; i += 3)
        layer_norm(ctx, &layers[i], seed++);
    unsetenv("VKCNN_REDUCE_TREE");
    int64_t i3[3] = {2, 3, 11}, i4[4] = {2, 3, 5, 7}, i4b[4] = {1, 4, 40, 41},
            i5[5] = {1, 2, 3, 4, 5};
    channel_norm(ctx, 3, i3, 0, 6, seed++);
    channel_norm(ctx, 4, i4, 0, 6, seed++);
    channel_norm(ctx, 4, i4b, 0, 6, seed++);
    channel_norm(ctx, 5, i5, 0, 6, seed++);
    int64_t g4[4] = {2, 6, 5, 5}, g4b[4] = {1, 32, 14, 14}, g2[2] = {4, 8}, g4c[4] = {1, 8, 30, 30};
    for (int opset = 18; opset <= 21; opset += 3) {
        channel_norm(ctx, 4, g4, 3, opset, seed++);
        channel_norm(ctx, 4, g4, 1, opset, seed++);
        channel_norm(ctx, 4, g4, 6, opset, seed++);
        channel_norm(ctx, 4, g4b, 8, opset, seed++);
        channel_norm(ctx, 2, g2, 2, opset, seed++);
        channel_norm(ctx, 4, g4c, 2, opset, seed++); /* rows of 3600: the apply pass */
    }
    int64_t l3[3] = {3, 4, 5}, l2[2] = {7, 300}, l3b[3] = {3, 2000, 5};
    for (int64_t p = 1; p <= 2; p++) {
        lp_norm(ctx, 3, l3, -1, p, seed++);
        lp_norm(ctx, 3, l3, 0, p, seed++);
        lp_norm(ctx, 3, l3, 1, p, seed++);
        lp_norm(ctx, 2, l2, 1, p, seed++);
        lp_norm(ctx, 3, l3b, 1, p, seed++); /* strided rows of 2000: the apply pass */
    }
    th_destroy(ctx);
    kt_summary("norm");
    return th_done("test_kernel_norm");
}
