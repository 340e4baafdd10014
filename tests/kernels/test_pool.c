/* Pooling and LRN kernels against the reference: MaxPool and AveragePool
 * with pads, strides, dilations, ceil_mode, count_include_pad and auto_pad,
 * 1-D and 2-D, batch 1 and 3; global pools; LRN with odd and even sizes. */
#include <stdio.h>

#include "kt.h"

typedef struct pool_case {
    vkc_op op;
    int64_t n, c, h, w, kh, kw, sh, sw, dh, dw, pads[4];
    bool one_d, ceil_mode, include_pad;
    vkc_auto_pad auto_pad;
} pool_case;

static int run(vkcnn_context *ctx, const pool_case *k, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    int64_t xd[4] = {k->n, k->c, k->one_d ? k->w : k->h, k->w};
    uint32_t rank = k->one_d ? 3 : 4, sp = k->one_d ? 1 : 2;
    uint32_t x = kt_tensor(g, "x", rank, xd, false, &s);
    vkc_attrs a = kt_attrs(k->op, 12);
    vkc_window_attrs *w = &a.window;
    w->has_kernel = true;
    int64_t kern[2] = {k->kh, k->kw}, st[2] = {k->sh, k->sw}, dl[2] = {k->dh, k->dw};
    for (uint32_t i = 0; i < sp; i++) {
        w->kernel[i] = k->one_d ? k->kw : kern[i];
        w->strides[i] = k->one_d ? k->sw : st[i];
        w->dilations[i] = k->one_d ? k->dw : dl[i];
    }
    w->ceil_mode = k->ceil_mode;
    w->count_include_pad = k->include_pad;
    w->auto_pad = k->auto_pad;
    if (k->auto_pad == VKC_AUTO_PAD_NOTSET) {
        w->pad_count = 2 * sp;
        for (uint32_t i = 0; i < sp; i++) {
            w->file_pads[i] = k->one_d ? k->pads[1] : k->pads[i];
            w->file_pads[sp + i] = k->one_d ? k->pads[3] : k->pads[2 + i];
        }
    }
    char what[256];
    snprintf(what, sizeof what,
             "%s%s n%lld c%lld in %lldx%lld k %lldx%lld s %lldx%lld d %lldx%lld pads "
             "%lld,%lld,%lld,%lld ceil %d include_pad %d auto_pad %d",
             vkc_op_name(k->op), k->one_d ? "1d" : "", (long long)k->n, (long long)k->c,
             (long long)k->h, (long long)k->w, (long long)k->kh, (long long)k->kw, (long long)k->sh,
             (long long)k->sw, (long long)k->dh, (long long)k->dw, (long long)k->pads[0],
             (long long)k->pads[1], (long long)k->pads[2], (long long)k->pads[3], k->ceil_mode,
             k->include_pad, (int)k->auto_pad);
    uint32_t y = kt_node(g, k->op, 12, &x, 1, &a);
    if (y == VKC_NONE) {
        fprintf(stderr, "  in %s (seed %llu)\n", what, (unsigned long long)seed);
        vkc_graph_destroy(g);
        return 1;
    }
    kt_output(g, y);
    return kt_check(ctx, g, NULL, seed, what);
}

