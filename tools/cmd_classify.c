/* vkcnn classify MODEL IMAGE... : decodes images, preprocesses them on the
 * device (vkcnn_model_set_input_images), runs the model in batches and
 * prints the top-K classes with softmax probabilities. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "json.h"
#include "knn_features.h"
#include "vkcnn.h"

#define DEFAULT_MAX_BATCH 64u
#define MAX_BATCH 4096u
#define HOST_IMAGE_BYTES (512ull << 20) /* decoded pixels held before uploading */
#define MAX_LABELS 100000u

typedef struct options {
    const char *model, *labels, *preset;
    const char **images;
    uint32_t image_count, top, batch;
    int json, quiet, gray;
    uint32_t resize, crop;
    int has_mean, has_std; /* values given: 1 or 3 */
    float mean[3], std[3];
    vkcnn_context_desc desc;
    vkcnn_precision precision;
    vkcnn_toggle tuned; /* --no-tune */
    cli_knn knn;        /* --knn GALLERY [-k K]: run_knn */
} options;

/* Result of one image: probabilities of its top classes, or an error. */
typedef struct result {
    char *error;
    uint32_t *index;
    float *prob;
} result;

static void usage(FILE *f) {
    fprintf(f,
            "usage: vkcnn classify MODEL IMAGE... [--top K] [--labels FILE] [--batch N]\n"
            "                      [--resize N] [--crop N] [--mean R,G,B] [--std R,G,B]\n"
            "                      [--gray] [--preset FILE] [--json] [--quiet] [--precision P]\n"
            "                      [--no-tune]\n"
            "                      [--knn GALLERY.npy [-k K]]\n"
            "                      [--device D] [--cache-dir DIR] [--no-cache]\n"
            "Classifies JPEG, PNG and BMP images (EXIF orientation honoured) with a model\n"
            "whose output is [N, classes]. The preprocessing comes from the preset\n"
            "MODEL.json (e.g. model.onnx.json) when it exists, else ImageNet's (resize 256,\n"
            "crop 224, mean/std); flags override it.\n"
            "Text output: per image its path, a header line, then the top classes with\n"
            "their softmax probability, index and label (shown where it differs from the\n"
            "index). An image that fails is reported on stderr; the others are still\n"
            "classified, and the exit status is 1.\n"
            "  --top K        classes printed per image (default 5)\n"
            "  --labels FILE  class names, one per line (default: the preset's)\n"
            "  --batch N      images per run (default: all, at most 64; a static-batch\n"
            "                 model uses its own)\n"
            "  --resize N     shorter side after the bilinear resize\n"
            "  --crop N       centre crop size (at most the resized shorter side)\n"
            "  --mean R,G,B   per-channel mean of [0,1] pixels (one value for --gray)\n"
            "  --std R,G,B    per-channel standard deviation (one value for --gray)\n"
            "  --gray         one grayscale channel\n"
            "  --preset FILE  preset sidecar to use instead of MODEL.json\n"
            "  --json         JSON array, one object per image, in argument order\n"
            "  --quiet        no progress messages (shown for models over 16 MB)\n"
            "  --knn FILE     classify by the vote of the K nearest rows of a gallery written\n"
            "                 by `vkcnn embed ... --labels-from-dirs` (the same model file, by\n"
            "                 hash; its layer, pooling and normalisation): the top labels by\n"
            "                 votes, a tie to the smaller sum of distances; JSON entries are\n"
            "                 {\"label\", \"votes\", \"distance\" (of the nearest neighbour with\n"
            "                 that label)}\n"
            "  -k K           neighbours that vote (with --knn; default 5)\n"
            "" CLI_PRECISION_HELP CLI_TUNE_HELP CLI_DEVICE_FLAGS_HELP CLI_EXIT_HELP);
}

