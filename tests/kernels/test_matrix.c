/* Gemm and MatMul kernels against the reference: every transA/transB
 * combination with alpha/beta and every C broadcast (none, scalar, [1], [N],
 * [1, N], [M, 1], [1, 1], [M, N]); MatMul with 1-D operands and broadcast
 * batch dims; and weights split across bindings (forced with a small
 * max_binding_bytes) for Gemm's and MatMul's B and Conv's W.
 * gemv.comp (Gemm with B as [N, K] at small M, lower_matrix.c's rule): that
 * the rule picks it, randomized shapes with every fused activation, weights
 * split with rows straddling chunk boundaries, and bit-identical reruns
 * (with the subgroupAdd reduction where the device has it, and with the
 * shared-memory tree: VKCNN_KERNEL_OVERRIDE=gemm=tree, a second ctest
 * entry);
 * gemm_tile.comp (larger M) on randomized shapes too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/codegen.h"
#include "kt.h"

static int gemm(vkcnn_context *ctx, int64_t m, int64_t n, int64_t k, bool ta, bool tb, float alpha,
                float beta, int c_form, const vkc_exec_options *opts, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    int64_t ad[2] = {ta ? k : m, ta ? m : k}, bd[2] = {tb ? n : k, tb ? k : n};
    /* C forms: 0 none, 1 scalar, 2 [1], 3 [N], 4 [1,N], 5 [M,1], 6 [1,1], 7 [M,N] */
    static const uint32_t c_rank[8] = {0, 0, 1, 1, 2, 2, 2, 2};
    int64_t cd[8][2] = {{0}, {0}, {1}, {n}, {1, n}, {m, 1}, {1, 1}, {m, n}};
    uint32_t in[3] = {kt_tensor(g, "a", 2, ad, false, &s), kt_tensor(g, "b", 2, bd, true, &s),
                      c_form ? kt_tensor(g, "c", c_rank[c_form], cd[c_form], true, &s) : VKC_NONE};
    vkc_attrs a = kt_attrs(VKC_OP_GEMM, 13);
    a.gemm = (vkc_gemm_attrs){alpha, beta, ta, tb};
    char what[160];
    snprintf(what, sizeof what,
             "Gemm %lldx%lldx%lld transA %d transB %d alpha %g beta %g C form %d%s", (long long)m,
             (long long)n, (long long)k, ta, tb, (double)alpha, (double)beta, c_form,
             opts ? " (split B)" : "");
    kt_output(g, kt_node(g, VKC_OP_GEMM, 13, in, c_form ? 3 : 2, &a));
    return kt_check(ctx, g, opts, seed, what);
}

static int matmul(vkcnn_context *ctx, uint32_t ar, const int64_t *ad, uint32_t br,
                  const int64_t *bd, bool b_const, const vkc_exec_options *opts, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    char what[160], sa[80], sb[80];
    uint32_t in[2] = {kt_tensor(g, "a", ar, ad, false, &s), kt_tensor(g, "b", br, bd, b_const, &s)};
    snprintf(what, sizeof what, "MatMul %s x %s%s", vkc_shape_string(ar, ad, sa, sizeof sa),
             vkc_shape_string(br, bd, sb, sizeof sb), opts ? " (split B)" : "");
    kt_output(g, kt_node(g, VKC_OP_MATMUL, 13, in, 2, NULL));
    return kt_check(ctx, g, opts, seed, what);
}

static int split_conv(vkcnn_context *ctx, const vkc_exec_options *opts, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    int64_t xd[4] = {1, 4, 5, 5}, wd[4] = {32, 2, 3, 3}, bd[1] = {32};
    uint32_t in[3] = {kt_tensor(g, "x", 4, xd, false, &s), kt_tensor(g, "w", 4, wd, true, &s),
                      kt_tensor(g, "b", 1, bd, true, &s)};
    vkc_attrs a = kt_attrs(VKC_OP_CONV, 13);
    a.window.group = 2;
    a.window.strides[0] = a.window.strides[1] = 2;
    a.window.pad_count = 4;
    for (int i = 0; i < 4; i++)
        a.window.file_pads[i] = 1;
    kt_output(g, kt_node(g, VKC_OP_CONV, 13, in, 3, &a));
    return kt_check(ctx, g, opts, seed, "Conv 4->32 group 2 3x3/2 (split W)");
}

