/* In-flight slots: how a model runs inferences asynchronously.
 *
 * Each slot owns a host-visible copy of every graph input and output and a
 * command buffer recorded once at model creation:
 *
 *     barrier | copy slot inputs -> model inputs | barrier | the network
 *     (vkc_exec_record) | barrier | copy model outputs -> slot outputs |
 *     barrier (host reads)
 *
 * The model's own tensors (inputs, arena, outputs) are shared by every slot,
 * so the GPU runs inferences one after the other in submission order; the
 * barriers at the start of each command buffer order it after the previous
 * submission's reads and writes. What overlaps is the host side: while slot
 * A computes, the caller fills slot B's inputs and reads slot C's outputs.
 *
 * The transfer split (m->split: a discrete GPU with a dedicated transfer
 * family, or VKCNN_FAULT_FORCE_TRANSFER_SPLIT) moves the host <-> device
 * copies, the slow ones over the bus, to the transfer queue. They cannot
 * write the model's shared input tensor while the previous inference reads
 * it, so each slot also has device-local landing buffers:
 *
 *     transfer: up    slot inputs -> land_in                signals uploaded
 *     compute:  split land_in -> model inputs | network |   waits uploaded,
 *                     model outputs -> land_out             signals computed
 *     transfer: down  land_out -> slot outputs | barrier    waits computed,
 *                     (host reads)                          signals the fence
 *
 * so slot k+1's upload runs while slot k computes, and slot k's readback
 * while slot k+1 computes; the device-local copies on the compute queue
 * are cheap. The landing and slot buffers are used by both families: they
 * are created VK_SHARING_MODE_CONCURRENT (vkc_buffer_create_shared) rather
 * than passed between families by release/acquire barrier pairs, which
 * would have to be recorded per direction in both queues' command buffers
 * and differ between this path and the ones below that use the slot
 * buffers on the compute queue alone. The semaphores carry the memory
 * dependencies between the queues. Submits with the application's
 * semaphores or buffers (vkcnn_model_submit_vk) keep the single compute
 * command buffer: their semaphores and stage masks belong to that queue.
 *
 * Tickets count submissions from 1; ticket t runs on slot (t - 1) % count.
 * A slot is reused only after its previous inference completed (the reuse
 * waits), so a ticket whose slot was reused is complete but its outputs are
 * gone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/error.h"
#include "run/model_internal.h"
#include "vk/context.h"

/* Every earlier shader or transfer access (this or a previous submission)
 * before every later one. */
static void barrier(vkcnn_context *ctx, VkCommandBuffer cmd, VkPipelineStageFlags dst_stage,
                    VkAccessFlags dst_access) {
    VkMemoryBarrier mb = {.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                          .srcAccessMask =
                              VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
                          .dstAccessMask = dst_access};
    ctx->dev.vk.vkCmdPipelineBarrier(
        cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT, dst_stage, 0, 1,
        &mb, 0, NULL, 0, NULL);
}

/* Copies between a buffer (at byte `at`) and the model's tensor, chunk by
 * chunk. */
static void copy_tensor(vkcnn_model *m, VkCommandBuffer cmd, uint32_t tensor, VkBuffer other,
                        VkDeviceSize at, bool to_model) {
    uint32_t chunks = vkc_exec_tensor_chunks(m->exec, tensor);
    for (uint32_t c = 0; c < chunks; c++) {
        vkc_binding b;
        uint64_t first = 0;
        if (vkc_exec_tensor_chunk(m->exec, tensor, c, &b, &first) || b.range == 0) continue;
        VkBufferCopy region = {.srcOffset = to_model ? at + first * 4 : b.offset,
                               .dstOffset = to_model ? b.offset : at + first * 4,
                               .size = b.range};
        m->ctx->dev.vk.vkCmdCopyBuffer(cmd, to_model ? other : b.buffer->handle,
                                       to_model ? b.buffer->handle : other, 1, &region);
    }
}

/* The acquire (or release) half of a queue family ownership transfer of an
 * application buffer exclusive to ref->family (vkcnn.h, vkcnn_buffer_ref). */
