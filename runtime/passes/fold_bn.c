/* Batch-norm folding: y = (x - mean) * scale / sqrt(var + eps) + B applied to
 * the output of a Conv or Gemm is a per-output-channel scale s and shift, so
 * it folds into that node's weights and bias:
 *   Conv:  W'[m, ...] = W[m, ...] * s[m],  b'[m] = (b[m] - mean[m]) * s[m] + B[m]
 *   Gemm:  column n of op(B) scaled by s[n], C'[n] = (beta C[n] - mean[n]) s[n] + B[n], beta' = 1
 * computed in double and rounded once to float. New constant tensors replace
 * the node's operands (the originals may be shared with other nodes). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/checked.h"
#include "core/error.h"
#include "passes/passes.h"

static bool constant_f32(const vkc_graph *g, uint32_t t, uint64_t elements) {
    return t != VKC_NONE && g->tensors[t].data && g->tensors[t].dtype == VKC_DTYPE_FLOAT32 &&
           g->tensors[t].elements == elements;
}

/* The folding rule: BN node b folds into p, the producer of its input, when
 * p is a live Conv, or a Gemm whose C is absent or one value per column,
 * b's input is p's output used by b alone (no other consumer, no graph
 * output), p's weight (and bias) and b's four operands are float32 constants
 * with one value per channel. */
static bool foldable(const vkc_graph *g, uint32_t b, uint32_t *producer, uint64_t *channels) {
    const vkc_node *bn = &g->nodes[b];
    if (bn->dead || bn->op != VKC_OP_BATCH_NORM || bn->input_count != 5) return false;
    uint32_t x = bn->inputs[0];
    if (x == VKC_NONE || !vkc_pass_single_use(g, x)) return false;
    uint32_t p = g->tensors[x].producer;
    if (p == VKC_NONE || g->nodes[p].dead) return false;
    const vkc_node *pn = &g->nodes[p];
    const vkc_tensor *xt = &g->tensors[x];
    if (xt->rank < 2) return false;
    uint64_t ch = (uint64_t)xt->dims[1];
    for (uint32_t i = 1; i < 5; i++)
        if (!constant_f32(g, bn->inputs[i], ch)) return false;
    if (pn->op == VKC_OP_CONV) {
        uint32_t w = pn->inputs[1];
        if (w == VKC_NONE || !g->tensors[w].data || g->tensors[w].dtype != VKC_DTYPE_FLOAT32 ||
            (uint64_t)g->tensors[w].dims[0] != ch)
            return false;
        if (pn->input_count > 2 && pn->inputs[2] != VKC_NONE && !constant_f32(g, pn->inputs[2], ch))
            return false;
    } else if (pn->op == VKC_OP_GEMM) {
        uint32_t w = pn->inputs[1];
        if (xt->rank != 2 || w == VKC_NONE || !g->tensors[w].data ||
            g->tensors[w].dtype != VKC_DTYPE_FLOAT32)
            return false;
        uint32_t c = pn->input_count > 2 ? pn->inputs[2] : VKC_NONE;
        if (c != VKC_NONE) {
            const vkc_tensor *ct = &g->tensors[c];
            /* one value per column: [N] or [1, N] (not a scalar: would need expanding) */
            if (!constant_f32(g, c, ch) || (ct->rank == 2 && ct->dims[0] != 1) || ct->rank > 2)
                return false;
        }
    } else {
        return false;
    }
    *producer = p;
    *channels = ch;
    return true;
}

/* Adds a float32 constant named "<BN node>_folded_<what>" of the given shape. */
static vkcnn_status add_constant(vkc_graph *g, uint32_t b, const char *what, uint32_t rank,
                                 const int64_t *dims, uint32_t *index, float **data) {
    char name[512];
    snprintf(name, sizeof name, "%s_folded_%s", g->nodes[b].name, what);
    return vkc_pass_add_constant(g, name, rank, dims, index, data);
}

