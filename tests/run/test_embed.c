/* Embedding: vkcnn adopts the application's own instance, device and queue
 * (created here, with the validation layer and a messenger that counts
 * errors and warnings), and runs LeNet-5
 *   1. through the plain host API (the reference outputs),
 *   2. recorded into the application's command buffer (vkcnn_model_record)
 *      with input and output in the application's buffers,
 *   3. submitted with semaphores (vkcnn_model_submit_vk): waiting on a binary
 *      semaphore the application signals, signalling a timeline semaphore
 *      the application waits on,
 * each bit-identical to 1. A second device created without 16-bit storage
 * still runs (fp32) and vkcnn says why the feature is unused. Destroying
 * the context must leave the application's objects alive (they are
 * destroyed here afterwards, under validation). */
#include <string.h>
#include <volk.h>

#include "app_vk.h"
#include "harness.h"

#define IN 1024 /* 1 x 1 x 32 x 32 */
#define OUT 10

typedef struct app {
    VkInstance instance;
    VkDebugUtilsMessengerEXT messenger;
    VkPhysicalDevice phys;
    VkDevice device;
    VkQueue queue;
    uint32_t family;
    VkCommandPool pool;
    VkPhysicalDeviceMemoryProperties mem;
} app;

static int app_instance(app *a) {
    return app_vk_instance("test_embed", &a->instance, &a->messenger, &a->phys, &a->mem);
}

/* A device with one queue of a compute family; `storage16` enables 16-bit
 * storage and fp16 arithmetic; timeline semaphores always. */
static int app_device(app *a, int storage16, VkPhysicalDeviceVulkan12Features *v12,
                      VkPhysicalDeviceVulkan11Features *v11) {
    a->family = app_vk_compute_family(a->phys);
    if (a->family == UINT32_MAX) return 0;
    *v11 = (VkPhysicalDeviceVulkan11Features){
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES,
        .storageBuffer16BitAccess = storage16 ? VK_TRUE : VK_FALSE};
    *v12 = (VkPhysicalDeviceVulkan12Features){
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES,
        .pNext = v11,
        .shaderFloat16 = storage16 ? VK_TRUE : VK_FALSE,
        .timelineSemaphore = VK_TRUE};
    float prio = 1.0f;
    VkDeviceQueueCreateInfo qi = {.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
                                  .queueFamilyIndex = a->family,
                                  .queueCount = 1,
                                  .pQueuePriorities = &prio};
    VkDeviceCreateInfo di = {.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
                             .pNext = v12,
                             .queueCreateInfoCount = 1,
                             .pQueueCreateInfos = &qi};
    if (vkCreateDevice(a->phys, &di, NULL, &a->device) != VK_SUCCESS) return 0;
    volkLoadDevice(a->device);
    vkGetDeviceQueue(a->device, a->family, 0, &a->queue);
    VkCommandPoolCreateInfo pi = {.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
                                  .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
                                  .queueFamilyIndex = a->family};
    return vkCreateCommandPool(a->device, &pi, NULL, &a->pool) == VK_SUCCESS;
}

typedef app_vk_buffer hbuf;

static int make_buffer(app *a, VkDeviceSize size, hbuf *b) {
    return app_vk_buffer_create(a->device, &a->mem, size,
                                VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                                b);
}

static void free_buffer(app *a, hbuf *b) {
    app_vk_buffer_free(a->device, b);
}

static vkcnn_context *adopt(app *a, const void *features) {
    vkcnn_context_desc d = {0};
    d.adopt.get_instance_proc_addr = vkGetInstanceProcAddr;
    d.adopt.instance = a->instance;
    d.adopt.instance_api_version = VK_API_VERSION_1_2;
    d.adopt.physical_device = a->phys;
    d.adopt.device = a->device;
    d.adopt.queue = a->queue;
    d.adopt.queue_family = a->family;
    d.adopt.enabled_features = features;
    d.cache = VKCNN_OFF;
    vkcnn_context *ctx = NULL;
    CHECK_OK(vkcnn_context_create(&d, &ctx));
    return ctx;
}