static int parse_uint(const char *flag, const char *s, uint32_t lo, uint32_t hi, uint32_t *out) {
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || !end || *end || end == s || s[0] == '-' || v < lo || v > hi) {
        fprintf(stderr, "vkcnn classify: %s needs an integer from %u to %u, not '%s'\n", flag, lo,
                hi, s);
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

/* "R,G,B" or a single value (broadcast): returns how many were given (1 or
 * 3), -1 after reporting a malformed value. */
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
        if (*end == '\0') {
            p = end;
            break;
        }
        if (*end != ',') break;
        p = end + 1;
    }
    if (*p != '\0' || (n != 1 && n != 3)) {
        fprintf(stderr, "vkcnn classify: %s needs R,G,B or one %snumber, not '%s'\n", flag,
                positive ? "positive " : "", s);
        return -1;
    }
    for (int i = 0; i < 3; i++)
        out[i] = v[n == 1 ? 0 : i];
    return n;
}

static int parse_args(int argc, char **argv, options *o) {
    o->top = 5;
    o->images = calloc((size_t)argc, sizeof *o->images);
    if (!o->images) return 1;
    for (int i = 1; i < argc; i++) {
        int r = cli_device_flag(argc, argv, &i, &o->desc);
        if (!r) r = cli_precision_flag("classify", argc, argv, &i, &o->precision);
        if (!r) r = cli_tune_flag(argc, argv, &i, &o->tuned);
        if (!r) r = cli_knn_flag("classify", argc, argv, &i, &o->knn);
        if (r < 0) return 2;
        if (r > 0) continue;
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = strcmp(a, "--top") == 0 || strcmp(a, "--labels") == 0 ||
                    strcmp(a, "--batch") == 0 || strcmp(a, "--resize") == 0 ||
                    strcmp(a, "--crop") == 0 || strcmp(a, "--mean") == 0 ||
                    strcmp(a, "--std") == 0 || strcmp(a, "--preset") == 0;
        if (takes && !val) {
            fprintf(stderr, "vkcnn classify: %s needs a value\n", a);
            return 2;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return -1;
        } else if (strcmp(a, "--json") == 0) {
            o->json = 1;
        } else if (strcmp(a, "--quiet") == 0) {
            o->quiet = 1;
        } else if (strcmp(a, "--gray") == 0) {
            o->gray = 1;
        } else if (strcmp(a, "--top") == 0) {
            if (parse_uint(a, val, 1, 100000, &o->top)) return 2;
        } else if (strcmp(a, "--batch") == 0) {
            if (parse_uint(a, val, 1, MAX_BATCH, &o->batch)) return 2;
        } else if (strcmp(a, "--resize") == 0) {
            if (parse_uint(a, val, 1, 16384, &o->resize)) return 2;
        } else if (strcmp(a, "--crop") == 0) {
            if (parse_uint(a, val, 1, 16384, &o->crop)) return 2;
        } else if (strcmp(a, "--mean") == 0) {
            if ((o->has_mean = parse_triple(a, val, 0, o->mean)) < 0) return 2;
        } else if (strcmp(a, "--std") == 0) {
            if ((o->has_std = parse_triple(a, val, 1, o->std)) < 0) return 2;
        } else if (strcmp(a, "--labels") == 0) {
            o->labels = val;
        } else if (strcmp(a, "--preset") == 0) {
            o->preset = val;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "vkcnn classify: unknown option '%s'\n", a);
            return 2;
        } else if (!o->model) {
            o->model = a;
            continue;
        } else {
            o->images[o->image_count++] = a;
            continue;
        }
        if (takes) i++;
    }
    if (!o->model || o->image_count == 0) {
        fprintf(stderr, "vkcnn classify: %s\n",
                o->model ? "no image given" : "no model and no image given");
        usage(stderr);
        return 2;
    }
    if (o->gray && (o->has_mean == 3 || o->has_std == 3)) {
        fprintf(stderr,
                "vkcnn classify: --gray makes one channel, but --%s has three values: give one\n",
                o->has_mean == 3 ? "mean" : "std");
        return 2;
    }
    if (o->crop && o->resize && o->crop > o->resize) {
        fprintf(stderr,
                "vkcnn classify: --crop %u is larger than --resize %u (the crop is taken from "
                "the resized image)\n",
                o->crop, o->resize);
        return 2;
    }
    return 0;
}

