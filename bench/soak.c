/* vkcnn-soak: a long run of one model on fixed input, for leaks, drift and
 * latency outliers (bench/README.md).
 *
 *     vkcnn-soak MODEL [--iters N] [--warmup W] [--device D] [--seed S]
 *
 * Every input gets the same pseudo-random values (seed S) once; then N
 * inferences run back to back (set inputs, run, read outputs), and every
 * output of every inference must be bit-identical to the first inference's.
 * Anonymous resident memory (RssAnon: heap, stacks, anonymous mappings,
 * where a leak grows) is read after the first W inferences (the warm-up:
 * default N / 10, at least 1) and after the last; latency is wall time per
 * inference over the inferences after the warm-up. Memory of mapped files
 * (RssFile) is printed, not judged: the kernel drops and faults back the
 * driver's library pages as it likes. Exit status: 0 when every output
 * matched and RssAnon grew less than 1% between the two readings (and,
 * under VKCNN_VALIDATE=1, the validation layer reported no warning or
 * error); 1 otherwise or on a runtime error; 2 on a usage error. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vkcnn.h"

/* One "Name:" field of /proc/self/status in KiB (0 when unreadable). */
static unsigned long status_kib(const char *field) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return 0;
    char line[256];
    size_t n = strlen(field);
    unsigned long kib = 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':') {
            kib = strtoul(line + n + 1, NULL, 10);
            break;
        }
    fclose(f);
    return kib;
}

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted v[0..n). */
static double percentile(const double *v, size_t n, double p) {
    size_t k = (size_t)(p / 100.0 * (double)n + 0.999999);
    if (k < 1) k = 1;
    if (k > n) k = n;
    return v[k - 1];
}

static size_t elements(const vkcnn_tensor_info *t) {
    size_t n = 1;
    for (uint32_t i = 0; i < t->rank; i++)
        n *= (size_t)t->shape[i];
    return n;
}

static int usage(void) {
    fprintf(stderr, "usage: vkcnn-soak MODEL [--iters N] [--warmup W] [--device D] [--seed S]\n");
    return 2;
}

static int fail(const char *what) {
    fprintf(stderr, "vkcnn-soak: %s: %s\n", what, vkcnn_last_error());
    return 1;
}

