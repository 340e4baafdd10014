/* Features and nearest neighbours for the CLI: `vkcnn embed` (a model's
 * intermediate tensor per input, written as FEATURES.npy with a sidecar),
 * `vkcnn knn` (exact k-NN through vkcnn_index_*) and `classify --knn`
 * (a vote of the gallery's labels). Public API only (include/vkcnn.h).
 *
 * The sidecar FEATURES.npy.json (format "vkcnn-features", version 1):
 *   count, dim            the .npy's rows and columns
 *   model, model_sha256   the model file as given to embed, and its SHA-256
 *   layer, layer_shape    the tensor read (shape of one input's, batch 1)
 *   pool                  "avg", "max" (over the spatial dimensions) or "none"
 *   normalize             "l2" or "none"
 *   precision             "fp32" or "fp16" (the weights')
 *   preprocess            the image preprocessing used (vkcnn_preprocess's
 *                         fields), null when no image was embedded
 *   items                 per row: {"path": P, "label": L}; "label" only
 *                         with --labels-from-dirs
 * Files written by other tools may carry any subset: `knn` reads the labels,
 * `classify --knn` needs model_sha256, layer, pool, normalize and labels. */
#ifndef VKCNN_TOOLS_KNN_FEATURES_H
#define VKCNN_TOOLS_KNN_FEATURES_H

#include <stddef.h>
#include <stdint.h>

#include "npy.h"
#include "vkcnn.h"

typedef enum feat_pool {
    FEAT_POOL_NONE = 0,
    FEAT_POOL_AVG = 1,
    FEAT_POOL_MAX = 2,
    FEAT_POOL_AUTO = 3, /* avg for feature maps (rank >= 3), none for vectors */
} feat_pool;

const char *feat_pool_name(feat_pool p);

/* What a sidecar says. Strings and arrays are owned (feat_meta_free). */
typedef struct feat_meta {
    uint64_t count;
    uint32_t dim;
    char *model;           /* NULL when not recorded */
    char model_sha256[65]; /* "" when not recorded */
    char *layer;           /* NULL when not recorded */
    uint32_t layer_rank;
    int64_t layer_shape[8];
    feat_pool pool;
    int normalize; /* 1: l2 */
    char precision[8];
    int has_pool, has_normalize; /* recorded */
    int has_preprocess;
    vkcnn_preprocess pp;
    char **paths;  /* count entries (NULL entries: not recorded), or NULL */
    char **labels; /* count entries (NULL: unlabelled), or NULL when none has one */
} feat_meta;

/* "FEATURES.npy.json" for `npy_path` into out (size bytes): 0, -1 too long. */
int feat_meta_path(const char *npy_path, char *out, size_t size);

/* Reads the sidecar of `npy_path`: 0 when read, 1 when there is none, -1
 * when it is malformed or does not match `rows` x `dim` (err says why). */
int feat_meta_read(const char *npy_path, uint64_t rows, uint32_t dim, feat_meta *m, char *err,
                   size_t err_size);
/* Writes it; -1 with the reason in err. */
int feat_meta_write(const char *npy_path, const feat_meta *m, char *err, size_t err_size);
void feat_meta_free(feat_meta *m);

/* One input to embed: an image file, or a row of a .npy file (the model
 * input of one item, already float32). */
typedef struct feat_input {
    const char *path;
    const float *row;    /* NULL for an image */
    uint64_t row_index;  /* of the row in its .npy */
    uint64_t row_values; /* floats in the row */
    char *label;         /* owned; NULL when none */
} feat_input;

/* Gathers the inputs of `vkcnn embed`: image files (.png, .jpg, .jpeg,
 * .bmp), .npy files (an [N, ...] array is N inputs, its rows; each must
 * hold the model input's values for one item, checked when embedding) and
 * directories (walked recursively in byte order of the names, hidden
 * entries skipped, files of those extensions taken). With labels_from_dirs
 * the label of a file found under directory D is the first folder below D
 * on its path (D/cat/x.jpg: "cat"; a file directly in D has none: a usage
 * error), and of a file given itself the name of its folder. The .npy files
 * are read into *arrays (count *narrays). Returns 0, 1 (data error) or 2
 * (usage error) after printing the reason. */
int feat_collect(const char *command, char **args, int nargs, int labels_from_dirs,
                 feat_input **inputs, uint64_t *count, npy_array **arrays, uint32_t *narrays);
void feat_inputs_free(feat_input *inputs, uint64_t count, npy_array *arrays, uint32_t narrays);

/* How to embed. */
typedef struct feat_embed {
    const char *command; /* for messages: "embed", "classify" */
    const char *model;
    const char *layer;
    feat_pool pool;
    int normalize;
    vkcnn_precision precision;
    uint32_t batch; /* 0: all inputs, at most 64 */
    const vkcnn_preprocess *pp;
    const vkcnn_context_desc *desc;
    int quiet;
    /* 0: the first input that fails fails the whole; 1: its error is kept
     * (errors[i]) and the others are embedded */
    int keep_going;
} feat_embed;

typedef struct feat_result {
    float *features; /* count x dim */
    uint32_t dim;
    feat_pool pool; /* as applied */
    uint32_t layer_rank;
    int64_t layer_shape[8]; /* of one input (batch 1) */
    char **errors;          /* count entries, NULL where fine (keep_going) */
} feat_result;

/* Runs the model over the inputs with `layer` as an extra output, pooled
 * and normalised per input. 0 on success (with keep_going, some inputs may
 * still have failed: errors), 1 on a runtime or data error, 2 on a usage
 * error (an unknown layer, a pool that does not apply), after printing the
 * reason. */
int feat_embed_run(const feat_embed *e, const feat_input *inputs, uint64_t count, feat_result *out);
void feat_result_free(feat_result *r, uint64_t count);

/* The preprocessing of a model's preset (MODEL.json, or `preset`) with
 * overrides (0 / has_* = 0: not given). 0, 1 (the preset unreadable) or 2
 * (contradictory values) after printing the reason. */
typedef struct feat_pp_flags {
    const char *preset;
    uint32_t resize, crop;
    int gray;
    int has_mean, has_std;
    float mean[3], std[3];
} feat_pp_flags;
int feat_preprocessing(const char *command, const char *model, const feat_pp_flags *f,
                       vkcnn_preprocess *pp);

/* ---- classify --knn ---- */

typedef struct cli_knn {
    const char *gallery; /* --knn GALLERY.npy; NULL: not given */
    uint32_t k;          /* -k K; 0: not given (default 5) */
} cli_knn;

/* Consumes --knn GALLERY or -k K: 1; 0 for another argument; -1 on a usage
 * error (reported). */
int cli_knn_flag(const char *command, int argc, char **argv, int *i, cli_knn *out);

typedef struct knn_classify_request {
    const char *model;
    const char *const *images;
    uint32_t count;
    const vkcnn_preprocess *pp; /* the preset's, with classify's flags */
    uint32_t batch, top;
    int json, quiet;
    vkcnn_precision precision;
    const vkcnn_context_desc *desc;
} knn_classify_request;

/* classify --knn: embeds the images as the gallery's sidecar says (the same
 * model file by hash, its layer, pooling and normalisation), finds each
 * one's k nearest gallery rows and prints the labels they vote for. The
 * exit status (0, 1, 2). */
int knn_classify(const cli_knn *knn, const knn_classify_request *r);

#endif