/* Activations fused into the Gemm (fusion on): 0 none, 1 Relu, 2 LeakyRelu,
 * 3 Clip, 4 Sigmoid, 5 Tanh, 6 PRelu with one slope, 7 PRelu per column. */
#define GEMV_ACTS 8
static const char *const act_name[GEMV_ACTS] = {"none",    "Relu", "LeakyRelu", "Clip",
                                                "Sigmoid", "Tanh", "PRelu 1",   "PRelu N"};

/* Gemm [m, k] x [n, k]^T (+ C) then activation `act`; returns the graph and
 * its output, not yet run. */
static vkc_graph *gemv_graph(int64_t m, int64_t n, int64_t k, bool ta, bool tb, float alpha,
                             float beta, int c_form, int act, uint64_t seed, uint32_t *gemm) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    int64_t ad[2] = {ta ? k : m, ta ? m : k}, bd[2] = {tb ? n : k, tb ? k : n};
    static const uint32_t c_rank[8] = {0, 0, 1, 1, 2, 2, 2, 2};
    int64_t cd[8][2] = {{0}, {0}, {1}, {n}, {1, n}, {m, 1}, {1, 1}, {m, n}};
    uint32_t in[3] = {kt_tensor(g, "a", 2, ad, false, &s), kt_tensor(g, "b", 2, bd, true, &s),
                      c_form ? kt_tensor(g, "c", c_rank[c_form], cd[c_form], true, &s) : VKC_NONE};
    vkc_attrs a = kt_attrs(VKC_OP_GEMM, 13);
    a.gemm = (vkc_gemm_attrs){alpha, beta, ta, tb};
    uint32_t t = *gemm = kt_node(g, VKC_OP_GEMM, 13, in, c_form ? 3 : 2, &a);
    vkc_attrs e;
    int64_t one[1] = {1}, cols[1] = {n};
    uint32_t pin[2] = {t, VKC_NONE};
    switch (act) {
    case 1: t = kt_node(g, VKC_OP_RELU, 13, &t, 1, NULL); break;
    case 2:
        e = kt_attrs(VKC_OP_LEAKY_RELU, 16);
        e.elt.alpha = 0.2f;
        t = kt_node(g, VKC_OP_LEAKY_RELU, 16, &t, 1, &e);
        break;
    case 3:
        e = kt_attrs(VKC_OP_CLIP, 6);
        e.clip.min = -0.25f;
        e.clip.max = 0.5f;
        t = kt_node(g, VKC_OP_CLIP, 6, &t, 1, &e);
        break;
    case 4: t = kt_node(g, VKC_OP_SIGMOID, 13, &t, 1, NULL); break;
    case 5: t = kt_node(g, VKC_OP_TANH, 13, &t, 1, NULL); break;
    case 6:
    case 7:
        pin[1] = kt_tensor(g, "slope", 1, act == 6 ? one : cols, true, &s);
        t = kt_node(g, VKC_OP_PRELU, 16, pin, 2, NULL);
        break;
    default: break;
    }
    kt_output(g, t);
    return g;
}

static int gemv(vkcnn_context *ctx, int64_t m, int64_t n, int64_t k, bool ta, bool tb, float alpha,
                float beta, int c_form, int act, uint64_t max_binding_bytes, uint64_t seed) {
    uint32_t gemm;
    vkc_graph *g = gemv_graph(m, n, k, ta, tb, alpha, beta, c_form, act, seed, &gemm);
    vkc_exec_options opts = {.fusion = true, .max_binding_bytes = max_binding_bytes};
    char what[200];
    snprintf(what, sizeof what,
             "Gemm %lldx%lldx%lld transA %d transB %d alpha %g beta %g C form %d + %s%s",
             (long long)m, (long long)n, (long long)k, ta, tb, (double)alpha, (double)beta, c_form,
             act_name[act], max_binding_bytes ? " (split B)" : "");
    return kt_check(ctx, g, &opts, seed, what);
}

/* The template lower_matrix.c picks for a Gemm, on a target like lavapipe's. */
static bool rule_wide; /* gemm_template's target has wide loads */
/* gemm_template's target: fixed subgroup size (0: varies) and subgroup ops */
static uint32_t rule_fixed, rule_ops;

