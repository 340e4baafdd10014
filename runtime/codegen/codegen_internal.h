/* Helpers shared by the lowering files (not part of codegen's interface).
 * A lowering in progress records its first error in cg->st; helpers do
 * nothing once it is set, so a lowering writes straight-line code and
 * returns cg->st at the end. */
#ifndef VKC_CODEGEN_INTERNAL_H
#define VKC_CODEGEN_INTERNAL_H

#include "codegen/codegen.h"
#include "codegen/variant.h"
#include "core/error.h"

typedef struct vkc_cg {
    const vkc_graph *g;
    uint32_t node;
    const vkc_codegen_target *t;
    vkc_lowering *out;
    vkcnn_status st;
    /* Conv's transformed weights: the node's (vkc_node.winograd), or the
     * candidate that vkc_codegen_winograd_fits checks; VKC_NONE */
    uint32_t winograd;
    /* What a Conv, Gemm or MatMul runs as (choose.c chose it; the lowering
     * follows it and chooses nothing); zeroed for other ops */
    vkc_variant v;
} vkc_cg;

/* Records an error "node 'name' (Op): <message>" (first one wins). */
void cg_fail(vkc_cg *c, vkcnn_status st, const char *fmt, ...) VKC_PRINTF(3, 4);

/* The node, and its own input slot i (< own_inputs: not the post-ops'
 * operands) / output tensor. */
const vkc_node *cg_node(const vkc_cg *c);
const vkc_tensor *cg_in(const vkc_cg *c, uint32_t slot); /* NULL when absent */
const vkc_tensor *cg_out(const vkc_cg *c);
uint32_t cg_in_index(const vkc_cg *c, uint32_t slot);

/* Appends a dispatch of `template_name`; NULL after an error. */
vkc_kdispatch *cg_dispatch(vkc_cg *c, const char *template_name);

/* Appends "#define <formatted>\n" to d's preamble. */
void cg_def(vkc_cg *c, vkc_kdispatch *d, const char *fmt, ...) VKC_PRINTF(3, 4);

/* Binds a whole tensor (checked against max_binding_bytes and float32) as
 * fp32: an activation marked half goes on the lowering's fp32 list. */
void cg_bind(vkc_cg *c, vkc_kdispatch *d, uint32_t tensor, unsigned access);

/* Binds an activation whose kernel reads or writes it as halves too: when
 * it is marked half, defines `macro` 1 and HALF_IO 1 (common.glsl enables
 * 16-bit storage) and returns true. */
bool cg_bind_act(vkc_cg *c, vkc_kdispatch *d, uint32_t tensor, unsigned access, const char *macro);
/* Binds the node's output `tensor` (VKC_WRITE, "Y_HALF" as cg_bind_act) for
 * a kernel that stores through Y_AT (common.glsl): where the tensor is
 * written in place into a Concat at batch > 1 (target.out_gap), defines
 * Y_GAP, a shape value (cg_shape). Returns that gap (0: dense). */
uint64_t cg_bind_out(vkc_cg *c, vkc_kdispatch *d, uint32_t tensor);
/* The Y_GAP of the node's output (0: dense), as cg_bind_out defines it. */
uint64_t cg_out_gap(const vkc_cg *c);

/* True when tensor t is stored as fp16 (vkc_codegen_target.half): a
 * weight packed two per word, or an fp16 activation (cg_half_act). */
bool cg_half(const vkc_cg *c, uint32_t tensor);
bool cg_half_act(const vkc_cg *c, uint32_t tensor);

/* Whether a binding of `elements` (fp32, or fp16 when `half`) may be read
 * as a uniform texel buffer: the target has texel loads and the binding's
 * 16-byte texels stay within maxTexelBufferElements. */
bool cg_texels_fit(const vkc_cg *c, uint64_t elements, bool half);

/* cg_texels_fit for a binding of whole texels only (`elements` a multiple
 * of 4, of 8 halves when `half`): one that a kernel reads as texels
 * throughout, with no partial last texel to guard. */
bool cg_whole_texels(const vkc_cg *c, uint64_t elements, bool half);

/* Whether the node's output may be stored as blocks of 8 floats (YV8,
 * common.glsl) by a kernel that stores blocks of `block` consecutive
 * outputs starting at multiples of `block` in rows of `row` outputs (image
 * planes or output rows): both multiples of 8, the output fp32, and the
 * target has wide accesses (t->wide_loads). */
bool cg_y8(const vkc_cg *c, int64_t row, int64_t block);

/* Whether the node's output floats may be stored in pairs, as 64-bit words
 * (YV2, YP2; common.glsl), wherever a pair starts on an even element: the
 * output fp32, wide accesses, and bindings at offsets of whole 64-bit
 * words. */
bool cg_pairs(const vkc_cg *c);