static int file_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The preset (explicit, or MODEL.json when present) with the flags applied. */
static int preprocessing(const options *o, vkcnn_preprocess *pp) {
    *pp = (vkcnn_preprocess){0};
    char sidecar[4096];
    const char *preset = o->preset;
    if (!preset) {
        int w = snprintf(sidecar, sizeof sidecar, "%s.json", o->model);
        if (w > 0 && (size_t)w < sizeof sidecar && file_exists(sidecar)) preset = sidecar;
    }
    if (preset && vkcnn_preprocess_from_preset(preset, pp) != VKCNN_OK) {
        fprintf(stderr, "vkcnn classify: %s\n", vkcnn_last_error());
        return 1; /* a missing or malformed file: a data error */
    }
    if (o->resize) pp->resize = o->resize;
    if (o->crop) pp->crop = o->crop;
    if (o->gray) pp->channel_order = VKCNN_CHANNELS_GRAY;
    int default_norm = pp->std[0] == 0 && pp->std[1] == 0 && pp->std[2] == 0;
    static const float in_mean[3] = {0.485f, 0.456f, 0.406f}, in_std[3] = {0.229f, 0.224f, 0.225f};
    if ((o->has_mean || o->has_std) && default_norm) {
        memcpy(pp->mean, in_mean, sizeof pp->mean);
        memcpy(pp->std, in_std, sizeof pp->std);
    }
    if (o->has_mean) memcpy(pp->mean, o->mean, sizeof pp->mean);
    if (o->has_std) memcpy(pp->std, o->std, sizeof pp->std);
    /* a flag against the preset's other value */
    uint32_t resize = pp->resize ? pp->resize : 256, crop = pp->crop ? pp->crop : 224;
    if ((o->crop || o->resize) && crop > resize) {
        fprintf(stderr,
                "vkcnn classify: crop %u (%s) is larger than resize %u (%s): the crop is taken "
                "from the resized image\n",
                crop,
                o->crop  ? "--crop"
                : preset ? "the preset's"
                         : "the default",
                resize,
                o->resize ? "--resize"
                : preset  ? "the preset's"
                          : "the default");
        return 2;
    }
    return 0;
}

/* Reads up to MAX_LABELS lines (without their line ends). */
static char **read_labels(const char *path, uint32_t *count) {
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    char **lines = calloc(MAX_LABELS, sizeof *lines);
    char buf[4096];
    uint32_t n = 0;
    while (lines && n < MAX_LABELS && fgets(buf, sizeof buf, f)) {
        buf[strcspn(buf, "\r\n")] = '\0';
        lines[n] = strdup(buf);
        if (!lines[n]) break;
        n++;
    }
    fclose(f);
    *count = n;
    return lines;
}

static void free_labels(char **labels, uint32_t n) {
    for (uint32_t i = 0; labels && i < n; i++)
        free(labels[i]);
    free(labels);
}

/* Loads the network at the wanted batch; a static-batch model refuses it
 * and is loaded at its own batch instead. */
static vkcnn_network *load_network(const options *o, uint32_t want, cli_progress *progress) {
    vkcnn_network_options lo = {.batch = want};
    vkcnn_network *net = NULL;
    cli_progress_stage(progress, "parse", o->model);
    vkcnn_status st = vkcnn_network_load_file(o->model, &lo, &net);
    if (st == VKCNN_ERROR_UNSUPPORTED) {
        lo.batch = 0;
        vkcnn_network *fixed = NULL;
        if (vkcnn_network_load_file(o->model, &lo, &fixed) == VKCNN_OK) return fixed;
    }
    if (!net) fprintf(stderr, "vkcnn classify: %s\n", vkcnn_last_error());
    return net;
}

