/* Gemm and MatMul kernels against the reference: every transA/transB
 * combination with alpha/beta and every C broadcast (none, scalar, [1], [N],
 * [1, N], [M, 1], [1, 1], [M, N]); MatMul with 1-D operands and broadcast
 * batch dims; and weights split across bindings (forced with a small
 * max_binding_bytes) for Gemm's and MatMul's B and Conv's W. */
#include <stdio.h>

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

int main(void) {
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
    th_destroy(ctx);
    kt_summary("gemm+matmul");
    return th_done("test_kernel_matrix");
}
