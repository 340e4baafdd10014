#include "vk/device.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/checked.h"
#include "core/error.h"

#define VALIDATION_LAYER "VK_LAYER_KHRONOS_validation"

const char *vkc_result_string(VkResult r) {
    switch (r) {
#define R(x)                                                                                       \
    case x: return #x;
        R(VK_SUCCESS)
        R(VK_NOT_READY)
        R(VK_TIMEOUT)
        R(VK_INCOMPLETE)
        R(VK_ERROR_OUT_OF_HOST_MEMORY)
        R(VK_ERROR_OUT_OF_DEVICE_MEMORY)
        R(VK_ERROR_INITIALIZATION_FAILED)
        R(VK_ERROR_DEVICE_LOST)
        R(VK_ERROR_MEMORY_MAP_FAILED)
        R(VK_ERROR_LAYER_NOT_PRESENT)
        R(VK_ERROR_EXTENSION_NOT_PRESENT)
        R(VK_ERROR_FEATURE_NOT_PRESENT)
        R(VK_ERROR_INCOMPATIBLE_DRIVER)
        R(VK_ERROR_TOO_MANY_OBJECTS)
        R(VK_ERROR_FORMAT_NOT_SUPPORTED)
        R(VK_ERROR_FRAGMENTED_POOL)
        R(VK_ERROR_OUT_OF_POOL_MEMORY)
        R(VK_ERROR_INVALID_SHADER_NV)
        R(VK_ERROR_UNKNOWN)
#undef R
    default: return "VkResult(unknown)";
    }
}

vkcnn_status vkc_check(VkResult r, const char *what) {
    if (r >= 0) return VKCNN_OK;
    vkcnn_status st = VKCNN_ERROR_VULKAN;
    if (r == VK_ERROR_OUT_OF_HOST_MEMORY)
        st = VKCNN_ERROR_OUT_OF_HOST_MEMORY;
    else if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY)
        st = VKCNN_ERROR_OUT_OF_DEVICE_MEMORY;
    else if (r == VK_ERROR_DEVICE_LOST)
        return vkc_fail(VKCNN_ERROR_DEVICE_LOST,
                        "%s failed: VK_ERROR_DEVICE_LOST: the device was lost (driver reset, "
                        "timeout or fault); this context refuses further work",
                        what);
    return vkc_fail(st, "%s failed: %s", what, vkc_result_string(r));
}

static bool has_extension(const VkExtensionProperties *exts, uint32_t n, const char *name) {
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(exts[i].extensionName, name) == 0) return true;
    return false;
}

static vkcnn_status instance_layers_have(const vkc_instance_fns *f, const char *name, bool *found) {
    uint32_t n = 0;
    *found = false;
    if (f->vkEnumerateInstanceLayerProperties(&n, NULL) != VK_SUCCESS || n == 0) return VKCNN_OK;
    VkLayerProperties *layers = vkc_calloc(n, sizeof *layers);
    if (!layers)
        return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory listing layers");
    if (f->vkEnumerateInstanceLayerProperties(&n, layers) >= 0)
        for (uint32_t i = 0; i < n; i++)
            if (strcmp(layers[i].layerName, name) == 0) *found = true;
    free(layers);
    return VKCNN_OK;
}

/* The SIMD width lavapipe compiles for, from its device name
 * "llvmpipe (LLVM 15.0.6, 256 bits)"; 0 for other drivers. */
static uint32_t software_vector_width(const vkcnn_device_info *info, VkDriverId driver) {
    if (driver != VK_DRIVER_ID_MESA_LLVMPIPE && strncmp(info->name, "llvmpipe", 8) != 0) return 0;
    const char *bits = strstr(info->name, " bits)");
    if (!bits) return 0;
    const char *p = bits;
    while (p > info->name && isdigit((unsigned char)p[-1]))
        p--;
    return p < bits ? (uint32_t)strtoul(p, NULL, 10) : 0;
}

/* lavapipe's worker threads, which run its workgroups: LP_NUM_THREADS where
 * set (0: the submitting thread alone), else the host's online CPUs; Mesa
 * caps them at 32. */
static uint32_t software_threads(void) {
    const char *e = getenv("LP_NUM_THREADS");
    long n = e && *e ? strtol(e, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 32 ? 32 : (uint32_t)n;
}

static uint32_t subgroup_ops_from(VkSubgroupFeatureFlags f) {
    uint32_t ops = 0;
    if (f & VK_SUBGROUP_FEATURE_BASIC_BIT) ops |= VKCNN_SUBGROUP_BASIC;
    if (f & VK_SUBGROUP_FEATURE_VOTE_BIT) ops |= VKCNN_SUBGROUP_VOTE;
    if (f & VK_SUBGROUP_FEATURE_ARITHMETIC_BIT) ops |= VKCNN_SUBGROUP_ARITHMETIC;
    if (f & VK_SUBGROUP_FEATURE_BALLOT_BIT) ops |= VKCNN_SUBGROUP_BALLOT;
    if (f & VK_SUBGROUP_FEATURE_SHUFFLE_BIT) ops |= VKCNN_SUBGROUP_SHUFFLE;
    if (f & VK_SUBGROUP_FEATURE_SHUFFLE_RELATIVE_BIT) ops |= VKCNN_SUBGROUP_SHUFFLE_RELATIVE;
    if (f & VK_SUBGROUP_FEATURE_CLUSTERED_BIT) ops |= VKCNN_SUBGROUP_CLUSTERED;
    if (f & VK_SUBGROUP_FEATURE_QUAD_BIT) ops |= VKCNN_SUBGROUP_QUAD;
    return ops;
}

static vkcnn_device_type device_type_from(VkPhysicalDeviceType t) {
    switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return VKCNN_DEVICE_INTEGRATED;
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return VKCNN_DEVICE_DISCRETE;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return VKCNN_DEVICE_VIRTUAL;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return VKCNN_DEVICE_CPU;
    default: return VKCNN_DEVICE_OTHER;
    }
}

