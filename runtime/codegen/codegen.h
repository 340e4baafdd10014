/* Codegen: lowering of one graph-IR node to compute dispatches.
 *
 * For each node the lowering picks a kernel template from shaders/ (one per
 * operator family), writes the #define preamble that bakes the node's shapes
 * and attributes into it, sizes the dispatch grid, and lists the tensors the
 * kernel binds with their access modes. It touches no device: the executor
 * (runtime/exec) compiles the kernels and owns the buffers.
 *
 * Conventions shared with the templates:
 * - Binding 0 is the output (written); inputs follow in ops.h's operand order.
 * - Every tensor is one buffer, except the operands a template can read in
 *   pieces (Conv's W, Gemm's and MatMul's B): those may be split into up to
 *   VKC_CODEGEN_MAX_CHUNKS chunks (vkc_codegen_chunking), one binding each.
 *   Any other tensor larger than the target's max_binding_bytes is refused
 *   with VKCNN_ERROR_LIMIT naming it.
 * - Kernels are 1-D workgroups of local_size invocations, TOTAL invocations in
 *   all, on a grid that turns 2-D past max_groups[0] (see shaders/common.glsl).
 * - Reshape, Flatten, Squeeze, Unsqueeze, Identity and Dropout are views: the
 *   output shares the input's storage (the layout is always dense row-major).
 *
 * Each family lives in its own file (lower_window.c, lower_matrix.c,
 * lower_elementwise.c, lower_layout.c) so a faster kernel can replace one
 * template at a time. What a Conv, Gemm or MatMul runs as (algorithm,
 * block, load path, reduction) is a variant (variant.h) chosen by
 * choose.c, the one place that reads the device's caps to choose; the
 * lowering follows the variant. */
#ifndef VKC_CODEGEN_CODEGEN_H
#define VKC_CODEGEN_CODEGEN_H

#include <stdbool.h>
#include <stdint.h>

#include "codegen/variant.h"
#include "graph/graph.h"
#include "passes/passes.h"
#include "vk/spirv_reflect.h"

#define VKC_CODEGEN_MAX_CHUNKS 8                           /* shaders/split.glsl binds at most 8 */
#define VKC_CODEGEN_DEFINES_MAX 3072                       /* preamble bytes per dispatch */
#define VKC_CODEGEN_MAX_SPLIT_ELEMENTS ((uint64_t)1 << 31) /* uint indexing in shaders */

/* What the kernel choice may know of a device (runtime/codegen/choose.c
 * reads it; no other code looks at device properties to choose a kernel).
 * Filled by vkc_codegen_target_init from the device's info; the executor
 * adds what only the enabled device knows (int64). */
typedef struct vkc_device_caps {
    uint32_t vendor_id, device_id;
    uint32_t driver_version; /* vendor encoding */
    /* Mesa's version when the driver is lavapipe ("llvmpipe", driver info
     * "Mesa X.Y..."): X * 100 + Y; 0 otherwise */
    uint32_t mesa_version;
    bool cpu;   /* a software driver on the host's CPU (VKCNN_DEVICE_CPU) */
    bool int64; /* shaderInt64 enabled on the device */
    uint32_t subgroup_size, subgroup_min, subgroup_max;
    uint32_t subgroup_ops;  /* VKCNN_SUBGROUP_* usable in compute */
    uint32_t shared_memory; /* maxComputeSharedMemorySize, bytes */
    /* streaming multiprocessors (VK_NV_shader_sm_builtins), compute units
     * (VK_AMD_shader_core_properties) or lavapipe's worker threads (each
     * runs whole workgroups); 0 when the driver does not say */
    uint32_t compute_units;
    uint32_t vector_width; /* a software driver's SIMD width in bits, else 0 */
    /* lavapipe whose on-disk shader cache can hold only code of its own
     * SIMD width: the cache off (MESA_SHADER_CACHE_DISABLE), or
     * MESA_SHADER_CACHE_DIR naming the directory vkcnn's programs keep for
     * that width (.../vkcnn/lavapipe-W, tools/vector_width.h). Mesa does not
     * key cached shaders on the width, so elsewhere a shader compiled at
     * another width may run (choose.c, texel_unsafe). */
    bool jit_cache_private;
    uint32_t max_workgroup_invocations;
    /* Cooperative matrices (VK_NV_cooperative_matrix, enabled on the
     * device): the fp16 x fp16 -> fp32 fragment shape M x N x K; 0 when
     * none. subgroup_pin: pipelines can pin their subgroup size
     * (subgroupSizeControl enabled, compute among its stages); the
     * executor sets both from the enabled device. */
    uint32_t coopmat_m, coopmat_n, coopmat_k;
    bool subgroup_pin;
} vkc_device_caps;

