/* Shape inference of data movement, logic and resizing: Split, Tile,
 * Expand, Where, ConstantOfShape, Range, Size, Resize and Upsample, and the
 * float index table of a Gather on run-time data. Constant operands (split
 * sizes, repeats, shapes, scales, sizes, roi) are decoded into the node's
 * attributes and dropped from its inputs; one that is computed at run time
 * is a data-dependent shape, refused naming the tensor. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/checked.h"
#include "core/error.h"
#include "graph/graph.h"
#include "graph/infer.h"

#define FAIL(st, ...) vkc_node_fail(g, ni, st, __VA_ARGS__)

/* Largest repeat, split piece or resized extent accepted before the element
 * limit applies: keeps the arithmetic below far from overflow. */
#define EXTENT_MAX ((int64_t)1 << 40)

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

static void drop_inputs_after(vkc_graph *g, uint32_t ni, uint32_t keep) {
    while (g->nodes[ni].input_count > keep)
        vkc_graph_drop_input(g, ni, g->nodes[ni].input_count - 1);
}

/* The constant tensor in `slot`; a run-time one is a data-dependent value. */
static vkcnn_status constant_input(vkc_graph *g, uint32_t ni, uint32_t slot, const char *what,
                                   const vkc_tensor **out) {
    const vkc_tensor *t = in_tensor(g, ni, slot);
    *out = t;
    if (t && !t->data)
        return FAIL(VKCNN_ERROR_UNSUPPORTED,
                    "input '%s' ('%s') is computed at run time: data-dependent shapes are not "
                    "supported (it must be a constant)",
                    what, t->name);
    return VKCNN_OK;
}

/* A constant 1-D (or scalar) int64 operand of at most `max` values. */
static vkcnn_status const_ints(vkc_graph *g, uint32_t ni, uint32_t slot, const char *what,
                               int64_t *out, uint32_t max, uint32_t *count) {
    const vkc_tensor *t;
    VKC_TRY(constant_input(g, ni, slot, what, &t));
    if (t->dtype != VKC_DTYPE_INT64)
        return FAIL(VKCNN_ERROR_INVALID_MODEL, "input '%s' ('%s') must be an integer tensor", what,
                    t->name);
    if (t->rank > 1 || t->elements > max)
        return FAIL(VKCNN_ERROR_INVALID_MODEL,
                    "input '%s' ('%s') must be 1-D with at most %" PRIu32 " values", what, t->name,
                    max);
    memcpy(out, t->data, t->elements * sizeof *out);
    *count = (uint32_t)t->elements;
    return VKCNN_OK;
}

static vkcnn_status norm_axis(vkc_graph *g, uint32_t ni, const char *what, int64_t *axis,
                              uint32_t rank) {
    int64_t r = (int64_t)rank, a = *axis;
    if (a < -r || a >= r)
        return FAIL(VKCNN_ERROR_INVALID_MODEL,
                    "'%s' = %" PRId64 " is out of range for rank %" PRIu32, what, a, rank);
    *axis = a < 0 ? a + r : a;
    return VKCNN_OK;
}

/* Numpy broadcasting of shape (rb, b) into (ra, a) -> (rank, dims). */
static vkcnn_status broadcast(vkc_graph *g, uint32_t ni, uint32_t *rank, int64_t *dims,
                              const vkc_tensor *b, const char *what) {
    uint32_t r = *rank > b->rank ? *rank : b->rank;
    int64_t out[VKC_MAX_RANK];
    char sa[160], sb[160];
    for (uint32_t i = 0; i < r; i++) {
        int64_t da = i < r - *rank ? 1 : dims[i - (r - *rank)];
        int64_t db = i < r - b->rank ? 1 : b->dims[i - (r - b->rank)];
        if (da != db && da != 1 && db != 1)
            return FAIL(VKCNN_ERROR_INVALID_MODEL, "%s %s does not broadcast with '%s' %s", what,
                        vkc_shape_string(*rank, dims, sa, sizeof sa), b->name,
                        vkc_shape_string(b->rank, b->dims, sb, sizeof sb));
        out[i] = da == 1 ? db : da;
    }
    memcpy(dims, out, r * sizeof *dims);
    *rank = r;
    return VKCNN_OK;
}

