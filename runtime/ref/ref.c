/* Reference dispatcher: one node's operands to the per-family functions. */
#include "ref/ref.h"

#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/error.h"

uint64_t vkc_ref_elements(uint32_t rank, const int64_t *dims) {
    uint64_t n = 1;
    for (uint32_t d = 0; d < rank; d++)
        n *= (uint64_t)dims[d];
    return n;
}

vkcnn_status vkc_ref_compute(vkc_op op, const vkc_attrs *a, const vkc_ref_tensor *in,
                             uint32_t count, const vkc_ref_tensor *y, float *out) {
    const float *third = count > 2 ? in[2].data : NULL;
    switch (op) {
    case VKC_OP_CONV: vkc_ref_conv(&a->window, &in[0], &in[1], third, y, out); break;
    case VKC_OP_MAX_POOL:
    case VKC_OP_AVERAGE_POOL:
    case VKC_OP_GLOBAL_AVERAGE_POOL:
    case VKC_OP_GLOBAL_MAX_POOL: vkc_ref_pool(op, &a->window, &in[0], y, out); break;
    case VKC_OP_LRN: vkc_ref_lrn(&a->lrn, &in[0], out); break;
    case VKC_OP_RELU:
    case VKC_OP_LEAKY_RELU:
    case VKC_OP_CLIP:
    case VKC_OP_SIGMOID:
    case VKC_OP_TANH:
    case VKC_OP_FLATTEN:
    case VKC_OP_RESHAPE:
    case VKC_OP_SQUEEZE:
    case VKC_OP_UNSQUEEZE:
    case VKC_OP_DROPOUT:
    case VKC_OP_IDENTITY: vkc_ref_unary(op, a, &in[0], out); break;
    case VKC_OP_PRELU:
    case VKC_OP_ADD:
    case VKC_OP_SUB:
    case VKC_OP_MUL:
    case VKC_OP_DIV: vkc_ref_binary(op, &in[0], &in[1], y, out); break;
    case VKC_OP_BATCH_NORM: vkc_ref_batch_norm(a->epsilon, in, out); break;
    case VKC_OP_GEMM: vkc_ref_gemm(&a->gemm, &in[0], &in[1], count > 2 ? &in[2] : NULL, out); break;
    case VKC_OP_MATMUL: vkc_ref_matmul(&in[0], &in[1], y, out); break;
    case VKC_OP_TRANSPOSE: vkc_ref_transpose(&a->transpose, &in[0], out); break;
    case VKC_OP_CONCAT: vkc_ref_concat(a->axis, in, count, y, out); break;
    case VKC_OP_PAD: vkc_ref_pad(&a->pad, &in[0], y, out); break;
    case VKC_OP_SOFTMAX:
    case VKC_OP_LOG_SOFTMAX:
        vkc_ref_softmax(op == VKC_OP_LOG_SOFTMAX, &a->softmax, &in[0], out);
        break;
    default:
        return vkc_fail(VKCNN_ERROR_UNSUPPORTED, "no reference implementation of %s",
                        vkc_op_name(op));
    }
    return VKCNN_OK;
}

vkcnn_status vkc_ref_node(const vkc_graph *g, uint32_t ni, const float *const *inputs, float *out) {
    const vkc_node *n = &g->nodes[ni];
    vkc_ref_tensor *in = vkc_calloc(n->input_count ? n->input_count : 1, sizeof *in);
    if (!in) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    for (uint32_t i = 0; i < n->input_count; i++) {
        memset(&in[i], 0, sizeof in[i]);
        if (n->inputs[i] == VKC_NONE) continue;
        const vkc_tensor *t = &g->tensors[n->inputs[i]];
        in[i].rank = t->rank;
        in[i].dims = t->dims;
        in[i].data = inputs && inputs[i]             ? inputs[i]
                     : t->dtype == VKC_DTYPE_FLOAT32 ? t->data
                                                     : NULL;
        if (!in[i].data) {
            free(in);
            return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "node '%s': no data for input '%s'",
                            n->name, t->name);
        }
    }
    const vkc_tensor *yt = &g->tensors[n->outputs[0]];
    vkc_ref_tensor y = {yt->rank, yt->dims, NULL};
    vkcnn_status st = vkc_ref_compute(n->op, &n->attrs, in, n->input_count, &y, out);
    free(in);
    return st;
}
