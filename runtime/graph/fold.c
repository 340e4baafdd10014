/* Load-time evaluation of shape arithmetic. The runtime computes float32
 * only, so every int64 value (shapes, indices, axes) must be known at load:
 * Shape, Cast and the int64 forms of Concat, Squeeze, Unsqueeze, Reshape,
 * Flatten, Identity, Transpose, Add, Sub, Mul, Div and Neg are computed here once
 * their inputs are constant, and their nodes removed. Gather and Slice fold
 * when their data is constant and run as kernels on float32 run-time data;
 * the data-movement, comparison and logic operators and ConstantOfShape,
 * Range and Size fold in fold_logic.c. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "core/checked.h"
#include "core/error.h"
#include "graph/fold_logic.h"
#include "graph/graph.h"

#define FAIL(st, ...) vkc_node_fail(g, ni, st, __VA_ARGS__)

static size_t elem_size(vkc_dtype dt) {
    return dt == VKC_DTYPE_INT64 ? 8 : 4;
}

/* Row-major strides of t, with 0 for dims broadcast into an output of
 * `rank` dims (t right-aligned). */
static void broadcast_strides(const vkc_tensor *t, uint32_t rank, const int64_t *out_dims,
                              uint64_t *strides) {
    uint64_t s = 1;
    for (int i = (int)rank - 1; i >= 0; i--) {
        int k = i - (int)(rank - t->rank);
        if (k < 0) {
            strides[i] = 0;
            continue;
        }
        strides[i] = (t->dims[k] == 1 && out_dims[i] != 1) ? 0 : s;
        s *= (uint64_t)t->dims[k];
    }
}

/* Advances a row-major index; returns the new linear offset via strides. */
static void next_index(uint32_t rank, const int64_t *dims, int64_t *idx) {
    for (int i = (int)rank - 1; i >= 0; i--) {
        if (++idx[i] < dims[i]) return;
        idx[i] = 0;
    }
}

static uint64_t offset_of(uint32_t rank, const int64_t *idx, const uint64_t *strides) {
    uint64_t o = 0;
    for (uint32_t i = 0; i < rank; i++)
        o += (uint64_t)idx[i] * strides[i];
    return o;
}

static vkcnn_status fold_arith(vkc_graph *g, uint32_t ni, const vkc_tensor *a, const vkc_tensor *b,
                               vkc_tensor *y, int64_t *out) {
    uint64_t sa[VKC_MAX_RANK], sb[VKC_MAX_RANK];
    int64_t idx[VKC_MAX_RANK] = {0};
    broadcast_strides(a, y->rank, y->dims, sa);
    broadcast_strides(b, y->rank, y->dims, sb);
    const int64_t *av = a->data, *bv = b->data;
    vkc_op op = g->nodes[ni].op;
    for (uint64_t i = 0; i < y->elements; i++) {
        int64_t x = av[offset_of(y->rank, idx, sa)], z = bv[offset_of(y->rank, idx, sb)], r = 0;
        bool ok = true;
        switch (op) {
        case VKC_OP_ADD: ok = !__builtin_add_overflow(x, z, &r); break;
        case VKC_OP_SUB: ok = !__builtin_sub_overflow(x, z, &r); break;
        case VKC_OP_MUL: ok = !__builtin_mul_overflow(x, z, &r); break;
        default:
            ok = z != 0 && !(x == INT64_MIN && z == -1);
            if (ok) { /* ONNX integer Div truncates like C */
                r = x / z;
            }
            break;
        }
        if (!ok)
            return FAIL(VKCNN_ERROR_INVALID_MODEL,
                        "int64 arithmetic on %" PRId64 " and %" PRId64 " overflows or divides by "
                        "zero",
                        x, z);
        out[i] = r;
        next_index(y->rank, y->dims, idx);
    }
    return VKCNN_OK;
}

static void fold_gather(const vkc_graph *g, uint32_t ni, const vkc_tensor *x, const vkc_tensor *idx,
                        unsigned char *out) {
    int64_t axis = g->nodes[ni].attrs.axis;
    size_t es = elem_size(x->dtype);
    uint64_t outer = 1, inner = 1;
    for (int64_t i = 0; i < axis; i++)
        outer *= (uint64_t)x->dims[i];
    for (uint32_t i = (uint32_t)axis + 1; i < x->rank; i++)
        inner *= (uint64_t)x->dims[i];
    const int64_t *iv = idx->data;
    const unsigned char *src = x->data;
    int64_t d = x->dims[axis];
    for (uint64_t o = 0; o < outer; o++) {
        for (uint64_t j = 0; j < idx->elements; j++) {
            int64_t k = iv[j] < 0 ? iv[j] + d : iv[j]; /* range checked by inference */
            memcpy(out, src + ((o * (uint64_t)d + (uint64_t)k) * inner) * es, inner * es);
            out += inner * es;
        }
    }
}

