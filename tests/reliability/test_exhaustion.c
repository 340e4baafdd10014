/* Device memory exhaustion through the public API: a context whose
 * device_memory_budget is too small for AlexNet refuses it with
 * VKCNN_ERROR_OUT_OF_DEVICE_MEMORY and a message naming the allocation and
 * the budget, leaves nothing behind, and the same context then loads and
 * runs LeNet-5 with the same output as a context without a budget.
 *
 *     test_exhaustion LENET.onnx ALEXNET.onnx */
#include "rel_common.h"

/* Between LeNet-5's needs (well under 4 MiB) and AlexNet's (its fc6 weights
 * alone are 144 MiB). */
#define BUDGET (32ull << 20)

static float *lenet_output(vkcnn_context *ctx, const char *path, size_t *n) {
    vkcnn_model *m = NULL;
    CHECK_OK(vkcnn_model_load_onnx(ctx, path, NULL, NULL, &m));
    if (!m) return NULL;
    float *y = rel_infer(m, 99, n);
    vkcnn_model_destroy(m);
    return y;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: test_exhaustion LENET.onnx ALEXNET.onnx\n");
        return 2;
    }
    /* the reference: LeNet-5 without a budget */
    vkcnn_context *ctx = th_context(NULL, 0, 0);
    size_t n_ref = 0;
    float *ref = lenet_output(ctx, argv[1], &n_ref);
    th_destroy(ctx);

    vkcnn_context_desc d = th_desc(NULL, 0, 0);
    d.device_memory_budget = BUDGET;
    ctx = NULL;
    CHECK_OK(vkcnn_context_create(&d, &ctx));
    if (!ctx) return th_done("test_exhaustion");
    for (int attempt = 0; attempt < 2; attempt++) { /* twice: the failure leaves no residue */
        vkcnn_model *m = (vkcnn_model *)&m;         /* must come back NULL */
        vkcnn_status st = vkcnn_model_load_onnx(ctx, argv[2], NULL, NULL, &m);
        const char *msg = vkcnn_last_error();
        printf("AlexNet under a %llu MiB budget: %s: %s\n", BUDGET >> 20, vkcnn_status_string(st),
               msg);
        CHECK_STATUS(st, VKCNN_ERROR_OUT_OF_DEVICE_MEMORY);
        CHECK(m == NULL);
        CHECK(strstr(msg, "budget") != NULL && strstr(msg, "tensor '") != NULL);
        if (m) vkcnn_model_destroy(m);
    }
    /* the same context still serves a model that fits, with the same result */
    size_t n = 0;
    float *y = lenet_output(ctx, argv[1], &n);
    CHECK(y && ref && n == n_ref && memcmp(y, ref, n * sizeof *y) == 0);
    free(y);
    free(ref);
    th_destroy(ctx);
    return th_done("test_exhaustion");
}
