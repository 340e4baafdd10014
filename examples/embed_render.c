/* embed_render MODEL.onnx [DIGIT]
 *
 * vkcnn inside a graphics application. The program behaves like a renderer:
 * it creates its own Vulkan instance (with the Khronos validation layer and
 * synchronization validation; any warning or error fails the run) and
 * device, draws a handwritten-style digit (1, 4 or 7; default 7) as thick
 * white strokes on black with a graphics pipeline into an offscreen
 * VkImage, and then classifies that image with LeNet-5 through vkcnn on its
 * own device, queue and command buffer. The image never leaves the GPU:
 *
 *     vkcnn_context_create(adopt: instance, device, queue)
 *     vkcnn_model_load_onnx + vkcnn_preprocess_from_preset(MODEL.onnx.json)
 *     record: render pass (draw) -> barrier (colour writes -> compute reads,
 *             COLOR_ATTACHMENT_OPTIMAL -> SHADER_READ_ONLY_OPTIMAL)
 *             -> vkcnn_model_record_image (image -> input 0)
 *             -> vkcnn_model_record (network -> the application's buffer)
 *     vkQueueSubmit + fence, then read the logits from the mapped buffer
 *
 * Prints "predicted DIGIT" and the ten softmax probabilities. Exit status 0
 * on success (whatever the prediction), 1 on any failure or validation
 * message. The shaders (embed_render.vert/.frag) are compiled to SPIR-V at
 * build time with glslangValidator. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <volk.h>
#include <vkcnn.h>

#include "embed_render_frag.h"
#include "embed_render_vert.h"

#define SIDE 112u    /* offscreen image: 4 x LeNet's 28 */
#define STROKE 10.0f /* stroke width in pixels */
#define MAX_SEGMENTS 4
#define CLASSES 10

static int validation_messages;

static VKAPI_ATTR VkBool32 VKAPI_CALL on_message(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                 VkDebugUtilsMessageTypeFlagsEXT type,
                                                 const VkDebugUtilsMessengerCallbackDataEXT *data,
                                                 void *user) {
    (void)type;
    (void)user;
    if (severity & (VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                    VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT)) {
        fprintf(stderr, "embed_render: validation: %s\n", data->pMessage);
        validation_messages++;
    }
    return VK_FALSE;
}

/* Strokes of each digit, as segments (x0, y0, x1, y1) in pixels. */
typedef struct glyph {
    int digit;
    int count;
    float seg[MAX_SEGMENTS][4];
} glyph;

static const glyph glyphs[] = {
    {1, 1, {{60, 20, 52, 92}}},
    {4, 3, {{46, 18, 32, 66}, {32, 66, 82, 66}, {70, 34, 66, 94}}},
    {7, 2, {{30, 24, 82, 24}, {82, 24, 50, 92}}},
};

/* The application's Vulkan objects. */
typedef struct app {
    VkInstance instance;
    VkDebugUtilsMessengerEXT messenger;
    VkPhysicalDevice phys;
    VkPhysicalDeviceMemoryProperties mem;
    VkDevice device;
    uint32_t family;
    VkQueue queue;
    VkCommandPool pool;
    VkCommandBuffer cmd;
    VkFence fence;
    /* the offscreen target */
    VkImage image;
    VkDeviceMemory image_memory;
    VkImageView view;
    VkRenderPass pass;
    VkFramebuffer framebuffer;
    /* the digit's pipeline and vertices */
    VkShaderModule vert, frag;
    VkPipelineLayout layout;
    VkPipeline pipeline;
    VkBuffer vertices, logits;
    VkDeviceMemory vertices_memory, logits_memory;
    void *vertices_map, *logits_map;
} app;

static int vk_ok(VkResult r, const char *what) {
    if (r == VK_SUCCESS) return 1;
    fprintf(stderr, "embed_render: %s failed (VkResult %d)\n", what, (int)r);
    return 0;
}

