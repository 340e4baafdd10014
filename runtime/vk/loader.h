/* Vulkan entry points, per context. Device-level functions come from volk's
 * per-device table; instance-level ones from the small table below. Nothing
 * here writes a process-global function pointer that outlives a call, so two
 * contexts, or an application that uses volk itself, coexist. */
#ifndef VKC_VK_LOADER_H
#define VKC_VK_LOADER_H

#include <volk.h>

#include "vkcnn.h"

#define VKC_GLOBAL_FNS(X)                                                                          \
    X(vkCreateInstance)                                                                            \
    X(vkEnumerateInstanceExtensionProperties)                                                      \
    X(vkEnumerateInstanceLayerProperties)

#define VKC_INSTANCE_FNS(X)                                                                        \
    X(vkDestroyInstance)                                                                           \
    X(vkEnumeratePhysicalDevices)                                                                  \
    X(vkGetPhysicalDeviceProperties)                                                               \
    X(vkGetPhysicalDeviceProperties2)                                                              \
    X(vkGetPhysicalDeviceFeatures2)                                                                \
    X(vkGetPhysicalDeviceQueueFamilyProperties)                                                    \
    X(vkGetPhysicalDeviceMemoryProperties)                                                         \
    X(vkEnumerateDeviceExtensionProperties)                                                        \
    X(vkCreateDevice)                                                                              \
    X(vkGetDeviceProcAddr)

typedef struct vkc_instance_fns {
    PFN_vkGetInstanceProcAddr vkGetInstanceProcAddr;
    PFN_vkEnumerateInstanceVersion vkEnumerateInstanceVersion; /* NULL on a 1.0 loader */
#define VKC_DECLARE(name) PFN_##name name;
    VKC_GLOBAL_FNS(VKC_DECLARE)
    VKC_INSTANCE_FNS(VKC_DECLARE)
#undef VKC_DECLARE
    /* VK_EXT_debug_utils, when enabled */
    PFN_vkCreateDebugUtilsMessengerEXT vkCreateDebugUtilsMessengerEXT;
    PFN_vkDestroyDebugUtilsMessengerEXT vkDestroyDebugUtilsMessengerEXT;
} vkc_instance_fns;

/* Finds the Vulkan loader (once per process) and fills the global-level
 * entries of *fns. `no_loader` simulates a machine without one. */
vkcnn_status vkc_loader_open(vkc_instance_fns *fns, int no_loader);

/* Fills the instance-level entries of *fns for `instance`. */
vkcnn_status vkc_loader_load_instance(vkc_instance_fns *fns, VkInstance instance);

/* Fills *table with `device`'s entry points, through fns->vkGetDeviceProcAddr. */
void vkc_loader_load_device(const vkc_instance_fns *fns, VkDevice device,
                            struct VolkDeviceTable *table);

#endif
