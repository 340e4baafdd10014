/* Shape inference of the reductions (ReduceMean, ReduceSum, ReduceMax,
 * ReduceMin, ReduceProd, ReduceL1, ReduceL2, ReduceSumSquare, ReduceLogSum,
 * ReduceLogSumExp) and the normalizations over rows (LayerNormalization,
 * InstanceNormalization, GroupNormalization, LpNormalization), referenced by
 * the operator table. Reduce*'s axes input (opset 18, ReduceSum 13) is
 * decoded into the attributes here and dropped from the inputs; a reduction
 * over no axes with noop_with_empty_axes becomes an Identity. */
#include <inttypes.h>
#include <string.h>

#include "core/error.h"
#include "graph/graph.h"
#include "graph/infer.h"
#include "ops/op_table.h"

#define FAIL(st, ...) vkc_node_fail(g, ni, st, __VA_ARGS__)

static vkc_tensor *in_tensor(vkc_graph *g, uint32_t ni, uint32_t slot) {
    const vkc_node *n = &g->nodes[ni];
    if (slot >= n->input_count || n->inputs[slot] == VKC_NONE) return NULL;
    return &g->tensors[n->inputs[slot]];
}

static vkcnn_status set_output(vkc_graph *g, uint32_t ni, uint32_t rank, const int64_t *dims) {
    vkcnn_status st =
        vkc_graph_set_shape(g, g->nodes[ni].outputs[0], VKC_DTYPE_FLOAT32, rank, dims);
    if (st != VKCNN_OK) return vkc_fail_context(st, "%s", g->nodes[ni].name);
    return VKCNN_OK;
}

/* Normalizes axis (attribute `what`) into [0, rank). */
static vkcnn_status norm_axis(vkc_graph *g, uint32_t ni, const char *what, int64_t *axis,
                              uint32_t rank) {
    int64_t r = (int64_t)rank, a = *axis;
    if (a < -r || a >= r)
        return FAIL(VKCNN_ERROR_INVALID_MODEL,
                    "'%s' value %" PRId64 " is out of range for rank %" PRIu32, what, a, rank);
    *axis = a < 0 ? a + r : a;
    return VKCNN_OK;
}

/* Whether inputs slot.. hold anything (optional operands left empty are
 * VKC_NONE). */
static bool has_input(vkc_graph *g, uint32_t ni, uint32_t slot) {
    return in_tensor(g, ni, slot) != NULL;
}

/* ---- Reduce* ------------------------------------------------------------------ */

/* The opset from which op takes its axes as an input. */
static int axes_input_opset(vkc_op op) {
    return op == VKC_OP_REDUCE_SUM ? 13 : 18;
}

/* Reads the constant axes input (slot 1) into a and drops it. */
static vkcnn_status axes_input(vkc_graph *g, uint32_t ni, vkc_reduce_attrs *a) {
    vkc_node *n = &g->nodes[ni];
    const vkc_tensor *t = in_tensor(g, ni, 1);
    if (t) {
        if (vkc_op_version(n->op, n->opset) < axes_input_opset(n->op))
            return FAIL(VKCNN_ERROR_INVALID_MODEL,
                        "has an 'axes' input ('%s'), which %s takes from opset %d (earlier "
                        "opsets: the 'axes' attribute)",
                        t->name, vkc_op_name(n->op), axes_input_opset(n->op));
        if (!t->data)
            return FAIL(VKCNN_ERROR_UNSUPPORTED,
                        "input 'axes' ('%s') is computed at run time: data-dependent axes are not "
                        "supported (it must be a constant)",
                        t->name);
        if (t->dtype != VKC_DTYPE_INT64)
            return FAIL(VKCNN_ERROR_INVALID_MODEL, "input 'axes' ('%s') must be int64", t->name);
        if (t->rank > 1)
            return FAIL(VKCNN_ERROR_INVALID_MODEL,
                        "input 'axes' ('%s') must be 1-D, has rank %" PRIu32, t->name, t->rank);
        if (t->elements > VKC_ATTR_MAX_RANK)
            return FAIL(VKCNN_ERROR_INVALID_MODEL,
                        "input 'axes' ('%s') has %" PRIu64 " values (at most %d)", t->name,
                        t->elements, VKC_ATTR_MAX_RANK);
        if (t->elements) memcpy(a->axes, t->data, t->elements * sizeof a->axes[0]);
        a->count = (uint32_t)t->elements;
    }
    if (n->input_count > 2)
        return FAIL(VKCNN_ERROR_INVALID_MODEL, "has %" PRIu32 " inputs (data and axes at most)",
                    n->input_count);
    while (n->input_count > 1)
        vkc_graph_drop_input(g, ni, n->input_count - 1);
    return VKCNN_OK;
}