static void transfer_ownership(vkcnn_model *m, VkCommandBuffer cmd, const vkcnn_buffer_ref *ref,
                               bool acquire) {
    uint32_t own = m->ctx->dev.family;
    VkBufferMemoryBarrier b = {.sType = VK_STRUCTURE_TYPE_BUFFER_MEMORY_BARRIER,
                               .srcAccessMask = acquire ? 0 : VK_ACCESS_TRANSFER_WRITE_BIT,
                               .dstAccessMask = acquire ? VK_ACCESS_TRANSFER_READ_BIT : 0,
                               .srcQueueFamilyIndex = acquire ? ref->family : own,
                               .dstQueueFamilyIndex = acquire ? own : ref->family,
                               .buffer = ref->buffer,
                               .offset = 0,
                               .size = VK_WHOLE_SIZE};
    m->ctx->dev.vk.vkCmdPipelineBarrier(
        cmd, acquire ? VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT : VK_PIPELINE_STAGE_TRANSFER_BIT,
        acquire ? VK_PIPELINE_STAGE_TRANSFER_BIT : VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, 0, 0, NULL,
        1, &b, 0, NULL);
}

static bool foreign(const vkcnn_model *m, const vkcnn_buffer_ref *refs, uint32_t i) {
    return refs && refs[i].buffer && refs[i].foreign_family && refs[i].family != m->ctx->dev.family;
}

/* Part `part` of `parts` of one inference: the first copies the inputs in
 * (from the given buffers, else from in_bufs, one per graph input, when not
 * NULL), each runs its share of the dispatches, the last copies the
 * outputs out (to the given buffers, else to out_bufs) and ends with a
 * barrier to every later command and the host. Each part starts with a
 * full barrier, which orders it after the previous part (or any earlier
 * work) in queue order. */
static void record_part(vkcnn_model *m, VkCommandBuffer cmd, uint32_t part, uint32_t parts,
                        const vkc_buffer *in_bufs, const vkc_buffer *out_bufs,
                        const vkcnn_buffer_ref *inputs, const vkcnn_buffer_ref *outputs,
                        VkQueryPool queries, bool transfers) {
    vkcnn_context *ctx = m->ctx;
    const vkc_graph *g = m->graph;
    const VkAccessFlags rw = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
                             VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
    const VkPipelineStageFlags both =
        VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
    barrier(ctx, cmd, both, rw);
    if (part == 0) {
        for (uint32_t i = 0; transfers && i < g->input_count; i++)
            if (foreign(m, inputs, i)) transfer_ownership(m, cmd, &inputs[i], true);
        for (uint32_t i = 0; i < g->input_count; i++) {
            if (inputs && inputs[i].buffer)
                copy_tensor(m, cmd, g->inputs[i], inputs[i].buffer, inputs[i].offset, true);
            else if (in_bufs)
                copy_tensor(m, cmd, g->inputs[i], in_bufs[i].handle, 0, true);
        }
        barrier(ctx, cmd, both, rw);
    }
    uint32_t total = vkc_exec_dispatch_count(m->exec);
    uint32_t per = (total + parts - 1) / parts;
    if (parts == 1)
        vkc_exec_record(m->exec, cmd, queries);
    else
        vkc_exec_record_range(m->exec, cmd, queries, part * per, per);
    if (part + 1 < parts) return;
    barrier(ctx, cmd, both, rw);
    for (uint32_t i = 0; i < g->output_count; i++) {
        if (outputs && outputs[i].buffer)
            copy_tensor(m, cmd, g->outputs[i], outputs[i].buffer, outputs[i].offset, false);
        else if (out_bufs)
            copy_tensor(m, cmd, g->outputs[i], out_bufs[i].handle, 0, false);
    }
    for (uint32_t i = 0; transfers && i < g->output_count; i++)
        if (foreign(m, outputs, i)) transfer_ownership(m, cmd, &outputs[i], false);
    /* outputs (and, for the per-node check, every tensor) readable by the
     * host after the fence, and by whatever the application records next */
    VkMemoryBarrier mb = {.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                          .srcAccessMask =
                              VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
                          .dstAccessMask = VK_ACCESS_HOST_READ_BIT | VK_ACCESS_MEMORY_READ_BIT |
                                           VK_ACCESS_MEMORY_WRITE_BIT};
    ctx->dev.vk.vkCmdPipelineBarrier(
        cmd, both, VK_PIPELINE_STAGE_HOST_BIT | VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, 0, 1, &mb, 0,
        NULL, 0, NULL);
}

