/* Winograd convolution (runtime/codegen/lower_winograd.c, the three
 * shaders/winograd_*.comp, runtime/passes/winograd.c) against the reference,
 * at kt.h's tolerance: random 3x3 and 5x5 (four 3x3 parts) stride-1 shapes
 * and strided kernels as phases of 3x3 (H and W odd and not
 * multiples of 4, pads 0, 1, 2 and asymmetric, C and M not multiples of the
 * GEMM's blocks, batch 1 and 3, bias or not, every fused activation, a
 * residual Add), each
 * run with F(4x4), F(3x3) and F(2x2) forced (VKCNN_KERNEL_OVERRIDE=conv=wino4,
 * wino3, wino2) and by rule, and VGG-like layers and AlexNet's; then the
 * rule: Winograd for VGG's layers (but the first, of 3 input channels),
 * AlexNet's 11x11/4 and 5x5, and a 5x5/2 (those as F(3x3), also when
 * F(4x4) is forced; F(2x2) on an output of 2), not for 7x7 at stride 1, 3x3/2
 * (no fewer products), 1x1, a layer under VKC_WINOGRAD_MIN_MACS (LeNet-5's
 * 5x5), dilated or grouped convs, nor with the option off or without
 * fusion. Then a MaxPool after the conv:
 * fused into the output transform when its windows tile the output tiles
 * (k x k at stride k, k dividing T; odd sizes floor), kept apart otherwise
 * (2x2/2 on F(3x3)'s tiles, 3x3/2, padded, ceil_mode with a partial window, scratch over the
 * device's bindings), against the reference and with the per-node check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kt.h"

typedef struct wcase {
    int64_t n, c, m, h, w, kh, kw, s, d, group, pads[4];
    bool bias;
    int act; /* 0 none, 1 Relu, 2 LeakyRelu, 3 Clip, 4 Sigmoid, 5 Tanh, 6 PRelu 1, 7 PRelu M */
} wcase;

/* A MaxPool after the activation: window k x k at stride s (k 0: none),
 * padding pad on every side, ceil_mode. */
typedef struct pspec {
    int64_t k, s, pad;
    bool ceil;
} pspec;

static const pspec no_pool = {0, 0, 0, false};

#define ACTS 8         /* the activations random cases draw from */
#define ACT_RESIDUAL 8 /* a residual Add of an input tensor, then Relu (fixed cases) */
static const char *const act_name[ACTS + 1] = {
    "none", "Relu", "LeakyRelu", "Clip", "Sigmoid", "Tanh", "PRelu 1", "PRelu M", "Add + Relu"};

static uint32_t activation(vkc_graph *g, uint32_t t, int act, int64_t m, uint64_t *s) {
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
                          : kt_tensor(g, "slope", 3, chan, true, s);
        return kt_node(g, VKC_OP_PRELU, 16, pin, 2, NULL);
    default: return t;
    }
}

/* The case's graph (Conv + activation, its output marked); NULL on error. */
static vkc_graph *build_pooled(const wcase *k, const pspec *pool, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    int64_t xd[4] = {k->n, k->c, k->h, k->w}, wd[4] = {k->m, k->c / k->group, k->kh, k->kw},
            bd[1] = {k->m};
    uint32_t in[3] = {kt_tensor(g, "x", 4, xd, false, &s), kt_tensor(g, "w", 4, wd, true, &s),
                      k->bias ? kt_tensor(g, "b", 1, bd, true, &s) : VKC_NONE};
    vkc_attrs a = kt_attrs(VKC_OP_CONV, 13);
    vkc_window_attrs *w = &a.window;
    w->group = k->group;
    w->pad_count = 4;
    for (int i = 0; i < 2; i++) {
        w->strides[i] = k->s;
        w->dilations[i] = k->d;
        w->file_pads[i] = k->pads[i];
        w->file_pads[2 + i] = k->pads[2 + i];
    }
    uint32_t y = kt_node(g, VKC_OP_CONV, 13, in, 3, &a);
    if (y != VKC_NONE && k->act == ACT_RESIDUAL) {
        /* the residual is an activation (a graph input), so the fused
         * epilogue reads it as texels where it holds whole ones */
        int64_t oh = (k->h + k->pads[0] + k->pads[2] - k->d * (k->kh - 1) - 1) / k->s + 1;
        int64_t ow = (k->w + k->pads[1] + k->pads[3] - k->d * (k->kw - 1) - 1) / k->s + 1;
        int64_t rd[4] = {k->n, k->m, oh, ow};
        uint32_t ain[2] = {y, kt_tensor(g, "r", 4, rd, false, &s)};
        y = kt_node(g, VKC_OP_ADD, 14, ain, 2, NULL);
        if (y != VKC_NONE) y = activation(g, y, 1, k->m, &s);
    } else if (y != VKC_NONE && k->act)
        y = activation(g, y, k->act, k->m, &s);
    if (y != VKC_NONE && pool->k) {
        vkc_attrs p = kt_attrs(VKC_OP_MAX_POOL, 12);
        vkc_window_attrs *pw = &p.window;
        pw->has_kernel = true;
        pw->pad_count = 4;
        pw->ceil_mode = pool->ceil;
        for (int i = 0; i < 2; i++) {
            pw->kernel[i] = pool->k;
            pw->strides[i] = pool->s;
            pw->dilations[i] = 1;
            pw->file_pads[i] = pw->file_pads[2 + i] = pool->pad;
        }
        y = kt_node(g, VKC_OP_MAX_POOL, 12, &y, 1, &p);
    }
    if (y == VKC_NONE) {
        vkc_graph_destroy(g);
        return NULL;
    }
    kt_output(g, y);
    return g;
}

