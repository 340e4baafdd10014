/* The pass pipeline, its bookkeeping, the graph copy the passes rewrite and
 * the helpers the passes share. */
#include "passes/passes.h"

#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/error.h"

static vkcnn_status oom(void) {
    return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory (graph passes)");
}

vkcnn_status vkc_passes_run(vkc_graph *g, const vkc_passes_options *opts, vkc_passes *r) {
    memset(r, 0, sizeof *r);
    if (!opts || !opts->fusion) return VKCNN_OK;
    vkcnn_status st = vkc_pass_fold_constants(g, r);
    if (!st) st = vkc_pass_lrn_pattern(g, r);
    if (!st) st = vkc_pass_remove_views(g, r);
    if (!st) st = vkc_pass_fold_batch_norm(g, r);
    if (!st) st = vkc_pass_recognise_layer_norm(g, r);
    if (!st) st = vkc_pass_recognise_gelu(g, r);
    if (!st) st = vkc_pass_recognise_channel_affine(g, r);
    if (!st) st = vkc_pass_fuse(g, r);
    if (!st && opts->squeeze_excite) st = vkc_pass_squeeze_excite(g, r, opts);
    if (!st && opts->winograd) st = vkc_pass_winograd_weights(g, r, opts);
    if (!st && opts->winograd) st = vkc_pass_fuse_pool(g, r);
    if (!st) st = vkc_pass_fuse_input_scale(g, r);
    if (!st && opts->input_affine) st = vkc_pass_fuse_input_affine(g, r);
    if (!st && opts->gemv_packs) st = vkc_pass_gemv_pack(g, r, opts);
    if (!st && opts->row_packs) st = vkc_pass_row_pack(g, r, opts);
    return st;
}

bool vkc_pass_single_use(const vkc_graph *g, uint32_t t) {
    const vkc_tensor *x = &g->tensors[t];
    return !x->graph_output && x->consumer_count == 1;
}

uint32_t vkc_pass_single_producer(const vkc_graph *g, uint32_t t) {
    if (t == VKC_NONE || !vkc_pass_single_use(g, t)) return VKC_NONE;
    uint32_t p = g->tensors[t].producer;
    return p != VKC_NONE && !g->nodes[p].dead ? p : VKC_NONE;
}

vkcnn_status vkc_pass_rewrite(vkc_graph *g, uint32_t last, vkc_op op, const vkc_attrs *attrs,
                              const uint32_t *inputs, uint32_t count, const uint32_t *chain,
                              uint32_t length) {
    vkc_node *n = &g->nodes[last];
    uint32_t *in = vkc_realloc_array(n->inputs, count, sizeof *in);
    if (!in) return oom();
    memcpy(in, inputs, count * sizeof *in);
    n->inputs = in;
    n->input_count = n->own_inputs = count;
    n->op = op;
    n->attrs = *attrs;
    for (uint32_t i = 0; i < length; i++) {
        if (chain[i] == last) continue;
        VKC_TRY(vkc_graph_add_member(g, last, chain[i]));
        vkc_node *m = &g->nodes[chain[i]];
        m->dead = true;
        for (uint32_t k = 0; k < m->output_count; k++)
            if (m->outputs[k] != VKC_NONE) g->tensors[m->outputs[k]].producer = VKC_NONE;
    }
    return VKCNN_OK;
}

vkcnn_status vkc_pass_add_constant(vkc_graph *g, const char *name, uint32_t rank,
                                   const int64_t *dims, uint32_t *index, float **data) {
    vkcnn_status st = vkc_graph_add_tensor(g, name, index);
    if (!st) st = vkc_graph_set_shape(g, *index, VKC_DTYPE_FLOAT32, rank, dims);
    void *p = NULL;
    if (!st) st = vkc_graph_alloc_data(g, *index, &p);
    *data = p;
    return st;
}

vkcnn_status vkc_pass_absorb(vkc_graph *g, uint32_t keeper, uint32_t victim) {
    VKC_TRY(vkc_graph_add_member(g, keeper, victim));
    vkc_node *k = &g->nodes[keeper], *v = &g->nodes[victim];
    uint32_t mid = k->outputs[0], out = v->outputs[0];
    g->tensors[mid].producer = VKC_NONE;
    g->tensors[out].producer = keeper;
    k->outputs[0] = out;
    v->dead = true;
    return VKCNN_OK;
}

