/* Inputs from the application's VkImage (vkcnn_model_record_image): the
 * application (its own instance with validation and synchronization
 * validation, a messenger counting warnings and errors) uploads a decoded
 * image into a VkImage of each supported format and usage, and classifies
 * it through record_image + vkcnn_model_record into its own output buffer,
 * in one command buffer. The result must match the host path
 * (vkcnn_model_set_input_image + vkcnn_model_run on the same pixels):
 * bit-identical for the 8-bit formats (UNORM, sRGB read as stored, BGRA),
 * within fp16 rounding for R16G16B16A16_SFLOAT.
 *   1. LeNet-5 on real digits, with its preset (GRAY, resize 28, pad 2);
 *   2. a 300x200 synthetic RGB image, ImageNet defaults (resize 256, crop
 *      224, mean/std), on models/tiny_rgb (a 1x1 identity convolution:
 *      the output is the preprocessed input, compared value by value);
 *   3. the same image every frame reuses vkcnn's view and descriptors, a
 *      view given by the application, vkcnn_model_run after record_image,
 *      release, and refused arguments. */
#include <math.h>
#include <stdbool.h>
#include <string.h>
#include <volk.h>

#include "app_vk.h"
#include "harness.h"
#include "vk/compiler.h"
#include "vk/shaders.h"
#include "vk/spirv_reflect.h"

typedef struct app {
    VkInstance instance;
    VkDebugUtilsMessengerEXT messenger;
    VkPhysicalDevice phys;
    VkDevice device;
    VkQueue queue;
    uint32_t family;
    VkCommandPool pool;
    VkCommandBuffer cmd;
    VkFence fence;
    VkPhysicalDeviceMemoryProperties mem;
} app;

static int app_create(app *a) {
    if (!app_vk_instance("test_embed_image", &a->instance, &a->messenger, &a->phys, &a->mem))
        return 0;
    a->family = app_vk_compute_family(a->phys);
    if (a->family == UINT32_MAX) return 0;
    float prio = 1.0f;
    VkDeviceQueueCreateInfo qi = {.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
                                  .queueFamilyIndex = a->family,
                                  .queueCount = 1,
                                  .pQueuePriorities = &prio};
    VkDeviceCreateInfo di = {.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
                             .queueCreateInfoCount = 1,
                             .pQueueCreateInfos = &qi};
    if (vkCreateDevice(a->phys, &di, NULL, &a->device) != VK_SUCCESS) return 0;
    volkLoadDevice(a->device);
    vkGetDeviceQueue(a->device, a->family, 0, &a->queue);
    VkCommandPoolCreateInfo pi = {.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
                                  .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
                                  .queueFamilyIndex = a->family};
    if (vkCreateCommandPool(a->device, &pi, NULL, &a->pool) != VK_SUCCESS) return 0;
    VkCommandBufferAllocateInfo cai = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
                                       .commandPool = a->pool,
                                       .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
                                       .commandBufferCount = 1};
    VkFenceCreateInfo fi = {.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    return vkAllocateCommandBuffers(a->device, &cai, &a->cmd) == VK_SUCCESS &&
           vkCreateFence(a->device, &fi, NULL, &a->fence) == VK_SUCCESS;
}

static void app_destroy(app *a) {
    if (a->fence) vkDestroyFence(a->device, a->fence, NULL);
    if (a->pool) vkDestroyCommandPool(a->device, a->pool, NULL);
    if (a->device) vkDestroyDevice(a->device, NULL);
    if (a->messenger) vkDestroyDebugUtilsMessengerEXT(a->instance, a->messenger, NULL);
    if (a->instance) vkDestroyInstance(a->instance, NULL);
}

static uint32_t memory_type(const app *a, uint32_t bits, VkMemoryPropertyFlags want) {
    return app_vk_memory_type(&a->mem, bits, want);
}

typedef app_vk_buffer hbuf;

