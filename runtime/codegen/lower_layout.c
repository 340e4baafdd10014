/* Lowering of layout ops: Transpose and Concat -> copy.comp (strided copies;
 * Concat is one copy per input into its slice of the output, none for an
 * input its producer wrote there: vkc_codegen_target.in_place_of), Pad ->
 * pad.comp, Softmax / LogSoftmax -> softmax.comp. */
#include <inttypes.h>

#include "codegen/codegen_internal.h"
#include "vk/sequence.h"

/* One copy.comp dispatch over `dims` with the given strides and offsets. */
static void strided_copy(vkc_cg *c, uint32_t src, uint32_t rank, int64_t *dims,
                         int64_t (*strides)[VKC_MAX_RANK], int64_t src_off, int64_t dst_off) {
    char list[256];
    int64_t total = 1;
    for (uint32_t i = 0; i < rank; i++)
        total *= dims[i];
    if (total == 0) return;
    rank = cg_collapse(rank, dims, strides, 2);
    vkc_kdispatch *d = cg_dispatch(c, "copy");
    cg_def(c, d, "RANK %" PRIu32, rank);
    cg_def(c, d, "DIMS %s", cg_list(list, sizeof list, dims, rank, "u"));
    cg_def(c, d, "SRC_STRIDES %s", cg_list(list, sizeof list, strides[0], rank, "u"));
    cg_def(c, d, "DST_STRIDES %s", cg_list(list, sizeof list, strides[1], rank, "u"));
    cg_def(c, d, "SRC_OFF %" PRId64 "u", src_off);
    cg_def(c, d, "DST_OFF %" PRId64 "u", dst_off);
    cg_bind_act(c, d, cg_node(c)->outputs[0], VKC_WRITE, "Y_HALF");
    cg_bind_act(c, d, src, VKC_READ, "X_HALF");
    cg_grid(c, d, (uint64_t)total);
}

void vkc_lower_transpose(vkc_cg *c) {
    const vkc_transpose_attrs *a = &cg_node(c)->attrs.transpose;
    const vkc_tensor *x = cg_in(c, 0), *y = cg_out(c);
    int64_t xs[VKC_MAX_RANK], dims[VKC_MAX_RANK] = {1}, strides[2][VKC_MAX_RANK] = {{0}};
    cg_dense_strides(x->rank, x->dims, xs);
    cg_dense_strides(y->rank, y->dims, strides[1]);
    for (uint32_t i = 0; i < y->rank; i++) {
        dims[i] = y->dims[i];
        strides[0][i] = xs[a->perm[i]]; /* Y's axis i walks X's axis perm[i] */
    }
    strided_copy(c, cg_in_index(c, 0), y->rank ? y->rank : 1, dims, strides, 0, 0);
}

/* Whether tensor x lies at element `at` of Concat output y already: the
 * chain of in_place_of links from x reaches y with offsets summing to it
 * (codegen.h). A tensor listed twice is in place at one slice only. */
static bool placed_at(const vkc_codegen_target *t, uint32_t count, uint32_t x, uint32_t y,
                      uint64_t at) {
    if (!t->in_place_of || !t->in_place_at) return false;
    uint64_t o = 0;
    for (uint32_t hops = 0; hops < count && x != VKC_NONE; hops++) {
        if (t->in_place_of[x] == VKC_NONE) return false;
        o += t->in_place_at[x];
        x = t->in_place_of[x];
        if (x == y) return o == at;
    }
    return false;
}