const char *vkcnn_device_type_string(vkcnn_device_type type) {
    switch (type) {
    case VKCNN_DEVICE_INTEGRATED: return "integrated";
    case VKCNN_DEVICE_DISCRETE: return "discrete";
    case VKCNN_DEVICE_VIRTUAL: return "virtual";
    case VKCNN_DEVICE_CPU: return "cpu";
    default: return "other";
    }
}

/* Reads everything vkcnn needs to know of one physical device. */
static vkcnn_status describe_physical(const vkc_instance *inst, uint32_t index, vkc_physical *pd,
                                      uint32_t faults) {
    const vkc_instance_fns *f = &inst->fns;
    vkcnn_device_info *info = &pd->info;
    VkPhysicalDeviceProperties base;
    f->vkGetPhysicalDeviceProperties(pd->handle, &base);
    info->index = index;
    snprintf(info->name, sizeof info->name, "%s", base.deviceName);
    info->type = device_type_from(base.deviceType);
    info->vendor_id = base.vendorID;
    info->device_id = base.deviceID;
    info->api_version = base.apiVersion;
    info->driver_version = base.driverVersion;
    memcpy(info->pipeline_cache_uuid, base.pipelineCacheUUID, VK_UUID_SIZE);
    const VkPhysicalDeviceLimits *lim = &base.limits;
    info->max_storage_buffer_range = lim->maxStorageBufferRange;
    info->min_storage_buffer_offset_alignment = lim->minStorageBufferOffsetAlignment;
    info->max_texel_buffer_elements = lim->maxTexelBufferElements;
    info->min_texel_buffer_offset_alignment = lim->minTexelBufferOffsetAlignment;
    info->shared_memory = lim->maxComputeSharedMemorySize;
    info->max_workgroup_invocations = lim->maxComputeWorkGroupInvocations;
    for (int i = 0; i < 3; i++) {
        info->max_workgroup_size[i] = lim->maxComputeWorkGroupSize[i];
        info->max_workgroup_count[i] = lim->maxComputeWorkGroupCount[i];
    }
    info->max_push_constants_size = lim->maxPushConstantsSize;
    info->timestamp_period_ns = lim->timestampPeriod;
    info->max_memory_allocation_size = 1ull << 30; /* Vulkan 1.1's guaranteed minimum */

    uint32_t api = base.apiVersion < inst->api_version ? base.apiVersion : inst->api_version;
    if (VK_API_VERSION_MINOR(api) < 1 && VK_API_VERSION_MAJOR(api) == 1)
        return VKCNN_OK; /* Vulkan 1.0: listed, never chosen (see choose) */
    bool v12 = VK_API_VERSION_MINOR(api) >= 2, v13 = VK_API_VERSION_MINOR(api) >= 3;

    uint32_t n_ext = 0;
    VkExtensionProperties *exts = NULL;
    if (f->vkEnumerateDeviceExtensionProperties(pd->handle, NULL, &n_ext, NULL) >= 0 && n_ext) {
        exts = vkc_calloc(n_ext, sizeof *exts);
        if (!exts) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
        if (f->vkEnumerateDeviceExtensionProperties(pd->handle, NULL, &n_ext, exts) < 0) n_ext = 0;
    }
    pd->ext_portability_subset = has_extension(exts, n_ext, "VK_KHR_portability_subset");
    pd->ext_float16_int8 = !v12 && has_extension(exts, n_ext, "VK_KHR_shader_float16_int8");
    pd->ext_8bit_storage = !v12 && has_extension(exts, n_ext, "VK_KHR_8bit_storage");
    pd->ext_subgroup_size_control =
        !v13 && has_extension(exts, n_ext, "VK_EXT_subgroup_size_control");
    bool driver_props = v12 || has_extension(exts, n_ext, "VK_KHR_driver_properties");
    bool nv_sm = has_extension(exts, n_ext, "VK_NV_shader_sm_builtins");
    bool amd_core = has_extension(exts, n_ext, "VK_AMD_shader_core_properties");
    /* cooperative matrices need the Vulkan memory model, core from 1.2 */
    pd->ext_coopmat_nv = v12 && has_extension(exts, n_ext, "VK_NV_cooperative_matrix");
    free(exts);

    /* properties */
    VkPhysicalDeviceSubgroupSizeControlProperties sizes = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_PROPERTIES};
    VkPhysicalDeviceDriverProperties driver = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES};
    VkPhysicalDeviceMaintenance3Properties maint3 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES};
    VkPhysicalDeviceIDProperties ids = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES,
                                        .pNext = &maint3};
    VkPhysicalDeviceSubgroupProperties subgroup = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES, .pNext = &ids};
    if (driver_props) {
        driver.pNext = subgroup.pNext;
        subgroup.pNext = &driver;
    }
    if (v13 || pd->ext_subgroup_size_control) {
        sizes.pNext = subgroup.pNext;
        subgroup.pNext = &sizes;
    }
    /* compute units, for the kernel choice's caps (codegen.h) */
    VkPhysicalDeviceShaderSMBuiltinsPropertiesNV sm = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_SM_BUILTINS_PROPERTIES_NV};
    VkPhysicalDeviceShaderCorePropertiesAMD core = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_CORE_PROPERTIES_AMD};
    if (nv_sm) {
        sm.pNext = subgroup.pNext;
        subgroup.pNext = &sm;
    }
    if (amd_core) {
        core.pNext = subgroup.pNext;
        subgroup.pNext = &core;
    }
    VkPhysicalDeviceCooperativeMatrixPropertiesNV cm_props = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_PROPERTIES_NV};
    if (pd->ext_coopmat_nv) {
        cm_props.pNext = subgroup.pNext;
        subgroup.pNext = &cm_props;
    }
    VkPhysicalDeviceProperties2 props2 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
                                          .pNext = &subgroup};
    f->vkGetPhysicalDeviceProperties2(pd->handle, &props2);
    memcpy(info->device_uuid, ids.deviceUUID, VK_UUID_SIZE);
    if (nv_sm) pd->compute_units = sm.shaderSMCount;
    if (amd_core)
        pd->compute_units = core.shaderEngineCount * core.shaderArraysPerEngineCount *
                            core.computeUnitsPerShaderArray;
    info->max_memory_allocation_size = maint3.maxMemoryAllocationSize;
    info->subgroup_size = subgroup.subgroupSize;
    info->subgroup_size_min = info->subgroup_size_max = subgroup.subgroupSize;
    if ((v13 || pd->ext_subgroup_size_control) && sizes.minSubgroupSize) {
        info->subgroup_size_min = sizes.minSubgroupSize;
        info->subgroup_size_max = sizes.maxSubgroupSize;
        pd->required_size_stages = sizes.requiredSubgroupSizeStages;
        pd->max_workgroup_subgroups = sizes.maxComputeWorkgroupSubgroups;
    }
    if (subgroup.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT)
        info->subgroup_ops = subgroup_ops_from(subgroup.supportedOperations);
    if (driver_props) {
        snprintf(info->driver_name, sizeof info->driver_name, "%s", driver.driverName);
        snprintf(info->driver_info, sizeof info->driver_info, "%s", driver.driverInfo);
    }
    info->vector_width = software_vector_width(info, driver_props ? driver.driverID : 0);
    if (info->vector_width) pd->compute_units = software_threads();

    /* features */
    VkPhysicalDevice8BitStorageFeatures s8 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_8BIT_STORAGE_FEATURES};
    VkPhysicalDeviceShaderFloat16Int8Features f16 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES};
    VkPhysicalDevice16BitStorageFeatures s16 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
    if (v12 || pd->ext_float16_int8) {
        f16.pNext = s16.pNext;
        s16.pNext = &f16;
    }
    if (v12 || pd->ext_8bit_storage) {
        s8.pNext = s16.pNext;
        s16.pNext = &s8;
    }
    VkPhysicalDeviceSubgroupSizeControlFeatures ssc = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES};
    if (v13 || pd->ext_subgroup_size_control) {
        ssc.pNext = s16.pNext;
        s16.pNext = &ssc;
    }
    VkPhysicalDeviceVulkanMemoryModelFeatures vmm = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_MEMORY_MODEL_FEATURES};
    VkPhysicalDeviceCooperativeMatrixFeaturesNV cm = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV};
    if (pd->ext_coopmat_nv) {
        vmm.pNext = s16.pNext;
        cm.pNext = &vmm;
        s16.pNext = &cm;
    }
    VkPhysicalDeviceFeatures2 feats2 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2,
                                        .pNext = &s16};
    f->vkGetPhysicalDeviceFeatures2(pd->handle, &feats2);
    pd->size_control = ssc.subgroupSizeControl == VK_TRUE;
    pd->full_subgroups = ssc.computeFullSubgroups == VK_TRUE;
    info->fp16 = f16.shaderFloat16 == VK_TRUE;
    info->int8 = f16.shaderInt8 == VK_TRUE;
    info->storage16 = s16.storageBuffer16BitAccess == VK_TRUE;
    info->storage8 = s8.storageBuffer8BitAccess == VK_TRUE;
    pd->int64 = feats2.features.shaderInt64 == VK_TRUE;
    /* cooperative matrices: the extension's feature in compute, fp16
     * arithmetic (fcoopmatNV<16>), the memory model its SPIR-V declares, and
     * a shape the kernels take */
    if (pd->ext_coopmat_nv && cm.cooperativeMatrix && vmm.vulkanMemoryModel && info->fp16 &&
        (cm_props.cooperativeMatrixSupportedStages & VK_SHADER_STAGE_COMPUTE_BIT)) {
        vkcnn_status st = vkc_coopmat_query(f, inst->handle, pd->handle, &pd->coopmat);
        if (st) return st;
    }
    if (pd->coopmat.m) {
        info->coopmat = VKCNN_COOPMAT_NV;
        info->coopmat_m = pd->coopmat.m;
        info->coopmat_n = pd->coopmat.n;
        info->coopmat_k = pd->coopmat.k;
    }

    /* queues: a compute family, preferring one that writes timestamps, then one
     * without graphics (less contention with a renderer) */
    uint32_t n_fam = 0;
    f->vkGetPhysicalDeviceQueueFamilyProperties(pd->handle, &n_fam, NULL);
    VkQueueFamilyProperties *fams = vkc_calloc(n_fam ? n_fam : 1, sizeof *fams);
    if (!fams) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    f->vkGetPhysicalDeviceQueueFamilyProperties(pd->handle, &n_fam, fams);
    pd->compute_family = UINT32_MAX;
    int best = -1;
    for (uint32_t i = 0; i < n_fam && !(faults & VKCNN_FAULT_NO_COMPUTE_QUEUE); i++) {
        if (!(fams[i].queueFlags & VK_QUEUE_COMPUTE_BIT) || fams[i].queueCount == 0) continue;
        int score =
            (fams[i].timestampValidBits > 0) * 2 + !(fams[i].queueFlags & VK_QUEUE_GRAPHICS_BIT);
        if (score > best) {
            best = score;
            pd->compute_family = i;
            pd->timestamp_valid_bits = fams[i].timestampValidBits;
        }
    }
    pd->transfer_family = vkc_transfer_family(fams, n_fam);
    free(fams);
    info->transfer_queue = pd->transfer_family != UINT32_MAX;
    info->compute_queue = pd->compute_family != UINT32_MAX;
    info->timestamps =
        info->compute_queue && pd->timestamp_valid_bits > 0 && info->timestamp_period_ns > 0.0f;

    f->vkGetPhysicalDeviceMemoryProperties(pd->handle, &pd->memory);
    const VkPhysicalDeviceMemoryProperties *m = &pd->memory;
    for (uint32_t h = 0; h < m->memoryHeapCount; h++)
        if ((m->memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) &&
            m->memoryHeaps[h].size > info->device_local_bytes)
            info->device_local_bytes = m->memoryHeaps[h].size;
    info->uma = vkc_memory_unified(info->type, m);
    return VKCNN_OK;
}

