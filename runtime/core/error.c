#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char tls_message[VKC_ERROR_MAX];

static void mark_truncated(int n) {
    if (n >= (int)sizeof tls_message) memcpy(tls_message + sizeof tls_message - 4, "...", 4);
}

vkcnn_status vkc_fail(vkcnn_status status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tls_message, sizeof tls_message, fmt, ap);
    va_end(ap);
    mark_truncated(n);
    return status;
}

vkcnn_status vkc_fail_context(vkcnn_status status, const char *fmt, ...) {
    char prefix[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    char old[VKC_ERROR_MAX];
    memcpy(old, tls_message, sizeof old);
    int n = snprintf(tls_message, sizeof tls_message, "%s: %s", prefix, old);
    mark_truncated(n);
    return status;
}

const char *vkc_error_message(void) {
    return tls_message;
}

void vkc_error_clear(void) {
    tls_message[0] = '\0';
}

const char *vkcnn_last_error(void) {
    return tls_message;
}

const char *vkcnn_status_string(vkcnn_status status) {
    switch (status) {
    case VKCNN_OK: return "ok";
    case VKCNN_NOT_READY: return "not ready";
    case VKCNN_ERROR_INVALID_ARGUMENT: return "invalid argument";
    case VKCNN_ERROR_OUT_OF_HOST_MEMORY: return "out of host memory";
    case VKCNN_ERROR_OUT_OF_DEVICE_MEMORY: return "out of device memory";
    case VKCNN_ERROR_NO_VULKAN: return "no Vulkan loader";
    case VKCNN_ERROR_NO_DEVICE: return "no device";
    case VKCNN_ERROR_NO_COMPUTE_QUEUE: return "no compute queue";
    case VKCNN_ERROR_LAYER_MISSING: return "validation layer missing";
    case VKCNN_ERROR_VULKAN: return "Vulkan error";
    case VKCNN_ERROR_DEVICE_LOST: return "device lost";
    case VKCNN_ERROR_SHADER_COMPILE: return "shader compilation failed";
    case VKCNN_ERROR_IO: return "I/O error";
    case VKCNN_ERROR_INVALID_MODEL: return "invalid model";
    case VKCNN_ERROR_UNSUPPORTED: return "unsupported";
    case VKCNN_ERROR_LIMIT: return "limit exceeded";
    }
    return "unknown status";
}

const char *vkcnn_version(void) {
    return VKCNN_VERSION_STRING;
}
