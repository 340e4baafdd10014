/* PyTorch's decomposed LocalResponseNorm back onto one LRN node.
 *
 * torch.nn.LocalResponseNorm is a Python function; torch.onnx exports it as
 *   s = Mul(x, x)                      x: N x C x H x W (or N x C x L)
 *   v = Unsqueeze(s, 1), Reshape to N x 1 x C x H x W      (views)
 *   p = Pad(v) by size/2 channels before, (size-1)/2 after, zeros
 *       (and a second Pad of zeros)
 *   a = AveragePool(p, kernel size x 1 x 1, stride 1)      (3-D)
 *   Squeeze(a, 1) (an If on the rank, folded at load), Reshape to x's shape
 *   d = Pow(Add(Mul(., alpha), k), beta)
 *   y = Div(x, d)
 * The pool's window is full everywhere (the pads are explicit), so
 * y = x / (k + alpha / size * sum of x^2 over the window)^beta: ONNX's LRN
 * with the same size, alpha, beta and bias = k, provided the window is
 * ONNX's, floor((size-1)/2) channels before and ceil((size-1)/2) after; for
 * an even size PyTorch centres it one channel earlier, and the
 * decomposition stays as it is (it runs as exported).
 *
 * The rule: every node of the chain but x's producer is read only by the
 * next one (no graph output), the views keep the row-major element order
 * (they only reshape), the Pads pad axis 2 alone with the constant 0, the
 * pool has no pads, dilations or strides but 1, and alpha, k, beta are
 * one-element float constants. The Div becomes the LRN (keeping its output
 * tensor); the other nodes die and become its members. */
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "ops/op_table.h"
#include "passes/passes.h"

/* A one-element float constant operand. */
static bool scalar(const vkc_graph *g, uint32_t t, float *v) {
    if (t == VKC_NONE) return false;
    const vkc_tensor *x = &g->tensors[t];
    if (!x->data || x->dtype != VKC_DTYPE_FLOAT32 || x->elements != 1) return false;
    *v = *(const float *)x->data;
    return true;
}

/* Node n computes f(other, const) with the constant on either side (Mul,
 * Add) or second (Pow): the run-time operand's tensor and the constant. */
static bool with_constant(const vkc_graph *g, const vkc_node *n, bool commutes, uint32_t *other,
                          float *c) {
    if (n->own_inputs != 2 || n->post_count) return false;
    if (scalar(g, n->inputs[1], c)) {
        *other = n->inputs[0];
        return true;
    }
    if (commutes && scalar(g, n->inputs[0], c)) {
        *other = n->inputs[1];
        return true;
    }
    return false;
}

typedef struct match {
    uint32_t nodes[32];
    uint32_t count;
} match;

static bool take(match *m, uint32_t n) {
    if (m->count == 32) return false;
    m->nodes[m->count++] = n;
    return true;
}

/* Walks back from tensor t through single-use views; returns the first
 * tensor that is not a view's output. */
static uint32_t through_views(const vkc_graph *g, uint32_t t, match *m) {
    for (;;) {
        uint32_t p = vkc_pass_single_producer(g, t);
        if (p == VKC_NONE || !vkc_op_is(g->nodes[p].op, VKC_OPF_VIEW) || !take(m, p)) return t;
        t = g->nodes[p].inputs[0];
    }
}

