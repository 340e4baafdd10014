/* Fused groups: elementwise nodes join, as post-ops, the group of the node
 * that produces their input, so a group is one kernel (its anchor's, with
 * the post-ops in its epilogue: shaders/epilogue.glsl, or the elementwise
 * kernel) and the tensors between its members are never stored. Groups are
 * grown from their anchor in topological order: Conv, the pools, Gemm,
 * MatMul and a BatchNormalization that no Conv or Gemm took (DenseNet's,
 * before each ReLU) (VKC_OPF_ANCHOR), or an elementwise node that no such
 * group took.
 *
 * THE LEGALITY RULE. Elementwise node a joins the group of anchor h, whose
 * latest value (the output of its last member) is tensor t, when all of:
 *   1. t is read by a alone and is no graph output (it is never stored) -
 *      or t has exactly two readers, a and the first node of a chain of
 *      single-reader elementwise nodes that ends in a, which all join (the
 *      "diamond": SiLU's x * Sigmoid(x), GELU's x * (1 + Erf(x / sqrt 2)));
 *   2. a's output has t's shape (a post-op never grows the output);
 *   3. a reads, besides t, at most one other tensor, which is either an
 *      earlier value of the group (a VALUE operand: the diamond), or an
 *      operand the fused kernel can index from the anchor's output element:
 *      a tensor of the output's shape, read at the same index (ELEMENT: the
 *      residual Add of ResNet); one value per output channel, or one value
 *      (CHANNEL: a bias, a per-channel PRelu slope or scale); for a Conv,
 *      a pool or a batch norm, one value per image and channel
 *      (IMAGE_CHANNEL). An
 *      elementwise anchor broadcasts any operand;
 *   4. that operand is computed before the anchor runs (a constant, a graph
 *      input, or the output of an earlier node: the group runs at the
 *      anchor's place in the schedule);
 *   5. the group stays within its kernel's limits: VKC_MAX_POST_OPS
 *      post-ops, VKC_MAX_POST_OPERANDS bound operand tensors (an elementwise
 *      anchor: 8 operands in all), Mean and variadic nodes of more than two
 *      inputs only as anchors.
 * A MaxPool then joins a Winograd Conv's group as its last step under the
 * pool rule below, and a squeeze-and-excitation scale joins the Conv that
 * reads it, as a scale of its input, under the input-scale rule at the end.
 *
 * Not fused, by rule:
 * - MaxPool after a direct Conv: the direct conv template computes one
 *   output per invocation; a fused pool would recompute every conv output
 *   its windows share (AlexNet's 3x3/2 pools: 2.25x the conv's MACs).
 * - LRN, Softmax: reductions over neighbours, not elementwise. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "ops/op_table.h"
#include "passes/passes.h"

#define MAX_VALUES (VKC_MAX_POST_OPS + 1)

/* A group being grown: its anchor, and the tensors of its chain's values
 * (0: the anchor's own output; k: the output of post-op k - 1). */
typedef struct chain {
    uint32_t head;
    uint32_t values[MAX_VALUES];
    uint32_t count;
    uint32_t posts;    /* post-ops so far */
    uint32_t operands; /* bound operand tensors so far */
} chain;

/* One planned join: node `node` as `post`, reading tensor `operand`
 * (VKC_NONE: none or a VALUE). */
typedef struct join {
    uint32_t node;
    vkc_post_op post;
    uint32_t operand;
} join;

/* The output axis whose index is the kernel's `channel`: axis 1 of the
 * N x C x ... ops (Conv, pools), the last axis (the column) of Gemm and
 * MatMul. */
static uint32_t channel_axis(const vkc_node *h, const vkc_tensor *y) {
    return vkc_op_is(h->op, VKC_OPF_SPATIAL) ? 1 : y->rank - 1;
}

