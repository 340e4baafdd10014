/* Shape inference, one node at a time, in topological order. Each op checks
 * its inputs' ranks and shapes, decodes constant operands (shape, pads, axes,
 * min/max, ...) into its attributes and drops them from its inputs, then sets
 * its output shape. Every failure names the node, the op and the operand. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "core/checked.h"
#include "core/error.h"
#include "graph/graph.h"
#include "graph/infer.h"
#include "ops/op_table.h"

#define FAIL(st, ...) vkc_node_fail(g, ni, st, __VA_ARGS__)

/* Largest kernel, stride, dilation or pad accepted: far above any CNN, low
 * enough that window arithmetic cannot overflow int64. */
#define WINDOW_MAX ((int64_t)1 << 24)

static vkc_tensor *in_tensor(vkc_graph *g, uint32_t ni, uint32_t slot) {
    const vkc_node *n = &g->nodes[ni];
    if (slot >= n->input_count || n->inputs[slot] == VKC_NONE) return NULL;
    return &g->tensors[n->inputs[slot]];
}

static vkcnn_status set_output(vkc_graph *g, uint32_t ni, vkc_dtype dtype, uint32_t rank,
                               const int64_t *dims) {
    vkcnn_status st = vkc_graph_set_shape(g, g->nodes[ni].outputs[0], dtype, rank, dims);
    if (st != VKCNN_OK) return vkc_fail_context(st, "%s", g->nodes[ni].name);
    return VKCNN_OK;
}

vkcnn_status vkc_infer_same(vkc_graph *g, uint32_t ni) {
    const vkc_tensor *x = in_tensor(g, ni, 0);
    return set_output(g, ni, x->dtype, x->rank, x->dims);
}

/* Reads a constant operand of up to `max` integers (a scalar or 1-D tensor).
 * A non-constant operand is a data-dependent shape: refused. */
static vkcnn_status const_ints(vkc_graph *g, uint32_t ni, uint32_t slot, const char *what,
                               int64_t *out, uint32_t max, uint32_t *count) {
    const vkc_tensor *t = in_tensor(g, ni, slot);
    if (!t->data)
        return FAIL(VKCNN_ERROR_UNSUPPORTED,
                    "input '%s' ('%s') is computed at run time: data-dependent shapes are not "
                    "supported (it must be a constant)",
                    what, t->name);
    if (t->dtype != VKC_DTYPE_INT64)
        return FAIL(VKCNN_ERROR_INVALID_MODEL, "input '%s' ('%s') must be int64", what, t->name);
    if (t->rank > 1)
        return FAIL(VKCNN_ERROR_INVALID_MODEL, "input '%s' ('%s') must be 1-D, has rank %" PRIu32,
                    what, t->name, t->rank);
    if (t->elements > max)
        return FAIL(VKCNN_ERROR_INVALID_MODEL,
                    "input '%s' ('%s') has %" PRIu64 " values (at most %" PRIu32 ")", what, t->name,
                    t->elements, max);
    memcpy(out, t->data, t->elements * sizeof *out);
    *count = (uint32_t)t->elements;
    return VKCNN_OK;
}

static vkcnn_status const_scalar(vkc_graph *g, uint32_t ni, uint32_t slot, const char *what,
                                 float *out) {
    const vkc_tensor *t = in_tensor(g, ni, slot);
    if (!t->data)
        return FAIL(VKCNN_ERROR_UNSUPPORTED,
                    "input '%s' ('%s') is computed at run time: data-dependent values are not "
                    "supported (it must be a constant)",
                    what, t->name);
    if (t->elements != 1)
        return FAIL(VKCNN_ERROR_INVALID_MODEL, "input '%s' ('%s') must be a scalar", what, t->name);
    *out =
        t->dtype == VKC_DTYPE_FLOAT32 ? *(const float *)t->data : (float)*(const int64_t *)t->data;
    return VKCNN_OK;
}

/* Normalizes axis in [-rank, rank) (or [-rank, rank] when `inclusive`). */
static vkcnn_status norm_axis(vkc_graph *g, uint32_t ni, const char *what, int64_t *axis,
                              uint32_t rank, bool inclusive) {
    int64_t r = (int64_t)rank, a = *axis;
    int64_t hi = inclusive ? r : r - 1;
    if (a < -r || a > hi)
        return FAIL(VKCNN_ERROR_INVALID_MODEL,
                    "attribute '%s' = %" PRId64 " is out of range for rank %" PRIu32, what, a,
                    rank);
    *axis = a < 0 ? a + r : a;
    return VKCNN_OK;
}

static vkcnn_status require_float(vkc_graph *g, uint32_t ni, uint32_t slot, const char *what) {
    const vkc_tensor *t = in_tensor(g, ni, slot);
    if (t && t->dtype != VKC_DTYPE_FLOAT32)
        return FAIL(VKCNN_ERROR_UNSUPPORTED,
                    "input '%s' ('%s') is int64: unsupported dtype (float32 only)", what, t->name);
    return VKCNN_OK;
}

/* Spatial rank of a N x C x D... input: 1 or 2; 3 (volumetric) only for
 * MaxPool and AveragePool. */
static vkcnn_status spatial_rank(vkc_graph *g, uint32_t ni, uint32_t min_rank, uint32_t *spatial) {
    const vkc_tensor *x = in_tensor(g, ni, 0);
    char buf[160];
    if (x->rank < min_rank)
        return FAIL(VKCNN_ERROR_INVALID_MODEL,
                    "input X ('%s') has rank %" PRIu32 " (at least %" PRIu32 " expected)", x->name,
                    x->rank, min_rank);
    vkc_op op = g->nodes[ni].op;
    bool volumetric = op == VKC_OP_MAX_POOL || op == VKC_OP_AVERAGE_POOL;
    if (x->rank > (volumetric ? 2 + VKC_MAX_SPATIAL : 4))
        return FAIL(VKCNN_ERROR_UNSUPPORTED,
                    "input X ('%s') of shape %s has %" PRIu32
                    " spatial dimensions: volumetric (3-D spatial) layers are not supported",
                    x->name, vkc_shape_string(x->rank, x->dims, buf, sizeof buf), x->rank - 2);
    *spatial = x->rank >= 2 ? x->rank - 2 : 0;
    return VKCNN_OK;
}

/* Numpy (multidirectional) broadcasting of a and b into out. */
static vkcnn_status broadcast(vkc_graph *g, uint32_t ni, const vkc_tensor *a, const vkc_tensor *b,
                              uint32_t *rank, int64_t *dims) {
    char sa[160], sb[160];
    uint32_t r = a->rank > b->rank ? a->rank : b->rank;
    for (uint32_t i = 0; i < r; i++) {
        int64_t da = i < r - a->rank ? 1 : a->dims[i - (r - a->rank)];
        int64_t db = i < r - b->rank ? 1 : b->dims[i - (r - b->rank)];
        if (da != db && da != 1 && db != 1)
            return FAIL(VKCNN_ERROR_INVALID_MODEL,
                        "inputs '%s' %s and '%s' %s cannot be broadcast together", a->name,
                        vkc_shape_string(a->rank, a->dims, sa, sizeof sa), b->name,
                        vkc_shape_string(b->rank, b->dims, sb, sizeof sb));
        dims[i] = da == 1 ? db : da;
    }
    *rank = r;
    return VKCNN_OK;
}

