#define _POSIX_C_SOURCE 200809L
/* ModelProto -> graph IR: opsets, the unsupported-operator check (all at
 * once), initializers, inputs with the batch bound, topological order,
 * then attributes, shape inference and folding node by node. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/error.h"
#include "core/pages.h"
#include "import/import.h"
#include "import/onnx_internal.h"
#include "ops/op_table.h"

#define MAX_OPSET 17

typedef VkcnnOnnx__ModelProto Model;
typedef VkcnnOnnx__GraphProto Graph;
typedef VkcnnOnnx__NodeProto Node;
typedef VkcnnOnnx__ValueInfoProto ValueInfo;

/* ---- decoding with a memory cap -------------------------------------------- */

/* Blocks of at least VKC_HUGE_ADVICE_MIN (the raw_data of large
 * initializers) are plain malloc blocks listed here rather than carrying a
 * size header, so that the graph can take one over instead of copying it
 * (vkc_onnx_alloc_take): VGG-16's 528 MB of weights are then decoded once. */
typedef struct large_block {
    void *p;
    size_t size;
    bool taken; /* owned by the graph now; the decoder's free skips it */
} large_block;

struct vkc_onnx_alloc {
    uint64_t used, limit;
    bool hit;
    large_block *large;
    size_t large_count, large_cap;
};

static void *capped_alloc(void *ud, size_t size) {
    vkc_onnx_alloc *c = ud;
    if (size > SIZE_MAX - 16 || size > c->limit - c->used) {
        c->hit = true;
        return NULL;
    }
    if (size >= VKC_HUGE_ADVICE_MIN) {
        if (c->large_count == c->large_cap) {
            size_t cap = c->large_cap ? 2 * c->large_cap : 16;
            large_block *l = vkc_realloc_array(c->large, cap, sizeof *l);
            if (!l) return NULL;
            c->large = l;
            c->large_cap = cap;
        }
        void *p = malloc(size);
        if (!p) return NULL;
        vkc_advise_huge(p, size);
        c->large[c->large_count++] = (large_block){p, size, false};
        c->used += size;
        return p;
    }
    unsigned char *p = malloc(size + 16);
    if (!p) return NULL;
    memcpy(p, &size, sizeof size);
    c->used += size;
    return p + 16;
}

static void capped_free(void *ud, void *ptr) {
    if (!ptr) return;
    vkc_onnx_alloc *c = ud;
    for (size_t i = 0; i < c->large_count; i++) {
        if (c->large[i].p != ptr) continue;
        if (!c->large[i].taken) free(ptr);
        c->used -= c->large[i].size;
        c->large[i] = c->large[--c->large_count];
        return;
    }
    unsigned char *p = (unsigned char *)ptr - 16;
    size_t size;
    memcpy(&size, p, sizeof size);
    c->used -= size;
    free(p);
}

bool vkc_onnx_alloc_take(vkc_onnx_alloc *a, const void *block) {
    if (!a || !block) return false;
    for (size_t i = 0; i < a->large_count; i++) {
        if (a->large[i].p != block || a->large[i].taken) continue;
        a->large[i].taken = true;
        return true;
    }
    return false;
}

/* ---- helpers ---------------------------------------------------------------- */

static bool default_domain(const char *d) {
    return !d || !*d || strcmp(d, "ai.onnx") == 0;
}

static const char *str(const char *s) {
    return s ? s : "";
}

static int64_t domain_opset(const Model *m, const char *domain) {
    for (size_t i = 0; i < m->n_opset_import; i++) {
        const char *d = str(m->opset_import[i]->domain);
        if (default_domain(domain) ? default_domain(d) : strcmp(d, domain) == 0)
            return m->opset_import[i]->version;
    }
    return -1;
}

