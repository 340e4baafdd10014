#include "harness.h"

#include <ftw.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

int th_failures;
/* Counted in the log callback, so messages emitted while a context is being
 * destroyed (leaked objects, for one) count too. */
static atomic_uint validation_issues;

static void on_log(vkcnn_log_level level, vkcnn_log_source source, const char *message,
                   void *user) {
    (void)user;
    if (source == VKCNN_LOG_SOURCE_VALIDATION && level >= VKCNN_LOG_WARN) {
        atomic_fetch_add(&validation_issues, 1);
        fprintf(stderr, "validation %s: %s\n", level == VKCNN_LOG_ERROR ? "error" : "warning",
                message);
    }
}

void th_tempdir(char *out, size_t size) {
    const char *tmp = getenv("TMPDIR");
    snprintf(out, size, "%s/vkcnn-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(out)) {
        perror("mkdtemp");
        exit(1);
    }
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void th_rmdir(const char *dir) {
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

vkcnn_context_desc th_desc(const char *cache_dir, uint32_t faults, int sync) {
    vkcnn_context_desc d = {.validation = VKCNN_ON,
                            .validation_sync = sync ? VKCNN_ON : VKCNN_DEFAULT,
                            .cache_dir = cache_dir,
                            .cache = cache_dir ? VKCNN_ON : VKCNN_OFF,
                            .log = on_log,
                            .log_level = VKCNN_LOG_WARN,
                            .faults = faults};
    return d;
}

vkcnn_context *th_context(const char *cache_dir, uint32_t faults, int sync) {
    vkcnn_context_desc d = th_desc(cache_dir, faults, sync);
    vkcnn_context *ctx = NULL;
    vkcnn_status st = vkcnn_context_create(&d, &ctx);
    if (st != VKCNN_OK) {
        fprintf(stderr, "cannot create a context: %s: %s\n", vkcnn_status_string(st),
                vkcnn_last_error());
        exit(1);
    }
    return ctx;
}

void th_destroy(vkcnn_context *ctx) {
    if (!ctx) return;
    uint32_t errors = 0, warnings = 0;
    vkcnn_context_validation_counts(ctx, &errors, &warnings);
    vkcnn_context_destroy(ctx);
    unsigned issues = atomic_exchange(&validation_issues, 0);
    if (errors || warnings || issues) {
        fprintf(stderr, "FAIL: %u validation errors, %u warnings (%u messages in all)\n", errors,
                warnings, issues);
        th_failures++;
    }
}

int th_done(const char *name) {
    if (th_failures) {
        fprintf(stderr, "%s: %d check(s) failed\n", name, th_failures);
        return 1;
    }
    printf("%s: ok\n", name);
    return 0;
}

uint32_t th_rand(uint64_t *s) {
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return (uint32_t)(x >> 32);
}

float th_randf(uint64_t *s) {
    return (float)th_rand(s) / 2147483648.0f - 1.0f;
}
