/* Load-time evaluation of Split, Tile, Expand, Where, the comparisons (Equal,
 * Less, Greater, LessOrEqual, GreaterOrEqual), Not, And, Or, and of
 * ConstantOfShape, Range and Size. The first group folds when every input
 * is a constant (float32 or int64: shape arithmetic, an If's condition) and
 * otherwise runs as a kernel on float32 data; the last three are always
 * constants. Booleans are int64 0/1 here (ONNX's bool; the comparisons of
 * float constants give float32 0.0/1.0, as at run time). */
#include "graph/fold_logic.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "core/error.h"

#define FAIL(st, ...) vkc_node_fail(g, ni, st, __VA_ARGS__)

static size_t elem_size(vkc_dtype dt) {
    return dt == VKC_DTYPE_INT64 ? 8 : 4;
}

/* Strides of t broadcast (right-aligned) into a shape of `rank` dims
 * (0 on broadcast axes). */
static void bcast_strides(const vkc_tensor *t, uint32_t rank, uint64_t *strides) {
    uint64_t s = 1;
    for (uint32_t i = rank; i-- > 0;) {
        uint32_t off = rank - t->rank;
        int64_t d = i < off ? 1 : t->dims[i - off];
        strides[i] = d == 1 ? 0 : s;
        s *= (uint64_t)d;
    }
}

