/* Reference data movement on run-time tensors, from the ONNX definitions:
 * Slice, Split (one output), Gather (indices as a float table), Tile and
 * Expand, each output element read from the input element it names; and
 * Where (numpy broadcasting of condition, X and Y; true is non-zero). */
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

/* The input coordinate (xc) that output coordinate yc of `op` reads. */
static void source(vkc_op op, const vkc_attrs *a, const vkc_ref_tensor *in, const vkc_ref_tensor *y,
                   const int64_t *yc, int64_t *xc) {
    const vkc_ref_tensor *x = &in[0];
    switch (op) {
    case VKC_OP_SLICE: /* axis axes[i]: starts[i] + k * steps[i] (clamped at inference) */
        for (uint32_t d = 0; d < x->rank; d++)
            xc[d] = yc[d];
        for (uint32_t i = 0; i < a->slice.count; i++) {
            int64_t d = a->slice.axes[i];
            xc[d] = a->slice.starts[i] + yc[d] * a->slice.steps[i];
        }
        break;
    case VKC_OP_SPLIT:
        for (uint32_t d = 0; d < x->rank; d++)
            xc[d] = yc[d] + (d == a->split.axis ? a->split.offset : 0);
        break;
    case VKC_OP_GATHER: { /* y = x[..., indices[j...], ...] at axis */
        int64_t axis = a->axis;
        uint32_t ir = in[1].rank;
        for (int64_t d = 0; d < axis; d++)
            xc[d] = yc[d];
        int64_t j[VKC_MAX_RANK];
        for (uint32_t d = 0; d < ir; d++)
            j[d] = yc[axis + d];
        xc[axis] = (int64_t)in[1].data[ravel(ir, in[1].dims, j)];
        for (uint32_t d = (uint32_t)axis + 1; d < x->rank; d++)
            xc[d] = yc[d - 1 + ir];
        break;
    }
    case VKC_OP_TILE:
        for (uint32_t d = 0; d < x->rank; d++)
            xc[d] = yc[d] % x->dims[d];
        break;
    default: /* Expand: X right-aligned, its size-1 axes broadcast */
        for (uint32_t d = 0; d < x->rank; d++) {
            uint32_t e = y->rank - x->rank + d;
            xc[d] = x->dims[d] == 1 ? 0 : yc[e];
        }
        break;
    }
}

void vkc_ref_op_data(VKC_REF_ARGS) {
    (void)count;
    int64_t yc[VKC_MAX_RANK], xc[VKC_MAX_RANK];
    uint64_t n = vkc_ref_elements(y->rank, y->dims);
    for (uint64_t i = 0; i < n; i++) {
        unravel(i, y->rank, y->dims, yc);
        source(op, a, in, y, yc, xc);
        out[i] = in[0].data[ravel(in[0].rank, in[0].dims, xc)];
    }
}

/* Offset of output coordinate yc in t, broadcast (right-aligned). */
static uint64_t broadcast_offset(const vkc_ref_tensor *t, const vkc_ref_tensor *y,
                                 const int64_t *yc) {
    int64_t c[VKC_MAX_RANK];
    for (uint32_t d = 0; d < t->rank; d++)
        c[d] = t->dims[d] == 1 ? 0 : yc[y->rank - t->rank + d];
    return ravel(t->rank, t->dims, c);
}

void vkc_ref_op_where(VKC_REF_ARGS) {
    (void)op, (void)a, (void)count;
    int64_t yc[VKC_MAX_RANK];
    uint64_t n = vkc_ref_elements(y->rank, y->dims);
    for (uint64_t i = 0; i < n; i++) {
        unravel(i, y->rank, y->dims, yc);
        bool c = in[0].data[broadcast_offset(&in[0], y, yc)] != 0.0f;
        const vkc_ref_tensor *src = c ? &in[1] : &in[2];
        out[i] = src->data[broadcast_offset(src, y, yc)];
    }
}
