/* Lowering of matrix products to gemm.comp: Gemm (transposes, alpha, beta,
 * C broadcast to [M, N]) and MatMul (numpy batch broadcasting, 1-D operands).
 * B, the weight in classifier layers, may be split across bindings. */
#include <inttypes.h>

#include "codegen/codegen_internal.h"
#include "vk/sequence.h"

void vkc_lower_gemm(vkc_cg *c) {
    const vkc_gemm_attrs *a = &cg_node(c)->attrs.gemm;
    const vkc_tensor *ta = cg_in(c, 0), *tc = cg_in(c, 2), *y = cg_out(c);
    char f[48];
    int64_t m = y->dims[0], n = y->dims[1];
    int64_t k = a->trans_a ? ta->dims[0] : ta->dims[1];
    vkc_kdispatch *d = cg_dispatch(c, "gemm");
    cg_def(c, d, "M %" PRId64, m);
    cg_def(c, d, "N %" PRId64, n);
    cg_def(c, d, "K %" PRId64, k);
    cg_def(c, d, "TRANS_A %d", a->trans_a ? 1 : 0);
    cg_def(c, d, "TRANS_B %d", a->trans_b ? 1 : 0);
    cg_def(c, d, "ALPHA %s", cg_float(f, a->alpha));
    cg_def(c, d, "BETA %s", cg_float(f, a->beta));
    cg_epilogue_defines(c, d);
    /* C of rank 0, 1 or 2 broadcast to [M, N]: a size-1 (or missing) axis
     * gets stride 0. */
    bool has_c = tc && tc->elements > 0;
    if (has_c) {
        int64_t dm = tc->rank == 2 ? tc->dims[0] : 1;
        int64_t dn = tc->rank >= 1 ? tc->dims[tc->rank - 1] : 1;
        cg_def(c, d, "HAS_C 1");
        cg_def(c, d, "C_SM %" PRId64 "u", dm == 1 ? (int64_t)0 : dn);
        cg_def(c, d, "C_SN %" PRId64 "u", dn == 1 ? (int64_t)0 : (int64_t)1);
    }
    cg_bind(c, d, cg_node(c)->outputs[0], VKC_WRITE);
    cg_bind(c, d, cg_in_index(c, 0), VKC_READ);
    cg_bind_split(c, d, cg_in_index(c, 1));
    if (has_c) cg_bind(c, d, cg_in_index(c, 2), VKC_READ);
    cg_epilogue_bind(c, d);
    cg_grid(c, d, y->elements);
}

void vkc_lower_matmul(vkc_cg *c) {
    const vkc_tensor *ta = cg_in(c, 0), *tb = cg_in(c, 1), *y = cg_out(c);
    char list[256];
    /* 1-D operands act as [1, K] and [K, 1]. */
    int64_t k = ta->dims[ta->rank - 1];
    int64_t m = ta->rank >= 2 ? ta->dims[ta->rank - 2] : 1;
    int64_t n = tb->rank >= 2 ? tb->dims[tb->rank - 1] : 1;
    uint32_t ar = ta->rank > 2 ? ta->rank - 2 : 0, br = tb->rank > 2 ? tb->rank - 2 : 0;
    uint32_t rank = ar > br ? ar : br;
    int64_t dims[VKC_MAX_RANK], strides[2][VKC_MAX_RANK];
    int64_t sa = m * k, sb = k * n; /* matrix strides, walked from the last batch axis */
    for (uint32_t i = rank; i-- > 0;) {
        int64_t da = i < rank - ar ? 1 : ta->dims[i - (rank - ar)];
        int64_t db = i < rank - br ? 1 : tb->dims[i - (rank - br)];
        dims[i] = da == 1 ? db : da;
        strides[0][i] = da == 1 ? 0 : sa;
        strides[1][i] = db == 1 ? 0 : sb;
        sa *= da;
        sb *= db;
    }
    if (rank) rank = cg_collapse(rank, dims, strides, 2);
    bool batched = rank > 1 || (rank == 1 && dims[0] > 1);
    vkc_kdispatch *d = cg_dispatch(c, "gemm");
    cg_def(c, d, "M %" PRId64, m);
    cg_def(c, d, "N %" PRId64, n);
    cg_def(c, d, "K %" PRId64, k);
    if (batched) {
        cg_def(c, d, "BATCH_RANK %" PRIu32, rank);
        cg_def(c, d, "BATCH_DIMS %s", cg_list(list, sizeof list, dims, rank, "u"));
        cg_def(c, d, "A_BSTR %s", cg_list(list, sizeof list, strides[0], rank, "u"));
        cg_def(c, d, "B_BSTR %s", cg_list(list, sizeof list, strides[1], rank, "u"));
    }
    /* a fused bias Add: one value per column, gemm.comp's C with row stride 0 */
    uint32_t bias = cg_epilogue_bias(c);
    if (bias != VKC_NONE) {
        cg_def(c, d, "HAS_C 1");
        cg_def(c, d, "C_SM 0u");
        cg_def(c, d, "C_SN 1u");
    }
    cg_epilogue_defines(c, d);
    cg_bind(c, d, cg_node(c)->outputs[0], VKC_WRITE);
    cg_bind(c, d, cg_in_index(c, 0), VKC_READ);
    cg_bind_split(c, d, cg_in_index(c, 1));
    if (bias != VKC_NONE) cg_bind(c, d, bias, VKC_READ);
    cg_epilogue_bind(c, d);
    cg_grid(c, d, y->elements);
}