static vkcnn_status fold(vkc_graph *g, uint32_t b, uint32_t p, uint64_t ch) {
    vkc_node *bn = &g->nodes[b];
    const float *scale = g->tensors[bn->inputs[1]].data, *shift = g->tensors[bn->inputs[2]].data,
                *mean = g->tensors[bn->inputs[3]].data, *var = g->tensors[bn->inputs[4]].data;
    double eps = bn->attrs.epsilon;
    double *s = vkc_calloc(ch ? ch : 1, sizeof *s);
    if (!s) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory (BN folding)");
    for (uint64_t c = 0; c < ch; c++)
        s[c] = (double)scale[c] / sqrt((double)var[c] + eps);

    vkc_node *pn = &g->nodes[p];
    bool conv = pn->op == VKC_OP_CONV;
    uint32_t w = pn->inputs[1];
    uint32_t bias = pn->input_count > 2 ? pn->inputs[2] : VKC_NONE;
    const vkc_tensor *wt = &g->tensors[w];
    int64_t wdims[VKC_MAX_RANK];
    uint32_t wrank = wt->rank;
    for (uint32_t i = 0; i < wrank; i++)
        wdims[i] = wt->dims[i];
    uint32_t nw, nb;
    float *dw = NULL, *db = NULL;
    int64_t bdims[1] = {(int64_t)ch};
    vkcnn_status st = add_constant(g, b, "weight", wrank, wdims, &nw, &dw);
    if (!st) st = add_constant(g, b, "bias", 1, bdims, &nb, &db);
    if (st) {
        free(s);
        return vkc_node_fail(g, b, st, "folding into node '%s'", g->nodes[p].name);
    }
    /* re-fetch: adding tensors may have moved the arrays */
    wt = &g->tensors[w];
    const float *src = wt->data;
    const float *sb = bias != VKC_NONE ? g->tensors[bias].data : NULL;
    uint64_t total = wt->elements;
    if (conv) { /* W is [M, C/group, k...]: row m scaled by s[m] */
        uint64_t per = ch ? total / ch : 0;
        for (uint64_t m = 0; m < ch; m++)
            for (uint64_t i = 0; i < per; i++)
                dw[m * per + i] = (float)((double)src[m * per + i] * s[m]);
        for (uint64_t m = 0; m < ch; m++)
            db[m] = (float)(((sb ? (double)sb[m] : 0.0) - mean[m]) * s[m] + shift[m]);
    } else { /* Gemm: B is [K, N] ([N, K] when trans_b); column n scaled */
        bool tb = pn->attrs.gemm.trans_b;
        uint64_t k_dim = ch ? total / ch : 0;
        for (uint64_t k = 0; k < k_dim; k++)
            for (uint64_t n = 0; n < ch; n++) {
                uint64_t i = tb ? n * k_dim + k : k * ch + n;
                dw[i] = (float)((double)src[i] * s[n]);
            }
        double beta = pn->attrs.gemm.beta;
        for (uint64_t n = 0; n < ch; n++)
            db[n] = (float)(((sb ? beta * sb[n] : 0.0) - mean[n]) * s[n] + shift[n]);
        pn->attrs.gemm.beta = 1.0f;
    }
    free(s);
    if (pn->input_count < 3) {
        uint32_t *grown = vkc_realloc_array(pn->inputs, 3, sizeof *grown);
        if (!grown) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
        pn->inputs = grown;
        pn->input_count = 3;
    }
    pn->inputs[1] = nw;
    pn->inputs[2] = nb;
    return VKCNN_OK;
}

vkcnn_status vkc_pass_fold_batch_norm(vkc_graph *g, vkc_passes *r) {
    for (uint32_t b = 0; b < g->node_count; b++) {
        uint32_t p;
        uint64_t ch;
        if (!foldable(g, b, &p, &ch)) continue;
        vkcnn_status st = fold(g, b, p, ch);
        if (st) return st;
        VKC_TRY(vkc_pass_absorb(g, p, b));
        r->folded++;
        if ((st = vkc_graph_relink(g))) return st;
    }
    return VKCNN_OK;
}
