/* Asynchronous runs (vkcnn_model_submit / _wait / _get_result) against
 * synchronous ones on LeNet-5: bit-identical outputs with 1, 2 and 3 slots
 * in flight, inputs carried over between submits, expired and unknown
 * tickets refused, polling; then a device loss injected by
 * VKCNN_FAULT_DEVICE_LOST: reported as its own status, and the context
 * refusing further work instead of hanging. Also inferences split into
 * bounded submits (max_dispatches_per_submit). Under synchronization
 * validation, so a missing barrier between in-flight slots fails.
 *
 * All of it on four memory paths, each against the reference of a plain
 * context: mapped (lavapipe's own), staged (VKCNN_FAULT_FORCE_STAGING, a
 * discrete GPU's), and both with the transfer split
 * (VKCNN_FAULT_FORCE_TRANSFER_SPLIT: copies as submissions of their own,
 * chained by semaphores, on the compute queue of a one-family device), with
 * plain submits interleaved with ones that keep the single command buffer
 * (vkcnn_model_submit_vk with a sync struct), and image inputs. */
#include <string.h>

#include "harness.h"
#include "run/model_internal.h"
#include "vk/context.h"

#define RUNS 6
#define IN 1024 /* 1 x 1 x 32 x 32 */
#define OUT 10

static const char *model_path;
static float inputs[RUNS][IN], expected[RUNS][OUT];

static uint32_t split; /* max_dispatches_per_submit of the models loaded */
static bool xfer;      /* the models loaded must take the transfer split */
static vkcnn_device_info info;

/* Whether a context with `faults` splits the copies off: forced, or a
 * dedicated transfer family with staged memory (a discrete GPU); else they
 * stay in the compute command buffer. */
static bool takes_split(uint32_t faults) {
    bool staged = !info.uma || (faults & VKCNN_FAULT_FORCE_STAGING);
    return (faults & VKCNN_FAULT_FORCE_TRANSFER_SPLIT) || (info.transfer_queue && staged);
}

static vkcnn_model *load(vkcnn_context *ctx, uint32_t in_flight) {
    vkcnn_model_options o = {
        .in_flight = in_flight, .max_dispatches_per_submit = split, .profile = VKCNN_ON};
    vkcnn_model *m = NULL;
    CHECK_OK(vkcnn_model_load_onnx(ctx, model_path, NULL, &o, &m));
    if (m) CHECK(m->split == xfer);
    return m;
}

/* One submit: plain (the transfer split where on), or through
 * vkcnn_model_submit_vk with an empty sync struct, which keeps the single
 * compute command buffer. */
static vkcnn_status submit(vkcnn_model *m, int r, vkcnn_ticket *t) {
    vkcnn_submit_sync none = {0};
    return r % 3 == 2 ? vkcnn_model_submit_vk(m, &none, NULL, NULL, t) : vkcnn_model_submit(m, t);
}

static void sync_reference(vkcnn_context *ctx) {
    vkcnn_model *m = load(ctx, 1);
    if (!m) return;
    for (int r = 0; r < RUNS; r++) {
        CHECK_OK(vkcnn_model_set_input(m, 0, inputs[r], IN));
        CHECK_OK(vkcnn_model_run(m));
        CHECK_OK(vkcnn_model_get_output(m, 0, expected[r], OUT));
    }
    /* runs differ, so a stale input would show */
    CHECK(memcmp(expected[0], expected[1], sizeof expected[0]) != 0);
    vkcnn_model_destroy(m);
}

