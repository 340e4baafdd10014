/* Recognition of operators that exporters write as chains of smaller ones,
 * rewritten into the one operator the chain computes (run before fusion, so
 * the result then fuses like any other node):
 *
 * - LayerNormalization, as PyTorch exports nn.LayerNorm below opset 17:
 *     m = ReduceMean(x, axes = the last k axes, keepdims)
 *     d = Sub(x, m)
 *     v = ReduceMean(Pow(d, 2) | Mul(d, d), the same axes, keepdims)
 *     n = Div(d, Sqrt(Add(v, eps)))          (eps: one float, either side)
 *     y = Add(Mul(n, weight), bias)          (Mul and Add optional, either side)
 *   becomes y = LayerNormalization(x, weight, bias, axis = rank - k,
 *   epsilon = eps). weight and bias must have the normalized shape (leading
 *   1s allowed) or one value, what the kernel reads.
 * - GELU, the erf form x * 0.5 * (1 + erf(x / sqrt 2)) as PyTorch writes
 *   it below opset 20: Erf of Div(x, sqrt 2) or Mul(x, 1 / sqrt 2), Add 1,
 *   and the product of x, that sum and 0.5 as two Muls in any grouping
 *   ((x * s) * 0.5, (x * 0.5) * s, x * (s * 0.5)) and operand order. It
 *   becomes y = Gelu(x) (approximate "none"): one elementwise function
 *   instead of five.
 *
 * - A per-channel affine map written channel by channel, as torchvision's
 *   GoogLeNet and Inception v3 write their input transform
 *   (transform_input): channel i of x taken alone (Gather along axis 1 of
 *   one index, then views such as Unsqueeze back to [N, 1, ...]), mapped by
 *   scalar Muls, Adds, Subs and Divs (x / c; c - x too), and the C slices
 *   concatenated along axis 1 in channel order:
 *     y = Concat(f_0(Gather(x, 0)), ..., f_{C-1}(Gather(x, C - 1)), axis 1)
 *   becomes y = BatchNormalization(x, s, t, mean 0, var 1, epsilon 0), with
 *   f_i(v) = v * s[i] + t[i] composed in double and rounded once: one
 *   dispatch instead of C gathers and C elementwise groups (then fused like
 *   any batch norm).
 *
 * A chain matches only when each of its intermediate tensors is read by the
 * chain alone and is no graph output, and y has x's shape (no broadcast
 * grows it). The node that computed y becomes the new operator (graph
 * outputs never move) and lists the others, now dead, as its members. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "ops/op_table.h"
#include "passes/passes.h"

/* The live node of op `op` that reads t and is t's only reader (t no graph
 * output); VKC_NONE otherwise. */
static uint32_t sole_reader(const vkc_graph *g, uint32_t t, vkc_op op) {
    const vkc_tensor *x = &g->tensors[t];
    if (x->graph_output || x->consumer_count == 0) return VKC_NONE;
    uint32_t n = x->consumers[0];
    for (uint32_t i = 1; i < x->consumer_count; i++)
        if (x->consumers[i] != n) return VKC_NONE; /* read by two nodes */
    const vkc_node *r = &g->nodes[n];
    return !r->dead && r->op == op && r->post_count == 0 ? n : VKC_NONE;
}

/* The other operand of binary node n, one of whose inputs is t; VKC_NONE
 * when neither is. */
static uint32_t other_operand(const vkc_graph *g, uint32_t n, uint32_t t) {
    const vkc_node *b = &g->nodes[n];
    if (b->own_inputs != 2 || b->input_count != 2) return VKC_NONE;
    if (b->inputs[0] == t) return b->inputs[1];
    if (b->inputs[1] == t) return b->inputs[0];
    return VKC_NONE;
}

/* Whether t is a float constant of one value near `want` (relative 1e-6:
 * exporters round sqrt 2 to float). */
static bool scalar_near(const vkc_graph *g, uint32_t t, double want, float *value) {
    if (t == VKC_NONE) return false;
    const vkc_tensor *x = &g->tensors[t];
    if (!x->data || x->dtype != VKC_DTYPE_FLOAT32 || x->elements != 1) return false;
    float v = *(const float *)x->data;
    if (value) *value = v;
    return want < 0 || fabs((double)v - want) <= 1e-6 * fabs(want);
}

static bool same_shape(const vkc_tensor *a, const vkc_tensor *b) {
    return a->rank == b->rank && memcmp(a->dims, b->dims, a->rank * sizeof a->dims[0]) == 0;
}

