/* Tuned kernel choices in the cache directory (table.h). */
#include "tune/table.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "core/hash.h"

#define HEADER "vkcnn-tune 1\n"
#define KIND "tune"

void vkc_tune_table_key(const vkcnn_device_info *info, char *key, size_t size) {
    char uuid[33];
    vkc_hex(uuid, info->device_uuid, 16);
    snprintf(key, size, "tune1 vkcnn %s %s driver %u vector %u uuid %s", vkcnn_version(),
             info->name, info->driver_version, info->vector_width, uuid);
}

void vkc_tune_table_path(const vkc_disk_cache *cache, const vkcnn_device_info *info, char *path,
                         size_t size) {
    char key[512];
    vkc_tune_table_key(info, key, sizeof key);
    vkc_cache_entry_path(cache, KIND, key, strlen(key), path, size);
}

void vkc_tune_table_free(vkc_tune_table *t) {
    if (!t) return;
    free(t->entries);
    memset(t, 0, sizeof *t);
}

static bool clean(const char *s) {
    return !strpbrk(s, "\t\n\r");
}

vkcnn_status vkc_tune_table_put(vkc_tune_table *t, const vkc_tune_entry *e) {
    if (!clean(e->shape) || !clean(e->variant) || !clean(e->default_variant) || !e->shape[0] ||
        !e->variant[0])
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "tune entry with an empty or bad field");
    for (uint32_t i = 0; i < t->count; i++) {
        vkc_tune_entry *x = &t->entries[i];
        if (x->family == e->family && x->fp16 == e->fp16 && strcmp(x->shape, e->shape) == 0) {
            *x = *e;
            return VKCNN_OK;
        }
    }
    if (t->count >= VKC_TUNE_MAX_ENTRIES)
        return vkc_fail(VKCNN_ERROR_LIMIT, "more than %d tuned layer shapes", VKC_TUNE_MAX_ENTRIES);
    if (t->count == t->cap) {
        uint32_t cap = t->cap ? t->cap * 2 : 16;
        vkc_tune_entry *grown = realloc(t->entries, cap * sizeof *grown);
        if (!grown) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
        t->entries = grown;
        t->cap = cap;
    }
    t->entries[t->count++] = *e;
    return VKCNN_OK;
}

const vkc_tune_entry *vkc_tune_table_find(const vkc_tune_table *t, vkc_family family, bool fp16,
                                          const char *shape) {
    for (uint32_t i = 0; t && i < t->count; i++) {
        const vkc_tune_entry *x = &t->entries[i];
        if (x->family == family && x->fp16 == fp16 && strcmp(x->shape, shape) == 0) return x;
    }
    return NULL;
}

/* Copies field [s, end) into out (size bytes): false when it is empty or
 * does not fit. */
static bool field(const char *s, const char *end, char *out, size_t size) {
    size_t n = (size_t)(end - s);
    if (!n || n >= size) return false;
    memcpy(out, s, n);
    out[n] = '\0';
    return true;
}

/* One line (without its newline) into e. */
static bool parse_line(const char *s, const char *end, vkc_tune_entry *e) {
    const char *f[7];
    const char *f_end[7];
    const char *p = s;
    for (int i = 0; i < 7; i++) {
        const char *tab = memchr(p, '\t', (size_t)(end - p));
        if (i < 6 && !tab) return false;
        if (i == 6 && tab) return false;
        f[i] = p;
        f_end[i] = i < 6 ? tab : end;
        p = i < 6 ? tab + 1 : end;
    }
    char family[16], precision[8], batch[16], speedup[32];
    if (!field(f[0], f_end[0], family, sizeof family) ||
        !field(f[1], f_end[1], precision, sizeof precision) ||
        !field(f[2], f_end[2], batch, sizeof batch) ||
        !field(f[3], f_end[3], e->shape, sizeof e->shape) ||
        !field(f[4], f_end[4], e->variant, sizeof e->variant) ||
        !field(f[5], f_end[5], e->default_variant, sizeof e->default_variant) ||
        !field(f[6], f_end[6], speedup, sizeof speedup))
        return false;
    e->family = strcmp(family, "conv") == 0     ? VKC_FAMILY_CONV
                : strcmp(family, "gemm") == 0   ? VKC_FAMILY_GEMM
                : strcmp(family, "matmul") == 0 ? VKC_FAMILY_MATMUL
                                                : VKC_FAMILY_NONE;
    if (e->family == VKC_FAMILY_NONE) return false;
    if (strcmp(precision, "fp32") != 0 && strcmp(precision, "fp16") != 0) return false;
    e->fp16 = precision[2] == '1';
    char *stop;
    errno = 0;
    unsigned long b = strtoul(batch, &stop, 10);
    if (*stop || errno || b < 1 || b > 1000000 || batch[0] < '1' || batch[0] > '9') return false;
    e->batch = (uint32_t)b;
    e->speedup = strtod(speedup, &stop);
    if (*stop || !isfinite(e->speedup) || e->speedup < 0 || e->speedup > 1e6) return false;
    /* both variants must be well-formed complete strings */
    vkc_variant v;
    char why[256];
    return vkc_variant_parse(e->variant, &v, why, sizeof why) && vkc_variant_complete(&v) &&
           vkc_algo_in_family((vkc_algo)v.algo, e->family) &&
           vkc_variant_parse(e->default_variant, &v, why, sizeof why) && vkc_variant_complete(&v);
}

