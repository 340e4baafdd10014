/* fp16 activations (vkc_exec_options.half_activations): every kernel form
 * that reads or writes activations as halves, against the reference, on
 * randomized shapes (tails that do not divide the tiles, stride 2, padding,
 * groups = C, batch 1 and 3).
 *
 * Pad and LRN too, and the fused squeeze-and-excitation kernel.
 * Split-K convolutions (conv=igemm/plain/k2) keep their partial sums in
 * fp32 scratch; their second dispatch writes y as halves.
 * Each case sandwiches the node under test so that its input and output are
 * activations rather than graph inputs and outputs (which stay fp32):
 *     x -> Neg -> node -> y -> Neg -> out1
 *                           -> Abs -> out2
 * (y has two readers, so neither is fused into the node). The graph's inputs
 * and constants are rounded to fp16 on the host, so Neg's halves and the
 * fp16 weights are exact; the one rounding the reference does not make is
 * the node's store of y as a half, at most 2^-11 of |y| (round to nearest).
 * The bound is therefore KT_RTOL + 2^-11 relative to max |ref|: the fp32
 * bound plus that one rounding. A case fails too when the node's kernels did
 * not read x and write y as halves (their X_HALF / Y_HALF defines). */
#include <stdio.h>
#include <string.h>

#include "core/half.h"
#include "kt.h"

/* Rounds every float the graph holds on the host (inputs and constants). */
static void round_all(vkc_graph *g) {
    for (uint32_t t = 0; t < g->tensor_count; t++) {
        float *v = kt_data(g, t);
        for (uint64_t i = 0; v && i < g->tensors[t].elements; i++)
            v[i] = vkc_half_round(v[i]);
    }
}

/* x -> Neg: an activation the node reads. */
static uint32_t activation(vkc_graph *g, uint32_t x) {
    return kt_node(g, VKC_OP_NEG, 13, &x, 1, NULL);
}

/* Runs g with node output y sandwiched; `reads` / `writes`: the templates
 * that must read x (X_HALF) and write y (Y_HALF) as halves. */
static int run(vkcnn_context *ctx, vkc_graph *g, uint32_t y, const char *reads, const char *writes,
               const char *override, uint64_t seed, const char *what) {
    if (y == VKC_NONE) {
        fprintf(stderr, "FAIL %s (seed %llu): graph\n", what, (unsigned long long)seed);
        vkc_graph_destroy(g);
        return 1;
    }
    kt_output(g, kt_node(g, VKC_OP_NEG, 13, &y, 1, NULL));
    kt_output(g, kt_node(g, VKC_OP_ABS, 13, &y, 1, NULL));
    round_all(g);
    kt_expect_half(reads, writes);
    kt_override(override);
    vkc_exec_options o = {.fusion = true, .half_weights = true, .half_activations = true};
    o.winograd = override && strstr(override, "wino");
    char text[320];
    snprintf(text, sizeof text, "%s%s%s", what, override ? ", " : "", override ? override : "");
    int bad = kt_check(ctx, g, &o, seed, text);
    kt_override(NULL);
    return bad;
}

/* A square k x k window, stride s, padding p on every side. */
static void square_window(vkc_window_attrs *w, int64_t k, int64_t s, int64_t p) {
    w->has_kernel = true;
    w->kernel[0] = w->kernel[1] = k;
    w->strides[0] = w->strides[1] = s;
    w->dilations[0] = w->dilations[1] = 1;
    w->pad_count = 4;
    for (int i = 0; i < 4; i++)
        w->file_pads[i] = p;
}

static vkc_attrs conv_attrs(int64_t k, int64_t s, int64_t p, int64_t group) {
    vkc_attrs a = kt_attrs(VKC_OP_CONV, 13);
    square_window(&a.window, k, s, p);
    a.window.group = group;
    return a;
}

/* A random [1..n, 1..c, lo..hi, lo..hi] input x -> Neg (an activation)
 * into xd, and the case's description "<op> n.. c.. in HxW" into what. */
