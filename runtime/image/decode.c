/* vkcnn_image_load_*: JPEG/PNG/BMP through stb_image. Dimensions are read
 * from the header and checked against the limits before anything is
 * decoded, so a hostile header cannot cause a large allocation. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* Big-endian 16-bit value at d[i] (i + 1 < n checked by the caller). */
static size_t be16(const uint8_t *d, size_t i) {
    return (size_t)d[i] << 8 | d[i + 1];
}

/* Checks the JPEG's marker structure before stb_image decodes it.
 * Every Huffman table in the JPEG's DHT segments must declare at most
 * 256 codes. stb_image 2.27 (Debian 12's) sums the 16 code counts without a
 * bound and writes that many entries into 256- and 257-entry arrays: a
 * crafted table overflows the decoder's state (fixed upstream in 2.28). The
 * walk follows the marker structure as stb_image does: segments are
 * skipped by their length, and after a start-of-scan the entropy-coded data
 * runs to the first 0xFF that is neither a stuffed 0xFF00, a restart marker
 * nor fill; before the frame header, bytes between segments are skipped as
 * stb_image skips them. A walk that reaches something stb_image refuses
 * anyway stops there and accepts: the decoder fails at the same place. */
/*
 * The same walk also counts the scans (SOS segments): each scan makes the
 * decoder pass over the whole image again, so a few kilobytes of scan
 * headers cost seconds of CPU (a fuzzer find: a 4 KB baseline JPEG of 26
 * scans). A baseline or extended frame has at most one scan per component
 * (4), a progressive one is refused past MAX_PROGRESSIVE_SCANS (camera and
 * encoder output uses about 10). */
#define MAX_PROGRESSIVE_SCANS 64

typedef enum jpeg_verdict { JPEG_OK, JPEG_BAD_HUFFMAN, JPEG_TOO_MANY_SCANS } jpeg_verdict;

static jpeg_verdict jpeg_walk(const uint8_t *d, size_t n) {
    size_t i = 2; /* after SOI */
    bool frame = false, progressive = false;
    unsigned scans = 0;
    while (i < n) {
        if (d[i] != 0xFF) {
            if (frame) return JPEG_OK; /* stb_image: "expected marker" */
            i++;                       /* before the frame header stb_image skips padding */
            continue;
        }
        while (i < n && d[i] == 0xFF)
            i++;
        if (i >= n) return JPEG_OK;
        uint8_t m = d[i++];
        if (m >= 0xC0 && m <= 0xC2) frame = true; /* SOF0..2 */
        if (m == 0xC2) progressive = true;
        if (m == 0xD9) return JPEG_OK;                          /* EOI */
        if (m == 0x00 || m == 0x01 || (m >= 0xD0 && m <= 0xD8)) /* no length */
            return JPEG_OK;
        if (i + 2 > n) return JPEG_OK;
        size_t len = be16(d, i);
        if (len < 2) return JPEG_OK;
        size_t end = i + len;
        if (m == 0xC4) {
            size_t t = i + 2;
            while (t < end && t < n) {
                size_t codes = 0;
                for (size_t k = 1; k <= 16 && t + k < n; k++)
                    codes += d[t + k];
                if (codes > 256) return JPEG_BAD_HUFFMAN;
                t += 17 + codes;
            }
        }
        i = end;
        if (m == 0xDA) { /* SOS: skip the entropy-coded data */
            if (++scans > (progressive ? MAX_PROGRESSIVE_SCANS : 4u)) return JPEG_TOO_MANY_SCANS;
            while (i + 1 < n) {
                if (d[i] != 0xFF) {
                    i++;
                    continue;
                }
                size_t j = i + 1;
                while (j < n && d[j] == 0xFF)
                    j++;
                if (j >= n) return JPEG_OK;
                if (d[j] == 0x00 || (d[j] >= 0xD0 && d[j] <= 0xD7)) {
                    i = j + 1;
                    continue;
                }
                i = j - 1; /* the marker's 0xFF */
                break;
            }
        }
    }
    return JPEG_OK;
}

/* Whether every chunk of the PNG up to IEND lies inside the data. stb_image
 * grows its compressed-data buffer to a chunk's declared length before it
 * reads the chunk, so a truncated or lying length would cost an allocation
 * of up to 4 GiB (a fuzzer find). */
static bool png_chunks_ok(const uint8_t *d, size_t n, uint64_t *len) {
    size_t i = 8; /* after the signature */
    char type[5];
    while (i < n) {
        if (n - i < 12) return true; /* stb_image reports the missing data */
        *len = (uint64_t)d[i] << 24 | (uint64_t)d[i + 1] << 16 | (uint64_t)d[i + 2] << 8 | d[i + 3];
        memcpy(type, d + i + 4, 4);
        type[4] = '\0';
        if (*len > n - i - 12) return false;
        if (memcmp(type, "IEND", 4) == 0) return true;
        i += 12 + (size_t)*len;
    }
    return true;
}

/* Defined in stb_impl.c: a per-thread bound on stb_image's allocations. */
void vkc_stbi_set_alloc_cap(size_t cap);
bool vkc_stbi_alloc_cap_hit(void);

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
    jpeg_verdict jv = is_jpeg(d, size) ? jpeg_walk(d, size) : JPEG_OK;
    if (jv == JPEG_BAD_HUFFMAN)
        return vkc_fail(VKCNN_ERROR_IO, "%s: corrupt JPEG (Huffman table of more than 256 codes)",
                        nm);
    if (jv == JPEG_TOO_MANY_SCANS)
        return vkc_fail(VKCNN_ERROR_LIMIT,
                        "%s: JPEG with too many scans (at most 4 baseline, %d progressive)", nm,
                        MAX_PROGRESSIVE_SCANS);
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
    if (fmt[0] == 'P') {
        uint64_t len = 0;
        if (!png_chunks_ok(d, size, &len))
            return vkc_fail(VKCNN_ERROR_IO,
                            "%s: truncated or corrupt PNG (chunk of %llu bytes past the end)", nm,
                            (unsigned long long)len);
    }
    /* The most any decoder buffer needs: 16 bytes per pixel (JPEG component
     * planes and progressive coefficients, 16-bit RGBA PNG rows), padded by
     * a JPEG MCU on each side, plus twice the input (PNG's compressed data
     * grows by doubling) and a fixed slack. */
    size_t cap = (size_t)16 * ((size_t)w + 64) * ((size_t)h + 64) + 2 * size + (1u << 20);
    int dw = 0, dh = 0;
    vkc_stbi_set_alloc_cap(cap);
    uint8_t *px = vkc_stbi_load_rgba(d, (int)size, &dw, &dh);
    bool capped = vkc_stbi_alloc_cap_hit();
    vkc_stbi_set_alloc_cap(0);
    if (!px) {
        const char *why = vkc_stbi_failure_reason();
        if (capped)
            return vkc_fail(VKCNN_ERROR_LIMIT,
                            "%s: corrupt %s: decoding needs more than %zu bytes for a %dx%d image",
                            nm, fmt, cap, w, h);
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
    /* O_NONBLOCK: opening a FIFO must not wait for a writer; anything but a
     * regular file is refused before a byte is read. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return vkc_fail(VKCNN_ERROR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > LONG_MAX) {
        close(fd);
        return vkc_fail(VKCNN_ERROR_IO, "%s: not a regular file", path);
    }
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        close(fd);
        return vkc_fail(VKCNN_ERROR_IO, "%s: cannot open: %s", path, strerror(errno));
    }
    long len = (long)sb.st_size;
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