/* Runs `at` (a chain's matcher and rewriter: done says whether it rewrote
 * one) at every node of g, then relinks the graph once if any changed. */
typedef vkcnn_status (*recognise_fn)(vkc_graph *g, uint32_t node, bool *done);
static vkcnn_status recognise_each(vkc_graph *g, vkc_passes *r, recognise_fn at) {
    bool any = false;
    for (uint32_t i = 0; i < g->node_count; i++) {
        bool done;
        VKC_TRY(at(g, i, &done));
        if (done) r->recognised++;
        any |= done;
    }
    return any ? vkc_graph_relink(g) : VKCNN_OK;
}

/* ---- LayerNormalization ---------------------------------------------------------- */

/* ReduceMean node n over the last `count` axes of its input, keepdims. */
static bool mean_over_suffix(const vkc_graph *g, uint32_t n, uint32_t *count) {
    const vkc_node *m = &g->nodes[n];
    if (m->dead || m->op != VKC_OP_REDUCE_MEAN || m->input_count != 1 || m->post_count)
        return false;
    const vkc_reduce_attrs *a = &m->attrs.reduce;
    uint32_t rank = g->tensors[m->inputs[0]].rank;
    if (!a->keepdims || a->count == 0 || a->count > rank) return false;
    for (uint32_t i = 0; i < a->count; i++)
        if (a->axes[i] != (int64_t)(rank - a->count + i)) return false;
    *count = a->count;
    return true;
}

/* A weight or bias the LayerNormalization kernel reads: float, one value
 * or the normalized shape (X's last `k` dims, leading 1s allowed). */
static bool layer_param(const vkc_graph *g, uint32_t t, const vkc_tensor *x, uint32_t k) {
    if (t == VKC_NONE) return false;
    const vkc_tensor *p = &g->tensors[t];
    if (p->dtype != VKC_DTYPE_FLOAT32 || p->rank > x->rank) return false;
    if (p->elements == 1) return true;
    for (uint32_t i = 0; i < p->rank; i++) {
        int64_t want = i + k >= p->rank ? x->dims[x->rank - (p->rank - i)] : 1;
        if (p->dims[i] != want) return false;
    }
    return true;
}

static vkcnn_status layer_norm_at(vkc_graph *g, uint32_t mi, bool *done) {
    *done = false;
    uint32_t k, k2, chain[12], len = 0;
    if (!mean_over_suffix(g, mi, &k)) return VKCNN_OK;
    uint32_t x = g->nodes[mi].inputs[0];
    const vkc_tensor *xt = &g->tensors[x];
    if (xt->dtype != VKC_DTYPE_FLOAT32) return VKCNN_OK;
    chain[len++] = mi;
    uint32_t sub = sole_reader(g, g->nodes[mi].outputs[0], VKC_OP_SUB);
    if (sub == VKC_NONE || g->nodes[sub].inputs[0] != x) return VKCNN_OK;
    chain[len++] = sub;
    /* d = x - mean: read by the square (Pow(d, 2) or Mul(d, d)) and the Div */
    uint32_t d = g->nodes[sub].outputs[0], sq = VKC_NONE, div = VKC_NONE;
    const vkc_tensor *dt = &g->tensors[d];
    if (dt->graph_output) return VKCNN_OK;
    for (uint32_t i = 0; i < dt->consumer_count; i++) {
        uint32_t c = dt->consumers[i];
        const vkc_node *cn = &g->nodes[c];
        if (cn->dead || cn->post_count || cn->input_count != 2) return VKCNN_OK;
        if (cn->op == VKC_OP_DIV && cn->inputs[0] == d && cn->inputs[1] != d && div == VKC_NONE)
            div = c;
        else if (cn->op == VKC_OP_POW && cn->inputs[0] == d && sq == VKC_NONE &&
                 scalar_near(g, cn->inputs[1], 2.0, NULL))
            sq = c;
        else if (cn->op == VKC_OP_MUL && cn->inputs[0] == d && cn->inputs[1] == d &&
                 (sq == VKC_NONE || sq == c))
            sq = c; /* listed twice: both its inputs */
        else
            return VKCNN_OK;
    }
    if (sq == VKC_NONE || div == VKC_NONE) return VKCNN_OK;
    chain[len++] = sq;
    uint32_t var = sole_reader(g, g->nodes[sq].outputs[0], VKC_OP_REDUCE_MEAN);
    if (var == VKC_NONE || !mean_over_suffix(g, var, &k2) || k2 != k) return VKCNN_OK;
    chain[len++] = var;
    uint32_t add = sole_reader(g, g->nodes[var].outputs[0], VKC_OP_ADD);
    float eps;
    if (add == VKC_NONE ||
        !scalar_near(g, other_operand(g, add, g->nodes[var].outputs[0]), -1, &eps) || !(eps >= 0))
        return VKCNN_OK;
    chain[len++] = add;
    uint32_t root = sole_reader(g, g->nodes[add].outputs[0], VKC_OP_SQRT);
    if (root == VKC_NONE || sole_reader(g, g->nodes[root].outputs[0], VKC_OP_DIV) != div ||
        g->nodes[div].inputs[1] != g->nodes[root].outputs[0])
        return VKCNN_OK;
    chain[len++] = root;
    chain[len++] = div;
    /* the optional affine part */
    uint32_t last = div, weight = VKC_NONE, bias = VKC_NONE;
    uint32_t mul = sole_reader(g, g->nodes[div].outputs[0], VKC_OP_MUL);
    if (mul != VKC_NONE) {
        uint32_t w = other_operand(g, mul, g->nodes[div].outputs[0]);
        if (layer_param(g, w, xt, k)) {
            weight = w;
            chain[len++] = last = mul;
        }
    }
    uint32_t badd = sole_reader(g, g->nodes[last].outputs[0], VKC_OP_ADD);
    if (badd != VKC_NONE) {
        uint32_t b = other_operand(g, badd, g->nodes[last].outputs[0]);
        if (layer_param(g, b, xt, k)) {
            bias = b;
            chain[len++] = last = badd;
        }
    }
    if (!same_shape(&g->tensors[g->nodes[last].outputs[0]], xt)) return VKCNN_OK;
    vkc_attrs a;
    memset(&a, 0, sizeof a);
    a.norm.axis = (int64_t)(xt->rank - k);
    a.norm.epsilon = eps;
    uint32_t inputs[3] = {x, weight, bias};
    VKC_TRY(vkc_pass_rewrite(g, last, VKC_OP_LAYER_NORM, &a, inputs, 3, chain, len));
    *done = true;
    return VKCNN_OK;
}

