/* vkcnn tune MODEL [--batch N] [--precision fp32|fp16] [--budget SECONDS]
 *                  [--rounds N] [--json] [--quiet] [--device D] [--cache-dir DIR]
 * Measures the kernel candidates of each distinct Conv, Gemm and MatMul
 * shape of a model on the device and stores the winners in the cache
 * directory (vkcnn_tune); `run`, `bench`, `classify` and the library use them
 * unless --no-tune / VKCNN_NO_TUNE=1. Prints each shape's default variant,
 * the winner and the speed-up. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "json.h"
#include "vkcnn.h"

static void usage(FILE *f) {
    fprintf(f, "usage: vkcnn tune MODEL [--batch N] [--precision fp32|fp16] [--budget SECONDS]\n"
               "                  [--rounds N] [--json] [--quiet] [--device D] [--cache-dir DIR]\n"
               "Measures, on one device, the kernel variants (algorithm, register block, load\n"
               "path, reduction) that each distinct Conv, Gemm and MatMul shape of MODEL can run\n"
               "as, and stores the winners in the cache directory, keyed by device, driver,\n"
               "layer shape, batch and precision: `run`, `bench`, `classify` and the library use\n"
               "them from then on (not with --no-tune or VKCNN_NO_TUNE=1). Per shape, largest\n"
               "first: each candidate's output is checked against the default's, then both run\n"
               "in interleaved rounds timed on the GPU; a candidate replaces the default only\n"
               "when its median is more than 5%% faster. Prints each shape's default, the\n"
               "winner and the speed-up.\n"
               "  --batch N        batch size bound to a symbolic batch dimension (default:\n"
               "                   the model's own, 1 when symbolic); tuned per batch\n"
               "" CLI_PRECISION_HELP "                   (fp16 is tuned separately)\n"
               "  --budget SECONDS bound on the whole tuning time, 1 to 86400 (default 60);\n"
               "                   shapes not reached keep the default rule\n"
               "  --rounds N       interleaved timed rounds per candidate, 2 to 100 (default 7)\n"
               "  --json           print JSON instead of the table\n"
               "  --quiet          no line per shape on stderr while tuning\n"
               "  --device D       device index or name substring (default: VKCNN_DEVICE, then\n"
               "                   discrete > integrated > virtual > CPU)\n"
               "  --cache-dir DIR  where the choices are stored (default: VKCNN_CACHE_DIR, then\n"
               "                   $XDG_CACHE_HOME/vkcnn, then $HOME/.cache/vkcnn)\n"
               "  --no-cache       refused (a usage error): the choices go to the cache\n"
               "                   directory\n" CLI_EXIT_HELP);
}

static void progress(void *user, const vkcnn_tune_layer *l, uint32_t done, uint32_t total) {
    (void)user;
    if (l->skipped)
        fprintf(stderr, "vkcnn tune: [%u/%u] %s: skipped (budget)\n", done, total, l->shape);
    else if (l->winner_ms >= 0 && l->speedup > 1.0)
        fprintf(stderr, "vkcnn tune: [%u/%u] %s: %s -> %s, %.2fx (%.1f s)\n", done, total, l->shape,
                l->default_variant, l->winner, l->speedup, l->seconds);
    else
        fprintf(stderr, "vkcnn tune: [%u/%u] %s: %s kept (%u candidates, %.1f s)\n", done, total,
                l->shape, l->default_variant, l->candidates, l->seconds);
}

static void print_ms(FILE *f, double ms) {
    if (ms >= 0)
        fprintf(f, "%.4f", ms);
    else
        fprintf(f, "null");
}

static void print_json(const vkcnn_tune_result *r, const char *path, const vkcnn_device_info *dev,
                       uint32_t batch, const char *precision) {
    printf("{\"model\": ");
    json_string(stdout, path);
    printf(", \"device\": ");
    json_string(stdout, dev->name);
    char driver[600];
    snprintf(driver, sizeof driver, "%s %s", dev->driver_name, dev->driver_info);
    printf(", \"driver\": ");
    json_string(stdout, driver);
    printf(", \"batch\": %u, \"precision\": \"%s\", \"budget_s\": %.1f, \"seconds\": %.2f, "
           "\"budget_exhausted\": %s, \"stored\": %u, \"rebuilt\": %s, \"path\": ",
           batch, precision, r->budget_s, r->seconds, r->budget_exhausted ? "true" : "false",
           r->stored, r->rebuilt ? "true" : "false");
    json_string(stdout, r->path);
    printf(", \"layers\": [");
    for (uint32_t i = 0; i < r->layer_count; i++) {
        const vkcnn_tune_layer *l = &r->layers[i];
        printf("%s{\"family\": \"%s\", \"shape\": ", i ? ", " : "", l->family);
        json_string(stdout, l->shape);
        printf(", \"first_node\": ");
        json_string(stdout, l->first_node);
        printf(", \"nodes\": %u, \"candidates\": %u, \"measured\": %u, \"rejected\": %u, "
               "\"failed\": %u, \"skipped\": %s, \"skipped_candidates\": %u, \"default\": ",
               l->node_count, l->candidates, l->measured, l->rejected, l->failed,
               l->skipped ? "true" : "false", l->skipped_candidates);
        json_string(stdout, l->default_variant);
        printf(", \"winner\": ");
        json_string(stdout, l->winner);
        printf(", \"default_ms\": ");
        print_ms(stdout, l->default_ms);
        printf(", \"winner_ms\": ");
        print_ms(stdout, l->winner_ms);
        printf(", \"speedup\": %.4f, \"unconfirmed\": %s, \"stored\": %s, \"seconds\": %.2f}",
               l->speedup, l->unconfirmed ? "true" : "false", l->stored ? "true" : "false",
               l->seconds);
    }
    printf("]}\n");
}

static void print_table(const vkcnn_tune_result *r, const char *path, const vkcnn_device_info *dev,
                        uint32_t batch, const char *precision) {
    printf("model    %s (batch %u, %s)\n", path, batch, precision);
    printf("device   %s (%s %s)\n\n", dev->name, dev->driver_name, dev->driver_info);
    printf("%-22s %-5s %5s  %-28s %-28s %8s %9s %9s\n", "first node", "nodes", "cands", "default",
           "winner", "speed-up", "default", "winner");
    for (uint32_t i = 0; i < r->layer_count; i++) {
        const vkcnn_tune_layer *l = &r->layers[i];
        printf("%-22.22s %5u %5u  %-28s ", l->first_node, l->node_count, l->candidates,
               l->default_variant[0] ? l->default_variant : "-");
        if (l->skipped) {
            printf("%-28s %8s\n", "(skipped: budget)", "");
            continue;
        }
        if (l->default_ms < 0) {
            printf("%-28s %8s\n", l->candidates > 1 ? "(nothing measured)" : "(one candidate)", "");
            continue;
        }
        printf("%-28s %7.2fx %7.3fms %7.3fms\n", l->winner, l->speedup, l->default_ms,
               l->winner_ms);
        printf("  %s\n", l->shape);
    }
    uint32_t done = 0;
    for (uint32_t i = 0; i < r->layer_count; i++)
        done += !r->layers[i].skipped;
    printf("\ntuned %u of %u shapes in %.1f s (budget %.0f s%s)\n", done, r->layer_count,
           r->seconds, r->budget_s, r->budget_exhausted ? ", used up" : "");
    if (r->stored)
        printf("stored %u shapes in %s%s\n", r->stored, r->path,
               r->rebuilt ? " (the old file failed its checks and was rebuilt)" : "");
    else
        printf("nothing stored\n");
}

int vkcnn_cmd_tune(int argc, char **argv) {
    const char *path = NULL;
    uint32_t batch = 0, budget = 60, rounds = 0;
    int json = 0, quiet = 0;
    vkcnn_context_desc desc = {0};
    vkcnn_tune_options to = {0};
    for (int i = 1; i < argc; i++) {
        int r = cli_device_flag(argc, argv, &i, &desc);
        if (!r) r = cli_precision_flag("tune", argc, argv, &i, &to.precision);
        if (r < 0) return 2;
        if (r > 0) continue;
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--batch") == 0) {
            if (cli_parse_uint("tune", a, val, 1, 1000000, &batch)) return 2;
            i++;
        } else if (strcmp(a, "--budget") == 0) {
            if (cli_parse_uint("tune", a, val, 1, 86400, &budget)) return 2;
            i++;
        } else if (strcmp(a, "--rounds") == 0) {
            if (cli_parse_uint("tune", a, val, 2, 100, &rounds)) return 2;
            i++;
        } else if (strcmp(a, "--json") == 0) {
            json = 1;
        } else if (strcmp(a, "--quiet") == 0) {
            quiet = 1;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "vkcnn tune: unknown option '%s'\n", a);
            return 2;
        } else if (!path) {
            path = a;
        } else {
            fprintf(stderr, "vkcnn tune: one model per run ('%s' is extra)\n", a);
            return 2;
        }
    }
    if (!path) {
        fprintf(stderr, "vkcnn tune: no model given\n");
        usage(stderr);
        return 2;
    }
    if (desc.cache == VKCNN_OFF) {
        fprintf(stderr, "vkcnn tune: --no-cache leaves the tuned choices nowhere to go (they "
                        "are stored in the cache directory)\n");
        return 2;
    }
    to.budget_s = budget;
    to.rounds = rounds;
    if (!quiet) to.progress = progress;
    vkcnn_context *ctx = cli_context("tune", &desc);
    if (!ctx) return 1;
    int rc = 1;
    vkcnn_network *net = NULL;
    vkcnn_tune_result *res = NULL;
    vkcnn_network_options lo = {.batch = batch};
    vkcnn_device_info dev;
    vkcnn_context_device_info(ctx, vkcnn_context_device_index(ctx), &dev);
    vkcnn_status st = vkcnn_network_load_file(path, &lo, &net);
    bool load_failed = st != VKCNN_OK;
    if (!st) st = vkcnn_tune(ctx, net, &to, &res);
    if (st) {
        fprintf(stderr, "vkcnn tune: %s\n", vkcnn_last_error());
        /* a batch the model refuses is a usage error */
        vkcnn_network *own = NULL;
        if (load_failed && batch && st == VKCNN_ERROR_UNSUPPORTED &&
            vkcnn_network_load_file(path, NULL, &own) == VKCNN_OK)
            rc = 2;
        vkcnn_network_destroy(own);
    } else {
        vkcnn_network_info info;
        vkcnn_network_get_info(net, &info);
        const char *precision = to.precision == VKCNN_PRECISION_FP16 ? "fp16" : "fp32";
        if (json)
            print_json(res, path, &dev, info.batch, precision);
        else
            print_table(res, path, &dev, info.batch, precision);
        rc = 0;
    }
    vkcnn_tune_result_destroy(res);
    vkcnn_network_destroy(net);
    vkcnn_context_destroy(ctx);
    return rc;
}
