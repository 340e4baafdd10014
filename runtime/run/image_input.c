/* vkcnn_model_set_input_image(s): decoded images uploaded once and turned
 * into a model input on the device by shaders/preprocess.comp, which writes
 * straight into the executor's input buffer (no host round trip). */
#include <math.h>
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

#define DEFAULT_RESIZE 256u
#define DEFAULT_CROP 224u

static const float imagenet_mean[3] = {0.485f, 0.456f, 0.406f};
static const float imagenet_std[3] = {0.229f, 0.224f, 0.225f};

/* torchvision's CenterCrop offset: round((size - crop) / 2) with Python's
 * round-half-to-even; a crop larger than the image is centred in zero
 * padding of (crop - size) // 2 before it. */
static int32_t centre_offset(uint32_t size, uint32_t crop) {
    if (crop > size) return -(int32_t)((crop - size) / 2);
    uint32_t d = size - crop, half = d / 2;
    if (d % 2 && half % 2) half++; /* x.5 rounds to the even neighbour */
    return (int32_t)half;
}

/* Resized size: shorter side `resize`, longer floor(resize * long / short),
 * as torchvision's Resize(int). */
static void resized(uint32_t w, uint32_t h, uint32_t resize, uint32_t *rw, uint32_t *rh) {
    if (w <= h) {
        *rw = resize;
        *rh = (uint32_t)((uint64_t)resize * h / w);
    } else {
        *rh = resize;
        *rw = (uint32_t)((uint64_t)resize * w / h);
    }
}

vkcnn_status vkc_pp_setup(const vkc_tensor *t, const vkcnn_preprocess *pp, vkc_pp_push *base) {
    if (t->rank != 4 || t->dtype != VKC_DTYPE_FLOAT32)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                        "input '%s' is not a float32 [N, C, H, W] tensor: images cannot be set",
                        t->name);
    vkcnn_preprocess p = pp ? *pp : (vkcnn_preprocess){0};
    uint32_t crop = p.crop ? p.crop : DEFAULT_CROP;
    uint32_t resize = p.resize ? p.resize : DEFAULT_RESIZE;
    if (p.channel_order > VKCNN_CHANNELS_GRAY)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "preprocess: unknown channel order %d",
                        (int)p.channel_order);
    uint32_t channels = p.channel_order == VKCNN_CHANNELS_GRAY ? 1 : 3;
    uint64_t h = (uint64_t)crop + p.pad[0] + p.pad[2], w = (uint64_t)crop + p.pad[1] + p.pad[3];
    if ((uint64_t)t->dims[1] != channels || (uint64_t)t->dims[2] != h || (uint64_t)t->dims[3] != w)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                        "input '%s' is [%lld, %lld, %lld, %lld] but the preprocessing makes [N, "
                        "%u, %llu, %llu] (crop %u, pad %u,%u,%u,%u, %s)",
                        t->name, (long long)t->dims[0], (long long)t->dims[1],
                        (long long)t->dims[2], (long long)t->dims[3], channels,
                        (unsigned long long)h, (unsigned long long)w, crop, p.pad[0], p.pad[1],
                        p.pad[2], p.pad[3], channels == 1 ? "GRAY" : "RGB/BGR");
    bool default_norm = p.std[0] == 0 && p.std[1] == 0 && p.std[2] == 0;
    *base = (vkc_pp_push){.crop_w = crop,
                          .crop_h = crop,
                          .pad_left = p.pad[1],
                          .pad_top = p.pad[0],
                          .out_w = (uint32_t)w,
                          .out_h = (uint32_t)h,
                          .channels = channels,
                          .order = (uint32_t)p.channel_order,
                          .total = (uint32_t)(channels * h * w),
                          .pixel_scale = p.pixel_scale > 0 ? p.pixel_scale : 1.0f / 255.0f,
                          .pad_value = p.pad_value,
                          .rw = resize}; /* rw holds the resize target until per-image fill */
    for (int c = 0; c < 3; c++) {
        float mean = default_norm ? imagenet_mean[c] : p.mean[c];
        float std = default_norm ? imagenet_std[c] : p.std[c];
        if (!(std > 0) || !isfinite(std) || !isfinite(mean))
            return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                            "preprocess: std[%d] must be positive and mean finite", c);
        base->mean[c] = mean;
        base->istd[c] = 1.0f / std;
    }
    return VKCNN_OK;
}

