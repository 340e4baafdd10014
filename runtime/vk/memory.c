#include "vk/memory.h"

#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/pages.h"
#include "vk/context.h"

#define DEFAULT_BLOCK_SIZE (64ull << 20)
#define STAGING_CHUNK (16ull << 20)

void vkc_memory_init(vkc_memory *mem, VkDeviceSize budget, bool staging) {
    memset(mem, 0, sizeof *mem);
    mem->budget = budget;
    mem->block_size = DEFAULT_BLOCK_SIZE;
    mem->staging = staging;
}

static void block_free(vkcnn_context *ctx, vkc_block *b) {
    const vkc_device *dev = &ctx->dev;
    if (b->mapped) dev->vk.vkUnmapMemory(dev->handle, b->memory);
    dev->vk.vkFreeMemory(dev->handle, b->memory, ctx->inst.allocator);
    ctx->memory.allocated -= b->size;
    free(b->free);
    free(b);
}

void vkc_memory_destroy(vkcnn_context *ctx) {
    vkc_block *b = ctx->memory.blocks;
    while (b) {
        vkc_block *next = b->next;
        block_free(ctx, b);
        b = next;
    }
    ctx->memory.blocks = NULL;
}

/* Memory type for `kind` among `bits`: the first type with all `want` flags,
 * trying the preferred set before the required one. */
static uint32_t find_type(const VkPhysicalDeviceMemoryProperties *m, uint32_t bits,
                          VkMemoryPropertyFlags prefer, VkMemoryPropertyFlags need) {
    for (int pass = 0; pass < 2; pass++) {
        VkMemoryPropertyFlags want = pass == 0 ? prefer : need;
        for (uint32_t t = 0; t < m->memoryTypeCount; t++)
            if ((bits & (1u << t)) && (m->memoryTypes[t].propertyFlags & want) == want) return t;
    }
    return UINT32_MAX;
}

static uint32_t type_for_kind(const vkcnn_context *ctx, uint32_t bits, vkc_mem_kind kind) {
    const VkPhysicalDeviceMemoryProperties *m = &ctx->dev.phys->memory;
    const VkMemoryPropertyFlags host =
        VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    switch (kind) {
    case VKC_MEM_DEVICE:
        if (!ctx->memory.staging)
            return find_type(m, bits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT | host,
                             VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT | host);
        return find_type(m, bits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, 0);
    case VKC_MEM_UPLOAD: return find_type(m, bits, host, host);
    case VKC_MEM_READBACK:
        return find_type(m, bits, host | VK_MEMORY_PROPERTY_HOST_CACHED_BIT, host);
    default: return UINT32_MAX;
    }
}

static bool kind_maps(const vkcnn_context *ctx, vkc_mem_kind kind) {
    return kind != VKC_MEM_DEVICE || !ctx->memory.staging;
}

static vkcnn_status block_create(vkcnn_context *ctx, VkDeviceSize size, uint32_t type, bool map,
                                 vkc_block **out) {
    vkc_memory *mem = &ctx->memory;
    const vkc_device *dev = &ctx->dev;
    if (mem->budget && (size > mem->budget || mem->allocated > mem->budget - size))
        return vkc_fail(VKCNN_ERROR_OUT_OF_DEVICE_MEMORY,
                        "device memory budget exceeded: %llu bytes allocated, %llu more "
                        "requested, budget %llu",
                        (unsigned long long)mem->allocated, (unsigned long long)size,
                        (unsigned long long)mem->budget);
    vkc_block *b = calloc(1, sizeof *b);
    if (!b) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    VkMemoryAllocateInfo ai = {.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
                               .allocationSize = size,
                               .memoryTypeIndex = type};
    vkcnn_status st =
        vkc_check(dev->vk.vkAllocateMemory(dev->handle, &ai, ctx->inst.allocator, &b->memory),
                  "vkAllocateMemory");
    if (st) {
        free(b);
        return vkc_fail_context(st, "allocating %llu bytes of device memory",
                                (unsigned long long)size);
    }
    b->size = size;
    b->type = type;
    if (map && (st = vkc_check(
                    dev->vk.vkMapMemory(dev->handle, b->memory, 0, VK_WHOLE_SIZE, 0, &b->mapped),
                    "vkMapMemory"))) {
        dev->vk.vkFreeMemory(dev->handle, b->memory, ctx->inst.allocator);
        free(b);
        return st;
    }
    /* On a CPU device the mapping is ordinary host memory that the first
     * upload or dispatch faults in; ask for huge pages before it does
     * (core/pages.h: VGG-16's upload 0.53 -> 0.15-0.19 s on lavapipe). A
     * GPU's mapping is left alone. */
    if (b->mapped && dev->phys->info.type == VKCNN_DEVICE_CPU && size <= SIZE_MAX)
        vkc_advise_huge(b->mapped, (size_t)size);
    b->free = malloc(sizeof *b->free);
    if (!b->free) {
        if (b->mapped) dev->vk.vkUnmapMemory(dev->handle, b->memory);
        dev->vk.vkFreeMemory(dev->handle, b->memory, ctx->inst.allocator);
        free(b);
        return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    }
    b->free[0] = (vkc_range){0, size};
    b->free_count = b->free_cap = 1;
    mem->allocated += size;
    b->next = mem->blocks;
    mem->blocks = b;
    *out = b;
    return VKCNN_OK;
}

