/* Kernel variants (runtime/codegen/variant.h, choose.c): the string form and
 * its parser; VKCNN_KERNEL_OVERRIDE, good and garbage; the tune file's
 * parser; and, for a few representative nodes (Conv 3x3, 1x1 at strides 1
 * and 2, depthwise, strided, 5x5, a 7x7 stride-2 first layer of 3
 * channels; Gemm at batch 1 and 16), that their candidates enumerate
 * (the default rule's first, each complete, legal and listed once) and that
 * every candidate, forced through the executor, computes the reference
 * result (kt.h's tolerance). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/choose.h"
#include "core/error.h"
#include "exec/exec_internal.h"
#include "kt.h"
#include "tune/table.h"

/* ---- strings and the override ---------------------------------------------- */

static void strings(void) {
    const char *good[] = {"direct",
                          "igemm/16x4/rows/texel/sg",
                          "igemm/8x2/cols/storage/plain",
                          "igemm/16x4/cols/k4/texel/sg",
                          "igemm/8x1/cols/k16/storage/plain",
                          "wino4/16x32/texel",
                          "wino2/16x8/storage",
                          "wino3/32x16/texel",
                          "gemv/nc8/texel/sg",
                          "gemv/nc4/storage/tree",
                          "gemv/nc16/texel/sg/wg16",
                          "gemm-tile/8x4",
                          "gemm",
                          "gemm1x1/8x8/texel",
                          "gemm1x1/16x4/storage",
                          "gemm1x1/16x8/texel/wg16",
                          "im2col/8x8/storage/wg128",
                          "row/8x16/texel",
                          "row/4x4/storage",
                          "dw/4x4/texel",
                          "dw/2x8/storage",
                          "cm/64x64",
                          "cm-wino2/32x64",
                          "cm-wino3/32x32",
                          "cm-wino4/64x32"};
    for (unsigned i = 0; i < sizeof good / sizeof good[0]; i++) {
        vkc_variant v;
        char why[512], back[VKC_VARIANT_STRING_MAX];
        bool ok = vkc_variant_parse(good[i], &v, why, sizeof why);
        CHECK(ok);
        if (!ok) fprintf(stderr, "  '%s': %s\n", good[i], why);
        CHECK(vkc_variant_complete(&v));
        CHECK(strcmp(vkc_variant_string(&v, back, sizeof back), good[i]) == 0);
    }
    /* patterns: some fields open */
    const char *patterns[] = {"igemm/plain", "texel",       "wino4",    "16x8",        "tree",
                              "wino/16x8",   "gemm1x1/8x4", "gemm1x1",  "dw/1x8",      "dw",
                              "cm",          "cm-wino2",    "igemm/k2", "gemm1x1/wg32"};
    for (unsigned i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
        vkc_variant v;
        char why[512];
        CHECK(vkc_variant_parse(patterns[i], &v, why, sizeof why));
        CHECK(!vkc_variant_complete(&v));
    }
    const char *bad[] = {"",
                         "igemm/17x4x",
                         "igemm/0x4",
                         "igemm/65x4",
                         "wino5",
                         "gemv/8x4",
                         "direct/texel",
                         "igemm/sg/sg",
                         "fast",
                         "igemm//sg",
                         "wino4/sg",
                         "gemm-tile/texel",
                         "gemv/nc0",
                         "igemm/16x4/rows/rows",
                         "gemm1x1/sg",
                         "gemm1x1/8x8/rows",
                         "gemm1x1/nc4",
                         "dw/sg",
                         "dw/4x4/cols",
                         "dw/nc8",
                         "cm/texel",
                         "cm/64x64/sg",
                         "cm/nc4",
                         "cm-wino5/64x64",
                         "igemm/16x4/rows/k2/texel/sg",
                         "igemm/k1",
                         "igemm/k17",
                         "igemm/k2/k4",
                         "dw/4x4/k2",
                         "direct/k2",
                         "gemm1x1/wg12",
                         "gemm1x1/wg0",
                         "gemm1x1/wg136",
                         "gemm1x1/wg16/wg32",
                         "igemm/wg16",
                         "dw/4x4/wg16",
                         "gemv/wg12",
                         "gemm-tile/8x4/wg16",
                         "row/sg",
                         "row/8x16/rows",
                         "row/nc4",
                         "row/8x8/wg16"};
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vkc_variant v;
        char why[512];
        bool ok = vkc_variant_parse(bad[i], &v, why, sizeof why);
        CHECK(!ok);
        if (ok) fprintf(stderr, "  '%s' parsed\n", bad[i]);
        CHECK(why[0] != '\0');
    }
}

