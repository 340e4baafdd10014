/* vkcnn bench MODEL [--batch N] [--iters N] [--warmup N] [--precision fp32|fp16|auto]
 *                   [--no-fusion] [--no-winograd] [--no-tune] [--per-layer]
 *                   [--json FILE]
 * Times a model: cold and warm start, then host wall time per inference
 * over --iters runs after a warm-up, then (devices with timestamps) as many
 * runs of the model built with timestamps around each dispatch: GPU time,
 * the wall time with timestamps and their difference (the host's overhead).
 * The two are separate runs because timestamps are not free: on lavapipe
 * the one after each dispatch flushes the driver's queue, which lengthened EfficientNet-B0's
 * inference from 17.5 to 28 ms (bench/RESULTS.md, stop 42). Prints a table
 * and optionally writes JSON (fields of the CLI contract; what this build
 * cannot measure is null). */
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "json.h"
#include "vkcnn.h"

typedef struct start_times {
    double total_ms, parse_ms;                  /* parse: ONNX import */
    double compile_ms, pipelines_ms, upload_ms; /* from vkcnn_model_get_stats */
} start_times;

typedef struct spread {
    double median, p10, p90;
} spread;

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

static int compare_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentiles of v[0..n) (sorted in place). */
static spread percentiles(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, compare_double);
    spread s = {v[n / 2], v[(n - 1) / 10], v[(n - 1) - (n - 1) / 10]};
    if (n % 2 == 0) s.median = 0.5 * (v[n / 2 - 1] + v[n / 2]);
    return s;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Loads MODEL in a context on cache_dir, timing the import and the rest. */
static vkcnn_status timed_load(const vkcnn_context_desc *base, const char *cache_dir,
                               const char *path, uint32_t batch, const vkcnn_model_options *mo,
                               vkcnn_context **ctx, vkcnn_network **net, vkcnn_model **model,
                               start_times *t, cli_progress *progress) {
    vkcnn_context_desc desc = *base;
    desc.cache_dir = cache_dir;
    desc.cache = VKCNN_ON;
    double t0 = now_ms();
    vkcnn_status st = vkcnn_context_create(&desc, ctx);
    if (st) return st;
    double t1 = now_ms();
    vkcnn_network_options lo = {.batch = batch};
    cli_progress_stage(progress, "parse", path);
    if ((st = vkcnn_network_load_file(path, &lo, net))) return st;
    double t2 = now_ms();
    cli_progress_parsed(progress, *net);
    st = cli_progress_create_model(progress, *ctx, *net, mo, model);
    double t3 = now_ms();
    t->parse_ms = t2 - t1;
    t->total_ms = t3 - t0;
    vkcnn_model_stats ms;
    if (!st && !(st = vkcnn_model_get_stats(*model, &ms))) {
        t->compile_ms = ms.compile_ms;
        t->pipelines_ms = ms.pipelines_ms;
        t->upload_ms = ms.upload_ms;
    }
    return st;
}

/* The warm start is timed in a new process, as an application restarting
 * on a hot cache sees it (driver loaded afresh, no memory of the first
 * load): this executable again, with this command's arguments and
 * `--warm-start-child DIR FILE`, loads the model on the cache directory DIR
 * and writes its start times to FILE. 0 on success. */
static int warm_start_in_new_process(int argc, char **argv, const char *cache_dir, start_times *t) {
    char out[512];
    if (snprintf(out, sizeof out, "%s/warm-start.txt", cache_dir) >= (int)sizeof out) return -1;
    char **args = calloc((size_t)argc + 5, sizeof *args);
    if (!args) return -1;
    args[0] = "/proc/self/exe";
    for (int i = 0; i < argc; i++)
        args[i + 1] = argv[i];
    args[argc + 1] = "--warm-start-child";
    args[argc + 2] = (char *)cache_dir;
    args[argc + 3] = out;
    extern char **environ;
    pid_t pid;
    int rc = posix_spawn(&pid, "/proc/self/exe", NULL, NULL, args, environ);
    free(args);
    if (rc != 0) return -1;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
    FILE *f = fopen(out, "r");
    if (!f) return -1;
    int n = fscanf(f, "%lf %lf %lf %lf %lf", &t->total_ms, &t->parse_ms, &t->compile_ms,
                   &t->pipelines_ms, &t->upload_ms);
    fclose(f);
    return n == 5 ? 0 : -1;
}

