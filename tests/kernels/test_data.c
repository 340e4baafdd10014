/* Data movement, logic, resizing and 3-D pooling kernels against the
 * reference: Slice (negative steps too), Split, Gather (one index, an
 * arithmetic progression, an index table with negative indices, 2-D
 * indices), Tile, Expand, Pad in mode wrap, Where (run-time and constant conditions), the
 * comparisons and logic (standalone and fused after an Add), Resize in every
 * coordinate_transformation_mode and nearest_mode, nearest and linear, from
 * scales or sizes (keep_aspect_ratio_policy, axes), MaxPool and AveragePool
 * over N x C x D x H x W, AveragePool with dilations (opset 19), and
 * PyTorch's decomposed LRN, which the passes rewrite into one LRN node for
 * odd sizes and leave as it is (run with the 3-D pool) for even ones. */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "kt.h"
#include "passes/passes.h"

static void shape(uint64_t *s, uint32_t rank, int64_t *d, int64_t lo, int64_t hi) {
    for (uint32_t i = 0; i < rank; i++)
        d[i] = kt_range(s, lo, hi);
}

/* An int64 constant (indices, repeats, shapes, sizes). */
static uint32_t ints(vkc_graph *g, const char *name, uint32_t rank, const int64_t *dims,
                     const int64_t *v) {
    uint32_t t;
    void *d;
    if (vkc_graph_add_tensor(g, name, &t) ||
        vkc_graph_set_shape(g, t, VKC_DTYPE_INT64, rank, dims) || vkc_graph_alloc_data(g, t, &d)) {
        fprintf(stderr, "int64 constant '%s': %s\n", name, vkc_error_message());
        th_failures++;
        return VKC_NONE;
    }
    memcpy(d, v, g->tensors[t].elements * sizeof *v);
    return t;
}

/* A float constant holding `v`. */
static uint32_t floats(vkc_graph *g, const char *name, uint32_t n, const float *v) {
    uint64_t s = 1;
    int64_t d[1] = {n};
    uint32_t t = kt_tensor(g, name, 1, d, true, &s);
    memcpy(kt_data(g, t), v, n * sizeof *v);
    return t;
}

static int slice(vkcnn_context *ctx, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    uint32_t r = (uint32_t)kt_range(&s, 1, 5);
    int64_t d[8];
    shape(&s, r, d, 1, r > 3 ? 4 : 7);
    uint32_t x = kt_tensor(g, "x", r, d, false, &s);
    vkc_attrs a = kt_attrs(VKC_OP_SLICE, 13);
    a.slice.given = a.slice.axes_given = true;
    a.slice.count = (uint32_t)kt_range(&s, 1, r);
    char what[200], sx[64];
    int len = snprintf(what, sizeof what, "Slice %s:", vkc_shape_string(r, d, sx, sizeof sx));
    int64_t first = kt_range(&s, 0, r - 1);
    for (uint32_t i = 0; i < a.slice.count; i++) {
        int64_t axis = (int64_t)((first + i) % r); /* distinct axes */
        int64_t step = kt_range(&s, 0, 3) == 0 ? -kt_range(&s, 1, 2) : kt_range(&s, 1, 3);
        int64_t start = kt_range(&s, -d[axis], d[axis] - 1);
        int64_t end = step > 0 ? kt_range(&s, start + 1, d[axis] + 2) : kt_range(&s, -9, start - 1);
        if (step < 0 && start < 0 && end >= start) end = -d[axis] - 1;
        a.slice.axes[i] = kt_range(&s, 0, 1) ? axis : axis - r;
        a.slice.starts[i] = start;
        a.slice.ends[i] = end;
        a.slice.steps[i] = step;
        len += snprintf(what + len, sizeof what - (size_t)len, " axis %lld [%lld:%lld:%lld]",
                        (long long)axis, (long long)start, (long long)end, (long long)step);
    }
    uint32_t y = kt_node(g, VKC_OP_SLICE, 13, &x, 1, &a);
    if (y == VKC_NONE || g->tensors[y].elements == 0) { /* an empty slice: nothing to run */
        vkc_graph_destroy(g);
        return y == VKC_NONE;
    }
    kt_output(g, y);
    return kt_check(ctx, g, NULL, seed, what);
}

