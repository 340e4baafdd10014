#include "vk/sequence.h"

#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "vk/context.h"

typedef struct access {
    VkDeviceMemory memory;
    VkDeviceSize begin, end; /* in memory, [begin, end) */
    unsigned mode;
} access;

static bool is_texel(VkDescriptorType t) {
    return t == VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER ||
           t == VK_DESCRIPTOR_TYPE_STORAGE_TEXEL_BUFFER;
}

/* Buffer bindings (storage buffers, uniform and read-only storage texel
 * buffers) take part in the hazard rule; image and sampler bindings do
 * not. */
static bool is_buffer(VkDescriptorType t) {
    return t == VK_DESCRIPTOR_TYPE_STORAGE_BUFFER || is_texel(t);
}

/* A texel binding's view format: the shader's (reflected), or four halves
 * where a float uniform texel binding holds halves (vkc_binding.half); a
 * storage texel binding (imageLoad, rgba32f) takes no halves (add refuses
 * one). */
static VkFormat texel_format(const vkc_kernel *k, uint32_t b, const vkc_binding *bd) {
    VkFormat f = k->io.texel_formats[b];
    return bd->half && f == VK_FORMAT_R32G32B32A32_SFLOAT ? VK_FORMAT_R16G16B16A16_SFLOAT : f;
}

static uint64_t texel_bytes(const vkc_kernel *k, uint32_t b, const vkc_binding *bd) {
    return texel_format(k, b, bd) == VK_FORMAT_R16G16B16A16_SFLOAT ? 8 : 16;
}

typedef struct step {
    vkc_kernel kernel; /* by value: callers may move or reuse their kernel structs */
    vkc_binding bindings[VKC_MAX_BINDINGS];
    vkc_image_ref *images; /* per binding, when the kernel binds images; else NULL */
    /* per uniform texel buffer binding: the view, created by prepare */
    VkBufferView views[VKC_MAX_BINDINGS];
    uint8_t push[256];
    uint32_t groups[3];
    char label[48];
    VkDescriptorSet set;
    bool barrier_before;
    VkAccessFlags src_access; /* of that barrier; 0: execution dependency only */
} step;

struct vkc_sequence {
    vkcnn_context *ctx;
    step *steps;
    uint32_t count, cap;
    bool timestamps, prepared, recorded;
    uint32_t barriers;
    VkDescriptorPool pool;
    VkCommandPool cmd_pool;
    VkCommandBuffer cmd;
    VkQueryPool queries;
    uint64_t *stamps; /* 2 per step after a run */
};

vkcnn_status vkc_sequence_create(vkcnn_context *ctx, bool timestamps, vkc_sequence **out) {
    *out = NULL;
    vkc_sequence *s = calloc(1, sizeof *s);
    if (!s) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    s->ctx = ctx;
    s->timestamps = timestamps && ctx->dev.phys->info.timestamps;
    *out = s;
    return VKCNN_OK;
}

void vkc_sequence_destroy(vkc_sequence *s) {
    if (!s) return;
    const vkc_device *dev = &s->ctx->dev;
    const VkAllocationCallbacks *ac = s->ctx->inst.allocator;
    if (s->queries) dev->vk.vkDestroyQueryPool(dev->handle, s->queries, ac);
    if (s->cmd_pool) dev->vk.vkDestroyCommandPool(dev->handle, s->cmd_pool, ac);
    if (s->pool) dev->vk.vkDestroyDescriptorPool(dev->handle, s->pool, ac);
    for (uint32_t i = 0; i < s->count; i++) {
        for (uint32_t b = 0; b < s->steps[i].kernel.io.binding_count; b++)
            if (s->steps[i].views[b])
                dev->vk.vkDestroyBufferView(dev->handle, s->steps[i].views[b], ac);
        free(s->steps[i].images);
    }
    free(s->stamps);
    free(s->steps);
    free(s);
}

