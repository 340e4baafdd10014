/* Reference of the normalizations over rows, written from the ONNX
 * definitions, in double:
 *   LayerNormalization    rows of X's dims [axis, rank); Scale and B of the
 *                         normalized shape or of one value (Scale may be
 *                         absent in a node a pass built: 1); or, as its
 *                         outputs 1 and 2, each row's mean or 1 / std
 *   InstanceNormalization each image's channel over its spatial dims;
 *                         scale and B per channel
 *   GroupNormalization    each image's channel group; scale and bias per
 *                         channel (21) or per group (18)
 *   LpNormalization       X / ||X||_p along `axis`
 * Mean and variance (biased) take two passes over a row; y = (x - mean) /
 * sqrt(var + epsilon) * scale + bias. */
#include <math.h>

#include "ref/ref.h"

static uint64_t product(const int64_t *dims, uint32_t from, uint32_t to) {
    uint64_t p = 1;
    for (uint32_t i = from; i < to; i++)
        p *= (uint64_t)dims[i];
    return p;
}

/* A scale or bias operand: absent (data NULL), one value, or one per
 * index. */
typedef struct param {
    const float *data;
    uint64_t count;
} param;

static param param_of(const vkc_ref_tensor *in, uint32_t count, uint32_t slot) {
    param p = {NULL, 0};
    if (slot < count && in[slot].data) {
        p.data = in[slot].data;
        p.count = vkc_ref_elements(in[slot].rank, in[slot].dims);
    }
    return p;
}

static double at(param p, uint64_t i, double fallback) {
    if (!p.data) return fallback;
    return p.count == 1 ? p.data[0] : p.data[i];
}

static void lp_norm(const vkc_norm_attrs *a, const vkc_ref_tensor *x, float *out) {
    uint32_t axis = (uint32_t)a->axis;
    uint64_t outer = product(x->dims, 0, axis), len = (uint64_t)x->dims[axis];
    uint64_t inner = product(x->dims, axis + 1, x->rank);
    for (uint64_t o = 0; o < outer; o++)
        for (uint64_t i = 0; i < inner; i++) {
            const float *row = x->data + o * len * inner + i;
            double norm = 0;
            for (uint64_t j = 0; j < len; j++) {
                double v = row[j * inner];
                norm += a->p == 1 ? fabs(v) : v * v;
            }
            if (a->p == 2) norm = sqrt(norm);
            for (uint64_t j = 0; j < len; j++)
                out[(o * len + j) * inner + i] = (float)(row[j * inner] / norm);
        }
}

void vkc_ref_op_norm(VKC_REF_ARGS) {
    (void)y;
    const vkc_norm_attrs *na = &a->norm;
    const vkc_ref_tensor *x = &in[0];
    if (op == VKC_OP_LP_NORM) {
        lp_norm(na, x, out);
        return;
    }
    param scale = param_of(in, count, 1), bias = param_of(in, count, 2);
    uint64_t rows, len, spatial = x->rank > 2 ? product(x->dims, 2, x->rank) : 1;
    int64_t c = x->rank > 1 ? x->dims[1] : 1, groups = 1;
    if (op == VKC_OP_LAYER_NORM) {
        rows = product(x->dims, 0, (uint32_t)na->axis);
        len = product(x->dims, (uint32_t)na->axis, x->rank);
    } else if (op == VKC_OP_INSTANCE_NORM) {
        rows = (uint64_t)x->dims[0] * (uint64_t)c;
        len = spatial;
    } else { /* GroupNormalization */
        groups = na->groups;
        rows = (uint64_t)x->dims[0] * (uint64_t)groups;
        len = (uint64_t)(c / groups) * spatial;
    }
    for (uint64_t r = 0; r < rows; r++) {
        const float *row = x->data + r * len;
        double mean = 0, var = 0;
        for (uint64_t j = 0; j < len; j++)
            mean += row[j];
        mean /= (double)len;
        for (uint64_t j = 0; j < len; j++)
            var += (row[j] - mean) * (row[j] - mean);
        var /= (double)len;
        double inv = 1.0 / sqrt(var + (double)na->epsilon);
        if (op == VKC_OP_LAYER_NORM && na->output) { /* Mean or InvStdDev */
            out[r] = (float)(na->output == 1 ? mean : inv);
            continue;
        }
        for (uint64_t j = 0; j < len; j++) {
            uint64_t p; /* index of the row's element j in scale and bias */
            if (op == VKC_OP_LAYER_NORM)
                p = j;
            else if (op == VKC_OP_INSTANCE_NORM)
                p = r % (uint64_t)c;
            else if (na->per_group)
                p = r % (uint64_t)groups;
            else
                p = (r % (uint64_t)groups) * (uint64_t)(c / groups) + j / spatial;
            out[r * len + j] =
                (float)((row[j] - mean) * inv * at(scale, p, 1.0) + at(bias, p, 0.0));
        }
    }
}
