/* Runs shaders/affine.comp (y = x * SCALE + BIAS) through the internal
 * kernel and sequence modules: the smallest end-to-end GPU computation. */
#ifndef VKCNN_TESTS_AFFINE_RUN_H
#define VKCNN_TESTS_AFFINE_RUN_H

#include <math.h>
#include <stdio.h>

#include "harness.h"
#include "vk/context.h"
#include "vk/kernel.h"
#include "vk/sequence.h"

/* Creates the affine kernel with the given constants. */
static inline vkcnn_status affine_kernel(vkcnn_context *ctx, float scale, float bias,
                                         vkc_kernel *k) {
    char defines[128];
    snprintf(defines, sizeof defines, "#define SCALE %.9g\n#define BIAS %.9g\n", scale, bias);
    vkc_kernel_desc desc = {.name = "affine", .defines = defines};
    return vkc_kernel_create(ctx, &desc, k);
}

/* y = x * scale + bias on the device for n floats; returns the number of
 * mismatching elements (or -1 on an error, printed). */
static inline int affine_check(vkcnn_context *ctx, float scale, float bias, uint32_t n) {
    vkc_kernel k;
    vkc_buffer x, y;
    vkc_sequence *seq = NULL;
    int bad = -1;
    float *in = malloc(n * sizeof *in), *out = malloc(n * sizeof *out);
    if (affine_kernel(ctx, scale, bias, &k) != VKCNN_OK) {
        fprintf(stderr, "affine kernel: %s\n", vkcnn_last_error());
        free(in);
        free(out);
        return -1;
    }
    CHECK_OK(vkc_buffer_create(ctx, n * 4ull, VKC_MEM_DEVICE, &x));
    CHECK_OK(vkc_buffer_create(ctx, n * 4ull, VKC_MEM_DEVICE, &y));
    for (uint32_t i = 0; i < n; i++)
        in[i] = (float)i * 0.5f - 7.0f;
    CHECK_OK(vkc_buffer_write(ctx, &x, 0, in, n * 4ull));
    vkc_binding b[2] = {{&x, 0, VK_WHOLE_SIZE, VKC_READ, false},
                        {&y, 0, VK_WHOLE_SIZE, VKC_WRITE, false}};
    vkc_dispatch d = {.kernel = &k, .bindings = b, .push = &n, .groups = {(n + 63) / 64, 1, 1}};
    if (vkc_sequence_create(ctx, true, &seq) == VKCNN_OK && vkc_sequence_add(seq, &d) == VKCNN_OK &&
        vkc_sequence_record(seq) == VKCNN_OK && vkc_sequence_run(seq) == VKCNN_OK &&
        vkc_buffer_read(ctx, &y, 0, out, n * 4ull) == VKCNN_OK) {
        bad = 0;
        for (uint32_t i = 0; i < n; i++)
            if (fabsf(out[i] - (in[i] * scale + bias)) > 1e-5f * (1.0f + fabsf(out[i]))) bad++;
    } else {
        fprintf(stderr, "affine run: %s\n", vkcnn_last_error());
    }
    vkc_sequence_destroy(seq);
    vkc_buffer_destroy(ctx, &x);
    vkc_buffer_destroy(ctx, &y);
    vkc_kernel_destroy(ctx, &k);
    free(in);
    free(out);
    return bad;
}

#endif
