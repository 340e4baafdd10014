/* The executor: runs an imported graph on the device with the kernels of
 * runtime/codegen: one dispatch (or a few, for Concat) per node, or, with
 * options.fusion, per fused group after the graph passes (runtime/passes,
 * run on a private copy of the graph).
 *
 * Usage:
 *     vkc_exec *e;
 *     vkc_exec_create(ctx, graph, NULL, &e);        // compile, allocate, upload, record
 *     vkc_exec_write(e, graph->inputs[0], x, n);     // any runtime tensor
 *     vkc_exec_run(e);                               // submit the recorded work, wait
 *     vkc_exec_read(e, graph->outputs[0], y, m);     // any tensor, outputs included
 *     vkc_exec_check(e, 1e-3f, 1e-5f, msg, sizeof msg); // optional per-node check
 *     vkc_exec_destroy(e);
 *
 * Creation compiles each distinct (template, defines) once through the
 * context's disk cache, places activations in one arena when
 * options.plan_memory (runtime/plan), allocates one device buffer per other
 * tensor (tensors over maxStorageBufferRange that a kernel can read in
 * pieces get one buffer per chunk), makes view ops (Reshape, Flatten, Squeeze, Unsqueeze, Identity,
 * Dropout) share their input's buffer, uploads every constant once into
 * device-local memory, and records the whole graph once into a sequence
 * (vk/sequence.h), which computes the barriers.
 *
 * The graph is only read during vkc_exec_create; the executor keeps what it
 * needs (shapes, names, attributes), so the graph may be destroyed afterwards.
 * Every failure returns a status with a message (vkc_fail) that names the
 * node and op where one is involved; nothing prints; no call leaks on any
 * error path. Calls on one executor must not overlap. */
#ifndef VKC_EXEC_EXEC_H
#define VKC_EXEC_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "codegen/variant.h"
#include "graph/graph.h"
#include "plan/plan.h"
#include "vk/sequence.h"

typedef struct vkc_exec vkc_exec;
struct vkc_tune_table;

typedef struct vkc_exec_options {
    /* Timestamps around each dispatch (when the device has them); read with
     * vkc_exec_dispatch_ms after a run. */
    bool timestamps;
    /* Largest binding in bytes; 0 (the default) is the device's
     * maxStorageBufferRange. Tests lower it to exercise split weights. */
    uint64_t max_binding_bytes;
    /* Run the graph passes (runtime/passes: identity removal, batch-norm
     * folding, fusion of epilogues) on a copy of the graph before lowering.
     * Off: one kernel per node, as imported. */
    bool fusion;
    /* With fusion: run 3x3 stride-1 Convs as Winograd convolutions (their
     * weights transformed once here, runtime/passes/winograd.c; three
     * dispatches each, runtime/codegen/lower_winograd.c). Off (the default
     * of a zeroed struct): every Conv runs as a direct/implicit-GEMM conv. */
    bool winograd;
    /* Place activations (tensors that are no graph input or output and no
     * constant) in one arena at the offsets of runtime/plan, so tensors
     * whose lifetimes do not overlap share memory. Then an intermediate
     * tensor read after a run may hold a later tensor's values: leave it off
     * to read (or check, vkc_exec_check) intermediates. Falls back to one
     * buffer per tensor when the arena exceeds maxMemoryAllocationSize. */
    bool plan_memory;
    /* Store weights as IEEE fp16 (half the memory and the bytes each load
     * brings in); kernels convert them on load and compute in fp32. A
     * constant is stored so when every use reads it as a weight (operand 1
     * of a Conv, Gemm or MatMul) and every value fits a half (|w| <= 65504);
     * others stay fp32, and so do Winograd layers' transformed weights
     * (exec.c, choose_half, says why).
     * vkc_exec_read returns such a tensor's stored (rounded) values. */
    bool half_weights;
    /* Store activations as IEEE fp16 too (the `fp16` precision), where the
     * device has 16-bit storage: each one whose producer and every reader
     * have an fp16 form (exec.c, choose_half_activations); graph inputs and
     * outputs stay fp32. Kernels load halves and compute in fp32: a product
     * of two halves is exact in fp32, and sums accumulate in fp32. */
    bool half_activations;
    /* With half_weights: nodes of the passes' graph (vkc_exec_node_count
     * entries, as vkc_exec_precision_auto numbers them) whose weights stay
     * fp32. NULL: none. */
    const bool *fp32_nodes;
    uint32_t fp32_node_count;
    /* Kernel choice (codegen/variant.h, choose.h; exec_choose.c). Each Conv,
     * Gemm and MatMul runs the default rule's variant unless, first match:
     * - force[family] (VKC_FAMILY_COUNT entries; algo 0: none) names a
     *   complete variant: every node of that family runs it, and creation
     *   fails (naming the node) where a node cannot (the tuner);
     * - VKCNN_KERNEL_OVERRIDE names a pattern for the family (unless
     *   ignore_override): where the node allows it;
     * - `tuned` holds a choice for the node's shape and precision that is
     *   among the node's candidates. */
    const vkc_variant *force;
    bool ignore_override;
    const struct vkc_tune_table *tuned;
    /* vkcnn_model_options.progress and its user pointer; NULL: none */
    void (*progress)(void *user, const char *stage, uint32_t done, uint32_t total);
    void *progress_user;
} vkc_exec_options;

