/* The cooperative-matrix kernels (shaders/coopmat_gemm.comp) compiled and
 * validated without a device: every form the lowering writes (implicit-GEMM
 * conv with padding, stride, dilation and groups, 1x1 conv, input scale,
 * Gemm with every transpose and C, MatMul, the Winograd GEMM F(2x2) and
 * F(4x4); fp32 and fp16 weights; fragment shapes 16x16x16 and 16x8x16,
 * subgroups of 32 and 64) is lowered through codegen for a made-up device
 * that has VK_NV_cooperative_matrix, compiled with the runtime's own
 * glslang path (vkc_glsl_compile) and checked by spirv-val (argv[1]) for
 * Vulkan 1.1 and 1.2. Any compile or validation error fails the test.
 * With the KHR tier built (VKCNN_COOPMAT_KHR) each kernel is compiled a
 * second time with CM_KHR 1.
 * Also: vkc_coopmat_pick on made-up driver lists. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "codegen/choose.h"
#include "codegen/codegen.h"
#include "core/error.h"
#include "harness.h"
#include "kt.h"
#include "passes/passes.h"
#include "vk/compiler.h"
#include "vk/coopmat.h"

static const char *spirv_val;
static char tmpdir[512];
static unsigned kernels;

/* A device with cooperative matrices of shape m x n x k, subgroups of sg. */
static vkc_codegen_target coopmat_target(uint32_t m, uint32_t n, uint32_t k, uint32_t sg) {
    vkcnn_device_info info = {.subgroup_size = sg,
                              .subgroup_size_min = sg,
                              .subgroup_size_max = sg,
                              .subgroup_ops = VKCNN_SUBGROUP_BASIC | VKCNN_SUBGROUP_BALLOT |
                                              VKCNN_SUBGROUP_ARITHMETIC,
                              .max_storage_buffer_range = 1ull << 32,
                              .min_storage_buffer_offset_alignment = 16,
                              .max_texel_buffer_elements = 1u << 27,
                              .min_texel_buffer_offset_alignment = 16,
                              .shared_memory = 48 * 1024,
                              .max_workgroup_size = {1024, 1024, 64},
                              .max_workgroup_invocations = 1024,
                              .max_workgroup_count = {1u << 31, 65535, 65535},
                              .type = VKCNN_DEVICE_DISCRETE,
                              .fp16 = 1,
                              .storage16 = 1,
                              .coopmat = VKCNN_COOPMAT_NV,
                              .coopmat_m = m,
                              .coopmat_n = n,
                              .coopmat_k = k};
    vkc_codegen_target t;
    vkc_codegen_target_init(&t, &info, 0);
    t.caps.subgroup_pin = true;
    return t;
}

/* spirv-val on `words`; 0 when valid. */
static int validate(const uint32_t *words, size_t count, const char *env, const char *what) {
    char path[600];
    snprintf(path, sizeof path, "%s/k.spv", tmpdir);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(words, 4, count, f) != count || fclose(f) != 0) {
        fprintf(stderr, "%s: cannot write %s\n", what, path);
        return 1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        execl(spirv_val, spirv_val, "--target-env", env, path, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        fprintf(stderr, "%s: spirv-val --target-env %s failed (status %d)\n", what, env, status);
        return 1;
    }
    return 0;
}

/* Compiles every coopmat_gemm dispatch of node n of g under t (its variant
 * wanted: `want`) and validates it; returns the dispatches checked. */
