/* vkcnn_model_record_image: the application's VkImage preprocessed by
 * shaders/preprocess_image.comp into the next inference's host-side input
 * (the slot buffer that vkcnn_model_record and submits copy into the
 * model), recorded into the application's command buffer.
 *
 * A recorded dispatch needs a descriptor set that lives as long as the
 * command buffer may execute, and vkcnn cannot see when that is; so each
 * distinct call (image, view, format, layout, usage, destination,
 * preprocessing) gets an entry holding its view and a prepared one-dispatch
 * sequence, kept until vkcnn_model_release_image or model destruction and
 * reused by identical calls (the same image every frame). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/error.h"
#include "run/image_input.h"
#include "run/model_internal.h"
#include "vk/context.h"
#include "vk/kernel.h"
#include "vk/sequence.h"

#define MAX_ENTRIES 64

enum { ENC_UNORM8 = 0, ENC_SRGB8 = 1, ENC_FLOAT = 2 };
enum { SRC_SAMPLED = 0, SRC_STORAGE_RGBA8 = 1, SRC_STORAGE_RGBA16F = 2, SRC_KINDS = 3 };

typedef struct entry {
    /* the key */
    VkImage image;
    VkImageView given_view;
    VkFormat format;
    VkImageLayout layout;
    int kind;
    VkBuffer dst;
    vkc_pp_push push;
    /* what it holds */
    VkImageView own_view; /* created here when none was given */
    vkc_sequence *seq;    /* one prepared dispatch */
} entry;

struct vkc_image_refs {
    vkc_kernel kernels[SRC_KINDS];
    bool have[SRC_KINDS];
    VkSampler sampler; /* nearest, for the combined image sampler (texelFetch ignores it) */
    entry entries[MAX_ENTRIES];
    uint32_t count;
};

static void free_entry(vkcnn_model *m, entry *e) {
    const vkc_device *dev = &m->ctx->dev;
    vkc_sequence_destroy(e->seq);
    if (e->own_view) dev->vk.vkDestroyImageView(dev->handle, e->own_view, m->ctx->inst.allocator);
    memset(e, 0, sizeof *e);
}

void vkc_image_refs_destroy(vkcnn_model *m) {
    struct vkc_image_refs *r = m->image_refs;
    if (!r) return;
    const vkc_device *dev = &m->ctx->dev;
    for (uint32_t i = 0; i < r->count; i++)
        free_entry(m, &r->entries[i]);
    for (int k = 0; k < SRC_KINDS; k++)
        if (r->have[k]) vkc_kernel_destroy(m->ctx, &r->kernels[k]);
    if (r->sampler) dev->vk.vkDestroySampler(dev->handle, r->sampler, m->ctx->inst.allocator);
    free(r);
    m->image_refs = NULL;
}

void vkcnn_model_release_image(vkcnn_model *m, VkImage image) {
    if (!m || !m->image_refs) return;
    struct vkc_image_refs *r = m->image_refs;
    for (uint32_t i = 0; i < r->count;) {
        if (image && r->entries[i].image != image) {
            i++;
            continue;
        }
        free_entry(m, &r->entries[i]);
        if (i != --r->count) memcpy(&r->entries[i], &r->entries[r->count], sizeof r->entries[i]);
        memset(&r->entries[r->count], 0, sizeof r->entries[r->count]);
        memset(&r->entries[r->count], 0, sizeof r->entries[r->count]);
    }
}

/* The encoding of `format` (ENC_*), or -1 when vkcnn does not read it. */
static int encoding_of(VkFormat format) {
    switch (format) {
    case VK_FORMAT_R8G8B8A8_UNORM:
    case VK_FORMAT_B8G8R8A8_UNORM: return ENC_UNORM8;
    case VK_FORMAT_R8G8B8A8_SRGB:
    case VK_FORMAT_B8G8R8A8_SRGB: return ENC_SRGB8;
    case VK_FORMAT_R16G16B16A16_SFLOAT: return ENC_FLOAT;
    default: return -1;
    }
}

