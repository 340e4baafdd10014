/* Lowering of data movement and Where. Slice, Split, Gather, Tile and Expand
 * are index-mapped copies -> gather.comp: per output axis a (signed) source
 * stride, a start offset, a modulus (Tile) or an index table (a Gather
 * whose indices are no arithmetic progression); axes that walk both tensors
 * contiguously are merged. Where -> eltwise.comp with its own statement,
 * condition, X and Y numpy-broadcast. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "codegen/codegen_internal.h"
#include "vk/sequence.h"

/* The indices of a Gather table as an arithmetic progression a + j * b
 * (always for one index); false when they are not. */
static bool progression(const vkc_tensor *t, int64_t *a, int64_t *b) {
    const float *v = t->data;
    if (!v || t->elements == 0) return false;
    *a = (int64_t)v[0];
    *b = t->elements > 1 ? (int64_t)v[1] - *a : 1;
    for (uint64_t j = 0; j < t->elements; j++)
        if ((int64_t)v[j] != *a + (int64_t)j * *b) return false;
    return true;
}

void vkc_lower_data(vkc_cg *c) {
    const vkc_node *n = cg_node(c);
    const vkc_attrs *a = &n->attrs;
    const vkc_tensor *x = cg_in(c, 0), *y = cg_out(c);
    int64_t xs[VKC_MAX_RANK], dims[VKC_MAX_RANK], st[2][VKC_MAX_RANK], mods[VKC_MAX_RANK] = {0};
    int64_t off = 0;
    int table_axis = -1;
    bool has_mods = false;
    uint32_t rank = x->rank;
    cg_dense_strides(x->rank, x->dims, xs);
    for (uint32_t d = 0; d < x->rank; d++) {
        dims[d] = d < y->rank ? y->dims[d] : 1;
        st[0][d] = xs[d];
    }
    switch (n->op) {
    case VKC_OP_SLICE:
        for (uint32_t i = 0; i < a->slice.count; i++) {
            int64_t d = a->slice.axes[i];
            off += a->slice.starts[i] * xs[d];
            st[0][d] = xs[d] * a->slice.steps[i];
        }
        break;
    case VKC_OP_SPLIT: off = a->split.offset * xs[a->split.axis]; break;
    case VKC_OP_GATHER: { /* Y seen as X's shape with J = #indices on the axis */
        const vkc_tensor *t = cg_in(c, 1);
        int64_t axis = a->axis, start, step;
        for (uint32_t d = 0; d < x->rank; d++)
            dims[d] = x->dims[d];
        dims[axis] = (int64_t)t->elements;
        if (progression(t, &start, &step)) {
            off = start * xs[axis];
            st[0][axis] = step * xs[axis];
        } else {
            table_axis = (int)axis;
        }
        break;
    }
    case VKC_OP_TILE:
        for (uint32_t d = 0; d < x->rank; d++) {
            mods[d] = a->ints.v[d] != 1 ? x->dims[d] : 0;
            has_mods |= mods[d] != 0;
        }
        break;
    default: /* Expand: X right-aligned to Y, broadcast axes read stride 0 */
        rank = y->rank;
        for (uint32_t d = 0; d < y->rank; d++) {
            dims[d] = y->dims[d];
            uint32_t off_axes = y->rank - x->rank;
            st[0][d] = d < off_axes || x->dims[d - off_axes] == 1 ? 0 : xs[d - off_axes];
        }
        break;
    }
    if (rank == 0) { /* a scalar: one element */
        rank = 1;
        dims[0] = 1;
        st[0][0] = 0;
    }
    if (table_axis < 0 && !has_mods) {
        cg_dense_strides(rank, dims, st[1]);
        rank = cg_collapse(rank, dims, st, 2);
    }
    char list[256];
    vkc_kdispatch *d = cg_dispatch(c, "gather");
    cg_def(c, d, "RANK %" PRIu32, rank);
    cg_def(c, d, "DIMS %s", cg_list(list, sizeof list, dims, rank, "u"));
    cg_def(c, d, "SRC_STRIDES %s", cg_list(list, sizeof list, st[0], rank, ""));
    cg_def(c, d, "SRC_OFF %" PRId64, off);
    if (has_mods) cg_def(c, d, "MODS %s", cg_list(list, sizeof list, mods, rank, "u"));
    if (table_axis >= 0) cg_def(c, d, "TABLE_AXIS %d", table_axis);
    cg_bind(c, d, n->outputs[0], VKC_WRITE);
    cg_bind(c, d, cg_in_index(c, 0), VKC_READ);
    if (table_axis >= 0) cg_bind(c, d, cg_in_index(c, 1), VKC_READ);
    cg_grid(c, d, y->elements);
}

/* Where: v = condition != 0 ? X : Y, through the elementwise kernel. */
void vkc_lower_where(vkc_cg *c) {
    const vkc_node *n = cg_node(c);
    const vkc_tensor *y = cg_out(c);
    int64_t dims[VKC_MAX_RANK], st[3][VKC_MAX_RANK];
    uint32_t rank = y->rank ? y->rank : 1;
    for (uint32_t i = 0; i < rank; i++)
        dims[i] = y->rank ? y->dims[i] : 1;
    for (uint32_t k = 0; k < 3; k++) {
        const vkc_tensor *t = cg_in(c, k);
        int64_t s = 1;
        for (uint32_t i = rank; i-- > 0;) {
            uint32_t off = rank - t->rank;
            int64_t dim = i < off ? 1 : t->dims[i - off];
            st[k][i] = dim == 1 ? 0 : s;
            s *= dim;
        }
    }
    rank = cg_collapse(rank, dims, st, 3);
    char list[256];
    vkc_kdispatch *d = cg_dispatch(c, "eltwise");
    cg_def(c, d, "ELT_RANK %" PRIu32, rank);
    cg_def(c, d, "OUT_DIMS %s", cg_list(list, sizeof list, dims, rank, "u"));
    cg_def(c, d, "ELT_OPERANDS 3");
    for (uint32_t k = 0; k < 3; k++)
        cg_def(c, d, "OP%" PRIu32 "_STRIDES %s", k, cg_list(list, sizeof list, st[k], rank, "u"));
    cg_def(c, d, "ELT_BODY v = t0[o[0]] != 0.0 ? t1[o[1]] : t2[o[2]];");
    cg_bind(c, d, n->outputs[0], VKC_WRITE);
    for (uint32_t k = 0; k < 3; k++)
        cg_bind(c, d, cg_in_index(c, k), VKC_READ);
    cg_grid(c, d, y->elements);
}
