/* Squeeze-and-excitation blocks onto one SqueezeExcite node (ops.h
 * vkc_se_attrs): after fusion a block is three groups,
 *   p = GlobalAveragePool(X)
 *   h = Conv1x1(p, W1, B1) + act post-ops   (Relu; Sigmoid, Mul: SiLU)
 *   s = Conv1x1(h, W2, B2) + gate post-ops  (Sigmoid, HardSigmoid)
 * three dispatches of a few microseconds of work each, whose dispatch and
 * barrier overheads cost more than the work on CPU drivers (bench/RESULTS.md).
 * The rule, where the target runs the fused kernel for C channels and R
 * hidden values (vkc_passes_options.squeeze_excite):
 *   - the pool is live, has no post-ops, reads a float X [N, C, H, W], and
 *     its output is read by the first Conv alone (no graph output);
 *   - each Conv is a direct 2-D Conv of a 1x1 kernel, group 1, stride and
 *     dilation 1, no padding, no fused input scale, its W a float32
 *     constant ([R, C, 1, 1], then [C, R, 1, 1]) and its bias absent or a
 *     float32 constant of one value per output channel;
 *   - the first Conv's output is read by the second alone;
 *   - neither Conv's post-ops read a tensor (unary ops, and values of the
 *     chain itself, as SiLU's Mul), the first's at most VKC_SE_MAX_ACT.
 * The second Conv becomes the SqueezeExcite node, keeping its output
 * tensor and its post-ops (the gate); the pool and the first Conv die and
 * become its members, the first's post-ops moving into the attributes. */
#include <string.h>

#include "core/error.h"
#include "passes/passes.h"

/* A float32 constant of `elements` values, or absent (optional). */
static bool constant(const vkc_graph *g, uint32_t t, uint64_t elements, bool optional) {
    if (t == VKC_NONE) return optional;
    const vkc_tensor *x = &g->tensors[t];
    return x->data && x->dtype == VKC_DTYPE_FLOAT32 && x->elements == elements;
}

/* Node k is a plain 1x1 Conv of group 1 from `in` channels to `out`, whose
 * post-ops read no tensor (at most `max_post`). */
static bool plain_1x1(const vkc_graph *g, uint32_t k, int64_t in, int64_t out, uint32_t max_post) {
    const vkc_node *n = &g->nodes[k];
    if (n->dead || n->op != VKC_OP_CONV || n->algo != VKC_CONV_ALGO_DIRECT || n->pool ||
        n->in_scale != VKC_NONE || n->own_inputs < 2 || n->own_inputs > 3 ||
        n->input_count != n->own_inputs || n->post_count > max_post)
        return false;
    const vkc_window_attrs *a = &n->attrs.window;
    if (a->spatial != 2 || a->group != 1) return false;
    for (uint32_t i = 0; i < 2; i++)
        if (a->strides[i] != 1 || a->dilations[i] != 1 || a->pads[i] ||
            a->pads[VKC_MAX_SPATIAL + i])
            return false;
    const vkc_tensor *w = &g->tensors[n->inputs[1]];
    if (!constant(g, n->inputs[1], (uint64_t)(in * out), false) || w->rank != 4 ||
        w->dims[0] != out || w->dims[1] != in || w->dims[2] != 1 || w->dims[3] != 1)
        return false;
    if (!constant(g, n->own_inputs > 2 ? n->inputs[2] : VKC_NONE, (uint64_t)out, true))
        return false;
    for (uint32_t i = 0; i < n->post_count; i++)
        if (n->post[i].kind != VKC_OPERAND_NONE && n->post[i].kind != VKC_OPERAND_VALUE)
            return false;
    return true;
}

/* The block ending at Conv `fc2`: its pool and first Conv. */
static bool block_at(const vkc_graph *g, uint32_t fc2, const vkc_passes_options *opts,
                     uint32_t *pool, uint32_t *fc1) {
    const vkc_node *n2 = &g->nodes[fc2];
    if (n2->dead || n2->op != VKC_OP_CONV || n2->input_count < 2) return false;
    uint32_t h = n2->inputs[0];
    uint32_t k1 = vkc_pass_single_producer(g, h);
    if (k1 == VKC_NONE || g->nodes[k1].op != VKC_OP_CONV) return false;
    uint32_t p = vkc_pass_single_producer(g, g->nodes[k1].inputs[0]);
    if (p == VKC_NONE) return false;
    const vkc_node *pn = &g->nodes[p];
    if (pn->op != VKC_OP_GLOBAL_AVERAGE_POOL || pn->post_count || pn->input_count != 1)
        return false;
    const vkc_tensor *x = &g->tensors[pn->inputs[0]];
    const vkc_tensor *ht = &g->tensors[h], *s = &g->tensors[n2->outputs[0]];
    if (x->rank != 4 || x->dtype != VKC_DTYPE_FLOAT32 || ht->rank != 4) return false;
    int64_t c = x->dims[1], r = ht->dims[1];
    if (s->rank != 4 || s->dims[0] != x->dims[0] || s->dims[1] != c || s->dims[2] != 1 ||
        s->dims[3] != 1)
        return false;
    if (!plain_1x1(g, k1, c, r, VKC_SE_MAX_ACT) || !plain_1x1(g, fc2, r, c, VKC_MAX_POST_OPS))
        return false;
    if (!opts->squeeze_excite || !opts->squeeze_excite(c, r, opts->user)) return false;
    *pool = p;
    *fc1 = k1;
    return true;
}

vkcnn_status vkc_pass_squeeze_excite(vkc_graph *g, vkc_passes *r, const vkc_passes_options *opts) {
    for (uint32_t ni = 0; ni < g->node_count; ni++) {
        uint32_t pool, fc1;
        if (!block_at(g, ni, opts, &pool, &fc1)) continue;
        vkc_attrs a;
        memset(&a, 0, sizeof a);
        const vkc_node *k1 = &g->nodes[fc1];
        a.se.act_count = k1->post_count;
        if (k1->post_count) /* plain_1x1: it fits */
            memcpy(a.se.act, k1->post, k1->post_count * sizeof *k1->post);
        uint32_t in[5] = {g->nodes[pool].inputs[0], k1->inputs[1],
                          k1->own_inputs > 2 ? k1->inputs[2] : VKC_NONE, g->nodes[ni].inputs[1],
                          g->nodes[ni].own_inputs > 2 ? g->nodes[ni].inputs[2] : VKC_NONE};
        uint32_t chain[2] = {pool, fc1};
        VKC_TRY(vkc_pass_rewrite(g, ni, VKC_OP_SQUEEZE_EXCITE, &a, in, 5, chain, 2));
        r->recognised++;
        VKC_TRY(vkc_graph_relink(g));
    }
    return vkc_graph_relink(g);
}