/* First fit in `b`; on success *offset is aligned and the range is taken. */
static bool block_take(vkc_block *b, VkDeviceSize size, VkDeviceSize align, VkDeviceSize *offset) {
    for (uint32_t i = 0; i < b->free_count; i++) {
        vkc_range *r = &b->free[i];
        uint64_t start;
        if (!vkc_align_up_u64(r->offset, align, &start) || start - r->offset > r->size ||
            r->size - (start - r->offset) < size)
            continue;
        VkDeviceSize head = start - r->offset, tail = r->size - head - size;
        if (head && tail) { /* split into two free ranges */
            if (b->free_count == b->free_cap) {
                vkc_range *grown = vkc_realloc_array(b->free, b->free_cap * 2u, sizeof *grown);
                if (!grown) return false;
                b->free = grown;
                b->free_cap *= 2u;
                r = &b->free[i];
            }
            memmove(&b->free[i + 2], &b->free[i + 1], (b->free_count - i - 1) * sizeof *r);
            b->free[i + 1] = (vkc_range){start + size, tail};
            r->size = head;
            b->free_count++;
        } else if (head) {
            r->size = head;
        } else if (tail) {
            r->offset = start + size;
            r->size = tail;
        } else {
            memmove(r, r + 1, (b->free_count - i - 1) * sizeof *r);
            b->free_count--;
        }
        *offset = start;
        b->live++;
        return true;
    }
    return false;
}

/* Returns [offset, offset+size) to the sorted free list, merging neighbours.
 * The list has room: it held this range's space before. */
static void block_give(vkc_block *b, VkDeviceSize offset, VkDeviceSize size) {
    uint32_t i = 0;
    while (i < b->free_count && b->free[i].offset < offset)
        i++;
    bool merge_prev = i > 0 && b->free[i - 1].offset + b->free[i - 1].size == offset;
    bool merge_next = i < b->free_count && offset + size == b->free[i].offset;
    if (merge_prev && merge_next) {
        b->free[i - 1].size += size + b->free[i].size;
        memmove(&b->free[i], &b->free[i + 1], (b->free_count - i - 1) * sizeof b->free[0]);
        b->free_count--;
    } else if (merge_prev) {
        b->free[i - 1].size += size;
    } else if (merge_next) {
        b->free[i].offset = offset;
        b->free[i].size += size;
    } else {
        if (b->free_count == b->free_cap) {
            vkc_range *grown = vkc_realloc_array(b->free, b->free_cap * 2u, sizeof *grown);
            if (!grown) return; /* leaks the range inside the block until it is freed */
            b->free = grown;
            b->free_cap *= 2u;
        }
        memmove(&b->free[i + 1], &b->free[i], (b->free_count - i) * sizeof b->free[0]);
        b->free[i] = (vkc_range){offset, size};
        b->free_count++;
    }
    b->live--;
}

static vkcnn_status buffer_create(vkcnn_context *ctx, VkDeviceSize size, vkc_mem_kind kind,
                                  bool shared, vkc_buffer *out);

vkcnn_status vkc_buffer_create(vkcnn_context *ctx, VkDeviceSize size, vkc_mem_kind kind,
                               vkc_buffer *out) {
    return buffer_create(ctx, size, kind, false, out);
}

vkcnn_status vkc_buffer_create_shared(vkcnn_context *ctx, VkDeviceSize size, vkc_mem_kind kind,
                                      vkc_buffer *out) {
    return buffer_create(ctx, size, kind, true, out);
}

