/* Lowering of the reductions (Reduce*) -> shaders/reduce.comp, and the
 * choice of lanes per output shared with lower_norm.c.
 *
 * X's axes are merged into alternating groups of kept and reduced axes
 * (size-1 axes dropped: their coordinate is 0), so any set of axes of a
 * rank <= 8 tensor is at most 4 kept and 4 reduced groups. The rule for
 * lanes (invocations per output):
 * - the innermost group reduced (the last axis, a CNN's spatial axes, all
 *   axes): each output's elements are one contiguous run, read by its lanes
 *   at consecutive addresses. Many outputs (VKC_REDUCE_ROWS or more): one
 *   subgroup per output where the device's subgroup size is fixed and it has
 *   subgroup arithmetic (RED_ROWS: no shared memory, no barrier; a warp on a
 *   GPU, a SIMD vector on a CPU driver); else up to a workgroup per output,
 *   so that a few long reductions spread over invocations;
 * - the innermost group kept (a reduction over channels or batch): lanes 1
 *   when the outputs alone fill the device (VKC_REDUCE_WIDE), so that
 *   consecutive invocations read consecutive memory; else up to a workgroup.
 * Measured on lavapipe (2 cores shared with other jobs: +-50%), before and
 * after the subgroup per output: ReduceMax over the last axis of
 * [4096, 1000] 230-260 -> 70-80 ms; ReduceMean over the spatial axes of
 * [1, 256, 56, 56] 6.5 -> 3.7 ms; LayerNormalization (lower_norm.c) of 3136
 * rows of 96, 75-90 -> 3-7 ms: a workgroup's barriers dominated.
 * VKCNN_REDUCE_TREE=1 turns the subgroup forms off (tests cover both). */
#include <inttypes.h>
#include <stdlib.h>

#include "codegen/codegen_internal.h"
#include "vk/sequence.h"

/* Outputs from which a reduction whose innermost axis is kept runs one
 * invocation per output. */
#define VKC_REDUCE_WIDE 2048
/* Outputs from which a contiguous reduction runs one subgroup per output. */
#define VKC_REDUCE_ROWS 256

/* The largest power of two <= v (v >= 1). */
static uint32_t pow2_floor(uint64_t v) {
    uint32_t p = 1;
    while ((uint64_t)p * 2 <= v && p < (1u << 30))
        p *= 2;
    return p;
}

/* The subgroup size when lanes may combine through subgroup operations (a
 * fixed size dividing the workgroup, arithmetic and vote), else 0. */
static uint32_t subgroup_lanes(const vkc_cg *c) {
    uint32_t sg = c->t->subgroup_fixed;
    uint32_t need = VKCNN_SUBGROUP_ARITHMETIC | VKCNN_SUBGROUP_VOTE;
    if (sg > 1 && c->t->local_size % sg == 0 && (c->t->subgroup_ops & need) == need &&
        !getenv("VKCNN_REDUCE_TREE"))
        return sg;
    return 0;
}

uint32_t vkc_reduce_lanes(const vkc_cg *c, uint64_t outputs, uint64_t per, bool contiguous) {
    uint32_t local = c->t->local_size, cap = 1, sg = subgroup_lanes(c);
    while (cap * 2 <= local && local % (cap * 2) == 0)
        cap *= 2; /* a power of two dividing the workgroup */
    uint32_t lanes = pow2_floor(per ? per : 1);
    if (lanes > cap) lanes = cap;
    if (contiguous && sg && outputs >= VKC_REDUCE_ROWS && per >= 4) lanes = sg;
    if (!contiguous && outputs >= VKC_REDUCE_WIDE) lanes = 1;
    while (lanes > 1 && outputs * lanes > ((uint64_t)1 << 30))
        lanes /= 2;
    return lanes;
}

void vkc_reduce_defines(vkc_cg *c, vkc_kdispatch *d, uint32_t lanes) {
    cg_def(c, d, "LANES %" PRIu32, lanes);
    uint32_t sg = subgroup_lanes(c);
    if (sg && lanes == sg)
        cg_def(c, d, "RED_ROWS 1"); /* a subgroup per group of lanes */
    else if (sg && lanes == c->t->local_size)
        cg_def(c, d, "RED_SG %" PRIu32, sg); /* subgroups, then one barrier */
}