uint32_t vkc_transfer_family(const VkQueueFamilyProperties *fams, uint32_t count) {
    uint32_t found = UINT32_MAX;
    int fewest = 33;
    for (uint32_t i = 0; i < count; i++) {
        VkQueueFlags flags = fams[i].queueFlags;
        if (!(flags & VK_QUEUE_TRANSFER_BIT) || fams[i].queueCount == 0 ||
            (flags & (VK_QUEUE_COMPUTE_BIT | VK_QUEUE_GRAPHICS_BIT)))
            continue;
        int bits = 0;
        for (VkQueueFlags rest = flags; rest; rest &= rest - 1)
            bits++;
        if (bits < fewest) {
            fewest = bits;
            found = i;
        }
    }
    return found;
}

bool vkc_memory_unified(vkcnn_device_type type, const VkPhysicalDeviceMemoryProperties *m) {
    /* A discrete GPU's device-local memory is across PCIe even when resizable
     * BAR makes all of it host-visible: the host's reads of it are uncached,
     * so results go through host-cached staging there. */
    if (type == VKCNN_DEVICE_DISCRETE) return false;
    uint32_t big_heap = UINT32_MAX;
    VkDeviceSize big = 0;
    for (uint32_t h = 0; h < m->memoryHeapCount && h < VK_MAX_MEMORY_HEAPS; h++)
        if ((m->memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) &&
            m->memoryHeaps[h].size > big) {
            big = m->memoryHeaps[h].size;
            big_heap = h;
        }
    const VkMemoryPropertyFlags uma_flags = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT |
                                            VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                            VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    for (uint32_t t = 0; t < m->memoryTypeCount && t < VK_MAX_MEMORY_TYPES; t++)
        if ((m->memoryTypes[t].propertyFlags & uma_flags) == uma_flags &&
            m->memoryTypes[t].heapIndex == big_heap)
            return true;
    return false;
}

