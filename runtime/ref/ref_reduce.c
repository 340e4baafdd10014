/* Reference of the reductions (ReduceMean, ReduceSum, ReduceMax, ReduceMin,
 * ReduceProd, ReduceL1, ReduceL2, ReduceSumSquare, ReduceLogSum,
 * ReduceLogSumExp), written from the ONNX definitions: each output element
 * walks its reduced elements in row-major order and accumulates in double.
 * Max and Min propagate NaN (as numpy's); LogSumExp subtracts the maximum
 * first. The axes are the inferred ones (ascending, never empty: an empty
 * list with noop_with_empty_axes became an Identity). */
#include <math.h>
#include <stdbool.h>

#include "ref/ref.h"

/* Offset of the i-th element of a sub-grid (dims, strides) in row-major
 * order. */
static uint64_t grid_offset(uint64_t i, uint32_t n, const int64_t *dims, const int64_t *strides) {
    uint64_t off = 0;
    for (uint32_t d = n; d-- > 0;) {
        off += (i % (uint64_t)dims[d]) * (uint64_t)strides[d];
        i /= (uint64_t)dims[d];
    }
    return off;
}

static double extreme(double acc, double v, bool max) {
    if (isnan(acc) || isnan(v)) return NAN;
    return max ? (v > acc ? v : acc) : (v < acc ? v : acc);
}

void vkc_ref_op_reduce(VKC_REF_ARGS) {
    (void)count, (void)y;
    const vkc_ref_tensor *x = &in[0];
    const vkc_reduce_attrs *ra = &a->reduce;
    bool reduced[VKC_MAX_RANK] = {false};
    for (uint32_t i = 0; i < ra->count; i++)
        reduced[ra->axes[i]] = true;
    int64_t kd[VKC_MAX_RANK], ks[VKC_MAX_RANK], rd[VKC_MAX_RANK], rs[VKC_MAX_RANK], s = 1;
    uint32_t nk = 0, nr = 0;
    uint64_t outputs = 1, per = 1;
    for (uint32_t d = x->rank; d-- > 0;) { /* axes in reverse, then flipped */
        if (reduced[d]) {
            rd[nr] = x->dims[d];
            rs[nr++] = s;
            per *= (uint64_t)x->dims[d];
        } else {
            kd[nk] = x->dims[d];
            ks[nk++] = s;
            outputs *= (uint64_t)x->dims[d];
        }
        s *= x->dims[d];
    }
    for (uint32_t i = 0; i < nk / 2; i++) {
        int64_t t = kd[i];
        kd[i] = kd[nk - 1 - i], kd[nk - 1 - i] = t;
        t = ks[i];
        ks[i] = ks[nk - 1 - i], ks[nk - 1 - i] = t;
    }
    for (uint32_t i = 0; i < nr / 2; i++) {
        int64_t t = rd[i];
        rd[i] = rd[nr - 1 - i], rd[nr - 1 - i] = t;
        t = rs[i];
        rs[i] = rs[nr - 1 - i], rs[nr - 1 - i] = t;
    }
    for (uint64_t o = 0; o < outputs; o++) {
        const float *row = x->data + grid_offset(o, nk, kd, ks);
        double acc = op == VKC_OP_REDUCE_PROD  ? 1.0
                     : op == VKC_OP_REDUCE_MAX ? -INFINITY
                     : op == VKC_OP_REDUCE_MIN ? INFINITY
                                               : 0.0;
        double m = -INFINITY; /* LogSumExp: the maximum */
        if (op == VKC_OP_REDUCE_LOG_SUM_EXP)
            for (uint64_t r = 0; r < per; r++)
                m = extreme(m, row[grid_offset(r, nr, rd, rs)], true);
        for (uint64_t r = 0; r < per; r++) {
            double v = row[grid_offset(r, nr, rd, rs)];
            switch (op) {
            case VKC_OP_REDUCE_MAX: acc = extreme(acc, v, true); break;
            case VKC_OP_REDUCE_MIN: acc = extreme(acc, v, false); break;
            case VKC_OP_REDUCE_PROD: acc *= v; break;
            case VKC_OP_REDUCE_L1: acc += fabs(v); break;
            case VKC_OP_REDUCE_L2:
            case VKC_OP_REDUCE_SUM_SQUARE: acc += v * v; break;
            case VKC_OP_REDUCE_LOG_SUM_EXP: acc += isfinite(m) ? exp(v - m) : 0.0; break;
            default: acc += v; break; /* Sum, Mean, LogSum */
            }
        }
        switch (op) {
        case VKC_OP_REDUCE_MEAN: acc /= (double)per; break;
        case VKC_OP_REDUCE_L2: acc = sqrt(acc); break;
        case VKC_OP_REDUCE_LOG_SUM: acc = log(acc); break;
        case VKC_OP_REDUCE_LOG_SUM_EXP: acc = isfinite(m) ? m + log(acc) : m; break;
        default: break;
        }
        out[o] = (float)acc;
    }
}
