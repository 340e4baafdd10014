/* Graph passes: rewrites of the graph IR between import and lowering.
 *
 * Pipeline (vkc_passes_run, in this order, each also callable alone):
 *   0. vkc_pass_fold_constants: a float node whose inputs are all constants
 *      is computed at load (runtime/ref) and becomes a constant.
 *   0b. vkc_pass_lrn_pattern: PyTorch's decomposed LocalResponseNorm
 *      (Mul, views, Pad, a 3-D AveragePool, Mul, Add, Pow, Div) becomes one
 *      LRN node (lrn_pattern.c).
 *   1. vkc_pass_remove_views: views (op table VKC_OPF_VIEW: Identity,
 *      Dropout, Reshape, ...) that keep the shape, and unit-window pools,
 *      are removed, their consumers reading the input directly.
 *      Shape-changing views stay: the executor makes them zero-copy.
 *   2. vkc_pass_fold_batch_norm: BatchNormalization whose input is the only
 *      use of a Conv's or Gemm's output is folded into that node's weights
 *      and bias (computed in double at load), and removed.
 *   2b. vkc_pass_recognise_layer_norm, vkc_pass_recognise_gelu,
 *      vkc_pass_recognise_channel_affine: chains that exporters write for
 *      one operator (LayerNormalization below opset 17, GELU's erf form
 *      below opset 20, a per-channel affine map as C channel slices
 *      concatenated) become that operator (recognise.c).
 *   3. vkc_pass_fuse: fused groups. Elementwise nodes join, as post-ops, the
 *      group of the node that produces their input (a Conv, Gemm, MatMul or
 *      elementwise anchor), by the legality rule written next to its code
 *      in fuse.c.
 *   3b. vkc_pass_squeeze_excite (where opts->squeeze_excite says): a
 *      squeeze-and-excitation block's pool and two 1x1 Conv groups become
 *      one SqueezeExcite node (squeeze_excite.c).
 *   4. vkc_pass_winograd_weights (when opts->winograd): decides each Conv's
 *      algorithm, the one place that does: a Conv that vkc_winograd_tile
 *      (or opts->choose) picks and whose transformed tiles fit the target
 *      (opts->fits) gets
 *      its weights transformed once, at load, into a new constant U = G g G^T
 *      (winograd.c) and algo VKC_CONV_ALGO_WINOGRAD.
 *   5. vkc_pass_fuse_pool (when opts->winograd): a MaxPool whose windows
 *      tile a Winograd Conv's output tiles (2x2 stride 2 after VGG's convs)
 *      is folded into that Conv's output transform (fuse.c).
 *   6. vkc_pass_fuse_input_scale: a Mul by one value per channel (or per
 *      image and channel) whose only reader is a direct Conv scales that
 *      Conv's input as it is loaded (squeeze-and-excitation; fuse.c).
 *   7. vkc_pass_fuse_input_affine (when opts->input_affine): a
 *      BatchNormalization (and the Relu fused after it) whose only reader
 *      is a 1x1 Conv of group 1 without padding is applied by that Conv as
 *      it loads its input, X * s + t then the Relu (DenseNet's
 *      pre-activations; fuse.c).
 *   8. vkc_pass_gemv_pack (when opts->gemv_packs): a Gemm that the target
 *      runs as gemv.comp's texel path, and that alone reads its B ([N, K],
 *      constant), is marked (vkc_node.gemv_packed): the executor stores B
 *      in the blocked order that path reads (vkc_gemv_pack_offset;
 *      gemv_pack.c).
 *   9. vkc_pass_row_pack (when opts->row_packs): a Conv that the target
 *      runs with the row kernel's packed weights gets them as a new
 *      constant (vkc_node.row_packed; row_pack.c).
 *
 * Passes rewrite the graph in place and keep every tensor and node index:
 * removed nodes are marked dead; a node that absorbs another takes over the
 * absorbed node's output tensor (so graph outputs never move) and lists it
 * in its members; a post-op's operand tensor becomes an input of the
 * group's node (after its own inputs), so liveness and scheduling see the
 * read; new constant tensors (folded weights) are appended. Consumer lists
 * are rebuilt (vkc_graph_relink) after each pass.
 *
 * Passes never change results beyond float reassociation (batch-norm folding
 * rounds the folded weights once, in float, from double). */