/* Rule 3: how the kernel of anchor h reads operand x for its output y. */
static bool operand_kind(const vkc_node *h, const vkc_tensor *x, const vkc_tensor *y,
                         vkc_operand_kind *kind) {
    if (x->dtype != VKC_DTYPE_FLOAT32 || x->rank > y->rank) return false;
    uint32_t off = y->rank - x->rank, axis = channel_axis(h, y);
    bool channel = true,
         image = vkc_op_is(h->op, VKC_OPF_SPATIAL) && y->rank >= 3 && x->rank == y->rank;
    for (uint32_t i = 0; i < x->rank; i++) {
        int64_t d = x->dims[i], want = y->dims[off + i];
        if (d != 1 && d != want) return false; /* would grow the output */
        if (d != 1 && off + i != axis) channel = false;
        if (d != 1 && off + i > 1) image = false;
    }
    if (vkc_op_is(h->op, VKC_OPF_ELEMENTWISE) || x->elements == y->elements)
        *kind = VKC_OPERAND_ELEMENT; /* broadcast by the elementwise kernel, or dense */
    else if (channel)
        *kind = VKC_OPERAND_CHANNEL;
    else if (image)
        *kind = VKC_OPERAND_IMAGE_CHANNEL;
    else
        return false;
    return true;
}

/* Whether tensor t is already an operand input of node h (a slot past its
 * own inputs); *slot receives it. */
static bool operand_slot(const vkc_node *h, uint32_t t, uint32_t *slot) {
    for (uint32_t i = h->own_inputs; i < h->input_count; i++)
        if (h->inputs[i] == t) {
            *slot = i;
            return true;
        }
    return false;
}

static bool scalar_constant(const vkc_graph *g, uint32_t t) {
    return g->tensors[t].data && g->tensors[t].elements == 1;
}

/* Rules 2-5 for node ai reading the chain's latest value: fills j and
 * extends the (copied) chain ch. Rule 1 is the caller's. */
static bool can_join(const vkc_graph *g, chain *ch, uint32_t ai, join *j) {
    const vkc_node *a = &g->nodes[ai], *h = &g->nodes[ch->head];
    if (a->dead || !vkc_op_is(a->op, VKC_OPF_ELEMENTWISE) || a->output_count < 1) return false;
    for (uint32_t i = 1; i < a->output_count; i++)
        if (a->outputs[i] != VKC_NONE) return false;
    if (ch->posts >= VKC_MAX_POST_OPS || ch->count >= MAX_VALUES) return false;
    const vkc_op_info *info = vkc_op_get(a->op);
    uint32_t last = ch->values[ch->count - 1];
    const vkc_tensor *t = &g->tensors[last], *y = &g->tensors[a->outputs[0]];
    if (y->rank != t->rank || memcmp(y->dims, t->dims, t->rank * sizeof t->dims[0]) != 0)
        return false; /* rule 2 */
    memset(j, 0, sizeof *j);
    j->node = ai;
    j->operand = VKC_NONE;
    j->post.op = a->op;
    j->post.source = ai;
    j->post.kind = VKC_OPERAND_NONE;
    vkc_elt_params p = vkc_elt_params_of(a->op, &a->attrs);
    memcpy(j->post.params, p.p, sizeof p.p);
    if (info->arity == 1) {
        if (a->own_inputs != 1 || a->inputs[0] != last) return false;
    } else {
        if (a->own_inputs != 2 || a->op == VKC_OP_MEAN) return false; /* rule 5 */
        uint32_t s = a->inputs[0] == last ? 0 : a->inputs[1] == last ? 1 : 2;
        if (s == 2) return false;
        uint32_t other = a->inputs[1 - s];
        j->post.operand_first = s == 1;
        uint32_t k = ch->count;
        for (uint32_t v = 0; v < ch->count; v++)
            if (ch->values[v] == other) k = v;
        if (k < ch->count) { /* rule 3: an earlier value of the group */
            j->post.kind = VKC_OPERAND_VALUE;
            j->post.slot = k;
        } else {
            if (other == VKC_NONE) return false;
            uint32_t prod = g->tensors[other].producer;
            if (prod != VKC_NONE && prod >= ch->head) return false; /* rule 4 */
            if (!operand_kind(h, &g->tensors[other], t, &j->post.kind)) return false;
            uint32_t slot;
            bool known = operand_slot(h, other, &slot);
            if (!known && !scalar_constant(g, other)) { /* rule 5 */
                uint32_t limit = VKC_MAX_POST_OPERANDS;
                if (vkc_op_is(h->op, VKC_OPF_ELEMENTWISE) && 8 - h->own_inputs < limit)
                    limit = 8 - h->own_inputs;
                if (ch->operands >= limit) return false;
                ch->operands++;
            }
            j->operand = other;
        }
    }
    ch->posts++;
    ch->values[ch->count++] = a->outputs[0];
    return true;
}

