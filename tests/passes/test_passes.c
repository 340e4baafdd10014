/* Graph passes on hand-built graphs, under the validation layer:
 * - batch-norm folding into Conv (with and without bias) and Gemm (plain and
 *   transposed B), against the unfolded reference (runtime/ref, double);
 * - every fusion pattern (Conv + Relu / LeakyRelu / Clip / Sigmoid / Tanh /
 *   PRelu per channel and scalar, Gemm + Relu, MatMul + bias Add + Relu,
 *   Identity / Dropout between Conv and activation): one dispatch, results as
 *   the reference;
 * - groups whose post-ops read other tensors (fuse.c's legality rule): the
 *   residual Add of ResNet (per element, joining the later conv), a scale
 *   per image and channel, the SiLU and GELU diamonds, elementwise anchors
 *   with broadcast operands and operand-first post-ops, variadic Sum and a
 *   Mean over more inputs than one dispatch binds, a Winograd conv's
 *   epilogue;
 * - patterns that must not fuse: an intermediate with two consumers, a graph
 *   output in the middle, a BN whose input has another consumer;
 * - the MaxPool pass's bookkeeping: fused into a Winograd Conv when the
 *   lowering says it runs as Winograd, left alone when not (the kernels and
 *   the rule: tests/kernels/test_winograd.c);
 * - the dispatch -> node-group accessor and the memory plan of the executor.
 * Tolerance: kt.h's (max |diff| <= 1e-4 max |ref| + 1e-5). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/choose.h"
#include "core/error.h"
#include "exec/exec_internal.h"
#include "kt.h"
#include "passes/passes.h"

static int failures;

static const vkc_exec_options fused = {.fusion = true, .plan_memory = true};

/* Dispatches of g compiled with fusion on, but for im2col's patch
 * gathers (an im2col conv is its gather and its GEMM, which takes the
 * group's post-ops as every other conv kernel does); g is kept. */
static uint32_t fused_dispatches(vkcnn_context *ctx, const vkc_graph *g) {
    vkc_exec *e = NULL;
    if (vkc_exec_create(ctx, g, &fused, &e) != VKCNN_OK) {
        fprintf(stderr, "exec create failed\n");
        failures++;
        return 0;
    }
    uint32_t n = 0;
    for (uint32_t i = 0; i < vkc_exec_dispatch_count(e); i++)
        n += strcmp(vkc_exec_dispatch_template(e, i), "im2col") != 0;
    vkc_exec_destroy(e);
    return n;
}

/* Counts g's fused dispatches, then runs it fused against the unfused
 * reference of runtime/ref (destroys g). */
static void check_both(vkcnn_context *ctx, vkc_graph *g, const char *what, uint32_t want) {
    uint32_t got = fused_dispatches(ctx, g);
    CHECK_MSG(got == want, "%s: %u dispatches fused, want %u", what, got, want);
    failures += kt_check(ctx, g, &fused, 1, what);
}

/* A max or average pool of a 1x1 window, with `stride` and `pad` on every
 * side. */
static vkc_attrs unit_pool(vkc_op op, int64_t stride, int64_t pad) {
    vkc_attrs p = kt_attrs(op, 13);
    p.window.has_kernel = true;
    p.window.kernel[0] = p.window.kernel[1] = 1;
    p.window.strides[0] = p.window.strides[1] = stride;
    if (pad) {
        p.window.pad_count = 4;
        for (int i = 0; i < 4; i++)
            p.window.file_pads[i] = pad;
    }
    return p;
}

/* A Pad of rank 4 that pads nothing (pads given, all 0). */
static vkc_attrs zero_pads(void) {
    vkc_attrs a = kt_attrs(VKC_OP_PAD, 13);
    a.pad.pads_given = true;
    a.pad.pad_count = 8;
    return a;
}

static vkc_attrs pad1(void) {
    vkc_attrs a = kt_attrs(VKC_OP_CONV, 13);
    a.window.pad_count = 4;
    for (int i = 0; i < 4; i++)
        a.window.file_pads[i] = 1;
    return a;
}

/* x [2,3,9,9] -> Conv 5x3x3 (bias optional) ; returns the conv output */
static uint32_t conv(vkc_graph *g, uint64_t *s, bool bias, uint32_t *x_out) {
    int64_t xd[4] = {2, 3, 9, 9}, wd[4] = {5, 3, 3, 3}, bd[1] = {5};
    uint32_t in[3] = {kt_tensor(g, "x", 4, xd, false, s), kt_tensor(g, "w", 4, wd, true, s),
                      bias ? kt_tensor(g, "b", 1, bd, true, s) : VKC_NONE};
    if (x_out) *x_out = in[0];
    vkc_attrs a = pad1();
    return kt_node(g, VKC_OP_CONV, 13, in, 3, &a);
}

static uint32_t batch_norm(vkc_graph *g, uint64_t *s, uint32_t x, int64_t ch) {
    int64_t d[1] = {ch};
    uint32_t in[5] = {x, kt_tensor(g, "bn.scale", 1, d, true, s),
                      kt_tensor(g, "bn.b", 1, d, true, s), kt_tensor(g, "bn.mean", 1, d, true, s),
                      kt_tensor(g, "bn.var", 1, d, true, s)};
    float *var = kt_data(g, in[4]);
    for (int64_t i = 0; i < ch; i++)
        var[i] = var[i] * var[i] + 0.05f; /* positive, some small: large scales */
    vkc_attrs a = kt_attrs(VKC_OP_BATCH_NORM, 13);
    return kt_node(g, VKC_OP_BATCH_NORM, 13, in, 5, &a);
}