/* All unsupported operators, by name and opset, in one message. */
static vkcnn_status check_operators(const Model *m, int64_t opset) {
    const Graph *gp = m->graph;
    enum { MAX_LISTED = 32 };
    char msg[1800];
    size_t used = 0, first[MAX_LISTED];
    unsigned count = 0, listed = 0;
    bool more = false;
    for (size_t i = 0; i < gp->n_node; i++) {
        const Node *np = gp->node[i];
        vkc_op op;
        const char *dom = str(np->domain), *type = str(np->op_type);
        if (default_domain(dom) && vkc_op_lookup(type, opset, &op)) continue;
        char item[300];
        int64_t v = default_domain(dom) ? opset : domain_opset(m, dom);
        snprintf(item, sizeof item, "%s%s%s (opset %" PRId64 ")", default_domain(dom) ? "" : dom,
                 default_domain(dom) ? "" : ":", type, v);
        if (default_domain(dom) && vkc_op_lookup(type, 255, &op)) /* defined in a later opset */
            snprintf(item, sizeof item, "%s (opset %" PRId64 ", defined from opset %d)", type, v,
                     vkc_op_get(op)->since[0]);
        /* Report each distinct operator once. Only the distinct ones seen so
         * far are compared (at most MAX_LISTED), so a file of many unknown
         * nodes costs linear time. */
        bool seen = false;
        for (unsigned k = 0; k < listed && !seen; k++)
            seen = strcmp(str(gp->node[first[k]]->op_type), type) == 0 &&
                   strcmp(str(gp->node[first[k]]->domain), dom) == 0;
        if (seen) continue;
        count++;
        if (listed == MAX_LISTED) {
            more = true;
            continue;
        }
        first[listed++] = i;
        int w = snprintf(msg + used, sizeof msg - used, "%s%s", count > 1 ? ", " : "", item);
        if (w > 0) used = used + (size_t)w < sizeof msg ? used + (size_t)w : sizeof msg - 1;
    }
    if (count)
        return vkc_fail(VKCNN_ERROR_UNSUPPORTED, "unsupported operator%s: %s%s",
                        count > 1 ? "s" : "", msg, more ? ", and more" : "");
    return VKCNN_OK;
}

/* Reads a declared tensor type: elem_type and dims (-1 = symbolic). */
static vkcnn_status declared_type(const ValueInfo *vi, const char *role, int *elem, uint32_t *rank,
                                  int64_t *dims, const char **symbols) {
    const char *name = str(vi->name);
    *rank = UINT32_MAX;
    *elem = 0;
    if (!vi->type) return VKCNN_OK;
    if (vi->type->value_case != VKCNN_ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE)
        return vkc_fail(VKCNN_ERROR_UNSUPPORTED,
                        "%s '%s' is not a tensor (sequence, map or optional): unsupported dtype",
                        role, name);
    const VkcnnOnnx__TypeProto__Tensor *tt = vi->type->tensor_type;
    *elem = tt->has_elem_type ? tt->elem_type : 0;
    if (!tt->shape) return VKCNN_OK;
    if (tt->shape->n_dim > VKC_MAX_RANK)
        return vkc_fail(VKCNN_ERROR_UNSUPPORTED, "%s '%s' has rank %zu (max %d)", role, name,
                        tt->shape->n_dim, VKC_MAX_RANK);
    *rank = (uint32_t)tt->shape->n_dim;
    for (uint32_t i = 0; i < *rank; i++) {
        const VkcnnOnnx__TensorShapeProto__Dimension *d = tt->shape->dim[i];
        bool has = d->value_case == VKCNN_ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
        if (has && d->dim_value < 0)
            return vkc_fail(VKCNN_ERROR_INVALID_MODEL,
                            "%s '%s' declares negative dimension %" PRId64 " at axis %" PRIu32,
                            role, name, d->dim_value, i);
        dims[i] = has ? d->dim_value : -1;
        if (symbols)
            symbols[i] = d->value_case == VKCNN_ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM
                             ? str(d->dim_param)
                             : "?";
    }
    return VKCNN_OK;
}

/* Whether a graph input (not an initializer) declares a symbolic leading
 * dimension: then a requested batch binds those, and inputs declared static
 * are taken as they are; a model without one is static and refuses another
 * batch than its own (its first input's). */
static bool has_symbolic_batch(const vkc_graph *g, const Graph *gp) {
    for (size_t i = 0; i < gp->n_input; i++) {
        const ValueInfo *vi = gp->input[i];
        uint32_t t = vkc_graph_find(g, str(vi->name));
        if (t != VKC_NONE && g->tensors[t].initializer) continue;
        const VkcnnOnnx__TypeProto *tp = vi->type;
        if (tp && tp->value_case == VKCNN_ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE &&
            tp->tensor_type->shape && tp->tensor_type->shape->n_dim > 0 &&
            tp->tensor_type->shape->dim[0]->value_case !=
                VKCNN_ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE)
            return true;
    }
    return false;
}

