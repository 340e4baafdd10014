/* vkcnn_image_load_*: JPEG/PNG/BMP through stb_image. Dimensions are read
 * from the header and checked against the limits before anything is
 * decoded, so a hostile header cannot cause a large allocation. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/error.h"
#include "image/image.h"
#include "image/stb.h"

#define DEFAULT_MAX_SIDE 16384u
#define DEFAULT_MAX_PIXELS (64ull << 20)
#define DEFAULT_MAX_FILE (256ull << 20)
/* Bytes after a JPEG's end-of-image marker that are tolerated (some cameras
 * and editors append data); a JPEG without the marker in this tail is
 * treated as truncated, which stb_image would otherwise decode as grey. */
#define JPEG_TAIL_SLACK 4096u

static bool is_jpeg(const uint8_t *d, size_t n) {
    return n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF;
}

static bool jpeg_has_eoi(const uint8_t *d, size_t n) {
    size_t stop = n > JPEG_TAIL_SLACK + 2 ? n - JPEG_TAIL_SLACK - 2 : 0;
    for (size_t i = n - 1; i > stop; i--)
        if (d[i] == 0xD9 && d[i - 1] == 0xFF) return true;
    return false;
}

static const char *format_name(const uint8_t *d, size_t n) {
    if (is_jpeg(d, n)) return "JPEG";
    if (n >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0) return "PNG";
    if (n >= 2 && d[0] == 'B' && d[1] == 'M') return "BMP";
    return NULL;
}

vkcnn_status vkcnn_image_load_memory(const void *data, size_t size, const char *name,
                                     const vkcnn_image_options *options, vkcnn_image **out) {
    vkc_error_clear();
    if (!out) return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_image_load_memory: out is NULL");
    *out = NULL;
    const char *nm = name ? name : "image";
    if (!data && size) return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "%s: data is NULL", nm);
    vkcnn_image_options o = options ? *options : (vkcnn_image_options){0};
    uint64_t max_side = o.max_side ? o.max_side : DEFAULT_MAX_SIDE;
    uint64_t max_pixels = o.max_pixels ? o.max_pixels : DEFAULT_MAX_PIXELS;
    const uint8_t *d = data;
    const char *fmt = format_name(d, size);
    if (!fmt) return vkc_fail(VKCNN_ERROR_IO, "%s: not an image (not JPEG, PNG or BMP)", nm);
    if (size > INT_MAX)
        return vkc_fail(VKCNN_ERROR_LIMIT, "%s: %zu bytes is too large to decode", nm, size);
    int w = 0, h = 0, comp = 0;
    if (!vkc_stbi_info(d, (int)size, &w, &h, &comp) || w <= 0 || h <= 0)
        return vkc_fail(VKCNN_ERROR_IO, "%s: corrupt or truncated %s header (%s)", nm, fmt,
                        vkc_stbi_failure_reason() ? vkc_stbi_failure_reason() : "unreadable");
    uint64_t pixels = (uint64_t)w * (uint64_t)h;
    if ((uint64_t)w > max_side || (uint64_t)h > max_side || pixels > max_pixels)
        return vkc_fail(VKCNN_ERROR_LIMIT,
                        "%s: %dx%d %s image is too large (limits: %llu pixels per side, %llu "
                        "pixels)",
                        nm, w, h, fmt, (unsigned long long)max_side,
                        (unsigned long long)max_pixels);
    if (is_jpeg(d, size) && !jpeg_has_eoi(d, size))
        return vkc_fail(VKCNN_ERROR_IO, "%s: truncated JPEG (no end-of-image marker)", nm);
    int dw = 0, dh = 0;
    uint8_t *px = vkc_stbi_load_rgba(d, (int)size, &dw, &dh);
    if (!px) {
        const char *why = vkc_stbi_failure_reason();
        if (why && strcmp(why, "outofmem") == 0)
            return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "%s: out of host memory decoding", nm);
        return vkc_fail(VKCNN_ERROR_IO, "%s: corrupt or truncated %s data (%s)", nm, fmt,
                        why ? why : "unknown");
    }
    if (dw != w || dh != h) { /* cannot happen with stb; recover anyway */
        free(px);
        return vkc_fail(VKCNN_ERROR_IO, "%s: inconsistent %s dimensions", nm, fmt);
    }
    uint32_t uw = (uint32_t)w, uh = (uint32_t)h;
    int orientation = is_jpeg(d, size) ? vkc_jpeg_orientation(d, size) : 1;
    if (orientation != 1) {
        uint8_t *turned = vkc_image_orient(px, &uw, &uh, orientation);
        free(px);
        if (!turned) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "%s: out of host memory", nm);
        px = turned;
    }
    vkcnn_image *img = malloc(sizeof *img);
    if (!img) {
        free(px);
        return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "%s: out of host memory", nm);
    }
    *img = (vkcnn_image){.width = uw, .height = uh, .rgba = px};
    *out = img;
    return VKCNN_OK;
}

vkcnn_status vkcnn_image_load_file(const char *path, const vkcnn_image_options *options,
                                   vkcnn_image **out) {
    vkc_error_clear();
    if (!out) return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_image_load_file: out is NULL");
    *out = NULL;
    if (!path) return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_image_load_file: path is NULL");
    uint64_t max_file =
        options && options->max_file_bytes ? options->max_file_bytes : DEFAULT_MAX_FILE;
    FILE *f = fopen(path, "rb");
    if (!f) return vkc_fail(VKCNN_ERROR_IO, "%s: cannot open: %s", path, strerror(errno));
    long len = -1;
    if (fseek(f, 0, SEEK_END) == 0) len = ftell(f);
    if (len < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return vkc_fail(VKCNN_ERROR_IO, "%s: cannot read (not a regular file?)", path);
    }
    if ((uint64_t)len > max_file) {
        fclose(f);
        return vkc_fail(VKCNN_ERROR_LIMIT, "%s: file of %ld bytes is over the %llu-byte limit",
                        path, len, (unsigned long long)max_file);
    }
    uint8_t *buf = malloc(len ? (size_t)len : 1);
    if (!buf) {
        fclose(f);
        return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "%s: out of host memory", path);
    }
    size_t got = fread(buf, 1, (size_t)len, f);
    int err = ferror(f);
    fclose(f);
    if (err || got != (size_t)len) {
        free(buf);
        return vkc_fail(VKCNN_ERROR_IO, "%s: read error", path);
    }
    vkcnn_status st = vkcnn_image_load_memory(buf, got, path, options, out);
    free(buf);
    return st;
}

void vkcnn_image_destroy(vkcnn_image *image) {
    if (!image) return;
    free(image->rgba);
    free(image);
}