void vkc_lower_concat(vkc_cg *c) {
    const vkc_node *n = cg_node(c);
    const vkc_tensor *y = cg_out(c);
    int64_t axis = n->attrs.axis, ys[VKC_MAX_RANK], offset = 0;
    cg_dense_strides(y->rank, y->dims, ys);
    for (uint32_t k = 0; k < n->input_count && !c->st; k++) {
        const vkc_tensor *x = cg_in(c, k);
        int64_t dims[VKC_MAX_RANK], strides[2][VKC_MAX_RANK];
        for (uint32_t i = 0; i < x->rank; i++) {
            dims[i] = x->dims[i];
            strides[1][i] = ys[i];
        }
        cg_dense_strides(x->rank, x->dims, strides[0]);
        if (!placed_at(c->t, c->g->tensor_count, cg_in_index(c, k), n->outputs[0],
                       (uint64_t)(offset * ys[axis])))
            strided_copy(c, cg_in_index(c, k), x->rank, dims, strides, 0, offset * ys[axis]);
        offset += x->dims[axis];
    }
}

void vkc_lower_pad(vkc_cg *c) {
    const vkc_pad_attrs *a = &cg_node(c)->attrs.pad;
    const vkc_tensor *x = cg_in(c, 0), *y = cg_out(c);
    char list[256], f[48];
    if (x->elements == 0 && a->mode == VKC_PAD_CONSTANT) {
        /* Nothing to read: still a valid kernel, every output is VALUE. */
    } else if (x->elements == 0) {
        cg_fail(c, VKCNN_ERROR_INVALID_MODEL, "reflect or edge padding of an empty tensor");
        return;
    }
    uint32_t rank = x->rank ? x->rank : 1;
    int64_t idims[VKC_MAX_RANK] = {1}, odims[VKC_MAX_RANK] = {1}, begin[VKC_MAX_RANK] = {0};
    for (uint32_t i = 0; i < x->rank; i++) {
        idims[i] = x->dims[i];
        odims[i] = y->dims[i];
        begin[i] = a->pads[i];
    }
    vkc_kdispatch *d = cg_dispatch(c, "pad");
    cg_def(c, d, "RANK %" PRIu32, rank);
    cg_def(c, d, "IN_DIMS %s", cg_list(list, sizeof list, idims, rank, ""));
    cg_def(c, d, "OUT_DIMS %s", cg_list(list, sizeof list, odims, rank, ""));
    cg_def(c, d, "PADS_BEGIN %s", cg_list(list, sizeof list, begin, rank, ""));
    cg_def(c, d, "MODE %d",
           a->mode == VKC_PAD_CONSTANT  ? 0
           : a->mode == VKC_PAD_REFLECT ? 1
           : a->mode == VKC_PAD_EDGE    ? 2
                                        : 3);
    cg_def(c, d, "VALUE %s", cg_float(f, a->value));
    cg_bind_act(c, d, cg_node(c)->outputs[0], VKC_WRITE, "Y_HALF");
    cg_bind_act(c, d, cg_in_index(c, 0), VKC_READ, "X_HALF");
    cg_grid(c, d, y->elements);
}

void vkc_lower_softmax(vkc_cg *c) {
    const vkc_node *n = cg_node(c);
    const vkc_softmax_attrs *a = &n->attrs.softmax;
    const vkc_tensor *x = cg_in(c, 0);
    int64_t outer = 1, len = 1, inner = 1;
    for (uint32_t i = 0; i < x->rank; i++) {
        if (i < a->axis)
            outer *= x->dims[i];
        else if (i == a->axis || a->coerce_2d)
            len *= x->dims[i]; /* opset < 13: everything from axis on is one row */
        else
            inner *= x->dims[i];
    }
    vkc_kdispatch *d = cg_dispatch(c, "softmax");
    cg_def(c, d, "OUTER %" PRId64, outer);
    cg_def(c, d, "LEN %" PRId64, len);
    cg_def(c, d, "INNER %" PRId64, inner);
    cg_def(c, d, "LOG %d", n->op == VKC_OP_LOG_SOFTMAX);
    cg_bind(c, d, n->outputs[0], VKC_WRITE);
    cg_bind(c, d, cg_in_index(c, 0), VKC_READ);
    cg_grid(c, d, (uint64_t)(outer * inner));
}