static void run_paths(app *a, vkcnn_context *ctx, const char *model_path, const float *x) {
    vkcnn_model *m = NULL;
    CHECK_OK(vkcnn_model_load_onnx(ctx, model_path, NULL, NULL, &m));
    if (!m) return;
    float ref[OUT], y[OUT];
    CHECK_OK(vkcnn_model_set_input(m, 0, x, IN));
    CHECK_OK(vkcnn_model_run(m));
    CHECK_OK(vkcnn_model_get_output(m, 0, ref, OUT));

    hbuf in = {0}, out = {0};
    CHECK(make_buffer(a, IN * 4, &in) && make_buffer(a, OUT * 4, &out));
    if (!in.map || !out.map) return;
    memcpy(in.map, x, IN * 4);
    vkcnn_buffer_ref bin = {.buffer = in.buffer}, bout = {.buffer = out.buffer};

    /* 2. recorded into the application's command buffer */
    VkCommandBufferAllocateInfo cai = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
                                       .commandPool = a->pool,
                                       .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
                                       .commandBufferCount = 2};
    VkCommandBuffer cmd[2];
    CHECK(vkAllocateCommandBuffers(a->device, &cai, cmd) == VK_SUCCESS);
    VkCommandBufferBeginInfo bi = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    vkBeginCommandBuffer(cmd[0], &bi);
    /* the application's entry barrier: host writes of the input -> transfer */
    VkMemoryBarrier host = {.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                            .srcAccessMask = VK_ACCESS_HOST_WRITE_BIT,
                            .dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT};
    vkCmdPipelineBarrier(cmd[0], VK_PIPELINE_STAGE_HOST_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 1,
                         &host, 0, NULL, 0, NULL);
    CHECK_OK(vkcnn_model_record(m, cmd[0], &bin, &bout));
    CHECK(vkEndCommandBuffer(cmd[0]) == VK_SUCCESS);
    VkFenceCreateInfo fi = {.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    VkFence fence;
    vkCreateFence(a->device, &fi, NULL, &fence);
    VkSubmitInfo si = {.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
                       .commandBufferCount = 1,
                       .pCommandBuffers = &cmd[0]};
    memset(out.map, 0, OUT * 4);
    CHECK(vkQueueSubmit(a->queue, 1, &si, fence) == VK_SUCCESS);
    CHECK(vkWaitForFences(a->device, 1, &fence, VK_TRUE, UINT64_MAX) == VK_SUCCESS);
    CHECK(memcmp(out.map, ref, sizeof ref) == 0);

    /* 3. semaphores: the application signals `ready` (binary), vkcnn waits
     * for it and signals `done` (timeline, value 1) */
    VkSemaphoreTypeCreateInfo ti = {.sType = VK_STRUCTURE_TYPE_SEMAPHORE_TYPE_CREATE_INFO,
                                    .semaphoreType = VK_SEMAPHORE_TYPE_TIMELINE};
    VkSemaphoreCreateInfo sci = {.sType = VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO};
    VkSemaphore ready, done;
    vkCreateSemaphore(a->device, &sci, NULL, &ready);
    sci.pNext = &ti;
    vkCreateSemaphore(a->device, &sci, NULL, &done);
    vkBeginCommandBuffer(cmd[1], &bi);
    vkCmdPipelineBarrier(cmd[1], VK_PIPELINE_STAGE_HOST_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 1,
                         &host, 0, NULL, 0, NULL);
    vkEndCommandBuffer(cmd[1]);
    VkSubmitInfo signal = {.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
                           .commandBufferCount = 1,
                           .pCommandBuffers = &cmd[1],
                           .signalSemaphoreCount = 1,
                           .pSignalSemaphores = &ready};
    memset(out.map, 0, OUT * 4);
    CHECK(vkQueueSubmit(a->queue, 1, &signal, VK_NULL_HANDLE) == VK_SUCCESS);
    uint64_t one = 1, zero = 0;
    vkcnn_submit_sync sync = {.wait_count = 1,
                              .wait_semaphores = &ready,
                              .wait_values = &zero, /* ignored for a binary semaphore */
                              .signal_count = 1,
                              .signal_semaphores = &done,
                              .signal_values = &one};
    vkcnn_ticket t;
    CHECK_OK(vkcnn_model_submit_vk(m, &sync, &bin, &bout, &t));
    VkSemaphoreWaitInfo wi = {.sType = VK_STRUCTURE_TYPE_SEMAPHORE_WAIT_INFO,
                              .semaphoreCount = 1,
                              .pSemaphores = &done,
                              .pValues = &one};
    CHECK(vkWaitSemaphores(a->device, &wi, UINT64_MAX) == VK_SUCCESS);
    CHECK(memcmp(out.map, ref, sizeof ref) == 0);
    CHECK_OK(vkcnn_model_wait(m, t, UINT64_MAX));
    /* queue family ownership: buffers owned by another family (lavapipe has
     * one family, so VK_QUEUE_FAMILY_EXTERNAL stands for it): vkcnn acquires
     * the input and releases the output; the application acquires the
     * output back before reading it */
    vkcnn_buffer_ref fin = {
        .buffer = in.buffer, .foreign_family = 1, .family = VK_QUEUE_FAMILY_EXTERNAL};
    vkcnn_buffer_ref fout = {
        .buffer = out.buffer, .foreign_family = 1, .family = VK_QUEUE_FAMILY_EXTERNAL};
    memset(out.map, 0, OUT * 4);
    CHECK_OK(vkcnn_model_submit_vk(m, NULL, &fin, &fout, &t));
    CHECK_OK(vkcnn_model_wait(m, t, UINT64_MAX));
    vkResetCommandBuffer(cmd[1], 0);
    vkBeginCommandBuffer(cmd[1], &bi);
    VkBufferMemoryBarrier acquire = {.sType = VK_STRUCTURE_TYPE_BUFFER_MEMORY_BARRIER,
                                     .dstAccessMask = VK_ACCESS_HOST_READ_BIT,
                                     .srcQueueFamilyIndex = VK_QUEUE_FAMILY_EXTERNAL,
                                     .dstQueueFamilyIndex = a->family,
                                     .buffer = out.buffer,
                                     .size = VK_WHOLE_SIZE};
    vkCmdPipelineBarrier(cmd[1], VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0,
                         0, NULL, 1, &acquire, 0, NULL);
    vkEndCommandBuffer(cmd[1]);
    vkResetFences(a->device, 1, &fence);
    si.pCommandBuffers = &cmd[1];
    CHECK(vkQueueSubmit(a->queue, 1, &si, fence) == VK_SUCCESS);
    CHECK(vkWaitForFences(a->device, 1, &fence, VK_TRUE, UINT64_MAX) == VK_SUCCESS);
    CHECK(memcmp(out.map, ref, sizeof ref) == 0);

    /* without buffers: host inputs, outputs through get_result */
    CHECK_OK(vkcnn_model_submit_vk(m, NULL, NULL, NULL, &t));
    CHECK_OK(vkcnn_model_get_result(m, t, 0, y, OUT));
    CHECK(memcmp(y, ref, sizeof ref) == 0);

    vkcnn_model_destroy(m);
    vkDestroySemaphore(a->device, ready, NULL);
    vkDestroySemaphore(a->device, done, NULL);
    vkDestroyFence(a->device, fence, NULL);
    free_buffer(a, &in);
    free_buffer(a, &out);
}