/* A classifier: one [N, C, H, W] input and an [N, classes] output (trailing
 * dimensions of 1 allowed, as [N, classes, 1, 1]). 0 and the class count,
 * or 1 after saying what the model is instead. */
static int check_shapes(const char *path, const vkcnn_network *net, uint64_t *classes) {
    vkcnn_network_info info;
    vkcnn_tensor_info in, out;
    if (vkcnn_network_get_info(net, &info) != VKCNN_OK) return 1;
    if (info.input_count != 1 || info.output_count < 1 ||
        vkcnn_network_input(net, 0, &in) != VKCNN_OK ||
        vkcnn_network_output(net, 0, &out) != VKCNN_OK) {
        fprintf(stderr,
                "vkcnn classify: %s has %u inputs and %u outputs: classify feeds one image "
                "input ([N, C, H, W]) and reads class scores; `vkcnn run` runs any model\n",
                path, info.input_count, info.output_count);
        return 1;
    }
    int trailing_ones = out.rank >= 2;
    for (uint32_t d = 2; d < out.rank; d++)
        trailing_ones &= out.shape[d] == 1;
    if (in.rank != 4 || in.shape[0] < 1 || in.shape[0] > MAX_BATCH) {
        fprintf(stderr, "vkcnn classify: %s: input '%s' has shape [", path, in.name);
        for (uint32_t d = 0; d < in.rank; d++)
            fprintf(stderr, "%s%lld", d ? ", " : "", (long long)in.shape[d]);
        fprintf(stderr, "], not an image batch [N, C, H, W] with N <= %u\n", MAX_BATCH);
        return 1;
    }
    if (!trailing_ones || out.shape[0] != in.shape[0] || out.shape[1] < 1 ||
        out.shape[1] > (1 << 24)) {
        fprintf(stderr, "vkcnn classify: %s: output '%s' has shape [", path, out.name);
        for (uint32_t d = 0; d < out.rank; d++)
            fprintf(stderr, "%s%lld", d ? ", " : "", (long long)out.shape[d]);
        fprintf(stderr,
                "], not [N, classes] class scores for its %lld images: classify needs a "
                "classifier (`vkcnn run` runs any model)\n",
                (long long)in.shape[0]);
        return 1;
    }
    *classes = (uint64_t)out.shape[1];
    return 0;
}

static int ends_with_softmax(const vkcnn_network *net) {
    vkcnn_network_info info;
    vkcnn_node_info node;
    if (vkcnn_network_get_info(net, &info) != VKCNN_OK || info.node_count == 0) return 0;
    if (vkcnn_network_node(net, info.node_count - 1, &node) != VKCNN_OK) return 0;
    return strcmp(node.op, "Softmax") == 0;
}

/* Top-k of one row (probabilities, softmax applied unless already done). */
static int top_k(const float *row, uint32_t classes, uint32_t k, int softmax, result *r) {
    float *p = malloc(classes * sizeof *p);
    r->index = malloc(k * sizeof *r->index);
    r->prob = malloc(k * sizeof *r->prob);
    if (!p || !r->index || !r->prob) {
        free(p);
        return -1;
    }
    float hi = row[0];
    for (uint32_t c = 1; c < classes; c++)
        hi = row[c] > hi ? row[c] : hi;
    double sum = 0;
    for (uint32_t c = 0; c < classes; c++) {
        p[c] = softmax ? expf(row[c] - hi) : row[c];
        sum += p[c];
    }
    for (uint32_t c = 0; softmax && c < classes; c++)
        p[c] = (float)(p[c] / sum);
    for (uint32_t j = 0; j < k; j++) { /* k is small: selection by scans */
        uint32_t best = 0;
        for (uint32_t c = 1; c < classes; c++)
            if (p[c] > p[best] || (isnan(p[best]) && !isnan(p[c]))) best = c;
        r->index[j] = best;
        r->prob[j] = p[best];
        p[best] = -INFINITY;
    }
    free(p);
    return 0;
}

static char oom_message[] = "out of host memory";

