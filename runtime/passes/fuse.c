/* Fusion of elementwise epilogues into the kernel that produces their input:
 * Conv / Gemm / MatMul + activation, and MatMul + bias Add (+ activation), so
 * a fused group is one dispatch (shaders/epilogue.glsl) and the intermediate
 * tensor is never written.
 *
 * Not fused, by rule:
 * - MaxPool after a direct Conv(+act): the direct conv template computes
 *   one output per invocation; a fused pool would recompute every conv
 *   output its windows share (AlexNet's 3x3/2 pools: 2.25x the conv's MACs).
 *   The pool is fused only into a Winograd Conv's output transform, whose
 *   invocation holds a whole T x T output tile: when the pool's windows
 *   tile it exactly (vkc_pass_fuse_pool below: VGG's 2x2/2 after 4x4 tiles)
 *   nothing is recomputed and the conv's output is never stored.
 * - LRN after an activation: in the nets that have it (AlexNet) the
 *   activation is already in the Conv's epilogue, so fusing it into LRN
 *   would save nothing.
 * - Softmax on the last layer: kept, it needs a reduction over the row. */
#include <string.h>

#include "core/error.h"
#include "passes/passes.h"

static bool is_activation(vkc_op op) {
    return op == VKC_OP_RELU || op == VKC_OP_LEAKY_RELU || op == VKC_OP_CLIP ||
           op == VKC_OP_SIGMOID || op == VKC_OP_TANH || op == VKC_OP_PRELU;
}

static bool has_epilogue_template(vkc_op op) {
    return op == VKC_OP_CONV || op == VKC_OP_GEMM || op == VKC_OP_MATMUL;
}

/* Channel axis of p's output the epilogue indexes per element: Conv's axis 1,
 * the column (last axis) of Gemm and MatMul. */
static uint32_t channel_axis(const vkc_graph *g, const vkc_node *p) {
    const vkc_tensor *y = &g->tensors[p->outputs[0]];
    return p->op == VKC_OP_CONV ? 1 : y->rank - 1;
}

/* True when constant t, right-aligned against y's shape, varies along `axis`
 * only (or nowhere): one value per channel, or one value. */
static bool per_channel_constant(const vkc_graph *g, uint32_t t, const vkc_tensor *y,
                                 uint32_t axis) {
    if (t == VKC_NONE) return false;
    const vkc_tensor *c = &g->tensors[t];
    if (!c->data || c->dtype != VKC_DTYPE_FLOAT32 || c->rank > y->rank) return false;
    for (uint32_t i = 0; i < c->rank; i++) {
        uint32_t yi = y->rank - c->rank + i;
        if (c->dims[i] != 1 && (yi != axis || c->dims[i] != y->dims[axis])) return false;
    }
    return true;
}

/* The fusion rule. Node a (input 0 = tensor x) joins the epilogue of p, the
 * producer of x, when all of:
 *   - p is live and is a Conv, Gemm or MatMul (templates with an epilogue);
 *   - x is read by a alone and is no graph output (it is never stored);
 *   - a is an activation (Relu, LeakyRelu, Clip, Sigmoid, Tanh, or PRelu
 *     whose slope is a constant with one value, or one per output channel of
 *     p), and p has no activation yet;
 *   - or a is an Add of x and a constant bias with one value per column, p
 *     is a MatMul with no epilogue yet, and the Add's output has x's shape.
 * Anything else (two consumers, a graph output in the middle, a runtime
 * slope or bias, a broadcast that grows the output) stays unfused. */
static bool fusable(const vkc_graph *g, const vkc_passes *r, uint32_t ai, uint32_t *producer,
                    uint32_t *operand) {
    const vkc_node *a = &g->nodes[ai];
    if (a->dead || a->output_count != 1 || a->input_count < 1) return false;
    bool act = is_activation(a->op), add = a->op == VKC_OP_ADD && a->input_count == 2;
    if (!act && !add) return false;
    for (uint32_t slot = 0; slot < (add ? 2u : 1u); slot++) {
        uint32_t x = a->inputs[slot];
        if (x == VKC_NONE || !vkc_pass_single_use(g, x)) continue;
        uint32_t p = g->tensors[x].producer;
        if (p == VKC_NONE || g->nodes[p].dead || !has_epilogue_template(g->nodes[p].op)) continue;
        const vkc_node *pn = &g->nodes[p];
        const vkc_epilogue *e = &r->epilogue[p];
        const vkc_tensor *y = &g->tensors[x];
        if (e->act != VKC_OP_COUNT) continue;
        if (act) {
            if (a->op == VKC_OP_PRELU &&
                !per_channel_constant(g, a->inputs[1], y, channel_axis(g, pn)))
                continue;
            *producer = p;
            *operand = a->op == VKC_OP_PRELU ? a->inputs[1] : VKC_NONE;
            return true;
        }
        uint32_t bias = a->inputs[1 - slot];
        const vkc_tensor *out = &g->tensors[a->outputs[0]];
        if (pn->op != VKC_OP_MATMUL || e->bias != VKC_NONE || y->rank < 1 || out->rank != y->rank ||
            memcmp(out->dims, y->dims, y->rank * sizeof y->dims[0]) != 0 ||
            !per_channel_constant(g, bias, y, y->rank - 1) ||
            g->tensors[bias].elements != (uint64_t)y->dims[y->rank - 1])
            continue;
        *producer = p;
        *operand = bias;
        return true;
    }
    return false;
}

