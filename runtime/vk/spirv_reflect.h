/* The little SPIR-V reflection vkcnn needs: which resources a compute shader
 * binds (storage buffers, and images for the preprocessing of application
 * images) and how large its push-constant block is, so that binding layouts
 * are described once (by the shader) and never written twice. */
#ifndef VKC_VK_SPIRV_REFLECT_H
#define VKC_VK_SPIRV_REFLECT_H

#include <stddef.h>
#include <stdint.h>

#include "vkcnn.h"

#define VKC_MAX_BINDINGS 32

typedef struct vkc_spirv_layout {
    uint32_t binding_count; /* resources at set 0, bindings 0..count-1 */
    /* per binding: VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, _UNIFORM_TEXEL_BUFFER
     * (samplerBuffer, usamplerBuffer, isamplerBuffer), _STORAGE_TEXEL_BUFFER
     * (a readonly rgba32f imageBuffer), _COMBINED_IMAGE_SAMPLER
     * (sampler2D), _SAMPLED_IMAGE (texture2D), _STORAGE_IMAGE (image2D) or
     * _SAMPLER */
    VkDescriptorType types[VKC_MAX_BINDINGS];
    /* per texel buffer binding: the view format its texelFetch reads, four
     * 32-bit components of the sampled type (R32G32B32A32_SFLOAT, _UINT or
     * _SINT), or its imageLoad (R32G32B32A32_SFLOAT); VK_FORMAT_UNDEFINED
     * elsewhere */
    VkFormat texel_formats[VKC_MAX_BINDINGS];
    uint32_t push_size;     /* bytes, 0 when none */
    uint32_t local_size[3]; /* from LocalSize, or 0 when set by specialization */
} vkc_spirv_layout;

/* Parses `words`; fails with VKCNN_ERROR_SHADER_COMPILE on malformed SPIR-V or
 * on resources vkcnn does not bind (other sets, holes, arrays of resources,
 * uniform buffers, storage texel buffers other than readonly rgba32f). */
vkcnn_status vkc_spirv_reflect(const uint32_t *words, size_t count, const char *name,
                               vkc_spirv_layout *out);

#endif
