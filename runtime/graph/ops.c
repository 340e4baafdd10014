#include "graph/ops.h"

#include <math.h>
#include <string.h>

static const char *const op_names[VKC_OP_COUNT] = {
    [VKC_OP_CONV] = "Conv",
    [VKC_OP_MAX_POOL] = "MaxPool",
    [VKC_OP_AVERAGE_POOL] = "AveragePool",
    [VKC_OP_GLOBAL_AVERAGE_POOL] = "GlobalAveragePool",
    [VKC_OP_GLOBAL_MAX_POOL] = "GlobalMaxPool",
    [VKC_OP_LRN] = "LRN",
    [VKC_OP_RELU] = "Relu",
    [VKC_OP_LEAKY_RELU] = "LeakyRelu",
    [VKC_OP_PRELU] = "PRelu",
    [VKC_OP_CLIP] = "Clip",
    [VKC_OP_SIGMOID] = "Sigmoid",
    [VKC_OP_TANH] = "Tanh",
    [VKC_OP_BATCH_NORM] = "BatchNormalization",
    [VKC_OP_GEMM] = "Gemm",
    [VKC_OP_MATMUL] = "MatMul",
    [VKC_OP_ADD] = "Add",
    [VKC_OP_SUB] = "Sub",
    [VKC_OP_MUL] = "Mul",
    [VKC_OP_DIV] = "Div",
    [VKC_OP_FLATTEN] = "Flatten",
    [VKC_OP_RESHAPE] = "Reshape",
    [VKC_OP_SQUEEZE] = "Squeeze",
    [VKC_OP_UNSQUEEZE] = "Unsqueeze",
    [VKC_OP_TRANSPOSE] = "Transpose",
    [VKC_OP_CONCAT] = "Concat",
    [VKC_OP_PAD] = "Pad",
    [VKC_OP_DROPOUT] = "Dropout",
    [VKC_OP_IDENTITY] = "Identity",
    [VKC_OP_SOFTMAX] = "Softmax",
    [VKC_OP_LOG_SOFTMAX] = "LogSoftmax",
    [VKC_OP_CONSTANT] = "Constant",
    [VKC_OP_SHAPE] = "Shape",
    [VKC_OP_GATHER] = "Gather",
    [VKC_OP_CAST] = "Cast",
    [VKC_OP_SLICE] = "Slice",
};

const char *vkc_op_name(vkc_op op) {
    return (unsigned)op < VKC_OP_COUNT ? op_names[op] : "?";
}

bool vkc_op_from_name(const char *name, vkc_op *op) {
    for (int i = 0; i < VKC_OP_COUNT; i++) {
        if (strcmp(op_names[i], name) == 0) {
            *op = (vkc_op)i;
            return true;
        }
    }
    return false;
}

bool vkc_op_is_spatial(vkc_op op) {
    switch (op) {
    case VKC_OP_CONV:
    case VKC_OP_MAX_POOL:
    case VKC_OP_AVERAGE_POOL:
    case VKC_OP_GLOBAL_AVERAGE_POOL:
    case VKC_OP_GLOBAL_MAX_POOL:
    case VKC_OP_LRN:
    case VKC_OP_BATCH_NORM: return true;
    default: return false;
    }
}

void vkc_attrs_defaults(vkc_op op, int opset, vkc_attrs *a) {
    memset(a, 0, sizeof *a);
    switch (op) {
    case VKC_OP_CONV:
    case VKC_OP_MAX_POOL:
    case VKC_OP_AVERAGE_POOL:
        for (int i = 0; i < VKC_MAX_SPATIAL; i++) {
            a->window.strides[i] = 1;
            a->window.dilations[i] = 1;
        }
        a->window.group = 1;
        break;
    case VKC_OP_LRN:
        a->lrn.alpha = 1e-4f;
        a->lrn.beta = 0.75f;
        a->lrn.bias = 1.0f;
        break;
    case VKC_OP_LEAKY_RELU: a->alpha = 0.01f; break;
    case VKC_OP_BATCH_NORM: a->epsilon = 1e-5f; break;
    case VKC_OP_CLIP:
        a->clip.min = -INFINITY;
        a->clip.max = INFINITY;
        break;
    case VKC_OP_GEMM:
        a->gemm.alpha = 1.0f;
        a->gemm.beta = 1.0f;
        break;
    case VKC_OP_FLATTEN:
    case VKC_OP_CONCAT: a->axis = 1; break; /* Concat-1's default; required later */
    case VKC_OP_SOFTMAX:
    case VKC_OP_LOG_SOFTMAX:
        a->softmax.coerce_2d = opset < 13;
        a->softmax.axis = opset < 13 ? 1 : -1;
        break;
    case VKC_OP_SHAPE: a->shape.start = 0; break;
    case VKC_OP_CAST: a->to = 0; break;
    default: break;
    }
}
