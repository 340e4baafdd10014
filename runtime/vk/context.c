#include "vk/context.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/checked.h"
#include "core/hash.h"
#include "vk/compiler.h"
#include "vk/pin.h"

#define MAX_PIPELINE_CACHE_BYTES (64u << 20)

void vkc_log(const vkcnn_context *ctx, vkcnn_log_level level, const char *fmt, ...) {
    if (!ctx->log || level < ctx->log_level) return;
    char msg[VKC_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ctx->log(level, VKCNN_LOG_SOURCE_VKCNN, msg, ctx->log_user_data);
}

vkcnn_status vkc_ctx_error(vkcnn_context *ctx, vkcnn_status status) {
    if (status >= VKCNN_OK) return status; /* success, or VKCNN_NOT_READY */
    if (status == VKCNN_ERROR_DEVICE_LOST) atomic_store(&ctx->lost, true);
    pthread_mutex_lock(&ctx->error_lock);
    snprintf(ctx->error, sizeof ctx->error, "%s", vkc_error_message());
    pthread_mutex_unlock(&ctx->error_lock);
    vkc_log(ctx, VKCNN_LOG_ERROR, "%s", vkc_error_message());
    return status;
}

vkcnn_status vkc_ctx_usable(vkcnn_context *ctx) {
    if (atomic_load(&ctx->lost))
        return vkc_fail(VKCNN_ERROR_DEVICE_LOST,
                        "the device was lost earlier; destroy this context and create a new one");
    return VKCNN_OK;
}

/* Validation messages: counted (warnings and errors) and forwarded. */
static VkBool32 VKAPI_PTR on_validation(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                        VkDebugUtilsMessageTypeFlagsEXT types,
                                        const VkDebugUtilsMessengerCallbackDataEXT *data,
                                        void *user) {
    vkcnn_context *ctx = user;
    vkcnn_log_level level = VKCNN_LOG_DEBUG;
    if (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT) {
        level = VKCNN_LOG_ERROR;
        atomic_fetch_add(&ctx->validation_errors, 1);
    } else if (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT) {
        level = VKCNN_LOG_WARN;
        atomic_fetch_add(&ctx->validation_warnings, 1);
    } else if (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_INFO_BIT_EXT) {
        level = VKCNN_LOG_INFO;
    }
    if (ctx->log && level >= ctx->log_level)
        ctx->log(level, VKCNN_LOG_SOURCE_VALIDATION, data && data->pMessage ? data->pMessage : "",
                 ctx->log_user_data);
    return VK_FALSE;
}

static bool env_on(const char *name) {
    const char *v = getenv(name);
    return v && strcmp(v, "1") == 0;
}

/* The pipeline cache belongs to one device + driver; its key is checked on
 * load on top of the driver's own header check. */
static void pipeline_cache_key(const vkcnn_context *ctx, char *key, size_t size) {
    const vkcnn_device_info *i = &ctx->dev.phys->info;
    char uuid[33];
    vkc_hex(uuid, i->pipeline_cache_uuid, 16);
    snprintf(key, size, "pipeline vkcnn %s vendor %u device %u driver %u vector %u uuid %s",
             vkcnn_version(), i->vendor_id, i->device_id, i->driver_version, i->vector_width, uuid);
}

/* Validates the driver's VkPipelineCacheHeaderVersionOne before handing data
 * to it: drivers are not required to survive foreign data. */
static bool pipeline_header_ok(const vkcnn_context *ctx, const void *data, size_t size) {
    VkPipelineCacheHeaderVersionOne h;
    if (size < sizeof h) return false;
    memcpy(&h, data, sizeof h);
    const vkcnn_device_info *i = &ctx->dev.phys->info;
    return h.headerSize >= sizeof h && h.headerSize <= size &&
           h.headerVersion == VK_PIPELINE_CACHE_HEADER_VERSION_ONE && h.vendorID == i->vendor_id &&
           h.deviceID == i->device_id &&
           memcmp(h.pipelineCacheUUID, i->pipeline_cache_uuid, VK_UUID_SIZE) == 0;
}

static vkcnn_status create_pipeline_cache(vkcnn_context *ctx) {
    char key[256];
    pipeline_cache_key(ctx, key, sizeof key);
    void *data = NULL;
    size_t size = 0;
    if (vkc_cache_load(&ctx->cache, "pipeline", key, strlen(key), MAX_PIPELINE_CACHE_BYTES, &data,
                       &size) &&
        !pipeline_header_ok(ctx, data, size)) {
        free(data);
        data = NULL;
        size = 0;
    }
    VkPipelineCacheCreateInfo ci = {.sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO,
                                    .initialDataSize = size,
                                    .pInitialData = data};
    vkcnn_status st =
        vkc_check(ctx->dev.vk.vkCreatePipelineCache(ctx->dev.handle, &ci, ctx->inst.allocator,
                                                    &ctx->pipeline_cache),
                  "vkCreatePipelineCache");
    free(data);
    return st;
}

static void save_pipeline_cache(vkcnn_context *ctx) {
    if (!ctx->cache.enabled || !ctx->pipeline_cache) return;
    const vkc_device *dev = &ctx->dev;
    size_t size = 0;
    if (dev->vk.vkGetPipelineCacheData(dev->handle, ctx->pipeline_cache, &size, NULL) !=
            VK_SUCCESS ||
        size == 0 || size > MAX_PIPELINE_CACHE_BYTES)
        return;
    void *data = malloc(size);
    if (!data) return;
    char key[256];
    pipeline_cache_key(ctx, key, sizeof key);
    if (dev->vk.vkGetPipelineCacheData(dev->handle, ctx->pipeline_cache, &size, data) == VK_SUCCESS)
        vkc_cache_store(&ctx->cache, "pipeline", key, strlen(key), data, size);
    free(data);
}

static vkcnn_status create_submit_objects(vkcnn_context *ctx) {
    const vkc_device *dev = &ctx->dev;
    const VkAllocationCallbacks *ac = ctx->inst.allocator;
    VkCommandPoolCreateInfo pi = {.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
                                  .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT |
                                           VK_COMMAND_POOL_CREATE_TRANSIENT_BIT,
                                  .queueFamilyIndex = dev->family};
    vkcnn_status st = vkc_check(dev->vk.vkCreateCommandPool(dev->handle, &pi, ac, &ctx->pool),
                                "vkCreateCommandPool");
    if (st) return st;
    VkCommandBufferAllocateInfo ai = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
                                      .commandPool = ctx->pool,
                                      .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
                                      .commandBufferCount = 1};
    if ((st = vkc_check(dev->vk.vkAllocateCommandBuffers(dev->handle, &ai, &ctx->cmd),
                        "vkAllocateCommandBuffers")))
        return st;
    VkFenceCreateInfo fi = {.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    return vkc_check(dev->vk.vkCreateFence(dev->handle, &fi, ac, &ctx->fence), "vkCreateFence");
}

/* One vkQueueSubmit, inside the application's queue lock when it gave one
 * (an adopted queue it may use from other threads). */
static VkResult vkc_queue_submit(const vkc_device *dev, const VkSubmitInfo *si, VkFence fence) {
    if (dev->queue_lock) dev->queue_lock(dev->queue_lock_user, 1);
    VkResult r = dev->vk.vkQueueSubmit(dev->queue, 1, si, fence);
    if (dev->queue_lock) dev->queue_lock(dev->queue_lock_user, 0);
    return r;
}

/* Caller holds submit_lock. */
static vkcnn_status submit_locked(vkcnn_context *ctx, VkCommandBuffer cmd) {
    const vkc_device *dev = &ctx->dev;
    VkSubmitInfo si = {
        .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .commandBufferCount = 1, .pCommandBuffers = &cmd};
    vkc_awake_begin(ctx->awake);
    vkcnn_status st = vkc_check(vkc_queue_submit(dev, &si, ctx->fence), "vkQueueSubmit");
    if (!st)
        st = vkc_check(dev->vk.vkWaitForFences(dev->handle, 1, &ctx->fence, VK_TRUE, UINT64_MAX),
                       "vkWaitForFences");
    vkc_awake_end(ctx->awake);
    if (!st) st = vkc_check(dev->vk.vkResetFences(dev->handle, 1, &ctx->fence), "vkResetFences");
    if (st == VKCNN_ERROR_DEVICE_LOST) atomic_store(&ctx->lost, true);
    return st;
}

vkcnn_status vkc_ctx_submit_wait(vkcnn_context *ctx, VkCommandBuffer cmd) {
    vkcnn_status st = vkc_ctx_usable(ctx);
    if (st) return st;
    pthread_mutex_lock(&ctx->submit_lock);
    st = submit_locked(ctx, cmd);
    pthread_mutex_unlock(&ctx->submit_lock);
    return st;
}

vkcnn_status vkc_ctx_submit(vkcnn_context *ctx, VkCommandBuffer cmd, VkFence fence) {
    VkSubmitInfo si = {
        .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .commandBufferCount = 1, .pCommandBuffers = &cmd};
    return vkc_ctx_submit_info(ctx, &si, fence);
}

vkcnn_status vkc_ctx_submit_info(vkcnn_context *ctx, const VkSubmitInfo *si, VkFence fence) {
    vkcnn_status st = vkc_ctx_usable(ctx);
    if (st) return st;
    const vkc_device *dev = &ctx->dev;
    pthread_mutex_lock(&ctx->submit_lock);
    st = vkc_check(vkc_queue_submit(dev, si, fence), "vkQueueSubmit");
    pthread_mutex_unlock(&ctx->submit_lock);
    if (st == VKCNN_ERROR_DEVICE_LOST) atomic_store(&ctx->lost, true);
    return st;
}

vkcnn_status vkc_ctx_submit_xfer(vkcnn_context *ctx, const VkSubmitInfo *si, VkFence fence) {
    vkcnn_status st = vkc_ctx_usable(ctx);
    if (st) return st;
    const vkc_device *dev = &ctx->dev;
    /* never an adopted queue (vkc_device_adopt): the submit lock suffices,
     * and serialises it with `queue` when it is the same queue */
    pthread_mutex_lock(&ctx->submit_lock);
    st =
        vkc_check(dev->vk.vkQueueSubmit(dev->xfer_queue, 1, si, fence), "vkQueueSubmit (transfer)");
    pthread_mutex_unlock(&ctx->submit_lock);
    if (st == VKCNN_ERROR_DEVICE_LOST) atomic_store(&ctx->lost, true);
    return st;
}

vkcnn_status vkc_ctx_queues_idle(vkcnn_context *ctx) {
    const vkc_device *dev = &ctx->dev;
    if (dev->adopted || atomic_load(&ctx->lost)) return VKCNN_OK;
    pthread_mutex_lock(&ctx->submit_lock);
    vkcnn_status st = vkc_check(dev->vk.vkQueueWaitIdle(dev->queue), "vkQueueWaitIdle");
    if (!st && dev->xfer_queue != dev->queue)
        st = vkc_check(dev->vk.vkQueueWaitIdle(dev->xfer_queue), "vkQueueWaitIdle (transfer)");
    pthread_mutex_unlock(&ctx->submit_lock);
    if (st == VKCNN_ERROR_DEVICE_LOST) atomic_store(&ctx->lost, true);
    return st;
}

vkcnn_status vkc_ctx_wait(vkcnn_context *ctx, VkFence fence, uint64_t timeout_ns) {
    const vkc_device *dev = &ctx->dev;
    if (timeout_ns) vkc_awake_begin(ctx->awake);
    VkResult r = dev->vk.vkWaitForFences(dev->handle, 1, &fence, VK_TRUE, timeout_ns);
    if (timeout_ns) vkc_awake_end(ctx->awake);
    /* the fault hook: the first inference wait reports a lost device (the
     * work itself completes; waiting for it again cannot hang) */
    if ((ctx->faults & VKCNN_FAULT_DEVICE_LOST) && r == VK_SUCCESS) r = VK_ERROR_DEVICE_LOST;
    if (r == VK_TIMEOUT) return VKCNN_NOT_READY;
    vkcnn_status st = vkc_check(r, "vkWaitForFences");
    if (st == VKCNN_ERROR_DEVICE_LOST) atomic_store(&ctx->lost, true);
    return st;
}

vkcnn_status vkc_ctx_run_once(vkcnn_context *ctx, vkc_record_fn record, void *user) {
    vkcnn_status st = vkc_ctx_usable(ctx);
    if (st) return st;
    const struct VolkDeviceTable *vk = &ctx->dev.vk;
    pthread_mutex_lock(&ctx->submit_lock);
    VkCommandBufferBeginInfo bi = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
                                   .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT};
    st = vkc_check(vk->vkResetCommandBuffer(ctx->cmd, 0), "vkResetCommandBuffer");
    if (!st) st = vkc_check(vk->vkBeginCommandBuffer(ctx->cmd, &bi), "vkBeginCommandBuffer");
    if (!st) {
        record(ctx, ctx->cmd, user);
        st = vkc_check(vk->vkEndCommandBuffer(ctx->cmd), "vkEndCommandBuffer");
    }
    if (!st) st = submit_locked(ctx, ctx->cmd);
    pthread_mutex_unlock(&ctx->submit_lock);
    return st;
}