/* Compiles and records graph `g` (validated, shapes inferred, batch bound)
 * for ctx's device. `opts` may be NULL. On failure *out is NULL. Fails with
 * VKCNN_ERROR_UNSUPPORTED for an op without a kernel and VKCNN_ERROR_LIMIT
 * for a tensor over the device's limits, naming the node, op and tensor. */
vkcnn_status vkc_exec_create(vkcnn_context *ctx, const vkc_graph *g, const vkc_exec_options *opts,
                             vkc_exec **out);

/* Waits for nothing (runs are synchronous) and frees everything. NULL: no-op. */
void vkc_exec_destroy(vkc_exec *e);

/* Copies `count` floats, exactly the tensor's element count, into graph
 * tensor `tensor` (a graph input, normally). VKCNN_ERROR_INVALID_ARGUMENT for
 * a tensor the executor holds no storage for or a wrong count. */
vkcnn_status vkc_exec_write(vkc_exec *e, uint32_t tensor, const float *data, size_t count);

/* Where tensor `tensor` lives on the device, as a binding (read-write), for
 * work recorded outside the executor, e.g. a preprocessing shader that writes
 * an input image straight into the model's input. VKCNN_ERROR_INVALID_ARGUMENT
 * for a tensor without storage or one split across several buffers. */
vkcnn_status vkc_exec_tensor_binding(const vkc_exec *e, uint32_t tensor, vkc_binding *out);

/* Runs every dispatch once, in graph order, and waits (the sequence's own
 * command buffer, recorded on the first call). */
vkcnn_status vkc_exec_run(vkc_exec *e);

/* Records every dispatch into `cmd` instead, for work submitted by the
 * caller (runtime/run's in-flight slots); see vkc_sequence_record_into for
 * the barriers that are the caller's. `queries` from vkc_exec_create_queries
 * (VK_NULL_HANDLE: none); after that work completed, vkc_exec_read_queries
 * makes vkc_exec_dispatch_ms / _total_ms report it. */
void vkc_exec_record(vkc_exec *e, VkCommandBuffer cmd, VkQueryPool queries);
/* Dispatches first .. first + count - 1 only (vkc_sequence_record_range). */
void vkc_exec_record_range(vkc_exec *e, VkCommandBuffer cmd, VkQueryPool queries, uint32_t first,
                           uint32_t count);
vkcnn_status vkc_exec_create_queries(vkc_exec *e, VkQueryPool *out);
void vkc_exec_destroy_queries(vkc_exec *e, VkQueryPool pool);
vkcnn_status vkc_exec_read_queries(vkc_exec *e, VkQueryPool pool);