static unsigned check_node(const vkc_graph *g, uint32_t n, vkc_codegen_target t,
                           const vkc_variant *want, const char *what) {
    vkc_variant wants[64] = {{0}};
    wants[n] = *want;
    t.want = wants;
    t.want_count = g->node_count;
    vkc_lowering low;
    vkcnn_status st = vkc_codegen_lower(g, n, &t, &low);
    if (st) {
        fprintf(stderr, "%s: lowering: %s\n", what, vkc_error_message());
        th_failures++;
        return 0;
    }
    unsigned found = 0;
    if (low.variant.algo != VKC_ALGO_COOPMAT) {
        fprintf(stderr, "%s: lowered as variant algo %u, not cm\n", what, low.variant.algo);
        th_failures++;
    }
    for (uint32_t i = 0; i < low.count; i++) {
        const vkc_kdispatch *d = &low.dispatches[i];
        if (strcmp(d->template_name, "coopmat_gemm") != 0) continue;
        found++;
        CHECK(d->subgroup_size == t.caps.subgroup_size);
        char *source = NULL;
        CHECK_OK(vkc_codegen_source(d->template_name, &source));
        for (int khr = 0; khr <= VKCNN_COOPMAT_KHR && source; khr++) {
            char defines[VKC_CODEGEN_DEFINES_MAX + 32];
            snprintf(defines, sizeof defines, "%s#define CM_KHR %d\n", d->defines, khr);
            for (uint32_t minor = 1; minor <= 2; minor++) {
                uint32_t *spirv = NULL;
                size_t words = 0;
                char label[300];
                snprintf(label, sizeof label, "%s (%s, Vulkan 1.%u)", what, khr ? "KHR" : "NV",
                         minor);
                if (vkc_glsl_compile("coopmat_gemm", source, defines, minor, &spirv, &words)) {
                    fprintf(stderr, "%s: %s\n--- defines ---\n%s", label, vkc_error_message(),
                            defines);
                    th_failures++;
                    continue;
                }
                if (validate(spirv, words, minor == 1 ? "vulkan1.1" : "vulkan1.2", label)) {
                    fprintf(stderr, "--- defines ---\n%s", defines);
                    th_failures++;
                }
                kernels++;
                free(spirv);
            }
        }
        free(source);
    }
    if (!found) {
        fprintf(stderr, "%s: no coopmat_gemm dispatch\n", what);
        th_failures++;
    }
    vkc_lowering_free(&low);
    printf("%s: %u kernel(s) valid\n", what, found);
    return found;
}

/* Conv [n, c, h, w] * [m, c/group, k, k] + bias, Relu, Add (residual) fused;
 * `scale`: a squeeze-and-excitation input scale. */
static vkc_graph *conv(uint32_t *node, int64_t n, int64_t c, int64_t h, int64_t w, int64_t m,
                       int64_t group, int64_t k, int64_t s, int64_t d, int64_t p) {
    uint64_t seed = 11;
    vkc_graph *g = kt_graph();
    int64_t xd[4] = {n, c, h, w}, wd[4] = {m, c / group, k, k}, bd[1] = {m};
    uint32_t in[3] = {kt_tensor(g, "x", 4, xd, false, &seed), kt_tensor(g, "w", 4, wd, true, &seed),
                      kt_tensor(g, "b", 1, bd, true, &seed)};
    vkc_attrs a = kt_attrs(VKC_OP_CONV, 13);
    a.window.group = group;
    a.window.strides[0] = a.window.strides[1] = s;
    a.window.dilations[0] = a.window.dilations[1] = d;
    a.window.pads[0] = a.window.pads[1] = p;
    a.window.pads[VKC_MAX_SPATIAL] = a.window.pads[VKC_MAX_SPATIAL + 1] = p;
    uint32_t y = kt_node(g, VKC_OP_CONV, 13, in, 3, &a);
    *node = g->tensors[y].producer;
    uint32_t r = kt_node(g, VKC_OP_RELU, 13, &y, 1, NULL);
    kt_output(g, r);
    vkc_passes_options po = {.fusion = true};
    vkc_passes ps;
    CHECK_OK(vkc_passes_run(g, &po, &ps));
    return g;
}

static uint32_t want_tile;
static uint32_t choose_tile(const vkc_graph *g, uint32_t node, uint32_t rule, uint32_t form,
                            void *user) {
    return form ? want_tile : 0;
}