static void fold_slice(const vkc_graph *g, uint32_t ni, const vkc_tensor *x, const vkc_tensor *y,
                       unsigned char *out) {
    const vkc_slice_attrs *a = &g->nodes[ni].attrs.slice;
    int64_t start[VKC_MAX_RANK] = {0}, step[VKC_MAX_RANK];
    for (uint32_t i = 0; i < x->rank; i++)
        step[i] = 1;
    for (uint32_t i = 0; i < a->count; i++) {
        start[a->axes[i]] = a->starts[i];
        step[a->axes[i]] = a->steps[i];
    }
    uint64_t strides[VKC_MAX_RANK], s = 1;
    for (int i = (int)x->rank - 1; i >= 0; i--) {
        strides[i] = s;
        s *= (uint64_t)x->dims[i];
    }
    size_t es = elem_size(x->dtype);
    int64_t idx[VKC_MAX_RANK] = {0};
    const unsigned char *src = x->data;
    for (uint64_t i = 0; i < y->elements; i++) {
        uint64_t o = 0;
        for (uint32_t k = 0; k < x->rank; k++)
            o += (uint64_t)(start[k] + idx[k] * step[k]) * strides[k];
        memcpy(out + i * es, src + o * es, es);
        next_index(y->rank, y->dims, idx);
    }
}

static void fold_concat(const vkc_graph *g, uint32_t ni, const vkc_tensor *y, unsigned char *out) {
    const vkc_node *n = &g->nodes[ni];
    int64_t axis = n->attrs.axis;
    size_t es = elem_size(y->dtype);
    uint64_t outer = 1, inner = 1;
    for (int64_t i = 0; i < axis; i++)
        outer *= (uint64_t)y->dims[i];
    for (uint32_t i = (uint32_t)axis + 1; i < y->rank; i++)
        inner *= (uint64_t)y->dims[i];
    for (uint64_t o = 0; o < outer; o++) {
        for (uint32_t k = 0; k < n->input_count; k++) {
            const vkc_tensor *t = &g->tensors[n->inputs[k]];
            uint64_t chunk = (uint64_t)t->dims[axis] * inner * es;
            memcpy(out, (const unsigned char *)t->data + o * chunk, chunk);
            out += chunk;
        }
    }
}

static void fold_transpose(const vkc_graph *g, uint32_t ni, const vkc_tensor *x,
                           const vkc_tensor *y, unsigned char *out) {
    const vkc_transpose_attrs *a = &g->nodes[ni].attrs.transpose;
    uint64_t xs[VKC_MAX_RANK], s = 1, strides[VKC_MAX_RANK];
    for (int i = (int)x->rank - 1; i >= 0; i--) {
        xs[i] = s;
        s *= (uint64_t)x->dims[i];
    }
    for (uint32_t i = 0; i < y->rank; i++)
        strides[i] = xs[a->perm[i]];
    size_t es = elem_size(x->dtype);
    int64_t idx[VKC_MAX_RANK] = {0};
    for (uint64_t i = 0; i < y->elements; i++) {
        memcpy(out + i * es, (const unsigned char *)x->data + offset_of(y->rank, idx, strides) * es,
               es);
        next_index(y->rank, y->dims, idx);
    }
}

static vkcnn_status fold_cast(vkc_graph *g, uint32_t ni, const vkc_tensor *x, const vkc_tensor *y,
                              void *out) {
    for (uint64_t i = 0; i < x->elements; i++) {
        if (x->dtype == VKC_DTYPE_INT64 && y->dtype == VKC_DTYPE_FLOAT32) {
            ((float *)out)[i] = (float)((const int64_t *)x->data)[i];
        } else if (x->dtype == VKC_DTYPE_FLOAT32 && y->dtype == VKC_DTYPE_INT64) {
            float f = ((const float *)x->data)[i];
            if (!(f > -9.2e18f && f < 9.2e18f))
                return FAIL(VKCNN_ERROR_INVALID_MODEL, "cannot cast %g to an integer", (double)f);
            int64_t v = (int64_t)f;
            if (g->nodes[ni].attrs.to == 9) /* BOOL */
                v = v != 0;
            ((int64_t *)out)[i] = v;
        } else {
            memcpy((unsigned char *)out + i * elem_size(x->dtype),
                   (const unsigned char *)x->data + i * elem_size(x->dtype), elem_size(x->dtype));
        }
    }
    return VKCNN_OK;
}