static const char *gemm_template(int64_t m, int64_t n, int64_t k, bool ta, bool tb,
                                 uint32_t subgroup, char defines[VKC_CODEGEN_DEFINES_MAX]) {
    uint32_t gemm;
    vkc_graph *g = gemv_graph(m, n, k, ta, tb, 1.0f, 1.0f, 3, 0, 1, &gemm);
    vkc_codegen_target t = {.local_size = 64,
                            .max_groups = {65535, 65535, 65535},
                            .max_binding_bytes = (uint64_t)1 << 27,
                            .offset_alignment = 16,
                            .mx_subgroup_size = subgroup,
                            .subgroup_fixed = rule_fixed,
                            .subgroup_ops = rule_ops,
                            .wide_loads = rule_wide};
    vkc_lowering l = {0};
    const char *name = "(failed)";
    defines[0] = 0;
    if (gemm != VKC_NONE && vkc_codegen_lower(g, g->tensors[gemm].producer, &t, &l) == VKCNN_OK &&
        l.count == 1) {
        name = l.dispatches[0].template_name;
        snprintf(defines, VKC_CODEGEN_DEFINES_MAX, "%s", l.dispatches[0].defines);
    }
    vkc_lowering_free(&l);
    vkc_graph_destroy(g);
    return name;
}

static void gemv_rule(void) {
    char defs[VKC_CODEGEN_DEFINES_MAX];
    CHECK(strcmp(gemm_template(1, 4096, 4096, false, true, 8, defs), "gemv") == 0);
    CHECK(strstr(defs, "#define NC 8\n") && strstr(defs, "#define VEC4 1\n") &&
          strstr(defs, "#define SG_WIDTH 8\n") && !strstr(defs, "SG_RED"));
    /* the subgroupAdd reduction: a fixed subgroup size dividing the
     * workgroup, with subgroup arithmetic; else the shared-memory tree */
    rule_fixed = 8;
    rule_ops = VKCNN_SUBGROUP_ARITHMETIC;
    CHECK(strcmp(gemm_template(1, 4096, 4096, false, true, 8, defs), "gemv") == 0);
    CHECK(!!strstr(defs, "#define SG_RED 8\n"));
    rule_ops = VKCNN_SUBGROUP_BALLOT;
    CHECK(strcmp(gemm_template(1, 4096, 4096, false, true, 8, defs), "gemv") == 0);
    CHECK(!strstr(defs, "SG_RED"));
    rule_fixed = 48; /* does not divide the 64 invocations */
    rule_ops = VKCNN_SUBGROUP_ARITHMETIC;
    CHECK(strcmp(gemm_template(1, 4096, 4096, false, true, 8, defs), "gemv") == 0);
    CHECK(!strstr(defs, "SG_RED"));
    rule_fixed = rule_ops = 0;
    CHECK(strcmp(gemm_template(1, 1000, 4096, false, true, 32, defs), "gemv") == 0);
    CHECK(strstr(defs, "#define NC 4\n") && strstr(defs, "#define SG_WIDTH 32\n"));
    CHECK(strcmp(gemm_template(3, 5, 99, true, true, 64, defs), "gemv") == 0);
    CHECK(strstr(defs, "#define NC 2\n") && strstr(defs, "#define VEC4 0\n"));
    CHECK(strcmp(gemm_template(8, 100, 64, false, false, 8, defs), "gemm") == 0); /* B [K, N] */
    CHECK(strcmp(gemm_template(64, 100, 64, false, true, 8, defs), "gemm_tile") == 0);
    CHECK(strcmp(gemm_template(64, 100, 64, true, true, 8, defs), "gemv") == 0); /* A^T */
    CHECK(strcmp(gemm_template(65, 100, 64, true, true, 8, defs), "gemm") == 0); /* no room */
    CHECK(!strstr(defs, "VEC8"));
    /* wide loads (CPU drivers with shaderInt64): 8 floats per load where
     * K % 8 == 0 and A is not transposed */
    rule_wide = true;
    CHECK(strcmp(gemm_template(1, 4096, 4096, false, true, 8, defs), "gemv") == 0);
    CHECK(strstr(defs, "#define VEC8 1\n") != NULL);
    CHECK(strcmp(gemm_template(1, 4096, 4100, false, true, 8, defs), "gemv") == 0);
    CHECK(strstr(defs, "#define VEC4 1\n") && !strstr(defs, "VEC8"));
    CHECK(strcmp(gemm_template(3, 64, 64, true, true, 8, defs), "gemv") == 0);
    CHECK(!strstr(defs, "VEC8"));
    rule_wide = false;
}

