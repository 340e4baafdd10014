/* On-disk cache of compiled artefacts (SPIR-V, pipeline cache data).
 *
 * Entries are untrusted input: each file holds a header (magic, format
 * version, sizes), the full key and the payload with its checksum. A file whose
 * header, key, size cap or checksum does not match is a miss and is removed.
 * Files are written to a temporary name and renamed into place, so readers in
 * other processes see either the old entry or the new one, never a torn one. */
#ifndef VKC_VK_CACHE_H
#define VKC_VK_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "vkcnn.h"

#define VKC_CACHE_PATH_MAX 4096

typedef struct vkc_disk_cache {
    bool enabled;
    char dir[VKC_CACHE_PATH_MAX];
} vkc_disk_cache;

/* Resolves the directory (explicit, VKCNN_CACHE_DIR, $XDG_CACHE_HOME/vkcnn,
 * $HOME/.cache/vkcnn) and creates it. A directory that cannot be created
 * disables the cache (reported in *why, never an error). */
void vkc_cache_init(vkc_disk_cache *cache, const char *dir, vkcnn_toggle toggle, char *why,
                    size_t why_size);

/* Looks up `key` in namespace `kind` ("spv", "pipeline"). On a hit returns
 * true with a malloc'd payload in *data (caller frees). Payloads above
 * max_size are refused. */
bool vkc_cache_load(const vkc_disk_cache *cache, const char *kind, const void *key, size_t key_size,
                    size_t max_size, void **data, size_t *size);

/* Stores an entry (best effort: failure to write leaves no partial file and
 * is reported through the return value only). */
bool vkc_cache_store(const vkc_disk_cache *cache, const char *kind, const void *key,
                     size_t key_size, const void *data, size_t size);

/* Whether the cache holds any file of namespace `kind` (valid or not: a
 * hint, e.g. that this host has compiled kernels before). */
bool vkc_cache_has_entries(const vkc_disk_cache *cache, const char *kind);

/* Path of the entry file for (kind, key), for tests that corrupt entries. */
void vkc_cache_entry_path(const vkc_disk_cache *cache, const char *kind, const void *key,
                          size_t key_size, char *path, size_t path_size);

#endif