/* The device storage of `tensor`: how many chunks (0: none; more than one
 * when split across bindings), and chunk c as a binding with its byte range
 * and the index of its first element. */
uint32_t vkc_exec_tensor_chunks(const vkc_exec *e, uint32_t tensor);
vkcnn_status vkc_exec_tensor_chunk(const vkc_exec *e, uint32_t tensor, uint32_t chunk,
                                   vkc_binding *out, uint64_t *first);

/* The auto precision policy (vkcnn_model_options.precision, exec_precision.c):
 * whether `g` runs with fp16 weights on ctx's device, and which nodes keep
 * fp32 ones. `base` gives every other option (fusion, Winograd, tuned
 * choices). `tolerance` bounds max |fp16 - fp32| / max |fp32| over the
 * outputs (0: 1e-2, the policy's; tests pass others). */
typedef struct vkc_precision_choice {
    bool fp16;
    bool *fp32_nodes; /* node_count entries, or NULL; malloc'd (fp32: none, count 0) */
    uint32_t node_count, fp32_count;
    double error;    /* the accepted check's max |diff| / max |ref|; 0 when none ran */
    uint32_t rounds; /* fp16 executors the check built (0: from the cache or not run) */
    bool from_cache;
    char note[160];
} vkc_precision_choice;
vkcnn_status vkc_exec_precision_auto(vkcnn_context *ctx, const vkc_graph *g,
                                     const vkc_exec_options *base, double tolerance,
                                     vkc_precision_choice *out);
void vkc_precision_choice_free(vkc_precision_choice *c);

/* Live nodes of the executor's (passes') graph. */
uint32_t vkc_exec_node_count(const vkc_exec *e);

/* Copies tensor `tensor` (any tensor with storage: inputs, intermediates,
 * outputs, constants) into `data`; `count` must be its element count. */
vkcnn_status vkc_exec_read(vkc_exec *e, uint32_t tensor, float *data, size_t count);

/* Per-node check, after a run: recomputes every node with runtime/ref from
 * the device's own values of that node's inputs and compares with the
 * device's output: |device - ref| <= atol + rtol * max|ref| everywhere (NaN only
 * matches NaN). On the first node that differs, writes a report naming it
 * (node, op, output, max |diff| and where) into `report` and returns
 * VKCNN_ERROR_INVALID_MODEL with the same message; else writes a summary and
 * returns VKCNN_OK. `report` may be NULL. Slow: reads every tensor back. */
vkcnn_status vkc_exec_check(vkc_exec *e, float rtol, float atol, char *report, size_t size);

/* Dispatches recorded, and those of graph node `node` (0 for a view, a dead
 * node, a node folded or fused into another, or an empty output): first
 * index and count, in sequence order. */
uint32_t vkc_exec_dispatch_count(const vkc_exec *e);
/* Distinct kernels (compute pipelines) the model created: dispatches of the
 * same generated source and defines share one. */
uint32_t vkc_exec_kernel_count(const vkc_exec *e);
void vkc_exec_node_dispatches(const vkc_exec *e, uint32_t node, uint32_t *first, uint32_t *count);

/* Template name and #define preamble of dispatch i (for VKCNN_DEBUG dumps);
 * NULL when i is out of range. */
const char *vkc_exec_dispatch_template(const vkc_exec *e, uint32_t i);
const char *vkc_exec_dispatch_defines(const vkc_exec *e, uint32_t i);

/* Barriers between dispatches, and the GPU time of the whole last run (ms,
 * negative without timestamps). */
uint32_t vkc_exec_barrier_count(const vkc_exec *e);
double vkc_exec_total_ms(const vkc_exec *e);

/* GPU time of dispatch i in the last run (ms), negative without timestamps. */
double vkc_exec_dispatch_ms(const vkc_exec *e, uint32_t i);

/* The graph nodes dispatch i computes (its fused group: the node itself and
 * the batch norm folded and activations fused into it), as indices of the
 * graph given to vkc_exec_create, ascending; *nodes is owned by e (may be
 * NULL when only the count is wanted). 0 when i is out of range. */
