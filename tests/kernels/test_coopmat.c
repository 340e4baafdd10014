/* The cooperative-matrix kernels (variant cm, shaders/coopmat_gemm.comp)
 * against runtime/ref, on a device that has them (VK_NV_cooperative_matrix
 * with an fp16 x fp16 -> fp32 shape); elsewhere (lavapipe) the test prints
 * SKIP with the reason and exits 77.
 *
 * The kernels round both operands to fp16. The data here are multiples of
 * 1/4 in [-1, 1] (weights and inputs alike): fp16 holds them exactly, so
 * products are exact and the sums exact in fp32, and the tolerance stays
 * kt.h's KT_RTOL: a wrong index, a missed edge or a stale tile shows, the
 * rounding does not. The Winograd GEMM's transformed tiles are not such
 * multiples (F(4x4)'s G holds 1/6): those cases are checked against
 * 2^-9 of the output's scale (fp16 rounding of V and U, amplified by the
 * output transform), F(2x2) at 2^-10.
 *
 * Cases: convolutions of random shapes (edges that no tile divides, stride
 * 2, padding, dilation, groups, batch 1 and 3, 1x1 with and without
 * stride) with bias, Relu and a residual Add fused, under each tile the
 * device takes; Gemm with every transpose, C and alpha / beta; MatMul with
 * a 2-D B; the Winograd GEMM F(2x2) and F(4x4). Each runs forced
 * (vkc_exec_options.force): the executor fails when the node cannot run
 * as cm. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "codegen/choose.h"
#include "exec/exec_internal.h"
#include "kt.h"
#include "vk/context.h"

/* multiples of 1/4: exact in fp16 */
static void quantize(vkc_graph *g) {
    for (uint32_t t = 0; t < g->tensor_count; t++) {
        float *v = kt_data(g, t);
        for (uint64_t i = 0; v && i < g->tensors[t].elements; i++)
            v[i] = roundf(v[i] * 4.0f) / 4.0f;
    }
}

static const vkc_variant blocks[] = {{.algo = VKC_ALGO_COOPMAT, .bm = 64, .bn = 64},
                                     {.algo = VKC_ALGO_COOPMAT, .bm = 32, .bn = 32},
                                     {.algo = VKC_ALGO_COOPMAT, .bm = 64, .bn = 32},
                                     {.algo = VKC_ALGO_COOPMAT, .bm = 32, .bn = 64}};
#define BLOCKS (sizeof blocks / sizeof blocks[0])

static int run(vkcnn_context *ctx, vkc_graph *g, vkc_family f, const vkc_variant *v, bool winograd,
               uint64_t seed, const char *what) {
    vkc_variant force[VKC_FAMILY_COUNT] = {{0}};
    force[f] = *v;
    vkc_exec_options o = {.fusion = true, .winograd = winograd, .force = force};
    quantize(g);
    char desc[400], name[VKC_VARIANT_STRING_MAX];
    snprintf(desc, sizeof desc, "%.300s as %s", what, vkc_variant_string(v, name, sizeof name));
    return kt_check(ctx, g, &o, seed, desc);
}

static vkc_graph *conv_graph(uint64_t *seed, int64_t n, int64_t c, int64_t h, int64_t w, int64_t m,
                             int64_t group, int64_t kh, int64_t kw, int64_t s, int64_t d,
                             const int64_t pads[4], bool residual) {
    vkc_graph *g = kt_graph();
    int64_t xd[4] = {n, c, h, w}, wd[4] = {m, c / group, kh, kw}, bd[1] = {m};
    uint32_t in[3] = {kt_tensor(g, "x", 4, xd, false, seed), kt_tensor(g, "w", 4, wd, true, seed),
                      kt_tensor(g, "b", 1, bd, true, seed)};
    vkc_attrs a = kt_attrs(VKC_OP_CONV, 13);
    a.window.group = group;
    a.window.strides[0] = a.window.strides[1] = s;
    a.window.dilations[0] = a.window.dilations[1] = d;
    a.window.pads[0] = pads[0];
    a.window.pads[1] = pads[1];
    a.window.pads[VKC_MAX_SPATIAL] = pads[2];
    a.window.pads[VKC_MAX_SPATIAL + 1] = pads[3];
    uint32_t y = kt_node(g, VKC_OP_CONV, 13, in, 3, &a);
    if (y == VKC_NONE) return g;
    uint32_t r = kt_node(g, VKC_OP_RELU, 13, &y, 1, NULL);
    if (residual) {
        uint32_t add[2] = {r, kt_tensor(g, "res", 4, g->tensors[y].dims, false, seed)};
        r = kt_node(g, VKC_OP_ADD, 14, add, 2, NULL);
    }
    kt_output(g, r);
    return g;
}

