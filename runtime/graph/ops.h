/* Operators of the graph IR and their decoded attributes.
 *
 * Data inputs per op, after import (constant operands that ONNX passes as
 * inputs in some opsets are decoded into the attribute struct instead):
 *   Conv                 X, W [, B]
 *   MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool, LRN,
 *   Flatten, Reshape, Squeeze, Unsqueeze, Transpose, Pad, Dropout,
 *   Identity, Softmax, LogSoftmax, unary elementwise ops  X
 *   PRelu                X, slope (unidirectionally broadcast to X)
 *   BatchNormalization   X, scale, B, mean, var
 *   Gemm                 A, B [, C]
 *   MatMul, Add, Sub, Mul, Div, Pow   A, B (numpy broadcasting)
 *   Concat, Min, Max, Sum, Mean       X0, X1, ... (the last four broadcast)
 *   Reduce*, LpNormalization          X (Reduce*'s axes input is decoded)
 *   LayerNormalization   X, Scale, B (Scale absent only where a pass built it)
 *   InstanceNormalization, GroupNormalization   X, scale, B
 * Every op has exactly one output after import (Dropout's mask and
 * BatchNormalization's training outputs are refused or dropped; a
 * LayerNormalization whose Mean or InvStdDev is read becomes one node per
 * output, vkc_norm_attrs.output).
 * Shape-arithmetic ops (Constant, Shape, Gather, Cast, Slice) never survive
 * import: they are folded, or the import fails.
 *
 * Spatial ops (Conv, pools, LRN, BatchNormalization) take N x C x D1 [x D2]:
 * one or two spatial dimensions; three (volumetric) only MaxPool and
 * AveragePool (PyTorch's decomposed LRN pools over N x 1 x C x H x W), the
 * others refuse it.
 *
 * Data movement, logic and resizing (runtime/graph/infer_data.c):
 *   Slice, Split, Tile, Expand, Not, Resize, Upsample   X
 *   Gather               X, indices (a float32 constant table on run-time
 *                        data: the constant int64 indices, made non-negative)
 *   Equal, Less, Greater, LessOrEqual, GreaterOrEqual, And, Or   A, B
 *   Where                condition, X, Y (numpy broadcasting of all three)
 *   SqueezeExcite        X, W1, B1, W2, B2 (internal, built by a pass; either
 *                        bias VKC_NONE when absent)
 * Booleans are int64 0/1 when constant (folded at load) and float32
 * 0.0/1.0 at run time. A Split of k outputs becomes k Split nodes at import,
 * each computing one output (vkc_split_attrs.index). ConstantOfShape, Range,
 * Size fold at load; an If whose condition folds is replaced by its taken
 * branch at import (runtime/import/onnx_if.c). */
#ifndef VKC_GRAPH_OPS_H
#define VKC_GRAPH_OPS_H

#include <stdbool.h>
#include <stdint.h>

#define VKC_MAX_SPATIAL 3   /* MaxPool, AveragePool: 3; every other spatial op 1 or 2 */
#define VKC_ATTR_MAX_RANK 8 /* = VKC_MAX_RANK */