vkcnn_status vkc_tune_table_parse(const char *text, size_t size, vkc_tune_table *t) {
    memset(t, 0, sizeof *t);
    size_t hl = strlen(HEADER);
    if (size < hl || memcmp(text, HEADER, hl) != 0)
        return vkc_fail(VKCNN_ERROR_INVALID_MODEL, "tune file: no '%.*s' header", (int)hl - 1,
                        HEADER);
    const char *p = text + hl, *end = text + size;
    unsigned line = 2;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) {
            vkc_tune_table_free(t);
            return vkc_fail(VKCNN_ERROR_INVALID_MODEL, "tune file: line %u is not terminated",
                            line);
        }
        vkc_tune_entry e;
        memset(&e, 0, sizeof e);
        if (memchr(p, '\0', (size_t)(nl - p)) || !parse_line(p, nl, &e)) {
            vkc_tune_table_free(t);
            return vkc_fail(VKCNN_ERROR_INVALID_MODEL, "tune file: line %u does not parse", line);
        }
        if (vkc_tune_table_find(t, e.family, e.fp16, e.shape)) {
            vkc_tune_table_free(t);
            return vkc_fail(VKCNN_ERROR_INVALID_MODEL, "tune file: line %u repeats a shape", line);
        }
        vkcnn_status st = vkc_tune_table_put(t, &e);
        if (st) {
            vkc_tune_table_free(t);
            return st == VKCNN_ERROR_OUT_OF_HOST_MEMORY ? st : VKCNN_ERROR_INVALID_MODEL;
        }
        p = nl + 1;
        line++;
    }
    return VKCNN_OK;
}

vkcnn_status vkc_tune_table_load(const vkc_disk_cache *cache, const vkcnn_device_info *info,
                                 vkc_tune_table *t, bool *was_bad) {
    memset(t, 0, sizeof *t);
    if (was_bad) *was_bad = false;
    if (!cache->enabled) return VKCNN_OK;
    char key[512], path[VKC_CACHE_PATH_MAX + 64];
    vkc_tune_table_key(info, key, sizeof key);
    vkc_cache_entry_path(cache, KIND, key, strlen(key), path, sizeof path);
    bool existed = access(path, F_OK) == 0;
    void *data = NULL;
    size_t size = 0;
    if (!vkc_cache_load(cache, KIND, key, strlen(key), VKC_TUNE_MAX_BYTES, &data, &size)) {
        /* vkc_cache_load deleted a file that failed its checks */
        if (was_bad) *was_bad = existed;
        return VKCNN_OK;
    }
    vkcnn_status st = vkc_tune_table_parse(data, size, t);
    free(data);
    if (st == VKCNN_ERROR_OUT_OF_HOST_MEMORY) return st;
    if (st) { /* well-formed entry, bad content: drop it so the next tune rebuilds it */
        unlink(path);
        if (was_bad) *was_bad = true;
        vkc_error_clear();
    }
    return VKCNN_OK;
}

vkcnn_status vkc_tune_table_store(const vkc_disk_cache *cache, const vkcnn_device_info *info,
                                  const vkc_tune_table *t) {
    if (!cache->enabled)
        return vkc_fail(VKCNN_ERROR_IO, "the cache is disabled: tuned choices cannot be stored");
    size_t cap = strlen(HEADER) + 1, used = 0;
    for (uint32_t i = 0; i < t->count; i++)
        cap += sizeof t->entries[i] + 64;
    char *text = malloc(cap);
    if (!text) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    used = (size_t)snprintf(text, cap, "%s", HEADER);
    for (uint32_t i = 0; i < t->count && used < cap; i++) {
        const vkc_tune_entry *e = &t->entries[i];
        int w = snprintf(text + used, cap - used, "%s\t%s\t%u\t%s\t%s\t%s\t%.4f\n",
                         vkc_family_name(e->family), e->fp16 ? "fp16" : "fp32", e->batch, e->shape,
                         e->variant, e->default_variant, e->speedup);
        if (w < 0) break;
        used += (size_t)w;
    }
    char key[512];
    vkc_tune_table_key(info, key, sizeof key);
    bool ok = used < cap && used <= VKC_TUNE_MAX_BYTES &&
              vkc_cache_store(cache, KIND, key, strlen(key), text, used);
    free(text);
    if (!ok) {
        char path[VKC_CACHE_PATH_MAX + 64];
        vkc_tune_table_path(cache, info, path, sizeof path);
        return vkc_fail(VKCNN_ERROR_IO, "cannot write the tuned choices to %s", path);
    }
    return VKCNN_OK;
}