static int split(vkcnn_context *ctx, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    uint32_t r = (uint32_t)kt_range(&s, 1, 4), pieces = (uint32_t)kt_range(&s, 2, 4);
    int64_t d[8];
    shape(&s, r, d, 1, 5);
    int64_t axis = kt_range(&s, 0, r - 1);
    d[axis] = pieces + kt_range(&s, 0, 6);
    uint32_t x = kt_tensor(g, "x", r, d, false, &s);
    int64_t sizes[8], left = d[axis];
    for (uint32_t p = 0; p < pieces; p++) { /* random positive sizes summing to the axis */
        sizes[p] = p + 1 == pieces ? left : kt_range(&s, 1, left - (pieces - 1 - p));
        left -= sizes[p];
    }
    char what[160], sx[64];
    snprintf(what, sizeof what, "Split %s axis %lld into %u", vkc_shape_string(r, d, sx, sizeof sx),
             (long long)axis, pieces);
    int64_t sd[1] = {pieces};
    uint32_t st = ints(g, "split", 1, sd, sizes);
    for (uint32_t p = 0; p < pieces; p++) {
        vkc_attrs a = kt_attrs(VKC_OP_SPLIT, 13);
        a.split.axis = axis;
        a.split.index = p;
        a.split.count = pieces;
        uint32_t in[2] = {x, st};
        kt_output(g, kt_node(g, VKC_OP_SPLIT, 13, in, 2, &a));
    }
    return kt_check(ctx, g, NULL, seed, what);
}

static int gather(vkcnn_context *ctx, int kind, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    uint32_t r = (uint32_t)kt_range(&s, 1, 4);
    int64_t d[8];
    shape(&s, r, d, 1, 5);
    int64_t axis = kt_range(&s, 0, r - 1);
    d[axis] = kt_range(&s, 2, 8);
    uint32_t x = kt_tensor(g, "x", r, d, false, &s);
    int64_t idx[16], id[2] = {1, 1};
    uint32_t ir = kind == 0 ? 0 : kind == 3 ? 2 : 1, n = 1;
    if (kind == 0) { /* one index: the axis drops */
        idx[0] = kt_range(&s, -d[axis], d[axis] - 1);
    } else if (kind == 1) { /* a + j b: a strided slice */
        int64_t b = kt_range(&s, 1, 2);
        n = (uint32_t)kt_range(&s, 1, (d[axis] - 1) / b + 1);
        int64_t a = kt_range(&s, 0, d[axis] - 1 - (n - 1) * b);
        for (uint32_t j = 0; j < n; j++)
            idx[j] = a + j * b;
        id[0] = n;
    } else { /* a table: repeats, negatives, any order; 2-D for kind 3 */
        id[0] = kt_range(&s, 1, 4);
        id[1] = kind == 3 ? kt_range(&s, 1, 3) : 1;
        n = (uint32_t)(id[0] * id[1]);
        for (uint32_t j = 0; j < n; j++)
            idx[j] = kt_range(&s, -d[axis], d[axis] - 1);
        if (n > 1 && idx[0] + 1 == idx[1]) idx[1] = idx[0]; /* no progression */
    }
    uint32_t it = ints(g, "indices", ir, id, idx);
    vkc_attrs a = kt_attrs(VKC_OP_GATHER, 13);
    a.axis = kt_range(&s, 0, 1) ? axis : axis - r;
    char what[160], sx[64];
    snprintf(what, sizeof what, "Gather %s axis %lld, %s of %u",
             vkc_shape_string(r, d, sx, sizeof sx), (long long)axis,
             kind == 0   ? "one index"
             : kind == 1 ? "a progression"
             : kind == 2 ? "a table"
                         : "a 2-D table",
             n);
    uint32_t in[2] = {x, it};
    kt_output(g, kt_node(g, VKC_OP_GATHER, 13, in, 2, &a));
    return kt_check(ctx, g, NULL, seed, what);
}

