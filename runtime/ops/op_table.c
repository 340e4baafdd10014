/* The operator table (op_table.h): one row per operator. */
#include "ops/op_table.h"

#include <math.h>
#include <string.h>

#include "codegen/codegen_internal.h"
#include "graph/infer.h"
#include "import/onnx_attrs.h"
#include "ref/ref.h"

/* ---- attribute defaults ----------------------------------------------------- */

static void window_defaults(int opset, vkc_attrs *a) {
    (void)opset;
    for (int i = 0; i < VKC_MAX_SPATIAL; i++) {
        a->window.strides[i] = 1;
        a->window.dilations[i] = 1;
    }
    a->window.group = 1;
}

static void lrn_defaults(int opset, vkc_attrs *a) {
    (void)opset;
    a->lrn.alpha = 1e-4f;
    a->lrn.beta = 0.75f;
    a->lrn.bias = 1.0f;
}

static void batch_norm_defaults(int opset, vkc_attrs *a) {
    (void)opset;
    a->epsilon = 1e-5f;
}

static void clip_defaults(int opset, vkc_attrs *a) {
    (void)opset;
    a->clip.min = -INFINITY;
    a->clip.max = INFINITY;
}

static void gemm_defaults(int opset, vkc_attrs *a) {
    (void)opset;
    a->gemm.alpha = 1.0f;
    a->gemm.beta = 1.0f;
}

static void axis_one(int opset, vkc_attrs *a) { /* Flatten; Concat-1's default */
    (void)opset;
    a->axis = 1;
}

static void softmax_defaults(int opset, vkc_attrs *a) {
    a->softmax.coerce_2d = opset < 13;
    a->softmax.axis = opset < 13 ? 1 : -1;
}

/* Resize-10 and Upsample: asymmetric coordinates, nearest rounds down (the
 * ONNX version converter's reading of Resize-10); Resize-11 and later:
 * half_pixel, round_prefer_floor. */
static void resize_defaults(int opset, vkc_attrs *a) {
    bool legacy = opset < 11;
    a->resize.mode = VKC_RESIZE_NEAREST;
    a->resize.coord = legacy ? VKC_COORD_ASYMMETRIC : VKC_COORD_HALF_PIXEL;
    a->resize.nearest = legacy ? VKC_NEAREST_FLOOR : VKC_NEAREST_ROUND_PREFER_FLOOR;
}

static void reduce_defaults(int opset, vkc_attrs *a) {
    (void)opset;
    a->reduce.keepdims = true;
}

static void norm_defaults(int opset, vkc_attrs *a) {
    (void)opset;
    a->norm.epsilon = 1e-5f;
    a->norm.axis = -1;
    a->norm.p = 2;
}

/* A reduction's row (Reduce*): name and since-versions. */
#define REDUCE(NAME, ...)                                                                          \
    {                                                                                              \
        .name = NAME, .since = S(__VA_ARGS__), .flags = VKC_OPF_FLOAT_X,                           \
        .defaults = reduce_defaults, .decode = vkc_decode_reduce, .infer = vkc_infer_reduce,       \
        .ref = vkc_ref_op_reduce, .lower = vkc_lower_reduce                                        \
    }

/* ---- the table ----------------------------------------------------------- */

#define S(...)                                                                                     \
    { __VA_ARGS__, 0 }
#define F_X VKC_OPF_FLOAT_X
#define ELT VKC_OPF_ELEMENTWISE

/* An elementwise row: name, since-versions, extra flags, arity, parameter
 * count, decode, infer, GLSL function, scalar, default parameters. */
#define ELTWISE(NAME, SINCE, FLAGS, ARITY, NP, DECODE, INFER, FN, ...)                             \
    {                                                                                              \
        .name = NAME, .since = SINCE, .flags = ELT | (FLAGS), .decode = DECODE, .infer = INFER,    \
        .ref = vkc_ref_elementwise, .lower = vkc_lower_eltwise, .arity = ARITY, .params = NP,      \
        .glsl = "vkc_" #FN, .scalar = vkc_scalar_##FN, .defaults_p = {                             \
            {__VA_ARGS__}                                                                          \
        }                                                                                          \
    }

