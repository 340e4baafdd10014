/* Reference elementwise ops: every unary, binary and variadic operator of
 * the table through its `scalar`, with numpy broadcasting; and
 * BatchNormalization. */
#include <math.h>

#include "ops/op_table.h"
#include "ref/ref.h"

/* Offset of output coordinates `coord` (rank `orank`) in an operand of
 * shape (rank, dims), numpy-broadcast (right-aligned, size-1 axes repeat). */
static uint64_t operand_offset(const vkc_ref_tensor *t, uint32_t orank, const int64_t *coord) {
    uint64_t off = 0;
    for (uint32_t d = 0; d < t->rank; d++) {
        int64_t dim = t->dims[d];
        off = off * (uint64_t)dim + (dim == 1 ? 0 : (uint64_t)coord[orank - t->rank + d]);
    }
    return off;
}

void vkc_ref_elementwise(VKC_REF_ARGS) {
    const vkc_op_info *info = vkc_op_get(op);
    vkc_elt_params p = vkc_elt_params_of(op, a);
    uint64_t n = vkc_ref_elements(y->rank, y->dims);
    int64_t coord[VKC_MAX_RANK];
    for (uint64_t i = 0; i < n; i++) {
        uint64_t r = i;
        for (uint32_t d = y->rank; d-- > 0;) {
            coord[d] = (int64_t)(r % (uint64_t)y->dims[d]);
            r /= (uint64_t)y->dims[d];
        }
        double v = in[0].data[operand_offset(&in[0], y->rank, coord)];
        if (info->arity == 1) {
            v = info->scalar(v, 0.0, &p);
        } else {
            for (uint32_t k = 1; k < count; k++)
                v = info->scalar(v, in[k].data[operand_offset(&in[k], y->rank, coord)], &p);
        }
        if (op == VKC_OP_MEAN) v /= count;
        out[i] = (float)v;
    }
}

void vkc_ref_batch_norm(float epsilon, const vkc_ref_tensor *in, float *out) {
    const vkc_ref_tensor *x = &in[0];
    const float *scale = in[1].data, *bias = in[2].data, *mean = in[3].data, *var = in[4].data;
    int64_t n = x->dims[0], c = x->dims[1];
    int64_t sp = (int64_t)vkc_ref_elements(x->rank - 2, x->dims + 2);
    for (int64_t b = 0; b < n; b++)
        for (int64_t ch = 0; ch < c; ch++) {
            double inv = 1.0 / sqrt((double)var[ch] + (double)epsilon);
            for (int64_t s = 0; s < sp; s++) {
                int64_t i = (b * c + ch) * sp + s;
                out[i] = (float)((x->data[i] - (double)mean[ch]) * inv * scale[ch] + bias[ch]);
            }
        }
}