typedef enum vkc_op {
    VKC_OP_CONV,
    VKC_OP_MAX_POOL,
    VKC_OP_AVERAGE_POOL,
    VKC_OP_GLOBAL_AVERAGE_POOL,
    VKC_OP_GLOBAL_MAX_POOL,
    VKC_OP_LRN,
    VKC_OP_RELU,
    VKC_OP_LEAKY_RELU,
    VKC_OP_PRELU,
    VKC_OP_CLIP,
    VKC_OP_SIGMOID,
    VKC_OP_TANH,
    VKC_OP_BATCH_NORM,
    VKC_OP_GEMM,
    VKC_OP_MATMUL,
    VKC_OP_ADD,
    VKC_OP_SUB,
    VKC_OP_MUL,
    VKC_OP_DIV,
    VKC_OP_FLATTEN,
    VKC_OP_RESHAPE,
    VKC_OP_SQUEEZE,
    VKC_OP_UNSQUEEZE,
    VKC_OP_TRANSPOSE,
    VKC_OP_CONCAT,
    VKC_OP_PAD,
    VKC_OP_DROPOUT,
    VKC_OP_IDENTITY,
    VKC_OP_SOFTMAX,
    VKC_OP_LOG_SOFTMAX,
    /* elementwise family (runtime/ops/op_table.c; shaders/eltwise.glsl) */
    VKC_OP_ABS,
    VKC_OP_NEG,
    VKC_OP_EXP,
    VKC_OP_LOG,
    VKC_OP_SQRT,
    VKC_OP_RECIPROCAL,
    VKC_OP_FLOOR,
    VKC_OP_CEIL,
    VKC_OP_ROUND,
    VKC_OP_SIGN,
    VKC_OP_ERF,
    VKC_OP_SIN,
    VKC_OP_COS,
    VKC_OP_SOFTPLUS,
    VKC_OP_SOFTSIGN,
    VKC_OP_ELU,
    VKC_OP_SELU,
    VKC_OP_CELU,
    VKC_OP_THRESHOLDED_RELU,
    VKC_OP_HARD_SIGMOID,
    VKC_OP_HARD_SWISH,
    VKC_OP_POW,
    VKC_OP_MIN,
    VKC_OP_MAX,
    VKC_OP_SUM,
    VKC_OP_MEAN,
    VKC_OP_GELU,
    VKC_OP_MISH,
    /* reductions (graph/infer_reduce.c, ref/ref_reduce.c, codegen/lower_reduce.c) */
    VKC_OP_REDUCE_MEAN,
    VKC_OP_REDUCE_SUM,
    VKC_OP_REDUCE_MAX,
    VKC_OP_REDUCE_MIN,
    VKC_OP_REDUCE_PROD,
    VKC_OP_REDUCE_L1,
    VKC_OP_REDUCE_L2,
    VKC_OP_REDUCE_SUM_SQUARE,
    VKC_OP_REDUCE_LOG_SUM,
    VKC_OP_REDUCE_LOG_SUM_EXP,
    /* normalizations over rows (graph/infer_reduce.c, ref/ref_norm.c,
     * codegen/lower_norm.c) */
    VKC_OP_LAYER_NORM,
    VKC_OP_INSTANCE_NORM,
    VKC_OP_GROUP_NORM,
    VKC_OP_LP_NORM,
    /* shape arithmetic: folded at import */
    VKC_OP_CONSTANT,
    VKC_OP_SHAPE,
    VKC_OP_GATHER,
    VKC_OP_CAST,
    VKC_OP_SLICE,
    /* data movement, logic, resizing (graph/infer_data.c, graph/fold_logic.c,
     * ref/ref_data.c, codegen/lower_data.c, codegen/lower_resize.c) */
    VKC_OP_SPLIT,
    VKC_OP_TILE,
    VKC_OP_EXPAND,
    VKC_OP_WHERE,
    VKC_OP_EQUAL,
    VKC_OP_LESS,
    VKC_OP_GREATER,
    VKC_OP_LESS_OR_EQUAL,
    VKC_OP_GREATER_OR_EQUAL,
    VKC_OP_NOT,
    VKC_OP_AND,
    VKC_OP_OR,
    VKC_OP_CONSTANT_OF_SHAPE,
    VKC_OP_RANGE,
    VKC_OP_SIZE,
    VKC_OP_IF,
    VKC_OP_RESIZE,
    VKC_OP_UPSAMPLE,
    /* internal: no ONNX operator, built by a pass (passes/squeeze_excite.c) */
    VKC_OP_SQUEEZE_EXCITE,
    VKC_OP_COUNT
} vkc_op;

/* Conv, MaxPool, AveragePool. auto_pad is resolved into explicit pads at
 * shape inference. Spatial dim i (0 = outermost, i < spatial) is padded by
 * pads[i] before and pads[VKC_MAX_SPATIAL + i] after: for 2-D,
 * pads = {top, left, bottom, right}. */
typedef enum vkc_auto_pad {
    VKC_AUTO_PAD_NOTSET,
    VKC_AUTO_PAD_VALID,
    VKC_AUTO_PAD_SAME_UPPER,
    VKC_AUTO_PAD_SAME_LOWER,
} vkc_auto_pad;