vkcnn_status vkc_infer_reduce(vkc_graph *g, uint32_t ni) {
    vkc_node *n = &g->nodes[ni];
    vkc_reduce_attrs *a = &n->attrs.reduce;
    VKC_TRY(axes_input(g, ni, a));
    const vkc_tensor *x = in_tensor(g, ni, 0);
    if (a->count > x->rank)
        return FAIL(VKCNN_ERROR_INVALID_MODEL,
                    "'axes' has %" PRIu32 " values for X ('%s') of rank %" PRIu32, a->count,
                    x->name, x->rank);
    bool reduced[VKC_MAX_RANK] = {0};
    for (uint32_t i = 0; i < a->count; i++) {
        VKC_TRY(norm_axis(g, ni, "axes", &a->axes[i], x->rank));
        if (reduced[a->axes[i]])
            return FAIL(VKCNN_ERROR_INVALID_MODEL, "'axes' repeats axis %" PRId64, a->axes[i]);
        reduced[a->axes[i]] = true;
    }
    if (a->count == 0 && a->noop_with_empty_axes) {
        n->op = VKC_OP_IDENTITY; /* the input, unchanged */
        return set_output(g, ni, x->rank, x->dims);
    }
    /* ascending, and every axis when none is named */
    bool all = a->count == 0;
    a->count = 0;
    for (uint32_t i = 0; i < x->rank; i++)
        if (reduced[i] || all) a->axes[a->count++] = i;
    int64_t dims[VKC_MAX_RANK];
    uint32_t rank = 0;
    uint64_t kept = 1, over = 1;
    for (uint32_t i = 0, k = 0; i < x->rank; i++) {
        bool r = k < a->count && a->axes[k] == i;
        if (r) {
            k++;
            over *= (uint64_t)x->dims[i];
            if (a->keepdims) dims[rank++] = 1;
        } else {
            kept *= (uint64_t)x->dims[i];
            dims[rank++] = x->dims[i];
        }
    }
    if (over == 0 && kept != 0)
        return FAIL(VKCNN_ERROR_UNSUPPORTED,
                    "reduces X ('%s') over an empty axis: reductions over no elements are not "
                    "supported",
                    x->name);
    return set_output(g, ni, rank, dims);
}

/* ---- normalizations ----------------------------------------------------------- */

static vkcnn_status require_float(vkc_graph *g, uint32_t ni, uint32_t slot, const char *what) {
    const vkc_tensor *t = in_tensor(g, ni, slot);
    if (t && t->dtype != VKC_DTYPE_FLOAT32)
        return FAIL(VKCNN_ERROR_UNSUPPORTED,
                    "input '%s' ('%s') is int64: unsupported dtype (float32 only)", what, t->name);
    return VKCNN_OK;
}

static vkcnn_status check_inputs(vkc_graph *g, uint32_t ni, uint32_t max) {
    const vkc_node *n = &g->nodes[ni];
    if (n->input_count > max)
        return FAIL(VKCNN_ERROR_INVALID_MODEL, "has %" PRIu32 " inputs (at most %" PRIu32 ")",
                    n->input_count, max);
    return VKCNN_OK;
}

/* A parameter (scale or bias) of InstanceNormalization or
 * GroupNormalization: a 1-D tensor of `count` values. */
static vkcnn_status vector_param(vkc_graph *g, uint32_t ni, uint32_t slot, const char *what,
                                 int64_t count, const char *of) {
    const vkc_tensor *t = in_tensor(g, ni, slot);
    char buf[160];
    if (!t) return FAIL(VKCNN_ERROR_INVALID_MODEL, "missing input '%s'", what);
    VKC_TRY(require_float(g, ni, slot, what));
    if (t->rank != 1 || t->dims[0] != count)
        return FAIL(VKCNN_ERROR_INVALID_MODEL,
                    "input '%s' ('%s') %s must be [%" PRId64 "] (one value per %s)", what, t->name,
                    vkc_shape_string(t->rank, t->dims, buf, sizeof buf), count, of);
    return VKCNN_OK;
}

/* LayerNormalization's Scale or B: broadcast to the normalized shape
 * (X's dims [axis, rank)). The kernel reads one of the normalized shape
 * (leading 1s allowed) or of one value; other broadcasts are refused. */
