/* Conv kernels against the reference: random shapes (odd sizes, groups 1, 2
 * and depthwise, strides up to 4, dilation 2, asymmetric pads, auto_pad,
 * 1-D and 2-D, bias or not, batch 1 and 3), fixed layers (AlexNet's 11x11/4
 * stem, its two-tower grouped conv, a 1x1), channel counts that do not
 * divide conv_gemm.comp's blocks, VGG-like 3x3 layers, and every fused
 * activation. Each case runs under every kernel the lowering can pick
 * (VKCNN_KERNEL_OVERRIDE, read when the executor is created): by rule
 * (conv_gemm.comp, with subgroup broadcast and row blocks where the device
 * has subgroups), conv_gemm.comp without subgroup ops ("conv=igemm/plain"),
 * the direct conv.comp ("conv=direct"), im2col, and split-K over 3 channel
 * slices ("conv=igemm/cols/k3": partial sums, then splitk_sum.comp with the
 * bias and the fused epilogue; a slice may be empty).
 * 1x1 convolutions of group 1 without padding (conv1x1.comp, the rule's
 * kernel for them) also run as "conv=igemm" (the implicit GEMM's rule) and
 * under blocks other than the rule's, on random shapes: channel and pixel
 * counts that divide neither the blocks nor 4, stride 1 and 2, batch 1 and
 * 3, fused bias, activation, residual Add, and an input scale (the
 * squeeze-and-excitation Mul, per channel or per image and channel).
 * Depthwise convolutions (conv_dw.comp, the rule's kernel for them) also run
 * under other tiles, storage loads and the implicit GEMM, on MobileNet- and
 * EfficientNet-like layers and random shapes: channel multipliers 1 and 2,
 * strides, dilations, asymmetric pads, batch 1 and 3, fused bias,
 * activation, residual Add and an input scale. */
#include <stdio.h>
#include <stdlib.h>

#include "kt.h"

typedef struct conv_case {
    int64_t n, cg, mg, group, h, w, kh, kw, sh, sw, dh, dw, pads[4];
    bool one_d, bias;
    vkc_auto_pad auto_pad;
    int act; /* fused activation: 0 none, 1 Relu, 2 LeakyRelu, 3 Clip, 4 Sigmoid, 5 Tanh,
                6 PRelu with one slope, 7 PRelu per channel */
} conv_case;

#define ACTS 8
static const char *const act_name[ACTS] = {"none",    "Relu", "LeakyRelu", "Clip",
                                           "Sigmoid", "Tanh", "PRelu 1",   "PRelu M"};

/* The kernels a case runs under (NULL: by rule): their names in the case
 * descriptions, and the VKCNN_KERNEL_OVERRIDE items that choose them. */
static const char *const kernels[] = {NULL,         "gemm-plain",          "direct",
                                      "im2col/8x4", "im2col/16x8/storage", "split-K 3"};
static const char *const overrides[] = {NULL,
                                        "conv=igemm/plain",
                                        "conv=direct",
                                        "conv=im2col/8x4",
                                        "conv=im2col/16x8/storage",
                                        "conv=igemm/cols/k3"};

/* Checks graph g with output y (VKC_NONE: building it failed) against the
 * reference, fused; 1 on a failure. */
static int finish(vkcnn_context *ctx, vkc_graph *g, uint32_t y, uint64_t seed, const char *what) {
    if (y == VKC_NONE) {
        fprintf(stderr, "  in %s (seed %llu)\n", what, (unsigned long long)seed);
        vkc_graph_destroy(g);
        return 1;
    }
    kt_output(g, y);
    vkc_exec_options opts = {.fusion = true};
    return kt_check(ctx, g, &opts, seed, what);
}