static vkc_graph *build(const wcase *k, uint64_t seed) {
    return build_pooled(k, &no_pool, seed);
}

static void describe_pooled(const wcase *k, const pspec *pool, const char *tile, char *what,
                            size_t size) {
    snprintf(what, size,
             "Conv n%lld c%lld m%lld group%lld in %lldx%lld k %lldx%lld s%lld d%lld pads "
             "%lld,%lld,%lld,%lld bias %d + %s + MaxPool %lld/%lld pad %lld%s, tile %s",
             (long long)k->n, (long long)k->c, (long long)k->m, (long long)k->group,
             (long long)k->h, (long long)k->w, (long long)k->kh, (long long)k->kw, (long long)k->s,
             (long long)k->d, (long long)k->pads[0], (long long)k->pads[1], (long long)k->pads[2],
             (long long)k->pads[3], k->bias, act_name[k->act], (long long)pool->k,
             (long long)pool->s, (long long)pool->pad, pool->ceil ? " ceil" : "", tile);
}

static void describe(const wcase *k, const char *tile, char *what, size_t size) {
    describe_pooled(k, &no_pool, tile, what, size);
}

static const vkc_exec_options wino_opts = {.fusion = true, .winograd = true};

/* The GEMM block the cases below force ("" : the rule's), as a
 * VKCNN_KERNEL_OVERRIDE pattern suffix ("/16x8"). */
static const char *block = "";

/* Sets VKCNN_KERNEL_OVERRIDE for Winograd tile `tile` ("4", "3", "2"; NULL: the
 * rule picks, the block alone forced) with the current block. */
static void force_tile(const char *tile) {
    char items[64] = "";
    if (tile)
        snprintf(items, sizeof items, "conv=wino%s%s", tile, block);
    else if (block[0])
        snprintf(items, sizeof items, "conv=%s", block + 1);
    kt_override(items[0] ? items : NULL);
}

/* Runs the case with F(4x4), F(3x3), F(2x2) and the rule's tile
 * (KT_VARIANTS=one: one of them, in turn). */
static void run(vkcnn_context *ctx, const wcase *k, uint64_t seed) {
    static const char *const tiles[] = {"4", "3", "2", NULL};
    uint32_t variants = kt_variants(4);
    for (unsigned i = 0; i < 4; i++) {
        if (!(variants >> i & 1)) continue;
        force_tile(tiles[i]);
        char what[320];
        describe(k, tiles[i] ? tiles[i] : "by rule", what, sizeof what);
        vkc_graph *g = build(k, seed);
        if (!g) {
            fprintf(stderr, "  could not build %s\n", what);
            th_failures++;
            continue;
        }
        kt_check(ctx, g, &wino_opts, seed, what);
    }
    kt_override(NULL);
}

/* The tile T the executor runs the case's Conv with as Winograd F(T x T)
 * (its first dispatch is the input transform), 0 when not as Winograd. */
