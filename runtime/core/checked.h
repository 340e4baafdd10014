/* Overflow-checked size arithmetic and allocation. Every size computed from
 * file data or device limits goes through these, so an absurd value becomes an
 * error instead of a wrapped, too-small allocation. */
#ifndef VKC_CORE_CHECKED_H
#define VKC_CORE_CHECKED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* *out = a * b; false on overflow. */
static inline bool vkc_mul_u64(uint64_t a, uint64_t b, uint64_t *out) {
    return !__builtin_mul_overflow(a, b, out);
}
static inline bool vkc_add_u64(uint64_t a, uint64_t b, uint64_t *out) {
    return !__builtin_add_overflow(a, b, out);
}
static inline bool vkc_mul_size(size_t a, size_t b, size_t *out) {
    return !__builtin_mul_overflow(a, b, out);
}

/* Rounds v up to a multiple of align (a power of two or any non-zero value);
 * false on overflow. */
static inline bool vkc_align_up_u64(uint64_t v, uint64_t align, uint64_t *out) {
    uint64_t r = v % align;
    if (r == 0) {
        *out = v;
        return true;
    }
    return vkc_add_u64(v, align - r, out);
}

/* calloc(n, size) with the product checked; NULL on overflow or failure. */
static inline void *vkc_calloc(size_t n, size_t size) {
    size_t total;
    if (!vkc_mul_size(n, size, &total)) return NULL;
    return calloc(total ? n : 1, total ? size : 1);
}

/* realloc of n elements of `size` bytes, checked. On failure the old block is
 * untouched and NULL is returned. */
static inline void *vkc_realloc_array(void *p, size_t n, size_t size) {
    size_t total;
    if (!vkc_mul_size(n, size, &total)) return NULL;
    return realloc(p, total ? total : 1);
}

#endif