static const vkc_op_info table[VKC_OP_COUNT] = {
    [VKC_OP_CONV] = {"Conv", S(1, 11, 22), VKC_OPF_SPATIAL | VKC_OPF_ANCHOR | F_X, 1u << 1,
                     window_defaults, vkc_decode_window, vkc_infer_conv, vkc_ref_op_conv,
                     vkc_lower_conv_node},
    [VKC_OP_MAX_POOL] = {"MaxPool", S(1, 8, 10, 11, 12, 22), VKC_OPF_SPATIAL | VKC_OPF_ANCHOR | F_X,
                         0, window_defaults, vkc_decode_window, vkc_infer_pool, vkc_ref_op_pool,
                         vkc_lower_pool},
    [VKC_OP_AVERAGE_POOL] = {"AveragePool", S(1, 7, 10, 11, 19, 22),
                             VKC_OPF_SPATIAL | VKC_OPF_ANCHOR | F_X, 0, window_defaults,
                             vkc_decode_window, vkc_infer_pool, vkc_ref_op_pool, vkc_lower_pool},
    [VKC_OP_GLOBAL_AVERAGE_POOL] = {"GlobalAveragePool", S(1, 22),
                                    VKC_OPF_SPATIAL | VKC_OPF_ANCHOR | F_X, 0, window_defaults,
                                    NULL, vkc_infer_global_pool, vkc_ref_op_pool, vkc_lower_pool},
    [VKC_OP_GLOBAL_MAX_POOL] = {"GlobalMaxPool", S(1, 22), VKC_OPF_SPATIAL | VKC_OPF_ANCHOR | F_X,
                                0, window_defaults, NULL, vkc_infer_global_pool, vkc_ref_op_pool,
                                vkc_lower_pool},
    [VKC_OP_LRN] = {"LRN", S(1, 13), VKC_OPF_SPATIAL | F_X, 0, lrn_defaults, vkc_decode_lrn,
                    vkc_infer_lrn, vkc_ref_op_lrn, vkc_lower_lrn},
    [VKC_OP_BATCH_NORM] = {"BatchNormalization", S(1, 6, 7, 9, 14, 15),
                           VKC_OPF_SPATIAL | VKC_OPF_ANCHOR | F_X, 0, batch_norm_defaults,
                           vkc_decode_batch_norm, vkc_infer_batch_norm, vkc_ref_op_batch_norm,
                           vkc_lower_batch_norm},
    [VKC_OP_GEMM] = {"Gemm", S(1, 6, 7, 9, 11, 13), VKC_OPF_ANCHOR | F_X, 1u << 1, gemm_defaults,
                     vkc_decode_gemm, vkc_infer_gemm, vkc_ref_op_gemm, vkc_lower_gemm},
    [VKC_OP_MATMUL] = {"MatMul", S(1, 9, 13), VKC_OPF_ANCHOR | F_X, 1u << 1, NULL, NULL,
                       vkc_infer_matmul, vkc_ref_op_matmul, vkc_lower_matmul},
    [VKC_OP_FLATTEN] = {"Flatten", S(1, 9, 11, 13, 21), VKC_OPF_VIEW, 0, axis_one, vkc_decode_axis,
                        vkc_infer_flatten, vkc_ref_op_copy, NULL},
    [VKC_OP_RESHAPE] = {"Reshape", S(1, 5, 13, 14, 19, 21), VKC_OPF_VIEW, 0, NULL,
                        vkc_decode_reshape, vkc_infer_reshape, vkc_ref_op_copy, NULL},
    [VKC_OP_SQUEEZE] = {"Squeeze", S(1, 11, 13, 21), VKC_OPF_VIEW, 0, NULL, vkc_decode_axes,
                        vkc_infer_squeeze, vkc_ref_op_copy, NULL},
    [VKC_OP_UNSQUEEZE] = {"Unsqueeze", S(1, 11, 13, 21), VKC_OPF_VIEW, 0, NULL, vkc_decode_axes,
                          vkc_infer_unsqueeze, vkc_ref_op_copy, NULL},
    [VKC_OP_DROPOUT] = {"Dropout", S(1, 6, 7, 10, 12, 13, 22), VKC_OPF_VIEW | F_X, 0, NULL,
                        vkc_decode_dropout, vkc_infer_dropout, vkc_ref_op_copy, NULL},
    [VKC_OP_IDENTITY] = {"Identity", S(1, 13, 14, 16, 19, 21), VKC_OPF_VIEW, 0, NULL, NULL,
                         vkc_infer_same, vkc_ref_op_copy, NULL},
    [VKC_OP_TRANSPOSE] = {"Transpose", S(1, 13, 21), 0, 0, NULL, vkc_decode_transpose,
                          vkc_infer_transpose, vkc_ref_op_transpose, vkc_lower_transpose},
    [VKC_OP_CONCAT] = {"Concat", S(1, 4, 11, 13), VKC_OPF_VARIADIC, 0, axis_one, vkc_decode_axis,
                       vkc_infer_concat, vkc_ref_op_concat, vkc_lower_concat},
    [VKC_OP_PAD] = {"Pad", S(1, 2, 11, 13, 18, 19, 21), F_X, 0, NULL, vkc_decode_pad, vkc_infer_pad,
                    vkc_ref_op_pad, vkc_lower_pad},
    [VKC_OP_SOFTMAX] = {"Softmax", S(1, 11, 13), F_X, 0, softmax_defaults, vkc_decode_softmax,
                        vkc_infer_softmax, vkc_ref_op_softmax, vkc_lower_softmax},
    [VKC_OP_LOG_SOFTMAX] = {"LogSoftmax", S(1, 11, 13), F_X, 0, softmax_defaults,
                            vkc_decode_softmax, vkc_infer_softmax, vkc_ref_op_softmax,
                            vkc_lower_softmax},

    /* shape arithmetic, evaluated at import (graph/fold.c) */
    [VKC_OP_CONSTANT] = {"Constant", S(1, 9, 11, 12, 13, 19, 21), VKC_OPF_FOLDED},
    [VKC_OP_SHAPE] = {"Shape", S(1, 13, 15, 19, 21), VKC_OPF_FOLDED, 0, NULL, vkc_decode_shape,
                      vkc_infer_shape},
    /* Gather and Slice fold on constants (graph/fold.c) and run on run-time data */
    [VKC_OP_GATHER] = {"Gather", S(1, 11, 13), 0, 0, NULL, vkc_decode_axis, vkc_infer_gather,
                       vkc_ref_op_data, vkc_lower_data},
    [VKC_OP_CAST] = {"Cast", S(1, 6, 9, 13, 19, 21), VKC_OPF_FOLDED, 0, NULL, vkc_decode_cast,
                     vkc_infer_cast},
    [VKC_OP_SLICE] = {"Slice", S(1, 10, 11, 13), 0, 0, NULL, vkc_decode_slice, vkc_infer_slice,
                      vkc_ref_op_data, vkc_lower_data},

    /* data movement: index-mapped copies (ref/ref_data.c, codegen/lower_data.c);
     * folded when their data is constant (graph/fold_logic.c) */
    [VKC_OP_SPLIT] = {"Split", S(1, 2, 11, 13, 18), 0, 0, NULL, vkc_decode_split, vkc_infer_split,
                      vkc_ref_op_data, vkc_lower_data},
    [VKC_OP_TILE] = {"Tile", S(1, 6, 13), 0, 0, NULL, NULL, vkc_infer_tile, vkc_ref_op_data,
                     vkc_lower_data},
    [VKC_OP_EXPAND] = {"Expand", S(8, 13), 0, 0, NULL, NULL, vkc_infer_expand, vkc_ref_op_data,
                       vkc_lower_data},
    [VKC_OP_WHERE] = {"Where", S(9, 16), 0, 0, NULL, NULL, vkc_infer_where, vkc_ref_op_where,
                      vkc_lower_where},
    /* comparisons and logic: elementwise; booleans are int64 0/1 when
     * constant (folded), float32 0.0/1.0 at run time */
    [VKC_OP_EQUAL] = ELTWISE("Equal", S(1, 7, 11, 13, 19), 0, 2, 0, vkc_decode_binary,
                             vkc_infer_binary, equal, 0),
    [VKC_OP_LESS] =
        ELTWISE("Less", S(1, 7, 9, 13), 0, 2, 0, vkc_decode_binary, vkc_infer_binary, less, 0),
    [VKC_OP_GREATER] = ELTWISE("Greater", S(1, 7, 9, 13), 0, 2, 0, vkc_decode_binary,
                               vkc_infer_binary, greater, 0),
    [VKC_OP_LESS_OR_EQUAL] =
        ELTWISE("LessOrEqual", S(12, 16), 0, 2, 0, NULL, vkc_infer_binary, less_or_equal, 0),
    [VKC_OP_GREATER_OR_EQUAL] =
        ELTWISE("GreaterOrEqual", S(12, 16), 0, 2, 0, NULL, vkc_infer_binary, greater_or_equal, 0),
    [VKC_OP_NOT] = ELTWISE("Not", S(1), 0, 1, 0, NULL, vkc_infer_same, logical_not, 0),
    [VKC_OP_AND] =
        ELTWISE("And", S(1, 7), 0, 2, 0, vkc_decode_binary, vkc_infer_binary, logical_and, 0),
    [VKC_OP_OR] =
        ELTWISE("Or", S(1, 7), 0, 2, 0, vkc_decode_binary, vkc_infer_binary, logical_or, 0),
    /* folded at load (graph/fold_logic.c); If: runtime/import/onnx_if.c */
    [VKC_OP_CONSTANT_OF_SHAPE] = {"ConstantOfShape", S(9, 20, 21), VKC_OPF_FOLDED, 0, NULL,
                                  vkc_decode_constant_of_shape, vkc_infer_constant_of_shape},
    [VKC_OP_RANGE] = {"Range", S(11), VKC_OPF_FOLDED, 0, NULL, NULL, vkc_infer_range},
    [VKC_OP_SIZE] = {"Size", S(1, 13, 19, 21), VKC_OPF_FOLDED, 0, NULL, NULL, vkc_infer_size},
    [VKC_OP_IF] = {"If", S(1, 11, 13, 16, 19, 21), VKC_OPF_FOLDED},
    /* resizing (codegen/lower_resize.c, shaders/resize.comp) */
    [VKC_OP_RESIZE] = {"Resize", S(10, 11, 13, 18, 19), F_X, 0, resize_defaults, vkc_decode_resize,
                       vkc_infer_resize, vkc_ref_op_resize, vkc_lower_resize},
    [VKC_OP_UPSAMPLE] = {"Upsample", S(7, 9, 10), F_X, 0, resize_defaults, vkc_decode_resize,
                         vkc_infer_resize, vkc_ref_op_resize, vkc_lower_resize},
    /* internal, never imported (no since-version): passes/squeeze_excite.c
     * builds it; its post-ops are the gate */
    [VKC_OP_SQUEEZE_EXCITE] = {"SqueezeExcite", S(0), VKC_OPF_ANCHOR | F_X, 0, NULL, NULL, NULL,
                               vkc_ref_op_squeeze_excite, vkc_lower_squeeze_excite},

    /* the elementwise family */
    [VKC_OP_RELU] = ELTWISE("Relu", S(1, 6, 13, 14), F_X, 1, 0, NULL, vkc_infer_same, relu, 0),
    [VKC_OP_LEAKY_RELU] = ELTWISE("LeakyRelu", S(1, 6, 16), F_X, 1, 1, vkc_decode_elt,
                                  vkc_infer_same, leaky_relu, 0.01f),
    [VKC_OP_PRELU] =
        ELTWISE("PRelu", S(1, 6, 7, 9, 16), F_X, 2, 0, NULL, vkc_infer_prelu, prelu, 0),
    [VKC_OP_CLIP] =
        ELTWISE("Clip", S(1, 6, 11, 12, 13), F_X, 1, 2, vkc_decode_clip, vkc_infer_clip, clip, 0),
    [VKC_OP_SIGMOID] = ELTWISE("Sigmoid", S(1, 6, 13), F_X, 1, 0, NULL, vkc_infer_same, sigmoid, 0),
    [VKC_OP_TANH] = ELTWISE("Tanh", S(1, 6, 13), F_X, 1, 0, NULL, vkc_infer_same, tanh, 0),
    /* Add, Sub, Mul and Div also compute int64 shape arithmetic (folded) */
    [VKC_OP_ADD] =
        ELTWISE("Add", S(1, 6, 7, 13, 14), 0, 2, 0, vkc_decode_binary, vkc_infer_binary, add, 0),
    [VKC_OP_SUB] =
        ELTWISE("Sub", S(1, 6, 7, 13, 14), 0, 2, 0, vkc_decode_binary, vkc_infer_binary, sub, 0),
    [VKC_OP_MUL] =
        ELTWISE("Mul", S(1, 6, 7, 13, 14), 0, 2, 0, vkc_decode_binary, vkc_infer_binary, mul, 0),
    [VKC_OP_DIV] =
        ELTWISE("Div", S(1, 6, 7, 13, 14), 0, 2, 0, vkc_decode_binary, vkc_infer_binary, div, 0),
    [VKC_OP_POW] =
        ELTWISE("Pow", S(1, 7, 12, 13, 15), F_X, 2, 0, vkc_decode_binary, vkc_infer_binary, pow, 0),
    [VKC_OP_ABS] = ELTWISE("Abs", S(1, 6, 13), F_X, 1, 0, NULL, vkc_infer_same, abs, 0),
    /* Neg also negates int64 shape arithmetic (folded: the function body of
     * LayerNormalization computes its reduced rank so) */
    [VKC_OP_NEG] = ELTWISE("Neg", S(1, 6, 13), 0, 1, 0, NULL, vkc_infer_same, neg, 0),
    [VKC_OP_EXP] = ELTWISE("Exp", S(1, 6, 13), F_X, 1, 0, NULL, vkc_infer_same, exp, 0),
    [VKC_OP_LOG] = ELTWISE("Log", S(1, 6, 13), F_X, 1, 0, NULL, vkc_infer_same, log, 0),
    [VKC_OP_SQRT] = ELTWISE("Sqrt", S(1, 6, 13), F_X, 1, 0, NULL, vkc_infer_same, sqrt, 0),
    [VKC_OP_RECIPROCAL] =
        ELTWISE("Reciprocal", S(1, 6, 13), F_X, 1, 0, NULL, vkc_infer_same, reciprocal, 0),
    [VKC_OP_FLOOR] = ELTWISE("Floor", S(1, 6, 13), F_X, 1, 0, NULL, vkc_infer_same, floor, 0),
    [VKC_OP_CEIL] = ELTWISE("Ceil", S(1, 6, 13), F_X, 1, 0, NULL, vkc_infer_same, ceil, 0),
    [VKC_OP_ROUND] = ELTWISE("Round", S(11, 22), F_X, 1, 0, NULL, vkc_infer_same, round, 0),
    [VKC_OP_SIGN] = ELTWISE("Sign", S(9, 13), F_X, 1, 0, NULL, vkc_infer_same, sign, 0),
    [VKC_OP_ERF] = ELTWISE("Erf", S(9, 13), F_X, 1, 0, NULL, vkc_infer_same, erf, 0),
    [VKC_OP_SIN] = ELTWISE("Sin", S(7, 22), F_X, 1, 0, NULL, vkc_infer_same, sin, 0),
    [VKC_OP_COS] = ELTWISE("Cos", S(7, 22), F_X, 1, 0, NULL, vkc_infer_same, cos, 0),
    [VKC_OP_SOFTPLUS] = ELTWISE("Softplus", S(1, 22), F_X, 1, 0, NULL, vkc_infer_same, softplus, 0),
    [VKC_OP_SOFTSIGN] = ELTWISE("Softsign", S(1, 22), F_X, 1, 0, NULL, vkc_infer_same, softsign, 0),
    [VKC_OP_ELU] =
        ELTWISE("Elu", S(1, 6, 22), F_X, 1, 1, vkc_decode_elt, vkc_infer_same, elu, 1.0f),
    [VKC_OP_SELU] = ELTWISE("Selu", S(1, 6, 22), F_X, 1, 3, vkc_decode_elt, vkc_infer_same, selu,
                            1.67326319217681884765625f, 0, 1.05070102214813232421875f),
    [VKC_OP_CELU] = ELTWISE("Celu", S(12), F_X, 1, 1, vkc_decode_elt, vkc_infer_same, celu, 1.0f),
    [VKC_OP_THRESHOLDED_RELU] = ELTWISE("ThresholdedRelu", S(10, 22), F_X, 1, 1, vkc_decode_elt,
                                        vkc_infer_same, thresholded_relu, 1.0f),
    [VKC_OP_HARD_SIGMOID] = ELTWISE("HardSigmoid", S(1, 6, 22), F_X, 1, 2, vkc_decode_elt,
                                    vkc_infer_same, hard_sigmoid, 0.2f, 0.5f),
    [VKC_OP_HARD_SWISH] =
        ELTWISE("HardSwish", S(14, 22), F_X, 1, 0, NULL, vkc_infer_same, hard_swish, 0),
    [VKC_OP_MIN] = ELTWISE("Min", S(1, 6, 8, 12, 13), F_X | VKC_OPF_VARIADIC, 2, 0, NULL,
                           vkc_infer_variadic, min, 0),
    [VKC_OP_MAX] = ELTWISE("Max", S(1, 6, 8, 12, 13), F_X | VKC_OPF_VARIADIC, 2, 0, NULL,
                           vkc_infer_variadic, max, 0),
    [VKC_OP_SUM] = ELTWISE("Sum", S(1, 6, 8, 13), F_X | VKC_OPF_VARIADIC, 2, 0, NULL,
                           vkc_infer_variadic, add, 0),
    /* Mean: the Sum, then divided by the input count (eltwise lowering, ref) */
    [VKC_OP_MEAN] = ELTWISE("Mean", S(1, 6, 8, 13), F_X | VKC_OPF_VARIADIC, 2, 0, NULL,
                            vkc_infer_variadic, add, 0),

    /* GELU (opset 20; runtime/passes/recognise.c also rewrites the erf form
     * into it) and Mish: elementwise */
    [VKC_OP_GELU] = ELTWISE("Gelu", S(20), F_X, 1, 1, vkc_decode_gelu, vkc_infer_same, gelu, 0),
    [VKC_OP_MISH] = ELTWISE("Mish", S(18, 22), F_X, 1, 0, NULL, vkc_infer_same, mish, 0),

    /* reductions: axes attribute before 18 (ReduceSum: 13), constant input after */
    [VKC_OP_REDUCE_MEAN] = REDUCE("ReduceMean", 1, 11, 13, 18),
    [VKC_OP_REDUCE_SUM] = REDUCE("ReduceSum", 1, 11, 13),
    [VKC_OP_REDUCE_MAX] = REDUCE("ReduceMax", 1, 11, 12, 13, 18, 20),
    [VKC_OP_REDUCE_MIN] = REDUCE("ReduceMin", 1, 11, 12, 13, 18, 20),
    [VKC_OP_REDUCE_PROD] = REDUCE("ReduceProd", 1, 11, 13, 18),
    [VKC_OP_REDUCE_L1] = REDUCE("ReduceL1", 1, 11, 13, 18),
    [VKC_OP_REDUCE_L2] = REDUCE("ReduceL2", 1, 11, 13, 18),
    [VKC_OP_REDUCE_SUM_SQUARE] = REDUCE("ReduceSumSquare", 1, 11, 13, 18),
    [VKC_OP_REDUCE_LOG_SUM] = REDUCE("ReduceLogSum", 1, 11, 13, 18),
    [VKC_OP_REDUCE_LOG_SUM_EXP] = REDUCE("ReduceLogSumExp", 1, 11, 13, 18),

    /* normalizations over rows (shaders/norm.comp) */
    [VKC_OP_LAYER_NORM] = {"LayerNormalization", S(17), F_X, 0, norm_defaults, vkc_decode_norm,
                           vkc_infer_layer_norm, vkc_ref_op_norm, vkc_lower_norm},
    [VKC_OP_INSTANCE_NORM] = {"InstanceNormalization", S(1, 6, 22), F_X, 0, norm_defaults,
                              vkc_decode_norm, vkc_infer_instance_norm, vkc_ref_op_norm,
                              vkc_lower_norm},
    [VKC_OP_GROUP_NORM] = {"GroupNormalization", S(18, 21), F_X, 0, norm_defaults, vkc_decode_norm,
                           vkc_infer_group_norm, vkc_ref_op_norm, vkc_lower_norm},
    [VKC_OP_LP_NORM] = {"LpNormalization", S(1, 22), F_X, 0, norm_defaults, vkc_decode_norm,
                        vkc_infer_lp_norm, vkc_ref_op_norm, vkc_lower_norm},
};