/* Checks the reference; *kind is the shader variant that reads it. */
static vkcnn_status check_ref(const vkcnn_image_ref *img, int *kind) {
    if (!img->image)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_model_record_image: image is NULL");
    if (encoding_of(img->format) < 0)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                        "vkcnn_model_record_image: format %d is not one of R8G8B8A8_UNORM/_SRGB, "
                        "B8G8R8A8_UNORM/_SRGB, R16G16B16A16_SFLOAT",
                        (int)img->format);
    if (!img->width || !img->height || img->width > 32768 || img->height > 32768)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                        "vkcnn_model_record_image: size %ux%u outside 1..32768", img->width,
                        img->height);
    bool storage = img->usage && !(img->usage & VK_IMAGE_USAGE_SAMPLED_BIT);
    if (img->usage & ~(VkImageUsageFlags)(VK_IMAGE_USAGE_SAMPLED_BIT | VK_IMAGE_USAGE_STORAGE_BIT))
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                        "vkcnn_model_record_image: usage must be SAMPLED or STORAGE (0x%x given)",
                        (unsigned)img->usage);
    if (!storage) {
        if (img->layout != VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL &&
            img->layout != VK_IMAGE_LAYOUT_GENERAL)
            return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                            "vkcnn_model_record_image: a sampled image must be in "
                            "SHADER_READ_ONLY_OPTIMAL or GENERAL layout (%d given)",
                            (int)img->layout);
        *kind = SRC_SAMPLED;
        return VKCNN_OK;
    }
    if (img->layout != VK_IMAGE_LAYOUT_GENERAL)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                        "vkcnn_model_record_image: a storage image must be in GENERAL layout "
                        "(%d given)",
                        (int)img->layout);
    if (img->format == VK_FORMAT_R8G8B8A8_UNORM)
        *kind = SRC_STORAGE_RGBA8;
    else if (img->format == VK_FORMAT_R16G16B16A16_SFLOAT)
        *kind = SRC_STORAGE_RGBA16F;
    else
        return vkc_fail(VKCNN_ERROR_UNSUPPORTED,
                        "vkcnn_model_record_image: storage images of format %d are not read; "
                        "use R8G8B8A8_UNORM, R16G16B16A16_SFLOAT or a sampled image",
                        (int)img->format);
    return VKCNN_OK;
}

static vkcnn_status get_kernel(vkcnn_model *m, struct vkc_image_refs *r, int kind) {
    if (r->have[kind]) return VKCNN_OK;
    static const char *const defines[SRC_KINDS] = {NULL, "#define STORAGE_RGBA8\n",
                                                   "#define STORAGE_RGBA16F\n"};
    vkc_kernel_desc desc = {.name = "preprocess_image", .defines = defines[kind]};
    VKC_TRY(vkc_kernel_create(m->ctx, &desc, &r->kernels[kind]));
    r->have[kind] = true;
    if (kind != SRC_SAMPLED || r->sampler) return VKCNN_OK;
    const vkc_device *dev = &m->ctx->dev;
    VkSamplerCreateInfo si = {.sType = VK_STRUCTURE_TYPE_SAMPLER_CREATE_INFO,
                              .magFilter = VK_FILTER_NEAREST,
                              .minFilter = VK_FILTER_NEAREST,
                              .mipmapMode = VK_SAMPLER_MIPMAP_MODE_NEAREST,
                              .addressModeU = VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE,
                              .addressModeV = VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE,
                              .addressModeW = VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE,
                              .borderColor = VK_BORDER_COLOR_FLOAT_TRANSPARENT_BLACK};
    return vkc_check(dev->vk.vkCreateSampler(dev->handle, &si, m->ctx->inst.allocator, &r->sampler),
                     "vkCreateSampler");
}

/* A new entry for key `k`: its view (unless given) and its prepared
 * dispatch writing `dst`. */
static vkcnn_status make_entry(vkcnn_model *m, struct vkc_image_refs *r, entry *k,
                               const vkc_binding *dst) {
    const vkc_device *dev = &m->ctx->dev;
    VkImageView view = k->given_view;
    if (!view) {
        VkImageViewUsageCreateInfo usage = {.sType = VK_STRUCTURE_TYPE_IMAGE_VIEW_USAGE_CREATE_INFO,
                                            .usage = k->kind == SRC_SAMPLED
                                                         ? VK_IMAGE_USAGE_SAMPLED_BIT
                                                         : VK_IMAGE_USAGE_STORAGE_BIT};
        VkImageViewCreateInfo vi = {.sType = VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO,
                                    .pNext = &usage,
                                    .image = k->image,
                                    .viewType = VK_IMAGE_VIEW_TYPE_2D,
                                    .format = k->format,
                                    .subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1}};
        VKC_TRY(vkc_check(
            dev->vk.vkCreateImageView(dev->handle, &vi, m->ctx->inst.allocator, &k->own_view),
            "vkCreateImageView"));
        view = k->own_view;
    }
    vkc_image_ref images[2] = {
        {view, k->kind == SRC_SAMPLED ? r->sampler : VK_NULL_HANDLE, k->layout}};
    vkc_binding b[2] = {{NULL, 0, 0, VKC_READ, false}, *dst};
    uint32_t gx, gy;
    vkc_pp_grid(m->ctx, &k->push, &gx, &gy);
    vkc_dispatch d = {.kernel = &r->kernels[k->kind],
                      .bindings = b,
                      .images = images,
                      .push = &k->push,
                      .groups = {gx, gy, 1},
                      .label = "preprocess_image"};
    vkcnn_status st = vkc_sequence_create(m->ctx, false, &k->seq);
    if (!st) st = vkc_sequence_add(k->seq, &d);
    if (!st) st = vkc_sequence_prepare(k->seq);
    return st;
}

