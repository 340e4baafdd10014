/*
 * vkcnn: CNN image classification on any Vulkan 1.1+ device.
 *
 * One public header. Usage, in short:
 *
 *     vkcnn_context_desc desc = {0};          // zero means "defaults"
 *     vkcnn_context *ctx = NULL;
 *     if (vkcnn_context_create(&desc, &ctx) != VKCNN_OK) {
 *         fprintf(stderr, "%s\n", vkcnn_last_error());
 *         return 1;
 *     }
 *     ...
 *     vkcnn_context_destroy(ctx);
 *
 * Conventions, for every function below:
 * - Functions that can fail return vkcnn_status: 0 is success, negative values
 *   are errors. vkcnn_status_string() names a status; the detail (which node,
 *   which attribute, which limit) is in vkcnn_last_error() for the calling
 *   thread and in vkcnn_context_error() for calls made on a context.
 * - The library never prints, exits or aborts on a runtime error. Messages go to
 *   the optional log callback of the context.
 * - Every create has a destroy; destroy(NULL) is a no-op.
 * - Pointers passed in are borrowed for the duration of the call unless a
 *   comment says otherwise. Pointers returned are owned by the object they
 *   came from and live as long as it does.
 *
 * Thread safety: see the section "Threads" at the end of this header.
 */
#ifndef VKCNN_H
#define VKCNN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifndef VK_NO_PROTOTYPES
#define VK_NO_PROTOTYPES /* vkcnn loads Vulkan itself; callers may too */
#endif
#include <vulkan/vulkan_core.h>

#if defined(VKCNN_SHARED) && defined(__GNUC__)
#define VKCNN_API __attribute__((visibility("default")))
#else
#define VKCNN_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- version ----------------------------------------------------------- */

#define VKCNN_VERSION_MAJOR 0
#define VKCNN_VERSION_MINOR 1
#define VKCNN_VERSION_PATCH 0

/* "MAJOR.MINOR.PATCH" of the library actually linked (may differ from the
 * header's macros when the shared library was upgraded). Static string. */
VKCNN_API const char *vkcnn_version(void);

/* ---- status ------------------------------------------------------------ */

/* Negative values are failures; VKCNN_NOT_READY (positive) is not: a wait
 * that timed out before the work finished. */
typedef enum vkcnn_status {
    VKCNN_OK = 0,
    VKCNN_NOT_READY = 1,                   /* vkcnn_model_wait: not finished within the timeout */
    VKCNN_ERROR_INVALID_ARGUMENT = -1,     /* a caller bug: NULL, bad option */
    VKCNN_ERROR_OUT_OF_HOST_MEMORY = -2,   /* malloc failed */
    VKCNN_ERROR_OUT_OF_DEVICE_MEMORY = -3, /* device allocation failed or budget hit */
    VKCNN_ERROR_NO_VULKAN = -4,            /* no Vulkan loader (libvulkan.so.1) */
    VKCNN_ERROR_NO_DEVICE = -5,            /* no usable device, or none matched */
    VKCNN_ERROR_NO_COMPUTE_QUEUE = -6,     /* chosen device has no compute queue */
    VKCNN_ERROR_LAYER_MISSING = -7,        /* validation asked for, layer absent */
    VKCNN_ERROR_VULKAN = -8,               /* any other Vulkan failure */
    VKCNN_ERROR_DEVICE_LOST = -9,          /* VK_ERROR_DEVICE_LOST; context unusable */
    VKCNN_ERROR_SHADER_COMPILE = -10,      /* GLSL -> SPIR-V failed */
    VKCNN_ERROR_IO = -11,                  /* file could not be read or written */
    VKCNN_ERROR_INVALID_MODEL = -12,       /* malformed or inconsistent model */
    VKCNN_ERROR_UNSUPPORTED = -13,         /* valid, but not supported by vkcnn */
    VKCNN_ERROR_LIMIT = -14,               /* a size or count limit exceeded */
} vkcnn_status;

/* Short static name of a status, e.g. "out of device memory". Never NULL. */
VKCNN_API const char *vkcnn_status_string(vkcnn_status status);

/* Message of the last failing vkcnn call on the calling thread ("" if none).
 * Valid until the next failing call on this thread. */
VKCNN_API const char *vkcnn_last_error(void);

/* ---- logging ----------------------------------------------------------- */

typedef enum vkcnn_log_level {
    VKCNN_LOG_DEBUG = 0,
    VKCNN_LOG_INFO = 1,
    VKCNN_LOG_WARN = 2,
    VKCNN_LOG_ERROR = 3,
} vkcnn_log_level;

/* Where a logged message comes from. */
typedef enum vkcnn_log_source {
    VKCNN_LOG_SOURCE_VKCNN = 0,      /* the library itself */
    VKCNN_LOG_SOURCE_VALIDATION = 1, /* the Khronos validation layer */
} vkcnn_log_source;

/* May be called from any thread, including driver threads, while the context
 * exists; it must not call back into vkcnn. `message` is valid for the call. */
typedef void (*vkcnn_log_fn)(vkcnn_log_level level, vkcnn_log_source source, const char *message,
                             void *user_data);

/* ---- context ----------------------------------------------------------- */

typedef struct vkcnn_context vkcnn_context;

typedef enum vkcnn_toggle {
    VKCNN_DEFAULT = 0, /* decided by the environment variable, else off/on as documented */
    VKCNN_OFF = 1,
    VKCNN_ON = 2,
} vkcnn_toggle;

/* Fault hooks: force paths that a given machine cannot otherwise reach, so that
 * tests exercise them. Not for production use. */
enum {
    VKCNN_FAULT_NO_LOADER = 1u << 0,        /* act as if libvulkan were absent */
    VKCNN_FAULT_NO_COMPUTE_QUEUE = 1u << 1, /* act as if no family had compute */
    VKCNN_FAULT_FORCE_STAGING = 1u << 2,    /* act as a discrete GPU: no mapped device memory */
    VKCNN_FAULT_NO_LAYER = 1u << 3,         /* act as if the validation layer were absent */
    VKCNN_FAULT_DEVICE_LOST = 1u << 4,      /* an inference's wait reports VK_ERROR_DEVICE_LOST */
    /* Run each inference's input and output copies as their own submissions,
     * chained to the compute submission by semaphores, as on a discrete GPU
     * with a dedicated transfer queue: on that queue where the device has
     * one, else on the compute queue (the path a single-family device such
     * as lavapipe cannot otherwise reach). Not for adopted devices. */
    VKCNN_FAULT_FORCE_TRANSFER_SPLIT = 1u << 5,
    VKCNN_FAULT_FAST_FP16 = 1u << 6,  /* precision auto: take fp16 FMA as 2x fp32's rate */
    VKCNN_FAULT_NO_THREADS = 1u << 7, /* act as if no keep-awake thread could start */
};

/* Describes a context. Zero-initialise, then set what you need: every zero
 * field means "default". Strings are copied; the struct may be freed after
 * vkcnn_context_create returns. */