static vkcnn_status add_input(vkc_graph *g, const ValueInfo *vi, uint32_t requested_batch,
                              bool symbolic_model, bool *batch_set) {
    const char *name = str(vi->name);
    int elem;
    uint32_t rank;
    int64_t dims[VKC_MAX_RANK];
    const char *symbols[VKC_MAX_RANK];
    VKC_TRY(declared_type(vi, "graph input", &elem, &rank, dims, symbols));
    if (elem != 1)
        return vkc_fail(VKCNN_ERROR_UNSUPPORTED,
                        "graph input '%s' has element type %s: unsupported dtype (vkcnn runs "
                        "float32 tensors only)",
                        name, vkc_onnx_type_name(elem));
    if (rank == UINT32_MAX)
        return vkc_fail(VKCNN_ERROR_UNSUPPORTED, "graph input '%s' declares no shape", name);
    bool batch_here = rank > 0 && (!symbolic_model || dims[0] < 0); /* g->batch comes from it */
    for (uint32_t i = 0; i < rank; i++) {
        if (dims[i] >= 0) {
            if (i == 0 && requested_batch && !symbolic_model && !*batch_set &&
                dims[0] != requested_batch)
                return vkc_fail(VKCNN_ERROR_UNSUPPORTED,
                                "graph input '%s' has a static batch of %" PRId64 "; batch %" PRIu32
                                " cannot be bound",
                                name, dims[0], requested_batch);
            continue;
        }
        if (i != 0)
            return vkc_fail(VKCNN_ERROR_UNSUPPORTED,
                            "graph input '%s' has symbolic dimension '%s' at axis %" PRIu32
                            ": only the batch (axis 0) may be symbolic",
                            name, symbols[i], i);
        dims[0] = requested_batch ? requested_batch : 1;
    }
    uint32_t t;
    VKC_TRY(vkc_graph_add_tensor(g, name, &t));
    VKC_TRY(vkc_graph_set_shape(g, t, VKC_DTYPE_FLOAT32, rank, dims));
    g->tensors[t].graph_input = true;
    if (!*batch_set && batch_here) {
        g->batch = dims[0];
        *batch_set = true;
    }
    uint32_t *in = vkc_realloc_array(g->inputs, g->input_count + 1, sizeof *in);
    if (!in) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
    g->inputs = in;
    g->inputs[g->input_count++] = t;
    return VKCNN_OK;
}

static vkcnn_status record_declared(vkc_graph *g, const ValueInfo *vi, const char *role) {
    uint32_t t = vkc_graph_find(g, str(vi->name));
    if (t == VKC_NONE) return VKCNN_OK; /* value_info for a name nothing produces: harmless */
    int elem;
    uint32_t rank;
    int64_t dims[VKC_MAX_RANK];
    VKC_TRY(declared_type(vi, role, &elem, &rank, dims, NULL));
    g->tensors[t].declared_rank = rank;
    if (rank != UINT32_MAX) memcpy(g->tensors[t].declared_dims, dims, rank * sizeof dims[0]);
    return VKCNN_OK;
}

static vkcnn_status check_declared(const vkc_graph *g, uint32_t ni, uint32_t t) {
    const vkc_tensor *x = &g->tensors[t];
    if (x->declared_rank == UINT32_MAX || !x->shape_known) return VKCNN_OK;
    bool ok = x->declared_rank == x->rank;
    for (uint32_t i = 0; ok && i < x->rank; i++)
        ok = x->declared_dims[i] < 0 || x->declared_dims[i] == x->dims[i];
    if (ok) return VKCNN_OK;
    char a[160], b[160];
    return vkc_node_fail(g, ni, VKCNN_ERROR_INVALID_MODEL,
                         "output '%s' is inferred as %s but the file declares %s (-1 = symbolic)",
                         x->name, vkc_shape_string(x->rank, x->dims, a, sizeof a),
                         vkc_shape_string(x->declared_rank, x->declared_dims, b, sizeof b));
}

/* ---- Constant nodes ---------------------------------------------------------- */

