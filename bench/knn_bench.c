/* vkcnn-knn-bench: times exact k-NN search through the public index API
 * (vkcnn_index_*) on a gallery and queries given as .npy files, and writes
 * the figures and the neighbours found as JSON (bench/knn_compare.py runs
 * it beside faiss and numpy on the same data).
 *
 *   vkcnn-knn-bench GALLERY.npy QUERIES.npy [-k K] [--metric l2|ip|cosine]
 *                   [--iters N] [--warmup W] [--json FILE] [--device D]
 *
 * Per search: wall time of vkcnn_index_search (queries in, neighbours out,
 * everything it waits for) and its GPU time (timestamps). GFLOP/s count the
 * distance GEMM's 2 x queries x rows x D. Exit status 0, 1 on an error, 2 on
 * a usage error. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tools/npy.h"
#include "../tools/vector_width.h"
#include "vkcnn.h"

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void usage(FILE *f) {
    fprintf(f, "usage: vkcnn-knn-bench GALLERY.npy QUERIES.npy [-k K] [--metric l2|ip|cosine]\n"
               "                       [--iters N] [--warmup W] [--json FILE] [--device D]\n");
}

static int parse_count(const char *flag, const char *s, unsigned lo, unsigned hi, unsigned *out) {
    char *end = NULL;
    errno = 0;
    unsigned long v = s ? strtoul(s, &end, 10) : 0;
    if (!s || errno || *end || end == s || s[0] == '-' || v < lo || v > hi) {
        fprintf(stderr, "vkcnn-knn-bench: %s needs an integer from %u to %u\n", flag, lo, hi);
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

/* Rows of a 2-D (or 1-D: one row) float32 array. */
static int as_rows(const npy_array *a, const char *path, uint64_t *rows, uint32_t *dim) {
    if (a->rank < 1 || a->rank > 2 || a->count == 0) {
        fprintf(stderr, "vkcnn-knn-bench: %s: expected a non-empty [N, D] array\n", path);
        return -1;
    }
    *rows = a->rank == 2 ? (uint64_t)a->shape[0] : 1;
    *dim = (uint32_t)a->shape[a->rank - 1];
    return 0;
}