typedef struct vkcnn_context_desc {
    /* Which device: NULL = the VKCNN_DEVICE environment variable, else the
     * first of discrete > integrated > virtual > CPU (lavapipe). A string of
     * digits is an index in Vulkan's enumeration order; anything else is a
     * case-insensitive substring of the device name and must match exactly
     * one device. */
    const char *device;

    /* Khronos validation layer + debug messenger routed to `log`.
     * VKCNN_DEFAULT: on when VKCNN_VALIDATE is 1 or "sync". */
    vkcnn_toggle validation;

    /* Synchronization validation on top (implies validation): reports missing
     * or wrong barriers. VKCNN_DEFAULT: on when VKCNN_VALIDATE=sync. Slow. */
    vkcnn_toggle validation_sync;

    /* SPIR-V and pipeline cache directory. NULL: VKCNN_CACHE_DIR, then
     * $XDG_CACHE_HOME/vkcnn, then $HOME/.cache/vkcnn. `cache` = VKCNN_OFF
     * disables both caches (as does VKCNN_NO_CACHE=1 with VKCNN_DEFAULT). */
    const char *cache_dir;
    vkcnn_toggle cache;

    /* Log callback (may be NULL: nothing is logged) and the lowest level
     * passed to it. Validation messages arrive as VKCNN_LOG_SOURCE_VALIDATION. */
    vkcnn_log_fn log;
    void *log_user_data;
    vkcnn_log_level log_level;

    /* Upper bound on device memory the context allocates, in bytes; 0 means
     * no bound beyond the device's. Exceeding it returns
     * VKCNN_ERROR_OUT_OF_DEVICE_MEMORY. */
    uint64_t device_memory_budget;

    /* Host allocation callbacks passed to every Vulkan call; NULL for none.
     * Must outlive the context. */
    const VkAllocationCallbacks *vk_allocator;

    /* Adopting the caller's Vulkan objects (a renderer's device): when
     * adopt.device is set, vkcnn creates no instance or device and destroys
     * none of these; it loads its function tables through
     * get_instance_proc_addr and submits to `queue`. Every field marked
     * "required" must then be set; `device`, `validation`, `validation_sync`
     * and the VKCNN_DEVICE / VKCNN_VALIDATE variables are not used (the
     * application's instance decides which layers run). The objects must
     * outlive the context. */
    struct {
        PFN_vkGetInstanceProcAddr get_instance_proc_addr; /* required */
        VkInstance instance;                              /* required */
        uint32_t instance_api_version;    /* apiVersion the instance was created with;
                                             at least 1.1 (0: 1.1) */
        VkPhysicalDevice physical_device; /* required */
        VkDevice device;                  /* required */
        VkQueue queue;                    /* required: supports compute */
        uint32_t queue_family;            /* `queue`'s family */
        /* The pNext chain of features the application passed to
         * vkCreateDevice (VkPhysicalDeviceFeatures2 or any chain holding
         * VkPhysicalDeviceVulkan11/12Features, 16BitStorage, 8BitStorage,
         * ShaderFloat16Int8 features). vkcnn uses only what is enabled there;
         * NULL: no optional feature. vkcnn_context_disabled_features() says
         * which missing feature disabled which path. */
        const void *enabled_features;
        /* VkQueue is externally synchronised: when the application may use
         * `queue` from another thread while a vkcnn call submits to it,
         * give a lock; vkcnn calls it with lock = 1 before and 0 after each
         * vkQueueSubmit. NULL: the application does not share the queue
         * across threads. */
        void (*queue_lock)(void *user_data, int lock);
        void *queue_lock_user_data;
    } adopt;

    /* VKCNN_FAULT_* bits; 0 in production. */
    uint32_t faults;

    /* CPU drivers (lavapipe): while vkcnn waits for its work, one thread per
     * host CPU spins at idle priority, so that the driver's worker threads
     * find their CPUs awake at every dispatch. Such threads run only when no
     * other thread wants the CPU. Where waking a sleeping CPU is slow (a
     * virtual machine's halted vCPU) this saves a wake per dispatch; it
     * costs CPU time that would otherwise be idle. VKCNN_DEFAULT:
     * VKCNN_KEEP_AWAKE=0 or 1 where set, else on for lavapipe (where it
     * was measured to help, Mesa 22.3 and 25.0) and off for other CPU
     * drivers; never on for other than CPU devices. Linux only. */
    vkcnn_toggle keep_awake;

    /* CPU drivers (lavapipe): each of the driver's compute worker threads
     * is pinned to its own CPU of the process's affinity mask (round robin
     * where there are more workers than CPUs), so that the scheduler
     * cannot stack two on one CPU while another idles (seen on a 2-vCPU
     * guest: runs twice as long for hundreds of inferences at a time). The
     * workers are recognised by lavapipe's thread names; where they are not
     * found nothing is pinned. VKCNN_DEFAULT: VKCNN_PIN_WORKERS=0 or 1 where
     * set, else on for lavapipe; never for an adopted device (the
     * application owns its driver's threads) or other than CPU devices.
     * Linux only. */
    vkcnn_toggle pin_workers;
} vkcnn_context_desc;

/* Creates a Vulkan instance and device (through the Vulkan loader) and the
 * caches. On failure *out is NULL and vkcnn_last_error() says why: no loader,
 * no device (listing the devices seen), no compute queue, layer missing.
 * `desc` may be NULL for all defaults. */
VKCNN_API vkcnn_status vkcnn_context_create(const vkcnn_context_desc *desc, vkcnn_context **out);

/* Waits for the device to go idle, saves the pipeline cache, frees all. */
VKCNN_API void vkcnn_context_destroy(vkcnn_context *ctx);

/* Message of the last error on this context ("" if none). Owned by ctx. */
VKCNN_API const char *vkcnn_context_error(const vkcnn_context *ctx);

/* Validation messages of severity warning and error seen so far (either
 * pointer may be NULL). Counts are zero when validation is off. */
VKCNN_API void vkcnn_context_validation_counts(const vkcnn_context *ctx, uint32_t *errors,
                                               uint32_t *warnings);

/* ---- devices ----------------------------------------------------------- */

typedef enum vkcnn_device_type {
    VKCNN_DEVICE_OTHER = 0,
    VKCNN_DEVICE_INTEGRATED = 1,
    VKCNN_DEVICE_DISCRETE = 2,
    VKCNN_DEVICE_VIRTUAL = 3,
    VKCNN_DEVICE_CPU = 4,
} vkcnn_device_type;

/* Static name: "discrete", "integrated", "virtual", "cpu" or "other". */
VKCNN_API const char *vkcnn_device_type_string(vkcnn_device_type type);

/* Subgroup operation classes (VkSubgroupFeatureFlags, in compute shaders). */
enum {
    VKCNN_SUBGROUP_BASIC = 1u << 0,
    VKCNN_SUBGROUP_VOTE = 1u << 1,
    VKCNN_SUBGROUP_ARITHMETIC = 1u << 2,
    VKCNN_SUBGROUP_BALLOT = 1u << 3,
    VKCNN_SUBGROUP_SHUFFLE = 1u << 4,
    VKCNN_SUBGROUP_SHUFFLE_RELATIVE = 1u << 5,
    VKCNN_SUBGROUP_CLUSTERED = 1u << 6,
    VKCNN_SUBGROUP_QUAD = 1u << 7,
};

/* Cooperative-matrix support of a device (vkcnn_device_info.coopmat). */
typedef enum vkcnn_coopmat {
    VKCNN_COOPMAT_NONE = 0,
    VKCNN_COOPMAT_NV = 1, /* VK_NV_cooperative_matrix */
} vkcnn_coopmat;

/* What vkcnn knows of one physical device. Plain data, copyable. */
typedef struct vkcnn_device_info {
    uint32_t index; /* Vulkan enumeration order */
    char name[256];
    vkcnn_device_type type;
    uint32_t vendor_id, device_id;
    char driver_name[256]; /* "" when the driver does not say (Vulkan < 1.2) */
    char driver_info[256];
    uint32_t api_version;    /* VK_MAKE_API_VERSION encoding */
    uint32_t driver_version; /* vendor encoding */
    uint8_t device_uuid[16];
    uint8_t pipeline_cache_uuid[16];
    /* SIMD width in bits of a software driver (lavapipe), 0 for hardware. */
    uint32_t vector_width;

    /* capabilities */
    int fp16;                   /* shaderFloat16 */
    int storage16;              /* storageBuffer16BitAccess */
    int int8;                   /* shaderInt8 */
    int storage8;               /* storageBuffer8BitAccess */
    uint32_t subgroup_size;     /* default size in compute shaders */
    uint32_t subgroup_size_min; /* with VK_EXT_subgroup_size_control, else = default */
    uint32_t subgroup_size_max;
    uint32_t subgroup_ops; /* VKCNN_SUBGROUP_* usable in compute */
    int timestamps;        /* the compute queue writes timestamps */
    float timestamp_period_ns;
    uint64_t max_storage_buffer_range;
    uint64_t max_memory_allocation_size;
    uint64_t min_storage_buffer_offset_alignment;
    uint64_t max_texel_buffer_elements;         /* maxTexelBufferElements */
    uint64_t min_texel_buffer_offset_alignment; /* minTexelBufferOffsetAlignment */
    uint32_t shared_memory;                     /* maxComputeSharedMemorySize, bytes */
    uint32_t max_workgroup_size[3];
    uint32_t max_workgroup_invocations;
    uint32_t max_workgroup_count[3];
    uint32_t max_push_constants_size;
    uint64_t device_local_bytes; /* largest device-local heap */
    int uma; /* unified memory: the largest device-local heap is host-visible and the device is no
                discrete GPU (inputs and outputs mapped, not staged) */
    int compute_queue; /* has a queue family with compute */
    /* has a dedicated transfer family (TRANSFER without COMPUTE or GRAPHICS:
     * a DMA engine). Where memory is not unified, a context created by vkcnn
     * (not an adopted device) runs the models' input and output copies on a
     * queue of it, overlapped with the previous inference's compute. */
    int transfer_queue;
    /* Cooperative matrices (tensor cores): VKCNN_COOPMAT_NV where the device
     * has VK_NV_cooperative_matrix with its cooperativeMatrix feature in
     * compute, shaderFloat16, the Vulkan memory model and an fp16 x fp16 ->
     * fp32 subgroup shape vkcnn's kernels take; that shape (A M x K, B K x N),
     * zero without. A device the application created (adopt) uses them only
     * where it enabled them (vkcnn_context_disabled_features). */
    vkcnn_coopmat coopmat;
    uint32_t coopmat_m, coopmat_n, coopmat_k;
} vkcnn_device_info;