/* Runs one graph twice on one executor and twice on a second one: every
 * output must be bit-identical (fixed reduction order, no atomics). */
static void gemv_repeat(vkcnn_context *ctx, int64_t m, int64_t n, int64_t k,
                        uint64_t max_binding_bytes) {
    float *out[4] = {0};
    uint64_t count = (uint64_t)(m * n);
    for (int r = 0; r < 4; r += 2) {
        uint32_t gemm;
        vkc_graph *g = gemv_graph(m, n, k, false, true, 1.0f, 1.0f, 3, 1, 99, &gemm);
        vkc_exec_options opts = {.fusion = true, .max_binding_bytes = max_binding_bytes};
        vkc_exec *e = NULL;
        uint32_t x = g->inputs[0], y = g->outputs[0];
        CHECK_OK(vkc_exec_create(ctx, g, &opts, &e));
        CHECK_OK(vkc_exec_write(e, x, kt_data(g, x), g->tensors[x].elements));
        for (int i = r; i < r + 2; i++) {
            out[i] = calloc(count, sizeof(float));
            CHECK_OK(vkc_exec_run(e));
            CHECK_OK(vkc_exec_read(e, y, out[i], count));
        }
        vkc_exec_destroy(e);
        vkc_graph_destroy(g);
    }
    for (int i = 1; i < 4; i++)
        CHECK(out[0] && out[i] && memcmp(out[0], out[i], count * sizeof(float)) == 0);
    for (int i = 0; i < 4; i++)
        free(out[i]);
}

/* gemv.comp on randomized shapes: K not a multiple of 4 or of the workgroup
 * size, N not a multiple of the columns per workgroup, M from 1 to 16, both
 * transposes of A, alpha/beta, every C form and every activation. */
static void gemv_random(vkcnn_context *ctx, uint64_t *seed) {
    static const float alphas[4] = {1.0f, 0.5f, -1.5f, 2.0f}, betas[4] = {1.0f, 0.0f, -2.0f, 0.25f};
    uint64_t r = 42;
    for (int i = 0; i < 48; i++) {
        int64_t m = i < 40 ? kt_range(&r, 1, 8) : kt_range(&r, 9, 16);
        int64_t n = kt_range(&r, 1, 40);
        int64_t k = i % 3 ? kt_range(&r, 1, 300) : 4 * kt_range(&r, 1, 80); /* 1/3 vec4 */
        bool ta = kt_range(&r, 0, 1), tb = i % 8 != 7; /* transB = 0: gemm.comp */
        gemv(ctx, m, n, k, ta, tb, alphas[i % 4], betas[(i / 4) % 4], (int)kt_range(&r, 0, 7),
             i % GEMV_ACTS, 0, (*seed)++);
    }
    /* long rows: many trips of the K loop per invocation */
    gemv(ctx, 2, 9, 4099, false, true, 1.0f, 1.0f, 3, 1, 0, (*seed)++);
    gemv(ctx, 1, 33, 4096, false, true, 1.0f, 1.0f, 3, 0, 0, (*seed)++);
    gemv(ctx, 4, 17, 1030, true, true, 0.5f, 2.0f, 7, 5, 0, (*seed)++);
}

/* gemv.comp reading B blocked (WT_PACKED, passes/gemv_pack.c), where the
 * target runs its texel path: K in whole units of 8 with the last block of
 * 16 units partial or whole, N not a multiple of NC (a short last group),
 * N below NC, M 1 to 3, NC of 4, 8 and 16; then B in chunks (small
 * bindings), groups of NC rows padded so that none straddles two; with
 * fp32 weights, each checks that the path ran wherever gemv.comp ran its
 * texel path. */
