/* Feature files and embedding for vkcnn embed and classify --knn
 * (knn_features.h). */
#include "knn_features.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"

#define DEFAULT_MAX_BATCH 64u
#define MAX_SIDECAR_BYTES (1u << 30)
#define MAX_DEPTH 64

const char *feat_pool_name(feat_pool p) {
    return p == FEAT_POOL_AVG ? "avg" : p == FEAT_POOL_MAX ? "max" : "none";
}

static char *dup_str(const char *s) {
    return s ? strdup(s) : NULL;
}

int feat_meta_path(const char *npy_path, char *out, size_t size) {
    int w = snprintf(out, size, "%s.json", npy_path);
    return w > 0 && (size_t)w < size ? 0 : -1;
}

void feat_meta_free(feat_meta *m) {
    for (uint64_t i = 0; i < m->count; i++) {
        if (m->paths) free(m->paths[i]);
        if (m->labels) free(m->labels[i]);
    }
    free(m->paths);
    free(m->labels);
    free(m->model);
    free(m->layer);
    memset(m, 0, sizeof *m);
}

/* ---- the sidecar ---------------------------------------------------------- */

static const char *channel_name(vkcnn_channel_order c) {
    return c == VKCNN_CHANNELS_BGR ? "BGR" : c == VKCNN_CHANNELS_GRAY ? "GRAY" : "RGB";
}

static void write_floats(FILE *f, const float *v, int n) {
    fputc('[', f);
    for (int i = 0; i < n; i++)
        fprintf(f, "%s%.9g", i ? ", " : "", v[i]);
    fputc(']', f);
}

int feat_meta_write(const char *npy_path, const feat_meta *m, char *err, size_t err_size) {
    char path[4096], tmp[4200];
    if (feat_meta_path(npy_path, path, sizeof path)) {
        snprintf(err, err_size, "%s: path too long", npy_path);
        return -1;
    }
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, err_size, "cannot write %s: %s", tmp, strerror(errno));
        return -1;
    }
    fprintf(f, "{\"format\": \"vkcnn-features\", \"version\": 1,\n \"features\": ");
    const char *base = strrchr(npy_path, '/');
    json_string(f, base ? base + 1 : npy_path);
    fprintf(f, ", \"count\": %llu, \"dim\": %u,\n \"model\": ", (unsigned long long)m->count,
            m->dim);
    if (m->model)
        json_string(f, m->model);
    else
        fputs("null", f);
    fprintf(f, ", \"model_sha256\": ");
    if (m->model_sha256[0])
        json_string(f, m->model_sha256);
    else
        fputs("null", f);
    fprintf(f, ",\n \"layer\": ");
    if (m->layer)
        json_string(f, m->layer);
    else
        fputs("null", f);
    fprintf(f, ", \"layer_shape\": [");
    for (uint32_t i = 0; i < m->layer_rank; i++)
        fprintf(f, "%s%lld", i ? ", " : "", (long long)m->layer_shape[i]);
    fprintf(f, "], \"pool\": \"%s\", \"normalize\": \"%s\", \"precision\": \"%s\",\n",
            feat_pool_name(m->pool), m->normalize ? "l2" : "none",
            m->precision[0] ? m->precision : "fp32");
    fprintf(f, " \"preprocess\": ");
    if (m->has_preprocess) {
        const vkcnn_preprocess *p = &m->pp;
        fprintf(f,
                "{\"resize\": %u, \"crop\": %u, \"channel_order\": \"%s\", \"pixel_scale\": %.9g, ",
                p->resize, p->crop, channel_name(p->channel_order), p->pixel_scale);
        fprintf(f, "\"mean\": ");
        write_floats(f, p->mean, 3);
        fprintf(f, ", \"std\": ");
        write_floats(f, p->std, 3);
        fprintf(f, ", \"pad\": [%u, %u, %u, %u], \"pad_value\": %.9g}", p->pad[0], p->pad[1],
                p->pad[2], p->pad[3], p->pad_value);
    } else {
        fputs("null", f);
    }
    fprintf(f, ",\n \"items\": [");
    for (uint64_t i = 0; i < m->count; i++) {
        fprintf(f, "%s\n  {\"path\": ", i ? "," : "");
        if (m->paths && m->paths[i])
            json_string(f, m->paths[i]);
        else
            fputs("null", f);
        if (m->labels && m->labels[i]) {
            fprintf(f, ", \"label\": ");
            json_string(f, m->labels[i]);
        }
        fputc('}', f);
    }
    fprintf(f, "\n ]}\n");
    int bad = ferror(f);
    if (fclose(f) || bad || rename(tmp, path)) {
        snprintf(err, err_size, "cannot write %s: %s", path, strerror(errno));
        remove(tmp);
        return -1;
    }
    return 0;
}