static int create_device(app *a) {
    VkApplicationInfo ai = {.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
                            .pApplicationName = "embed_render",
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
    if (!vk_ok(vkCreateInstance(&ci, NULL, &a->instance), "vkCreateInstance (validation layer)"))
        return 0;
    volkLoadInstanceOnly(a->instance);
    if (!vk_ok(vkCreateDebugUtilsMessengerEXT(a->instance, &mi, NULL, &a->messenger),
               "vkCreateDebugUtilsMessengerEXT"))
        return 0;
    uint32_t n = 1;
    VkResult r = vkEnumeratePhysicalDevices(a->instance, &n, &a->phys);
    if ((r != VK_SUCCESS && r != VK_INCOMPLETE) || n == 0) {
        fprintf(stderr, "embed_render: no Vulkan device\n");
        return 0;
    }
    vkGetPhysicalDeviceMemoryProperties(a->phys, &a->mem);
    /* one queue that draws and computes: the renderer's queue, shared with vkcnn */
    VkQueueFamilyProperties fams[16];
    uint32_t nf = 16;
    vkGetPhysicalDeviceQueueFamilyProperties(a->phys, &nf, fams);
    const VkQueueFlags want = VK_QUEUE_GRAPHICS_BIT | VK_QUEUE_COMPUTE_BIT;
    a->family = UINT32_MAX;
    for (uint32_t i = 0; i < nf && a->family == UINT32_MAX; i++)
        if ((fams[i].queueFlags & want) == want) a->family = i;
    if (a->family == UINT32_MAX) {
        fprintf(stderr, "embed_render: no queue family with graphics and compute\n");
        return 0;
    }
    float prio = 1.0f;
    VkDeviceQueueCreateInfo qi = {.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
                                  .queueFamilyIndex = a->family,
                                  .queueCount = 1,
                                  .pQueuePriorities = &prio};
    VkDeviceCreateInfo di = {.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
                             .queueCreateInfoCount = 1,
                             .pQueueCreateInfos = &qi};
    if (!vk_ok(vkCreateDevice(a->phys, &di, NULL, &a->device), "vkCreateDevice")) return 0;
    volkLoadDevice(a->device);
    vkGetDeviceQueue(a->device, a->family, 0, &a->queue);
    VkCommandPoolCreateInfo pi = {.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
                                  .queueFamilyIndex = a->family};
    VkCommandBufferAllocateInfo cai = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
                                       .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
                                       .commandBufferCount = 1};
    VkFenceCreateInfo fi = {.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    if (!vk_ok(vkCreateCommandPool(a->device, &pi, NULL, &a->pool), "vkCreateCommandPool"))
        return 0;
    cai.commandPool = a->pool;
    return vk_ok(vkAllocateCommandBuffers(a->device, &cai, &a->cmd), "vkAllocateCommandBuffers") &&
           vk_ok(vkCreateFence(a->device, &fi, NULL, &a->fence), "vkCreateFence");
}

static int allocate(app *a, VkMemoryRequirements req, VkMemoryPropertyFlags want,
                    VkDeviceMemory *out) {
    for (uint32_t t = 0; t < a->mem.memoryTypeCount; t++)
        if ((req.memoryTypeBits & (1u << t)) &&
            (a->mem.memoryTypes[t].propertyFlags & want) == want) {
            VkMemoryAllocateInfo mi = {.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
                                       .allocationSize = req.size,
                                       .memoryTypeIndex = t};
            return vk_ok(vkAllocateMemory(a->device, &mi, NULL, out), "vkAllocateMemory");
        }
    fprintf(stderr, "embed_render: no suitable memory type\n");
    return 0;
}

/* A host-visible, coherent buffer, mapped. */
static int create_buffer(app *a, VkDeviceSize size, VkBufferUsageFlags usage, VkBuffer *buffer,
                         VkDeviceMemory *memory, void **map) {
    VkBufferCreateInfo bi = {
        .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO, .size = size, .usage = usage};
    if (!vk_ok(vkCreateBuffer(a->device, &bi, NULL, buffer), "vkCreateBuffer")) return 0;
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(a->device, *buffer, &req);
    return allocate(a, req,
                    VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT,
                    memory) &&
           vk_ok(vkBindBufferMemory(a->device, *buffer, *memory, 0), "vkBindBufferMemory") &&
           vk_ok(vkMapMemory(a->device, *memory, 0, VK_WHOLE_SIZE, 0, map), "vkMapMemory");
}

/* The offscreen colour target: rendered to, then sampled by vkcnn. */
static int create_target(app *a) {
    VkImageCreateInfo ii = {.sType = VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO,
                            .imageType = VK_IMAGE_TYPE_2D,
                            .format = VK_FORMAT_R8G8B8A8_UNORM,
                            .extent = {SIDE, SIDE, 1},
                            .mipLevels = 1,
                            .arrayLayers = 1,
                            .samples = VK_SAMPLE_COUNT_1_BIT,
                            .tiling = VK_IMAGE_TILING_OPTIMAL,
                            .usage =
                                VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT | VK_IMAGE_USAGE_SAMPLED_BIT,
                            .initialLayout = VK_IMAGE_LAYOUT_UNDEFINED};
    if (!vk_ok(vkCreateImage(a->device, &ii, NULL, &a->image), "vkCreateImage")) return 0;
    VkMemoryRequirements req;
    vkGetImageMemoryRequirements(a->device, a->image, &req);
    if (!allocate(a, req, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, &a->image_memory) ||
        !vk_ok(vkBindImageMemory(a->device, a->image, a->image_memory, 0), "vkBindImageMemory"))
        return 0;
    VkImageViewCreateInfo vi = {.sType = VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO,
                                .image = a->image,
                                .viewType = VK_IMAGE_VIEW_TYPE_2D,
                                .format = VK_FORMAT_R8G8B8A8_UNORM,
                                .subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1}};
    if (!vk_ok(vkCreateImageView(a->device, &vi, NULL, &a->view), "vkCreateImageView")) return 0;
    VkAttachmentDescription color = {.format = VK_FORMAT_R8G8B8A8_UNORM,
                                     .samples = VK_SAMPLE_COUNT_1_BIT,
                                     .loadOp = VK_ATTACHMENT_LOAD_OP_CLEAR,
                                     .storeOp = VK_ATTACHMENT_STORE_OP_STORE,
                                     .stencilLoadOp = VK_ATTACHMENT_LOAD_OP_DONT_CARE,
                                     .stencilStoreOp = VK_ATTACHMENT_STORE_OP_DONT_CARE,
                                     .initialLayout = VK_IMAGE_LAYOUT_UNDEFINED,
                                     .finalLayout = VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL};
    VkAttachmentReference ref = {0, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL};
    VkSubpassDescription sub = {.pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS,
                                .colorAttachmentCount = 1,
                                .pColorAttachments = &ref};
    VkRenderPassCreateInfo rpi = {.sType = VK_STRUCTURE_TYPE_RENDER_PASS_CREATE_INFO,
                                  .attachmentCount = 1,
                                  .pAttachments = &color,
                                  .subpassCount = 1,
                                  .pSubpasses = &sub};
    if (!vk_ok(vkCreateRenderPass(a->device, &rpi, NULL, &a->pass), "vkCreateRenderPass")) return 0;
    VkFramebufferCreateInfo fi = {.sType = VK_STRUCTURE_TYPE_FRAMEBUFFER_CREATE_INFO,
                                  .renderPass = a->pass,
                                  .attachmentCount = 1,
                                  .pAttachments = &a->view,
                                  .width = SIDE,
                                  .height = SIDE,
                                  .layers = 1};
    return vk_ok(vkCreateFramebuffer(a->device, &fi, NULL, &a->framebuffer), "vkCreateFramebuffer");
}

