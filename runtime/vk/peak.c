/* vkcnn_context_peak: the device's measured arithmetic and memory limits,
 * against which benchmarks report their share. Each figure is the best of
 * several runs, each long enough (>= 20 ms) for its timestamps to be exact. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/hash.h"
#include "vk/context.h"
#include "vk/kernel.h"
#include "vk/sequence.h"

#define LOCAL 64u
#define RUNS 5
#define MIN_MS 20.0
#define CACHE_FORMAT 3u
#define OVERHEAD_DISPATCHES 256u
#define OVERHEAD_GROUPS 64u

typedef struct cached_peak {
    uint32_t format;
    uint32_t vector_width;
    double fp32, fp16, read_storage, read_texel, copy;
    double dispatch_us, workgroup_us, barrier_us;
} cached_peak;

/* Best GPU time of RUNS runs of a one-dispatch sequence, in ms. */
static vkcnn_status best_ms(vkcnn_context *ctx, const vkc_dispatch *d, double *ms) {
    vkc_sequence *seq = NULL;
    vkcnn_status st = vkc_sequence_create(ctx, true, &seq);
    if (!st) st = vkc_sequence_add(seq, d);
    if (!st) st = vkc_sequence_record(seq);
    *ms = 1e300;
    for (int r = 0; r <= RUNS && !st; r++) { /* run 0 warms up */
        st = vkc_sequence_run(seq);
        double t = vkc_sequence_total_ms(seq);
        if (!st && r > 0 && t < *ms) *ms = t;
    }
    vkc_sequence_destroy(seq);
    return st;
}

static vkcnn_status measure_fma(vkcnn_context *ctx, bool fp16, double *gflops) {
    vkc_kernel k;
    vkc_kernel_desc desc = {.name = "peak_fma", .defines = fp16 ? "#define FP16 1\n" : NULL};
    vkcnn_status st = vkc_kernel_create(ctx, &desc, &k);
    if (st) return st;
    const uint32_t groups = ctx->dev.phys->info.type == VKCNN_DEVICE_CPU ? 256 : 16384;
    vkc_buffer out;
    if ((st = vkc_buffer_create(ctx, (VkDeviceSize)groups * LOCAL * 4, VKC_MEM_DEVICE, &out))) {
        vkc_kernel_destroy(ctx, &k);
        return st;
    }
    /* the loop count is a push constant, so one pipeline serves every size */
    struct {
        float seed;
        uint32_t iters;
    } push = {1.0f, 64};
    vkc_binding b = {&out, 0, VK_WHOLE_SIZE, VKC_WRITE, false};
    vkc_dispatch d = {.kernel = &k, .bindings = &b, .push = &push, .groups = {groups, 1, 1}};
    double ms = 0;
    while (!st) {
        st = best_ms(ctx, &d, &ms);
        if (st || ms >= MIN_MS || push.iters >= (1u << 22)) break;
        push.iters *= ms > 0.5 ? (uint32_t)(MIN_MS / ms) + 1 : 8;
    }
    if (!st) {
        /* 3 chains x 4 lanes x 2 flops per iteration per invocation */
        double flops = 24.0 * push.iters * groups * LOCAL;
        *gflops = flops / (ms * 1e6);
    }
    vkc_buffer_destroy(ctx, &out);
    vkc_kernel_destroy(ctx, &k);
    return st;
}

enum { READ_STORAGE, READ_TEXEL, COPY };

