/* Reference Resize and Upsample (nearest, N-linear), from the ONNX
 * definition, in double: each output coordinate x of an axis maps to the
 * input coordinate x_original of the node's coordinate_transformation_mode
 * (scale: the axis's output / input ratio, as inference resolved it):
 *   half_pixel            (x + 0.5) / scale - 0.5
 *   half_pixel_symmetric  offset + (x + 0.5) / scale - 0.5, offset =
 *                         in / 2 * (1 - out / (scale * in))
 *   pytorch_half_pixel    as half_pixel, or -0.5 when the output has length 1
 *   align_corners         x * (in - 1) / (scale * in - 1), 0 for length 1
 *   asymmetric            x / scale
 *   tf_half_pixel_for_nn  (x + 0.5) / scale
 *   tf_crop_and_resize    start * (in - 1) + x * (end - start) * (in - 1) /
 *                         (out - 1), 0.5 * (start + end) * (in - 1) for length 1;
 *                         outside [0, in - 1] the output is extrapolation_value
 * Nearest rounds x_original by nearest_mode (ties to floor or ceil, or floor,
 * ceil); linear weighs the two neighbours floor(x), floor(x) + 1 by the
 * fraction; either way an index outside [0, in - 1] reads the edge. */
#include <math.h>

#include "ref/ref.h"

static double coord(const vkc_resize_attrs *a, uint32_t axis, int64_t x, int64_t in, int64_t out) {
    double s = a->scales[axis], xr = (double)x, ow = s * (double)in;
    double start = a->roi[axis], end = a->roi[VKC_MAX_RANK + axis];
    switch (a->coord) {
    case VKC_COORD_HALF_PIXEL: return (xr + 0.5) / s - 0.5;
    case VKC_COORD_HALF_PIXEL_SYMMETRIC: {
        double center = (double)in / 2, adjustment = (double)out / ow;
        return center * (1 - adjustment) + (xr + 0.5) / s - 0.5;
    }
    case VKC_COORD_PYTORCH_HALF_PIXEL: return out > 1 ? (xr + 0.5) / s - 0.5 : -0.5;
    case VKC_COORD_ALIGN_CORNERS: return ow == 1 ? 0.0 : xr * (double)(in - 1) / (ow - 1);
    case VKC_COORD_ASYMMETRIC: return xr / s;
    case VKC_COORD_TF_HALF_PIXEL_FOR_NN: return (xr + 0.5) / s;
    default: /* tf_crop_and_resize */
        return out > 1 ? start * (double)(in - 1) +
                             xr * (end - start) * (double)(in - 1) / (double)(out - 1)
                       : 0.5 * (start + end) * (double)(in - 1);
    }
}

static int64_t clamp_index(int64_t i, int64_t in) {
    return i < 0 ? 0 : i >= in ? in - 1 : i;
}

static int64_t nearest(vkc_nearest_mode m, double x) {
    double f = floor(x), frac = x - f;
    switch (m) {
    case VKC_NEAREST_ROUND_PREFER_FLOOR: return (int64_t)(frac <= 0.5 ? f : f + 1);
    case VKC_NEAREST_ROUND_PREFER_CEIL: return (int64_t)(frac < 0.5 ? f : f + 1);
    case VKC_NEAREST_FLOOR: return (int64_t)f;
    default: return (int64_t)ceil(x);
    }
}

void vkc_ref_op_resize(VKC_REF_ARGS) {
    (void)op, (void)count;
    const vkc_resize_attrs *r = &a->resize;
    const vkc_ref_tensor *x = &in[0];
    uint32_t rank = x->rank;
    int64_t xs[VKC_MAX_RANK], s = 1;
    for (uint32_t d = rank; d-- > 0;) {
        xs[d] = s;
        s *= x->dims[d];
    }
    uint64_t n = vkc_ref_elements(y->rank, y->dims);
    for (uint64_t i = 0; i < n; i++) {
        int64_t yc[VKC_MAX_RANK], lo[VKC_MAX_RANK], hi[VKC_MAX_RANK];
        double w[VKC_MAX_RANK];
        uint64_t rest = i;
        for (uint32_t d = rank; d-- > 0;) {
            yc[d] = (int64_t)(rest % (uint64_t)y->dims[d]);
            rest /= (uint64_t)y->dims[d];
        }
        bool outside = false;
        for (uint32_t d = 0; d < rank; d++) {
            int64_t len = x->dims[d];
            double xo = coord(r, d, yc[d], len, y->dims[d]);
            if (r->coord == VKC_COORD_TF_CROP_AND_RESIZE && (xo < 0 || xo > (double)(len - 1)))
                outside = true;
            if (r->mode == VKC_RESIZE_NEAREST) {
                lo[d] = hi[d] = clamp_index(nearest(r->nearest, xo), len);
                w[d] = 0;
            } else {
                double f = floor(xo);
                lo[d] = clamp_index((int64_t)f, len);
                hi[d] = clamp_index((int64_t)f + 1, len);
                w[d] = xo - f;
            }
        }
        if (outside) {
            out[i] = r->extrapolation;
            continue;
        }
        /* every corner of the axes that interpolate */
        uint32_t axes[VKC_MAX_RANK], k = 0;
        for (uint32_t d = 0; d < rank; d++)
            if (w[d] != 0 && lo[d] != hi[d]) axes[k++] = d;
        double acc = 0;
        for (uint32_t corner = 0; corner < (1u << k); corner++) {
            double weight = 1;
            int64_t off = 0;
            for (uint32_t d = 0; d < rank; d++)
                off += lo[d] * xs[d];
            for (uint32_t j = 0; j < k; j++) {
                uint32_t d = axes[j];
                if (corner & (1u << j)) {
                    weight *= w[d];
                    off += (hi[d] - lo[d]) * xs[d];
                } else {
                    weight *= 1 - w[d];
                }
            }
            acc += weight * (double)x->data[off];
        }
        out[i] = (float)acc;
    }
}