static void override_parse(vkcnn_context *ctx) {
    vkc_kernel_override ov;
    CHECK_OK(vkc_kernel_override_parse(NULL, &ov));
    CHECK(!ov.set[VKC_FAMILY_CONV] && ov.loads < 0 && ov.wide < 0 && ov.image < 0 && ov.se < 0);
    CHECK_OK(vkc_kernel_override_parse("image=on", &ov));
    CHECK(ov.image == 1 && ov.loads < 0);
    CHECK_OK(vkc_kernel_override_parse("se=off,image=on", &ov));
    CHECK(ov.se == 0 && ov.image == 1);
    CHECK_OK(vkc_kernel_override_parse("se=on", &ov));
    CHECK(ov.se == 1);
    CHECK_OK(vkc_kernel_override_parse(
        "conv=igemm/16x4/texel,gemm=gemv/nc4/tree,matmul=gemm,loads=storage,wide=off,image=off",
        &ov));
    CHECK(ov.image == 0);
    CHECK(ov.set[VKC_FAMILY_CONV] && ov.family[VKC_FAMILY_CONV].algo == VKC_ALGO_IGEMM &&
          ov.family[VKC_FAMILY_CONV].bm == 16 && ov.family[VKC_FAMILY_CONV].bn == 4 &&
          ov.family[VKC_FAMILY_CONV].load == VKC_LOAD_TEXEL);
    CHECK(ov.set[VKC_FAMILY_GEMM] && ov.family[VKC_FAMILY_GEMM].bm == 4 &&
          ov.family[VKC_FAMILY_GEMM].reduce == VKC_REDUCE_PLAIN);
    CHECK(ov.set[VKC_FAMILY_MATMUL] && ov.loads == VKC_LOAD_STORAGE && ov.wide == 0);
    /* garbage, each refused with a message naming the variable and the item */
    const char *bad[] = {"conv",
                         "conv=",
                         "=igemm",
                         "foo=bar",
                         "conv=igemm/17",
                         "conv=gemv",
                         "gemm=wino4",
                         "loads=maybe",
                         "wide=yes",
                         "image=yes",
                         "image=on,image=off",
                         "se=yes",
                         "se=on,se=on",
                         "conv=direct,conv=igemm",
                         "loads=texel,loads=storage",
                         "conv=igemm,,gemm=gemv",
                         "conv=igemm;gemm=gemv"};
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vkc_error_clear();
        vkcnn_status st = vkc_kernel_override_parse(bad[i], &ov);
        CHECK(st == VKCNN_ERROR_INVALID_ARGUMENT);
        const char *msg = vkc_error_message();
        if (!strstr(msg, "VKCNN_KERNEL_OVERRIDE") || !strstr(msg, "item")) {
            fprintf(stderr, "  '%s': unclear message '%s'\n", bad[i], msg);
            th_failures++;
        }
    }
    /* the executor refuses garbage in the environment, naming it */
    kt_override("conv=igemm/99x4");
    uint64_t s = 1;
    vkc_graph *g = kt_graph();
    int64_t xd[4] = {1, 4, 6, 6}, wd[4] = {4, 4, 3, 3};
    uint32_t in[2] = {kt_tensor(g, "x", 4, xd, false, &s), kt_tensor(g, "w", 4, wd, true, &s)};
    vkc_attrs a = kt_attrs(VKC_OP_CONV, 13);
    kt_output(g, kt_node(g, VKC_OP_CONV, 13, in, 2, &a));
    vkc_exec *e = NULL;
    vkc_exec_options o = {.fusion = true};
    vkcnn_status st = vkc_exec_create(ctx, g, &o, &e);
    CHECK(st == VKCNN_ERROR_INVALID_ARGUMENT && !e);
    CHECK(strstr(vkc_error_message(), "VKCNN_KERNEL_OVERRIDE") &&
          strstr(vkc_error_message(), "99x4"));
    vkc_exec_destroy(e);
    vkc_graph_destroy(g);
    kt_override(NULL);
}

static void table_parse(void) {
    vkc_tune_table t;
    const char good[] = "vkcnn-tune 1\n"
                        "conv\tfp32\t1\tconv x1x6x14x14 w16x6x5x5 g1 s1x1 d1x1 p0,0,0,0\t"
                        "direct\tigemm/16x1/rows/texel/sg\t2.6100\n"
                        "gemm\tfp16\t1\tgemm x1x400 w120x400 ta0 tb1\tgemv/nc4/texel/sg\t"
                        "gemv/nc4/texel/sg\t1.0000\n";
    CHECK_OK(vkc_tune_table_parse(good, strlen(good), &t));
    CHECK(t.count == 2);
    const vkc_tune_entry *x =
        vkc_tune_table_find(&t, VKC_FAMILY_GEMM, true, "gemm x1x400 w120x400 ta0 tb1");
    CHECK(x && strcmp(x->variant, "gemv/nc4/texel/sg") == 0);
    CHECK(!vkc_tune_table_find(&t, VKC_FAMILY_GEMM, false, "gemm x1x400 w120x400 ta0 tb1"));
    vkc_tune_table_free(&t);
    const char *bad[] = {
        "",
        "vkcnn-tune 2\n",
        "vkcnn-tune 1\nconv\tfp32\t1\tshape\tdirect\tdirect\t1.0", /* unterminated */
        "vkcnn-tune 1\nconv\tfp32\t1\tshape\tdirect\tdirect\n",    /* a field short */
        "vkcnn-tune 1\nconv\tfp64\t1\tshape\tdirect\tdirect\t1.0\n",
        "vkcnn-tune 1\npool\tfp32\t1\tshape\tdirect\tdirect\t1.0\n",
        "vkcnn-tune 1\nconv\tfp32\t0\tshape\tdirect\tdirect\t1.0\n",
        "vkcnn-tune 1\nconv\tfp32\t1\tshape\tgemv/nc4/texel/sg\tdirect\t1.0\n", /* wrong family */
        "vkcnn-tune 1\nconv\tfp32\t1\tshape\tigemm/16x4\tdirect\t1.0\n",        /* incomplete */
        "vkcnn-tune 1\nconv\tfp32\t1\tshape\tdirect\tdirect\tnan\n",
        "vkcnn-tune 1\nconv\tfp32\t1\tshape\tdirect\tdirect\t1.0\t\n",
        "vkcnn-tune 1\nconv\tfp32\t1\tshape\tdirect\tdirect\t1.0\n"
        "conv\tfp32\t1\tshape\tdirect\tdirect\t1.0\n", /* the same shape twice */
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vkcnn_status st = vkc_tune_table_parse(bad[i], strlen(bad[i]), &t);
        CHECK(st == VKCNN_ERROR_INVALID_MODEL && t.count == 0);
        if (st != VKCNN_ERROR_INVALID_MODEL) fprintf(stderr, "  bad payload %u accepted\n", i);
        vkc_tune_table_free(&t);
    }
}