static vkcnn_status constant_node(vkc_graph *g, uint32_t ni, const Node *np, const char *base) {
    vkc_node *n = &g->nodes[ni];
    uint32_t t = n->outputs[0];
    if (n->output_count < 1 || t == VKC_NONE)
        return vkc_node_fail(g, ni, VKCNN_ERROR_INVALID_MODEL, "has no output");
    if (np->n_attribute != 1)
        return vkc_node_fail(g, ni, VKCNN_ERROR_INVALID_MODEL,
                             "needs exactly one value attribute, has %zu", np->n_attribute);
    const VkcnnOnnx__AttributeProto *a = np->attribute[0];
    const char *name = str(a->name);
    vkcnn_status st;
    if (strcmp(name, "value") == 0 && a->t) {
        st = vkc_onnx_load_tensor(g, t, a->t, base, NULL);
    } else if (strcmp(name, "value_float") == 0 || strcmp(name, "value_int") == 0 ||
               strcmp(name, "value_floats") == 0 || strcmp(name, "value_ints") == 0) {
        bool is_float = name[6] == 'f', list = name[strlen(name) - 1] == 's';
        int64_t count = list ? (int64_t)(is_float ? a->n_floats : a->n_ints) : 1;
        st = vkc_graph_set_shape(g, t, is_float ? VKC_DTYPE_FLOAT32 : VKC_DTYPE_INT64, list ? 1 : 0,
                                 &count);
        void *d = NULL;
        if (st == VKCNN_OK) st = vkc_graph_alloc_data(g, t, &d);
        if (st == VKCNN_OK && count) {
            if (is_float)
                memcpy(d, list ? a->floats : &a->f, (size_t)count * sizeof(float));
            else
                memcpy(d, list ? a->ints : &a->i, (size_t)count * sizeof(int64_t));
        }
    } else {
        return vkc_node_fail(g, ni, VKCNN_ERROR_UNSUPPORTED,
                             "attribute '%s' is not supported (value, value_float(s), "
                             "value_int(s) only)",
                             name);
    }
    if (st != VKCNN_OK) return vkc_fail_context(st, "node '%s' (Constant)", n->name);
    n->dead = true;
    g->tensors[t].producer = VKC_NONE;
    return VKCNN_OK;
}

/* ---- topological order --------------------------------------------------------- */

/* Fills order[] with node indices of gp in a topological order; producer[t]
 * is the proto node producing tensor t, or VKC_NONE. */
static vkcnn_status topo_sort(const vkc_graph *g, const Graph *gp, const uint32_t *producer,
                              uint32_t *order) {
    size_t nn = gp->n_node;
    uint32_t *indeg = vkc_calloc(nn ? nn : 1, sizeof *indeg);
    uint32_t *start = vkc_calloc(g->tensor_count + 1, sizeof *start); /* CSR of consumers */
    uint32_t *uses = NULL;
    vkcnn_status st = VKCNN_OK;
    uint64_t total = 0;
    if (!indeg || !start) goto oom;
    for (size_t i = 0; i < nn; i++)
        for (size_t k = 0; k < gp->node[i]->n_input; k++) {
            const char *in = gp->node[i]->input[k];
            if (!in || !*in) continue;
            uint32_t t = vkc_graph_find(g, in);
            if (producer[t] != VKC_NONE) {
                indeg[i]++;
                start[t + 1]++;
                total++;
            }
        }
    for (uint32_t t = 0; t < g->tensor_count; t++)
        start[t + 1] += start[t];
    uses = vkc_calloc(total ? total : 1, sizeof *uses);
    uint32_t *fill = vkc_calloc(g->tensor_count + 1, sizeof *fill);
    if (!uses || !fill) {
        free(fill);
        goto oom;
    }
    for (size_t i = 0; i < nn; i++)
        for (size_t k = 0; k < gp->node[i]->n_input; k++) {
            const char *in = gp->node[i]->input[k];
            if (!in || !*in) continue;
            uint32_t t = vkc_graph_find(g, in);
            if (producer[t] != VKC_NONE) uses[start[t] + fill[t]++] = (uint32_t)i;
        }
    free(fill);
    size_t head = 0, tail = 0;
    for (size_t i = 0; i < nn; i++)
        if (!indeg[i]) order[tail++] = (uint32_t)i;
    while (head < tail) {
        const Node *np = gp->node[order[head++]];
        for (size_t k = 0; k < np->n_output; k++) {
            const char *out = np->output[k];
            if (!out || !*out) continue;
            uint32_t t = vkc_graph_find(g, out);
            for (uint32_t u = start[t]; u < start[t + 1]; u++)
                if (--indeg[uses[u]] == 0) order[tail++] = uses[u];
        }
    }
    if (tail < nn) {
        size_t bad = 0;
        while (bad < nn && !indeg[bad])
            bad++;
        st = vkc_fail(VKCNN_ERROR_INVALID_MODEL,
                      "the graph has a cycle: node '%s' (%s) depends on its own output",
                      str(gp->node[bad]->name), str(gp->node[bad]->op_type));
    }
    free(indeg);
    free(start);
    free(uses);
    return st;
oom:
    free(indeg);
    free(start);
    free(uses);
    return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of memory (topological sort)");
}