static void app_device_destroy(app *a) {
    if (a->pool) vkDestroyCommandPool(a->device, a->pool, NULL);
    if (a->device) vkDestroyDevice(a->device, NULL);
    a->pool = VK_NULL_HANDLE;
    a->device = VK_NULL_HANDLE;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: test_embed LENET5.onnx\n");
        return 2;
    }
    if (volkInitialize() != VK_SUCCESS) {
        fprintf(stderr, "test_embed: no Vulkan loader\n");
        return 1;
    }
    float x[IN];
    uint64_t seed = 11;
    for (int i = 0; i < IN; i++)
        x[i] = th_randf(&seed);
    app a = {0};
    if (!app_instance(&a)) {
        fprintf(stderr, "test_embed: cannot create the application's instance\n");
        return 1;
    }
    for (int storage16 = 1; storage16 >= 0; storage16--) {
        VkPhysicalDeviceVulkan12Features v12;
        VkPhysicalDeviceVulkan11Features v11;
        CHECK(app_device(&a, storage16, &v12, &v11));
        if (!a.device) break;
        vkcnn_context *ctx = adopt(&a, &v12);
        if (ctx) {
            CHECK(vkcnn_context_vk_device(ctx) == a.device);
            const char *why = vkcnn_context_disabled_features(ctx);
            if (storage16)
                CHECK(strstr(why, "storageBuffer16BitAccess") == NULL);
            else
                CHECK(strstr(why, "storageBuffer16BitAccess") != NULL &&
                      strstr(why, "shaderFloat16") != NULL);
            run_paths(&a, ctx, argv[1], x);
            vkcnn_context_destroy(ctx);
        }
        /* the application's device is still alive and usable */
        CHECK(vkDeviceWaitIdle(a.device) == VK_SUCCESS);
        app_device_destroy(&a);
    }
    /* incomplete adoption is refused with a message */
    vkcnn_context_desc bad = {0};
    bad.adopt.device = (VkDevice)(uintptr_t)1;
    vkcnn_context *ctx = NULL;
    CHECK_STATUS(vkcnn_context_create(&bad, &ctx), VKCNN_ERROR_INVALID_ARGUMENT);
    vkDestroyDebugUtilsMessengerEXT(a.instance, a.messenger, NULL);
    vkDestroyInstance(a.instance, NULL);
    CHECK(app_vk_errors == 0);
    return th_done("test_embed");
}