uint32_t vkc_exec_dispatch_nodes(const vkc_exec *e, uint32_t i, const uint32_t **nodes);

/* Activation memory: the arena's size (peak) and the sum of every
 * activation's size (no sharing), both computed whether or not the plan is
 * applied (planned). */
typedef struct vkc_exec_memory {
    uint64_t arena_bytes, naive_bytes;
    bool planned;
} vkc_exec_memory;
void vkc_exec_memory_stats(const vkc_exec *e, vkc_exec_memory *out);

/* The memory plan in use (offsets, sizes, live ranges per tensor of the
 * executed graph: the given graph's tensors first, then those the passes
 * added), or NULL when activations are not planned. */
const vkc_plan *vkc_exec_memory_plan(const vkc_exec *e);

/* The options vkc_exec_create runs the graph passes with on e's target
 * (its callbacks read e, which must outlive their use), for fusion and
 * Winograd as given: replayed on a copy of the graph it was created from,
 * they make the graph that the memory plan indexes (the tensors the passes
 * add included). */
struct vkc_passes_options;
void vkc_exec_passes_options(const vkc_exec *e, bool fusion, bool winograd,
                             struct vkc_passes_options *out);

/* Time vkc_exec_create spent getting SPIR-V (glslang, or the disk cache),
 * creating modules and pipelines, and uploading constants, in ms of wall
 * time. Kernels are created on several threads (VKCNN_COMPILE_THREADS):
 * their wall time is split between the first two in proportion to each
 * phase's time summed over the threads. */
void vkc_exec_load_times(const vkc_exec *e, double *spirv_ms, double *pipeline_ms,
                         double *upload_ms);

/* Where a node's kernel variant came from. */
typedef enum vkc_variant_source {
    VKC_VARIANT_NONE = 0, /* no family (pools, elementwise, ...) */
    VKC_VARIANT_RULE,     /* the default rule */
    VKC_VARIANT_FORCED,   /* vkc_exec_options.force */
    VKC_VARIANT_OVERRIDE, /* VKCNN_KERNEL_OVERRIDE */
    VKC_VARIANT_TUNED,    /* vkc_exec_options.tuned */
} vkc_variant_source;

/* The variant graph node `node` runs as and where it came from; false for a
 * node without one (no family, dead, fused into another). */
bool vkc_exec_node_variant(const vkc_exec *e, uint32_t node, vkc_variant *v,
                           vkc_variant_source *source);

/* Nodes that run a tuned choice (VKC_VARIANT_TUNED). */
uint32_t vkc_exec_tuned_count(const vkc_exec *e);

/* What dispatch i does, for per-layer figures. Strings are owned by e. */
typedef struct vkc_exec_dispatch {
    const char *kernel;  /* template */
    const char *variant; /* its node's kernel variant (variant.h), "" when none */
    const char *node;    /* the graph node it belongs to */
    const char *group;   /* "name (Op) + ..." of every node it computes */
    uint32_t groups[3];
    double gpu_ms;                      /* last run; negative without timestamps */
    uint64_t flops;                     /* 2 x MACs of its Conv/Gemm/MatMul (direct) */
    uint64_t bytes_read, bytes_written; /* of its bound tensors */
} vkc_exec_dispatch;
vkcnn_status vkc_exec_dispatch_info(const vkc_exec *e, uint32_t i, vkc_exec_dispatch *out);

/* Writes the plan to f: totals (dispatches, barriers, kernels, arena and
 * naive activation bytes), then per dispatch its kernel, grid, the graph
 * nodes it computes and every binding with its shape and place (arena
 * offset, own buffer, constant). detail >= 2 adds each distinct kernel's
 * defines and full GLSL. */
void vkc_exec_describe(const vkc_exec *e, unsigned detail, FILE *f);

/* Each dispatch of the last run, with its GPU time when timestamped. */
void vkc_exec_describe_run(const vkc_exec *e, FILE *f);

#endif
