/* Graph IR storage: tensors, nodes, links, name lookup and validation. */
#include "graph/graph.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/pages.h"
#include "core/error.h"
#include "core/hash.h"
#include "ops/op_table.h"

/* Name -> tensor index: open addressing, power-of-two slots, kept at most
 * half full. Stored beside the graph so vkc_graph stays plain data. */
typedef struct name_index {
    uint32_t *slots; /* tensor index + 1, 0 = empty */
    uint32_t cap;
} name_index;

typedef struct graph_impl {
    vkc_graph g;
    name_index names;
} graph_impl;

static name_index *names_of(const vkc_graph *g) {
    return &((graph_impl *)g)->names;
}

static uint32_t name_hash(const char *s) {
    return (uint32_t)vkc_fnv1a(VKC_FNV_OFFSET, s, strlen(s));
}

static bool names_insert(name_index *ix, const vkc_graph *g, uint32_t t) {
    if ((uint64_t)(g->tensor_count + 1) * 2 > ix->cap) {
        uint32_t cap = ix->cap ? ix->cap * 2 : 64;
        uint32_t *slots = vkc_calloc(cap, sizeof *slots);
        if (!slots) return false;
        for (uint32_t i = 0; i < ix->cap; i++) {
            if (!ix->slots[i]) continue;
            uint32_t h = name_hash(g->tensors[ix->slots[i] - 1].name) & (cap - 1);
            while (slots[h])
                h = (h + 1) & (cap - 1);
            slots[h] = ix->slots[i];
        }
        free(ix->slots);
        ix->slots = slots;
        ix->cap = cap;
    }
    uint32_t h = name_hash(g->tensors[t].name) & (ix->cap - 1);
    while (ix->slots[h])
        h = (h + 1) & (ix->cap - 1);
    ix->slots[h] = t + 1;
    return true;
}

uint32_t vkc_graph_find(const vkc_graph *g, const char *name) {
    const name_index *ix = names_of(g);
    if (!ix->cap) return VKC_NONE;
    uint32_t h = name_hash(name) & (ix->cap - 1);
    while (ix->slots[h]) {
        uint32_t t = ix->slots[h] - 1;
        if (strcmp(g->tensors[t].name, name) == 0) return t;
        h = (h + 1) & (ix->cap - 1);
    }
    return VKC_NONE;
}

vkc_graph *vkc_graph_create(const vkc_limits *limits) {
    graph_impl *impl = vkc_calloc(1, sizeof *impl);
    if (!impl) return NULL;
    impl->g.limits = *limits;
    impl->g.batch = 1;
    return &impl->g;
}

void vkc_graph_destroy(vkc_graph *g) {
    if (!g) return;
    for (uint32_t i = 0; i < g->tensor_count; i++) {
        free(g->tensors[i].name);
        free(g->tensors[i].data);
        free(g->tensors[i].consumers);
    }
    for (uint32_t i = 0; i < g->node_count; i++) {
        free(g->nodes[i].name);
        free(g->nodes[i].inputs);
        free(g->nodes[i].outputs);
        free(g->nodes[i].post);
        free(g->nodes[i].members);
    }
    free(g->tensors);
    free(g->nodes);
    free(g->inputs);
    free(g->outputs);
    free(g->producer);
    free(g->producer_version);
    free(names_of(g)->slots);
    free((graph_impl *)g);
}