/* Replaces the int64 constant in `slot` by a float32 copy (booleans and
 * indices read by a kernel, which binds float32 tensors only); `adjust`
 * adds `dim` to negative values (Gather's indices). */
static vkcnn_status float_copy(vkc_graph *g, uint32_t ni, uint32_t slot, const char *what,
                               int64_t dim) {
    uint32_t src = g->nodes[ni].inputs[slot];
    char name[300];
    uint32_t t = VKC_NONE;
    for (int k = 0; k < 1000 && t == VKC_NONE; k++) {
        snprintf(name, sizeof name, "%s:%s%s%d", g->nodes[ni].name, what, k ? "." : "", k);
        if (vkc_graph_find(g, name) == VKC_NONE) VKC_TRY(vkc_graph_add_tensor(g, name, &t));
    }
    if (t == VKC_NONE) return FAIL(VKCNN_ERROR_INVALID_MODEL, "no free name for '%s'", what);
    const vkc_tensor *s = &g->tensors[src]; /* after add_tensor: the array may have moved */
    VKC_TRY(vkc_graph_set_shape(g, t, VKC_DTYPE_FLOAT32, s->rank, s->dims));
    void *d;
    VKC_TRY(vkc_graph_alloc_data(g, t, &d));
    s = &g->tensors[src];
    for (uint64_t i = 0; i < s->elements; i++) {
        int64_t v = ((const int64_t *)s->data)[i];
        ((float *)d)[i] = (float)(v < 0 ? v + dim : v);
    }
    g->nodes[ni].inputs[slot] = t; /* consumer lists: rebuilt by vkc_graph_relink */
    return VKCNN_OK;
}

/* ---- Gather on run-time data ------------------------------------------------ */

vkcnn_status vkc_infer_gather_table(vkc_graph *g, uint32_t ni) {
    const vkc_tensor *x = in_tensor(g, ni, 0), *idx = in_tensor(g, ni, 1);
    int64_t dim = x->dims[g->nodes[ni].attrs.axis];
    if (dim > ((int64_t)1 << 24))
        return FAIL(VKCNN_ERROR_LIMIT,
                    "gathers along an axis of %" PRId64 " elements (at most 2^24 at run time)",
                    dim);
    if (idx->dtype == VKC_DTYPE_FLOAT32) return VKCNN_OK; /* already a table */
    return float_copy(g, ni, 1, "indices", dim);
}

/* ---- Split ------------------------------------------------------------------ */