/* Number of physical devices the context's instance sees. */
VKCNN_API uint32_t vkcnn_context_device_count(const vkcnn_context *ctx);

/* Fills *info for device `index` (< vkcnn_context_device_count). */
VKCNN_API vkcnn_status vkcnn_context_device_info(const vkcnn_context *ctx, uint32_t index,
                                                 vkcnn_device_info *info);

/* Why optional device features are not used, e.g. "fp16 storage: the
 * application did not enable storageBuffer16BitAccess" (one line per
 * feature); "" when nothing is missing. Owned by the context. */
VKCNN_API const char *vkcnn_context_disabled_features(const vkcnn_context *ctx);

/* Index of the device the context runs on. */
VKCNN_API uint32_t vkcnn_context_device_index(const vkcnn_context *ctx);

/* Lists devices without creating a device: fills up to `capacity` infos,
 * sets *count to the number of devices and *default_index to the device a
 * context created with `desc` would choose (UINT32_MAX when the choice fails,
 * e.g. an ambiguous VKCNN_DEVICE; the reason is in vkcnn_last_error()).
 * Only desc->device, ->faults and ->vk_allocator are used; desc may be NULL.
 * Returns VKCNN_ERROR_NO_DEVICE when there are none. */
VKCNN_API vkcnn_status vkcnn_enumerate_devices(const vkcnn_context_desc *desc,
                                               vkcnn_device_info *infos, uint32_t capacity,
                                               uint32_t *count, uint32_t *default_index);

/* ---- device peak figures ------------------------------------------------ */

/* What the device can do at best, measured with dedicated shaders: fp32 (and
 * fp16) FMA throughput from long independent FMA chains, and device-memory
 * read and copy bandwidth (copy counts bytes read + written). Reads are
 * measured both ways vkcnn's kernels read: storage buffers (vec4 loads) and
 * uniform texel buffers (texelFetch); read_gbps is the better of the two,
 * the rate a read-bound kernel can reach. The per-dispatch and per-barrier
 * overheads bound how many dispatches a plan can afford. */
typedef struct vkcnn_peak {
    double fp32_gflops;
    double fp16_gflops; /* 0 when the device lacks shaderFloat16 */
    double read_gbps;   /* max(read_storage_gbps, read_texel_gbps) */
    double copy_gbps;
    double read_storage_gbps;
    double read_texel_gbps;
    uint32_t vector_width; /* the software driver's SIMD width, 0 for hardware */
    int from_cache;        /* 1 when read from the context's cache directory */
    /* what a command buffer pays, in microseconds of wall time from submit
     * to completion: per dispatch of an empty one-workgroup kernel, per
     * further workgroup of a dispatch, and per pipeline barrier between
     * dependent dispatches */
    double dispatch_us;
    double workgroup_us;
    double barrier_us;
} vkcnn_peak;

/* Measures (a few seconds on a CPU device) or, unless `fresh`, reads the
 * figures cached for this device, driver and vector width. */
VKCNN_API vkcnn_status vkcnn_context_peak(vkcnn_context *ctx, int fresh, vkcnn_peak *out);

/* ---- network (ONNX import) --------------------------------------------- */
/*
 * A vkcnn_network is an ONNX model decoded and checked on the host: every
 * operator supported (README: "Supported ONNX operators"), every shape inferred and static
 * (a symbolic batch bound), shape arithmetic folded away. It needs no
 * device; a later call compiles it for one.
 *
 * Files are untrusted input: anything malformed, unsupported or over a limit
 * returns an error status (VKCNN_ERROR_INVALID_MODEL, _UNSUPPORTED, _LIMIT,
 * _IO) and vkcnn_last_error() names the node, operator and attribute or
 * tensor at fault. Unsupported operators are all listed, by name and opset.
 *
 * Threads: loads may run concurrently. A loaded network is immutable; its
 * queries may be made from any thread; destroy must not race with them.
 */
typedef struct vkcnn_network vkcnn_network;

#define VKCNN_MAX_RANK 8

/* Load options. Zero-initialise; every zero field means its default. */
typedef struct vkcnn_network_options {
    /* Batch size bound to the symbolic leading dimensions of the graph
     * inputs; inputs declared with a static leading dimension beside them
     * are taken as declared. 0: the model's own static batch, or 1 if it is
     * symbolic. A static model (no input with a symbolic leading dimension)
     * refuses a batch other than its first input's
     * (VKCNN_ERROR_UNSUPPORTED). */
    uint32_t batch;
    /* Folder that external-data `location`s are relative to. NULL: the
     * model's folder for vkcnn_network_load_file; for load_memory, NULL
     * refuses models with external data. Locations that are absolute,
     * contain "..", or resolve (through symbolic links) outside this folder
     * are refused. The string is used during the call only. */
    const char *base_dir;
    uint64_t max_file_bytes;      /* model file size; default 2 GiB */
    uint64_t max_tensor_elements; /* elements of any one tensor; default 2^30 */
    uint64_t max_total_bytes;     /* decoder memory, and all constant data
                                     held; default 8 GiB */
    uint32_t max_nodes;           /* default 100000 */
    uint32_t max_tensors;         /* default 1000000 */
} vkcnn_network_options;

/* Loads the ONNX model at `path`. `options` may be NULL for all defaults.
 * On failure *out is NULL. Destroy with vkcnn_network_destroy. The file is
 * mapped read-only while it is decoded (a concurrent truncation would raise
 * SIGBUS: SECURITY.md); the network keeps no reference to it. */
VKCNN_API vkcnn_status vkcnn_network_load_file(const char *path,
                                               const vkcnn_network_options *options,
                                               vkcnn_network **out);

/* Same from `size` bytes at `data` (borrowed for the call only). */
VKCNN_API vkcnn_status vkcnn_network_load_memory(const void *data, size_t size,
                                                 const vkcnn_network_options *options,
                                                 vkcnn_network **out);

VKCNN_API void vkcnn_network_destroy(vkcnn_network *net);

/* Whole-model facts. Strings are owned by the network. */
typedef struct vkcnn_network_info {
    int64_t ir_version;
    int64_t opset;        /* of the default ONNX domain */
    const char *producer; /* producer_name, "" if none */
    const char *producer_version;
    uint32_t batch;       /* the bound batch size */
    uint32_t input_count; /* runtime inputs (initializers excluded) */
    uint32_t output_count;
    uint32_t node_count;   /* nodes left after folding (those listed) */
    uint32_t folded_count; /* nodes evaluated at load (shape arithmetic, Constant) */
    uint64_t params;       /* elements stored in the file's initializers,
                              each initializer counted once */
    uint64_t macs;         /* multiply-accumulates of Conv, Gemm, MatMul
                              at the bound batch */
} vkcnn_network_info;

VKCNN_API vkcnn_status vkcnn_network_get_info(const vkcnn_network *net, vkcnn_network_info *info);

/* One graph input or output. Strings are owned by the network. */
typedef struct vkcnn_tensor_info {
    const char *name;
    const char *dtype; /* "float32" */
    uint32_t rank;
    int64_t shape[VKCNN_MAX_RANK];
} vkcnn_tensor_info;

/* index < info.input_count / info.output_count, else VKCNN_ERROR_INVALID_ARGUMENT. */
VKCNN_API vkcnn_status vkcnn_network_input(const vkcnn_network *net, uint32_t index,
                                           vkcnn_tensor_info *info);
VKCNN_API vkcnn_status vkcnn_network_output(const vkcnn_network *net, uint32_t index,
                                            vkcnn_tensor_info *info);

/* One node, in execution (topological) order. Arrays and strings are owned
 * by the network. An absent optional input is "". */
typedef struct vkcnn_node_info {
    const char *name; /* the file's node name, or "<Op>_<n>" if it has none */
    const char *op;   /* ONNX op_type, e.g. "Conv" */
    uint32_t input_count;
    const char *const *inputs; /* data inputs (constant operands such as
                                  Reshape's shape are folded into the node) */
    uint32_t output_count;
    const char *const *outputs;
    uint32_t rank; /* shape of output 0 */
    int64_t shape[VKCNN_MAX_RANK];
    uint64_t params; /* elements of the node's constant inputs */
    uint64_t macs;   /* Conv, Gemm, MatMul; 0 for other ops */
} vkcnn_node_info;

/* index < info.node_count, else VKCNN_ERROR_INVALID_ARGUMENT. */
VKCNN_API vkcnn_status vkcnn_network_node(const vkcnn_network *net, uint32_t index,
                                          vkcnn_node_info *info);