/* A CPU-driver measure's switch: CPU devices only; the desc's toggle
 * decides, then the environment variable `env` (0 or 1), then the rule:
 * lavapipe (Mesa's CPU driver), where the measures were taken; other CPU
 * drivers only when asked. */
static bool cpu_measure_on(vkcnn_toggle toggle, const char *env, const vkcnn_device_info *info) {
    if (info->type != VKCNN_DEVICE_CPU || toggle == VKCNN_OFF) return false;
    if (toggle == VKCNN_ON) return true;
    const char *e = getenv(env);
    if (e && strcmp(e, "0") == 0) return false;
    if (e && strcmp(e, "1") == 0) return true;
    return vkc_mesa_version(info) != 0;
}

/* The keep-awake threads (vk/awake.h), VKCNN_KEEP_AWAKE. On a 2-vCPU
 * nested KVM guest (GPU-time medians of `vkcnn bench`, 4 rounds) they took
 * MobileNetV2 from 100-109 to 48-64 ms and EfficientNet-B0 from 90-120 to
 * 71-85 ms on Mesa 22.3, MobileNetV2 from 74-151 to 75-84 ms and GoogLeNet
 * from 112-178 to 110-115 ms on Mesa 25.0; the rest moved within noise. */
static bool keep_awake(const vkcnn_context_desc *desc, const vkcnn_device_info *info) {
    return cpu_measure_on(desc->keep_awake, "VKCNN_KEEP_AWAKE", info);
}