static char *read_text(const char *path, char *err, size_t err_size, int *missing) {
    *missing = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        *missing = errno == ENOENT;
        snprintf(err, err_size, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *text = NULL;
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0) size = ftell(f);
    if (size < 0 || size > MAX_SIDECAR_BYTES || fseek(f, 0, SEEK_SET) != 0) {
        snprintf(err, err_size, "%s: unreadable or over 1 GiB", path);
    } else if (!(text = malloc((size_t)size + 1)) ||
               fread(text, 1, (size_t)size, f) != (size_t)size) {
        snprintf(err, err_size, "%s: cannot be read", path);
        free(text);
        text = NULL;
    } else {
        text[size] = '\0';
    }
    fclose(f);
    return text;
}

/* A string member, or NULL when absent or null; -1 (reported) when of
 * another type. */
static int get_string(const cJSON *o, const char *key, const char **out, const char *path,
                      char *err, size_t err_size) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = NULL;
    if (!v || cJSON_IsNull(v)) return 0;
    if (!cJSON_IsString(v)) {
        snprintf(err, err_size, "%s: \"%s\" is not a string", path, key);
        return -1;
    }
    *out = v->valuestring;
    return 0;
}

static int get_floats(const cJSON *o, const char *key, float *out, int n) {
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != n) return -1;
    for (int i = 0; i < n; i++) {
        const cJSON *v = cJSON_GetArrayItem(a, i);
        if (!cJSON_IsNumber(v)) return -1;
        out[i] = (float)v->valuedouble;
    }
    return 0;
}

static int get_uint(const cJSON *o, const char *key, uint32_t *out) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 1e9 ||
        v->valuedouble != floor(v->valuedouble))
        return -1;
    *out = (uint32_t)v->valuedouble;
    return 0;
}

static int read_preprocess(const cJSON *p, vkcnn_preprocess *pp) {
    memset(pp, 0, sizeof *pp);
    const cJSON *ch = cJSON_GetObjectItemCaseSensitive(p, "channel_order");
    float scale[1], pad_value[1];
    uint32_t pads[4];
    if (get_uint(p, "resize", &pp->resize) || get_uint(p, "crop", &pp->crop) ||
        !cJSON_IsString(ch) || get_floats(p, "mean", pp->mean, 3) ||
        get_floats(p, "std", pp->std, 3))
        return -1;
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(p, "pixel_scale");
    const cJSON *pv = cJSON_GetObjectItemCaseSensitive(p, "pad_value");
    const cJSON *pa = cJSON_GetObjectItemCaseSensitive(p, "pad");
    if (!cJSON_IsNumber(s) || !cJSON_IsNumber(pv) || !cJSON_IsArray(pa) ||
        cJSON_GetArraySize(pa) != 4)
        return -1;
    scale[0] = (float)s->valuedouble;
    pad_value[0] = (float)pv->valuedouble;
    for (int i = 0; i < 4; i++) {
        const cJSON *v = cJSON_GetArrayItem(pa, i);
        if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 1e6) return -1;
        pads[i] = (uint32_t)v->valuedouble;
    }
    if (strcmp(ch->valuestring, "RGB") == 0)
        pp->channel_order = VKCNN_CHANNELS_RGB;
    else if (strcmp(ch->valuestring, "BGR") == 0)
        pp->channel_order = VKCNN_CHANNELS_BGR;
    else if (strcmp(ch->valuestring, "GRAY") == 0)
        pp->channel_order = VKCNN_CHANNELS_GRAY;
    else
        return -1;
    pp->pixel_scale = scale[0];
    pp->pad_value = pad_value[0];
    memcpy(pp->pad, pads, sizeof pads);
    return 0;
}

