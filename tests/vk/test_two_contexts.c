/* Two contexts side by side: each has its own instance, device and function
 * table, so interleaved work and out-of-order destruction stay correct. */
#include "affine_run.h"

int main(void) {
    vkcnn_context *a = th_context(NULL, 0, 0);
    vkcnn_context *b = th_context(NULL, 0, 0);
    CHECK(a->dev.handle != b->dev.handle);
    CHECK(a->dev.vk.vkCmdDispatch != NULL && b->dev.vk.vkCmdDispatch != NULL);
    for (int round = 0; round < 3; round++) {
        CHECK(affine_check(a, 2.0f, 1.0f, 1000) == 0);
        CHECK(affine_check(b, -3.0f, 0.25f, 777) == 0);
    }
    vkc_buffer buf_a;
    CHECK_OK(vkc_buffer_create(a, 4096, VKC_MEM_DEVICE, &buf_a));
    vkc_buffer_destroy(a, &buf_a);
    th_destroy(a); /* a first, although created first: b must not care */
    CHECK(affine_check(b, 0.5f, -1.0f, 4097) == 0);
    th_destroy(b);
    return th_done("test_two_contexts");
}