vkcnn_status vkc_instance_create(vkc_instance *inst, const vkc_instance_opts *opts) {
    memset(inst, 0, sizeof *inst);
    inst->allocator = opts->allocator;
    vkc_instance_fns *f = &inst->fns;
    vkcnn_status st = vkc_loader_open(f, (opts->faults & VKCNN_FAULT_NO_LOADER) != 0);
    if (st) return st;

    uint32_t loader_api = VK_API_VERSION_1_0;
    if (f->vkEnumerateInstanceVersion) f->vkEnumerateInstanceVersion(&loader_api);
    if (VK_API_VERSION_MAJOR(loader_api) == 1 && VK_API_VERSION_MINOR(loader_api) < 1)
        return vkc_fail(VKCNN_ERROR_NO_VULKAN,
                        "the Vulkan loader supports only Vulkan 1.0; vkcnn needs 1.1 or newer");
    inst->api_version = loader_api < VK_API_VERSION_1_3 ? loader_api : VK_API_VERSION_1_3;

    uint32_t n_ext = 0;
    VkExtensionProperties *exts = NULL;
    if (f->vkEnumerateInstanceExtensionProperties(NULL, &n_ext, NULL) >= 0 && n_ext) {
        exts = vkc_calloc(n_ext, sizeof *exts);
        if (!exts) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
        if (f->vkEnumerateInstanceExtensionProperties(NULL, &n_ext, exts) < 0) n_ext = 0;
    }
    const char *ext_names[4];
    uint32_t n_names = 0;
    VkInstanceCreateFlags flags = 0;
    /* Keeps the door open for MoltenVK and other portability drivers. */
    if (has_extension(exts, n_ext, "VK_KHR_portability_enumeration")) {
        ext_names[n_names++] = "VK_KHR_portability_enumeration";
        flags |= VK_INSTANCE_CREATE_ENUMERATE_PORTABILITY_BIT_KHR;
    }
    bool debug_utils = has_extension(exts, n_ext, VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
    free(exts);

    const char *layers[1];
    uint32_t n_layers = 0;
    VkDebugUtilsMessengerCreateInfoEXT messenger_info = {
        .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
        .messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_VERBOSE_BIT_EXT |
                           VK_DEBUG_UTILS_MESSAGE_SEVERITY_INFO_BIT_EXT |
                           VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                           VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT,
        .messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                       VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                       VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT,
        .pfnUserCallback = opts->messenger_fn,
        .pUserData = opts->messenger_user,
    };
    static const VkValidationFeatureEnableEXT sync_feature =
        VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT;
    VkValidationFeaturesEXT features = {.sType = VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT,
                                        .enabledValidationFeatureCount = 1,
                                        .pEnabledValidationFeatures = &sync_feature};
    if (opts->validation) {
        bool found = false;
        if (!(opts->faults & VKCNN_FAULT_NO_LAYER) &&
            (st = instance_layers_have(f, VALIDATION_LAYER, &found)))
            return st;
        if (!found)
            return vkc_fail(VKCNN_ERROR_LAYER_MISSING,
                            "validation was requested (option or VKCNN_VALIDATE=1) but the "
                            "layer " VALIDATION_LAYER " is not installed; install "
                            "vulkan-validationlayers or turn validation off");
        if (!debug_utils)
            return vkc_fail(
                VKCNN_ERROR_LAYER_MISSING,
                "validation was requested but the loader lacks " VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
        layers[n_layers++] = VALIDATION_LAYER;
        ext_names[n_names++] = VK_EXT_DEBUG_UTILS_EXTENSION_NAME;
        if (opts->validation_sync) {
            /* VK_EXT_validation_features is provided by the layer itself */
            ext_names[n_names++] = VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME;
            messenger_info.pNext = &features;
        }
    }

    VkApplicationInfo app = {.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
                             .pEngineName = "vkcnn",
                             .engineVersion = VK_MAKE_API_VERSION(
                                 0, VKCNN_VERSION_MAJOR, VKCNN_VERSION_MINOR, VKCNN_VERSION_PATCH),
                             .apiVersion = inst->api_version};
    VkInstanceCreateInfo ci = {.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
                               .pNext = opts->validation ? &messenger_info : NULL,
                               .flags = flags,
                               .pApplicationInfo = &app,
                               .enabledLayerCount = n_layers,
                               .ppEnabledLayerNames = layers,
                               .enabledExtensionCount = n_names,
                               .ppEnabledExtensionNames = ext_names};
    VkResult r = f->vkCreateInstance(&ci, inst->allocator, &inst->handle);
    if (r == VK_ERROR_LAYER_NOT_PRESENT)
        return vkc_fail(VKCNN_ERROR_LAYER_MISSING,
                        "vkCreateInstance: " VALIDATION_LAYER " could not be loaded");
    if (r == VK_ERROR_INCOMPATIBLE_DRIVER)
        return vkc_fail(VKCNN_ERROR_NO_DEVICE,
                        "vkCreateInstance: no compatible Vulkan driver is installed "
                        "(VK_ERROR_INCOMPATIBLE_DRIVER); on a machine without a GPU install "
                        "mesa-vulkan-drivers for lavapipe");
    if ((st = vkc_check(r, "vkCreateInstance"))) return st;
    if ((st = vkc_loader_load_instance(f, inst->handle))) goto fail;
    if (opts->validation) {
        if (!f->vkCreateDebugUtilsMessengerEXT) {
            st = vkc_fail(VKCNN_ERROR_LAYER_MISSING, "vkCreateDebugUtilsMessengerEXT missing");
            goto fail;
        }
        messenger_info.pNext = NULL; /* the features struct belongs to instance creation */
        if ((st = vkc_check(f->vkCreateDebugUtilsMessengerEXT(inst->handle, &messenger_info,
                                                              inst->allocator, &inst->messenger),
                            "vkCreateDebugUtilsMessengerEXT")))
            goto fail;
    }

    uint32_t n = 0;
    if ((st = vkc_check(f->vkEnumeratePhysicalDevices(inst->handle, &n, NULL),
                        "vkEnumeratePhysicalDevices")))
        goto fail;
    if (n == 0) {
        st = vkc_fail(VKCNN_ERROR_NO_DEVICE,
                      "no Vulkan device found; on a machine without a GPU install "
                      "mesa-vulkan-drivers (lavapipe), and check VK_DRIVER_FILES / "
                      "VK_ICD_FILENAMES if set");
        goto fail;
    }
    VkPhysicalDevice *handles = vkc_calloc(n, sizeof *handles);
    inst->devices = vkc_calloc(n, sizeof *inst->devices);
    if (!handles || !inst->devices) {
        free(handles);
        st = vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
        goto fail;
    }
    r = f->vkEnumeratePhysicalDevices(inst->handle, &n, handles);
    if ((st = vkc_check(r, "vkEnumeratePhysicalDevices"))) {
        free(handles);
        goto fail;
    }
    inst->device_count = n;
    for (uint32_t i = 0; i < n && !st; i++) {
        inst->devices[i].handle = handles[i];
        st = describe_physical(inst, i, &inst->devices[i], opts->faults);
    }
    free(handles);
    if (st) goto fail;
    return VKCNN_OK;
fail:
    vkc_instance_destroy(inst);
    return st;
}

vkcnn_status vkc_instance_adopt(vkc_instance *inst, const vkcnn_context_desc *desc,
                                uint32_t *index) {
    memset(inst, 0, sizeof *inst);
    inst->adopted = true;
    inst->allocator = desc->vk_allocator;
    inst->handle = desc->adopt.instance;
    uint32_t api =
        desc->adopt.instance_api_version ? desc->adopt.instance_api_version : VK_API_VERSION_1_1;
    if (VK_API_VERSION_MAJOR(api) == 1 && VK_API_VERSION_MINOR(api) < 1)
        return vkc_fail(VKCNN_ERROR_UNSUPPORTED,
                        "the adopted instance was created for Vulkan 1.0; vkcnn needs 1.1");
    inst->api_version = api < VK_API_VERSION_1_3 ? api : VK_API_VERSION_1_3;
    inst->fns.vkGetInstanceProcAddr = desc->adopt.get_instance_proc_addr;
    vkcnn_status st = vkc_loader_load_instance(&inst->fns, inst->handle);
    uint32_t n = 0;
    if (!st)
        st = vkc_check(inst->fns.vkEnumeratePhysicalDevices(inst->handle, &n, NULL),
                       "vkEnumeratePhysicalDevices");
    VkPhysicalDevice *handles = NULL;
    if (!st && n) {
        handles = vkc_calloc(n, sizeof *handles);
        inst->devices = vkc_calloc(n, sizeof *inst->devices);
        if (!handles || !inst->devices)
            st = vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
        if (!st)
            st = vkc_check(inst->fns.vkEnumeratePhysicalDevices(inst->handle, &n, handles),
                           "vkEnumeratePhysicalDevices");
    }
    *index = UINT32_MAX;
    for (uint32_t i = 0; !st && i < n; i++) {
        inst->devices[i].handle = handles[i];
        inst->device_count = i + 1;
        st = describe_physical(inst, i, &inst->devices[i], desc->faults);
        if (handles[i] == desc->adopt.physical_device) *index = i;
    }
    free(handles);
    if (!st && *index == UINT32_MAX)
        st = vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                      "adopt.physical_device is not one of the adopted instance's %u devices", n);
    if (st) vkc_instance_destroy(inst);
    return st;
}

void vkc_instance_destroy(vkc_instance *inst) {
    if (inst->adopted) { /* the application's: only our tables go */
        free(inst->devices);
        inst->devices = NULL;
        inst->device_count = 0;
        inst->handle = VK_NULL_HANDLE;
        return;
    }
    if (inst->messenger)
        inst->fns.vkDestroyDebugUtilsMessengerEXT(inst->handle, inst->messenger, inst->allocator);
    if (inst->handle) inst->fns.vkDestroyInstance(inst->handle, inst->allocator);
    free(inst->devices);
    inst->devices = NULL;
    inst->device_count = 0;
    inst->messenger = VK_NULL_HANDLE;
    inst->handle = VK_NULL_HANDLE;
}

static bool usable(const vkc_physical *pd) {
    return pd->info.compute_queue && !(VK_API_VERSION_MAJOR(pd->info.api_version) == 1 &&
                                       VK_API_VERSION_MINOR(pd->info.api_version) < 1);
}

static bool contains_nocase(const char *hay, const char *needle) {
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] &&
               tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n) return true;
    }
    return n == 0;
}