int feat_meta_read(const char *npy_path, uint64_t rows, uint32_t dim, feat_meta *m, char *err,
                   size_t err_size) {
    memset(m, 0, sizeof *m);
    char path[4096];
    if (feat_meta_path(npy_path, path, sizeof path)) {
        snprintf(err, err_size, "%s: path too long", npy_path);
        return -1;
    }
    int missing = 0;
    char *text = read_text(path, err, err_size, &missing);
    if (!text) return missing ? 1 : -1;
    cJSON *root = cJSON_Parse(text);
    free(text);
    int rc = -1;
    const char *s = NULL;
    if (!cJSON_IsObject(root)) {
        snprintf(err, err_size, "%s: not a JSON object", path);
        goto done;
    }
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
    if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, "vkcnn-features") != 0) {
        snprintf(err, err_size, "%s: \"format\" is not \"vkcnn-features\"", path);
        goto done;
    }
    uint32_t count32 = 0, d = 0;
    const cJSON *cnt = cJSON_GetObjectItemCaseSensitive(root, "count");
    if (!cJSON_IsNumber(cnt) || cnt->valuedouble != (double)rows || get_uint(root, "dim", &d) ||
        d != dim) {
        snprintf(err, err_size,
                 "%s: its \"count\" and \"dim\" do not match the %llu x %u array of %s", path,
                 (unsigned long long)rows, dim, npy_path);
        goto done;
    }
    (void)count32;
    m->count = rows;
    m->dim = dim;
    if (get_string(root, "model", &s, path, err, err_size)) goto done;
    m->model = dup_str(s);
    if (get_string(root, "model_sha256", &s, path, err, err_size)) goto done;
    if (s && strlen(s) == 64) memcpy(m->model_sha256, s, 65);
    if (get_string(root, "layer", &s, path, err, err_size)) goto done;
    m->layer = dup_str(s);
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(root, "layer_shape");
    for (int i = 0; cJSON_IsArray(shape) && i < cJSON_GetArraySize(shape) && i < 8; i++) {
        const cJSON *v = cJSON_GetArrayItem(shape, i);
        if (cJSON_IsNumber(v)) m->layer_shape[m->layer_rank++] = (int64_t)v->valuedouble;
    }
    if (get_string(root, "pool", &s, path, err, err_size)) goto done;
    if (s) {
        m->has_pool = 1;
        m->pool = strcmp(s, "avg") == 0   ? FEAT_POOL_AVG
                  : strcmp(s, "max") == 0 ? FEAT_POOL_MAX
                                          : FEAT_POOL_NONE;
        if (m->pool == FEAT_POOL_NONE && strcmp(s, "none") != 0) {
            snprintf(err, err_size, "%s: \"pool\" is \"%s\", not avg, max or none", path, s);
            goto done;
        }
    }
    if (get_string(root, "normalize", &s, path, err, err_size)) goto done;
    if (s) {
        m->has_normalize = 1;
        m->normalize = strcmp(s, "l2") == 0;
        if (!m->normalize && strcmp(s, "none") != 0) {
            snprintf(err, err_size, "%s: \"normalize\" is \"%s\", not l2 or none", path, s);
            goto done;
        }
    }
    if (get_string(root, "precision", &s, path, err, err_size)) goto done;
    snprintf(m->precision, sizeof m->precision, "%s", s ? s : "");
    const cJSON *pp = cJSON_GetObjectItemCaseSensitive(root, "preprocess");
    if (pp && !cJSON_IsNull(pp)) {
        if (!cJSON_IsObject(pp) || read_preprocess(pp, &m->pp)) {
            snprintf(err, err_size, "%s: malformed \"preprocess\"", path);
            goto done;
        }
        m->has_preprocess = 1;
    }
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(root, "items");
    if (items && !cJSON_IsNull(items)) {
        if (!cJSON_IsArray(items) || (uint64_t)cJSON_GetArraySize(items) != rows) {
            snprintf(err, err_size, "%s: \"items\" does not have %llu entries", path,
                     (unsigned long long)rows);
            goto done;
        }
        m->paths = calloc(rows ? rows : 1, sizeof *m->paths);
        char **labels = calloc(rows ? rows : 1, sizeof *labels);
        if (!m->paths || !labels) {
            free(labels);
            snprintf(err, err_size, "out of host memory");
            goto done;
        }
        int any = 0;
        uint64_t i = 0;
        const cJSON *it;
        cJSON_ArrayForEach(it, items) {
            const char *p = NULL, *l = NULL;
            if (!cJSON_IsObject(it) || get_string(it, "path", &p, path, err, err_size) ||
                get_string(it, "label", &l, path, err, err_size)) {
                if (!cJSON_IsObject(it))
                    snprintf(err, err_size, "%s: item %llu is not an object", path,
                             (unsigned long long)i);
                for (uint64_t j = 0; j < i; j++)
                    free(labels[j]);
                free(labels);
                goto done;
            }
            m->paths[i] = dup_str(p);
            labels[i] = dup_str(l);
            any |= l != NULL;
            i++;
        }
        if (any) {
            m->labels = labels;
        } else {
            free(labels);
        }
    }
    rc = 0;