/* Whether such a kernel may store them in pairs (YV2): both even but not
 * both multiples of 4 (YV4 then), the output's images an even number of
 * elements apart, and cg_pairs. Only the row-blocked pools take it: on
 * lavapipe 22.3 it made GoogLeNet's 14x14 branch pools faster but its
 * 14x14 Winograd output transforms and MobileNetV2's 14x14 depthwise rows
 * slower than their stores of single floats (bench/RESULTS.md). */
bool cg_y2(const vkc_cg *c, int64_t row, int64_t block);

/* Defines YV4 (both multiples of 4) and YV8 (cg_y8) for such a kernel. */
void cg_def_y_vectors(vkc_cg *c, vkc_kdispatch *d, int64_t row, int64_t block);

/* Binds a read-only operand that shaders/split.glsl reads in chunks, and
 * defines WT_CHUNKS, WT_CHUNK and WT_HALF. Its first binding must be
 * binding 2. */
void cg_bind_split(vkc_cg *c, vkc_kdispatch *d, uint32_t tensor);
/* cg_bind_split for a tensor stored as `elements` floats (gemv.comp's
 * blocked B, padded: vkc_gemv_pack_size) */
void cg_bind_split_elements(vkc_cg *c, vkc_kdispatch *d, uint32_t tensor, uint64_t elements);

/* Declares scratch buffer of `elements` floats for this node and returns
 * its tensor id (VKC_SCRATCH(k)); cg_bind_scratch binds it. */
uint32_t cg_scratch(vkc_cg *c, uint64_t elements);
void cg_bind_scratch(vkc_cg *c, vkc_kdispatch *d, uint32_t scratch, unsigned access);

/* Defines LOCAL_SIZE and TOTAL and sizes the grid for `total` invocations
 * (TOTAL a push constant in a shape-generic dispatch). */
void cg_grid(vkc_cg *c, vkc_kdispatch *d, uint64_t total);

/* Shape values of a shape-generic dispatch (d->push_shapes, set by the
 * lowering before any of these): `name` is defined as a push constant
 * (int) and `value` pushed, else as the literal. cg_shape_div also gives
 * the template DIV_<name>(x), x / value for 0 <= x < 2^31, as a
 * multiply-high by pushed constants (vkc_codegen_divisor); a template
 * falls back to a plain division where the lowering does not define it. */
void cg_shape(vkc_cg *c, vkc_kdispatch *d, const char *name, int64_t value);
void cg_shape_div(vkc_cg *c, vkc_kdispatch *d, const char *name, int64_t value);

/* A float as a GLSL expression that reproduces it exactly. */
const char *cg_float(char buf[48], float v);

/* "a<suffix>,b<suffix>,..." for n values. */
const char *cg_list(char *buf, size_t size, const int64_t *v, uint32_t n, const char *suffix);

/* Merges adjacent axes that every stride vector walks contiguously
 * (s[d-1] == s[d] * dims[d]) and drops size-1 axes; returns the new rank,
 * at least 1. strides[k] is the k-th of `count` stride vectors. */
uint32_t cg_collapse(uint32_t rank, int64_t *dims, int64_t (*strides)[VKC_MAX_RANK],
                     uint32_t count);

/* Dense row-major strides of a shape. */
void cg_dense_strides(uint32_t rank, const int64_t *dims, int64_t *strides);

/* Spatial geometry as (D, H, W): 1-D puts its axis in W, 2-D in H and W;
 * 3-D (pools only) uses all three. */
typedef struct cg_spatial {
    int64_t h, w, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
    int64_t d, od, kd, sd, dd, pf, pk; /* depth: 3-D pools */
} cg_spatial;

/* A window op's geometry from its attributes, X and Y (lower_window.c). */
cg_spatial cg_window_geometry(const vkc_window_attrs *a, const vkc_tensor *x, const vkc_tensor *y);
/* Its defines: H, W, OH, OW, KH, KW, SH, SW, DH, DW, PT, PL, PB, PR, and the
 * depth's for 3-D. Sizes and pads are shape values (cg_shape); the kernel
 * window, stride and dilation are literals. */
void cg_def_window(vkc_cg *c, vkc_kdispatch *d, const cg_spatial *s);
/* The tensor of a Conv's fused input scale (squeeze-and-excitation, applied
 * as X is loaded); VKC_NONE when none. */
uint32_t cg_in_scale(const vkc_cg *c);
/* Gemm's C of rank 0, 1 or 2, broadcast to [M, N] (a size-1 or missing axis
 * gets stride 0): HAS_C, C_SM, C_SN when `tc` has elements (lower_matrix.c);
 * returns whether it does. */
bool cg_def_gemm_c(vkc_cg *c, vkc_kdispatch *d, const vkc_tensor *tc);

/* The fused epilogue (lower_epilogue.c): cg_epilogue_defines writes the
 * EPI_* defines of shaders/epilogue.glsl (EPI_BODY: the node's post-ops);
 * cg_epilogue_bind binds their operand tensors (after every other binding).
 * Both do nothing for a node without post-ops, but that a shape-generic
 * kernel (d->push_shapes) whose post-ops are none, a Relu or a Clip gets
 * them as a clamp (vkc_kdispatch.clamp), whose bounds cg_clamp_bounds
 * defines once the node's lowering is done (vkc_codegen_lower calls it for
 * each dispatch). `spatial`: the elements per image and channel of the
 * anchor's output (a Conv's OH x OW; 1 otherwise). */
