/* Device layer: creation, capabilities, device choice by index, name and
 * VKCNN_DEVICE, and the errors a wrong choice gives. */
#include <ctype.h>
#include <string.h>

#include "harness.h"
#include "vk/device.h"

static void check_caps(const vkcnn_device_info *d) {
    printf("device %u: %s (%s, %s %s), subgroup %u, shared %u, range %llu, uma %d, width %u\n",
           d->index, d->name, vkcnn_device_type_string(d->type), d->driver_name, d->driver_info,
           d->subgroup_size, d->shared_memory, (unsigned long long)d->max_storage_buffer_range,
           d->uma, d->vector_width);
    CHECK(VK_API_VERSION_MAJOR(d->api_version) == 1 && VK_API_VERSION_MINOR(d->api_version) >= 1);
    CHECK(d->subgroup_size > 0 && (d->subgroup_size & (d->subgroup_size - 1)) == 0);
    CHECK(d->subgroup_size_min <= d->subgroup_size && d->subgroup_size <= d->subgroup_size_max);
    CHECK(d->subgroup_ops & VKCNN_SUBGROUP_BASIC);
    CHECK(d->max_storage_buffer_range >= (1u << 27) || d->max_storage_buffer_range >= (1u << 16));
    CHECK(d->shared_memory >= 16384);
    CHECK(d->max_workgroup_invocations >= 128);
    CHECK(d->max_memory_allocation_size >= (1ull << 30));
    CHECK(d->min_storage_buffer_offset_alignment >= 1);
    CHECK(d->max_texel_buffer_elements >= 65536); /* Vulkan's required minimum */
    CHECK(d->min_texel_buffer_offset_alignment >= 1);
    CHECK(d->compute_queue);
    CHECK(d->name[0] != '\0');
    if (d->timestamps) CHECK(d->timestamp_period_ns > 0.0f);
    if (strncmp(d->name, "llvmpipe", 8) == 0) {
        /* lavapipe: a CPU device, UMA, and its SIMD width is reported */
        CHECK(d->type == VKCNN_DEVICE_CPU);
        CHECK(d->uma);
        CHECK(d->vector_width == 128 || d->vector_width == 256 || d->vector_width == 512);
        CHECK(strcmp(d->driver_name, "llvmpipe") == 0);
        CHECK(!d->transfer_queue); /* one family: the copies stay on the compute queue */
    }
}

/* vkc_transfer_family on the queue families devices report. */
static void check_transfer_family(void) {
    enum {
        G = VK_QUEUE_GRAPHICS_BIT,
        C = VK_QUEUE_COMPUTE_BIT,
        T = VK_QUEUE_TRANSFER_BIT,
        S = VK_QUEUE_SPARSE_BINDING_BIT,
        P = VK_QUEUE_PROTECTED_BIT
    };
    /* lavapipe: one family that does everything */
    VkQueueFamilyProperties one[] = {{.queueFlags = G | C | T, .queueCount = 1}};
    CHECK(vkc_transfer_family(one, 1) == UINT32_MAX);
    /* an NVIDIA H200: graphics, transfer-only, compute, video (no transfer) */
    VkQueueFamilyProperties nv[] = {{.queueFlags = G | C | T | S, .queueCount = 16},
                                    {.queueFlags = T | S, .queueCount = 2},
                                    {.queueFlags = C | T | S, .queueCount = 8},
                                    {.queueFlags = VK_QUEUE_VIDEO_DECODE_BIT_KHR, .queueCount = 1}};
    CHECK(vkc_transfer_family(nv, 4) == 1);
    /* a compute-only family is no DMA engine; a transfer family with no
     * queues is none; of two, the one with fewer other capabilities */
    VkQueueFamilyProperties mixed[] = {{.queueFlags = G | C | T, .queueCount = 1},
                                       {.queueFlags = C | T, .queueCount = 4},
                                       {.queueFlags = T, .queueCount = 0},
                                       {.queueFlags = T | S | P, .queueCount = 1},
                                       {.queueFlags = T | S, .queueCount = 2}};
    CHECK(vkc_transfer_family(mixed, 2) == UINT32_MAX);
    CHECK(vkc_transfer_family(mixed, 3) == UINT32_MAX);
    CHECK(vkc_transfer_family(mixed, 4) == 3);
    CHECK(vkc_transfer_family(mixed, 5) == 4);
}

/* vkc_memory_unified on the memory layouts devices report: a discrete GPU
 * with resizable BAR (an NVIDIA H200: all of its 140 GiB heap has a
 * host-visible type) is not UMA; integrated GPUs and CPU drivers are. */