typedef struct vkc_codegen_target {
    uint32_t local_size;        /* invocations per workgroup, a multiple of the subgroup size */
    uint32_t max_groups[3];     /* maxComputeWorkGroupCount */
    uint64_t max_binding_bytes; /* maxStorageBufferRange (tests may lower it) */
    /* the larger of minStorageBufferOffsetAlignment and
     * minTexelBufferOffsetAlignment (both powers of two): every binding
     * offset may then serve either kind of binding */
    uint64_t offset_alignment;
    uint32_t mx_subgroup_size; /* subgroup size (32 when unknown): gemv.comp's K blocks */
    uint32_t subgroup_ops;     /* VKCNN_SUBGROUP_* usable in compute */
    uint32_t subgroup_fixed;   /* the subgroup size when it cannot vary, else 0 */
    vkc_device_caps caps;
    /* 64-bit integer loads usable, and worth it: CPU drivers emulate every
     * load lane by lane, so 32 bytes per load instead of 16 (gemv.comp
     * VEC8). Set by the default chooser (vkc_choose_device_loads). */
    bool wide_loads;
    /* Read large read-only operands (conv_gemm.comp's X and W, gemv.comp's A
     * and B, the Winograd kernels' X, U, V and Mt, pool.comp's X) through
     * uniform texel buffers: on lavapipe a texelFetch is one
     * 16-byte gather, about 10x the rate of storage-buffer loads, which it
     * emulates lane by lane with a bounds check per component. The device's
     * default, set by the default chooser (vkc_choose_device_loads); while a
     * Conv, Gemm or MatMul is lowered, its variant's load path. A binding
     * uses it only within max_texel_elements texels of 16 bytes. */
    bool texel_loads;
    /* Declare uniform texel buffers as GLSL's samplerBuffer (SPIR-V: a
     * sampled image of Dim Buffer) rather than textureBuffer (a plain image
     * read by OpImageFetch): kernels get TEXEL_SAMPLED 1 (common.glsl).
     * Only where measured faster, lavapipe 22.3 (vkc_choose_device_loads);
     * SPIR-V 1.6 forbids the sampled form, and the kernels target 1.5 at
     * most (runtime/vk/kernel.c). */
    bool sampled_texels;
    /* Read float texel buffers as readonly rgba32f storage texel buffers
     * (imageLoad) instead: kernels get TEXEL_IMAGE 1 (common.glsl) where
     * vkc_choose_image_texels says (no tensor stored as halves, not a kernel
     * measured slower). Lavapipe 22.3 only, where measured
     * (vkc_choose_device_loads). image_all (VKCNN_KERNEL_OVERRIDE's
     * image=on): in every kernel, those measured slower too. */
    bool image_texels, image_all;
    /* Squeeze-and-excitation blocks as one dispatch
     * (vkc_choose_squeeze_excite); set by vkc_choose_device_loads */
    bool squeeze_excite;
    uint64_t max_texel_elements; /* maxTexelBufferElements */
    /* Per graph tensor: stored as IEEE fp16, two per 32-bit word, low half
     * first (set by the executor, vkc_exec_options.half_weights); NULL:
     * every tensor fp32. A kernel binding such a weight (a constant) gets
     * WT_HALF 1 and converts on load. An activation (no data) marked half
     * is bound as halves only by the kernels that handle them
     * (cg_bind_act); any other binding of it is recorded in the lowering's
     * fp32 list, and the executor then stores it in fp32. */
    const bool *half;
    /* Per graph tensor: the output of the Concat whose slice its producer
     * writes it into (the executor places it there), at element
     * in_place_at (of one image at batch > 1), so that Concat copies it no
     * more; VKC_NONE when none (other Concats reading it copy it). A
     * Concat's output may itself be in place at 0 in a Concat whose
     * inputs begin with its own (DenseNet's chains, batch 1): a Concat
     * copies input k unless following in_place_of from it reaches its
     * output with the offsets summing to k's slice. NULL: none. */
    const uint32_t *in_place_of;
    const uint64_t *in_place_at;
    /* Per graph tensor: for one written in place into a Concat's output at
     * batch > 1 (axis 1), the elements between its images beyond its own
     * image size (the Concat's other inputs' share); 0: dense. Kernels
     * that write through Y_AT (common.glsl) bind such an output with
     * cg_bind_out; any other binding of it lists it in the lowering's
     * `dense`. NULL: none. */
    const uint64_t *out_gap;
    /* Per graph node (want_count entries): the variant or pattern wanted for
     * it (codegen/variant.h; algo 0: the default rule), set by the executor
     * from a forced variant, VKCNN_KERNEL_OVERRIDE or the tuned choices;
     * vkc_variant_choose honours it where the node allows. NULL: none. */
    const vkc_variant *want;
    uint32_t want_count;
    /* Graph compilation off (vkc_exec_options.fusion false): one dispatch
     * per node, so no variant of several (im2col); Winograd needs the
     * passes anyway. */
    bool one_dispatch;
} vkc_codegen_target;