void vkc_record_inference(vkcnn_model *m, VkCommandBuffer cmd, const vkc_slot *in_slot,
                          const vkc_slot *out_slot, const vkcnn_buffer_ref *inputs,
                          const vkcnn_buffer_ref *outputs, VkQueryPool queries) {
    record_part(m, cmd, 0, 1, in_slot ? in_slot->inputs : NULL, out_slot ? out_slot->outputs : NULL,
                inputs, outputs, queries, false);
}

/* Records the parts of one inference on slot s into cmds[0 .. m->parts),
 * between in_bufs and out_bufs (the slot's host-visible buffers, or its
 * landing buffers); `once`: re-recorded for one submit (the application's
 * buffers). */
static vkcnn_status record_parts(vkcnn_model *m, VkCommandBuffer *cmds, const vkc_slot *s,
                                 const vkc_buffer *in_bufs, const vkc_buffer *out_bufs,
                                 const vkcnn_buffer_ref *inputs, const vkcnn_buffer_ref *outputs,
                                 bool once) {
    const struct VolkDeviceTable *vk = &m->ctx->dev.vk;
    VkCommandBufferBeginInfo bi = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
                                   .flags = once ? VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT : 0};
    for (uint32_t p = 0; p < m->parts; p++) {
        if (once) VKC_TRY(vkc_check(vk->vkResetCommandBuffer(cmds[p], 0), "vkResetCommandBuffer"));
        VKC_TRY(vkc_check(vk->vkBeginCommandBuffer(cmds[p], &bi), "vkBeginCommandBuffer"));
        record_part(m, cmds[p], p, m->parts, in_bufs, out_bufs, inputs, outputs, s->queries, true);
        VKC_TRY(vkc_check(vk->vkEndCommandBuffer(cmds[p]), "vkEndCommandBuffer"));
    }
    return VKCNN_OK;
}

static vkcnn_status allocate_cmds(vkcnn_model *m, VkCommandBuffer **out) {
    const vkc_device *dev = &m->ctx->dev;
    *out = vkc_calloc(m->parts, sizeof **out);
    if (!*out) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    VkCommandBufferAllocateInfo ai = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
                                      .commandPool = m->pool,
                                      .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
                                      .commandBufferCount = m->parts};
    return vkc_check(dev->vk.vkAllocateCommandBuffers(dev->handle, &ai, *out),
                     "vkAllocateCommandBuffers");
}

/* The transfer queue's share of slot s: `up` copies the host-written
 * inputs to the landing buffers (the submission makes the host writes
 * visible), `down` the landing outputs to the host-visible ones, then makes
 * them available to the host. Whole buffers: landing and slot buffers have
 * one size. Their earlier uses are complete: a slot is reused only after
 * its fence, which `down` signals after everything before it. */