vkcnn_status vkc_sequence_add(vkc_sequence *s, const vkc_dispatch *d) {
    if (s->prepared) return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "sequence already recorded");
    const vkc_kernel *k = d->kernel;
    if (!k || !k->pipeline || k->io.push_size > sizeof s->steps[0].push ||
        (k->io.push_size && !d->push))
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "dispatch without a usable kernel");
    const vkcnn_device_info *info = &s->ctx->dev.phys->info;
    for (int i = 0; i < 3; i++)
        if (d->groups[i] == 0 || d->groups[i] > info->max_workgroup_count[i])
            return vkc_fail(VKCNN_ERROR_LIMIT,
                            "dispatch of '%s': group count %u in dimension %d outside 1..%u",
                            k->name, d->groups[i], i, info->max_workgroup_count[i]);
    for (uint32_t b = 0; b < k->io.binding_count; b++) {
        const vkc_binding *bd = &d->bindings[b];
        VkDescriptorType type = k->io.types[b];
        if (!is_buffer(type)) {
            bool needs_view = type != VK_DESCRIPTOR_TYPE_SAMPLER;
            bool needs_sampler = type == VK_DESCRIPTOR_TYPE_SAMPLER ||
                                 type == VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER;
            const vkc_image_ref *im = d->images ? &d->images[b] : NULL;
            if (bd->buffer || !im || (needs_view && !im->view) || (needs_sampler && !im->sampler) ||
                bd->access != VKC_READ)
                return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                                "dispatch of '%s': binding %u is a read-only %s binding", k->name,
                                b, needs_view ? "image" : "sampler");
            continue;
        }
        if (!bd->buffer || !bd->buffer->handle || bd->offset >= bd->buffer->size ||
            (bd->range != VK_WHOLE_SIZE && bd->range > bd->buffer->size - bd->offset) ||
            !(bd->access & (VKC_READ | VKC_WRITE)))
            return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "dispatch of '%s': binding %u invalid",
                            k->name, b);
        VkDeviceSize range = bd->range == VK_WHOLE_SIZE ? bd->buffer->size - bd->offset : bd->range;
        if (is_texel(type)) {
            /* viewed as whole texels (a partial last one is not read) */
            uint64_t texels = range / texel_bytes(k, b, bd),
                     align = info->min_texel_buffer_offset_alignment;
            if (type == VK_DESCRIPTOR_TYPE_STORAGE_TEXEL_BUFFER && bd->half)
                return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                                "dispatch of '%s': binding %u holds halves but is read as an "
                                "rgba32f image",
                                k->name, b);
            if (bd->access != VKC_READ || texels == 0)
                return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                                "dispatch of '%s': binding %u is a read-only texel buffer of at "
                                "least 16 bytes",
                                k->name, b);
            if (texels > info->max_texel_buffer_elements)
                return vkc_fail(VKCNN_ERROR_LIMIT,
                                "dispatch of '%s': binding %u spans %llu texels, over the "
                                "device's maxTexelBufferElements (%llu)",
                                k->name, b, (unsigned long long)texels,
                                (unsigned long long)info->max_texel_buffer_elements);
            if (align > 1 && bd->offset % align)
                return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                                "dispatch of '%s': binding %u offset %llu not a multiple of "
                                "minTexelBufferOffsetAlignment (%llu)",
                                k->name, b, (unsigned long long)bd->offset,
                                (unsigned long long)align);
            continue;
        }
        if (range > info->max_storage_buffer_range)
            return vkc_fail(VKCNN_ERROR_LIMIT,
                            "dispatch of '%s': binding %u spans %llu bytes, over the device's "
                            "maxStorageBufferRange (%llu); split the tensor",
                            k->name, b, (unsigned long long)range,
                            (unsigned long long)info->max_storage_buffer_range);
        if (bd->offset % info->min_storage_buffer_offset_alignment)
            return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                            "dispatch of '%s': binding %u offset %llu not a multiple of "
                            "minStorageBufferOffsetAlignment (%llu)",
                            k->name, b, (unsigned long long)bd->offset,
                            (unsigned long long)info->min_storage_buffer_offset_alignment);
    }
    if (s->count == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 16;
        step *grown = vkc_realloc_array(s->steps, cap, sizeof *grown);
        if (!grown) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
        s->steps = grown;
        s->cap = cap;
    }
    vkc_image_ref *images = NULL;
    if (d->images) {
        images = vkc_calloc(k->io.binding_count, sizeof *images);
        if (!images) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
        memcpy(images, d->images, k->io.binding_count * sizeof *images);
    }
    step *st = &s->steps[s->count++];
    memset(st, 0, sizeof *st);
    st->images = images;
    st->kernel = *k;
    memcpy(st->bindings, d->bindings, k->io.binding_count * sizeof *d->bindings);
    if (k->io.push_size) memcpy(st->push, d->push, k->io.push_size);
    memcpy(st->groups, d->groups, sizeof st->groups);
    if (d->label) strncpy(st->label, d->label, sizeof st->label - 1);
    return VKCNN_OK;
}