vkcnn_status vkc_pass_recognise_layer_norm(vkc_graph *g, vkc_passes *r) {
    return recognise_each(g, r, layer_norm_at);
}

/* ---- GELU ---------------------------------------------------------------------------- */

#define SQRT2 1.4142135623730951

/* The Mul by 0.5 that reads t alone, or VKC_NONE. */
static uint32_t half_of(const vkc_graph *g, uint32_t t) {
    uint32_t m = sole_reader(g, t, VKC_OP_MUL);
    return m != VKC_NONE && scalar_near(g, other_operand(g, m, t), 0.5, NULL) ? m : VKC_NONE;
}

static vkcnn_status gelu_at(vkc_graph *g, uint32_t ei, bool *done) {
    *done = false;
    const vkc_node *e = &g->nodes[ei];
    if (e->dead || e->op != VKC_OP_ERF || e->input_count != 1 || e->post_count) return VKCNN_OK;
    uint32_t chain[6], len = 0;
    /* x / sqrt 2 or x * (1 / sqrt 2), read by the Erf alone */
    uint32_t s = e->inputs[0], pre = g->tensors[s].producer, x = VKC_NONE;
    if (pre == VKC_NONE || sole_reader(g, s, VKC_OP_ERF) != ei) return VKCNN_OK;
    const vkc_node *pn = &g->nodes[pre];
    if (pn->dead || pn->post_count || pn->input_count != 2) return VKCNN_OK;
    if (pn->op == VKC_OP_DIV && scalar_near(g, pn->inputs[1], SQRT2, NULL))
        x = pn->inputs[0];
    else if (pn->op == VKC_OP_MUL && scalar_near(g, pn->inputs[1], 1 / SQRT2, NULL))
        x = pn->inputs[0];
    else if (pn->op == VKC_OP_MUL && scalar_near(g, pn->inputs[0], 1 / SQRT2, NULL))
        x = pn->inputs[1];
    if (x == VKC_NONE || g->tensors[x].dtype != VKC_DTYPE_FLOAT32) return VKCNN_OK;
    chain[len++] = pre;
    chain[len++] = ei;
    uint32_t one = sole_reader(g, e->outputs[0], VKC_OP_ADD);
    if (one == VKC_NONE || !scalar_near(g, other_operand(g, one, e->outputs[0]), 1.0, NULL))
        return VKCNN_OK;
    chain[len++] = one;
    uint32_t t = g->nodes[one].outputs[0], last = VKC_NONE;
    uint32_t h = half_of(g, t); /* x * (t * 0.5) */
    if (h != VKC_NONE) {
        uint32_t m = sole_reader(g, g->nodes[h].outputs[0], VKC_OP_MUL);
        if (m == VKC_NONE || other_operand(g, m, g->nodes[h].outputs[0]) != x) return VKCNN_OK;
        chain[len++] = h;
        chain[len++] = last = m;
    } else {
        uint32_t m = sole_reader(g, t, VKC_OP_MUL);
        if (m == VKC_NONE) return VKCNN_OK;
        uint32_t o = other_operand(g, m, t);
        chain[len++] = m;
        if (o == x) { /* (x * t) * 0.5 */
            uint32_t m2 = half_of(g, g->nodes[m].outputs[0]);
            if (m2 == VKC_NONE) return VKCNN_OK;
            chain[len++] = last = m2;
        } else { /* (x * 0.5) * t: o = x * 0.5, read by m alone */
            uint32_t xh = o == VKC_NONE ? VKC_NONE : g->tensors[o].producer;
            if (xh == VKC_NONE || sole_reader(g, o, VKC_OP_MUL) != m) return VKCNN_OK;
            const vkc_node *hn = &g->nodes[xh];
            if (hn->dead || hn->op != VKC_OP_MUL || hn->post_count ||
                !scalar_near(g, other_operand(g, xh, x), 0.5, NULL))
                return VKCNN_OK;
            chain[len++] = xh;
            last = m;
        }
    }
    if (!same_shape(&g->tensors[g->nodes[last].outputs[0]], &g->tensors[x])) return VKCNN_OK;
    vkc_attrs a;
    memset(&a, 0, sizeof a); /* alpha 0: approximate "none" */
    VKC_TRY(vkc_pass_rewrite(g, last, VKC_OP_GELU, &a, &x, 1, chain, len));
    *done = true;
    return VKCNN_OK;
}

