/* Reference of the internal SqueezeExcite op (ops.h vkc_se_attrs): the
 * pool, the first 1x1 Conv and its activation chain, the second 1x1 Conv.
 * The gate (the node's post-ops) is applied by the caller, as for any
 * anchor. Each stage is rounded to float as the unfused graph's reference
 * rounds each node's output. */
#include <stdlib.h>

#include "ops/op_table.h"
#include "ref/ref.h"

/* The activation chain on v; values[k] holds the chain's value before op k. */
static double act(const vkc_se_attrs *a, double v) {
    double values[VKC_SE_MAX_ACT];
    for (uint32_t k = 0; k < a->act_count && k < VKC_SE_MAX_ACT; k++) {
        const vkc_post_op *o = &a->act[k];
        const vkc_op_info *info = vkc_op_get(o->op);
        vkc_elt_params p = {{o->params[0], o->params[1], o->params[2]}};
        values[k] = v;
        double y = o->kind == VKC_OPERAND_VALUE && o->slot <= k ? values[o->slot] : 0.0;
        v = (float)(o->operand_first ? info->scalar(y, v, &p) : info->scalar(v, y, &p));
    }
    return v;
}

void vkc_ref_op_squeeze_excite(VKC_REF_ARGS) {
    (void)op, (void)count, (void)y;
    const vkc_ref_tensor *x = &in[0];
    int64_t n = x->dims[0], c = x->dims[1], r = in[1].dims[0];
    int64_t sp = (int64_t)vkc_ref_elements(x->rank - 2, x->dims + 2);
    const float *w1 = in[1].data, *b1 = in[2].data, *w2 = in[3].data, *b2 = in[4].data;
    float *pooled = malloc((size_t)(c + r) * sizeof *pooled), *hidden = pooled + c;
    if (!pooled) return; /* the caller's output stays as it was: a mismatch, not a crash */
    for (int64_t b = 0; b < n; b++) {
        for (int64_t ch = 0; ch < c; ch++) {
            double s = 0;
            for (int64_t i = 0; i < sp; i++)
                s += x->data[(b * c + ch) * sp + i];
            pooled[ch] = (float)(s / (double)sp);
        }
        for (int64_t j = 0; j < r; j++) {
            double s = b1 ? b1[j] : 0.0;
            for (int64_t ch = 0; ch < c; ch++)
                s += (double)w1[j * c + ch] * pooled[ch];
            hidden[j] = (float)act(&a->se, (float)s);
        }
        for (int64_t ch = 0; ch < c; ch++) {
            double s = b2 ? b2[ch] : 0.0;
            for (int64_t j = 0; j < r; j++)
                s += (double)w2[ch * r + j] * hidden[j];
            out[b * c + ch] = (float)s;
        }
    }
    free(pooled);
}
