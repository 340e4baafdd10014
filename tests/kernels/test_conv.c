/* Conv kernel against the reference: random shapes (odd sizes, groups 1, 2
 * and depthwise, strides up to 4, dilation 2, asymmetric pads, auto_pad,
 * 1-D and 2-D, bias or not, batch 1 and 3) and fixed layers (AlexNet's
 * 11x11/4 stem, its two-tower grouped conv, a 1x1). */
#include <stdio.h>

#include "kt.h"

typedef struct conv_case {
    int64_t n, cg, mg, group, h, w, kh, kw, sh, sw, dh, dw, pads[4];
    bool one_d, bias;
    vkc_auto_pad auto_pad;
} conv_case;

static int run(vkcnn_context *ctx, const conv_case *k, uint64_t seed) {
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
             "pads %lld,%lld,%lld,%lld auto_pad %d bias %d",
             k->one_d ? "1d" : "", (long long)k->n, (long long)c, (long long)m, (long long)k->group,
             (long long)k->h, (long long)k->w, (long long)k->kh, (long long)k->kw, (long long)k->sh,
             (long long)k->sw, (long long)k->dh, (long long)k->dw, (long long)k->pads[0],
             (long long)k->pads[1], (long long)k->pads[2], (long long)k->pads[3], (int)k->auto_pad,
             k->bias);
    uint32_t y = kt_node(g, VKC_OP_CONV, 13, in, 3, &a);
    if (y == VKC_NONE) {
        fprintf(stderr, "  in %s (seed %llu)\n", what, (unsigned long long)seed);
        vkc_graph_destroy(g);
        return 1;
    }
    kt_output(g, y);
    return kt_check(ctx, g, NULL, seed, what);
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

int main(void) {
    vkcnn_context *ctx = th_context(NULL, 0, 0);
    /* fixed layers */
    conv_case fixed[] = {
        /* AlexNet stem: 11x11 stride 4, pads 2 */
        {1, 3, 4, 1, 35, 35, 11, 11, 4, 4, 1, 1, {2, 2, 2, 2}, false, true, VKC_AUTO_PAD_NOTSET},
        /* two towers: group 2, 5x5 pads 2, batch 3 */
        {3, 3, 4, 2, 9, 9, 5, 5, 1, 1, 1, 1, {2, 2, 2, 2}, false, true, VKC_AUTO_PAD_NOTSET},
        /* depthwise 3x3 stride 2, no bias */
        {1, 1, 1, 8, 13, 11, 3, 3, 2, 2, 1, 1, {1, 1, 1, 1}, false, false, VKC_AUTO_PAD_NOTSET},
        /* 1x1 */
        {3, 16, 8, 1, 5, 7, 1, 1, 1, 1, 1, 1, {0, 0, 0, 0}, false, true, VKC_AUTO_PAD_NOTSET},
        /* 11x11 dilation 2, asymmetric pads */
        {1, 2, 3, 1, 25, 23, 11, 11, 3, 2, 2, 2, {0, 3, 1, 0}, false, false, VKC_AUTO_PAD_NOTSET},
        {1, 3, 2, 1, 10, 9, 4, 3, 2, 3, 1, 1, {0}, false, true, VKC_AUTO_PAD_SAME_UPPER},
        {1, 3, 2, 1, 10, 9, 4, 3, 2, 3, 1, 1, {0}, false, true, VKC_AUTO_PAD_SAME_LOWER},
        {3, 2, 2, 2, 11, 8, 3, 2, 1, 2, 2, 1, {0}, false, false, VKC_AUTO_PAD_VALID},
        /* 1-D, stride 4 */
        {3, 2, 3, 1, 1, 31, 1, 5, 1, 4, 1, 2, {0, 1, 0, 2}, true, true, VKC_AUTO_PAD_NOTSET},
    };
    uint64_t seed = 1000;
    for (unsigned i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        run(ctx, &fixed[i], seed++);
    for (unsigned i = 0; i < 40; i++) {
        uint64_t s = 0x5eed0000u + i, st = s;
        conv_case k = random_case(&st);
        run(ctx, &k, s);
    }
    th_destroy(ctx);
    kt_summary("conv");
    return th_done("test_kernel_conv");
}