#ifndef VKC_PASSES_PASSES_H
#define VKC_PASSES_PASSES_H

#include <stdbool.h>
#include <stdint.h>

#include "graph/graph.h"

/* What the passes did, for reports. */
typedef struct vkc_passes {
    uint32_t removed, folded, fused, constants;
    uint32_t recognised; /* chains rewritten into one operator (recognise.c) */
} vkc_passes;

/* Whether Conv `node` of g, with Winograd weights `u`, can run as Winograd
 * on the target: that depends on device limits the passes do not know
 * (codegen's vkc_codegen_winograd_fits). */
typedef bool (*vkc_winograd_fits_fn)(const vkc_graph *g, uint32_t node, uint32_t u, void *user);

/* The Winograd tile Conv `node` runs with (0: not Winograd): `rule` is
 * vkc_winograd_tile's choice, `form` vkc_winograd_form_tile's (0: no form;
 * a non-zero answer needs one). The executor's answers from the node's
 * wanted kernel variant (codegen/choose.h vkc_choose_winograd_tile). */
typedef uint32_t (*vkc_winograd_choose_fn)(const vkc_graph *g, uint32_t node, uint32_t rule,
                                           uint32_t form, void *user);

typedef struct vkc_passes_options {
    bool fusion;                   /* false: run no pass at all (the unfused path) */
    bool winograd;                 /* choose Winograd where it applies (with fusion only) */
    vkc_winograd_fits_fn fits;     /* NULL: every Winograd form fits */
    vkc_winograd_choose_fn choose; /* NULL: vkc_winograd_tile's rule */
    void *user;                    /* for fits and choose */
    /* run vkc_pass_fuse_input_affine: where the target runs 1x1 convs as
     * the 1x1 GEMM by rule (vkc_choose_input_affine), the one kernel that
     * applies the map */
    bool input_affine;
    /* the rows per workgroup (NC) where Gemm `node` runs as gemv.comp's
     * texel path on the target, else 0, and in *chunk the floats per
     * binding of its B (0: one binding) (codegen's vkc_codegen_gemv_packs,
     * with `user`); NULL: none does */
    uint32_t (*gemv_packs)(const vkc_graph *g, uint32_t node, void *user, uint64_t *chunk);
    /* whether the target runs a squeeze-and-excitation block of c channels
     * and r hidden values as one SqueezeExcite node (codegen's
     * vkc_choose_squeeze_excite, with `user`); NULL: never */
    bool (*squeeze_excite)(int64_t c, int64_t r, void *user);
    /* whether Conv `node` runs as conv_row.comp reading its weights packed
     * (codegen's vkc_codegen_row_packs, with `user`); NULL: none does */
    bool (*row_packs)(const vkc_graph *g, uint32_t node, void *user);
} vkc_passes_options;

vkcnn_status vkc_pass_fold_constants(vkc_graph *g, vkc_passes *r);
vkcnn_status vkc_pass_lrn_pattern(vkc_graph *g, vkc_passes *r);
vkcnn_status vkc_pass_remove_views(vkc_graph *g, vkc_passes *r);
vkcnn_status vkc_pass_fold_batch_norm(vkc_graph *g, vkc_passes *r);
vkcnn_status vkc_pass_recognise_layer_norm(vkc_graph *g, vkc_passes *r);
vkcnn_status vkc_pass_recognise_gelu(vkc_graph *g, vkc_passes *r);
vkcnn_status vkc_pass_recognise_channel_affine(vkc_graph *g, vkc_passes *r);
vkcnn_status vkc_pass_fuse(vkc_graph *g, vkc_passes *r);
vkcnn_status vkc_pass_squeeze_excite(vkc_graph *g, vkc_passes *r, const vkc_passes_options *opts);
vkcnn_status vkc_pass_winograd_weights(vkc_graph *g, vkc_passes *r, const vkc_passes_options *opts);
vkcnn_status vkc_pass_fuse_pool(vkc_graph *g, vkc_passes *r);
vkcnn_status vkc_pass_fuse_input_scale(vkc_graph *g, vkc_passes *r);
vkcnn_status vkc_pass_fuse_input_affine(vkc_graph *g, vkc_passes *r);
vkcnn_status vkc_pass_gemv_pack(vkc_graph *g, vkc_passes *r, const vkc_passes_options *opts);
vkcnn_status vkc_pass_row_pack(vkc_graph *g, vkc_passes *r, const vkc_passes_options *opts);