static void bn_folding(vkcnn_context *ctx) {
    for (int bias = 0; bias < 2; bias++) {
        uint64_t s = 11 + (uint64_t)bias;
        vkc_graph *g = kt_graph();
        uint32_t t = conv(g, &s, bias, NULL);
        t = batch_norm(g, &s, t, 5);
        kt_output(g, t);
        check_both(ctx, g, bias ? "conv+bias+bn" : "conv+bn", 1);
    }
    for (int tb = 0; tb < 2; tb++) {
        uint64_t s = 21 + (uint64_t)tb;
        vkc_graph *g = kt_graph();
        int64_t xd[2] = {3, 17}, wd[2] = {tb ? 6 : 17, tb ? 17 : 6}, cd[1] = {6};
        uint32_t in[3] = {kt_tensor(g, "x", 2, xd, false, &s), kt_tensor(g, "w", 2, wd, true, &s),
                          kt_tensor(g, "c", 1, cd, true, &s)};
        vkc_attrs a = kt_attrs(VKC_OP_GEMM, 13);
        a.gemm.trans_b = tb;
        a.gemm.alpha = 0.75f;
        a.gemm.beta = 1.5f;
        uint32_t t = kt_node(g, VKC_OP_GEMM, 13, in, 3, &a);
        t = batch_norm(g, &s, t, 6);
        t = kt_node(g, VKC_OP_RELU, 13, &t, 1, NULL);
        kt_output(g, t);
        check_both(ctx, g, tb ? "gemm(transB)+bn+relu" : "gemm+bn+relu", 1);
    }
    { /* BN input also read elsewhere: no folding (conv, bn, relu) */
        uint64_t s = 31;
        vkc_graph *g = kt_graph();
        uint32_t c = conv(g, &s, true, NULL);
        uint32_t b = batch_norm(g, &s, c, 5);
        uint32_t r = kt_node(g, VKC_OP_RELU, 13, &c, 1, NULL);
        kt_output(g, b);
        kt_output(g, r);
        check_both(ctx, g, "bn input with two consumers", 3);
    }
}

/* x [n, c, h, w] -> BatchNormalization (-> Relu) -> Conv k x k of m
 * channels (pads p, stride s, bias) -> output; `also_out`: the batch
 * norm's output is a graph output too. */
static vkc_graph *bn_then_conv(uint64_t seed, int64_t n, int64_t c, int64_t h, int64_t w, bool relu,
                               int64_t m, int64_t k, int64_t pad, int64_t stride, bool also_out) {
    uint64_t s = seed;
    vkc_graph *g = kt_graph();
    int64_t xd[4] = {n, c, h, w}, wd[4] = {m, c, k, k}, bd[1] = {m};
    uint32_t t = batch_norm(g, &s, kt_tensor(g, "x", 4, xd, false, &s), c);
    uint32_t b = t;
    if (relu) t = kt_node(g, VKC_OP_RELU, 13, &t, 1, NULL);
    uint32_t in[3] = {t, kt_tensor(g, "w", 4, wd, true, &s), kt_tensor(g, "b", 1, bd, true, &s)};
    vkc_attrs a = pad ? pad1() : kt_attrs(VKC_OP_CONV, 13);
    a.window.strides[0] = a.window.strides[1] = stride;
    kt_output(g, kt_node(g, VKC_OP_CONV, 13, in, 3, &a));
    if (also_out) kt_output(g, b);
    return g;
}

/* The input-affine rule (fuse.c vkc_pass_fuse_input_affine): a batch norm,
 * with or without its Relu, read by a 1x1 Conv alone is applied by the
 * Conv's 1x1 GEMM as it loads X: one dispatch, at batch 1 and 3, strides 1
 * and 2, channel counts that are whole texels (12, 32) or not (10), images
 * of whole vec4s or not; a padded 3x3 Conv, or a batch norm whose output is
 * also a graph output, keeps its own dispatch. Where the device's target
 * does not run 1x1 convs as the 1x1 GEMM (vkc_choose_input_affine: Mesa
 * 25's lavapipe, storage loads) the pass does not run: two dispatches.
 * Each against the unfused reference. */
static void input_affine(vkcnn_context *ctx) {
    vkc_codegen_target t;
    vkc_kernel_override ov;
    if (vkc_exec_target(ctx, &fused, &t, &ov) != VKCNN_OK) {
        fprintf(stderr, "target: %s\n", vkc_error_message());
        failures++;
        return;
    }
    uint32_t one = vkc_choose_input_affine(&t) ? 1 : 2;
    const struct {
        int64_t n, c, h, w, m, stride;
        bool relu;
    } cases[] = {
        {1, 12, 8, 8, 20, 1, true}, {3, 10, 7, 9, 16, 1, true},  {1, 32, 14, 14, 24, 2, true},
        {3, 12, 6, 6, 7, 2, false}, {1, 10, 5, 5, 33, 1, false},
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char what[96];
        snprintf(what, sizeof what,
                 "bn%s -> 1x1 conv, [%lld, %lld, %lld, %lld] -> %lld, stride %lld",
                 cases[i].relu ? "+relu" : "", (long long)cases[i].n, (long long)cases[i].c,
                 (long long)cases[i].h, (long long)cases[i].w, (long long)cases[i].m,
                 (long long)cases[i].stride);
        vkc_graph *g = bn_then_conv(40 + i, cases[i].n, cases[i].c, cases[i].h, cases[i].w,
                                    cases[i].relu, cases[i].m, 1, 0, cases[i].stride, false);
        check_both(ctx, g, what, one);
    }
    check_both(ctx, bn_then_conv(50, 1, 12, 8, 8, true, 16, 3, 1, 1, false),
               "bn+relu -> padded 3x3 conv (not fused)", 2);
    check_both(ctx, bn_then_conv(51, 1, 12, 8, 8, true, 16, 1, 0, 1, true),
               "bn+relu -> 1x1 conv, bn also an output (not fused)", 3);
}