/* Fixed-seed inputs in [-1, 1), the same sequence for every model of a run;
 * *buf is the caller's scratch (grown here, freed by the caller). */
static vkcnn_status set_inputs(vkcnn_model *model, float **buf) {
    uint64_t seed = 0x2545f4914f6cdd1dull;
    for (uint32_t i = 0; i < vkcnn_model_input_count(model); i++) {
        vkcnn_tensor_info ti;
        vkcnn_model_input(model, i, &ti);
        size_t n = 1;
        for (uint32_t d = 0; d < ti.rank; d++)
            n *= (size_t)ti.shape[d];
        float *grown = realloc(*buf, n * sizeof **buf);
        if (!grown) return VKCNN_ERROR_OUT_OF_HOST_MEMORY;
        *buf = grown;
        for (size_t k = 0; k < n; k++) {
            seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
            grown[k] = (float)(seed >> 40) / 8388608.0f - 1.0f;
        }
        vkcnn_status st = vkcnn_model_set_input(model, i, grown, n);
        if (st) return st;
    }
    return VKCNN_OK;
}

/* `warmup` untimed runs, then `iters` timed ones: wall[it] the host's ms
 * around vkcnn_model_run, gpu[it] (when gpu is not NULL) the run's GPU time
 * from its stats (negative without timestamps). */
static vkcnn_status timed_runs(vkcnn_model *model, uint32_t warmup, uint32_t iters, double *wall,
                               double *gpu, vkcnn_model_stats *stats) {
    for (long it = -(long)warmup; it < (long)iters; it++) {
        double t0 = now_ms();
        vkcnn_status st = vkcnn_model_run(model);
        if (st) return st;
        double t1 = now_ms();
        vkcnn_model_get_stats(model, stats);
        if (it >= 0) {
            wall[it] = t1 - t0;
            if (gpu) gpu[it] = stats->gpu_ms;
        }
    }
    return VKCNN_OK;
}

static void print_spread_json(FILE *f, const char *name, spread s) {
    fprintf(f, "\"%s\": {\"median\": %.4f, \"p10\": %.4f, \"p90\": %.4f}", name, s.median, s.p10,
            s.p90);
}

static void print_start_json(FILE *f, const char *name, start_times t) {
    fprintf(f,
            "\"%s\": {\"total_ms\": %.2f, \"parse_ms\": %.2f, \"compile_ms\": %.2f, "
            "\"pipelines_ms\": %.2f, \"upload_ms\": %.2f}",
            name, t.total_ms, t.parse_ms, t.compile_ms, t.pipelines_ms, t.upload_ms);
}

/* The bound a dispatch is closest to: the larger of its time at peak FLOP
 * rate and its time at peak read bandwidth. */
static const char *bound(const vkcnn_dispatch_info *d, const vkcnn_peak *peak) {
    if (!peak || peak->fp32_gflops <= 0 || peak->read_gbps <= 0) return "?";
    double compute = (double)d->flops / (peak->fp32_gflops * 1e9);
    double memory = (double)(d->bytes_read + d->bytes_written) / (peak->read_gbps * 1e9);
    return compute >= memory ? "compute" : "memory";
}

static void print_layers(FILE *f, const vkcnn_model *model, uint32_t n, const vkcnn_peak *peak) {
    fprintf(f, "\n%-4s %-10s %-26s %10s %9s %8s %8s  %-8s %s\n", "#", "kernel", "variant", "ms",
            "GFLOP/s", "GB/s", "MB", "bound", "nodes");
    for (uint32_t i = 0; i < n; i++) {
        vkcnn_dispatch_info d;
        if (vkcnn_model_dispatch(model, i, &d) != VKCNN_OK) continue;
        double bytes = (double)(d.bytes_read + d.bytes_written);
        double s = d.gpu_ms > 0 ? d.gpu_ms * 1e-3 : 0;
        fprintf(f, "%-4u %-10s %-26s %10.3f %9.1f %8.2f %8.2f  %-8s %s\n", i, d.kernel,
                d.variant && d.variant[0] ? d.variant : "-", d.gpu_ms,
                s > 0 ? (double)d.flops / s / 1e9 : 0.0, s > 0 ? bytes / s / 1e9 : 0.0, bytes / 1e6,
                bound(&d, peak), d.nodes);
    }
}