/* gemv.comp's blocked B (WT_PACKED) for NC rows per workgroup, B [N, K]
 * with K % 8 == 0, in units of 8 elements. The rows in groups of NC (the
 * last one N % NC rows when fewer), each group's rows stored together: in
 * a group the units in blocks of VKC_GEMV_PACK_UNITS, and block b holds,
 * row after row, each row's units of that block (the last block K/8 % 16
 * units when fewer). A workgroup's steps then read one contiguous stream, a
 * block of all its rows per step of 16 lanes, instead of NC streams.
 * Groups lie one after another, except that where B is bound in chunks of
 * `chunk` floats (0: one binding) no group straddles two: each chunk holds
 * vkc_gemv_pack_groups of them, from its start. */
#define VKC_GEMV_PACK_UNITS 16
/* Groups per chunk (chunk > 0), 0 when not even one fits. */
static inline int64_t vkc_gemv_pack_groups(int64_t k, int64_t nc, int64_t chunk) {
    return chunk / (nc * k);
}
/* The float offset of unit `unit` (elements 8 * unit ..) of row `row`;
 * requires vkc_gemv_pack_groups(k, nc, chunk) >= 1 where chunk > 0. */
static inline int64_t vkc_gemv_pack_offset(int64_t k, int64_t rows, int64_t nc, int64_t chunk,
                                           int64_t row, int64_t unit) {
    int64_t q = row / nc, n0 = q * nc, group = rows - n0 < nc ? rows - n0 : nc;
    int64_t gpc = chunk ? vkc_gemv_pack_groups(k, nc, chunk) : q + 1;
    int64_t base = q / gpc * chunk + q % gpc * nc * k;
    int64_t first = unit / VKC_GEMV_PACK_UNITS * VKC_GEMV_PACK_UNITS;
    int64_t width = k / 8 - first < VKC_GEMV_PACK_UNITS ? k / 8 - first : VKC_GEMV_PACK_UNITS;
    return base + 8 * (first * group + (row - n0) * width + (unit - first));
}
/* Floats of the blocked B, padding between groups included. */
static inline int64_t vkc_gemv_pack_size(int64_t k, int64_t rows, int64_t nc, int64_t chunk) {
    return vkc_gemv_pack_offset(k, rows, nc, chunk, rows - 1, k / 8 - 1) + 8;
}
/* Group q of B (row-major [rows, k]) in the blocked order into out, its
 * group * k floats (group: NC rows, or fewer in the last), as they lie from
 * the group's start. */
void vkc_gemv_pack_group(const float *b, int64_t rows, int64_t k, int64_t nc, int64_t q,
                         float *out);