vkcnn_status vkc_pass_recognise_gelu(vkc_graph *g, vkc_passes *r) {
    return recognise_each(g, r, gelu_at);
}

/* ---- A per-channel affine map written per channel ------------------------------ */

#define AFFINE_MAX_CHANNELS 16
#define AFFINE_MAX_LINKS 8 /* scalar ops and views per channel */

/* Walks back from Concat input t to the Gather its chain starts at and
 * returns that Gather (VKC_NONE: no chain), with the map from the Gather's
 * value v to t as t = v * a + b, and the chain's nodes appended to chain.
 * Every tensor on the way, t included, is read by the next link alone. */
static uint32_t slice_chain(const vkc_graph *g, uint32_t t, double *a, double *b, uint32_t *chain,
                            uint32_t *len) {
    *a = 1, *b = 0; /* t = v * a + b, v the value at the current tensor */
    for (uint32_t links = 0; links <= AFFINE_MAX_LINKS; links++) {
        uint32_t p = vkc_pass_single_producer(g, t);
        if (p == VKC_NONE) return VKC_NONE;
        const vkc_node *n = &g->nodes[p];
        if (n->post_count || n->output_count < 1 || n->outputs[0] != t) return VKC_NONE;
        chain[(*len)++] = p;
        if (n->op == VKC_OP_GATHER) return p;
        if (vkc_op_is(n->op, VKC_OPF_VIEW)) { /* views keep the elements' order */
            if (n->input_count < 1 || g->tensors[n->inputs[0]].elements != g->tensors[t].elements)
                return VKC_NONE;
            t = n->inputs[0];
            continue;
        }
        if ((n->op != VKC_OP_MUL && n->op != VKC_OP_ADD && n->op != VKC_OP_SUB &&
             n->op != VKC_OP_DIV) ||
            n->own_inputs != 2 || n->input_count != 2)
            return VKC_NONE;
        float cf;
        bool first = false; /* the scalar is operand 0 */
        if (!scalar_near(g, n->inputs[1], -1, &cf)) {
            if (!scalar_near(g, n->inputs[0], -1, &cf)) return VKC_NONE;
            first = true;
        }
        uint32_t u = n->inputs[first ? 1 : 0];
        double c = cf;
        if (g->tensors[u].elements != g->tensors[t].elements) return VKC_NONE;
        switch (n->op) { /* t = w * a + b, w = op(u, c): rewrite in terms of u */
        case VKC_OP_MUL: *a *= c; break;
        case VKC_OP_ADD: *b += c * *a; break;
        case VKC_OP_SUB: /* u - c, or c - u when c is operand 0 */
            *b += (first ? c : -c) * *a;
            if (first) *a = -*a;
            break;
        case VKC_OP_DIV: /* u / c only: c / u is no affine map */
            if (first || c == 0) return VKC_NONE;
            *a /= c;
            break;
        default: return VKC_NONE;
        }
        t = u;
    }
    return VKC_NONE;
}

