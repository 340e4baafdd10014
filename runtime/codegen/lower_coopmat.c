/* Lowering to shaders/coopmat_gemm.comp (variant cm: cooperative matrices,
 * tensor cores): a Conv as an implicit GEMM (1x1 without padding through
 * its own X index), a Gemm, a MatMul with a 2-D B, and the Winograd GEMM
 * (lower_winograd.c calls vkc_lower_coopmat_winograd for its second
 * dispatch). One template, its loader mode (CM_MODE) by the node; the
 * tile BM x BN is the variant's block, the fragment shape the device's
 * (vkc_device_caps.coopmat_*), the subgroup size pinned in the pipeline
 * (vkc_kdispatch.subgroup_size) where the device can pin it.
 *
 * Numerics: both operands are rounded to fp16 as they are staged (a
 * relative error of 2^-11 each), products accumulate in fp32; bias, C and
 * the fused post-ops are applied in fp32 to the fp32 result. */
#include <inttypes.h>
#include <stdio.h>

#include "codegen/choose.h"
#include "codegen/codegen_internal.h"
#include "vk/sequence.h"

/* The workgroup's grid of subgroups, and the K step staged per barrier. */
#define CM_SGM 2
#define CM_SGN 2
#define CM_BK 32
/* Largest tile side: the string form's largest block */
#define CM_MAX_TILE 64

/* The subgroup size the kernel runs with: the device's default. */
static uint32_t cm_subgroup(const vkc_codegen_target *t) {
    return t->caps.subgroup_size;
}

static uint32_t cm_bk(const vkc_codegen_target *t) {
    uint32_t k = t->caps.coopmat_k;
    return k && k < CM_BK ? CM_BK / k * k : k;
}

bool vkc_coopmat_usable(const vkc_codegen_target *t) {
    const vkc_device_caps *c = &t->caps;
    uint32_t sg = cm_subgroup(t);
    /* the kernel's subgroup size: pinned, or the only one the device has */
    bool pinned = c->subgroup_pin || (t->subgroup_fixed && t->subgroup_fixed == sg);
    return c->coopmat_m && c->coopmat_n && c->coopmat_k && sg && pinned &&
           (uint64_t)CM_SGM * CM_SGN * sg <= t->caps.max_workgroup_invocations;
}

bool vkc_coopmat_block_ok(const vkc_codegen_target *t, int64_t bm, int64_t bn) {
    const vkc_device_caps *c = &t->caps;
    if (!vkc_coopmat_usable(t) || bm < 1 || bn < 1 || bm > CM_MAX_TILE || bn > CM_MAX_TILE ||
        bm % (CM_SGM * (int64_t)c->coopmat_m) || bn % (CM_SGN * (int64_t)c->coopmat_n))
        return false;
    int64_t bk = cm_bk(t);
    uint64_t shared = (uint64_t)(bm * (bk + 8) * 2 + bk * (bn + 8) * 2) +
                      (uint64_t)CM_SGM * CM_SGN * c->coopmat_m * c->coopmat_n * 4;
    return shared <= c->shared_memory;
}

/* The defines every mode shares, the grid (GB x ceil(GR/BM) x ceil(GC/BN)
 * workgroups of CM_SGM x CM_SGN subgroups) and the pinned subgroup size. */
static void cm_common(vkc_cg *c, vkc_kdispatch *d, int mode, uint64_t gb, int64_t gr, int64_t gc) {
    const vkc_codegen_target *t = c->t;
    int64_t bm = c->v.bm, bn = c->v.bn;
    if (c->st || !d) return;
    if (!vkc_coopmat_block_ok(t, bm, bn) || gr < 1 || gc < 1) {
        cg_fail(c, VKCNN_ERROR_INVALID_ARGUMENT,
                "the cooperative-matrix variant %" PRId64 "x%" PRId64
                " is not possible here (device shape %ux%ux%u, subgroup %u)",
                bm, bn, t->caps.coopmat_m, t->caps.coopmat_n, t->caps.coopmat_k,
                t->caps.subgroup_size);
        return;
    }
    uint32_t sg = cm_subgroup(t);
    cg_def(c, d, "CM_MODE %d", mode);
    cg_def(c, d, "CM_M %u", t->caps.coopmat_m);
    cg_def(c, d, "CM_N %u", t->caps.coopmat_n);
    cg_def(c, d, "CM_K %u", t->caps.coopmat_k);
    cg_def(c, d, "CM_SG %u", sg);
    cg_def(c, d, "SGM %d", CM_SGM);
    cg_def(c, d, "SGN %d", CM_SGN);
    cg_def(c, d, "BM %" PRId64, bm);
    cg_def(c, d, "BN %" PRId64, bn);
    cg_def(c, d, "BK %u", cm_bk(t));
    uint64_t groups = gb * (uint64_t)((gr + bm - 1) / bm) * (uint64_t)((gc + bn - 1) / bn);
    cg_def(c, d, "GROUPS %" PRIu64 "u", groups);
    /* the kernel's own workgroup: CM_SGM x CM_SGN subgroups */
    vkc_codegen_target tt = *t;
    tt.local_size = CM_SGM * CM_SGN * sg;
    c->t = &tt;
    cg_grid(c, d, groups * tt.local_size);
    c->t = t;
    d->subgroup_size = t->caps.subgroup_pin ? sg : 0;
}