static vkcnn_status record_image(vkcnn_model *m, VkCommandBuffer cmd, uint32_t input_index,
                                 uint32_t batch_slot, const vkcnn_image_ref *img,
                                 const vkcnn_preprocess *pp) {
    const vkc_graph *g = m->graph;
    VKC_TRY(vkc_ctx_usable(m->ctx));
    if (input_index >= g->input_count)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                        "input index %u out of range (the model has %u)", input_index,
                        g->input_count);
    int kind = 0;
    VKC_TRY(check_ref(img, &kind));
    const vkc_tensor *t = &g->tensors[g->inputs[input_index]];
    vkc_pp_push base;
    VKC_TRY(vkc_pp_setup(t, pp, &base));
    if ((uint64_t)batch_slot >= (uint64_t)t->dims[0])
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                        "batch slot %u of input '%s', whose batch is %lld", batch_slot, t->name,
                        (long long)t->dims[0]);
    if (((uint64_t)batch_slot + 1) * base.total > UINT32_MAX)
        return vkc_fail(VKCNN_ERROR_LIMIT, "input '%s': too many elements to index", t->name);
    uint64_t range = m->ctx->dev.phys->info.max_storage_buffer_range;
    if (t->elements * 4 > range)
        return vkc_fail(VKCNN_ERROR_LIMIT,
                        "input '%s' (%llu bytes) exceeds the device's largest storage buffer "
                        "(%llu bytes)",
                        t->name, (unsigned long long)t->elements * 4, (unsigned long long)range);
    if (!m->image_refs && !(m->image_refs = vkc_calloc(1, sizeof *m->image_refs)))
        return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    struct vkc_image_refs *r = m->image_refs;
    VKC_TRY(get_kernel(m, r, kind));

    /* the next inference's host-side input: other batch slots keep their values */
    vkc_slot *slot = NULL;
    VKC_TRY(vkc_slot_for_input(m, input_index, false, &slot));
    vkc_binding dst = {&slot->inputs[input_index], 0, t->elements * 4, VKC_READ | VKC_WRITE, false};

    entry key;
    memset(&key, 0, sizeof key); /* padding too: entries are compared with memcmp */
    key.image = img->image;
    key.given_view = img->view;
    key.format = img->format;
    key.layout = img->layout;
    key.kind = kind;
    key.dst = dst.buffer->handle;
    vkc_pp_fill(&base, img->width, img->height, batch_slot, (uint32_t)encoding_of(img->format),
                &key.push);
    const size_t key_size = offsetof(entry, own_view);
    entry *e = NULL;
    for (uint32_t i = 0; i < r->count && !e; i++)
        if (memcmp(&r->entries[i], &key, key_size) == 0) e = &r->entries[i];
    if (!e) {
        if (r->count == MAX_ENTRIES)
            return vkc_fail(VKCNN_ERROR_LIMIT,
                            "vkcnn_model_record_image: %d distinct images or settings kept; "
                            "release some with vkcnn_model_release_image",
                            MAX_ENTRIES);
        vkcnn_status st = make_entry(m, r, &key, &dst);
        if (st) {
            free_entry(m, &key);
            return st;
        }
        e = &r->entries[r->count++];
        memcpy(e, &key, sizeof key); /* padding included, for memcmp */
    }

    const struct VolkDeviceTable *vk = &m->ctx->dev.vk;
    const VkPipelineStageFlags both =
        VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
    /* entry: after vkcnn's earlier reads and writes of the slot's input
     * (copies into the model, earlier preprocessing) */
    VkMemoryBarrier in = {.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                          .srcAccessMask =
                              VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
                          .dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT};
    vk->vkCmdPipelineBarrier(cmd, both, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &in, 0, NULL, 0,
                             NULL);
    vkc_sequence_record_into(e->seq, cmd, VK_NULL_HANDLE);
    /* exit: the input visible to the copies into the model and to compute */
    VkMemoryBarrier out = {.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                           .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT,
                           .dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT |
                                            VK_ACCESS_TRANSFER_WRITE_BIT |
                                            VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT};
    vk->vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, both, 0, 1, &out, 0, NULL,
                             0, NULL);
    return VKCNN_OK;
}

vkcnn_status vkcnn_model_record_image(vkcnn_model *m, VkCommandBuffer cmd, uint32_t input_index,
                                      uint32_t batch_slot, const vkcnn_image_ref *img,
                                      const vkcnn_preprocess *pp) {
    vkc_error_clear();
    if (!m || !cmd || !img)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_model_record_image: NULL argument");
    vkcnn_status st = record_image(m, cmd, input_index, batch_slot, img, pp);
    if (st) {
        snprintf(m->error, sizeof m->error, "%s", vkc_error_message());
        vkc_ctx_error(m->ctx, st);
    }
    return st;
}