/* Target for a device: its limits and caps. texel_loads and wide_loads
 * start false (vkc_choose_device_loads sets the device's defaults).
 * `max_binding_bytes` overrides the device's maxStorageBufferRange when non-zero and smaller (tests
 * force splits). */
void vkc_codegen_target_init(vkc_codegen_target *t, const vkcnn_device_info *info,
                             uint64_t max_binding_bytes);

/* Storage of a tensor of `elements` floats: `count` chunks of `chunk`
 * elements each (the last holds the rest). One chunk when it fits
 * max_binding_bytes; else chunks of the largest size that fits, rounded down
 * to a multiple of the offset alignment. count may exceed
 * VKC_CODEGEN_MAX_CHUNKS: lowering then refuses the node. */
typedef struct vkc_chunking {
    uint64_t chunk;
    uint32_t count;
} vkc_chunking;
vkc_chunking vkc_codegen_chunking(const vkc_codegen_target *t, uint64_t elements);

typedef struct vkc_kbinding {
    uint32_t tensor; /* graph tensor index */
    uint32_t chunk;  /* which chunk of its storage (0 when not split) */
    unsigned access; /* VKC_READ / VKC_WRITE (vk/sequence.h) */
    /* an fp16 activation: the kernel declares it float16_t (storage) or
     * reads it through an R16G16B16A16_SFLOAT view (texels) */
    bool half;
} vkc_kbinding;

/* Push-constant words a dispatch may carry: 128 bytes, the least
 * maxPushConstantsSize a Vulkan device may report. */
#define VKC_PUSH_WORDS 32

typedef struct vkc_kdispatch {
    const char *template_name; /* shaders/<name>.comp; static string */
    char defines[VKC_CODEGEN_DEFINES_MAX];
    /* Shape-generic kernels: the preamble names its shapes' values as push
     * constants (cg_shape) rather than literals, so dispatches that differ
     * only in them share one pipeline; `push` holds the values. */
    bool push_shapes;
    uint32_t push_count;
    uint32_t push[VKC_PUSH_WORDS];
    uint32_t groups[3];
    /* invocations per workgroup, set before cg_grid (a multiple of the
     * subgroup size); 0: the target's local_size */
    uint32_t local_size;
    /* A shape-generic kernel whose post-ops are none, a Relu or a Clip
     * applies them as a clamp to [clamp_lo, clamp_hi] (EPI_LO, EPI_HI), push
     * constants where the block has room once the lowering is done (so one
     * pipeline serves all three), literals otherwise */
    bool clamp;
    float clamp_lo, clamp_hi;
    /* the subgroup size the kernel is written for (its preamble defines it
     * too, so kernels of equal template and defines agree), pinned in its
     * pipeline (vkc_kernel_desc.required_subgroup_size); 0: any */
    uint32_t subgroup_size;
    uint32_t binding_count;
    vkc_kbinding bindings[VKC_MAX_BINDINGS];
} vkc_kdispatch;

/* Scratch memory private to one node's dispatches (e.g. a Winograd layer's
 * transformed tiles, a split reduction's partial sums): a binding whose
 * tensor is VKC_SCRATCH(k) is scratch buffer k of the lowering. The
 * executor places every node's scratch in one shared buffer (its size the
 * largest node's need): scratch lives only while its node runs, and the
 * scheduler's hazard tracking orders one node's use after another's. */
