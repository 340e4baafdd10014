/* Instance, physical devices and their capabilities, device choice, and the
 * logical device with one compute queue. */
#ifndef VKC_VK_DEVICE_H
#define VKC_VK_DEVICE_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "vk/coopmat.h"
#include "vk/loader.h"

typedef struct vkc_physical {
    VkPhysicalDevice handle;
    vkcnn_device_info info;
    VkPhysicalDeviceMemoryProperties memory;
    uint32_t compute_family;  /* UINT32_MAX when none */
    uint32_t transfer_family; /* dedicated (info.transfer_queue); UINT32_MAX when none */
    uint32_t timestamp_valid_bits;
    bool ext_portability_subset;
    bool ext_float16_int8, ext_8bit_storage, ext_subgroup_size_control; /* pre-core extensions */
    bool int64;                                                         /* shaderInt64 */
    /* streaming multiprocessors (VK_NV_shader_sm_builtins), compute units
     * (VK_AMD_shader_core_properties) or lavapipe's worker threads; 0 when
     * the driver does not say */
    uint32_t compute_units;
    /* Subgroup size control (core in 1.3, else VK_EXT_subgroup_size_control):
     * the subgroupSizeControl and computeFullSubgroups features, the stages
     * that take a required size, and maxComputeWorkgroupSubgroups */
    bool size_control, full_subgroups;
    uint32_t required_size_stages, max_workgroup_subgroups;
    /* VK_NV_cooperative_matrix listed, and everything its kernels need:
     * the cooperativeMatrix feature in compute, shaderFloat16 and the Vulkan
     * memory model (vulkanMemoryModel, which their SPIR-V declares); `coopmat`
     * is the fp16 x fp16 -> fp32 shape they use (zero: none) */
    bool ext_coopmat_nv;
    vkc_coopmat_shape coopmat;
} vkc_physical;

typedef struct vkc_instance_opts {
    bool validation;
    bool validation_sync; /* synchronization validation too */
    uint32_t faults;      /* VKCNN_FAULT_* */
    const VkAllocationCallbacks *allocator;
    PFN_vkDebugUtilsMessengerCallbackEXT messenger_fn; /* with validation */
    void *messenger_user;
} vkc_instance_opts;

typedef struct vkc_instance {
    vkc_instance_fns fns;
    VkInstance handle;
    const VkAllocationCallbacks *allocator;
    VkDebugUtilsMessengerEXT messenger;
    uint32_t api_version;
    vkc_physical *devices;
    uint32_t device_count;
    bool adopted; /* the application's instance: never destroyed here */
} vkc_instance;

/* Whether the device's memory is the host's (vkcnn_device_info.uma): its
 * largest device-local heap has a host-visible, coherent type (integrated
 * GPUs, CPU drivers), and it is not a discrete GPU (whose resizable BAR
 * makes device memory host-visible but uncached for the host's reads).
 * Inputs and outputs are then mapped, not staged. */
bool vkc_memory_unified(vkcnn_device_type type, const VkPhysicalDeviceMemoryProperties *m);

/* The dedicated transfer family among `count` (vkcnn_device_info
 * .transfer_queue): TRANSFER without COMPUTE or GRAPHICS, a DMA engine that
 * copies while the compute queue computes; of several, the one with the
 * fewest other capabilities. UINT32_MAX when there is none (lavapipe: one
 * family that does everything). */
uint32_t vkc_transfer_family(const VkQueueFamilyProperties *fams, uint32_t count);

/* lavapipe's Mesa version as major * 100 + minor (22.3: 2203), from the
 * driver's name and info string; 0 for any other driver. Inline: the
 * fuzzers link the code generator without this module. */
static inline uint32_t vkc_mesa_version(const vkcnn_device_info *info) {
    int major = 0, minor = 0;
    if (strcmp(info->driver_name, "llvmpipe") == 0 &&
        sscanf(info->driver_info, "Mesa %d.%d", &major, &minor) == 2 && major > 0 && minor >= 0 &&
        minor < 100 && major < 10000)
        return (uint32_t)(major * 100 + minor);
    return 0;
}

/* Creates the instance and reads every physical device's capabilities. On
 * failure *inst holds nothing to destroy. */
vkcnn_status vkc_instance_create(vkc_instance *inst, const vkc_instance_opts *opts);
void vkc_instance_destroy(vkc_instance *inst);

/* Adopts the application's instance (desc->adopt): loads the instance
 * functions through its vkGetInstanceProcAddr and reads every physical
 * device's capabilities; *index becomes the adopted physical device's. */
vkcnn_status vkc_instance_adopt(vkc_instance *inst, const vkcnn_context_desc *desc,
                                uint32_t *index);

/* Chooses a device: `spec` (NULL: the VKCNN_DEVICE environment variable, then
 * discrete > integrated > virtual > CPU). Digits are an index, anything else a
 * case-insensitive name substring that must match one device. */
vkcnn_status vkc_instance_choose(const vkc_instance *inst, const char *spec, uint32_t *index);

typedef struct vkc_device {
    const vkc_instance *inst;
    const vkc_physical *phys;
    VkDevice handle;
    struct VolkDeviceTable vk;
    VkQueue queue;
    uint32_t family;
    /* Where the models' slot copies run (run/slots.c). With xfer_split they
     * are submissions of their own on xfer_queue, chained to the compute
     * submission by semaphores: a queue of the dedicated transfer family
     * (xfer_family != family) on a device whose memory is staged, or, with
     * VKCNN_FAULT_FORCE_TRANSFER_SPLIT and no such family, `queue` itself.
     * Without it (adopted devices, unified memory, no transfer family) the
     * copies are recorded in the compute command buffer. */
    VkQueue xfer_queue;
    uint32_t xfer_family;
    bool xfer_split;
    /* features enabled at creation (subset of phys->info's) */
    bool fp16, storage16, int8, storage8, int64;
    /* subgroupSizeControl / computeFullSubgroups, and VK_NV_cooperative_matrix
     * with its feature and the Vulkan memory model (phys->coopmat's shape) */
    bool size_control, full_subgroups, coopmat_nv;
    bool adopted; /* the application's device and queue: never destroyed here */
    void (*queue_lock)(void *user, int lock);
    void *queue_lock_user;
    char disabled[512]; /* why optional features are off (adopted devices) */
} vkc_device;

/* Creates the device with one compute queue, and one transfer queue where
 * the transfer split applies (vkc_device.xfer_split). */
vkcnn_status vkc_device_create(vkc_device *dev, const vkc_instance *inst, uint32_t index,
                               uint32_t faults);
void vkc_device_destroy(vkc_device *dev);

/* Adopts the application's device and queue (desc->adopt) on physical
 * device `index` of inst: loads volk's per-device table, checks the queue
 * family supports compute, and enables only the features the application
 * enabled (recording why the others are off). */
vkcnn_status vkc_device_adopt(vkc_device *dev, vkc_instance *inst, uint32_t index,
                              const vkcnn_context_desc *desc);

/* Maps a VkResult to a status and records "<what>: <VkResult name>". */
vkcnn_status vkc_check(VkResult result, const char *what);
const char *vkc_result_string(VkResult result);

#endif