static int create_pipeline(app *a) {
    VkShaderModuleCreateInfo mi = {.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
                                   .codeSize = sizeof embed_render_vert,
                                   .pCode = embed_render_vert};
    if (!vk_ok(vkCreateShaderModule(a->device, &mi, NULL, &a->vert), "vkCreateShaderModule"))
        return 0;
    mi.codeSize = sizeof embed_render_frag;
    mi.pCode = embed_render_frag;
    if (!vk_ok(vkCreateShaderModule(a->device, &mi, NULL, &a->frag), "vkCreateShaderModule"))
        return 0;
    VkPushConstantRange push = {VK_SHADER_STAGE_VERTEX_BIT, 0, sizeof(float)};
    VkPipelineLayoutCreateInfo li = {.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
                                     .pushConstantRangeCount = 1,
                                     .pPushConstantRanges = &push};
    if (!vk_ok(vkCreatePipelineLayout(a->device, &li, NULL, &a->layout), "vkCreatePipelineLayout"))
        return 0;
    VkPipelineShaderStageCreateInfo stages[2] = {
        {.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
         .stage = VK_SHADER_STAGE_VERTEX_BIT,
         .module = a->vert,
         .pName = "main"},
        {.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
         .stage = VK_SHADER_STAGE_FRAGMENT_BIT,
         .module = a->frag,
         .pName = "main"}};
    VkVertexInputBindingDescription vb = {0, 2 * sizeof(float), VK_VERTEX_INPUT_RATE_VERTEX};
    VkVertexInputAttributeDescription va = {0, 0, VK_FORMAT_R32G32_SFLOAT, 0};
    VkPipelineVertexInputStateCreateInfo vin = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_VERTEX_INPUT_STATE_CREATE_INFO,
        .vertexBindingDescriptionCount = 1,
        .pVertexBindingDescriptions = &vb,
        .vertexAttributeDescriptionCount = 1,
        .pVertexAttributeDescriptions = &va};
    VkPipelineInputAssemblyStateCreateInfo ia = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_INPUT_ASSEMBLY_STATE_CREATE_INFO,
        .topology = VK_PRIMITIVE_TOPOLOGY_TRIANGLE_LIST};
    VkViewport viewport = {0, 0, (float)SIDE, (float)SIDE, 0, 1};
    VkRect2D scissor = {{0, 0}, {SIDE, SIDE}};
    VkPipelineViewportStateCreateInfo vp = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_VIEWPORT_STATE_CREATE_INFO,
        .viewportCount = 1,
        .pViewports = &viewport,
        .scissorCount = 1,
        .pScissors = &scissor};
    VkPipelineRasterizationStateCreateInfo rs = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_RASTERIZATION_STATE_CREATE_INFO,
        .polygonMode = VK_POLYGON_MODE_FILL,
        .cullMode = VK_CULL_MODE_NONE,
        .frontFace = VK_FRONT_FACE_COUNTER_CLOCKWISE,
        .lineWidth = 1.0f};
    VkPipelineMultisampleStateCreateInfo ms = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_MULTISAMPLE_STATE_CREATE_INFO,
        .rasterizationSamples = VK_SAMPLE_COUNT_1_BIT};
    VkPipelineColorBlendAttachmentState blend = {.colorWriteMask = 0xf};
    VkPipelineColorBlendStateCreateInfo cb = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_COLOR_BLEND_STATE_CREATE_INFO,
        .attachmentCount = 1,
        .pAttachments = &blend};
    VkGraphicsPipelineCreateInfo pi = {.sType = VK_STRUCTURE_TYPE_GRAPHICS_PIPELINE_CREATE_INFO,
                                       .stageCount = 2,
                                       .pStages = stages,
                                       .pVertexInputState = &vin,
                                       .pInputAssemblyState = &ia,
                                       .pViewportState = &vp,
                                       .pRasterizationState = &rs,
                                       .pMultisampleState = &ms,
                                       .pColorBlendState = &cb,
                                       .layout = a->layout,
                                       .renderPass = a->pass};
    return vk_ok(vkCreateGraphicsPipelines(a->device, VK_NULL_HANDLE, 1, &pi, NULL, &a->pipeline),
                 "vkCreateGraphicsPipelines");
}