static int tile(vkcnn_context *ctx, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    uint32_t r = (uint32_t)kt_range(&s, 1, 4);
    int64_t d[8], rep[8], rd[1] = {r};
    shape(&s, r, d, 1, 4);
    shape(&s, r, rep, 1, 3);
    uint32_t x = kt_tensor(g, "x", r, d, false, &s);
    uint32_t in[2] = {x, ints(g, "repeats", 1, rd, rep)};
    char what[160], sx[64], sr[64];
    snprintf(what, sizeof what, "Tile %s by %s", vkc_shape_string(r, d, sx, sizeof sx),
             vkc_shape_string(r, rep, sr, sizeof sr));
    kt_output(g, kt_node(g, VKC_OP_TILE, 13, in, 2, NULL));
    return kt_check(ctx, g, NULL, seed, what);
}

static int expand(vkcnn_context *ctx, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    uint32_t r = (uint32_t)kt_range(&s, 1, 4), lead = (uint32_t)kt_range(&s, 0, 2);
    int64_t d[8], want[8], wd[1] = {r + lead};
    shape(&s, r, d, 1, 4);
    for (uint32_t i = 0; i < lead; i++)
        want[i] = kt_range(&s, 1, 3);
    for (uint32_t i = 0; i < r; i++) {
        if (kt_range(&s, 0, 1)) d[i] = 1; /* broadcast axes */
        want[lead + i] = d[i] == 1 ? kt_range(&s, 1, 4) : (kt_range(&s, 0, 1) ? d[i] : 1);
    }
    uint32_t x = kt_tensor(g, "x", r, d, false, &s);
    uint32_t in[2] = {x, ints(g, "shape", 1, wd, want)};
    char what[160], sx[64], sw[64];
    snprintf(what, sizeof what, "Expand %s to %s", vkc_shape_string(r, d, sx, sizeof sx),
             vkc_shape_string(r + lead, want, sw, sizeof sw));
    kt_output(g, kt_node(g, VKC_OP_EXPAND, 13, in, 2, NULL));
    return kt_check(ctx, g, NULL, seed, what);
}

/* Pad in mode wrap (opset 19), pads up to twice the axis and crops. */
static int pad_wrap(vkcnn_context *ctx, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    uint32_t r = (uint32_t)kt_range(&s, 1, 4);
    int64_t d[8];
    shape(&s, r, d, 1, 5);
    vkc_attrs a = kt_attrs(VKC_OP_PAD, 19);
    a.pad.mode = VKC_PAD_WRAP;
    a.pad.pads_given = true;
    a.pad.pad_count = 2 * r;
    for (uint32_t i = 0; i < r; i++) {
        a.pad.pads[i] = kt_range(&s, d[i] > 1 ? -1 : 0, 2 * d[i]);
        a.pad.pads[r + i] = kt_range(&s, 0, 2 * d[i]);
    }
    uint32_t x = kt_tensor(g, "x", r, d, false, &s);
    char what[160], sx[64], sp[128];
    snprintf(what, sizeof what, "Pad wrap %s pads %s", vkc_shape_string(r, d, sx, sizeof sx),
             vkc_shape_string(2 * r, a.pad.pads, sp, sizeof sp));
    kt_output(g, kt_node(g, VKC_OP_PAD, 19, &x, 1, &a));
    return kt_check(ctx, g, NULL, seed, what);
}

/* Fills tensor t with values from {-1, 0, 1} (equal values occur) or {0, 1}. */
static void quantize(vkc_graph *g, uint32_t t, bool boolean, uint64_t *s) {
    float *v = kt_data(g, t);
    for (uint64_t i = 0; i < g->tensors[t].elements; i++)
        v[i] = boolean ? (float)kt_range(s, 0, 1) : (float)kt_range(s, -1, 1);
}