static uint32_t random_activation(vkc_graph *g, uint64_t *r, int64_t n, int64_t c, int64_t lo,
                                  int64_t hi, int64_t xd[4], const char *op, char *what,
                                  size_t size) {
    xd[0] = kt_range(r, 1, n);
    xd[1] = kt_range(r, 1, c);
    xd[2] = kt_range(r, lo, hi);
    xd[3] = kt_range(r, lo, hi);
    snprintf(what, size, "%s n%lld c%lld in %lldx%lld", op, (long long)xd[0], (long long)xd[1],
             (long long)xd[2], (long long)xd[3]);
    return activation(g, kt_tensor(g, "x", 4, xd, false, r));
}

/* A Conv of the given form; residual: + a second activation (the fused
 * epilogue's operand read as halves). */
static int conv_case(vkcnn_context *ctx, uint64_t seed, const char *form, int64_t k, int64_t s,
                     bool depthwise, bool residual) {
    uint64_t r = seed;
    vkc_graph *g = kt_graph();
    int64_t n = kt_range(&r, 0, 2) == 0 ? 3 : 1, c = kt_range(&r, 1, 12) * (depthwise ? 2 : 1);
    int64_t m = depthwise ? c : kt_range(&r, 1, 20), h = kt_range(&r, 3, 17),
            wd = kt_range(&r, 3, 17), p = k / 2;
    int64_t group = depthwise ? c : 1;
    int64_t xd[4] = {n, c, h, wd}, wdims[4] = {m, c / group, k, k}, bd[1] = {m};
    uint32_t x = kt_tensor(g, "x", 4, xd, false, &r);
    /* the residual's producer comes first, so that the Add fuses into the
     * Conv (its last producer) and reads the residual as the epilogue's
     * operand */
    int64_t rd[4] = {n, m, (h + 2 * p - k) / s + 1, (wd + 2 * p - k) / s + 1};
    uint32_t res = residual ? activation(g, kt_tensor(g, "r", 4, rd, false, &r)) : VKC_NONE;
    uint32_t in[3] = {activation(g, x), kt_tensor(g, "w", 4, wdims, true, &r),
                      kt_tensor(g, "b", 1, bd, true, &r)};
    vkc_attrs a = conv_attrs(k, s, p, group);
    uint32_t y = kt_node(g, VKC_OP_CONV, 13, in, 3, &a);
    if (residual && y != VKC_NONE) {
        uint32_t sum[2] = {y, res};
        y = kt_node(g, VKC_OP_ADD, 13, sum, 2, NULL);
        y = kt_node(g, VKC_OP_RELU, 13, &y, 1, NULL);
    }
    char what[200];
    snprintf(what, sizeof what, "conv n%lld c%lld m%lld in %lldx%lld k%lld s%lld group %lld%s",
             (long long)n, (long long)c, (long long)m, (long long)h, (long long)wd, (long long)k,
             (long long)s, (long long)group, residual ? " + residual Add + Relu" : "");
    /* the templates of the forced form (the default rule's: any) */
    const char *reads = NULL, *writes = NULL;
    if (form && strstr(form, "wino"))
        reads = "winograd_input", writes = "winograd_output";
    else if (form && strstr(form, "im2col"))
        reads = "im2col", writes = "conv1x1";
    else if (form && strstr(form, "/k"))
        reads = "conv_gemm", writes = "splitk_sum";
    else if (form)
        reads = writes = !strcmp(form, "conv=direct")    ? "conv"
                         : !strcmp(form, "conv=gemm1x1") ? "conv1x1"
                                                         : "conv_gemm"; /* igemm */
    else if (depthwise)
        reads = writes = "conv_dw";
    return run(ctx, g, y, reads, writes, form, seed, what);
}

static int pool_case(vkcnn_context *ctx, uint64_t seed, vkc_op op) {
    uint64_t r = seed;
    vkc_graph *g = kt_graph();
    int64_t xd[4];
    char what[160];
    uint32_t x = random_activation(g, &r, 2, 9, 4, 19, xd, vkc_op_name(op), what, sizeof what);
    vkc_attrs a = kt_attrs(op, 12);
    if (op != VKC_OP_GLOBAL_AVERAGE_POOL) square_window(&a.window, 3, 2, 1);
    return run(ctx, g, kt_node(g, op, 12, &x, 1, &a), "pool", "pool", NULL, seed, what);
}

