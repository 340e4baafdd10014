/* vkcnn embed MODEL INPUT... --layer NAME --output FEATURES.npy: the
 * features of a model's layer for every input, as an [N, D] float32 .npy
 * and its sidecar FEATURES.npy.json (knn_features.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "knn_features.h"
#include "npy.h"
#include "sha256.h"
#include "vkcnn.h"

#define MAX_BATCH 4096u

typedef struct options {
    const char *model, *layer, *output;
    char **inputs;
    int input_count;
    feat_pool pool;
    int normalize, labels_from_dirs, quiet;
    uint32_t batch;
    feat_pp_flags pp;
    vkcnn_precision precision;
    vkcnn_context_desc desc;
} options;

static void usage(FILE *f) {
    fprintf(f,
            "usage: vkcnn embed MODEL INPUT... --layer NAME --output FEATURES.npy\n"
            "                   [--pool avg|max|none] [--normalize l2|none] [--labels-from-dirs]\n"
            "                   [--batch N] [--preset FILE] [--resize N] [--crop N]\n"
            "                   [--mean R,G,B] [--std R,G,B] [--gray] [--precision P] [--quiet]\n"
            "                   [--device D] [--cache-dir DIR] [--no-cache]\n"
            "Runs MODEL on every input and writes the values of tensor NAME (any tensor the\n"
            "network computes: `vkcnn inspect MODEL` lists the nodes; the output of a node is\n"
            "usually NODE_output_0), one row per input, as an [N, D] float32 .npy, with the\n"
            "sidecar FEATURES.npy.json: the model's file and SHA-256, the layer, the pooling,\n"
            "the normalisation, the preprocessing and each row's path and label.\n"
            "INPUT: an image (JPEG, PNG, BMP; preprocessed as `vkcnn classify` does: the\n"
            "preset MODEL.json, or --preset, with the flags below overriding it), a .npy of\n"
            "[N, ...] model inputs (N rows, each one input), or a folder (walked recursively,\n"
            "names in byte order, hidden entries skipped).\n"
            "  --layer NAME         the tensor to read (required); an unknown name is a\n"
            "                       usage error that lists the closest names\n"
            "  --output FILE        the features .npy (required)\n"
            "  --pool P             avg or max over the spatial dimensions of a feature map\n"
            "                       ([N, C, H, W] -> [N, C]), or none (flattened); default:\n"
            "                       avg for feature maps, none for [N, D] layers\n"
            "  --normalize N        l2 (each row scaled to unit length; a zero row stays\n"
            "                       zero) or none (default)\n"
            "  --labels-from-dirs   each input's label is the name of the first folder\n"
            "                       below the folder given (DIR/cat/x.jpg: cat), or of the\n"
            "                       folder of a file given itself\n"
            "  --batch N            inputs per run (default: all, at most 64; a static-batch\n"
            "                       model uses its own)\n"
            "  --preset FILE        preset sidecar to use instead of MODEL.json\n"
            "  --resize N           shorter side after the bilinear resize\n"
            "  --crop N             centre crop size\n"
            "  --mean R,G,B         per-channel mean of [0,1] pixels (one value for --gray)\n"
            "  --std R,G,B          per-channel standard deviation\n"
            "  --gray               one grayscale channel\n"
            "                       (the preprocessing flags work as for `vkcnn classify`)\n"
            "  --quiet              no progress messages\n" CLI_PRECISION_HELP CLI_DEVICE_FLAGS_HELP
                CLI_EXIT_HELP);
}

/* "R,G,B" or one value: how many (1 or 3), -1 after reporting. */
static int parse_triple(const char *flag, const char *s, int positive, float out[3]) {
    float v[3];
    int n = 0;
    const char *p = s;
    while (n < 3) {
        char *end = NULL;
        errno = 0;
        v[n] = strtof(p, &end);
        if (errno || end == p || !isfinite(v[n]) || (positive && !(v[n] > 0))) break;
        n++;
        p = end;
        if (*end != ',') break;
        p = end + 1;
    }
    if (*p != '\0' || (n != 1 && n != 3)) {
        fprintf(stderr, "vkcnn embed: %s needs R,G,B or one %snumber, not '%s'\n", flag,
                positive ? "positive " : "", s);
        return -1;
    }
    for (int i = 0; i < 3; i++)
        out[i] = v[n == 1 ? 0 : i];
    return n;
}