/* A copy of msg to keep in a result; oom_message (not freed) when out of memory. */
static char *dup_error(const char *msg) {
    char *s = strdup(msg && msg[0] ? msg : "unknown error");
    return s ? s : oom_message;
}

/* Preprocesses ok[from, to) into the same batch slots; an image the device
 * refuses gets its error and its slot is left unused. Frees the images. */
/* "PATH: MESSAGE" to keep in a result (oom_message when out of memory). */
static char *file_error(const char *path, const char *msg) {
    size_t n = strlen(path) + strlen(msg) + 3;
    char *s = malloc(n);
    if (!s) return oom_message;
    snprintf(s, n, "%s: %s", path, msg);
    return s;
}

static void upload(vkcnn_model *model, const options *o, const vkcnn_preprocess *pp,
                   vkcnn_image **ok, const uint32_t *slot_of, uint32_t from, uint32_t to,
                   uint32_t first, result *res, unsigned char *bad) {
    if (from < to &&
        vkcnn_model_set_input_images(model, 0, from, (const vkcnn_image *const *)ok + from,
                                     to - from, pp) != VKCNN_OK)
        for (uint32_t j = from; j < to; j++) /* find which ones fail, one at a time */
            if (vkcnn_model_set_input_image(model, 0, j, ok[j], pp) != VKCNN_OK) {
                res[first + slot_of[j]].error =
                    file_error(o->images[first + slot_of[j]], vkcnn_model_error(model));
                bad[j] = 1;
            }
    for (uint32_t j = from; j < to; j++) {
        vkcnn_image_destroy(ok[j]);
        ok[j] = NULL;
    }
}

/* Classifies images [first, first + n), n <= batch <= MAX_BATCH (checked
 * when the model was loaded). Decoded images are uploaded whenever
 * HOST_IMAGE_BYTES of them are held, so a batch of large photos does not
 * hold them all in host memory. */
static int classify_chunk(vkcnn_model *model, const options *o, const vkcnn_preprocess *pp,
                          uint32_t batch, uint32_t classes, int softmax, uint64_t max_image_bytes,
                          uint32_t first, uint32_t n, result *res, float *logits) {
    vkcnn_image *ok[MAX_BATCH];
    uint32_t slot_of[MAX_BATCH] = {0}, m = 0, from = 0;
    unsigned char bad[MAX_BATCH] = {0};
    uint64_t held = 0;
    for (uint32_t i = 0; i < n; i++) {
        vkcnn_image *img = NULL;
        if (vkcnn_image_load_file(o->images[first + i], NULL, &img) != VKCNN_OK) {
            res[first + i].error = dup_error(vkcnn_last_error()); /* names the file */
            continue;
        }
        uint64_t bytes = (uint64_t)img->width * img->height * 4;
        if (bytes > max_image_bytes) { /* the device cannot hold its pixels in one buffer */
            char msg[256];
            snprintf(msg, sizeof msg,
                     "%ux%u pixels (%llu bytes) exceed the device's largest storage buffer "
                     "(%llu bytes): too large for this device",
                     img->width, img->height, (unsigned long long)bytes,
                     (unsigned long long)max_image_bytes);
            res[first + i].error = file_error(o->images[first + i], msg);
            vkcnn_image_destroy(img);
            continue;
        }
        ok[m] = img;
        slot_of[m++] = i;
        held += (uint64_t)img->width * img->height * 4;
        if (held >= HOST_IMAGE_BYTES) {
            upload(model, o, pp, ok, slot_of, from, m, first, res, bad);
            from = m;
            held = 0;
        }
    }
    upload(model, o, pp, ok, slot_of, from, m, first, res, bad);
    uint32_t good = 0;
    for (uint32_t j = 0; j < m; j++)
        good += !bad[j];
    if (good && (vkcnn_model_run(model) != VKCNN_OK ||
                 vkcnn_model_get_output(model, 0, logits, (size_t)batch * classes) != VKCNN_OK)) {
        const char *msg = vkcnn_model_error(model);
        for (uint32_t j = 0; j < m; j++)
            if (!bad[j])
                res[first + slot_of[j]].error = file_error(o->images[first + slot_of[j]], msg);
        return 1;
    }
    uint32_t k = o->top < classes ? o->top : classes;
    for (uint32_t j = 0; j < m; j++)
        if (!bad[j] &&
            top_k(logits + (size_t)j * classes, classes, k, softmax, &res[first + slot_of[j]]))
            res[first + slot_of[j]].error = dup_error("out of host memory");
    return 0;
}