/* Pinning the driver's compute workers (vk/pin.h), VKCNN_PIN_WORKERS:
 * devices that vkcnn created only (the caller's check). */
static bool pin_workers(const vkcnn_context_desc *desc, const vkcnn_device_info *info) {
    return cpu_measure_on(desc->pin_workers, "VKCNN_PIN_WORKERS", info);
}

/* One keep-awake thread per host CPU (a CPU driver's workers may run on
 * any of them), at most 64. */
static uint32_t online_cpus(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (uint32_t)n;
}

static void *glsl_warm_main(void *arg) {
    (void)arg;
    vkc_glsl_warm();
    return NULL;
}

vkcnn_status vkcnn_context_create(const vkcnn_context_desc *desc_in, vkcnn_context **out) {
    vkc_error_clear();
    if (!out) return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_context_create: out is NULL");
    *out = NULL;
    vkcnn_context_desc defaults = {0};
    const vkcnn_context_desc *desc = desc_in ? desc_in : &defaults;
    bool adopt = desc->adopt.device != VK_NULL_HANDLE;
    if (adopt && (!desc->adopt.instance || !desc->adopt.physical_device || !desc->adopt.queue ||
                  !desc->adopt.get_instance_proc_addr))
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                        "adopting a device needs adopt.get_instance_proc_addr, instance, "
                        "physical_device, device and queue");
    if (!adopt && (desc->adopt.instance || desc->adopt.physical_device || desc->adopt.queue))
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                        "adopt.instance/physical_device/queue given without adopt.device");
    vkcnn_context *ctx = calloc(1, sizeof *ctx);
    if (!ctx) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    pthread_mutex_init(&ctx->submit_lock, NULL);
    pthread_mutex_init(&ctx->error_lock, NULL);
    pthread_mutex_init(&ctx->memory_lock, NULL);
    ctx->faults = desc->faults;
    ctx->log = desc->log;
    ctx->log_user_data = desc->log_user_data;
    ctx->log_level = desc->log_level;
    const char *env_validate = getenv("VKCNN_VALIDATE");
    bool env_sync = env_validate && strcmp(env_validate, "sync") == 0;
    bool sync =
        desc->validation_sync == VKCNN_ON || (desc->validation_sync == VKCNN_DEFAULT && env_sync);
    ctx->validation = sync || desc->validation == VKCNN_ON ||
                      (desc->validation == VKCNN_DEFAULT && (env_sync || env_on("VKCNN_VALIDATE")));

    /* Kernels compile after device creation and the model's import; when
     * they will compile (no SPIR-V cached yet), glslang builds its built-in
     * tables meanwhile, on a thread that only saves time */
    char why[VKC_CACHE_PATH_MAX + 128];
    vkc_cache_init(&ctx->cache, desc->cache_dir, desc->cache, why, sizeof why);
    if (why[0]) vkc_log(ctx, VKCNN_LOG_DEBUG, "%s", why);
    if (!(desc->faults & VKCNN_FAULT_NO_THREADS) && !vkc_cache_has_entries(&ctx->cache, "spv"))
        ctx->glsl_warming = pthread_create(&ctx->glsl_warm, NULL, glsl_warm_main, NULL) == 0;

    vkc_instance_opts io = {.validation = ctx->validation,
                            .validation_sync = sync,
                            .faults = desc->faults,
                            .allocator = desc->vk_allocator,
                            .messenger_fn = on_validation,
                            .messenger_user = ctx};
    vkcnn_status st;
    /* the threads before the driver starts its own (vk/pin.h) */
    vkc_threads before = {0};
    if (!adopt && desc->pin_workers != VKCNN_OFF) vkc_threads_list(&before);
    if (adopt) {
        ctx->validation = false; /* the application's instance decides */
        st = vkc_instance_adopt(&ctx->inst, desc, &ctx->device_index);
        if (!st) st = vkc_device_adopt(&ctx->dev, &ctx->inst, ctx->device_index, desc);
        if (!st && ctx->dev.disabled[0])
            vkc_log(ctx, VKCNN_LOG_INFO, "adopted device, not used: %s", ctx->dev.disabled);
    } else {
        st = vkc_instance_create(&ctx->inst, &io);
        if (!st) st = vkc_instance_choose(&ctx->inst, desc->device, &ctx->device_index);
        if (!st) st = vkc_device_create(&ctx->dev, &ctx->inst, ctx->device_index, desc->faults);
    }
    char pinned[128] = "";
    if (!st && !adopt && pin_workers(desc, &ctx->dev.phys->info)) {
        char cpus[96];
        ctx->pinned_workers = vkc_pin_workers(&before, cpus, sizeof cpus);
        if (ctx->pinned_workers)
            snprintf(pinned, sizeof pinned, ", driver workers pinned to CPUs %s", cpus);
        else
            vkc_log(ctx, VKCNN_LOG_DEBUG,
                    "CPU driver workers not pinned: not found as "
                    "lavapipe names them, or a single CPU");
    }
    vkc_threads_free(&before);
    if (st) goto fail;
    const vkcnn_device_info *info = &ctx->dev.phys->info;
    vkc_memory_init(&ctx->memory, desc->device_memory_budget,
                    !info->uma || (desc->faults & VKCNN_FAULT_FORCE_STAGING));
    if ((st = create_pipeline_cache(ctx)) || (st = create_submit_objects(ctx))) goto fail;
    /* the threads only save time: a host that refuses them (out of memory,
     * a thread limit) gets a context without them and a warning */
    if (keep_awake(desc, info)) {
        vkcnn_status awake =
            (desc->faults & VKCNN_FAULT_NO_THREADS)
                ? vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "keep-awake threads: cannot start one")
                : vkc_awake_create(online_cpus(), &ctx->awake);
        if (awake) {
            vkc_log(ctx, VKCNN_LOG_WARN, "%s; going on without them", vkc_error_message());
            vkc_error_clear();
        }
    }
    const vkc_device *dev = &ctx->dev;
    char copies[64] = "";
    if (dev->xfer_split && dev->xfer_family != dev->family)
        snprintf(copies, sizeof copies, ", copies on transfer family %u", dev->xfer_family);
    else if (dev->xfer_split)
        snprintf(copies, sizeof copies, ", copies split on the compute queue");
    vkc_log(ctx, VKCNN_LOG_INFO, "vkcnn %s on device %u: %s (%s %s), %s memory%s%s%s%s",
            vkcnn_version(), ctx->device_index, info->name, info->driver_name, info->driver_info,
            ctx->memory.staging ? "staged" : "mapped", copies,
            ctx->validation ? ", validation on" : "",
            ctx->awake ? ", CPUs kept awake while waiting" : "", pinned);
    *out = ctx;
    return VKCNN_OK;