static vkcnn_status buffer_create(vkcnn_context *ctx, VkDeviceSize size, vkc_mem_kind kind,
                                  bool shared, vkc_buffer *out) {
    memset(out, 0, sizeof *out);
    const vkc_device *dev = &ctx->dev;
    const vkcnn_device_info *info = &dev->phys->info;
    if (size == 0) return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "buffer of size 0");
    if (size > info->max_memory_allocation_size)
        return vkc_fail(VKCNN_ERROR_LIMIT,
                        "buffer of %llu bytes exceeds the device's maxMemoryAllocationSize "
                        "(%llu bytes)",
                        (unsigned long long)size,
                        (unsigned long long)info->max_memory_allocation_size);
    VkBufferCreateInfo bi = {
        .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
        .size = size,
        .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT |
                 VK_BUFFER_USAGE_STORAGE_TEXEL_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                 VK_BUFFER_USAGE_TRANSFER_DST_BIT,
        .sharingMode = VK_SHARING_MODE_EXCLUSIVE};
    /* concurrent sharing needs distinct families; one family needs none */
    uint32_t families[2] = {dev->family, dev->xfer_family};
    if (shared && dev->xfer_family != dev->family) {
        bi.sharingMode = VK_SHARING_MODE_CONCURRENT;
        bi.queueFamilyIndexCount = 2;
        bi.pQueueFamilyIndices = families;
    }
    vkcnn_status st =
        vkc_check(dev->vk.vkCreateBuffer(dev->handle, &bi, ctx->inst.allocator, &out->handle),
                  "vkCreateBuffer");
    if (st) return st;
    VkMemoryRequirements req;
    dev->vk.vkGetBufferMemoryRequirements(dev->handle, out->handle, &req);
    VkDeviceSize align = req.alignment > info->min_storage_buffer_offset_alignment
                             ? req.alignment
                             : info->min_storage_buffer_offset_alignment;
    if (align == 0) align = 1;
    uint32_t type = type_for_kind(ctx, req.memoryTypeBits, kind);
    if (type == UINT32_MAX) {
        st = vkc_fail(VKCNN_ERROR_OUT_OF_DEVICE_MEMORY, "no memory type fits a %s buffer",
                      kind == VKC_MEM_DEVICE ? "device" : "host-visible");
        goto fail;
    }
    bool map = kind_maps(ctx, kind);
    vkc_block *found = NULL;
    VkDeviceSize offset = 0;
    /* the block list is shared by every model of the context */
    pthread_mutex_lock(&ctx->memory_lock);
    for (vkc_block *b = ctx->memory.blocks; b && !found; b = b->next)
        if (b->type == type && (b->mapped != NULL) == map &&
            block_take(b, req.size, align, &offset))
            found = b;
    if (!found) {
        VkDeviceSize block_size = ctx->memory.block_size;
        if (req.size > block_size) block_size = req.size; /* a dedicated block */
        if (block_size > info->max_memory_allocation_size)
            block_size = info->max_memory_allocation_size;
        if (ctx->memory.budget && block_size > req.size &&
            ctx->memory.allocated + block_size > ctx->memory.budget)
            block_size = req.size; /* fit the budget before giving up */
        if ((st = block_create(ctx, block_size, type, map, &found))) goto fail_locked;
        if (!block_take(found, req.size, align, &offset)) {
            st = vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
            goto fail_locked;
        }
    }
    if ((st = vkc_check(dev->vk.vkBindBufferMemory(dev->handle, out->handle, found->memory, offset),
                        "vkBindBufferMemory"))) {
        block_give(found, offset, req.size);
        goto fail_locked;
    }
    pthread_mutex_unlock(&ctx->memory_lock);
    out->size = size;
    out->block = found;
    out->offset = offset;
    out->reserved = req.size;
    out->kind = kind;
    out->mapped = found->mapped ? (char *)found->mapped + offset : NULL;
    return VKCNN_OK;
fail_locked:
    pthread_mutex_unlock(&ctx->memory_lock);
fail:
    dev->vk.vkDestroyBuffer(dev->handle, out->handle, ctx->inst.allocator);
    out->handle = VK_NULL_HANDLE;
    return st;
}

