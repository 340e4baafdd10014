/* A fully connected layer whose weight exceeds maxStorageBufferRange:
 * y = x * W^T + b with W [4000, 10000] (160 MB) at batch 1, as PyTorch
 * exports Linear. On lavapipe (128 MiB range) W is split across two
 * bindings; on devices with a larger range the test lowers the executor's
 * binding limit to 128 MiB so the same split is exercised everywhere. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "kt.h"
#include "vk/context.h"

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv) {
    kt_args(argc, argv);
    double t0 = now_s();
    vkcnn_context *ctx = th_context(NULL, 0, 0);
    const uint64_t lavapipe_range = 128ull << 20;
    uint64_t range = ctx->dev.phys->info.max_storage_buffer_range;
    vkc_exec_options opts = {.max_binding_bytes = range > lavapipe_range ? lavapipe_range : 0};
    uint64_t limit = opts.max_binding_bytes ? opts.max_binding_bytes : range;

    const int64_t n = 4000, k = 10000;
    uint64_t seed = 0x1a56e, s = seed;
    vkc_graph *g = kt_graph();
    int64_t xd[2] = {1, k}, wd[2] = {n, k}, bd[1] = {n};
    uint32_t in[3] = {kt_tensor(g, "x", 2, xd, false, &s),
                      kt_tensor(g, "fc.weight", 2, wd, true, &s),
                      kt_tensor(g, "fc.bias", 1, bd, true, &s)};
    vkc_attrs a = kt_attrs(VKC_OP_GEMM, 13);
    a.gemm.trans_b = true;
    uint32_t y = kt_node(g, VKC_OP_GEMM, 13, in, 3, &a);
    kt_output(g, y);
    uint64_t bytes = g->tensors[in[1]].elements * 4;
    CHECK(bytes > limit);
    printf("weight %llu bytes, binding limit %llu bytes: %llu chunks\n", (unsigned long long)bytes,
           (unsigned long long)limit, (unsigned long long)((bytes + limit - 1) / limit));

    /* The same layer through the executor and the reference. */
    double t1 = now_s();
    kt_check(ctx, g, &opts, seed, "Gemm [1, 10000] x [4000, 10000]^T + b (160 MB weight)");
    double t2 = now_s();

    /* Any other tensor over the range is refused, naming it. */
    g = kt_graph();
    s = seed;
    int64_t big[2] = {1, (int64_t)(limit / 4) + 1};
    uint32_t x = kt_tensor(g, "huge_activation", 2, big, true, &s);
    uint32_t r = kt_node(g, VKC_OP_RELU, 13, &x, 1, NULL);
    kt_output(g, r);
    vkc_exec *e = NULL;
    vkcnn_status st = vkc_exec_create(ctx, g, &opts, &e);
    printf("refused: %s\n", vkcnn_last_error());
    CHECK(st == VKCNN_ERROR_LIMIT && e == NULL);
    CHECK(strstr(vkcnn_last_error(), g->tensors[r].name) != NULL);
    CHECK(strstr(vkcnn_last_error(), "maxStorageBufferRange") != NULL);
    CHECK(strstr(vkcnn_last_error(), "Relu") != NULL);
    vkc_graph_destroy(g);
    th_destroy(ctx);
    printf("large weight: setup %.2f s, create+upload+run+reference %.2f s, total %.2f s\n",
           t1 - t0, t2 - t1, now_s() - t0);
    kt_summary("large weight");
    return th_done("test_kernel_large");
}