/* ---- the import ------------------------------------------------------------------- */

static vkcnn_status build_nodes(vkc_graph *g, const Model *m, const vkc_import_options *opts) {
    const Graph *gp = m->graph;
    size_t nn = gp->n_node;
    uint32_t *producer = NULL, *order = NULL;
    vkcnn_status st = VKCNN_OK;

    /* Every node output becomes a tensor; names must be unique. */
    for (size_t i = 0; i < nn; i++) {
        const Node *np = gp->node[i];
        for (size_t k = 0; k < np->n_output; k++) {
            const char *out = np->output[k];
            if (!out || !*out) continue;
            uint32_t t = vkc_graph_find(g, out);
            if (t == VKC_NONE)
                VKC_TRY(vkc_graph_add_tensor(g, out, &t));
            else if (g->tensors[t].data || g->tensors[t].graph_input)
                return vkc_fail(VKCNN_ERROR_INVALID_MODEL,
                                "node '%s' (%s): output '%s' duplicates an initializer or graph "
                                "input name",
                                str(np->name), str(np->op_type), out);
        }
    }
    producer = vkc_calloc(g->tensor_count ? g->tensor_count : 1, sizeof *producer);
    order = vkc_calloc(nn ? nn : 1, sizeof *order);
    if (!producer || !order) {
        st = vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
        goto done;
    }
    for (uint32_t t = 0; t < g->tensor_count; t++)
        producer[t] = VKC_NONE;
    for (size_t i = 0; i < nn && st == VKCNN_OK; i++) {
        const Node *np = gp->node[i];
        for (size_t k = 0; k < np->n_output && st == VKCNN_OK; k++) {
            const char *out = np->output[k];
            if (!out || !*out) continue;
            uint32_t t = vkc_graph_find(g, out);
            if (producer[t] != VKC_NONE)
                st = vkc_fail(VKCNN_ERROR_INVALID_MODEL,
                              "tensor '%s' is produced by two nodes ('%s' and '%s')", out,
                              str(gp->node[producer[t]]->name), str(np->name));
            producer[t] = (uint32_t)i;
        }
        for (size_t k = 0; k < np->n_input && st == VKCNN_OK; k++) {
            const char *in = np->input[k];
            if (in && *in && vkc_graph_find(g, in) == VKC_NONE)
                st = vkc_fail(VKCNN_ERROR_INVALID_MODEL,
                              "node '%s' (%s): input '%s' is not produced by any node, "
                              "initializer or graph input",
                              str(np->name), str(np->op_type), in);
        }
    }
    if (st == VKCNN_OK) st = topo_sort(g, gp, producer, order);

    /* Nodes in topological order, all linked before inference so that
     * consumer lists are complete. */
    for (size_t i = 0; i < nn && st == VKCNN_OK; i++) {
        const Node *np = gp->node[order[i]];
        vkc_op op;
        vkc_op_lookup(str(np->op_type), g->opset, &op); /* checked by check_operators */
        if (np->n_input > 64 || np->n_output > 16) {
            st = vkc_fail(VKCNN_ERROR_LIMIT, "node '%s' (%s) has %zu inputs and %zu outputs",
                          str(np->name), str(np->op_type), np->n_input, np->n_output);
            break;
        }
        uint32_t ni;
        st = vkc_graph_add_node(g, op, (int)g->opset, np->name, (uint32_t)np->n_input,
                                (uint32_t)np->n_output, &ni);
        if (st != VKCNN_OK) break;
        vkc_node *n = &g->nodes[ni];
        for (size_t k = 0; k < np->n_input; k++)
            n->inputs[k] =
                np->input[k] && *np->input[k] ? vkc_graph_find(g, np->input[k]) : VKC_NONE;
        for (size_t k = 0; k < np->n_output; k++)
            n->outputs[k] =
                np->output[k] && *np->output[k] ? vkc_graph_find(g, np->output[k]) : VKC_NONE;
        st = vkc_graph_link_node(g, ni);
    }

    for (uint32_t ni = 0; ni < g->node_count && st == VKCNN_OK; ni++) {
        const Node *np = gp->node[order[ni]];
        vkc_node *n = &g->nodes[ni];
        if (n->op == VKC_OP_CONSTANT) {
            st = constant_node(g, ni, np, opts->base_dir);
            continue;
        }
        st = vkc_onnx_decode_attrs(g, ni, np);
        /* Outputs after the first: optional extras nothing reads (checked
         * above for ops that have them), or a malformed node. */
        for (uint32_t k = 1; k < n->output_count && st == VKCNN_OK; k++) {
            uint32_t t = n->outputs[k];
            if (t == VKC_NONE) continue;
            if (g->tensors[t].consumer_count || g->tensors[t].graph_output)
                st = vkc_node_fail(g, ni, VKCNN_ERROR_INVALID_MODEL,
                                   "has %" PRIu32 " outputs, this operator has one",
                                   n->output_count);
            g->tensors[t].producer = VKC_NONE;
        }
        if (st != VKCNN_OK) break;
        n->output_count = n->output_count ? 1 : 0;
        st = vkc_infer_node(g, ni);
        bool folded;
        if (st == VKCNN_OK) st = vkc_fold_node(g, ni, &folded);
    }
done:
    free(producer);
    free(order);
    return st;
}

