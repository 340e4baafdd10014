/* SHA-256 (FIPS 180-4) of a file, for the model hash that feature sidecars
 * record (vkcnn embed) and classify --knn checks. */
#ifndef VKCNN_TOOLS_SHA256_H
#define VKCNN_TOOLS_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct sha256_ctx {
    uint32_t h[8];
    uint64_t bytes;
    uint8_t block[64];
    size_t used;
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t size);
/* The digest as 64 lowercase hex digits and a NUL. */
void sha256_hex(sha256_ctx *c, char out[65]);

/* The file's digest in hex; -1 (errno set) when it cannot be read. */
int sha256_file(const char *path, char out[65]);

#endif