static void convs(const vkc_codegen_target *t, const char *shape) {
    const vkc_variant cm64 = {.algo = VKC_ALGO_COOPMAT, .bm = 64, .bn = 64};
    const vkc_variant cm32 = {.algo = VKC_ALGO_COOPMAT, .bm = 32, .bn = 32};
    struct {
        const char *what;
        int64_t n, c, h, w, m, group, k, s, d, p;
        const vkc_variant *v;
    } cases[] = {
        {"conv 3x3 pad 1", 1, 64, 14, 13, 96, 1, 3, 1, 1, 1, &cm64},
        {"conv 3x3 stride 2, batch 3", 3, 24, 15, 17, 40, 1, 3, 2, 1, 1, &cm32},
        {"conv 5x5 dilation 2, groups 2", 1, 16, 19, 19, 48, 2, 5, 1, 2, 3, &cm32},
        {"conv 1x1", 1, 96, 7, 7, 200, 1, 1, 1, 1, 0, &cm64},
        {"conv 1x1 stride 2, batch 2", 2, 40, 9, 10, 72, 1, 1, 2, 1, 0, &cm32},
        {"conv 7x7 stride 2 (stem)", 1, 3, 32, 32, 64, 1, 7, 2, 1, 3, &cm64},
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int half = 0; half <= 1; half++) {
            uint32_t node = 0;
            vkc_graph *g = conv(&node, cases[i].n, cases[i].c, cases[i].h, cases[i].w, cases[i].m,
                                cases[i].group, cases[i].k, cases[i].s, cases[i].d, cases[i].p);
            bool *halves = calloc(g->tensor_count, sizeof *halves);
            vkc_codegen_target tt = *t;
            if (half && halves) { /* fp16 weights, and X and Y as fp16 activations */
                halves[g->nodes[node].inputs[0]] = true;
                halves[g->nodes[node].outputs[0]] = true;
                halves[g->nodes[node].inputs[1]] = true;
                tt.half = halves;
            }
            char what[200];
            snprintf(what, sizeof what, "%s, %s, %s", cases[i].what,
                     half ? "fp16 weights and activations" : "fp32", shape);
            check_node(g, node, tt, cases[i].v, what);
            free(halves);
            vkc_graph_destroy(g);
        }
    }
}

/* The Winograd GEMM on cooperative matrices: the passes transform the
 * weights for F(tile x tile), the lowering's second dispatch is ours. */
static void winograd(const vkc_codegen_target *t, const char *shape) {
    for (uint32_t tile = 2; tile <= 4; tile += 2) {
        uint64_t seed = 5;
        vkc_graph *g = kt_graph();
        int64_t xd[4] = {2, 32, 12, 11}, wd[4] = {40, 32, 3, 3};
        uint32_t in[2] = {kt_tensor(g, "x", 4, xd, false, &seed),
                          kt_tensor(g, "w", 4, wd, true, &seed)};
        vkc_attrs a = kt_attrs(VKC_OP_CONV, 13);
        a.window.pads[0] = a.window.pads[1] = 1;
        a.window.pads[VKC_MAX_SPATIAL] = a.window.pads[VKC_MAX_SPATIAL + 1] = 1;
        uint32_t y = kt_node(g, VKC_OP_CONV, 13, in, 2, &a);
        uint32_t node = g->tensors[y].producer;
        kt_output(g, y);
        want_tile = tile;
        vkc_passes_options po = {.fusion = true, .winograd = true, .choose = choose_tile};
        vkc_passes ps;
        CHECK_OK(vkc_passes_run(g, &po, &ps));
        CHECK(g->nodes[node].algo == VKC_CONV_ALGO_WINOGRAD);
        vkc_variant v = {.algo = VKC_ALGO_COOPMAT, .tile = (uint8_t)tile, .bm = 32, .bn = 64};
        char what[200];
        snprintf(what, sizeof what, "winograd F(%ux%u) GEMM, %s", tile, tile, shape);
        check_node(g, node, *t, &v, what);
        vkc_graph_destroy(g);
    }
}

static void gemms(const vkc_codegen_target *t, const char *shape) {
    const vkc_variant cm = {.algo = VKC_ALGO_COOPMAT, .bm = 64, .bn = 32};
    for (int ta = 0; ta <= 1; ta++)
        for (int tb = 0; tb <= 1; tb++)
            for (int half = 0; half <= 1; half++) {
                uint64_t seed = 3;
                vkc_graph *g = kt_graph();
                int64_t m = 70, n = 45, k = 100;
                int64_t ad[2] = {ta ? k : m, ta ? m : k}, bd[2] = {tb ? n : k, tb ? k : n},
                        cd[2] = {m, n};
                uint32_t in[3] = {kt_tensor(g, "a", 2, ad, false, &seed),
                                  kt_tensor(g, "b", 2, bd, true, &seed),
                                  kt_tensor(g, "c", 2, cd, true, &seed)};
                vkc_attrs a = kt_attrs(VKC_OP_GEMM, 13);
                a.gemm.trans_a = ta;
                a.gemm.trans_b = tb;
                a.gemm.alpha = 0.5f;
                a.gemm.beta = 2.0f;
                uint32_t y = kt_node(g, VKC_OP_GEMM, 13, in, 3, &a);
                uint32_t node = g->tensors[y].producer;
                kt_output(g, kt_node(g, VKC_OP_RELU, 13, &y, 1, NULL));
                vkc_passes_options po = {.fusion = true};
                vkc_passes ps;
                CHECK_OK(vkc_passes_run(g, &po, &ps));
                bool *halves = calloc(g->tensor_count, sizeof *halves);
                vkc_codegen_target tt = *t;
                if (half && halves) {
                    halves[in[1]] = true;
                    tt.half = halves;
                }
                char what[200];
                snprintf(what, sizeof what, "gemm transA %d transB %d, %s B, %s", ta, tb,
                         half ? "fp16" : "fp32", shape);
                check_node(g, node, tt, &cm, what);
                free(halves);
                vkc_graph_destroy(g);
            }
    /* MatMul [2, 33, 80] x [80, 50] */
    uint64_t seed = 4;
    vkc_graph *g = kt_graph();
    int64_t ad[3] = {2, 33, 80}, bd[2] = {80, 50};
    uint32_t in[2] = {kt_tensor(g, "a", 3, ad, false, &seed),
                      kt_tensor(g, "b", 2, bd, true, &seed)};
    uint32_t y = kt_node(g, VKC_OP_MATMUL, 13, in, 2, NULL);
    uint32_t node = g->tensors[y].producer;
    kt_output(g, y);
    char what[200];
    snprintf(what, sizeof what, "matmul, %s", shape);
    check_node(g, node, *t, &cm, what);
    vkc_graph_destroy(g);
}

