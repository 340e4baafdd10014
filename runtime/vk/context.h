/* The context: one device, one compute queue, memory, caches. Internal view of
 * the opaque vkcnn_context. */
#ifndef VKC_VK_CONTEXT_H
#define VKC_VK_CONTEXT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "core/error.h"
#include "vk/awake.h"
#include "vk/cache.h"
#include "vk/device.h"
#include "vk/memory.h"

struct vkcnn_context {
    vkc_instance inst;
    vkc_device dev;
    uint32_t device_index;
    uint32_t faults;
    bool validation;

    vkcnn_log_fn log;
    void *log_user_data;
    vkcnn_log_level log_level;
    atomic_uint validation_errors, validation_warnings;

    vkc_memory memory;
    vkc_disk_cache cache;
    VkPipelineCache pipeline_cache;
    uint8_t pipeline_cache_key[32]; /* what the saved pipeline cache belongs to */

    /* One-shot submissions (uploads, downloads, sequence runs) are serialised:
     * VkQueue and the pool below are externally synchronised objects. */
    pthread_mutex_t submit_lock;
    VkCommandPool pool;
    VkCommandBuffer cmd;
    VkFence fence;
    atomic_bool lost;        /* VK_ERROR_DEVICE_LOST seen: refuse further work */
    vkc_awake *awake;        /* CPU drivers: spinning while a wait is in progress */
    uint32_t pinned_workers; /* CPU drivers: the driver's workers pinned (vk/pin.h) */
    pthread_t glsl_warm;     /* vkc_glsl_warm, joined by destroy */
    bool glsl_warming;

    pthread_mutex_t error_lock;
    pthread_mutex_t memory_lock; /* memory's block list (models on several threads) */
    char error[VKC_ERROR_MAX];
};

/* Records this thread's current error message as the context's last error,
 * logs it, and returns `status`. Call on every failing public path. */
vkcnn_status vkc_ctx_error(vkcnn_context *ctx, vkcnn_status status);

/* Sends a message to the context's log callback if its level passes. */
void vkc_log(const vkcnn_context *ctx, vkcnn_log_level level, const char *fmt, ...)
    VKC_PRINTF(3, 4);

/* Records commands with `record`, submits them on the context's queue and
 * waits. Serialised with other submissions of this context. */
typedef void (*vkc_record_fn)(vkcnn_context *ctx, VkCommandBuffer cmd, void *user);
vkcnn_status vkc_ctx_run_once(vkcnn_context *ctx, vkc_record_fn record, void *user);

/* Submits a recorded command buffer and waits for it (fence of the context). */
vkcnn_status vkc_ctx_submit_wait(vkcnn_context *ctx, VkCommandBuffer cmd);

/* Submits `cmd` signalling `fence` (unsignalled), without waiting;
 * serialised with the context's other submissions. */
vkcnn_status vkc_ctx_submit(vkcnn_context *ctx, VkCommandBuffer cmd, VkFence fence);
/* Same with a whole VkSubmitInfo (semaphores). */
vkcnn_status vkc_ctx_submit_info(vkcnn_context *ctx, const VkSubmitInfo *si, VkFence fence);
/* Same on the transfer queue (dev.xfer_queue, which may be dev.queue). */
vkcnn_status vkc_ctx_submit_xfer(vkcnn_context *ctx, const VkSubmitInfo *si, VkFence fence);

/* Waits until the compute and transfer queues are idle (a vkcnn-created
 * device only): after a broken chain of submissions, before the
 * semaphores it may still signal are destroyed. */
vkcnn_status vkc_ctx_queues_idle(vkcnn_context *ctx);

/* Waits up to timeout_ns for `fence`: VKCNN_OK when signalled,
 * VKCNN_NOT_READY on timeout, VKCNN_ERROR_DEVICE_LOST (the context then
 * refuses further work) when the device was lost. Needs no lock. */
vkcnn_status vkc_ctx_wait(vkcnn_context *ctx, VkFence fence, uint64_t timeout_ns);

/* VKCNN_ERROR_DEVICE_LOST once the device was lost, else OK. */
vkcnn_status vkc_ctx_usable(vkcnn_context *ctx);

#endif