static char *dup_string(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

vkcnn_status vkc_graph_add_tensor(vkc_graph *g, const char *name, uint32_t *index) {
    if (vkc_graph_find(g, name) != VKC_NONE)
        return vkc_fail(VKCNN_ERROR_INVALID_MODEL, "duplicate tensor name '%s'", name);
    if (g->tensor_count >= g->limits.max_tensors)
        return vkc_fail(VKCNN_ERROR_LIMIT, "more than %" PRIu32 " tensors (max_tensors)",
                        g->limits.max_tensors);
    if (g->tensor_count == g->tensor_cap) {
        uint32_t cap = g->tensor_cap ? g->tensor_cap * 2 : 64;
        vkc_tensor *t = vkc_realloc_array(g->tensors, cap, sizeof *t);
        if (!t) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of memory (tensors)");
        g->tensors = t;
        g->tensor_cap = cap;
    }
    vkc_tensor *t = &g->tensors[g->tensor_count];
    memset(t, 0, sizeof *t);
    t->name = dup_string(name);
    if (!t->name) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of memory (tensor name)");
    t->producer = VKC_NONE;
    t->declared_rank = UINT32_MAX;
    t->dtype = VKC_DTYPE_FLOAT32;
    if (!names_insert(names_of(g), g, g->tensor_count)) {
        free(t->name);
        return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of memory (name index)");
    }
    *index = g->tensor_count++;
    return VKCNN_OK;
}

vkcnn_status vkc_graph_set_shape(vkc_graph *g, uint32_t ti, vkc_dtype dtype, uint32_t rank,
                                 const int64_t *dims) {
    vkc_tensor *t = &g->tensors[ti];
    char buf[160];
    if (rank > VKC_MAX_RANK)
        return vkc_fail(VKCNN_ERROR_UNSUPPORTED, "tensor '%s' has rank %" PRIu32 " (max %d)",
                        t->name, rank, VKC_MAX_RANK);
    uint64_t n = 1;
    for (uint32_t i = 0; i < rank; i++) {
        if (dims[i] < 0)
            return vkc_fail(VKCNN_ERROR_INVALID_MODEL, "tensor '%s' has a negative dimension %s",
                            t->name, vkc_shape_string(rank, dims, buf, sizeof buf));
        if (!vkc_mul_u64(n, (uint64_t)dims[i], &n) || n > g->limits.max_tensor_elements)
            return vkc_fail(VKCNN_ERROR_LIMIT,
                            "tensor '%s' of shape %s has more than %" PRIu64
                            " elements (max_tensor_elements)",
                            t->name, vkc_shape_string(rank, dims, buf, sizeof buf),
                            g->limits.max_tensor_elements);
    }
    t->dtype = dtype;
    t->rank = rank;
    if (rank) memcpy(t->dims, dims, rank * sizeof *dims);
    t->elements = n;
    t->shape_known = true;
    return VKCNN_OK;
}

/* Whether tensor ti's constant storage would fit max_total_bytes. */
static vkcnn_status check_data(const vkc_graph *g, uint32_t ti) {
    const vkc_tensor *t = &g->tensors[ti];
    uint64_t bytes = 0, total = 0;
    /* elements <= max_tensor_elements, so bytes cannot overflow size_t on a
     * 64-bit host, but check anyway: the limit is caller-set. */
    if (!vkc_mul_u64(t->elements, 8, &bytes) || bytes > SIZE_MAX ||
        !vkc_add_u64(g->constant_bytes, bytes, &total) || total > g->limits.max_total_bytes)
        return vkc_fail(VKCNN_ERROR_LIMIT,
                        "constant data would exceed %" PRIu64 " bytes at tensor '%s' "
                        "(max_total_bytes)",
                        g->limits.max_total_bytes, t->name);
    return VKCNN_OK;
}

vkcnn_status vkc_graph_adopt_data(vkc_graph *g, uint32_t ti, void *data) {
    vkcnn_status st = check_data(g, ti);
    if (st != VKCNN_OK) {
        free(data);
        return st;
    }
    vkc_tensor *t = &g->tensors[ti];
    size_t elem = t->dtype == VKC_DTYPE_INT64 ? 8 : 4;
    free(t->data);
    t->data = data;
    g->constant_bytes += t->elements * elem;
    return VKCNN_OK;
}

vkcnn_status vkc_graph_alloc_data(vkc_graph *g, uint32_t ti, void **data) {
    VKC_TRY(check_data(g, ti));
    vkc_tensor *t = &g->tensors[ti];
    size_t elem = t->dtype == VKC_DTYPE_INT64 ? 8 : 4;
    void *p = vkc_calloc(t->elements ? (size_t)t->elements : 1, elem);
    vkc_advise_huge(p, (size_t)t->elements * elem);
    if (!p)
        return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of memory for tensor '%s'", t->name);
    free(t->data);
    t->data = p;
    g->constant_bytes += t->elements * elem;
    *data = p;
    return VKCNN_OK;
}

vkcnn_status vkc_graph_add_node(vkc_graph *g, vkc_op op, int opset, const char *name,
                                uint32_t input_count, uint32_t output_count, uint32_t *index) {
    if (g->node_count >= g->limits.max_nodes)
        return vkc_fail(VKCNN_ERROR_LIMIT, "more than %" PRIu32 " nodes (max_nodes)",
                        g->limits.max_nodes);
    if (g->node_count == g->node_cap) {
        uint32_t cap = g->node_cap ? g->node_cap * 2 : 32;
        vkc_node *n = vkc_realloc_array(g->nodes, cap, sizeof *n);
        if (!n) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of memory (nodes)");
        g->nodes = n;
        g->node_cap = cap;
    }
    vkc_node *n = &g->nodes[g->node_count];
    memset(n, 0, sizeof *n);
    char generated[64];
    if (!name || !*name) {
        snprintf(generated, sizeof generated, "%s_%" PRIu32, vkc_op_name(op), g->node_count);
        name = generated;
    }
    n->name = dup_string(name);
    n->inputs = vkc_calloc(input_count ? input_count : 1, sizeof *n->inputs);
    n->outputs = vkc_calloc(output_count ? output_count : 1, sizeof *n->outputs);
    if (!n->name || !n->inputs || !n->outputs) {
        free(n->name);
        free(n->inputs);
        free(n->outputs);
        return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of memory (node)");
    }
    for (uint32_t i = 0; i < input_count; i++)
        n->inputs[i] = VKC_NONE;
    for (uint32_t i = 0; i < output_count; i++)
        n->outputs[i] = VKC_NONE;
    n->input_count = input_count;
    n->own_inputs = input_count;
    n->output_count = output_count;
    n->op = op;
    n->opset = opset;
    n->winograd = VKC_NONE;
    n->gemv_packed = VKC_NONE;
    n->row_packed = VKC_NONE;
    n->in_scale = VKC_NONE;
    n->in_shift = VKC_NONE;
    vkc_attrs_defaults(op, opset, &n->attrs);
    *index = g->node_count++;
    return VKCNN_OK;
}

vkcnn_status vkc_graph_link_node(vkc_graph *g, uint32_t ni) {
    vkc_node *n = &g->nodes[ni];
    char label[320];
    for (uint32_t i = 0; i < n->input_count; i++) {
        if (n->inputs[i] == VKC_NONE) continue;
        vkc_tensor *t = &g->tensors[n->inputs[i]];
        if (t->consumer_count == t->consumer_cap) {
            uint32_t cap = t->consumer_cap ? t->consumer_cap * 2 : 4;
            uint32_t *c = vkc_realloc_array(t->consumers, cap, sizeof *c);
            if (!c) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of memory (consumers)");
            t->consumers = c;
            t->consumer_cap = cap;
        }
        t->consumers[t->consumer_count++] = ni;
    }
    for (uint32_t i = 0; i < n->output_count; i++) {
        if (n->outputs[i] == VKC_NONE) continue;
        vkc_tensor *t = &g->tensors[n->outputs[i]];
        if (t->producer != VKC_NONE || t->data || t->graph_input)
            return vkc_fail(VKCNN_ERROR_INVALID_MODEL,
                            "%s: output '%s' is already produced elsewhere (duplicate name)",
                            vkc_node_label(g, ni, label, sizeof label), t->name);
        t->producer = ni;
    }
    return VKCNN_OK;
}

void vkc_graph_drop_input(vkc_graph *g, uint32_t ni, uint32_t slot) {
    /* Consumer lists are left stale here (removing from a list of n users is
     * O(n), quadratic over a hostile file) and rebuilt by vkc_graph_relink. */
    vkc_node *n = &g->nodes[ni];
    memmove(&n->inputs[slot], &n->inputs[slot + 1],
            (n->input_count - slot - 1) * sizeof *n->inputs);
    n->input_count--;
    if (slot < n->own_inputs) n->own_inputs--;
}

vkcnn_status vkc_graph_append_input(vkc_graph *g, uint32_t ni, uint32_t t, uint32_t *slot) {
    vkc_node *n = &g->nodes[ni];
    uint32_t *in = vkc_realloc_array(n->inputs, n->input_count + 1, sizeof *in);
    if (!in) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of memory (node inputs)");
    n->inputs = in;
    in[n->input_count] = t;
    *slot = n->input_count++;
    return VKCNN_OK;
}

vkcnn_status vkc_graph_add_member(vkc_graph *g, uint32_t ni, uint32_t member) {
    vkc_node *n = &g->nodes[ni], *m = &g->nodes[member];
    uint32_t count = n->member_count + 1 + m->member_count;
    uint32_t *list = vkc_realloc_array(n->members, count, sizeof *list);
    if (!list) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of memory (fused group)");
    n->members = list;
    list[n->member_count++] = member;
    for (uint32_t i = 0; i < m->member_count; i++)
        list[n->member_count++] = m->members[i];
    return VKCNN_OK;
}

vkcnn_status vkc_graph_append_post(vkc_graph *g, uint32_t ni, const vkc_post_op *op) {
    vkc_node *n = &g->nodes[ni];
    if (n->post_count >= VKC_MAX_POST_OPS)
        return vkc_fail(VKCNN_ERROR_LIMIT, "more than %d post-ops in a fused group",
                        VKC_MAX_POST_OPS);
    vkc_post_op *list = vkc_realloc_array(n->post, n->post_count + 1, sizeof *list);
    if (!list) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of memory (fused group)");
    n->post = list;
    list[n->post_count++] = *op;
    return VKCNN_OK;
}

vkcnn_status vkc_graph_relink(vkc_graph *g) {
    for (uint32_t t = 0; t < g->tensor_count; t++)
        g->tensors[t].consumer_count = 0;
    for (uint32_t ni = 0; ni < g->node_count; ni++) {
        vkc_node *n = &g->nodes[ni];
        if (n->dead) continue;
        for (uint32_t i = 0; i < n->input_count; i++) {
            if (n->inputs[i] == VKC_NONE) continue;
            vkc_tensor *t = &g->tensors[n->inputs[i]];
            if (t->consumer_count == t->consumer_cap) { /* cannot happen: lists only shrank */
                uint32_t cap = t->consumer_cap ? t->consumer_cap * 2 : 4;
                uint32_t *c = vkc_realloc_array(t->consumers, cap, sizeof *c);
                if (!c)
                    return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of memory (consumers)");
                t->consumers = c;
                t->consumer_cap = cap;
            }
            t->consumers[t->consumer_count++] = ni;
        }
    }
    return VKCNN_OK;
}

vkcnn_status vkc_node_fail(const vkc_graph *g, uint32_t ni, vkcnn_status status, const char *fmt,
                           ...) {
    char msg[1536], label[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return vkc_fail(status, "%s: %s", vkc_node_label(g, ni, label, sizeof label), msg);
}

const char *vkc_node_label(const vkc_graph *g, uint32_t ni, char *buf, size_t size) {
    const vkc_node *n = &g->nodes[ni];
    snprintf(buf, size, "node '%s' (%s)", n->name, vkc_op_name(n->op));
    return buf;
}

const char *vkc_shape_string(uint32_t rank, const int64_t *dims, char *buf, size_t size) {
    size_t used = 0;
    int w = snprintf(buf, size, "[");
    used = w > 0 ? (size_t)w : 0;
    for (uint32_t i = 0; i < rank && used < size; i++) {
        w = snprintf(buf + used, size - used, i ? ", %" PRId64 : "%" PRId64, dims[i]);
        if (w < 0) break;
        used += (size_t)w;
    }
    if (used < size) snprintf(buf + used, size - used, "]");
    return buf;
}

vkcnn_status vkc_graph_validate(const vkc_graph *g) {
    char label[320];
    for (uint32_t ni = 0; ni < g->node_count; ni++) {
        const vkc_node *n = &g->nodes[ni];
        if (n->dead) continue;
        for (uint32_t i = 0; i < n->input_count; i++) {
            uint32_t ti = n->inputs[i];
            if (ti == VKC_NONE) continue;
            if (ti >= g->tensor_count)
                return vkc_fail(VKCNN_ERROR_INVALID_MODEL, "%s: input %" PRIu32 " out of range",
                                vkc_node_label(g, ni, label, sizeof label), i);
            const vkc_tensor *t = &g->tensors[ti];
            if (t->producer != VKC_NONE && t->producer >= ni)
                return vkc_fail(VKCNN_ERROR_INVALID_MODEL,
                                "%s: input '%s' is produced by a later node (not topological)",
                                vkc_node_label(g, ni, label, sizeof label), t->name);
            if (t->producer == VKC_NONE && !t->data && !t->graph_input)
                return vkc_fail(VKCNN_ERROR_INVALID_MODEL,
                                "%s: input '%s' is neither a graph input, an initializer nor "
                                "produced by a node",
                                vkc_node_label(g, ni, label, sizeof label), t->name);
            if (t->producer != VKC_NONE && g->nodes[t->producer].dead && !t->data)
                return vkc_fail(VKCNN_ERROR_INVALID_MODEL, "%s: input '%s' has a removed producer",
                                vkc_node_label(g, ni, label, sizeof label), t->name);
        }
        for (uint32_t i = 0; i < n->output_count; i++) {
            uint32_t ti = n->outputs[i];
            if (ti == VKC_NONE || ti >= g->tensor_count || g->tensors[ti].producer != ni)
                return vkc_fail(VKCNN_ERROR_INVALID_MODEL, "%s: output %" PRIu32 " is not linked",
                                vkc_node_label(g, ni, label, sizeof label), i);
        }
    }
    for (uint32_t ti = 0; ti < g->tensor_count; ti++) {
        const vkc_tensor *t = &g->tensors[ti];
        bool used = t->consumer_count || t->graph_output || t->graph_input;
        if (!used) continue;
        if (!t->shape_known)
            return vkc_fail(VKCNN_ERROR_INVALID_MODEL, "tensor '%s' has no known shape", t->name);
        if (!t->data && t->dtype != VKC_DTYPE_FLOAT32)
            return vkc_fail(VKCNN_ERROR_UNSUPPORTED,
                            "tensor '%s' is int64 at run time: unsupported dtype (vkcnn runs "
                            "float32 only)",
                            t->name);
    }
    return VKCNN_OK;
}