static int make_buffer(app *a, VkDeviceSize size, VkBufferUsageFlags usage, hbuf *b) {
    return app_vk_buffer_create(a->device, &a->mem, size, usage, b);
}

static void free_buffer(app *a, hbuf *b) {
    app_vk_buffer_free(a->device, b);
}

static uint16_t to_half(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000u, e = (x >> 23) & 0xffu, m = x & 0x7fffffu;
    int exp = (int)e - 127 + 15;
    if (e == 0 || exp < -10) return (uint16_t)sign;
    if (exp >= 31) return (uint16_t)(sign | 0x7c00u);
    m |= 0x800000u;
    int shift = exp > 0 ? 13 : 14 - exp; /* subnormal halves keep fewer bits */
    uint32_t h = m >> shift, rest = m & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rest > half || (rest == half && (h & 1))) h++;
    if (exp > 0) return (uint16_t)(sign | (((uint32_t)exp << 10) + (h - 0x400u)));
    return (uint16_t)(sign | h);
}

static float from_half(uint16_t h) {
    uint32_t e = (h >> 10) & 31u, m = h & 0x3ffu;
    float v = e ? ldexpf((float)(m | 0x400u), (int)e - 25) : ldexpf((float)m, -24);
    return (h & 0x8000u) ? -v : v;
}

/* The application's image of `format` holding img's pixels, in `layout`
 * for compute-shader reads, written with a copy from a staging buffer. */
typedef struct app_image {
    VkImage image;
    VkDeviceMemory memory;
    VkImageView view; /* made by the test for the given-view case */
} app_image;

static int upload_image(app *a, const vkcnn_image *img, VkFormat format, VkImageUsageFlags usage,
                        VkImageLayout layout, app_image *out) {
    memset(out, 0, sizeof *out);
    bool half = format == VK_FORMAT_R16G16B16A16_SFLOAT;
    bool bgra = format == VK_FORMAT_B8G8R8A8_UNORM || format == VK_FORMAT_B8G8R8A8_SRGB;
    size_t texels = (size_t)img->width * img->height, bytes = texels * (half ? 8 : 4);
    hbuf staging = {0};
    if (!make_buffer(a, bytes, VK_BUFFER_USAGE_TRANSFER_SRC_BIT, &staging)) return 0;
    for (size_t i = 0; i < texels; i++) {
        const uint8_t *p = img->rgba + 4 * i;
        if (half) {
            uint16_t *h = (uint16_t *)staging.map + 4 * i;
            for (int c = 0; c < 4; c++)
                h[c] = to_half((float)p[c] / 255.0f);
        } else {
            uint8_t *q = (uint8_t *)staging.map + 4 * i;
            q[0] = bgra ? p[2] : p[0];
            q[1] = p[1];
            q[2] = bgra ? p[0] : p[2];
            q[3] = p[3];
        }
    }
    VkImageCreateInfo ii = {.sType = VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO,
                            .imageType = VK_IMAGE_TYPE_2D,
                            .format = format,
                            .extent = {img->width, img->height, 1},
                            .mipLevels = 1,
                            .arrayLayers = 1,
                            .samples = VK_SAMPLE_COUNT_1_BIT,
                            .tiling = VK_IMAGE_TILING_OPTIMAL,
                            .usage = usage | VK_IMAGE_USAGE_TRANSFER_DST_BIT,
                            .initialLayout = VK_IMAGE_LAYOUT_UNDEFINED};
    int ok = vkCreateImage(a->device, &ii, NULL, &out->image) == VK_SUCCESS;
    if (ok) {
        VkMemoryRequirements req;
        vkGetImageMemoryRequirements(a->device, out->image, &req);
        VkMemoryAllocateInfo mi = {.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
                                   .allocationSize = req.size,
                                   .memoryTypeIndex = memory_type(
                                       a, req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT)};
        ok = vkAllocateMemory(a->device, &mi, NULL, &out->memory) == VK_SUCCESS &&
             vkBindImageMemory(a->device, out->image, out->memory, 0) == VK_SUCCESS;
    }
    if (ok) {
        VkCommandBufferBeginInfo bi = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
        vkResetCommandBuffer(a->cmd, 0);
        vkBeginCommandBuffer(a->cmd, &bi);
        VkImageMemoryBarrier ib = {.sType = VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER,
                                   .dstAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT,
                                   .oldLayout = VK_IMAGE_LAYOUT_UNDEFINED,
                                   .newLayout = VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                                   .srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
                                   .dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
                                   .image = out->image,
                                   .subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1}};
        vkCmdPipelineBarrier(a->cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT,
                             VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 0, NULL, 0, NULL, 1, &ib);
        VkBufferImageCopy region = {.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1},
                                    .imageExtent = {img->width, img->height, 1}};
        vkCmdCopyBufferToImage(a->cmd, staging.buffer, out->image,
                               VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1, &region);
        /* the entry barrier vkcnn_model_record_image documents */
        ib.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
        ib.dstAccessMask = VK_ACCESS_SHADER_READ_BIT;
        ib.oldLayout = VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL;
        ib.newLayout = layout;
        vkCmdPipelineBarrier(a->cmd, VK_PIPELINE_STAGE_TRANSFER_BIT,
                             VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 0, NULL, 0, NULL, 1, &ib);
        vkEndCommandBuffer(a->cmd);
        VkSubmitInfo si = {.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
                           .commandBufferCount = 1,
                           .pCommandBuffers = &a->cmd};
        vkResetFences(a->device, 1, &a->fence);
        ok = vkQueueSubmit(a->queue, 1, &si, a->fence) == VK_SUCCESS &&
             vkWaitForFences(a->device, 1, &a->fence, VK_TRUE, UINT64_MAX) == VK_SUCCESS;
    }
    free_buffer(a, &staging);
    return ok;
}

