/* vkcnn_preprocess_from_preset: the preset sidecar (models/README.md,
 * "Preset sidecar") read with cJSON. Only the preprocessing keys are used. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/error.h"
#include "vkcnn.h"

#define MAX_PRESET_BYTES (1u << 20)

/* True for a relative path with no ".." component. */
static bool inside_folder(const char *p) {
    if (p[0] == '/') return false;
    for (const char *c = p; *c;) {
        const char *end = strchr(c, '/');
        size_t n = end ? (size_t)(end - c) : strlen(c);
        if (n == 2 && c[0] == '.' && c[1] == '.') return false;
        c += n + (end ? 1 : 0);
    }
    return true;
}

static const float imagenet_mean[3] = {0.485f, 0.456f, 0.406f};
static const float imagenet_std[3] = {0.229f, 0.224f, 0.225f};

static char *read_small_file(const char *path, vkcnn_status *st) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        *st = vkc_fail(VKCNN_ERROR_IO, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(MAX_PRESET_BYTES + 1);
    size_t n = buf ? fread(buf, 1, MAX_PRESET_BYTES + 1, f) : 0;
    int err = ferror(f);
    fclose(f);
    if (!buf) {
        *st = vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "%s: out of host memory", path);
        return NULL;
    }
    if (err || n > MAX_PRESET_BYTES) {
        free(buf);
        *st = vkc_fail(err ? VKCNN_ERROR_IO : VKCNN_ERROR_LIMIT, "%s: %s", path,
                       err ? "read error" : "preset file over 1 MiB");
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

/* A non-negative integer no larger than `max`. */
static bool get_uint(const cJSON *v, double max, uint32_t *out) {
    if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > max ||
        v->valuedouble != floor(v->valuedouble))
        return false;
    *out = (uint32_t)v->valuedouble;
    return true;
}

/* A number that is finite as a float (a double beyond FLT_MAX would turn
 * into infinity). */
static bool finite_float(const cJSON *v) {
    return cJSON_IsNumber(v) && isfinite(v->valuedouble) && fabs(v->valuedouble) <= FLT_MAX;
}

/* An array of 1 or 3 finite numbers (1 is broadcast); positive when `pos`. */
static bool get_triple(const cJSON *v, bool pos, float out[3]) {
    int n = cJSON_GetArraySize(v);
    if (!cJSON_IsArray(v) || (n != 1 && n != 3)) return false;
    for (int i = 0; i < 3; i++) {
        const cJSON *e = cJSON_GetArrayItem(v, n == 1 ? 0 : i);
        if (!finite_float(e) || (pos && !((float)e->valuedouble > 0))) return false;
        out[i] = (float)e->valuedouble;
    }
    return true;
}

static vkcnn_status parse(const char *path, const cJSON *root, vkcnn_preprocess *pp) {
#define BAD(key) vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "%s: invalid value of \"%s\"", path, key)
    if (!cJSON_IsObject(root))
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "%s: not a JSON object", path);
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
    if (fmt && (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, "vkcnn-preset") != 0))
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "%s: \"format\" is not \"vkcnn-preset\"",
                        path);
    const cJSON *v;
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "resize")) && !get_uint(v, 16384, &pp->resize))
        return BAD("resize");
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "crop")) && !get_uint(v, 16384, &pp->crop))
        return BAD("crop");
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "channel_order"))) {
        const char *s = cJSON_IsString(v) ? v->valuestring : "";
        if (strcmp(s, "RGB") == 0)
            pp->channel_order = VKCNN_CHANNELS_RGB;
        else if (strcmp(s, "BGR") == 0)
            pp->channel_order = VKCNN_CHANNELS_BGR;
        else if (strcmp(s, "GRAY") == 0)
            pp->channel_order = VKCNN_CHANNELS_GRAY;
        else
            return BAD("channel_order");
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "pixel_scale"))) {
        if (!finite_float(v) || !((float)v->valuedouble > 0)) return BAD("pixel_scale");
        pp->pixel_scale = (float)v->valuedouble;
    }
    bool has_mean = false, has_std = false;
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "mean"))) {
        if (!get_triple(v, false, pp->mean)) return BAD("mean");
        has_mean = true;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "std"))) {
        if (!get_triple(v, true, pp->std)) return BAD("std");
        has_std = true;
    }
    /* all-zero std selects both ImageNet defaults; a preset giving one of
     * the pair gets the other filled explicitly */
    if (has_mean && !has_std) memcpy(pp->std, imagenet_std, sizeof pp->std);
    if (has_std && !has_mean) memcpy(pp->mean, imagenet_mean, sizeof pp->mean);
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "pad"))) {
        if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != 4) return BAD("pad");
        for (int i = 0; i < 4; i++)
            if (!get_uint(cJSON_GetArrayItem(v, i), 4096, &pp->pad[i])) return BAD("pad");
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "pad_value"))) {
        if (!finite_float(v)) return BAD("pad_value");
        pp->pad_value = (float)v->valuedouble;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "labels"))) {
        /* a file beside the preset, or below its folder: never an absolute
         * path or one that climbs out (a hostile preset must not make
         * `vkcnn classify` print lines of another file as class names) */
        if (!cJSON_IsString(v) || !v->valuestring[0] || !inside_folder(v->valuestring))
            return BAD("labels");
        const char *slash = strrchr(path, '/');
        int dir = !slash ? 0 : (int)(slash - path + 1);
        int w = snprintf(pp->labels, sizeof pp->labels, "%.*s%s", dir, path, v->valuestring);
        if (w < 0 || (size_t)w >= sizeof pp->labels) return BAD("labels");
    }
    return VKCNN_OK;
#undef BAD
}

vkcnn_status vkcnn_preprocess_from_preset(const char *path, vkcnn_preprocess *pp) {
    vkc_error_clear();
    if (!path || !pp)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                        "vkcnn_preprocess_from_preset: NULL argument");
    vkcnn_status st = VKCNN_OK;
    char *text = read_small_file(path, &st);
    if (!text) return st;
    cJSON *root = cJSON_Parse(text);
    free(text);
    if (!root) return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "%s: malformed JSON", path);
    vkcnn_preprocess p = {0};
    st = parse(path, root, &p);
    cJSON_Delete(root);
    if (!st) *pp = p;
    return st;
}
