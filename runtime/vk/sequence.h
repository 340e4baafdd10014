/* The scheduler: a list of compute dispatches recorded once into a reusable
 * command buffer, with exactly the barriers their read/write sets need.
 *
 * Hazard rule: dispatches since the last barrier form a "pending" set. A new
 * dispatch needs a barrier when one of its bindings overlaps (same device
 * memory, intersecting byte range) a pending access and at least one of the
 * two writes. Read-after-write and write-after-write need a memory
 * dependency (shader write -> shader read/write); write-after-read only an
 * execution dependency. A barrier orders everything before it, so the pending
 * set is then cleared. Ranges are compared on device memory, not on VkBuffer
 * handles, so buffers that alias one allocation are handled too. Uniform
 * texel buffer bindings (a shader's samplerBuffer: read only) are buffer
 * ranges like storage buffers and follow the rule; the sequence creates
 * their views (four 32-bit components per texel, whole texels of the
 * range) and owns them. Image bindings are read only and outside the rule
 * (see vkc_image_ref). */
#ifndef VKC_VK_SEQUENCE_H
#define VKC_VK_SEQUENCE_H

#include <stdbool.h>

#include "vk/kernel.h"
#include "vk/memory.h"

enum { VKC_READ = 1, VKC_WRITE = 2 };

/* One buffer binding of a dispatch (storage or uniform texel buffer, as the
 * kernel's shader declares it): a range of a buffer. */
typedef struct vkc_binding {
    const vkc_buffer *buffer; /* NULL at an image or sampler binding (see vkc_dispatch) */
    VkDeviceSize offset;
    VkDeviceSize range; /* VK_WHOLE_SIZE: to the end of the buffer */
    unsigned access;    /* VKC_READ | VKC_WRITE */
    /* IEEE halves: a float texel binding is then viewed as
     * R16G16B16A16_SFLOAT (8-byte texels) instead of R32G32B32A32_SFLOAT;
     * storage bindings do not look at it (the shader declares float16_t) */
    bool half;
} vkc_binding;

/* The resources of an image or sampler binding: the kernel's shader
 * declares the type (vkc_spirv_layout.types). Image bindings are read only
 * and outside the hazard rule: the caller makes the image's writes visible
 * to compute-shader reads, in `layout`, before the sequence runs. */
typedef struct vkc_image_ref {
    VkImageView view;     /* sampled, storage or combined image binding */
    VkSampler sampler;    /* combined image sampler or sampler binding */
    VkImageLayout layout; /* the image's layout while the sequence runs */
} vkc_image_ref;

typedef struct vkc_dispatch {
    const vkc_kernel *kernel;    /* copied; its Vulkan objects must outlive the sequence */
    const vkc_binding *bindings; /* kernel->io.binding_count of them */
    /* kernel->io.binding_count of them when the kernel binds images or
     * samplers (used at those bindings only, copied), else NULL */
    const vkc_image_ref *images;
    const void *push; /* kernel->io.push_size bytes */
    uint32_t groups[3];
    const char *label; /* copied; may be NULL */
} vkc_dispatch;

typedef struct vkc_sequence vkc_sequence;

/* `timestamps`: write a timestamp around each dispatch (when the device can). */
vkcnn_status vkc_sequence_create(vkcnn_context *ctx, bool timestamps, vkc_sequence **out);
void vkc_sequence_destroy(vkc_sequence *seq);

/* Appends a dispatch (copied). Only before vkc_sequence_prepare/_record. */
vkcnn_status vkc_sequence_add(vkc_sequence *seq, const vkc_dispatch *d);

/* Decides the barriers and writes the descriptor sets, once; no dispatch
 * may be added afterwards. */
vkcnn_status vkc_sequence_prepare(vkc_sequence *seq);

/* Records the dispatches and the barriers between them into `cmd` (in the
 * recording state), resetting and writing `queries` (VK_NULL_HANDLE: no
 * timestamps). Needs vkc_sequence_prepare. The caller orders what comes
 * before and after: the first dispatch may read and write as soon as the
 * commands before it allow (an entry barrier is the caller's), and the
 * last writes are made available by the caller's exit barrier. Can record
 * into many command buffers: they share the descriptor sets, so they must
 * not run concurrently (one queue, ordered by the caller's barriers). */
void vkc_sequence_record_into(vkc_sequence *seq, VkCommandBuffer cmd, VkQueryPool queries);

/* Dispatches first .. first + count - 1 only, for work split into several
 * command buffers (bounded submits): the caller's barrier precedes each
 * range; ranges must be recorded and executed in order, the one starting
 * at 0 first (it resets the queries). */
void vkc_sequence_record_range(vkc_sequence *seq, VkCommandBuffer cmd, VkQueryPool queries,
                               uint32_t first, uint32_t count);

/* A timestamp query pool for record_into (VK_NULL_HANDLE when the sequence
 * has no timestamps); after the work that wrote it completed,
 * vkc_sequence_read_queries makes vkc_sequence_dispatch_ms report it. */
vkcnn_status vkc_sequence_create_queries(vkc_sequence *seq, VkQueryPool *out);
void vkc_sequence_destroy_queries(vkc_sequence *seq, VkQueryPool pool);
vkcnn_status vkc_sequence_read_queries(vkc_sequence *seq, VkQueryPool pool);

/* Prepares and records the sequence into its own command buffer, between an
 * entry barrier (earlier shader and transfer writes) and an exit barrier
 * (results visible to host reads and transfers), once. */
vkcnn_status vkc_sequence_record(vkc_sequence *seq);

/* Submits the own command buffer and waits; may be called many times. */
vkcnn_status vkc_sequence_run(vkc_sequence *seq);

uint32_t vkc_sequence_dispatch_count(const vkc_sequence *seq);
uint32_t vkc_sequence_barrier_count(const vkc_sequence *seq);
/* Whether a barrier precedes dispatch i (0 for i == 0). */
bool vkc_sequence_barrier_before(const vkc_sequence *seq, uint32_t i);
/* GPU time of dispatch i in the last run, in ms; negative without timestamps. */
double vkc_sequence_dispatch_ms(const vkc_sequence *seq, uint32_t i);
/* GPU time from first dispatch start to last dispatch end, ms; negative without. */
double vkc_sequence_total_ms(const vkc_sequence *seq);

#endif