/* ---- candidates ------------------------------------------------------------- */

/* The target the executor would use on ctx's device. */
static void device_target(vkcnn_context *ctx, vkc_codegen_target *t) {
    vkc_kernel_override ov;
    vkc_exec_options o = {.ignore_override = true, .fusion = true}; /* as the executor runs */
    if (vkc_exec_target(ctx, &o, t, &ov) != VKCNN_OK) {
        fprintf(stderr, "target: %s\n", vkc_error_message());
        th_failures++;
    }
}

/* ctx's target as a CPU driver of 16 lanes (512-bit vectors) with
 * workgroups of 64 and texel loads: lavapipe on an AVX-512 host. */
static void cpu16_target(vkcnn_context *ctx, vkc_codegen_target *t) {
    device_target(ctx, t);
    t->caps.cpu = true;
    t->caps.vector_width = 512;
    t->local_size = 64;
    t->texel_loads = true;
}

typedef vkc_graph *(*build_fn)(uint64_t seed, uint32_t *node);

/* Checks node's candidate list and runs every candidate against the
 * reference. */
static void candidates(vkcnn_context *ctx, const char *what, build_fn build, bool winograd,
                       uint32_t min_count) {
    vkc_codegen_target t;
    device_target(ctx, &t);
    uint32_t node = 0;
    uint64_t seed = 7000 + (uint64_t)strlen(what);
    vkc_graph *g = build(seed, &node);
    vkc_variant list[VKC_MAX_CANDIDATES];
    uint32_t n = vkc_variant_candidates(g, node, &t, winograd, list, VKC_MAX_CANDIDATES);
    vkc_family f = vkc_node_family(g, node);
    /* the tuner times every candidate: a handful around the rule, well
     * inside the list's VKC_MAX_CANDIDATES (a 3x3 at 16 tiles lists 17:
     * Winograd's 16 x 16 rule block has four neighbours) */
    if (n < min_count || n > 20) {
        fprintf(stderr, "%s: %u candidates, expected %u to 20\n", what, n, min_count);
        th_failures++;
    }
    char names[VKC_MAX_CANDIDATES][VKC_VARIANT_STRING_MAX];
    for (uint32_t i = 0; i < n; i++) {
        vkc_variant_string(&list[i], names[i], sizeof names[i]);
        CHECK(vkc_variant_complete(&list[i]) && vkc_algo_in_family(list[i].algo, f));
        for (uint32_t j = 0; j < i; j++)
            CHECK(!vkc_variant_equal(&list[i], &list[j]));
        if (list[i].algo != VKC_ALGO_WINOGRAD) /* Winograd's need the passes' weights */
            CHECK(vkc_variant_legal(g, node, &t, &list[i], VKC_NONE));
    }
    /* the default rule's first: what the executor runs unforced */
    vkc_exec_options plain = {.fusion = true, .winograd = winograd, .ignore_override = true};
    vkc_exec *e = NULL;
    vkc_variant ran;
    if (vkc_exec_create(ctx, g, &plain, &e) == VKCNN_OK &&
        vkc_exec_node_variant(e, node, &ran, NULL)) {
        char got[VKC_VARIANT_STRING_MAX];
        if (n == 0 || !vkc_variant_equal(&ran, &list[0])) {
            fprintf(stderr, "%s: the executor ran %s, the first candidate is %s\n", what,
                    vkc_variant_string(&ran, got, sizeof got), n ? names[0] : "(none)");
            th_failures++;
        }
    } else {
        fprintf(stderr, "%s: exec: %s\n", what, vkc_error_message());
        th_failures++;
    }
    vkc_exec_destroy(e);
    vkc_graph_destroy(g);
    printf("%s: %u candidates:", what, n);
    for (uint32_t i = 0; i < n; i++)
        printf(" %s", names[i]);
    printf("\n");
    /* every candidate, forced, against the reference */
    for (uint32_t i = 0; i < n; i++) {
        vkc_variant force[VKC_FAMILY_COUNT] = {{0}};
        force[f] = list[i];
        vkc_exec_options o = plain;
        o.force = force;
        char desc[320];
        snprintf(desc, sizeof desc, "%.200s as %.60s", what, names[i]);
        kt_check(ctx, build(seed, &node), &o, seed, desc);
    }
}

/* Conv [n, c, h, w] * [m, c / group, k, k], stride s, pad p, bias, Relu. */
static vkc_graph *conv(uint64_t seed, uint32_t *node, int64_t n, int64_t c, int64_t h, int64_t m,
                       int64_t group, int64_t k, int64_t s, int64_t p) {
    vkc_graph *g = kt_graph();
    int64_t xd[4] = {n, c, h, h + 1}, wd[4] = {m, c / group, k, k}, bd[1] = {m};
    uint32_t in[3] = {kt_tensor(g, "x", 4, xd, false, &seed), kt_tensor(g, "w", 4, wd, true, &seed),
                      kt_tensor(g, "b", 1, bd, true, &seed)};
    vkc_attrs a = kt_attrs(VKC_OP_CONV, 13);
    a.window.group = group;
    a.window.strides[0] = a.window.strides[1] = s;
    a.window.pads[0] = a.window.pads[1] = p;
    a.window.pads[VKC_MAX_SPATIAL] = a.window.pads[VKC_MAX_SPATIAL + 1] = p;
    uint32_t y = kt_node(g, VKC_OP_CONV, 13, in, 3, &a);
    *node = g->tensors[y].producer;
    kt_output(g, kt_node(g, VKC_OP_RELU, 13, &y, 1, NULL));
    return g;
}