/* A shape broadcastable to d (some axes 1, maybe fewer axes). */
static uint32_t bshape(uint64_t *s, uint32_t r, const int64_t *d, int64_t *out) {
    uint32_t k = (uint32_t)kt_range(s, 0, r);
    for (uint32_t i = 0; i < k; i++)
        out[i] = kt_range(s, 0, 1) ? d[r - k + i] : 1;
    return k;
}

static int where(vkcnn_context *ctx, bool constant_cond, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    uint32_t r = (uint32_t)kt_range(&s, 1, 4);
    int64_t d[8], dc[8], dx[8];
    shape(&s, r, d, 1, 5);
    uint32_t rc = constant_cond ? r : bshape(&s, r, d, dc), rx = bshape(&s, r, d, dx);
    if (constant_cond) memcpy(dc, d, sizeof d);
    uint32_t c;
    if (constant_cond) { /* an int64 0/1 constant: a float copy at inference */
        int64_t v[1024];
        uint64_t n = 1;
        for (uint32_t i = 0; i < r; i++)
            n *= (uint64_t)d[i];
        for (uint64_t i = 0; i < n; i++)
            v[i] = kt_range(&s, 0, 1);
        c = ints(g, "cond", r, d, v);
    } else {
        c = kt_tensor(g, "cond", rc, dc, false, &s);
        quantize(g, c, true, &s);
    }
    uint32_t in[3] = {c, kt_tensor(g, "x", rx, dx, false, &s), kt_tensor(g, "y", r, d, true, &s)};
    char what[200], s0[64], s1[64], s2[64];
    snprintf(what, sizeof what, "Where%s cond %s, X %s, Y %s", constant_cond ? " (constant)" : "",
             vkc_shape_string(rc, dc, s0, sizeof s0), vkc_shape_string(rx, dx, s1, sizeof s1),
             vkc_shape_string(r, d, s2, sizeof s2));
    kt_output(g, kt_node(g, VKC_OP_WHERE, 16, in, 3, NULL));
    return kt_check(ctx, g, NULL, seed, what);
}

static const vkc_op logic_ops[] = {
    VKC_OP_EQUAL, VKC_OP_LESS, VKC_OP_GREATER, VKC_OP_LESS_OR_EQUAL, VKC_OP_GREATER_OR_EQUAL,
    VKC_OP_NOT,   VKC_OP_AND,  VKC_OP_OR};

/* op over broadcast inputs; `fused`: after an Add whose output it reads
 * (a post-op of the elementwise group), then scaled by a Mul. */
static int logic(vkcnn_context *ctx, vkc_op op, bool fused, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    uint32_t r = (uint32_t)kt_range(&s, 1, 4);
    int64_t d[8], db[8];
    shape(&s, r, d, 1, 5);
    uint32_t rb = bshape(&s, r, d, db);
    bool boolean = op == VKC_OP_NOT || op == VKC_OP_AND || op == VKC_OP_OR;
    uint32_t a = kt_tensor(g, "a", r, d, false, &s), b = kt_tensor(g, "b", rb, db, false, &s);
    quantize(g, a, boolean, &s);
    quantize(g, b, boolean, &s);
    if (fused) {
        uint32_t zero = kt_tensor(g, "zero", 0, NULL, true, &s);
        kt_data(g, zero)[0] = 0.0f;
        uint32_t in[2] = {a, zero};
        a = kt_node(g, VKC_OP_ADD, 13, in, 2, NULL);
    }
    uint32_t in[2] = {a, b};
    uint32_t y = kt_node(g, op, 16, in, op == VKC_OP_NOT ? 1 : 2, NULL);
    if (fused) {
        uint32_t two = kt_tensor(g, "two", 0, NULL, true, &s);
        kt_data(g, two)[0] = 2.0f;
        uint32_t m[2] = {y, two};
        y = kt_node(g, VKC_OP_MUL, 13, m, 2, NULL);
    }
    kt_output(g, y);
    char what[160], sa[64], sb[64];
    snprintf(what, sizeof what, "%s %s, %s%s", vkc_op_name(op),
             vkc_shape_string(r, d, sa, sizeof sa), vkc_shape_string(rb, db, sb, sizeof sb),
             fused ? " fused" : "");
    vkc_exec_options o = {.fusion = fused};
    return kt_check(ctx, g, &o, seed, what);
}

