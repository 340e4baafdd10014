#include "vk/coopmat.h"

#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/error.h"

static bool side_ok(uint32_t v) {
    return v == 8 || v == 16 || v == 32;
}

bool vkc_coopmat_pick(const VkCooperativeMatrixPropertiesNV *props, uint32_t count,
                      vkc_coopmat_shape *out) {
    memset(out, 0, sizeof *out);
    uint64_t best = 0;
    for (uint32_t i = 0; props && i < count; i++) {
        const VkCooperativeMatrixPropertiesNV *p = &props[i];
        if (p->AType != VK_COMPONENT_TYPE_FLOAT16_NV || p->BType != VK_COMPONENT_TYPE_FLOAT16_NV ||
            p->CType != VK_COMPONENT_TYPE_FLOAT32_NV || p->DType != VK_COMPONENT_TYPE_FLOAT32_NV ||
            p->scope != VK_SCOPE_SUBGROUP_NV || !side_ok(p->MSize) || !side_ok(p->NSize) ||
            !side_ok(p->KSize))
            continue;
        uint64_t size = (uint64_t)p->MSize * p->NSize * p->KSize;
        bool square16 = p->MSize == 16 && p->NSize == 16 && p->KSize == 16;
        /* 16x16x16 wins over any size; among the others the largest */
        uint64_t score = square16 ? UINT64_MAX : size;
        if (score > best) {
            best = score;
            *out = (vkc_coopmat_shape){p->MSize, p->NSize, p->KSize};
        }
    }
    return best > 0;
}

vkcnn_status vkc_coopmat_query(const vkc_instance_fns *f, VkInstance instance, VkPhysicalDevice pd,
                               vkc_coopmat_shape *out) {
    memset(out, 0, sizeof *out);
    PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesNV get =
        (PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesNV)f->vkGetInstanceProcAddr(
            instance, "vkGetPhysicalDeviceCooperativeMatrixPropertiesNV");
    uint32_t n = 0;
    if (!get || get(pd, &n, NULL) < 0 || n == 0) return VKCNN_OK;
    if (n > 256) n = 256; /* drivers list a dozen; VK_INCOMPLETE past this is fine */
    VkCooperativeMatrixPropertiesNV *props = vkc_calloc(n, sizeof *props);
    if (!props) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    for (uint32_t i = 0; i < n; i++)
        props[i].sType = VK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_NV;
    if (get(pd, &n, props) >= 0) vkc_coopmat_pick(props, n, out);
    free(props);
    return VKCNN_OK;
}
