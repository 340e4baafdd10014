/* Graph passes: rewrites of the graph IR between import and lowering.
 *
 * Pipeline (vkc_passes_run, in this order, each also callable alone):
 *   0. vkc_pass_fold_constants: a float node whose inputs are all constants
 *      is computed at load (runtime/ref) and becomes a constant.
 *   1. vkc_pass_remove_views: Identity and Dropout (inference: identity) and
 *      Reshape/Flatten/Squeeze/Unsqueeze that keep the shape are removed,
 *      their consumers reading the input directly. Shape-changing views stay:
 *      the executor makes them zero-copy (no dispatch either way).
 *   2. vkc_pass_fold_batch_norm: BatchNormalization whose input is the only
 *      use of a Conv's or Gemm's output is folded into that node's weights
 *      and bias (computed in double at load), and removed.
 *   3. vkc_pass_fuse: an activation (and MatMul's bias Add) folded into the
 *      epilogue of the Conv / Gemm / MatMul that produces its input, by the
 *      rule written next to its code in fuse.c.
 *   4. vkc_pass_winograd_weights (when opts->winograd): each Conv that
 *      vkc_winograd_tile picks gets its weights transformed once, at load,
 *      into a new constant U = G g G^T (winograd.c), recorded in its
 *      epilogue's `winograd` field for the lowering (lower_winograd.c).
 *   5. vkc_pass_fuse_pool (when opts->winograd_runs): a MaxPool whose
 *      windows tile a Winograd Conv's output tiles (2x2 stride 2 after VGG's
 *      convs) is folded into that Conv's output transform (fuse.c), when
 *      the lowering will run the Conv as Winograd (opts->winograd_runs).
 *
 * Passes rewrite the graph in place and keep every tensor and node index:
 * removed nodes are marked dead; a node that absorbs another takes over the
 * absorbed node's output tensor (so graph outputs never move); new constant
 * tensors (folded weights) are appended. Consumer lists are rebuilt
 * (vkc_graph_relink) after each pass. What a pass cannot express in the IR
 * (epilogues, which node absorbed which) is recorded in vkc_passes.
 *
 * Passes never change results beyond float reassociation (batch-norm folding
 * rounds the folded weights once, in float, from double). */
#ifndef VKC_PASSES_PASSES_H
#define VKC_PASSES_PASSES_H

#include <stdbool.h>
#include <stdint.h>

#include "graph/graph.h"

/* What is fused after a node's own computation, applied per output element
 * before the store (shaders/epilogue.glsl). */
typedef struct vkc_epilogue {
    uint32_t bias;   /* MatMul + Add: a constant [N] (or [1, N]) added per column; VKC_NONE */
    vkc_op act;      /* VKC_OP_COUNT: none; else Relu, LeakyRelu, Clip, Sigmoid, Tanh, PRelu */
    vkc_attrs attrs; /* the activation's attributes (alpha, clip) */
    uint32_t slope;  /* PRelu: constant slope tensor (one value per channel or one); VKC_NONE */
    /* Conv only: its Winograd-transformed weights, a constant
     * [ALPHA^2][KS^2 C][MP] appended by vkc_pass_winograd_weights (ALPHA = tile + 2,
     * KS = vkc_winograd_parts' per_axis,
     * MP = M rounded up to VKC_WINOGRAD_MPAD, zero past M); VKC_NONE: none,
     * the conv runs as a direct/implicit-GEMM conv. Not an epilogue step: it
     * only tells the lowering which kernels to use. */
    uint32_t winograd;
    /* Winograd Conv only (vkc_pass_fuse_pool): a MaxPool applied after the
     * activation, window pool x pool at stride pool (no padding, dilation 1,
     * pool dividing the output tile, so every window lies in one tile); 0:
     * none. The node's output tensor is then the pool's; conv_dims is the
     * Conv's own output shape (NCHW), never stored. pool_attrs: the pool's
     * attributes (the per-node check recomputes it). */
    uint32_t pool;
    int64_t conv_dims[4];
    vkc_attrs pool_attrs;
} vkc_epilogue;

typedef struct vkc_passes {
    uint32_t node_count;    /* graph nodes when the passes ran (new nodes: none) */
    vkc_epilogue *epilogue; /* per node */
    /* Per node: the node whose dispatches compute it (itself when it runs on
     * its own, the absorbing node when folded or fused into one), VKC_NONE
     * when removed without a trace (identity-like). */
    uint32_t *owner;
    uint32_t removed, folded, fused, constants; /* counts, for reports */
} vkc_passes;

/* Whether the lowering will run Conv `node` (whose epilogue is e, with
 * transformed weights) as Winograd on the target: that depends on device
 * limits the passes do not know (codegen's vkc_codegen_winograd_runs). */
typedef bool (*vkc_winograd_runs_fn)(const vkc_graph *g, uint32_t node, const vkc_epilogue *e,
                                     void *user);

