/* The harness's promise: a validation error during a test is seen and fails
 * it. Here one is provoked on purpose and must be counted. */
#include <string.h>

#include "harness.h"
#include "vk/context.h"

static int seen_error;

static void on_log(vkcnn_log_level level, vkcnn_log_source source, const char *message,
                   void *user) {
    (void)message;
    (void)user;
    if (source == VKCNN_LOG_SOURCE_VALIDATION && level == VKCNN_LOG_ERROR) seen_error++;
}

int main(void) {
    vkcnn_context_desc d = th_desc(NULL, 0, 0);
    d.log = on_log;
    vkcnn_context *ctx = NULL;
    CHECK_OK(vkcnn_context_create(&d, &ctx));
    if (!ctx) return th_done("test_validation");
    uint32_t errors = 1, warnings = 1;
    vkcnn_context_validation_counts(ctx, &errors, &warnings);
    CHECK(errors == 0 && warnings == 0);
    /* A buffer of size 0 is invalid usage (VUID-VkBufferCreateInfo-size-00912). */
    VkBufferCreateInfo bi = {.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
                             .size = 0,
                             .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT};
    VkBuffer buf = VK_NULL_HANDLE;
    VkResult r = ctx->dev.vk.vkCreateBuffer(ctx->dev.handle, &bi, NULL, &buf);
    if (r == VK_SUCCESS && buf) ctx->dev.vk.vkDestroyBuffer(ctx->dev.handle, buf, NULL);
    vkcnn_context_validation_counts(ctx, &errors, &warnings);
    CHECK(errors >= 1);
    CHECK(seen_error >= 1);
    vkcnn_context_destroy(ctx); /* not th_destroy: the error was intended */

    /* validation off: nothing is counted */
    d.validation = VKCNN_OFF;
    CHECK_OK(vkcnn_context_create(&d, &ctx));
    vkcnn_context_validation_counts(ctx, &errors, &warnings);
    CHECK(errors == 0 && warnings == 0);
    vkcnn_context_destroy(ctx);
    return th_done("test_validation");
}