static const char *const coord_names[] = {
    "half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners",
    "asymmetric", "tf_half_pixel_for_nn", "tf_crop_and_resize"};

static int resize(vkcnn_context *ctx, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    uint32_t r = (uint32_t)kt_range(&s, 3, 4);
    int64_t d[8];
    shape(&s, r, d, 1, 6);
    d[0] = kt_range(&s, 1, 2);
    uint32_t x = kt_tensor(g, "x", r, d, false, &s);
    vkc_attrs a = kt_attrs(VKC_OP_RESIZE, 19);
    vkc_resize_attrs *ra = &a.resize;
    ra->mode = kt_range(&s, 0, 1) ? VKC_RESIZE_LINEAR : VKC_RESIZE_NEAREST;
    ra->coord = (vkc_resize_coord)kt_range(&s, 0, 6);
    ra->nearest = (vkc_nearest_mode)kt_range(&s, 0, 3);
    ra->extrapolation = 0.5f;
    bool sizes = kt_range(&s, 0, 1), axes = kt_range(&s, 0, 2) == 0;
    if (sizes && kt_range(&s, 0, 2) == 0) ra->keep_aspect = (int)kt_range(&s, 1, 2);
    uint32_t k = axes ? 2 : r; /* axes: the spatial ones, named from the end */
    if (axes) {
        ra->axes_count = 2;
        ra->axes[0] = -2;
        ra->axes[1] = -1;
    }
    float sc[8], roi[16];
    int64_t sz[8], kd[1] = {k};
    for (uint32_t i = 0; i < k; i++) {
        uint32_t axis = axes ? r - 2 + i : i;
        bool spatial = axis >= 2;
        static const float choices[] = {0.5f, 0.6f, 1.0f, 1.5f, 2.0f, 3.0f, 0.75f};
        sc[i] = spatial ? choices[kt_range(&s, 0, 6)] : 1.0f;
        sz[i] = spatial ? kt_range(&s, 1, 9) : d[axis];
        roi[i] = spatial ? 0.1f * (float)kt_range(&s, -2, 4) : 0.0f;
        roi[k + i] = spatial ? 0.1f * (float)kt_range(&s, 6, 12) : 1.0f;
    }
    uint32_t in[4] = {x, VKC_NONE, VKC_NONE, VKC_NONE};
    if (ra->coord == VKC_COORD_TF_CROP_AND_RESIZE) in[1] = floats(g, "roi", 2 * k, roi);
    if (sizes)
        in[3] = ints(g, "sizes", 1, kd, sz);
    else
        in[2] = floats(g, "scales", k, sc);
    char what[240], sx[64], sv[96];
    if (sizes)
        vkc_shape_string(k, sz, sv, sizeof sv);
    else
        snprintf(sv, sizeof sv, "%g,%g,%g,%g", (double)sc[0], (double)sc[1],
                 (double)(k > 2 ? sc[2] : 0), (double)(k > 3 ? sc[3] : 0));
    snprintf(what, sizeof what, "Resize %s %s %s nearest_mode %d %s %s keep %d%s",
             vkc_shape_string(r, d, sx, sizeof sx), ra->mode ? "linear" : "nearest",
             coord_names[ra->coord], (int)ra->nearest, sizes ? "sizes" : "scales", sv,
             ra->keep_aspect, axes ? " axes -2,-1" : "");
    uint32_t y = kt_node(g, VKC_OP_RESIZE, 19, in, 4, &a);
    if (y == VKC_NONE || g->tensors[y].elements == 0) {
        vkc_graph_destroy(g);
        return y == VKC_NONE;
    }
    kt_output(g, y);
    return kt_check(ctx, g, NULL, seed, what);
}