static void print_layers_json(FILE *f, const vkcnn_model *model, uint32_t n,
                              const vkcnn_peak *peak) {
    fprintf(f, "[");
    for (uint32_t i = 0; i < n; i++) {
        vkcnn_dispatch_info d;
        if (vkcnn_model_dispatch(model, i, &d) != VKCNN_OK) continue;
        double s = d.gpu_ms > 0 ? d.gpu_ms * 1e-3 : 0;
        double bytes = (double)(d.bytes_read + d.bytes_written);
        fprintf(f, "%s{\"index\": %u, \"kernel\": ", i ? ", " : "", i);
        json_string(f, d.kernel);
        fprintf(f, ", \"variant\": ");
        if (d.variant && d.variant[0])
            json_string(f, d.variant);
        else
            fprintf(f, "null");
        fprintf(f, ", \"nodes\": ");
        json_string(f, d.nodes);
        fprintf(f,
                ", \"gpu_ms\": %.4f, \"flops\": %llu, \"bytes_read\": %llu, "
                "\"bytes_written\": %llu, \"gflops\": %.3f, \"gbps\": %.3f, \"bound\": \"%s\"}",
                d.gpu_ms, (unsigned long long)d.flops, (unsigned long long)d.bytes_read,
                (unsigned long long)d.bytes_written, s > 0 ? (double)d.flops / s / 1e9 : 0.0,
                s > 0 ? bytes / s / 1e9 : 0.0, bound(&d, peak));
    }
    fprintf(f, "]");
}

static void usage(FILE *f) {
    fprintf(f, "usage: vkcnn bench MODEL [--batch N] [--iters N] [--warmup N]\n"
               "                   [--precision fp32|fp16|auto] [--no-fusion] [--no-winograd]\n"
               "                   [--no-tune] [--per-layer] [--json FILE] [--quiet] [--device D]\n"
               "                   [--cache-dir DIR] [--no-cache]\n"
               "Times MODEL on one device: a cold start (fresh private shader cache) and a\n"
               "warm start (a new process loading it again, caches hot), each split into\n"
               "parse, compile (SPIR-V), pipeline creation and weight upload; then --iters\n"
               "inferences after --warmup more, reporting the median, p10 and p90 of host wall\n"
               "time per inference, images/s and GFLOP/s from it (2 x MACs of Conv/Gemm/MatMul:\n"
               "direct-convolution FLOPs) and its share of `vkcnn peak`'s figure. Then, on\n"
               "devices with timestamps, as many runs again with a timestamp around each\n"
               "dispatch: GPU time, the wall time with the timestamps (they cost time: on\n"
               "lavapipe each flushes the driver's queue) and wall minus GPU time (the host's\n"
               "overhead: submit, wait, work outside the dispatches); --per-layer reads these\n"
               "runs too. Inputs are fixed-seed random. The table goes to stdout.\n"
               "  --batch N        batch size bound to a symbolic batch dimension (default:\n"
               "                   the model's own, 1 when symbolic; a static model refuses\n"
               "                   another)\n"
               "  --iters N        timed inferences, 1 or more (default 20)\n"
               "  --warmup N       untimed inferences before them, 0 or more (default 3)\n"
               "" CLI_PRECISION_HELP
               "  --no-fusion      one kernel per node: no graph passes (batch-norm folding,\n"
               "                   fused activations); also no Winograd\n"
               "  --no-winograd    3x3 stride-1 convolutions as implicit GEMM, not Winograd\n"
               "" CLI_TUNE_HELP
               "  --per-layer      also time every dispatch: its kernel and variant, the nodes\n"
               "                   it computes, ms, GFLOP/s, GB/s and the bound it is closest to\n"
               "  --json FILE      also write the figures as JSON to FILE (checked to be\n"
               "                   writable before the benchmark starts)\n"
               "  --quiet          no progress messages (shown for models over 16 MB)\n"
               "" CLI_DEVICE_FLAGS_HELP CLI_EXIT_HELP);
}