static bool lrn_at(vkc_graph *g, uint32_t div, match *m, vkc_lrn_attrs *lrn) {
    const vkc_node *d = &g->nodes[div];
    if (d->op != VKC_OP_DIV || d->own_inputs != 2 || d->post_count || d->dead) return false;
    uint32_t x = d->inputs[0];
    const vkc_tensor *xt = &g->tensors[x];
    if (xt->dtype != VKC_DTYPE_FLOAT32 || (xt->rank != 3 && xt->rank != 4)) return false;
    float alpha, bias, beta;
    uint32_t t, p;
    /* Pow(., beta) <- Add(., k) <- Mul(., alpha) */
    if ((p = vkc_pass_single_producer(g, d->inputs[1])) == VKC_NONE ||
        g->nodes[p].op != VKC_OP_POW || !with_constant(g, &g->nodes[p], false, &t, &beta) ||
        !take(m, p))
        return false;
    if ((p = vkc_pass_single_producer(g, t)) == VKC_NONE || g->nodes[p].op != VKC_OP_ADD ||
        !with_constant(g, &g->nodes[p], true, &t, &bias) || !take(m, p))
        return false;
    if ((p = vkc_pass_single_producer(g, t)) == VKC_NONE || g->nodes[p].op != VKC_OP_MUL ||
        !with_constant(g, &g->nodes[p], true, &t, &alpha) || !take(m, p))
        return false;
    /* views back to the pool's output: N x 1 x C x ... */
    t = through_views(g, t, m);
    if ((p = vkc_pass_single_producer(g, t)) == VKC_NONE || g->nodes[p].op != VKC_OP_AVERAGE_POOL ||
        g->nodes[p].post_count || !take(m, p))
        return false;
    const vkc_window_attrs *w = &g->nodes[p].attrs.window;
    const vkc_tensor *pt = &g->tensors[g->nodes[p].inputs[0]];
    uint32_t sp = pt->rank - 2;
    if (pt->rank < 4 || w->spatial != sp || pt->dims[1] != 1 || pt->dims[0] != xt->dims[0])
        return false;
    int64_t size = w->kernel[0];
    for (uint32_t i = 0; i < sp; i++)
        if (w->strides[i] != 1 || w->dilations[i] != 1 || w->pads[i] != 0 ||
            w->pads[VKC_MAX_SPATIAL + i] != 0 || (i > 0 && w->kernel[i] != 1))
            return false;
    /* the Pads: zeros on axis 2 only, before/after summed */
    int64_t before = 0, after = 0;
    t = g->nodes[p].inputs[0];
    while ((p = vkc_pass_single_producer(g, t)) != VKC_NONE && g->nodes[p].op == VKC_OP_PAD) {
        const vkc_pad_attrs *a = &g->nodes[p].attrs.pad;
        const vkc_tensor *in = &g->tensors[g->nodes[p].inputs[0]];
        if (a->mode != VKC_PAD_CONSTANT || a->value != 0.0f || a->pad_count != 2 * in->rank)
            return false;
        for (uint32_t i = 0; i < in->rank; i++)
            if (i != 2 && (a->pads[i] != 0 || a->pads[in->rank + i] != 0)) return false;
        if (a->pads[2] < 0 || a->pads[in->rank + 2] < 0 || !take(m, p)) return false;
        before += a->pads[2];
        after += a->pads[in->rank + 2];
        t = g->nodes[p].inputs[0];
    }
    const vkc_tensor *v = &g->tensors[t]; /* the squares as N x 1 x C x rest */
    if (v->rank != pt->rank || v->dims[2] != xt->dims[1] || before + after != size - 1 ||
        before != (size - 1) / 2)
        return false;
    /* views back to Mul(x, x) */
    t = through_views(g, t, m);
    if ((p = vkc_pass_single_producer(g, t)) == VKC_NONE || g->nodes[p].op != VKC_OP_MUL ||
        g->nodes[p].own_inputs != 2 || g->nodes[p].post_count || g->nodes[p].inputs[0] != x ||
        g->nodes[p].inputs[1] != x || !take(m, p))
        return false;
    if (v->elements != xt->elements || !(alpha == alpha) || size < 1) return false;
    lrn->size = size;
    lrn->alpha = alpha;
    lrn->beta = beta;
    lrn->bias = bias;
    return true;
}

vkcnn_status vkc_pass_lrn_pattern(vkc_graph *g, vkc_passes *r) {
    (void)r;
    for (uint32_t ni = 0; ni < g->node_count; ni++) {
        match m = {.count = 0};
        vkc_lrn_attrs lrn;
        if (!lrn_at(g, ni, &m, &lrn)) continue;
        uint32_t x = g->nodes[ni].inputs[0];
        vkc_attrs a;
        memset(&a, 0, sizeof a);
        a.lrn = lrn;
        VKC_TRY(vkc_pass_rewrite(g, ni, VKC_OP_LRN, &a, &x, 1, m.nodes, m.count));
        VKC_TRY(vkc_graph_relink(g));
    }
    return vkc_graph_relink(g);
}