static void activations(vkcnn_context *ctx) {
    const vkc_op ops[] = {VKC_OP_RELU,    VKC_OP_LEAKY_RELU, VKC_OP_CLIP,
                          VKC_OP_SIGMOID, VKC_OP_TANH,       VKC_OP_PRELU};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        for (int variant = 0; variant < (ops[i] == VKC_OP_PRELU ? 3 : 1); variant++) {
            uint64_t s = 40 + i * 3 + (uint64_t)variant;
            vkc_graph *g = kt_graph();
            uint32_t t = conv(g, &s, true, NULL);
            vkc_attrs a = kt_attrs(ops[i], 13);
            if (ops[i] == VKC_OP_LEAKY_RELU) a.elt.alpha = 0.2f;
            if (ops[i] == VKC_OP_CLIP) {
                a.clip.min = -0.25f;
                a.clip.max = 0.5f;
            }
            uint32_t in[2] = {t, VKC_NONE};
            if (ops[i] == VKC_OP_PRELU) { /* per channel, scalar, [1,C,1,1] */
                int64_t d3[3] = {5, 1, 1}, d1[1] = {1}, d4[4] = {1, 5, 1, 1};
                in[1] = variant == 0   ? kt_tensor(g, "slope", 3, d3, true, &s)
                        : variant == 1 ? kt_tensor(g, "slope", 1, d1, true, &s)
                                       : kt_tensor(g, "slope", 4, d4, true, &s);
            }
            t = kt_node(g, ops[i], 13, in, ops[i] == VKC_OP_PRELU ? 2 : 1, &a);
            kt_output(g, t);
            char what[64];
            snprintf(what, sizeof what, "conv+%s (variant %d)", vkc_op_name(ops[i]), variant);
            check_both(ctx, g, what, 1);
        }
    { /* Gemm + Relu */
        uint64_t s = 60;
        vkc_graph *g = kt_graph();
        int64_t xd[2] = {4, 33}, wd[2] = {33, 7}, cd[2] = {1, 7};
        uint32_t in[3] = {kt_tensor(g, "x", 2, xd, false, &s), kt_tensor(g, "w", 2, wd, true, &s),
                          kt_tensor(g, "c", 2, cd, true, &s)};
        uint32_t t = kt_node(g, VKC_OP_GEMM, 13, in, 3, NULL);
        t = kt_node(g, VKC_OP_RELU, 13, &t, 1, NULL);
        kt_output(g, t);
        check_both(ctx, g, "gemm+relu", 1);
    }
    for (int swap = 0; swap < 2; swap++) { /* MatMul + bias Add (either side) + Tanh */
        uint64_t s = 61 + (uint64_t)swap;
        vkc_graph *g = kt_graph();
        int64_t xd[3] = {2, 3, 10}, wd[2] = {10, 6}, bd[1] = {6};
        uint32_t in[2] = {kt_tensor(g, "x", 3, xd, false, &s), kt_tensor(g, "w", 2, wd, true, &s)};
        uint32_t t = kt_node(g, VKC_OP_MATMUL, 13, in, 2, NULL);
        uint32_t b = kt_tensor(g, "bias", 1, bd, true, &s);
        uint32_t add[2] = {swap ? b : t, swap ? t : b};
        t = kt_node(g, VKC_OP_ADD, 13, add, 2, NULL);
        t = kt_node(g, VKC_OP_TANH, 13, &t, 1, NULL);
        kt_output(g, t);
        check_both(ctx, g, swap ? "matmul+add(bias first)+tanh" : "matmul+add+tanh", 1);
    }
    { /* Identity and Dropout between Conv and Relu are removed, then fused */
        uint64_t s = 70;
        vkc_graph *g = kt_graph();
        uint32_t t = conv(g, &s, true, NULL);
        t = kt_node(g, VKC_OP_IDENTITY, 13, &t, 1, NULL);
        t = kt_node(g, VKC_OP_DROPOUT, 13, &t, 1, NULL);
        t = kt_node(g, VKC_OP_RELU, 13, &t, 1, NULL);
        kt_output(g, t);
        check_both(ctx, g, "conv+identity+dropout+relu", 1);
    }
    { /* a 1x1 stride-1 average pool (an adaptive pool at its target size)
       * is removed, then the Relu fuses */
        uint64_t s = 71;
        vkc_graph *g = kt_graph();
        uint32_t t = conv(g, &s, true, NULL);
        vkc_attrs p = unit_pool(VKC_OP_AVERAGE_POOL, 1, 0);
        t = kt_node(g, VKC_OP_AVERAGE_POOL, 13, &t, 1, &p);
        t = kt_node(g, VKC_OP_RELU, 13, &t, 1, NULL);
        kt_output(g, t);
        check_both(ctx, g, "conv+avgpool(1x1)+relu", 1);
    }
    { /* a Pad of zeros before an AvgPool (PyTorch's export of AvgPool2d) is
       * removed: conv + Relu, then the pool */
        uint64_t s = 72;
        vkc_graph *g = kt_graph();
        uint32_t t = conv(g, &s, true, NULL);
        t = kt_node(g, VKC_OP_RELU, 13, &t, 1, NULL);
        vkc_attrs a = zero_pads();
        t = kt_node(g, VKC_OP_PAD, 13, &t, 1, &a);
        vkc_attrs p = kt_attrs(VKC_OP_AVERAGE_POOL, 13);
        p.window.has_kernel = true;
        p.window.kernel[0] = p.window.kernel[1] = p.window.strides[0] = p.window.strides[1] = 2;
        t = kt_node(g, VKC_OP_AVERAGE_POOL, 13, &t, 1, &p);
        kt_output(g, t);
        check_both(ctx, g, "conv+relu+pad(0)+avgpool", 2);
    }
}

