/* Reference layout ops: Transpose, Concat, Pad; and Softmax/LogSoftmax. */
#include <math.h>

#include "ref/ref.h"

static void unravel(uint64_t i, uint32_t rank, const int64_t *dims, int64_t *coord) {
    for (uint32_t d = rank; d-- > 0;) {
        coord[d] = (int64_t)(i % (uint64_t)dims[d]);
        i /= (uint64_t)dims[d];
    }
}

static uint64_t ravel(uint32_t rank, const int64_t *dims, const int64_t *coord) {
    uint64_t off = 0;
    for (uint32_t d = 0; d < rank; d++)
        off = off * (uint64_t)dims[d] + (uint64_t)coord[d];
    return off;
}

void vkc_ref_transpose(const vkc_transpose_attrs *a, const vkc_ref_tensor *x, float *out) {
    /* Y's axis d is X's axis perm[d]. */
    int64_t ydims[VKC_MAX_RANK], yc[VKC_MAX_RANK], xc[VKC_MAX_RANK];
    for (uint32_t d = 0; d < x->rank; d++)
        ydims[d] = x->dims[a->perm[d]];
    uint64_t n = vkc_ref_elements(x->rank, x->dims);
    for (uint64_t i = 0; i < n; i++) {
        unravel(i, x->rank, ydims, yc);
        for (uint32_t d = 0; d < x->rank; d++)
            xc[a->perm[d]] = yc[d];
        out[i] = x->data[ravel(x->rank, x->dims, xc)];
    }
}

void vkc_ref_concat(int64_t axis, const vkc_ref_tensor *inputs, uint32_t count,
                    const vkc_ref_tensor *y, float *out) {
    int64_t c[VKC_MAX_RANK];
    uint64_t n = vkc_ref_elements(y->rank, y->dims);
    for (uint64_t i = 0; i < n; i++) {
        unravel(i, y->rank, y->dims, c);
        uint32_t t = 0;
        while (t + 1 < count && c[axis] >= inputs[t].dims[axis]) {
            c[axis] -= inputs[t].dims[axis];
            t++;
        }
        out[i] = inputs[t].data[ravel(y->rank, inputs[t].dims, c)];
    }
}

void vkc_ref_pad(const vkc_pad_attrs *a, const vkc_ref_tensor *x, const vkc_ref_tensor *y,
                 float *out) {
    int64_t c[VKC_MAX_RANK];
    uint64_t n = vkc_ref_elements(y->rank, y->dims);
    for (uint64_t i = 0; i < n; i++) {
        unravel(i, y->rank, y->dims, c);
        bool constant = false;
        for (uint32_t d = 0; d < y->rank; d++) {
            int64_t j = c[d] - a->pads[d], len = x->dims[d];
            if (j >= 0 && j < len) {
                c[d] = j;
                continue;
            }
            switch (a->mode) {
            case VKC_PAD_CONSTANT: constant = true; break;
            case VKC_PAD_REFLECT: c[d] = j < 0 ? -j : 2 * (len - 1) - j; break;
            case VKC_PAD_EDGE: c[d] = j < 0 ? 0 : len - 1; break;
            case VKC_PAD_WRAP: c[d] = (j % len + len) % len; break;
            }
        }
        out[i] = constant ? a->value : x->data[ravel(x->rank, x->dims, c)];
    }
}

void vkc_ref_softmax(bool log_softmax, const vkc_softmax_attrs *a, const vkc_ref_tensor *x,
                     float *out) {
    uint64_t outer = vkc_ref_elements((uint32_t)a->axis, x->dims), len, inner;
    if (a->coerce_2d) {
        len = vkc_ref_elements(x->rank - (uint32_t)a->axis, x->dims + a->axis);
        inner = 1;
    } else {
        len = (uint64_t)x->dims[a->axis];
        inner = vkc_ref_elements(x->rank - (uint32_t)a->axis - 1, x->dims + a->axis + 1);
    }
    for (uint64_t o = 0; o < outer; o++)
        for (uint64_t in = 0; in < inner; in++) {
            const float *px = x->data + o * len * inner + in;
            float *py = out + o * len * inner + in;
            double mx = -INFINITY, sum = 0.0;
            for (uint64_t j = 0; j < len; j++)
                mx = px[j * inner] > mx ? px[j * inner] : mx;
            for (uint64_t j = 0; j < len; j++)
                sum += exp(px[j * inner] - mx);
            for (uint64_t j = 0; j < len; j++)
                py[j * inner] = (float)(log_softmax ? px[j * inner] - mx - log(sum)
                                                    : exp(px[j * inner] - mx) / sum);
        }
}