vkcnn_status vkc_infer_split(vkc_graph *g, uint32_t ni) {
    vkc_node *n = &g->nodes[ni];
    vkc_split_attrs *a = &n->attrs.split;
    const vkc_tensor *x = in_tensor(g, ni, 0);
    if (x->rank == 0) return FAIL(VKCNN_ERROR_INVALID_MODEL, "input X ('%s') is a scalar", x->name);
    VKC_TRY(norm_axis(g, ni, "axis", &a->axis, x->rank));
    int64_t dim = x->dims[a->axis];
    const vkc_tensor *s;
    VKC_TRY(constant_input(g, ni, 1, "split", &s));
    if (s) {
        if (s->dtype != VKC_DTYPE_INT64 || s->rank > 1 || s->elements != a->count)
            return FAIL(VKCNN_ERROR_INVALID_MODEL,
                        "input 'split' ('%s') must be %" PRIu32 " integers, one per output",
                        s->name, a->count);
        const int64_t *v = s->data;
        int64_t total = 0;
        for (uint32_t i = 0; i < a->count; i++) {
            if (v[i] < 0 || v[i] > EXTENT_MAX)
                return FAIL(VKCNN_ERROR_INVALID_MODEL, "'split' has value %" PRId64, v[i]);
            if (i == a->index) {
                a->offset = total;
                a->length = v[i];
            }
            total += v[i];
        }
        if (total != dim)
            return FAIL(VKCNN_ERROR_INVALID_MODEL,
                        "'split' sums to %" PRId64 " but axis %" PRId64 " of X ('%s') has %" PRId64,
                        total, a->axis, x->name, dim);
        a->given = true;
    } else if (a->given) {
        if (a->offset + a->length > dim)
            return FAIL(VKCNN_ERROR_INVALID_MODEL,
                        "attribute 'split' exceeds axis %" PRId64 " of X ('%s'), %" PRId64, a->axis,
                        x->name, dim);
    } else if (a->num_outputs > 0) { /* 18: ceil(dim / n) each, the last smaller */
        int64_t chunk = (dim + a->num_outputs - 1) / a->num_outputs;
        a->offset = chunk * a->index;
        a->length = dim - a->offset < chunk ? dim - a->offset : chunk;
        if (a->length < 0 || (a->length == 0 && dim > 0))
            return FAIL(VKCNN_ERROR_INVALID_MODEL,
                        "'num_outputs' = %" PRId64 " cannot split axis %" PRId64 " of %" PRId64,
                        a->num_outputs, a->axis, dim);
    } else {
        if (n->opset >= 18)
            return FAIL(VKCNN_ERROR_INVALID_MODEL, "needs input 'split' or 'num_outputs'");
        if (dim % a->count)
            return FAIL(VKCNN_ERROR_INVALID_MODEL,
                        "axis %" PRId64 " of X ('%s'), %" PRId64 ", does not split into %" PRIu32
                        " equal parts",
                        a->axis, x->name, dim, a->count);
        a->length = dim / a->count;
        a->offset = a->length * a->index;
    }
    drop_inputs_after(g, ni, 1);
    int64_t dims[VKC_MAX_RANK];
    memcpy(dims, x->dims, x->rank * sizeof *dims);
    dims[a->axis] = a->length;
    return set_output(g, ni, x->dtype, x->rank, dims);
}

/* ---- Tile, Expand ------------------------------------------------------------ */

vkcnn_status vkc_infer_tile(vkc_graph *g, uint32_t ni) {
    vkc_node *n = &g->nodes[ni];
    vkc_ints_attrs *a = &n->attrs.ints;
    const vkc_tensor *x = in_tensor(g, ni, 0);
    if (!in_tensor(g, ni, 1)) return FAIL(VKCNN_ERROR_INVALID_MODEL, "missing input 'repeats'");
    a->count = x->rank;
    for (uint32_t i = 0; i < x->rank; i++)
        a->v[i] = 1;
    if (n->opset < 6) { /* Tile-1: a scalar count of tiles along a scalar axis */
        int64_t tiles[1], axis[1];
        uint32_t c1, c2;
        if (!in_tensor(g, ni, 2)) return FAIL(VKCNN_ERROR_INVALID_MODEL, "missing input 'axis'");
        VKC_TRY(const_ints(g, ni, 1, "tiles", tiles, 1, &c1));
        VKC_TRY(const_ints(g, ni, 2, "axis", axis, 1, &c2));
        if (c1 != 1 || c2 != 1)
            return FAIL(VKCNN_ERROR_INVALID_MODEL, "inputs 'tiles' and 'axis' must be scalars");
        VKC_TRY(norm_axis(g, ni, "axis", &axis[0], x->rank));
        a->v[axis[0]] = tiles[0];
    } else {
        uint32_t count;
        VKC_TRY(const_ints(g, ni, 1, "repeats", a->v, VKC_MAX_RANK, &count));
        if (count != x->rank)
            return FAIL(VKCNN_ERROR_INVALID_MODEL,
                        "input 'repeats' has %" PRIu32 " values for X ('%s') of rank %" PRIu32,
                        count, x->name, x->rank);
    }
    drop_inputs_after(g, ni, 1);
    x = in_tensor(g, ni, 0);
    int64_t dims[VKC_MAX_RANK];
    for (uint32_t i = 0; i < x->rank; i++) {
        if (a->v[i] < 0 || a->v[i] > EXTENT_MAX)
            return FAIL(VKCNN_ERROR_INVALID_MODEL, "'repeats' has value %" PRId64, a->v[i]);
        if (!vkc_mul_u64((uint64_t)x->dims[i], (uint64_t)a->v[i], (uint64_t *)&dims[i]) ||
            dims[i] > EXTENT_MAX)
            return FAIL(VKCNN_ERROR_LIMIT, "tiled axis %" PRIu32 " is too large", i);
    }
    return set_output(g, ni, x->dtype, x->rank, dims);
}