static vkc_graph *conv3x3(uint64_t seed, uint32_t *node) {
    return conv(seed, node, 1, 16, 12, 20, 1, 3, 1, 1);
}
static vkc_graph *conv1x1(uint64_t seed, uint32_t *node) {
    return conv(seed, node, 1, 24, 9, 17, 1, 1, 1, 0);
}
/* squeeze-and-excitation's 1x1 on a pooled vector (here 1 x 2 pixels) */
static vkc_graph *squeeze1x1(uint64_t seed, uint32_t *node) {
    return conv(seed, node, 1, 72, 1, 28, 1, 1, 1, 0);
}
static vkc_graph *conv1x1_s2(uint64_t seed, uint32_t *node) {
    return conv(seed, node, 3, 20, 9, 13, 1, 1, 2, 0);
}
static vkc_graph *depthwise(uint64_t seed, uint32_t *node) {
    return conv(seed, node, 1, 12, 11, 12, 12, 3, 1, 1);
}
static vkc_graph *strided(uint64_t seed, uint32_t *node) {
    return conv(seed, node, 2, 8, 15, 16, 1, 3, 2, 1);
}
static vkc_graph *stem7x7(uint64_t seed, uint32_t *node) {
    return conv(seed, node, 1, 3, 21, 16, 1, 7, 2, 3);
}
static vkc_graph *conv5x5(uint64_t seed, uint32_t *node) {
    return conv(seed, node, 1, 6, 10, 16, 1, 5, 1, 2);
}

/* Gemm [m, k] x [n, k]^T + C. */
static vkc_graph *gemm_mnk(uint64_t seed, uint32_t *node, int64_t m, int64_t n, int64_t k) {
    vkc_graph *g = kt_graph();
    int64_t ad[2] = {m, k}, bd[2] = {n, k}, cd[1] = {n};
    uint32_t in[3] = {kt_tensor(g, "a", 2, ad, false, &seed), kt_tensor(g, "b", 2, bd, true, &seed),
                      kt_tensor(g, "c", 1, cd, true, &seed)};
    vkc_attrs a = kt_attrs(VKC_OP_GEMM, 13);
    a.gemm.trans_b = true;
    uint32_t y = kt_node(g, VKC_OP_GEMM, 13, in, 3, &a);
    *node = g->tensors[y].producer;
    kt_output(g, y);
    return g;
}

static vkc_graph *gemm(uint64_t seed, uint32_t *node, int64_t m) {
    return gemm_mnk(seed, node, m, 72, 264);
}
static vkc_graph *gemm1(uint64_t seed, uint32_t *node) {
    return gemm(seed, node, 1);
}
static vkc_graph *gemm16(uint64_t seed, uint32_t *node) {
    return gemm(seed, node, 16);
}

/* ---- cooperative matrices -------------------------------------------------- */

/* A GPU with cooperative matrices 16x16x16 and subgroups of 32, as the
 * H200 reports them: lavapipe's target with the caps replaced. */
static vkc_codegen_target coopmat_target(vkcnn_context *ctx) {
    vkc_codegen_target t;
    device_target(ctx, &t);
    t.caps.cpu = false;
    t.caps.mesa_version = 0;
    t.caps.subgroup_size = t.caps.subgroup_min = t.caps.subgroup_max = 32;
    t.subgroup_fixed = 32;
    t.caps.shared_memory = 48 * 1024;
    t.caps.coopmat_m = t.caps.coopmat_n = t.caps.coopmat_k = 16;
    t.caps.subgroup_pin = true;
    t.texel_loads = t.wide_loads = t.sampled_texels = false;
    return t;
}

static uint32_t count_cm(const vkc_variant *v, uint32_t n) {
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++)
        k += v[i].algo == VKC_ALGO_COOPMAT;
    return k;
}

/* cm is a candidate, and the rule's choice for large products, only for
 * fp16 weights on a device with cooperative matrices; never on lavapipe;
 * a wanted cm runs on fp32 weights too. */
