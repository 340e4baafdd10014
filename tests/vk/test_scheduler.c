/* The scheduler records exactly the barriers that read/write sets need:
 * a chain of dependent dispatches gives the right answer with a barrier
 * between each pair; independent dispatches get none; write-after-read and
 * aliasing sub-ranges are detected. Runs under synchronization validation,
 * which reports any missing barrier. */
#include <string.h>

#include "affine_run.h"

#define N 4096u

static vkc_dispatch affine(const vkc_kernel *k, vkc_binding *b, const vkc_buffer *in,
                           VkDeviceSize in_off, const vkc_buffer *out, VkDeviceSize out_off,
                           VkDeviceSize bytes, const uint32_t *n) {
    b[0] = (vkc_binding){in, in_off, bytes, VKC_READ, false};
    b[1] = (vkc_binding){out, out_off, bytes, VKC_WRITE, false};
    return (vkc_dispatch){
        .kernel = k, .bindings = b, .push = n, .groups = {(uint32_t)((bytes / 4 + 63) / 64), 1, 1}};
}

static float *read_all(vkcnn_context *ctx, const vkc_buffer *b, size_t n) {
    float *v = calloc(n, sizeof *v);
    CHECK_OK(vkc_buffer_read(ctx, b, 0, v, n * 4));
    return v;
}

