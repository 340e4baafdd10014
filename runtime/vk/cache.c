#include "vk/cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/hash.h"

#define MAGIC "VKCNNC\r\n" /* 8 bytes; the CR LF catches text-mode mangling */
#define FORMAT_VERSION 1u
#define MAX_KEY (1u << 24)

typedef struct entry_header {
    char magic[8];
    uint32_t version;
    uint32_t key_size;
    uint64_t payload_size;
    uint64_t payload_hash;
} entry_header;

static int mkdir_p(const char *path) {
    char tmp[VKC_CACHE_PATH_MAX];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof tmp) return -1;
    memcpy(tmp, path, n + 1);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(tmp, 0700) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    if (mkdir(tmp, 0700) != 0 && errno != EEXIST) return -1;
    struct stat st;
    return stat(tmp, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

void vkc_cache_init(vkc_disk_cache *cache, const char *dir, vkcnn_toggle toggle, char *why,
                    size_t why_size) {
    memset(cache, 0, sizeof *cache);
    if (why_size) why[0] = '\0';
    const char *off = getenv("VKCNN_NO_CACHE");
    if (toggle == VKCNN_OFF || (toggle == VKCNN_DEFAULT && off && strcmp(off, "1") == 0)) {
        snprintf(why, why_size, "cache disabled");
        return;
    }
    const char *env = getenv("VKCNN_CACHE_DIR");
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    int n;
    if (dir && *dir)
        n = snprintf(cache->dir, sizeof cache->dir, "%s", dir);
    else if (env && *env)
        n = snprintf(cache->dir, sizeof cache->dir, "%s", env);
    else if (xdg && *xdg == '/')
        n = snprintf(cache->dir, sizeof cache->dir, "%s/vkcnn", xdg);
    else if (home && *home)
        n = snprintf(cache->dir, sizeof cache->dir, "%s/.cache/vkcnn", home);
    else {
        snprintf(why, why_size, "cache disabled: no VKCNN_CACHE_DIR, XDG_CACHE_HOME or HOME");
        return;
    }
    if (n < 0 || (size_t)n >= sizeof cache->dir - 64) {
        snprintf(why, why_size, "cache disabled: directory path too long");
        return;
    }
    if (mkdir_p(cache->dir) != 0) {
        snprintf(why, why_size, "cache disabled: cannot create %s: %s", cache->dir,
                 strerror(errno));
        return;
    }
    cache->enabled = true;
}

void vkc_cache_entry_path(const vkc_disk_cache *cache, const char *kind, const void *key,
                          size_t key_size, char *path, size_t path_size) {
    uint64_t h = vkc_fnv1a(vkc_fnv1a(VKC_FNV_OFFSET, kind, strlen(kind)), key, key_size);
    snprintf(path, path_size, "%s/%s-%016llx.bin", cache->dir, kind, (unsigned long long)h);
}

bool vkc_cache_has_entries(const vkc_disk_cache *cache, const char *kind) {
    if (!cache->enabled) return false;
    DIR *d = opendir(cache->dir);
    if (!d) return false;
    size_t n = strlen(kind);
    bool found = false;
    for (struct dirent *e; !found && (e = readdir(d));)
        found = strncmp(e->d_name, kind, n) == 0 && e->d_name[n] == '-';
    closedir(d);
    return found;
}

bool vkc_cache_load(const vkc_disk_cache *cache, const char *kind, const void *key, size_t key_size,
                    size_t max_size, void **data, size_t *size) {
    *data = NULL;
    *size = 0;
    if (!cache->enabled || key_size > MAX_KEY) return false;
    char path[VKC_CACHE_PATH_MAX + 64];
    vkc_cache_entry_path(cache, kind, key, key_size, path, sizeof path);
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    entry_header h;
    bool ok = false;
    char *file_key = NULL;
    void *payload = NULL;
    if (fread(&h, sizeof h, 1, f) != 1 || memcmp(h.magic, MAGIC, 8) != 0 ||
        h.version != FORMAT_VERSION || h.key_size != key_size || h.payload_size > max_size ||
        h.payload_size == 0)
        goto done;
    file_key = malloc(key_size ? key_size : 1);
    payload = malloc(h.payload_size);
    if (!file_key || !payload) goto done;
    if (fread(file_key, 1, key_size, f) != key_size || memcmp(file_key, key, key_size) != 0)
        goto done;
    if (fread(payload, 1, h.payload_size, f) != h.payload_size || fgetc(f) != EOF) goto done;
    if (vkc_fnv1a(VKC_FNV_OFFSET, payload, h.payload_size) != h.payload_hash) goto done;
    ok = true;
done:
    fclose(f);
    free(file_key);
    if (!ok) {
        free(payload);
        /* A corrupt, truncated or foreign entry: drop it so it gets rebuilt.
         * (A key mismatch is a hash collision or another version: also drop.) */
        unlink(path);
        return false;
    }
    *data = payload;
    *size = h.payload_size;
    return true;
}

bool vkc_cache_store(const vkc_disk_cache *cache, const char *kind, const void *key,
                     size_t key_size, const void *data, size_t size) {
    if (!cache->enabled || key_size > MAX_KEY || size == 0) return false;
    static atomic_uint counter;
    char path[VKC_CACHE_PATH_MAX + 64], tmp[VKC_CACHE_PATH_MAX + 128];
    vkc_cache_entry_path(cache, kind, key, key_size, path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld.%u", path, (long)getpid(), atomic_fetch_add(&counter, 1));
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) return false;
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        close(fd);
        unlink(tmp);
        return false;
    }
    entry_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, MAGIC, 8);
    h.version = FORMAT_VERSION;
    h.key_size = (uint32_t)key_size;
    h.payload_size = size;
    h.payload_hash = vkc_fnv1a(VKC_FNV_OFFSET, data, size);
    bool ok = fwrite(&h, sizeof h, 1, f) == 1 && fwrite(key, 1, key_size, f) == key_size &&
              fwrite(data, 1, size, f) == size;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return false;
    }
    return true;
}
