/* Lowering of matrix products: Gemm (transposes, alpha, beta, C broadcast to
 * [M, N]) and MatMul (numpy batch broadcasting, 1-D operands). B, the weight
 * in classifier layers, may be split across bindings.
 *
 * A Gemm runs as its variant says (choose.c has the rule and the
 * measurements behind it):
 * - gemm_tile.comp (B transposed, A not, B in one binding): register blocks
 *   of TM x TN outputs per invocation;
 * - gemv.comp (B transposed, M partial sums per invocation within the
 *   shared memory): reads each weight once (split-K inside a workgroup of
 *   NC columns; the small-batch classifier case, memory bound); with
 *   "texel", B (and A) through uniform texel buffers (WT_TEXEL) where K and
 *   the chunks allow, else vec4 loads (8 floats per load where the target
 *   has wide loads); on the texel path B is read in the blocked order that
 *   passes/gemv_pack.c marked it for, the variant's NC and the target's
 *   bindings (WT_PACKED: one stream per workgroup instead of NC; the
 *   executor stores B so, vkc_lowering.packed_b), where B is fp32; with
 *   "sg" the partial sums reduced by subgroupAdd;
 * - gemm.comp, one invocation per output: everything else, and MatMul (B
 *   is [K, N]: consecutive invocations already read consecutive n) but
 * - a MatMul with a 2-D B, by default (choose.c), as gemm_tile.comp reading
 *   B as [K, N]. */
#include <inttypes.h>
#include <stdlib.h>

#include "codegen/codegen_internal.h"
#include "vk/sequence.h"

bool cg_def_gemm_c(vkc_cg *c, vkc_kdispatch *d, const vkc_tensor *tc) {
    if (!tc || tc->elements == 0) return false;
    int64_t dm = tc->rank == 2 ? tc->dims[0] : 1;
    int64_t dn = tc->rank >= 1 ? tc->dims[tc->rank - 1] : 1;
    cg_def(c, d, "HAS_C 1");
    cg_def(c, d, "C_SM %" PRId64 "u", dm == 1 ? (int64_t)0 : dn);
    cg_def(c, d, "C_SN %" PRId64 "u", dn == 1 ? (int64_t)0 : (int64_t)1);
    return true;
}

/* Shared memory gemv.comp may use: Vulkan's guaranteed minimum (choose.c
 * keeps NC * M partial sums per invocation within it). */
#define GEMV_SHARED_BYTES 16384