static void list_devices(const vkc_instance *inst, char *buf, size_t size) {
    size_t used = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < inst->device_count && used < size; i++) {
        int w = snprintf(buf + used, size - used, "%s%u: %s", i ? ", " : "", i,
                         inst->devices[i].info.name);
        if (w < 0) break;
        used += (size_t)w;
    }
}

static vkcnn_status check_usable(const vkc_instance *inst, uint32_t i) {
    const vkc_physical *pd = &inst->devices[i];
    if (!pd->info.compute_queue)
        return vkc_fail(VKCNN_ERROR_NO_COMPUTE_QUEUE,
                        "device %u (%s) has no queue family with compute support", i,
                        pd->info.name);
    if (!usable(pd))
        return vkc_fail(VKCNN_ERROR_UNSUPPORTED,
                        "device %u (%s) supports only Vulkan %u.%u; vkcnn needs 1.1", i,
                        pd->info.name, VK_API_VERSION_MAJOR(pd->info.api_version),
                        VK_API_VERSION_MINOR(pd->info.api_version));
    return VKCNN_OK;
}

vkcnn_status vkc_instance_choose(const vkc_instance *inst, const char *spec, uint32_t *index) {
    const char *source = "the device option";
    if (!spec || !*spec) {
        spec = getenv("VKCNN_DEVICE");
        source = "VKCNN_DEVICE";
    }
    char names[1024];
    list_devices(inst, names, sizeof names);
    if (spec && *spec) {
        bool digits = true;
        for (const char *p = spec; *p; p++)
            digits = digits && isdigit((unsigned char)*p);
        if (digits) {
            unsigned long i = strtoul(spec, NULL, 10);
            if (strlen(spec) > 9 || i >= inst->device_count)
                return vkc_fail(VKCNN_ERROR_NO_DEVICE,
                                "%s '%s': no device with that index (devices: %s)", source, spec,
                                names);
            *index = (uint32_t)i;
            return check_usable(inst, *index);
        }
        uint32_t found = UINT32_MAX, matches = 0;
        for (uint32_t i = 0; i < inst->device_count; i++)
            if (contains_nocase(inst->devices[i].info.name, spec)) {
                found = i;
                matches++;
            }
        if (matches == 0)
            return vkc_fail(VKCNN_ERROR_NO_DEVICE, "%s '%s' matches no device (devices: %s)",
                            source, spec, names);
        if (matches > 1) {
            char which[1024];
            size_t used = 0;
            which[0] = '\0';
            for (uint32_t i = 0; i < inst->device_count && used < sizeof which; i++)
                if (contains_nocase(inst->devices[i].info.name, spec)) {
                    int w = snprintf(which + used, sizeof which - used, "%s%u: %s",
                                     used ? ", " : "", i, inst->devices[i].info.name);
                    if (w < 0) break;
                    used += (size_t)w;
                }
            return vkc_fail(VKCNN_ERROR_NO_DEVICE,
                            "%s '%s' matches %u devices (%s); use an index or a longer name",
                            source, spec, matches, which);
        }
        *index = found;
        return check_usable(inst, found);
    }
    static const vkcnn_device_type order[] = {VKCNN_DEVICE_DISCRETE, VKCNN_DEVICE_INTEGRATED,
                                              VKCNN_DEVICE_VIRTUAL, VKCNN_DEVICE_CPU,
                                              VKCNN_DEVICE_OTHER};
    for (size_t o = 0; o < sizeof order / sizeof order[0]; o++)
        for (uint32_t i = 0; i < inst->device_count; i++)
            if (inst->devices[i].info.type == order[o] && usable(&inst->devices[i])) {
                *index = i;
                return VKCNN_OK;
            }
    bool any_compute = false;
    for (uint32_t i = 0; i < inst->device_count; i++)
        any_compute = any_compute || inst->devices[i].info.compute_queue;
    if (!any_compute)
        return vkc_fail(VKCNN_ERROR_NO_COMPUTE_QUEUE,
                        "no device has a queue family with compute support (devices: %s)", names);
    return vkc_fail(VKCNN_ERROR_NO_DEVICE, "no device supports Vulkan 1.1 (devices: %s)", names);
}

