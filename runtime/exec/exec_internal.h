/* The executor's state, shared by exec.c (create/run/IO) and exec_check.c. */
#ifndef VKC_EXEC_INTERNAL_H
#define VKC_EXEC_INTERNAL_H

#include "codegen/codegen.h"
#include "codegen/variant.h"
#include "plan/plan.h"
#include "exec/exec.h"
#include "vk/kernel.h"
#include "vk/memory.h"

/* What the executor keeps of a graph tensor. */
typedef struct vkc_xtensor {
    char *name;
    uint32_t rank;
    int64_t dims[VKC_MAX_RANK];
    uint64_t elements;
    bool constant;
    uint32_t storage; /* index in storages (views share their input's), or VKC_NONE */
} vkc_xtensor;

/* One device allocation of a tensor: `count` buffers of `chunk` floats
 * (the last holds the rest), as vkc_codegen_chunking decided; or, for an
 * activation placed by the memory plan, the range at `offset` of the arena
 * (chunks NULL, count 1, arena set). */
typedef struct vkc_storage {
    vkc_buffer *chunks;
    uint32_t count;
    uint64_t chunk, elements;
    vkc_buffer *arena; /* not owned: the executor's arena */
    VkDeviceSize offset;
    bool half; /* IEEE halves, two per 32-bit word, low half first (fp16 weights) */
    /* a slice of a Concat's output at batch > 1: images of `block`
     * elements, `gap` elements apart beyond that (0: dense) */
    uint64_t block, gap;
    /* a Gemm's B in gemv.comp's blocked order (vkc_xnode.packed_b):
     * `elements` counts its padding; never read or written as the tensor */
    bool packed;
} vkc_storage;

/* Bytes of n elements of storage s. */
static inline uint64_t vkc_storage_bytes(const vkc_storage *s, uint64_t n) {
    return s->half ? (n + 1) / 2 * 4 : n * 4;
}

/* Elements from a storage's first to its last: its own, plus the gaps
 * between its images. */
static inline uint64_t vkc_storage_span(const vkc_storage *s) {
    return s->gap && s->block ? s->elements + (s->elements / s->block - 1) * s->gap : s->elements;
}

/* What the executor keeps of a live node. */
typedef struct vkc_xnode {
    uint32_t index; /* in the graph */
    char *name;
    vkc_op op;
    vkc_attrs attrs;
    uint32_t *inputs; /* tensor indices, VKC_NONE for an absent optional input */
    uint32_t input_count;
    uint32_t own_inputs; /* the op's own; the post-ops' operands follow */
    uint32_t output;
    bool view;
    uint32_t first_dispatch, dispatch_count;
    vkc_post_op *post; /* its fused group's post-ops (graph.h), applied in order; owned */
    uint32_t post_count;
    uint32_t pool; /* Winograd Conv: fused MaxPool window (0: none), as vkc_node */
    int64_t conv_dims[4];
    vkc_window_attrs pool_window;
    uint32_t in_scale; /* direct Conv: input slot of X's scale, as vkc_node; VKC_NONE */
    uint32_t in_shift; /* 1x1 Conv: input slot of X's shift after the scale, as vkc_node */
    bool in_relu;      /* ... and a Relu after both, as vkc_node */
    /* Gemm whose kernel reads its B blocked (vkc_lowering.packed_b; the
     * layout's NC and chunk from vkc_node.gemv_nc, gemv_chunk): B, stored so
     * as it is uploaded; else VKC_NONE. The per-node check unpacks it. */
    uint32_t packed_b, packed_nc;
    uint64_t packed_chunk;
    uint32_t *members; /* graph nodes this one computes (itself, folded, fused) */
    uint32_t member_count;
    char *group;         /* "name (Op) + ..." of the members, for dumps */
    uint64_t macs;       /* of the node's own Conv/Gemm/MatMul */
    vkc_variant variant; /* what it runs as (Conv, Gemm, MatMul) */
    vkc_variant_source variant_source;
    char variant_name[VKC_VARIANT_STRING_MAX]; /* "" when none */
} vkc_xnode;

typedef struct vkc_xkernel {
    const char *template_name;
    char *defines;
    uint32_t subgroup_size; /* vkc_kdispatch.subgroup_size: pinned when non-zero */
    vkc_kernel kernel;
    bool created; /* kernel holds Vulkan objects */
} vkc_xkernel;

