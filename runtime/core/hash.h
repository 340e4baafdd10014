/* FNV-1a, 64-bit: names cache files and checks their payloads for accidental
 * corruption. Not a defence against a deliberate forger (see SECURITY in the
 * README): cache entries also store their full key, compared byte for byte. */
#ifndef VKC_CORE_HASH_H
#define VKC_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

#define VKC_FNV_OFFSET 0xcbf29ce484222325ull

static inline uint64_t vkc_fnv1a(uint64_t h, const void *data, size_t size) {
    const unsigned char *p = data;
    for (size_t i = 0; i < size; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* Writes the n bytes as 2n lowercase hex digits plus a NUL into out
 * (2n + 1 bytes): UUIDs in cache keys. */
static inline void vkc_hex(char *out, const uint8_t *bytes, size_t n) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * n] = '\0';
}

#endif