typedef struct vkc_passes_options {
    bool fusion;   /* false: run no pass at all (the unfused path) */
    bool winograd; /* run vkc_pass_winograd_weights (with fusion only) */
    /* vkc_pass_fuse_pool runs (after the Winograd weights) when set */
    vkc_winograd_runs_fn winograd_runs;
    void *user;
} vkc_passes_options;

/* Initializes r for g (no epilogues, every node its own owner). */
vkcnn_status vkc_passes_init(const vkc_graph *g, vkc_passes *r);
void vkc_passes_free(vkc_passes *r);

vkcnn_status vkc_pass_fold_constants(vkc_graph *g, vkc_passes *r);
vkcnn_status vkc_pass_remove_views(vkc_graph *g, vkc_passes *r);
vkcnn_status vkc_pass_fold_batch_norm(vkc_graph *g, vkc_passes *r);
vkcnn_status vkc_pass_fuse(vkc_graph *g, vkc_passes *r);
vkcnn_status vkc_pass_winograd_weights(vkc_graph *g, vkc_passes *r);
vkcnn_status vkc_pass_fuse_pool(vkc_graph *g, vkc_passes *r, vkc_winograd_runs_fn runs, void *user);

/* Winograd F(m x m, 3x3) (winograd.c): the output tile m (4 or 2) live Conv
 * `node` of g runs with, 0 when Winograd does not apply to it: 2-D, a
 * square kernel and equal strides with a form of 3x3 parts
 * (vkc_winograd_parts: 3x3 or 5x5 at stride 1, 11x11 at stride 4, ...),
 * dilation 1, group 1, float32 constant weights (any
 * padding, batch and bias) and at least VKC_WINOGRAD_MIN_C GEMM rows (input
 * channels times parts):
 * the transforms cost as much per output channel whatever C, the GEMM saves
 * in proportion to C (lavapipe, 1 image: 3 -> 64 at 224x224 66 ms against
 * 35 ms direct; 16 -> 64 at 112x112 28 ms against 74 ms). The tile rule: F(4x4), unless the output
 * is at most 2 high or wide, where one F(2x2) tile covers it with fewer products. Measured on
 * lavapipe, F(2x2) took twice as long on VGG-16's 56x56, 28x28 and 14x14 layers, and F(4x4) meets
 * the model tolerance on VGG-16. The environment variable VKCNN_WINOGRAD_TILE=2 or 4 forces one
 * (tests and measurements). */
#define VKC_WINOGRAD_MIN_C 16
/* and at least this many MACs: on a small layer the two extra dispatches
 * cost more than the products saved (LeNet-5's 5x5 6 -> 16 at 10x10, 0.24 M
 * MACs: the model 1.06 ms direct against 1.49-1.55 ms with Winograd) */
#define VKC_WINOGRAD_MIN_MACS ((uint64_t)1 << 22)
#define VKC_WINOGRAD_MPAD 16 /* U's channel rows padded to this (the GEMM's TM) */
uint32_t vkc_winograd_tile(const vkc_graph *g, uint32_t node);

/* How a k x k kernel at stride s runs as Winograd F(m x m, 3x3): as
 * per_axis^2 3x3 parts, part (si, sj) taking the taps (unit * si + step * y,
 * unit * sj + step * x), y, x < 3, zero past k; U then has per_axis^2 * C
 * rows. 3x3 stride 1: one part. 5x5 stride 1: 2 x 2 parts at offsets 0 and
 * 3 (144 products per 4x4 tile against 400 direct). Stride s > 1 with
 * ceil(k / s) <= 3 and k > 1.5 s: s x s phases, step s (AlexNet's 11x11/4).
 * False when there is no such form. */
typedef struct vkc_winograd_form {
    int64_t per_axis, step, unit;
} vkc_winograd_form;
bool vkc_winograd_parts(int64_t kernel, int64_t stride, vkc_winograd_form *f);

/* Initializes r and runs the pipeline above on g (when opts->fusion). */
vkcnn_status vkc_passes_run(vkc_graph *g, const vkc_passes_options *opts, vkc_passes *r);

/* A copy of g the passes may rewrite. Constant data is borrowed from g (not
 * copied: VGG's weights are half a gigabyte); tensors added later own theirs.
 * Destroy it with vkc_graph_clone_destroy, before g. */
vkcnn_status vkc_graph_clone(const vkc_graph *g, vkc_graph **out);
void vkc_graph_clone_destroy(vkc_graph *clone, const vkc_graph *original);

/* Helpers shared by the passes (passes.c). */
/* True when tensor t is read by exactly one live node and is no graph output. */
bool vkc_pass_single_use(const vkc_graph *g, uint32_t t);
/* The node that absorbs node `victim` takes over its output: `keeper`'s
 * output becomes victim's, victim is marked dead, the old intermediate
 * tensor loses its producer. Records the ownership in r. */
void vkc_pass_absorb(vkc_graph *g, vkc_passes *r, uint32_t keeper, uint32_t victim);

#endif