typedef struct vkc_window_attrs {
    uint32_t spatial; /* 1 or 2 */
    bool has_kernel;  /* Conv: kernel_shape given (else taken from W) */
    int64_t kernel[VKC_MAX_SPATIAL];
    int64_t strides[VKC_MAX_SPATIAL];
    int64_t pads[2 * VKC_MAX_SPATIAL];
    int64_t dilations[VKC_MAX_SPATIAL];
    int64_t group;          /* Conv */
    bool ceil_mode;         /* pools */
    bool count_include_pad; /* AveragePool */
    vkc_auto_pad auto_pad;  /* as written; pads hold the resolved values */
    /* As read from the file, checked against `spatial` at inference (0 =
     * attribute absent). file_pads is ONNX's [begins..., ends...] layout. */
    uint32_t kernel_count, stride_count, dilation_count, pad_count;
    int64_t file_pads[2 * VKC_MAX_SPATIAL];
} vkc_window_attrs;

typedef struct vkc_lrn_attrs {
    int64_t size;
    float alpha, beta, bias;
} vkc_lrn_attrs;

typedef struct vkc_gemm_attrs {
    float alpha, beta;
    bool trans_a, trans_b;
} vkc_gemm_attrs;

typedef enum vkc_pad_mode {
    VKC_PAD_CONSTANT,
    VKC_PAD_REFLECT,
    VKC_PAD_EDGE,
    VKC_PAD_WRAP, /* opset 19 */
} vkc_pad_mode;

typedef struct vkc_pad_attrs {
    vkc_pad_mode mode;
    float value;
    uint32_t pad_count; /* 2 x rank once resolved */
    /* begin of axis i is pads[i], end is pads[rank + i] (the ONNX layout);
     * negative values crop. */
    int64_t pads[2 * VKC_ATTR_MAX_RANK];
    bool pads_given; /* from the attribute (opset < 11) */
} vkc_pad_attrs;

typedef struct vkc_axes_attrs { /* Squeeze, Unsqueeze */
    uint32_t count;
    int64_t axes[VKC_ATTR_MAX_RANK];
    bool given; /* attribute present (opset < 13) */
} vkc_axes_attrs;

typedef struct vkc_reshape_attrs {
    uint32_t count;
    int64_t shape[VKC_ATTR_MAX_RANK];
    bool given; /* attribute (opset < 5) */
    bool allowzero;
} vkc_reshape_attrs;

typedef struct vkc_softmax_attrs {
    int64_t axis; /* normalized to [0, rank) at inference */
    /* Opsets < 13: the input is seen as a 2-D matrix
     * [prod(dims[0..axis)), prod(dims[axis..rank))] and normalized over the
     * second dimension; opset 13+: over dims[axis] only. */
    bool coerce_2d;
} vkc_softmax_attrs;

typedef struct vkc_slice_attrs {
    uint32_t count;
    int64_t starts[VKC_ATTR_MAX_RANK], ends[VKC_ATTR_MAX_RANK];
    int64_t axes[VKC_ATTR_MAX_RANK], steps[VKC_ATTR_MAX_RANK];
    bool given, axes_given;
} vkc_slice_attrs;

typedef struct vkc_clip_attrs {
    float min, max;
} vkc_clip_attrs;

/* Parameters of the other elementwise ops, as ONNX names them: LeakyRelu,
 * Elu, Celu, ThresholdedRelu (alpha), Selu (alpha, gamma), HardSigmoid
 * (alpha, beta). Defaults come from the op table. */
typedef struct vkc_elt_attrs {
    float alpha, beta, gamma;
} vkc_elt_attrs;

typedef struct vkc_binary_attrs { /* Add, Sub, Mul, Div */
    /* Opsets < 7: B is broadcast to A only when `broadcast` is set, aligned
     * at `axis` (suffix-aligned when has_axis is false). Inference rewrites
     * a constant B into the equivalent numpy-broadcast shape, so consumers of
     * the IR always see numpy broadcasting. */
    bool legacy, broadcast, has_axis;
    int64_t axis;
} vkc_binary_attrs;

typedef struct vkc_transpose_attrs {
    uint32_t count; /* 0: reverse the axes */
    int64_t perm[VKC_ATTR_MAX_RANK];
} vkc_transpose_attrs;

/* Split: this node computes output `index` of the file's `count`; offset
 * and length along `axis` are resolved at inference (from the 'split'
 * attribute < 13, the 'split' input >= 13, `num_outputs` 18, or equal
 * parts). */