static int reduce_code(vkc_op op) {
    switch (op) {
    case VKC_OP_REDUCE_SUM: return 0;
    case VKC_OP_REDUCE_MEAN: return 1;
    case VKC_OP_REDUCE_MAX: return 2;
    case VKC_OP_REDUCE_MIN: return 3;
    case VKC_OP_REDUCE_PROD: return 4;
    case VKC_OP_REDUCE_L1: return 5;
    case VKC_OP_REDUCE_L2: return 6;
    case VKC_OP_REDUCE_SUM_SQUARE: return 7;
    case VKC_OP_REDUCE_LOG_SUM: return 8;
    default: return 9; /* ReduceLogSumExp */
    }
}

void vkc_lower_reduce(vkc_cg *c) {
    const vkc_node *n = cg_node(c);
    const vkc_reduce_attrs *a = &n->attrs.reduce;
    const vkc_tensor *x = cg_in(c, 0), *y = cg_out(c);
    bool reduced[VKC_MAX_RANK] = {false};
    for (uint32_t i = 0; i < a->count; i++)
        reduced[a->axes[i]] = true;
    int64_t xs[VKC_MAX_RANK], gd[VKC_MAX_RANK], gs[VKC_MAX_RANK];
    bool gr[VKC_MAX_RANK];
    uint32_t groups = 0;
    cg_dense_strides(x->rank, x->dims, xs);
    for (uint32_t i = 0; i < x->rank; i++) {
        if (x->dims[i] == 1) continue;
        if (groups && gr[groups - 1] == reduced[i]) { /* dense: the run continues */
            gd[groups - 1] *= x->dims[i];
            gs[groups - 1] = xs[i];
            continue;
        }
        gd[groups] = x->dims[i];
        gs[groups] = xs[i];
        gr[groups++] = reduced[i];
    }
    int64_t kd[VKC_MAX_RANK], ks[VKC_MAX_RANK], rd[VKC_MAX_RANK] = {1}, rs[VKC_MAX_RANK] = {0};
    uint32_t nk = 0, nr = 0;
    uint64_t per = 1;
    for (uint32_t i = 0; i < groups; i++) {
        if (gr[i]) {
            rd[nr] = gd[i];
            rs[nr++] = gs[i];
            per *= (uint64_t)gd[i];
        } else {
            kd[nk] = gd[i];
            ks[nk++] = gs[i];
        }
    }
    if (nr == 0) nr = 1; /* only size-1 axes reduced: one element per output */
    uint32_t lanes = vkc_reduce_lanes(c, y->elements, per, groups && gr[groups - 1]);
    char list[256];
    vkc_kdispatch *d = cg_dispatch(c, "reduce");
    cg_def(c, d, "OP %d", reduce_code(n->op));
    cg_def(c, d, "OUTS %" PRIu64 "u", y->elements);
    cg_def(c, d, "RED %" PRIu64 "u", per);
    cg_def(c, d, "KEPT_N %" PRIu32, nk);
    if (nk) {
        cg_def(c, d, "KEPT_DIMS %s", cg_list(list, sizeof list, kd, nk, "u"));
        cg_def(c, d, "KEPT_STRIDES %s", cg_list(list, sizeof list, ks, nk, "u"));
    }
    cg_def(c, d, "RED_N %" PRIu32, nr);
    cg_def(c, d, "RED_DIMS %s", cg_list(list, sizeof list, rd, nr, "u"));
    cg_def(c, d, "RED_STRIDES %s", cg_list(list, sizeof list, rs, nr, "u"));
    vkc_reduce_defines(c, d, lanes);
    cg_bind(c, d, n->outputs[0], VKC_WRITE);
    cg_bind(c, d, cg_in_index(c, 0), VKC_READ);
    cg_grid(c, d, y->elements * lanes);
}