/* Two triangles per stroke: the segment widened by STROKE and extended by
 * half of it at both ends, so that strokes join. Returns the vertex count. */
static uint32_t stroke_vertices(const glyph *g, float *v) {
    uint32_t n = 0;
    for (int s = 0; s < g->count; s++) {
        const float *p = g->seg[s];
        float dx = p[2] - p[0], dy = p[3] - p[1], len = sqrtf(dx * dx + dy * dy);
        float ux = dx / len * STROKE / 2, uy = dy / len * STROKE / 2; /* along */
        float nx = -uy, ny = ux;                                      /* across */
        float ax = p[0] - ux, ay = p[1] - uy, bx = p[2] + ux, by = p[3] + uy;
        float quad[6][2] = {{ax + nx, ay + ny}, {bx + nx, by + ny}, {bx - nx, by - ny},
                            {ax + nx, ay + ny}, {bx - nx, by - ny}, {ax - nx, ay - ny}};
        memcpy(v + 2 * n, quad, sizeof quad);
        n += 6;
    }
    return n;
}

static void destroy_app(app *a) {
    if (!a->device) goto instance;
    vkDeviceWaitIdle(a->device);
    if (a->pipeline) vkDestroyPipeline(a->device, a->pipeline, NULL);
    if (a->layout) vkDestroyPipelineLayout(a->device, a->layout, NULL);
    if (a->vert) vkDestroyShaderModule(a->device, a->vert, NULL);
    if (a->frag) vkDestroyShaderModule(a->device, a->frag, NULL);
    if (a->framebuffer) vkDestroyFramebuffer(a->device, a->framebuffer, NULL);
    if (a->pass) vkDestroyRenderPass(a->device, a->pass, NULL);
    if (a->view) vkDestroyImageView(a->device, a->view, NULL);
    if (a->image) vkDestroyImage(a->device, a->image, NULL);
    if (a->image_memory) vkFreeMemory(a->device, a->image_memory, NULL);
    if (a->vertices) vkDestroyBuffer(a->device, a->vertices, NULL);
    if (a->vertices_memory) vkFreeMemory(a->device, a->vertices_memory, NULL);
    if (a->logits) vkDestroyBuffer(a->device, a->logits, NULL);
    if (a->logits_memory) vkFreeMemory(a->device, a->logits_memory, NULL);
    if (a->fence) vkDestroyFence(a->device, a->fence, NULL);
    if (a->pool) vkDestroyCommandPool(a->device, a->pool, NULL);
    vkDestroyDevice(a->device, NULL);
instance:
    if (a->messenger) vkDestroyDebugUtilsMessengerEXT(a->instance, a->messenger, NULL);
    if (a->instance) vkDestroyInstance(a->instance, NULL);
}

