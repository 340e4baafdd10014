#include "vk/kernel.h"

#include "core/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/hash.h"
#include "vk/compiler.h"
#include "vk/context.h"
#include "vk/shaders.h"

#define MAX_SPIRV_BYTES (16u << 20)

static uint32_t vulkan_minor(const vkcnn_context *ctx) {
    uint32_t d = VK_API_VERSION_MINOR(ctx->dev.phys->info.api_version);
    uint32_t i = VK_API_VERSION_MINOR(ctx->inst.api_version);
    uint32_t m = d < i ? d : i;
    /* SPIR-V 1.6 (Vulkan 1.3) makes glslang emit LocalSizeId, which needs
     * maintenance4; 1.2's SPIR-V 1.5 has everything the kernels use. */
    return m > 2 ? 2 : m;
}

/* Everything that changes the compiled code, then the code itself. */
static char *make_key(const vkcnn_context *ctx, const char *source, const char *defines,
                      size_t *size) {
    const vkcnn_device_info *info = &ctx->dev.phys->info;
    char dev_uuid[33], cache_uuid[33], head[512];
    vkc_hex(dev_uuid, info->device_uuid, 16);
    vkc_hex(cache_uuid, info->pipeline_cache_uuid, 16);
    int n = snprintf(head, sizeof head,
                     "vkcnn %s\n%s\nvulkan 1.%u\ndevice %s\ndriver %u\npipelinecache %s\n"
                     "subgroup %u\nvector %u\nfp16 %d\n--defines--\n",
                     vkcnn_version(), vkc_glsl_version(), vulkan_minor(ctx), dev_uuid,
                     info->driver_version, cache_uuid, info->subgroup_size, info->vector_width,
                     ctx->dev.fp16);
    size_t nd = defines ? strlen(defines) : 0, ns = strlen(source);
    const char *sep = "\n--source--\n";
    size_t total = (size_t)n + nd + strlen(sep) + ns;
    char *key = malloc(total + 1);
    if (!key) return NULL;
    memcpy(key, head, (size_t)n);
    if (nd) memcpy(key + n, defines, nd);
    memcpy(key + n + nd, sep, strlen(sep));
    memcpy(key + n + nd + strlen(sep), source, ns + 1);
    *size = total;
    return key;
}

vkcnn_status vkc_kernel_spirv(vkcnn_context *ctx, const char *name, const char *source,
                              const char *defines, uint32_t **spirv, size_t *words,
                              bool *from_cache) {
    *from_cache = false;
    size_t key_size = 0;
    char *key = make_key(ctx, source, defines, &key_size);
    if (!key) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    void *data = NULL;
    size_t size = 0;
    if (vkc_cache_load(&ctx->cache, "spv", key, key_size, MAX_SPIRV_BYTES, &data, &size)) {
        const uint32_t *w = data;
        if (size % 4 == 0 && size >= 20 && w[0] == 0x07230203u) {
            *spirv = data;
            *words = size / 4;
            *from_cache = true;
            free(key);
            return VKCNN_OK;
        }
        free(data); /* a well-formed entry holding something else: recompile */
    }
    vkcnn_status st = vkc_glsl_compile(name, source, defines, vulkan_minor(ctx), spirv, words);
    if (!st && !vkc_cache_store(&ctx->cache, "spv", key, key_size, *spirv, *words * 4))
        if (ctx->cache.enabled)
            vkc_log(ctx, VKCNN_LOG_DEBUG, "could not write SPIR-V cache entry in %s",
                    ctx->cache.dir);
    free(key);
    return st;
}

/* Whether a compute pipeline may pin subgroup size `size` (the valid usage
 * of VkPipelineShaderStageRequiredSubgroupSizeCreateInfo and of the stage's
 * flags), and the stage flags that go with it: full subgroups where the
 * device has them, so that no subgroup of the pinned size runs partly
 * empty. `local`: the shader's LocalSize (0: set by specialization, which
 * no kernel here does). */
static vkcnn_status pin_subgroup_size(const vkc_device *dev, const char *name, uint32_t size,
                                      const uint32_t local[3],
                                      VkPipelineShaderStageCreateFlags *flags) {
    const vkc_physical *pd = dev->phys;
    const vkcnn_device_info *info = &pd->info;
    const char *why = NULL;
    if (!dev->size_control)
        why = "the device has no subgroupSizeControl enabled";
    else if (!(pd->required_size_stages & VK_SHADER_STAGE_COMPUTE_BIT))
        why = "the device takes no required subgroup size in compute shaders";
    else if (size & (size - 1))
        why = "it is not a power of two";
    else if (size < info->subgroup_size_min || size > info->subgroup_size_max)
        why = "it is outside the device's minSubgroupSize..maxSubgroupSize";
    else if (!local[0] || local[0] % size)
        why = "the workgroup's x size is not a multiple of it";
    else if ((uint64_t)local[0] * local[1] * local[2] >
             (uint64_t)size * pd->max_workgroup_subgroups)
        why = "the workgroup holds more than maxComputeWorkgroupSubgroups subgroups of it";
    if (why)
        return vkc_fail(VKCNN_ERROR_UNSUPPORTED,
                        "shader '%s' needs subgroups of %u invocations (device: %u..%u, "
                        "workgroup %ux%ux%u), but %s",
                        name, size, info->subgroup_size_min, info->subgroup_size_max, local[0],
                        local[1], local[2], why);
    *flags = dev->full_subgroups ? VK_PIPELINE_SHADER_STAGE_CREATE_REQUIRE_FULL_SUBGROUPS_BIT : 0;
    return VKCNN_OK;
}