static void gemv_packed(vkcnn_context *ctx, uint64_t *seed) {
    const char *p = getenv("KT_PRECISION");
    bool fp32 = !p || strcmp(p, "fp16") != 0;
    const char *ov = getenv("VKCNN_KERNEL_OVERRIDE"); /* NC here unless it sets gemm */
    bool nc_free = !ov || !strstr(ov, "gemm=");
    static const int64_t ks[] = {8, 64, 128, 136, 1000, 2056}, ns[] = {1, 5, 16, 37, 100};
    static const char *const ncs[] = {NULL, "gemm=gemv/nc4", "gemm=gemv/nc16/wg64",
                                      "gemm=gemv/nc8/wg32"};
    uint64_t r = 7;
    for (int i = 0; i < 18; i++) {
        int64_t k = ks[i % 6], n = ns[(i / 3) % 5], m = kt_range(&r, 1, 3);
        kt_override(nc_free ? ncs[i % 4] : NULL);
        if (fp32) kt_expect_define("gemv", "WT_TEXEL 1", "WT_PACKED 1");
        gemv(ctx, m, n, k, false, true, i % 2 ? 1.0f : 0.5f, 1.0f, (int)kt_range(&r, 0, 7),
             i % GEMV_ACTS, 0, (*seed)++);
    }
    /* m, n, k, NC, binding bytes: 8 groups of 2 rows per chunk of 1024
     * floats (3 chunks); 2 groups of 4 (3 chunks); 1 group of 8 rows of
     * 25 units (2 chunks) */
    static const int64_t split[3][5] = {
        {2, 37, 64, 0, 4096}, {1, 20, 128, 4, 4096}, {3, 9, 200, 8, 8192}};
    for (int i = 0; i < 3; i++) {
        char nc[32];
        snprintf(nc, sizeof nc, "gemm=gemv/nc%lld", (long long)split[i][3]);
        kt_override(nc_free && split[i][3] ? nc : NULL);
        if (fp32) kt_expect_define("gemv", "WT_TEXEL 1", "WT_PACKED 1");
        gemv(ctx, split[i][0], split[i][1], split[i][2], false, true, 1.0f, 1.0f, 3, i + 1,
             (uint64_t)split[i][4], (*seed)++);
    }
    kt_override(NULL);
}

/* gemm_tile.comp: M from 9 (rows not a multiple of its 8-row blocks), N
 * past one workgroup's 64 x 4 columns, K with and without vec4s. */
static void tile_random(vkcnn_context *ctx, uint64_t *seed) {
    uint64_t r = 7;
    for (int i = 0; i < 16; i++) {
        int64_t m = kt_range(&r, 9, 40), n = kt_range(&r, 1, 300);
        int64_t k = i % 2 ? kt_range(&r, 1, 200) : 4 * kt_range(&r, 1, 50);
        gemv(ctx, m, n, k, false, true, i % 3 ? 1.0f : 0.5f, i % 4 ? 1.0f : -1.0f,
             (int)kt_range(&r, 0, 7), i % GEMV_ACTS, 0, (*seed)++);
    }
}

/* Split B: 4 KiB bindings (1024 floats; A must fit one). K = 256 puts whole rows in chunks
 * (groups of 8 rows still straddle), K = 100 and 77 put row boundaries
 * inside chunks (vec4 and scalar). */
static void gemv_split(vkcnn_context *ctx, uint64_t *seed) {
    gemv(ctx, 3, 30, 256, false, true, 1.0f, 1.0f, 3, 1, 4096, (*seed)++); /* 8 chunks */
    gemv(ctx, 1, 70, 100, false, true, 1.0f, 0.5f, 4, 7, 4096, (*seed)++); /* 7 chunks */
    gemv(ctx, 5, 50, 77, true, true, -1.0f, 1.0f, 7, 3, 4096, (*seed)++);  /* 4 chunks */
    gemv(ctx, 8, 60, 120, false, true, 1.0f, 1.0f, 5, 2, 4096, (*seed)++); /* 8 chunks */
}

