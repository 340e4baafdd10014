/* vkcnn knn GALLERY.npy QUERIES.npy -k K: each query's k nearest gallery
 * rows, found on the device (vkcnn_index_*); and classify --knn, the vote
 * of the gallery's labels (knn_features.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "json.h"
#include "knn_features.h"
#include "npy.h"
#include "sha256.h"
#include "vkcnn.h"

#define DEFAULT_K 5u

static void usage(FILE *f) {
    fprintf(f,
            "usage: vkcnn knn GALLERY.npy QUERIES.npy -k K [--metric l2|cosine|ip] [--json]\n"
            "                 [--device D] [--cache-dir DIR] [--no-cache]\n"
            "For each query (row of QUERIES), its K nearest rows of GALLERY, nearest first,\n"
            "found by an exact search on the device. Both are [N, D] arrays (a 1-D array is\n"
            "one row; dimensions past the first are flattened).\n" NPY_READ_HELP
            "A NaN or infinite value is a data error. When GALLERY.npy.json (written by\n"
            "`vkcnn embed`) gives labels, each neighbour's label is printed too.\n"
            "  -k K          neighbours per query, 1 to %d; a K over the gallery's rows is\n"
            "                clamped to them (a note on stderr)\n"
            "  --metric M    l2 (default): squared Euclidean distance, smallest first;\n"
            "                cosine: 1 - cosine similarity, smallest first (zero vectors\n"
            "                have similarity 0); ip: inner product, largest first\n"
            "  --json        one object per query: {\"query\": i, \"neighbors\": [{\"index\",\n"
            "                \"distance\", \"label\"?}, ...]}, in an array\n"
            "Ties (equal distances) list the lower gallery index first.\n" CLI_DEVICE_FLAGS_HELP
                CLI_EXIT_HELP,
            VKCNN_INDEX_MAX_K);
}

static int parse_k(const char *command, const char *s, uint32_t *k) {
    return cli_parse_uint(command, "-k", s, 1, VKCNN_INDEX_MAX_K, k);
}

/* Rows and columns of an array read for k-NN: [N, ...] (a 1-D array: one
 * row); -1 after reporting an empty one. */
static int as_rows(const char *command, const char *what, const char *path, const npy_array *a,
                   uint64_t *rows, uint32_t *dim) {
    uint64_t n = a->rank >= 2 ? (uint64_t)a->shape[0] : 1, d = n ? a->count / n : 0;
    if (a->rank == 0 || n == 0 || d == 0) {
        fprintf(stderr, "vkcnn %s: %s %s is empty (shape%s): nothing to %s\n", command, what, path,
                a->rank == 0 ? " ()" : " with a zero dimension",
                strcmp(what, "gallery") == 0 ? "search" : "search for");
        return -1;
    }
    if (d > UINT32_MAX) {
        fprintf(stderr, "vkcnn %s: %s %s: rows of %llu values are too long\n", command, what, path,
                (unsigned long long)d);
        return -1;
    }
    *rows = n;
    *dim = (uint32_t)d;
    return 0;
}

/* The first NaN or infinite value, reported; -1 when there is one. */
static int check_finite(const char *command, const char *path, const float *x, uint64_t rows,
                        uint32_t dim) {
    for (uint64_t i = 0; i < rows * dim; i++)
        if (!isfinite(x[i])) {
            fprintf(stderr, "vkcnn %s: %s: row %llu, column %u is %s\n", command, path,
                    (unsigned long long)(i / dim), (unsigned)(i % dim),
                    isnan(x[i]) ? "NaN" : "infinite");
            return -1;
        }
    return 0;
}

/* An index of the gallery on a new context; NULL after reporting. */
static vkcnn_index *build_index(const char *command, const vkcnn_context_desc *desc,
                                vkcnn_metric metric, const float *rows, uint64_t n, uint32_t dim,
                                vkcnn_context **ctx) {
    *ctx = cli_context(command, desc);
    if (!*ctx) return NULL;
    vkcnn_index_options io = {.metric = metric};
    vkcnn_index *ix = NULL;
    if (vkcnn_index_create(*ctx, dim, &io, &ix) != VKCNN_OK ||
        vkcnn_index_add(ix, rows, n) != VKCNN_OK) {
        fprintf(stderr, "vkcnn %s: gallery: %s\n", command, vkcnn_last_error());
        vkcnn_index_destroy(ix);
        return NULL;
    }
    return ix;
}