static vkcnn_status record_transfers(vkcnn_model *m, vkc_slot *s) {
    const struct VolkDeviceTable *vk = &m->ctx->dev.vk;
    const vkc_graph *g = m->graph;
    VkCommandBufferBeginInfo bi = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    VKC_TRY(vkc_check(vk->vkBeginCommandBuffer(s->up, &bi), "vkBeginCommandBuffer"));
    /* image inputs are written into the slot inputs on the compute queue
     * (image_input.c), then waited for by the host: that fence made the
     * writes available; this makes them visible to the copies here */
    VkMemoryBarrier visible = {.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                               .dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT};
    vk->vkCmdPipelineBarrier(s->up, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT,
                             VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 1, &visible, 0, NULL, 0, NULL);
    for (uint32_t i = 0; i < g->input_count; i++) {
        VkBufferCopy region = {.size = s->inputs[i].size};
        vk->vkCmdCopyBuffer(s->up, s->inputs[i].handle, s->land_in[i].handle, 1, &region);
    }
    VKC_TRY(vkc_check(vk->vkEndCommandBuffer(s->up), "vkEndCommandBuffer"));
    VKC_TRY(vkc_check(vk->vkBeginCommandBuffer(s->down, &bi), "vkBeginCommandBuffer"));
    for (uint32_t i = 0; i < g->output_count; i++) {
        VkBufferCopy region = {.size = s->outputs[i].size};
        vk->vkCmdCopyBuffer(s->down, s->land_out[i].handle, s->outputs[i].handle, 1, &region);
    }
    VkMemoryBarrier mb = {.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                          .srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT,
                          .dstAccessMask = VK_ACCESS_HOST_READ_BIT};
    vk->vkCmdPipelineBarrier(s->down, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0,
                             1, &mb, 0, NULL, 0, NULL);
    return vkc_check(vk->vkEndCommandBuffer(s->down), "vkEndCommandBuffer");
}

/* The split's per-slot objects: landing buffers, compute parts, transfer
 * command buffers and the two semaphores. */
static vkcnn_status create_split(vkcnn_model *m, vkc_slot *s) {
    vkcnn_context *ctx = m->ctx;
    const vkc_device *dev = &ctx->dev;
    const vkc_graph *g = m->graph;
    s->land_in = vkc_calloc(g->input_count ? g->input_count : 1, sizeof *s->land_in);
    s->land_out = vkc_calloc(g->output_count ? g->output_count : 1, sizeof *s->land_out);
    if (!s->land_in || !s->land_out)
        return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    for (uint32_t i = 0; i < g->input_count; i++) {
        vkcnn_status st =
            vkc_buffer_create_shared(ctx, s->inputs[i].size, VKC_MEM_DEVICE, &s->land_in[i]);
        if (st)
            return vkc_fail_context(st, "input '%s' landing buffer", g->tensors[g->inputs[i]].name);
    }
    for (uint32_t i = 0; i < g->output_count; i++) {
        vkcnn_status st =
            vkc_buffer_create_shared(ctx, s->outputs[i].size, VKC_MEM_DEVICE, &s->land_out[i]);
        if (st)
            return vkc_fail_context(st, "output '%s' landing buffer",
                                    g->tensors[g->outputs[i]].name);
    }
    VkSemaphoreCreateInfo si = {.sType = VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO};
    VKC_TRY(
        vkc_check(dev->vk.vkCreateSemaphore(dev->handle, &si, ctx->inst.allocator, &s->uploaded),
                  "vkCreateSemaphore"));
    VKC_TRY(
        vkc_check(dev->vk.vkCreateSemaphore(dev->handle, &si, ctx->inst.allocator, &s->computed),
                  "vkCreateSemaphore"));
    VkCommandBuffer two[2];
    VkCommandBufferAllocateInfo ai = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
                                      .commandPool = m->xfer_pool,
                                      .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
                                      .commandBufferCount = 2};
    VKC_TRY(vkc_check(dev->vk.vkAllocateCommandBuffers(dev->handle, &ai, two),
                      "vkAllocateCommandBuffers"));
    s->up = two[0];
    s->down = two[1];
    VKC_TRY(record_transfers(m, s));
    VKC_TRY(allocate_cmds(m, &s->split));
    return record_parts(m, s->split, s, s->land_in, s->land_out, NULL, NULL, false);
}