const vkc_op_info *vkc_op_get(vkc_op op) {
    return &table[(unsigned)op < VKC_OP_COUNT ? op : VKC_OP_CONSTANT];
}

const char *vkc_op_name(vkc_op op) {
    return (unsigned)op < VKC_OP_COUNT && table[op].name ? table[op].name : "?";
}

bool vkc_op_is(vkc_op op, uint32_t flags) {
    return (unsigned)op < VKC_OP_COUNT && (table[op].flags & flags) == flags;
}

int vkc_op_version(vkc_op op, int64_t opset) {
    if ((unsigned)op >= VKC_OP_COUNT) return 0;
    int v = 0;
    for (const uint8_t *s = table[op].since; *s && *s <= opset; s++)
        v = *s;
    return v;
}

bool vkc_op_lookup(const char *name, int64_t opset, vkc_op *op) {
    for (int i = 0; i < VKC_OP_COUNT; i++) {
        if (!table[i].name || strcmp(table[i].name, name) != 0) continue;
        if (!vkc_op_version((vkc_op)i, opset)) return false;
        *op = (vkc_op)i;
        return true;
    }
    return false;
}

void vkc_attrs_defaults(vkc_op op, int opset, vkc_attrs *a) {
    memset(a, 0, sizeof *a);
    const vkc_op_info *info = vkc_op_get(op);
    if (info->defaults) info->defaults(opset, a);
    if (info->flags & VKC_OPF_ELEMENTWISE && info->params && op != VKC_OP_CLIP) {
        a->elt.alpha = info->defaults_p.p[0];
        a->elt.beta = info->defaults_p.p[1];
        a->elt.gamma = info->defaults_p.p[2];
    }
    if (op == VKC_OP_CLIP) clip_defaults(opset, a);
}

vkc_elt_params vkc_elt_params_of(vkc_op op, const vkc_attrs *a) {
    vkc_elt_params p = {{0, 0, 0}};
    const vkc_op_info *info = vkc_op_get(op);
    if (op == VKC_OP_CLIP) {
        p.p[0] = a->clip.min;
        p.p[1] = a->clip.max;
    } else if (info->params) {
        float v[3] = {a->elt.alpha, a->elt.beta, a->elt.gamma};
        for (uint32_t i = 0; i < info->params && i < 3; i++)
            p.p[i] = v[i];
    }
    return p;
}