vkcnn_status vkc_device_create(vkc_device *dev, const vkc_instance *inst, uint32_t index,
                               uint32_t faults) {
    memset(dev, 0, sizeof *dev);
    const vkc_physical *pd = &inst->devices[index];
    dev->inst = inst;
    dev->phys = pd;
    dev->family = pd->compute_family;
    const vkcnn_device_info *info = &pd->info;

    const char *exts[6];
    uint32_t n_exts = 0;
    if (pd->ext_portability_subset) exts[n_exts++] = "VK_KHR_portability_subset";
    if (pd->ext_float16_int8) exts[n_exts++] = "VK_KHR_shader_float16_int8";
    if (pd->ext_8bit_storage) exts[n_exts++] = "VK_KHR_8bit_storage";
    if (pd->ext_subgroup_size_control) exts[n_exts++] = "VK_EXT_subgroup_size_control";
    bool coopmat = pd->coopmat.m != 0;
    if (coopmat) exts[n_exts++] = "VK_NV_cooperative_matrix";

    /* Enable the arithmetic and storage features later kernels may use. */
    VkPhysicalDevice8BitStorageFeatures s8 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_8BIT_STORAGE_FEATURES,
        .storageBuffer8BitAccess = info->storage8 ? VK_TRUE : VK_FALSE};
    VkPhysicalDeviceShaderFloat16Int8Features f16 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES,
        .shaderFloat16 = info->fp16 ? VK_TRUE : VK_FALSE,
        .shaderInt8 = info->int8 ? VK_TRUE : VK_FALSE};
    VkPhysicalDevice16BitStorageFeatures s16 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES,
        .storageBuffer16BitAccess = info->storage16 ? VK_TRUE : VK_FALSE};
    void *chain = &s16;
    bool v12 = VK_API_VERSION_MINOR(info->api_version) >= 2 &&
               VK_API_VERSION_MINOR(inst->api_version) >= 2;
    if (v12 || pd->ext_float16_int8) {
        f16.pNext = chain;
        chain = &f16;
    }
    if (v12 || pd->ext_8bit_storage) {
        s8.pNext = chain;
        chain = &s8;
    }
    /* Subgroup size control: pipelines that pin their subgroup size
     * (kernel.c) need the feature on, in 1.3 as with the extension; both
     * structures are the same, core or not. */
    bool v13 = VK_API_VERSION_MINOR(info->api_version) >= 3 &&
               VK_API_VERSION_MINOR(inst->api_version) >= 3;
    VkPhysicalDeviceSubgroupSizeControlFeatures ssc = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES,
        .subgroupSizeControl = pd->size_control ? VK_TRUE : VK_FALSE,
        .computeFullSubgroups = pd->full_subgroups ? VK_TRUE : VK_FALSE};
    if ((v13 || pd->ext_subgroup_size_control) && (pd->size_control || pd->full_subgroups)) {
        ssc.pNext = chain;
        chain = &ssc;
    }
    VkPhysicalDeviceVulkanMemoryModelFeatures vmm = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_MEMORY_MODEL_FEATURES,
        .vulkanMemoryModel = VK_TRUE};
    VkPhysicalDeviceCooperativeMatrixFeaturesNV cm = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV,
        .cooperativeMatrix = VK_TRUE};
    if (coopmat) {
        vmm.pNext = chain;
        cm.pNext = &vmm;
        chain = &cm;
    }
    float priority = 1.0f;
    /* the slot copies get a queue of their own on a dedicated transfer
     * family where memory is staged (a discrete GPU); the fault hook splits
     * them onto the compute queue where there is no such family */
    bool staged = !info->uma || (faults & VKCNN_FAULT_FORCE_STAGING);
    bool dedicated = pd->transfer_family != UINT32_MAX &&
                     (staged || (faults & VKCNN_FAULT_FORCE_TRANSFER_SPLIT));
    dev->xfer_split = dedicated || (faults & VKCNN_FAULT_FORCE_TRANSFER_SPLIT);
    dev->xfer_family = dedicated ? pd->transfer_family : dev->family;
    VkDeviceQueueCreateInfo queues[2] = {{.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
                                          .queueFamilyIndex = dev->family,
                                          .queueCount = 1,
                                          .pQueuePriorities = &priority},
                                         {.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
                                          .queueFamilyIndex = dev->xfer_family,
                                          .queueCount = 1,
                                          .pQueuePriorities = &priority}};
    /* 64-bit integers: wide loads on CPU drivers (codegen wide_loads) */
    VkPhysicalDeviceFeatures2 core = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2,
                                      .pNext = chain};
    core.features.shaderInt64 = pd->int64 ? VK_TRUE : VK_FALSE;
    chain = &core;
    VkDeviceCreateInfo ci = {.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
                             .pNext = chain,
                             .queueCreateInfoCount = dedicated ? 2 : 1,
                             .pQueueCreateInfos = queues,
                             .enabledExtensionCount = n_exts,
                             .ppEnabledExtensionNames = exts};
    vkcnn_status st = vkc_check(
        inst->fns.vkCreateDevice(pd->handle, &ci, inst->allocator, &dev->handle), "vkCreateDevice");
    if (st) return vkc_fail_context(st, "device %u (%s)", index, info->name);
    vkc_loader_load_device(&inst->fns, dev->handle, &dev->vk);
    dev->vk.vkGetDeviceQueue(dev->handle, dev->family, 0, &dev->queue);
    dev->xfer_queue = dev->queue;
    if (dedicated) dev->vk.vkGetDeviceQueue(dev->handle, dev->xfer_family, 0, &dev->xfer_queue);
    dev->fp16 = info->fp16;
    dev->storage16 = info->storage16;
    dev->int8 = info->int8;
    dev->storage8 = info->storage8;
    dev->int64 = pd->int64;
    dev->size_control = pd->size_control && (v13 || pd->ext_subgroup_size_control);
    dev->full_subgroups = pd->full_subgroups && (v13 || pd->ext_subgroup_size_control);
    dev->coopmat_nv = coopmat;
    return VKCNN_OK;
}

