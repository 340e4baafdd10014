/* Lowering of Resize and Upsample -> resize.comp. Inference resolved the
 * output coordinates of every axis into a table of input indices and
 * weights (graph/infer_data.c: computed in double once, so the kernel and
 * the reference agree on every rounding tie); the kernel reads X through
 * it. Linear interpolation runs over the axes where some weight is not 0. */
#include <inttypes.h>
#include <stdio.h>

#include "codegen/codegen_internal.h"
#include "vk/sequence.h"

void vkc_lower_resize(vkc_cg *c) {
    const vkc_node *n = cg_node(c);
    const vkc_resize_attrs *r = &n->attrs.resize;
    const vkc_tensor *x = cg_in(c, 0), *y = cg_out(c), *t = cg_in(c, 1);
    uint64_t entries = 0;
    for (uint32_t d = 0; d < y->rank; d++)
        entries += (uint64_t)y->dims[d];
    if (x->elements == 0 || !t || !t->data || t->elements != 3 * entries || x->rank != y->rank) {
        cg_fail(c, VKCNN_ERROR_INVALID_MODEL, "has no coordinate table for its shapes");
        return;
    }
    uint32_t rank = x->rank;
    int64_t offsets[VKC_MAX_RANK], lin[VKC_MAX_RANK], off = 0;
    uint32_t nlin = 0;
    const float *tab = t->data;
    for (uint32_t d = 0; d < rank; d++) {
        offsets[d] = off;
        bool weighs = false;
        for (int64_t k = 0; k < y->dims[d]; k++)
            weighs |= tab[3 * (off + k) + 2] != 0.0f;
        if (weighs) lin[nlin++] = d;
        off += y->dims[d];
    }
    char list[VKC_CODEGEN_DEFINES_MAX / 4], f[48];
    vkc_kdispatch *d = cg_dispatch(c, "resize");
    cg_def(c, d, "RANK %" PRIu32, rank);
    cg_def(c, d, "IN_DIMS %s", cg_list(list, sizeof list, x->dims, rank, ""));
    cg_def(c, d, "OUT_DIMS %s", cg_list(list, sizeof list, y->dims, rank, "u"));
    cg_def(c, d, "TABLE_OFFSETS %s", cg_list(list, sizeof list, offsets, rank, "u"));
    cg_def(c, d, "LINEAR %d", r->mode == VKC_RESIZE_LINEAR && nlin ? 1 : 0);
    if (r->mode == VKC_RESIZE_LINEAR && nlin) {
        cg_def(c, d, "LINEAR_COUNT %" PRIu32, nlin);
        cg_def(c, d, "LINEAR_AXES %s", cg_list(list, sizeof list, lin, nlin, ""));
    }
    if (r->coord == VKC_COORD_TF_CROP_AND_RESIZE) {
        cg_def(c, d, "CROP 1");
        cg_def(c, d, "EXTRAPOLATION %s", cg_float(f, r->extrapolation));
    }
    cg_bind(c, d, n->outputs[0], VKC_WRITE);
    cg_bind(c, d, cg_in_index(c, 0), VKC_READ);
    cg_bind(c, d, cg_in_index(c, 1), VKC_READ);
    cg_grid(c, d, y->elements);
}