static access access_of(const vkc_binding *b) {
    VkDeviceSize range = b->range == VK_WHOLE_SIZE ? b->buffer->size - b->offset : b->range;
    VkDeviceSize begin = b->buffer->offset + b->offset;
    return (access){b->buffer->block->memory, begin, begin + range, b->access};
}

/* Decides the barriers (see the header's hazard rule) and the source access
 * mask each needs (0: execution dependency). */
static vkcnn_status plan_barriers(vkc_sequence *s) {
    size_t total = 0;
    for (uint32_t i = 0; i < s->count; i++)
        total += s->steps[i].kernel.io.binding_count;
    access *pending = vkc_calloc(total ? total : 1, sizeof *pending);
    if (!pending) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    size_t n_pending = 0;
    s->barriers = 0;
    for (uint32_t i = 0; i < s->count; i++) {
        step *st = &s->steps[i];
        bool exec = false, mem = false;
        for (uint32_t b = 0; b < st->kernel.io.binding_count; b++) {
            if (!is_buffer(st->kernel.io.types[b])) continue; /* images: read only, untracked */
            access a = access_of(&st->bindings[b]);
            for (size_t p = 0; p < n_pending; p++) {
                const access *q = &pending[p];
                if (q->memory != a.memory || q->end <= a.begin || a.end <= q->begin) continue;
                if (q->mode & VKC_WRITE)
                    mem = true; /* RAW or WAW */
                else if (a.mode & VKC_WRITE)
                    exec = true; /* WAR */
            }
        }
        st->barrier_before = exec || mem;
        st->src_access = mem ? VK_ACCESS_SHADER_WRITE_BIT : 0;
        if (st->barrier_before) {
            s->barriers++;
            n_pending = 0;
        }
        for (uint32_t b = 0; b < st->kernel.io.binding_count; b++)
            if (is_buffer(st->kernel.io.types[b]))
                pending[n_pending++] = access_of(&st->bindings[b]);
    }
    free(pending);
    return VKCNN_OK;
}

/* The descriptor types a sequence may bind, for its pool. */
static const VkDescriptorType pool_types[] = {
    VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,         VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER,
    VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, VK_DESCRIPTOR_TYPE_SAMPLED_IMAGE,
    VK_DESCRIPTOR_TYPE_STORAGE_IMAGE,          VK_DESCRIPTOR_TYPE_SAMPLER,
    VK_DESCRIPTOR_TYPE_STORAGE_TEXEL_BUFFER};
#define POOL_TYPES (sizeof pool_types / sizeof pool_types[0])