vkcnn_status vkc_infer_expand(vkc_graph *g, uint32_t ni) {
    vkc_ints_attrs *a = &g->nodes[ni].attrs.ints;
    if (!in_tensor(g, ni, 1)) return FAIL(VKCNN_ERROR_INVALID_MODEL, "missing input 'shape'");
    VKC_TRY(const_ints(g, ni, 1, "shape", a->v, VKC_MAX_RANK, &a->count));
    for (uint32_t i = 0; i < a->count; i++)
        if (a->v[i] < 0)
            return FAIL(VKCNN_ERROR_INVALID_MODEL, "'shape' has value %" PRId64, a->v[i]);
    drop_inputs_after(g, ni, 1);
    const vkc_tensor *x = in_tensor(g, ni, 0);
    uint32_t rank = a->count;
    int64_t dims[VKC_MAX_RANK];
    memcpy(dims, a->v, rank * sizeof *dims);
    VKC_TRY(broadcast(g, ni, &rank, dims, x, "'shape'"));
    return set_output(g, ni, x->dtype, rank, dims);
}

/* ---- Where ------------------------------------------------------------------- */

vkcnn_status vkc_infer_where(vkc_graph *g, uint32_t ni) {
    const vkc_tensor *c = in_tensor(g, ni, 0), *x = in_tensor(g, ni, 1), *y = in_tensor(g, ni, 2);
    if (!x || !y) return FAIL(VKCNN_ERROR_INVALID_MODEL, "needs inputs condition, X and Y");
    if (x->dtype != y->dtype)
        return FAIL(VKCNN_ERROR_INVALID_MODEL, "inputs X ('%s') and Y ('%s') differ in dtype",
                    x->name, y->name);
    uint32_t rank = c->rank;
    int64_t dims[VKC_MAX_RANK];
    memcpy(dims, c->dims, rank * sizeof *dims);
    VKC_TRY(broadcast(g, ni, &rank, dims, x, "condition"));
    VKC_TRY(broadcast(g, ni, &rank, dims, y, "condition and X"));
    vkc_dtype dt = x->dtype;
    bool runtime = !c->data || !x->data || !y->data;
    /* a constant int64 condition read by a kernel: as float 0.0 / 1.0 */
    if (runtime && c->data && c->dtype == VKC_DTYPE_INT64) VKC_TRY(float_copy(g, ni, 0, "cond", 0));
    return set_output(g, ni, dt, rank, dims);
}

/* ---- ConstantOfShape, Range, Size (folded) ------------------------------------ */

vkcnn_status vkc_infer_constant_of_shape(vkc_graph *g, uint32_t ni) {
    const vkc_tensor *s;
    VKC_TRY(constant_input(g, ni, 0, "input", &s));
    int64_t dims[VKC_MAX_RANK];
    uint32_t rank;
    if (s->elements == 0 && s->rank == 1) {
        rank = 0; /* an empty shape: a scalar */
    } else {
        VKC_TRY(const_ints(g, ni, 0, "input", dims, VKC_MAX_RANK, &rank));
    }
    for (uint32_t i = 0; i < rank; i++)
        if (dims[i] < 0)
            return FAIL(VKCNN_ERROR_INVALID_MODEL, "input shape has value %" PRId64, dims[i]);
    vkc_dtype dt = g->nodes[ni].attrs.fill.is_float ? VKC_DTYPE_FLOAT32 : VKC_DTYPE_INT64;
    return set_output(g, ni, dt, rank, dims);
}