static int vkcnn_failed(const char *what) {
    fprintf(stderr, "embed_render: %s: %s\n", what, vkcnn_last_error());
    return 0;
}

/* Draws the digit and classifies it, all in one command buffer. */
static int render_and_classify(app *a, const char *model_path, const glyph *g) {
    /* vkcnn on the application's own instance, device and queue */
    vkcnn_context_desc desc = {0};
    desc.adopt.get_instance_proc_addr = vkGetInstanceProcAddr;
    desc.adopt.instance = a->instance;
    desc.adopt.instance_api_version = VK_API_VERSION_1_2;
    desc.adopt.physical_device = a->phys;
    desc.adopt.device = a->device;
    desc.adopt.queue = a->queue;
    desc.adopt.queue_family = a->family;
    vkcnn_context *ctx = NULL;
    vkcnn_model *model = NULL;
    vkcnn_preprocess pp = {0};
    char preset[4096];
    snprintf(preset, sizeof preset, "%s.json", model_path);
    int ok = 0;
    if (vkcnn_context_create(&desc, &ctx) != VKCNN_OK) return vkcnn_failed("context");
    if (vkcnn_model_load_onnx(ctx, model_path, NULL, NULL, &model) != VKCNN_OK) {
        vkcnn_failed("model");
        goto done;
    }
    if (vkcnn_preprocess_from_preset(preset, &pp) != VKCNN_OK) {
        vkcnn_failed("preset");
        goto done;
    }

    float verts[MAX_SEGMENTS * 12];
    uint32_t n = stroke_vertices(g, verts);
    memcpy(a->vertices_map, verts, n * 2 * sizeof(float));
    memset(a->logits_map, 0, CLASSES * sizeof(float));

    VkCommandBufferBeginInfo bi = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
                                   .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT};
    vkBeginCommandBuffer(a->cmd, &bi);
    /* 1. the renderer's work: the digit, white on black */
    VkClearValue black = {.color = {{0, 0, 0, 1}}};
    VkRenderPassBeginInfo rb = {.sType = VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO,
                                .renderPass = a->pass,
                                .framebuffer = a->framebuffer,
                                .renderArea = {{0, 0}, {SIDE, SIDE}},
                                .clearValueCount = 1,
                                .pClearValues = &black};
    vkCmdBeginRenderPass(a->cmd, &rb, VK_SUBPASS_CONTENTS_INLINE);
    vkCmdBindPipeline(a->cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, a->pipeline);
    VkDeviceSize zero = 0;
    vkCmdBindVertexBuffers(a->cmd, 0, 1, &a->vertices, &zero);
    float half_side = SIDE / 2.0f;
    vkCmdPushConstants(a->cmd, a->layout, VK_SHADER_STAGE_VERTEX_BIT, 0, sizeof half_side,
                       &half_side);
    vkCmdDraw(a->cmd, n, 1, 0, 0);
    vkCmdEndRenderPass(a->cmd);
    /* 2. the application's barrier that vkcnn_model_record_image asks for:
     * colour writes visible to compute-shader reads, in a shader-read layout */
    VkImageMemoryBarrier ib = {.sType = VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER,
                               .srcAccessMask = VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT,
                               .dstAccessMask = VK_ACCESS_SHADER_READ_BIT,
                               .oldLayout = VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL,
                               .newLayout = VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL,
                               .srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
                               .dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
                               .image = a->image,
                               .subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1}};
    vkCmdPipelineBarrier(a->cmd, VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT,
                         VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 0, NULL, 0, NULL, 1, &ib);
    /* 3. vkcnn: the image preprocessed into input 0, then the network, its
     * logits copied into the application's buffer */
    vkcnn_image_ref ref = {.image = a->image,
                           .view = a->view, /* or VK_NULL_HANDLE: vkcnn makes one */
                           .format = VK_FORMAT_R8G8B8A8_UNORM,
                           .width = SIDE,
                           .height = SIDE,
                           .layout = VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL,
                           .usage = VK_IMAGE_USAGE_SAMPLED_BIT};
    vkcnn_buffer_ref out = {.buffer = a->logits};
    if (vkcnn_model_record_image(model, a->cmd, 0, 0, &ref, &pp) != VKCNN_OK) {
        vkcnn_failed("record_image");
        goto done;
    }
    if (vkcnn_model_record(model, a->cmd, NULL, &out) != VKCNN_OK) {
        vkcnn_failed("record");
        goto done;
    }
    /* vkcnn's last barrier makes the logits visible to the host */
    if (!vk_ok(vkEndCommandBuffer(a->cmd), "vkEndCommandBuffer")) goto done;
    VkSubmitInfo si = {.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
                       .commandBufferCount = 1,
                       .pCommandBuffers = &a->cmd};
    if (!vk_ok(vkQueueSubmit(a->queue, 1, &si, a->fence), "vkQueueSubmit") ||
        !vk_ok(vkWaitForFences(a->device, 1, &a->fence, VK_TRUE, UINT64_MAX), "vkWaitForFences"))
        goto done;

    /* 4. the logits, straight from the application's mapped buffer */
    const float *logits = a->logits_map;
    int best = 0;
    double sum = 0, top = logits[0];
    for (int i = 1; i < CLASSES; i++)
        if (logits[i] > top) top = logits[i], best = i;
    for (int i = 0; i < CLASSES; i++)
        sum += exp(logits[i] - top);
    printf("drew %d, predicted %d\n", g->digit, best);
    for (int i = 0; i < CLASSES; i++)
        printf("  %d: %6.2f%%\n", i, 100.0 * exp(logits[i] - top) / sum);
    ok = 1;