/* Appends activation `act` after tensor t; returns its output. */
static uint32_t activation(vkc_graph *g, uint32_t t, int act, int64_t m, bool one_d, uint64_t *s) {
    vkc_attrs e;
    int64_t one[1] = {1}, chan[3] = {m, 1, 1};
    uint32_t pin[2] = {t, VKC_NONE};
    switch (act) {
    case 1: return kt_node(g, VKC_OP_RELU, 13, &t, 1, NULL);
    case 2:
        e = kt_attrs(VKC_OP_LEAKY_RELU, 16);
        e.elt.alpha = 0.2f;
        return kt_node(g, VKC_OP_LEAKY_RELU, 16, &t, 1, &e);
    case 3:
        e = kt_attrs(VKC_OP_CLIP, 6);
        e.clip.min = -0.25f;
        e.clip.max = 0.5f;
        return kt_node(g, VKC_OP_CLIP, 6, &t, 1, &e);
    case 4: return kt_node(g, VKC_OP_SIGMOID, 13, &t, 1, NULL);
    case 5: return kt_node(g, VKC_OP_TANH, 13, &t, 1, NULL);
    case 6:
    case 7:
        pin[1] = act == 6 ? kt_tensor(g, "slope", 1, one, true, s)
                          : kt_tensor(g, "slope", one_d ? 2 : 3, chan, true, s);
        return kt_node(g, VKC_OP_PRELU, 16, pin, 2, NULL);
    default: return t;
    }
}

static int run1(vkcnn_context *ctx, const conv_case *k, uint64_t seed, const char *kernel) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    int64_t c = k->cg * k->group, m = k->mg * k->group;
    int64_t xd[4] = {k->n, c, k->h, k->w}, wd[4] = {m, k->cg, k->kh, k->kw}, bd[1] = {m};
    if (k->one_d) {
        xd[2] = k->w;
        wd[2] = k->kw;
    }
    uint32_t rank = k->one_d ? 3 : 4;
    uint32_t in[3] = {kt_tensor(g, "x", rank, xd, false, &s), kt_tensor(g, "w", rank, wd, true, &s),
                      k->bias ? kt_tensor(g, "b", 1, bd, true, &s) : VKC_NONE};
    vkc_attrs a = kt_attrs(VKC_OP_CONV, 13);
    vkc_window_attrs *w = &a.window;
    w->group = k->group;
    w->auto_pad = k->auto_pad;
    uint32_t sp = k->one_d ? 1 : 2;
    int64_t st[2] = {k->sh, k->sw}, dl[2] = {k->dh, k->dw};
    for (uint32_t i = 0; i < sp; i++) {
        w->strides[i] = k->one_d ? k->sw : st[i];
        w->dilations[i] = k->one_d ? k->dw : dl[i];
    }
    if (k->auto_pad == VKC_AUTO_PAD_NOTSET) {
        w->pad_count = 2 * sp;
        for (uint32_t i = 0; i < sp; i++) { /* file layout: begins, then ends */
            w->file_pads[i] = k->one_d ? k->pads[1] : k->pads[i];
            w->file_pads[sp + i] = k->one_d ? k->pads[3] : k->pads[2 + i];
        }
    }
    char what[256];
    snprintf(what, sizeof what,
             "Conv%s n%lld c%lld m%lld group%lld in %lldx%lld k %lldx%lld s %lldx%lld d %lldx%lld "
             "pads %lld,%lld,%lld,%lld auto_pad %d bias %d + %s, kernel %s",
             k->one_d ? "1d" : "", (long long)k->n, (long long)c, (long long)m, (long long)k->group,
             (long long)k->h, (long long)k->w, (long long)k->kh, (long long)k->kw, (long long)k->sh,
             (long long)k->sw, (long long)k->dh, (long long)k->dw, (long long)k->pads[0],
             (long long)k->pads[1], (long long)k->pads[2], (long long)k->pads[3], (int)k->auto_pad,
             k->bias, act_name[k->act], kernel ? kernel : "auto");
    uint32_t y = kt_node(g, VKC_OP_CONV, 13, in, 3, &a);
    if (y != VKC_NONE && k->act) y = activation(g, y, k->act, m, k->one_d, &s);
    return finish(ctx, g, y, seed, what);
}

static void run(vkcnn_context *ctx, const conv_case *k, uint64_t seed) {
    uint32_t variants = kt_variants(sizeof kernels / sizeof kernels[0]); /* KT_VARIANTS */
    for (unsigned i = 0; i < sizeof kernels / sizeof kernels[0]; i++) {
        if (!(variants >> i & 1)) continue;
        kt_override(overrides[i]);
        run1(ctx, k, seed, kernels[i]);
    }
    kt_override(NULL);
}

/* ---- convolutions with fused operands ------------------------------------ */

/* What the 1x1 and depthwise cases build: X (times a squeeze-and-excitation
 * scale when xscale), a Conv with or without bias, a residual Add, an
 * activation, then a scale per image and channel (yscale: an epilogue
 * operand read at index / OH*OW, EPI_SPATIAL). */
