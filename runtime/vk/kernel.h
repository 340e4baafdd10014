/* A compute kernel: GLSL template + defines -> SPIR-V (through the disk cache)
 * -> shader module, layouts reflected from the SPIR-V, and pipeline. */
#ifndef VKC_VK_KERNEL_H
#define VKC_VK_KERNEL_H

#include <stdbool.h>

#include <volk.h>

#include "vk/spirv_reflect.h"

typedef struct vkcnn_context vkcnn_context;

typedef struct vkc_kernel_desc {
    const char *name;            /* label in messages; the embedded template when source is NULL */
    const char *source;          /* full GLSL, or NULL */
    const char *defines;         /* preamble such as "#define K 3\n", or NULL */
    const uint32_t *spec_values; /* specialization constants 0..spec_count-1 */
    uint32_t spec_count;
    /* The subgroup size the kernel needs (its cooperative matrices or
     * subgroup ops assume it), 0 for none: the pipeline pins it through
     * requiredSubgroupSize, with full subgroups where the device has
     * computeFullSubgroups. Refused (VKCNN_ERROR_UNSUPPORTED) unless
     * subgroupSizeControl is enabled, compute takes a required size, the
     * size is a power of two within the device's min..max and the
     * workgroup's x size is a multiple of it within
     * maxComputeWorkgroupSubgroups subgroups. */
    uint32_t required_subgroup_size;
} vkc_kernel_desc;

typedef struct vkc_kernel {
    VkShaderModule module;
    VkDescriptorSetLayout set_layout;
    VkPipelineLayout layout;
    VkPipeline pipeline;
    vkc_spirv_layout io;
    bool spirv_from_cache; /* true when glslang was not needed */
    double spirv_ms;       /* creation time getting SPIR-V (compile or cache read) */
    double pipeline_ms;    /* creation time of module, layouts and pipeline */
    char name[64];
} vkc_kernel;

vkcnn_status vkc_kernel_create(vkcnn_context *ctx, const vkc_kernel_desc *desc, vkc_kernel *out);
void vkc_kernel_destroy(vkcnn_context *ctx, vkc_kernel *kernel);

/* SPIR-V for (source, defines) on this context's device: from the disk cache
 * when present, else compiled and stored. *from_cache tells which. */
vkcnn_status vkc_kernel_spirv(vkcnn_context *ctx, const char *name, const char *source,
                              const char *defines, uint32_t **spirv, size_t *words,
                              bool *from_cache);

#endif