static void print_distance(FILE *f, float d) {
    if (isfinite(d))
        fprintf(f, "%.9g", d);
    else
        fputs("null", f);
}

int vkcnn_cmd_knn(int argc, char **argv) {
    const char *paths[2] = {NULL, NULL};
    int np = 0, json = 0;
    uint32_t k = 0;
    vkcnn_metric metric = VKCNN_METRIC_L2;
    vkcnn_context_desc desc = {0};
    for (int i = 1; i < argc; i++) {
        int r = cli_device_flag(argc, argv, &i, &desc);
        if (r < 0) return 2;
        if (r > 0) continue;
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--json") == 0) {
            json = 1;
        } else if (strcmp(a, "-k") == 0) {
            if (!val) {
                fprintf(stderr, "vkcnn knn: -k needs a value\n");
                return 2;
            }
            if (parse_k("knn", val, &k)) return 2;
            i++;
        } else if (strcmp(a, "--metric") == 0) {
            if (val && strcmp(val, "l2") == 0)
                metric = VKCNN_METRIC_L2;
            else if (val && strcmp(val, "cosine") == 0)
                metric = VKCNN_METRIC_COSINE;
            else if (val && strcmp(val, "ip") == 0)
                metric = VKCNN_METRIC_IP;
            else {
                fprintf(stderr, "vkcnn knn: --metric is l2, cosine or ip%s%s%s\n",
                        val ? ", not '" : "", val ? val : "", val ? "'" : "");
                return 2;
            }
            i++;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "vkcnn knn: unknown option '%s'\n", a);
            return 2;
        } else if (np < 2) {
            paths[np++] = a;
        } else {
            fprintf(stderr,
                    "vkcnn knn: one gallery and one query file are taken; '%s' is a "
                    "third\n",
                    a);
            return 2;
        }
    }
    if (np < 2 || !k) {
        fprintf(stderr, "vkcnn knn: %s\n",
                np == 0   ? "no gallery and no query file given"
                : np == 1 ? "no query file given"
                          : "-k K is required");
        usage(stderr);
        return 2;
    }
    npy_array g = {0}, q = {0};
    char err[1024];
    int rc = 1;
    vkcnn_context *ctx = NULL;
    vkcnn_index *ix = NULL;
    feat_meta meta = {0};
    int have_meta = 0;
    float *dist = NULL;
    int64_t *idx = NULL;
    uint64_t rows = 0, nq = 0;
    uint32_t dim = 0, qdim = 0;
    if (npy_read(paths[0], UINT64_MAX, &g, err, sizeof err) ||
        npy_read(paths[1], UINT64_MAX, &q, err, sizeof err)) {
        fprintf(stderr, "vkcnn knn: %s\n", err);
        goto done;
    }
    if (as_rows("knn", "gallery", paths[0], &g, &rows, &dim) ||
        as_rows("knn", "queries", paths[1], &q, &nq, &qdim))
        goto done;
    if (dim != qdim) {
        fprintf(stderr,
                "vkcnn knn: the gallery %s has rows of D = %u values, the queries %s "
                "D = %u: they must match\n",
                paths[0], dim, paths[1], qdim);
        goto done;
    }
    if (check_finite("knn", paths[0], g.data, rows, dim) ||
        check_finite("knn", paths[1], q.data, nq, dim))
        goto done;
    int mr = feat_meta_read(paths[0], rows, dim, &meta, err, sizeof err);
    if (mr < 0) {
        fprintf(stderr, "vkcnn knn: %s\n", err);
        goto done;
    }
    have_meta = mr == 0;
    if (k > rows) {
        fprintf(stderr,
                "vkcnn knn: note: -k %u is more than the gallery's %llu rows: %llu "
                "neighbours per query\n",
                k, (unsigned long long)rows, (unsigned long long)rows);
        k = (uint32_t)rows;
    }
    if (!(ix = build_index("knn", &desc, metric, g.data, rows, dim, &ctx))) goto done;
    dist = malloc(nq * k * sizeof *dist);
    idx = malloc(nq * k * sizeof *idx);
    if (!dist || !idx) {
        fprintf(stderr, "vkcnn knn: out of host memory\n");
        goto done;
    }
    if (vkcnn_index_search(ix, q.data, nq, k, dist, idx) != VKCNN_OK) {
        fprintf(stderr, "vkcnn knn: %s\n", vkcnn_index_error(ix));
        goto done;
    }
    char **labels = have_meta ? meta.labels : NULL;
    if (json) printf("[");
    for (uint64_t a = 0; a < nq; a++) {
        if (json) {
            printf("%s\n  {\"query\": %llu, \"neighbors\": [", a ? "," : "", (unsigned long long)a);
        } else {
            printf("query %llu\n  rank       index  %-14s%s\n", (unsigned long long)a,
                   metric == VKCNN_METRIC_IP ? "inner product" : "distance",
                   labels ? "  label" : "");
        }
        for (uint32_t j = 0; j < k; j++) {
            int64_t i = idx[a * k + j];
            const char *label = labels && i >= 0 ? labels[i] : NULL;
            if (json) {
                printf("%s{\"index\": %lld, \"distance\": ", j ? ", " : "", (long long)i);
                print_distance(stdout, dist[a * k + j]);
                if (label) {
                    printf(", \"label\": ");
                    json_string(stdout, label);
                }
                printf("}");
            } else {
                printf("  %4u  %10lld  %-14.7g%s%s\n", j + 1, (long long)i, dist[a * k + j],
                       label ? "  " : "", label ? label : "");
            }
        }
        if (json) printf("]}");
    }
    if (json) printf("\n]\n");
    rc = 0;