static void no_fusion(vkcnn_context *ctx) {
    { /* two consumers of the conv output */
        uint64_t s = 80;
        vkc_graph *g = kt_graph();
        uint32_t c = conv(g, &s, true, NULL);
        uint32_t r = kt_node(g, VKC_OP_RELU, 13, &c, 1, NULL);
        uint32_t t = kt_node(g, VKC_OP_SIGMOID, 13, &c, 1, NULL);
        kt_output(g, r);
        kt_output(g, t);
        check_both(ctx, g, "two consumers", 3);
    }
    { /* the intermediate is a graph output */
        uint64_t s = 81;
        vkc_graph *g = kt_graph();
        uint32_t c = conv(g, &s, true, NULL);
        uint32_t r = kt_node(g, VKC_OP_RELU, 13, &c, 1, NULL);
        kt_output(g, c);
        kt_output(g, r);
        check_both(ctx, g, "graph output in the middle", 2);
    }
    { /* PRelu whose slope is computed at run time (a graph input, so ready before the conv
         runs): a CHANNEL operand of the conv's group, one dispatch */
        uint64_t s = 82;
        vkc_graph *g = kt_graph();
        int64_t d3[3] = {5, 1, 1};
        uint32_t c = conv(g, &s, true, NULL);
        uint32_t slope = kt_tensor(g, "slope", 3, d3, false, &s);
        uint32_t in[2] = {c, slope};
        uint32_t r = kt_node(g, VKC_OP_PRELU, 13, in, 2, NULL);
        kt_output(g, r);
        check_both(ctx, g, "runtime slope", 1);
    }
    { /* MaxPool after Conv + Relu without Winograd: the pool is not fused */
        uint64_t s = 83;
        vkc_graph *g = kt_graph();
        uint32_t c = conv(g, &s, true, NULL);
        vkc_attrs p = kt_attrs(VKC_OP_MAX_POOL, 13);
        p.window.has_kernel = true;
        p.window.kernel[0] = p.window.kernel[1] = p.window.strides[0] = p.window.strides[1] = 2;
        uint32_t t = kt_node(g, VKC_OP_RELU, 13, &c, 1, NULL);
        t = kt_node(g, VKC_OP_MAX_POOL, 13, &t, 1, &p);
        kt_output(g, t);
        check_both(ctx, g, "conv+relu+maxpool", 2);
    }
    for (int k = 0; k < 2; k++) { /* 1x1 pools that are no identity stay */
        uint64_t s = 84 + (uint64_t)k;
        vkc_graph *g = kt_graph();
        uint32_t t = conv(g, &s, true, NULL);
        t = kt_node(g, VKC_OP_RELU, 13, &t, 1, NULL);
        /* a max pool with stride 2; an average pool with padding (border
         * windows hold only padding: 0 with count_include_pad) */
        vkc_op op = k ? VKC_OP_AVERAGE_POOL : VKC_OP_MAX_POOL;
        vkc_attrs p = unit_pool(op, k ? 1 : 2, k ? 1 : 0);
        p.window.count_include_pad = k;
        t = kt_node(g, op, 13, &t, 1, &p);
        kt_output(g, t);
        check_both(ctx, g, k ? "conv+relu+avgpool(1x1, pad 1)" : "conv+relu+maxpool(1x1, stride 2)",
                   2);
    }
    { /* a Pad that shifts (1 before, -1 after the last axis) keeps the shape
       * but is no identity: it stays */
        uint64_t s = 86;
        vkc_graph *g = kt_graph();
        uint32_t t = conv(g, &s, true, NULL);
        t = kt_node(g, VKC_OP_RELU, 13, &t, 1, NULL);
        vkc_attrs a = zero_pads();
        a.pad.pads[3] = 1;
        a.pad.pads[7] = -1;
        t = kt_node(g, VKC_OP_PAD, 13, &t, 1, &a);
        kt_output(g, t);
        check_both(ctx, g, "conv+relu+pad(shift)", 2);
    }
}

/* Pass bookkeeping and the executor's group / memory accessors. */
static void groups_and_plan(vkcnn_context *ctx) {
    uint64_t s = 90;
    vkc_graph *g = kt_graph();
    uint32_t t = conv(g, &s, false, NULL);
    uint32_t conv_node = g->tensors[t].producer;
    t = batch_norm(g, &s, t, 5);
    t = kt_node(g, VKC_OP_RELU, 13, &t, 1, NULL);
    vkc_attrs a = pad1();
    int64_t wd[4] = {5, 5, 3, 3};
    uint32_t in[3] = {t, kt_tensor(g, "w2", 4, wd, true, &s), VKC_NONE};
    t = kt_node(g, VKC_OP_CONV, 13, in, 3, &a);
    t = kt_node(g, VKC_OP_SIGMOID, 13, &t, 1, NULL);
    kt_output(g, t);

    vkc_graph *c = NULL;
    vkc_passes r;
    vkc_passes_options po = {.fusion = true};
    if (vkc_graph_clone(g, &c) == VKCNN_OK && vkc_passes_run(c, &po, &r) == VKCNN_OK) {
        CHECK_MSG(r.folded == 1 && r.fused == 2 && r.removed == 0, "folded %u fused %u removed %u",
                  r.folded, r.fused, r.removed);
        const vkc_node *cn = &c->nodes[conv_node];
        CHECK_MSG(cn->member_count == 2 && cn->members[0] == conv_node + 1 &&
                      cn->members[1] == conv_node + 2,
                  "BN and Relu are members of the first conv's group");
        CHECK_MSG(cn->post_count == 1 && cn->post[0].op == VKC_OP_RELU &&
                      cn->post[0].kind == VKC_OPERAND_NONE,
                  "relu post-op");
        CHECK_MSG(vkc_graph_validate(c) == VKCNN_OK, "passes leave a valid graph: %s",
                  vkc_error_message());
    } else {
        CHECK_MSG(0, "passes failed: %s", vkc_error_message());
    }
    vkc_graph_clone_destroy(c, g);

    vkc_exec *e = NULL;
    kt_override("conv=igemm"); /* each conv one dispatch (im2col would add its gather) */
    vkcnn_status st = vkc_exec_create(ctx, g, &fused, &e);
    kt_override(NULL);
    if (st == VKCNN_OK) {
        CHECK_MSG(vkc_exec_dispatch_count(e) == 2, "2 dispatches, got %u",
                  vkc_exec_dispatch_count(e));
        const uint32_t *nodes = NULL;
        uint32_t n = vkc_exec_dispatch_nodes(e, 0, &nodes);
        CHECK_MSG(n == 3 && nodes[0] == conv_node, "group of dispatch 0: %u nodes", n);
        CHECK_MSG(vkc_exec_dispatch_nodes(e, 1, NULL) == 2, "group of dispatch 1");
        CHECK_MSG(vkc_exec_dispatch_nodes(e, 2, NULL) == 0, "out of range");
        vkc_exec_memory m;
        vkc_exec_memory_stats(e, &m);
        CHECK_MSG(m.planned && m.arena_bytes > 0 && m.arena_bytes <= m.naive_bytes,
                  "arena %llu naive %llu", (unsigned long long)m.arena_bytes,
                  (unsigned long long)m.naive_bytes);
        CHECK_MSG(vkc_exec_memory_plan(e) != NULL, "plan");
        vkc_exec_destroy(e);
    } else {
        CHECK_MSG(0, "exec: %s", vkc_error_message());
    }
    /* the per-node check understands folded and fused groups */
    vkc_exec_options checkable = {.fusion = true};
    e = NULL;
    if (vkc_exec_create(ctx, g, &checkable, &e) == VKCNN_OK) {
        const vkc_tensor *x = &g->tensors[g->inputs[0]];
        float *data = kt_data(g, g->inputs[0]);
        char report[512];
        CHECK_MSG(vkc_exec_write(e, g->inputs[0], data, x->elements) == VKCNN_OK, "write");
        CHECK_MSG(vkc_exec_run(e) == VKCNN_OK, "run");
        CHECK_MSG(vkc_exec_check(e, 1e-3f, 1e-5f, report, sizeof report) == VKCNN_OK, "check: %s",
                  report);
        vkc_exec_destroy(e);
    }
    failures += kt_check(ctx, g, &fused, 1, "groups");
}