static vkcnn_status write_descriptors(vkc_sequence *s) {
    vkcnn_context *ctx = s->ctx;
    const vkc_device *dev = &ctx->dev;
    VkDescriptorPoolSize sizes[POOL_TYPES];
    uint32_t n_sizes = 0;
    for (size_t t = 0; t < POOL_TYPES; t++) {
        uint32_t n = 0;
        for (uint32_t i = 0; i < s->count; i++)
            for (uint32_t b = 0; b < s->steps[i].kernel.io.binding_count; b++)
                n += s->steps[i].kernel.io.types[b] == pool_types[t];
        if (n || t == 0) sizes[n_sizes++] = (VkDescriptorPoolSize){pool_types[t], n ? n : 1};
    }
    VkDescriptorPoolCreateInfo pi = {.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
                                     .maxSets = s->count ? s->count : 1,
                                     .poolSizeCount = n_sizes,
                                     .pPoolSizes = sizes};
    vkcnn_status st =
        vkc_check(dev->vk.vkCreateDescriptorPool(dev->handle, &pi, ctx->inst.allocator, &s->pool),
                  "vkCreateDescriptorPool");
    for (uint32_t i = 0; i < s->count && !st; i++) {
        step *sp = &s->steps[i];
        VkDescriptorSetAllocateInfo ai = {.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
                                          .descriptorPool = s->pool,
                                          .descriptorSetCount = 1,
                                          .pSetLayouts = &sp->kernel.set_layout};
        if ((st = vkc_check(dev->vk.vkAllocateDescriptorSets(dev->handle, &ai, &sp->set),
                            "vkAllocateDescriptorSets")))
            break;
        VkDescriptorBufferInfo infos[VKC_MAX_BINDINGS];
        VkDescriptorImageInfo images[VKC_MAX_BINDINGS];
        VkWriteDescriptorSet writes[VKC_MAX_BINDINGS];
        uint32_t n = sp->kernel.io.binding_count;
        for (uint32_t b = 0; b < n; b++) {
            const vkc_binding *bd = &sp->bindings[b];
            VkDescriptorType type = sp->kernel.io.types[b];
            writes[b] = (VkWriteDescriptorSet){.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
                                               .dstSet = sp->set,
                                               .dstBinding = b,
                                               .descriptorCount = 1,
                                               .descriptorType = type};
            if (type == VK_DESCRIPTOR_TYPE_STORAGE_BUFFER) {
                infos[b] = (VkDescriptorBufferInfo){bd->buffer->handle, bd->offset, bd->range};
                writes[b].pBufferInfo = &infos[b];
            } else if (is_texel(type)) {
                VkDeviceSize range =
                    bd->range == VK_WHOLE_SIZE ? bd->buffer->size - bd->offset : bd->range;
                VkBufferViewCreateInfo vi = {.sType = VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO,
                                             .buffer = bd->buffer->handle,
                                             .format = texel_format(&sp->kernel, b, bd),
                                             .offset = bd->offset,
                                             .range = range / texel_bytes(&sp->kernel, b, bd) *
                                                      texel_bytes(&sp->kernel, b, bd)};
                if ((st = vkc_check(dev->vk.vkCreateBufferView(dev->handle, &vi,
                                                               ctx->inst.allocator, &sp->views[b]),
                                    "vkCreateBufferView")))
                    break;
                writes[b].pTexelBufferView = &sp->views[b];
            } else {
                const vkc_image_ref *im = &sp->images[b];
                images[b] = (VkDescriptorImageInfo){im->sampler, im->view, im->layout};
                writes[b].pImageInfo = &images[b];
            }
        }
        if (st) break;
        if (n) dev->vk.vkUpdateDescriptorSets(dev->handle, n, writes, 0, NULL);
    }
    return st;
}

vkcnn_status vkc_sequence_prepare(vkc_sequence *s) {
    if (s->prepared) return VKCNN_OK;
    vkcnn_status st = plan_barriers(s);
    if (!st) st = write_descriptors(s);
    s->prepared = st == VKCNN_OK;
    return st;
}