/* ---- model (a network compiled for a device) ------------------------------
 *
 * A vkcnn_model is a vkcnn_network lowered to compute kernels for one
 * context's device at the network's bound batch size: kernels compiled
 * (through the shader cache), weights uploaded once into device memory, and
 * the whole network recorded once into a command buffer that every run
 * replays. Inputs and outputs are float32 in the network's NCHW layout.
 *
 * Runs are synchronous (vkcnn_model_run) or asynchronous: the model owns
 * `in_flight` slots, each with its own host-side copy of every input and
 * output, so that the caller fills the next inference's inputs and reads a
 * finished one's outputs while the device computes another:
 *
 *     vkcnn_ticket t[2];
 *     vkcnn_model_set_input(model, 0, x0, n);   // into the next slot
 *     vkcnn_model_submit(model, &t[0]);          // returns at once
 *     vkcnn_model_set_input(model, 0, x1, n);   // overlaps inference t[0]
 *     vkcnn_model_submit(model, &t[1]);
 *     vkcnn_model_get_result(model, t[0], 0, y0, k);  // waits for t[0]
 *     vkcnn_model_get_result(model, t[1], 0, y1, k);
 *
 * The device runs a model's inferences one after another, in submission
 * order (they share the model's activation memory); the overlap is of host
 * work (uploads, decoding, reading results) with device work, and, on a
 * discrete GPU with a dedicated transfer queue (vkcnn_device_info
 * .transfer_queue), of one inference's input and output copies with
 * another's compute. An input not
 * set before a submit keeps its value from the previous submit (zeros
 * before the first). Setting an input for a slot that is still running
 * waits for it.
 *
 * Threads: calls on one model must not overlap (the caller serialises them);
 * different models, on one context or several, may run from different
 * threads.
 */
typedef struct vkcnn_model vkcnn_model;

#define VKCNN_MAX_IN_FLIGHT 8

/* Storage precision of a model's weights (vkcnn_model_options.precision). */
typedef enum vkcnn_precision {
    VKCNN_PRECISION_FP32 = 0,
    VKCNN_PRECISION_FP16 = 1,
    VKCNN_PRECISION_AUTO = 2, /* fp16 where the device gains and the model allows */
} vkcnn_precision;

typedef struct vkcnn_model_options {
    /* Per-node check: after each run, every node is recomputed on the host by
     * a plain-C reference from the device's own inputs to that node, and the
     * first node whose output differs by more than check_atol + check_rtol *
     * max|reference of that output| fails the run with
     * VKCNN_ERROR_INVALID_MODEL naming it.
     * VKCNN_DEFAULT: on when VKCNN_CHECK=1. Slow: for debugging. */
    vkcnn_toggle check;
    float check_rtol; /* 0: 1e-3 */
    float check_atol; /* 0: 1e-5 */
    /* Timestamps around every dispatch, read by vkcnn_model_get_stats
     * (gpu_ms). Costs a little per dispatch; for benchmarks. */
    vkcnn_toggle profile;
    /* Graph compilation: identity removal, batch-norm folding into Conv/Gemm
     * and activations fused into the kernel before them (one dispatch per
     * group); results equal the unfused ones up to float reassociation.
     * VKCNN_DEFAULT: on, unless VKCNN_FUSION=0. Off: one kernel per node. */
    vkcnn_toggle fusion;
    /* Winograd F(4x4,3x3) / F(2x2,3x3) convolution for 3x3 stride-1 Convs
     * (with fusion only): weights transformed once at load, three
     * dispatches per layer; fewer multiplications, results within the
     * model tolerance of the direct convolution's.
     * VKCNN_DEFAULT: on, unless VKCNN_WINOGRAD=0. */
    vkcnn_toggle winograd;
    /* Inferences that may be in flight at once (slots); 0: 2; at most 8.
     * With `check`, 1. */
    uint32_t in_flight;
    /* Long work on a queue shared with an application: split each inference
     * into several command buffers of at most this many dispatches, each
     * its own vkQueueSubmit, so other work can run between them and no
     * single submission runs long enough to trip a driver's timeout.
     * 0: one submission per inference. (vkcnn_model_record, into the
     * application's one command buffer, is not split.) */
    uint32_t max_dispatches_per_submit;
    /* VKCNN_PRECISION_FP16: weights and activations stored as IEEE fp16
     * (half the memory and the bytes each layer reads and writes); kernels
     * multiply the halves in fp32 (exact) and accumulate in fp32, so the
     * error is each weight's and each stored activation's rounding
     * (relative 2^-11; README "Precision" has the measured effect on
     * outputs). Activations need storageBuffer16BitAccess (else they stay
     * fp32), and stay fp32 where a kernel that writes or reads them has no
     * fp16 form; graph inputs and outputs are always fp32. A weight with a
     * value past fp16's range (65504) stays fp32. Default fp32.
     * VKCNN_PRECISION_AUTO: fp32 unless the device's measured fp16 FMA rate
     * (vkcnn_context_peak, cached) is at least 1.5x its fp32 rate; then the
     * model is run once in fp32 and once in fp16 on bench's fixed
     * pseudo-random input, and fp16 is kept when the top-1 class agrees and
     * max |diff| <= 1e-2 * max |fp32| over every output; otherwise the
     * layers whose own error (their output's relative difference less their
     * input's) is largest go back to fp32, a quarter of the rest at a time,
     * until the check passes or every layer is fp32. The outcome is cached
     * per device, driver and model (the cache directory), so the check runs
     * once; vkcnn_model_get_stats reports it. */
    vkcnn_precision precision;
    /* Extra outputs: intermediate tensors, by name (the output of any node
     * the network computes when it runs, e.g. a penultimate layer or a
     * pooled feature map: vkcnn_network_node lists them), exposed as model
     * outputs after the graph's own ones, in this order (a name that is
     * already an output is not repeated): vkcnn_model_output_count counts
     * them, vkcnn_model_find_output finds them by name, vkcnn_model_get_output
     * reads them. They are made graph outputs before the graph passes run,
     * so the memory planner keeps them and fusion stops at them: asking for
     * a tensor inside a fused group (a Gemm's output before its fused Relu)
     * splits the group there, which vkcnn_model_describe reports. An
     * unknown name is VKCNN_ERROR_INVALID_ARGUMENT, the message listing the
     * closest names; a constant, a graph input or a value computed at load
     * is refused likewise. The strings are read during vkcnn_model_create
     * only. */
    const char *const *extra_outputs;
    uint32_t extra_output_count;
    /* Kernel variants measured by vkcnn_tune (`vkcnn tune`) and stored in the
     * cache directory: each Conv, Gemm and MatMul whose shape, batch and
     * precision were tuned on this device and driver runs the stored
     * winner (when it is among the node's candidates; anything else in the
     * file is ignored, a damaged file deleted). VKCNN_DEFAULT: on unless
     * VKCNN_NO_TUNE=1; VKCNN_OFF: the default rule everywhere.
     * vkcnn_model_get_stats' tuned_layers counts the layers that used one. */
    vkcnn_toggle tuned;
    /* Where the tuned choices are read: a cache directory; NULL: the
     * context's; "": the default one (VKCNN_CACHE_DIR, $XDG_CACHE_HOME/vkcnn,
     * $HOME/.cache/vkcnn), e.g. for a context on a private cache. */
    const char *tune_dir;
    /* Progress of vkcnn_model_create, for long loads: called with stage
     * "compile" (`done` of `total` kernels turned into SPIR-V and pipelines)
     * and "upload" (`done` of `total` constant tensors in device memory).
     * It may be called from vkcnn's compile threads, never two calls at
     * once; it must return quickly and call no vkcnn function. NULL: none. */
    void (*progress)(void *user, const char *stage, uint32_t done, uint32_t total);
    void *progress_user;
} vkcnn_model_options;

/* Compiles `net` for ctx's device. The network may be destroyed afterwards.
 * `options` may be NULL. On failure *out is NULL. */
VKCNN_API vkcnn_status vkcnn_model_create(vkcnn_context *ctx, const vkcnn_network *net,
                                          const vkcnn_model_options *options, vkcnn_model **out);

/* Loads an ONNX file and compiles it: vkcnn_network_load_file followed by
 * vkcnn_model_create. Either options pointer may be NULL. */
VKCNN_API vkcnn_status vkcnn_model_load_onnx(vkcnn_context *ctx, const char *path,
                                             const vkcnn_network_options *load_options,
                                             const vkcnn_model_options *options, vkcnn_model **out);

/* Waits for the model's work and frees its device memory. */
VKCNN_API void vkcnn_model_destroy(vkcnn_model *model);

/* Graph inputs and outputs, as in the network (strings owned by the model). */
VKCNN_API uint32_t vkcnn_model_input_count(const vkcnn_model *model);
VKCNN_API uint32_t vkcnn_model_output_count(const vkcnn_model *model);
VKCNN_API vkcnn_status vkcnn_model_input(const vkcnn_model *model, uint32_t index,
                                         vkcnn_tensor_info *info);
VKCNN_API vkcnn_status vkcnn_model_output(const vkcnn_model *model, uint32_t index,
                                          vkcnn_tensor_info *info);

/* Index of the input / output called `name`; VKCNN_ERROR_INVALID_ARGUMENT
 * naming it when there is none. */