static vkcnn_status measure_memory(vkcnn_context *ctx, int what, double *gbps) {
    const vkcnn_device_info *info = &ctx->dev.phys->info;
    bool copy = what == COPY, texel = what == READ_TEXEL;
    VkDeviceSize bytes = 256ull << 20;
    if (bytes > info->max_storage_buffer_range) bytes = info->max_storage_buffer_range;
    if (bytes > info->max_memory_allocation_size / 2) bytes = info->max_memory_allocation_size / 2;
    if (texel && bytes / 16 > info->max_texel_buffer_elements)
        bytes = info->max_texel_buffer_elements * 16;
    bytes &= ~(VkDeviceSize)0xffff;
    if (bytes == 0) return vkc_fail(VKCNN_ERROR_LIMIT, "peak: buffer limits below 64 KiB");
    const uint32_t groups = info->type == VKCNN_DEVICE_CPU ? 64 : 8192;
    vkc_kernel k;
    vkc_kernel_desc desc = {.name = copy ? "peak_copy" : "peak_read",
                            .defines = texel ? "#define TEXEL 1\n" : NULL};
    vkcnn_status st = vkc_kernel_create(ctx, &desc, &k);
    if (st) return st;
    vkc_buffer src, dst;
    VkDeviceSize dst_bytes = copy ? bytes : (VkDeviceSize)groups * LOCAL * 4;
    if ((st = vkc_buffer_create(ctx, bytes, VKC_MEM_DEVICE, &src))) {
        vkc_kernel_destroy(ctx, &k);
        return st;
    }
    if ((st = vkc_buffer_create(ctx, dst_bytes, VKC_MEM_DEVICE, &dst))) {
        vkc_buffer_destroy(ctx, &src);
        vkc_kernel_destroy(ctx, &k);
        return st;
    }
    /* initialised data: a driver may not read never-written pages */
    float *ones = malloc(1u << 20);
    if (ones) {
        for (size_t i = 0; i < (1u << 18); i++)
            ones[i] = 1.0f;
        for (VkDeviceSize o = 0; o < bytes && !st; o += 1u << 20)
            st = vkc_buffer_write(ctx, &src, o, ones, 1u << 20);
        free(ones);
    }
    struct {
        uint32_t count, threads;
    } push = {(uint32_t)(bytes / 16), groups * LOCAL};
    vkc_binding b[2] = {{&src, 0, VK_WHOLE_SIZE, VKC_READ, false},
                        {&dst, 0, VK_WHOLE_SIZE, VKC_WRITE, false}};
    vkc_dispatch d = {.kernel = &k, .bindings = b, .push = &push, .groups = {groups, 1, 1}};
    double ms = 0;
    if (!st) st = best_ms(ctx, &d, &ms);
    if (!st) *gbps = (double)bytes * (copy ? 2.0 : 1.0) / (ms * 1e6);
    vkc_buffer_destroy(ctx, &dst);
    vkc_buffer_destroy(ctx, &src);
    vkc_kernel_destroy(ctx, &k);
    return st;
}

/* Best wall time (submit to completion) of RUNS runs of `count` dispatches
 * of `groups` workgroups of peak_read.comp reading nothing; each dispatch
 * writes its own slice of `dst` (no hazard: no barrier) or, `barriers`, the
 * same slice (a barrier before every dispatch but the first). */
static vkcnn_status overhead_ms(vkcnn_context *ctx, vkc_kernel *k, vkc_buffer *src, vkc_buffer *dst,
                                uint32_t count, uint32_t groups, VkDeviceSize stride, bool barriers,
                                double *ms) {
    vkc_sequence *seq = NULL;
    vkcnn_status st = vkc_sequence_create(ctx, false, &seq);
    struct {
        uint32_t count, threads;
    } push = {0, groups * LOCAL};
    for (uint32_t i = 0; i < count && !st; i++) {
        vkc_binding b[2] = {
            {src, 0, VK_WHOLE_SIZE, VKC_READ, false},
            {dst, barriers ? 0 : i * stride, (VkDeviceSize)groups * LOCAL * 4, VKC_WRITE, false}};
        vkc_dispatch d = {.kernel = k, .bindings = b, .push = &push, .groups = {groups, 1, 1}};
        st = vkc_sequence_add(seq, &d);
    }
    if (!st) st = vkc_sequence_record(seq);
    *ms = 1e300;
    for (int r = 0; r <= RUNS && !st; r++) { /* run 0 warms up */
        double t0 = vkc_now_ms();
        st = vkc_sequence_run(seq);
        double t = vkc_now_ms() - t0;
        if (!st && r > 0 && t < *ms) *ms = t;
    }
    vkc_sequence_destroy(seq);
    return st;
}

/* What a command buffer pays per dispatch of an empty kernel (one
 * workgroup), per further workgroup of a dispatch, and per barrier between
 * dependent dispatches: wall times of OVERHEAD_DISPATCHES dispatches less
 * one's, per dispatch; a workgroup's from dispatches of OVERHEAD_GROUPS
 * workgroups; the barrier's from a barrier before each dispatch. On
 * lavapipe a dispatch's workgroups are shared out to its threads and joined
 * before the next dispatch starts, so the join is paid per dispatch and a
 * barrier adds next to nothing (2-core host, validation off: Mesa 22.3
 * 6.4-7.0 us per dispatch, 1.04 per workgroup, 0-3.6 per barrier; Mesa 25.0
 * 6.9, 0.67, 0). */