/* One scalar operand of Range as double and int64. */
static vkcnn_status range_operand(vkc_graph *g, uint32_t ni, uint32_t slot, const char *what,
                                  double *f, int64_t *i, vkc_dtype *dt) {
    const vkc_tensor *t = in_tensor(g, ni, slot);
    if (!t) return FAIL(VKCNN_ERROR_INVALID_MODEL, "missing input '%s'", what);
    VKC_TRY(constant_input(g, ni, slot, what, &t));
    if (t->elements != 1)
        return FAIL(VKCNN_ERROR_INVALID_MODEL, "input '%s' ('%s') must be a scalar", what, t->name);
    if (slot > 0 && t->dtype != *dt)
        return FAIL(VKCNN_ERROR_INVALID_MODEL, "inputs of Range differ in dtype");
    *dt = t->dtype;
    if (t->dtype == VKC_DTYPE_INT64) {
        *i = *(const int64_t *)t->data;
        *f = (double)*i;
    } else {
        *f = *(const float *)t->data;
        *i = 0;
        if (!isfinite(*f)) return FAIL(VKCNN_ERROR_INVALID_MODEL, "input '%s' is not finite", what);
    }
    return VKCNN_OK;
}

vkcnn_status vkc_infer_range(vkc_graph *g, uint32_t ni) {
    double f[3];
    int64_t v[3];
    vkc_dtype dt = VKC_DTYPE_FLOAT32;
    static const char *const names[] = {"start", "limit", "delta"};
    for (uint32_t k = 0; k < 3; k++)
        VKC_TRY(range_operand(g, ni, k, names[k], &f[k], &v[k], &dt));
    int64_t count;
    if (dt == VKC_DTYPE_INT64) {
        if (v[2] == 0) return FAIL(VKCNN_ERROR_INVALID_MODEL, "'delta' is 0");
        /* ceil((limit - start) / delta) without overflow: all three bounded */
        if (v[0] < -EXTENT_MAX || v[0] > EXTENT_MAX || v[1] < -EXTENT_MAX || v[1] > EXTENT_MAX)
            return FAIL(VKCNN_ERROR_LIMIT, "'start' or 'limit' is out of range");
        int64_t span = v[1] - v[0], d = v[2];
        count = span / d + ((span % d != 0) && ((span < 0) == (d < 0)) ? 1 : 0);
    } else {
        if (f[2] == 0) return FAIL(VKCNN_ERROR_INVALID_MODEL, "'delta' is 0");
        double c = ceil((f[1] - f[0]) / f[2]);
        if (c > (double)EXTENT_MAX) return FAIL(VKCNN_ERROR_LIMIT, "Range has too many values");
        count = (int64_t)c;
    }
    int64_t dims[1] = {count > 0 ? count : 0};
    return set_output(g, ni, dt, 1, dims);
}

vkcnn_status vkc_infer_size(vkc_graph *g, uint32_t ni) {
    return set_output(g, ni, VKC_DTYPE_INT64, 0, NULL);
}

/* ---- Resize, Upsample ----------------------------------------------------------- */

/* Which input slot holds what: Upsample-7 none (an attribute), Upsample-9,
 * Resize-10 scales at 1; Resize-11+ roi 1, scales 2, sizes 3. */
static void resize_slots(const vkc_node *n, int *roi, int *scales, int *sizes) {
    *roi = *scales = *sizes = -1;
    if (n->op == VKC_OP_UPSAMPLE) {
        if (n->opset >= 9) *scales = 1;
    } else if (n->opset < 11) {
        *scales = 1;
    } else {
        *roi = 1;
        *scales = 2;
        *sizes = 3;
    }
}