void cg_epilogue_defines(vkc_cg *c, vkc_kdispatch *d, uint64_t spatial);
void cg_epilogue_bind(vkc_cg *c, vkc_kdispatch *d);
void cg_clamp_bounds(vkc_cg *c, vkc_kdispatch *d);

/* The post-ops' operand tensors that are bound (each input slot once, in
 * binding order; constant scalars are literals instead): their slots into
 * `slots` (VKC_MAX_POST_OPS entries), their count returned. */
uint32_t cg_post_operands(const vkc_cg *c, uint32_t *slots);

/* The statements of a chain of post-ops (`count` of `post`: the node's, or
 * a squeeze-and-excitation activation) over v, for epilogue, elementwise
 * and squeeze-and-excitation kernels alike: bound operand k (an input slot,
 * slots[k]) is read as operand_expr[k]; constant scalars become literals;
 * earlier values of the chain are kept as v1, v2, ... where a later post-op
 * reads them (v0, the anchor's value, the kernel defines). */
void cg_post_ops_body(vkc_cg *c, const vkc_post_op *post, uint32_t count, char *body, size_t size,
                      const uint32_t *slots, uint32_t bound, const char *const *operand_expr);

/* Appends `text` to the statements in body (`size` bytes); a body that
 * would grow past it fails the lowering, naming it `what`. */
void cg_append(vkc_cg *c, char *body, size_t size, const char *text, const char *what);

/* The GLSL call of elementwise op `op` with parameters p on the expressions
 * x and y (y: "0.0" for unary ops), into buf (lower_epilogue.c). */
const char *cg_elt_call(char *buf, size_t size, vkc_op op, const float p[3], const char *x,
                        const char *y);

/* Per-family lowerings (one file each); the operator table names them. */
void vkc_lower_conv_node(vkc_cg *c); /* Winograd or direct, as the node's algo says */
void vkc_lower_conv(vkc_cg *c);      /* direct / implicit GEMM */
void vkc_lower_pool(vkc_cg *c);
void vkc_lower_lrn(vkc_cg *c);
void vkc_lower_gemm(vkc_cg *c);
void vkc_lower_matmul(vkc_cg *c);
void vkc_lower_eltwise(vkc_cg *c); /* every elementwise anchor */
void vkc_lower_batch_norm(vkc_cg *c);
void vkc_lower_transpose(vkc_cg *c);
void vkc_lower_concat(vkc_cg *c);
void vkc_lower_pad(vkc_cg *c);
void vkc_lower_softmax(vkc_cg *c);
void vkc_lower_reduce(vkc_cg *c); /* every Reduce* (lower_reduce.c) */
void vkc_lower_norm(vkc_cg *c);   /* Layer-, Instance-, Group-, LpNormalization (lower_norm.c) */
/* Reductions over lanes (lower_reduce.c, shaders/reduce.glsl): how many
 * invocations share each of `outputs` values reduced over `per` elements
 * (`contiguous`: each value's elements are one run of memory), and the
 * LANES / RED_SG defines of a dispatch. */
uint32_t vkc_reduce_lanes(const vkc_cg *c, uint64_t outputs, uint64_t per, bool contiguous);
void vkc_reduce_defines(vkc_cg *c, vkc_kdispatch *d, uint32_t lanes);
void vkc_lower_data(vkc_cg *c);           /* Slice, Split, Gather, Tile, Expand (lower_data.c) */
void vkc_lower_where(vkc_cg *c);          /* lower_data.c */
void vkc_lower_resize(vkc_cg *c);         /* Resize, Upsample (lower_resize.c) */
void vkc_lower_squeeze_excite(vkc_cg *c); /* lower_squeeze_excite.c */

/* Winograd convolution (lower_winograd.c): true when Conv c->node has
 * transformed weights (c->winograd), the target allows it and the
 * transformed tiles fit the scratch limits; vkc_lower_winograd then lowers
 * it to its three dispatches. */
bool vkc_winograd_applies(const vkc_cg *c);
void vkc_lower_winograd(vkc_cg *c);

/* Cooperative matrices (lower_coopmat.c, shaders/coopmat_gemm.comp): a
 * Conv, Gemm or MatMul whose variant is cm; and a Winograd conv's GEMM
 * (variant cm-wino2/4) over scratch V (read) into scratch Mt (written),
 * for transformed weights c->winograd of [(tile + 2)^2][cs][mp] and pp
 * tile columns. */
void vkc_lower_coopmat(vkc_cg *c);
void vkc_lower_coopmat_winograd(vkc_cg *c, int64_t tile, int64_t cs, int64_t mp, int64_t pp,
                                uint32_t mt, uint32_t v);

#endif