VKCNN_API vkcnn_status vkcnn_model_find_input(const vkcnn_model *model, const char *name,
                                              uint32_t *index);
VKCNN_API vkcnn_status vkcnn_model_find_output(const vkcnn_model *model, const char *name,
                                               uint32_t *index);

/* Copies `count` floats (exactly the input's element count) into input
 * `index`. The data is copied before the call returns. */
VKCNN_API vkcnn_status vkcnn_model_set_input(vkcnn_model *model, uint32_t index, const float *data,
                                             size_t count);

/* Runs the network once on the current inputs and waits for it (a submit
 * and a wait; with `check`, the per-node check follows). */
VKCNN_API vkcnn_status vkcnn_model_run(vkcnn_model *model);

/* Copies output `index` of the last vkcnn_model_run (`count` = its element
 * count). */
VKCNN_API vkcnn_status vkcnn_model_get_output(vkcnn_model *model, uint32_t index, float *data,
                                              size_t count);

/* Identifies a submitted inference: 1, 2, ... per model. */
typedef uint64_t vkcnn_ticket;

/* Submits an inference on the inputs set since the previous submit and
 * returns without waiting for it. When every slot is in flight, first waits
 * for the oldest (whose outputs stay readable until its slot is reused). */
VKCNN_API vkcnn_status vkcnn_model_submit(vkcnn_model *model, vkcnn_ticket *ticket);

/* Waits up to timeout_ns (UINT64_MAX: no limit; 0: poll) for inference
 * `ticket`: VKCNN_OK when it has completed, VKCNN_NOT_READY when not yet,
 * VKCNN_ERROR_DEVICE_LOST when the device was lost (the context then
 * refuses all further work). */
VKCNN_API vkcnn_status vkcnn_model_wait(vkcnn_model *model, vkcnn_ticket ticket,
                                        uint64_t timeout_ns);

/* Copies output `index` of inference `ticket`, waiting for it first.
 * VKCNN_ERROR_INVALID_ARGUMENT when the ticket's slot has since been reused
 * by a later submit (more than `in_flight` submits ago). */
VKCNN_API vkcnn_status vkcnn_model_get_result(vkcnn_model *model, vkcnn_ticket ticket,
                                              uint32_t index, float *data, size_t count);

/* ---- running inside the application's Vulkan work ----------------------
 *
 * For a context that adopted the application's device (or any context: the
 * handles are those of vkcnn_context's device). Tensors in the application's
 * memory are float32 in the model's NCHW layout, `element count x 4` bytes
 * at `offset` of a VkBuffer created on the context's device with
 * VK_BUFFER_USAGE_TRANSFER_SRC_BIT (inputs) or _TRANSFER_DST_BIT (outputs).
 *
 * Queue families: a buffer with VK_SHARING_MODE_CONCURRENT, or exclusive to
 * the context's family, needs nothing more. A buffer exclusive to another
 * family (say the renderer's graphics family, when vkcnn runs on a separate
 * compute family) changes owner around vkcnn's work, as the Vulkan
 * specification's queue family ownership transfer requires: set
 * `foreign_family` to 1 and `family` to the owning family. Then
 *   - the application records the release of each input buffer (a
 *     VkBufferMemoryBarrier for the whole buffer, offset 0, size
 *     VK_WHOLE_SIZE, srcQueueFamilyIndex = family, dstQueueFamilyIndex =
 *     the context's family) on its queue before the semaphore vkcnn waits
 *     on, and vkcnn records the matching acquire;
 *   - vkcnn records the release of each output buffer back to `family`
 *     after writing it, and the application records the matching acquire
 *     after waiting on vkcnn's signal semaphore.
 * (vkcnn_model_record records into the application's command buffer, on one
 * queue: no transfer is needed or done there.) */
typedef struct vkcnn_buffer_ref {
    VkBuffer buffer; /* VK_NULL_HANDLE: not given */
    VkDeviceSize offset;
    int foreign_family; /* nonzero: exclusive to `family`, not the context's */
    uint32_t family;
} vkcnn_buffer_ref;

/* Records one inference into the application's command buffer `cmd`
 * (primary, recording, outside a render pass, to be submitted to the
 * context's queue family). `inputs` (one per model input, or NULL) and
 * `outputs` (one per model output, or NULL): input i is copied from
 * inputs[i] when given, else from the values set for the next submit
 * (vkcnn_model_set_input / _image, read when `cmd` executes); output i is
 * copied into outputs[i] when given, else not copied.
 *
 * Synchronisation, entry: the application's barrier before the recorded
 * commands makes its writes of the input buffers available to
 * VK_PIPELINE_STAGE_TRANSFER_BIT / VK_ACCESS_TRANSFER_READ_BIT. vkcnn's
 * first barrier orders its own earlier work on the context's queue. Exit:
 * vkcnn's last barrier makes the outputs, written by
 * VK_PIPELINE_STAGE_TRANSFER_BIT, visible to every later command
 * (VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, VK_ACCESS_MEMORY_READ_BIT |
 * VK_ACCESS_MEMORY_WRITE_BIT) and to the host. No image layout changes.
 * The recorded work uses the model's own activation memory: it must not
 * execute concurrently with the model's other work (submit it to the
 * context's queue; queue order and vkcnn's barriers serialise it), and the
 * model must outlive its execution. */
VKCNN_API vkcnn_status vkcnn_model_record(vkcnn_model *model, VkCommandBuffer cmd,
                                          const vkcnn_buffer_ref *inputs,
                                          const vkcnn_buffer_ref *outputs);

/* Semaphores for vkcnn_model_submit_vk. `*_values` are timeline values
 * (one per semaphore; NULL when all are binary). Timeline semaphores need
 * the timelineSemaphore feature enabled on the device. */
typedef struct vkcnn_submit_sync {
    uint32_t wait_count;
    const VkSemaphore *wait_semaphores;
    const uint64_t *wait_values;
    const VkPipelineStageFlags *wait_stages; /* NULL: VK_PIPELINE_STAGE_TRANSFER_BIT each */
    uint32_t signal_count;
    const VkSemaphore *signal_semaphores;
    const uint64_t *signal_values;
} vkcnn_submit_sync;

/* vkcnn_model_submit on the context's queue, waiting on and signalling the
 * given semaphores, with inputs and outputs in the application's buffers
 * where given (as in vkcnn_model_record; absent ones use the host-side
 * values, and outputs not given are readable with vkcnn_model_get_result).
 * `sync`, `inputs` and `outputs` may be NULL. */
VKCNN_API vkcnn_status vkcnn_model_submit_vk(vkcnn_model *model, const vkcnn_submit_sync *sync,
                                             const vkcnn_buffer_ref *inputs,
                                             const vkcnn_buffer_ref *outputs, vkcnn_ticket *ticket);

/* The context's Vulkan device, queue and queue family (its own or the
 * adopted ones), for the application's side of vkcnn_model_record. */
VKCNN_API VkDevice vkcnn_context_vk_device(const vkcnn_context *ctx);
VKCNN_API VkQueue vkcnn_context_vk_queue(const vkcnn_context *ctx, uint32_t *family);

/* What a compiled model does on the device. */
typedef struct vkcnn_model_stats {
    uint32_t dispatches; /* compute dispatches per run */
    uint32_t barriers;   /* pipeline barriers between them per run */
    double gpu_ms;       /* GPU time of the last run, first dispatch start to
                            last dispatch end; negative unless the model was
                            created with `profile` on a device with timestamps */
    /* Where model creation spent its time (ms of wall time): getting SPIR-V
     * (glslang, or the shader cache when hot), creating shader modules and
     * pipelines (the pipeline cache helps), uploading weights. Kernels are
     * created by one thread per CPU (at most 8; VKCNN_COMPILE_THREADS=N
     * overrides, 1: only the calling thread), so the first two share their
     * wall time in proportion to their summed CPU time. */
    double compile_ms, pipelines_ms, upload_ms;
    /* Conv, Gemm and MatMul layers running a kernel variant stored by
     * vkcnn_tune (vkcnn_model_options.tuned); 0: the default rule's only */
    uint32_t tuned_layers;
    /* distinct compute pipelines created for the model (dispatches of the
     * same kernel source and defines share one): what start-up builds */
    uint32_t pipelines;
    /* The precision the model runs at (VKCNN_PRECISION_AUTO resolved): fp32,
     * or fp16 with fp32_layers Conv/Gemm/MatMul layers kept fp32 by the
     * auto policy's check; fp16_error is that check's max |diff| / max |fp32|
     * (0 when it did not run); precision_note says why, e.g. "fp16 FMA at
     * 0.25x the fp32 rate" (owned by the model; "" when not auto). */
    vkcnn_precision precision;
    uint32_t fp32_layers;
    double fp16_error;
    const char *precision_note;
} vkcnn_model_stats;