done:
    free(dist);
    free(idx);
    feat_meta_free(&meta);
    vkcnn_index_destroy(ix);
    vkcnn_context_destroy(ctx);
    npy_free(&g);
    npy_free(&q);
    return rc;
}

/* ---- classify --knn ------------------------------------------------------ */

int cli_knn_flag(const char *command, int argc, char **argv, int *i, cli_knn *out) {
    const char *a = argv[*i];
    int is_k = strcmp(a, "-k") == 0;
    if (!is_k && strcmp(a, "--knn") != 0) return 0;
    const char *val = *i + 1 < argc ? argv[*i + 1] : NULL;
    if (!val || !val[0]) {
        fprintf(stderr, "vkcnn %s: %s needs a value\n", command, a);
        return -1;
    }
    if (is_k) {
        if (parse_k(command, val, &out->k)) return -1;
    } else {
        out->gallery = val;
    }
    ++*i;
    return 1;
}

/* Where two preprocessings differ ("" when they do not). */
static const char *pp_difference(const vkcnn_preprocess *a, const vkcnn_preprocess *b) {
    if (a->resize != b->resize) return "resize";
    if (a->crop != b->crop) return "crop";
    if (a->channel_order != b->channel_order) return "channel order";
    if (a->pixel_scale != b->pixel_scale) return "pixel scale";
    for (int c = 0; c < 3; c++) {
        if (a->mean[c] != b->mean[c]) return "mean";
        if (a->std[c] != b->std[c]) return "std";
    }
    for (int c = 0; c < 4; c++)
        if (a->pad[c] != b->pad[c]) return "pad";
    if (a->pad_value != b->pad_value) return "pad value";
    return "";
}

/* One label's tally among an image's neighbours. */
typedef struct vote {
    const char *label;
    uint32_t votes, first; /* first: rank of its nearest neighbour */
    double sum;            /* of its neighbours' distances */
    float nearest;
} vote;

/* Most votes first; a tie goes to the smaller sum of distances (the
 * distance-weighted vote), then to the nearer neighbour. */