static pool_case random_case(uint64_t *s) {
    pool_case k = {0};
    k.op = kt_range(s, 0, 1) ? VKC_OP_MAX_POOL : VKC_OP_AVERAGE_POOL;
    k.n = kt_range(s, 0, 3) == 0 ? 3 : 1;
    k.c = kt_range(s, 1, 5);
    k.one_d = kt_range(s, 0, 4) == 0;
    k.h = k.one_d ? 1 : 2 * kt_range(s, 1, 7) + 1;
    k.w = 2 * kt_range(s, 1, 7) + 1 + (kt_range(s, 0, 3) == 0);
    k.kh = k.one_d ? 1 : kt_range(s, 1, 4);
    k.kw = kt_range(s, 1, 4);
    k.sh = kt_range(s, 1, 4);
    k.sw = kt_range(s, 1, 4);
    k.dh = k.dw = 1;
    if (kt_range(s, 0, 2) == 0) { /* dilation 2 */
        k.dh = k.one_d ? 1 : 2;
        k.dw = 2;
    }
    k.ceil_mode = kt_range(s, 0, 1);
    k.include_pad = k.op == VKC_OP_AVERAGE_POOL && kt_range(s, 0, 1);
    int ap = (int)kt_range(s, 0, 5);
    k.auto_pad = ap == 3   ? VKC_AUTO_PAD_SAME_UPPER
                 : ap == 4 ? VKC_AUTO_PAD_SAME_LOWER
                 : ap == 5 ? VKC_AUTO_PAD_VALID
                           : VKC_AUTO_PAD_NOTSET;
    if (k.auto_pad == VKC_AUTO_PAD_NOTSET) {
        /* pads smaller than the kernel, as ONNX and PyTorch expect */
        k.pads[0] = k.one_d ? 0 : kt_range(s, 0, k.kh - 1);
        k.pads[2] = k.one_d ? 0 : kt_range(s, 0, k.kh - 1);
        k.pads[1] = kt_range(s, 0, k.kw - 1);
        k.pads[3] = kt_range(s, 0, k.kw - 1);
    }
    while (k.h + k.pads[0] + k.pads[2] < k.dh * (k.kh - 1) + 1)
        k.h += 2;
    while (k.w + k.pads[1] + k.pads[3] < k.dw * (k.kw - 1) + 1)
        k.w += 2;
    return k;
}

static int run_global(vkcnn_context *ctx, vkc_op op, int64_t n, int64_t c, int64_t h, int64_t w,
                      bool one_d, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    int64_t xd[4] = {n, c, one_d ? w : h, w};
    uint32_t x = kt_tensor(g, "x", one_d ? 3 : 4, xd, false, &s);
    char what[128];
    snprintf(what, sizeof what, "%s n%lld c%lld %lldx%lld", vkc_op_name(op), (long long)n,
             (long long)c, (long long)h, (long long)w);
    kt_output(g, kt_node(g, op, 12, &x, 1, NULL));
    return kt_check(ctx, g, NULL, seed, what);
}

static int run_lrn(vkcnn_context *ctx, int64_t n, int64_t c, int64_t h, int64_t w, int64_t size,
                   float alpha, float beta, float bias, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    int64_t xd[4] = {n, c, h, w};
    uint32_t x = kt_tensor(g, "x", 4, xd, false, &s);
    vkc_attrs a = kt_attrs(VKC_OP_LRN, 13);
    a.lrn = (vkc_lrn_attrs){size, alpha, beta, bias};
    char what[128];
    snprintf(what, sizeof what, "LRN n%lld c%lld %lldx%lld size %lld alpha %g beta %g bias %g",
             (long long)n, (long long)c, (long long)h, (long long)w, (long long)size, (double)alpha,
             (double)beta, (double)bias);
    kt_output(g, kt_node(g, VKC_OP_LRN, 13, &x, 1, &a));
    return kt_check(ctx, g, NULL, seed, what);
}