/* A squeeze-and-excitation block fused into one SqueezeExcite node
 * (squeeze_excite.comp, forced with se=on): pool, 1x1, Relu, 1x1, Sigmoid */
static int se_case(vkcnn_context *ctx, uint64_t seed) {
    uint64_t r = seed;
    vkc_graph *g = kt_graph();
    int64_t xd[4];
    char what[160];
    uint32_t x = random_activation(g, &r, 3, 40, 1, 9, xd, "SqueezeExcite", what, sizeof what);
    int64_t hidden = kt_range(&r, 1, 9);
    int64_t w1d[4] = {hidden, xd[1], 1, 1}, w2d[4] = {xd[1], hidden, 1, 1};
    int64_t b1d[1] = {hidden}, b2d[1] = {xd[1]};
    uint32_t p = kt_node(g, VKC_OP_GLOBAL_AVERAGE_POOL, 12, &x, 1, NULL);
    vkc_attrs a = kt_attrs(VKC_OP_CONV, 13);
    uint32_t c1[3] = {p, kt_tensor(g, "w1", 4, w1d, true, &r),
                      kt_tensor(g, "b1", 1, b1d, true, &r)};
    uint32_t h = kt_node(g, VKC_OP_CONV, 13, c1, 3, &a);
    h = kt_node(g, VKC_OP_RELU, 14, &h, 1, NULL);
    uint32_t c2[3] = {h, kt_tensor(g, "w2", 4, w2d, true, &r),
                      kt_tensor(g, "b2", 1, b2d, true, &r)};
    uint32_t y = kt_node(g, VKC_OP_CONV, 13, c2, 3, &a);
    y = kt_node(g, VKC_OP_SIGMOID, 13, &y, 1, NULL);
    return run(ctx, g, y, "squeeze_excite", "squeeze_excite", "se=on", seed, what);
}

/* A standalone BatchNormalization (batchnorm.comp), its X as whole texels
 * where H * W % 4 == 0 and element by element otherwise */
static int batch_norm_case(vkcnn_context *ctx, uint64_t seed) {
    uint64_t r = seed;
    vkc_graph *g = kt_graph();
    int64_t xd[4];
    char what[128];
    uint32_t in[5];
    in[0] = random_activation(g, &r, 3, 9, 3, 9, xd, "BatchNormalization", what, sizeof what);
    kt_batch_norm_operands(g, xd[1], 0.25f, &r, in);
    vkc_attrs a = kt_attrs(VKC_OP_BATCH_NORM, 13);
    uint32_t y = kt_node(g, VKC_OP_BATCH_NORM, 13, in, 5, &a);
    return run(ctx, g, y, "batchnorm", "batchnorm", NULL, seed, what);
}

/* Pad (constant, reflect, edge; a negative pad crops) and LRN */
static int pad_lrn_case(vkcnn_context *ctx, uint64_t seed, bool lrn) {
    uint64_t r = seed;
    vkc_graph *g = kt_graph();
    int64_t xd[4];
    char what[128];
    uint32_t x = random_activation(g, &r, 3, 9, 4, 11, xd, lrn ? "LRN" : "Pad", what, sizeof what);
    vkc_attrs a = kt_attrs(lrn ? VKC_OP_LRN : VKC_OP_PAD, 13);
    vkc_pad_mode mode = (vkc_pad_mode)(seed % 3 == 0   ? VKC_PAD_CONSTANT
                                       : seed % 3 == 1 ? VKC_PAD_REFLECT
                                                       : VKC_PAD_EDGE);
    if (lrn) {
        a.lrn = (vkc_lrn_attrs){2 * kt_range(&r, 0, 2) + 1, 1e-2f, 0.75f, 2.0f};
    } else {
        a.pad.mode = mode;
        a.pad.value = 0.5f;
        a.pad.pads_given = true;
        a.pad.pad_count = 8;
        for (int i = 2; i < 4; i++) { /* H and W */
            a.pad.pads[i] = kt_range(&r, -1, 2);
            a.pad.pads[4 + i] = kt_range(&r, 0, 2);
        }
    }
    uint32_t y = kt_node(g, lrn ? VKC_OP_LRN : VKC_OP_PAD, 13, &x, 1, &a);
    return run(ctx, g, y, lrn ? "lrn" : "pad", lrn ? "lrn" : "pad", NULL, seed, what);
}

