#define _GNU_SOURCE /* sched_setaffinity, CPU_SET */
#include "vk/pin.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __linux__
#include <dirent.h>
#include <sched.h>
#include <sys/prctl.h>
#include <time.h>
#endif

void vkc_threads_free(vkc_threads *t) {
    free(t->tid);
    t->tid = NULL;
    t->count = 0;
}

#ifdef __linux__

static int compare_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

void vkc_threads_list(vkc_threads *out) {
    out->tid = NULL;
    out->count = 0;
    DIR *d = opendir("/proc/self/task");
    if (!d) return;
    uint32_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        char *end;
        long tid = strtol(e->d_name, &end, 10);
        if (e->d_name[0] < '0' || e->d_name[0] > '9' || *end || tid <= 0 || tid > 0x7fffffff)
            continue;
        if (out->count == cap) {
            uint32_t grown = cap ? 2 * cap : 64;
            int *t = grown > cap ? realloc(out->tid, grown * sizeof *t) : NULL;
            if (!t) {
                vkc_threads_free(out);
                break;
            }
            out->tid = t;
            cap = grown;
        }
        out->tid[out->count++] = (int)tid;
    }
    closedir(d);
    if (out->count) qsort(out->tid, out->count, sizeof *out->tid, compare_int);
}

static bool listed(const vkc_threads *t, int tid) {
    return t->count && bsearch(&tid, t->tid, t->count, sizeof *t->tid, compare_int) != NULL;
}

/* Thread tid's name (its comm, at most 15 characters), "" when unreadable. */
static void thread_name(int tid, char name[32]) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/comm", tid);
    name[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f) return;
    if (!fgets(name, 32, f)) name[0] = '\0';
    fclose(f);
    name[strcspn(name, "\n")] = '\0';
}

/* "llvmpipe-" and digits: one of the rasterizer threads */
static bool rasterizer_name(const char *name) {
    if (strncmp(name, "llvmpipe-", 9) != 0 || !name[9]) return false;
    for (const char *c = name + 9; *c; c++)
        if (*c < '0' || *c > '9') return false;
    return true;
}

/* The driver's workers among the threads that started after `before`: the
 * threads named as the caller is that follow the newest rasterizer
 * threads, exactly as many as those (anything else, such as a thread the
 * application started meanwhile, and nothing is found). Returns the count,
 * 0 when the pattern does not hold; *started: whether any thread started. */
static uint32_t find_workers(const vkc_threads *before, const char *own, int *workers, uint32_t max,
                             bool *started) {
    vkc_threads now;
    vkc_threads_list(&now);
    uint32_t rasterizers = 0, after = 0;
    int last_rasterizer = 0;
    *started = false;
    for (uint32_t i = 0; i < now.count; i++) {
        char name[32];
        if (listed(before, now.tid[i])) continue;
        *started = true;
        thread_name(now.tid[i], name);
        if (rasterizer_name(name)) rasterizers++, last_rasterizer = now.tid[i];
    }
    for (uint32_t i = 0; rasterizers && i < now.count; i++) {
        char name[32];
        if (now.tid[i] <= last_rasterizer || listed(before, now.tid[i])) continue;
        thread_name(now.tid[i], name);
        if (strcmp(name, own) != 0) continue;
        if (after < max) workers[after] = now.tid[i];
        after++;
    }
    vkc_threads_free(&now);
    return rasterizers >= 1 && after == rasterizers && after <= max ? after : 0;
}

uint32_t vkc_pin_workers(const vkc_threads *before, char *said, size_t said_size) {
    if (said_size) said[0] = '\0';
    cpu_set_t allowed;
    char own[32] = "";
    if (prctl(PR_GET_NAME, own, 0, 0, 0) != 0 || sched_getaffinity(0, sizeof allowed, &allowed))
        return 0;
    own[15] = '\0';
    int cpus[256];
    uint32_t ncpu = 0;
    for (int c = 0; c < CPU_SETSIZE && ncpu < 256; c++)
        if (CPU_ISSET(c, &allowed)) cpus[ncpu++] = c;
    if (ncpu < 2) return 0;
    /* a rasterizer thread names itself once it runs: until all have, the
     * pattern does not hold; wait for them up to 50 ms (not when the driver
     * started no thread at all: LP_NUM_THREADS=0) */
    int workers[256];
    uint32_t n = 0;
    bool started = true;
    for (int tries = 0; tries < 50 && started; tries++) {
        if ((n = find_workers(before, own, workers, 256, &started))) break;
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    if (n < 2) return 0;
    uint32_t pinned = 0;
    size_t used = 0;
    for (uint32_t i = 0; i < n; i++) {
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpus[i % ncpu], &one);
        if (sched_setaffinity(workers[i], sizeof one, &one) != 0) continue;
        pinned++;
        if (used < said_size) {
            int w = snprintf(said + used, said_size - used, "%s%d", pinned > 1 ? "," : "",
                             cpus[i % ncpu]);
            used += w > 0 ? (size_t)w : 0;
        }
    }
    return pinned;
}

int vkc_thread_pinned_cpu(int tid) {
    cpu_set_t s;
    if (sched_getaffinity(tid, sizeof s, &s) != 0 || CPU_COUNT(&s) != 1) return -1;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &s)) return c;
    return -1;
}

#else

void vkc_threads_list(vkc_threads *out) {
    out->tid = NULL;
    out->count = 0;
}

uint32_t vkc_pin_workers(const vkc_threads *before, char *said, size_t said_size) {
    (void)before;
    if (said_size) said[0] = '\0';
    return 0;
}

int vkc_thread_pinned_cpu(int tid) {
    (void)tid;
    return -1;
}

#endif