static void next_index(uint32_t rank, const int64_t *dims, int64_t *idx) {
    for (uint32_t i = rank; i-- > 0;) {
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

/* Element i of t: as int64 when `as_int` (exact for int64 tensors), else
 * as double. */
static double get_f(const vkc_tensor *t, uint64_t i) {
    return t->dtype == VKC_DTYPE_INT64 ? (double)((const int64_t *)t->data)[i]
                                       : (double)((const float *)t->data)[i];
}

static bool truth(const vkc_tensor *t, uint64_t i) {
    return t->dtype == VKC_DTYPE_INT64 ? ((const int64_t *)t->data)[i] != 0
                                       : ((const float *)t->data)[i] != 0.0f;
}

static bool compare(vkc_op op, const vkc_tensor *a, uint64_t i, const vkc_tensor *b, uint64_t j) {
    if (a->dtype == VKC_DTYPE_INT64 && b->dtype == VKC_DTYPE_INT64) {
        int64_t x = ((const int64_t *)a->data)[i], y = ((const int64_t *)b->data)[j];
        switch (op) {
        case VKC_OP_EQUAL: return x == y;
        case VKC_OP_LESS: return x < y;
        case VKC_OP_GREATER: return x > y;
        case VKC_OP_LESS_OR_EQUAL: return x <= y;
        default: return x >= y;
        }
    }
    double x = get_f(a, i), y = get_f(b, j);
    switch (op) {
    case VKC_OP_EQUAL: return x == y;
    case VKC_OP_LESS: return x < y;
    case VKC_OP_GREATER: return x > y;
    case VKC_OP_LESS_OR_EQUAL: return x <= y;
    default: return x >= y;
    }
}

static void put_bool(const vkc_tensor *y, void *out, uint64_t i, bool v) {
    if (y->dtype == VKC_DTYPE_INT64)
        ((int64_t *)out)[i] = v;
    else
        ((float *)out)[i] = v ? 1.0f : 0.0f;
}

/* Comparisons, Not, And, Or, Where over broadcast inputs. */
static void fold_elementwise(const vkc_graph *g, const vkc_node *n, const vkc_tensor *y,
                             void *out) {
    const vkc_tensor *in[3] = {NULL, NULL, NULL};
    uint64_t st[3][VKC_MAX_RANK];
    for (uint32_t k = 0; k < n->input_count && k < 3; k++) {
        in[k] = &g->tensors[n->inputs[k]];
        bcast_strides(in[k], y->rank, st[k]);
    }
    int64_t idx[VKC_MAX_RANK] = {0};
    size_t es = elem_size(y->dtype);
    for (uint64_t i = 0; i < y->elements; i++) {
        uint64_t o[3] = {0, 0, 0};
        for (uint32_t k = 0; k < n->input_count && k < 3; k++)
            o[k] = offset_of(y->rank, idx, st[k]);
        switch (n->op) {
        case VKC_OP_NOT: put_bool(y, out, i, !truth(in[0], o[0])); break;
        case VKC_OP_AND: put_bool(y, out, i, truth(in[0], o[0]) && truth(in[1], o[1])); break;
        case VKC_OP_OR: put_bool(y, out, i, truth(in[0], o[0]) || truth(in[1], o[1])); break;
        case VKC_OP_WHERE: {
            const vkc_tensor *src = truth(in[0], o[0]) ? in[1] : in[2];
            uint64_t j = src == in[1] ? o[1] : o[2];
            memcpy((unsigned char *)out + i * es, (const unsigned char *)src->data + j * es, es);
            break;
        }
        default: put_bool(y, out, i, compare(n->op, in[0], o[0], in[1], o[1])); break;
        }
        next_index(y->rank, y->dims, idx);
    }
}

/* Split, Tile, Expand: each output element copies one input element. */
static void fold_copy(const vkc_node *n, const vkc_tensor *x, const vkc_tensor *y, void *out) {
    uint64_t xs[VKC_MAX_RANK], s = 1;
    for (uint32_t i = x->rank; i-- > 0;) {
        xs[i] = s;
        s *= (uint64_t)x->dims[i];
    }
    uint64_t bs[VKC_MAX_RANK];
    if (n->op == VKC_OP_EXPAND) bcast_strides(x, y->rank, bs);
    size_t es = elem_size(x->dtype);
    int64_t idx[VKC_MAX_RANK] = {0};
    for (uint64_t i = 0; i < y->elements; i++) {
        uint64_t o = 0;
        if (n->op == VKC_OP_EXPAND) {
            o = offset_of(y->rank, idx, bs);
        } else {
            for (uint32_t d = 0; d < x->rank; d++) {
                int64_t c = idx[d];
                if (n->op == VKC_OP_TILE)
                    c %= x->dims[d];
                else if ((int64_t)d == n->attrs.split.axis)
                    c += n->attrs.split.offset;
                o += (uint64_t)c * xs[d];
            }
        }
        memcpy((unsigned char *)out + i * es, (const unsigned char *)x->data + o * es, es);
        next_index(y->rank, y->dims, idx);
    }
}

static void fold_range(const vkc_graph *g, const vkc_node *n, const vkc_tensor *y, void *out) {
    const vkc_tensor *s = &g->tensors[n->inputs[0]], *d = &g->tensors[n->inputs[2]];
    for (uint64_t i = 0; i < y->elements; i++) {
        if (y->dtype == VKC_DTYPE_INT64) /* start + i * delta: bounded by inference */
            ((int64_t *)out)[i] =
                *(const int64_t *)s->data + (int64_t)i * *(const int64_t *)d->data;
        else /* ONNX: start + i * delta, in the input type */
            ((float *)out)[i] = *(const float *)s->data + (float)i * *(const float *)d->data;
    }
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

/* Inputs of the elementwise logic ops (ONNX: Not one, Where three, the
 * comparisons, And and Or two); 0 for the other ops here. */
static uint32_t logic_arity(vkc_op op) {
    switch (op) {
    case VKC_OP_NOT: return 1;
    case VKC_OP_WHERE: return 3;
    case VKC_OP_EQUAL:
    case VKC_OP_LESS:
    case VKC_OP_GREATER:
    case VKC_OP_LESS_OR_EQUAL:
    case VKC_OP_GREATER_OR_EQUAL:
    case VKC_OP_AND:
    case VKC_OP_OR: return 2;
    default: return 0;
    }
}

vkcnn_status vkc_fold_logic(vkc_graph *g, uint32_t ni, bool *folded, bool *handled) {
    vkc_node *n = &g->nodes[ni];
    *folded = *handled = false;
    bool always = false;
    switch (n->op) {
    case VKC_OP_CONSTANT_OF_SHAPE:
    case VKC_OP_RANGE:
    case VKC_OP_SIZE: always = true; break;
    case VKC_OP_SPLIT:
    case VKC_OP_TILE:
    case VKC_OP_EXPAND:
    case VKC_OP_WHERE:
    case VKC_OP_EQUAL:
    case VKC_OP_LESS:
    case VKC_OP_GREATER:
    case VKC_OP_LESS_OR_EQUAL:
    case VKC_OP_GREATER_OR_EQUAL:
    case VKC_OP_NOT:
    case VKC_OP_AND:
    case VKC_OP_OR: break;
    default: return VKCNN_OK;
    }
    *handled = true;
    /* fold_elementwise reads exactly these inputs (shape inference, which
     * runs first, has refused a missing one) */
    uint32_t arity = logic_arity(n->op);
    if (arity && n->input_count != arity)
        return FAIL(VKCNN_ERROR_INVALID_MODEL, "has %" PRIu32 " inputs (takes %" PRIu32 ")",
                    n->input_count, arity);
    if (!always && !all_constant(g, n)) {
        if (any_int64(g, n))
            return FAIL(VKCNN_ERROR_UNSUPPORTED,
                        "computes int64 values at run time: unsupported dtype (vkcnn runs float32 "
                        "only; shape arithmetic must fold to constants at load)");
        return VKCNN_OK; /* a kernel */
    }
    vkc_tensor *y = &g->tensors[n->outputs[0]];
    void *out;
    vkcnn_status st = vkc_graph_alloc_data(g, n->outputs[0], &out);
    if (st != VKCNN_OK) return vkc_fail_context(st, "%s", n->name);
    y = &g->tensors[n->outputs[0]];
    const vkc_tensor *x = n->input_count ? &g->tensors[n->inputs[0]] : NULL;
    switch (n->op) {
    case VKC_OP_CONSTANT_OF_SHAPE:
        for (uint64_t i = 0; i < y->elements; i++) {
            if (y->dtype == VKC_DTYPE_INT64)
                ((int64_t *)out)[i] = n->attrs.fill.i;
            else
                ((float *)out)[i] = n->attrs.fill.f;
        }
        break;
    case VKC_OP_RANGE: fold_range(g, n, y, out); break;
    case VKC_OP_SIZE: *(int64_t *)out = (int64_t)x->elements; break;
    case VKC_OP_SPLIT:
    case VKC_OP_TILE:
    case VKC_OP_EXPAND: fold_copy(n, x, y, out); break;
    default: fold_elementwise(g, n, y, out); break;
    }
    n->dead = true;
    y->producer = VKC_NONE;
    while (n->input_count > 0)
        vkc_graph_drop_input(g, ni, n->input_count - 1);
    *folded = true;
    return VKCNN_OK;
}