vkcnn_status vkc_kernel_create(vkcnn_context *ctx, const vkc_kernel_desc *desc, vkc_kernel *out) {
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", desc->name ? desc->name : "kernel");
    const char *source = desc->source ? desc->source : vkc_shader_find(desc->name);
    if (!source)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "no embedded shader named '%s'", out->name);
    const vkc_device *dev = &ctx->dev;
    const VkAllocationCallbacks *ac = ctx->inst.allocator;

    uint32_t *spirv = NULL;
    size_t words = 0;
    double t0 = vkc_now_ms();
    vkcnn_status st = vkc_kernel_spirv(ctx, out->name, source, desc->defines, &spirv, &words,
                                       &out->spirv_from_cache);
    if (st) return st;
    double t1 = vkc_now_ms();
    out->spirv_ms = t1 - t0;
    if ((st = vkc_spirv_reflect(spirv, words, out->name, &out->io))) goto fail;
    if (out->io.push_size > dev->phys->info.max_push_constants_size) {
        st = vkc_fail(VKCNN_ERROR_LIMIT,
                      "shader '%s': %u bytes of push constants exceed the "
                      "device's %u",
                      out->name, out->io.push_size, dev->phys->info.max_push_constants_size);
        goto fail;
    }
    VkShaderModuleCreateInfo mi = {.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
                                   .codeSize = words * 4,
                                   .pCode = spirv};
    if ((st = vkc_check(dev->vk.vkCreateShaderModule(dev->handle, &mi, ac, &out->module),
                        "vkCreateShaderModule")))
        goto fail;

    VkDescriptorSetLayoutBinding bindings[VKC_MAX_BINDINGS];
    for (uint32_t i = 0; i < out->io.binding_count; i++) /* as the shader declares them */
        bindings[i] = (VkDescriptorSetLayoutBinding){.binding = i,
                                                     .descriptorType = out->io.types[i],
                                                     .descriptorCount = 1,
                                                     .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT};
    VkDescriptorSetLayoutCreateInfo si = {.sType =
                                              VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
                                          .bindingCount = out->io.binding_count,
                                          .pBindings = bindings};
    if ((st = vkc_check(dev->vk.vkCreateDescriptorSetLayout(dev->handle, &si, ac, &out->set_layout),
                        "vkCreateDescriptorSetLayout")))
        goto fail;
    VkPushConstantRange push = {VK_SHADER_STAGE_COMPUTE_BIT, 0, out->io.push_size};
    VkPipelineLayoutCreateInfo li = {.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
                                     .setLayoutCount = 1,
                                     .pSetLayouts = &out->set_layout,
                                     .pushConstantRangeCount = out->io.push_size ? 1u : 0u,
                                     .pPushConstantRanges = &push};
    if ((st = vkc_check(dev->vk.vkCreatePipelineLayout(dev->handle, &li, ac, &out->layout),
                        "vkCreatePipelineLayout")))
        goto fail;

    VkPipelineShaderStageRequiredSubgroupSizeCreateInfo pin = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_REQUIRED_SUBGROUP_SIZE_CREATE_INFO,
        .requiredSubgroupSize = desc->required_subgroup_size};
    VkPipelineShaderStageCreateFlags stage_flags = 0;
    if (desc->required_subgroup_size &&
        (st = pin_subgroup_size(dev, out->name, desc->required_subgroup_size, out->io.local_size,
                                &stage_flags)))
        goto fail;
    VkSpecializationMapEntry entries[16];
    if (desc->spec_count > 16) {
        st = vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "more than 16 specialization constants");
        goto fail;
    }
    for (uint32_t i = 0; i < desc->spec_count; i++)
        entries[i] = (VkSpecializationMapEntry){i, i * 4u, 4};
    VkSpecializationInfo spec = {desc->spec_count, entries, desc->spec_count * 4u,
                                 desc->spec_values};
    VkComputePipelineCreateInfo pi = {
        .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
        .stage = {.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
                  .pNext = desc->required_subgroup_size ? &pin : NULL,
                  .flags = stage_flags,
                  .stage = VK_SHADER_STAGE_COMPUTE_BIT,
                  .module = out->module,
                  .pName = "main",
                  .pSpecializationInfo = desc->spec_count ? &spec : NULL},
        .layout = out->layout};
    if ((st = vkc_check(dev->vk.vkCreateComputePipelines(dev->handle, ctx->pipeline_cache, 1, &pi,
                                                         ac, &out->pipeline),
                        "vkCreateComputePipelines")))
        goto fail;
    out->pipeline_ms = vkc_now_ms() - t1;
    free(spirv);
    return VKCNN_OK;
fail:
    free(spirv);
    vkc_fail_context(st, "kernel '%s'", out->name);
    vkc_kernel_destroy(ctx, out);
    return st;
}

void vkc_kernel_destroy(vkcnn_context *ctx, vkc_kernel *k) {
    if (!k) return;
    const vkc_device *dev = &ctx->dev;
    const VkAllocationCallbacks *ac = ctx->inst.allocator;
    if (k->pipeline) dev->vk.vkDestroyPipeline(dev->handle, k->pipeline, ac);
    if (k->layout) dev->vk.vkDestroyPipelineLayout(dev->handle, k->layout, ac);
    if (k->set_layout) dev->vk.vkDestroyDescriptorSetLayout(dev->handle, k->set_layout, ac);
    if (k->module) dev->vk.vkDestroyShaderModule(dev->handle, k->module, ac);
    memset(k, 0, sizeof *k);
}