static int parse_args(int argc, char **argv, options *o) {
    o->pool = FEAT_POOL_AUTO;
    o->inputs = calloc((size_t)argc, sizeof *o->inputs);
    if (!o->inputs) return 1;
    for (int i = 1; i < argc; i++) {
        int r = cli_device_flag(argc, argv, &i, &o->desc);
        if (!r) r = cli_precision_flag("embed", argc, argv, &i, &o->precision);
        if (r < 0) return 2;
        if (r > 0) continue;
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        static const char *const valued[] = {"--layer", "--output", "--pool",   "--normalize",
                                             "--batch", "--preset", "--resize", "--crop",
                                             "--mean",  "--std",    NULL};
        int takes = 0;
        for (int k = 0; valued[k]; k++)
            takes |= strcmp(a, valued[k]) == 0;
        if (takes && (!val || !val[0])) {
            fprintf(stderr, "vkcnn embed: %s needs a value\n", a);
            return 2;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return -1;
        } else if (strcmp(a, "--layer") == 0) {
            o->layer = val;
        } else if (strcmp(a, "--output") == 0) {
            o->output = val;
        } else if (strcmp(a, "--pool") == 0) {
            if (strcmp(val, "avg") == 0)
                o->pool = FEAT_POOL_AVG;
            else if (strcmp(val, "max") == 0)
                o->pool = FEAT_POOL_MAX;
            else if (strcmp(val, "none") == 0)
                o->pool = FEAT_POOL_NONE;
            else {
                fprintf(stderr, "vkcnn embed: --pool is avg, max or none, not '%s'\n", val);
                return 2;
            }
        } else if (strcmp(a, "--normalize") == 0) {
            if (strcmp(val, "l2") != 0 && strcmp(val, "none") != 0) {
                fprintf(stderr, "vkcnn embed: --normalize is l2 or none, not '%s'\n", val);
                return 2;
            }
            o->normalize = strcmp(val, "l2") == 0;
        } else if (strcmp(a, "--batch") == 0) {
            if (cli_parse_uint("embed", a, val, 1, MAX_BATCH, &o->batch)) return 2;
        } else if (strcmp(a, "--resize") == 0) {
            if (cli_parse_uint("embed", a, val, 1, 16384, &o->pp.resize)) return 2;
        } else if (strcmp(a, "--crop") == 0) {
            if (cli_parse_uint("embed", a, val, 1, 16384, &o->pp.crop)) return 2;
        } else if (strcmp(a, "--mean") == 0) {
            if ((o->pp.has_mean = parse_triple(a, val, 0, o->pp.mean)) < 0) return 2;
        } else if (strcmp(a, "--std") == 0) {
            if ((o->pp.has_std = parse_triple(a, val, 1, o->pp.std)) < 0) return 2;
        } else if (strcmp(a, "--preset") == 0) {
            o->pp.preset = val;
        } else if (strcmp(a, "--gray") == 0) {
            o->pp.gray = 1;
        } else if (strcmp(a, "--labels-from-dirs") == 0) {
            o->labels_from_dirs = 1;
        } else if (strcmp(a, "--quiet") == 0) {
            o->quiet = 1;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "vkcnn embed: unknown option '%s'\n", a);
            return 2;
        } else if (!o->model) {
            o->model = a;
            continue;
        } else {
            o->inputs[o->input_count++] = argv[i];
            continue;
        }
        if (takes) i++;
    }
    const char *missing = !o->model         ? "no model given"
                          : !o->input_count ? "no input given"
                          : !o->layer       ? "--layer NAME is required"
                          : !o->output      ? "--output FEATURES.npy is required"
                                            : NULL;
    if (missing) {
        fprintf(stderr, "vkcnn embed: %s\n", missing);
        usage(stderr);
        return 2;
    }
    if (o->pp.gray && (o->pp.has_mean == 3 || o->pp.has_std == 3)) {
        fprintf(stderr, "vkcnn embed: --gray makes one channel, but --%s has three values\n",
                o->pp.has_mean == 3 ? "mean" : "std");
        return 2;
    }
    return 0;
}

