/* Lowering of matrix products: Gemm (transposes, alpha, beta, C broadcast to
 * [M, N]) and MatMul (numpy batch broadcasting, 1-D operands). B, the weight
 * in classifier layers, may be split across bindings.
 *
 * The rule, for a Gemm with B transposed ([N, K], torch Linear's layout):
 * - M >= TILE_MIN_M, A not transposed and B in one binding: gemm_tile.comp,
 *   register blocks of TILE_M x TILE_N outputs per invocation;
 * - else when M partial sums per invocation fit GEMV_SHARED_BYTES:
 *   gemv.comp, which reads each weight once (split-K inside a workgroup of
 *   NC columns; the small-batch classifier case, memory bound).
 * Everything else, and MatMul (B is [K, N]: consecutive invocations of
 * gemm.comp already read consecutive n), goes to gemm.comp, one invocation
 * per output. Measured on lavapipe (vgg-16's 4096x4096 layer), gemv.comp
 * reads ~85-95% of `vkcnn peak`'s read figure at M = 1 (gemm.comp: ~50%)
 * and stays ahead of gemm.comp up to M = 64; gemm_tile.comp overtakes
 * gemv.comp between M = 8 and 16. Where the target has texel loads,
 * gemv.comp reads B through uniform texel buffers (WT_TEXEL), several
 * times the storage-buffer rate on lavapipe. */
#include <inttypes.h>
#include <stdlib.h>

#include "codegen/codegen_internal.h"
#include "vk/sequence.h"

/* Rows of A from which gemm_tile.comp replaces gemv.comp. */
#define TILE_MIN_M 9
/* Columns per workgroup: each A value loaded serves NC weights (8 measured
 * ~15% faster than 4 on lavapipe at N = 4096), halved while that leaves
 * fewer than GEMV_MIN_GROUPS workgroups, so that a GPU's compute units all
 * get work (N = 1000 gets 4). */
#define GEMV_NC 8
#define GEMV_MIN_GROUPS 128
/* Shared memory gemv.comp may use: Vulkan's guaranteed minimum. */
#define GEMV_SHARED_BYTES 16384

/* gemv.comp fits when one column's M partial sums per invocation fit the
 * shared memory (gemv_nc then picks NC). */
static bool use_gemv(const vkc_cg *c, const vkc_gemm_attrs *a, int64_t m, int64_t k) {
    return a->trans_b && m >= 1 && k >= 1 &&
           (uint64_t)m * c->t->local_size * 4 <= GEMV_SHARED_BYTES;
}

/* gemm_tile.comp's block of outputs per invocation. */
#define TILE_M 8
#define TILE_N 4

static bool use_tile(const vkc_gemm_attrs *a, int64_t m, int64_t k, vkc_chunking b) {
    return a->trans_b && !a->trans_a && m >= TILE_MIN_M && k >= 1 && b.count == 1;
}

/* Columns per workgroup of gemv.comp: at most N, within shared memory
 * (NC * M partial sums per invocation). */
static int64_t gemv_nc(const vkc_cg *c, int64_t m, int64_t n) {
    int64_t nc = GEMV_NC < n ? GEMV_NC : n;
    while (nc > 2 && (n + nc - 1) / nc < GEMV_MIN_GROUPS)
        nc /= 2;
    while (nc > 1 && (uint64_t)(nc * m) * c->t->local_size * 4 > GEMV_SHARED_BYTES)
        nc--;
    return nc;
}

void vkc_lower_gemm(vkc_cg *c) {
    const vkc_gemm_attrs *a = &cg_node(c)->attrs.gemm;
    const vkc_tensor *ta = cg_in(c, 0), *tb = cg_in(c, 1), *tc = cg_in(c, 2), *y = cg_out(c);
    char f[48];
    int64_t m = y->dims[0], n = y->dims[1];
    int64_t k = a->trans_a ? ta->dims[0] : ta->dims[1];
    vkc_chunking bch = vkc_codegen_chunking(c->t, tb->elements);
    bool half = cg_half(c, cg_in_index(c, 1));
    bool tile = use_tile(a, m, k, bch);
    bool gemv = !tile && use_gemv(c, a, m, k);
    int64_t nc = gemv ? gemv_nc(c, m, n) : 1;
    vkc_kdispatch *d = cg_dispatch(c, tile ? "gemm_tile" : gemv ? "gemv" : "gemm");
    cg_def(c, d, "M %" PRId64, m);
    cg_def(c, d, "N %" PRId64, n);
    cg_def(c, d, "K %" PRId64, k);
    if (tile) {
        cg_def(c, d, "TM %d", TILE_M);
        cg_def(c, d, "TN %d", TILE_N);
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
        } else {
            cg_def(c, d, "VEC4 %d", vec4 ? 1 : 0);
            if (vec8) cg_def(c, d, "VEC8 1");
        }
        uint32_t sg = c->t->mx_subgroup_size;
        cg_def(c, d, "SG_WIDTH %" PRIu32, sg && sg < c->t->local_size ? sg : c->t->local_size);
        /* the reduction through subgroupAdd where the subgroup size is
         * fixed and divides the workgroup (gemv.comp) */
        uint32_t fixed = c->t->subgroup_fixed;
        if (fixed > 1 && c->t->local_size % fixed == 0 &&
            (c->t->subgroup_ops & VKCNN_SUBGROUP_ARITHMETIC) && !getenv("VKCNN_GEMV_TREE"))
            cg_def(c, d, "SG_RED %" PRIu32, fixed);
    } else {
        cg_def(c, d, "TRANS_A %d", a->trans_a ? 1 : 0);
        cg_def(c, d, "TRANS_B %d", a->trans_b ? 1 : 0);
    }
    cg_def(c, d, "ALPHA %s", cg_float(f, a->alpha));
    cg_def(c, d, "BETA %s", cg_float(f, a->beta));
    cg_epilogue_defines(c, d, 1);
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
    if (tile) {
        cg_bind(c, d, cg_in_index(c, 1), VKC_READ);
        if (half) cg_def(c, d, "WT_HALF 1");
    } else
        cg_bind_split(c, d, cg_in_index(c, 1));
    if (has_c) cg_bind(c, d, cg_in_index(c, 2), VKC_READ);
    cg_epilogue_bind(c, d);
    uint64_t local = c->t->local_size, groups = 0;
    if (tile) /* TILE_M rows x local * TILE_N columns per workgroup */
        groups = (uint64_t)((m + TILE_M - 1) / TILE_M) *
                 (((uint64_t)n + local * TILE_N - 1) / (local * TILE_N));
    else if (gemv) /* NC columns per workgroup */
        groups = (uint64_t)((n + nc - 1) / nc);
    cg_grid(c, d, groups ? groups * local : y->elements);
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
    cg_epilogue_defines(c, d, 1);
    cg_bind(c, d, cg_node(c)->outputs[0], VKC_WRITE);
    cg_bind(c, d, cg_in_index(c, 0), VKC_READ);
    cg_bind_split(c, d, cg_in_index(c, 1));
    cg_epilogue_bind(c, d);
    cg_grid(c, d, y->elements);
}
