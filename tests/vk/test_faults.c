/* The errors users hit first: no loader, no device, no compute queue, the
 * validation layer missing. Paths lavapipe cannot reach are forced through
 * fault hooks. With --no-driver the process runs with no Vulkan driver at all
 * (see tests/CMakeLists.txt). */
#include <string.h>

#include "harness.h"

static void expect(uint32_t faults, int validation, vkcnn_status want, const char *needle) {
    vkcnn_context_desc d = th_desc(NULL, faults, 0);
    d.validation = validation ? VKCNN_ON : VKCNN_OFF;
    vkcnn_context *ctx = (vkcnn_context *)1;
    CHECK_STATUS(vkcnn_context_create(&d, &ctx), want);
    CHECK(ctx == NULL);
    if (!strstr(vkcnn_last_error(), needle)) {
        fprintf(stderr, "message lacks '%s': %s\n", needle, vkcnn_last_error());
        th_failures++;
    }
    printf("faults 0x%x -> %s: %s\n", faults, vkcnn_status_string(want), vkcnn_last_error());
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--no-driver") == 0) {
        expect(0, 1, VKCNN_ERROR_NO_DEVICE, "mesa-vulkan-drivers");
        uint32_t count = 7;
        CHECK_STATUS(vkcnn_enumerate_devices(NULL, NULL, 0, &count, NULL), VKCNN_ERROR_NO_DEVICE);
        CHECK(count == 0);
        return th_done("test_no_device");
    }
    expect(VKCNN_FAULT_NO_LOADER, 1, VKCNN_ERROR_NO_VULKAN, "libvulkan");
    expect(VKCNN_FAULT_NO_COMPUTE_QUEUE, 1, VKCNN_ERROR_NO_COMPUTE_QUEUE, "compute");
    expect(VKCNN_FAULT_NO_LAYER, 1, VKCNN_ERROR_LAYER_MISSING, "vulkan-validationlayers");
    /* without validation the missing layer does not matter */
    vkcnn_context_desc d = th_desc(NULL, VKCNN_FAULT_NO_LAYER, 0);
    d.validation = VKCNN_OFF;
    vkcnn_context *ctx = NULL;
    CHECK_OK(vkcnn_context_create(&d, &ctx));
    vkcnn_context_destroy(ctx);
    /* half an adoption is refused, not ignored (tests/run/test_embed.c adopts) */
    d = th_desc(NULL, 0, 0);
    d.adopt.queue_family = 0;
    d.adopt.instance = (VkInstance)(uintptr_t)0x1234;
    CHECK_STATUS(vkcnn_context_create(&d, &ctx), VKCNN_ERROR_INVALID_ARGUMENT);
    CHECK(ctx == NULL);
    return th_done("test_faults");
}