/* A constant float operand of exactly `want` values (empty: absent). */
static vkcnn_status resize_floats(vkc_graph *g, uint32_t ni, int slot, const char *what,
                                  uint32_t want, float *out, bool *present) {
    *present = false;
    if (slot < 0) return VKCNN_OK;
    const vkc_tensor *t = in_tensor(g, ni, (uint32_t)slot);
    if (!t) return VKCNN_OK;
    VKC_TRY(constant_input(g, ni, (uint32_t)slot, what, &t));
    if (t->elements == 0) return VKCNN_OK;
    if (t->elements != want)
        return FAIL(VKCNN_ERROR_INVALID_MODEL,
                    "input '%s' ('%s') has %" PRIu64 " values, %" PRIu32 " expected", what, t->name,
                    t->elements, want);
    for (uint32_t i = 0; i < want; i++)
        out[i] = t->dtype == VKC_DTYPE_FLOAT32 ? ((const float *)t->data)[i]
                                               : (float)((const int64_t *)t->data)[i];
    *present = true;
    return VKCNN_OK;
}

/* The input coordinate of output coordinate x on an axis of `in` -> `out`
 * elements (scale s, roi [start, end]), per coordinate_transformation_mode. */
static double resize_coord(vkc_resize_coord mode, double x, double in, double out, double s,
                           double start, double end) {
    double ow = s * in; /* the spec's "output_width" before rounding */
    switch (mode) {
    case VKC_COORD_HALF_PIXEL: return (x + 0.5) / s - 0.5;
    case VKC_COORD_HALF_PIXEL_SYMMETRIC: return in / 2 * (1 - out / ow) + (x + 0.5) / s - 0.5;
    case VKC_COORD_PYTORCH_HALF_PIXEL: return out > 1 ? (x + 0.5) / s - 0.5 : -0.5;
    case VKC_COORD_ALIGN_CORNERS: return ow == 1 ? 0 : x * (in - 1) / (ow - 1);
    case VKC_COORD_ASYMMETRIC: return x / s;
    case VKC_COORD_TF_HALF_PIXEL_FOR_NN: return (x + 0.5) / s;
    default:
        return out > 1 ? start * (in - 1) + x * (end - start) * (in - 1) / (out - 1)
                       : 0.5 * (start + end) * (in - 1);
    }
}

/* The coordinate table the kernel reads (shaders/resize.comp), computed once
 * here in double: for each axis and each output coordinate, three floats:
 * the input index below (-1: outside the roi of tf_crop_and_resize), the
 * index above, and the weight of the one above (0 for nearest, where both
 * are the index nearest_mode picks). Indices are clamped to the input. It
 * becomes the node's input 1, a float32 constant. */