void vkc_lower_gemm(vkc_cg *c) {
    if (c->v.algo == VKC_ALGO_COOPMAT) {
        vkc_lower_coopmat(c); /* lower_coopmat.c */
        return;
    }
    const vkc_gemm_attrs *a = &cg_node(c)->attrs.gemm;
    const vkc_tensor *ta = cg_in(c, 0), *tb = cg_in(c, 1), *tc = cg_in(c, 2), *y = cg_out(c);
    char f[48];
    int64_t m = y->dims[0], n = y->dims[1];
    int64_t k = a->trans_a ? ta->dims[0] : ta->dims[1];
    vkc_chunking bch = vkc_codegen_chunking(c->t, tb->elements);
    bool half = cg_half(c, cg_in_index(c, 1));
    bool tile = c->v.algo == VKC_ALGO_GEMM_TILE, gemv = c->v.algo == VKC_ALGO_GEMV;
    /* B blocked (passes/gemv_pack.c) for gemv.comp's texel path, fp32: set
     * below, with the floats it is stored as (padding included) */
    bool packed = false;
    uint64_t pack_elements = 0;
    int64_t nc = gemv ? c->v.bm : 1, tm = c->v.bm, tn = c->v.bn;
    if ((tile && (!a->trans_b || a->trans_a || k < 1 || bch.count != 1 || tm < 1 || tn < 1)) ||
        (gemv && (!a->trans_b || m < 1 || k < 1 || nc < 1 || nc > n ||
                  (uint64_t)(nc * m) * c->t->local_size * 4 > GEMV_SHARED_BYTES)) ||
        (!tile && !gemv && c->v.algo != VKC_ALGO_GEMM)) {
        cg_fail(c, VKCNN_ERROR_INVALID_ARGUMENT, "kernel variant not possible here");
        return;
    }
    vkc_kdispatch *d = cg_dispatch(c, tile ? "gemm_tile" : gemv ? "gemv" : "gemm");
    /* gemv.comp's workgroup: the variant's, or the target's (0) */
    uint32_t local = gemv && c->v.local ? c->v.local : c->t->local_size;
    if (d && gemv) d->local_size = c->v.local;
    cg_def(c, d, "M %" PRId64, m);
    cg_def(c, d, "N %" PRId64, n);
    cg_def(c, d, "K %" PRId64, k);
    if (tile) {
        cg_def(c, d, "TM %" PRId64, tm);
        cg_def(c, d, "TN %" PRId64, tn);
        cg_def(c, d, "VEC4 %d", k % 4 == 0 ? 1 : 0);
    } else if (gemv) {
        cg_def(c, d, "TRANS_A %d", a->trans_a ? 1 : 0);
        /* vec4 rows need K % 4 == 0 and every chunk to start a whole vec4 */
        vkc_chunking ch = bch;
        bool vec4 = k % 4 == 0 && (ch.count == 1 || ch.chunk % 4 == 0);
        /* 8 floats per load where the device runs loads lane by lane */
        bool vec8 = vec4 && c->t->wide_loads && !a->trans_a && k % 8 == 0 &&
                    (ch.count == 1 || ch.chunk % 8 == 0);
        /* fp16 B: a u64vec4 holds 16 weights, so VEC8 steps K by 16 */
        if (half) vec8 = vec8 && k % 16 == 0 && (ch.count == 1 || ch.chunk % 16 == 0);
        /* B through texel buffers: 8 elements per step, whole texels per chunk */
        bool texel = !a->trans_a && k % 8 == 0 && (ch.count == 1 || ch.chunk % 8 == 0) &&
                     cg_texels_fit(c, ch.count == 1 ? tb->elements : ch.chunk, half) &&
                     cg_texels_fit(c, ta->elements, false);
        cg_def(c, d, "NC %" PRId64, nc);
        if (texel) {
            cg_def(c, d, "WT_TEXEL 1");
            /* B blocked where the passes marked it for this NC and these
             * bindings (passes.h vkc_gemv_pack_offset) */
            const vkc_node *node = cg_node(c);
            uint64_t gchunk = node->gemv_chunk;
            packed = node->gemv_packed == cg_in_index(c, 1) && node->gemv_nc == (uint32_t)nc &&
                     !half && gchunk <= INT64_MAX &&
                     (!gchunk || vkc_gemv_pack_groups(k, nc, (int64_t)gchunk) >= 1);
            if (packed) {
                pack_elements = (uint64_t)vkc_gemv_pack_size(k, n, nc, (int64_t)gchunk);
                vkc_chunking pch = vkc_codegen_chunking(c->t, pack_elements);
                packed = gchunk ? pch.count > 1 && pch.count <= VKC_CODEGEN_MAX_CHUNKS &&
                                      pch.chunk == gchunk && cg_texels_fit(c, gchunk, false)
                                : pch.count == 1 && cg_texels_fit(c, pack_elements, false);
            }
            if (packed) {
                cg_def(c, d, "WT_PACKED 1");
                /* groups of NC rows per binding: never straddling two */
                int64_t gpc =
                    gchunk ? vkc_gemv_pack_groups(k, nc, (int64_t)gchunk) : (n + nc - 1) / nc;
                cg_def(c, d, "WT_GPC %" PRId64 "u", gpc);
            }
        } else {
            cg_def(c, d, "VEC4 %d", vec4 ? 1 : 0);
            if (vec8) cg_def(c, d, "VEC8 1");
        }
        uint32_t sg = c->t->mx_subgroup_size;
        cg_def(c, d, "SG_WIDTH %" PRIu32, sg && sg < local ? sg : local);
        /* the reduction through subgroupAdd: the subgroup size is fixed and
         * divides the workgroup (choose.c offers "sg" only then) */
        uint32_t fixed = c->t->subgroup_fixed;
        if (c->v.reduce == VKC_REDUCE_SUBGROUP) {
            if (fixed <= 1 || local % fixed || !(c->t->subgroup_ops & VKCNN_SUBGROUP_ARITHMETIC)) {
                cg_fail(c, VKCNN_ERROR_INVALID_ARGUMENT, "gemv: no fixed subgroup for subgroupAdd");
                return;
            }
            cg_def(c, d, "SG_RED %" PRIu32, fixed);
        }
    } else {
        cg_def(c, d, "TRANS_A %d", a->trans_a ? 1 : 0);
        cg_def(c, d, "TRANS_B %d", a->trans_b ? 1 : 0);
    }
    cg_def(c, d, "ALPHA %s", cg_float(f, a->alpha));
    cg_def(c, d, "BETA %s", cg_float(f, a->beta));
    cg_epilogue_defines(c, d, 1);
    bool has_c = cg_def_gemm_c(c, d, tc);
    cg_bind(c, d, cg_node(c)->outputs[0], VKC_WRITE);
    cg_bind(c, d, cg_in_index(c, 0), VKC_READ);
    if (tile) {
        cg_bind(c, d, cg_in_index(c, 1), VKC_READ);
        if (half) cg_def(c, d, "WT_HALF 1");
    } else if (packed) {
        cg_bind_split_elements(c, d, cg_in_index(c, 1), pack_elements);
        c->out->packed_b = !c->st;
    } else {
        cg_bind_split(c, d, cg_in_index(c, 1));
    }
    if (has_c) cg_bind(c, d, cg_in_index(c, 2), VKC_READ);
    cg_epilogue_bind(c, d);
    /* The grid, computed here once and passed to the shader. */
    uint64_t groups = 0;
    if (tile) { /* TM rows x local * TN columns per workgroup */
        uint64_t ngn = ((uint64_t)n + local * (uint64_t)tn - 1) / (local * (uint64_t)tn);
        groups = (uint64_t)((m + tm - 1) / tm) * ngn;
        cg_def(c, d, "NGROUPS_N %" PRIu64 "u", ngn);
        cg_def(c, d, "GROUPS %" PRIu64 "u", groups);
    } else if (gemv) { /* NC columns per workgroup */
        groups = (uint64_t)((n + nc - 1) / nc);
        cg_def(c, d, "GROUPS %" PRIu64 "u", groups);
    }
    cg_grid(c, d, groups ? groups * (uint64_t)local : y->elements);
}