static void lower_conv(vkc_cg *c) {
    const vkc_node *node = cg_node(c);
    const vkc_window_attrs *a = &node->attrs.window;
    const vkc_tensor *x = cg_in(c, 0), *w = cg_in(c, 1), *b = cg_in(c, 2), *y = cg_out(c);
    if ((x->rank != 3 && x->rank != 4) || node->pool || a->group < 1 ||
        vkc_codegen_chunking(c->t, w->elements).count != 1) {
        cg_fail(c, VKCNN_ERROR_INVALID_ARGUMENT,
                "the cooperative-matrix variant needs a 1-D or 2-D conv without a fused pool "
                "and W in one binding");
        return;
    }
    cg_spatial s = cg_window_geometry(a, x, y); /* a 1-D conv has H = KH = 1 */
    int64_t n = x->dims[0], ch = x->dims[1], m = w->dims[0];
    int64_t mg = m / a->group;
    uint32_t xs = cg_in_scale(c);
    vkc_kdispatch *d = cg_dispatch(c, "coopmat_gemm");
    cm_common(c, d, 2, (uint64_t)a->group, mg, n * s.oh * s.ow);
    cg_def(c, d, "N %" PRId64, n);
    cg_def(c, d, "C %" PRId64, ch);
    cg_def(c, d, "M %" PRId64, m);
    cg_def(c, d, "GROUP %" PRId64, a->group);
    cg_def_window(c, d, &s);
    /* 1x1 without padding: X read at the strided pixel, no window */
    if (s.kh == 1 && s.kw == 1 && !s.pt && !s.pl && !s.pb && !s.pr) cg_def(c, d, "CONV1X1 1");
    cg_def(c, d, "HAS_BIAS %d", b ? 1 : 0);
    if (xs != VKC_NONE)
        cg_def(c, d, "XSCALE %d", node->in_scale_kind == VKC_OPERAND_IMAGE_CHANNEL ? 2 : 1);
    if (cg_half(c, cg_in_index(c, 1))) cg_def(c, d, "WT_HALF 1");
    cg_epilogue_defines(c, d, (uint64_t)(s.oh * s.ow));
    cg_bind_act(c, d, node->outputs[0], VKC_WRITE, "Y_HALF");
    cg_bind_act(c, d, cg_in_index(c, 0), VKC_READ, "X_HALF");
    cg_bind(c, d, cg_in_index(c, 1), VKC_READ);
    if (b) cg_bind(c, d, cg_in_index(c, 2), VKC_READ);
    if (xs != VKC_NONE) cg_bind(c, d, xs, VKC_READ);
    cg_epilogue_bind(c, d);
}