vkcnn_status vkc_sequence_create_queries(vkc_sequence *s, VkQueryPool *out) {
    *out = VK_NULL_HANDLE;
    if (!s->timestamps || !s->count) return VKCNN_OK;
    const vkc_device *dev = &s->ctx->dev;
    VkQueryPoolCreateInfo qi = {.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO,
                                .queryType = VK_QUERY_TYPE_TIMESTAMP,
                                .queryCount = 2 * s->count};
    vkcnn_status st =
        vkc_check(dev->vk.vkCreateQueryPool(dev->handle, &qi, s->ctx->inst.allocator, out),
                  "vkCreateQueryPool");
    if (!st && !s->stamps && !(s->stamps = vkc_calloc(2 * (size_t)s->count, sizeof *s->stamps))) {
        dev->vk.vkDestroyQueryPool(dev->handle, *out, s->ctx->inst.allocator);
        *out = VK_NULL_HANDLE;
        st = vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    }
    return st;
}

void vkc_sequence_destroy_queries(vkc_sequence *s, VkQueryPool pool) {
    if (pool) s->ctx->dev.vk.vkDestroyQueryPool(s->ctx->dev.handle, pool, s->ctx->inst.allocator);
}

vkcnn_status vkc_sequence_read_queries(vkc_sequence *s, VkQueryPool pool) {
    if (!pool) return VKCNN_OK;
    const vkc_device *dev = &s->ctx->dev;
    return vkc_check(dev->vk.vkGetQueryPoolResults(
                         dev->handle, pool, 0, 2 * s->count,
                         2 * (size_t)s->count * sizeof(uint64_t), s->stamps, sizeof(uint64_t),
                         VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT),
                     "vkGetQueryPoolResults");
}

void vkc_sequence_record_into(vkc_sequence *s, VkCommandBuffer cmd, VkQueryPool queries) {
    vkc_sequence_record_range(s, cmd, queries, 0, s->count);
}

void vkc_sequence_record_range(vkc_sequence *s, VkCommandBuffer cmd, VkQueryPool queries,
                               uint32_t first, uint32_t count) {
    const struct VolkDeviceTable *vk = &s->ctx->dev.vk;
    if (first >= s->count) return;
    if (count > s->count - first) count = s->count - first;
    /* the first range resets every query; later ranges run after it */
    if (queries && first == 0) vk->vkCmdResetQueryPool(cmd, queries, 0, 2 * s->count);
    VkPipeline bound = VK_NULL_HANDLE;
    for (uint32_t i = first; i < first + count; i++) {
        const step *sp = &s->steps[i];
        /* the caller's barrier precedes a range's first dispatch */
        if (sp->barrier_before && i > first) {
            VkMemoryBarrier mb = {.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                                  .srcAccessMask = sp->src_access,
                                  .dstAccessMask = sp->src_access ? VK_ACCESS_SHADER_READ_BIT |
                                                                        VK_ACCESS_SHADER_WRITE_BIT
                                                                  : 0};
            vk->vkCmdPipelineBarrier(
                cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0,
                sp->src_access ? 1 : 0, sp->src_access ? &mb : NULL, 0, NULL, 0, NULL);
        }
        if (sp->kernel.pipeline != bound) {
            vk->vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, sp->kernel.pipeline);
            bound = sp->kernel.pipeline;
        }
        vk->vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, sp->kernel.layout, 0, 1,
                                    &sp->set, 0, NULL);
        if (sp->kernel.io.push_size)
            vk->vkCmdPushConstants(cmd, sp->kernel.layout, VK_SHADER_STAGE_COMPUTE_BIT, 0,
                                   sp->kernel.io.push_size, sp->push);
        if (queries)
            vk->vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, queries, 2 * i);
        vk->vkCmdDispatch(cmd, sp->groups[0], sp->groups[1], sp->groups[2]);
        if (queries)
            vk->vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, queries, 2 * i + 1);
    }
}