static vkcnn_status measure_overhead(vkcnn_context *ctx, vkcnn_peak *out) {
    const vkcnn_device_info *info = &ctx->dev.phys->info;
    const VkDeviceSize slice = (VkDeviceSize)OVERHEAD_GROUPS * LOCAL * 4;
    VkDeviceSize align =
        info->min_storage_buffer_offset_alignment ? info->min_storage_buffer_offset_alignment : 1;
    VkDeviceSize stride = (slice + align - 1) / align * align;
    vkc_kernel k;
    vkc_kernel_desc desc = {.name = "peak_read"};
    vkcnn_status st = vkc_kernel_create(ctx, &desc, &k);
    if (st) return st;
    vkc_buffer src, dst;
    if ((st = vkc_buffer_create(ctx, 64, VKC_MEM_DEVICE, &src))) {
        vkc_kernel_destroy(ctx, &k);
        return st;
    }
    if ((st = vkc_buffer_create(ctx, stride * OVERHEAD_DISPATCHES, VKC_MEM_DEVICE, &dst))) {
        vkc_buffer_destroy(ctx, &src);
        vkc_kernel_destroy(ctx, &k);
        return st;
    }
    double one = 0, many = 0, wide = 0, fenced = 0;
    const uint32_t n = OVERHEAD_DISPATCHES;
    st = overhead_ms(ctx, &k, &src, &dst, 1, 1, stride, false, &one);
    if (!st) st = overhead_ms(ctx, &k, &src, &dst, n, 1, stride, false, &many);
    if (!st) st = overhead_ms(ctx, &k, &src, &dst, n, OVERHEAD_GROUPS, stride, false, &wide);
    if (!st) st = overhead_ms(ctx, &k, &src, &dst, n, 1, stride, true, &fenced);
    if (!st) {
        double per = (many - one) * 1e3 / (n - 1);
        double per_wide = (wide - one) * 1e3 / (n - 1);
        double per_fenced = (fenced - one) * 1e3 / (n - 1);
        out->dispatch_us = per > 0 ? per : 0;
        out->workgroup_us = per_wide > per ? (per_wide - per) / (OVERHEAD_GROUPS - 1) : 0;
        out->barrier_us = per_fenced > per ? per_fenced - per : 0;
    }
    vkc_buffer_destroy(ctx, &dst);
    vkc_buffer_destroy(ctx, &src);
    vkc_kernel_destroy(ctx, &k);
    return st;
}

static void cache_key(const vkcnn_context *ctx, char *key, size_t size) {
    const vkcnn_device_info *i = &ctx->dev.phys->info;
    char uuid[33];
    vkc_hex(uuid, i->device_uuid, 16);
    snprintf(key, size, "peak3 vkcnn %s %s driver %u vector %u uuid %s", vkcnn_version(), i->name,
             i->driver_version, i->vector_width, uuid);
}

vkcnn_status vkcnn_context_peak(vkcnn_context *ctx, int fresh, vkcnn_peak *out) {
    vkc_error_clear();
    if (!ctx || !out)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_context_peak: NULL argument");
    memset(out, 0, sizeof *out);
    const vkcnn_device_info *info = &ctx->dev.phys->info;
    out->vector_width = info->vector_width;
    vkcnn_status st = vkc_ctx_usable(ctx);
    if (st) return vkc_ctx_error(ctx, st);
    if (!info->timestamps)
        return vkc_ctx_error(ctx, vkc_fail(VKCNN_ERROR_UNSUPPORTED,
                                           "device %s cannot time compute work (no timestamps)",
                                           info->name));
    char key[512];
    cache_key(ctx, key, sizeof key);
    void *data = NULL;
    size_t size = 0;
    if (!fresh &&
        vkc_cache_load(&ctx->cache, "peak", key, strlen(key), sizeof(cached_peak), &data, &size)) {
        cached_peak c;
        if (size == sizeof c) {
            memcpy(&c, data, sizeof c);
            if (c.format == CACHE_FORMAT && c.vector_width == info->vector_width && c.fp32 > 0) {
                out->fp32_gflops = c.fp32;
                out->fp16_gflops = c.fp16;
                out->read_storage_gbps = c.read_storage;
                out->read_texel_gbps = c.read_texel;
                out->read_gbps = c.read_storage > c.read_texel ? c.read_storage : c.read_texel;
                out->copy_gbps = c.copy;
                out->dispatch_us = c.dispatch_us;
                out->workgroup_us = c.workgroup_us;
                out->barrier_us = c.barrier_us;
                out->from_cache = 1;
                free(data);
                return VKCNN_OK;
            }
        }
        free(data);
    }
    st = measure_fma(ctx, false, &out->fp32_gflops);
    if (!st && ctx->dev.fp16) st = measure_fma(ctx, true, &out->fp16_gflops);
    if (!st) st = measure_memory(ctx, READ_STORAGE, &out->read_storage_gbps);
    if (!st) st = measure_memory(ctx, READ_TEXEL, &out->read_texel_gbps);
    if (!st) st = measure_memory(ctx, COPY, &out->copy_gbps);
    if (!st) st = measure_overhead(ctx, out);
    if (st) return vkc_ctx_error(ctx, vkc_fail_context(st, "measuring the device's peak"));
    out->read_gbps = out->read_storage_gbps > out->read_texel_gbps ? out->read_storage_gbps
                                                                   : out->read_texel_gbps;
    cached_peak c = {CACHE_FORMAT,     info->vector_width,     out->fp32_gflops,
                     out->fp16_gflops, out->read_storage_gbps, out->read_texel_gbps,
                     out->copy_gbps,   out->dispatch_us,       out->workgroup_us,
                     out->barrier_us};
    vkc_cache_store(&ctx->cache, "peak", key, strlen(key), &c, sizeof c);
    return VKCNN_OK;
}