static void lower_gemm(vkc_cg *c) {
    const vkc_gemm_attrs *a = &cg_node(c)->attrs.gemm;
    const vkc_tensor *ta = cg_in(c, 0), *tb = cg_in(c, 1), *tc = cg_in(c, 2), *y = cg_out(c);
    char f[48];
    int64_t m = y->dims[0], n = y->dims[1];
    int64_t k = a->trans_a ? ta->dims[0] : ta->dims[1];
    if (k < 1 || vkc_codegen_chunking(c->t, tb->elements).count != 1) {
        cg_fail(c, VKCNN_ERROR_INVALID_ARGUMENT,
                "the cooperative-matrix variant needs B in one binding");
        return;
    }
    vkc_kdispatch *d = cg_dispatch(c, "coopmat_gemm");
    cm_common(c, d, 1, 1, m, n);
    cg_def(c, d, "M %" PRId64, m);
    cg_def(c, d, "N %" PRId64, n);
    cg_def(c, d, "K %" PRId64, k);
    cg_def(c, d, "TRANS_A %d", a->trans_a ? 1 : 0);
    cg_def(c, d, "TRANS_B %d", a->trans_b ? 1 : 0);
    cg_def(c, d, "ALPHA %s", cg_float(f, a->alpha));
    cg_def(c, d, "BETA %s", cg_float(f, a->beta));
    if (cg_half(c, cg_in_index(c, 1))) cg_def(c, d, "WT_HALF 1");
    cg_epilogue_defines(c, d, 1);
    bool has_c = cg_def_gemm_c(c, d, tc);
    cg_bind(c, d, cg_node(c)->outputs[0], VKC_WRITE);
    cg_bind(c, d, cg_in_index(c, 0), VKC_READ);
    cg_bind(c, d, cg_in_index(c, 1), VKC_READ);
    if (has_c) cg_bind(c, d, cg_in_index(c, 2), VKC_READ);
    cg_epilogue_bind(c, d);
}

/* MatMul with a 2-D B [K, N]: A's leading axes flattened into M rows. */
static void lower_matmul(vkc_cg *c) {
    const vkc_tensor *ta = cg_in(c, 0), *tb = cg_in(c, 1);
    int64_t k = ta->dims[ta->rank - 1], n = tb->rank == 2 ? tb->dims[1] : 0;
    if (tb->rank != 2 || ta->rank < 1 || k < 1 || n < 1 || tb->dims[0] != k ||
        vkc_codegen_chunking(c->t, tb->elements).count != 1) {
        cg_fail(c, VKCNN_ERROR_INVALID_ARGUMENT,
                "the cooperative-matrix variant needs a 2-D B in one binding");
        return;
    }
    int64_t m = (int64_t)(ta->elements / (uint64_t)k);
    vkc_kdispatch *d = cg_dispatch(c, "coopmat_gemm");
    cm_common(c, d, 1, 1, m, n);
    cg_def(c, d, "M %" PRId64, m);
    cg_def(c, d, "N %" PRId64, n);
    cg_def(c, d, "K %" PRId64, k);
    cg_def(c, d, "TRANS_A 0");
    cg_def(c, d, "TRANS_B 0");
    if (cg_half(c, cg_in_index(c, 1))) cg_def(c, d, "WT_HALF 1");
    cg_epilogue_defines(c, d, 1);
    cg_bind(c, d, cg_node(c)->outputs[0], VKC_WRITE);
    cg_bind(c, d, cg_in_index(c, 0), VKC_READ);
    cg_bind(c, d, cg_in_index(c, 1), VKC_READ);
    cg_epilogue_bind(c, d);
}

void vkc_lower_coopmat(vkc_cg *c) {
    switch (cg_node(c)->op) {
    case VKC_OP_CONV: lower_conv(c); break;
    case VKC_OP_GEMM: lower_gemm(c); break;
    case VKC_OP_MATMUL: lower_matmul(c); break;
    default: cg_fail(c, VKCNN_ERROR_INVALID_ARGUMENT, "has no cooperative-matrix kernel"); break;
    }
}

void vkc_lower_coopmat_winograd(vkc_cg *c, int64_t tile, int64_t cs, int64_t mp, int64_t pp,
                                uint32_t mt, uint32_t v) {
    int64_t a2 = (tile + 2) * (tile + 2);
    vkc_kdispatch *d = cg_dispatch(c, "coopmat_gemm");
    cm_common(c, d, 3, (uint64_t)a2, mp, pp);
    cg_def(c, d, "T %" PRId64, tile);
    cg_def(c, d, "C %" PRId64, cs);
    cg_def(c, d, "MP %" PRId64, mp);
    cg_def(c, d, "PP %" PRId64, pp);
    if (cg_half(c, c->winograd)) cg_def(c, d, "WT_HALF 1");
    cg_bind_scratch(c, d, mt, VKC_WRITE);
    cg_bind(c, d, c->winograd, VKC_READ);
    cg_bind_scratch(c, d, v, VKC_READ);
}
