/* Graph IR: what the importer produces and the later stages (passes, plan,
 * codegen) consume.
 *
 * Invariants of a graph returned by the importer (vkc_onnx_import):
 * - nodes[] is in topological order; every node input is a graph input, a
 *   constant, or an output of an earlier node; tensor names are unique.
 * - Every tensor has a static shape (the symbolic batch is bound) and every
 *   runtime tensor (data == NULL) is float32. Constants (data != NULL) are
 *   float32 or int64 and are owned by the graph.
 * - Shape arithmetic (Shape, Gather, Cast, Slice, Concat, Squeeze, Unsqueeze,
 *   Reshape, Constant, ... on constants) has been evaluated and removed.
 * - Operands that ONNX passes as inputs in some opsets and as attributes in
 *   others (Reshape's shape, Pad's pads, Clip's min/max, Squeeze's axes, ...)
 *   are decoded into the node's attribute struct and are no longer inputs:
 *   node inputs are the data operands only, listed per op in ops.h.
 */
#ifndef VKC_GRAPH_GRAPH_H
#define VKC_GRAPH_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/ops.h"
#include "vkcnn.h"

#if defined(__GNUC__)
#define VKC_GRAPH_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define VKC_GRAPH_PRINTF(f, a)
#endif

#define VKC_MAX_RANK 8
#define VKC_NONE UINT32_MAX /* absent optional input / no producer */

typedef enum vkc_dtype {
    VKC_DTYPE_FLOAT32 = 1, /* values match ONNX TensorProto.DataType */
    VKC_DTYPE_INT64 = 7,
} vkc_dtype;

typedef struct vkc_tensor {
    char *name;
    vkc_dtype dtype;
    uint32_t rank;
    int64_t dims[VKC_MAX_RANK]; /* each >= 0 once shape_known */
    bool shape_known;
    uint64_t elements; /* product of dims, checked against the element limit */

    /* Constant data (elements values of dtype), owned; NULL for runtime. */
    void *data;
    bool initializer; /* came from the file's initializers */

    uint32_t producer;   /* node index, or VKC_NONE (graph input / constant) */
    uint32_t *consumers; /* node indices, one entry per use */
    uint32_t consumer_count, consumer_cap;

    bool graph_input, graph_output;
    /* Shape the file declares (value_info / inputs / outputs), -1 for a
     * symbolic dimension; declared_rank UINT32_MAX when none is declared. */
    uint32_t declared_rank;
    int64_t declared_dims[VKC_MAX_RANK];
} vkc_tensor;

/* A fused group's post-ops: vkc_post_op (ops.h). */

/* How a Conv runs: decided once, by vkc_pass_winograd_weights. */
typedef enum vkc_conv_algo {
    VKC_CONV_ALGO_DIRECT = 0, /* direct or implicit-GEMM convolution */
    VKC_CONV_ALGO_WINOGRAD,   /* Winograd F(T x T, 3x3) on the weights `winograd` */
} vkc_conv_algo;