/* True when b broadcasts to a without changing a's shape. */
static bool broadcasts_to(const vkc_tensor *b, uint32_t rank, const int64_t *dims) {
    if (b->rank > rank) return false;
    for (uint32_t i = 0; i < b->rank; i++) {
        int64_t d = b->dims[i], t = dims[rank - b->rank + i];
        if (d != 1 && d != t) return false;
    }
    return true;
}

/* Gives a constant tensor used by this node only a new shape with the same
 * element count (legacy broadcasting rewrites). */
static vkcnn_status reshape_private_constant(vkc_graph *g, uint32_t ni, uint32_t slot,
                                             uint32_t rank, const int64_t *dims) {
    vkc_tensor *t = in_tensor(g, ni, slot);
    if (!t->data || t->consumer_count != 1 || t->graph_output)
        return FAIL(VKCNN_ERROR_UNSUPPORTED,
                    "legacy (opset < 7) broadcasting of '%s' needs it to be a constant used once",
                    t->name);
    return vkc_graph_set_shape(g, (uint32_t)(t - g->tensors), t->dtype, rank, dims);
}

/* ---- window ops: Conv, MaxPool, AveragePool -------------------------------- */

static vkcnn_status check_window_attrs(vkc_graph *g, uint32_t ni, vkc_window_attrs *w,
                                       uint32_t spatial) {
    w->spatial = spatial;
    if ((w->kernel_count && w->kernel_count != spatial) ||
        (w->stride_count && w->stride_count != spatial) ||
        (w->dilation_count && w->dilation_count != spatial) ||
        (w->pad_count && w->pad_count != 2 * spatial))
        return FAIL(VKCNN_ERROR_INVALID_MODEL,
                    "attributes 'kernel_shape' (%" PRIu32 " values), 'strides' (%" PRIu32
                    "), 'dilations' (%" PRIu32 ") or 'pads' (%" PRIu32 ") do not match %" PRIu32
                    " spatial dimensions",
                    w->kernel_count, w->stride_count, w->dilation_count, w->pad_count, spatial);
    if (w->pad_count) {
        for (uint32_t i = 0; i < spatial; i++) {
            w->pads[i] = w->file_pads[i];
            w->pads[VKC_MAX_SPATIAL + i] = w->file_pads[spatial + i];
        }
    }
    for (uint32_t i = 0; i < spatial; i++) {
        if (w->kernel[i] < 1 || w->kernel[i] > WINDOW_MAX)
            return FAIL(VKCNN_ERROR_INVALID_MODEL,
                        "attribute 'kernel_shape' value %" PRId64 " out of range [1, %" PRId64 "]",
                        w->kernel[i], WINDOW_MAX);
        if (w->strides[i] < 1 || w->strides[i] > WINDOW_MAX)
            return FAIL(VKCNN_ERROR_INVALID_MODEL,
                        "attribute 'strides' value %" PRId64 " out of range [1, %" PRId64 "]",
                        w->strides[i], WINDOW_MAX);
        if (w->dilations[i] < 1 || w->dilations[i] > WINDOW_MAX)
            return FAIL(VKCNN_ERROR_INVALID_MODEL,
                        "attribute 'dilations' value %" PRId64 " out of range [1, %" PRId64 "]",
                        w->dilations[i], WINDOW_MAX);
        for (int e = 0; e < 2; e++) {
            int64_t p = w->pads[e * VKC_MAX_SPATIAL + i];
            if (p < 0 || p > WINDOW_MAX)
                return FAIL(VKCNN_ERROR_INVALID_MODEL,
                            "attribute 'pads' value %" PRId64 " out of range [0, %" PRId64 "]", p,
                            WINDOW_MAX);
        }
    }
    return VKCNN_OK;
}

/* Output extent of one spatial dim; resolves auto_pad into pads. */
static vkcnn_status window_extent(vkc_graph *g, uint32_t ni, vkc_window_attrs *w, uint32_t i,
                                  int64_t in, int64_t *out) {
    int64_t k = w->kernel[i], s = w->strides[i], d = w->dilations[i];
    int64_t span = d * (k - 1) + 1;
    int64_t *pb = &w->pads[i], *pe = &w->pads[VKC_MAX_SPATIAL + i];
    if (in > WINDOW_MAX * 64)
        return FAIL(VKCNN_ERROR_LIMIT, "spatial size %" PRId64 " too large", in);
    if (w->auto_pad == VKC_AUTO_PAD_SAME_UPPER || w->auto_pad == VKC_AUTO_PAD_SAME_LOWER) {
        int64_t o = (in + s - 1) / s;
        int64_t total = (o - 1) * s + span - in;
        if (total < 0) total = 0;
        *pb = w->auto_pad == VKC_AUTO_PAD_SAME_UPPER ? total / 2 : total - total / 2;
        *pe = total - *pb;
        *out = o;
        return VKCNN_OK;
    }
    if (w->auto_pad == VKC_AUTO_PAD_VALID) *pb = *pe = 0;
    int64_t avail = in + *pb + *pe - span;
    if (avail < 0)
        return FAIL(VKCNN_ERROR_INVALID_MODEL,
                    "window of %" PRId64 " (kernel %" PRId64 ", dilation %" PRId64
                    ") is larger than the padded input %" PRId64 " on spatial axis %" PRIu32,
                    span, k, d, in + *pb + *pe, i);
    int64_t o = (w->ceil_mode ? (avail + s - 1) / s : avail / s) + 1;
    /* ceil_mode: a last window that starts inside the end padding is dropped
     * (the convention of PyTorch and ONNX's reference). */
    if (w->ceil_mode && (o - 1) * s >= in + *pb) o--;
    *out = o;
    return VKCNN_OK;
}