fail : {
    /* keep the message across the teardown */
    char msg[VKC_ERROR_MAX];
    snprintf(msg, sizeof msg, "%s", vkc_error_message());
    ctx->validation = false;
    vkcnn_context_destroy(ctx);
    return vkc_fail(st, "%s", msg);
}
}

void vkcnn_context_destroy(vkcnn_context *ctx) {
    if (!ctx) return;
    if (ctx->glsl_warming) pthread_join(ctx->glsl_warm, NULL);
    vkc_awake_destroy(ctx->awake);
    const vkc_device *dev = &ctx->dev;
    if (dev->handle) {
        /* an adopted device runs the application's work too: vkcnn's own
         * submissions are already complete (every one is waited for, and
         * models wait for theirs when destroyed) */
        if (!dev->adopted) dev->vk.vkDeviceWaitIdle(dev->handle);
        save_pipeline_cache(ctx);
        const VkAllocationCallbacks *ac = ctx->inst.allocator;
        if (ctx->fence) dev->vk.vkDestroyFence(dev->handle, ctx->fence, ac);
        if (ctx->pool) dev->vk.vkDestroyCommandPool(dev->handle, ctx->pool, ac);
        if (ctx->pipeline_cache)
            dev->vk.vkDestroyPipelineCache(dev->handle, ctx->pipeline_cache, ac);
        vkc_memory_destroy(ctx);
    }
    vkc_device_destroy(&ctx->dev);
    vkc_instance_destroy(&ctx->inst);
    pthread_mutex_destroy(&ctx->submit_lock);
    pthread_mutex_destroy(&ctx->error_lock);
    pthread_mutex_destroy(&ctx->memory_lock);
    free(ctx);
}