static int cmp_vote(const void *pa, const void *pb) {
    const vote *a = pa, *b = pb;
    if (a->votes != b->votes) return a->votes > b->votes ? -1 : 1;
    if (a->sum != b->sum) return a->sum < b->sum ? -1 : 1;
    return a->first < b->first ? -1 : a->first > b->first;
}

int knn_classify(const cli_knn *knn, const knn_classify_request *r) {
    const char *cmd = "classify";
    npy_array g = {0};
    feat_meta meta = {0};
    char err[1024];
    int rc = 1;
    uint64_t rows = 0;
    uint32_t dim = 0, k = knn->k ? knn->k : DEFAULT_K;
    vkcnn_context *ctx = NULL;
    vkcnn_index *ix = NULL;
    feat_result fr = {0};
    feat_input *in = NULL;
    float *dist = NULL, *queries = NULL;
    int64_t *idx = NULL;
    vote *votes = NULL;
    if (npy_read(knn->gallery, UINT64_MAX, &g, err, sizeof err)) {
        fprintf(stderr, "vkcnn %s: --knn: %s\n", cmd, err);
        goto done;
    }
    if (as_rows(cmd, "gallery", knn->gallery, &g, &rows, &dim) ||
        check_finite(cmd, knn->gallery, g.data, rows, dim))
        goto done;
    int mr = feat_meta_read(knn->gallery, rows, dim, &meta, err, sizeof err);
    if (mr) {
        if (mr > 0)
            fprintf(stderr,
                    "vkcnn %s: --knn %s has no sidecar %s.json: classify --knn needs the "
                    "model hash, layer and labels it records (write the gallery with "
                    "`vkcnn embed MODEL DIR --layer NAME --labels-from-dirs --output "
                    "%s`)\n",
                    cmd, knn->gallery, knn->gallery, knn->gallery);
        else
            fprintf(stderr, "vkcnn %s: --knn: %s\n", cmd, err);
        goto done;
    }
    char sha[65];
    if (sha256_file(r->model, sha) != 0) {
        fprintf(stderr, "vkcnn %s: cannot read model %s: %s\n", cmd, r->model, strerror(errno));
        goto done;
    }
    if (!meta.model_sha256[0] || !meta.layer || !meta.has_pool || !meta.has_normalize) {
        fprintf(stderr,
                "vkcnn %s: --knn %s: its sidecar does not record the model hash, layer, "
                "pooling and normalisation the features were made with\n",
                cmd, knn->gallery);
        goto done;
    }
    if (strcmp(meta.model_sha256, sha) != 0) {
        fprintf(stderr,
                "vkcnn %s: --knn %s was embedded with another model (%s, SHA-256 %.16s...); "
                "%s has SHA-256 %.16s...\n",
                cmd, knn->gallery, meta.model ? meta.model : "unnamed", meta.model_sha256, r->model,
                sha);
        goto done;
    }
    if (!meta.labels) {
        fprintf(stderr,
                "vkcnn %s: --knn %s: its sidecar has no labels to vote with (embed it "
                "with --labels-from-dirs)\n",
                cmd, knn->gallery);
        goto done;
    }
    for (uint64_t i = 0; i < rows; i++)
        if (!meta.labels[i]) {
            fprintf(stderr, "vkcnn %s: --knn %s: row %llu has no label\n", cmd, knn->gallery,
                    (unsigned long long)i);
            goto done;
        }
    if (meta.has_preprocess && pp_difference(&meta.pp, r->pp)[0]) {
        fprintf(stderr,
                "vkcnn %s: --knn %s was embedded with another preprocessing (its %s "
                "differs from this model's preset and flags): the queries would not be "
                "comparable\n",
                cmd, knn->gallery, pp_difference(&meta.pp, r->pp));
        goto done;
    }
    if (k > rows) {
        fprintf(stderr,
                "vkcnn %s: note: -k %u is more than the gallery's %llu rows: %llu "
                "neighbours vote\n",
                cmd, k, (unsigned long long)rows, (unsigned long long)rows);
        k = (uint32_t)rows;
    }
    /* the queries, embedded as the gallery was */
    in = calloc(r->count, sizeof *in);
    if (!in) goto done;
    for (uint32_t i = 0; i < r->count; i++)
        in[i].path = r->images[i];
    feat_embed e = {.command = cmd,
                    .model = r->model,
                    .layer = meta.layer,
                    .pool = meta.pool,
                    .normalize = meta.normalize,
                    .precision = r->precision,
                    .batch = r->batch,
                    .pp = r->pp,
                    .desc = r->desc,
                    .quiet = r->quiet,
                    .keep_going = 1};
    if ((rc = feat_embed_run(&e, in, r->count, &fr))) goto done;
    rc = 1;
    if (fr.dim != dim) {
        fprintf(stderr, "vkcnn %s: --knn %s has rows of %u values; layer '%s' gives %u\n", cmd,
                knn->gallery, dim, meta.layer, fr.dim);
        goto done;
    }
    uint32_t good = 0;
    queries = malloc((size_t)r->count * dim * sizeof *queries);
    dist = malloc((size_t)r->count * k * sizeof *dist);
    idx = malloc((size_t)r->count * k * sizeof *idx);
    votes = calloc(k, sizeof *votes);
    if (!queries || !dist || !idx || !votes) goto done;
    for (uint32_t i = 0; i < r->count; i++)
        if (!fr.errors[i])
            memcpy(queries + (size_t)good++ * dim, fr.features + (size_t)i * dim,
                   dim * sizeof *queries);
    if (!(ix = build_index(cmd, r->desc, VKCNN_METRIC_L2, g.data, rows, dim, &ctx))) goto done;
    if (good && vkcnn_index_search(ix, queries, good, k, dist, idx) != VKCNN_OK) {
        fprintf(stderr, "vkcnn %s: %s\n", cmd, vkcnn_index_error(ix));
        goto done;
    }
    int failed = 0;
    if (r->json) printf("[");
    for (uint32_t i = 0, q = 0; i < r->count; i++) {
        if (r->json) {
            printf("%s\n  {\"image\": ", i ? "," : "");
            json_string(stdout, r->images[i]);
        }
        if (fr.errors[i]) {
            failed = 1;
            if (r->json) {
                printf(", \"error\": ");
                json_string(stdout, fr.errors[i]);
                printf("}");
            } else {
                fprintf(stderr, "vkcnn %s: %s\n", cmd, fr.errors[i]);
            }
            continue;
        }
        uint32_t nv = 0;
        for (uint32_t j = 0; j < k; j++) {
            int64_t gi = idx[(size_t)q * k + j];
            float d = dist[(size_t)q * k + j];
            if (gi < 0) continue;
            const char *label = meta.labels[gi];
            uint32_t v = 0;
            while (v < nv && strcmp(votes[v].label, label) != 0)
                v++;
            if (v == nv) votes[nv++] = (vote){.label = label, .first = j, .nearest = d};
            votes[v].votes++;
            votes[v].sum += d;
        }
        q++;
        qsort(votes, nv, sizeof *votes, cmp_vote);
        uint32_t top = r->top < nv ? r->top : nv;
        if (r->json) {
            printf(", \"top\": [");
            for (uint32_t t = 0; t < top; t++) {
                printf("%s{\"label\": ", t ? ", " : "");
                json_string(stdout, votes[t].label);
                printf(", \"votes\": %u, \"distance\": ", votes[t].votes);
                print_distance(stdout, votes[t].nearest);
                printf("}");
            }
            printf("]}");
        } else {
            printf("%s\n  votes  nearest distance  label\n", r->images[i]);
            for (uint32_t t = 0; t < top; t++)
                printf("  %2u/%-3u %16.7g  %s\n", votes[t].votes, k, votes[t].nearest,
                       votes[t].label);
        }
    }
    if (r->json) printf("\n]\n");
    rc = failed ? 1 : 0;
done:
    free(dist);
    free(idx);
    free(queries);
    free(votes);
    free(in);
    feat_result_free(&fr, r->count);
    feat_meta_free(&meta);
    vkcnn_index_destroy(ix);
    vkcnn_context_destroy(ctx);
    npy_free(&g);
    return rc;
}