vkcnn_status vkc_infer_conv(vkc_graph *g, uint32_t ni) {
    vkc_node *n = &g->nodes[ni];
    vkc_window_attrs *w = &n->attrs.window;
    uint32_t s = 0;
    char bx[160], bw[160];
    VKC_TRY(spatial_rank(g, ni, 3, &s));
    const vkc_tensor *x = in_tensor(g, ni, 0), *wt = in_tensor(g, ni, 1), *b = in_tensor(g, ni, 2);
    if (!wt) return FAIL(VKCNN_ERROR_INVALID_MODEL, "missing input W");
    VKC_TRY(require_float(g, ni, 1, "W"));
    VKC_TRY(require_float(g, ni, 2, "B"));
    if (wt->rank != x->rank)
        return FAIL(VKCNN_ERROR_INVALID_MODEL, "input W ('%s') %s must have the rank of X %s",
                    wt->name, vkc_shape_string(wt->rank, wt->dims, bw, sizeof bw),
                    vkc_shape_string(x->rank, x->dims, bx, sizeof bx));
    if (w->group < 1 || w->group > x->dims[1] || w->group > WINDOW_MAX)
        return FAIL(VKCNN_ERROR_INVALID_MODEL, "attribute 'group' = %" PRId64 " out of range",
                    w->group);
    int64_t m = wt->dims[0];
    if (wt->dims[1] * w->group != x->dims[1] || m % w->group != 0 || m == 0)
        return FAIL(VKCNN_ERROR_INVALID_MODEL,
                    "input W ('%s') %s does not match X %s with group %" PRId64, wt->name,
                    vkc_shape_string(wt->rank, wt->dims, bw, sizeof bw),
                    vkc_shape_string(x->rank, x->dims, bx, sizeof bx), w->group);
    for (uint32_t i = 0; i < s; i++) {
        if (w->has_kernel && w->kernel[i] != wt->dims[2 + i])
            return FAIL(VKCNN_ERROR_INVALID_MODEL,
                        "attribute 'kernel_shape' does not match W ('%s') %s", wt->name,
                        vkc_shape_string(wt->rank, wt->dims, bw, sizeof bw));
        w->kernel[i] = wt->dims[2 + i];
    }
    if (b && (b->rank != 1 || b->dims[0] != m))
        return FAIL(VKCNN_ERROR_INVALID_MODEL, "input B ('%s') %s must be [%" PRId64 "]", b->name,
                    vkc_shape_string(b->rank, b->dims, bw, sizeof bw), m);
    VKC_TRY(check_window_attrs(g, ni, w, s));
    int64_t dims[VKC_MAX_RANK] = {x->dims[0], m};
    for (uint32_t i = 0; i < s; i++)
        VKC_TRY(window_extent(g, ni, w, i, x->dims[2 + i], &dims[2 + i]));
    return set_output(g, ni, VKC_DTYPE_FLOAT32, x->rank, dims);
}

vkcnn_status vkc_infer_pool(vkc_graph *g, uint32_t ni) {
    vkc_node *n = &g->nodes[ni];
    vkc_window_attrs *w = &n->attrs.window;
    uint32_t s = 0;
    VKC_TRY(spatial_rank(g, ni, 3, &s));
    const vkc_tensor *x = in_tensor(g, ni, 0);
    if (!w->has_kernel)
        return FAIL(VKCNN_ERROR_INVALID_MODEL, "attribute 'kernel_shape' is required");
    VKC_TRY(check_window_attrs(g, ni, w, s));
    int64_t dims[VKC_MAX_RANK] = {x->dims[0], x->dims[1]};
    for (uint32_t i = 0; i < s; i++)
        VKC_TRY(window_extent(g, ni, w, i, x->dims[2 + i], &dims[2 + i]));
    return set_output(g, ni, VKC_DTYPE_FLOAT32, x->rank, dims);
}

vkcnn_status vkc_infer_global_pool(vkc_graph *g, uint32_t ni) {
    uint32_t s = 0;
    VKC_TRY(spatial_rank(g, ni, 3, &s));
    const vkc_tensor *x = in_tensor(g, ni, 0);
    int64_t dims[VKC_MAX_RANK] = {x->dims[0], x->dims[1], 1, 1};
    return set_output(g, ni, VKC_DTYPE_FLOAT32, x->rank, dims);
}

vkcnn_status vkc_infer_lrn(vkc_graph *g, uint32_t ni) {
    uint32_t s = 0;
    VKC_TRY(spatial_rank(g, ni, 3, &s));
    const vkc_lrn_attrs *a = &g->nodes[ni].attrs.lrn;
    if (a->size < 1 || a->size > WINDOW_MAX)
        return FAIL(VKCNN_ERROR_INVALID_MODEL, "attribute 'size' = %" PRId64 " out of range",
                    a->size);
    return vkc_infer_same(g, ni);
}

vkcnn_status vkc_infer_batch_norm(vkc_graph *g, uint32_t ni) {
    uint32_t s = 0;
    char buf[160];
    VKC_TRY(spatial_rank(g, ni, 2, &s));
    const vkc_tensor *x = in_tensor(g, ni, 0);
    static const char *const names[] = {"X", "scale", "B", "mean", "var"};
    for (uint32_t i = 1; i < 5; i++) {
        const vkc_tensor *p = in_tensor(g, ni, i);
        if (!p) return FAIL(VKCNN_ERROR_INVALID_MODEL, "missing input '%s'", names[i]);
        VKC_TRY(require_float(g, ni, i, names[i]));
        if (p->rank != 1 || p->dims[0] != x->dims[1])
            return FAIL(VKCNN_ERROR_INVALID_MODEL,
                        "input '%s' ('%s') %s must be [%" PRId64 "] (the channels of X)", names[i],
                        p->name, vkc_shape_string(p->rank, p->dims, buf, sizeof buf), x->dims[1]);
    }
    return vkc_infer_same(g, ni);
}

/* ---- elementwise ----------------------------------------------------------- */

vkcnn_status vkc_infer_binary(vkc_graph *g, uint32_t ni) {
    vkc_node *n = &g->nodes[ni];
    const vkc_tensor *a = in_tensor(g, ni, 0), *b = in_tensor(g, ni, 1);
    char sa[160], sb[160];
    if (!a || !b) return FAIL(VKCNN_ERROR_INVALID_MODEL, "needs two inputs");
    if (a->dtype != b->dtype)
        return FAIL(VKCNN_ERROR_INVALID_MODEL, "inputs '%s' and '%s' have different dtypes",
                    a->name, b->name);
    const vkc_binary_attrs *la = &n->attrs.binary;
    if (la->legacy) {
        if (!la->broadcast) {
            if (a->rank != b->rank || memcmp(a->dims, b->dims, a->rank * sizeof a->dims[0]))
                return FAIL(VKCNN_ERROR_INVALID_MODEL,
                            "inputs %s and %s differ and attribute 'broadcast' is 0",
                            vkc_shape_string(a->rank, a->dims, sa, sizeof sa),
                            vkc_shape_string(b->rank, b->dims, sb, sizeof sb));
        } else if (la->has_axis) {
            int64_t axis = la->axis;
            VKC_TRY(norm_axis(g, ni, "axis", &axis, a->rank, false));
            if ((uint64_t)axis + b->rank > a->rank)
                return FAIL(VKCNN_ERROR_INVALID_MODEL, "B %s does not fit A %s at axis %" PRId64,
                            vkc_shape_string(b->rank, b->dims, sb, sizeof sb),
                            vkc_shape_string(a->rank, a->dims, sa, sizeof sa), axis);
            for (uint32_t i = 0; i < b->rank; i++)
                if (b->dims[i] != a->dims[axis + i] && b->dims[i] != 1)
                    return FAIL(VKCNN_ERROR_INVALID_MODEL,
                                "B %s does not match A %s at axis %" PRId64,
                                vkc_shape_string(b->rank, b->dims, sb, sizeof sb),
                                vkc_shape_string(a->rank, a->dims, sa, sizeof sa), axis);
            uint32_t r = a->rank - (uint32_t)axis;
            if (r != b->rank) { /* not suffix-aligned: give B trailing ones */
                int64_t dims[VKC_MAX_RANK];
                for (uint32_t i = 0; i < r; i++)
                    dims[i] = i < b->rank ? b->dims[i] : 1;
                VKC_TRY(reshape_private_constant(g, ni, 1, r, dims));
            }
        }
    }
    uint32_t rank;
    int64_t dims[VKC_MAX_RANK];
    VKC_TRY(broadcast(g, ni, in_tensor(g, ni, 0), in_tensor(g, ni, 1), &rank, dims));
    return set_output(g, ni, a->dtype, rank, dims);
}