static vkcnn_status create_slot(vkcnn_model *m, vkc_slot *s) {
    vkcnn_context *ctx = m->ctx;
    const vkc_device *dev = &ctx->dev;
    const vkc_graph *g = m->graph;
    s->inputs = vkc_calloc(g->input_count ? g->input_count : 1, sizeof *s->inputs);
    s->outputs = vkc_calloc(g->output_count ? g->output_count : 1, sizeof *s->outputs);
    s->fresh = vkc_calloc(g->input_count ? g->input_count : 1, sizeof *s->fresh);
    if (!s->inputs || !s->outputs || !s->fresh)
        return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    for (uint32_t i = 0; i < g->input_count; i++) {
        const vkc_tensor *t = &g->tensors[g->inputs[i]];
        uint64_t bytes = t->elements ? t->elements * 4 : 4;
        vkcnn_status st = vkc_buffer_create_shared(ctx, bytes, VKC_MEM_UPLOAD, &s->inputs[i]);
        if (st) return vkc_fail_context(st, "input '%s' staging buffer", t->name);
        if (!s->inputs[i].mapped) /* host-visible memory is always mapped */
            return vkc_fail(VKCNN_ERROR_VULKAN, "input '%s' staging buffer is not mapped", t->name);
        memset(s->inputs[i].mapped, 0, bytes);
    }
    for (uint32_t i = 0; i < g->output_count; i++) {
        const vkc_tensor *t = &g->tensors[g->outputs[i]];
        uint64_t bytes = t->elements ? t->elements * 4 : 4;
        vkcnn_status st = vkc_buffer_create_shared(ctx, bytes, VKC_MEM_READBACK, &s->outputs[i]);
        if (st) return vkc_fail_context(st, "output '%s' readback buffer", t->name);
    }
    VKC_TRY(allocate_cmds(m, &s->cmds));
    VkFenceCreateInfo fi = {.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    VKC_TRY(vkc_check(dev->vk.vkCreateFence(dev->handle, &fi, ctx->inst.allocator, &s->fence),
                      "vkCreateFence"));
    if (m->profile) VKC_TRY(vkc_exec_create_queries(m->exec, &s->queries));
    if (m->split) VKC_TRY(create_split(m, s));
    return record_parts(m, s->cmds, s, s->inputs, s->outputs, NULL, NULL, false);
}

vkcnn_status vkc_slots_create(vkcnn_model *m, uint32_t count) {
    vkcnn_context *ctx = m->ctx;
    const vkc_device *dev = &ctx->dev;
    /* resettable: cmd_ext is re-recorded for each submit with buffers */
    VkCommandPoolCreateInfo ci = {.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
                                  .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
                                  .queueFamilyIndex = dev->family};
    VKC_TRY(vkc_check(dev->vk.vkCreateCommandPool(dev->handle, &ci, ctx->inst.allocator, &m->pool),
                      "vkCreateCommandPool"));
    m->split = dev->xfer_split;
    if (m->split) {
        VkCommandPoolCreateInfo xi = {.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
                                      .queueFamilyIndex = dev->xfer_family};
        VKC_TRY(vkc_check(
            dev->vk.vkCreateCommandPool(dev->handle, &xi, ctx->inst.allocator, &m->xfer_pool),
            "vkCreateCommandPool (transfer)"));
    }
    m->slots = vkc_calloc(count, sizeof *m->slots);
    if (!m->slots) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    m->slot_count = count;
    for (uint32_t i = 0; i < count; i++)
        VKC_TRY(create_slot(m, &m->slots[i]));
    return VKCNN_OK;
}

/* A chain of split submissions failed part-way (its semaphores may be left
 * signalled or waited on by nothing): later submits take the single
 * compute command buffer, and destroy drains the queues first. */
static void break_split(vkcnn_model *m) {
    m->split = false;
    m->broken = true;
}

/* Submits slot s's readback, which signals its fence. */
static vkcnn_status submit_down(vkcnn_model *m, vkc_slot *s) {
    VkPipelineStageFlags transfer = VK_PIPELINE_STAGE_TRANSFER_BIT;
    VkSubmitInfo si = {.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
                       .waitSemaphoreCount = 1,
                       .pWaitSemaphores = &s->computed,
                       .pWaitDstStageMask = &transfer,
                       .commandBufferCount = 1,
                       .pCommandBuffers = &s->down};
    vkcnn_status st = vkc_ctx_submit_xfer(m->ctx, &si, s->fence);
    if (st) {
        s->busy = false; /* its fence will not signal */
        break_split(m);
        return vkc_fail_context(st, "inference %llu: output copies", (unsigned long long)s->ticket);
    }
    return VKCNN_OK;
}

void vkc_slots_destroy(vkcnn_model *m) {
    vkcnn_context *ctx = m->ctx;
    const vkc_device *dev = &ctx->dev;
    const VkAllocationCallbacks *ac = ctx->inst.allocator;
    /* a pending readback signals its slot's fence; on failure the slot is
     * no longer busy and the model broken */
    if (m->pending && !atomic_load(&ctx->lost)) submit_down(m, m->pending);
    m->pending = NULL;
    for (uint32_t i = 0; m->slots && i < m->slot_count; i++) {
        vkc_slot *s = &m->slots[i];
        /* nothing may be freed under running work; a lost device runs none */
        if (s->busy && !atomic_load(&ctx->lost))
            dev->vk.vkWaitForFences(dev->handle, 1, &s->fence, VK_TRUE, UINT64_MAX);
    }
    /* a chain broken part-way may still signal a semaphore nobody waits for */
    if (m->broken) vkc_ctx_queues_idle(ctx);
    for (uint32_t i = 0; m->slots && i < m->slot_count; i++) {
        vkc_slot *s = &m->slots[i];
        if (s->fence) dev->vk.vkDestroyFence(dev->handle, s->fence, ac);
        if (s->uploaded) dev->vk.vkDestroySemaphore(dev->handle, s->uploaded, ac);
        if (s->computed) dev->vk.vkDestroySemaphore(dev->handle, s->computed, ac);
        vkc_exec_destroy_queries(m->exec, s->queries);
        for (uint32_t k = 0; k < m->graph->input_count; k++) {
            if (s->inputs && s->inputs[k].handle) vkc_buffer_destroy(ctx, &s->inputs[k]);
            if (s->land_in && s->land_in[k].handle) vkc_buffer_destroy(ctx, &s->land_in[k]);
        }
        for (uint32_t k = 0; k < m->graph->output_count; k++) {
            if (s->outputs && s->outputs[k].handle) vkc_buffer_destroy(ctx, &s->outputs[k]);
            if (s->land_out && s->land_out[k].handle) vkc_buffer_destroy(ctx, &s->land_out[k]);
        }
        free(s->cmds); /* the buffers go with the pools */
        free(s->ext);
        free(s->split);
        free(s->inputs);
        free(s->outputs);
        free(s->land_in);
        free(s->land_out);
        free(s->fresh);
    }
    free(m->slots);
    m->slots = NULL;
    if (m->pool) dev->vk.vkDestroyCommandPool(dev->handle, m->pool, ac);
    if (m->xfer_pool) dev->vk.vkDestroyCommandPool(dev->handle, m->xfer_pool, ac);
    m->pool = m->xfer_pool = VK_NULL_HANDLE;
}

/* Submits slot s's upload, then the readback still pending from the
 * previous submit (behind the upload on the transfer queue, so that the
 * upload does not wait for the previous compute), then s's compute
 * parts. */
static vkcnn_status submit_split(vkcnn_model *m, vkc_slot *s) {
    VkSubmitInfo up = {.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
                       .commandBufferCount = 1,
                       .pCommandBuffers = &s->up,
                       .signalSemaphoreCount = 1,
                       .pSignalSemaphores = &s->uploaded};
    VKC_TRY(vkc_ctx_submit_xfer(m->ctx, &up, VK_NULL_HANDLE));
    vkc_slot *prev = m->pending;
    m->pending = NULL;
    vkcnn_status st = prev ? submit_down(m, prev) : VKCNN_OK;
    if (st) {
        break_split(m); /* `uploaded` stays signalled */
        return st;
    }
    VkPipelineStageFlags transfer = VK_PIPELINE_STAGE_TRANSFER_BIT;
    for (uint32_t p = 0; p < m->parts; p++) {
        bool first = p == 0, last = p + 1 == m->parts;
        VkSubmitInfo si = {.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
                           .waitSemaphoreCount = first,
                           .pWaitSemaphores = &s->uploaded,
                           .pWaitDstStageMask = &transfer,
                           .commandBufferCount = 1,
                           .pCommandBuffers = &s->split[p],
                           .signalSemaphoreCount = last,
                           .pSignalSemaphores = &s->computed};
        if ((st = vkc_ctx_submit_info(m->ctx, &si, VK_NULL_HANDLE))) {
            break_split(m);
            return st;
        }
    }
    m->pending = s;
    return VKCNN_OK;
}

/* Waits up to timeout_ns for slot s's inference; VKCNN_NOT_READY on timeout. */
static vkcnn_status wait_slot(vkcnn_model *m, vkc_slot *s, uint64_t timeout_ns) {
    if (!s->busy) return VKCNN_OK;
    if (m->pending == s) { /* its readback was held back for the next upload */
        m->pending = NULL;
        VKC_TRY(submit_down(m, s));
    }
    vkcnn_status st = vkc_ctx_wait(m->ctx, s->fence, timeout_ns);
    if (st)
        return st == VKCNN_NOT_READY
                   ? st
                   : vkc_fail_context(st, "inference %llu", (unsigned long long)s->ticket);
    s->busy = false;
    /* the timestamps of the completed inference, for vkcnn_model_get_stats */
    VKC_TRY(vkc_exec_read_queries(m->exec, s->queries));
    if (m->debug >= 3) {
        fprintf(stderr, "vkcnn: inference %llu\n", (unsigned long long)s->ticket);
        vkc_exec_describe_run(m->exec, stderr);
    }
    return VKCNN_OK;
}

static vkc_slot *next_slot(vkcnn_model *m) {
    return &m->slots[m->next_ticket % m->slot_count];
}

vkc_slot *vkc_slot_peek(vkcnn_model *m) {
    return next_slot(m);
}

/* The slot of the previous submit (NULL before the first, or when it is s). */
static const vkc_slot *previous_slot(const vkcnn_model *m, const vkc_slot *s) {
    const vkc_slot *p = m->next_ticket ? &m->slots[(m->next_ticket - 1) % m->slot_count] : NULL;
    return p == s ? NULL : p;
}

vkcnn_status vkc_slot_for_input(vkcnn_model *m, uint32_t input, bool whole, vkc_slot **out) {
    vkc_slot *s = next_slot(m);
    VKC_TRY(wait_slot(m, s, UINT64_MAX));
    /* a partial write (some batch slots) starts from the previous values */
    const vkc_slot *prev = previous_slot(m, s);
    if (!s->fresh[input] && !whole && prev)
        memcpy(s->inputs[input].mapped, prev->inputs[input].mapped, s->inputs[input].size);
    s->fresh[input] = true;
    *out = s;
    return VKCNN_OK;
}

vkcnn_status vkc_slots_submit(vkcnn_model *m, const vkcnn_submit_sync *sync,
                              const vkcnn_buffer_ref *inputs, const vkcnn_buffer_ref *outputs,
                              uint64_t *ticket) {
    vkc_slot *s = next_slot(m);
    VKC_TRY(wait_slot(m, s, UINT64_MAX));
    /* inputs not set for this submit keep the previous submit's values; the
     * previous slot may be in flight, but the device only reads it */
    const vkc_slot *prev = previous_slot(m, s);
    for (uint32_t i = 0; i < m->graph->input_count; i++) {
        if (!s->fresh[i] && prev)
            memcpy(s->inputs[i].mapped, prev->inputs[i].mapped, s->inputs[i].size);
        s->fresh[i] = false;
    }
    const vkc_device *dev = &m->ctx->dev;
    if (m->split && !sync && !inputs && !outputs) {
        VKC_TRY(vkc_check(dev->vk.vkResetFences(dev->handle, 1, &s->fence), "vkResetFences"));
        VKC_TRY(submit_split(m, s));
        s->ticket = ++m->next_ticket;
        s->busy = true;
        *ticket = s->ticket;
        return VKCNN_OK;
    }
    VkCommandBuffer *cmds = s->cmds;
    if (inputs || outputs) { /* the application's buffers: recorded for this submit */
        if (!s->ext) VKC_TRY(allocate_cmds(m, &s->ext));
        VKC_TRY(record_parts(m, s->ext, s, s->inputs, s->outputs, inputs, outputs, true));
        cmds = s->ext;
    }
    VkPipelineStageFlags stages[16];
    uint32_t waits = sync ? sync->wait_count : 0;
    if (waits > 16) return vkc_fail(VKCNN_ERROR_LIMIT, "%u wait semaphores: at most 16", waits);
    for (uint32_t i = 0; i < waits; i++)
        stages[i] = sync->wait_stages ? sync->wait_stages[i] : VK_PIPELINE_STAGE_TRANSFER_BIT;
    VkTimelineSemaphoreSubmitInfo timeline = {
        .sType = VK_STRUCTURE_TYPE_TIMELINE_SEMAPHORE_SUBMIT_INFO,
        .waitSemaphoreValueCount = sync && sync->wait_values ? waits : 0,
        .pWaitSemaphoreValues = sync ? sync->wait_values : NULL,
        .signalSemaphoreValueCount = sync && sync->signal_values ? sync->signal_count : 0,
        .pSignalSemaphoreValues = sync ? sync->signal_values : NULL};
    bool timed = sync && (sync->wait_values || sync->signal_values);
    VKC_TRY(vkc_check(dev->vk.vkResetFences(dev->handle, 1, &s->fence), "vkResetFences"));
    /* one vkQueueSubmit per part: other work on the queue may run between
     * them; the first part waits, the last signals and carries the fence */
    for (uint32_t p = 0; p < m->parts; p++) {
        bool first = p == 0, last = p + 1 == m->parts;
        timeline.waitSemaphoreValueCount = first && sync && sync->wait_values ? waits : 0;
        timeline.signalSemaphoreValueCount =
            last && sync && sync->signal_values ? sync->signal_count : 0;
        VkSubmitInfo si = {.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
                           .pNext = timed ? &timeline : NULL,
                           .waitSemaphoreCount = first ? waits : 0,
                           .pWaitSemaphores = sync ? sync->wait_semaphores : NULL,
                           .pWaitDstStageMask = stages,
                           .commandBufferCount = 1,
                           .pCommandBuffers = &cmds[p],
                           .signalSemaphoreCount = last && sync ? sync->signal_count : 0,
                           .pSignalSemaphores = sync ? sync->signal_semaphores : NULL};
        VKC_TRY(vkc_ctx_submit_info(m->ctx, &si, last ? s->fence : VK_NULL_HANDLE));
    }
    s->ticket = ++m->next_ticket;
    s->busy = true;
    *ticket = s->ticket;
    return VKCNN_OK;
}

/* The slot of a ticket; NULL (with a message) when the ticket was never
 * issued, or, with `need_outputs`, when its slot has been reused. */
static vkc_slot *slot_of(vkcnn_model *m, uint64_t ticket, bool need_outputs) {
    if (ticket == 0 || ticket > m->next_ticket) {
        vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "ticket %llu was not issued by this model",
                 (unsigned long long)ticket);
        return NULL;
    }
    vkc_slot *s = &m->slots[(ticket - 1) % m->slot_count];
    if (need_outputs && s->ticket != ticket) {
        vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                 "ticket %llu has expired: its slot was reused by ticket %llu (%u in flight)",
                 (unsigned long long)ticket, (unsigned long long)s->ticket, m->slot_count);
        return NULL;
    }
    return s;
}

vkcnn_status vkc_slots_wait(vkcnn_model *m, uint64_t ticket, uint64_t timeout_ns) {
    vkc_slot *s = slot_of(m, ticket, false);
    if (!s) return VKCNN_ERROR_INVALID_ARGUMENT;
    if (s->ticket != ticket) return VKCNN_OK; /* reused, hence complete */
    return wait_slot(m, s, timeout_ns);
}

vkcnn_status vkc_slots_read(vkcnn_model *m, uint64_t ticket, uint32_t output, float *data,
                            size_t count) {
    vkc_slot *s = slot_of(m, ticket, true);
    if (!s) return VKCNN_ERROR_INVALID_ARGUMENT;
    VKC_TRY(wait_slot(m, s, UINT64_MAX));
    return vkc_buffer_read(m->ctx, &s->outputs[output], 0, data, count * sizeof *data);
}
