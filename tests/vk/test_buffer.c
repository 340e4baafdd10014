/* Device memory: round trips through mapped memory (UMA) and through staging
 * (forced, as on a discrete GPU), suballocation, limits and the budget. */
#include <string.h>

#include "affine_run.h"

static void round_trip(vkcnn_context *ctx, size_t size, size_t offset) {
    vkc_buffer buf;
    CHECK_OK(vkc_buffer_create(ctx, size + offset, VKC_MEM_DEVICE, &buf));
    unsigned char *in = malloc(size), *out = malloc(size);
    uint64_t seed = 0x9e3779b97f4a7c15ull ^ size;
    for (size_t i = 0; i < size; i++)
        in[i] = (unsigned char)th_rand(&seed);
    memset(out, 0, size);
    CHECK_OK(vkc_buffer_write(ctx, &buf, offset, in, size));
    CHECK_OK(vkc_buffer_read(ctx, &buf, offset, out, size));
    if (memcmp(in, out, size) != 0) {
        fprintf(stderr, "round trip of %zu bytes at %zu differs\n", size, offset);
        th_failures++;
    }
    /* out of range copies are refused */
    CHECK_STATUS(vkc_buffer_write(ctx, &buf, offset + 1, in, size), VKCNN_ERROR_INVALID_ARGUMENT);
    vkc_buffer_destroy(ctx, &buf);
    free(in);
    free(out);
}

static void suballocation(vkcnn_context *ctx) {
    enum { N = 40 };
    vkc_buffer bufs[N];
    const vkcnn_device_info *info = &ctx->dev.phys->info;
    for (int i = 0; i < N; i++)
        CHECK_OK(vkc_buffer_create(ctx, 1000 + 37 * i, VKC_MEM_DEVICE, &bufs[i]));
    /* aligned, within their block, pairwise disjoint */
    for (int i = 0; i < N; i++) {
        CHECK(bufs[i].offset % info->min_storage_buffer_offset_alignment == 0);
        CHECK(bufs[i].offset + bufs[i].size <= bufs[i].block->size);
        for (int j = 0; j < i; j++)
            if (bufs[i].block == bufs[j].block)
                CHECK(bufs[i].offset + bufs[i].reserved <= bufs[j].offset ||
                      bufs[j].offset + bufs[j].reserved <= bufs[i].offset);
    }
    CHECK(bufs[0].block == bufs[N - 1].block); /* small buffers share a block */
    for (int i = 0; i < N; i += 2)
        vkc_buffer_destroy(ctx, &bufs[i]);
    for (int i = 0; i < N; i += 2)
        CHECK_OK(vkc_buffer_create(ctx, 2000, VKC_MEM_DEVICE, &bufs[i]));
    for (int i = 0; i < N; i++)
        vkc_buffer_destroy(ctx, &bufs[i]);
    CHECK(ctx->memory.blocks == NULL); /* empty blocks go back to the driver */
    CHECK(ctx->memory.allocated == 0);
}

int main(void) {
    for (int staged = 0; staged < 2; staged++) {
        vkcnn_context *ctx = th_context(NULL, staged ? VKCNN_FAULT_FORCE_STAGING : 0, 0);
        CHECK(ctx->memory.staging == (staged || !ctx->dev.phys->info.uma));
        vkc_buffer probe;
        CHECK_OK(vkc_buffer_create(ctx, 256, VKC_MEM_DEVICE, &probe));
        CHECK((probe.mapped != NULL) == !ctx->memory.staging);
        vkc_buffer_destroy(ctx, &probe);
        round_trip(ctx, 1, 0);
        round_trip(ctx, 4099, 12);
        round_trip(ctx, 40u << 20, 4); /* over several staging chunks */
        suballocation(ctx);
        CHECK(affine_check(ctx, 3.0f, -2.0f, 5000) == 0); /* dispatch on staged memory */
        th_destroy(ctx);
    }

    /* limits and the budget */
    vkcnn_context_desc d = th_desc(NULL, 0, 0);
    d.device_memory_budget = 1u << 20;
    vkcnn_context *ctx = NULL;
    CHECK_OK(vkcnn_context_create(&d, &ctx));
    vkc_buffer buf;
    CHECK_STATUS(vkc_buffer_create(ctx, 0, VKC_MEM_DEVICE, &buf), VKCNN_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(vkc_buffer_create(ctx, ctx->dev.phys->info.max_memory_allocation_size + 1,
                                   VKC_MEM_DEVICE, &buf),
                 VKCNN_ERROR_LIMIT);
    CHECK_STATUS(vkc_buffer_create(ctx, 2u << 20, VKC_MEM_DEVICE, &buf),
                 VKCNN_ERROR_OUT_OF_DEVICE_MEMORY);
    CHECK(strstr(vkcnn_last_error(), "budget") != NULL);
    CHECK(buf.handle == VK_NULL_HANDLE);
    /* the context stays usable for what fits */
    CHECK(affine_check(ctx, 1.0f, 1.0f, 1024) == 0);
    CHECK(ctx->memory.allocated == 0);
    th_destroy(ctx);
    return th_done("test_buffer");
}
