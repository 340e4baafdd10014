/* The keep-awake threads (vk/awake.h): they spin only while a wait is in
 * progress, stop when the last one ends, and a CPU device's context starts
 * them unless turned off. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <time.h>

#include "affine_run.h"
#include "vk/awake.h"

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Waits (up to 10 s: idle-class threads get almost no CPU on a busy host)
 * until the spin count grows past `from`. */
static bool spins_grow(vkc_awake *a, uint64_t from) {
    for (int i = 0; i < 1000; i++) {
        if (vkc_awake_spins(a) > from) return true;
        sleep_ms(10);
    }
    return false;
}

/* Waits (up to 10 s) until the count holds still for 200 ms. */
static bool spins_settle(vkc_awake *a) {
    uint64_t last = vkc_awake_spins(a);
    for (int i = 0; i < 50; i++) {
        sleep_ms(200);
        uint64_t now = vkc_awake_spins(a);
        if (now == last) return true;
        last = now;
    }
    return false;
}

int main(void) {
    vkc_awake *none = (vkc_awake *)1;
    CHECK_OK(vkc_awake_create(0, &none));
    CHECK(none == NULL);
    vkc_awake_begin(NULL); /* no threads: accepted, nothing happens */
    vkc_awake_end(NULL);
    CHECK(vkc_awake_spins(NULL) == 0);

    vkc_awake *a = NULL;
    CHECK_OK(vkc_awake_create(2, &a));
    sleep_ms(50);
    CHECK(vkc_awake_spins(a) == 0); /* no wait yet: the threads sleep */
#ifdef __linux__
    vkc_awake_begin(a);
    CHECK(spins_grow(a, 0));
    vkc_awake_begin(a); /* two waits overlap: spinning lasts until both end */
    vkc_awake_end(a);
    uint64_t s = vkc_awake_spins(a);
    CHECK(spins_grow(a, s));
    vkc_awake_end(a);
    CHECK(spins_settle(a));
    /* a later wait starts them again */
    s = vkc_awake_spins(a);
    vkc_awake_begin(a);
    CHECK(spins_grow(a, s));
    vkc_awake_end(a);
    CHECK(spins_settle(a));
#endif
    vkc_awake_destroy(a);

    /* a context: threads on a CPU device by default, none when turned off */
    vkcnn_context *ctx = th_context(NULL, 0, 0);
    bool cpu = ctx->dev.phys->info.type == VKCNN_DEVICE_CPU;
    const char *env = getenv("VKCNN_KEEP_AWAKE");
    uint32_t mesa = vkc_mesa_version(&ctx->dev.phys->info);
    bool rule = env && env[0] == '0' && !env[1]   ? false
                : env && env[0] == '1' && !env[1] ? true
                                                  : mesa != 0;
    CHECK((ctx->awake != NULL) == (cpu && rule));
    if (ctx->awake) {
        uint64_t before = vkc_awake_spins(ctx->awake);
        CHECK(affine_check(ctx, 2.0f, 1.0f, 1 << 20) == 0);
        CHECK(spins_settle(ctx->awake));
        printf("keep-awake: %llu spins during a run\n",
               (unsigned long long)(vkc_awake_spins(ctx->awake) - before));
    }
    th_destroy(ctx);
    vkcnn_context_desc d = th_desc(NULL, 0, 0);
    d.keep_awake = VKCNN_OFF;
    CHECK_OK(vkcnn_context_create(&d, &ctx));
    CHECK(ctx->awake == NULL);
    th_destroy(ctx);
    d.keep_awake = VKCNN_ON;
    CHECK_OK(vkcnn_context_create(&d, &ctx));
    CHECK((ctx->awake != NULL) == cpu);
    th_destroy(ctx);
    /* a host that refuses the threads: a working context without them, no
     * error left behind */
    d.faults = VKCNN_FAULT_NO_THREADS;
    CHECK_OK(vkcnn_context_create(&d, &ctx));
    CHECK(ctx->awake == NULL);
    CHECK(vkcnn_last_error()[0] == '\0');
    CHECK(affine_check(ctx, 2.0f, 1.0f, 1 << 16) == 0);
    th_destroy(ctx);
    return th_done("test_awake");
}