int main(int argc, char **argv) {
    const char *model_path = NULL, *device = NULL;
    long iters = 1000, warmup = -1;
    uint64_t seed = 42;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--iters") && i + 1 < argc)
            iters = strtol(argv[++i], NULL, 10);
        else if (!strcmp(a, "--warmup") && i + 1 < argc)
            warmup = strtol(argv[++i], NULL, 10);
        else if (!strcmp(a, "--device") && i + 1 < argc)
            device = argv[++i];
        else if (!strcmp(a, "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else if (a[0] == '-' || model_path)
            return usage();
        else
            model_path = a;
    }
    if (!model_path || iters < 2) return usage();
    if (warmup < 0) warmup = iters / 10 > 0 ? iters / 10 : 1;
    if (warmup < 1 || warmup >= iters) return usage();

    vkcnn_context_desc desc = {.device = device};
    vkcnn_context *ctx = NULL;
    if (vkcnn_context_create(&desc, &ctx)) return fail("context");
    vkcnn_model *m = NULL;
    if (vkcnn_model_load_onnx(ctx, model_path, NULL, NULL, &m)) {
        int rc = fail(model_path);
        vkcnn_context_destroy(ctx);
        return rc;
    }
    uint32_t ni = vkcnn_model_input_count(m), no = vkcnn_model_output_count(m);
    float **in = calloc(ni, sizeof *in), **out = calloc(no, sizeof *out),
          **first = calloc(no, sizeof *first);
    size_t *in_n = calloc(ni, sizeof *in_n), *out_n = calloc(no, sizeof *out_n);
    double *lat = malloc((size_t)iters * sizeof *lat);
    int rc = 1;
    if (!in || !out || !first || !in_n || !out_n || !lat) {
        fprintf(stderr, "vkcnn-soak: out of host memory\n");
        goto done;
    }
    uint64_t s = seed ? seed : 1;
    for (uint32_t i = 0; i < ni; i++) {
        vkcnn_tensor_info t;
        vkcnn_model_input(m, i, &t);
        in_n[i] = elements(&t);
        if (!(in[i] = malloc(in_n[i] * sizeof(float)))) goto done;
        for (size_t k = 0; k < in_n[i]; k++) { /* xorshift64, uniform in [-1, 1) */
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            in[i][k] = (float)((double)(s >> 40) / (double)(1ull << 23) - 1.0);
        }
    }
    for (uint32_t i = 0; i < no; i++) {
        vkcnn_tensor_info t;
        vkcnn_model_output(m, i, &t);
        out_n[i] = elements(&t);
        if (!(out[i] = malloc(out_n[i] * sizeof(float)))) goto done;
        if (!(first[i] = malloc(out_n[i] * sizeof(float)))) goto done;
    }
    printf("vkcnn-soak: %s, %ld inferences (warm-up %ld), %u input(s), %u output(s)\n", model_path,
           iters, warmup, ni, no);
    unsigned long rss_warm = 0, rss_end = 0, file_warm = 0;
    long mismatches = 0;
    for (long it = 0; it < iters; it++) {
        double t0 = now_ms();
        for (uint32_t i = 0; i < ni; i++)
            if (vkcnn_model_set_input(m, i, in[i], in_n[i])) {
                fail("set input");
                goto done;
            }
        if (vkcnn_model_run(m)) {
            fprintf(stderr, "vkcnn-soak: inference %ld: %s\n", it, vkcnn_last_error());
            goto done;
        }
        for (uint32_t i = 0; i < no; i++)
            if (vkcnn_model_get_output(m, i, it ? out[i] : first[i], out_n[i])) {
                fail("get output");
                goto done;
            }
        lat[it] = now_ms() - t0;
        for (uint32_t i = 0; it && i < no; i++)
            if (memcmp(out[i], first[i], out_n[i] * sizeof(float)) != 0) {
                if (mismatches++ < 10)
                    fprintf(stderr, "vkcnn-soak: inference %ld: output %u differs from the first\n",
                            it, i);
            }
        if (it + 1 == warmup) {
            rss_warm = status_kib("RssAnon");
            file_warm = status_kib("RssFile");
        }
    }
    rss_end = status_kib("RssAnon");
    unsigned long file_end = status_kib("RssFile");
    size_t nl = (size_t)(iters - warmup);
    qsort(lat + warmup, nl, sizeof *lat, cmp_double);
    double sum = 0;
    for (size_t k = 0; k < nl; k++)
        sum += lat[warmup + k];
    double growth = rss_warm ? 100.0 * ((double)rss_end - (double)rss_warm) / (double)rss_warm : 0;
    printf("latency (ms, %zu inferences after warm-up): p50 %.3f  p99 %.3f  mean %.3f  max %.3f\n",
           nl, percentile(lat + warmup, nl, 50), percentile(lat + warmup, nl, 99), sum / (double)nl,
           lat[iters - 1]);
    printf("RssAnon after warm-up %lu KiB, at the end %lu KiB: growth %+.3f%%\n", rss_warm, rss_end,
           growth);
    printf("RssFile after warm-up %lu KiB, at the end %lu KiB (not judged)\n", file_warm, file_end);
    printf("outputs: %ld of %ld inferences differ from the first\n", mismatches, iters - 1);
    uint32_t verrors = 0, vwarnings = 0; /* zero unless VKCNN_VALIDATE=1 */
    vkcnn_context_validation_counts(ctx, &verrors, &vwarnings);
    if (verrors || vwarnings)
        printf("validation layer: %u errors, %u warnings\n", verrors, vwarnings);
    rc = mismatches == 0 && rss_warm && growth < 1.0 && !verrors && !vwarnings ? 0 : 1;
    printf("%s\n", rc ? "FAIL" : "PASS");
done:
    for (uint32_t i = 0; in && i < ni; i++)
        free(in[i]);
    for (uint32_t i = 0; out && i < no; i++)
        free(out[i]);
    for (uint32_t i = 0; first && i < no; i++)
        free(first[i]);
    free(in);
    free(out);
    free(first);
    free(in_n);
    free(out_n);
    free(lat);
    vkcnn_model_destroy(m);
    vkcnn_context_destroy(ctx);
    return rc;
}