/* Applies planned joins to the group of ch.head. */
static vkcnn_status apply(vkc_graph *g, vkc_passes *r, uint32_t head, const join *js,
                          uint32_t count) {
    for (uint32_t i = 0; i < count; i++) {
        vkc_post_op post = js[i].post;
        if (js[i].operand != VKC_NONE && !operand_slot(&g->nodes[head], js[i].operand, &post.slot))
            VKC_TRY(vkc_graph_append_input(g, head, js[i].operand, &post.slot));
        VKC_TRY(vkc_graph_append_post(g, head, &post));
        VKC_TRY(vkc_pass_absorb(g, head, js[i].node));
        r->fused++;
    }
    return vkc_graph_relink(g);
}

/* Rule 1's diamond from the chain's latest value t, read by u and b: u and
 * the single-reader chain after it join, then b, reading t as a VALUE. */
static uint32_t diamond(const vkc_graph *g, const chain *ch, uint32_t u, uint32_t b, join *js,
                        chain *out) {
    chain c = *ch;
    uint32_t count = 0;
    if (!can_join(g, &c, u, &js[count++])) return 0;
    for (;;) {
        const vkc_tensor *cur = &g->tensors[c.values[c.count - 1]];
        if (cur->graph_output || cur->consumer_count != 1 || count >= VKC_MAX_POST_OPS) return 0;
        uint32_t next = cur->consumers[0];
        if (!can_join(g, &c, next, &js[count++])) return 0;
        if (next == b) break;
    }
    /* b must have read the original t (a VALUE), not only the chain */
    if (js[count - 1].post.kind != VKC_OPERAND_VALUE) return 0;
    *out = c;
    return count;
}

vkcnn_status vkc_pass_fuse(vkc_graph *g, vkc_passes *r) {
    join js[VKC_MAX_POST_OPS];
    for (uint32_t hi = 0; hi < g->node_count; hi++) {
        const vkc_node *h = &g->nodes[hi];
        if (h->dead || h->output_count < 1 || h->outputs[0] == VKC_NONE ||
            !(vkc_op_is(h->op, VKC_OPF_ANCHOR) || vkc_op_is(h->op, VKC_OPF_ELEMENTWISE)))
            continue;
        if (vkc_op_is(h->op, VKC_OPF_ELEMENTWISE) && h->own_inputs > 4) continue; /* rule 5 */
        chain ch = {.head = hi, .values = {h->outputs[0]}, .count = 1};
        for (;;) {
            const vkc_tensor *t = &g->tensors[ch.values[ch.count - 1]];
            if (t->graph_output) break;
            uint32_t n = 0;
            chain next = ch;
            if (t->consumer_count == 1) {
                n = can_join(g, &next, t->consumers[0], &js[0]) ? 1 : 0;
            } else if (t->consumer_count == 2 && t->consumers[0] == t->consumers[1]) {
                n = can_join(g, &next, t->consumers[0], &js[0]) ? 1 : 0; /* t op t */
            } else if (t->consumer_count == 2) {
                uint32_t a = t->consumers[0], b = t->consumers[1];
                n = diamond(g, &ch, a, b, js, &next);
                if (!n) n = diamond(g, &ch, b, a, js, &next);
            }
            if (!n) break;
            VKC_TRY(apply(g, r, hi, js, n));
            ch = next;
        }
    }
    return VKCNN_OK;
}

/* The MaxPool rule. Pool node a (input 0 = tensor x) joins the output
 * transform of Conv p, the producer of x, when all of:
 *   - x is read by a alone and is no graph output;
 *   - p runs as Winograd F(T x T) (its algo) and has no pool yet, and
 *     none of its post-ops reads a tensor per element or per image (the
 *     epilogue runs per Conv output, before the pool);
 *   - a is a 2-D MaxPool with one output (no Indices), window k x k at
 *     stride k, dilation 1, no padding, T a multiple of k (every window in
 *     one tile), and its output is floor((OH - k) / k) + 1 by
 *     floor((OW - k) / k) + 1 (ceil_mode adding a partial window does not
 *     fuse). */