static void coopmat_choice(vkcnn_context *ctx) {
    vkc_codegen_target real, t = coopmat_target(ctx);
    device_target(ctx, &real);
    CHECK(!vkc_coopmat_usable(&real)); /* lavapipe: no cooperative matrices */
    CHECK(vkc_coopmat_usable(&t));
    CHECK(vkc_coopmat_block_ok(&t, 64, 64) && vkc_coopmat_block_ok(&t, 32, 64));
    CHECK(!vkc_coopmat_block_ok(&t, 16, 64) && !vkc_coopmat_block_ok(&t, 128, 64));
    CHECK(!vkc_coopmat_block_ok(&real, 64, 64));
    /* a large strided conv (no Winograd form), a large Gemm, a small conv */
    struct {
        const char *what;
        vkc_graph *g;
        uint32_t node;
        bool large;
    } c[3];
    c[0].what = "conv 3x3 stride 2 128->128 at 24x24";
    c[0].g = conv(91, &c[0].node, 1, 128, 24, 128, 1, 3, 2, 1);
    c[0].large = true;
    c[1].what = "gemm 64x72x264";
    c[1].g = gemm(92, &c[1].node, 64);
    c[1].large = true;
    c[2].what = "conv 3x3 16->20";
    c[2].g = conv3x3(93, &c[2].node);
    c[2].large = false;
    for (int i = 0; i < 3; i++) {
        vkc_graph *g = c[i].g;
        uint32_t n = c[i].node, w = g->nodes[n].inputs[1];
        bool *half = calloc(g->tensor_count, sizeof *half);
        if (!half) continue;
        vkc_variant list[VKC_MAX_CANDIDATES], v;
        /* fp32 weights: neither candidate nor rule, on any device */
        t.half = real.half = half;
        uint32_t k = vkc_variant_candidates(g, n, &t, false, list, VKC_MAX_CANDIDATES);
        CHECK(k > 0 && count_cm(list, k) == 0);
        CHECK(vkc_variant_choose(g, n, &t, NULL, VKC_NONE, &v) && v.algo != VKC_ALGO_COOPMAT);
        /* wanted explicitly: legal on the coopmat device, not on lavapipe */
        vkc_variant want = {.algo = VKC_ALGO_COOPMAT, .bm = 32, .bn = 64};
        CHECK(vkc_variant_legal(g, n, &t, &want, VKC_NONE));
        CHECK(!vkc_variant_legal(g, n, &real, &want, VKC_NONE));
        /* fp16 weights */
        half[w] = true;
        k = vkc_variant_candidates(g, n, &t, false, list, VKC_MAX_CANDIDATES);
        uint32_t cms = count_cm(list, k);
        CHECK(cms >= 2);
        for (uint32_t j = 0; j < k; j++)
            if (list[j].algo == VKC_ALGO_COOPMAT)
                CHECK(vkc_variant_legal(g, n, &t, &list[j], VKC_NONE));
        bool first = k > 0 && list[0].algo == VKC_ALGO_COOPMAT;
        CHECK(first == c[i].large);
        CHECK(vkc_variant_choose(g, n, &t, NULL, VKC_NONE, &v) &&
              (v.algo == VKC_ALGO_COOPMAT) == c[i].large);
        k = vkc_variant_candidates(g, n, &real, false, list, VKC_MAX_CANDIDATES);
        CHECK(count_cm(list, k) == 0);
        char names[512] = "";
        k = vkc_variant_candidates(g, n, &t, false, list, VKC_MAX_CANDIDATES);
        for (uint32_t j = 0; j < k; j++) {
            char one[VKC_VARIANT_STRING_MAX];
            size_t used = strlen(names);
            snprintf(names + used, sizeof names - used, " %s",
                     vkc_variant_string(&list[j], one, sizeof one));
        }
        printf("%s, fp16 weights, coopmat device: %u candidates:%s\n", c[i].what, k, names);
        t.half = real.half = NULL;
        free(half);
        vkc_graph_destroy(g);
    }
    /* a 3x3 conv with a Winograd form: cm-wino2 offered (fp16), cm-wino4 not */
    uint32_t n = 0;
    vkc_graph *g = conv(94, &n, 1, 64, 20, 64, 1, 3, 1, 1);
    bool *half = calloc(g->tensor_count, sizeof *half);
    if (half) {
        half[g->nodes[n].inputs[1]] = true;
        t.half = half;
        vkc_variant list[VKC_MAX_CANDIDATES];
        uint32_t k = vkc_variant_candidates(g, n, &t, true, list, VKC_MAX_CANDIDATES);
        bool wino2 = false, wino4 = false;
        for (uint32_t j = 0; j < k; j++) {
            wino2 |= list[j].algo == VKC_ALGO_COOPMAT && list[j].tile == 2;
            wino4 |= list[j].algo == VKC_ALGO_COOPMAT && list[j].tile == 4;
        }
        CHECK(wino2 && !wino4);
        CHECK(list[0].algo == VKC_ALGO_WINOGRAD); /* Winograd's fp32 GEMM stays the rule */
        t.half = NULL;
        free(half);
    }
    vkc_graph_destroy(g);
    /* the passes' tile under a wanted cm: cm-wino's, none for cm */
    vkc_variant cmw = {.algo = VKC_ALGO_COOPMAT, .tile = 2, .bm = 64, .bn = 64};
    CHECK(vkc_choose_winograd_tile(&cmw, 4, 4) == 2);
    CHECK(vkc_choose_winograd_tile(&cmw, 4, 0) == 0);
    cmw.tile = 0;
    CHECK(vkc_choose_winograd_tile(&cmw, 4, 4) == 0);
}

/* Split-K: the rule's choice on a GPU (compute units known) for a late,
 * small layer with a long reduction, never on lavapipe or for a short
 * reduction; the GPU's candidates include the other splits, each legal. */
static void split_choice(vkcnn_context *ctx) {
    vkc_codegen_target real, t = coopmat_target(ctx);
    device_target(ctx, &real);
    t.caps.coopmat_m = t.caps.coopmat_n = t.caps.coopmat_k = 0;
    t.caps.compute_units = 132;
    uint32_t n = 0;
    vkc_graph *g = conv(95, &n, 1, 512, 7, 512, 1, 3, 1, 1); /* ResNet-50's layer4 3x3 */
    vkc_variant v, list[VKC_MAX_CANDIDATES];
    CHECK(vkc_variant_choose(g, n, &t, NULL, VKC_NONE, &v));
    /* 32 workgroups of 16 channels: 8 slices of 64 channels give 256 */
    CHECK(v.algo == VKC_ALGO_IGEMM && v.split == 8 && v.form == VKC_FORM_COLS);
    CHECK(vkc_variant_choose(g, n, &real, NULL, VKC_NONE, &v) && v.split == 0);
    uint32_t k = vkc_variant_candidates(g, n, &t, false, list, VKC_MAX_CANDIDATES), splits = 0;
    for (uint32_t j = 0; j < k; j++)
        if (list[j].split) {
            splits++;
            CHECK(vkc_variant_complete(&list[j]) &&
                  vkc_variant_legal(g, n, &t, &list[j], VKC_NONE));
        }
    CHECK(splits >= 3); /* the rule's 8, then 2 and 4 */
    k = vkc_variant_candidates(g, n, &real, false, list, VKC_MAX_CANDIDATES);
    for (uint32_t j = 0; j < k; j++)
        CHECK(!list[j].split);
    vkc_graph_destroy(g);
    g = conv3x3(96, &n); /* 16 -> 20: a reduction of 144 */
    CHECK(vkc_variant_choose(g, n, &t, NULL, VKC_NONE, &v) && v.split == 0);
    vkc_graph_destroy(g);
}