static int run(options *o) {
    char sha[65];
    if (sha256_file(o->model, sha) != 0) {
        fprintf(stderr, "vkcnn embed: cannot read model %s: %s\n", o->model, strerror(errno));
        return 1;
    }
    if (cli_check_writable("embed", "the features file", o->output)) return 2;
    vkcnn_preprocess pp;
    int rc = feat_preprocessing("embed", o->model, &o->pp, &pp);
    if (rc) return rc;
    feat_input *in = NULL;
    npy_array *arrays = NULL;
    uint32_t narrays = 0;
    uint64_t count = 0;
    rc = feat_collect("embed", o->inputs, o->input_count, o->labels_from_dirs, &in, &count, &arrays,
                      &narrays);
    if (rc) return rc;
    feat_embed e = {.command = "embed",
                    .model = o->model,
                    .layer = o->layer,
                    .pool = o->pool,
                    .normalize = o->normalize,
                    .precision = o->precision,
                    .batch = o->batch,
                    .pp = &pp,
                    .desc = &o->desc,
                    .quiet = o->quiet};
    feat_result res;
    rc = feat_embed_run(&e, in, count, &res);
    feat_meta m = {0};
    if (!rc) {
        char err[1024];
        int64_t shape[2] = {(int64_t)count, res.dim};
        m.count = count;
        m.dim = res.dim;
        m.model = (char *)o->model;
        memcpy(m.model_sha256, sha, sizeof sha);
        m.layer = (char *)o->layer;
        m.layer_rank = res.layer_rank;
        memcpy(m.layer_shape, res.layer_shape, sizeof m.layer_shape);
        m.pool = res.pool;
        m.normalize = o->normalize;
        /* as asked: auto resolves again, to the cached outcome, for queries */
        snprintf(m.precision, sizeof m.precision, "%s",
                 o->precision == VKCNN_PRECISION_FP16   ? "fp16"
                 : o->precision == VKCNN_PRECISION_AUTO ? "auto"
                                                        : "fp32");
        for (uint64_t i = 0; i < count; i++)
            m.has_preprocess |= in[i].row == NULL;
        m.pp = pp;
        m.pp.labels[0] = '\0';
        m.paths = calloc(count, sizeof *m.paths);
        m.labels = o->labels_from_dirs ? calloc(count, sizeof *m.labels) : NULL;
        for (uint64_t i = 0; m.paths && i < count; i++) {
            if (in[i].row) { /* a .npy row: FILE.npy#ROW */
                size_t n = strlen(in[i].path) + 24;
                if ((m.paths[i] = malloc(n)))
                    snprintf(m.paths[i], n, "%s#%llu", in[i].path,
                             (unsigned long long)in[i].row_index);
            } else {
                m.paths[i] = strdup(in[i].path);
            }
            if (m.labels) m.labels[i] = in[i].label;
        }
        if (!m.paths || (o->labels_from_dirs && !m.labels)) {
            fprintf(stderr, "vkcnn embed: out of host memory\n");
            rc = 1;
        } else if (npy_write(o->output, 2, shape, res.features, err, sizeof err) ||
                   feat_meta_write(o->output, &m, err, sizeof err)) {
            fprintf(stderr, "vkcnn embed: %s\n", err);
            rc = 1;
        } else {
            printf("%s: %llu x %u features of '%s' (pool %s, normalize %s); sidecar %s.json\n",
                   o->output, (unsigned long long)count, res.dim, o->layer,
                   feat_pool_name(res.pool), o->normalize ? "l2" : "none", o->output);
        }
        for (uint64_t i = 0; m.paths && i < count; i++)
            free(m.paths[i]);
        free(m.paths);
        free(m.labels); /* the strings belong to the inputs */
    }
    feat_result_free(&res, count);
    feat_inputs_free(in, count, arrays, narrays);
    return rc;
}

int vkcnn_cmd_embed(int argc, char **argv) {
    options o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc == 0) rc = run(&o);
    free(o.inputs);
    return rc < 0 ? 0 : rc;
}