VKCNN_API vkcnn_status vkcnn_model_get_stats(const vkcnn_model *model, vkcnn_model_stats *stats);

/* One compute dispatch of a run (index < stats.dispatches), for per-layer
 * figures. Strings are owned by the model. */
typedef struct vkcnn_dispatch_info {
    const char *kernel;                 /* the kernel template, e.g. "conv" */
    const char *nodes;                  /* the graph nodes it computes: "name (Op) + ..." */
    uint32_t groups[3];                 /* workgroups dispatched */
    double gpu_ms;                      /* in the last completed run; negative unless profiled */
    uint64_t flops;                     /* 2 x MACs of its Conv/Gemm/MatMul (direct-convolution
                                           FLOPs), charged to a Winograd or im2col Conv's
                                           GEMM dispatch, 0 for other kernels, Winograd
                                           transforms and im2col gathers */
    uint64_t bytes_read, bytes_written; /* sizes of the tensors it binds */
    /* its layer's kernel variant, e.g. "wino4/16x32/texel", "igemm/16x4/rows/
     * texel/sg", "gemv/nc8/texel/sg" (README "Kernel variants"); "" for
     * kernels without variants (pools, elementwise, ...) */
    const char *variant;
} vkcnn_dispatch_info;

VKCNN_API vkcnn_status vkcnn_model_dispatch(const vkcnn_model *model, uint32_t index,
                                            vkcnn_dispatch_info *info);

/* Writes the compiled plan to `out`, as text: totals (dispatches, barriers,
 * kernels, activation memory in the arena and without sharing, constants),
 * then per dispatch its kernel template, grid, the graph nodes it computes
 * (the fused group) and every binding with its shape and place (arena
 * offset, own buffer, constant). detail >= 2 adds each kernel's generated
 * GLSL. The format is for people and may change. Setting VKCNN_DEBUG=1 or 2
 * prints the same to stderr when a model is created; VKCNN_DEBUG=3 also
 * prints every dispatch of every run with its GPU time. */
VKCNN_API vkcnn_status vkcnn_model_describe(const vkcnn_model *model, uint32_t detail, FILE *out);

/* Error message of the last failing call on this model ("" if none). */
VKCNN_API const char *vkcnn_model_error(const vkcnn_model *model);

/* ---- images: decoding and preprocessing on the device --------------------
 *
 * Classifying an image:
 *     vkcnn_image *img;
 *     vkcnn_image_load_file("cat.jpg", NULL, &img);        // decode, EXIF orientation
 *     vkcnn_preprocess pp = {0};                           // ImageNet defaults
 *     vkcnn_preprocess_from_preset("m.onnx.json", &pp);    // or the model's preset
 *     vkcnn_model_set_input_image(model, 0, 0, img, &pp);  // resize/crop/normalise on the GPU
 *     vkcnn_model_run(model);
 *     vkcnn_model_get_output(model, 0, logits, n);
 *     vkcnn_image_destroy(img);
 *
 * Images are untrusted input: dimensions are checked against the limits
 * before any pixel is decoded; a file that is not a JPEG, PNG or BMP, a
 * truncated or corrupt one, or one over a limit returns an error whose
 * message names the file and the fault (VKCNN_ERROR_IO: unreadable, not an
 * image, corrupt; VKCNN_ERROR_LIMIT: too large).
 *
 * Threads: image loads, destroys and preset reads need no context and may
 * run concurrently from any thread; setting images is a call on the model,
 * serialised with its other calls.
 */

/* A decoded image on the host: 8-bit RGBA (alpha ignored by preprocessing),
 * rows top to bottom, EXIF orientation already applied. Owned by the caller
 * after a load; free with vkcnn_image_destroy. */
typedef struct vkcnn_image {
    uint32_t width, height;
    uint8_t *rgba; /* width * height * 4 bytes */
} vkcnn_image;

/* Decode limits. Zero-initialise; zero fields mean the defaults. */
typedef struct vkcnn_image_options {
    uint32_t max_side;       /* pixels per side; default 16384 */
    uint64_t max_pixels;     /* width * height; default 64 Mi (67108864) */
    uint64_t max_file_bytes; /* default 256 MiB */
} vkcnn_image_options;

/* Decodes the JPEG, PNG or BMP file at `path`. `options` may be NULL.
 * On failure *out is NULL. */
VKCNN_API vkcnn_status vkcnn_image_load_file(const char *path, const vkcnn_image_options *options,
                                             vkcnn_image **out);

/* Same from `size` bytes at `data` (borrowed for the call only); `name`
 * (may be NULL) labels the image in error messages. */
VKCNN_API vkcnn_status vkcnn_image_load_memory(const void *data, size_t size, const char *name,
                                               const vkcnn_image_options *options,
                                               vkcnn_image **out);

/* Frees an image; NULL is a no-op. */
VKCNN_API void vkcnn_image_destroy(vkcnn_image *image);

typedef enum vkcnn_channel_order {
    VKCNN_CHANNELS_RGB = 0,
    VKCNN_CHANNELS_BGR = 1,
    VKCNN_CHANNELS_GRAY = 2, /* 0.2989 R + 0.587 G + 0.114 B (as torchvision) */
} vkcnn_channel_order;

/* Preprocessing, applied in this order on the device:
 *   1. resize so the shorter side is `resize` (the longer one
 *      floor(resize * long / short)), bilinear, half-pixel centres
 *      (align_corners = false), no antialiasing: exactly torchvision's
 *      Resize on a float tensor with antialias = False;
 *   2. centre crop crop x crop (offsets rounded as torchvision's CenterCrop;
 *      pixels outside the resized image are 0);
 *   3. pad pad[0..3] = top, left, bottom, right pixels of raw value
 *      `pad_value` (0..255 units) around the crop;
 *   4. channel order; v = pixel * pixel_scale; x = (v - mean[c]) / std[c].
 * The model input's shape [N, C, H, W] must match: C = 1 for GRAY, else 3;
 * H = crop + pad[0] + pad[2], W = crop + pad[1] + pad[3].
 * Zero-initialise: zero fields mean resize 256, crop 224, RGB, pixel_scale
 * 1/255, no pad; all-zero `std` means ImageNet's mean (0.485, 0.456, 0.406)
 * and std (0.229, 0.224, 0.225). GRAY uses mean[0] and std[0]. */
typedef struct vkcnn_preprocess {
    uint32_t resize;
    uint32_t crop;
    vkcnn_channel_order channel_order;
    float pixel_scale;
    float mean[3];
    float std[3];
    uint32_t pad[4];
    float pad_value;
    /* The labels file the preset names, resolved against the preset's
     * folder; "" when none. Not used by preprocessing. */
    char labels[1024];
} vkcnn_preprocess;

/* Reads a preset sidecar (MODEL.onnx.json, models/README.md) into *pp, all
 * fields replaced. Unknown keys are ignored; a malformed file or value is
 * VKCNN_ERROR_INVALID_ARGUMENT naming the file and key; a missing file
 * VKCNN_ERROR_IO. */
VKCNN_API vkcnn_status vkcnn_preprocess_from_preset(const char *path, vkcnn_preprocess *pp);

/* Uploads `count` images and preprocesses them on the device straight into
 * batch slots first_slot .. first_slot + count - 1 of input `input_index`
 * (a float32 [N, C, H, W] input). `pp` may be NULL for the defaults. The
 * images are copied before the call returns; other slots keep their values.
 * The input's device buffer is written directly (no host round trip). */
VKCNN_API vkcnn_status vkcnn_model_set_input_images(vkcnn_model *model, uint32_t input_index,
                                                    uint32_t first_slot,
                                                    const vkcnn_image *const *images,
                                                    uint32_t count, const vkcnn_preprocess *pp);

/* One image into batch slot `batch_slot`: set_input_images with count 1. */
VKCNN_API vkcnn_status vkcnn_model_set_input_image(vkcnn_model *model, uint32_t input_index,
                                                   uint32_t batch_slot, const vkcnn_image *image,
                                                   const vkcnn_preprocess *pp);

/* ---- images already on the device: the application's VkImage -----------
 *
 * A renderer's image preprocessed on the device into a model input, with no
 * CPU round trip, inside the application's command buffer:
 *
 *     vkcnn_image_ref ref = {.image = image, .format = VK_FORMAT_R8G8B8A8_UNORM,
 *                            .width = w, .height = h,
 *                            .layout = VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL};
 *     // cmd: the application's rendering, then its barrier: image writes ->
 *     // VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT / VK_ACCESS_SHADER_READ_BIT,
 *     // image in ref.layout
 *     vkcnn_model_record_image(model, cmd, 0, 0, &ref, &pp);   // -> input 0, batch slot 0
 *     vkcnn_model_record(model, cmd, NULL, outputs);           // the inference
 *     // end cmd, submit it to the context's queue, wait, read `outputs`
 *
 * The preprocessing is vkcnn_model_set_input_images' (vkcnn_preprocess,
 * same shader arithmetic): the same pixels in a VkImage of an 8-bit format
 * or given as a decoded vkcnn_image make the same input values. */

