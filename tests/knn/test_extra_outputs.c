/* vkcnn_model_options.extra_outputs on LeNet-5: intermediate tensors read as
 * model outputs equal the executor's own values of those tensors computed
 * unfused, without a memory plan (runtime/exec, read directly); asking for
 * a tensor inside a fused group splits it (one dispatch more, and the plan
 * says so), asking for a group's output does not; the graph's outputs are
 * unchanged; bad names are refused with the closest names listed. Under the
 * validation layer.
 *
 *     test_extra_outputs LENET5.onnx */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec.h"
#include "graph/network.h"
#include "harness.h"

#define BATCH 2

static float input[BATCH * 32 * 32];

/* The unfused executor's value of tensor `name`. */
static float *reference(vkcnn_context *ctx, const vkcnn_network *net, const char *name,
                        size_t *count) {
    const vkc_graph *g = vkc_network_graph(net);
    uint32_t t = vkc_graph_find(g, name);
    if (t == VKC_NONE) return NULL;
    vkc_exec_options eo = {.fusion = false, .plan_memory = false};
    vkc_exec *e = NULL;
    float *out = NULL;
    CHECK_OK(vkc_exec_create(ctx, g, &eo, &e));
    if (!e) return NULL;
    CHECK_OK(vkc_exec_write(e, g->inputs[0], input, BATCH * 32 * 32));
    CHECK_OK(vkc_exec_run(e));
    *count = g->tensors[t].elements;
    out = malloc(*count * sizeof *out);
    CHECK_OK(vkc_exec_read(e, t, out, *count));
    vkc_exec_destroy(e);
    return out;
}

static double max_diff(const float *a, const float *b, size_t n, double *scale) {
    double d = 0, s = 0;
    for (size_t i = 0; i < n; i++) {
        d = fmax(d, fabs((double)a[i] - b[i]));
        s = fmax(s, fabs((double)b[i]));
    }
    *scale = s;
    return d;
}

/* A model with the given extra outputs; its dispatch count, and its plan's
 * text in *plan (malloc'd). */
static vkcnn_model *make(vkcnn_context *ctx, const vkcnn_network *net, const char *const *names,
                         uint32_t n, uint32_t *dispatches, char **plan) {
    vkcnn_model_options mo = {.extra_outputs = names, .extra_output_count = n};
    vkcnn_model *m = NULL;
    CHECK_OK(vkcnn_model_create(ctx, net, &mo, &m));
    if (!m) return NULL;
    vkcnn_model_stats s;
    CHECK_OK(vkcnn_model_get_stats(m, &s));
    *dispatches = s.dispatches;
    FILE *f = tmpfile();
    CHECK_OK(vkcnn_model_describe(m, 1, f));
    long size = ftell(f);
    rewind(f);
    *plan = calloc((size_t)size + 1, 1);
    CHECK(fread(*plan, 1, (size_t)size, f) == (size_t)size);
    fclose(f);
    CHECK_OK(vkcnn_model_set_input(m, 0, input, BATCH * 32 * 32));
    CHECK_OK(vkcnn_model_run(m));
    return m;
}