static vkcnn_status resize_table(vkc_graph *g, uint32_t ni) {
    const vkc_node *n = &g->nodes[ni];
    const vkc_tensor *x = in_tensor(g, ni, 0), *y = &g->tensors[n->outputs[0]];
    uint64_t entries = 0;
    for (uint32_t d = 0; d < y->rank; d++)
        entries += (uint64_t)y->dims[d];
    char name[300];
    uint32_t t = VKC_NONE;
    for (int k = 0; k < 1000 && t == VKC_NONE; k++) {
        snprintf(name, sizeof name, "%s:coordinates%s%d", n->name, k ? "." : "", k);
        if (vkc_graph_find(g, name) == VKC_NONE) VKC_TRY(vkc_graph_add_tensor(g, name, &t));
    }
    if (t == VKC_NONE) return FAIL(VKCNN_ERROR_INVALID_MODEL, "no free name for its table");
    int64_t len = (int64_t)(3 * entries);
    VKC_TRY(vkc_graph_set_shape(g, t, VKC_DTYPE_FLOAT32, 1, &len));
    float *tab;
    VKC_TRY(vkc_graph_alloc_data(g, t, (void **)&tab));
    n = &g->nodes[ni];
    x = in_tensor(g, ni, 0);
    y = &g->tensors[n->outputs[0]];
    const vkc_resize_attrs *a = &n->attrs.resize;
    for (uint32_t d = 0; d < y->rank; d++) {
        double in = (double)x->dims[d], out = (double)y->dims[d];
        for (int64_t k = 0; k < y->dims[d]; k++, tab += 3) {
            double xo = resize_coord(a->coord, (double)k, in, out, a->scales[d], a->roi[d],
                                     a->roi[VKC_MAX_RANK + d]);
            if (a->coord == VKC_COORD_TF_CROP_AND_RESIZE && (xo < 0 || xo > in - 1)) {
                tab[0] = tab[1] = -1;
                tab[2] = 0;
                continue;
            }
            double f = floor(xo), frac = xo - f, lo = f, hi = f + 1, w = frac;
            if (a->mode == VKC_RESIZE_NEAREST) {
                switch (a->nearest) {
                case VKC_NEAREST_ROUND_PREFER_FLOOR: lo = frac <= 0.5 ? f : f + 1; break;
                case VKC_NEAREST_ROUND_PREFER_CEIL: lo = frac < 0.5 ? f : f + 1; break;
                case VKC_NEAREST_FLOOR: lo = f; break;
                default: lo = ceil(xo); break;
                }
                hi = lo;
                w = 0;
            }
            lo = lo < 0 ? 0 : lo > in - 1 ? in - 1 : lo;
            hi = hi < 0 ? 0 : hi > in - 1 ? in - 1 : hi;
            tab[0] = (float)lo;
            tab[1] = (float)hi;
            tab[2] = lo == hi ? 0.0f : (float)w;
        }
    }
    uint32_t slot;
    VKC_TRY(vkc_graph_append_input(g, ni, t, &slot));
    g->nodes[ni].own_inputs = slot + 1; /* an operand of its own, not a post-op's */
    return VKCNN_OK;
}