static void check_memory_unified(void) {
    enum {
        DL = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT,
        HV = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT,
        HC = VK_MEMORY_PROPERTY_HOST_CACHED_BIT
    };
    const VkDeviceSize gib = 1ull << 30;
    VkPhysicalDeviceMemoryProperties rebar = {0};
    rebar.memoryHeapCount = 2;
    rebar.memoryHeaps[0] = (VkMemoryHeap){140 * gib, VK_MEMORY_HEAP_DEVICE_LOCAL_BIT};
    rebar.memoryHeaps[1] = (VkMemoryHeap){128 * gib, 0};
    rebar.memoryTypeCount = 4;
    rebar.memoryTypes[0] = (VkMemoryType){DL, 0};
    rebar.memoryTypes[1] = (VkMemoryType){HV, 1};
    rebar.memoryTypes[2] = (VkMemoryType){HV | HC, 1};
    rebar.memoryTypes[3] = (VkMemoryType){DL | HV, 0};
    CHECK(!vkc_memory_unified(VKCNN_DEVICE_DISCRETE, &rebar));
    /* the same layout on an integrated GPU: its memory is the host's */
    CHECK(vkc_memory_unified(VKCNN_DEVICE_INTEGRATED, &rebar));
    /* a discrete GPU without resizable BAR: a small host-visible window */
    VkPhysicalDeviceMemoryProperties bar = rebar;
    bar.memoryHeapCount = 3;
    bar.memoryHeaps[2] = (VkMemoryHeap){256ull << 20, VK_MEMORY_HEAP_DEVICE_LOCAL_BIT};
    bar.memoryTypes[3] = (VkMemoryType){DL | HV, 2};
    CHECK(!vkc_memory_unified(VKCNN_DEVICE_DISCRETE, &bar));
    CHECK(!vkc_memory_unified(VKCNN_DEVICE_OTHER, &bar)); /* the window is not the big heap */
    /* lavapipe: one heap, every type device-local and host-visible */
    VkPhysicalDeviceMemoryProperties cpu = {0};
    cpu.memoryHeapCount = 1;
    cpu.memoryHeaps[0] = (VkMemoryHeap){16 * gib, VK_MEMORY_HEAP_DEVICE_LOCAL_BIT};
    cpu.memoryTypeCount = 1;
    cpu.memoryTypes[0] = (VkMemoryType){DL | HV | HC, 0};
    CHECK(vkc_memory_unified(VKCNN_DEVICE_CPU, &cpu));
    /* no host-visible device-local type at all */
    cpu.memoryTypes[0] = (VkMemoryType){DL, 0};
    CHECK(!vkc_memory_unified(VKCNN_DEVICE_INTEGRATED, &cpu));
}

int main(void) {
    check_memory_unified();
    check_transfer_family();
    vkcnn_context *ctx = th_context(NULL, 0, 0);
    uint32_t n = vkcnn_context_device_count(ctx);
    uint32_t chosen = vkcnn_context_device_index(ctx);
    CHECK(n >= 1);
    CHECK(chosen < n);
    vkcnn_device_info info;
    CHECK_OK(vkcnn_context_device_info(ctx, chosen, &info));
    check_caps(&info);
    CHECK_STATUS(vkcnn_context_device_info(ctx, n, &info), VKCNN_ERROR_INVALID_ARGUMENT);
    CHECK(strcmp(vkcnn_context_error(ctx), "") == 0);
    th_destroy(ctx);

    /* by index */
    vkcnn_context_desc d = th_desc(NULL, 0, 0);
    char index[16];
    snprintf(index, sizeof index, "%u", chosen);
    d.device = index;
    CHECK_OK(vkcnn_context_create(&d, &ctx));
    CHECK(ctx && vkcnn_context_device_index(ctx) == chosen);
    th_destroy(ctx);

    /* by a case-changed name substring */
    char sub[8] = {0};
    for (int i = 0; i < 4 && info.name[i]; i++)
        sub[i] = (char)toupper((unsigned char)info.name[i]);
    d.device = sub;
    vkcnn_status st = vkcnn_context_create(&d, &ctx);
    /* several devices may share the prefix; then the error must list them */
    if (st == VKCNN_OK) {
        CHECK(vkcnn_context_device_index(ctx) == chosen);
        th_destroy(ctx);
    } else {
        CHECK(st == VKCNN_ERROR_NO_DEVICE && strstr(vkcnn_last_error(), "matches"));
    }

    /* no match, bad index: NO_DEVICE naming the request and listing devices */
    d.device = "no-such-gpu-xyz";
    CHECK_STATUS(vkcnn_context_create(&d, &ctx), VKCNN_ERROR_NO_DEVICE);
    CHECK(ctx == NULL);
    CHECK(strstr(vkcnn_last_error(), "no-such-gpu-xyz") && strstr(vkcnn_last_error(), info.name));
    d.device = "4096";
    CHECK_STATUS(vkcnn_context_create(&d, &ctx), VKCNN_ERROR_NO_DEVICE);
    CHECK(strstr(vkcnn_last_error(), "4096") != NULL);

    /* VKCNN_DEVICE applies when the option is unset, and is named in errors */
    d.device = NULL;
    setenv("VKCNN_DEVICE", "no-such-gpu-xyz", 1);
    CHECK_STATUS(vkcnn_context_create(&d, &ctx), VKCNN_ERROR_NO_DEVICE);
    CHECK(strstr(vkcnn_last_error(), "VKCNN_DEVICE") != NULL);
    uint32_t count = 0, def = 0;
    vkcnn_device_info infos[8];
    CHECK_OK(vkcnn_enumerate_devices(NULL, infos, 8, &count, &def));
    CHECK(count == n && def == UINT32_MAX);
    setenv("VKCNN_DEVICE", index, 1);
    CHECK_OK(vkcnn_enumerate_devices(NULL, infos, 8, &count, &def));
    CHECK(def == chosen);
    CHECK(strcmp(infos[chosen].name, info.name) == 0);
    unsetenv("VKCNN_DEVICE");

    /* NULL out pointer and destroy(NULL) */
    CHECK_STATUS(vkcnn_context_create(&d, NULL), VKCNN_ERROR_INVALID_ARGUMENT);
    vkcnn_context_destroy(NULL);
    CHECK(strcmp(vkcnn_status_string(VKCNN_ERROR_DEVICE_LOST), "device lost") == 0);
    CHECK(strcmp(vkcnn_version(), VKCNN_VERSION_STRING) == 0);
    return th_done("test_device");
}
