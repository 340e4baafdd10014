/* Reference elementwise ops: activations, binary ops with numpy
 * broadcasting (and PRelu), BatchNormalization. */
#include <math.h>

#include "ref/ref.h"

void vkc_ref_unary(vkc_op op, const vkc_attrs *a, const vkc_ref_tensor *x, float *out) {
    uint64_t n = vkc_ref_elements(x->rank, x->dims);
    for (uint64_t i = 0; i < n; i++) {
        double v = x->data[i], r = v;
        switch (op) {
        case VKC_OP_RELU: r = v < 0 ? 0 : v; break;
        case VKC_OP_LEAKY_RELU: r = v < 0 ? v * a->alpha : v; break;
        case VKC_OP_CLIP:
            r = v < a->clip.min ? a->clip.min : v;
            r = r > a->clip.max ? a->clip.max : r;
            break;
        case VKC_OP_SIGMOID: r = 1.0 / (1.0 + exp(-v)); break;
        case VKC_OP_TANH: r = tanh(v); break;
        default: break; /* views and Identity: a copy */
        }
        out[i] = (float)r;
    }
}

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

void vkc_ref_binary(vkc_op op, const vkc_ref_tensor *ta, const vkc_ref_tensor *tb,
                    const vkc_ref_tensor *y, float *out) {
    uint64_t n = vkc_ref_elements(y->rank, y->dims);
    int64_t coord[VKC_MAX_RANK];
    for (uint64_t i = 0; i < n; i++) {
        uint64_t r = i;
        for (uint32_t d = y->rank; d-- > 0;) {
            coord[d] = (int64_t)(r % (uint64_t)y->dims[d]);
            r /= (uint64_t)y->dims[d];
        }
        float a = ta->data[operand_offset(ta, y->rank, coord)];
        float b = tb->data[operand_offset(tb, y->rank, coord)];
        float v;
        switch (op) {
        case VKC_OP_ADD: v = a + b; break;
        case VKC_OP_SUB: v = a - b; break;
        case VKC_OP_MUL: v = a * b; break;
        case VKC_OP_DIV: v = a / b; break;
        default: v = a < 0 ? a * b : a; break; /* PRelu */
        }
        out[i] = v;
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