typedef struct vkc_split_attrs {
    int64_t axis;
    uint32_t index, count;
    int64_t offset, length;
    bool given;          /* offset/length from the attribute (< 13) */
    int64_t num_outputs; /* 18; 0: absent */
} vkc_split_attrs;

/* Tile: repeats per axis; Expand: the output shape (both resolved at
 * inference from their constant inputs). */
typedef struct vkc_ints_attrs {
    uint32_t count;
    int64_t v[VKC_ATTR_MAX_RANK];
} vkc_ints_attrs;

typedef enum vkc_resize_mode {
    VKC_RESIZE_NEAREST,
    VKC_RESIZE_LINEAR,
    VKC_RESIZE_CUBIC, /* refused */
} vkc_resize_mode;

typedef enum vkc_resize_coord {
    VKC_COORD_HALF_PIXEL,
    VKC_COORD_HALF_PIXEL_SYMMETRIC,
    VKC_COORD_PYTORCH_HALF_PIXEL,
    VKC_COORD_ALIGN_CORNERS,
    VKC_COORD_ASYMMETRIC,
    VKC_COORD_TF_HALF_PIXEL_FOR_NN,
    VKC_COORD_TF_CROP_AND_RESIZE,
} vkc_resize_coord;

typedef enum vkc_nearest_mode {
    VKC_NEAREST_ROUND_PREFER_FLOOR,
    VKC_NEAREST_ROUND_PREFER_CEIL,
    VKC_NEAREST_FLOOR,
    VKC_NEAREST_CEIL,
} vkc_nearest_mode;

/* Resize, Upsample. The output shape and `scales` (per axis, output /
 * input as the spec's coordinate transforms use them) are resolved at
 * inference from the constant scales/sizes (and roi). */
typedef struct vkc_resize_attrs {
    vkc_resize_mode mode;
    vkc_resize_coord coord;
    vkc_nearest_mode nearest;
    bool antialias;      /* 18: refused when set */
    int keep_aspect;     /* 18: 0 stretch, 1 not_larger, 2 not_smaller */
    float extrapolation; /* tf_crop_and_resize outside the roi */
    uint32_t axes_count; /* 18: axes the scales/sizes name; 0: all */
    int64_t axes[VKC_ATTR_MAX_RANK];
    uint32_t scale_count; /* Upsample-7's 'scales' attribute */
    float scales[VKC_ATTR_MAX_RANK];
    float roi[2 * VKC_ATTR_MAX_RANK]; /* starts, then ends, per axis (tf_crop_and_resize) */
} vkc_resize_attrs;

/* ReduceMean, ReduceSum, ...: the axes (attribute, or constant input from
 * opset 18; ReduceSum's from 13) normalized to [0, rank) and ascending at
 * inference; count 0 there means every axis (noop_with_empty_axes turns the
 * node into an Identity instead). */
typedef struct vkc_reduce_attrs {
    uint32_t count;
    int64_t axes[VKC_ATTR_MAX_RANK];
    bool keepdims;             /* default 1 */
    bool noop_with_empty_axes; /* opset 18 (ReduceSum: 13) */
} vkc_reduce_attrs;

/* LayerNormalization, InstanceNormalization, GroupNormalization,
 * LpNormalization. Each normalizes rows of X (infer_reduce.c):
 *   LayerNormalization    over axes [axis, rank) (axis normalized at inference)
 *   InstanceNormalization over the spatial axes of each image and channel
 *   GroupNormalization    over `groups` channel groups of each image
 *   LpNormalization       along `axis`, by the L`p` norm (p 1 or 2) */
typedef struct vkc_norm_attrs {
    int64_t axis;   /* LayerNormalization (default -1), LpNormalization (default -1) */
    float epsilon;  /* default 1e-5 */
    int64_t groups; /* GroupNormalization num_groups */
    int64_t p;      /* LpNormalization: 1 or 2 (default 2) */
    bool per_group; /* GroupNormalization-18: scale and bias hold one value per group */
    /* LayerNormalization: the output this node computes (0 Y, 1 Mean, 2
     * InvStdDev: X's shape with the normalized axes 1) */
    uint32_t output;
} vkc_norm_attrs;

/* A fused group (runtime/passes/fuse.c builds them): a node's own
 * operation, its anchor, followed by an ordered list of elementwise
 * post-operations applied to each output element before it is stored. A
 * post-op may read another tensor (its operand) only as the legality rule in
 * fuse.c allows, named by how the fused kernel indexes it: */