/* ---- clone ------------------------------------------------------------------ */

static char *dup_string(const char *s) {
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static uint32_t *dup_u32(const uint32_t *v, uint32_t n, bool *ok) {
    uint32_t *d = vkc_calloc(n ? n : 1, sizeof *d);
    if (!d) {
        *ok = false;
        return NULL;
    }
    if (n) memcpy(d, v, n * sizeof *d);
    return d;
}

vkcnn_status vkc_graph_clone(const vkc_graph *g, vkc_graph **out) {
    *out = NULL;
    vkc_graph *c = vkc_graph_create(&g->limits);
    if (!c) return oom();
    vkcnn_status st = VKCNN_OK;
    bool ok = true;
    for (uint32_t t = 0; t < g->tensor_count && !st; t++) {
        uint32_t index;
        if ((st = vkc_graph_add_tensor(c, g->tensors[t].name, &index))) break;
        vkc_tensor *d = &c->tensors[index];
        char *name = d->name;
        *d = g->tensors[t]; /* data borrowed: see vkc_graph_clone_destroy */
        d->name = name;
        d->consumers = dup_u32(g->tensors[t].consumers, g->tensors[t].consumer_count, &ok);
        d->consumer_cap = g->tensors[t].consumer_count ? g->tensors[t].consumer_count : 1;
        if (!ok) {
            d->data = NULL;
            st = oom();
        }
    }
    for (uint32_t i = 0; i < g->node_count && !st; i++) {
        const vkc_node *s = &g->nodes[i];
        uint32_t index;
        if ((st = vkc_graph_add_node(c, s->op, s->opset, s->name, s->input_count, s->output_count,
                                     &index)))
            break;
        vkc_node *d = &c->nodes[index];
        if (s->input_count) memcpy(d->inputs, s->inputs, s->input_count * sizeof *d->inputs);
        if (s->output_count) memcpy(d->outputs, s->outputs, s->output_count * sizeof *d->outputs);
        d->attrs = s->attrs;
        d->dead = s->dead;
        d->own_inputs = s->own_inputs;
        d->algo = s->algo;
        d->winograd = s->winograd;
        d->gemv_packed = s->gemv_packed;
        d->gemv_nc = s->gemv_nc;
        d->gemv_chunk = s->gemv_chunk;
        d->row_packed = s->row_packed;
        d->pool = s->pool;
        memcpy(d->conv_dims, s->conv_dims, sizeof d->conv_dims);
        d->pool_window = s->pool_window;
        d->in_scale = s->in_scale;
        d->in_scale_kind = s->in_scale_kind;
        d->in_shift = s->in_shift;
        d->in_relu = s->in_relu;
        for (uint32_t k = 0; k < s->post_count && !st; k++)
            st = vkc_graph_append_post(c, index, &s->post[k]);
        if (s->member_count && !st) {
            d->members = dup_u32(s->members, s->member_count, &ok);
            d->member_count = s->member_count;
            if (!ok) st = oom();
        }
    }
    if (!st) {
        c->inputs = dup_u32(g->inputs, g->input_count, &ok);
        c->outputs = dup_u32(g->outputs, g->output_count, &ok);
        c->input_count = g->input_count;
        c->output_count = g->output_count;
        c->producer = dup_string(g->producer);
        c->producer_version = dup_string(g->producer_version);
        if (!ok || (g->producer && !c->producer) || (g->producer_version && !c->producer_version))
            st = oom();
        c->ir_version = g->ir_version;
        c->opset = g->opset;
        c->batch = g->batch;
        c->file_params = g->file_params;
    }
    if (st) {
        vkc_graph_clone_destroy(c, g);
        return st;
    }
    *out = c;
    return VKCNN_OK;
}

void vkc_graph_clone_destroy(vkc_graph *c, const vkc_graph *original) {
    if (!c) return;
    /* the first tensors borrow the original's data: not the clone's to free */
    for (uint32_t t = 0; t < c->tensor_count && t < original->tensor_count; t++)
        if (c->tensors[t].data == original->tensors[t].data) c->tensors[t].data = NULL;
    vkc_graph_destroy(c);
}