typedef struct fused_case {
    const char *kind; /* "1x1" or "depthwise", for the description */
    int64_t n, c, m, group, h, w, kh, kw, sh, sw, dh, dw, pads[4]; /* pads: t, l, b, r */
    bool bias, residual;
    int act;    /* as conv_case */
    int xscale; /* 0 none, 1 a constant scale per channel, 2 an input per image and channel */
    bool yscale;
} fused_case;

static int run_fused_once(vkcnn_context *ctx, const fused_case *k, uint64_t seed,
                          const char *kernel) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    int64_t xd[4] = {k->n, k->c, k->h, k->w}, wd[4] = {k->m, k->c / k->group, k->kh, k->kw};
    int64_t bd[1] = {k->m}, sd[4] = {k->xscale == 2 ? k->n : 1, k->c, 1, 1};
    int64_t oh = (k->h + k->pads[0] + k->pads[2] - k->dh * (k->kh - 1) - 1) / k->sh + 1;
    int64_t ow = (k->w + k->pads[1] + k->pads[3] - k->dw * (k->kw - 1) - 1) / k->sw + 1;
    int64_t yd[4] = {k->n, k->m, oh, ow};
    uint32_t x = kt_tensor(g, "x", 4, xd, false, &s);
    if (k->xscale) {
        uint32_t min[2] = {x, kt_tensor(g, "scale", 4, sd, k->xscale == 1, &s)};
        x = kt_node(g, VKC_OP_MUL, 14, min, 2, NULL);
    }
    uint32_t in[3] = {x, kt_tensor(g, "w", 4, wd, true, &s),
                      k->bias ? kt_tensor(g, "b", 1, bd, true, &s) : VKC_NONE};
    vkc_attrs a = kt_attrs(VKC_OP_CONV, 13);
    vkc_window_attrs *w = &a.window;
    w->group = k->group;
    w->strides[0] = k->sh;
    w->strides[1] = k->sw;
    w->dilations[0] = k->dh;
    w->dilations[1] = k->dw;
    w->pad_count = 4; /* file layout: begins, then ends */
    for (int i = 0; i < 4; i++)
        w->file_pads[i] = k->pads[i];
    uint32_t y = kt_node(g, VKC_OP_CONV, 13, in, 3, &a);
    if (y != VKC_NONE && k->residual) {
        uint32_t ain[2] = {y, kt_tensor(g, "r", 4, yd, false, &s)};
        y = kt_node(g, VKC_OP_ADD, 14, ain, 2, NULL);
    }
    if (y != VKC_NONE && k->act) y = activation(g, y, k->act, k->m, false, &s);
    if (y != VKC_NONE && k->yscale) {
        int64_t od[4] = {k->n, k->m, 1, 1};
        uint32_t min[2] = {y, kt_tensor(g, "yscale", 4, od, false, &s)};
        y = kt_node(g, VKC_OP_MUL, 14, min, 2, NULL);
    }
    char what[340];
    snprintf(what, sizeof what,
             "Conv %s n%lld c%lld m%lld group%lld in %lldx%lld k %lldx%lld s %lldx%lld "
             "d %lldx%lld pads %lld,%lld,%lld,%lld bias %d residual %d xscale %d + %s yscale %d, "
             "kernel %s",
             k->kind, (long long)k->n, (long long)k->c, (long long)k->m, (long long)k->group,
             (long long)k->h, (long long)k->w, (long long)k->kh, (long long)k->kw, (long long)k->sh,
             (long long)k->sw, (long long)k->dh, (long long)k->dw, (long long)k->pads[0],
             (long long)k->pads[1], (long long)k->pads[2], (long long)k->pads[3], k->bias,
             k->residual, k->xscale, act_name[k->act], k->yscale, kernel ? kernel : "auto");
    return finish(ctx, g, y, seed, what);
}

/* Case k under each of the `count` kernels in names (NULL: by rule; else a
 * conv pattern for VKCNN_KERNEL_OVERRIDE), as KT_VARIANTS selects. */