done:
    cJSON_Delete(root);
    if (rc) feat_meta_free(m);
    return rc;
}

/* ---- inputs ------------------------------------------------------------------ */

static int has_ext(const char *name, const char *const *exts) {
    const char *dot = strrchr(name, '.');
    for (int i = 0; dot && exts[i]; i++)
        if (strcasecmp(dot, exts[i]) == 0) return 1;
    return 0;
}

static const char *const image_exts[] = {".png", ".jpg", ".jpeg", ".bmp", NULL};
static const char *const npy_exts[] = {".npy", NULL};

typedef struct collector {
    const char *command;
    feat_input *in;
    uint64_t count, cap;
    npy_array *arrays;
    uint32_t narrays, acap;
    int labels;
} collector;

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds file `path` (an image, or every row of a .npy) with `label`. */
static int add_file(collector *c, const char *path, const char *label) {
    char *own = strdup(path);
    if (!own) return 1;
    if (has_ext(path, npy_exts)) {
        if (c->narrays == c->acap) {
            uint32_t cap = c->acap ? c->acap * 2 : 8;
            npy_array *grown = realloc(c->arrays, cap * sizeof *grown);
            if (!grown) {
                free(own);
                return 1;
            }
            c->arrays = grown;
            c->acap = cap;
        }
        char err[1024];
        npy_array *a = &c->arrays[c->narrays];
        if (npy_read(path, UINT64_MAX, a, err, sizeof err)) {
            fprintf(stderr, "vkcnn %s: %s\n", c->command, err);
            free(own);
            return 1;
        }
        c->narrays++;
        /* rows of [N, ...]: one input each (their size is checked against the
         * model's input when embedding) */
        uint64_t rows = a->rank >= 2 ? (uint64_t)a->shape[0] : 1;
        if (a->count == 0) rows = 0;
        for (uint64_t r = 0; r < rows; r++) {
            if (c->count == c->cap) {
                uint64_t cap = c->cap ? c->cap * 2 : 64;
                feat_input *grown = realloc(c->in, cap * sizeof *grown);
                if (!grown) {
                    free(own);
                    return 1;
                }
                c->in = grown;
                c->cap = cap;
            }
            feat_input *it = &c->in[c->count++];
            it->path = r ? strdup(own) : own;
            it->row = a->data + (a->count / rows) * r;
            it->row_index = r;
            it->row_values = a->count / rows;
            it->label = label ? strdup(label) : NULL;
        }
        if (!rows) {
            fprintf(stderr, "vkcnn %s: %s holds no input (an empty array)\n", c->command, path);
            free(own);
            return 1;
        }
        return 0;
    }
    if (c->count == c->cap) {
        uint64_t cap = c->cap ? c->cap * 2 : 64;
        feat_input *grown = realloc(c->in, cap * sizeof *grown);
        if (!grown) {
            free(own);
            return 1;
        }
        c->in = grown;
        c->cap = cap;
    }
    feat_input *it = &c->in[c->count++];
    it->path = own;
    it->row = NULL;
    it->row_index = 0;
    it->row_values = 0;
    it->label = label ? strdup(label) : NULL;
    return 0;
}