static void print_label(FILE *f, char **labels, uint32_t nl, uint32_t index, int json) {
    char num[16];
    snprintf(num, sizeof num, "%u", index);
    const char *l = labels && index < nl ? labels[index] : num;
    if (json)
        json_string(f, l);
    else if (strcmp(l, num) != 0) /* text: the label where it says more than the index */
        fprintf(f, "  %s", l);
}

/* 1 when some label of the model's classes is not just its index. */
static int labels_say_more(char **labels, uint32_t nl, uint32_t classes) {
    char num[16];
    for (uint32_t i = 0; labels && i < nl && i < classes; i++) {
        snprintf(num, sizeof num, "%u", i);
        if (strcmp(labels[i], num) != 0) return 1;
    }
    return 0;
}

static void print_results(const options *o, const result *res, uint32_t classes, char **labels,
                          uint32_t nl) {
    uint32_t k = o->top < classes ? o->top : classes;
    int label_column = labels_say_more(labels, nl, classes);
    if (o->json) printf("[");
    for (uint32_t i = 0; i < o->image_count; i++) {
        const result *r = &res[i];
        if (o->json) {
            printf("%s\n  {\"image\": ", i ? "," : "");
            json_string(stdout, o->images[i]);
            if (r->error) {
                printf(", \"error\": ");
                json_string(stdout, r->error);
                printf("}");
                continue;
            }
            printf(", \"top\": [");
            for (uint32_t j = 0; j < k; j++) {
                printf("%s{\"index\": %u, \"label\": ", j ? ", " : "", r->index[j]);
                print_label(stdout, labels, nl, r->index[j], 1);
                if (isfinite(r->prob[j]))
                    printf(", \"prob\": %.6g}", r->prob[j]);
                else /* NaN logits: JSON has no NaN */
                    printf(", \"prob\": null}");
            }
            printf("]}");
        } else if (r->error) { /* the message names the file */
            fflush(stdout);
            fprintf(stderr, "vkcnn classify: %s\n", r->error);
        } else {
            printf("%s\n", o->images[i]);
            printf("  %9s  %5s%s\n", "prob", "class", label_column ? "  label" : "");
            for (uint32_t j = 0; j < k; j++) {
                printf("  %8.4f%%  %5u", 100.0 * r->prob[j], r->index[j]);
                print_label(stdout, labels, nl, r->index[j], 0);
                printf("\n");
            }
        }
    }
    if (o->json) printf("\n]\n");
}