/* Appends a line to dev->disabled. */
static void note_disabled(vkc_device *dev, const char *line) {
    size_t used = strlen(dev->disabled);
    snprintf(dev->disabled + used, sizeof dev->disabled - used, "%s%s", used ? "\n" : "", line);
}

vkcnn_status vkc_device_adopt(vkc_device *dev, vkc_instance *inst, uint32_t index,
                              const vkcnn_context_desc *desc) {
    memset(dev, 0, sizeof *dev);
    vkc_physical *pd = &inst->devices[index];
    const vkcnn_device_info *info = &pd->info;
    uint32_t family = desc->adopt.queue_family;
    uint32_t n_fam = 0;
    inst->fns.vkGetPhysicalDeviceQueueFamilyProperties(pd->handle, &n_fam, NULL);
    VkQueueFamilyProperties *fams = vkc_calloc(n_fam ? n_fam : 1, sizeof *fams);
    if (!fams) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    inst->fns.vkGetPhysicalDeviceQueueFamilyProperties(pd->handle, &n_fam, fams);
    bool compute = family < n_fam && (fams[family].queueFlags & VK_QUEUE_COMPUTE_BIT);
    uint32_t stamp_bits = family < n_fam ? fams[family].timestampValidBits : 0;
    free(fams);
    if (!compute)
        return vkc_fail(VKCNN_ERROR_NO_COMPUTE_QUEUE,
                        "adopt.queue_family %u of '%s' does not support compute (the device "
                        "has %u families)",
                        family, info->name, n_fam);
    /* the adopted family replaces the one vkcnn would have chosen */
    pd->compute_family = family;
    pd->timestamp_valid_bits = stamp_bits;
    pd->info.timestamps = stamp_bits > 0 && info->timestamp_period_ns > 0.0f;
    dev->inst = inst;
    dev->phys = pd;
    dev->adopted = true;
    dev->handle = desc->adopt.device;
    dev->queue = desc->adopt.queue;
    dev->family = family;
    /* the application passes no transfer queue: copies stay in the compute
     * command buffer (VKCNN_FAULT_FORCE_TRANSFER_SPLIT included) */
    dev->xfer_queue = dev->queue;
    dev->xfer_family = family;
    dev->queue_lock = desc->adopt.queue_lock;
    dev->queue_lock_user = desc->adopt.queue_lock_user_data;
    vkc_loader_load_device(&inst->fns, dev->handle, &dev->vk);
    if (!dev->vk.vkQueueSubmit || !dev->vk.vkCreateComputePipelines)
        return vkc_fail(VKCNN_ERROR_VULKAN, "adopted device: vkGetDeviceProcAddr found no "
                                            "vkQueueSubmit / vkCreateComputePipelines");
    /* what the application enabled, from its vkCreateDevice feature chain */
    bool f16 = false, i8 = false, s16 = false, s8 = false, i64 = false;
    bool ssc = false, full = false, vmm = false, cm = false;
    for (const VkBaseInStructure *b = desc->adopt.enabled_features; b; b = b->pNext) {
        switch (b->sType) {
        case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2:
            i64 |= ((const VkPhysicalDeviceFeatures2 *)b)->features.shaderInt64;
            break;
        case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES:
            s16 |= ((const VkPhysicalDeviceVulkan11Features *)b)->storageBuffer16BitAccess;
            break;
        case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES: {
            const VkPhysicalDeviceVulkan12Features *v = (const void *)b;
            f16 |= v->shaderFloat16;
            i8 |= v->shaderInt8;
            s8 |= v->storageBuffer8BitAccess;
            vmm |= v->vulkanMemoryModel;
            break;
        }
        case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES: {
            const VkPhysicalDeviceVulkan13Features *v = (const void *)b;
            ssc |= v->subgroupSizeControl;
            full |= v->computeFullSubgroups;
            break;
        }
        case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES: {
            const VkPhysicalDeviceSubgroupSizeControlFeatures *v = (const void *)b;
            ssc |= v->subgroupSizeControl;
            full |= v->computeFullSubgroups;
            break;
        }
        case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_MEMORY_MODEL_FEATURES:
            vmm |= ((const VkPhysicalDeviceVulkanMemoryModelFeatures *)b)->vulkanMemoryModel;
            break;
        /* its feature may be enabled only with the extension: the feature
         * says both */
        case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV:
            cm |= ((const VkPhysicalDeviceCooperativeMatrixFeaturesNV *)b)->cooperativeMatrix;
            break;
        case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES:
            s16 |= ((const VkPhysicalDevice16BitStorageFeatures *)b)->storageBuffer16BitAccess;
            break;
        case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_8BIT_STORAGE_FEATURES:
            s8 |= ((const VkPhysicalDevice8BitStorageFeatures *)b)->storageBuffer8BitAccess;
            break;
        case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES: {
            const VkPhysicalDeviceShaderFloat16Int8Features *v = (const void *)b;
            f16 |= v->shaderFloat16;
            i8 |= v->shaderInt8;
            break;
        }
        default: break;
        }
    }
    dev->fp16 = info->fp16 && f16;
    dev->int8 = info->int8 && i8;
    dev->storage16 = info->storage16 && s16;
    dev->storage8 = info->storage8 && s8;
    dev->int64 = pd->int64 && i64;
    dev->size_control = pd->size_control && ssc;
    dev->full_subgroups = pd->full_subgroups && full;
    dev->coopmat_nv = pd->coopmat.m && cm && vmm && dev->fp16;
    if (pd->coopmat.m && !dev->coopmat_nv)
        note_disabled(dev, "cooperative matrices (tensor cores): the application did not enable "
                           "VK_NV_cooperative_matrix's cooperativeMatrix, vulkanMemoryModel and "
                           "shaderFloat16");
    if (pd->size_control && !ssc)
        note_disabled(dev, "pinned subgroup sizes (the cooperative-matrix kernels): the "
                           "application did not enable subgroupSizeControl");
    if (info->storage16 && !s16)
        note_disabled(dev, "fp16 storage (half-size weights and activations): the application "
                           "did not enable storageBuffer16BitAccess; fp32 storage is used");
    if (info->fp16 && !f16)
        note_disabled(dev, "fp16 arithmetic: the application did not enable shaderFloat16; "
                           "fp32 arithmetic is used");
    if (info->storage8 && !s8)
        note_disabled(dev, "8-bit storage: the application did not enable "
                           "storageBuffer8BitAccess");
    if (pd->int64 && !i64 && info->type == VKCNN_DEVICE_CPU)
        note_disabled(dev, "wide loads (8 floats per load): the application did not enable "
                           "shaderInt64");
    if (info->int8 && !i8)
        note_disabled(dev, "int8 arithmetic: the application did not enable shaderInt8");
    return VKCNN_OK;
}

void vkc_device_destroy(vkc_device *dev) {
    if (dev->adopted) { /* the application's: nothing to destroy */
        dev->handle = VK_NULL_HANDLE;
        return;
    }
    if (dev->handle) {
        dev->vk.vkDeviceWaitIdle(dev->handle);
        dev->vk.vkDestroyDevice(dev->handle, dev->inst->allocator);
    }
    dev->handle = VK_NULL_HANDLE;
}