/* Walks directory `dir`; `label`: the first folder below the root (NULL at
 * the root). */
static int walk(collector *c, const char *dir, const char *label, int depth) {
    if (depth > MAX_DEPTH) {
        fprintf(stderr, "vkcnn %s: %s: folders nested more than %d deep\n", c->command, dir,
                MAX_DEPTH);
        return 1;
    }
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "vkcnn %s: cannot read folder %s: %s\n", c->command, dir, strerror(errno));
        return 1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **grown = realloc(names, cap * sizeof *grown);
            if (!grown) {
                rc = 1;
                break;
            }
            names = grown;
        }
        if (!(names[n] = strdup(e->d_name))) {
            rc = 1;
            break;
        }
        n++;
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n && !rc; i++) {
        char path[4096];
        int w = snprintf(path, sizeof path, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/",
                         names[i]);
        struct stat st;
        if (w < 0 || (size_t)w >= sizeof path || stat(path, &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) {
            rc = walk(c, path, label ? label : names[i], depth + 1);
        } else if (S_ISREG(st.st_mode) &&
                   (has_ext(names[i], image_exts) || has_ext(names[i], npy_exts))) {
            if (c->labels && !label) {
                fprintf(stderr,
                        "vkcnn %s: %s lies directly in the folder given: with "
                        "--labels-from-dirs each file's label is its subfolder's name\n",
                        c->command, path);
                rc = 2;
            } else {
                rc = add_file(c, path, c->labels ? label : NULL);
            }
        }
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

int feat_collect(const char *command, char **args, int nargs, int labels_from_dirs,
                 feat_input **inputs, uint64_t *count, npy_array **arrays, uint32_t *narrays) {
    collector c = {.command = command, .labels = labels_from_dirs};
    int rc = 0;
    for (int i = 0; i < nargs && !rc; i++) {
        struct stat st;
        if (stat(args[i], &st) != 0) {
            fprintf(stderr, "vkcnn %s: %s: %s\n", command, args[i], strerror(errno));
            rc = 1;
        } else if (S_ISDIR(st.st_mode)) {
            uint64_t before = c.count;
            rc = walk(&c, args[i], NULL, 0);
            if (!rc && c.count == before)
                fprintf(stderr, "vkcnn %s: warning: folder %s holds no image or .npy file\n",
                        command, args[i]);
        } else {
            char label[4096] = "";
            if (labels_from_dirs) { /* the name of the folder the file is in */
                char *full = realpath(args[i], NULL);
                char *slash = full ? strrchr(full, '/') : NULL;
                if (slash) *slash = '\0';
                const char *folder = full && strrchr(full, '/') ? strrchr(full, '/') + 1 : "";
                snprintf(label, sizeof label, "%.4000s", folder);
                free(full);
            }
            rc = add_file(&c, args[i], labels_from_dirs ? label : NULL);
        }
    }
    if (!rc && c.count == 0) {
        fprintf(stderr, "vkcnn %s: no input to embed\n", command);
        rc = 2;
    }
    if (rc) {
        feat_inputs_free(c.in, c.count, c.arrays, c.narrays);
        return rc;
    }
    *inputs = c.in;
    *count = c.count;
    *arrays = c.arrays;
    *narrays = c.narrays;
    return 0;
}

void feat_inputs_free(feat_input *inputs, uint64_t count, npy_array *arrays, uint32_t narrays) {
    for (uint64_t i = 0; i < count; i++) {
        free((char *)inputs[i].path);
        free(inputs[i].label);
    }
    free(inputs);
    for (uint32_t i = 0; i < narrays; i++)
        npy_free(&arrays[i]);
    free(arrays);
}

/* ---- preprocessing --------------------------------------------------------- */

int feat_preprocessing(const char *command, const char *model, const feat_pp_flags *f,
                       vkcnn_preprocess *pp) {
    *pp = (vkcnn_preprocess){0};
    char sidecar[4096];
    const char *preset = f->preset;
    struct stat st;
    if (!preset) {
        int w = snprintf(sidecar, sizeof sidecar, "%s.json", model);
        if (w > 0 && (size_t)w < sizeof sidecar && stat(sidecar, &st) == 0 && S_ISREG(st.st_mode))
            preset = sidecar;
    }
    if (preset && vkcnn_preprocess_from_preset(preset, pp) != VKCNN_OK) {
        fprintf(stderr, "vkcnn %s: %s\n", command, vkcnn_last_error());
        return 1;
    }
    if (f->resize) pp->resize = f->resize;
    if (f->crop) pp->crop = f->crop;
    if (f->gray) pp->channel_order = VKCNN_CHANNELS_GRAY;
    int default_norm = pp->std[0] == 0 && pp->std[1] == 0 && pp->std[2] == 0;
    static const float in_mean[3] = {0.485f, 0.456f, 0.406f}, in_std[3] = {0.229f, 0.224f, 0.225f};
    if ((f->has_mean || f->has_std) && default_norm) {
        memcpy(pp->mean, in_mean, sizeof pp->mean);
        memcpy(pp->std, in_std, sizeof pp->std);
    }
    if (f->has_mean) memcpy(pp->mean, f->mean, sizeof pp->mean);
    if (f->has_std) memcpy(pp->std, f->std, sizeof pp->std);
    uint32_t resize = pp->resize ? pp->resize : 256, crop = pp->crop ? pp->crop : 224;
    if ((f->crop || f->resize) && crop > resize) {
        fprintf(stderr,
                "vkcnn %s: crop %u is larger than resize %u: the crop is taken from the "
                "resized image\n",
                command, crop, resize);
        return 2;
    }
    return 0;
}

/* ---- embedding ---------------------------------------------------------------- */

/* The network at the wanted batch; a static-batch model at its own. */
static vkcnn_network *load_network(const feat_embed *e, uint32_t want) {
    vkcnn_network_options lo = {.batch = want};
    vkcnn_network *net = NULL;
    vkcnn_status st = vkcnn_network_load_file(e->model, &lo, &net);
    if (st == VKCNN_ERROR_UNSUPPORTED) {
        lo.batch = 0;
        vkcnn_network *fixed = NULL;
        if (vkcnn_network_load_file(e->model, &lo, &fixed) == VKCNN_OK) return fixed;
    }
    if (!net) fprintf(stderr, "vkcnn %s: %s\n", e->command, vkcnn_last_error());
    return net;
}

static char oom[] = "out of host memory";

/* Input i's error: "path: msg", or msg alone when path is NULL (messages
 * of image loads name the file already). */
static void set_error(feat_result *r, uint64_t i, const char *path, const char *msg) {
    if (r->errors[i]) return;
    size_t n = (path ? strlen(path) + 2 : 0) + strlen(msg) + 1;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s%s%s", path ? path : "", path ? ": " : "", msg);
    r->errors[i] = s ? s : oom;
}

/* Pools (over everything past the channel axis), normalises, stores. */
static void store_feature(const feat_embed *e, feat_result *r, const float *x, uint64_t item,
                          uint64_t per_item) {
    float *dst = r->features + item * r->dim;
    if (r->pool == FEAT_POOL_NONE) {
        memcpy(dst, x, per_item * sizeof *x);
    } else {
        uint64_t spatial = per_item / r->dim;
        for (uint32_t c = 0; c < r->dim; c++) {
            const float *p = x + c * spatial;
            double acc = r->pool == FEAT_POOL_AVG ? 0.0 : -INFINITY;
            for (uint64_t s = 0; s < spatial; s++)
                acc = r->pool == FEAT_POOL_AVG ? acc + p[s] : (p[s] > acc ? p[s] : acc);
            dst[c] = (float)(r->pool == FEAT_POOL_AVG ? acc / (double)spatial : acc);
        }
    }
    if (e->normalize) {
        double n2 = 0;
        for (uint32_t c = 0; c < r->dim; c++)
            n2 += (double)dst[c] * dst[c];
        if (n2 > 0)
            for (uint32_t c = 0; c < r->dim; c++)
                dst[c] = (float)(dst[c] / sqrt(n2));
    }
}

void feat_result_free(feat_result *r, uint64_t count) {
    for (uint64_t i = 0; r->errors && i < count; i++)
        if (r->errors[i] != oom) free(r->errors[i]);
    free(r->errors);
    free(r->features);
    memset(r, 0, sizeof *r);
}

int feat_embed_run(const feat_embed *e, const feat_input *in, uint64_t count, feat_result *out) {
    memset(out, 0, sizeof *out);
    uint32_t want =
        e->batch ? e->batch : (count < DEFAULT_MAX_BATCH ? (uint32_t)count : DEFAULT_MAX_BATCH);
    cli_progress *progress = cli_progress_start(e->command, e->model, e->quiet);
    cli_progress_stage(progress, "parse", e->model);
    vkcnn_network *net = load_network(e, want);
    int rc = 1;
    vkcnn_context *ctx = NULL;
    vkcnn_model *model = NULL;
    float *input = NULL, *feature = NULL;
    uint64_t *slot_item = NULL;
    vkcnn_image **images = NULL;
    if (!net) goto done;
    cli_progress_parsed(progress, net);
    ctx = cli_context(e->command, e->desc);
    if (!ctx) goto done;
    const char *names[1] = {e->layer};
    vkcnn_model_options mo = {
        .precision = e->precision, .extra_outputs = names, .extra_output_count = 1};
    vkcnn_status st = cli_progress_create_model(progress, ctx, net, &mo, &model);
    vkcnn_network_destroy(net);
    net = NULL;
    cli_progress_end(progress);
    progress = NULL;
    if (st != VKCNN_OK) {
        fprintf(stderr, "vkcnn %s: %s\n", e->command, vkcnn_last_error());
        rc = st == VKCNN_ERROR_INVALID_ARGUMENT ? 2 : 1; /* an unknown layer: a usage error */
        goto done;
    }
    uint32_t fo = 0;
    vkcnn_tensor_info fi, ii;
    if (vkcnn_model_find_output(model, e->layer, &fo) != VKCNN_OK ||
        vkcnn_model_output(model, fo, &fi) != VKCNN_OK ||
        vkcnn_model_input(model, 0, &ii) != VKCNN_OK || ii.rank < 1 || fi.rank < 1 ||
        fi.shape[0] != ii.shape[0] || ii.shape[0] < 1) {
        fprintf(stderr,
                "vkcnn %s: %s: expected an input and layer '%s' with a leading batch "
                "dimension\n",
                e->command, e->model, e->layer);
        goto done;
    }
    uint32_t batch = (uint32_t)ii.shape[0];
    uint64_t per_item = 1, in_item = 1;
    for (uint32_t d = 1; d < fi.rank; d++)
        per_item *= (uint64_t)fi.shape[d];
    for (uint32_t d = 1; d < ii.rank; d++)
        in_item *= (uint64_t)ii.shape[d];
    out->layer_rank = fi.rank;
    out->layer_shape[0] = 1;
    for (uint32_t d = 1; d < fi.rank && d < 8; d++)
        out->layer_shape[d] = fi.shape[d];
    feat_pool pool = e->pool;
    if (pool == FEAT_POOL_AUTO) pool = fi.rank >= 3 ? FEAT_POOL_AVG : FEAT_POOL_NONE;
    if (pool != FEAT_POOL_NONE && fi.rank < 3) {
        fprintf(stderr,
                "vkcnn %s: --pool %s: layer '%s' has no spatial dimensions to pool (its "
                "shape is [N, %lld])\n",
                e->command, feat_pool_name(pool), e->layer,
                fi.rank > 1 ? (long long)fi.shape[1] : 1LL);
        rc = 2;
        goto done;
    }
    out->pool = pool;
    uint64_t dim = pool == FEAT_POOL_NONE ? per_item : (uint64_t)fi.shape[1];
    if (dim == 0 || dim > (1u << 30) || per_item == 0) {
        fprintf(stderr, "vkcnn %s: layer '%s' gives %llu values per input\n", e->command, e->layer,
                (unsigned long long)dim);
        goto done;
    }
    out->dim = (uint32_t)dim;
    out->features = calloc(count * dim, sizeof *out->features);
    out->errors = calloc(count, sizeof *out->errors);
    input = calloc(batch * in_item, sizeof *input);
    feature = malloc(batch * per_item * sizeof *feature);
    slot_item = calloc(batch, sizeof *slot_item);
    images = calloc(batch, sizeof *images);
    if (!out->features || !out->errors || !input || !feature || !slot_item || !images) {
        fprintf(stderr, "vkcnn %s: out of host memory\n", e->command);
        goto done;
    }
    /* batches of consecutive inputs of one kind (images on the device,
     * .npy rows from the host) */
    for (uint64_t first = 0; first < count;) {
        int npy = in[first].row != NULL;
        uint32_t n = 0;
        while (n < batch && first + n < count && (in[first + n].row != NULL) == npy)
            n++;
        uint32_t used = 0;
        if (npy) {
            memset(input, 0, batch * in_item * sizeof *input);
            for (uint32_t j = 0; j < n; j++) {
                const feat_input *it = &in[first + j];
                if (it->row_values != in_item) {
                    char msg[256];
                    snprintf(msg, sizeof msg,
                             "row %llu has %llu values; the model takes %llu per input",
                             (unsigned long long)it->row_index, (unsigned long long)it->row_values,
                             (unsigned long long)in_item);
                    set_error(out, first + j, it->path, msg);
                    continue;
                }
                memcpy(input + used * in_item, it->row, in_item * sizeof *input);
                slot_item[used++] = first + j;
            }
            if (used && vkcnn_model_set_input(model, 0, input, batch * in_item) != VKCNN_OK) {
                fprintf(stderr, "vkcnn %s: %s\n", e->command, vkcnn_model_error(model));
                goto done;
            }
        } else {
            for (uint32_t j = 0; j < n; j++) {
                if (vkcnn_image_load_file(in[first + j].path, NULL, &images[used]) != VKCNN_OK) {
                    set_error(out, first + j, NULL, vkcnn_last_error());
                    continue;
                }
                slot_item[used++] = first + j;
            }
            if (used &&
                vkcnn_model_set_input_images(model, 0, 0, (const vkcnn_image *const *)images, used,
                                             e->pp) != VKCNN_OK) {
                uint32_t ok = 0; /* find which ones the device refuses, one at a time */
                for (uint32_t t = 0; t < used; t++) {
                    if (vkcnn_model_set_input_image(model, 0, ok, images[t], e->pp) == VKCNN_OK) {
                        images[ok] = images[t];
                        slot_item[ok++] = slot_item[t];
                    } else {
                        set_error(out, slot_item[t], in[slot_item[t]].path,
                                  vkcnn_model_error(model));
                        vkcnn_image_destroy(images[t]);
                    }
                }
                used = ok;
            }
            for (uint32_t t = 0; t < used; t++) {
                vkcnn_image_destroy(images[t]);
                images[t] = NULL;
            }
        }
        if (used && (vkcnn_model_run(model) != VKCNN_OK ||
                     vkcnn_model_get_output(model, fo, feature, batch * per_item) != VKCNN_OK)) {
            fprintf(stderr, "vkcnn %s: %s\n", e->command, vkcnn_model_error(model));
            goto done;
        }
        for (uint32_t j = 0; j < used; j++)
            store_feature(e, out, feature + j * per_item, slot_item[j], per_item);
        for (uint32_t j = 0; j < n && !e->keep_going; j++)
            if (out->errors[first + j]) {
                const char *msg = out->errors[first + j];
                fprintf(stderr, "vkcnn %s: %s\n", e->command, msg);
                goto done;
            }
        first += n;
    }
    rc = 0;
done:
    cli_progress_end(progress);
    vkcnn_network_destroy(net);
    vkcnn_model_destroy(model);
    vkcnn_context_destroy(ctx);
    free(input);
    free(feature);
    free(slot_item);
    free(images);
    if (rc) feat_result_free(out, count);
    return rc;
}