/* Min, Max, Sum, Mean: any number of inputs, numpy-broadcast together. */
vkcnn_status vkc_infer_variadic(vkc_graph *g, uint32_t ni) {
    const vkc_node *n = &g->nodes[ni];
    const vkc_tensor *a = in_tensor(g, ni, 0);
    uint32_t rank = a->rank;
    int64_t dims[VKC_MAX_RANK];
    memcpy(dims, a->dims, sizeof dims);
    for (uint32_t i = 1; i < n->input_count; i++) {
        const vkc_tensor *b = in_tensor(g, ni, i);
        if (!b) return FAIL(VKCNN_ERROR_INVALID_MODEL, "input %" PRIu32 " is empty", i);
        if (b->dtype != a->dtype)
            return FAIL(VKCNN_ERROR_INVALID_MODEL, "inputs '%s' and '%s' have different dtypes",
                        a->name, b->name);
        vkc_tensor acc = {.name = "(inputs so far)", .rank = rank};
        memcpy(acc.dims, dims, sizeof dims);
        VKC_TRY(broadcast(g, ni, &acc, b, &rank, dims));
    }
    return set_output(g, ni, a->dtype, rank, dims);
}

vkcnn_status vkc_infer_prelu(vkc_graph *g, uint32_t ni) {
    const vkc_tensor *x = in_tensor(g, ni, 0), *sl = in_tensor(g, ni, 1);
    char sx[160], ss[160];
    if (!sl) return FAIL(VKCNN_ERROR_INVALID_MODEL, "missing input 'slope'");
    VKC_TRY(require_float(g, ni, 1, "slope"));
    if (!broadcasts_to(sl, x->rank, x->dims)) {
        /* Opsets < 7 apply a 1-D slope of C values per channel. */
        bool legacy =
            g->nodes[ni].opset < 7 && sl->rank == 1 && x->rank >= 2 && sl->dims[0] == x->dims[1];
        if (!legacy)
            return FAIL(VKCNN_ERROR_INVALID_MODEL,
                        "input 'slope' ('%s') %s does not broadcast "
                        "to X %s",
                        sl->name, vkc_shape_string(sl->rank, sl->dims, ss, sizeof ss),
                        vkc_shape_string(x->rank, x->dims, sx, sizeof sx));
        int64_t dims[VKC_MAX_RANK];
        for (uint32_t i = 0; i + 1 < x->rank; i++)
            dims[i] = i == 0 ? x->dims[1] : 1;
        VKC_TRY(reshape_private_constant(g, ni, 1, x->rank - 1, dims));
    }
    return vkc_infer_same(g, ni);
}

vkcnn_status vkc_infer_clip(vkc_graph *g, uint32_t ni) {
    vkc_node *n = &g->nodes[ni];
    if (in_tensor(g, ni, 1)) VKC_TRY(const_scalar(g, ni, 1, "min", &n->attrs.clip.min));
    if (in_tensor(g, ni, 2)) VKC_TRY(const_scalar(g, ni, 2, "max", &n->attrs.clip.max));
    while (n->input_count > 1)
        vkc_graph_drop_input(g, ni, n->input_count - 1);
    if (isnan(n->attrs.clip.min) || isnan(n->attrs.clip.max))
        return FAIL(VKCNN_ERROR_INVALID_MODEL, "'min' or 'max' is NaN");
    return vkc_infer_same(g, ni);
}

vkcnn_status vkc_infer_dropout(vkc_graph *g, uint32_t ni) {
    vkc_node *n = &g->nodes[ni];
    const vkc_tensor *tm = in_tensor(g, ni, 2);
    if (tm) {
        if (!tm->data)
            return FAIL(VKCNN_ERROR_UNSUPPORTED,
                        "input 'training_mode' ('%s') is a run-time value: training-mode "
                        "Dropout is not supported",
                        tm->name);
        bool on = tm->dtype == VKC_DTYPE_INT64 ? *(const int64_t *)tm->data != 0
                                               : *(const float *)tm->data != 0.0f;
        if (on)
            return FAIL(VKCNN_ERROR_UNSUPPORTED,
                        "input 'training_mode' is true: training-mode Dropout is not supported");
    }
    while (n->input_count > 1)
        vkc_graph_drop_input(g, ni, n->input_count - 1);
    return vkc_infer_same(g, ni);
}

/* ---- matrix ops ------------------------------------------------------------ */

vkcnn_status vkc_infer_gemm(vkc_graph *g, uint32_t ni) {
    const vkc_gemm_attrs *a = &g->nodes[ni].attrs.gemm;
    const vkc_tensor *ta = in_tensor(g, ni, 0), *tb = in_tensor(g, ni, 1),
                     *tc = in_tensor(g, ni, 2);
    char sa[160], sb[160];
    if (!tb) return FAIL(VKCNN_ERROR_INVALID_MODEL, "missing input B");
    VKC_TRY(require_float(g, ni, 1, "B"));
    VKC_TRY(require_float(g, ni, 2, "C"));
    if (ta->rank != 2 || tb->rank != 2)
        return FAIL(VKCNN_ERROR_INVALID_MODEL, "inputs A ('%s') %s and B ('%s') %s must be 2-D",
                    ta->name, vkc_shape_string(ta->rank, ta->dims, sa, sizeof sa), tb->name,
                    vkc_shape_string(tb->rank, tb->dims, sb, sizeof sb));
    int64_t m = a->trans_a ? ta->dims[1] : ta->dims[0], k = a->trans_a ? ta->dims[0] : ta->dims[1];
    int64_t kb = a->trans_b ? tb->dims[1] : tb->dims[0],
            nn = a->trans_b ? tb->dims[0] : tb->dims[1];
    if (k != kb)
        return FAIL(VKCNN_ERROR_INVALID_MODEL,
                    "inner dimensions differ: A %s, B %s (transA %d, transB %d)",
                    vkc_shape_string(ta->rank, ta->dims, sa, sizeof sa),
                    vkc_shape_string(tb->rank, tb->dims, sb, sizeof sb), a->trans_a, a->trans_b);
    int64_t dims[2] = {m, nn};
    if (tc && !broadcasts_to(tc, 2, dims))
        return FAIL(VKCNN_ERROR_INVALID_MODEL,
                    "input C ('%s') %s does not broadcast to [%" PRId64 ", %" PRId64 "]", tc->name,
                    vkc_shape_string(tc->rank, tc->dims, sa, sizeof sa), m, nn);
    return set_output(g, ni, VKC_DTYPE_FLOAT32, 2, dims);
}

