/* libFuzzer target over image decoding (CPU only): any byte string must
 * decode or fail with a status and a message, without a crash, leak or
 * undefined behaviour. It drives vkcnn_image_load_memory (format sniffing,
 * header limits, truncation check, stb_image, EXIF orientation) under
 * lowered limits so memory stays bounded per input, then applies every
 * EXIF orientation to the decoded pixels. Linked with tests/fuzz/replay.c
 * instead of libFuzzer, it replays the corpus and regression inputs (ctest
 * fuzz.replay.image). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "vkcnn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The decoded image is what the loader claims: width x height RGBA. */
static void check_image(const vkcnn_image *img, const vkcnn_image_options *o) {
    if (!img || !img->rgba || !img->width || !img->height) __builtin_trap();
    if (img->width > o->max_side || img->height > o->max_side) __builtin_trap();
    if ((uint64_t)img->width * img->height > o->max_pixels) __builtin_trap();
    /* touch the first and last pixel so ASan sees a short buffer */
    size_t last = ((size_t)img->width * img->height - 1) * 4;
    volatile uint8_t sink = (uint8_t)(img->rgba[0] ^ img->rgba[last + 3]);
    (void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    vkcnn_image_options o;
    memset(&o, 0, sizeof o);
    o.max_side = 2048;
    o.max_pixels = 1u << 20;
    o.max_file_bytes = 1u << 20;
    vkcnn_image *img = NULL;
    vkcnn_status st = vkcnn_image_load_memory(data, size, "fuzz", &o, &img);
    if (st != VKCNN_OK) {
        /* a failure always says why and leaves nothing behind */
        if (img || !vkcnn_last_error()[0]) __builtin_trap();
    } else {
        check_image(img, &o);
    }
    /* the EXIF reader alone, on any data (it sees non-JPEGs only here) */
    int orientation = vkc_jpeg_orientation(data, size);
    if (orientation < 1 || orientation > 8) __builtin_trap();
    if (img && (uint64_t)img->width * img->height <= 4096) {
        for (int k = 2; k <= 8; k++) {
            uint32_t w = img->width, h = img->height;
            uint8_t *t = vkc_image_orient(img->rgba, &w, &h, k);
            if (!t) __builtin_trap();
            if ((uint64_t)w * h != (uint64_t)img->width * img->height) __builtin_trap();
            free(t);
        }
    }
    vkcnn_image_destroy(img);
    return 0;
}