/* The 1x1 GEMM's workgroup on a CPU driver of 2 threads and 16 lanes: the
 * rule takes 32 invocations for a small grid (a 14x15 672 -> 112 layer:
 * 189 blocks of 16x8) and a large one alike (one pipeline for both); a
 * complete variant keeps its own (none: the target's, so tune files
 * written before the field keep their meaning), a pattern takes the
 * rule's; on 1 thread and on GPUs the target's. Workgroups of 16, 32 and
 * the target's compute the reference. */
static void local_choice(vkcnn_context *ctx) {
    vkc_codegen_target t;
    cpu16_target(ctx, &t);
    t.caps.compute_units = 2;
    uint32_t n = 0;
    vkc_variant v, want;
    vkc_graph *g = conv(97, &n, 1, 672, 14, 112, 1, 1, 1, 0);
    CHECK(vkc_variant_choose(g, n, &t, NULL, VKC_NONE, &v));
    CHECK(v.algo == VKC_ALGO_GEMM1X1 && v.bm == 16 && v.bn == 8 && v.local == 32);
    char why[256];
    CHECK(vkc_variant_parse("gemm1x1/16x8/texel", &want, why, sizeof why));
    CHECK(vkc_variant_choose(g, n, &t, &want, VKC_NONE, &v) && v.local == 0);
    CHECK(vkc_variant_legal(g, n, &t, &want, VKC_NONE));
    CHECK(vkc_variant_parse("gemm1x1/texel", &want, why, sizeof why));
    CHECK(vkc_variant_choose(g, n, &t, &want, VKC_NONE, &v) && v.local == 32);
    CHECK(vkc_variant_parse("gemm1x1/wg32", &want, why, sizeof why));
    CHECK(vkc_variant_choose(g, n, &t, &want, VKC_NONE, &v) && v.local == 32);
    vkc_codegen_target one = t, gpu = t;
    one.caps.compute_units = 1;
    gpu.caps.cpu = false;
    gpu.caps.vector_width = 0;
    CHECK(vkc_variant_choose(g, n, &one, NULL, VKC_NONE, &v) && v.local == 0);
    CHECK(vkc_variant_parse("gemm1x1", &want, why, sizeof why));
    CHECK(vkc_variant_choose(g, n, &gpu, &want, VKC_NONE, &v) && v.algo == VKC_ALGO_GEMM1X1 &&
          v.local == 0);
    vkc_graph_destroy(g);
    g = conv(98, &n, 1, 64, 56, 256, 1, 1, 1, 0); /* 16 x 399 blocks */
    CHECK(vkc_variant_choose(g, n, &t, NULL, VKC_NONE, &v));
    CHECK(v.algo == VKC_ALGO_GEMM1X1 && v.local == 32);
    vkc_graph_destroy(g);
    /* both workgroups compute the reference on this device */
    const char *forced[] = {"gemm1x1/16x8/texel/wg16", "gemm1x1/16x8/texel/wg32",
                            "gemm1x1/16x8/texel"};
    for (unsigned i = 0; i < sizeof forced / sizeof forced[0]; i++) {
        vkc_variant force[VKC_FAMILY_COUNT] = {{0}};
        CHECK(vkc_variant_parse(forced[i], &force[VKC_FAMILY_CONV], why, sizeof why));
        vkc_exec_options o = {.fusion = true, .ignore_override = true, .force = force};
        char desc[96];
        snprintf(desc, sizeof desc, "conv 1x1 28 -> 40 at batch 3 as %s", forced[i]);
        kt_check(ctx, conv(99, &n, 3, 28, 13, 40, 1, 1, 1, 0), &o, 99, desc);
    }
}

/* The GEMV's columns per workgroup (choose.c's gemv_rule_nc): 16 on a CPU
 * driver's texel path at N = 4096 and N = 1000 (63 workgroups); with
 * storage loads, and on GPUs, 8 at N = 4096 and 4 at N = 1000 (at least
 * 128 workgroups); a 72-wide Gemm takes 2 on a GPU, 4 (of 16) on the CPU.
 * Its workgroup (gemv_rule_local): 16 invocations on the CPU's texel path
 * (16 lanes), the target's elsewhere; a wanted wg64 is kept, a wg24 (not
 * a whole number of subgroups) is not; the tuner lists the other one. */
/* The 1x1 GEMM's block on images of under 4 pixels: TM halved from 16
 * while the grid has fewer than 64 invocations (choose.c,
 * gemm1x1_rule_block); larger images keep 16 x 8. */
static void squeeze_choice(vkcnn_context *ctx) {
    vkc_codegen_target cpu;
    cpu16_target(ctx, &cpu);
    static const struct {
        int64_t batch, c, h, m, tm, tp;
    } cases[] = {{1, 672, 1, 28, 1, 4},  /* 2 channel blocks of 16: 28 of 1 */
                 {1, 28, 1, 672, 8, 4},  /* 42 blocks of 16: 84 of 8 */
                 {3, 28, 1, 672, 16, 4}, /* batch 3: 126 blocks of 16 */
                 {1, 64, 7, 28, 16, 8}}; /* 7x8 pixels: the usual block */
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t n = 0;
        vkc_graph *g =
            conv(120 + i, &n, cases[i].batch, cases[i].c, cases[i].h, cases[i].m, 1, 1, 1, 0);
        vkc_variant v;
        bool ok = vkc_variant_choose(g, n, &cpu, NULL, VKC_NONE, &v);
        if (!ok || v.algo != VKC_ALGO_GEMM1X1 || v.bm != cases[i].tm || v.bn != cases[i].tp) {
            fprintf(stderr, "1x1 rule: case %u: %s %ux%u, want %lldx%lld\n", i,
                    ok ? "gemm1x1" : "no variant", ok ? v.bm : 0, ok ? v.bn : 0,
                    (long long)cases[i].tm, (long long)cases[i].tp);
            CHECK(false);
        }
        vkc_graph_destroy(g);
    }
}