int vkcnn_cmd_bench(int argc, char **argv) {
    const char *path = NULL, *json_path = NULL, *child_dir = NULL, *child_out = NULL;
    vkcnn_precision prec = VKCNN_PRECISION_FP32;
    uint32_t batch = 0, iters = 20, warmup = 3;
    int fusion = 1, winograd = 1, per_layer = 0, quiet = 0;
    vkcnn_toggle tuned = VKCNN_DEFAULT;
    vkcnn_context_desc desc = {0};
    for (int i = 1; i < argc; i++) {
        int r = cli_device_flag(argc, argv, &i, &desc);
        if (!r) r = cli_precision_flag("bench", argc, argv, &i, &prec);
        if (!r) r = cli_tune_flag(argc, argv, &i, &tuned);
        if (r < 0) return 2;
        if (r > 0) continue;
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--batch") == 0 || strcmp(a, "--iters") == 0) {
            if (cli_parse_uint("bench", a, val, 1, 1000000, a[2] == 'b' ? &batch : &iters))
                return 2;
            i++;
        } else if (strcmp(a, "--warmup") == 0) {
            if (cli_parse_uint("bench", a, val, 0, 1000000, &warmup)) return 2;
            i++;
        } else if (strcmp(a, "--json") == 0) {
            if (!val || !val[0]) {
                fprintf(stderr, "vkcnn bench: --json needs a FILE to write the JSON to\n");
                return 2;
            }
            json_path = argv[++i];
        } else if (strcmp(a, "--quiet") == 0) {
            quiet = 1;
        } else if (strcmp(a, "--warm-start-child") == 0 && i + 2 < argc) {
            child_dir = argv[++i]; /* internal: see warm_start_in_new_process */
            child_out = argv[++i];
        } else if (strcmp(a, "--no-fusion") == 0) {
            fusion = 0;
        } else if (strcmp(a, "--no-winograd") == 0) {
            winograd = 0;
        } else if (strcmp(a, "--per-layer") == 0) {
            per_layer = 1;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "vkcnn bench: unknown option '%s'\n", a);
            return 2;
        } else if (!path) {
            path = a;
        } else {
            fprintf(stderr, "vkcnn bench: one model per run ('%s' is extra)\n", a);
            return 2;
        }
    }
    if (!path) {
        fprintf(stderr, "vkcnn bench: no model given\n");
        usage(stderr);
        return 2;
    }
    if (!fusion && !winograd) {
        fprintf(stderr, "vkcnn bench: --no-winograd does nothing with --no-fusion (Winograd "
                        "runs only in fused graphs): give one of them\n");
        return 2;
    }

    int rc = 1;
    vkcnn_model_options mo = {.profile = VKCNN_OFF,
                              .fusion = fusion ? VKCNN_ON : VKCNN_OFF,
                              .winograd = winograd ? VKCNN_DEFAULT : VKCNN_OFF,
                              .precision = prec,
                              .tuned = tuned,
                              /* the tuned choices are the user's cache directory's,
                               * not the private one of the cold start */
                              .tune_dir = desc.cache == VKCNN_OFF ? NULL
                                          : desc.cache_dir        ? desc.cache_dir
                                                                  : ""};
    if (child_dir) { /* the warm start's process: load, report, leave */
        vkcnn_context *cctx = NULL;
        vkcnn_network *cnet = NULL;
        vkcnn_model *cmodel = NULL;
        start_times t = {0};
        vkcnn_status st =
            timed_load(&desc, child_dir, path, batch, &mo, &cctx, &cnet, &cmodel, &t, NULL);
        vkcnn_model_destroy(cmodel);
        vkcnn_network_destroy(cnet);
        vkcnn_context_destroy(cctx);
        FILE *f = st ? NULL : fopen(child_out, "w");
        if (st) fprintf(stderr, "vkcnn bench (warm start): %s\n", vkcnn_last_error());
        if (f) {
            fprintf(f, "%.4f %.4f %.4f %.4f %.4f\n", t.total_ms, t.parse_ms, t.compile_ms,
                    t.pipelines_ms, t.upload_ms);
            rc = fclose(f) == 0 ? 0 : 1;
        }
        return rc;
    }
    if (json_path && cli_check_writable("bench", "--json file", json_path)) return 1;
    char cache_dir[] = "/tmp/vkcnn-bench-XXXXXX";
    if (!mkdtemp(cache_dir)) {
        fprintf(stderr, "vkcnn bench: cannot create a private cache directory: %s\n",
                strerror(errno));
        return 1;
    }
    /* Winograd runs with fusion only; VKCNN_WINOGRAD=0 turns the default off */
    const char *wenv = getenv("VKCNN_WINOGRAD");
    bool wino_on = fusion && winograd && !(wenv && strcmp(wenv, "0") == 0);
    const char *precision = prec == VKCNN_PRECISION_FP16   ? "fp16"
                            : prec == VKCNN_PRECISION_AUTO ? "auto"
                                                           : "fp32";
    vkcnn_context *ctx = NULL;
    vkcnn_network *net = NULL;
    vkcnn_model *model = NULL;
    start_times cold = {0}, warm = {0};
    float *input = NULL, *output = NULL;
    double *gpu = NULL, *wall = NULL, *pwall = NULL, *overhead = NULL;
    /* cold: empty cache directory; then warm: the same directory, hot */
    cli_progress *progress = cli_progress_start("bench", path, quiet);
    vkcnn_status cold_st =
        timed_load(&desc, cache_dir, path, batch, &mo, &ctx, &net, &model, &cold, progress);
    cli_progress_end(progress);
    if (cold_st) {
        fprintf(stderr, "vkcnn bench: %s\n", vkcnn_last_error());
        goto done;
    }
    vkcnn_model_destroy(model);
    vkcnn_network_destroy(net);
    vkcnn_context_destroy(ctx);
    model = NULL, net = NULL, ctx = NULL;
    /* warm: a new process on the hot cache (in this one if that fails) */
    start_times again = {0};
    bool warm_new_process = warm_start_in_new_process(argc, argv, cache_dir, &warm) == 0;
    if (timed_load(&desc, cache_dir, path, batch, &mo, &ctx, &net, &model,
                   warm_new_process ? &again : &warm, NULL)) {
        fprintf(stderr, "vkcnn bench: %s\n", vkcnn_last_error());
        goto done;
    }
    vkcnn_network_info info;
    vkcnn_network_get_info(net, &info);
    vkcnn_device_info dev;
    vkcnn_context_device_info(ctx, vkcnn_context_device_index(ctx), &dev);

    vkcnn_status st = set_inputs(model, &input);
    gpu = calloc(iters, sizeof *gpu);
    wall = calloc(iters, sizeof *wall);
    pwall = calloc(iters, sizeof *pwall);
    overhead = calloc(iters, sizeof *overhead);
    if (!st && (!gpu || !wall || !pwall || !overhead)) st = VKCNN_ERROR_OUT_OF_HOST_MEMORY;
    vkcnn_model_stats stats = {0};
    if (!st) st = timed_runs(model, warmup, iters, wall, NULL, &stats);
    if (st) {
        fprintf(stderr, "vkcnn bench: %s\n", vkcnn_last_error());
        goto done;
    }
    /* top-5 of the first image of the last run */
    vkcnn_tensor_info oi;
    vkcnn_model_output(model, 0, &oi);
    size_t on = 1;
    for (uint32_t d = 0; d < oi.rank; d++)
        on *= (size_t)oi.shape[d];
    output = malloc(on ? on * sizeof *output : sizeof *output);
    if (!output || vkcnn_model_get_output(model, 0, output, on)) {
        fprintf(stderr, "vkcnn bench: %s\n", output ? vkcnn_last_error() : "out of memory");
        goto done;
    }
    size_t per_image = oi.rank && oi.shape[0] > 0 ? on / (size_t)oi.shape[0] : on;
    int top[5];
    int ntop = 0;
    for (; ntop < 5 && (size_t)ntop < per_image; ntop++) {
        int best = -1;
        for (size_t k = 0; k < per_image; k++) {
            int used = 0;
            for (int j = 0; j < ntop; j++)
                used |= top[j] == (int)k;
            if (!used && (best < 0 || output[k] > output[best])) best = (int)k;
        }
        top[ntop] = best;
    }
    /* The profiled runs: the same model rebuilt with timestamps (the
     * pipelines come from the hot cache), the same inputs, as many runs. GPU
     * times are negative without timestamps; the overhead is taken per
     * iteration, before percentiles() sorts the two arrays apart. */
    bool have_gpu = dev.timestamps != 0;
    if (have_gpu) {
        vkcnn_model_destroy(model);
        model = NULL;
        vkcnn_model_options profiled = mo;
        profiled.profile = VKCNN_ON;
        st = vkcnn_model_create(ctx, net, &profiled, &model);
        if (!st) st = set_inputs(model, &input);
        if (!st) st = timed_runs(model, warmup, iters, pwall, gpu, &stats);
        if (st) {
            fprintf(stderr, "vkcnn bench: the runs with timestamps: %s\n", vkcnn_last_error());
            goto done;
        }
    }
    for (uint32_t it = 0; it < iters; it++) {
        have_gpu = have_gpu && gpu[it] >= 0;
        overhead[it] = pwall[it] - gpu[it];
    }
    spread g = percentiles(gpu, (int)iters), w = percentiles(wall, (int)iters);
    spread o = percentiles(overhead, (int)iters), pw = percentiles(pwall, (int)iters);
    double gflop_image = 2.0 * (double)info.macs / (double)info.batch / 1e9;
    double images_s = (double)info.batch / (w.median * 1e-3);
    vkcnn_peak peak = {0};
    /* the peak figures live in the user's cache (not the private one above) */
    vkcnn_context *peak_ctx = NULL;
    bool have_peak = have_gpu && vkcnn_context_create(&desc, &peak_ctx) == VKCNN_OK &&
                     vkcnn_context_peak(peak_ctx, 0, &peak) == VKCNN_OK;
    vkcnn_context_destroy(peak_ctx);
    double achieved = gflop_image * info.batch / (w.median * 1e-3); /* from wall time */
    double share = have_peak && peak.fp32_gflops > 0 ? achieved / peak.fp32_gflops : -1;

    printf("model        %s (batch %u, %s, %s, %s, %s)\n", path, info.batch, precision,
           fusion ? "fused" : "unfused", wino_on ? "winograd" : "no winograd",
           stats.tuned_layers ? "tuned" : "untuned");
    if (prec == VKCNN_PRECISION_AUTO) printf("precision    auto: %s\n", stats.precision_note);
    printf("device       %s (%s %s)\n", dev.name, dev.driver_name, dev.driver_info);
    printf("dispatches   %u, barriers %u, pipelines %u\n", stats.dispatches, stats.barriers,
           stats.pipelines);
    printf("cold start   %.1f ms (parse %.1f, compile %.1f, pipelines %.1f, upload %.1f ms)\n",
           cold.total_ms, cold.parse_ms, cold.compile_ms, cold.pipelines_ms, cold.upload_ms);
    printf("warm start   %.1f ms (parse %.1f, compile %.1f, pipelines %.1f, upload %.1f ms; %s)\n",
           warm.total_ms, warm.parse_ms, warm.compile_ms, warm.pipelines_ms, warm.upload_ms,
           warm_new_process ? "new process" : "same process");
    printf("wall         %.3f ms median (p10 %.3f, p90 %.3f) per inference, %.1f images/s\n",
           w.median, w.p10, w.p90, images_s);
    if (have_gpu) {
        printf("gpu          %.3f ms median (p10 %.3f, p90 %.3f) per inference, with timestamps\n",
               g.median, g.p10, g.p90);
        printf("timestamps   %.3f ms wall median with them (p10 %.3f, p90 %.3f): %+.3f ms\n",
               pw.median, pw.p10, pw.p90, pw.median - w.median);
        printf("overhead     %.3f ms median (p10 %.3f, p90 %.3f) per inference (wall - gpu, "
               "with timestamps)\n",
               o.median, o.p10, o.p90);
    } else {
        printf("overhead     unknown: no GPU timestamps on this device (wall - gpu)\n");
    }
    printf("work         %.3f GFLOP per image (direct convolution), %.1f GFLOP/s", gflop_image,
           achieved);
    if (share >= 0) printf(", %.1f%% of peak %.1f GFLOP/s", 100 * share, peak.fp32_gflops);
    printf("\n");
    uint64_t traffic = 0; /* bytes read + written by every dispatch */
    for (uint32_t i = 0; i < stats.dispatches; i++) {
        vkcnn_dispatch_info di;
        if (vkcnn_model_dispatch(model, i, &di) == VKCNN_OK)
            traffic += di.bytes_read + di.bytes_written;
    }
    printf("traffic      %.1f MB read + written by the dispatches per run\n",
           (double)traffic / 1e6);
    if (per_layer) print_layers(stdout, model, stats.dispatches, have_peak ? &peak : NULL);

    if (json_path) {
        FILE *f = fopen(json_path, "w");
        if (!f) {
            fprintf(stderr, "vkcnn bench: cannot write %s: %s\n", json_path, strerror(errno));
            goto done;
        }
        fprintf(f, "{\"device\": ");
        json_string(f, dev.name);
        fprintf(f, ", \"driver\": ");
        char driver[600];
        snprintf(driver, sizeof driver, "%s %s", dev.driver_name, dev.driver_info);
        json_string(f, driver);
        fprintf(f, ", \"vector_width\": ");
        if (dev.vector_width)
            fprintf(f, "%u", dev.vector_width);
        else
            fprintf(f, "null");
        fprintf(f, ", \"model\": ");
        json_string(f, path);
        fprintf(f,
                ", \"batch\": %u, \"precision\": \"%s\", \"fusion\": %s, \"winograd\": %s, "
                "\"tuned\": %s, \"tuned_layers\": %u, \"iterations\": %u, ",
                info.batch, precision, fusion ? "true" : "false", wino_on ? "true" : "false",
                stats.tuned_layers ? "true" : "false", stats.tuned_layers, iters);
        if (have_gpu)
            print_spread_json(f, "gpu_ms", g);
        else
            fprintf(f, "\"gpu_ms\": null");
        fprintf(f, ", ");
        print_spread_json(f, "wall_ms", w);
        fprintf(f, ", ");
        if (have_gpu) {
            print_spread_json(f, "overhead_ms", o);
            fprintf(f, ", ");
            print_spread_json(f, "profiled_wall_ms", pw);
        } else {
            fprintf(f, "\"overhead_ms\": null, \"profiled_wall_ms\": null");
        }
        fprintf(f, ", \"wall_samples_ms\": ["); /* every iteration, for pooling runs */
        for (uint32_t it = 0; it < iters; it++)
            fprintf(f, "%s%.4f", it ? ", " : "", wall[it]);
        fprintf(f, "]");
        fprintf(f, ", \"images_per_s\": %.3f, \"gflop_per_image\": %.4f, \"share_of_peak\": ",
                images_s, gflop_image);
        if (share >= 0)
            fprintf(f, "%.4f", share);
        else
            fprintf(f, "null");
        fprintf(f, ", \"dispatches\": %u, \"barriers\": %u, \"pipelines\": %u, ", stats.dispatches,
                stats.barriers, stats.pipelines);
        print_start_json(f, "cold_start", cold);
        fprintf(f, ", ");
        print_start_json(f, "warm_start", warm);
        fprintf(f, ", \"warm_start_process\": \"%s\"", warm_new_process ? "new" : "same");
        fprintf(f, ", \"top5\": [");
        for (int j = 0; j < ntop; j++)
            fprintf(f, "%s%d", j ? ", " : "", top[j]);
        fprintf(f, "], \"traffic_bytes\": %llu, \"layers\": ", (unsigned long long)traffic);
        if (per_layer)
            print_layers_json(f, model, stats.dispatches, have_peak ? &peak : NULL);
        else
            fprintf(f, "null");
        fprintf(f, "}\n");
        if (fclose(f) != 0) {
            fprintf(stderr, "vkcnn bench: cannot write %s\n", json_path);
            goto done;
        }
    }
    rc = 0;
done:
    free(input);
    free(output);
    free(gpu);
    free(wall);
    free(pwall);
    free(overhead);
    vkcnn_model_destroy(model);
    vkcnn_network_destroy(net);
    vkcnn_context_destroy(ctx);
    nftw(cache_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}
