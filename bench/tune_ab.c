/* vkcnn-tune-ab: a model with the kernel choices `vkcnn tune` stored against
 * the same model without them, interleaved inference by inference in one
 * process (A B B A A B ...), so that a shared host's drift falls on both
 * alike. Prints JSON: each inference's wall time (host ms around the run;
 * no timestamps: on lavapipe the one after each dispatch flushes the
 * driver's queue, a cost
 * that would fall on both and pull the ratio towards 1), the medians,
 * the median of the per-pair ratios untuned / tuned, and the layers that run
 * a tuned choice with their variant.
 *
 *   vkcnn-tune-ab MODEL [--iters N] [--warmup N] [--batch N]
 *                 [--precision fp32|fp16] [--cache-dir DIR]
 *
 * --cache-dir: where `vkcnn tune` stored its choices (default: the default
 * cache directory). Exit status 1 when no layer runs a tuned choice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tools/vector_width.h"
#include "vkcnn.h"

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(const double *v, int n) {
    double *s = malloc((size_t)n * sizeof *s);
    if (!s) return -1;
    memcpy(s, v, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, compare);
    double m = n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    free(s);
    return m;
}

static void json_string(const char *s) {
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            printf("\\u%04x", *s);
        else
            putchar(*s);
    }
    putchar('"');
}

static int fail(const char *what) {
    fprintf(stderr, "vkcnn-tune-ab: %s: %s\n", what, vkcnn_last_error());
    return 1;
}

int main(int argc, char **argv) {
    /* lavapipe's width as the CLI's (the SIMD width is part of the tuned
     * choices' key) */
    tool_choose_vector_width();
    const char *path = NULL, *cache = NULL;
    int iters = 20, warmup = 3;
    uint32_t batch = 0;
    vkcnn_precision precision = VKCNN_PRECISION_FP32;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--iters") == 0 && v) {
            iters = atoi(argv[++i]);
        } else if (strcmp(a, "--warmup") == 0 && v) {
            warmup = atoi(argv[++i]);
        } else if (strcmp(a, "--batch") == 0 && v) {
            batch = (uint32_t)atoi(argv[++i]);
        } else if (strcmp(a, "--cache-dir") == 0 && v) {
            cache = argv[++i];
        } else if (strcmp(a, "--precision") == 0 && v) {
            precision =
                strcmp(argv[++i], "fp16") == 0 ? VKCNN_PRECISION_FP16 : VKCNN_PRECISION_FP32;
        } else if (a[0] != '-' && !path) {
            path = a;
        } else {
            fprintf(stderr, "usage: vkcnn-tune-ab MODEL [--iters N] [--warmup N] [--batch N] "
                            "[--precision fp32|fp16] [--cache-dir DIR]\n");
            return 2;
        }
    }
    if (!path || iters < 1 || warmup < 0) {
        fprintf(stderr, "vkcnn-tune-ab: a model and --iters >= 1 are needed\n");
        return 2;
    }
    vkcnn_context_desc desc = {.cache_dir = cache};
    vkcnn_context *ctx = NULL;
    vkcnn_network *net = NULL;
    vkcnn_model *m[2] = {NULL, NULL}; /* 0 tuned, 1 untuned */
    vkcnn_network_options lo = {.batch = batch};
    if (vkcnn_context_create(&desc, &ctx)) return fail("context");
    if (vkcnn_network_load_file(path, &lo, &net)) return fail(path);
    for (int k = 0; k < 2; k++) {
        vkcnn_model_options mo = {
            .profile = VKCNN_OFF, .precision = precision, .tuned = k == 0 ? VKCNN_ON : VKCNN_OFF};
        if (vkcnn_model_create(ctx, net, &mo, &m[k])) return fail("model");
    }
    /* fixed-seed inputs in [-1, 1), the same for both */
    uint64_t seed = 0x2545f4914f6cdd1dull;
    for (uint32_t i = 0; i < vkcnn_model_input_count(m[0]); i++) {
        vkcnn_tensor_info ti;
        vkcnn_model_input(m[0], i, &ti);
        size_t n = 1;
        for (uint32_t d = 0; d < ti.rank; d++)
            n *= (size_t)ti.shape[d];
        float *x = malloc(n * sizeof *x);
        if (!x) return 1;
        for (size_t j = 0; j < n; j++) {
            seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
            x[j] = (float)(seed >> 40) / 8388608.0f - 1.0f;
        }
        for (int k = 0; k < 2; k++)
            if (vkcnn_model_set_input(m[k], i, x, n)) return fail("input");
        free(x);
    }
    double *t[2] = {calloc((size_t)iters, sizeof(double)), calloc((size_t)iters, sizeof(double))};
    double *ratio = calloc((size_t)iters, sizeof(double));
    if (!t[0] || !t[1] || !ratio) return 1;
    for (int it = -warmup; it < iters; it++) {
        int first = (it & 1) ? 1 : 0; /* A B, then B A */
        for (int j = 0; j < 2; j++) {
            int k = j == 0 ? first : 1 - first;
            double t0 = now_ms();
            if (vkcnn_model_run(m[k])) return fail("run");
            if (it >= 0) t[k][it] = now_ms() - t0;
        }
        if (it >= 0) ratio[it] = t[1][it] / t[0][it];
    }
    vkcnn_model_stats s0;
    vkcnn_model_get_stats(m[0], &s0);
    printf("{\"model\": ");
    json_string(path);
    printf(", \"iterations\": %d, \"tuned_layers\": %u, \"tuned_ms\": %.4f, "
           "\"untuned_ms\": %.4f, \"ratio_median\": %.4f, \"tuned\": [",
           iters, s0.tuned_layers, median(t[0], iters), median(t[1], iters), median(ratio, iters));
    for (int it = 0; it < iters; it++)
        printf("%s%.4f", it ? ", " : "", t[0][it]);
    printf("], \"untuned\": [");
    for (int it = 0; it < iters; it++)
        printf("%s%.4f", it ? ", " : "", t[1][it]);
    for (int k = 0; k < 2; k++) { /* each Conv/Gemm/MatMul group's variant, once */
        printf("], \"%s\": [", k ? "variants_untuned" : "variants_tuned");
        const char *last = "";
        int any = 0;
        for (uint32_t i = 0; i < s0.dispatches + 1000; i++) {
            vkcnn_dispatch_info d;
            if (vkcnn_model_dispatch(m[k], i, &d)) break;
            if (!d.variant[0] || strcmp(d.nodes, last) == 0) continue;
            last = d.nodes;
            printf("%s[", any ? ", " : "");
            json_string(d.nodes);
            printf(", ");
            json_string(d.variant);
            printf("]");
            any = 1;
        }
    }
    printf("]}\n");
    int rc = s0.tuned_layers ? 0 : 1;
    free(t[0]);
    free(t[1]);
    free(ratio);
    vkcnn_model_destroy(m[0]);
    vkcnn_model_destroy(m[1]);
    vkcnn_network_destroy(net);
    vkcnn_context_destroy(ctx);
    return rc;
}