int main(void) {
    vkcnn_context *ctx = th_context(NULL, 0, 1);
    vkc_kernel k; /* y = 2x + 1 */
    CHECK_OK(affine_kernel(ctx, 2.0f, 1.0f, &k));
    enum { CHAIN = 12 };
    vkc_buffer buf[CHAIN + 1];
    for (int i = 0; i <= CHAIN; i++)
        CHECK_OK(vkc_buffer_create(ctx, N * 4, VKC_MEM_DEVICE, &buf[i]));
    float *x = malloc(N * sizeof *x);
    uint32_t n = N;

    /* 1. a dependent chain: buf[i+1] = 2*buf[i] + 1 */
    vkc_sequence *seq = NULL;
    vkc_binding b[CHAIN][2];
    CHECK_OK(vkc_sequence_create(ctx, true, &seq));
    for (int i = 0; i < CHAIN; i++) {
        vkc_dispatch d = affine(&k, b[i], &buf[i], 0, &buf[i + 1], 0, N * 4, &n);
        CHECK_OK(vkc_sequence_add(seq, &d));
    }
    CHECK_OK(vkc_sequence_record(seq));
    CHECK(vkc_sequence_barrier_count(seq) == CHAIN - 1);
    CHECK(!vkc_sequence_barrier_before(seq, 0) && vkc_sequence_barrier_before(seq, 1));
    for (int run = 0; run < 3; run++) { /* replayed, input changed in between */
        for (uint32_t i = 0; i < N; i++)
            x[i] = (float)((i + run) % 17) - 8.0f;
        CHECK_OK(vkc_buffer_write(ctx, &buf[0], 0, x, N * 4));
        CHECK_OK(vkc_sequence_run(seq));
        float *y = read_all(ctx, &buf[CHAIN], N);
        int bad = 0;
        for (uint32_t i = 0; i < N; i++) {
            double want = x[i];
            for (int s = 0; s < CHAIN; s++)
                want = 2.0 * want + 1.0;
            bad += y[i] != (float)want;
        }
        CHECK(bad == 0);
        free(y);
    }
    if (ctx->dev.phys->info.timestamps) {
        double total = vkc_sequence_total_ms(seq);
        CHECK(total >= 0.0);
        for (int i = 0; i < CHAIN; i++)
            CHECK(vkc_sequence_dispatch_ms(seq, (uint32_t)i) >= 0.0);
        printf("chain of %d dispatches: %.3f ms GPU\n", CHAIN, total);
    }
    vkc_sequence_destroy(seq);

    /* 2. independent: one input read by all, disjoint outputs -> no barrier */
    CHECK_OK(vkc_sequence_create(ctx, false, &seq));
    for (int i = 0; i < CHAIN; i++) {
        vkc_dispatch d = affine(&k, b[i], &buf[0], 0, &buf[i + 1], 0, N * 4, &n);
        CHECK_OK(vkc_sequence_add(seq, &d));
    }
    CHECK_OK(vkc_sequence_record(seq));
    CHECK(vkc_sequence_barrier_count(seq) == 0);
    CHECK(vkc_sequence_dispatch_ms(seq, 0) < 0.0); /* no timestamps asked */
    CHECK_OK(vkc_sequence_run(seq));
    vkc_sequence_destroy(seq);

    /* 3. write-after-read: d0 reads buf1 -> buf2; d1 writes buf1 (from buf3)
     *    needs an execution barrier; d2 reads buf4 -> buf5: none. */
    CHECK_OK(vkc_sequence_create(ctx, false, &seq));
    vkc_dispatch d0 = affine(&k, b[0], &buf[1], 0, &buf[2], 0, N * 4, &n);
    vkc_dispatch d1 = affine(&k, b[1], &buf[3], 0, &buf[1], 0, N * 4, &n);
    vkc_dispatch d2 = affine(&k, b[2], &buf[4], 0, &buf[5], 0, N * 4, &n);
    CHECK_OK(vkc_sequence_add(seq, &d0));
    CHECK_OK(vkc_sequence_add(seq, &d1));
    CHECK_OK(vkc_sequence_add(seq, &d2));
    CHECK_OK(vkc_sequence_record(seq));
    CHECK(vkc_sequence_barrier_count(seq) == 1 && vkc_sequence_barrier_before(seq, 1));
    CHECK_OK(vkc_sequence_run(seq));
    vkc_sequence_destroy(seq);

    /* 4. sub-ranges of one buffer: halves are independent until they meet */
    uint32_t half = N / 2;
    VkDeviceSize hb = half * 4;
    CHECK_OK(vkc_sequence_create(ctx, false, &seq));
    vkc_dispatch e0 = affine(&k, b[0], &buf[0], 0, &buf[6], 0, hb, &half);   /* writes 6[0:h] */
    vkc_dispatch e1 = affine(&k, b[1], &buf[0], hb, &buf[6], hb, hb, &half); /* writes 6[h:] */
    vkc_dispatch e2 = affine(&k, b[2], &buf[6], 0, &buf[7], 0, hb, &half);   /* reads 6[0:h] */
    CHECK_OK(vkc_sequence_add(seq, &e0));
    CHECK_OK(vkc_sequence_add(seq, &e1));
    CHECK_OK(vkc_sequence_add(seq, &e2));
    CHECK_OK(vkc_sequence_record(seq));
    CHECK(vkc_sequence_barrier_count(seq) == 1 && vkc_sequence_barrier_before(seq, 2));
    for (uint32_t i = 0; i < N; i++)
        x[i] = (float)i;
    CHECK_OK(vkc_buffer_write(ctx, &buf[0], 0, x, N * 4));
    CHECK_OK(vkc_sequence_run(seq));
    float *y = read_all(ctx, &buf[7], half);
    int bad = 0;
    for (uint32_t i = 0; i < half; i++)
        bad += y[i] != 2.0f * (2.0f * x[i] + 1.0f) + 1.0f;
    CHECK(bad == 0);
    free(y);
    vkc_sequence_destroy(seq);

    /* 5. the sequence keeps its own copy of the kernel description: the
     *    caller's struct may move or be reused after vkc_sequence_add */
    CHECK_OK(vkc_sequence_create(ctx, false, &seq));
    vkc_kernel moved = k;
    vkc_dispatch m0 = affine(&moved, b[0], &buf[0], 0, &buf[8], 0, N * 4, &n);
    CHECK_OK(vkc_sequence_add(seq, &m0));
    memset(&moved, 0xff, sizeof moved);
    CHECK_OK(vkc_sequence_record(seq));
    CHECK_OK(vkc_sequence_run(seq));
    y = read_all(ctx, &buf[8], N);
    bad = 0;
    for (uint32_t i = 0; i < N; i++)
        bad += y[i] != 2.0f * x[i] + 1.0f;
    CHECK(bad == 0);
    free(y);
    vkc_sequence_destroy(seq);

    /* 6. bad dispatches are refused */
    CHECK_OK(vkc_sequence_create(ctx, false, &seq));
    vkc_dispatch bad_d = affine(&k, b[0], &buf[0], 0, &buf[1], 0, N * 4, &n);
    bad_d.groups[0] = 0;
    CHECK_STATUS(vkc_sequence_add(seq, &bad_d), VKCNN_ERROR_LIMIT);
    bad_d = affine(&k, b[0], &buf[0], N * 4, &buf[1], 0, N * 4, &n);
    CHECK_STATUS(vkc_sequence_add(seq, &bad_d), VKCNN_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(vkc_sequence_run(seq), VKCNN_ERROR_INVALID_ARGUMENT);
    vkc_sequence_destroy(seq);

    for (int i = 0; i <= CHAIN; i++)
        vkc_buffer_destroy(ctx, &buf[i]);
    vkc_kernel_destroy(ctx, &k);
    free(x);
    th_destroy(ctx);
    return th_done("test_scheduler");
}
