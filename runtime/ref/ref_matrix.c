/* Reference matrix ops: Gemm and MatMul (numpy semantics). */
#include "ref/ref.h"

/* Index into a tensor of rank `rank` broadcast to `orank` dims: coordinates
 * `coord` of the broadcast shape; size-1 axes read index 0. */
static uint64_t bcast_offset(uint32_t rank, const int64_t *dims, uint32_t orank,
                             const int64_t *coord) {
    uint64_t off = 0;
    for (uint32_t d = 0; d < rank; d++) {
        int64_t k = coord[orank - rank + d];
        off = off * (uint64_t)dims[d] + (dims[d] == 1 ? 0 : (uint64_t)k);
    }
    return off;
}

void vkc_ref_gemm(const vkc_gemm_attrs *a, const vkc_ref_tensor *ta, const vkc_ref_tensor *tb,
                  const vkc_ref_tensor *tc, float *out) {
    int64_t m = a->trans_a ? ta->dims[1] : ta->dims[0];
    int64_t k = a->trans_a ? ta->dims[0] : ta->dims[1];
    int64_t n = a->trans_b ? tb->dims[0] : tb->dims[1];
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            double acc = 0.0;
            for (int64_t p = 0; p < k; p++) {
                double av = a->trans_a ? ta->data[p * m + i] : ta->data[i * k + p];
                double bv = a->trans_b ? tb->data[j * k + p] : tb->data[p * n + j];
                acc += av * bv;
            }
            double v = (double)a->alpha * acc;
            if (tc && tc->data) {
                int64_t coord[2] = {i, j};
                v += (double)a->beta * tc->data[bcast_offset(tc->rank, tc->dims, 2, coord)];
            }
            out[i * n + j] = (float)v;
        }
}

void vkc_ref_matmul(const vkc_ref_tensor *ta, const vkc_ref_tensor *tb, const vkc_ref_tensor *y,
                    float *out) {
    /* 1-D operands are promoted to [1, K] and [K, 1]; the promoted axes are
     * absent from Y, which does not change Y's row-major order. */
    int64_t k = ta->dims[ta->rank - 1];
    int64_t m = ta->rank >= 2 ? ta->dims[ta->rank - 2] : 1;
    int64_t n = tb->rank >= 2 ? tb->dims[tb->rank - 1] : 1;
    uint32_t arank = ta->rank >= 2 ? ta->rank - 2 : 0, brank = tb->rank >= 2 ? tb->rank - 2 : 0;
    uint32_t orank = arank > brank ? arank : brank;
    int64_t odims[VKC_MAX_RANK];
    for (uint32_t d = 0; d < orank; d++) {
        int64_t da = d < orank - arank ? 1 : ta->dims[d - (orank - arank)];
        int64_t db = d < orank - brank ? 1 : tb->dims[d - (orank - brank)];
        odims[d] = da == 1 ? db : da;
    }
    uint64_t batches = vkc_ref_elements(orank, odims);
    (void)y;
    for (uint64_t b = 0; b < batches; b++) {
        int64_t coord[VKC_MAX_RANK];
        uint64_t r = b;
        for (uint32_t d = orank; d-- > 0;) {
            coord[d] = (int64_t)(r % (uint64_t)odims[d]);
            r /= (uint64_t)odims[d];
        }
        const float *pa =
            ta->data + bcast_offset(arank, ta->dims, orank, coord) * (uint64_t)(m * k);
        const float *pb =
            tb->data + bcast_offset(brank, tb->dims, orank, coord) * (uint64_t)(k * n);
        float *py = out + b * (uint64_t)(m * n);
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < n; j++) {
                double acc = 0.0;
                for (int64_t p = 0; p < k; p++)
                    acc += (double)pa[i * k + p] * pb[p * n + j];
                py[i * n + j] = (float)acc;
            }
    }
}