int main(int argc, char **argv) {
    kt_args(argc, argv);
    vkcnn_context *ctx = th_context(NULL, 0, 0);
    uint64_t seed = 3000;
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++)
            for (int c = 0; c < 8; c++)
                gemm(ctx, 5, 7, 9 + c, ta, tb, c & 1 ? 1.0f : 0.5f, c & 2 ? 1.0f : -2.0f, c, NULL,
                     seed++);
    gemm(ctx, 3, 1000, 257, false, true, 1.0f, 1.0f, 3, NULL, seed++); /* classifier layer */
    gemm(ctx, 1, 1, 1, false, false, 1.0f, 1.0f, 1, NULL, seed++);
    gemm(ctx, 4, 6, 0, false, false, 1.0f, 1.0f, 7, NULL, seed++); /* K = 0: beta * C */

    int64_t v5[1] = {5}, m35[2] = {3, 5}, m56[2] = {5, 6}, m25[2] = {2, 5};
    int64_t b2135[4] = {2, 1, 3, 5}, b456[3] = {4, 5, 6}, b2356[4] = {2, 3, 5, 6};
    int64_t b1135[4] = {1, 1, 3, 5}, b3156[4] = {3, 1, 5, 6}, b7235[3] = {7, 3, 5};
    matmul(ctx, 1, v5, 1, v5, false, NULL, seed++);      /* dot product */
    matmul(ctx, 1, v5, 2, m56, true, NULL, seed++);      /* vector x matrix */
    matmul(ctx, 2, m35, 1, v5, false, NULL, seed++);     /* matrix x vector */
    matmul(ctx, 2, m35, 2, m56, true, NULL, seed++);     /* plain */
    matmul(ctx, 4, b2135, 3, b456, false, NULL, seed++); /* [2,1,3,5] x [4,5,6] */
    matmul(ctx, 2, m25, 4, b2356, false, NULL, seed++);  /* matrix x batch */
    matmul(ctx, 4, b1135, 4, b3156, true, NULL, seed++);
    matmul(ctx, 3, b7235, 2, m56, true, NULL, seed++); /* batch x weight */
    matmul(ctx, 3, b7235, 1, v5, false, NULL, seed++);
    /* A 2-D B over many rows: gemm_tile.comp reading B as [K, N] (rows not
     * a multiple of the block, K a multiple of 4 or not, N past one
     * workgroup's columns; B constant or computed) */
    int64_t a4d[4] = {1, 7, 9, 12}, w12[2] = {12, 300}, a3d[3] = {3, 11, 13}, w13[2] = {13, 7};
    matmul(ctx, 4, a4d, 2, w12, true, NULL, seed++);
    matmul(ctx, 3, a3d, 2, w13, true, NULL, seed++);
    matmul(ctx, 3, a3d, 2, w13, false, NULL, seed++);

    /* Split weights: 4 KiB bindings put B (and W) in 2..8 chunks. */
    vkc_exec_options small = {.max_binding_bytes = 4096};
    gemm(ctx, 2, 100, 70, false, true, 1.0f, 1.0f, 3, &small, seed++); /* 7 chunks */
    gemm(ctx, 3, 33, 64, true, false, 0.5f, 2.0f, 7, &small, seed++);  /* 3 chunks */
    int64_t w1[2] = {300, 20}, a1[2] = {3, 300};
    matmul(ctx, 2, a1, 2, w1, true, &small, seed++); /* 6 chunks */
    int64_t w2[3] = {2, 40, 30}, a2[3] = {2, 5, 40};
    matmul(ctx, 3, a2, 3, w2, true, &small, seed++);     /* batched, 3 chunks */
    vkc_exec_options tiny = {.max_binding_bytes = 1200}; /* chunks of 300 floats */
    split_conv(ctx, &tiny, seed++);                      /* 2 chunks */

    gemv_rule();
    gemv_random(ctx, &seed);
    gemv_split(ctx, &seed);
    gemv_packed(ctx, &seed);
    tile_random(ctx, &seed);
    gemv_repeat(ctx, 3, 37, 5000, 0);
    gemv_repeat(ctx, 2, 16, 501, 4096); /* split in 8, scalar */
    /* where the device has wide loads the cases above ran them (K % 8 == 0);
     * the vec4 path again with them off */
    kt_override("wide=off");
    gemv(ctx, 2, 40, 4096, false, true, 1.0f, 1.0f, 3, 1, 0, seed++);
    gemv_repeat(ctx, 1, 24, 2048, 0);
    kt_override(NULL);
    th_destroy(ctx);
    kt_summary("gemm+matmul");
    return th_done("test_kernel_matrix");
}