/* Concat of activations along channels: written in place by their Negs
 * (eltwise) at batch 1 and at batch 3 (each image's slice apart from the
 * next: Y_GAP); at batch 3 the first input is concatenated twice, so it
 * has two readers and is copied (copy.comp in halves) */
static int concat_case(vkcnn_context *ctx, uint64_t seed) {
    uint64_t r = seed;
    vkc_graph *g = kt_graph();
    int64_t n = kt_range(&r, 0, 1) ? 3 : 1, h = kt_range(&r, 2, 9), w = kt_range(&r, 2, 9);
    uint32_t in[3];
    for (int i = 0; i < 3; i++) {
        /* multiples of 8 channels: every slice starts on a 16-byte
         * boundary in halves (else its class stays fp32: exec.c) */
        int64_t d[4] = {n, 8 * kt_range(&r, 1, 3), h, w};
        char name[8];
        snprintf(name, sizeof name, "x%d", i);
        in[i] = activation(g, kt_tensor(g, name, 4, d, false, &r));
    }
    vkc_attrs a = kt_attrs(VKC_OP_CONCAT, 13);
    a.axis = 1;
    char what[96];
    snprintf(what, sizeof what, "Concat n%lld in %lldx%lld", (long long)n, (long long)h,
             (long long)w);
    uint32_t all[4] = {in[0], in[1], in[2], in[0]};
    uint32_t y = kt_node(g, VKC_OP_CONCAT, 13, all, n == 1 ? 3 : 4, &a);
    /* at batch 1 the Negs write their slices and no copy runs */
    return run(ctx, g, y, n == 1 ? "eltwise" : "copy", n == 1 ? "eltwise" : "copy", NULL, seed,
               what);
}

int main(int argc, char **argv) {
    kt_args(argc, argv);
    vkcnn_context *ctx = th_context(NULL, 0, 0);
    vkcnn_device_info info = {0};
    if (ctx) vkcnn_context_device_info(ctx, vkcnn_context_device_index(ctx), &info);
    if (ctx && !info.storage16) {
        printf("SKIP test_half_io: the device has no storageBuffer16BitAccess, so activations "
               "stay fp32\n");
        th_destroy(ctx);
        return 77;
    }
    static const char *const forms[] = {NULL, "conv=igemm/rows", "conv=igemm/cols", "conv=direct",
                                        "conv=im2col"};
    for (uint64_t seed = 1; ctx && seed <= 6; seed++) {
        for (size_t f = 0; f < sizeof forms / sizeof *forms; f++)
            conv_case(ctx, seed * 10 + f, forms[f], 3, 1 + seed % 2, false, seed % 3 == 0);
        conv_case(ctx, seed * 10 + 5, "conv=gemm1x1", 1, 1 + seed % 2, false, seed % 2);
        conv_case(ctx, seed * 10 + 6, NULL, 3, 1 + seed % 2, true, seed % 2 == 0);
        conv_case(ctx, seed * 10 + 7, seed % 2 ? "conv=wino2" : "conv=wino4", 3, 1, false,
                  seed % 2);
        pool_case(ctx, seed * 10 + 8,
                  seed % 3 == 0   ? VKC_OP_GLOBAL_AVERAGE_POOL
                  : seed % 3 == 1 ? VKC_OP_MAX_POOL
                                  : VKC_OP_AVERAGE_POOL);
        concat_case(ctx, seed * 10 + 9);
        pad_lrn_case(ctx, seed * 10 + 3, false);
        pad_lrn_case(ctx, seed * 10 + 4, true);
        batch_norm_case(ctx, seed * 10 + 2);
        se_case(ctx, seed * 10 + 1);
    }
    th_destroy(ctx);
    kt_summary("half_io");
    return th_done("test_half_io");
}