typedef enum vkc_operand_kind {
    VKC_OPERAND_NONE,    /* a unary post-op */
    VKC_OPERAND_ELEMENT, /* a tensor of the output's shape, read at the output element's index */
    VKC_OPERAND_CHANNEL, /* one value per output channel (Conv: axis 1; Gemm, MatMul: the
                            last axis), or one value */
    VKC_OPERAND_IMAGE_CHANNEL, /* Conv, pools: one value per image and channel ([N, C, 1, ...]) */
    VKC_OPERAND_VALUE,         /* the group's own value before post-op `slot` (0: the anchor's) */
} vkc_operand_kind;

#define VKC_MAX_POST_OPS 16     /* post-ops per group */
#define VKC_MAX_POST_OPERANDS 4 /* tensors they read, per group */

typedef struct vkc_post_op {
    vkc_op op;             /* an elementwise op (op_table.h VKC_OPF_ELEMENTWISE) */
    float params[3];       /* its vkc_elt_params */
    vkc_operand_kind kind; /* of its second operand */
    uint32_t slot;         /* the node's input slot holding the operand tensor; VALUE: which
                              value; NONE: unused */
    bool operand_first;    /* the operand is the op's first input (t - v, t / v, pow(t, v)) */
    uint32_t source;       /* the graph node it was */
} vkc_post_op;

/* A squeeze-and-excitation block as one node (passes/squeeze_excite.c):
 *   s = gate(W2 act(W1 mean(X) + B1) + B2)
 * X [N, C, H, W], W1 [R, C] (a 1x1 Conv's [R, C, 1, 1]), B1 [R], W2 [C, R],
 * B2 [C] (each bias optional), s [N, C, 1, 1]. `act` is the chain of
 * elementwise ops the first 1x1 Conv's group applied (a Relu; Sigmoid then
 * Mul by the value before it: SiLU), as that Conv's post-ops: each unary
 * (VKC_OPERAND_NONE) or reading one earlier value of the chain
 * (VKC_OPERAND_VALUE), never a tensor. `gate` is the node's own post-ops. */
#define VKC_SE_MAX_ACT 4
typedef struct vkc_se_attrs {
    uint32_t act_count;
    vkc_post_op act[VKC_SE_MAX_ACT];
} vkc_se_attrs;

typedef union vkc_attrs {
    vkc_window_attrs window; /* Conv, MaxPool, AveragePool */
    vkc_lrn_attrs lrn;
    vkc_elt_attrs elt; /* elementwise ops but Clip */
    float epsilon;     /* BatchNormalization */
    vkc_clip_attrs clip;
    vkc_gemm_attrs gemm;
    int64_t axis; /* Flatten, Concat, Gather (normalized at inference) */
    vkc_reshape_attrs reshape;
    vkc_axes_attrs axes;
    vkc_transpose_attrs transpose;
    vkc_binary_attrs binary;
    vkc_pad_attrs pad;
    vkc_softmax_attrs softmax;
    vkc_slice_attrs slice;
    struct {
        int64_t start, end;
        bool has_end;
    } shape;    /* Shape (opset 15 start/end) */
    int64_t to; /* Cast: ONNX data type */
    /* Reduce* */
    vkc_reduce_attrs reduce;
    /* LayerNormalization, InstanceNormalization, GroupNormalization, LpNormalization */
    vkc_norm_attrs norm;
    vkc_split_attrs split;
    vkc_ints_attrs ints; /* Tile (repeats), Expand (output shape) */
    vkc_resize_attrs resize;
    vkc_se_attrs se; /* SqueezeExcite (internal) */
    struct {
        bool is_float; /* the value's type: float32 or an integer (int64) */
        float f;
        int64_t i;
    } fill; /* ConstantOfShape */
} vkc_attrs;

/* ONNX name of an op ("Conv"), and the defaults of its attributes (set
 * before the file's are applied): both from the operator table. Everything
 * else the stages know of an operator (opsets, flags, attribute decoding,
 * shape inference, reference, lowering, GLSL) is in its descriptor:
 * runtime/ops/op_table.h. */
const char *vkc_op_name(vkc_op op);
void vkc_attrs_defaults(vkc_op op, int opset, vkc_attrs *attrs);

#endif