/* vkc_exec_check (per-node check) on a MatMul + bias + per-column PRelu
 * group: the check applies the epilogue's operands itself. */
static void check_mode_epilogue(vkcnn_context *ctx) {
    uint64_t s = 95;
    vkc_graph *g = kt_graph();
    int64_t xd[2] = {3, 10}, wd[2] = {10, 6}, bd[1] = {6}, sd[2] = {1, 6};
    uint32_t in[2] = {kt_tensor(g, "x", 2, xd, false, &s), kt_tensor(g, "w", 2, wd, true, &s)};
    uint32_t t = kt_node(g, VKC_OP_MATMUL, 13, in, 2, NULL);
    uint32_t add[2] = {t, kt_tensor(g, "bias", 1, bd, true, &s)};
    t = kt_node(g, VKC_OP_ADD, 13, add, 2, NULL);
    uint32_t pr[2] = {t, kt_tensor(g, "slope", 2, sd, true, &s)};
    t = kt_node(g, VKC_OP_PRELU, 13, pr, 2, NULL);
    kt_output(g, t);
    vkc_exec_options checkable = {.fusion = true};
    vkc_exec *e = NULL;
    if (vkc_exec_create(ctx, g, &checkable, &e) == VKCNN_OK) {
        char report[512];
        CHECK_MSG(vkc_exec_dispatch_count(e) == 1, "one dispatch");
        CHECK_MSG(vkc_exec_write(e, in[0], kt_data(g, in[0]), 30) == VKCNN_OK, "write");
        CHECK_MSG(vkc_exec_run(e) == VKCNN_OK, "run");
        CHECK_MSG(vkc_exec_check(e, 1e-3f, 1e-5f, report, sizeof report) == VKCNN_OK, "check: %s",
                  report);
        vkc_exec_destroy(e);
    } else {
        CHECK_MSG(0, "exec: %s", vkc_error_message());
    }
    failures += kt_check(ctx, g, &fused, 1, "matmul+bias+prelu");
}

/* An arena larger than one binding may be (max_binding_bytes lowered): each
 * tensor is bound as its own sub-range, within the limit. */
static void arena_over_binding_limit(vkcnn_context *ctx) {
    uint64_t s = 97;
    vkc_graph *g = kt_graph();
    uint32_t t = conv(g, &s, true, NULL); /* 3240 bytes per activation */
    t = kt_node(g, VKC_OP_SIGMOID, 13, &t, 1, NULL);
    vkc_attrs p = kt_attrs(VKC_OP_MAX_POOL, 13);
    p.window.has_kernel = true;
    p.window.kernel[0] = p.window.kernel[1] = 3;
    p.window.strides[0] = p.window.strides[1] = 1;
    t = kt_node(g, VKC_OP_MAX_POOL, 13, &t, 1, &p);
    t = kt_node(g, VKC_OP_TANH, 13, &t, 1, NULL);
    /* a 1x1 conv after the pool's group: the conv's output (3240 bytes) and
     * the pool's (1960) are live together in the arena */
    int64_t wd[4] = {5, 5, 1, 1};
    uint32_t in[3] = {t, kt_tensor(g, "w1x1", 4, wd, true, &s), VKC_NONE};
    vkc_attrs ca = kt_attrs(VKC_OP_CONV, 13);
    t = kt_node(g, VKC_OP_CONV, 13, in, 3, &ca);
    kt_output(g, t);
    vkc_exec_options o = {.fusion = true, .plan_memory = true, .max_binding_bytes = 4096};
    vkc_exec *e = NULL;
    if (vkc_exec_create(ctx, g, &o, &e) == VKCNN_OK) {
        vkc_exec_memory m;
        vkc_exec_memory_stats(e, &m);
        CHECK_MSG(m.planned && m.arena_bytes > 4096, "arena %llu over the binding limit",
                  (unsigned long long)m.arena_bytes);
        vkc_exec_destroy(e);
    } else {
        CHECK_MSG(0, "exec: %s", vkc_error_message());
    }
    failures += kt_check(ctx, g, &o, 1, "arena over the binding limit");
}

/* Constant folding: Transpose of a constant weight and a Mul of two
 * constants are computed at load; the graph runs as MatMul + Add. */
static void constant_folding(vkcnn_context *ctx) {
    uint64_t s = 21;
    vkc_graph *g = kt_graph();
    int64_t xd[2] = {3, 6}, wtd[2] = {5, 6}, bd[1] = {5};
    uint32_t x = kt_tensor(g, "x", 2, xd, false, &s);
    uint32_t wt = kt_tensor(g, "wT", 2, wtd, true, &s);
    vkc_attrs ta = kt_attrs(VKC_OP_TRANSPOSE, 13);
    ta.transpose.perm[0] = 1;
    ta.transpose.perm[1] = 0;
    ta.transpose.count = 2;
    uint32_t w = kt_node(g, VKC_OP_TRANSPOSE, 13, &wt, 1, &ta);
    uint32_t mm[2] = {x, w};
    uint32_t y = kt_node(g, VKC_OP_MATMUL, 13, mm, 2, NULL);
    uint32_t ab[2] = {kt_tensor(g, "a", 1, bd, true, &s), kt_tensor(g, "b", 1, bd, true, &s)};
    uint32_t c = kt_node(g, VKC_OP_MUL, 13, ab, 2, NULL);
    uint32_t yc[2] = {y, c};
    kt_output(g, kt_node(g, VKC_OP_ADD, 13, yc, 2, NULL));
    vkc_graph *copy = NULL;
    vkc_passes r;
    CHECK_MSG(vkc_graph_clone(g, &copy) == VKCNN_OK, "clone");
    if (copy) {
        memset(&r, 0, sizeof r);
        CHECK_MSG(vkc_pass_fold_constants(copy, &r) == VKCNN_OK, "fold");
        CHECK_MSG(r.constants == 2, "2 nodes folded, got %u", r.constants);
        CHECK_MSG(copy->tensors[w].data && copy->tensors[c].data, "folded values are constants");
        /* the transposed weight holds wT's columns as rows */
        const float *wd = copy->tensors[w].data, *wtv = kt_data(g, wt);
        CHECK_MSG(wd && wd[1 * 5 + 2] == wtv[2 * 6 + 1], "transposed at load");
        vkc_graph_clone_destroy(copy, g);
    }
    /* MatMul + bias Add fused: one dispatch, results as unfused */
    check_both(ctx, g, "constant folding", 1);
}