int main(int argc, char **argv) {
    kt_args(argc, argv);
    vkcnn_context *ctx = th_context(NULL, 0, 0);
    pool_case fixed[] = {
        /* AlexNet / VGG pools */
        {VKC_OP_MAX_POOL, 1, 4, 27, 27, 3, 3, 2, 2, 1, 1, {0}, false, false, false, 0},
        {VKC_OP_MAX_POOL, 3, 2, 14, 14, 2, 2, 2, 2, 1, 1, {0}, false, false, false, 0},
        /* ceil_mode with a last window starting in the end padding */
        {VKC_OP_AVERAGE_POOL, 1, 2, 6, 6, 3, 3, 2, 2, 1, 1, {1, 1, 1, 1}, false, true, true, 0},
        {VKC_OP_AVERAGE_POOL, 1, 2, 7, 5, 3, 2, 2, 2, 1, 1, {1, 0, 1, 1}, false, true, false, 0},
        {VKC_OP_MAX_POOL, 1, 2, 5, 5, 2, 2, 2, 2, 2, 2, {0}, false, true, false, 0},
        {VKC_OP_AVERAGE_POOL,
         3,
         2,
         9,
         8,
         3,
         3,
         3,
         2,
         1,
         1,
         {0},
         false,
         false,
         true,
         VKC_AUTO_PAD_SAME_UPPER},
        {VKC_OP_AVERAGE_POOL,
         1,
         2,
         9,
         8,
         3,
         4,
         2,
         3,
         1,
         1,
         {0},
         false,
         false,
         true,
         VKC_AUTO_PAD_SAME_LOWER},
        {VKC_OP_MAX_POOL, 1, 3, 1, 17, 1, 3, 1, 2, 1, 2, {0, 1, 0, 2}, true, true, false, 0},
        /* rows of whole vec4s (pool.comp's YV4 on CPU drivers): GoogLeNet's
         * 3x3/1 branch pool at OW 20 (the last row block's second vec4 past
         * OW) at batch 3; of whole blocks of 8 (YV8 where the device has
         * wide accesses): ResNet's 3x3/2 stem pool at OW 8, and an average
         * pool whose divisor counts the taps inside X */
        {VKC_OP_MAX_POOL, 3, 3, 12, 20, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, false, false, false, 0},
        {VKC_OP_MAX_POOL, 1, 4, 16, 16, 3, 3, 2, 2, 1, 1, {1, 1, 1, 1}, false, false, false, 0},
        {VKC_OP_AVERAGE_POOL, 1, 2, 15, 16, 3, 3, 2, 2, 1, 1, {1, 1, 1, 1}, false, false, false, 0},
    };
    uint64_t seed = 2000;
    for (unsigned i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        run(ctx, &fixed[i], seed++);
    for (unsigned i = 0; i < 36; i++) {
        uint64_t s = 0x9001000u + i, st = s;
        pool_case k = random_case(&st);
        run(ctx, &k, s);
    }
    run_global(ctx, VKC_OP_GLOBAL_AVERAGE_POOL, 3, 5, 7, 9, false, seed++);
    run_global(ctx, VKC_OP_GLOBAL_MAX_POOL, 1, 8, 13, 13, false, seed++);
    run_global(ctx, VKC_OP_GLOBAL_AVERAGE_POOL, 1, 4, 1, 11, true, seed++);
    run_global(ctx, VKC_OP_GLOBAL_MAX_POOL, 3, 2, 1, 6, true, seed++);
    /* whole texels over planes of 49 (straddling them) and of 64 values */
    run_global(ctx, VKC_OP_GLOBAL_AVERAGE_POOL, 2, 6, 7, 7, false, seed++);
    run_global(ctx, VKC_OP_GLOBAL_AVERAGE_POOL, 1, 3, 8, 8, false, seed++);
    /* LRN: AlexNet's size 5, even and size-1 windows, window wider than C */
    run_lrn(ctx, 1, 12, 5, 5, 5, 1e-4f, 0.75f, 2.0f, seed++);
    run_lrn(ctx, 3, 7, 3, 4, 4, 0.5f, 0.6f, 1.0f, seed++);
    run_lrn(ctx, 1, 3, 3, 3, 1, 1.0f, 1.0f, 1.5f, seed++);
    run_lrn(ctx, 1, 3, 2, 5, 9, 2.0f, 0.75f, 1.0f, seed++);
    th_destroy(ctx);
    kt_summary("pool+lrn");
    return th_done("test_kernel_pool");
}