static unsigned winograd_tile(vkcnn_context *ctx, const wcase *k, const vkc_exec_options *opts) {
    vkc_graph *g = build(k, 7);
    if (!g) return 0;
    vkc_exec *e = NULL;
    unsigned tile = 0;
    vkcnn_status st = vkc_exec_create(ctx, g, opts, &e);
    CHECK_OK(st);
    if (!st) {
        const char *name = vkc_exec_dispatch_template(e, 0);
        const char *t = strstr(vkc_exec_dispatch_defines(e, 0), "#define T ");
        if (name && strcmp(name, "winograd_input") == 0) {
            CHECK(t != NULL && vkc_exec_dispatch_count(e) == 3);
            tile = t ? (unsigned)atoi(t + strlen("#define T ")) : 0;
        }
    }
    vkc_exec_destroy(e);
    vkc_graph_destroy(g);
    return tile;
}

static bool picks_winograd(vkcnn_context *ctx, const wcase *k, const vkc_exec_options *opts) {
    return winograd_tile(ctx, k, opts) != 0;
}

/* Runs the case once more with the per-node check (vkc_exec_check: the
 * fused pool recomputed on the host after the Conv and its epilogue) and
 * returns how many dispatches it took (0 on error). */
static uint32_t checked_dispatches(vkcnn_context *ctx, const wcase *k, const pspec *pool,
                                   const vkc_exec_options *opts) {
    vkc_graph *g = build_pooled(k, pool, 11);
    if (!g) return 0;
    vkc_exec *e = NULL;
    uint32_t count = 0;
    vkcnn_status st = vkc_exec_create(ctx, g, opts, &e);
    for (uint32_t i = 0; !st && i < g->input_count; i++)
        st = vkc_exec_write(e, g->inputs[i], kt_data(g, g->inputs[i]),
                            g->tensors[g->inputs[i]].elements);
    if (!st) st = vkc_exec_run(e);
    char report[512] = "";
    if (!st) st = vkc_exec_check(e, (float)KT_RTOL, (float)KT_ATOL, report, sizeof report);
    CHECK_OK(st);
    if (!st) count = vkc_exec_dispatch_count(e);
    vkc_exec_destroy(e);
    vkc_graph_destroy(g);
    return count;
}

static wcase random_case(uint64_t *s) {
    wcase k = {0};
    k.n = kt_range(s, 0, 3) == 0 ? 3 : 1;
    k.c = kt_range(s, 1, 40);
    k.m = kt_range(s, 1, 40);
    k.h = 2 * kt_range(s, 1, 12) + 1; /* odd */
    k.w = 2 * kt_range(s, 1, 12) + 1;
    k.kh = k.kw = 3;
    k.s = k.d = k.group = 1;
    for (int i = 0; i < 4; i++)
        k.pads[i] = kt_range(s, 0, 2);
    k.bias = kt_range(s, 0, 1);
    k.act = (int)kt_range(s, 0, ACTS - 1);
    if (kt_range(s, 0, 3) == 0) /* drawn last: the 3x3 cases stay as they were */
        k.kh = k.kw = 5;
    while (k.h + k.pads[0] + k.pads[2] < k.kh)
        k.h += 2;
    while (k.w + k.pads[1] + k.pads[3] < k.kw)
        k.w += 2;
    return k;
}

