/* Cooperative matrices (tensor cores) through VK_NV_cooperative_matrix: the
 * matrix shapes a device offers, and the one vkcnn's kernels
 * (shaders/coopmat_gemm.comp) use. */
#ifndef VKC_VK_COOPMAT_H
#define VKC_VK_COOPMAT_H

#include <stdbool.h>

#include "vk/loader.h"

typedef struct vkc_coopmat_shape {
    uint32_t m, n, k; /* A is M x K, B K x N, C and D M x N */
} vkc_coopmat_shape;

/* The shape vkcnn uses from a driver's list (`count` entries): A and B
 * fp16, C and D fp32, subgroup scope, M and N of 8, 16 or 32 and K of 8,
 * 16 or 32 (what coopmat_gemm.comp's tiles take). 16x16x16 when listed
 * (every NVIDIA tensor-core generation has it), else the largest M*N*K.
 * False (and *out zeroed) when none qualifies. */
bool vkc_coopmat_pick(const VkCooperativeMatrixPropertiesNV *props, uint32_t count,
                      vkc_coopmat_shape *out);

/* Reads `pd`'s list through vkGetPhysicalDeviceCooperativeMatrixPropertiesNV
 * (looked up on `instance`) and picks from it; *out zeroed when the entry
 * point is missing, the call fails or no shape qualifies. Call only for a
 * device that lists VK_NV_cooperative_matrix. */
vkcnn_status vkc_coopmat_query(const vkc_instance_fns *f, VkInstance instance, VkPhysicalDevice pd,
                               vkc_coopmat_shape *out);

#endif