static bool fits_yes(const vkc_graph *g, uint32_t node, uint32_t u, void *user) {
    (*(int *)user)++;
    return u != VKC_NONE && g->nodes[node].op == VKC_OP_CONV;
}

static bool fits_no(const vkc_graph *g, uint32_t node, uint32_t u, void *user) {
    (*(int *)user)++;
    return false;
}

/* vkc_passes_options.choose: Winograd wherever the Conv has a form (a small
 * layer, under the rule's thresholds) */
static uint32_t choose_form(const vkc_graph *g, uint32_t node, uint32_t rule, uint32_t form,
                            void *user) {
    return form;
}

/* x [1,16,10,10] -> Conv 8x16x3x3 pad 1 -> Relu -> MaxPool 2x2/2 [1,8,5,5] */
static void pool_pass(void) {
    for (int yes = 0; yes < 2; yes++) {
        uint64_t s = 95;
        vkc_graph *g = kt_graph();
        int64_t xd[4] = {1, 16, 10, 10}, wd[4] = {8, 16, 3, 3}, bd[1] = {8};
        uint32_t in[3] = {kt_tensor(g, "x", 4, xd, false, &s), kt_tensor(g, "w", 4, wd, true, &s),
                          kt_tensor(g, "b", 1, bd, true, &s)};
        vkc_attrs a = pad1();
        uint32_t t = kt_node(g, VKC_OP_CONV, 13, in, 3, &a);
        uint32_t conv_node = g->tensors[t].producer;
        t = kt_node(g, VKC_OP_RELU, 13, &t, 1, NULL);
        vkc_attrs p = kt_attrs(VKC_OP_MAX_POOL, 13);
        p.window.has_kernel = true;
        p.window.kernel[0] = p.window.kernel[1] = p.window.strides[0] = p.window.strides[1] = 2;
        t = kt_node(g, VKC_OP_MAX_POOL, 13, &t, 1, &p);
        uint32_t pool_node = g->tensors[t].producer;
        kt_output(g, t);
        vkc_graph *c = NULL;
        vkc_passes r;
        int asked = 0;
        vkc_passes_options po = {.fusion = true,
                                 .winograd = true,
                                 .fits = yes ? fits_yes : fits_no,
                                 .choose = choose_form, /* a small layer: Winograd forced */
                                 .user = &asked};
        if (vkc_graph_clone(g, &c) == VKCNN_OK && vkc_passes_run(c, &po, &r) == VKCNN_OK) {
            const vkc_node *e = &c->nodes[conv_node];
            CHECK_MSG(asked == 1, "fits asked %d times", asked);
            CHECK_MSG((e->winograd != VKC_NONE) == (bool)yes &&
                          (e->algo == VKC_CONV_ALGO_WINOGRAD) == (bool)yes,
                      "Winograd chosen only where it fits");
            CHECK_MSG(r.fused == (yes ? 2u : 1u), "fused %u", r.fused);
            CHECK_MSG(e->pool == (yes ? 2u : 0u), "pool %u", e->pool);
            bool member = e->member_count == 2 && e->members[1] == pool_node;
            CHECK_MSG(member == (bool)yes, "pool member of the conv's group: %u members",
                      e->member_count);
            CHECK_MSG(c->nodes[pool_node].dead == (bool)yes, "pool node dead");
            if (yes) {
                CHECK_MSG(c->nodes[conv_node].outputs[0] == t, "the conv writes the pool's output");
                CHECK_MSG(e->conv_dims[0] == 1 && e->conv_dims[1] == 8 && e->conv_dims[2] == 10 &&
                              e->conv_dims[3] == 10,
                          "conv dims %lld %lld %lld %lld", (long long)e->conv_dims[0],
                          (long long)e->conv_dims[1], (long long)e->conv_dims[2],
                          (long long)e->conv_dims[3]);
            }
            CHECK_MSG(vkc_graph_validate(c) == VKCNN_OK, "passes leave a valid graph: %s",
                      vkc_error_message());
        } else {
            CHECK_MSG(0, "passes failed: %s", vkc_error_message());
        }
        vkc_graph_clone_destroy(c, g);
        vkc_graph_destroy(g);
    }
}

/* A constant of one value. */
static uint32_t scalar(vkc_graph *g, const char *name, float v, uint64_t *s) {
    int64_t one[1] = {1};
    uint32_t t = kt_tensor(g, name, 1, one, true, s);
    kt_data(g, t)[0] = v;
    return t;
}

/* Fused groups with post-ops that read other tensors (fuse.c's legality
 * rule), each against the unfused reference. */
