/* Preprocessing parameters shared by the two image paths: decoded host
 * images (image_input.c, shaders/preprocess.comp) and the application's
 * VkImages (image_ref.c, shaders/preprocess_image.comp). */
#ifndef VKC_RUN_IMAGE_INPUT_H
#define VKC_RUN_IMAGE_INPUT_H

#include <stdint.h>

#include "graph/graph.h"
#include "vkcnn.h"

/* Push constants of preprocess.comp and preprocess_image.comp, in their
 * declaration order (the two differ only in the meaning of src_base). */
typedef struct vkc_pp_push {
    uint32_t src_w, src_h, rw, rh;
    int32_t crop_x, crop_y;
    uint32_t crop_w, crop_h, pad_left, pad_top, out_w, out_h, channels, order, out_base, total;
    uint32_t src_base; /* preprocess.comp: first pixel; preprocess_image.comp: encoding */
    float scale_x, scale_y, pixel_scale, pad_value;
    float mean[3], istd[3];
} vkc_pp_push;

/* Fills the push constants common to every image from `pp` (NULL: the
 * defaults) and checks them against input t's shape [N, C, H, W]. */
vkcnn_status vkc_pp_setup(const vkc_tensor *t, const vkcnn_preprocess *pp, vkc_pp_push *base);

/* The push constants of one width x height image into batch slot `slot`. */
void vkc_pp_fill(const vkc_pp_push *base, uint32_t width, uint32_t height, uint32_t slot,
                 uint32_t src_base, vkc_pp_push *out);

/* The dispatch grid for base->total elements, 64 per workgroup. */
void vkc_pp_grid(const vkcnn_context *ctx, const vkc_pp_push *base, uint32_t *gx, uint32_t *gy);

#endif