vkcnn_status vkc_infer_matmul(vkc_graph *g, uint32_t ni) {
    const vkc_tensor *ta = in_tensor(g, ni, 0), *tb = in_tensor(g, ni, 1);
    char sa[160], sb[160];
    if (!tb) return FAIL(VKCNN_ERROR_INVALID_MODEL, "missing input B");
    VKC_TRY(require_float(g, ni, 1, "B"));
    if (ta->rank < 1 || tb->rank < 1)
        return FAIL(VKCNN_ERROR_INVALID_MODEL, "inputs must have rank >= 1");
    /* Treat 1-D operands as [1, K] and [K, 1], then drop those dims. */
    int64_t m = ta->rank == 1 ? 1 : ta->dims[ta->rank - 2], k = ta->dims[ta->rank - 1];
    int64_t kb = tb->rank == 1 ? tb->dims[0] : tb->dims[tb->rank - 2];
    int64_t nn = tb->rank == 1 ? 1 : tb->dims[tb->rank - 1];
    if (k != kb)
        return FAIL(VKCNN_ERROR_INVALID_MODEL, "inner dimensions differ: A ('%s') %s, B ('%s') %s",
                    ta->name, vkc_shape_string(ta->rank, ta->dims, sa, sizeof sa), tb->name,
                    vkc_shape_string(tb->rank, tb->dims, sb, sizeof sb));
    vkc_tensor ba = {0}, bb = {0};
    ba.name = ta->name;
    bb.name = tb->name;
    ba.rank = ta->rank > 2 ? ta->rank - 2 : 0;
    bb.rank = tb->rank > 2 ? tb->rank - 2 : 0;
    memcpy(ba.dims, ta->dims, ba.rank * sizeof ba.dims[0]);
    memcpy(bb.dims, tb->dims, bb.rank * sizeof bb.dims[0]);
    uint32_t rank;
    int64_t dims[VKC_MAX_RANK + 2];
    VKC_TRY(broadcast(g, ni, &ba, &bb, &rank, dims));
    if (ta->rank > 1) dims[rank++] = m;
    if (tb->rank > 1) dims[rank++] = nn;
    return set_output(g, ni, VKC_DTYPE_FLOAT32, rank, dims);
}

/* ---- layout ops ------------------------------------------------------------ */

vkcnn_status vkc_infer_flatten(vkc_graph *g, uint32_t ni) {
    const vkc_tensor *x = in_tensor(g, ni, 0);
    int64_t axis = g->nodes[ni].attrs.axis;
    VKC_TRY(norm_axis(g, ni, "axis", &axis, x->rank, true));
    g->nodes[ni].attrs.axis = axis;
    int64_t dims[2] = {1, 1};
    for (uint32_t i = 0; i < x->rank; i++)
        dims[i < axis ? 0 : 1] *= x->dims[i]; /* bounded by the element limit */
    return set_output(g, ni, x->dtype, 2, dims);
}

vkcnn_status vkc_infer_reshape(vkc_graph *g, uint32_t ni) {
    vkc_node *n = &g->nodes[ni];
    vkc_reshape_attrs *a = &n->attrs.reshape;
    const vkc_tensor *x = in_tensor(g, ni, 0);
    char sx[160], ss[160];
    if (in_tensor(g, ni, 1)) {
        VKC_TRY(const_ints(g, ni, 1, "shape", a->shape, VKC_MAX_RANK, &a->count));
        vkc_graph_drop_input(g, ni, 1);
    } else if (!a->given) {
        return FAIL(VKCNN_ERROR_INVALID_MODEL, "missing 'shape' (input or attribute)");
    }
    int64_t dims[VKC_MAX_RANK];
    int infer = -1;
    uint64_t known = 1;
    for (uint32_t i = 0; i < a->count; i++) {
        int64_t d = a->shape[i];
        if (d == 0 && !a->allowzero) {
            if (i >= x->rank)
                return FAIL(VKCNN_ERROR_INVALID_MODEL,
                            "'shape' copies dimension %" PRIu32 " that X ('%s') does not have", i,
                            x->name);
            d = x->dims[i];
        }
        if (d == -1) {
            if (infer >= 0) return FAIL(VKCNN_ERROR_INVALID_MODEL, "'shape' has more than one -1");
            infer = (int)i;
            d = 1;
        } else if (d < 0) {
            return FAIL(VKCNN_ERROR_INVALID_MODEL, "'shape' has invalid value %" PRId64, d);
        }
        dims[i] = d;
        if (!vkc_mul_u64(known, (uint64_t)d, &known))
            return FAIL(VKCNN_ERROR_LIMIT, "'shape' element count overflows");
    }
    if (infer >= 0) {
        if (known == 0 || x->elements % known)
            return FAIL(VKCNN_ERROR_INVALID_MODEL, "cannot reshape X %s to %s",
                        vkc_shape_string(x->rank, x->dims, sx, sizeof sx),
                        vkc_shape_string(a->count, a->shape, ss, sizeof ss));
        dims[infer] = (int64_t)(x->elements / known);
        known = x->elements;
    }
    if (known != x->elements)
        return FAIL(VKCNN_ERROR_INVALID_MODEL, "cannot reshape X ('%s') %s to %s", x->name,
                    vkc_shape_string(x->rank, x->dims, sx, sizeof sx),
                    vkc_shape_string(a->count, a->shape, ss, sizeof ss));
    return set_output(g, ni, x->dtype, a->count, dims);
}

static vkcnn_status axes_operand(vkc_graph *g, uint32_t ni, vkc_axes_attrs *a) {
    vkc_node *n = &g->nodes[ni];
    if (in_tensor(g, ni, 1)) {
        VKC_TRY(const_ints(g, ni, 1, "axes", a->axes, VKC_MAX_RANK, &a->count));
        a->given = true;
    }
    while (n->input_count > 1)
        vkc_graph_drop_input(g, ni, n->input_count - 1);
    return VKCNN_OK;
}