static void convs(vkcnn_context *ctx, int *failed) {
    uint64_t seed = 0xC0;
    for (int i = 0; i < 24; i++) {
        uint64_t s0 = seed;
        bool one = i % 4 == 3; /* a 1x1 conv */
        int64_t n = i % 3 == 1 ? 3 : 1, group = i % 5 == 2 ? 2 : 1;
        int64_t c = group * kt_range(&seed, 1, 40), m = group * kt_range(&seed, 1, 80);
        int64_t k = one ? 1 : kt_range(&seed, 1, 3) * 2 + 1;
        int64_t s = kt_range(&seed, 1, 2), d = one ? 1 : kt_range(&seed, 1, 2);
        int64_t h = kt_range(&seed, k * d, 20), w = kt_range(&seed, k * d, 21);
        int64_t pads[4] = {0, 0, 0, 0};
        for (int j = 0; j < 4 && !one; j++)
            pads[j] = kt_range(&seed, 0, k / 2);
        bool residual = i % 2 == 0;
        char what[300];
        snprintf(what, sizeof what,
                 "conv x%lldx%lldx%lldx%lld w%lldx%lldx%lldx%lld s%lld d%lld pads "
                 "%lld,%lld,%lld,%lld%s",
                 (long long)n, (long long)c, (long long)h, (long long)w, (long long)m,
                 (long long)(c / group), (long long)k, (long long)k, (long long)s, (long long)d,
                 (long long)pads[0], (long long)pads[1], (long long)pads[2], (long long)pads[3],
                 residual ? " + residual" : "");
        uint32_t mask = kt_variants(BLOCKS);
        for (unsigned b = 0; b < BLOCKS; b++) {
            if (!(mask >> b & 1u)) continue;
            uint64_t s1 = s0;
            vkc_graph *g = conv_graph(&s1, n, c, h, w, m, group, k, k, s, d, pads, residual);
            *failed += run(ctx, g, VKC_FAMILY_CONV, &blocks[b], false, s0, what);
        }
    }
}

static void gemms(vkcnn_context *ctx, int *failed) {
    uint64_t seed = 0x6E;
    for (int i = 0; i < 16; i++) {
        uint64_t s0 = seed;
        bool ta = i & 1, tb = i & 2;
        int64_t m = kt_range(&seed, 1, 150), n = kt_range(&seed, 1, 130),
                k = kt_range(&seed, 1, 200);
        int crank = i % 3; /* C of rank 0 (none), 1 or 2 */
        char what[200];
        snprintf(what, sizeof what, "gemm %lldx%lldx%lld transA %d transB %d C rank %d",
                 (long long)m, (long long)n, (long long)k, ta, tb, crank);
        uint32_t mask = kt_variants(BLOCKS);
        for (unsigned b = 0; b < BLOCKS; b++) {
            if (!(mask >> b & 1u)) continue;
            uint64_t s1 = s0;
            vkc_graph *g = kt_graph();
            int64_t ad[2] = {ta ? k : m, ta ? m : k}, bd[2] = {tb ? n : k, tb ? k : n},
                    cd[2] = {m, n};
            uint32_t in[3] = {kt_tensor(g, "a", 2, ad, false, &s1),
                              kt_tensor(g, "b", 2, bd, true, &s1), VKC_NONE};
            if (crank == 1) in[2] = kt_tensor(g, "c", 1, &cd[1], true, &s1);
            if (crank == 2) in[2] = kt_tensor(g, "c", 2, cd, true, &s1);
            vkc_attrs a = kt_attrs(VKC_OP_GEMM, 13);
            a.gemm.trans_a = ta;
            a.gemm.trans_b = tb;
            a.gemm.alpha = i % 4 == 1 ? 0.5f : 1.0f;
            a.gemm.beta = i % 4 == 2 ? 2.0f : 1.0f;
            uint32_t y = kt_node(g, VKC_OP_GEMM, 13, in, crank ? 3 : 2, &a);
            kt_output(g, kt_node(g, VKC_OP_RELU, 13, &y, 1, NULL));
            *failed += run(ctx, g, VKC_FAMILY_GEMM, &blocks[b], false, s0, what);
        }
    }
    /* MatMul [b, r, K] x [K, N] (a Linear layer on N-D activations) */
    for (int i = 0; i < 4; i++) {
        uint64_t s0 = seed;
        int64_t bt = kt_range(&seed, 1, 3), r = kt_range(&seed, 1, 70), k = kt_range(&seed, 1, 90),
                n = kt_range(&seed, 1, 100);
        char what[200];
        snprintf(what, sizeof what, "matmul [%lld, %lld, %lld] x [%lld, %lld]", (long long)bt,
                 (long long)r, (long long)k, (long long)k, (long long)n);
        uint64_t s1 = s0;
        vkc_graph *g = kt_graph();
        int64_t ad[3] = {bt, r, k}, bd[2] = {k, n};
        uint32_t in[2] = {kt_tensor(g, "a", 3, ad, false, &s1),
                          kt_tensor(g, "b", 2, bd, true, &s1)};
        kt_output(g, kt_node(g, VKC_OP_MATMUL, 13, in, 2, NULL));
        *failed += run(ctx, g, VKC_FAMILY_MATMUL, &blocks[i % BLOCKS], false, s0, what);
    }
}

