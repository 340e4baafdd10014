/* The executor end to end: a LeNet-shaped graph (Conv, Relu, MaxPool,
 * Flatten, Gemm, Softmax) on mapped and on staged (discrete-like) memory,
 * repeated runs, the per-node check mode (passing, then naming a node whose
 * output was corrupted), split-weight preambles, layers sharing a
 * shape-generic pipeline, and the error paths:
 * unsupported op, over-limit tensor, too many chunks, bad IO arguments,
 * device memory budget. ASan runs of this test cover the cleanup paths. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "codegen/codegen.h"
#include "core/error.h"
#include "kt.h"

/* x [n,1,28,28] -> Conv 6x5x5 pad 2 -> Relu -> MaxPool 2 -> Conv 16x5x5 -> Relu
 * -> MaxPool 2 -> Flatten -> Gemm 400x120 -> Relu -> Gemm 120x10 -> Softmax */
static vkc_graph *lenet(int64_t n, uint32_t *relu1) {
    vkc_graph *g = kt_graph();
    uint64_t s = 77;
    int64_t xd[4] = {n, 1, 28, 28}, w1[4] = {6, 1, 5, 5}, b1[1] = {6}, w2[4] = {16, 6, 5, 5},
            b2[1] = {16}, f1[2] = {120, 400}, c1[1] = {120}, f2[2] = {10, 120}, c2[1] = {10};
    uint32_t in[3] = {kt_tensor(g, "input", 4, xd, false, &s),
                      kt_tensor(g, "c1.w", 4, w1, true, &s), kt_tensor(g, "c1.b", 1, b1, true, &s)};
    vkc_attrs a = kt_attrs(VKC_OP_CONV, 13);
    a.window.pad_count = 4;
    for (int i = 0; i < 4; i++)
        a.window.file_pads[i] = 2;
    uint32_t t = kt_node(g, VKC_OP_CONV, 13, in, 3, &a);
    t = *relu1 = kt_node(g, VKC_OP_RELU, 13, &t, 1, NULL);
    vkc_attrs p = kt_attrs(VKC_OP_MAX_POOL, 13);
    p.window.has_kernel = true;
    p.window.kernel[0] = p.window.kernel[1] = p.window.strides[0] = p.window.strides[1] = 2;
    t = kt_node(g, VKC_OP_MAX_POOL, 13, &t, 1, &p);
    uint32_t in2[3] = {t, kt_tensor(g, "c2.w", 4, w2, true, &s),
                       kt_tensor(g, "c2.b", 1, b2, true, &s)};
    t = kt_node(g, VKC_OP_CONV, 13, in2, 3, NULL);
    t = kt_node(g, VKC_OP_RELU, 13, &t, 1, NULL);
    t = kt_node(g, VKC_OP_MAX_POOL, 13, &t, 1, &p);
    t = kt_node(g, VKC_OP_FLATTEN, 13, &t, 1, NULL);
    vkc_attrs ga = kt_attrs(VKC_OP_GEMM, 13);
    ga.gemm.trans_b = true;
    uint32_t in3[3] = {t, kt_tensor(g, "f1.w", 2, f1, true, &s),
                       kt_tensor(g, "f1.b", 1, c1, true, &s)};
    t = kt_node(g, VKC_OP_GEMM, 13, in3, 3, &ga);
    t = kt_node(g, VKC_OP_RELU, 13, &t, 1, NULL);
    uint32_t in4[3] = {t, kt_tensor(g, "f2.w", 2, f2, true, &s),
                       kt_tensor(g, "f2.b", 1, c2, true, &s)};
    t = kt_node(g, VKC_OP_GEMM, 13, in4, 3, &ga);
    kt_output(g, t); /* logits too: a saturated softmax would hide errors */
    t = kt_node(g, VKC_OP_SOFTMAX, 13, &t, 1, NULL);
    kt_output(g, t);
    return g;
}

/* The check mode over a fused executor whose first Gemm (K 400) reads its
 * weights in gemv.comp's blocked order (the texel path: CPU drivers, or
 * forced): B is stored so, refused to vkc_exec_read, and the check unpacks
 * it. Elsewhere it checks the plain run. */
