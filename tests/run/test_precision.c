/* The auto precision policy (vkcnn_model_options.precision = AUTO) on
 * LeNet-5: fp32 on a device whose fp16 is slow (lavapipe), the fp16 check
 * and its cache where fp16 is taken as fast (VKCNN_FAULT_FAST_FP16), and the
 * layer-by-layer fallback under tolerances the model cannot meet. */
#include <math.h>
#include <string.h>

#include "exec/exec.h"
#include "graph/network.h"
#include "harness.h"

#define N_IN (1 * 1 * 32 * 32)
#define N_OUT 10

static void run(vkcnn_model *m, float *out) {
    float in[N_IN];
    uint64_t seed = 7;
    for (int i = 0; i < N_IN; i++)
        in[i] = th_randf(&seed);
    CHECK_OK(vkcnn_model_set_input(m, 0, in, N_IN));
    CHECK_OK(vkcnn_model_run(m));
    CHECK_OK(vkcnn_model_get_output(m, 0, out, N_OUT));
}

static vkcnn_model *load(vkcnn_context *ctx, const char *path, vkcnn_precision p) {
    vkcnn_model_options o = {.precision = p};
    vkcnn_model *m = NULL;
    CHECK_OK(vkcnn_model_load_onnx(ctx, path, NULL, &o, &m));
    return m;
}

/* AUTO resolves to `want`; its outputs equal those of a model created with
 * `want` itself (the same kernels and weights, bit for bit). */
static void expect_auto(vkcnn_context *ctx, const char *path, vkcnn_precision want,
                        const char *note_has, double *error) {
    vkcnn_model *a = load(ctx, path, VKCNN_PRECISION_AUTO), *b = load(ctx, path, want);
    if (!a || !b) {
        vkcnn_model_destroy(a);
        vkcnn_model_destroy(b);
        return;
    }
    vkcnn_model_stats s;
    CHECK_OK(vkcnn_model_get_stats(a, &s));
    printf("auto: %s\n", s.precision_note);
    CHECK(s.precision == want);
    CHECK(s.fp32_layers == 0);
    CHECK(strstr(s.precision_note, note_has) != NULL);
    if (want == VKCNN_PRECISION_FP16)
        CHECK(s.fp16_error > 0 && s.fp16_error <= 1e-2);
    else
        CHECK(s.fp16_error == 0);
    *error = s.fp16_error;
    float ya[N_OUT], yb[N_OUT];
    run(a, ya);
    run(b, yb);
    CHECK(memcmp(ya, yb, sizeof ya) == 0);
    vkcnn_model_destroy(a);
    vkcnn_model_destroy(b);
}

/* The check itself, at a tolerance: whatever it settles on passes it. */
static void fallback(vkcnn_context *ctx, const char *path, double tolerance, int expect_fp16) {
    vkcnn_network *net = NULL;
    CHECK_OK(vkcnn_network_load_file(path, NULL, &net));
    if (!net) return;
    vkc_exec_options o = {.fusion = true, .winograd = true};
    vkc_precision_choice c;
    CHECK_OK(vkc_exec_precision_auto(ctx, vkc_network_graph(net), &o, tolerance, &c));
    printf("tolerance %g: %s, %u rounds, %u of %u nodes fp32, error %.3g\n", tolerance,
           c.fp16 ? "fp16" : "fp32", c.rounds, c.fp32_count, c.node_count, c.error);
    CHECK(c.rounds >= 2); /* the first fp16 run failed, so layers went back */
    CHECK(c.fp16 == (expect_fp16 > 0) || expect_fp16 < 0);
    if (c.fp16) {
        CHECK(c.error <= tolerance);
        CHECK(c.fp32_count >= 1 && c.fp32_nodes);
    } else {
        CHECK(c.error == 0 && c.fp32_count == 0 && !c.fp32_nodes);
    }
    /* cached: the same outcome without a run */
    vkc_precision_choice again;
    CHECK_OK(vkc_exec_precision_auto(ctx, vkc_network_graph(net), &o, tolerance, &again));
    CHECK(again.from_cache && again.rounds == 0);
    CHECK(again.fp16 == c.fp16 && again.fp32_count == c.fp32_count &&
          again.node_count == c.node_count);
    for (uint32_t k = 0; c.fp32_nodes && again.fp32_nodes && k < c.node_count; k++)
        CHECK(c.fp32_nodes[k] == again.fp32_nodes[k]);
    vkc_precision_choice_free(&c);
    vkc_precision_choice_free(&again);
    vkcnn_network_destroy(net);
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "models/lenet5/lenet5.onnx";
    char dir[512];
    th_tempdir(dir, sizeof dir);
    double error = 0, cached = 0;

    /* lavapipe: fp16 FMAs run at a fraction of fp32's, so auto is fp32 */
    vkcnn_context *slow = th_context(dir, 0, 0);
    vkcnn_peak peak;
    CHECK_OK(vkcnn_context_peak(slow, 0, &peak));
    if (peak.fp16_gflops < 1.5 * peak.fp32_gflops)
        expect_auto(slow, path, VKCNN_PRECISION_FP32, "the fp32 rate", &error);
    else
        printf("SKIP slow-fp16 case: fp16 %.1f, fp32 %.1f GFLOP/s\n", peak.fp16_gflops,
               peak.fp32_gflops);
    th_destroy(slow);

    /* fp16 taken as fast: the check runs, LeNet-5 passes it in fp16, and a
     * second load reads the outcome from the cache */
    vkcnn_context *fast = th_context(dir, VKCNN_FAULT_FAST_FP16, 0);
    expect_auto(fast, path, VKCNN_PRECISION_FP16, "max |diff|", &error);
    expect_auto(fast, path, VKCNN_PRECISION_FP16, "(cached)", &cached);
    CHECK(cached == error);

    /* tolerances below fp16's error: layers go back to fp32 until the check
     * passes; at 1e-12 only all-fp32 does */
    fallback(fast, path, error / 3, -1);
    fallback(fast, path, 1e-12, 0);

    /* an unknown precision is refused */
    vkcnn_model_options bad = {.precision = (vkcnn_precision)7};
    vkcnn_model *m = NULL;
    CHECK_STATUS(vkcnn_model_load_onnx(fast, path, NULL, &bad, &m), VKCNN_ERROR_INVALID_ARGUMENT);
    CHECK(m == NULL && strstr(vkcnn_last_error(), "precision 7") != NULL);
    th_destroy(fast);
    th_rmdir(dir);
    return th_done("test_precision");
}