/* Output `name` of m against the unfused executor's value. */
static void check_output(vkcnn_context *ctx, const vkcnn_network *net, vkcnn_model *m,
                         const char *name, uint32_t want_index, const int64_t *shape,
                         uint32_t rank) {
    uint32_t index = 99;
    CHECK_OK(vkcnn_model_find_output(m, name, &index));
    CHECK(index == want_index);
    vkcnn_tensor_info info;
    CHECK_OK(vkcnn_model_output(m, index, &info));
    CHECK(strcmp(info.name, name) == 0 && strcmp(info.dtype, "float32") == 0);
    CHECK(info.rank == rank && memcmp(info.shape, shape, rank * sizeof *shape) == 0);
    size_t n = 0;
    float *want = reference(ctx, net, name, &n);
    float *got = malloc(n * sizeof *got);
    CHECK_OK(vkcnn_model_get_output(m, index, got, n));
    double scale = 0, d = want ? max_diff(got, want, n, &scale) : INFINITY;
    printf("  output %u %-20s max |diff| %.3g (max |value| %.3g)\n", index, name, d, scale);
    CHECK(scale > 0 && d <= 1e-5 + 1e-4 * scale);
    free(want);
    free(got);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: test_extra_outputs LENET5.onnx\n");
        return 2;
    }
    uint64_t seed = 2024;
    for (size_t i = 0; i < sizeof input / sizeof input[0]; i++)
        input[i] = th_randf(&seed) * 2.0f;
    vkcnn_context *ctx = th_context(NULL, 0, 0);
    vkcnn_network_options lo = {.batch = BATCH};
    vkcnn_network *net = NULL;
    CHECK_OK(vkcnn_network_load_file(argv[1], &lo, &net));
    if (!net) return th_done("test_extra_outputs");

    uint32_t d0 = 0, d1 = 0, d2 = 0;
    char *p0 = NULL, *p1 = NULL, *p2 = NULL;
    vkcnn_model *plain = make(ctx, net, NULL, 0, &d0, &p0);
    CHECK(vkcnn_model_output_count(plain) == 1);
    float logits[BATCH * 10];
    CHECK_OK(vkcnn_model_get_output(plain, 0, logits, BATCH * 10));

    /* a fused group's own output (/f6/Gemm + /Relu_3): no split */
    printf("extra output /Relu_3_output_0 (the 84-wide penultimate tensor):\n");
    const char *penultimate[] = {"/Relu_3_output_0"};
    vkcnn_model *m1 = make(ctx, net, penultimate, 1, &d1, &p1);
    CHECK(vkcnn_model_output_count(m1) == 2);
    const int64_t s84[2] = {BATCH, 84};
    check_output(ctx, net, m1, "/Relu_3_output_0", 1, s84, 2);
    CHECK(d1 == d0);
    CHECK(strstr(p1, "output 1 '/Relu_3_output_0' [2, 84]") != NULL);
    CHECK(strstr(p1, "split") == NULL);

    /* inside groups: the Gemm's output before its Relu, the pooled map
     * before the Flatten view, the flattened view; repeats are dropped */
    printf("extra outputs inside fused groups:\n");
    const char *inner[] = {"/f6/Gemm_output_0", "/MaxPool_1_output_0", "/Flatten_output_0",
                           "logits", "/f6/Gemm_output_0"};
    vkcnn_model *m2 = make(ctx, net, inner, 5, &d2, &p2);
    CHECK(vkcnn_model_output_count(m2) == 4);
    check_output(ctx, net, m2, "/f6/Gemm_output_0", 1, s84, 2);
    const int64_t s400[4] = {BATCH, 16, 5, 5}, f400[2] = {BATCH, 400};
    check_output(ctx, net, m2, "/MaxPool_1_output_0", 2, s400, 4);
    check_output(ctx, net, m2, "/Flatten_output_0", 3, f400, 2);
    const int64_t s10[2] = {BATCH, 10};
    check_output(ctx, net, m2, "logits", 0, s10, 2);
    /* the graph's own output is what it was without extra outputs */
    float logits2[BATCH * 10];
    CHECK_OK(vkcnn_model_get_output(m2, 0, logits2, BATCH * 10));
    double scale = 0;
    CHECK(max_diff(logits2, logits, BATCH * 10, &scale) <= 1e-6 * scale);
    /* /Relu_3 no longer joins /f6/Gemm's dispatch */
    printf("  dispatches: %u without extra outputs, %u with the group's output, %u split\n", d0, d1,
           d2);
    CHECK(d2 == d0 + 1);
    CHECK(strstr(p2, "split: without this output node '/f6/Gemm' (Gemm) and node '/Relu_3' "
                     "(Relu) would be one fused group") != NULL);
    if (th_failures) fprintf(stderr, "plan:\n%s\n", p2);

    /* unfused models take extra outputs too */
    vkcnn_model_options unfused = {
        .fusion = VKCNN_OFF, .extra_outputs = inner, .extra_output_count = 1};
    vkcnn_model *m3 = NULL;
    CHECK_OK(vkcnn_model_create(ctx, net, &unfused, &m3));
    CHECK(vkcnn_model_output_count(m3) == 2);
    vkcnn_model_destroy(m3);

    /* refused names */
    vkcnn_model *bad = NULL;
    const char *typo[] = {"/Relu_3_outpt_0"};
    vkcnn_model_options o = {.extra_outputs = typo, .extra_output_count = 1};
    CHECK_STATUS(vkcnn_model_create(ctx, net, &o, &bad), VKCNN_ERROR_INVALID_ARGUMENT);
    printf("unknown name: %s\n", vkcnn_last_error());
    CHECK(bad == NULL);
    CHECK(strstr(vkcnn_last_error(), "no tensor named '/Relu_3_outpt_0' (closest: "
                                     "'/Relu_3_output_0'") != NULL);
    const char *weight[] = {"c1.weight"}, *in[] = {"input"};
    o.extra_outputs = weight;
    CHECK_STATUS(vkcnn_model_create(ctx, net, &o, &bad), VKCNN_ERROR_INVALID_ARGUMENT);
    CHECK(strstr(vkcnn_last_error(), "'c1.weight': a constant") != NULL);
    o.extra_outputs = in;
    CHECK_STATUS(vkcnn_model_create(ctx, net, &o, &bad), VKCNN_ERROR_INVALID_ARGUMENT);
    CHECK(strstr(vkcnn_last_error(), "'input': a graph input") != NULL);
    o.extra_outputs = NULL;
    CHECK_STATUS(vkcnn_model_create(ctx, net, &o, &bad), VKCNN_ERROR_INVALID_ARGUMENT);
    const char *null_name[] = {NULL};
    o.extra_outputs = null_name;
    CHECK_STATUS(vkcnn_model_create(ctx, net, &o, &bad), VKCNN_ERROR_INVALID_ARGUMENT);

    free(p0);
    free(p1);
    free(p2);
    vkcnn_model_destroy(plain);
    vkcnn_model_destroy(m1);
    vkcnn_model_destroy(m2);
    vkcnn_network_destroy(net);
    th_destroy(ctx);
    return th_done("test_extra_outputs");
}