static bool pool_fusable(const vkc_graph *g, uint32_t ai, uint32_t *producer, uint32_t *k) {
    const vkc_node *a = &g->nodes[ai];
    if (a->dead || a->op != VKC_OP_MAX_POOL || a->input_count != 1 || a->output_count < 1 ||
        a->post_count || a->member_count)
        return false;
    for (uint32_t i = 1; i < a->output_count; i++)
        if (a->outputs[i] != VKC_NONE) return false;
    uint32_t x = a->inputs[0];
    if (x == VKC_NONE || !vkc_pass_single_use(g, x)) return false;
    uint32_t p = g->tensors[x].producer;
    if (p == VKC_NONE || g->nodes[p].dead || g->nodes[p].op != VKC_OP_CONV) return false;
    const vkc_node *pn = &g->nodes[p];
    if (pn->algo != VKC_CONV_ALGO_WINOGRAD || pn->winograd == VKC_NONE || pn->pool) return false;
    for (uint32_t i = 0; i < pn->post_count; i++)
        if (pn->post[i].kind == VKC_OPERAND_ELEMENT ||
            pn->post[i].kind == VKC_OPERAND_IMAGE_CHANNEL)
            return false;
    int64_t t = vkc_winograd_tile_of(g->tensors[pn->winograd].dims[0]);
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

vkcnn_status vkc_pass_fuse_pool(vkc_graph *g, vkc_passes *r) {
    for (uint32_t ai = 0; ai < g->node_count; ai++) {
        uint32_t p, k;
        if (!pool_fusable(g, ai, &p, &k)) continue;
        vkc_node *pn = &g->nodes[p];
        const vkc_tensor *x = &g->tensors[g->nodes[ai].inputs[0]];
        memcpy(pn->conv_dims, x->dims, sizeof pn->conv_dims);
        pn->pool = k;
        pn->pool_window = g->nodes[ai].attrs.window;
        VKC_TRY(vkc_pass_absorb(g, p, ai));
        r->fused++;
        VKC_TRY(vkc_graph_relink(g));
    }
    return VKCNN_OK;
}

/* The input-scale rule (squeeze-and-excitation). Mul node a, anchor of its
 * own group with no post-ops, reading tensors x and s, joins Conv k as a
 * scale of k's input applied as it is loaded, when all of:
 *   - a's output y is read by k alone, as k's input X, and is no graph
 *     output; y has x's shape;
 *   - s holds one value per channel of x, or per image and channel
 *     (rank-aligned [N, C, 1, ...]): the kernel reads it at X's flat
 *     channel index;
 *   - k runs as a direct Conv (Winograd transforms its input tiles first)
 *     and has no input scale yet.
 * x and s are computed before a, so before k. In EfficientNet's and
 * MobileNetV3's SE blocks, x is also the input of the pool that computes
 * s, so no group that produces x can apply the scale: its reader is the
 * only place left, and the scaled tensor is never stored. */
/* The live direct Conv that reads tensor y alone, as its input X and in no
 * other slot, with no fused pool and no input scale yet (y no graph
 * output); VKC_NONE when there is none. Where the input rules below apply
 * a map to X as it is loaded. */
static uint32_t loading_conv(const vkc_graph *g, uint32_t y) {
    if (y == VKC_NONE || !vkc_pass_single_use(g, y)) return VKC_NONE;
    uint32_t k = g->tensors[y].consumers[0];
    const vkc_node *kn = &g->nodes[k];
    if (kn->dead || kn->op != VKC_OP_CONV || kn->algo != VKC_CONV_ALGO_DIRECT || kn->pool ||
        kn->in_scale != VKC_NONE || kn->own_inputs < 2 || kn->inputs[0] != y)
        return VKC_NONE;
    for (uint32_t i = 1; i < kn->input_count; i++)
        if (kn->inputs[i] == y) return VKC_NONE;
    return k;
}

static bool scale_fusable(const vkc_graph *g, uint32_t ai, uint32_t *conv, uint32_t *x,
                          uint32_t *scale, vkc_operand_kind *kind) {
    const vkc_node *a = &g->nodes[ai];
    if (a->dead || a->op != VKC_OP_MUL || a->own_inputs != 2 || a->input_count != 2 ||
        a->post_count || a->output_count < 1)
        return false;
    uint32_t y = a->outputs[0], k = loading_conv(g, y);
    if (k == VKC_NONE) return false;
    const vkc_tensor *yt = &g->tensors[y];
    if (yt->rank < 3) return false;
    for (uint32_t side = 0; side < 2; side++) {
        const vkc_tensor *xt = &g->tensors[a->inputs[side]], *st = &g->tensors[a->inputs[1 - side]];
        if (xt->rank != yt->rank || xt->elements != yt->elements ||
            st->dtype != VKC_DTYPE_FLOAT32 || st->rank > yt->rank)
            continue;
        uint32_t off = yt->rank - st->rank;
        bool channel = true, image = st->rank == yt->rank, fits = true;
        for (uint32_t i = 0; i < st->rank; i++) {
            int64_t d = st->dims[i], want = yt->dims[off + i];
            if (d != 1 && d != want) fits = false;
            if (d != 1 && off + i != 1) channel = false;
            if (d != 1 && off + i > 1) image = false;
        }
        if (!fits || !(channel || image)) continue;
        *conv = k;
        *x = a->inputs[side];
        *scale = a->inputs[1 - side];
        *kind = channel ? VKC_OPERAND_CHANNEL : VKC_OPERAND_IMAGE_CHANNEL;
        return true;
    }
    return false;
}

vkcnn_status vkc_pass_fuse_input_scale(vkc_graph *g, vkc_passes *r) {
    for (uint32_t ai = 0; ai < g->node_count; ai++) {
        uint32_t k, x, scale, slot;
        vkc_operand_kind kind;
        if (!scale_fusable(g, ai, &k, &x, &scale, &kind)) continue;
        VKC_TRY(vkc_graph_append_input(g, k, scale, &slot));
        VKC_TRY(vkc_graph_add_member(g, k, ai));
        vkc_node *kn = &g->nodes[k];
        g->tensors[g->nodes[ai].outputs[0]].producer = VKC_NONE;
        kn->inputs[0] = x;
        kn->in_scale = slot;
        kn->in_scale_kind = kind;
        g->nodes[ai].dead = true;
        r->fused++;
        VKC_TRY(vkc_graph_relink(g));
    }
    return VKCNN_OK;
}

/* The input-affine rule (pre-activation). BatchNormalization node b, anchor
 * of its group with no post-ops or a Relu alone, joins Conv k as an affine
 * map of k's input applied as it is loaded, X * s + t (then the Relu), when
 * all of:
 *   - b's output y is read by k alone, as k's input X, and is no graph
 *     output;
 *   - b's scale, B, mean and variance are float32 constants of one value
 *     per channel of X (rank 4, NCHW);
 *   - k is a direct Conv with a 1x1 kernel, group 1, no padding, no fused
 *     pool and no input scale yet, its W a float32 constant within 2^27
 *     bytes (Vulkan's least maxStorageBufferRange): the 1x1 GEMM, which
 *     alone applies the map, then takes it (choose.c); the executor runs
 *     the pass only where that GEMM is the rule's kernel for 1x1 convs
 *     (vkc_passes_options.input_affine). A padded tap would read the map
 *     of 0, t, where the Conv reads 0.
 * s = scale / sqrt(var + eps) and t = B - mean * s become constants
 * [1, C, 1, 1], computed in double and rounded once. In DenseNet every
 * layer and transition begins BatchNormalization, Relu, 1x1 Conv on the
 * concatenation so far; fused, the normalised tensor is never stored. */
static bool affine_fusable(const vkc_graph *g, uint32_t bi, uint32_t *conv, bool *relu) {
    const vkc_node *b = &g->nodes[bi];
    if (b->dead || b->op != VKC_OP_BATCH_NORM || b->input_count != 5 || b->output_count < 1 ||
        b->post_count > 1 || b->pool)
        return false;
    *relu = b->post_count == 1;
    if (*relu && (b->post[0].op != VKC_OP_RELU || b->post[0].kind != VKC_OPERAND_NONE))
        return false;
    uint32_t y = b->outputs[0], x = b->inputs[0], k = loading_conv(g, y);
    if (k == VKC_NONE || x == VKC_NONE) return false;
    const vkc_tensor *xt = &g->tensors[x];
    if (xt->rank != 4 || xt->dtype != VKC_DTYPE_FLOAT32) return false;
    uint64_t ch = (uint64_t)xt->dims[1];
    for (uint32_t i = 1; i < 5; i++) {
        const vkc_tensor *p = b->inputs[i] == VKC_NONE ? NULL : &g->tensors[b->inputs[i]];
        if (!p || !p->data || p->dtype != VKC_DTYPE_FLOAT32 || p->elements != ch) return false;
    }
    const vkc_node *kn = &g->nodes[k];
    const vkc_window_attrs *a = &kn->attrs.window;
    const vkc_tensor *wt = &g->tensors[kn->inputs[1]];
    if ((a->group > 1) || !wt->data || wt->dtype != VKC_DTYPE_FLOAT32 || wt->rank != 4 ||
        wt->dims[2] != 1 || wt->dims[3] != 1 || wt->dims[1] != (int64_t)ch ||
        wt->elements > ((uint64_t)1 << 25))
        return false;
    for (uint32_t i = 0; i < 2 * VKC_MAX_SPATIAL; i++)
        if (a->pads[i]) return false;
    *conv = k;
    return true;
}

/* Adds the float32 constant "<BN node>_input_<what>" [1, C, 1, 1]. */
static vkcnn_status affine_constant(vkc_graph *g, uint32_t b, const char *what, int64_t ch,
                                    uint32_t *index, float **data) {
    char name[512];
    snprintf(name, sizeof name, "%s_input_%s", g->nodes[b].name, what);
    int64_t dims[4] = {1, ch, 1, 1};
    return vkc_pass_add_constant(g, name, 4, dims, index, data);
}

vkcnn_status vkc_pass_fuse_input_affine(vkc_graph *g, vkc_passes *r) {
    for (uint32_t bi = 0; bi < g->node_count; bi++) {
        uint32_t k;
        bool relu;
        if (!affine_fusable(g, bi, &k, &relu)) continue;
        int64_t ch = g->tensors[g->nodes[bi].inputs[0]].dims[1];
        uint32_t ts, tt, ss, st_slot;
        float *s = NULL, *t = NULL;
        VKC_TRY(affine_constant(g, bi, "scale", ch, &ts, &s));
        VKC_TRY(affine_constant(g, bi, "shift", ch, &tt, &t));
        const vkc_node *b = &g->nodes[bi]; /* after adding tensors: data may have moved */
        const float *scale = g->tensors[b->inputs[1]].data, *bias = g->tensors[b->inputs[2]].data,
                    *mean = g->tensors[b->inputs[3]].data, *var = g->tensors[b->inputs[4]].data;
        double eps = b->attrs.epsilon;
        for (int64_t c = 0; c < ch; c++) {
            double sc = (double)scale[c] / sqrt((double)var[c] + eps);
            s[c] = (float)sc;
            t[c] = (float)((double)bias[c] - (double)mean[c] * sc);
        }
        uint32_t x = b->inputs[0], y = b->outputs[0];
        VKC_TRY(vkc_graph_append_input(g, k, ts, &ss));
        VKC_TRY(vkc_graph_append_input(g, k, tt, &st_slot));
        VKC_TRY(vkc_graph_add_member(g, k, bi));
        vkc_node *kn = &g->nodes[k];
        g->tensors[y].producer = VKC_NONE;
        kn->inputs[0] = x;
        kn->in_scale = ss;
        kn->in_scale_kind = VKC_OPERAND_CHANNEL;
        kn->in_shift = st_slot;
        kn->in_relu = relu;
        g->nodes[bi].dead = true;
        r->fused++;
        VKC_TRY(vkc_graph_relink(g));
    }
    return VKCNN_OK;
}