static vkcnn_status import_model(vkc_graph *g, const Model *m, const vkc_import_options *opts,
                                 vkc_onnx_alloc *decoder) {
    const Graph *gp = m->graph;
    if (!gp) return vkc_fail(VKCNN_ERROR_INVALID_MODEL, "the model has no graph");
    g->ir_version = m->ir_version;
    g->opset = domain_opset(m, "");
    if (g->opset < 0 && m->n_opset_import == 0 && m->ir_version < 3)
        g->opset = 1; /* IR v1/v2 models predate opset_import */
    if (gp->n_node > g->limits.max_nodes)
        return vkc_fail(VKCNN_ERROR_LIMIT,
                        "the graph has %zu nodes, more than %" PRIu32 " (max_nodes)", gp->n_node,
                        g->limits.max_nodes);
    VKC_TRY(check_operators(m, g->opset));
    if (g->opset < 1)
        return vkc_fail(VKCNN_ERROR_INVALID_MODEL, "the model imports no opset of the default "
                                                   "ONNX domain");
    if (g->opset > MAX_OPSET)
        return vkc_fail(VKCNN_ERROR_UNSUPPORTED,
                        "the model uses opset %" PRId64 "; vkcnn supports opsets 1 to %d", g->opset,
                        MAX_OPSET);
    g->producer = strdup(str(m->producer_name));
    g->producer_version = strdup(str(m->producer_version));
    if (!g->producer || !g->producer_version)
        return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of memory");

    for (size_t i = 0; i < gp->n_initializer; i++) {
        const VkcnnOnnx__TensorProto *tp = gp->initializer[i];
        uint32_t t;
        if (!tp->name || !*tp->name)
            return vkc_fail(VKCNN_ERROR_INVALID_MODEL, "initializer %zu has no name", i);
        VKC_TRY(vkc_graph_add_tensor(g, tp->name, &t));
        vkcnn_status st = vkc_onnx_load_tensor(g, t, tp, opts->base_dir, decoder);
        if (st != VKCNN_OK) return vkc_fail_context(st, "initializer '%s'", tp->name);
        g->tensors[t].initializer = true;
        g->file_params += g->tensors[t].elements;
    }
    bool batch_set = false, symbolic_model = has_symbolic_batch(g, gp);
    for (size_t i = 0; i < gp->n_input; i++) {
        const ValueInfo *vi = gp->input[i];
        uint32_t t = vkc_graph_find(g, str(vi->name));
        if (t != VKC_NONE && g->tensors[t].initializer)
            continue; /* IR < 4 lists initializers as inputs too */
        if (t != VKC_NONE)
            return vkc_fail(VKCNN_ERROR_INVALID_MODEL, "duplicate graph input '%s'", str(vi->name));
        VKC_TRY(add_input(g, vi, opts->batch, symbolic_model, &batch_set));
    }
    if (!batch_set) g->batch = opts->batch ? opts->batch : 1;

    /* Outputs exist before the nodes so producers can see they are read. */
    g->outputs = vkc_calloc(gp->n_output ? gp->n_output : 1, sizeof *g->outputs);
    if (!g->outputs) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
    for (size_t i = 0; i < gp->n_output; i++) {
        const ValueInfo *vi = gp->output[i];
        const char *name = str(vi->name);
        int elem;
        uint32_t rank;
        int64_t dims[VKC_MAX_RANK];
        VKC_TRY(declared_type(vi, "graph output", &elem, &rank, dims, NULL));
        if (elem != 0 && elem != 1)
            return vkc_fail(VKCNN_ERROR_UNSUPPORTED,
                            "graph output '%s' has element type %s: unsupported dtype (vkcnn "
                            "computes float32 tensors only)",
                            name, vkc_onnx_type_name(elem));
        uint32_t t = vkc_graph_find(g, name);
        if (t == VKC_NONE) VKC_TRY(vkc_graph_add_tensor(g, name, &t));
        if (g->tensors[t].graph_output)
            return vkc_fail(VKCNN_ERROR_INVALID_MODEL, "duplicate graph output '%s'", name);
        g->tensors[t].graph_output = true;
        g->outputs[g->output_count++] = t;
    }
    if (!g->output_count) return vkc_fail(VKCNN_ERROR_INVALID_MODEL, "the graph has no outputs");

    VKC_TRY(build_nodes(g, m, opts));
    VKC_TRY(vkc_graph_relink(g));
    for (size_t i = 0; i < gp->n_output; i++)
        VKC_TRY(record_declared(g, gp->output[i], "graph output"));
    /* Declared shapes of intermediate values: checked after the fact. */
    for (size_t i = 0; i < gp->n_value_info; i++)
        VKC_TRY(record_declared(g, gp->value_info[i], "value_info"));
    for (uint32_t t = 0; t < g->tensor_count; t++) {
        const vkc_tensor *x = &g->tensors[t];
        if (x->declared_rank != UINT32_MAX && x->producer != VKC_NONE)
            VKC_TRY(check_declared(g, x->producer, t));
    }
    for (uint32_t i = 0; i < g->output_count; i++) {
        const vkc_tensor *x = &g->tensors[g->outputs[i]];
        if (!x->shape_known)
            return vkc_fail(VKCNN_ERROR_INVALID_MODEL,
                            "graph output '%s' is not produced by any node, initializer or input",
                            x->name);
        if (x->dtype != VKC_DTYPE_FLOAT32)
            return vkc_fail(VKCNN_ERROR_UNSUPPORTED,
                            "graph output '%s' is int64: unsupported dtype (float32 only)",
                            x->name);
    }
    return vkc_graph_validate(g);
}