void vkc_pp_fill(const vkc_pp_push *base, uint32_t width, uint32_t height, uint32_t slot,
                 uint32_t src_base, vkc_pp_push *out) {
    *out = *base;
    resized(width, height, base->rw, &out->rw, &out->rh);
    out->src_w = width;
    out->src_h = height;
    out->src_base = src_base;
    out->crop_x = centre_offset(out->rw, base->crop_w);
    out->crop_y = centre_offset(out->rh, base->crop_h);
    out->scale_x = (float)width / (float)out->rw;
    out->scale_y = (float)height / (float)out->rh;
    out->out_base = slot * base->total;
}

/* Uploads images[0..count) into one buffer and preprocesses them in one
 * submission. */
void vkc_pp_grid(const vkcnn_context *ctx, const vkc_pp_push *base, uint32_t *gx, uint32_t *gy) {
    const vkcnn_device_info *info = &ctx->dev.phys->info;
    uint32_t groups = (base->total + 63) / 64, max_x = info->max_workgroup_count[0];
    *gx = groups > max_x ? max_x : groups;
    *gy = (groups + *gx - 1) / *gx;
}

static vkcnn_status run_group(vkcnn_model *m, const vkc_kernel *k, const vkc_binding *dst,
                              const vkc_pp_push *base, uint32_t slot,
                              const vkcnn_image *const *images, uint32_t count, uint64_t bytes) {
    vkcnn_context *ctx = m->ctx;
    vkc_buffer src = {0};
    vkc_sequence *seq = NULL;
    vkc_pp_push *push = vkc_calloc(count, sizeof *push);
    if (!push) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    vkcnn_status st = vkc_buffer_create(ctx, bytes, VKC_MEM_DEVICE, &src);
    uint64_t at = 0;
    for (uint32_t i = 0; !st && i < count; i++) {
        uint64_t n = (uint64_t)images[i]->width * images[i]->height * 4;
        st = vkc_buffer_write(ctx, &src, at, images[i]->rgba, (size_t)n);
        vkc_pp_fill(base, images[i]->width, images[i]->height, slot + i, (uint32_t)(at / 4),
                    &push[i]);
        at += n;
    }
    if (!st) st = vkc_sequence_create(ctx, false, &seq);
    uint32_t gx, gy;
    vkc_pp_grid(ctx, base, &gx, &gy);
    for (uint32_t i = 0; !st && i < count; i++) {
        vkc_binding b[2] = {{&src, 0, VK_WHOLE_SIZE, VKC_READ, false}, *dst};
        vkc_dispatch d = {.kernel = k,
                          .bindings = b,
                          .push = &push[i],
                          .groups = {gx, gy, 1},
                          .label = "preprocess"};
        st = vkc_sequence_add(seq, &d);
    }
    if (!st) st = vkc_sequence_record(seq);
    if (!st) st = vkc_sequence_run(seq);
    vkc_sequence_destroy(seq);
    if (src.handle) vkc_buffer_destroy(ctx, &src);
    free(push);
    return st;
}

