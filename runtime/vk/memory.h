/* Device memory: blocks of VkDeviceMemory suballocated into buffers.
 *
 * Invariants: every suballocation is aligned to both the buffer's memory
 * requirement and minStorageBufferOffsetAlignment; no block exceeds
 * maxMemoryAllocationSize; the context's budget (if any) bounds the sum of all
 * blocks. A buffer is one VkBuffer bound to one range of one block, so the
 * scheduler can detect aliasing by (block memory, range). */
#ifndef VKC_VK_MEMORY_H
#define VKC_VK_MEMORY_H

#include <stdbool.h>

#include <volk.h>

#include "vkcnn.h"

typedef enum vkc_mem_kind {
    VKC_MEM_DEVICE,   /* device-local; host-mapped too on UMA devices */
    VKC_MEM_UPLOAD,   /* host-visible, for staging writes */
    VKC_MEM_READBACK, /* host-visible, cached where possible, for reads */
    VKC_MEM_KIND_COUNT
} vkc_mem_kind;

typedef struct vkc_range {
    VkDeviceSize offset, size;
} vkc_range;

typedef struct vkc_block {
    VkDeviceMemory memory;
    VkDeviceSize size;
    uint32_t type;
    void *mapped; /* whole block, when host-visible */
    vkc_range *free;
    uint32_t free_count, free_cap;
    uint32_t live; /* suballocations in use */
    struct vkc_block *next;
} vkc_block;

typedef struct vkc_memory {
    vkc_block *blocks;
    VkDeviceSize allocated; /* sum of block sizes */
    VkDeviceSize budget;    /* 0 = none */
    VkDeviceSize block_size;
    bool staging; /* device memory is not mapped: copies go through staging */
} vkc_memory;

typedef struct vkc_buffer {
    VkBuffer handle;
    VkDeviceSize size;
    vkc_block *block;
    VkDeviceSize offset; /* in block */
    VkDeviceSize reserved;
    void *mapped; /* host pointer to the buffer's start, or NULL */
    vkc_mem_kind kind;
} vkc_buffer;

typedef struct vkcnn_context vkcnn_context;

void vkc_memory_init(vkc_memory *mem, VkDeviceSize budget, bool staging);
void vkc_memory_destroy(vkcnn_context *ctx);

/* Creates a storage buffer of `size` bytes (> 0). Buffers larger than
 * maxMemoryAllocationSize are refused with VKCNN_ERROR_LIMIT: callers split. */
vkcnn_status vkc_buffer_create(vkcnn_context *ctx, VkDeviceSize size, vkc_mem_kind kind,
                               vkc_buffer *out);
/* The same for a buffer that both the compute and the transfer queue use
 * (run/slots.c): VK_SHARING_MODE_CONCURRENT over the two families where
 * they differ, so that no ownership transfer is needed; exclusive (as
 * vkc_buffer_create) where they are one family. */
vkcnn_status vkc_buffer_create_shared(vkcnn_context *ctx, VkDeviceSize size, vkc_mem_kind kind,
                                      vkc_buffer *out);
void vkc_buffer_destroy(vkcnn_context *ctx, vkc_buffer *buf);

/* Host <-> buffer copies: a memcpy where the buffer is mapped, else through a
 * staging buffer and a transfer on the context's queue. Waits for completion. */
vkcnn_status vkc_buffer_write(vkcnn_context *ctx, vkc_buffer *buf, VkDeviceSize offset,
                              const void *data, size_t size);
vkcnn_status vkc_buffer_read(vkcnn_context *ctx, const vkc_buffer *buf, VkDeviceSize offset,
                             void *data, size_t size);

#endif