static vkcnn_status layer_param(vkc_graph *g, uint32_t ni, uint32_t slot, const char *what,
                                const vkc_tensor *x, int64_t axis) {
    const vkc_tensor *t = in_tensor(g, ni, slot);
    if (!t) return VKCNN_OK;
    VKC_TRY(require_float(g, ni, slot, what));
    if (t->elements == 1) return VKCNN_OK;
    uint32_t nr = x->rank - (uint32_t)axis, lead = 0;
    const int64_t *nd = x->dims + axis;
    while (lead < t->rank && t->dims[lead] == 1)
        lead++;
    uint32_t tr = t->rank - lead; /* rank without leading 1s */
    bool broadcasts = tr <= nr;
    for (uint32_t i = 0; i < tr && broadcasts; i++) {
        int64_t d = t->dims[t->rank - 1 - i];
        broadcasts = d == 1 || d == nd[nr - 1 - i];
    }
    uint64_t count = 1;
    for (uint32_t i = 0; i < nr; i++)
        count *= (uint64_t)nd[i];
    if (broadcasts && t->elements == count) return VKCNN_OK; /* the normalized shape */
    char sp[160], sx[160];
    if (!broadcasts)
        return FAIL(VKCNN_ERROR_INVALID_MODEL,
                    "input '%s' ('%s') %s does not broadcast to the normalized shape %s", what,
                    t->name, vkc_shape_string(t->rank, t->dims, sp, sizeof sp),
                    vkc_shape_string(nr, nd, sx, sizeof sx));
    return FAIL(VKCNN_ERROR_UNSUPPORTED,
                "input '%s' ('%s') %s is broadcast to the normalized shape %s: only a '%s' of the "
                "normalized shape or of one value is supported",
                what, t->name, vkc_shape_string(t->rank, t->dims, sp, sizeof sp),
                vkc_shape_string(nr, nd, sx, sizeof sx), what);
}

vkcnn_status vkc_infer_layer_norm(vkc_graph *g, uint32_t ni) {
    vkc_norm_attrs *a = &g->nodes[ni].attrs.norm;
    const vkc_tensor *x = in_tensor(g, ni, 0);
    VKC_TRY(check_inputs(g, ni, 3));
    if (x->rank == 0) return FAIL(VKCNN_ERROR_INVALID_MODEL, "input X ('%s') is a scalar", x->name);
    VKC_TRY(norm_axis(g, ni, "axis", &a->axis, x->rank));
    if (!has_input(g, ni, 1)) return FAIL(VKCNN_ERROR_INVALID_MODEL, "missing input 'Scale'");
    VKC_TRY(layer_param(g, ni, 1, "Scale", x, a->axis));
    VKC_TRY(layer_param(g, ni, 2, "B", x, a->axis));
    if (a->output > 2)
        return FAIL(VKCNN_ERROR_INVALID_MODEL, "has an output %" PRIu32 " (Y, Mean, InvStdDev: 3)",
                    a->output);
    int64_t dims[VKC_MAX_RANK];
    for (uint32_t i = 0; i < x->rank; i++) /* Mean, InvStdDev: 1 on the normalized axes */
        dims[i] = a->output && i >= a->axis ? 1 : x->dims[i];
    return set_output(g, ni, x->rank, dims);
}

vkcnn_status vkc_infer_instance_norm(vkc_graph *g, uint32_t ni) {
    const vkc_tensor *x = in_tensor(g, ni, 0);
    VKC_TRY(check_inputs(g, ni, 3));
    if (x->rank < 3)
        return FAIL(VKCNN_ERROR_INVALID_MODEL,
                    "input X ('%s') has rank %" PRIu32 " (N x C x D1 ... expected)", x->name,
                    x->rank);
    VKC_TRY(vector_param(g, ni, 1, "scale", x->dims[1], "channel"));
    VKC_TRY(vector_param(g, ni, 2, "B", x->dims[1], "channel"));
    return set_output(g, ni, x->rank, x->dims);
}

vkcnn_status vkc_infer_group_norm(vkc_graph *g, uint32_t ni) {
    vkc_node *n = &g->nodes[ni];
    vkc_norm_attrs *a = &n->attrs.norm;
    const vkc_tensor *x = in_tensor(g, ni, 0);
    VKC_TRY(check_inputs(g, ni, 3));
    if (x->rank < 2)
        return FAIL(VKCNN_ERROR_INVALID_MODEL,
                    "input X ('%s') has rank %" PRIu32 " (N x C x D1 ... expected)", x->name,
                    x->rank);
    int64_t c = x->dims[1];
    if (a->groups < 1 || a->groups > c || c % a->groups != 0)
        return FAIL(VKCNN_ERROR_INVALID_MODEL,
                    "attribute 'num_groups' = %" PRId64 " does not divide the %" PRId64
                    " channels of X ('%s')",
                    a->groups, c, x->name);
    int64_t count = a->per_group ? a->groups : c;
    const char *of = a->per_group ? "group (GroupNormalization-18)" : "channel";
    VKC_TRY(vector_param(g, ni, 1, "scale", count, of));
    VKC_TRY(vector_param(g, ni, 2, "bias", count, of));
    return set_output(g, ni, x->rank, x->dims);
}

vkcnn_status vkc_infer_lp_norm(vkc_graph *g, uint32_t ni) {
    vkc_norm_attrs *a = &g->nodes[ni].attrs.norm;
    const vkc_tensor *x = in_tensor(g, ni, 0);
    VKC_TRY(check_inputs(g, ni, 1));
    if (x->rank == 0) return FAIL(VKCNN_ERROR_INVALID_MODEL, "input X ('%s') is a scalar", x->name);
    VKC_TRY(norm_axis(g, ni, "axis", &a->axis, x->rank));
    return set_output(g, ni, x->rank, x->dims);
}