static void free_image(app *a, app_image *im) {
    if (im->view) vkDestroyImageView(a->device, im->view, NULL);
    if (im->image) vkDestroyImage(a->device, im->image, NULL);
    if (im->memory) vkFreeMemory(a->device, im->memory, NULL);
    memset(im, 0, sizeof *im);
}

/* One frame: record_image + vkcnn_model_record into `out` (count floats),
 * submitted and waited for. */
static void classify_image(app *a, vkcnn_model *m, const vkcnn_image_ref *ref,
                           const vkcnn_preprocess *pp, hbuf *out, size_t count) {
    VkCommandBufferBeginInfo bi = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    vkResetCommandBuffer(a->cmd, 0);
    vkBeginCommandBuffer(a->cmd, &bi);
    CHECK_OK(vkcnn_model_record_image(m, a->cmd, 0, 0, ref, pp));
    vkcnn_buffer_ref bout = {.buffer = out->buffer};
    CHECK_OK(vkcnn_model_record(m, a->cmd, NULL, &bout));
    CHECK(vkEndCommandBuffer(a->cmd) == VK_SUCCESS);
    memset(out->map, 0, count * 4);
    VkSubmitInfo si = {.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
                       .commandBufferCount = 1,
                       .pCommandBuffers = &a->cmd};
    vkResetFences(a->device, 1, &a->fence);
    CHECK(vkQueueSubmit(a->queue, 1, &si, a->fence) == VK_SUCCESS);
    CHECK(vkWaitForFences(a->device, 1, &a->fence, VK_TRUE, UINT64_MAX) == VK_SUCCESS);
}

typedef struct variant {
    const char *name;
    VkFormat format;
    VkImageUsageFlags usage;
    VkImageLayout layout;
} variant;

