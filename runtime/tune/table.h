/* Tuned kernel choices: what `vkcnn tune` measured to be faster than the
 * default rule, per device, in the cache directory.
 *
 * One cache entry per device (vk/cache.h, kind "tune"), keyed by the vkcnn
 * version, the device name, UUID, driver version and SIMD width. Its
 * payload is text, one line per tuned layer shape:
 *     vkcnn-tune 1
 *     FAMILY<TAB>PRECISION<TAB>BATCH<TAB>SHAPE<TAB>VARIANT<TAB>DEFAULT<TAB>SPEEDUP
 * e.g. "conv	fp32	1	conv x1x64x56x56 w64x64x3x3 g1 s1x1 d1x1 p1,1,1,1
 * igemm/16x8/rows/texel/sg	wino4/16x32/texel	1.083". The entry is
 * untrusted input like every cache file: a header, key or checksum that
 * does not match, or any line that does not parse, and the whole file is
 * deleted (the next `vkcnn tune` rebuilds it; models use the default rule
 * meanwhile); a variant that is not among the node's candidates when a
 * model loads is ignored for that node (exec_choose.c). */
#ifndef VKC_TUNE_TABLE_H
#define VKC_TUNE_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "codegen/variant.h"
#include "vk/cache.h"

#define VKC_TUNE_KEY_MAX 256
#define VKC_TUNE_MAX_ENTRIES 65536
#define VKC_TUNE_MAX_BYTES (16u << 20)

typedef struct vkc_tune_entry {
    vkc_family family;
    bool fp16;                                    /* precision fp16 (weights), else fp32 */
    uint32_t batch;                               /* also in the shape; kept for reports */
    char shape[VKC_TUNE_KEY_MAX];                 /* vkc_variant_shape_key */
    char variant[VKC_VARIANT_STRING_MAX];         /* the winner (the default when none won) */
    char default_variant[VKC_VARIANT_STRING_MAX]; /* the rule's, when measured */
    double speedup;                               /* default's median / winner's, >= 1 */
} vkc_tune_entry;

typedef struct vkc_tune_table {
    vkc_tune_entry *entries;
    uint32_t count, cap;
} vkc_tune_table;

/* Loads the tuned choices for the device described by `info` from `cache`
 * into *t (empty when there are none or the cache is disabled). A bad file
 * is deleted and *t left empty, with *was_bad set (may be NULL).
 * VKCNN_ERROR_OUT_OF_HOST_MEMORY only. */
vkcnn_status vkc_tune_table_load(const vkc_disk_cache *cache, const vkcnn_device_info *info,
                                 vkc_tune_table *t, bool *was_bad);

/* Replaces the device's tuned choices by *t (written to a temporary file and
 * renamed). VKCNN_ERROR_IO when the cache is disabled or the file cannot be
 * written. */
vkcnn_status vkc_tune_table_store(const vkc_disk_cache *cache, const vkcnn_device_info *info,
                                  const vkc_tune_table *t);

/* The cache key of the device's tune file (for tests that write one). */
void vkc_tune_table_key(const vkcnn_device_info *info, char *key, size_t size);

/* The path of the device's tune file (for reports and tests). */
void vkc_tune_table_path(const vkc_disk_cache *cache, const vkcnn_device_info *info, char *path,
                         size_t size);

/* The entry for (family, precision, shape), or NULL. */
const vkc_tune_entry *vkc_tune_table_find(const vkc_tune_table *t, vkc_family family, bool fp16,
                                          const char *shape);

/* Adds e, or replaces the entry of the same family, precision and shape.
 * Fields must hold no tab or newline (VKCNN_ERROR_INVALID_ARGUMENT). */
vkcnn_status vkc_tune_table_put(vkc_tune_table *t, const vkc_tune_entry *e);

void vkc_tune_table_free(vkc_tune_table *t);

/* Parses a payload (exposed for tests): VKCNN_ERROR_INVALID_MODEL naming
 * the first bad line. */
vkcnn_status vkc_tune_table_parse(const char *text, size_t size, vkc_tune_table *t);

#endif
