#include "app_vk.h"

#include <stdio.h>
#include <string.h>

int app_vk_errors;

static VKAPI_ATTR VkBool32 VKAPI_CALL on_message(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                 VkDebugUtilsMessageTypeFlagsEXT type,
                                                 const VkDebugUtilsMessengerCallbackDataEXT *data,
                                                 void *user) {
    (void)type;
    (void)user;
    if (severity & (VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                    VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT)) {
        fprintf(stderr, "validation: %s\n", data->pMessage);
        app_vk_errors++;
    }
    return VK_FALSE;
}

int app_vk_instance(const char *name, VkInstance *instance, VkDebugUtilsMessengerEXT *messenger,
                    VkPhysicalDevice *phys, VkPhysicalDeviceMemoryProperties *mem) {
    VkApplicationInfo ai = {.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
                            .pApplicationName = name,
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
    if (vkCreateInstance(&ci, NULL, instance) != VK_SUCCESS) return 0;
    volkLoadInstanceOnly(*instance);
    if (vkCreateDebugUtilsMessengerEXT(*instance, &mi, NULL, messenger) != VK_SUCCESS) return 0;
    uint32_t n = 1;
    VkResult r = vkEnumeratePhysicalDevices(*instance, &n, phys);
    if ((r != VK_SUCCESS && r != VK_INCOMPLETE) || n == 0) return 0;
    vkGetPhysicalDeviceMemoryProperties(*phys, mem);
    return 1;
}

uint32_t app_vk_compute_family(VkPhysicalDevice phys) {
    uint32_t nf = 0;
    VkQueueFamilyProperties fams[16];
    vkGetPhysicalDeviceQueueFamilyProperties(phys, &nf, NULL);
    nf = nf > 16 ? 16 : nf;
    vkGetPhysicalDeviceQueueFamilyProperties(phys, &nf, fams);
    for (uint32_t i = 0; i < nf; i++)
        if (fams[i].queueFlags & VK_QUEUE_COMPUTE_BIT) return i;
    return UINT32_MAX;
}

uint32_t app_vk_memory_type(const VkPhysicalDeviceMemoryProperties *mem, uint32_t bits,
                            VkMemoryPropertyFlags want) {
    for (uint32_t t = 0; t < mem->memoryTypeCount; t++)
        if ((bits & (1u << t)) && (mem->memoryTypes[t].propertyFlags & want) == want) return t;
    return UINT32_MAX;
}

int app_vk_buffer_create(VkDevice device, const VkPhysicalDeviceMemoryProperties *mem,
                         VkDeviceSize size, VkBufferUsageFlags usage, app_vk_buffer *b) {
    VkBufferCreateInfo bi = {
        .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO, .size = size, .usage = usage};
    if (vkCreateBuffer(device, &bi, NULL, &b->buffer) != VK_SUCCESS) return 0;
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(device, b->buffer, &req);
    uint32_t type = app_vk_memory_type(mem, req.memoryTypeBits,
                                       VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                           VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
    VkMemoryAllocateInfo mi = {.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
                               .allocationSize = req.size,
                               .memoryTypeIndex = type};
    return type != UINT32_MAX && vkAllocateMemory(device, &mi, NULL, &b->memory) == VK_SUCCESS &&
           vkBindBufferMemory(device, b->buffer, b->memory, 0) == VK_SUCCESS &&
           vkMapMemory(device, b->memory, 0, VK_WHOLE_SIZE, 0, &b->map) == VK_SUCCESS;
}

void app_vk_buffer_free(VkDevice device, app_vk_buffer *b) {
    if (b->memory) vkFreeMemory(device, b->memory, NULL);
    if (b->buffer) vkDestroyBuffer(device, b->buffer, NULL);
    memset(b, 0, sizeof *b);
}