vkcnn_status vkc_onnx_import(const void *data, size_t size, const vkc_import_options *opts,
                             vkc_graph **out) {
    *out = NULL;
    if (size > opts->limits.max_file_bytes)
        return vkc_fail(VKCNN_ERROR_LIMIT,
                        "the model is %zu bytes, more than %" PRIu64 " (max_file_bytes)", size,
                        opts->limits.max_file_bytes);
    vkc_onnx_alloc cap = {.limit = opts->limits.max_total_bytes};
    ProtobufCAllocator alloc = {capped_alloc, capped_free, &cap};
    Model *m = vkcnn_onnx__model_proto__unpack(&alloc, size, data);
    if (!m) {
        free(cap.large);
        if (cap.hit)
            return vkc_fail(VKCNN_ERROR_LIMIT,
                            "decoding the model needs more than %" PRIu64
                            " bytes (max_total_bytes)",
                            cap.limit);
        return vkc_fail(VKCNN_ERROR_INVALID_MODEL,
                        "not a valid ONNX model: protobuf decoding failed (truncated file, wrong "
                        "wire type or corrupt data)");
    }
    vkc_graph *g = vkc_graph_create(&opts->limits);
    vkcnn_status st = g ? import_model(g, m, opts, &cap)
                        : vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
    vkcnn_onnx__model_proto__free_unpacked(m, &alloc);
    free(cap.large);
    if (st != VKCNN_OK) {
        vkc_graph_destroy(g);
        return st;
    }
    *out = g;
    return VKCNN_OK;
}