/* An image on the context's device, read at mip level 0, array layer 0
 * (or the view's base level and layer), texels (0, 0) .. (width - 1,
 * height - 1). Formats and what vkcnn reads from them (in the 0..255
 * units of vkcnn_preprocess, as decoded from a file):
 *   VK_FORMAT_R8G8B8A8_UNORM, VK_FORMAT_B8G8R8A8_UNORM: the stored bytes;
 *   VK_FORMAT_R8G8B8A8_SRGB, VK_FORMAT_B8G8R8A8_SRGB: the stored (encoded)
 *     bytes, as a file decoder returns them, NOT converted to linear: the
 *     texel the view decodes is re-encoded with the sRGB transfer function
 *     and rounded, which gives back the stored byte exactly (a network
 *     trained on decoded files expects encoded values);
 *   VK_FORMAT_R16G16B16A16_SFLOAT: value x 255, not rounded (1.0 is 255).
 * Alpha is ignored; BGRA is read as RGBA (the view swizzles it). */
typedef struct vkcnn_image_ref {
    VkImage image; /* required; 2-D, single-sampled, colour */
    /* Optional: a 2-D view of `image` with format `format` and the identity
     * swizzle, owned by the application (it must outlive the recorded
     * work). VK_NULL_HANDLE: vkcnn creates one (type 2-D, level 0, layer 0,
     * format `format`, usage restricted to the one read, so an image made
     * with VK_IMAGE_CREATE_MUTABLE_FORMAT_BIT may be read through another
     * format of its class). */
    VkImageView view;
    VkFormat format;        /* of the view: one of the five above */
    uint32_t width, height; /* texels read; at most the image's extent at that level */
    /* The image's layout when the recorded commands execute:
     * VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL or VK_IMAGE_LAYOUT_GENERAL
     * (sampled), VK_IMAGE_LAYOUT_GENERAL (storage). */
    VkImageLayout layout;
    /* How vkcnn reads it: VK_IMAGE_USAGE_SAMPLED_BIT (0 means this; a
     * combined image sampler and texelFetch, no filtering) or
     * VK_IMAGE_USAGE_STORAGE_BIT (a storage image and imageLoad; formats
     * R8G8B8A8_UNORM and R16G16B16A16_SFLOAT only). The image must have
     * been created with that usage. */
    VkImageUsageFlags usage;
} vkcnn_image_ref;

/* Records into the application's command buffer `cmd` (primary, recording,
 * outside a render pass, for the context's queue family) the preprocessing
 * of `img` (with `pp`; NULL: the defaults) into batch slot `batch_slot` of
 * input `input_index` (a float32 [N, C, H, W] input) of the next inference:
 * the host-side input that vkcnn_model_record reads for an input given no
 * buffer, and that the next vkcnn_model_submit / _submit_vk / _run uses.
 * Other batch slots keep their values. Record vkcnn_model_record (or
 * submit) after it, in the same command buffer or in later work on the
 * context's queue.
 *
 * Synchronisation, entry: the application's barrier (or semaphore wait)
 * before the recorded commands makes its writes of the image available and
 * visible to VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT / VK_ACCESS_SHADER_READ_BIT
 * and has the image in img->layout. vkcnn changes no layout and transfers
 * no ownership: the image is VK_SHARING_MODE_CONCURRENT or owned by the
 * context's queue family when the commands execute. vkcnn's own barrier
 * first orders the dispatch after its earlier work on the context's queue.
 * Exit: vkcnn's barrier after the dispatch makes the input (written by
 * VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT) visible to the transfer and compute
 * stages, where vkcnn_model_record and submits read it. The image is only
 * read; nothing of the application's is written.
 *
 * The recorded dispatch writes model-owned memory: it must not execute
 * concurrently with the model's other work, and host calls that set the
 * same input (vkcnn_model_set_input, _set_input_image) must not be made
 * between this call and the execution of `cmd`.
 *
 * vkcnn keeps, per model, the view it creates and one descriptor set for
 * each distinct (image, view, format, layout, usage, input, batch slot,
 * preprocessing, image size), and reuses them when called again with the
 * same values: a renderer classifying the same image every frame allocates
 * nothing after the first call. They stay until vkcnn_model_release_image
 * or vkcnn_model_destroy; at most 64 per model (VKCNN_ERROR_LIMIT beyond).
 * Returns VKCNN_ERROR_INVALID_ARGUMENT for a bad format, layout, usage,
 * size or shape (the message says which), VKCNN_ERROR_UNSUPPORTED for a
 * storage image of a format other than the two above. */
VKCNN_API vkcnn_status vkcnn_model_record_image(vkcnn_model *model, VkCommandBuffer cmd,
                                                uint32_t input_index, uint32_t batch_slot,
                                                const vkcnn_image_ref *img,
                                                const vkcnn_preprocess *pp);

/* Frees the view and descriptor sets vkcnn keeps for `image`
 * (VK_NULL_HANDLE: for every image). Call it after the work recorded with
 * the image has completed and before destroying the image, or a view of it
 * that was given: a later image or view may get the same handle. */
VKCNN_API void vkcnn_model_release_image(vkcnn_model *model, VkImage image);

/* ---- nearest-neighbour search: exact k-NN on the device -----------------
 *
 * An index holds float32 vectors of one dimension D (the gallery) in device
 * memory and finds, for every query vector, its k nearest gallery rows by an
 * exhaustive (exact) search on the device:
 *
 *     vkcnn_index_options io = {.metric = VKCNN_METRIC_L2};
 *     vkcnn_index *index = NULL;
 *     vkcnn_index_create(ctx, 84, &io, &index);              // D = 84
 *     vkcnn_index_add(index, gallery, 8000);                 // rows 0 .. 7999
 *     vkcnn_index_search(index, queries, 2000, 5, dist, idx); // 2000 x 5 each
 *     vkcnn_index_destroy(index);
 *
 * How: per block of queries and chunk of the gallery, a distance GEMM
 * (scores |g|^2 - 2 q.g for L2, -q.g otherwise; |q|^2 is added on the host)
 * and a per-query top-k selection in shared memory (a threshold filter, then
 * bitonic sorts and merges). Each chunk's selection merges into per-query
 * lists that stay on the device; they are read back once per query block.
 *
 * Results are exact up to fp32 rounding of the distances (L2 in the expanded
 * form: about 1e-6 x (|q|^2 + |g|^2)) and deterministic: neighbours are
 * ordered by (distance, index), so equal distances (duplicate rows) list the
 * lower index first, in every run.
 *
 * Memory: the gallery is kept in chunks of at most `chunk_rows` rows, each
 * one buffer (within maxStorageBufferRange and maxMemoryAllocationSize), so a
 * gallery over the device's 2 GiB allocation limit is no problem. When a
 * chunk does not fit the context's device_memory_budget (keeping room for
 * one search) or the device's memory, it stays in host memory and is
 * streamed through one device chunk when searching: a gallery larger than
 * the budget is searched in chunks. A search that cannot get its working
 * memory even for the smallest query block returns
 * VKCNN_ERROR_OUT_OF_DEVICE_MEMORY; nothing crashes.
 *
 * Inputs are untrusted data: a NaN or infinite value, or a row whose squared
 * norm exceeds 1e30 (its fp32 distances could overflow), is refused with
 * VKCNN_ERROR_INVALID_ARGUMENT naming the row and column. Rows are numbered
 * in the order they were added, from 0; at most 2^32 - 2 rows.
 *
 * Threads: calls on one index must not overlap (the caller serialises them);
 * different indexes, on one context or several, may be used from different
 * threads at the same time, as models may. Destroy every index of a context
 * before the context.
 */
typedef struct vkcnn_index vkcnn_index;

/* Largest k of a search (devices with 16 KiB of shared memory: 512). */
#define VKCNN_INDEX_MAX_K 1024

typedef enum vkcnn_metric {
    VKCNN_METRIC_L2 = 0, /* squared Euclidean distance |q - g|^2, smallest first */
    VKCNN_METRIC_IP = 1, /* inner product q.g, largest first (the "distance" is q.g) */
    /* cosine distance 1 - q.g / (|q| |g|), smallest first; rows and queries are
     * normalised when given (a zero vector stays zero: cosine 0, distance 1) */
    VKCNN_METRIC_COSINE = 2,
} vkcnn_metric;

/* Static name: "l2", "ip" or "cosine" (NULL for another value). */
VKCNN_API const char *vkcnn_metric_string(vkcnn_metric metric);