int main(int argc, char **argv) {
    /* lavapipe's width as the CLI's (so the figures are the CLI's k-NN) */
    tool_choose_vector_width();
    const char *paths[2] = {NULL, NULL}, *json = NULL;
    unsigned k = 10, iters = 5, warmup = 1;
    vkcnn_metric metric = VKCNN_METRIC_L2;
    vkcnn_context_desc desc = {0};
    int np = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "-k") == 0) {
            if (parse_count(a, v, 1, VKCNN_INDEX_MAX_K, &k)) return 2;
            i++;
        } else if (strcmp(a, "--iters") == 0) {
            if (parse_count(a, v, 1, 100000, &iters)) return 2;
            i++;
        } else if (strcmp(a, "--warmup") == 0) {
            if (parse_count(a, v, 0, 100000, &warmup)) return 2;
            i++;
        } else if (strcmp(a, "--metric") == 0 && v) {
            metric = strcmp(v, "ip") == 0       ? VKCNN_METRIC_IP
                     : strcmp(v, "cosine") == 0 ? VKCNN_METRIC_COSINE
                     : strcmp(v, "l2") == 0     ? VKCNN_METRIC_L2
                                                : (vkcnn_metric)-1;
            if ((int)metric < 0) {
                fprintf(stderr, "vkcnn-knn-bench: --metric is l2, ip or cosine\n");
                return 2;
            }
            i++;
        } else if (strcmp(a, "--json") == 0 && v) {
            json = argv[++i];
        } else if (strcmp(a, "--device") == 0 && v) {
            desc.device = argv[++i];
        } else if (a[0] == '-' || np == 2) {
            fprintf(stderr, "vkcnn-knn-bench: unexpected argument '%s'\n", a);
            usage(stderr);
            return 2;
        } else {
            paths[np++] = a;
        }
    }
    if (np != 2) {
        usage(stderr);
        return 2;
    }
    npy_array g = {0}, q = {0};
    char err[1024];
    uint64_t rows = 0, nq = 0;
    uint32_t dim = 0, qdim = 0;
    if (npy_read(paths[0], UINT64_MAX, &g, err, sizeof err) ||
        npy_read(paths[1], UINT64_MAX, &q, err, sizeof err)) {
        fprintf(stderr, "vkcnn-knn-bench: %s\n", err);
        npy_free(&g);
        return 1;
    }
    int rc = 1;
    vkcnn_context *ctx = NULL;
    vkcnn_index *ix = NULL;
    float *dist = NULL;
    int64_t *idx = NULL;
    double *wall = NULL, *gpu = NULL;
    if (as_rows(&g, paths[0], &rows, &dim) || as_rows(&q, paths[1], &nq, &qdim)) goto done;
    if (dim != qdim) {
        fprintf(stderr, "vkcnn-knn-bench: gallery D = %u, queries D = %u\n", dim, qdim);
        goto done;
    }
    if (vkcnn_context_create(&desc, &ctx) != VKCNN_OK) {
        fprintf(stderr, "vkcnn-knn-bench: %s\n", vkcnn_last_error());
        goto done;
    }
    vkcnn_device_info info;
    vkcnn_context_device_info(ctx, vkcnn_context_device_index(ctx), &info);
    vkcnn_index_options io = {.metric = metric, .profile = VKCNN_ON};
    double t0 = now_ms();
    if (vkcnn_index_create(ctx, dim, &io, &ix) != VKCNN_OK ||
        vkcnn_index_add(ix, g.data, rows) != VKCNN_OK) {
        fprintf(stderr, "vkcnn-knn-bench: %s\n", vkcnn_last_error());
        goto done;
    }
    double add_ms = now_ms() - t0;
    dist = malloc(nq * k * sizeof *dist);
    idx = malloc(nq * k * sizeof *idx);
    wall = calloc(iters, sizeof *wall);
    gpu = calloc(iters, sizeof *gpu);
    if (!dist || !idx || !wall || !gpu) goto done;
    double first_ms = 0;
    for (unsigned it = 0; it < warmup + iters; it++) {
        double t = now_ms();
        if (vkcnn_index_search(ix, q.data, nq, k, dist, idx) != VKCNN_OK) {
            fprintf(stderr, "vkcnn-knn-bench: %s\n", vkcnn_last_error());
            goto done;
        }
        double ms = now_ms() - t;
        if (it == 0) first_ms = ms;
        vkcnn_index_stats s;
        vkcnn_index_get_stats(ix, &s);
        if (it >= warmup) {
            wall[it - warmup] = ms;
            gpu[it - warmup] = s.gpu_ms;
        }
    }
    vkcnn_index_stats s;
    vkcnn_index_get_stats(ix, &s);
    qsort(wall, iters, sizeof *wall, cmp_double);
    qsort(gpu, iters, sizeof *gpu, cmp_double);
    double med = wall[iters / 2], gmed = gpu[iters / 2];
    double gflop = 2.0 * (double)nq * (double)rows * dim / 1e9;
    printf("%s: %llu x %u gallery, %llu queries, k %u, %s\n", info.name, (unsigned long long)rows,
           dim, (unsigned long long)nq, k, vkcnn_metric_string(metric));
    printf("  add %.1f ms; first search %.1f ms (kernels compiled or read from the cache)\n",
           add_ms, first_ms);
    printf("  search: median %.1f ms wall (min %.1f, max %.1f), %.1f ms GPU; %.1f GFLOP/s "
           "(wall)\n",
           med, wall[0], wall[iters - 1], gmed, gflop / (med / 1e3));
    printf("  %u chunks of %u rows, query block %u, %u segments, %u dispatches, %u submissions\n",
           s.chunks, s.chunk_rows, s.query_block, s.segments, s.dispatches, s.submissions);
    if (json) {
        FILE *f = fopen(json, "w");
        if (!f) {
            fprintf(stderr, "vkcnn-knn-bench: cannot write %s: %s\n", json, strerror(errno));
            goto done;
        }
        fprintf(f,
                "{\"device\": \"%s\", \"vector_width\": %u, \"rows\": %llu, \"dim\": %u, "
                "\"queries\": %llu, \"k\": %u, \"metric\": \"%s\", \"iterations\": %u,\n"
                " \"add_ms\": %.3f, \"first_search_ms\": %.3f, \"wall_ms\": [",
                info.name, info.vector_width, (unsigned long long)rows, dim, (unsigned long long)nq,
                k, vkcnn_metric_string(metric), iters, add_ms, first_ms);
        for (unsigned i = 0; i < iters; i++)
            fprintf(f, "%s%.3f", i ? ", " : "", wall[i]);
        fprintf(f,
                "], \"median_ms\": %.3f, \"gpu_median_ms\": %.3f, \"gflop\": %.4f,\n"
                " \"chunks\": %u, \"chunk_rows\": %u, \"query_block\": %u, \"segments\": %u,\n"
                " \"indices\": [",
                med, gmed, gflop, s.chunks, s.chunk_rows, s.query_block, s.segments);
        for (uint64_t a = 0; a < nq; a++) {
            fprintf(f, "%s[", a ? ",\n  " : "\n  ");
            for (unsigned j = 0; j < k; j++)
                fprintf(f, "%s%lld", j ? ", " : "", (long long)idx[a * k + j]);
            fprintf(f, "]");
        }
        fprintf(f, "],\n \"distances\": [");
        for (uint64_t a = 0; a < nq; a++) {
            fprintf(f, "%s[", a ? ",\n  " : "\n  ");
            for (unsigned j = 0; j < k; j++)
                fprintf(f, "%s%.9g", j ? ", " : "",
                        isfinite(dist[a * k + j]) ? dist[a * k + j] : 0.0);
            fprintf(f, "]");
        }
        fprintf(f, "]}\n");
        if (fclose(f)) {
            fprintf(stderr, "vkcnn-knn-bench: cannot write %s\n", json);
            goto done;
        }
    }
    rc = 0;
done:
    free(dist);
    free(idx);
    free(wall);
    free(gpu);
    vkcnn_index_destroy(ix);
    vkcnn_context_destroy(ctx);
    npy_free(&g);
    npy_free(&q);
    return rc;
}