typedef struct vkc_xdispatch {
    uint32_t kernel; /* index in kernels */
    uint32_t node;   /* index in nodes */
    uint32_t groups[3];
    uint32_t binding_count;
    vkc_kbinding bindings[VKC_MAX_BINDINGS];
} vkc_xdispatch;

struct vkc_exec {
    vkcnn_context *ctx;
    vkc_codegen_target target;
    vkc_xtensor *tensors;
    uint32_t tensor_count;
    vkc_xnode *nodes; /* live nodes, graph order */
    uint32_t node_count;
    uint32_t graph_node_count;
    vkc_storage *storages;
    uint32_t storage_count;
    vkc_xkernel *kernels;
    uint32_t kernel_count, kernel_cap;
    vkc_xdispatch *dispatches;
    uint32_t dispatch_count;
    vkc_sequence *seq;
    bool recorded;                           /* seq's own command buffer (vkc_exec_run) */
    double spirv_ms, pipeline_ms, upload_ms; /* creation time, by phase (summed over threads) */
    double kernels_wall_ms;                  /* wall time of creating every kernel */
    vkc_plan plan;    /* activations' lifetimes and offsets (always computed) */
    bool planned;     /* activations live in the arena at plan.offset */
    vkc_buffer arena; /* valid when planned and plan.arena_bytes > 0 */
    bool arena_valid;
    vkc_buffer scratch; /* every node's scratch (codegen.h VKC_SCRATCH); valid when needed */
    bool scratch_valid;
    bool *half; /* per tensor: stored as fp16 (options.half_weights); NULL: none */
    /* per tensor: written in place into its slice of Concat output
     * in_place_of[t] at element in_place_at[t] (VKC_NONE: not); NULL: none */
    bool *in_place;
    uint32_t *in_place_of;
    uint64_t *in_place_at;
    /* per tensor in place at batch > 1: the elements between its images
     * beyond its own (vkc_codegen_target.out_gap); 0 otherwise */
    uint64_t *in_place_gap;
    /* vkc_exec_options.progress, during creation */
    void (*progress)(void *user, const char *stage, uint32_t done, uint32_t total);
    void *progress_user;
    /* per node of the passes' graph: the variant wanted (exec_choose.c) and
     * where from (vkc_variant_source) */
    vkc_variant *want;
    uint8_t *want_source;
    uint32_t tuned_nodes; /* nodes running a tuned choice */
};

/* exec_check.c: a malloc'd host copy of tensor t as the device holds it
 * (vkc_exec_read); NULL for t == VKC_NONE (an absent input). */
vkcnn_status vkc_exec_fetch(vkc_exec *e, uint32_t t, float **out);

/* exec_choose.c: the codegen target of ctx's device with its default load
 * paths, and VKCNN_KERNEL_OVERRIDE (unless opts->ignore_override) into *ov. */
vkcnn_status vkc_exec_target(vkcnn_context *ctx, const vkc_exec_options *opts,
                             vkc_codegen_target *t, vkc_kernel_override *ov);
/* The variant each node of g (the passes' copy, before the passes) is to
 * run, into e->want / e->want_source and e->target.want. */
vkcnn_status vkc_exec_wants(vkc_exec *e, const vkc_graph *g, const vkc_exec_options *opts,
                            const vkc_kernel_override *ov);
/* vkc_passes_options.choose on e->target (user). */
uint32_t vkc_exec_winograd_choose(const vkc_graph *g, uint32_t node, uint32_t rule, uint32_t form,
                                  void *user);
/* Records what kept node k runs as (its lowering's variant); fails naming
 * the node where a forced variant could not be honoured. */
vkcnn_status vkc_exec_note_variant(vkc_exec *e, uint32_t k, const vkc_variant *ran);

/* Buffer and byte offset of chunk c of storage s. */
static inline vkc_buffer *vkc_storage_buffer(const vkc_storage *s, uint32_t c,
                                             VkDeviceSize *offset) {
    *offset = s->arena ? s->offset : 0;
    return s->arena ? s->arena : &s->chunks[c];
}

/* The first `count` floats of dense storage s (at most its elements),
 * chunk by chunk, fp16 storage converted: vkc_exec_read's copy without its
 * checks (the per-node check reads blocked storage through it whole). */
vkcnn_status vkc_storage_read(vkc_exec *e, const vkc_storage *s, float *data, uint64_t count);

/* "node 'name' (Op)" of a kept node into buf. */
const char *vkc_exec_label(const vkc_xnode *n, char *buf, size_t size);

#endif