static const variant variants[] = {
    {"rgba8 unorm, sampled", VK_FORMAT_R8G8B8A8_UNORM, VK_IMAGE_USAGE_SAMPLED_BIT,
     VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL},
    {"rgba8 srgb, sampled", VK_FORMAT_R8G8B8A8_SRGB, VK_IMAGE_USAGE_SAMPLED_BIT,
     VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL},
    {"bgra8 unorm, sampled, general", VK_FORMAT_B8G8R8A8_UNORM, VK_IMAGE_USAGE_SAMPLED_BIT,
     VK_IMAGE_LAYOUT_GENERAL},
    {"bgra8 srgb, sampled", VK_FORMAT_B8G8R8A8_SRGB, VK_IMAGE_USAGE_SAMPLED_BIT,
     VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL},
    {"rgba16f, sampled", VK_FORMAT_R16G16B16A16_SFLOAT, VK_IMAGE_USAGE_SAMPLED_BIT,
     VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL},
    {"rgba8 unorm, storage", VK_FORMAT_R8G8B8A8_UNORM, VK_IMAGE_USAGE_STORAGE_BIT,
     VK_IMAGE_LAYOUT_GENERAL},
    {"rgba16f, storage", VK_FORMAT_R16G16B16A16_SFLOAT, VK_IMAGE_USAGE_STORAGE_BIT,
     VK_IMAGE_LAYOUT_GENERAL},
};
#define VARIANTS (sizeof variants / sizeof variants[0])

/* The largest |x - y| over n values, and the index of the largest of y. */
static float max_diff(const float *x, const float *y, size_t n) {
    float d = 0;
    for (size_t i = 0; i < n; i++)
        d = fmaxf(d, fabsf(x[i] - y[i]));
    return d;
}

static size_t argmax(const float *y, size_t n) {
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (y[i] > y[best]) best = i;
    return best;
}

/* Every variant of `img` through record_image against the host path;
 * `tol_half`: the tolerance for the half-float image. */
static void compare_variants(app *a, vkcnn_model *m, const vkcnn_image *img,
                             const vkcnn_preprocess *pp, size_t count, float tol_half,
                             const char *what) {
    float *ref = malloc(count * 4);
    hbuf out = {0};
    CHECK(ref && make_buffer(a, count * 4, VK_BUFFER_USAGE_TRANSFER_DST_BIT, &out));
    if (!ref || !out.map) return;
    CHECK_OK(vkcnn_model_set_input_image(m, 0, 0, img, pp));
    CHECK_OK(vkcnn_model_run(m));
    CHECK_OK(vkcnn_model_get_output(m, 0, ref, count));
    for (size_t v = 0; v < VARIANTS; v++) {
        const variant *va = &variants[v];
        app_image im;
        CHECK(upload_image(a, img, va->format, va->usage, va->layout, &im));
        vkcnn_image_ref r = {.image = im.image,
                             .format = va->format,
                             .width = img->width,
                             .height = img->height,
                             .layout = va->layout,
                             .usage = va->usage};
        classify_image(a, m, &r, pp, &out, count);
        const float *y = out.map;
        float d = max_diff(ref, y, count);
        bool half = va->format == VK_FORMAT_R16G16B16A16_SFLOAT;
        float tol = half ? tol_half : 1e-6f;
        if (d > tol || (count <= 10 && argmax(y, count) != argmax(ref, count))) {
            fprintf(stderr, "%s, %s: max difference %g (tolerance %g), argmax %zu vs %zu\n", what,
                    va->name, d, tol, argmax(y, count), argmax(ref, count));
            th_failures++;
        } else if (!half) {
            CHECK(memcmp(y, ref, count * 4) == 0); /* 8 bits: bit-identical */
        }
        /* the image is released (view, descriptors) before it is destroyed */
        vkcnn_model_release_image(m, im.image);
        free_image(a, &im);
    }
    free_buffer(a, &out);
    free(ref);
}

/* The same image every frame, a view given by the application, a host
 * submit after record_image, and refused arguments. */