static void async_runs(vkcnn_context *ctx, uint32_t in_flight) {
    vkcnn_model *m = load(ctx, in_flight);
    if (!m) return;
    vkcnn_ticket t[RUNS];
    float y[OUT];
    for (int r = 0; r < RUNS; r++) {
        CHECK_OK(vkcnn_model_set_input(m, 0, inputs[r], IN));
        CHECK_OK(submit(m, r, &t[r]));
        CHECK(t[r] == (vkcnn_ticket)r + 1);
        /* the oldest ticket still in flight is readable, a poll never fails */
        if (r + 1 >= (int)in_flight) {
            int old = r + 1 - (int)in_flight;
            vkcnn_status st = vkcnn_model_wait(m, t[old], 0);
            CHECK(st == VKCNN_OK || st == VKCNN_NOT_READY);
            CHECK_OK(vkcnn_model_get_result(m, t[old], 0, y, OUT));
            CHECK(memcmp(y, expected[old], sizeof y) == 0);
        }
    }
    for (int r = RUNS - (int)in_flight; r < RUNS; r++) {
        CHECK_OK(vkcnn_model_wait(m, t[r], UINT64_MAX));
        CHECK_OK(vkcnn_model_get_result(m, t[r], 0, y, OUT));
        CHECK(memcmp(y, expected[r], sizeof y) == 0);
    }
    /* a reused slot's ticket is complete but its outputs are gone */
    CHECK_OK(vkcnn_model_wait(m, t[0], 0));
    CHECK_STATUS(vkcnn_model_get_result(m, t[0], 0, y, OUT), VKCNN_ERROR_INVALID_ARGUMENT);
    CHECK(strstr(vkcnn_model_error(m), "expired") != NULL);
    CHECK_STATUS(vkcnn_model_wait(m, 99, 0), VKCNN_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(vkcnn_model_get_result(m, t[RUNS - 1], 0, y, OUT - 1),
                 VKCNN_ERROR_INVALID_ARGUMENT);

    /* an input set once serves every later submit */
    vkcnn_ticket a, b;
    CHECK_OK(vkcnn_model_set_input(m, 0, inputs[2], IN));
    CHECK_OK(vkcnn_model_submit(m, &a));
    CHECK_OK(vkcnn_model_submit(m, &b));
    CHECK_OK(vkcnn_model_get_result(m, b, 0, y, OUT));
    CHECK(memcmp(y, expected[2], sizeof y) == 0);
    if (in_flight > 1) {
        CHECK_OK(vkcnn_model_get_result(m, a, 0, y, OUT));
        CHECK(memcmp(y, expected[2], sizeof y) == 0);
    }
    /* and the synchronous API sees the same */
    CHECK_OK(vkcnn_model_run(m));
    CHECK_OK(vkcnn_model_get_output(m, 0, y, OUT));
    CHECK(memcmp(y, expected[2], sizeof y) == 0);
    /* every slot submitted back to back, then read newest first; the
     * model is destroyed with the last one still unread */
    for (uint32_t r = 0; r < in_flight; r++) {
        CHECK_OK(vkcnn_model_set_input(m, 0, inputs[r], IN));
        CHECK_OK(vkcnn_model_submit(m, &t[r]));
    }
    for (uint32_t r = in_flight; r-- > 1;) {
        CHECK_OK(vkcnn_model_get_result(m, t[r], 0, y, OUT));
        CHECK(memcmp(y, expected[r], sizeof y) == 0);
    }
    CHECK(!m->broken);
    vkcnn_model_destroy(m);
}

static void device_lost(uint32_t faults) {
    vkcnn_context *ctx = th_context(NULL, VKCNN_FAULT_DEVICE_LOST | faults, 0);
    vkcnn_model *m = load(ctx, 2), *other = NULL;
    if (m) {
        vkcnn_ticket t;
        CHECK_OK(vkcnn_model_set_input(m, 0, inputs[0], IN));
        CHECK_STATUS(vkcnn_model_run(m), VKCNN_ERROR_DEVICE_LOST);
        CHECK(strstr(vkcnn_model_error(m), "device") != NULL);
        /* everything after refuses at once */
        CHECK_STATUS(vkcnn_model_submit(m, &t), VKCNN_ERROR_DEVICE_LOST);
        CHECK_STATUS(vkcnn_model_run(m), VKCNN_ERROR_DEVICE_LOST);
        CHECK_STATUS(vkcnn_model_load_onnx(ctx, model_path, NULL, NULL, &other),
                     VKCNN_ERROR_DEVICE_LOST);
        CHECK(other == NULL);
        vkcnn_model_destroy(m); /* must not hang */
    }
    th_destroy(ctx);
}

/* Image inputs, which the device writes into the slot's input copy on the
 * compute queue (the transfer split's upload then reads it on its own
 * queue): two gray 32x32 images submitted back to back, their outputs into
 * y[0] and y[1]. */
static void image_runs(vkcnn_context *ctx, float y[2][OUT]) {
    vkcnn_model *m = load(ctx, 2);
    if (!m) return;
    vkcnn_preprocess pp = {.resize = 32,
                           .crop = 32,
                           .channel_order = VKCNN_CHANNELS_GRAY,
                           .mean = {0.5f, 0.5f, 0.5f},
                           .std = {0.25f, 0.25f, 0.25f}};
    static uint8_t rgba[2][32 * 32 * 4];
    vkcnn_ticket t[2];
    for (int k = 0; k < 2; k++) {
        for (int i = 0; i < 32 * 32 * 4; i++)
            rgba[k][i] = (uint8_t)((i * (7 + 6 * k)) ^ (i >> 5));
        vkcnn_image img = {.width = 32, .height = 32, .rgba = rgba[k]};
        CHECK_OK(vkcnn_model_set_input_image(m, 0, 0, &img, &pp));
        CHECK_OK(vkcnn_model_submit(m, &t[k]));
    }
    for (int k = 0; k < 2; k++)
        CHECK_OK(vkcnn_model_get_result(m, t[k], 0, y[k], OUT));
    CHECK(memcmp(y[0], y[1], sizeof y[0]) != 0);
    vkcnn_model_destroy(m);
}

/* Load failures part-way through the split's slots leave nothing behind
 * (the validation layer reports objects still alive at vkDestroyDevice,
 * ASan leaked memory): under device-memory budgets below what the model
 * needs (blocks shrink to the request under a small budget), the
 * tightest failing at the last allocation, the last landing buffer. */
static void budget_failures(void) {
    const uint32_t faults = VKCNN_FAULT_FORCE_STAGING | VKCNN_FAULT_FORCE_TRANSFER_SPLIT;
    vkcnn_context_desc d = th_desc(NULL, faults, 0);
    d.device_memory_budget = 32ull << 20;
    vkcnn_context *ctx = NULL;
    vkcnn_model *m = NULL;
    CHECK_OK(vkcnn_context_create(&d, &ctx));
    if (!ctx) return;
    /* batch 64: the slots' buffers (256 KiB per input copy) outweigh the
     * weights' staging during the load, so the load peaks at its end */
    vkcnn_network_options lo = {.batch = 64};
    vkcnn_model_options o = {.in_flight = 2};
    CHECK_OK(vkcnn_model_load_onnx(ctx, model_path, &lo, &o, &m));
    uint64_t need = ctx->memory.allocated;
    CHECK(m && m->split && need > 0 && need < d.device_memory_budget);
    vkcnn_model_destroy(m);
    th_destroy(ctx);
    for (uint64_t less = 1; less < need; less *= 4) {
        d.device_memory_budget = need - less;
        ctx = NULL;
        CHECK_OK(vkcnn_context_create(&d, &ctx));
        if (!ctx) return;
        m = (vkcnn_model *)&m; /* must come back NULL */
        vkcnn_status st = vkcnn_model_load_onnx(ctx, model_path, &lo, &o, &m);
        CHECK_STATUS(st, VKCNN_ERROR_OUT_OF_DEVICE_MEMORY);
        CHECK(m == NULL);
        if (less == 1) {
            printf("budget %llu of %llu bytes: %s\n", (unsigned long long)(need - less),
                   (unsigned long long)need, vkcnn_last_error());
            CHECK(strstr(vkcnn_last_error(), "landing buffer") != NULL);
        }
        th_destroy(ctx);
    }
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: test_async LENET5.onnx\n");
        return 2;
    }
    model_path = argv[1];
    uint64_t seed = 7;
    for (int r = 0; r < RUNS; r++)
        for (int i = 0; i < IN; i++)
            inputs[r][i] = th_randf(&seed);
    vkcnn_context *ctx = th_context(NULL, 0, 1);
    CHECK_OK(vkcnn_context_device_info(ctx, vkcnn_context_device_index(ctx), &info));
    xfer = takes_split(0);
    sync_reference(ctx);
    float image_ref[2][OUT], image_y[2][OUT];
    image_runs(ctx, image_ref);
    vkcnn_model *m = NULL;
    vkcnn_model_options too_many = {.in_flight = VKCNN_MAX_IN_FLIGHT + 1};
    CHECK_STATUS(vkcnn_model_load_onnx(ctx, model_path, NULL, &too_many, &m),
                 VKCNN_ERROR_INVALID_ARGUMENT);
    th_destroy(ctx);

    static const uint32_t paths[] = {0, VKCNN_FAULT_FORCE_STAGING, VKCNN_FAULT_FORCE_TRANSFER_SPLIT,
                                     VKCNN_FAULT_FORCE_STAGING | VKCNN_FAULT_FORCE_TRANSFER_SPLIT};
    for (size_t p = 0; p < sizeof paths / sizeof *paths; p++) {
        uint32_t faults = paths[p];
        ctx = th_context(NULL, faults, 1);
        bool staged = !info.uma || (faults & VKCNN_FAULT_FORCE_STAGING);
        xfer = takes_split(faults);
        CHECK(ctx->dev.xfer_split == xfer);
        CHECK(ctx->memory.staging == staged);
        CHECK((ctx->dev.xfer_family != ctx->dev.family) == (xfer && info.transfer_queue != 0));
        printf("path %s%s: %s\n", staged ? "staged" : "mapped",
               faults & VKCNN_FAULT_FORCE_TRANSFER_SPLIT ? ", split forced" : "",
               !xfer                                     ? "copies in the compute command buffer"
               : ctx->dev.xfer_family != ctx->dev.family ? "copies on the dedicated transfer queue"
                                                         : "copies split on the compute queue");
        for (uint32_t k = 1; k <= 3; k++)
            async_runs(ctx, k);
        image_runs(ctx, image_y);
        CHECK(memcmp(image_y, image_ref, sizeof image_y) == 0);
        /* bounded submits: LeNet-5's dispatches (7, and one more per conv
         * the rule runs as im2col + GEMM) in parts of 2 and of 1, each its
         * own vkQueueSubmit; same outputs and dispatches, timestamps still
         * complete */
        uint32_t want = 0;
        m = load(ctx, 1);
        if (m) {
            vkcnn_model_stats whole;
            CHECK_OK(vkcnn_model_get_stats(m, &whole));
            want = whole.dispatches;
            CHECK(want >= 7);
        }
        vkcnn_model_destroy(m);
        for (split = 2; split >= 1; split--) {
            async_runs(ctx, 2);
            m = load(ctx, 1);
            vkcnn_model_stats stats;
            if (m) {
                CHECK_OK(vkcnn_model_set_input(m, 0, inputs[0], IN));
                CHECK_OK(vkcnn_model_run(m));
                CHECK_OK(vkcnn_model_get_stats(m, &stats));
                CHECK(stats.dispatches == want && stats.gpu_ms > 0);
            }
            vkcnn_model_destroy(m);
        }
        split = 0;
        th_destroy(ctx);
    }
    budget_failures();
    xfer = takes_split(0);
    device_lost(0);
    xfer = true;
    device_lost(VKCNN_FAULT_FORCE_TRANSFER_SPLIT);
    return th_done("test_async");
}