/* MatMul with a 2-D B (a Linear layer on N-D activations: ConvNeXt's on
 * [N, H, W, C]) as one GEMM of A's rows, all leading axes flattened, by
 * B: gemm_tile.comp reading B as [K, N] (B_KN). */
static void lower_matmul_tile(vkc_cg *c) {
    const vkc_tensor *ta = cg_in(c, 0), *tb = cg_in(c, 1);
    int64_t k = ta->dims[ta->rank - 1], n = tb->rank == 2 ? tb->dims[1] : 0;
    int64_t tm = c->v.bm, tn = c->v.bn;
    vkc_chunking bch = vkc_codegen_chunking(c->t, tb->elements);
    if (tb->rank != 2 || ta->rank < 1 || k < 1 || n < 1 || bch.count != 1 || tm < 1 || tn < 1) {
        cg_fail(c, VKCNN_ERROR_INVALID_ARGUMENT, "kernel variant not possible here");
        return;
    }
    int64_t m = (int64_t)(ta->elements / (uint64_t)k);
    vkc_kdispatch *d = cg_dispatch(c, "gemm_tile");
    cg_def(c, d, "M %" PRId64, m);
    cg_def(c, d, "N %" PRId64, n);
    cg_def(c, d, "K %" PRId64, k);
    cg_def(c, d, "TM %" PRId64, tm);
    cg_def(c, d, "TN %" PRId64, tn);
    cg_def(c, d, "VEC4 %d", k % 4 == 0 ? 1 : 0);
    cg_def(c, d, "B_KN 1");
    cg_epilogue_defines(c, d, 1);
    cg_bind(c, d, cg_node(c)->outputs[0], VKC_WRITE);
    cg_bind(c, d, cg_in_index(c, 0), VKC_READ);
    cg_bind(c, d, cg_in_index(c, 1), VKC_READ);
    if (cg_half(c, cg_in_index(c, 1))) cg_def(c, d, "WT_HALF 1");
    cg_epilogue_bind(c, d);
    uint64_t local = c->t->local_size;
    uint64_t ngn = ((uint64_t)n + local * (uint64_t)tn - 1) / (local * (uint64_t)tn);
    uint64_t groups = (uint64_t)((m + tm - 1) / tm) * ngn;
    cg_def(c, d, "NGROUPS_N %" PRIu64 "u", ngn);
    cg_def(c, d, "GROUPS %" PRIu64 "u", groups);
    cg_grid(c, d, groups * local);
}

void vkc_lower_matmul(vkc_cg *c) {
    if (c->v.algo == VKC_ALGO_COOPMAT) {
        vkc_lower_coopmat(c); /* lower_coopmat.c */
        return;
    }
    if (c->v.algo == VKC_ALGO_GEMM_TILE) {
        lower_matmul_tile(c);
        return;
    }
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
    cg_epilogue_defines(c, d, 1);
    cg_bind(c, d, cg_node(c)->outputs[0], VKC_WRITE);
    cg_bind(c, d, cg_in_index(c, 0), VKC_READ);
    cg_bind_split(c, d, cg_in_index(c, 1));
    cg_epilogue_bind(c, d);
    cg_grid(c, d, y->elements);
}
