/* The "application" side of the embedding tests: what a renderer that owns
 * its Vulkan objects does before handing them to vkcnn. Its instance runs
 * the validation layer with synchronization validation and a messenger that
 * counts warnings and errors (app_vk_errors), so vkcnn's commands are
 * checked against the application's. Uses volk's global entry points. */
#ifndef VKCNN_TESTS_APP_VK_H
#define VKCNN_TESTS_APP_VK_H

#include <volk.h>

extern int app_vk_errors; /* validation warnings and errors seen */

/* Instance (validation + synchronization validation, messenger), its first
 * physical device and that device's memory properties. 0 on failure. */
int app_vk_instance(const char *name, VkInstance *instance, VkDebugUtilsMessengerEXT *messenger,
                    VkPhysicalDevice *phys, VkPhysicalDeviceMemoryProperties *mem);

/* First queue family with compute, UINT32_MAX when none. */
uint32_t app_vk_compute_family(VkPhysicalDevice phys);

/* A memory type among `bits` with every `want` flag, UINT32_MAX when none. */
uint32_t app_vk_memory_type(const VkPhysicalDeviceMemoryProperties *mem, uint32_t bits,
                            VkMemoryPropertyFlags want);

/* A host-visible, coherent, mapped buffer. */
typedef struct app_vk_buffer {
    VkBuffer buffer;
    VkDeviceMemory memory;
    void *map;
} app_vk_buffer;

int app_vk_buffer_create(VkDevice device, const VkPhysicalDeviceMemoryProperties *mem,
                         VkDeviceSize size, VkBufferUsageFlags usage, app_vk_buffer *b);
void app_vk_buffer_free(VkDevice device, app_vk_buffer *b);

#endif