static int run(options *o) {
    vkcnn_preprocess pp;
    int rc = preprocessing(o, &pp);
    if (rc) return rc;
    const char *labels_path = o->labels ? o->labels : (pp.labels[0] ? pp.labels : NULL);
    uint32_t nl = 0;
    char **labels = labels_path ? read_labels(labels_path, &nl) : NULL;
    if (labels_path && !labels) {
        fprintf(stderr, "vkcnn classify: cannot read labels file %s: %s\n", labels_path,
                strerror(errno));
        return 1; /* a file that cannot be read: a data error */
    }
    cli_progress *progress = cli_progress_start("classify", o->model, o->quiet);
    uint32_t want = o->batch
                        ? o->batch
                        : (o->image_count < DEFAULT_MAX_BATCH ? o->image_count : DEFAULT_MAX_BATCH);
    rc = 1;
    result *res = calloc(o->image_count, sizeof *res);
    float *logits = NULL;
    vkcnn_context *ctx = NULL;
    vkcnn_model *model = NULL;
    vkcnn_network *net = res ? load_network(o, want, progress) : NULL;
    if (!net) goto done;
    cli_progress_parsed(progress, net);
    int softmax = !ends_with_softmax(net);
    uint64_t classes = 0;
    if (check_shapes(o->model, net, &classes)) {
        vkcnn_network_destroy(net);
        goto done;
    }
    ctx = cli_context("classify", &o->desc);
    if (!ctx) {
        vkcnn_network_destroy(net);
        goto done;
    }
    vkcnn_model_options mo = {.precision = o->precision, .tuned = o->tuned};
    vkcnn_status s = cli_progress_create_model(progress, ctx, net, &mo, &model);
    vkcnn_network_destroy(net);
    cli_progress_end(progress);
    progress = NULL;
    if (s != VKCNN_OK) {
        fprintf(stderr, "vkcnn classify: %s\n", vkcnn_last_error());
        goto done;
    }
    vkcnn_tensor_info in;
    vkcnn_model_input(model, 0, &in);
    uint32_t batch = (uint32_t)in.shape[0];
    if (labels && nl != classes)
        fprintf(stderr,
                "vkcnn classify: warning: labels file %s has %u line%s, the model %llu classes%s\n",
                labels_path, nl, nl == 1 ? "" : "s", (unsigned long long)classes,
                nl < classes ? ": the classes past them are shown by index" : "");
    vkcnn_device_info dev;
    uint64_t max_image_bytes = UINT64_MAX;
    if (vkcnn_context_device_info(ctx, vkcnn_context_device_index(ctx), &dev) == VKCNN_OK)
        max_image_bytes = dev.max_storage_buffer_range;
    logits = malloc((size_t)batch * classes * sizeof *logits);
    if (!logits) goto done;
    int failed = 0;
    for (uint32_t first = 0; first < o->image_count; first += batch) {
        uint32_t n = o->image_count - first < batch ? o->image_count - first : batch;
        (void)classify_chunk(model, o, &pp, batch, (uint32_t)classes, softmax, max_image_bytes,
                             first, n, res, logits);
    }
    for (uint32_t i = 0; i < o->image_count; i++)
        failed |= res[i].error != NULL;
    print_results(o, res, (uint32_t)classes, labels, nl);
    rc = failed ? 1 : 0;
done:
    cli_progress_end(progress);
    vkcnn_model_destroy(model);
    vkcnn_context_destroy(ctx);
    for (uint32_t i = 0; res && i < o->image_count; i++) {
        free(res[i].index);
        free(res[i].prob);
        if (res[i].error != oom_message) free(res[i].error);
    }
    free(res);
    free(logits);
    free_labels(labels, nl);
    return rc;
}

/* --knn GALLERY.npy [-k K]: the labels of the k nearest gallery rows vote,
 * instead of the model's own head (tools/cmd_knn.c). */
static int run_knn(options *o) {
    if (o->labels) {
        fprintf(stderr, "vkcnn classify: --labels does not apply with --knn: the labels come "
                        "from the gallery's sidecar\n");
        return 2;
    }
    vkcnn_preprocess pp;
    int rc = preprocessing(o, &pp);
    if (rc) return rc;
    knn_classify_request r = {.model = o->model,
                              .images = o->images,
                              .count = o->image_count,
                              .pp = &pp,
                              .batch = o->batch,
                              .top = o->top,
                              .json = o->json,
                              .quiet = o->quiet,
                              .precision = o->precision,
                              .desc = &o->desc};
    return knn_classify(&o->knn, &r);
}

int vkcnn_cmd_classify(int argc, char **argv) {
    options o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc == 0 && o.knn.k && !o.knn.gallery) {
        fprintf(stderr, "vkcnn classify: -k is the number of neighbours of --knn GALLERY.npy\n");
        rc = 2;
    }
    if (rc == 0) rc = o.knn.gallery ? run_knn(&o) : run(&o);
    free(o.images);
    return rc < 0 ? 0 : rc;
}
