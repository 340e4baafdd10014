/* The SPIR-V and pipeline caches: a warm compile does not invoke glslang;
 * corrupted, truncated, oversized and foreign entries are detected and
 * rebuilt; concurrent writers never leave a torn entry. */
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "affine_run.h"
#include "vk/compiler.h"

static int file_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

static long file_size(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* Creates the affine kernel in a fresh context on `dir`; returns how many
 * times glslang ran and whether SPIR-V came from the cache. */
static uint64_t compile_once(const char *dir, bool *from_cache) {
    vkcnn_context *ctx = th_context(dir, 0, 0);
    uint64_t before = vkc_glsl_compile_count();
    vkc_kernel k;
    CHECK_OK(affine_kernel(ctx, 2.0f, 1.0f, &k));
    *from_cache = k.spirv_from_cache;
    vkc_kernel_destroy(ctx, &k);
    CHECK(affine_check(ctx, 2.0f, 1.0f, 100) == 0);
    th_destroy(ctx);
    return vkc_glsl_compile_count() - before;
}

/* The cache entry path of the affine kernel's SPIR-V (found by listing). */
static void find_entry(const char *dir, const char *prefix, char *path, size_t size) {
    char cmd[512];
    snprintf(cmd, sizeof cmd, "ls %s | grep '^%s-' | head -n 1", dir, prefix);
    FILE *p = popen(cmd, "r");
    char name[256] = {0};
    if (p) {
        if (!fgets(name, sizeof name, p)) name[0] = '\0';
        pclose(p);
    }
    name[strcspn(name, "\n")] = '\0';
    snprintf(path, size, "%s/%s", dir, name);
}

static void patch_file(const char *path, long offset, const void *bytes, size_t n) {
    FILE *f = fopen(path, "r+b");
    CHECK(f != NULL);
    if (!f) return;
    fseek(f, offset, SEEK_SET);
    fwrite(bytes, 1, n, f);
    fclose(f);
}

typedef struct store_job {
    vkc_disk_cache *cache;
    int id;
} store_job;

static void *store_many(void *arg) {
    store_job *job = arg;
    static char payload[4][100000];
    memset(payload[job->id], 'a' + job->id, sizeof payload[job->id]);
    for (int i = 0; i < 50; i++)
        vkc_cache_store(job->cache, "test", "same-key", 8, payload[job->id],
                        10000 + 20000 * (size_t)job->id);
    return NULL;
}

int main(void) {
    char dir[256];
    th_tempdir(dir, sizeof dir);
    bool hit = true;
    /* cold: compiled and stored */
    CHECK(compile_once(dir, &hit) == 1 && !hit);
    char spv[512], pipe[512];
    find_entry(dir, "spv", spv, sizeof spv);
    find_entry(dir, "pipeline", pipe, sizeof pipe);
    CHECK(file_exists(spv));
    CHECK(file_exists(pipe)); /* saved when the context was destroyed */
    vkc_disk_cache on_dir;
    char why_dir[256];
    vkc_cache_init(&on_dir, dir, VKCNN_ON, why_dir, sizeof why_dir);
    CHECK(vkc_cache_has_entries(&on_dir, "spv") && vkc_cache_has_entries(&on_dir, "pipeline"));
    /* warm: glslang not called */
    CHECK(compile_once(dir, &hit) == 0 && hit);

    /* corrupted payload byte: detected by the checksum, rebuilt */
    long size = file_size(spv);
    patch_file(spv, size - 5, "\x55\xaa", 2);
    CHECK(compile_once(dir, &hit) == 1 && !hit);
    CHECK(compile_once(dir, &hit) == 0 && hit);
    /* truncated */
    CHECK(truncate(spv, size / 2) == 0);
    CHECK(compile_once(dir, &hit) == 1 && !hit);
    /* oversized payload length in the header */
    patch_file(spv, 16, "\xff\xff\xff\xff\xff\xff\xff\x7f", 8);
    CHECK(compile_once(dir, &hit) == 1 && !hit);
    /* foreign: same file name, different key (another driver or version) */
    size = file_size(spv);
    patch_file(spv, 40, "#", 1); /* inside the stored key */
    CHECK(compile_once(dir, &hit) == 1 && !hit);
    CHECK(compile_once(dir, &hit) == 0 && hit);
    /* a garbage pipeline cache is not handed to the driver */
    FILE *f = fopen(pipe, "wb");
    fputs("not a pipeline cache", f);
    fclose(f);
    CHECK(compile_once(dir, &hit) == 0 && hit);

    /* caching off: compiled every time, nothing written */
    char dir2[256];
    th_tempdir(dir2, sizeof dir2);
    vkcnn_context_desc d = th_desc(dir2, 0, 0);
    d.cache = VKCNN_OFF;
    vkcnn_context *ctx = NULL;
    CHECK_OK(vkcnn_context_create(&d, &ctx));
    uint64_t before = vkc_glsl_compile_count();
    CHECK(affine_check(ctx, 2.0f, 1.0f, 10) == 0);
    CHECK(affine_check(ctx, 2.0f, 1.0f, 10) == 0);
    CHECK(vkc_glsl_compile_count() - before == 2);
    th_destroy(ctx);
    char any[512];
    find_entry(dir2, "spv", any, sizeof any);
    CHECK(!file_exists(any) || any[strlen(any) - 1] == '/');

    /* concurrent writers of one key: the entry read back is one of theirs */
    vkc_disk_cache cache;
    char why[256];
    vkc_cache_init(&cache, dir2, VKCNN_ON, why, sizeof why);
    CHECK(cache.enabled);
    /* nothing of namespace "test" yet, and caching off wrote no SPIR-V */
    CHECK(!vkc_cache_has_entries(&cache, "test") && !vkc_cache_has_entries(&cache, "spv"));
    pthread_t threads[4];
    store_job jobs[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (store_job){&cache, i};
        pthread_create(&threads[i], NULL, store_many, &jobs[i]);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(threads[i], NULL);
    void *data = NULL;
    size_t n = 0;
    CHECK(vkc_cache_load(&cache, "test", "same-key", 8, 1u << 20, &data, &n));
    int id = n >= 10000 ? (int)((n - 10000) / 20000) : -1;
    CHECK(id >= 0 && id < 4 && n == 10000 + 20000 * (size_t)id);
    for (size_t i = 0; data && i < n; i++)
        if (((char *)data)[i] != 'a' + id) {
            th_failures++;
            break;
        }
    free(data);
    /* a namespace is the whole name before the '-' */
    CHECK(vkc_cache_has_entries(&cache, "test") && !vkc_cache_has_entries(&cache, "tes"));
    CHECK(!vkc_cache_has_entries(&cache, "spv"));
    /* an unreadable directory disables the cache with a reason, not an error */
    vkc_cache_init(&cache, "/proc/vkcnn-no-such/dir", VKCNN_ON, why, sizeof why);
    CHECK(!cache.enabled && strstr(why, "cannot create") != NULL);
    CHECK(!vkc_cache_has_entries(&cache, "spv"));

    th_rmdir(dir);
    th_rmdir(dir2);
    return th_done("test_cache");
}