static void gemv_choice(vkcnn_context *ctx) {
    vkc_codegen_target cpu;
    cpu16_target(ctx, &cpu);
    cpu.caps.max_workgroup_invocations = 1024;
    cpu.subgroup_fixed = 16;
    vkc_codegen_target storage = cpu, gpu = cpu;
    storage.texel_loads = false;
    gpu.caps.cpu = false;
    gpu.texel_loads = false;
    static const struct {
        int64_t n, k, cpu, storage, gpu;
    } cases[] = {{4096, 256, 16, 8, 8}, {1000, 128, 16, 4, 4}, {72, 264, 4, 2, 2}};
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t n = 0;
        vkc_graph *g = gemm_mnk(100 + i, &n, 1, cases[i].n, cases[i].k);
        const vkc_codegen_target *ts[3] = {&cpu, &storage, &gpu};
        const int64_t want[3] = {cases[i].cpu, cases[i].storage, cases[i].gpu};
        for (int j = 0; j < 3; j++) {
            vkc_variant v;
            bool ok = vkc_variant_choose(g, n, ts[j], NULL, VKC_NONE, &v);
            unsigned local = j == 0 ? 16 : 0;
            if (!ok || v.algo != VKC_ALGO_GEMV || v.bm != want[j] || v.local != local) {
                fprintf(stderr, "gemv rule: N %lld on target %d: %s nc %u wg %u, want %lld, %u\n",
                        (long long)cases[i].n, j, ok ? "gemv" : "no variant", ok ? v.bm : 0,
                        ok ? v.local : 0, (long long)want[j], local);
                CHECK(false);
            }
        }
        char why[256];
        vkc_variant w, v;
        CHECK(vkc_variant_parse("gemv/wg64", &w, why, sizeof why));
        CHECK(vkc_variant_choose(g, n, &cpu, &w, VKC_NONE, &v) && v.local == 64);
        CHECK(vkc_variant_parse("gemv/wg24", &w, why, sizeof why));
        CHECK(vkc_variant_choose(g, n, &cpu, &w, VKC_NONE, &v) && v.local == 16);
        vkc_variant list[VKC_MAX_CANDIDATES];
        uint32_t count = vkc_variant_candidates(g, n, &cpu, true, list, VKC_MAX_CANDIDATES);
        bool other = false;
        for (uint32_t c = 1; c < count; c++)
            other |= list[c].algo == VKC_ALGO_GEMV && list[c].local == 0 &&
                     list[c].bm == list[0].bm && list[c].load == list[0].load;
        CHECK(count > 1 && list[0].local == 16 && other);
        vkc_graph_destroy(g);
    }
}

/* Which kernels read texel buffers with imageLoad (vkc_choose_image_texels):
 * where the target says image_texels, all but gemv.comp and the Winograd
 * output transform (measured slower), every one with image_all, none where
 * a tensor is stored as halves or the target says no. */
static void image_choice(vkcnn_context *ctx) {
    vkc_codegen_target t;
    device_target(ctx, &t);
    t.image_texels = true;
    t.image_all = false;
    t.half = NULL;
    CHECK(vkc_choose_image_texels(&t, "winograd_gemm") && vkc_choose_image_texels(&t, "conv1x1"));
    CHECK(!vkc_choose_image_texels(&t, "gemv") && !vkc_choose_image_texels(&t, "winograd_output"));
    t.image_all = true;
    CHECK(vkc_choose_image_texels(&t, "gemv") && vkc_choose_image_texels(&t, "winograd_output"));
    bool half[1] = {false};
    t.half = half;
    CHECK(!vkc_choose_image_texels(&t, "winograd_gemm"));
    t.half = NULL;
    t.image_texels = false;
    CHECK(!vkc_choose_image_texels(&t, "winograd_gemm"));
}

/* ---- the Winograd rule on lavapipe 22.3's texel path ---------------------------- */

/* 128 -> 128 3x3 at 7x8 (conv() makes W = H + 1): 4 F(4x4) tiles at batch 1 */
static vkc_graph *conv3x3_7x8(uint64_t seed, uint32_t *node) {
    return conv(seed, node, 1, 128, 7, 128, 1, 3, 1, 1);
}

/* The default (first) candidate of node n on t, as a Winograd one */
static bool wino_default(vkc_graph *g, uint32_t n, const vkc_codegen_target *t, int tile, int bm,
                         int bn) {
    vkc_variant list[VKC_MAX_CANDIDATES];
    uint32_t count = vkc_variant_candidates(g, n, t, true, list, VKC_MAX_CANDIDATES);
    return count > 0 && list[0].algo == VKC_ALGO_WINOGRAD && list[0].tile == tile &&
           list[0].bm == bm && list[0].bn == bn;
}

/* F(2x2) where F(4x4) has at most 4 tiles in all, on lavapipe's texel path
 * only (22.3 with wide accesses, or a later Mesa); blocks of 32 x 16 where
 * TM 32 divides MP, there are more than 16 tiles and it loads less, else
 * 16 x 16 (choose.c, wino_rule_block). */
