/* Pinning a CPU driver's compute workers to distinct CPUs.
 *
 * lavapipe runs each dispatch on a pool of worker threads, one per CPU,
 * that sleep between dispatches. Linux's scheduler places a woken thread
 * near its waker, and on a 2-vCPU guest it kept both workers on one vCPU
 * for windows of 50-250 inferences: a 1x1 Conv of 16 -> 96 channels at
 * 112x112 then took 1.7-1.9 ms a run instead of 0.9-1.1 (the threads' last
 * CPUs, read from /proc per run, matched the slow runs one for one). Each
 * worker pinned to its own CPU removed those windows (bench/RESULTS.md,
 * stop 42).
 *
 * The workers are found by lavapipe's thread names (Mesa 22.3 and 25.0):
 * its screen starts N rasterizer threads, each of which names itself
 * "llvmpipe-K" once it runs, and then its N compute workers, which it does
 * not name, so they carry the name of the thread that created the device.
 * Among the threads that appeared during device creation, the ones named
 * as the caller that follow the rasterizers are the workers, when there
 * are exactly N of them (waiting up to 50 ms for the rasterizers to name
 * themselves); worker i is pinned to the i-th CPU of the process's
 * affinity mask (round robin). Where the pattern does not hold (another
 * driver, a thread the application started meanwhile), nothing is pinned.
 * Linux only; elsewhere a no-op. */
#ifndef VKC_PIN_H
#define VKC_PIN_H

#include <stddef.h>
#include <stdint.h>

/* The process's thread IDs at one moment (sorted). */
typedef struct vkc_threads {
    int *tid;
    uint32_t count;
} vkc_threads;

/* Lists the process's threads; on failure (no /proc, out of memory) an
 * empty list, which makes vkc_pin_workers pin nothing. */
void vkc_threads_list(vkc_threads *out);
void vkc_threads_free(vkc_threads *t);

/* Pins the CPU driver's compute workers that started after `before` was
 * listed, as above. Returns how many were pinned (0: none found, fewer than
 * 2, or a single CPU to run on) and says which CPUs in `said`. */
uint32_t vkc_pin_workers(const vkc_threads *before, char *said, size_t said_size);

/* The one CPU thread `tid` of this process may run on, -1 when it may run
 * on several (tests). */
int vkc_thread_pinned_cpu(int tid);

#endif