#define VKC_MAX_SCRATCH 4
#define VKC_SCRATCH_BASE 0xF0000000u
#define VKC_SCRATCH(k) (VKC_SCRATCH_BASE + (uint32_t)(k))
#define VKC_IS_SCRATCH(t) ((t) >= VKC_SCRATCH_BASE && (t) < VKC_SCRATCH_BASE + VKC_MAX_SCRATCH)

typedef struct vkc_lowering {
    bool view; /* output aliases input 0: no dispatch */
    /* what a Conv, Gemm or MatMul was lowered as (codegen/variant.h;
     * zeroed for other ops) */
    vkc_variant variant;
    uint32_t count;            /* dispatches in execution order; 0 for views and empty outputs */
    vkc_kdispatch *dispatches; /* owned; free with vkc_lowering_free */
    uint32_t scratch_count;
    uint64_t scratch_elements[VKC_MAX_SCRATCH]; /* floats per scratch buffer */
    /* activations marked half (vkc_codegen_target.half) that a kernel of
     * this node binds as fp32 only: the executor must store them in fp32
     * and lower again. Owned; each tensor once. */
    uint32_t fp32_count;
    uint32_t *fp32;
    /* tensors with an out_gap that a kernel of this node binds as a dense
     * tensor: the executor must copy them into their Concat instead and
     * lower again. Owned; each tensor once. */
    uint32_t dense_count;
    uint32_t *dense;
    /* a Gemm whose kernel reads B (inputs[1]) in gemv.comp's blocked order
     * (vkc_node.gemv_packed): the executor must store B so */
    bool packed_b;
} vkc_lowering;

/* Lowers node `n` of g (live, shapes inferred), with its fused group: its
 * post-ops become part of its kernels' epilogue (shaders/epilogue.glsl), a
 * Conv runs as its `algo` says (Winograd: three dispatches, a fused MaxPool
 * in the output transform). Fails, with a message naming the node and op,
 * with VKCNN_ERROR_UNSUPPORTED for an op or dtype without a kernel and
 * VKCNN_ERROR_LIMIT for a tensor or grid over the target's limits. On
 * failure *out holds nothing to free. */
vkcnn_status vkc_codegen_lower(const vkc_graph *g, uint32_t n, const vkc_codegen_target *t,
                               vkc_lowering *out);
void vkc_lowering_free(vkc_lowering *l);

/* Whether Conv n of g, with Winograd weights `u` (transformed as
 * passes/winograd.c does), can run as Winograd on target t: its geometry
 * has a form and its transformed tiles fit the device's bindings. */
bool vkc_codegen_winograd_fits(const vkc_graph *g, uint32_t n, uint32_t u,
                               const vkc_codegen_target *t);

/* The rows per workgroup (NC) where Gemm n of g runs as gemv.comp's texel
 * path on target t (its variant, the wanted one where the node allows it),
 * the path that reads fp32 B blocked (passes/gemv_pack.c), else 0; *chunk:
 * the floats per binding of B on t (0: one binding). */
uint32_t vkc_codegen_gemv_packs(const vkc_graph *g, uint32_t n, const vkc_codegen_target *t,
                                uint64_t *chunk);

/* Whether Conv n of g runs as conv_row.comp reading its weights packed
 * (vkc_node.row_packed, passes/row_pack.c): its variant (the wanted one
 * where the node allows it) is the row kernel with texel loads and a
 * channel block of whole texels. */
bool vkc_codegen_row_packs(const vkc_graph *g, uint32_t n, const vkc_codegen_target *t);

/* Division of an x below 2^31 by `divisor` (>= 1) as a multiply-high and a
 * shift: x / divisor == umulhi(x, magic) >> shift, and x itself when magic
 * is 0 (divisor 1). common.glsl's vkc_udiv computes it in shaders, where a
 * division by a value known only at run time is slow (a CPU driver
 * scalarizes it lane by lane). */
void vkc_codegen_divisor(uint32_t divisor, uint32_t *magic, uint32_t *shift);

/* The full GLSL of template `name`: the embedded shaders/<name>.comp with its
 * `#include "x.glsl"` lines replaced by the embedded shaders/x.glsl (one
 * level). *source is malloc'd. */
vkcnn_status vkc_codegen_source(const char *name, char **source);

#endif