VkDevice vkcnn_context_vk_device(const vkcnn_context *ctx) {
    return ctx ? ctx->dev.handle : VK_NULL_HANDLE;
}

VkQueue vkcnn_context_vk_queue(const vkcnn_context *ctx, uint32_t *family) {
    if (family) *family = ctx ? ctx->dev.family : 0;
    return ctx ? ctx->dev.queue : VK_NULL_HANDLE;
}

const char *vkcnn_context_disabled_features(const vkcnn_context *ctx) {
    return ctx ? ctx->dev.disabled : "";
}

const char *vkcnn_context_error(const vkcnn_context *ctx) {
    return ctx ? ctx->error : vkc_error_message();
}

void vkcnn_context_validation_counts(const vkcnn_context *ctx, uint32_t *errors,
                                     uint32_t *warnings) {
    if (errors) *errors = ctx ? atomic_load(&ctx->validation_errors) : 0;
    if (warnings) *warnings = ctx ? atomic_load(&ctx->validation_warnings) : 0;
}

uint32_t vkcnn_context_device_count(const vkcnn_context *ctx) {
    return ctx ? ctx->inst.device_count : 0;
}

uint32_t vkcnn_context_device_index(const vkcnn_context *ctx) {
    return ctx ? ctx->device_index : 0;
}