vkcnn_status vkc_sequence_record(vkc_sequence *s) {
    vkcnn_context *ctx = s->ctx;
    const vkc_device *dev = &ctx->dev;
    const VkAllocationCallbacks *ac = ctx->inst.allocator;
    if (s->recorded) return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "sequence already recorded");
    vkcnn_status st = vkc_sequence_prepare(s);
    if (!st) st = vkc_sequence_create_queries(s, &s->queries);
    if (!st) {
        VkCommandPoolCreateInfo ci = {.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
                                      .queueFamilyIndex = dev->family};
        st = vkc_check(dev->vk.vkCreateCommandPool(dev->handle, &ci, ac, &s->cmd_pool),
                       "vkCreateCommandPool");
    }
    if (!st) {
        VkCommandBufferAllocateInfo ai = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
                                          .commandPool = s->cmd_pool,
                                          .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
                                          .commandBufferCount = 1};
        st = vkc_check(dev->vk.vkAllocateCommandBuffers(dev->handle, &ai, &s->cmd),
                       "vkAllocateCommandBuffers");
    }
    if (st) return st;
    const struct VolkDeviceTable *vk = &dev->vk;
    VkCommandBufferBeginInfo bi = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    vk->vkBeginCommandBuffer(s->cmd, &bi);
    /* Host writes made before the submit are visible to the device by the
     * submit's own guarantee; earlier submissions of this queue are ordered
     * before the first dispatch here. */
    VkMemoryBarrier entry = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
        .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
        .dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT};
    vk->vkCmdPipelineBarrier(s->cmd,
                             VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                             VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &entry, 0, NULL, 0, NULL);
    vkc_sequence_record_into(s, s->cmd, s->queries);
    /* Results become visible to host reads (mapped memory) and to transfers
     * (staged readback) after the fence. */
    VkMemoryBarrier exit_barrier = {.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                                    .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT,
                                    .dstAccessMask =
                                        VK_ACCESS_HOST_READ_BIT | VK_ACCESS_TRANSFER_READ_BIT};
    vk->vkCmdPipelineBarrier(s->cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                             VK_PIPELINE_STAGE_HOST_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 1,
                             &exit_barrier, 0, NULL, 0, NULL);
    st = vkc_check(vk->vkEndCommandBuffer(s->cmd), "vkEndCommandBuffer");
    s->recorded = st == VKCNN_OK;
    return st;
}

vkcnn_status vkc_sequence_run(vkc_sequence *s) {
    if (!s->recorded) return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "sequence not recorded");
    vkcnn_context *ctx = s->ctx;
    vkcnn_status st = vkc_ctx_submit_wait(ctx, s->cmd);
    return st ? st : vkc_sequence_read_queries(s, s->queries);
}

uint32_t vkc_sequence_dispatch_count(const vkc_sequence *s) {
    return s->count;
}
uint32_t vkc_sequence_barrier_count(const vkc_sequence *s) {
    return s->barriers;
}

bool vkc_sequence_barrier_before(const vkc_sequence *s, uint32_t i) {
    return i < s->count && s->steps[i].barrier_before;
}

static double ticks_ms(const vkc_sequence *s, uint64_t a, uint64_t b) {
    uint32_t bits = s->ctx->dev.phys->timestamp_valid_bits;
    uint64_t mask = bits >= 64 ? ~0ull : (1ull << bits) - 1;
    uint64_t d = ((b & mask) - (a & mask)) & mask;
    return (double)d * s->ctx->dev.phys->info.timestamp_period_ns * 1e-6;
}

double vkc_sequence_dispatch_ms(const vkc_sequence *s, uint32_t i) {
    if (!s->stamps || i >= s->count) return -1.0;
    return ticks_ms(s, s->stamps[2 * i], s->stamps[2 * i + 1]);
}

double vkc_sequence_total_ms(const vkc_sequence *s) {
    if (!s->stamps || !s->count) return -1.0;
    return ticks_ms(s, s->stamps[0], s->stamps[2 * s->count - 1]);
}
