/* Reference window ops: Conv, MaxPool, AveragePool (1 to 3 spatial axes),
 * the global pools, LRN. */
#include <math.h>

#include "ref/ref.h"

/* One or two spatial dims seen as (h, w): a 1-D op has h = 1 and its only
 * spatial axis as w. Pools also take three, (z, h, w): z's extent, kernel,
 * stride, dilation and front/back pads. */
typedef struct geom {
    int64_t h, w, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
    int64_t z, kz, sz, dz, pf, pk;
} geom;

static geom window_geom(const vkc_window_attrs *a, const vkc_ref_tensor *x) {
    geom g = {1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0};
    if (x->rank == 5) {
        g.z = x->dims[2];
        g.h = x->dims[3];
        g.w = x->dims[4];
        g.kz = a->kernel[0];
        g.kh = a->kernel[1];
        g.kw = a->kernel[2];
        g.sz = a->strides[0];
        g.sh = a->strides[1];
        g.sw = a->strides[2];
        g.dz = a->dilations[0];
        g.dh = a->dilations[1];
        g.dw = a->dilations[2];
        g.pf = a->pads[0];
        g.pt = a->pads[1];
        g.pl = a->pads[2];
        g.pk = a->pads[VKC_MAX_SPATIAL];
        g.pb = a->pads[VKC_MAX_SPATIAL + 1];
        g.pr = a->pads[VKC_MAX_SPATIAL + 2];
    } else if (x->rank == 4) {
        g.h = x->dims[2];
        g.w = x->dims[3];
        g.kh = a->kernel[0];
        g.kw = a->kernel[1];
        g.sh = a->strides[0];
        g.sw = a->strides[1];
        g.dh = a->dilations[0];
        g.dw = a->dilations[1];
        g.pt = a->pads[0];
        g.pl = a->pads[1];
        g.pb = a->pads[VKC_MAX_SPATIAL];
        g.pr = a->pads[VKC_MAX_SPATIAL + 1];
    } else {
        g.w = x->dims[2];
        g.kw = a->kernel[0];
        g.sw = a->strides[0];
        g.dw = a->dilations[0];
        g.pl = a->pads[0];
        g.pr = a->pads[VKC_MAX_SPATIAL];
    }
    return g;
}

void vkc_ref_conv(const vkc_window_attrs *a, const vkc_ref_tensor *x, const vkc_ref_tensor *w,
                  const float *bias, const vkc_ref_tensor *y, float *out) {
    geom g = window_geom(a, x);
    int64_t n = x->dims[0], c = x->dims[1], m = w->dims[0];
    int64_t oh = y->rank == 4 ? y->dims[2] : 1, ow = y->dims[y->rank - 1];
    int64_t cg = c / a->group, mg = m / a->group;
    for (int64_t b = 0; b < n; b++)
        for (int64_t o = 0; o < m; o++) {
            int64_t grp = o / mg;
            for (int64_t oy = 0; oy < oh; oy++)
                for (int64_t ox = 0; ox < ow; ox++) {
                    double acc = bias ? bias[o] : 0.0;
                    for (int64_t ci = 0; ci < cg; ci++)
                        for (int64_t ky = 0; ky < g.kh; ky++) {
                            int64_t iy = oy * g.sh - g.pt + ky * g.dh;
                            if (iy < 0 || iy >= g.h) continue;
                            for (int64_t kx = 0; kx < g.kw; kx++) {
                                int64_t ix = ox * g.sw - g.pl + kx * g.dw;
                                if (ix < 0 || ix >= g.w) continue;
                                double xv =
                                    x->data[((b * c + grp * cg + ci) * g.h + iy) * g.w + ix];
                                double wv = w->data[((o * cg + ci) * g.kh + ky) * g.kw + kx];
                                acc += xv * wv;
                            }
                        }
                    out[((b * m + o) * oh + oy) * ow + ox] = (float)acc;
                }
        }
}

void vkc_ref_pool(vkc_op op, const vkc_window_attrs *a, const vkc_ref_tensor *x,
                  const vkc_ref_tensor *y, float *out) {
    geom g;
    vkc_window_attrs global = {0};
    bool is_max = op == VKC_OP_MAX_POOL || op == VKC_OP_GLOBAL_MAX_POOL;
    if (op == VKC_OP_GLOBAL_AVERAGE_POOL || op == VKC_OP_GLOBAL_MAX_POOL) {
        for (uint32_t i = 0; i + 2 < x->rank; i++) {
            global.kernel[i] = x->dims[2 + i];
            global.strides[i] = global.dilations[i] = 1;
        }
        a = &global;
    }
    g = window_geom(a, x);
    int64_t planes = x->dims[0] * x->dims[1];
    int64_t oz = y->rank == 5 ? y->dims[2] : 1, oh = y->rank >= 4 ? y->dims[y->rank - 2] : 1;
    int64_t ow = y->dims[y->rank - 1];
    for (int64_t p = 0; p < planes; p++)
        for (int64_t o3 = 0; o3 < oz; o3++)
            for (int64_t oy = 0; oy < oh; oy++)
                for (int64_t ox = 0; ox < ow; ox++) {
                    double acc = is_max ? -INFINITY : 0.0;
                    int64_t count = 0;
                    for (int64_t kz = 0; kz < g.kz; kz++) {
                        int64_t iz = o3 * g.sz - g.pf + kz * g.dz;
                        for (int64_t ky = 0; ky < g.kh; ky++) {
                            int64_t iy = oy * g.sh - g.pt + ky * g.dh;
                            for (int64_t kx = 0; kx < g.kw; kx++) {
                                int64_t ix = ox * g.sw - g.pl + kx * g.dw;
                                bool inside = iz >= 0 && iz < g.z && iy >= 0 && iy < g.h &&
                                              ix >= 0 && ix < g.w;
                                /* count_include_pad counts padding taps, but never
                                 * taps past the padded extent (ceil_mode's extra). */
                                bool in_padded = iz >= -g.pf && iz < g.z + g.pk && iy >= -g.pt &&
                                                 iy < g.h + g.pb && ix >= -g.pl && ix < g.w + g.pr;
                                if (a->count_include_pad ? in_padded : inside) count++;
                                if (!inside) continue;
                                double v = x->data[((p * g.z + iz) * g.h + iy) * g.w + ix];
                                if (is_max)
                                    acc = v > acc ? v : acc;
                                else
                                    acc += v;
                            }
                        }
                    }
                    out[((p * oz + o3) * oh + oy) * ow + ox] =
                        (float)(is_max ? acc : acc / (double)count);
                }
}

void vkc_ref_lrn(const vkc_lrn_attrs *a, const vkc_ref_tensor *x, float *out) {
    int64_t n = x->dims[0], c = x->dims[1];
    int64_t sp = (int64_t)vkc_ref_elements(x->rank - 2, x->dims + 2);
    int64_t before = (a->size - 1) / 2, after = a->size / 2; /* floor / ceil of (size-1)/2 */
    for (int64_t b = 0; b < n; b++)
        for (int64_t ch = 0; ch < c; ch++)
            for (int64_t s = 0; s < sp; s++) {
                double sq = 0.0;
                for (int64_t j = ch - before; j <= ch + after; j++) {
                    if (j < 0 || j >= c) continue;
                    double v = x->data[(b * c + j) * sp + s];
                    sq += v * v;
                }
                double v = x->data[(b * c + ch) * sp + s];
                double d =
                    pow((double)a->bias + (double)a->alpha / (double)a->size * sq, (double)a->beta);
                out[(b * c + ch) * sp + s] = (float)(v / d);
            }
}