static vkcnn_status channel_affine_at(vkc_graph *g, uint32_t ci, bool *done) {
    *done = false;
    const vkc_node *cn = &g->nodes[ci];
    if (cn->dead || cn->op != VKC_OP_CONCAT || cn->post_count || cn->attrs.axis != 1 ||
        cn->output_count < 1 || cn->input_count < 2 || cn->input_count > AFFINE_MAX_CHANNELS)
        return VKCNN_OK;
    uint32_t ch = cn->input_count, x = VKC_NONE, len = 0;
    uint32_t chain[AFFINE_MAX_CHANNELS * (AFFINE_MAX_LINKS + 1) + 1];
    double a[AFFINE_MAX_CHANNELS], b[AFFINE_MAX_CHANNELS];
    for (uint32_t i = 0; i < ch; i++) {
        uint32_t gi = slice_chain(g, g->nodes[ci].inputs[i], &a[i], &b[i], chain, &len);
        if (gi == VKC_NONE) return VKCNN_OK;
        const vkc_node *gn = &g->nodes[gi];
        if (gn->input_count != 2 || gn->attrs.axis != 1) return VKCNN_OK;
        const vkc_tensor *xt = &g->tensors[gn->inputs[0]], *it = &g->tensors[gn->inputs[1]];
        if (i == 0) x = gn->inputs[0];
        if (gn->inputs[0] != x || xt->rank < 2 || xt->dims[1] != (int64_t)ch ||
            xt->dtype != VKC_DTYPE_FLOAT32 || !it->data || it->elements != 1)
            return VKCNN_OK;
        /* indices: int64 as imported, or the float table (non-negative)
         * that inference makes of a Gather on run-time data */
        int64_t index = -1 - (int64_t)ch; /* no channel */
        if (it->dtype == VKC_DTYPE_INT64) index = *(const int64_t *)it->data;
        if (it->dtype == VKC_DTYPE_FLOAT32) {
            float f = *(const float *)it->data;
            if (f >= 0 && f < (float)ch) index = (int64_t)f;
        }
        if ((index < 0 ? index + (int64_t)ch : index) != (int64_t)i) return VKCNN_OK;
        /* the Gather's value is channel i alone: elements / C of x */
        if (g->tensors[gn->outputs[0]].elements * ch != xt->elements) return VKCNN_OK;
    }
    if (!same_shape(&g->tensors[g->nodes[ci].outputs[0]], &g->tensors[x])) return VKCNN_OK;
    chain[len++] = ci;
    int64_t dims[1] = {ch};
    uint32_t in[5] = {x};
    float *v[4];
    static const char *const what[4] = {"scale", "shift", "mean", "var"};
    for (uint32_t k = 0; k < 4; k++) {
        char name[512];
        snprintf(name, sizeof name, "%s_channel_%s", g->nodes[ci].name, what[k]);
        for (int j = 1; j < 1000 && vkc_graph_find(g, name) != VKC_NONE; j++) /* a free name */
            snprintf(name, sizeof name, "%s_channel_%s.%d", g->nodes[ci].name, what[k], j);
        VKC_TRY(vkc_pass_add_constant(g, name, 1, dims, &in[1 + k], &v[k]));
    }
    for (uint32_t i = 0; i < ch; i++) {
        v[0][i] = (float)a[i];
        v[1][i] = (float)b[i];
        v[2][i] = 0.0f;
        v[3][i] = 1.0f; /* with epsilon 0: Y = X * scale + B exactly */
    }
    vkc_attrs at;
    memset(&at, 0, sizeof at);
    at.epsilon = 0.0f;
    VKC_TRY(vkc_pass_rewrite(g, ci, VKC_OP_BATCH_NORM, &at, in, 5, chain, len));
    *done = true;
    return VKCNN_OK;
}

vkcnn_status vkc_pass_recognise_channel_affine(vkc_graph *g, vkc_passes *r) {
    return recognise_each(g, r, channel_affine_at);
}
