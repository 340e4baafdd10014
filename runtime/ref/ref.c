/* Reference dispatcher: the operator table's `ref` of a node's operation,
 * and the adapters from the table's uniform signature to the per-family
 * functions. */
#include "ref/ref.h"

#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/error.h"
#include "ops/op_table.h"

uint64_t vkc_ref_elements(uint32_t rank, const int64_t *dims) {
    uint64_t n = 1;
    for (uint32_t d = 0; d < rank; d++)
        n *= (uint64_t)dims[d];
    return n;
}

void vkc_ref_op_conv(VKC_REF_ARGS) {
    (void)op;
    vkc_ref_conv(&a->window, &in[0], &in[1], count > 2 ? in[2].data : NULL, y, out);
}

void vkc_ref_op_pool(VKC_REF_ARGS) {
    (void)count;
    vkc_ref_pool(op, &a->window, &in[0], y, out);
}

void vkc_ref_op_lrn(VKC_REF_ARGS) {
    (void)op, (void)count, (void)y;
    vkc_ref_lrn(&a->lrn, &in[0], out);
}

void vkc_ref_op_copy(VKC_REF_ARGS) {
    (void)op, (void)a, (void)count, (void)y;
    memcpy(out, in[0].data, vkc_ref_elements(in[0].rank, in[0].dims) * sizeof *out);
}

void vkc_ref_op_batch_norm(VKC_REF_ARGS) {
    (void)op, (void)count, (void)y;
    vkc_ref_batch_norm(a->epsilon, in, out);
}

void vkc_ref_op_gemm(VKC_REF_ARGS) {
    (void)op, (void)y;
    vkc_ref_gemm(&a->gemm, &in[0], &in[1], count > 2 && in[2].data ? &in[2] : NULL, out);
}

void vkc_ref_op_matmul(VKC_REF_ARGS) {
    (void)op, (void)a, (void)count;
    vkc_ref_matmul(&in[0], &in[1], y, out);
}

void vkc_ref_op_transpose(VKC_REF_ARGS) {
    (void)op, (void)count, (void)y;
    vkc_ref_transpose(&a->transpose, &in[0], out);
}

void vkc_ref_op_concat(VKC_REF_ARGS) {
    (void)op;
    vkc_ref_concat(a->axis, in, count, y, out);
}

void vkc_ref_op_pad(VKC_REF_ARGS) {
    (void)op, (void)count;
    vkc_ref_pad(&a->pad, &in[0], y, out);
}

void vkc_ref_op_softmax(VKC_REF_ARGS) {
    (void)count, (void)y;
    vkc_ref_softmax(op == VKC_OP_LOG_SOFTMAX, &a->softmax, &in[0], out);
}

vkcnn_status vkc_ref_compute(vkc_op op, const vkc_attrs *a, const vkc_ref_tensor *in,
                             uint32_t count, const vkc_ref_tensor *y, float *out) {
    vkc_ref_fn ref = (unsigned)op < VKC_OP_COUNT ? vkc_op_get(op)->ref : NULL;
    if (!ref)
        return vkc_fail(VKCNN_ERROR_UNSUPPORTED, "no reference implementation of %s",
                        vkc_op_name(op));
    ref(op, a, in, count, y, out);
    return VKCNN_OK;
}

vkcnn_status vkc_ref_node(const vkc_graph *g, uint32_t ni, const float *const *inputs, float *out) {
    const vkc_node *n = &g->nodes[ni];
    uint32_t count = n->own_inputs;
    vkc_ref_tensor *in = vkc_calloc(count ? count : 1, sizeof *in);
    if (!in) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    for (uint32_t i = 0; i < count; i++) {
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
    vkcnn_status st = vkc_ref_compute(n->op, &n->attrs, in, count, &y, out);
    free(in);
    return st;
}