vkcnn_status vkc_infer_resize(vkc_graph *g, uint32_t ni) {
    vkc_node *n = &g->nodes[ni];
    vkc_resize_attrs *a = &n->attrs.resize;
    const vkc_tensor *x = in_tensor(g, ni, 0);
    uint32_t rank = x->rank;
    if (rank == 0) return FAIL(VKCNN_ERROR_INVALID_MODEL, "input X ('%s') is a scalar", x->name);
    /* the axes the operands name (18), in their order */
    int64_t axes[VKC_MAX_RANK];
    uint32_t k = a->axes_count ? a->axes_count : rank;
    bool seen[VKC_MAX_RANK] = {0};
    for (uint32_t i = 0; i < k; i++) {
        axes[i] = a->axes_count ? a->axes[i] : (int64_t)i;
        VKC_TRY(norm_axis(g, ni, "axes", &axes[i], rank));
        if (seen[axes[i]])
            return FAIL(VKCNN_ERROR_INVALID_MODEL, "'axes' repeats axis %" PRId64, axes[i]);
        seen[axes[i]] = true;
    }
    int roi_slot, scales_slot, sizes_slot;
    resize_slots(n, &roi_slot, &scales_slot, &sizes_slot);
    float scales[VKC_MAX_RANK], roi[2 * VKC_MAX_RANK], sizes_f[VKC_MAX_RANK];
    bool has_scales = false, has_sizes = false, has_roi = false;
    if (n->op == VKC_OP_UPSAMPLE && n->opset < 9) {
        if (a->scale_count != rank)
            return FAIL(VKCNN_ERROR_INVALID_MODEL,
                        "attribute 'scales' has %" PRIu32 " values for X of rank %" PRIu32,
                        a->scale_count, rank);
        memcpy(scales, a->scales, rank * sizeof *scales);
        has_scales = true;
    }
    VKC_TRY(resize_floats(g, ni, scales_slot, "scales", k, scales, &has_scales));
    if (n->op == VKC_OP_UPSAMPLE && n->opset < 9) has_scales = true;
    if (sizes_slot >= 0 && in_tensor(g, ni, (uint32_t)sizes_slot)) {
        const vkc_tensor *t;
        VKC_TRY(constant_input(g, ni, (uint32_t)sizes_slot, "sizes", &t));
        if (t->elements) {
            if (t->dtype != VKC_DTYPE_INT64)
                return FAIL(VKCNN_ERROR_INVALID_MODEL, "input 'sizes' must be int64");
            VKC_TRY(resize_floats(g, ni, sizes_slot, "sizes", k, sizes_f, &has_sizes));
        }
    }
    if (a->coord == VKC_COORD_TF_CROP_AND_RESIZE)
        VKC_TRY(resize_floats(g, ni, roi_slot, "roi", 2 * k, roi, &has_roi));
    if (has_scales == has_sizes)
        return FAIL(VKCNN_ERROR_INVALID_MODEL,
                    "needs exactly one of 'scales' and 'sizes' (non-empty constants)");
    if (a->coord == VKC_COORD_TF_CROP_AND_RESIZE && !has_roi)
        return FAIL(VKCNN_ERROR_INVALID_MODEL, "'tf_crop_and_resize' needs input 'roi'");
    /* per axis of X: scale, roi (full extent where not named), output extent */
    int64_t dims[VKC_MAX_RANK];
    for (uint32_t d = 0; d < rank; d++) {
        a->scales[d] = 1.0f;
        a->roi[d] = 0.0f;
        a->roi[VKC_MAX_RANK + d] = 1.0f;
        dims[d] = x->dims[d];
    }
    double keep = 0; /* keep_aspect_ratio_policy: the one scale of all named axes */
    for (uint32_t i = 0; i < k; i++) {
        int64_t d = axes[i];
        if (has_roi) {
            a->roi[d] = roi[i];
            a->roi[VKC_MAX_RANK + d] = roi[k + i];
        }
        if (has_scales) {
            if (!(scales[i] > 0) || !isfinite(scales[i]) || scales[i] > 1e6f)
                return FAIL(VKCNN_ERROR_INVALID_MODEL, "'scales' has value %g", (double)scales[i]);
            a->scales[d] = scales[i];
            double span = has_roi ? (double)a->roi[VKC_MAX_RANK + d] - a->roi[d] : 1.0;
            double e = floor((double)x->dims[d] * span * (double)scales[i]);
            if (!(e >= 0) || e > (double)EXTENT_MAX)
                return FAIL(VKCNN_ERROR_LIMIT, "resized axis %" PRId64 " is out of range", d);
            dims[d] = (int64_t)e;
        } else {
            if (sizes_f[i] < 0 || sizes_f[i] > (float)EXTENT_MAX)
                return FAIL(VKCNN_ERROR_INVALID_MODEL, "'sizes' has value %g", (double)sizes_f[i]);
            if (x->dims[d] == 0)
                return FAIL(VKCNN_ERROR_INVALID_MODEL, "resizes an empty axis %" PRId64, d);
            double s = (double)sizes_f[i] / (double)x->dims[d];
            if (a->keep_aspect && i > 0)
                keep = a->keep_aspect == 1 ? (s < keep ? s : keep) : (s > keep ? s : keep);
            else if (a->keep_aspect)
                keep = s;
            dims[d] = (int64_t)sizes_f[i];
            a->scales[d] = (float)s;
        }
    }
    if (has_sizes && a->keep_aspect) { /* 18: one scale, each extent rounded */
        for (uint32_t i = 0; i < k; i++) {
            int64_t d = axes[i];
            a->scales[d] = (float)keep;
            dims[d] = (int64_t)nearbyint(keep * (double)x->dims[d]);
        }
    }
    if (a->antialias && a->mode == VKC_RESIZE_LINEAR)
        for (uint32_t d = 0; d < rank; d++)
            if (a->scales[d] < 1.0f)
                return FAIL(VKCNN_ERROR_UNSUPPORTED,
                            "attribute 'antialias' = 1 when downsampling is not supported");
    drop_inputs_after(g, ni, 1);
    VKC_TRY(set_output(g, ni, VKC_DTYPE_FLOAT32, rank, dims));
    return resize_table(g, ni);
}
