#include "vk/loader.h"

#include <pthread.h>

#include "core/error.h"

/* volk keeps its loader entry points in globals of this library's private copy
 * (the shared library hides them). We only borrow them under this lock while
 * filling per-context tables. */
static pthread_mutex_t volk_lock = PTHREAD_MUTEX_INITIALIZER;
static int volk_state; /* 0 untried, 1 loaded, -1 failed */

vkcnn_status vkc_loader_open(vkc_instance_fns *fns, int no_loader) {
    if (no_loader)
        return vkc_fail(VKCNN_ERROR_NO_VULKAN,
                        "no Vulkan loader: libvulkan.so.1 could not be loaded (simulated by "
                        "VKCNN_FAULT_NO_LOADER); install libvulkan1 and a driver, e.g. "
                        "mesa-vulkan-drivers for lavapipe");
    pthread_mutex_lock(&volk_lock);
    if (volk_state == 0) volk_state = volkInitialize() == VK_SUCCESS ? 1 : -1;
    PFN_vkGetInstanceProcAddr gipa = volk_state == 1 ? vkGetInstanceProcAddr : NULL;
    pthread_mutex_unlock(&volk_lock);
    if (!gipa)
        return vkc_fail(VKCNN_ERROR_NO_VULKAN,
                        "no Vulkan loader: libvulkan.so.1 could not be loaded; install "
                        "libvulkan1 and a driver, e.g. mesa-vulkan-drivers for lavapipe");
    fns->vkGetInstanceProcAddr = gipa;
    fns->vkEnumerateInstanceVersion =
        (PFN_vkEnumerateInstanceVersion)gipa(NULL, "vkEnumerateInstanceVersion");
#define VKC_LOAD(name)                                                                             \
    fns->name = (PFN_##name)gipa(NULL, #name);                                                     \
    if (!fns->name) return vkc_fail(VKCNN_ERROR_NO_VULKAN, "the Vulkan loader lacks %s", #name);
    VKC_GLOBAL_FNS(VKC_LOAD)
#undef VKC_LOAD
    return VKCNN_OK;
}

vkcnn_status vkc_loader_load_instance(vkc_instance_fns *fns, VkInstance instance) {
    PFN_vkGetInstanceProcAddr gipa = fns->vkGetInstanceProcAddr;
#define VKC_LOAD(name)                                                                             \
    fns->name = (PFN_##name)gipa(instance, #name);                                                 \
    if (!fns->name)                                                                                \
        return vkc_fail(VKCNN_ERROR_VULKAN,                                                        \
                        "the Vulkan instance lacks %s (a Vulkan 1.1 loader is required)", #name);
    VKC_INSTANCE_FNS(VKC_LOAD)
#undef VKC_LOAD
    fns->vkCreateDebugUtilsMessengerEXT =
        (PFN_vkCreateDebugUtilsMessengerEXT)gipa(instance, "vkCreateDebugUtilsMessengerEXT");
    fns->vkDestroyDebugUtilsMessengerEXT =
        (PFN_vkDestroyDebugUtilsMessengerEXT)gipa(instance, "vkDestroyDebugUtilsMessengerEXT");
    return VKCNN_OK;
}

void vkc_loader_load_device(const vkc_instance_fns *fns, VkDevice device,
                            struct VolkDeviceTable *table) {
    pthread_mutex_lock(&volk_lock);
    PFN_vkGetDeviceProcAddr saved = vkGetDeviceProcAddr;
    vkGetDeviceProcAddr = fns->vkGetDeviceProcAddr;
    volkLoadDeviceTable(table, device);
    vkGetDeviceProcAddr = saved;
    pthread_mutex_unlock(&volk_lock);
}