done:
    /* the image's view and descriptors are vkcnn's until released */
    vkcnn_model_release_image(model, a->image);
    vkcnn_model_destroy(model);
    vkcnn_context_destroy(ctx);
    return ok;
}

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: embed_render LENET5.onnx [DIGIT: 1, 4 or 7]\n");
        return 2;
    }
    int digit = argc == 3 ? atoi(argv[2]) : 7;
    const glyph *g = NULL;
    for (size_t i = 0; i < sizeof glyphs / sizeof glyphs[0]; i++)
        if (glyphs[i].digit == digit) g = &glyphs[i];
    if (!g) {
        fprintf(stderr, "embed_render: can draw 1, 4 or 7, not '%s'\n", argv[2]);
        return 2;
    }
    if (volkInitialize() != VK_SUCCESS) {
        fprintf(stderr, "embed_render: no Vulkan loader\n");
        return 1;
    }
    app a = {0};
    int ok = create_device(&a) && create_target(&a) && create_pipeline(&a) &&
             create_buffer(&a, sizeof(float) * 12 * MAX_SEGMENTS, VK_BUFFER_USAGE_VERTEX_BUFFER_BIT,
                           &a.vertices, &a.vertices_memory, &a.vertices_map) &&
             create_buffer(&a, sizeof(float) * CLASSES, VK_BUFFER_USAGE_TRANSFER_DST_BIT, &a.logits,
                           &a.logits_memory, &a.logits_map) &&
             render_and_classify(&a, argv[1], g);
    destroy_app(&a);
    if (validation_messages) {
        fprintf(stderr, "embed_render: %d validation warnings or errors\n", validation_messages);
        ok = 0;
    }
    return ok ? 0 : 1;
}