/* Winograd F(m x m, 3x3) (winograd.c): the output tile m (4, 3 or 2) live Conv
 * `node` of g runs with, 0 when Winograd does not apply to it: 2-D, a
 * square kernel and equal strides with a form of 3x3 parts
 * (vkc_winograd_parts: 3x3 or 5x5 at stride 1, 11x11 at stride 4, ...),
 * dilation 1, group 1, float32 constant weights (any
 * padding, batch and bias) and at least VKC_WINOGRAD_MIN_C GEMM rows (input
 * channels times parts):
 * the transforms cost as much per output channel whatever C, the GEMM saves
 * in proportion to C (lavapipe, 1 image: 3 -> 64 at 224x224 66 ms against
 * 35 ms direct; 16 -> 64 at 112x112 28 ms against 74 ms). The tile rule for a single 3x3 part:
 * F(4x4), unless the output is at most 2 high or wide, where one F(2x2) tile covers it with fewer
 * products. Measured on lavapipe, F(2x2) took twice as long on VGG-16's 56x56, 28x28 and 14x14
 * layers, and F(4x4) meets the model tolerance on VGG-16. The forms of several parts: F(3x3),
 * unless the output is at most 2 high or wide (F(2x2)); never F(4x4), for its rounding
 * (winograd.c). A wanted kernel variant (vkc_passes_options.choose) may ask for another tile, or
 * none, where the form allows. */
#define VKC_WINOGRAD_MIN_C 16
/* and at least this many MACs: on a small layer the two extra dispatches
 * cost more than the products saved (LeNet-5's 5x5 6 -> 16 at 10x10, 0.24 M
 * MACs: the model 1.06 ms direct against 1.49-1.55 ms with Winograd) */
#define VKC_WINOGRAD_MIN_MACS ((uint64_t)1 << 22)
#define VKC_WINOGRAD_MPAD 16 /* U's channel rows padded to this (the GEMM's TM) */
uint32_t vkc_winograd_tile(const vkc_graph *g, uint32_t node);
/* The tile by the rule above without its two thresholds (C and MACs): 0
 * when the Conv has no Winograd form at all. */
uint32_t vkc_winograd_form_tile(const vkc_graph *g, uint32_t node);

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
/* The tile m of a U of alpha^2 = (m + 2)^2 positions (its dims[0]): 4, 3 or 2,
 * 0 for any other count. */
static inline int64_t vkc_winograd_tile_of(int64_t alpha2) {
    return alpha2 == 36 ? 4 : alpha2 == 25 ? 3 : alpha2 == 16 ? 2 : 0;
}

/* Runs the pipeline above on g (when opts->fusion); r receives the counts. */
vkcnn_status vkc_passes_run(vkc_graph *g, const vkc_passes_options *opts, vkc_passes *r);

/* A copy of g the passes may rewrite. Constant data is borrowed from g (not
 * copied: VGG's weights are half a gigabyte); tensors added later own theirs.
 * Destroy it with vkc_graph_clone_destroy, before g. */
vkcnn_status vkc_graph_clone(const vkc_graph *g, vkc_graph **out);
void vkc_graph_clone_destroy(vkc_graph *clone, const vkc_graph *original);

/* Helpers shared by the passes (passes.c). */
/* True when tensor t is read by exactly one live node and is no graph output. */
bool vkc_pass_single_use(const vkc_graph *g, uint32_t t);
/* The live node producing tensor t when t is single-use (above); else
 * VKC_NONE (also for t VKC_NONE). */
uint32_t vkc_pass_single_producer(const vkc_graph *g, uint32_t t);
/* Rewrites node `last` into `op` over `inputs` (count own inputs, no
 * post-op operands; its post-ops stay) and marks the chain's other nodes
 * (chain[length], `last` among them or not) dead, members of it. */
vkcnn_status vkc_pass_rewrite(vkc_graph *g, uint32_t last, vkc_op op, const vkc_attrs *attrs,
                              const uint32_t *inputs, uint32_t count, const uint32_t *chain,
                              uint32_t length);
/* The node that absorbs node `victim` takes over its output: `keeper`'s
 * output becomes victim's, victim is marked dead and joins keeper's
 * members, the old intermediate tensor loses its producer. */
vkcnn_status vkc_pass_absorb(vkc_graph *g, uint32_t keeper, uint32_t victim);
/* A new float32 constant tensor `name` of shape dims[rank], its data
 * zeroed and returned in *data (tensor and node arrays may move: re-fetch
 * pointers into them afterwards). */
vkcnn_status vkc_pass_add_constant(vkc_graph *g, const char *name, uint32_t rank,
                                   const int64_t *dims, uint32_t *index, float **data);

#endif