int main(int argc, char **argv) {
    kt_args(argc, argv);
    vkcnn_context *ctx = th_context(NULL, 0, 0);
    wcase fixed[] = {
        /* every activation once, C and M past the 16 x 8 blocks, odd sizes */
        {1, 19, 37, 13, 11, 3, 3, 1, 1, 1, {1, 1, 1, 1}, true, 0},
        {3, 21, 17, 9, 15, 3, 3, 1, 1, 1, {1, 0, 2, 1}, true, 1},
        {1, 5, 33, 17, 19, 3, 3, 1, 1, 1, {0, 0, 0, 0}, false, 2},
        {3, 7, 9, 23, 21, 3, 3, 1, 1, 1, {2, 1, 0, 2}, true, 3},
        {1, 3, 24, 35, 35, 3, 3, 1, 1, 1, {1, 1, 1, 1}, true, 4},
        {1, 6, 31, 7, 5, 3, 3, 1, 1, 1, {1, 1, 1, 1}, false, 5},
        {3, 1, 1, 3, 3, 3, 3, 1, 1, 1, {0, 0, 0, 0}, true, 6},
        {1, 40, 40, 14, 14, 3, 3, 1, 1, 1, {1, 1, 1, 1}, true, 7},
        /* VGG-like layers */
        {1, 64, 64, 56, 56, 3, 3, 1, 1, 1, {1, 1, 1, 1}, true, 1},
        {1, 256, 256, 28, 28, 3, 3, 1, 1, 1, {1, 1, 1, 1}, true, 1},
        {3, 128, 96, 14, 14, 3, 3, 1, 1, 1, {1, 1, 1, 1}, true, 1},
        {1, 3, 64, 57, 55, 3, 3, 1, 1, 1, {1, 1, 1, 1}, true, 1},
        /* OW a multiple of 8 (two tiles' rows one 8-float store where the
         * device has wide accesses), batch 3, a partial last tile row */
        {3, 12, 20, 10, 16, 3, 3, 1, 1, 1, {1, 1, 1, 1}, true, 7},
        /* 5x5 as four 3x3 parts: AlexNet's second layer, odd sizes, pads */
        {1, 64, 192, 27, 27, 5, 5, 1, 1, 1, {2, 2, 2, 2}, true, 1},
        {3, 19, 37, 13, 11, 5, 5, 1, 1, 1, {2, 1, 0, 2}, true, 3},
        {1, 17, 9, 7, 9, 5, 5, 1, 1, 1, {0, 0, 0, 0}, false, 7},
        {1, 16, 16, 5, 6, 5, 5, 1, 1, 1, {1, 2, 2, 1}, true, 0},
        /* strided kernels as S^2 phases of 3x3: AlexNet's first layer, the
         * paper's (227, no padding), 7x7/3, 5x5/2, an even 6x6/2, odd
         * sizes and asymmetric pads */
        {1, 3, 64, 224, 224, 11, 11, 4, 1, 1, {2, 2, 2, 2}, true, 1},
        {1, 3, 48, 227, 227, 11, 11, 4, 1, 1, {0, 0, 0, 0}, true, 1},
        {3, 5, 17, 31, 29, 11, 11, 4, 1, 1, {2, 1, 0, 3}, true, 3},
        {1, 8, 9, 20, 23, 7, 7, 3, 1, 1, {3, 0, 1, 2}, false, 7},
        {1, 6, 12, 19, 17, 5, 5, 2, 1, 1, {2, 2, 1, 1}, true, 2},
        {1, 4, 16, 15, 15, 6, 6, 2, 1, 1, {2, 2, 2, 2}, true, 0},
        /* a residual Add + Relu read per row of 4 outputs (epilogue4, with
         * OW a multiple of 4): ResNet-18's layer1 (OW 56: two tiles' rows
         * one store), and OW 12 at batch 3 with a partial last tile row */
        {1, 64, 64, 56, 56, 3, 3, 1, 1, 1, {1, 1, 1, 1}, true, ACT_RESIDUAL},
        {3, 12, 20, 10, 12, 3, 3, 1, 1, 1, {1, 1, 1, 1}, true, ACT_RESIDUAL},
    };
    uint64_t seed = 2000;
    for (unsigned i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        run(ctx, &fixed[i], seed++);
    /* the random cases with the small GEMM block (the rule's large blocks
     * compile slowly on CPU drivers; the fixed cases above use them); where
     * the rule picks the tile, the block pattern applies to the Convs that
     * run as implicit GEMM as well (16x8 is one of theirs too) */
    block = "/16x8";
    for (unsigned i = 0; i < 24; i++) {
        uint64_t s = 0x3a170000u + i, st = s;
        wcase k = random_case(&st);
        run(ctx, &k, s);
    }
    block = "";
    if (kt_selecting()) { /* --case / --seed: the cases above alone */
        th_destroy(ctx);
        kt_summary("winograd");
        return th_done("test_kernel_winograd");
    }

    /* the rule */
    const vkc_exec_options off = {.fusion = true, .winograd = false};
    const vkc_exec_options unfused = {.fusion = false, .winograd = true};
    wcase vgg[] = {
        {1, 64, 128, 112, 112, 3, 3, 1, 1, 1, {1, 1, 1, 1}, true, 1},
        {1, 64, 64, 56, 56, 3, 3, 1, 1, 1, {1, 1, 1, 1}, true, 1},
        {1, 256, 256, 28, 28, 3, 3, 1, 1, 1, {1, 1, 1, 1}, true, 1},
        {1, 512, 512, 14, 14, 3, 3, 1, 1, 1, {1, 1, 1, 1}, true, 1},
    };
    const wcase alexnet5 = {1, 64, 192, 27, 27, 5, 5, 1, 1, 1, {2, 2, 2, 2}, true, 1};
    const wcase alexnet11 = {1, 3, 64, 224, 224, 11, 11, 4, 1, 1, {2, 2, 2, 2}, true, 1};
    const wcase five2 = {1, 32, 64, 56, 56, 5, 5, 2, 1, 1, {2, 2, 2, 2}, true, 1};
    /* under VKC_WINOGRAD_MIN_MACS: LeNet-5's second layer stays direct */
    const wcase lenet = {1, 6, 16, 14, 14, 5, 5, 1, 1, 1, {0, 0, 0, 0}, true, 1};
    CHECK(!picks_winograd(ctx, &lenet, &wino_opts));
    CHECK(picks_winograd(ctx, &alexnet5, &wino_opts));
    CHECK(picks_winograd(ctx, &alexnet11, &wino_opts));
    CHECK(picks_winograd(ctx, &five2, &wino_opts));
    /* the forms of several 3x3 parts (5x5, strided phases) run F(3x3), also
     * when F(4x4) is asked for (passes/winograd.c: F(4x4) was not accurate
     * enough there), F(2x2) when asked or on an output of at most 2; a 3x3
     * F(4x4), or F(3x3) when asked */
    force_tile("4");
    CHECK(winograd_tile(ctx, &alexnet5, &wino_opts) == 3);
    CHECK(winograd_tile(ctx, &alexnet11, &wino_opts) == 3);
    CHECK(winograd_tile(ctx, &vgg[3], &wino_opts) == 4);
    force_tile("2");
    CHECK(winograd_tile(ctx, &alexnet5, &wino_opts) == 2);
    force_tile("3");
    CHECK(winograd_tile(ctx, &vgg[3], &wino_opts) == 3);
    kt_override(NULL);
    CHECK(winograd_tile(ctx, &alexnet5, &wino_opts) == 3);
    CHECK(winograd_tile(ctx, &alexnet11, &wino_opts) == 3);
    CHECK(winograd_tile(ctx, &five2, &wino_opts) == 3);
    const wcase five_small = {1, 256, 256, 6, 8, 5, 5, 1, 1, 1, {0, 0, 0, 0}, true, 1};
    CHECK(winograd_tile(ctx, &five_small, &wino_opts) == 2);
    for (unsigned i = 0; i < sizeof vgg / sizeof vgg[0]; i++) {
        CHECK(picks_winograd(ctx, &vgg[i], &wino_opts));
        CHECK(!picks_winograd(ctx, &vgg[i], &off));
        CHECK(!picks_winograd(ctx, &vgg[i], &unfused));
    }
    wcase other[] = {
        {1, 16, 16, 28, 28, 7, 7, 1, 1, 1, {3, 3, 3, 3}, true, 1},  /* 7x7 */
        {1, 16, 16, 28, 28, 3, 3, 2, 1, 1, {1, 1, 1, 1}, true, 1},  /* stride 2 */
        {1, 16, 16, 28, 28, 3, 3, 1, 2, 1, {2, 2, 2, 2}, true, 1},  /* dilation 2 */
        {1, 16, 16, 28, 28, 3, 3, 1, 1, 2, {1, 1, 1, 1}, true, 1},  /* group 2 */
        {1, 16, 16, 28, 28, 1, 1, 1, 1, 1, {0, 0, 0, 0}, true, 1},  /* 1x1 */
        {1, 3, 64, 224, 224, 3, 3, 1, 1, 1, {1, 1, 1, 1}, true, 1}, /* VGG's first: C < 16 */
    };
    for (unsigned i = 0; i < sizeof other / sizeof other[0]; i++)
        CHECK(!picks_winograd(ctx, &other[i], &wino_opts));

    /* MaxPool after the conv: fused (3 dispatches) or not (4), both right */
    struct {
        wcase k;
        pspec pool;
        const char *tile; /* forced: VKCNN_KERNEL_OVERRIDE=conv=wino<tile> */
        bool fused;
    } pools[] = {
        /* VGG's 2x2/2 at 14x14 (the last tile half full), odd sizes floor */
        {{1, 32, 24, 14, 14, 3, 3, 1, 1, 1, {1, 1, 1, 1}, true, 1}, {2, 2, 0, false}, "4", true},
        {{3, 17, 19, 13, 11, 3, 3, 1, 1, 1, {1, 0, 1, 2}, true, 4}, {2, 2, 0, false}, "4", true},
        {{1, 18, 33, 9, 15, 3, 3, 1, 1, 1, {1, 1, 1, 1}, false, 7}, {2, 2, 0, false}, "2", true},
        {{1, 16, 16, 16, 12, 3, 3, 1, 1, 1, {1, 1, 1, 1}, true, 3}, {4, 4, 0, false}, "4", true},
        {{1, 19, 16, 8, 8, 3, 3, 1, 1, 1, {1, 1, 1, 1}, true, 1}, {2, 2, 0, true}, "4", true},
        /* F(3x3)'s tiles: 3x3/3 windows, 17x17 floors to 5x5 */
        {{1, 16, 20, 17, 17, 3, 3, 1, 1, 1, {1, 1, 1, 1}, true, 1}, {3, 3, 0, false}, "3", true},
        {{1, 16, 16, 27, 27, 5, 5, 1, 1, 1, {2, 2, 2, 2}, true, 3}, {3, 3, 0, false}, NULL, true},
        /* windows across tiles, a padded window, a partial window */
        {{1, 16, 16, 16, 16, 3, 3, 1, 1, 1, {1, 1, 1, 1}, true, 1}, {4, 4, 0, false}, "2", false},
        {{1, 16, 16, 12, 12, 3, 3, 1, 1, 1, {1, 1, 1, 1}, true, 1}, {2, 2, 0, false}, "3", false},
        {{1, 16, 16, 13, 13, 3, 3, 1, 1, 1, {1, 1, 1, 1}, true, 1}, {3, 2, 0, false}, "4", false},
        {{1, 16, 16, 12, 12, 3, 3, 1, 1, 1, {1, 1, 1, 1}, true, 1}, {2, 2, 1, false}, "4", false},
        {{1, 16, 16, 13, 13, 3, 3, 1, 1, 1, {1, 1, 1, 1}, true, 1}, {2, 2, 0, true}, "4", false},
        {{1, 16, 16, 12, 12, 3, 3, 1, 1, 1, {1, 1, 1, 1}, true, 1}, {3, 3, 0, false}, "4", false},
    };
    for (unsigned i = 0; i < sizeof pools / sizeof pools[0]; i++) {
        force_tile(pools[i].tile);
        char what[320];
        describe_pooled(&pools[i].k, &pools[i].pool, pools[i].tile ? pools[i].tile : "by rule",
                        what, sizeof what);
        vkc_graph *g = build_pooled(&pools[i].k, &pools[i].pool, 300 + i);
        if (g) kt_check(ctx, g, &wino_opts, 300 + i, what);
        uint32_t count = checked_dispatches(ctx, &pools[i].k, &pools[i].pool, &wino_opts);
        if (count != (pools[i].fused ? 3u : 4u)) {
            fprintf(stderr, "  %s: %u dispatches, expected %u\n", what, count,
                    pools[i].fused ? 3u : 4u);
            th_failures++;
        }
    }
    kt_override(NULL);
    /* scratch over the bindings: the conv runs direct and the pool stays */
    const vkc_exec_options small = {.fusion = true, .winograd = true, .max_binding_bytes = 16384};
    const wcase tiny = {1, 16, 16, 8, 8, 3, 3, 1, 1, 1, {1, 1, 1, 1}, true, 1};
    const pspec half = {2, 2, 0, false};
    force_tile("4"); /* the layer is under VKC_WINOGRAD_MIN_MACS */
    CHECK(checked_dispatches(ctx, &tiny, &half, &wino_opts) == 3);
    CHECK(checked_dispatches(ctx, &tiny, &half, &small) == 2);
    vkc_graph *g = build_pooled(&tiny, &half, 400);
    if (g) kt_check(ctx, g, &small, 400, "pool after a conv whose Winograd scratch does not fit");
    kt_override(NULL);

    th_destroy(ctx);
    kt_summary("winograd");
    return th_done("test_kernel_winograd");
}