/* Index options. Zero-initialise; zero fields mean the defaults. */
typedef struct vkcnn_index_options {
    vkcnn_metric metric; /* default L2 */
    /* Gallery rows per chunk (one device buffer and one distance dispatch per
     * query block each); rounded up to a multiple of 4. 0: as many as fit
     * 64 MiB and the device's buffer limits, at most 65536. Small values make
     * many chunks: for tests of the chunked path. */
    uint32_t chunk_rows;
    /* Timestamps around every dispatch, read by vkcnn_index_get_stats
     * (gpu_ms). For benchmarks. */
    vkcnn_toggle profile;
} vkcnn_index_options;

/* Creates an empty index of `dim`-dimensional vectors (dim >= 1) on ctx's
 * device. `options` may be NULL. On failure *out is NULL. */
VKCNN_API vkcnn_status vkcnn_index_create(vkcnn_context *ctx, uint32_t dim,
                                          const vkcnn_index_options *options, vkcnn_index **out);

/* Waits for nothing (searches are synchronous) and frees the index's device
 * and host memory. NULL is a no-op. */
VKCNN_API void vkcnn_index_destroy(vkcnn_index *index);

/* Appends `count` rows (count x dim floats, row after row; copied before the
 * call returns) as rows vkcnn_index_count() .. + count - 1. All or nothing:
 * on failure (a bad value, out of memory) no row is added. count 0 is a
 * no-op. */
VKCNN_API vkcnn_status vkcnn_index_add(vkcnn_index *index, const float *rows, uint64_t count);

/* Rows held, and their dimension (0 for NULL). */
VKCNN_API uint64_t vkcnn_index_count(const vkcnn_index *index);
VKCNN_API uint32_t vkcnn_index_dim(const vkcnn_index *index);

/* For each of `count` queries (count x dim floats), its k nearest rows,
 * nearest first: distances[q * k + j] and indices[q * k + j] (either array
 * may be NULL when not wanted). 1 <= k <= VKCNN_INDEX_MAX_K; k may exceed
 * the rows held: the places past them get index -1 and distance +inf (-inf
 * for VKCNN_METRIC_IP). An empty index is VKCNN_ERROR_INVALID_ARGUMENT.
 * Waits for the device. */
VKCNN_API vkcnn_status vkcnn_index_search(vkcnn_index *index, const float *queries, uint64_t count,
                                          uint32_t k, float *distances, int64_t *indices);

/* Where the gallery lives and what the last search did. */
typedef struct vkcnn_index_stats {
    uint64_t rows;
    uint32_t dim;
    uint32_t chunk_rows;   /* rows per chunk */
    uint32_t chunks;       /* gallery chunks */
    uint32_t host_chunks;  /* of them, kept in host memory and streamed when searching */
    uint64_t device_bytes; /* device memory the index holds (gallery and search buffers) */
    uint32_t query_block;  /* last search: queries per block (a distance GEMM's M) */
    uint32_t segments;     /* last search: workgroups per query in a chunk's selection */
    uint32_t dispatches;   /* last search: dispatches per query block */
    uint32_t submissions;  /* last search: command buffers submitted */
    double gpu_ms;         /* last search: GPU time summed over its submissions;
                              negative unless created with `profile` on a device
                              with timestamps */
} vkcnn_index_stats;

VKCNN_API vkcnn_status vkcnn_index_get_stats(const vkcnn_index *index, vkcnn_index_stats *stats);

/* Error message of the last failing call on this index ("" if none). */
VKCNN_API const char *vkcnn_index_error(const vkcnn_index *index);

/* ---- kernel tuning ------------------------------------------------------
 *
 * Each Conv, Gemm and MatMul runs one kernel variant (algorithm, register
 * block, load path, reduction), chosen by a rule from the device's
 * capabilities. vkcnn_tune measures, on the context's device, the candidate
 * variants of each distinct layer shape of a network (its batch bound when
 * it was loaded) and stores the winners in the context's cache directory,
 * keyed by device UUID, driver version, layer family, shape, batch and
 * precision; models created later use them (vkcnn_model_options.tuned).
 *
 * Per shape, largest first: a one-node network of that shape with random
 * data runs the default and each candidate with GPU timestamps, a warm-up
 * then interleaved rounds (default, candidate); a candidate whose output
 * differs from the default's by more than 1e-4 x max|default| + 1e-5 is
 * rejected; the fastest replaces the default only when faster by more than
 * 5% over the rounds (the median of each round's default / candidate
 * ratio), twice: in its own rounds and again in fresh ones. The whole call
 * keeps within options.budget_s (checked between candidates): the shapes it
 * does not reach keep the rule (reported as skipped). */
typedef struct vkcnn_tune_layer {
    const char *family;           /* "conv", "gemm" or "matmul" */
    const char *shape;            /* e.g. "conv x1x64x56x56 w64x64x3x3 g1 s1x1 d1x1 p1,1,1,1" */
    const char *first_node;       /* the first node of that shape */
    uint32_t node_count;          /* nodes of that shape */
    uint32_t candidates;          /* listed for it, the default included */
    uint32_t measured;            /* timed against the default */
    uint32_t rejected;            /* output differed from the default's */
    uint32_t failed;              /* could not be built or run (all: the default could not) */
    uint32_t skipped_candidates;  /* not measured: the budget ran out */
    const char *default_variant;  /* the rule's */
    const char *winner;           /* the default's when nothing was 5% faster */
    double default_ms, winner_ms; /* GPU medians per run (-1: nothing measured) */
    double speedup;               /* median of the rounds' default / winner ratios; 1 when
                                     the default stays */
    int unconfirmed;              /* the best candidate was not 5% faster when measured again */
    int stored;                   /* written to the tune file */
    int skipped;                  /* not reached within the budget */
    double seconds;               /* spent on this shape */
} vkcnn_tune_layer;

typedef struct vkcnn_tune_options {
    vkcnn_precision precision; /* the precision models will use (fp16 tunes separately) */
    double budget_s;           /* wall-time bound of the whole call; 0: 60 s */
    uint32_t rounds;           /* interleaved rounds per candidate; 0: 7 (at least 2) */
    /* As vkcnn_model_options: VKCNN_DEFAULT on unless VKCNN_FUSION=0 /
     * VKCNN_WINOGRAD=0 (Winograd candidates only with both on). */
    vkcnn_toggle fusion, winograd;
    /* Called after each shape (largest first), from the calling thread. */
    void (*progress)(void *user, const vkcnn_tune_layer *layer, uint32_t done, uint32_t total);
    void *user;
} vkcnn_tune_options;

typedef struct vkcnn_tune_result {
    uint32_t layer_count;
    const vkcnn_tune_layer *layers; /* distinct shapes, in network order */
    double seconds;                 /* the whole call */
    double budget_s;
    int budget_exhausted; /* some shape or candidate was left unmeasured */
    uint32_t stored;      /* shapes written to the tune file */
    const char *path;     /* the tune file; "" when nothing was stored */
    int rebuilt;          /* the device's tune file failed its checks: it was replaced */
} vkcnn_tune_result;

/* Tunes `net` on ctx's device (see above). `options` may be NULL. The
 * result (owned by the caller, freed with vkcnn_tune_result_destroy) lists
 * every shape. VKCNN_ERROR_UNSUPPORTED for a device without timestamps,
 * VKCNN_ERROR_IO when the context's cache is disabled or the file cannot be
 * written. Long: seconds to minutes (the budget). */
VKCNN_API vkcnn_status vkcnn_tune(vkcnn_context *ctx, const vkcnn_network *net,
                                  const vkcnn_tune_options *options, vkcnn_tune_result **out);
/* NULL is a no-op. */
VKCNN_API void vkcnn_tune_result_destroy(vkcnn_tune_result *result);

/* ---- Threads ------------------------------------------------------------
 * - vkcnn_status_string, vkcnn_version, vkcnn_last_error: any thread, any time
 *   (the last error is per thread).
 * - vkcnn_context_create/destroy: any thread; destroy must not race with any
 *   other call on the same context or its models, and every model of the
 *   context must be destroyed first.
 * - Read-only queries on a context (error, counts, device info): any thread,
 *   but vkcnn_context_error's string may change when another thread's call on
 *   the same context fails.
 * - Models: different models, on one context or on several, may be created,
 *   run, submitted, waited for and destroyed from different threads at the
 *   same time; they share the context's memory pools (locked), shader and
 *   pipeline caches, and queue (each vkQueueSubmit under the context's lock,
 *   and the application's adopt.queue_lock when given).
 * - One model: its calls must not overlap. Driving a model from several
 *   threads is fine under a lock the caller holds around each call (or each
 *   set_input .. submit .. get_result sequence that must stay together).
 * - Networks: vkcnn_network_* queries may run concurrently; a network may be
 *   compiled into models on several threads at once (it is read only).
 * - Images and presets: no shared state; any thread.
 * Tested by tests/run/test_threads.c, also under ThreadSanitizer.
 */

#ifdef __cplusplus
}
#endif

#endif /* VKCNN_H */