/* MaxPool / AveragePool over N x C x D x H x W, or 2-D AveragePool with
 * dilations (opset 19). */
static int pool(vkcnn_context *ctx, bool volumetric, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    uint32_t sp = volumetric ? 3 : 2;
    int64_t d[5] = {kt_range(&s, 1, 2), kt_range(&s, 1, 3)};
    vkc_op op = volumetric && kt_range(&s, 0, 1) ? VKC_OP_MAX_POOL : VKC_OP_AVERAGE_POOL;
    vkc_attrs a = kt_attrs(op, 19);
    vkc_window_attrs *w = &a.window;
    w->has_kernel = true;
    w->kernel_count = w->stride_count = w->dilation_count = sp;
    w->pad_count = 2 * sp;
    w->ceil_mode = kt_range(&s, 0, 1);
    w->count_include_pad = op == VKC_OP_AVERAGE_POOL && kt_range(&s, 0, 1);
    char what[240];
    int len = snprintf(what, sizeof what, "%s%s ceil %d include_pad %d:", vkc_op_name(op),
                       volumetric ? " 3-D" : " 2-D dilated", w->ceil_mode, w->count_include_pad);
    for (uint32_t i = 0; i < sp; i++) {
        w->kernel[i] = kt_range(&s, 1, 3);
        w->strides[i] = kt_range(&s, 1, 2);
        /* dilated windows without pads, so that no window falls wholly in
         * the padding (-inf or 0 / 0) */
        w->dilations[i] = volumetric ? kt_range(&s, 1, 2) : 2;
        bool padded = w->dilations[i] == 1;
        w->file_pads[i] = padded ? kt_range(&s, 0, w->kernel[i] - 1) : 0;
        w->file_pads[sp + i] = padded ? kt_range(&s, 0, w->kernel[i] - 1) : 0;
        int64_t span = w->dilations[i] * (w->kernel[i] - 1) + 1;
        d[2 + i] = kt_range(&s, 1, 6);
        if (d[2 + i] + w->file_pads[i] + w->file_pads[sp + i] < span) d[2 + i] = span;
        len +=
            snprintf(what + len, sizeof what - (size_t)len,
                     " in %lld k %lld s %lld d %lld p %lld,%lld", (long long)d[2 + i],
                     (long long)w->kernel[i], (long long)w->strides[i], (long long)w->dilations[i],
                     (long long)w->file_pads[i], (long long)w->file_pads[sp + i]);
    }
    uint32_t x = kt_tensor(g, "x", 2 + sp, d, false, &s);
    kt_output(g, kt_node(g, op, 19, &x, 1, &a));
    return kt_check(ctx, g, NULL, seed, what);
}

