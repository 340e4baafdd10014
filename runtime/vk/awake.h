/* Keeping a CPU driver's host CPUs awake while vkcnn waits for its work.
 *
 * A CPU driver (lavapipe) runs each dispatch on its own worker threads,
 * which sleep between dispatches. Where a sleeping CPU is slow to wake, as
 * on a virtual machine whose idle vCPU halts into the hypervisor, every
 * dispatch pays that wake: on a nested KVM guest, 0.3-0.5 ms per dispatch,
 * which doubled EfficientNet-B0's time. Threads of the idle scheduling
 * class that spin while a wait is in progress keep the CPUs from halting;
 * they run only when nothing else wants the CPU, so they take no time from
 * the driver's threads (the trade ONNX Runtime makes by spinning its own
 * pool threads). They enter the kernel (sched_yield) every few
 * microseconds of spinning, so that a driver thread woken onto their CPU
 * runs at once rather than when the reschedule interrupt arrives, which
 * on that guest was late by up to a timer tick. Linux only (SCHED_IDLE);
 * elsewhere nothing spins. */
#ifndef VKC_AWAKE_H
#define VKC_AWAKE_H

#include <stdint.h>

#include "vkcnn.h"

typedef struct vkc_awake vkc_awake;

/* Starts `threads` spinning threads, idle until vkc_awake_begin. 0 threads
 * gives *out = NULL, which the other functions accept and ignore. */
vkcnn_status vkc_awake_create(uint32_t threads, vkc_awake **out);

/* A wait for device work begins / ends; the threads spin while at least
 * one wait is in progress. Any thread may call them. */
void vkc_awake_begin(vkc_awake *a);
void vkc_awake_end(vkc_awake *a);

/* Spin-loop iterations so far, summed over the threads (tests). */
uint64_t vkc_awake_spins(vkc_awake *a);

/* Stops and joins the threads. */
void vkc_awake_destroy(vkc_awake *a);

#endif