static void winograd_choice(vkcnn_context *ctx) {
    vkc_codegen_target t;
    device_target(ctx, &t);
    t.caps.cpu = true;
    t.caps.mesa_version = 2203;
    t.texel_loads = t.wide_loads = true;
    uint32_t n = 0;
    vkc_graph *g = conv3x3_7x8(101, &n);
    CHECK(vkc_choose_winograd_rule(g, n, &t) == 2);
    vkc_codegen_target later = t, later_storage = t, storage = t, narrow = t;
    later.caps.mesa_version = later_storage.caps.mesa_version = 2500;
    later.wide_loads = later_storage.wide_loads = later_storage.texel_loads = false;
    storage.texel_loads = false;
    narrow.wide_loads = false;
    CHECK(vkc_choose_winograd_rule(g, n, &later) == 2);
    CHECK(vkc_choose_winograd_rule(g, n, &later_storage) == 4);
    CHECK(vkc_choose_winograd_rule(g, n, &storage) == 4);
    CHECK(vkc_choose_winograd_rule(g, n, &narrow) == 4);
    CHECK(wino_default(g, n, &t, 2, 16, 16)); /* F(2x2): 16 tiles */
    vkc_variant list[VKC_MAX_CANDIDATES];
    uint32_t count = vkc_variant_candidates(g, n, &t, true, list, VKC_MAX_CANDIDATES);
    bool four = false; /* F(4x4) stays a candidate for the tuner */
    for (uint32_t i = 0; i < count; i++)
        four |= list[i].algo == VKC_ALGO_WINOGRAD && list[i].tile == 4;
    CHECK(four);
    vkc_graph_destroy(g);
    /* 12 tiles at batch 3, 12 at 12x13: F(4x4) */
    g = conv(102, &n, 3, 128, 7, 128, 1, 3, 1, 1);
    CHECK(vkc_choose_winograd_rule(g, n, &t) == 4);
    vkc_graph_destroy(g);
    g = conv(103, &n, 1, 128, 12, 128, 1, 3, 1, 1);
    CHECK(vkc_choose_winograd_rule(g, n, &t) == 4);
    CHECK(wino_default(g, n, &t, 4, 16, 16)); /* 12 tiles */
    vkc_graph_destroy(g);
    g = conv(105, &n, 1, 128, 27, 128, 1, 3, 1, 1); /* 27x28: 49 tiles */
    CHECK(wino_default(g, n, &t, 4, 32, 16));
    vkc_graph_destroy(g);
    /* a 5x5 (AlexNet's second layer, at 27x28): F(3x3) parts, 90 tiles */
    g = conv(106, &n, 1, 64, 27, 192, 1, 5, 1, 2);
    CHECK(wino_default(g, n, &t, 3, 32, 16));
    vkc_graph_destroy(g);
    /* M 48: 16 x 16 (12 tiles padded to 16) */
    g = conv(104, &n, 1, 128, 12, 48, 1, 3, 1, 1);
    CHECK(wino_default(g, n, &t, 4, 16, 16));
    vkc_graph_destroy(g);
}

/* Texel loads on lavapipe after 22.3 only where its shader cache holds code
 * of one SIMD width alone (jit_cache_private: Mesa 25.0.7 faults or
 * computes garbage on the other width's code); no texel candidates
 * elsewhere either (choose.c, texel_unsafe). 22.3: always. */
static void texel_policy(vkcnn_context *ctx) {
    vkc_codegen_target t;
    device_target(ctx, &t);
    t.caps.cpu = true;
    t.caps.mesa_version = 2500;
    t.caps.jit_cache_private = true;
    vkc_choose_device_loads(&t, NULL);
    CHECK(t.texel_loads);
    t.caps.jit_cache_private = false;
    vkc_choose_device_loads(&t, NULL);
    CHECK(!t.texel_loads);
    uint32_t n = 0;
    vkc_graph *g = conv1x1(101, &n);
    vkc_variant list[VKC_MAX_CANDIDATES];
    uint32_t count = vkc_variant_candidates(g, n, &t, true, list, VKC_MAX_CANDIDATES);
    bool texel = false;
    for (uint32_t i = 0; i < count; i++)
        texel |= list[i].load == VKC_LOAD_TEXEL;
    CHECK(count > 0 && !texel);
    vkc_graph_destroy(g);
    t.caps.mesa_version = 2203; /* 22.3 inlines its fetches: mixed or not */
    vkc_choose_device_loads(&t, NULL);
    CHECK(t.texel_loads);
}

int main(int argc, char **argv) {
    kt_args(argc, argv);
    strings();
    table_parse();
    vkcnn_context *ctx = th_context(NULL, 0, 0);
    override_parse(ctx);
    candidates(ctx, "conv 3x3", conv3x3, true, 6);
    candidates(ctx, "conv 1x1", conv1x1, true, 3);
    candidates(ctx, "conv 1x1 stride 2, batch 3", conv1x1_s2, true, 3);
    candidates(ctx, "conv 1x1 on a 1x2 image", squeeze1x1, true, 3);
    candidates(ctx, "depthwise 3x3", depthwise, true, 6);
    candidates(ctx, "conv 3x3 stride 2, batch 2", strided, true, 3);
    candidates(ctx, "conv 5x5", conv5x5, true, 6);
    candidates(ctx, "conv 7x7 stride 2 of 3 channels", stem7x7, true, 6);
    candidates(ctx, "conv 3x3 at 7x8", conv3x3_7x8, true, 6);
    candidates(ctx, "gemm batch 1", gemm1, false, 3);
    candidates(ctx, "gemm batch 16", gemm16, false, 3);
    coopmat_choice(ctx);
    split_choice(ctx);
    local_choice(ctx);
    gemv_choice(ctx);
    squeeze_choice(ctx);
    image_choice(ctx);
    winograd_choice(ctx);
    texel_policy(ctx);
    th_destroy(ctx);
    kt_summary("variants");
    return th_done("test_variants");
}