/* The passes give the conv Winograd weights for the wanted tile. */
static void winograd(vkcnn_context *ctx, int *failed) {
    uint64_t seed = 0x3A;
    for (int i = 0; i < 8; i++) {
        uint64_t s0 = seed;
        uint8_t tile = i % 2 ? 4 : 2;
        int64_t n = i % 3 == 0 ? 3 : 1, c = kt_range(&seed, 1, 48), m = kt_range(&seed, 1, 72);
        int64_t h = kt_range(&seed, 3, 19), w = kt_range(&seed, 3, 17);
        int64_t pads[4] = {1, 1, 1, 1};
        char what[200];
        snprintf(what, sizeof what, "winograd x%lldx%lldx%lldx%lld w%lldx%lldx3x3 pad 1",
                 (long long)n, (long long)c, (long long)h, (long long)w, (long long)m,
                 (long long)c);
        vkc_variant v = blocks[i % BLOCKS];
        v.tile = tile;
        kt_set_rtol(tile == 4 ? 1.0 / 512 : 1.0 / 1024);
        uint64_t s1 = s0;
        vkc_graph *g = conv_graph(&s1, n, c, h, w, m, 1, 3, 3, 1, 1, pads, i % 2 == 0);
        *failed += run(ctx, g, VKC_FAMILY_CONV, &v, true, s0, what);
        kt_set_rtol(0);
    }
}

int main(int argc, char **argv) {
    kt_args(argc, argv);
    vkcnn_context *ctx = th_context(NULL, 0, 0);
    const vkcnn_device_info *info = &ctx->dev.phys->info;
    vkc_codegen_target t;
    vkc_kernel_override ov;
    vkc_exec_options xo = {.ignore_override = true};
    CHECK_OK(vkc_exec_target(ctx, &xo, &t, &ov));
    if (!vkc_coopmat_usable(&t)) {
        printf("SKIP: %s (%s) has no usable cooperative matrices: %s\n", info->name,
               info->driver_info,
               info->coopmat == VKCNN_COOPMAT_NONE
                   ? "no VK_NV_cooperative_matrix with an fp16 x fp16 -> fp32 subgroup shape"
                   : "the subgroup size cannot be pinned or the feature was not enabled");
        th_destroy(ctx);
        return th_failures ? th_done("test_coopmat") : 77;
    }
    printf("%s: coopmat %ux%ux%u, subgroup %u\n", info->name, info->coopmat_m, info->coopmat_n,
           info->coopmat_k, info->subgroup_size);
    int failed = 0;
    convs(ctx, &failed);
    gemms(ctx, &failed);
    winograd(ctx, &failed);
    th_destroy(ctx);
    kt_summary("coopmat");
    if (failed) th_failures++;
    return th_done("test_coopmat");
}