static void run_fused(vkcnn_context *ctx, const fused_case *k, uint64_t seed,
                      const char *const *names, unsigned count) {
    uint32_t variants = kt_variants(count);
    for (unsigned i = 0; i < count; i++) {
        if (!(variants >> i & 1)) continue;
        char item[64];
        snprintf(item, sizeof item, "conv=%s", names[i] ? names[i] : "");
        kt_override(names[i] ? item : NULL);
        run_fused_once(ctx, k, seed, names[i]);
    }
    kt_override(NULL);
}

/* ---- few input channels (conv_row.comp) ---------------------------------- */

/* by rule (conv_row.comp's rule block on CPU drivers), blocks at both ends
 * of its range, storage loads, and the implicit GEMM (the rule's kernel
 * before it) */
static const char *const kernels_row[] = {NULL, "row/1x1", "row/16x8", "row/4x16/storage", "igemm"};

/* A network's first layers: ResNet's and GoogLeNet's 7x7 stride 2 pads 3,
 * MobileNet's 3x3 stride 2 pads 1, LeNet's 5x5 of one channel, at sizes
 * that divide no block; batch 3 with a residual and a per-image scale; a
 * dilated, asymmetrically padded 4-channel one with a residual and a Sigmoid;
 * MobileNet's stem again at batch 3 with a residual, OW 20: rows of whole
 * vec4s (YV4) with the last block's second half past OW, and 10 channels
 * (a partial channel block), and at OW 24: rows of whole blocks of 8 (YV8
 * where the device has wide accesses), the last block's second 8 past OW;
 * then random shapes of 1 to 4 input channels. */