static void post_op_groups(vkcnn_context *ctx) {
    int64_t yd[4] = {2, 5, 9, 9};
    { /* ResNet's downsample block: the Add joins the later conv, reading the
       * earlier conv's output per element; the Relu follows */
        uint64_t s = 120;
        vkc_graph *g = kt_graph();
        uint32_t x;
        uint32_t a = conv(g, &s, true, &x);
        int64_t wd[4] = {5, 3, 3, 3}, bd[1] = {5};
        uint32_t in[3] = {x, kt_tensor(g, "w2", 4, wd, true, &s),
                          kt_tensor(g, "b2", 1, bd, true, &s)};
        vkc_attrs ca = pad1();
        uint32_t b = kt_node(g, VKC_OP_CONV, 13, in, 3, &ca);
        uint32_t add[2] = {a, b};
        uint32_t t = kt_node(g, VKC_OP_ADD, 13, add, 2, NULL);
        t = kt_node(g, VKC_OP_RELU, 13, &t, 1, NULL);
        kt_output(g, t);
        check_both(ctx, g, "conv, conv + residual add + relu", 2);
    }
    { /* the identity shortcut: a graph input added per element, then Relu */
        uint64_t s = 121;
        vkc_graph *g = kt_graph();
        uint32_t c = conv(g, &s, true, NULL);
        uint32_t add[2] = {kt_tensor(g, "shortcut", 4, yd, false, &s), c};
        uint32_t t = kt_node(g, VKC_OP_ADD, 13, add, 2, NULL);
        t = kt_node(g, VKC_OP_RELU, 13, &t, 1, NULL);
        kt_output(g, t);
        check_both(ctx, g, "conv + shortcut add + relu", 1);
    }
    { /* squeeze-and-excitation: a scale per image and channel */
        uint64_t s = 122;
        vkc_graph *g = kt_graph();
        int64_t sd[4] = {2, 5, 1, 1};
        uint32_t c = conv(g, &s, true, NULL);
        uint32_t mul[2] = {c, kt_tensor(g, "se", 4, sd, false, &s)};
        kt_output(g, kt_node(g, VKC_OP_MUL, 13, mul, 2, NULL));
        check_both(ctx, g, "conv * per-image channel scale", 1);
    }
    for (int swap = 0; swap < 2; swap++) { /* SiLU: x * sigmoid(x), a diamond */
        uint64_t s = 123 + (uint64_t)swap;
        vkc_graph *g = kt_graph();
        uint32_t c = conv(g, &s, true, NULL);
        uint32_t sg = kt_node(g, VKC_OP_SIGMOID, 13, &c, 1, NULL);
        uint32_t mul[2] = {swap ? sg : c, swap ? c : sg};
        kt_output(g, kt_node(g, VKC_OP_MUL, 13, mul, 2, NULL));
        check_both(ctx, g, swap ? "conv + silu (sigmoid first)" : "conv + silu", 1);
    }
    { /* GELU as PyTorch exports it: x * 0.5 * (1 + erf(x / sqrt 2)) */
        uint64_t s = 125;
        vkc_graph *g = kt_graph();
        uint32_t c = conv(g, &s, true, NULL);
        uint32_t dv[2] = {c, scalar(g, "sqrt2", 1.4142135f, &s)};
        uint32_t t = kt_node(g, VKC_OP_DIV, 13, dv, 2, NULL);
        t = kt_node(g, VKC_OP_ERF, 13, &t, 1, NULL);
        uint32_t ad[2] = {t, scalar(g, "one", 1.0f, &s)};
        t = kt_node(g, VKC_OP_ADD, 13, ad, 2, NULL);
        uint32_t mu[2] = {c, t};
        t = kt_node(g, VKC_OP_MUL, 13, mu, 2, NULL);
        uint32_t half[2] = {t, scalar(g, "half", 0.5f, &s)};
        kt_output(g, kt_node(g, VKC_OP_MUL, 13, half, 2, NULL));
        check_both(ctx, g, "conv + gelu (erf form)", 1);
    }
    { /* an elementwise anchor: Add of two runtime tensors (broadcast), Relu,
       * then 3 - v (the operand first) and pow(v, 2) */
        uint64_t s = 126;
        vkc_graph *g = kt_graph();
        int64_t bd[3] = {5, 1, 1};
        uint32_t add[2] = {kt_tensor(g, "a", 4, yd, false, &s),
                           kt_tensor(g, "b", 3, bd, false, &s)};
        uint32_t t = kt_node(g, VKC_OP_ADD, 13, add, 2, NULL);
        t = kt_node(g, VKC_OP_RELU, 13, &t, 1, NULL);
        uint32_t sub[2] = {scalar(g, "three", 3.0f, &s), t};
        t = kt_node(g, VKC_OP_SUB, 13, sub, 2, NULL);
        uint32_t pw[2] = {t, scalar(g, "two", 2.0f, &s)};
        kt_output(g, kt_node(g, VKC_OP_POW, 13, pw, 2, NULL));
        check_both(ctx, g, "add + relu + (3 - v) + pow 2", 1);
    }
    { /* Gemm + a tensor of its output's shape + HardSwish */
        uint64_t s = 127;
        vkc_graph *g = kt_graph();
        int64_t xd[2] = {3, 17}, wd[2] = {6, 17}, od[2] = {3, 6};
        uint32_t in[3] = {kt_tensor(g, "x", 2, xd, false, &s), kt_tensor(g, "w", 2, wd, true, &s),
                          VKC_NONE};
        vkc_attrs a = kt_attrs(VKC_OP_GEMM, 13);
        a.gemm.trans_b = true;
        uint32_t t = kt_node(g, VKC_OP_GEMM, 13, in, 3, &a);
        uint32_t add[2] = {t, kt_tensor(g, "r", 2, od, false, &s)};
        t = kt_node(g, VKC_OP_ADD, 13, add, 2, NULL);
        kt_output(g, kt_node(g, VKC_OP_HARD_SWISH, 14, &t, 1, NULL));
        check_both(ctx, g, "gemm + add + hardswish", 1);
    }
    { /* variadic: Sum of three broadcast inputs, then Relu; and a Mean of
       * ten inputs (more than one dispatch's bindings: two dispatches) */
        uint64_t s = 128;
        vkc_graph *g = kt_graph();
        int64_t bd[2] = {9, 1}, cd[1] = {9};
        uint32_t in[3] = {kt_tensor(g, "a", 4, yd, false, &s), kt_tensor(g, "b", 2, bd, false, &s),
                          kt_tensor(g, "c", 1, cd, true, &s)};
        uint32_t t = kt_node(g, VKC_OP_SUM, 13, in, 3, NULL);
        kt_output(g, kt_node(g, VKC_OP_RELU, 13, &t, 1, NULL));
        check_both(ctx, g, "sum of 3 + relu", 1);
        g = kt_graph();
        uint32_t many[10];
        static const char *const names[10] = {"m0", "m1", "m2", "m3", "m4",
                                              "m5", "m6", "m7", "m8", "m9"};
        for (int i = 0; i < 10; i++)
            many[i] = kt_tensor(g, names[i], 2, bd, false, &s);
        kt_output(g, kt_node(g, VKC_OP_MEAN, 13, many, 10, NULL));
        check_both(ctx, g, "mean of 10", 2);
    }
    { /* a graph output inside the chain ends the group (rule 1): the Exp
       * after it is its own anchor */
        uint64_t s = 129;
        vkc_graph *g = kt_graph();
        uint32_t c = conv(g, &s, true, NULL);
        uint32_t r = kt_node(g, VKC_OP_RELU, 13, &c, 1, NULL);
        kt_output(g, r);
        uint32_t e = kt_node(g, VKC_OP_EXP, 13, &r, 1, NULL);
        kt_output(g, e);
        check_both(ctx, g, "graph output inside the chain", 2);
    }
    for (int direct = 0; direct < 2; direct++) {
        /* squeeze-and-excitation: the scale Mul joins the 1x1 conv that reads
         * it, scaling its input as loaded (c is also the pool's input, so no
         * group producing c can apply it); conv_gemm and the direct kernel */
        if (direct) kt_override("conv=direct");
        uint64_t s = 131 + (uint64_t)direct;
        vkc_graph *g = kt_graph();
        uint32_t c = conv(g, &s, true, NULL);
        vkc_attrs gp = kt_attrs(VKC_OP_GLOBAL_AVERAGE_POOL, 13);
        uint32_t p = kt_node(g, VKC_OP_GLOBAL_AVERAGE_POOL, 13, &c, 1, &gp);
        int64_t fd[4] = {5, 5, 1, 1}, pd[4] = {4, 5, 1, 1}, bd[1] = {5};
        uint32_t fc[3] = {p, kt_tensor(g, "fc.w", 4, fd, true, &s),
                          kt_tensor(g, "fc.b", 1, bd, true, &s)};
        vkc_attrs ca = kt_attrs(VKC_OP_CONV, 13);
        uint32_t t = kt_node(g, VKC_OP_CONV, 13, fc, 3, &ca);
        t = kt_node(g, VKC_OP_SIGMOID, 13, &t, 1, NULL);
        uint32_t mul[2] = {c, t};
        t = kt_node(g, VKC_OP_MUL, 13, mul, 2, NULL);
        uint32_t proj[3] = {t, kt_tensor(g, "proj.w", 4, pd, true, &s), VKC_NONE};
        kt_output(g, kt_node(g, VKC_OP_CONV, 13, proj, 3, &ca));
        check_both(ctx, g,
                   direct ? "SE scale into a direct conv's input" : "SE scale into a conv's input",
                   4);
        /* a constant scale per channel of a graph input, then a conv */
        g = kt_graph();
        int64_t xd[4] = {2, 3, 9, 9}, sd[3] = {3, 1, 1}, wd[4] = {4, 3, 3, 3};
        uint32_t in[2] = {kt_tensor(g, "x", 4, xd, false, &s),
                          kt_tensor(g, "scale", 3, sd, true, &s)};
        t = kt_node(g, VKC_OP_MUL, 13, in, 2, NULL);
        uint32_t cv[3] = {t, kt_tensor(g, "w", 4, wd, true, &s), VKC_NONE};
        vkc_attrs pa = pad1();
        kt_output(g, kt_node(g, VKC_OP_CONV, 13, cv, 3, &pa));
        check_both(ctx, g, "channel scale into a conv's input", 1);
        kt_override(NULL);
    }
    { /* pools anchor groups too: MaxPool + Relu, GlobalAveragePool + a scale
       * per image and channel + Sigmoid */
        uint64_t s = 133;
        vkc_graph *g = kt_graph();
        int64_t xd[4] = {2, 5, 9, 9}, sd[4] = {2, 5, 1, 1};
        uint32_t x = kt_tensor(g, "x", 4, xd, false, &s);
        vkc_attrs p = kt_attrs(VKC_OP_MAX_POOL, 13);
        p.window.has_kernel = true;
        p.window.kernel[0] = p.window.kernel[1] = 3;
        p.window.strides[0] = p.window.strides[1] = 2;
        uint32_t t = kt_node(g, VKC_OP_MAX_POOL, 13, &x, 1, &p);
        kt_output(g, kt_node(g, VKC_OP_RELU, 13, &t, 1, NULL));
        vkc_attrs gp = kt_attrs(VKC_OP_GLOBAL_AVERAGE_POOL, 13);
        t = kt_node(g, VKC_OP_GLOBAL_AVERAGE_POOL, 13, &x, 1, &gp);
        uint32_t mul[2] = {t, kt_tensor(g, "scale", 4, sd, false, &s)};
        t = kt_node(g, VKC_OP_MUL, 13, mul, 2, NULL);
        kt_output(g, kt_node(g, VKC_OP_SIGMOID, 13, &t, 1, NULL));
        check_both(ctx, g, "pools + post-ops", 2);
    }
    { /* a Winograd conv's output transform with a residual and SiLU */
        kt_override("conv=wino4");
        uint64_t s = 130;
        vkc_graph *g = kt_graph();
        int64_t xd[4] = {1, 16, 10, 10}, wd[4] = {8, 16, 3, 3}, bd[1] = {8}, od[4] = {1, 8, 10, 10};
        uint32_t in[3] = {kt_tensor(g, "x", 4, xd, false, &s), kt_tensor(g, "w", 4, wd, true, &s),
                          kt_tensor(g, "b", 1, bd, true, &s)};
        vkc_attrs a = pad1();
        uint32_t c = kt_node(g, VKC_OP_CONV, 13, in, 3, &a);
        uint32_t add[2] = {c, kt_tensor(g, "r", 4, od, false, &s)};
        uint32_t t = kt_node(g, VKC_OP_ADD, 13, add, 2, NULL);
        uint32_t sg = kt_node(g, VKC_OP_SIGMOID, 13, &t, 1, NULL);
        uint32_t mul[2] = {t, sg};
        kt_output(g, kt_node(g, VKC_OP_MUL, 13, mul, 2, NULL));
        vkc_exec_options wo = fused;
        wo.winograd = true;
        failures += kt_check(ctx, g, &wo, s, "winograd conv + residual + silu");
        kt_override(NULL);
    }
}

int main(void) {
    /* synchronization validation too: arena reuse creates WAR/WAW hazards */
    vkcnn_context *ctx = th_context(NULL, 0, 1);
    if (!ctx) return 1;
    bn_folding(ctx);
    input_affine(ctx);
    constant_folding(ctx);
    activations(ctx);
    no_fusion(ctx);
    post_op_groups(ctx);
    groups_and_plan(ctx);
    pool_pass();
    check_mode_epilogue(ctx);
    arena_over_binding_limit(ctx);
    kt_summary("test_passes");
    th_destroy(ctx);
    int rc = th_done("test_passes");
    return failures ? 1 : rc;
}