typedef struct vkc_node {
    char *name; /* the file's name, or "<op>_<index>" when it has none */
    vkc_op op;
    int opset;        /* version of the default domain the node was written for */
    uint32_t *inputs; /* tensor indices; VKC_NONE for an absent optional one */
    uint32_t input_count;
    /* inputs[0, own_inputs) are the op's own operands (ops.h); after them
     * come the post-ops' operand tensors */
    uint32_t own_inputs;
    uint32_t *outputs;
    uint32_t output_count;
    vkc_attrs attrs; /* decoded per op, see ops.h */
    bool dead;       /* folded or removed; skipped by every consumer of the IR */

    /* The fused group (all empty until the passes run). */
    vkc_post_op *post; /* applied in order after the op; owned */
    uint32_t post_count;
    uint32_t *members; /* the graph nodes folded or fused into this one, not itself; owned */
    uint32_t member_count;
    vkc_conv_algo algo;
    /* Winograd Conv: its transformed weights, a constant
     * [ALPHA^2][KS^2 C][MP] (passes.h), else VKC_NONE */
    uint32_t winograd;
    /* Gemm: its B (inputs[1]), to be stored in gemv.comp's blocked order
     * for gemv_nc rows per workgroup and bindings of gemv_chunk floats (0:
     * one binding) (passes/gemv_pack.c, vkc_gemv_pack_offset), else VKC_NONE */
    uint32_t gemv_packed, gemv_nc;
    uint64_t gemv_chunk;
    /* Conv run by the row kernel (conv_row.comp's WPACK): its weights W
     * [M][C][KH][KW] again as a constant [C][KH][M4][KW][4], M4 = ceil(M /
     * 4), channels past M zero: tap (ky, kx) of channels 4q .. 4q + 3 is
     * one aligned texel (passes/row_pack.c), else VKC_NONE */
    uint32_t row_packed;
    /* Winograd Conv: a MaxPool of window and stride `pool` applied after the
     * post-ops (fuse.c vkc_pass_fuse_pool); 0: none. The node's output is
     * then the pool's; conv_dims is the Conv's own output shape (NCHW), never
     * stored; pool_window the pool's attributes (the per-node check). */
    uint32_t pool;
    int64_t conv_dims[4];
    vkc_window_attrs pool_window;
    /* Direct Conv: its input X scaled on load, X[n, c, ...] * s (the Mul of
     * a squeeze-and-excitation block, fuse.c vkc_pass_fuse_input_scale): the
     * input slot of s, VKC_NONE when none; s holds one value per channel
     * (VKC_OPERAND_CHANNEL) or per image and channel (IMAGE_CHANNEL).
     * A 1x1 Conv of group 1 without padding may also shift the scaled value
     * and clamp it at 0, X * s + t then Relu (a BatchNormalization and Relu
     * before it, fuse.c vkc_pass_fuse_input_affine): in_shift the input
     * slot of t (one value per channel, as s), VKC_NONE when none; in_relu
     * whether the Relu follows. Only the 1x1 GEMM (conv1x1.comp) takes
     * them. */
    uint32_t in_scale;
    vkc_operand_kind in_scale_kind;
    uint32_t in_shift;
    bool in_relu;
} vkc_node;

/* Limits applied while importing (filled from vkcnn_network_options). */
typedef struct vkc_limits {
    uint64_t max_file_bytes;
    uint64_t max_tensor_elements;
    uint64_t max_total_bytes; /* all constant data + decoder memory */
    uint32_t max_nodes;
    uint32_t max_tensors;
} vkc_limits;

typedef struct vkc_graph {
    vkc_tensor *tensors;
    uint32_t tensor_count, tensor_cap;
    vkc_node *nodes;
    uint32_t node_count, node_cap;
    uint32_t *inputs; /* runtime graph inputs (initializers excluded) */
    uint32_t input_count;
    uint32_t *outputs;
    uint32_t output_count;

    int64_t ir_version;
    int64_t opset; /* default-domain opset */
    char *producer;
    char *producer_version;
    int64_t batch;           /* bound batch size */
    uint64_t file_params;    /* elements in the file's initializers, each once */
    uint64_t constant_bytes; /* bytes of constant data held */
    vkc_limits limits;
} vkc_graph;

/* Creates an empty graph with the given limits; NULL when out of memory. */
vkc_graph *vkc_graph_create(const vkc_limits *limits);
void vkc_graph_destroy(vkc_graph *g);

/* Index of the tensor named `name`, or VKC_NONE. */
uint32_t vkc_graph_find(const vkc_graph *g, const char *name);

/* Adds a tensor (the name is copied); fails on a duplicate name or when the
 * tensor limit is hit. *index receives its index. */
vkcnn_status vkc_graph_add_tensor(vkc_graph *g, const char *name, uint32_t *index);

