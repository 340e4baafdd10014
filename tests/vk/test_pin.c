/* Pinning the CPU driver's compute workers (vk/pin.h): on lavapipe with two
 * or more CPUs to run on, a context pins as many threads as the driver has
 * rasterizer threads, each to one CPU, distinct CPUs for the first of them,
 * and those threads are the ones that do the compute work; none when turned
 * off or when the process may run on one CPU only. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "affine_run.h"
#include "vk/pin.h"

/* CPU time (clock ticks) thread tid has used, -1 when unreadable. */
static long thread_ticks(int tid) {
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')'); /* the name may hold spaces */
    if (!p) return -1;
    long utime = 0, stime = 0;
    /* after ") ": state is field 3; utime and stime are fields 14 and 15 */
    int field = 2;
    for (char *tok = strtok(p + 1, " "); tok; tok = strtok(NULL, " ")) {
        field++;
        if (field == 14) utime = atol(tok);
        if (field == 15) {
            stime = atol(tok);
            break;
        }
    }
    return utime + stime;
}

/* Threads of `now` not in `before` pinned to one CPU: their IDs into
 * tids (at most 64) and CPUs into cpus; returns the count. */
static int pinned_new(const vkc_threads *before, int *tids, int *cpus) {
    vkc_threads now;
    vkc_threads_list(&now);
    int n = 0;
    for (uint32_t i = 0; i < now.count && n < 64; i++) {
        bool old = false;
        for (uint32_t j = 0; j < before->count; j++)
            old |= before->tid[j] == now.tid[i];
        int cpu = old ? -1 : vkc_thread_pinned_cpu(now.tid[i]);
        if (cpu >= 0) tids[n] = now.tid[i], cpus[n++] = cpu;
    }
    vkc_threads_free(&now);
    return n;
}

int main(void) {
    vkc_threads self;
    vkc_threads_list(&self);
#ifdef __linux__
    CHECK(self.count >= 1);
    bool found = false;
    for (uint32_t i = 0; i < self.count; i++) {
        found |= self.tid[i] == (int)gettid();
        if (i) CHECK(self.tid[i - 1] < self.tid[i]); /* sorted */
    }
    CHECK(found);
#endif
    vkc_threads_free(&self);

    cpu_set_t allowed;
    CHECK(sched_getaffinity(0, sizeof allowed, &allowed) == 0);
    int ncpu = CPU_COUNT(&allowed);

    vkc_threads before;
    vkc_threads_list(&before);
    vkcnn_context *ctx = th_context(NULL, 0, 0);
    const vkcnn_device_info *info = &ctx->dev.phys->info;
    const char *env = getenv("VKCNN_PIN_WORKERS");
    bool rule = env && strcmp(env, "0") == 0   ? false
                : env && strcmp(env, "1") == 0 ? true
                                               : vkc_mesa_version(info) != 0;
    /* lavapipe starts LP_NUM_THREADS workers where set, else one per CPU */
    const char *lp = getenv("LP_NUM_THREADS");
    bool pool = !lp || atoi(lp) >= 2;
    bool expect = info->type == VKCNN_DEVICE_CPU && rule && ncpu >= 2 && pool;
    int tids[64], cpus[64];
    int n = pinned_new(&before, tids, cpus);
    printf("%s, %d CPUs: %u workers pinned\n", info->name, ncpu, ctx->pinned_workers);
    CHECK((uint32_t)n == ctx->pinned_workers);
#ifdef __linux__
    CHECK(!expect || n >= 2);
#endif
    CHECK(expect || n == 0);
    /* distinct CPUs, round robin over the allowed ones */
    for (int i = 0; i < n; i++) {
        CHECK(CPU_ISSET(cpus[i], &allowed));
        for (int j = i - ncpu + 1 > 0 ? i - ncpu + 1 : 0; j < i; j++)
            CHECK(cpus[i] != cpus[j]);
    }
    if (n) {
        /* the pinned threads are the ones that compute: each has CPU time
         * after work of many workgroups (ticks are coarse: repeat) */
        long start[64];
        for (int i = 0; i < n; i++)
            start[i] = thread_ticks(tids[i]);
        bool all = false;
        for (int round = 0; round < 200 && !all; round++) {
            CHECK(affine_check(ctx, 2.0f, 1.0f, 1 << 21) == 0);
            all = true;
            for (int i = 0; i < n; i++)
                all = all && thread_ticks(tids[i]) > start[i];
        }
        CHECK(all);
    }
    th_destroy(ctx);
    vkc_threads_free(&before);

    /* turned off: nothing pinned, and the context works */
    vkcnn_context_desc d = th_desc(NULL, 0, 0);
    d.pin_workers = VKCNN_OFF;
    vkc_threads_list(&before);
    CHECK_OK(vkcnn_context_create(&d, &ctx));
    CHECK(ctx->pinned_workers == 0 && pinned_new(&before, tids, cpus) == 0);
    CHECK(affine_check(ctx, 2.0f, 1.0f, 1 << 16) == 0);
    th_destroy(ctx);
    vkc_threads_free(&before);

#ifdef __linux__
    /* a process on one CPU: nothing to spread over, nothing pinned */
    cpu_set_t one;
    CPU_ZERO(&one);
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &allowed)) {
            CPU_SET(c, &one);
            break;
        }
    CHECK(sched_setaffinity(0, sizeof one, &one) == 0);
    d.pin_workers = VKCNN_ON;
    CHECK_OK(vkcnn_context_create(&d, &ctx));
    CHECK(ctx->pinned_workers == 0);
    CHECK(affine_check(ctx, 2.0f, 1.0f, 1 << 16) == 0);
    th_destroy(ctx);
    CHECK(sched_setaffinity(0, sizeof allowed, &allowed) == 0);
#endif
    return th_done("test_pin");
}