static void check_packed(vkcnn_context *ctx) {
    uint32_t relu1;
    vkc_graph *g = lenet(1, &relu1);
    vkc_exec_options o = {.fusion = true};
    vkc_exec *e = NULL;
    CHECK_OK(vkc_exec_create(ctx, g, &o, &e));
    uint32_t x = g->inputs[0], w = VKC_NONE;
    for (uint32_t t = 0; t < g->tensor_count; t++)
        if (strcmp(g->tensors[t].name, "f1.w") == 0) w = t;
    uint64_t nx = g->tensors[x].elements;
    vkc_graph_destroy(g);
    if (!e) return;
    bool packed = false;
    for (uint32_t i = 0; i < vkc_exec_dispatch_count(e); i++)
        packed = packed || strstr(vkc_exec_dispatch_defines(e, i), "#define WT_PACKED 1\n");
    if (packed) { /* stored blocked: not readable as the tensor */
        float *wb = malloc(120 * 400 * sizeof *wb);
        CHECK(w != VKC_NONE && vkc_exec_tensor_chunks(e, w) >= 1);
        if (wb) CHECK_STATUS(vkc_exec_read(e, w, wb, 120 * 400), VKCNN_ERROR_INVALID_ARGUMENT);
        CHECK(strstr(vkcnn_last_error(), "blocked") != NULL);
        free(wb);
    }
    float *in = malloc(nx * 4);
    uint64_t s = 9;
    for (uint64_t i = 0; in && i < nx; i++)
        in[i] = th_randf(&s);
    CHECK_OK(vkc_exec_write(e, x, in, nx));
    CHECK_OK(vkc_exec_run(e));
    char report[1024];
    CHECK_OK(vkc_exec_check(e, 1e-3f, 1e-5f, report, sizeof report));
    printf("check mode, fused%s: %s\n", packed ? ", B blocked" : "", report);
    free(in);
    vkc_exec_destroy(e);
}