static vkcnn_status set_images(vkcnn_model *m, uint32_t input_index, uint32_t first_slot,
                               const vkcnn_image *const *images, uint32_t count,
                               const vkcnn_preprocess *pp) {
    const vkc_graph *g = m->graph;
    if (input_index >= g->input_count)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                        "input index %u out of range (the model has %u)", input_index,
                        g->input_count);
    uint32_t tensor = g->inputs[input_index];
    const vkc_tensor *t = &g->tensors[tensor];
    vkc_pp_push base;
    vkcnn_status st = vkc_pp_setup(t, pp, &base);
    if (st) return st;
    uint64_t batch = (uint64_t)t->dims[0];
    if (!images || (uint64_t)first_slot + count > batch)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                        "images for slots %u..%u of input '%s', whose batch is %llu", first_slot,
                        first_slot + count - 1, t->name, (unsigned long long)batch);
    /* the shader indexes the input in uint: every slot written must fit */
    if (((uint64_t)first_slot + count) * base.total > UINT32_MAX)
        return vkc_fail(VKCNN_ERROR_LIMIT, "input '%s': %llu elements are too many to index",
                        t->name, (unsigned long long)(first_slot + count) * base.total);
    uint64_t range = m->ctx->dev.phys->info.max_storage_buffer_range;
    for (uint32_t i = 0; i < count; i++) {
        const vkcnn_image *img = images[i];
        if (!img || !img->rgba || !img->width || !img->height)
            return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "image %u is NULL or empty", i);
        uint64_t bytes = (uint64_t)img->width * img->height * 4;
        if (bytes > range || bytes / 4 > UINT32_MAX)
            return vkc_fail(VKCNN_ERROR_LIMIT,
                            "image %u: %ux%u pixels (%llu bytes) exceed the device's largest "
                            "storage buffer (%llu bytes)",
                            i, img->width, img->height, (unsigned long long)bytes,
                            (unsigned long long)range);
    }
    if (t->elements * 4 > range)
        return vkc_fail(VKCNN_ERROR_LIMIT,
                        "input '%s' (%llu bytes) exceeds the device's largest storage buffer "
                        "(%llu bytes): preprocess into it in pieces is not supported",
                        t->name, (unsigned long long)t->elements * 4, (unsigned long long)range);
    if (!m->have_preprocess) {
        vkc_kernel_desc desc = {.name = "preprocess"};
        VKC_TRY(vkc_kernel_create(m->ctx, &desc, &m->preprocess));
        m->have_preprocess = true;
    }
    const vkc_kernel *k = &m->preprocess;
    /* the images go into the next submit's copy of the input */
    vkc_slot *slot = NULL;
    VKC_TRY(vkc_slot_for_input(m, input_index, false, &slot));
    vkc_binding dst = {&slot->inputs[input_index], 0, t->elements * 4, VKC_READ | VKC_WRITE, false};
    /* groups of images whose pixels fit one binding */
    for (uint32_t i = 0; !st && i < count;) {
        uint64_t bytes = 0;
        uint32_t n = 0;
        while (i + n < count) {
            uint64_t b = (uint64_t)images[i + n]->width * images[i + n]->height * 4;
            if (bytes + b > range) break;
            bytes += b;
            n++;
        }
        st = run_group(m, k, &dst, &base, first_slot + i, images + i, n, bytes);
        i += n;
    }
    return st;
}

vkcnn_status vkcnn_model_set_input_images(vkcnn_model *m, uint32_t input_index, uint32_t first_slot,
                                          const vkcnn_image *const *images, uint32_t count,
                                          const vkcnn_preprocess *pp) {
    vkc_error_clear();
    if (!m)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                        "vkcnn_model_set_input_images: model is NULL");
    vkcnn_status st = count ? set_images(m, input_index, first_slot, images, count, pp) : VKCNN_OK;
    if (st) {
        snprintf(m->error, sizeof m->error, "%s", vkc_error_message());
        vkc_ctx_error(m->ctx, st);
    }
    return st;
}

vkcnn_status vkcnn_model_set_input_image(vkcnn_model *m, uint32_t input_index, uint32_t batch_slot,
                                         const vkcnn_image *image, const vkcnn_preprocess *pp) {
    return vkcnn_model_set_input_images(m, input_index, batch_slot, &image, 1, pp);
}