static void frames_and_errors(app *a, vkcnn_model *m, const vkcnn_image *img,
                              const vkcnn_preprocess *pp) {
    float ref[10], y[10];
    hbuf out = {0};
    CHECK(make_buffer(a, sizeof ref, VK_BUFFER_USAGE_TRANSFER_DST_BIT, &out));
    if (!out.map) return;
    CHECK_OK(vkcnn_model_set_input_image(m, 0, 0, img, pp));
    CHECK_OK(vkcnn_model_run(m));
    CHECK_OK(vkcnn_model_get_output(m, 0, ref, 10));
    app_image im;
    CHECK(upload_image(a, img, VK_FORMAT_R8G8B8A8_SRGB, VK_IMAGE_USAGE_SAMPLED_BIT,
                       VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL, &im));
    vkcnn_image_ref r = {.image = im.image,
                         .format = VK_FORMAT_R8G8B8A8_SRGB,
                         .width = img->width,
                         .height = img->height,
                         .layout = VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL};
    for (int frame = 0; frame < 3; frame++) { /* the entry of frame 0 is reused */
        classify_image(a, m, &r, pp, &out, 10);
        CHECK(memcmp(out.map, ref, sizeof ref) == 0);
    }
    /* record_image alone, then the host API's next run uses that input */
    VkCommandBufferBeginInfo bi = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    vkResetCommandBuffer(a->cmd, 0);
    vkBeginCommandBuffer(a->cmd, &bi);
    CHECK_OK(vkcnn_model_record_image(m, a->cmd, 0, 0, &r, pp));
    vkEndCommandBuffer(a->cmd);
    VkSubmitInfo si = {.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
                       .commandBufferCount = 1,
                       .pCommandBuffers = &a->cmd};
    vkResetFences(a->device, 1, &a->fence);
    CHECK(vkQueueSubmit(a->queue, 1, &si, a->fence) == VK_SUCCESS);
    CHECK(vkWaitForFences(a->device, 1, &a->fence, VK_TRUE, UINT64_MAX) == VK_SUCCESS);
    CHECK_OK(vkcnn_model_run(m));
    CHECK_OK(vkcnn_model_get_output(m, 0, y, 10));
    CHECK(memcmp(y, ref, sizeof ref) == 0);
    /* the application's own view, of the image's format */
    VkImageViewCreateInfo vi = {.sType = VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO,
                                .image = im.image,
                                .viewType = VK_IMAGE_VIEW_TYPE_2D,
                                .format = VK_FORMAT_R8G8B8A8_SRGB,
                                .subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1}};
    CHECK(vkCreateImageView(a->device, &vi, NULL, &im.view) == VK_SUCCESS);
    r.view = im.view;
    classify_image(a, m, &r, pp, &out, 10);
    CHECK(memcmp(out.map, ref, sizeof ref) == 0);

    /* refused: bad format, layout, usage, size, input, slot; a storage sRGB image */
    vkResetCommandBuffer(a->cmd, 0);
    vkBeginCommandBuffer(a->cmd, &bi);
    vkcnn_image_ref bad = r;
    bad.format = VK_FORMAT_R8G8B8_UNORM;
    CHECK_STATUS(vkcnn_model_record_image(m, a->cmd, 0, 0, &bad, pp), VKCNN_ERROR_INVALID_ARGUMENT);
    CHECK(strstr(vkcnn_model_error(m), "format") != NULL);
    bad = r;
    bad.layout = VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL;
    CHECK_STATUS(vkcnn_model_record_image(m, a->cmd, 0, 0, &bad, pp), VKCNN_ERROR_INVALID_ARGUMENT);
    bad = r;
    bad.usage = VK_IMAGE_USAGE_STORAGE_BIT;
    bad.layout = VK_IMAGE_LAYOUT_GENERAL;
    CHECK_STATUS(vkcnn_model_record_image(m, a->cmd, 0, 0, &bad, pp), VKCNN_ERROR_UNSUPPORTED);
    bad = r;
    bad.usage = VK_IMAGE_USAGE_TRANSFER_SRC_BIT;
    CHECK_STATUS(vkcnn_model_record_image(m, a->cmd, 0, 0, &bad, pp), VKCNN_ERROR_INVALID_ARGUMENT);
    bad = r;
    bad.width = 0;
    CHECK_STATUS(vkcnn_model_record_image(m, a->cmd, 0, 0, &bad, pp), VKCNN_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(vkcnn_model_record_image(m, a->cmd, 1, 0, &r, pp), VKCNN_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(vkcnn_model_record_image(m, a->cmd, 0, 1, &r, pp), VKCNN_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(vkcnn_model_record_image(m, a->cmd, 0, 0, &r, NULL), /* 3x224x224 */
                 VKCNN_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(vkcnn_model_record_image(NULL, a->cmd, 0, 0, &r, pp),
                 VKCNN_ERROR_INVALID_ARGUMENT);
    vkEndCommandBuffer(a->cmd);
    vkcnn_model_release_image(m, VK_NULL_HANDLE); /* all */
    vkcnn_model_release_image(NULL, VK_NULL_HANDLE);
    free_image(a, &im);
    free_buffer(a, &out);
}

/* Descriptor types reflected from SPIR-V: the three variants of
 * preprocess_image.comp, separate image + sampler, uniform texel buffers
 * (float and uint, with their view formats), a readonly rgba32f storage
 * texel buffer (common.glsl's TEXEL_IMAGE), and refused writable or
 * rgba16f storage texel buffers and mixed-type aliases. */
static void check_reflection(void) {
    static const struct {
        const char *defines;
        VkDescriptorType type;
    } cases[] = {{NULL, VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER},
                 {"#define STORAGE_RGBA8\n", VK_DESCRIPTOR_TYPE_STORAGE_IMAGE},
                 {"#define STORAGE_RGBA16F\n", VK_DESCRIPTOR_TYPE_STORAGE_IMAGE}};
    const char *src = vkc_shader_find("preprocess_image");
    CHECK(src != NULL);
    for (size_t i = 0; src && i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t *spirv = NULL;
        size_t words = 0;
        vkc_spirv_layout io;
        CHECK_OK(vkc_glsl_compile("preprocess_image", src, cases[i].defines, 1, &spirv, &words));
        CHECK_OK(vkc_spirv_reflect(spirv, words, "preprocess_image", &io));
        CHECK(io.binding_count == 2 && io.types[0] == cases[i].type &&
              io.types[1] == VK_DESCRIPTOR_TYPE_STORAGE_BUFFER);
        free(spirv);
    }
    static const char *separate =
        "#version 450\nlayout(local_size_x = 1) in;\n"
        "layout(binding = 0) uniform texture2D t;\nlayout(binding = 1) uniform sampler s;\n"
        "layout(std430, binding = 2) buffer B { vec4 v[]; };\n"
        "void main() { v[0] = texelFetch(sampler2D(t, s), ivec2(0), 0); }\n";
    static const char *texel_buffer =
        "#version 450\nlayout(local_size_x = 1) in;\n"
        "layout(binding = 0) uniform samplerBuffer t;\n"
        "layout(binding = 1) uniform usamplerBuffer u;\n"
        "layout(std430, binding = 2) buffer B { vec4 v[]; };\n"
        "void main() { v[0] = texelFetch(t, 0) + uintBitsToFloat(texelFetch(u, 0)); }\n";
    static const char *storage_texel = "#version 450\nlayout(local_size_x = 1) in;\n"
                                       "layout(binding = 0, rgba32f) uniform imageBuffer t;\n"
                                       "layout(std430, binding = 1) buffer B { vec4 v[]; };\n"
                                       "void main() { v[0] = imageLoad(t, 0); }\n";
    static const char *readonly_texel = "#version 450\nlayout(local_size_x = 1) in;\n"
                                        "layout(binding = 0, rgba32f) readonly uniform imageBuffer "
                                        "t;\nlayout(std430, binding = 1) buffer B { vec4 v[]; };\n"
                                        "void main() { v[0] = imageLoad(t, 0); }\n";
    static const char *readonly_half = "#version 450\nlayout(local_size_x = 1) in;\n"
                                       "layout(binding = 0, rgba16f) readonly uniform imageBuffer "
                                       "t;\nlayout(std430, binding = 1) buffer B { vec4 v[]; };\n"
                                       "void main() { v[0] = imageLoad(t, 0); }\n";
    static const char *mixed = "#version 450\nlayout(local_size_x = 1) in;\n"
                               "layout(binding = 0) uniform sampler2D t;\n"
                               "layout(std430, binding = 0) buffer B { vec4 v[]; };\n"
                               "void main() { v[0] = texelFetch(t, ivec2(0), 0); }\n";
    const char *sources[] = {separate,      texel_buffer,  readonly_texel,
                             storage_texel, readonly_half, mixed};
    for (int i = 0; i < 6; i++) {
        uint32_t *spirv = NULL;
        size_t words = 0;
        vkc_spirv_layout io;
        CHECK_OK(vkc_glsl_compile("t", sources[i], NULL, 1, &spirv, &words));
        if (!spirv) continue;
        if (i == 0) {
            CHECK_OK(vkc_spirv_reflect(spirv, words, "t", &io));
            CHECK(io.binding_count == 3 && io.types[0] == VK_DESCRIPTOR_TYPE_SAMPLED_IMAGE &&
                  io.types[1] == VK_DESCRIPTOR_TYPE_SAMPLER &&
                  io.types[2] == VK_DESCRIPTOR_TYPE_STORAGE_BUFFER);
        } else if (i == 1) {
            CHECK_OK(vkc_spirv_reflect(spirv, words, "t", &io));
            CHECK(io.binding_count == 3 && io.types[0] == VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER &&
                  io.types[1] == VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER &&
                  io.types[2] == VK_DESCRIPTOR_TYPE_STORAGE_BUFFER &&
                  io.texel_formats[0] == VK_FORMAT_R32G32B32A32_SFLOAT &&
                  io.texel_formats[1] == VK_FORMAT_R32G32B32A32_UINT &&
                  io.texel_formats[2] == VK_FORMAT_UNDEFINED);
        } else if (i == 2) {
            CHECK_OK(vkc_spirv_reflect(spirv, words, "t", &io));
            CHECK(io.binding_count == 2 && io.types[0] == VK_DESCRIPTOR_TYPE_STORAGE_TEXEL_BUFFER &&
                  io.types[1] == VK_DESCRIPTOR_TYPE_STORAGE_BUFFER &&
                  io.texel_formats[0] == VK_FORMAT_R32G32B32A32_SFLOAT);
        } else {
            CHECK_STATUS(vkc_spirv_reflect(spirv, words, "t", &io), VKCNN_ERROR_SHADER_COMPILE);
        }
        free(spirv);
    }
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: test_embed_image MODELS_DIR TINY_RGB.onnx\n");
        return 2;
    }
    if (volkInitialize() != VK_SUCCESS) {
        fprintf(stderr, "test_embed_image: no Vulkan loader\n");
        return 1;
    }
    check_reflection();
    app a = {0};
    if (!app_create(&a)) {
        fprintf(stderr, "test_embed_image: cannot create the application's device\n");
        app_destroy(&a);
        return 1;
    }
    vkcnn_context_desc d = {0};
    d.adopt.get_instance_proc_addr = vkGetInstanceProcAddr;
    d.adopt.instance = a.instance;
    d.adopt.instance_api_version = VK_API_VERSION_1_2;
    d.adopt.physical_device = a.phys;
    d.adopt.device = a.device;
    d.adopt.queue = a.queue;
    d.adopt.queue_family = a.family;
    d.cache = VKCNN_OFF;
    vkcnn_context *ctx = NULL;
    CHECK_OK(vkcnn_context_create(&d, &ctx));
    char path[4096];
    vkcnn_model *lenet = NULL, *rgb = NULL;
    snprintf(path, sizeof path, "%s/lenet5/lenet5.onnx", argv[1]);
    if (ctx) CHECK_OK(vkcnn_model_load_onnx(ctx, path, NULL, NULL, &lenet));
    if (ctx) CHECK_OK(vkcnn_model_load_onnx(ctx, argv[2], NULL, NULL, &rgb));
    vkcnn_preprocess pp = {0};
    snprintf(path, sizeof path, "%s/lenet5/lenet5.onnx.json", argv[1]);
    CHECK_OK(vkcnn_preprocess_from_preset(path, &pp));

    /* 1. real digits through LeNet-5 */
    static const char *digits[] = {"digit_0_0.png", "digit_3_3126.png", "digit_7_7014.png"};
    for (size_t i = 0; lenet && i < sizeof digits / sizeof digits[0]; i++) {
        snprintf(path, sizeof path, "%s/lenet5/digits/%s", argv[1], digits[i]);
        vkcnn_image *img = NULL;
        CHECK_OK(vkcnn_image_load_file(path, NULL, &img));
        if (!img) continue;
        compare_variants(&a, lenet, img, &pp, 10, 0.05f, digits[i]);
        if (i == 0) frames_and_errors(&a, lenet, img, &pp);
        vkcnn_image_destroy(img);
    }

    /* 2. a 300x200 synthetic RGB image, ImageNet defaults, value by value:
     * random bytes, so that every value occurs in the crop (sRGB re-encoding
     * checked on all 256) */
    vkcnn_image syn = {300, 200, malloc(300 * 200 * 4)};
    uint64_t seed = 7;
    for (uint32_t i = 0; syn.rgba && i < 300 * 200 * 4; i++)
        syn.rgba[i] = (uint8_t)th_rand(&seed);
    /* fp16 of v / 255: |error| <= 255 * 2^-12 raw units, over std 0.224 * 255 */
    if (rgb && syn.rgba) compare_variants(&a, rgb, &syn, NULL, 3 * 224 * 224, 2e-3f, "300x200");
    /* an image not released: vkcnn_model_destroy frees its view and
     * descriptors (the validation layer reports objects left at device
     * destruction); the image outlives the model */
    app_image kept = {0};
    hbuf kept_out = {0};
    if (rgb && syn.rgba &&
        upload_image(&a, &syn, VK_FORMAT_R8G8B8A8_UNORM, VK_IMAGE_USAGE_SAMPLED_BIT,
                     VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL, &kept) &&
        make_buffer(&a, 3 * 224 * 224 * 4, VK_BUFFER_USAGE_TRANSFER_DST_BIT, &kept_out)) {
        vkcnn_image_ref r = {.image = kept.image,
                             .format = VK_FORMAT_R8G8B8A8_UNORM,
                             .width = syn.width,
                             .height = syn.height,
                             .layout = VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL};
        classify_image(&a, rgb, &r, NULL, &kept_out, 3 * 224 * 224);
    }
    free(syn.rgba);
    CHECK(from_half(to_half(0.5f)) == 0.5f && from_half(to_half(1.0f)) == 1.0f);

    vkcnn_model_destroy(lenet);
    vkcnn_model_destroy(rgb);
    free_image(&a, &kept);
    free_buffer(&a, &kept_out);
    vkcnn_context_destroy(ctx);
    CHECK(vkDeviceWaitIdle(a.device) == VK_SUCCESS);
    app_destroy(&a);
    CHECK(app_vk_errors == 0);
    return th_done("test_embed_image");
}
