#define _GNU_SOURCE /* SCHED_IDLE */
#include "vk/awake.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/error.h"

struct vkc_awake {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    atomic_uint waits; /* waits in progress */
    atomic_bool stop;
    atomic_uint_fast64_t spins;
    uint32_t count; /* threads started */
    pthread_t *threads;
};

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

#define YIELD_EVERY 64 /* spin turns per sched_yield (divides 4096) */

static void *spin_main(void *arg) {
    vkc_awake *a = arg;
    bool idle = false;
#ifdef SCHED_IDLE
    struct sched_param p = {0};
    idle = pthread_setschedparam(pthread_self(), SCHED_IDLE, &p) == 0;
#endif
    pthread_mutex_lock(&a->lock);
    for (;;) {
        /* a thread that could not leave the normal class never spins: it
         * would take the CPU from the driver's threads */
        while (!atomic_load(&a->stop) && (!idle || atomic_load(&a->waits) == 0))
            pthread_cond_wait(&a->wake, &a->lock);
        if (atomic_load(&a->stop)) break;
        pthread_mutex_unlock(&a->lock);
        uint64_t n = 0;
        while (atomic_load_explicit(&a->waits, memory_order_relaxed) > 0 &&
               !atomic_load_explicit(&a->stop, memory_order_relaxed)) {
            /* into the kernel every YIELD_EVERY turns: a driver thread woken
             * onto this CPU then runs at once. Spinning in user space alone,
             * it waited for the reschedule interrupt, which a guest's busy
             * vCPU took up to a timer tick to see (LeNet-5 on lavapipe 22.3,
             * 100 runs: p90 4.4-5.3 ms against 1.9 ms with no threads, and
             * `vkcnn tune` timed 0.05 ms layers at 3.9 ms) */
            if (n % YIELD_EVERY == YIELD_EVERY - 1)
                sched_yield();
            else
                cpu_relax();
            if (++n == 4096) { /* published as it goes: tests watch it */
                atomic_fetch_add_explicit(&a->spins, n, memory_order_relaxed);
                n = 0;
            }
        }
        atomic_fetch_add_explicit(&a->spins, n, memory_order_relaxed);
        pthread_mutex_lock(&a->lock);
    }
    pthread_mutex_unlock(&a->lock);
    return NULL;
}

vkcnn_status vkc_awake_create(uint32_t threads, vkc_awake **out) {
    *out = NULL;
    if (!threads) return VKCNN_OK;
    vkc_awake *a = calloc(1, sizeof *a);
    pthread_t *t = calloc(threads, sizeof *t);
    if (!a || !t) {
        free(a);
        free(t);
        return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "keep-awake threads: out of host memory");
    }
    pthread_mutex_init(&a->lock, NULL);
    pthread_cond_init(&a->wake, NULL);
    a->threads = t;
    for (; a->count < threads; a->count++)
        if (pthread_create(&t[a->count], NULL, spin_main, a) != 0) break;
    if (!a->count) {
        vkc_awake_destroy(a);
        return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "keep-awake threads: cannot start one");
    }
    *out = a;
    return VKCNN_OK;
}

void vkc_awake_begin(vkc_awake *a) {
    if (!a) return;
    pthread_mutex_lock(&a->lock);
    if (atomic_fetch_add(&a->waits, 1) == 0) pthread_cond_broadcast(&a->wake);
    pthread_mutex_unlock(&a->lock);
}

void vkc_awake_end(vkc_awake *a) {
    if (a) atomic_fetch_sub(&a->waits, 1);
}

uint64_t vkc_awake_spins(vkc_awake *a) {
    return a ? atomic_load(&a->spins) : 0;
}

void vkc_awake_destroy(vkc_awake *a) {
    if (!a) return;
    pthread_mutex_lock(&a->lock);
    atomic_store(&a->stop, true);
    pthread_cond_broadcast(&a->wake);
    pthread_mutex_unlock(&a->lock);
    for (uint32_t i = 0; i < a->count; i++)
        pthread_join(a->threads[i], NULL);
    pthread_cond_destroy(&a->wake);
    pthread_mutex_destroy(&a->lock);
    free(a->threads);
    free(a);
}