static VkCooperativeMatrixPropertiesNV prop(uint32_t m, uint32_t n, uint32_t k, VkComponentTypeNV a,
                                            VkComponentTypeNV c, VkScopeNV scope) {
    return (VkCooperativeMatrixPropertiesNV){.sType =
                                                 VK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_NV,
                                             .MSize = m,
                                             .NSize = n,
                                             .KSize = k,
                                             .AType = a,
                                             .BType = a,
                                             .CType = c,
                                             .DType = c,
                                             .scope = scope};
}

static void pick(void) {
    const VkComponentTypeNV h = VK_COMPONENT_TYPE_FLOAT16_NV, f = VK_COMPONENT_TYPE_FLOAT32_NV;
    const VkScopeNV sg = VK_SCOPE_SUBGROUP_NV;
    vkc_coopmat_shape s;
    /* a Turing/Ampere-like list: fp16 accumulators first, 16x8x16 and 16x16x16 */
    VkCooperativeMatrixPropertiesNV nv[] = {prop(16, 8, 16, h, h, sg), prop(16, 8, 8, h, f, sg),
                                            prop(16, 8, 16, h, f, sg), prop(16, 16, 16, h, f, sg),
                                            prop(16, 16, 16, h, h, sg)};
    CHECK(vkc_coopmat_pick(nv, 5, &s) && s.m == 16 && s.n == 16 && s.k == 16);
    CHECK(vkc_coopmat_pick(nv, 3, &s) && s.m == 16 && s.n == 8 && s.k == 16);
    /* fp16 accumulation only, workgroup scope, int8 or odd sizes: none */
    VkCooperativeMatrixPropertiesNV none[] = {
        prop(16, 16, 16, h, h, sg), prop(16, 16, 16, h, f, VK_SCOPE_WORKGROUP_NV),
        prop(16, 16, 32, VK_COMPONENT_TYPE_SINT8_NV, VK_COMPONENT_TYPE_SINT32_NV, sg),
        prop(12, 16, 16, h, f, sg)};
    CHECK(!vkc_coopmat_pick(none, 4, &s) && s.m == 0);
    CHECK(!vkc_coopmat_pick(NULL, 0, &s));
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: test_coopmat_spirv SPIRV-VAL\n");
        return 2;
    }
    spirv_val = argv[1];
    th_tempdir(tmpdir, sizeof tmpdir);
    pick();
    /* the device's shapes: NVIDIA's 16x16x16 at subgroups of 32, and
     * 16x8x16 at 64 (the tiling's other arithmetic) */
    vkc_codegen_target a = coopmat_target(16, 16, 16, 32), b = coopmat_target(16, 8, 16, 64);
    CHECK(vkc_coopmat_usable(&a) && vkc_coopmat_usable(&b));
    convs(&a, "16x16x16 sg 32");
    gemms(&a, "16x16x16 sg 32");
    winograd(&a, "16x16x16 sg 32");
    convs(&b, "16x8x16 sg 64");
    gemms(&b, "16x8x16 sg 64");
    winograd(&b, "16x8x16 sg 64");
    th_rmdir(tmpdir);
    printf("%u SPIR-V modules valid\n", kernels);
    CHECK(kernels > 0);
    return th_done("test_coopmat_spirv");
}