vkcnn_status vkc_infer_squeeze(vkc_graph *g, uint32_t ni) {
    vkc_axes_attrs *a = &g->nodes[ni].attrs.axes;
    VKC_TRY(axes_operand(g, ni, a));
    const vkc_tensor *x = in_tensor(g, ni, 0);
    bool drop[VKC_MAX_RANK] = {0};
    if (!a->given || a->count == 0) {
        for (uint32_t i = 0; i < x->rank; i++)
            drop[i] = x->dims[i] == 1;
    }
    for (uint32_t i = 0; i < a->count; i++) {
        int64_t axis = a->axes[i];
        VKC_TRY(norm_axis(g, ni, "axes", &axis, x->rank, false));
        if (x->dims[axis] != 1)
            return FAIL(VKCNN_ERROR_INVALID_MODEL,
                        "axis %" PRId64 " of X ('%s') has size %" PRId64 ", not 1", axis, x->name,
                        x->dims[axis]);
        a->axes[i] = axis;
        drop[axis] = true;
    }
    int64_t dims[VKC_MAX_RANK];
    uint32_t r = 0;
    for (uint32_t i = 0; i < x->rank; i++)
        if (!drop[i]) dims[r++] = x->dims[i];
    return set_output(g, ni, x->dtype, r, dims);
}

vkcnn_status vkc_infer_unsqueeze(vkc_graph *g, uint32_t ni) {
    vkc_axes_attrs *a = &g->nodes[ni].attrs.axes;
    VKC_TRY(axes_operand(g, ni, a));
    const vkc_tensor *x = in_tensor(g, ni, 0);
    if (!a->given) return FAIL(VKCNN_ERROR_INVALID_MODEL, "missing 'axes'");
    uint64_t r = (uint64_t)x->rank + a->count;
    if (r > VKC_MAX_RANK)
        return FAIL(VKCNN_ERROR_UNSUPPORTED, "output rank %" PRIu64 " exceeds %d", r, VKC_MAX_RANK);
    bool ins[VKC_MAX_RANK] = {0};
    for (uint32_t i = 0; i < a->count; i++) {
        int64_t axis = a->axes[i];
        VKC_TRY(norm_axis(g, ni, "axes", &axis, (uint32_t)r, false));
        if (ins[axis]) return FAIL(VKCNN_ERROR_INVALID_MODEL, "'axes' repeats axis %" PRId64, axis);
        ins[axis] = true;
        a->axes[i] = axis;
    }
    int64_t dims[VKC_MAX_RANK];
    for (uint32_t i = 0, j = 0; i < r; i++)
        dims[i] = ins[i] ? 1 : x->dims[j++];
    return set_output(g, ni, x->dtype, (uint32_t)r, dims);
}

vkcnn_status vkc_infer_transpose(vkc_graph *g, uint32_t ni) {
    vkc_transpose_attrs *a = &g->nodes[ni].attrs.transpose;
    const vkc_tensor *x = in_tensor(g, ni, 0);
    if (a->count == 0) {
        a->count = x->rank;
        for (uint32_t i = 0; i < x->rank; i++)
            a->perm[i] = x->rank - 1 - i;
    }
    if (a->count != x->rank)
        return FAIL(VKCNN_ERROR_INVALID_MODEL,
                    "attribute 'perm' has %" PRIu32 " entries for X ('%s') of rank %" PRIu32,
                    a->count, x->name, x->rank);
    bool seen[VKC_MAX_RANK] = {0};
    int64_t dims[VKC_MAX_RANK];
    for (uint32_t i = 0; i < a->count; i++) {
        int64_t p = a->perm[i];
        if (p < 0 || p >= (int64_t)x->rank || seen[p])
            return FAIL(VKCNN_ERROR_INVALID_MODEL, "attribute 'perm' is not a permutation");
        seen[p] = true;
        dims[i] = x->dims[p];
    }
    return set_output(g, ni, x->dtype, x->rank, dims);
}

vkcnn_status vkc_infer_concat(vkc_graph *g, uint32_t ni) {
    vkc_node *n = &g->nodes[ni];
    const vkc_tensor *x = in_tensor(g, ni, 0);
    char s0[160], si[160];
    if (!x) return FAIL(VKCNN_ERROR_INVALID_MODEL, "needs at least one input");
    int64_t axis = n->attrs.axis;
    VKC_TRY(norm_axis(g, ni, "axis", &axis, x->rank, false));
    n->attrs.axis = axis;
    int64_t dims[VKC_MAX_RANK];
    memcpy(dims, x->dims, sizeof dims);
    for (uint32_t i = 1; i < n->input_count; i++) {
        const vkc_tensor *t = in_tensor(g, ni, i);
        if (!t) return FAIL(VKCNN_ERROR_INVALID_MODEL, "input %" PRIu32 " is empty", i);
        bool ok = t->rank == x->rank && t->dtype == x->dtype;
        for (uint32_t d = 0; ok && d < x->rank; d++)
            ok = d == axis || t->dims[d] == x->dims[d];
        if (!ok)
            return FAIL(VKCNN_ERROR_INVALID_MODEL,
                        "input '%s' %s does not match '%s' %s outside axis %" PRId64, t->name,
                        vkc_shape_string(t->rank, t->dims, si, sizeof si), x->name,
                        vkc_shape_string(x->rank, x->dims, s0, sizeof s0), axis);
        dims[axis] += t->dims[axis]; /* each bounded by the element limit */
    }
    return set_output(g, ni, x->dtype, x->rank, dims);
}