static bool all_constant(const vkc_graph *g, const vkc_node *n) {
    for (uint32_t i = 0; i < n->input_count; i++)
        if (n->inputs[i] != VKC_NONE && !g->tensors[n->inputs[i]].data) return false;
    return true;
}

static bool any_int64(const vkc_graph *g, const vkc_node *n) {
    for (uint32_t i = 0; i < n->input_count; i++)
        if (n->inputs[i] != VKC_NONE && g->tensors[n->inputs[i]].dtype == VKC_DTYPE_INT64)
            return true;
    return g->tensors[n->outputs[0]].dtype == VKC_DTYPE_INT64;
}

vkcnn_status vkc_fold_node(vkc_graph *g, uint32_t ni, bool *folded) {
    vkc_node *n = &g->nodes[ni];
    *folded = false;
    if (n->dead) return VKCNN_OK;
    bool handled;
    VKC_TRY(vkc_fold_logic(g, ni, folded, &handled));
    if (handled) return VKCNN_OK;
    bool shape_op = n->op == VKC_OP_SHAPE || n->op == VKC_OP_CAST;
    bool data = n->op == VKC_OP_GATHER || n->op == VKC_OP_SLICE; /* also run-time float */
    bool layout = n->op == VKC_OP_CONCAT || n->op == VKC_OP_SQUEEZE || n->op == VKC_OP_UNSQUEEZE ||
                  n->op == VKC_OP_RESHAPE || n->op == VKC_OP_FLATTEN || n->op == VKC_OP_IDENTITY ||
                  n->op == VKC_OP_TRANSPOSE;
    bool arith = n->op == VKC_OP_ADD || n->op == VKC_OP_SUB || n->op == VKC_OP_MUL ||
                 n->op == VKC_OP_DIV || n->op == VKC_OP_NEG;
    bool int64 = any_int64(g, n);
    bool fold = n->op == VKC_OP_SHAPE ||
                (all_constant(g, n) && (shape_op || data || (int64 && (layout || arith))));
    if (!fold) {
        if (int64 || shape_op)
            return FAIL(VKCNN_ERROR_UNSUPPORTED,
                        "computes int64 values at run time: unsupported dtype (vkcnn runs float32 "
                        "only; shape arithmetic must fold to constants at load)");
        return VKCNN_OK;
    }
    vkc_tensor *y = &g->tensors[n->outputs[0]];
    void *out;
    vkcnn_status st = vkc_graph_alloc_data(g, n->outputs[0], &out);
    if (st != VKCNN_OK) return vkc_fail_context(st, "%s", n->name);
    const vkc_tensor *x = &g->tensors[n->inputs[0]];
    switch (n->op) {
    case VKC_OP_SHAPE:
        for (int64_t i = n->attrs.shape.start; i < n->attrs.shape.end; i++)
            ((int64_t *)out)[i - n->attrs.shape.start] = x->dims[i];
        break;
    case VKC_OP_GATHER: fold_gather(g, ni, x, &g->tensors[n->inputs[1]], out); break;
    case VKC_OP_CAST: st = fold_cast(g, ni, x, y, out); break;
    case VKC_OP_SLICE: fold_slice(g, ni, x, y, out); break;
    case VKC_OP_CONCAT: fold_concat(g, ni, y, out); break;
    case VKC_OP_TRANSPOSE: fold_transpose(g, ni, x, y, out); break;
    case VKC_OP_ADD:
    case VKC_OP_SUB:
    case VKC_OP_MUL:
    case VKC_OP_DIV:
        if (x->dtype != VKC_DTYPE_INT64)
            return FAIL(VKCNN_ERROR_INVALID_MODEL, "mixes int64 and float inputs");
        st = fold_arith(g, ni, x, &g->tensors[n->inputs[1]], y, out);
        break;
    case VKC_OP_NEG:
        for (uint64_t i = 0; i < x->elements && st == VKCNN_OK; i++) {
            int64_t v = ((const int64_t *)x->data)[i];
            if (v == INT64_MIN)
                st = FAIL(VKCNN_ERROR_INVALID_MODEL, "int64 negation of %" PRId64 " overflows", v);
            else
                ((int64_t *)out)[i] = -v;
        }
        break;
    default: /* layout ops keep the row-major element order */
        memcpy(out, x->data, x->elements * elem_size(x->dtype));
        break;
    }
    if (st != VKCNN_OK) return st;
    n->dead = true;
    y->producer = VKC_NONE;
    while (n->input_count > 0)
        vkc_graph_drop_input(g, ni, n->input_count - 1);
    *folded = true;
    return VKCNN_OK;
}
