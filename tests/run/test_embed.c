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

#include "harness.h"

#define IN 1024 /* 1 x 1 x 32 x 32 */
#define OUT 10

static int vk_errors;

static VKAPI_ATTR VkBool32 VKAPI_CALL on_message(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                 VkDebugUtilsMessageTypeFlagsEXT type,
                                                 const VkDebugUtilsMessengerCallbackDataEXT *data,
                                                 void *user) {
    (void)type;
    (void)user;
    if (severity & (VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                    VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT)) {
        fprintf(stderr, "validation: %s\n", data->pMessage);
        vk_errors++;
    }
    return VK_FALSE;
}

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
    VkApplicationInfo ai = {.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
                            .pApplicationName = "test_embed",
                            .apiVersion = VK_API_VERSION_1_2};
    const char *layers[] = {"VK_LAYER_KHRONOS_validation"};
    const char *exts[] = {VK_EXT_DEBUG_UTILS_EXTENSION_NAME,
                          VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME};
    VkDebugUtilsMessengerCreateInfoEXT mi = {
        .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
        .messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                           VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT,
        .messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                       VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT,
        .pfnUserCallback = on_message};
    /* synchronization validation checks vkcnn's barriers against ours */
    VkValidationFeatureEnableEXT sync = VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT;
    VkValidationFeaturesEXT features = {.sType = VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT,
                                        .pNext = &mi,
                                        .enabledValidationFeatureCount = 1,
                                        .pEnabledValidationFeatures = &sync};
    VkInstanceCreateInfo ci = {.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
                               .pNext = &features,
                               .pApplicationInfo = &ai,
                               .enabledLayerCount = 1,
                               .ppEnabledLayerNames = layers,
                               .enabledExtensionCount = 2,
                               .ppEnabledExtensionNames = exts};
    if (vkCreateInstance(&ci, NULL, &a->instance) != VK_SUCCESS) return 0;
    volkLoadInstanceOnly(a->instance);
    if (vkCreateDebugUtilsMessengerEXT(a->instance, &mi, NULL, &a->messenger) != VK_SUCCESS)
        return 0;
    uint32_t n = 1;
    VkResult r = vkEnumeratePhysicalDevices(a->instance, &n, &a->phys);
    if ((r != VK_SUCCESS && r != VK_INCOMPLETE) || n == 0) return 0;
    vkGetPhysicalDeviceMemoryProperties(a->phys, &a->mem);
    return 1;
}

/* A device with one queue of a compute family; `storage16` enables 16-bit
 * storage and fp16 arithmetic; timeline semaphores always. */
static int app_device(app *a, int storage16, VkPhysicalDeviceVulkan12Features *v12,
                      VkPhysicalDeviceVulkan11Features *v11) {
    uint32_t nf = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(a->phys, &nf, NULL);
    VkQueueFamilyProperties fams[16];
    nf = nf > 16 ? 16 : nf;
    vkGetPhysicalDeviceQueueFamilyProperties(a->phys, &nf, fams);
    a->family = UINT32_MAX;
    for (uint32_t i = 0; i < nf && a->family == UINT32_MAX; i++)
        if (fams[i].queueFlags & VK_QUEUE_COMPUTE_BIT) a->family = i;
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

/* A host-visible, coherent buffer of `size` bytes, mapped. */
typedef struct hbuf {
    VkBuffer buffer;
    VkDeviceMemory memory;
    float *map;
} hbuf;

static int make_buffer(app *a, VkDeviceSize size, hbuf *b) {
    VkBufferCreateInfo bi = {.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
                             .size = size,
                             .usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                                      VK_BUFFER_USAGE_TRANSFER_DST_BIT};
    if (vkCreateBuffer(a->device, &bi, NULL, &b->buffer) != VK_SUCCESS) return 0;
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(a->device, b->buffer, &req);
    const VkMemoryPropertyFlags want =
        VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    uint32_t type = UINT32_MAX;
    for (uint32_t t = 0; t < a->mem.memoryTypeCount && type == UINT32_MAX; t++)
        if ((req.memoryTypeBits & (1u << t)) &&
            (a->mem.memoryTypes[t].propertyFlags & want) == want)
            type = t;
    VkMemoryAllocateInfo mi = {.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
                               .allocationSize = req.size,
                               .memoryTypeIndex = type};
    if (type == UINT32_MAX || vkAllocateMemory(a->device, &mi, NULL, &b->memory) != VK_SUCCESS ||
        vkBindBufferMemory(a->device, b->buffer, b->memory, 0) != VK_SUCCESS ||
        vkMapMemory(a->device, b->memory, 0, VK_WHOLE_SIZE, 0, (void **)&b->map) != VK_SUCCESS)
        return 0;
    return 1;
}

static void free_buffer(app *a, hbuf *b) {
    if (b->memory) vkFreeMemory(a->device, b->memory, NULL);
    if (b->buffer) vkDestroyBuffer(a->device, b->buffer, NULL);
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
    CHECK(vk_errors == 0);
    return th_done("test_embed");
}
