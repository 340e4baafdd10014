/* GELU (opset 20, approximate "none" and "tanh") and Mish (opset 18), rows
 * of the elementwise family, against the reference over a wide range:
 * standalone (shaders/eltwise.comp) and fused after a Conv and a Gemm as
 * post-ops of their epilogue (the same GLSL function), graphs built directly
 * at the operators' opsets.
 * Tolerance: kt.h's (max |diff| <= 1e-4 max |ref| + 1e-5). */
#include <math.h>
#include <stdio.h>

#include "kt.h"

typedef struct act_case {
    vkc_op op;
    int opset;
    float approximate; /* Gelu: 1 = "tanh" */
    float lo, hi;
} act_case;

static void fill(vkc_graph *g, uint32_t t, float lo, float hi) {
    float *v = kt_data(g, t);
    for (uint64_t i = 0; i < g->tensors[t].elements; i++)
        v[i] = lo + (v[i] + 1.0f) * 0.5f * (hi - lo);
}

/* anchor 0: standalone, 1: after an identity 1x1 Conv, 2: after a Gemm. */
static int run(vkcnn_context *ctx, const act_case *k, int anchor, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    uint32_t x;
    if (anchor == 1) {
        int64_t xd[4] = {2, 3, 7, 9}, wd[4] = {3, 3, 1, 1};
        uint32_t in[3] = {kt_tensor(g, "x", 4, xd, false, &s), kt_tensor(g, "w", 4, wd, true, &s),
                          VKC_NONE};
        fill(g, in[0], k->lo, k->hi);
        float *w = kt_data(g, in[1]);
        for (int i = 0; i < 9; i++)
            w[i] = i % 4 == 0 ? 1.0f : 0.0f; /* the conv's output is x */
        vkc_attrs ca = kt_attrs(VKC_OP_CONV, 13);
        x = kt_node(g, VKC_OP_CONV, 13, in, 3, &ca);
    } else if (anchor == 2) {
        int64_t ad[2] = {5, 16}, bd[2] = {16, 24};
        uint32_t in[2] = {kt_tensor(g, "a", 2, ad, false, &s), kt_tensor(g, "b", 2, bd, true, &s)};
        fill(g, in[0], k->lo * 0.25f, k->hi * 0.25f);
        x = kt_node(g, VKC_OP_GEMM, 13, in, 2, NULL);
    } else {
        int64_t xd[3] = {5, 7, 31};
        x = kt_tensor(g, "x", 3, xd, false, &s);
        fill(g, x, k->lo, k->hi);
    }
    vkc_attrs a = kt_attrs(k->op, k->opset);
    a.elt.alpha = k->approximate;
    kt_output(g, kt_node(g, k->op, k->opset, &x, 1, &a));
    static const char *const where[3] = {"", " fused after a Conv", " fused after a Gemm"};
    char what[160];
    snprintf(what, sizeof what, "%s-%d%s%s, inputs in [%g, %g)", vkc_op_name(k->op), k->opset,
             k->op == VKC_OP_GELU ? (k->approximate != 0 ? " tanh" : " erf") : "", where[anchor],
             (double)k->lo, (double)k->hi);
    static const vkc_exec_options fusion = {.fusion = true};
    return kt_check(ctx, g, anchor ? &fusion : NULL, seed, what);
}

int main(int argc, char **argv) {
    kt_args(argc, argv);
    vkcnn_context *ctx = th_context(NULL, 0, 0);
    static const act_case cases[] = {
        {VKC_OP_GELU, 20, 0, -6, 6}, {VKC_OP_GELU, 20, 0, -0.1f, 0.1f},
        {VKC_OP_GELU, 20, 1, -6, 6}, {VKC_OP_GELU, 20, 1, -30, 30},
        {VKC_OP_MISH, 18, 0, -8, 8}, {VKC_OP_MISH, 18, 0, -40, 40},
        {VKC_OP_MISH, 22, 0, -1, 1},
    };
    uint64_t seed = 0x6e10000u;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (int anchor = 0; anchor < 3; anchor++)
            run(ctx, &cases[i], anchor, seed++);
    th_destroy(ctx);
    kt_summary("gelu");
    return th_done("test_kernel_gelu");
}
