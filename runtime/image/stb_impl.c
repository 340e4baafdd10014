/* The one translation unit that compiles stb_image: only the decoders vkcnn
 * accepts, no stdio (files are read by decode.c with a size limit first). */
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#define STBI_ONLY_JPEG
#define STBI_ONLY_PNG
#define STBI_ONLY_BMP
#define STBI_NO_STDIO
#define STBI_NO_LINEAR
#define STBI_NO_HDR
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
/* decode.c hands stb's pixel buffer to the caller, who frees it with free().
 *
 * Every allocation is bounded by a per-thread cap that decode.c sets from
 * the header's dimensions and the input's size before decoding: stb_image
 * sizes buffers from fields it has not checked against the data (a PNG
 * IDAT chunk's declared length, a zlib stream's output), so a few hundred
 * bytes could otherwise ask for gigabytes (a fuzzer find). Over the cap,
 * the allocation fails, stb_image reports "outofmem" and decode.c a limit.
 *
 * Zeroed: stb_image 2.27 leaves its JPEG decoder state uninitialised, and a
 * scan that names a Huffman table no DHT segment defined then decodes with
 * garbage tables and indexes past them (a fuzzer find; 2.28 range-checks
 * the symbol). A zeroed table decodes every code as symbol 0 instead. */
static _Thread_local size_t alloc_cap; /* 0: no cap */
static _Thread_local bool alloc_cap_hit;

static void *capped_malloc(size_t n) {
    if (alloc_cap && n > alloc_cap) {
        alloc_cap_hit = true;
        return NULL;
    }
    return calloc(1, n);
}

static void *capped_realloc(void *p, size_t n) {
    if (alloc_cap && n > alloc_cap) {
        alloc_cap_hit = true;
        return NULL;
    }
    return realloc(p, n);
}

/* Declared in decode.c, its only user. */
void vkc_stbi_set_alloc_cap(size_t cap);
bool vkc_stbi_alloc_cap_hit(void);

void vkc_stbi_set_alloc_cap(size_t cap) {
    alloc_cap = cap;
    alloc_cap_hit = false;
}

bool vkc_stbi_alloc_cap_hit(void) {
    return alloc_cap_hit;
}

#define STBI_MALLOC(n) capped_malloc(n)
#define STBI_REALLOC(p, n) capped_realloc(p, n)
#define STBI_FREE(p) free(p)
/* stb_image 2.27 forms NULL + 0 and calls memcpy(NULL, p, 0) when an empty
 * first PNG IDAT chunk is appended to a not yet allocated buffer: undefined
 * in C, harmless in practice, and UBSan aborts on both. memcpy is routed
 * through a wrapper that skips empty copies, and clang's pointer-overflow
 * check is turned off for stb_image's functions only (GCC does not flag
 * NULL + 0); AddressSanitizer still checks every access. */
#include <string.h>
static inline void *memcpy_nonempty(void *dst, const void *src, size_t n) {
    return n ? memcpy(dst, src, n) : dst;
}
#define memcpy(d, s, n) memcpy_nonempty(d, s, n)
#if defined(__clang__)
#pragma clang attribute push(__attribute__((no_sanitize("pointer-overflow"))), apply_to = function)
#endif
#include "image/stb.h"
#if defined(__clang__)
#pragma clang attribute pop
#endif