vkcnn_status vkc_infer_pad(vkc_graph *g, uint32_t ni) {
    vkc_node *n = &g->nodes[ni];
    vkc_pad_attrs *a = &n->attrs.pad;
    const vkc_tensor *x = in_tensor(g, ni, 0);
    if (in_tensor(g, ni, 1)) {
        VKC_TRY(const_ints(g, ni, 1, "pads", a->pads, 2 * VKC_MAX_RANK, &a->pad_count));
        a->pads_given = true;
    }
    if (in_tensor(g, ni, 2)) VKC_TRY(const_scalar(g, ni, 2, "constant_value", &a->value));
    if (in_tensor(g, ni, 3)) { /* opset 18: pads name these axes only */
        int64_t axes[VKC_MAX_RANK], full[2 * VKC_MAX_RANK] = {0};
        uint32_t na;
        bool seen[VKC_MAX_RANK] = {0};
        VKC_TRY(const_ints(g, ni, 3, "axes", axes, VKC_MAX_RANK, &na));
        if (a->pad_count != 2 * na)
            return FAIL(VKCNN_ERROR_INVALID_MODEL,
                        "'pads' has %" PRIu32 " values for %" PRIu32 " axes", a->pad_count, na);
        for (uint32_t i = 0; i < na; i++) {
            VKC_TRY(norm_axis(g, ni, "axes", &axes[i], x->rank, false));
            if (seen[axes[i]])
                return FAIL(VKCNN_ERROR_INVALID_MODEL, "'axes' repeats axis %" PRId64, axes[i]);
            seen[axes[i]] = true;
            full[axes[i]] = a->pads[i];
            full[x->rank + axes[i]] = a->pads[na + i];
        }
        memcpy(a->pads, full, sizeof full);
        a->pad_count = 2 * x->rank;
    }
    while (n->input_count > 1)
        vkc_graph_drop_input(g, ni, n->input_count - 1);
    if (!a->pads_given) return FAIL(VKCNN_ERROR_INVALID_MODEL, "missing 'pads'");
    if (a->pad_count != 2 * x->rank)
        return FAIL(VKCNN_ERROR_INVALID_MODEL,
                    "'pads' has %" PRIu32 " values for X ('%s') of rank %" PRIu32, a->pad_count,
                    x->name, x->rank);
    int64_t dims[VKC_MAX_RANK];
    for (uint32_t i = 0; i < x->rank; i++) {
        int64_t b = a->pads[i], e = a->pads[x->rank + i];
        if (b < -WINDOW_MAX || b > WINDOW_MAX || e < -WINDOW_MAX || e > WINDOW_MAX)
            return FAIL(VKCNN_ERROR_INVALID_MODEL, "'pads' value out of range");
        dims[i] = x->dims[i] + b + e;
        if (dims[i] < 0)
            return FAIL(VKCNN_ERROR_INVALID_MODEL, "'pads' crop axis %" PRIu32 " below zero", i);
        if (a->mode == VKC_PAD_REFLECT && (b >= x->dims[i] || e >= x->dims[i]) && (b > 0 || e > 0))
            return FAIL(VKCNN_ERROR_INVALID_MODEL,
                        "reflect padding of %" PRId64 "/%" PRId64 " needs axis %" PRIu32
                        " (size %" PRId64 ") to be larger",
                        b, e, i, x->dims[i]);
        if ((a->mode == VKC_PAD_EDGE || a->mode == VKC_PAD_WRAP) && x->dims[i] == 0 &&
            (b > 0 || e > 0))
            return FAIL(VKCNN_ERROR_INVALID_MODEL, "edge or wrap padding of an empty axis");
    }
    return set_output(g, ni, x->dtype, x->rank, dims);
}

vkcnn_status vkc_infer_softmax(vkc_graph *g, uint32_t ni) {
    const vkc_tensor *x = in_tensor(g, ni, 0);
    vkc_softmax_attrs *a = &g->nodes[ni].attrs.softmax;
    if (x->rank == 0) return FAIL(VKCNN_ERROR_INVALID_MODEL, "input X ('%s') is a scalar", x->name);
    VKC_TRY(norm_axis(g, ni, "axis", &a->axis, x->rank, false));
    return vkc_infer_same(g, ni);
}

/* ---- shape arithmetic (evaluated by fold.c) -------------------------------- */

vkcnn_status vkc_infer_shape(vkc_graph *g, uint32_t ni) {
    const vkc_tensor *x = in_tensor(g, ni, 0);
    int64_t r = x->rank, start = g->nodes[ni].attrs.shape.start;
    int64_t end = g->nodes[ni].attrs.shape.has_end ? g->nodes[ni].attrs.shape.end : r;
    start = start < 0 ? start + r : start;
    end = end < 0 ? end + r : end;
    start = start < 0 ? 0 : start > r ? r : start;
    end = end < 0 ? 0 : end > r ? r : end;
    g->nodes[ni].attrs.shape.start = start;
    g->nodes[ni].attrs.shape.end = end;
    g->nodes[ni].attrs.shape.has_end = true;
    int64_t dims[1] = {end > start ? end - start : 0};
    return set_output(g, ni, VKC_DTYPE_INT64, 1, dims);
}

vkcnn_status vkc_infer_gather(vkc_graph *g, uint32_t ni) {
    const vkc_tensor *x = in_tensor(g, ni, 0), *idx = in_tensor(g, ni, 1);
    if (!idx) return FAIL(VKCNN_ERROR_INVALID_MODEL, "missing input 'indices'");
    if (!idx->data)
        return FAIL(VKCNN_ERROR_UNSUPPORTED,
                    "input 'indices' ('%s') is computed at run time: data-dependent gathers are "
                    "not supported",
                    idx->name);
    if (idx->dtype != VKC_DTYPE_INT64)
        return FAIL(VKCNN_ERROR_INVALID_MODEL, "input 'indices' must be an integer tensor");
    int64_t axis = g->nodes[ni].attrs.axis;
    if (x->rank == 0) return FAIL(VKCNN_ERROR_INVALID_MODEL, "input 'data' is a scalar");
    VKC_TRY(norm_axis(g, ni, "axis", &axis, x->rank, false));
    g->nodes[ni].attrs.axis = axis;
    uint64_t r = (uint64_t)x->rank - 1 + idx->rank;
    if (r > VKC_MAX_RANK)
        return FAIL(VKCNN_ERROR_UNSUPPORTED, "output rank %" PRIu64 " too large", r);
    int64_t dims[VKC_MAX_RANK];
    uint32_t k = 0;
    for (uint32_t i = 0; i < axis; i++)
        dims[k++] = x->dims[i];
    for (uint32_t i = 0; i < idx->rank; i++)
        dims[k++] = idx->dims[i];
    for (uint32_t i = (uint32_t)axis + 1; i < x->rank; i++)
        dims[k++] = x->dims[i];
    const int64_t *iv = idx->data;
    for (uint64_t i = 0; i < idx->elements; i++)
        if (iv[i] < -x->dims[axis] || iv[i] >= x->dims[axis])
            return FAIL(VKCNN_ERROR_INVALID_MODEL,
                        "index %" PRId64 " out of range [%" PRId64 ", %" PRId64 ")", iv[i],
                        -x->dims[axis], x->dims[axis]);
    if (!x->data) VKC_TRY(vkc_infer_gather_table(g, ni)); /* run-time data: a kernel */
    x = in_tensor(g, ni, 0);
    return set_output(g, ni, x->dtype, k, dims);
}

vkcnn_status vkc_infer_cast(vkc_graph *g, uint32_t ni) {
    vkc_node *n = &g->nodes[ni];
    const vkc_tensor *x = in_tensor(g, ni, 0);
    int64_t to = n->attrs.to;
    vkc_dtype dt;
    switch (to) {
    case 1:  /* FLOAT */
    case 10: /* FLOAT16 */
    case 11: /* DOUBLE */
    case 16: /* BFLOAT16 */ dt = VKC_DTYPE_FLOAT32; break;
    case 2:
    case 3:
    case 4:
    case 5:
    case 6:
    case 7:
    case 9:
    case 12:
    case 13: dt = VKC_DTYPE_INT64; break;
    default:
        return FAIL(VKCNN_ERROR_UNSUPPORTED, "attribute 'to' = %" PRId64 " is not supported", to);
    }
    if (!x->data) {
        if (dt != VKC_DTYPE_FLOAT32)
            return FAIL(VKCNN_ERROR_UNSUPPORTED,
                        "casts runtime data '%s' to an integer type: unsupported dtype (float32 "
                        "only)",
                        x->name);
        n->op = VKC_OP_IDENTITY; /* float -> float at run time changes nothing */
    }
    return set_output(g, ni, dt, x->rank, x->dims);
}