vkcnn_status vkcnn_context_device_info(const vkcnn_context *ctx, uint32_t index,
                                       vkcnn_device_info *info) {
    vkc_error_clear();
    if (!ctx || !info || index >= ctx->inst.device_count)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_context_device_info: bad argument");
    *info = ctx->inst.devices[index].info;
    return VKCNN_OK;
}

vkcnn_status vkcnn_enumerate_devices(const vkcnn_context_desc *desc, vkcnn_device_info *infos,
                                     uint32_t capacity, uint32_t *count, uint32_t *default_index) {
    vkc_error_clear();
    vkcnn_context_desc defaults = {0};
    if (!desc) desc = &defaults;
    if (count) *count = 0;
    if (default_index) *default_index = UINT32_MAX;
    vkc_instance inst;
    vkc_instance_opts io = {.faults = desc->faults, .allocator = desc->vk_allocator};
    vkcnn_status st = vkc_instance_create(&inst, &io);
    if (st) return st;
    for (uint32_t i = 0; i < inst.device_count && i < capacity && infos; i++)
        infos[i] = inst.devices[i].info;
    if (count) *count = inst.device_count;
    uint32_t chosen;
    /* a failed choice is reported through default_index and the message only */
    if (vkc_instance_choose(&inst, desc->device, &chosen) == VKCNN_OK && default_index)
        *default_index = chosen;
    vkc_instance_destroy(&inst);
    return VKCNN_OK;
}