static void check_mode(vkcnn_context *ctx) {
    uint32_t relu1;
    vkc_graph *g = lenet(3, &relu1);
    vkc_exec *e = NULL;
    CHECK_OK(vkc_exec_create(ctx, g, NULL, &e));
    if (!e) {
        vkc_graph_destroy(g);
        return;
    }
    uint32_t x = g->inputs[0], y = g->outputs[1];
    uint64_t nx = g->tensors[x].elements, ny = g->tensors[y].elements,
             nr = g->tensors[relu1].elements;
    char relu_name[64];
    snprintf(relu_name, sizeof relu_name, "node '%s'", g->nodes[g->tensors[relu1].producer].name);
    vkc_graph_destroy(g); /* the executor keeps what it needs */
    float *in = malloc(nx * 4), *out = malloc(ny * 4), *out2 = malloc(ny * 4), *r = malloc(nr * 4);
    uint64_t s = 5;
    for (uint64_t i = 0; i < nx; i++)
        in[i] = th_randf(&s);
    CHECK_OK(vkc_exec_write(e, x, in, nx));
    CHECK_OK(vkc_exec_run(e));
    CHECK_OK(vkc_exec_read(e, y, out, ny));
    CHECK_OK(vkc_exec_run(e)); /* recorded once, run again: same result */
    CHECK_OK(vkc_exec_read(e, y, out2, ny));
    CHECK(memcmp(out, out2, ny * 4) == 0);
    char report[1024];
    CHECK_OK(vkc_exec_check(e, 1e-3f, 1e-5f, report, sizeof report));
    printf("check mode: %s\n", report);
    /* corrupt the first Relu's output: that node, and only it, is reported */
    CHECK_OK(vkc_exec_read(e, relu1, r, nr));
    r[nr / 2] += 1.0f;
    CHECK_OK(vkc_exec_write(e, relu1, r, nr));
    CHECK_STATUS(vkc_exec_check(e, 1e-3f, 1e-5f, report, sizeof report), VKCNN_ERROR_INVALID_MODEL);
    printf("check mode after corruption: %s\n", report);
    CHECK(strstr(report, relu_name) && strstr(report, "(Relu)") && strstr(report, "max |diff|"));
    /* IO argument errors */
    CHECK_STATUS(vkc_exec_write(e, x, in, nx - 1), VKCNN_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(vkc_exec_read(e, 100000, out, ny), VKCNN_ERROR_INVALID_ARGUMENT);
    vkc_exec_destroy(e);
    vkc_exec_destroy(NULL);
    free(in);
    free(out);
    free(out2);
    free(r);
}

static void split_preamble(vkcnn_context *ctx) {
    vkc_graph *g = kt_graph();
    uint64_t s = 9;
    int64_t ad[2] = {2, 70}, bd[2] = {100, 70};
    uint32_t in[2] = {kt_tensor(g, "a", 2, ad, false, &s), kt_tensor(g, "w", 2, bd, true, &s)};
    vkc_attrs a = kt_attrs(VKC_OP_GEMM, 13);
    a.gemm.trans_b = true;
    kt_output(g, kt_node(g, VKC_OP_GEMM, 13, in, 2, &a));
    vkc_exec_options opts = {.max_binding_bytes = 4096};
    vkc_exec *e = NULL;
    CHECK_OK(vkc_exec_create(ctx, g, &opts, &e));
    CHECK(vkc_exec_dispatch_count(e) == 1);
    const char *defs = vkc_exec_dispatch_defines(e, 0);
    CHECK(defs && strstr(defs, "#define WT_CHUNKS 7\n")); /* 28000 bytes / 4096 */
    CHECK(vkc_exec_dispatch_template(e, 0) && !strcmp(vkc_exec_dispatch_template(e, 0), "gemv"));
    vkc_exec_destroy(e);
    /* past 8 chunks: refused, naming the weight */
    opts.max_binding_bytes = 1024;
    e = NULL;
    CHECK_STATUS(vkc_exec_create(ctx, g, &opts, &e), VKCNN_ERROR_LIMIT);
    CHECK(e == NULL && strstr(vkc_error_message(), "'w'") && strstr(vkc_error_message(), "Gemm"));
    vkc_graph_destroy(g);
}

static void unsupported(vkcnn_context *ctx) {
    vkc_graph *g = kt_graph();
    uint64_t s = 3;
    int64_t d[2] = {4, 4};
    uint32_t x = kt_tensor(g, "x", 2, d, false, &s);
    uint32_t y = kt_node(g, VKC_OP_RELU, 13, &x, 1, NULL);
    y = kt_node(g, VKC_OP_IDENTITY, 13, &y, 1, NULL);
    kt_output(g, y);
    g->nodes[1].op = VKC_OP_SHAPE; /* a shape op that survived import: no kernel */
    vkc_exec *e = NULL;
    CHECK_STATUS(vkc_exec_create(ctx, g, NULL, &e), VKCNN_ERROR_UNSUPPORTED);
    CHECK(e == NULL && strstr(vkc_error_message(), "(Shape)"));
    printf("unsupported: %s\n", vkc_error_message());
    vkc_graph_destroy(g);
}

static void budget(void) {
    vkcnn_context_desc d = th_desc(NULL, 0, 0);
    d.device_memory_budget = 64 << 10;
    vkcnn_context *ctx = NULL;
    CHECK_OK(vkcnn_context_create(&d, &ctx));
    if (!ctx) return;
    uint32_t relu1;
    vkc_graph *g = lenet(1, &relu1);
    vkc_exec *e = NULL;
    vkcnn_status st = vkc_exec_create(ctx, g, NULL, &e);
    CHECK(st == VKCNN_ERROR_OUT_OF_DEVICE_MEMORY && e == NULL);
    printf("budget: %s\n", vkc_error_message());
    vkc_graph_destroy(g);
    th_destroy(ctx);
}

/* x / d as common.glsl's vkc_udiv computes it from vkc_codegen_divisor's
 * constants, against the division itself: every d up to 4096 and divisors
 * near powers of two up to 2^31, each with dividends at the ends of the
 * range, around multiples of d and at random below 2^31. */
static uint32_t udiv(uint32_t x, uint32_t magic, uint32_t shift) {
    return magic == 0 ? x : (uint32_t)(((uint64_t)x * magic) >> 32) >> shift;
}

static void divisor_constants(void) {
    uint64_t s = 11, bad = 0;
    for (uint32_t i = 0; i < 4096 + 31 * 3; i++) {
        uint32_t d = i < 4096 ? i + 1 : (1u << (1 + (i - 4096) / 3)) + (i - 4096) % 3 - 1;
        uint32_t magic, shift;
        vkc_codegen_divisor(d, &magic, &shift);
        uint32_t xs[12] = {0, 1, d - 1, d, d + 1, 0x7fffffffu, 0x7ffffffeu, 2 * d - 1};
        xs[8] = (uint32_t)kt_range(&s, 0, 0x7fffffff);
        xs[9] = (uint32_t)kt_range(&s, 0, 0x7fffffff);
        xs[10] = xs[9] / d * d; /* a multiple of d, and the dividend below it */
        xs[11] = xs[10] ? xs[10] - 1 : 0;
        for (int k = 0; k < 12; k++) {
            uint32_t x = xs[k] & 0x7fffffffu;
            if (udiv(x, magic, shift) != x / d && bad++ < 5)
                fprintf(stderr, "divisor %u: %u / %u gives %u (magic %u shift %u)\n", d, x, d,
                        udiv(x, magic, shift), magic, shift);
        }
    }
    CHECK(bad == 0);
}

/* x [1,16,14,14] -> 1x1 16->24 -> depthwise 3x3 -> 1x1 24->40 ->
 * depthwise 3x3: layers that differ only in their channel counts. */
static vkc_graph *mobile_block(void) {
    vkc_graph *g = kt_graph();
    uint64_t s = 5;
    int64_t xd[4] = {1, 16, 14, 14};
    uint32_t t = kt_tensor(g, "input", 4, xd, false, &s);
    int64_t c = 16;
    const int64_t widths[2] = {24, 40};
    for (int i = 0; i < 2; i++) {
        int64_t m = widths[i], wd[4] = {m, c, 1, 1}, bd[1] = {m}, dd[4] = {m, 1, 3, 3};
        char name[4][8];
        for (int k = 0; k < 4; k++)
            snprintf(name[k], sizeof name[k], "%s%d.%c", k < 2 ? "pw" : "dw", i, "wbwb"[k]);
        uint32_t in[3] = {t, kt_tensor(g, name[0], 4, wd, true, &s),
                          kt_tensor(g, name[1], 1, bd, true, &s)};
        t = kt_node(g, VKC_OP_CONV, 13, in, 3, NULL);
        vkc_attrs a = kt_attrs(VKC_OP_CONV, 13);
        a.window.group = m;
        a.window.pad_count = 4;
        for (int k = 0; k < 4; k++)
            a.window.file_pads[k] = 1;
        uint32_t din[3] = {t, kt_tensor(g, name[2], 4, dd, true, &s),
                           kt_tensor(g, name[3], 1, bd, true, &s)};
        t = kt_node(g, VKC_OP_CONV, 13, din, 3, &a);
        c = m;
    }
    kt_output(g, t);
    return g;
}

/* Shape-generic kernels: the 1x1 GEMM and the depthwise kernel take their
 * sizes as push constants, so the two 1x1 layers share one pipeline and the
 * two depthwise layers another; the results still match the reference. */
static void shape_generic(vkcnn_context *ctx) {
    kt_override("conv=gemm1x1/16x8"); /* the 1x1 layers; depthwise ones keep the rule's dw */
    vkc_graph *g = mobile_block();
    vkc_exec *e = NULL;
    CHECK_OK(vkc_exec_create(ctx, g, NULL, &e));
    if (e) {
        CHECK(vkc_exec_dispatch_count(e) == 4);
        unsigned pw = 0, dw = 0;
        for (uint32_t i = 0; i < vkc_exec_dispatch_count(e); i++) {
            pw += strcmp(vkc_exec_dispatch_template(e, i), "conv1x1") == 0;
            dw += strcmp(vkc_exec_dispatch_template(e, i), "conv_dw") == 0;
        }
        CHECK(pw == 2 && dw == 2);
        CHECK(vkc_exec_kernel_count(e) == 2);
        vkc_exec_destroy(e);
    }
    vkc_graph_destroy(g);
    kt_check(ctx, mobile_block(), NULL, 5, "1x1 and depthwise layers sharing pipelines");
    kt_override(NULL);
}

/* x [1,16,14,14] -> 1x1 16->24 + Relu -> 1x1 24->24 -> 1x1 24->40 + Clip
 * [-0.25, 0.5]: 1x1 layers whose post-ops are a clamp. */
static vkc_graph *clamp_chain(void) {
    vkc_graph *g = kt_graph();
    uint64_t s = 6;
    int64_t xd[4] = {1, 16, 14, 14};
    uint32_t t = kt_tensor(g, "input", 4, xd, false, &s);
    const int64_t widths[3] = {24, 24, 40};
    int64_t c = 16;
    for (int i = 0; i < 3; i++) {
        int64_t m = widths[i], wd[4] = {m, c, 1, 1}, bd[1] = {m};
        char wn[8], bn[8];
        snprintf(wn, sizeof wn, "w%d", i);
        snprintf(bn, sizeof bn, "b%d", i);
        uint32_t in[3] = {t, kt_tensor(g, wn, 4, wd, true, &s), kt_tensor(g, bn, 1, bd, true, &s)};
        t = kt_node(g, VKC_OP_CONV, 13, in, 3, NULL);
        if (i == 0) t = kt_node(g, VKC_OP_RELU, 13, &t, 1, NULL);
        if (i == 2) {
            vkc_attrs a = kt_attrs(VKC_OP_CLIP, 6);
            a.clip.min = -0.25f;
            a.clip.max = 0.5f;
            t = kt_node(g, VKC_OP_CLIP, 6, &t, 1, &a);
        }
        c = m;
    }
    kt_output(g, t);
    return g;
}

/* A shape-generic kernel applies no post-ops, a Relu or a Clip as one
 * clamp whose bounds are push constants: the three 1x1 layers above share
 * one pipeline (three before) and match the reference. */
static void clamp_sharing(vkcnn_context *ctx) {
    kt_override("conv=gemm1x1/16x8");
    vkc_graph *g = clamp_chain();
    vkc_exec *e = NULL;
    vkc_exec_options o = {.fusion = true};
    CHECK_OK(vkc_exec_create(ctx, g, &o, &e));
    if (e) {
        CHECK(vkc_exec_dispatch_count(e) == 3);
        for (uint32_t i = 0; i < vkc_exec_dispatch_count(e); i++)
            CHECK(strcmp(vkc_exec_dispatch_template(e, i), "conv1x1") == 0);
        CHECK(vkc_exec_kernel_count(e) == 1);
        vkc_exec_destroy(e);
    }
    vkc_graph_destroy(g);
    kt_check(ctx, clamp_chain(), &o, 6, "1x1 layers with none, Relu and Clip sharing a pipeline");
    kt_override(NULL);
}

int main(int argc, char **argv) {
    kt_args(argc, argv);
    divisor_constants();
    vkcnn_context *ctx = th_context(NULL, 0, 0);
    uint32_t relu1;
    kt_check(ctx, lenet(1, &relu1), NULL, 77, "LeNet batch 1");
    kt_check(ctx, lenet(3, &relu1), NULL, 77, "LeNet batch 3");
    check_mode(ctx);
    check_packed(ctx);
    split_preamble(ctx);
    unsupported(ctx);
    shape_generic(ctx);
    clamp_sharing(ctx);
    th_destroy(ctx);
    /* discrete-GPU path: device memory not mapped, copies staged */
    ctx = th_context(NULL, VKCNN_FAULT_FORCE_STAGING, 0);
    kt_check(ctx, lenet(3, &relu1), NULL, 77, "LeNet batch 3 (staged)");
    th_destroy(ctx);
    budget();
    kt_summary("exec");
    return th_done("test_kernel_exec");
}