vkcnn_status vkc_pass_fuse(vkc_graph *g, vkc_passes *r) {
    for (uint32_t ai = 0; ai < g->node_count; ai++) {
        uint32_t p, operand;
        if (!fusable(g, r, ai, &p, &operand)) continue;
        const vkc_node *a = &g->nodes[ai];
        vkc_epilogue *e = &r->epilogue[p];
        if (a->op == VKC_OP_ADD) {
            e->bias = operand;
        } else {
            e->act = a->op;
            e->attrs = a->attrs;
            e->slope = operand;
        }
        vkc_pass_absorb(g, r, p, ai);
        r->fused++;
        vkcnn_status st = vkc_graph_relink(g);
        if (st) return st;
    }
    return VKCNN_OK;
}

/* The MaxPool rule. Pool node a (input 0 = tensor x) joins the output
 * transform of Conv p, the producer of x, when all of:
 *   - x is read by a alone and is no graph output;
 *   - p has Winograd weights (F(T x T)) and no pool yet, and the lowering
 *     will run it as Winograd (`runs`: the scratch fits the device);
 *   - a is a 2-D MaxPool with one output (no Indices), window k x k at
 *     stride k, dilation 1, no padding, T a multiple of k (every window in
 *     one tile), and its output is floor((OH - k) / k) + 1 by
 *     floor((OW - k) / k) + 1 (ceil_mode adding a partial window does not
 *     fuse). */
static bool pool_fusable(const vkc_graph *g, const vkc_passes *r, uint32_t ai, uint32_t *producer,
                         uint32_t *k) {
    const vkc_node *a = &g->nodes[ai];
    if (a->dead || a->op != VKC_OP_MAX_POOL || a->input_count != 1 || a->output_count < 1)
        return false;
    for (uint32_t i = 1; i < a->output_count; i++)
        if (a->outputs[i] != VKC_NONE) return false;
    uint32_t x = a->inputs[0];
    if (x == VKC_NONE || !vkc_pass_single_use(g, x)) return false;
    uint32_t p = g->tensors[x].producer;
    if (p == VKC_NONE || g->nodes[p].dead || g->nodes[p].op != VKC_OP_CONV) return false;
    const vkc_epilogue *e = &r->epilogue[p];
    if (e->winograd == VKC_NONE || e->pool) return false;
    int64_t a2 = g->tensors[e->winograd].dims[0], t = a2 == 36 ? 4 : a2 == 16 ? 2 : 0;
    const vkc_window_attrs *w = &a->attrs.window;
    const vkc_tensor *xt = &g->tensors[x], *yt = &g->tensors[a->outputs[0]];
    if (!t || w->spatial != 2 || xt->rank != 4 || yt->rank != 4) return false;
    int64_t pk = w->kernel[0];
    if (pk < 1 || t % pk != 0) return false;
    for (int d = 0; d < 2; d++)
        if (w->kernel[d] != pk || w->strides[d] != pk || w->dilations[d] != 1 || w->pads[d] != 0 ||
            w->pads[VKC_MAX_SPATIAL + d] != 0 || xt->dims[2 + d] < pk ||
            yt->dims[2 + d] != (xt->dims[2 + d] - pk) / pk + 1)
            return false;
    *producer = p;
    *k = (uint32_t)pk;
    return true;
}

vkcnn_status vkc_pass_fuse_pool(vkc_graph *g, vkc_passes *r, vkc_winograd_runs_fn runs,
                                void *user) {
    uint32_t count = g->node_count < r->node_count ? g->node_count : r->node_count;
    for (uint32_t ai = 0; ai < count; ai++) {
        uint32_t p, k;
        if (!pool_fusable(g, r, ai, &p, &k) || !runs(g, p, &r->epilogue[p], user)) continue;
        vkc_epilogue *e = &r->epilogue[p];
        const vkc_tensor *x = &g->tensors[g->nodes[ai].inputs[0]];
        memcpy(e->conv_dims, x->dims, sizeof e->conv_dims);
        e->pool = k;
        e->pool_attrs = g->nodes[ai].attrs;
        vkc_pass_absorb(g, r, p, ai);
        r->fused++;
        vkcnn_status st = vkc_graph_relink(g);
        if (st) return st;
    }
    return VKCNN_OK;
}