/* Clamps a Slice's start/end on an axis of size `dim` (ONNX rules). */
static void slice_bounds(int64_t dim, int64_t step, int64_t *start, int64_t *end) {
    int64_t s = *start, e = *end;
    if (s < 0) s += dim;
    if (e < 0) e += dim;
    if (step > 0) {
        s = s < 0 ? 0 : s > dim ? dim : s;
        e = e < 0 ? 0 : e > dim ? dim : e;
    } else {
        s = s < 0 ? -1 : s > dim - 1 ? dim - 1 : s;
        e = e < -1 ? -1 : e > dim - 1 ? dim - 1 : e;
    }
    *start = s;
    *end = e;
}

vkcnn_status vkc_infer_slice(vkc_graph *g, uint32_t ni) {
    vkc_node *n = &g->nodes[ni];
    vkc_slice_attrs *a = &n->attrs.slice;
    const vkc_tensor *x = in_tensor(g, ni, 0);
    if (n->input_count > 1) {
        static const char *const names[] = {"data", "starts", "ends", "axes", "steps"};
        uint32_t counts[5] = {0};
        int64_t *dst[5] = {NULL, a->starts, a->ends, a->axes, a->steps};
        for (uint32_t i = 1; i < 5; i++)
            if (in_tensor(g, ni, i))
                VKC_TRY(const_ints(g, ni, i, names[i], dst[i], VKC_MAX_RANK, &counts[i]));
        if (!in_tensor(g, ni, 1) || !in_tensor(g, ni, 2) || counts[1] != counts[2] ||
            (in_tensor(g, ni, 3) && counts[3] != counts[1]) ||
            (in_tensor(g, ni, 4) && counts[4] != counts[1]))
            return FAIL(VKCNN_ERROR_INVALID_MODEL, "'starts', 'ends', 'axes' and 'steps' must "
                                                   "be present and of equal length");
        a->count = counts[1];
        a->given = true;
        a->axes_given = in_tensor(g, ni, 3) != NULL;
        if (!in_tensor(g, ni, 4))
            for (uint32_t i = 0; i < a->count; i++)
                a->steps[i] = 1;
        while (n->input_count > 1)
            vkc_graph_drop_input(g, ni, n->input_count - 1);
    }
    if (!a->given) return FAIL(VKCNN_ERROR_INVALID_MODEL, "missing 'starts'/'ends'");
    if (a->count > x->rank)
        return FAIL(VKCNN_ERROR_INVALID_MODEL, "more slice axes than X has dimensions");
    int64_t dims[VKC_MAX_RANK];
    memcpy(dims, x->dims, sizeof dims);
    bool seen[VKC_MAX_RANK] = {0};
    for (uint32_t i = 0; i < a->count; i++) {
        if (!a->axes_given) a->axes[i] = i;
        VKC_TRY(norm_axis(g, ni, "axes", &a->axes[i], x->rank, false));
        if (seen[a->axes[i]])
            return FAIL(VKCNN_ERROR_INVALID_MODEL, "'axes' repeats axis %" PRId64, a->axes[i]);
        seen[a->axes[i]] = true;
        int64_t step = a->steps[i], dim = x->dims[a->axes[i]];
        if (step == 0 || step == INT64_MIN)
            return FAIL(VKCNN_ERROR_INVALID_MODEL, "'steps' value %" PRId64 " is invalid", step);
        /* Clamp before arithmetic so INT64_MAX-style "to the end" values are safe. */
        int64_t s = a->starts[i], e = a->ends[i];
        s = s < -dim - 1 ? -dim - 1 : s > dim + 1 ? dim + 1 : s;
        e = e < -dim - 1 ? -dim - 1 : e > dim + 1 ? dim + 1 : e;
        slice_bounds(dim, step, &s, &e);
        a->starts[i] = s;
        a->ends[i] = e;
        /* ceil((e - s) / step) without forming e - s + step (steps reach INT64_MAX) */
        int64_t len =
            step > 0 ? (e > s ? (e - s - 1) / step + 1 : 0) : (s > e ? (s - e - 1) / -step + 1 : 0);
        dims[a->axes[i]] = len > 0 ? len : 0;
        /* one element or none: the step is never applied, and a huge one
         * would overflow the strides the lowering multiplies by it */
        if (len <= 1) a->steps[i] = 1;
    }
    return set_output(g, ni, x->dtype, x->rank, dims);
}

vkcnn_status vkc_infer_node(vkc_graph *g, uint32_t ni) {
    vkc_node *n = &g->nodes[ni];
    if (n->dead) return VKCNN_OK;
    if (n->output_count < 1 || n->outputs[0] == VKC_NONE)
        return FAIL(VKCNN_ERROR_INVALID_MODEL, "has no output");
    const vkc_tensor *x = in_tensor(g, ni, 0);
    if (!x) return FAIL(VKCNN_ERROR_INVALID_MODEL, "missing its first input");
    for (uint32_t i = 0; i < n->input_count; i++) {
        const vkc_tensor *t = in_tensor(g, ni, i);
        if (t && !t->shape_known)
            return FAIL(VKCNN_ERROR_INVALID_MODEL, "input '%s' has no known shape", t->name);
    }
    const vkc_op_info *info = vkc_op_get(n->op);
    if (info->flags & VKC_OPF_FLOAT_X) VKC_TRY(require_float(g, ni, 0, "X"));
    if (!info->infer) return FAIL(VKCNN_ERROR_INVALID_MODEL, "cannot infer this operator's shape");
    return info->infer(g, ni);
}

uint64_t vkc_node_macs(const vkc_graph *g, uint32_t ni) {
    const vkc_node *n = &g->nodes[ni];
    if (n->dead || n->output_count < 1) return 0;
    const vkc_tensor *y = &g->tensors[n->outputs[0]];
    uint64_t macs = 0, per = 1;
    switch (n->op) {
    case VKC_OP_CONV: {
        const vkc_tensor *w = &g->tensors[n->inputs[1]];
        for (uint32_t i = 1; i < w->rank; i++)
            per *= (uint64_t)w->dims[i]; /* Cin/group x kernel */
        if (!vkc_mul_u64(y->elements, per, &macs)) return UINT64_MAX;
        return macs;
    }
    case VKC_OP_GEMM: {
        const vkc_tensor *a = &g->tensors[n->inputs[0]];
        per = (uint64_t)(n->attrs.gemm.trans_a ? a->dims[0] : a->dims[1]);
        return vkc_mul_u64(y->elements, per, &macs) ? macs : UINT64_MAX;
    }
    case VKC_OP_MATMUL: {
        const vkc_tensor *a = &g->tensors[n->inputs[0]];
        per = (uint64_t)a->dims[a->rank - 1];
        return vkc_mul_u64(y->elements, per, &macs) ? macs : UINT64_MAX;
    }
    default: return 0;
    }
}