void vkc_buffer_destroy(vkcnn_context *ctx, vkc_buffer *buf) {
    if (!buf || !buf->handle) return;
    ctx->dev.vk.vkDestroyBuffer(ctx->dev.handle, buf->handle, ctx->inst.allocator);
    vkc_block *b = buf->block;
    pthread_mutex_lock(&ctx->memory_lock);
    block_give(b, buf->offset, buf->reserved);
    if (b->live == 0) { /* give empty blocks back to the driver */
        vkc_block **p = &ctx->memory.blocks;
        while (*p != b)
            p = &(*p)->next;
        *p = b->next;
        block_free(ctx, b);
    }
    pthread_mutex_unlock(&ctx->memory_lock);
    memset(buf, 0, sizeof *buf);
}

typedef struct copy_job {
    VkBuffer src, dst;
    VkBufferCopy region;
    bool to_host;
} copy_job;

static void record_copy(vkcnn_context *ctx, VkCommandBuffer cmd, void *user) {
    const copy_job *job = user;
    const struct VolkDeviceTable *vk = &ctx->dev.vk;
    /* Order earlier shader writes before the copy, and the copy before later
     * shader or host access. A submit-and-wait per chunk bounds the rest. */
    VkMemoryBarrier before = {.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                              .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT,
                              .dstAccessMask =
                                  VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT};
    vk->vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                             VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 1, &before, 0, NULL, 0, NULL);
    vk->vkCmdCopyBuffer(cmd, job->src, job->dst, 1, &job->region);
    VkMemoryBarrier after = {.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                             .srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT,
                             .dstAccessMask = job->to_host ? VK_ACCESS_HOST_READ_BIT
                                                           : VK_ACCESS_SHADER_READ_BIT |
                                                                 VK_ACCESS_SHADER_WRITE_BIT};
    vk->vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT,
                             job->to_host ? VK_PIPELINE_STAGE_HOST_BIT
                                          : VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                             0, 1, &after, 0, NULL, 0, NULL);
}

static vkcnn_status check_range(const vkc_buffer *buf, VkDeviceSize offset, size_t size) {
    if (offset > buf->size || size > buf->size - offset)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                        "copy of %zu bytes at offset %llu exceeds buffer of %llu bytes", size,
                        (unsigned long long)offset, (unsigned long long)buf->size);
    return VKCNN_OK;
}

/* Copies through a staging buffer in chunks of at most STAGING_CHUNK bytes. */
static vkcnn_status staged_copy(vkcnn_context *ctx, const vkc_buffer *buf, VkDeviceSize offset,
                                void *host, size_t size, bool to_host) {
    size_t chunk = size < STAGING_CHUNK ? size : STAGING_CHUNK;
    vkc_buffer staging;
    vkcnn_status st =
        vkc_buffer_create(ctx, chunk, to_host ? VKC_MEM_READBACK : VKC_MEM_UPLOAD, &staging);
    if (st) return st;
    for (size_t done = 0; done < size && !st; done += chunk) {
        size_t n = size - done < chunk ? size - done : chunk;
        copy_job job = {.to_host = to_host};
        if (to_host) {
            job.src = buf->handle;
            job.dst = staging.handle;
            job.region = (VkBufferCopy){offset + done, 0, n};
        } else {
            memcpy(staging.mapped, (char *)host + done, n);
            job.src = staging.handle;
            job.dst = buf->handle;
            job.region = (VkBufferCopy){0, offset + done, n};
        }
        st = vkc_ctx_run_once(ctx, record_copy, &job);
        if (!st && to_host) memcpy((char *)host + done, staging.mapped, n);
    }
    vkc_buffer_destroy(ctx, &staging);
    return st;
}

vkcnn_status vkc_buffer_write(vkcnn_context *ctx, vkc_buffer *buf, VkDeviceSize offset,
                              const void *data, size_t size) {
    vkcnn_status st = check_range(buf, offset, size);
    if (st || size == 0) return st;
    if (buf->mapped) {
        memcpy((char *)buf->mapped + offset, data, size);
        return VKCNN_OK;
    }
    return staged_copy(ctx, buf, offset, (void *)data, size, false);
}

vkcnn_status vkc_buffer_read(vkcnn_context *ctx, const vkc_buffer *buf, VkDeviceSize offset,
                             void *data, size_t size) {
    vkcnn_status st = check_range(buf, offset, size);
    if (st || size == 0) return st;
    if (buf->mapped) {
        memcpy(data, (const char *)buf->mapped + offset, size);
        return VKCNN_OK;
    }
    return staged_copy(ctx, buf, offset, data, size, true);
}