/* PyTorch's LocalResponseNorm as torch.onnx writes it, 2-D input. */
static int lrn_decomposed(vkcnn_context *ctx, int64_t size, uint64_t seed) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    int64_t c = kt_range(&s, 3, 9),
            d[4] = {kt_range(&s, 1, 2), c, kt_range(&s, 1, 5), kt_range(&s, 1, 5)};
    uint32_t x = kt_tensor(g, "x", 4, d, false, &s);
    uint32_t in[2] = {x, x};
    uint32_t t = kt_node(g, VKC_OP_MUL, 13, in, 2, NULL);
    vkc_attrs a = kt_attrs(VKC_OP_UNSQUEEZE, 11);
    a.axes.given = true;
    a.axes.count = 1;
    a.axes.axes[0] = 1;
    t = kt_node(g, VKC_OP_UNSQUEEZE, 11, &t, 1, &a); /* N x 1 x C x H x W */
    a = kt_attrs(VKC_OP_PAD, 13);
    a.pad.pads_given = true;
    a.pad.pad_count = 10;
    a.pad.pads[2] = size / 2;
    a.pad.pads[5 + 2] = (size - 1) / 2;
    t = kt_node(g, VKC_OP_PAD, 13, &t, 1, &a);
    a = kt_attrs(VKC_OP_AVERAGE_POOL, 11);
    a.window.has_kernel = true;
    a.window.kernel_count = a.window.stride_count = 3;
    a.window.kernel[0] = size;
    a.window.kernel[1] = a.window.kernel[2] = 1;
    t = kt_node(g, VKC_OP_AVERAGE_POOL, 11, &t, 1, &a);
    a = kt_attrs(VKC_OP_SQUEEZE, 11);
    a.axes.given = true;
    a.axes.count = 1;
    a.axes.axes[0] = 1;
    t = kt_node(g, VKC_OP_SQUEEZE, 11, &t, 1, &a);
    const float consts[3] = {0.25f, 2.0f, 0.75f}; /* alpha, k, beta */
    vkc_op ops[3] = {VKC_OP_MUL, VKC_OP_ADD, VKC_OP_POW};
    for (int i = 0; i < 3; i++) {
        uint32_t k = kt_tensor(g, i == 0 ? "alpha" : i == 1 ? "k" : "beta", 0, NULL, true, &s);
        kt_data(g, k)[0] = consts[i];
        uint32_t two[2] = {t, k};
        if (i == 0) { /* the constant first: the rule takes either side */
            two[0] = k;
            two[1] = t;
        }
        t = kt_node(g, ops[i], 13, two, 2, NULL);
    }
    uint32_t dv[2] = {x, t};
    kt_output(g, kt_node(g, VKC_OP_DIV, 13, dv, 2, NULL));
    /* the pass: one LRN node for an odd size, the chain kept for an even one */
    vkc_graph *copy = NULL;
    vkc_passes r;
    vkc_passes_options po = {.fusion = true};
    int bad = 0;
    if (vkc_graph_clone(g, &copy) || vkc_passes_run(copy, &po, &r)) {
        fprintf(stderr, "FAIL passes: %s\n", vkc_error_message());
        bad = 1;
    } else {
        uint32_t lrn = 0, live = 0;
        for (uint32_t i = 0; i < copy->node_count; i++) {
            live += !copy->nodes[i].dead;
            lrn += !copy->nodes[i].dead && copy->nodes[i].op == VKC_OP_LRN;
        }
        if ((size % 2 == 1) != (lrn == 1 && live == 1)) {
            fprintf(stderr, "FAIL LRN pattern, size %lld: %u LRN of %u live nodes\n",
                    (long long)size, lrn, live);
            bad = 1;
        }
    }
    vkc_graph_clone_destroy(copy, g);
    char what[96];
    snprintf(what, sizeof what, "decomposed LRN size %lld, C %lld", (long long)size, (long long)c);
    vkc_exec_options o = {.fusion = true};
    return bad | kt_check(ctx, g, &o, seed, what);
}

int main(int argc, char **argv) {
    kt_args(argc, argv);
    vkcnn_context *ctx = th_context(NULL, 0, 0);
    for (uint64_t seed = 1; seed <= 24; seed++) {
        slice(ctx, seed);
        split(ctx, 100 + seed);
        gather(ctx, (int)(seed % 4), 200 + seed);
        tile(ctx, 300 + seed);
        expand(ctx, 400 + seed);
        where(ctx, seed % 3 == 0, 500 + seed);
        logic(ctx, logic_ops[seed % 8], seed % 5 == 0, 600 + seed);
        pool(ctx, seed % 4 != 0, 800 + seed);
        pad_wrap(ctx, 1000 + seed);
    }
    for (uint64_t seed = 1; seed <= 64; seed++)
        resize(ctx, 700 + seed);
    for (int64_t size = 2; size <= 5; size++)
        if (lrn_decomposed(ctx, size, 900 + (uint64_t)size)) th_failures++;
    th_destroy(ctx);
    kt_summary("data");
    return th_done("test_kernel_data");
}