static void row_cases(vkcnn_context *ctx) {
    const fused_case fixed[] = {
        {"row", 1, 3, 20, 1, 45, 41, 7, 7, 2, 2, 1, 1, {3, 3, 3, 3}, true, false, 1, 0, false},
        {"row", 1, 3, 32, 1, 37, 37, 3, 3, 2, 2, 1, 1, {1, 1, 1, 1}, true, false, 3, 0, false},
        {"row", 1, 1, 6, 1, 32, 32, 5, 5, 1, 1, 1, 1, {0, 0, 0, 0}, true, false, 0, 0, false},
        {"row", 3, 3, 9, 1, 19, 23, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, false, true, 2, 0, true},
        {"row", 1, 4, 12, 1, 17, 30, 3, 5, 1, 2, 2, 1, {2, 0, 1, 3}, true, true, 4, 0, false},
        {"row", 3, 3, 10, 1, 39, 40, 3, 3, 2, 2, 1, 1, {1, 1, 1, 1}, true, true, 3, 0, false},
        {"row", 3, 3, 10, 1, 23, 48, 3, 3, 2, 2, 1, 1, {1, 1, 1, 1}, true, true, 1, 0, true},
    };
    uint64_t seed = 0x20e0000u;
    for (unsigned i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        run_fused(ctx, &fixed[i], seed++, kernels_row, sizeof kernels_row / sizeof *kernels_row);
    for (unsigned i = 0; i < 12; i++) {
        uint64_t s = 0x20e1000u + i;
        fused_case k = {.kind = "row", .group = 1};
        k.n = kt_range(&s, 0, 2) == 0 ? 3 : 1;
        k.c = kt_range(&s, 1, 4);
        k.m = kt_range(&s, 1, 24);
        k.kh = kt_range(&s, 2, 7);
        k.kw = kt_range(&s, 1, 7);
        k.sh = kt_range(&s, 1, 3);
        k.sw = kt_range(&s, 1, 3);
        k.dh = kt_range(&s, 0, 3) == 0 ? 2 : 1;
        k.dw = kt_range(&s, 0, 3) == 0 ? 2 : 1;
        for (int j = 0; j < 4; j++)
            k.pads[j] = kt_range(&s, 0, 3);
        k.h = kt_range(&s, 1, 30);
        k.w = kt_range(&s, 1, 30);
        /* the padded input must hold one dilated window */
        while (k.h + k.pads[0] + k.pads[2] < k.dh * (k.kh - 1) + 1)
            k.h++;
        while (k.w + k.pads[1] + k.pads[3] < k.dw * (k.kw - 1) + 1)
            k.w++;
        k.bias = kt_range(&s, 0, 1);
        k.residual = kt_range(&s, 0, 2) == 0;
        k.act = (int)kt_range(&s, 0, ACTS - 1);
        k.yscale = kt_range(&s, 0, 3) == 0;
        run_fused(ctx, &k, 0x20e1000u + i, kernels_row, sizeof kernels_row / sizeof *kernels_row);
    }
}

/* ---- 1x1 convolutions (conv1x1.comp) ------------------------------------- */

typedef struct case1x1 {
    int64_t n, c, m, h, w, s;
    bool bias, residual;
    int act;     /* as conv_case */
    int xscale;  /* as fused_case */
    bool yscale; /* as fused_case */
} case1x1;

/* 2x4: blocks of fewer than 4 channels read the bias one channel at a time */
static const char *const kernels1x1[] = {NULL, "gemm1x1/2x4", "gemm1x1/4x4", "gemm1x1/16x8",
                                         "igemm"};

static void run1x1(vkcnn_context *ctx, const case1x1 *k, uint64_t seed) {
    fused_case f = {.kind = "1x1",
                    .n = k->n,
                    .c = k->c,
                    .m = k->m,
                    .group = 1,
                    .h = k->h,
                    .w = k->w,
                    .kh = 1,
                    .kw = 1,
                    .sh = k->s,
                    .sw = k->s,
                    .dh = 1,
                    .dw = 1,
                    .bias = k->bias,
                    .residual = k->residual,
                    .act = k->act,
                    .xscale = k->xscale,
                    .yscale = k->yscale};
    run_fused(ctx, &f, seed, kernels1x1, sizeof kernels1x1 / sizeof kernels1x1[0]);
}

static case1x1 random_1x1(uint64_t *s) {
    case1x1 k = {0};
    k.n = kt_range(s, 0, 2) == 0 ? 3 : 1;
    k.c = kt_range(s, 1, 45);
    k.m = kt_range(s, 1, 45);
    k.h = kt_range(s, 1, 15);
    k.w = kt_range(s, 1, 15);
    k.s = kt_range(s, 1, 2);
    k.bias = kt_range(s, 0, 1);
    k.residual = kt_range(s, 0, 2) == 0;
    k.act = (int)kt_range(s, 0, ACTS - 1);
    k.xscale = (int)kt_range(s, 0, 3);
    if (k.xscale > 2) k.xscale = 0;
    k.yscale = kt_range(s, 0, 3) == 0;
    return k;
}

/* ---- depthwise convolutions (conv_dw.comp) -------------------------------- */

typedef struct case_dw {
    int64_t n, c, mult, h, w, kh, kw, sh, sw, dh, dw, pads[4]; /* pads: top, left, bottom, right */
    bool bias, residual;
    int act;     /* as conv_case */
    int xscale;  /* as case1x1 */
    bool yscale; /* as case1x1 */
} case_dw;

/* by rule (conv_dw.comp's rule block), blocks at both ends of its range,
 * storage loads, and the implicit GEMM (the rule's kernel before it) */
static const char *const kernels_dw[] = {NULL, "dw/1x1", "dw/8x8", "dw/2x8/storage", "igemm"};

static void run_dw(vkcnn_context *ctx, const case_dw *k, uint64_t seed) {
    fused_case f = {.kind = "depthwise",
                    .n = k->n,
                    .c = k->c,
                    .m = k->c * k->mult,
                    .group = k->c,
                    .h = k->h,
                    .w = k->w,
                    .kh = k->kh,
                    .kw = k->kw,
                    .sh = k->sh,
                    .sw = k->sw,
                    .dh = k->dh,
                    .dw = k->dw,
                    .pads = {k->pads[0], k->pads[1], k->pads[2], k->pads[3]},
                    .bias = k->bias,
                    .residual = k->residual,
                    .act = k->act,
                    .xscale = k->xscale,
                    .yscale = k->yscale};
    run_fused(ctx, &f, seed, kernels_dw, sizeof kernels_dw / sizeof kernels_dw[0]);
}

static case_dw random_dw(uint64_t *s) {
    case_dw k = {0};
    k.n = kt_range(s, 0, 2) == 0 ? 3 : 1;
    k.c = kt_range(s, 2, 40);
    k.mult = kt_range(s, 0, 3) == 0 ? 2 : 1;
    k.kh = kt_range(s, 1, 5);
    k.kw = kt_range(s, 1, 5);
    k.sh = kt_range(s, 1, 2);
    k.sw = kt_range(s, 1, 2);
    k.dh = kt_range(s, 0, 3) == 0 ? 2 : 1;
    k.dw = kt_range(s, 0, 3) == 0 ? 2 : 1;
    for (int i = 0; i < 4; i++)
        k.pads[i] = kt_range(s, 0, 2);
    k.h = kt_range(s, 1, 19);
    k.w = kt_range(s, 1, 19);
    /* the padded input must hold one dilated window */
    while (k.h + k.pads[0] + k.pads[2] < k.dh * (k.kh - 1) + 1)
        k.h++;
    while (k.w + k.pads[1] + k.pads[3] < k.dw * (k.kw - 1) + 1)
        k.w++;
    k.bias = kt_range(s, 0, 1);
    k.residual = kt_range(s, 0, 2) == 0;
    k.act = (int)kt_range(s, 0, ACTS - 1);
    k.xscale = (int)kt_range(s, 0, 3);
    if (k.xscale > 2) k.xscale = 0;
    k.yscale = kt_range(s, 0, 3) == 0;
    return k;
}

static conv_case random_case(uint64_t *s) {
    conv_case k = {0};
    k.n = kt_range(s, 0, 3) == 0 ? 3 : 1;
    int kind = (int)kt_range(s, 0, 2); /* group 1, 2, depthwise */
    k.group = kind == 0 ? 1 : kind == 1 ? 2 : kt_range(s, 2, 6);
    k.cg = kind == 2 ? 1 : kt_range(s, 1, 4);
    k.mg = kind == 2 ? kt_range(s, 1, 2) : kt_range(s, 1, 4);
    k.one_d = kt_range(s, 0, 4) == 0;
    k.h = k.one_d ? 1 : 2 * kt_range(s, 0, 6) + 1;
    k.w = 2 * kt_range(s, 0, 6) + 1 + (kt_range(s, 0, 3) == 0);
    k.kh = k.one_d ? 1 : kt_range(s, 1, 5);
    k.kw = kt_range(s, 1, 5);
    k.sh = kt_range(s, 1, 4);
    k.sw = kt_range(s, 1, 4);
    k.dh = kt_range(s, 1, 2);
    k.dw = kt_range(s, 1, 2);
    k.bias = kt_range(s, 0, 1);
    k.act = (int)kt_range(s, 0, ACTS - 1);
    int ap = (int)kt_range(s, 0, 5);
    k.auto_pad = ap == 3   ? VKC_AUTO_PAD_SAME_UPPER
                 : ap == 4 ? VKC_AUTO_PAD_SAME_LOWER
                 : ap == 5 ? VKC_AUTO_PAD_VALID
                           : VKC_AUTO_PAD_NOTSET;
    for (int i = 0; i < 4; i++)
        k.pads[i] = kt_range(s, 0, 2);
    if (k.one_d || k.auto_pad == VKC_AUTO_PAD_VALID) k.pads[0] = k.pads[2] = 0;
    if (k.auto_pad == VKC_AUTO_PAD_VALID) k.pads[1] = k.pads[3] = 0;
    /* the padded input must hold one dilated window */
    while (k.h + k.pads[0] + k.pads[2] < k.dh * (k.kh - 1) + 1)
        k.h += 2;
    while (k.w + k.pads[1] + k.pads[3] < k.dw * (k.kw - 1) + 1)
        k.w += 2;
    return k;
}

int main(int argc, char **argv) {
    kt_args(argc, argv);
    vkcnn_context *ctx = th_context(NULL, 0, 0);
    /* fixed layers */
    conv_case fixed[] = {
        /* AlexNet stem: 11x11 stride 4, pads 2 */
        {1, 3, 4, 1, 35, 35, 11, 11, 4, 4, 1, 1, {2, 2, 2, 2}, false, true, VKC_AUTO_PAD_NOTSET, 0},
        /* two towers: group 2, 5x5 pads 2, batch 3 */
        {3, 3, 4, 2, 9, 9, 5, 5, 1, 1, 1, 1, {2, 2, 2, 2}, false, true, VKC_AUTO_PAD_NOTSET, 0},
        /* depthwise 3x3 stride 2, no bias */
        {1, 1, 1, 8, 13, 11, 3, 3, 2, 2, 1, 1, {1, 1, 1, 1}, false, false, VKC_AUTO_PAD_NOTSET, 0},
        /* 1x1 */
        {3, 16, 8, 1, 5, 7, 1, 1, 1, 1, 1, 1, {0, 0, 0, 0}, false, true, VKC_AUTO_PAD_NOTSET, 0},
        /* 11x11 dilation 2, asymmetric pads */
        {1,
         2,
         3,
         1,
         25,
         23,
         11,
         11,
         3,
         2,
         2,
         2,
         {0, 3, 1, 0},
         false,
         false,
         VKC_AUTO_PAD_NOTSET,
         0},
        {1, 3, 2, 1, 10, 9, 4, 3, 2, 3, 1, 1, {0}, false, true, VKC_AUTO_PAD_SAME_UPPER, 0},
        {1, 3, 2, 1, 10, 9, 4, 3, 2, 3, 1, 1, {0}, false, true, VKC_AUTO_PAD_SAME_LOWER, 0},
        {3, 2, 2, 2, 11, 8, 3, 2, 1, 2, 2, 1, {0}, false, false, VKC_AUTO_PAD_VALID, 0},
        /* 1-D, stride 4 */
        {3, 2, 3, 1, 1, 31, 1, 5, 1, 4, 1, 2, {0, 1, 0, 2}, true, true, VKC_AUTO_PAD_NOTSET, 0},
        /* channels and pixels past conv_gemm.comp's 16 x 4 blocks, every activation */
        {3, 19, 37, 1, 13, 11, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, false, true, VKC_AUTO_PAD_NOTSET, 1},
        {1, 21, 17, 1, 9, 15, 3, 3, 1, 1, 1, 1, {1, 0, 2, 1}, false, true, VKC_AUTO_PAD_NOTSET, 2},
        {2, 5, 33, 3, 17, 17, 1, 1, 1, 1, 1, 1, {0}, false, false, VKC_AUTO_PAD_NOTSET, 3},
        {1, 7, 9, 2, 19, 21, 5, 3, 2, 1, 2, 1, {2, 1, 2, 1}, false, true, VKC_AUTO_PAD_NOTSET, 4},
        {3,
         3,
         24,
         1,
         35,
         35,
         11,
         11,
         4,
         4,
         1,
         1,
         {2, 2, 2, 2},
         false,
         true,
         VKC_AUTO_PAD_NOTSET,
         5},
        {1, 6, 31, 1, 23, 1, 1, 7, 1, 2, 1, 1, {0, 3, 0, 3}, true, true, VKC_AUTO_PAD_NOTSET, 6},
        {1, 1, 1, 40, 14, 14, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, false, true, VKC_AUTO_PAD_NOTSET, 7},
        /* VGG-like 3x3 pads 1 with Relu: deep K, wide M, small and large images */
        {1, 64, 64, 1, 28, 28, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, false, true, VKC_AUTO_PAD_NOTSET, 1},
        {1,
         128,
         96,
         1,
         14,
         14,
         3,
         3,
         1,
         1,
         1,
         1,
         {1, 1, 1, 1},
         false,
         true,
         VKC_AUTO_PAD_NOTSET,
         1},
        {1, 3, 64, 1, 56, 56, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, false, true, VKC_AUTO_PAD_NOTSET, 1},
        {3, 32, 48, 1, 7, 7, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, false, true, VKC_AUTO_PAD_NOTSET, 7},
    };
    uint64_t seed = 1000;
    for (unsigned i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        run(ctx, &fixed[i], seed++);
    for (unsigned i = 0; i < 40; i++) {
        uint64_t s = 0x5eed0000u + i, st = s;
        conv_case k = random_case(&st);
        run(ctx, &k, s);
    }
    /* 1x1: MobileNet-like layers (7x7 and 14x14, C and M multiples of 4 and
     * 8, bias + Relu, residual Add), a ResNet downsampling (stride 2, batch
     * 3), planes of whole blocks of 8 (YV8 where the device has wide
     * accesses) and of whole vec4s (YV4) at batch 3 with a residual, at
     * strides 1 and 2, then random shapes */
    case1x1 fixed1x1[] = {
        {1, 64, 96, 14, 14, 1, true, false, 1, 0, false},
        {1, 96, 24, 7, 7, 1, true, true, 0, 0, false},
        {3, 32, 64, 9, 9, 2, true, true, 1, 0, true},
        {1, 40, 48, 8, 8, 1, false, false, 4, 1, false},
        {3, 24, 20, 6, 10, 1, true, false, 3, 2, true},
        {1, 3, 5, 1, 1, 1, true, false, 0, 0, false},
        {3, 20, 24, 4, 6, 1, true, true, 2, 0, true},
        {3, 16, 12, 12, 12, 2, true, true, 1, 0, false},
        {1, 12, 16, 8, 8, 2, false, true, 3, 0, false},
        /* stride 2 with pixel pairs in one texel (even W and OW, H*W % 4
         * == 0) and an input scale; then H*W % 4 == 2, where they are not */
        {1, 24, 40, 12, 16, 2, true, false, 1, 1, false},
        {1, 8, 12, 5, 6, 2, true, false, 0, 0, false},
        /* unaligned rows (7x7, 13x13) at batch 3: images at whole texels
         * (C * H * W % 4 == 0), so each channel's shift is a literal
         * (XU_R), with a residual and a per-image scale; then C * H * W
         * odd, where it is not */
        {3, 12, 20, 7, 7, 1, true, true, 1, 2, false},
        {3, 5, 16, 13, 13, 1, true, false, 1, 0, false},
        /* stride 2 to an odd width (ResNet's last downsampling, 14x14 ->
         * 7x7) at batch 3 with a residual: on CPU drivers im2col subsamples
         * X, then the GEMM reads it at stride 1 (choose.c subsample_rule) */
        {3, 16, 24, 14, 14, 2, true, true, 1, 0, false},
    };
    for (unsigned i = 0; i < sizeof fixed1x1 / sizeof fixed1x1[0]; i++)
        run1x1(ctx, &fixed1x1[i], seed++);
    for (unsigned i = 0; i < 16; i++) {
        uint64_t s = 0x1a1a0000u + i, st = s;
        case1x1 k = random_1x1(&st);
        run1x1(ctx, &k, s);
    }
    /* depthwise: MobileNet-like layers (3x3 pads 1 at strides 1 and 2 with
     * Clip, 112x112 to 7x7, channel counts that divide no block), an
     * EfficientNet-like 5x5 with an input scale and one at stride 2, a
     * multiplier of 2 at batch 3, rows of whole blocks of 8 (YV8 where the
     * device has wide accesses: OW 16) and of whole vec4s (YV4: OW 20) at
     * batch 3 with a residual, rows stored in pairs (YR2) at batch 3 with a
     * residual (OW 14; OW 7, rows of both parities, from 7x7 and from 14x14
     * at stride 2), then random shapes (strides, dilations, asymmetric pads, 1..5
     * kernels, outputs that divide no tile) */
    case_dw fixed_dw[] = {
        {1, 32, 1, 112, 112, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, true, false, 3, 0, false},
        {1, 96, 1, 112, 112, 3, 3, 2, 2, 1, 1, {1, 1, 1, 1}, true, false, 3, 0, false},
        {1, 144, 1, 28, 28, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, true, true, 0, 0, false},
        {1, 960, 1, 7, 7, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, true, false, 3, 0, false},
        {1, 240, 1, 14, 14, 5, 5, 1, 1, 1, 1, {2, 2, 2, 2}, true, false, 4, 1, false},
        {3, 20, 2, 9, 11, 3, 3, 2, 1, 1, 1, {1, 0, 1, 2}, false, true, 1, 2, true},
        {1, 24, 1, 28, 28, 5, 5, 2, 2, 1, 1, {2, 2, 2, 2}, true, false, 4, 1, false},
        {3, 12, 1, 16, 16, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, true, true, 2, 2, true},
        {3, 12, 1, 16, 20, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, true, true, 2, 2, true},
        {3, 12, 1, 14, 14, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, true, true, 3, 1, false},
        {3, 10, 1, 7, 7, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, true, true, 3, 0, true},
        {3, 10, 1, 14, 14, 3, 3, 2, 2, 1, 1, {1, 1, 1, 1}, false, true, 1, 0, false},
    };
    for (unsigned i = 0; i < sizeof fixed_dw / sizeof fixed_dw[0]; i++)
        run_dw(ctx, &fixed_dw[i], seed++);
    for (unsigned i = 0; i < 24; i++) {
        uint64_t s = 0xd3d30000u + i, st = s;
        case_dw k = random_dw(&st);
        run_dw(ctx, &k, s);
    }
    row_cases(ctx);
    th_destroy(ctx);
    kt_summary("conv");
    return th_done("test_kernel_conv");
}