/* Sets a tensor's shape; fails if any dim is negative or the element count
 * exceeds the limit. `what` names the tensor's role for the message. */
vkcnn_status vkc_graph_set_shape(vkc_graph *g, uint32_t t, vkc_dtype dtype, uint32_t rank,
                                 const int64_t *dims);

/* Allocates zeroed constant storage for tensor t (whose shape is set),
 * charged against max_total_bytes. */
vkcnn_status vkc_graph_alloc_data(vkc_graph *g, uint32_t t, void **data);

/* Makes `data` (a malloc block of t's elements) t's constant storage,
 * charged against max_total_bytes as alloc_data is; on failure it is
 * freed. */
vkcnn_status vkc_graph_adopt_data(vkc_graph *g, uint32_t t, void *data);

/* Appends a node with `input_count`/`output_count` slots (all VKC_NONE). The
 * name is copied; NULL or "" generates one. */
vkcnn_status vkc_graph_add_node(vkc_graph *g, vkc_op op, int opset, const char *name,
                                uint32_t input_count, uint32_t output_count, uint32_t *index);

/* Records consumer links for node n's inputs and producer links for its
 * outputs (fails if an output already has a producer). */
vkcnn_status vkc_graph_link_node(vkc_graph *g, uint32_t n);

/* Drops input slot `slot` of node n. Consumer lists go stale until
 * vkc_graph_relink. */
void vkc_graph_drop_input(vkc_graph *g, uint32_t n, uint32_t slot);

/* Appends tensor t to node n's inputs (a post-op's operand) and sets *slot
 * to its slot. Consumer lists go stale until vkc_graph_relink. */
vkcnn_status vkc_graph_append_input(vkc_graph *g, uint32_t n, uint32_t t, uint32_t *slot);

/* Appends a post-op to node n's group (and its source to the members). */
vkcnn_status vkc_graph_append_post(vkc_graph *g, uint32_t n, const vkc_post_op *op);

/* Records that node n computes node `member` too (folded or fused into it),
 * with the nodes member had absorbed. */
vkcnn_status vkc_graph_add_member(vkc_graph *g, uint32_t n, uint32_t member);

/* Rebuilds every tensor's consumer list from the live nodes (the importer
 * calls it once all nodes are inferred and folded). */
vkcnn_status vkc_graph_relink(vkc_graph *g);

/* Records an error prefixed with "node 'name' (Op): "; returns status. */
vkcnn_status vkc_node_fail(const vkc_graph *g, uint32_t n, vkcnn_status status, const char *fmt,
                           ...) VKC_GRAPH_PRINTF(4, 5);

/* "node 'conv1' (Conv)" into buf, for messages. */
const char *vkc_node_label(const vkc_graph *g, uint32_t n, char *buf, size_t size);

/* Formats a shape as "[1, 3, 224, 224]" into buf. */
const char *vkc_shape_string(uint32_t rank, const int64_t *dims, char *buf, size_t size);

/* Checks the graph invariants listed at the top of this file (topological
 * order, links, shapes known, float32 at run time). Used by tests and as a
 * final check of the importer. */
vkcnn_status vkc_graph_validate(const vkc_graph *g);

/* Shape inference for node n: decodes constant operands into its attributes,
 * drops them from the inputs, checks input shapes and sets output shapes.
 * Inputs must have known shapes. */
vkcnn_status vkc_infer_node(vkc_graph *g, uint32_t n);

/* Evaluates node n at load when its inputs are constant and it is shape
 * arithmetic (or any int64 computation); marks it dead on success and sets
 * *folded. Errors when a runtime int64 value would be needed. */
vkcnn_status vkc_fold_node(vkc_graph *g, uint32_t n, bool *folded);

/* Multiply-accumulates of node n (Conv, Gemm, MatMul), 0 for other ops. */
uint64_t vkc_node_macs(const vkc_graph *g, uint32_t n);

#endif
