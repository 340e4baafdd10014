#define _POSIX_C_SOURCE 200809L
/* ModelProto -> graph IR: opsets (1 to 22), the unsupported-operator check
 * (every node at once), initializers, inputs with the batch bound,
 * topological order, then attributes, shape inference and folding node by
 * node; a Split and a LayerNormalization become one node per output, and an
 * If whose condition folds is replaced by its taken branch (onnx_if.c). */
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

#define MAX_OPSET 22

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

/* The operator check: every node whose operator vkcnn does not know at the
 * model's opset (or of another domain), in the graph and in If branches,
 * named in one message: "'name' (Op, opset N)", each node; past what a
 * message holds, a count of the rest and their operators. */
typedef struct op_check {
    const Model *m;
    int64_t opset;
    ProtobufCAllocator *alloc;
    char msg[1000]; /* with the rest, within VKC_ERROR_MAX */
    size_t used;
    unsigned nodes, listed;
    char types[12][72]; /* operators of the nodes not listed */
    unsigned type_count;
    bool more_types;
} op_check;

static void note_node(op_check *c, const Node *np, size_t index, const char *where) {
    const char *dom = str(np->domain), *type = str(np->op_type);
    bool def = default_domain(dom);
    char op[72], item[320], name[200];
    snprintf(op, sizeof op, "%.24s%s%.40s", def ? "" : dom, def ? "" : ":", type);
    if (np->name && *np->name)
        snprintf(name, sizeof name, "'%.64s'", np->name);
    else
        snprintf(name, sizeof name, "#%zu%s", index, where);
    vkc_op known;
    int64_t v = def ? c->opset : domain_opset(c->m, dom);
    if (def && vkc_op_lookup(type, 255, &known)) /* defined in a later opset */
        snprintf(item, sizeof item, "%s (%s, opset %" PRId64 ", defined from opset %d)", name, op,
                 v, vkc_op_get(known)->since[0]);
    else
        snprintf(item, sizeof item, "%s (%s, opset %" PRId64 ")", name, op, v);
    c->nodes++;
    size_t len = strlen(item);
    if (c->used + len + 2 < sizeof c->msg) {
        memcpy(c->msg + c->used, c->listed ? ", " : "", c->listed ? 2 : 0);
        c->used += c->listed ? 2 : 0;
        memcpy(c->msg + c->used, item, len + 1);
        c->used += len;
        c->listed++;
        return;
    }
    for (unsigned k = 0; k < c->type_count; k++)
        if (strcmp(c->types[k], op) == 0) return;
    if (c->type_count == 12) {
        c->more_types = true;
        return;
    }
    memcpy(c->types[c->type_count++], op, sizeof op);
}

/* where: "" for the main graph, " of If 'name' then_branch" in a branch
 * (unnamed nodes are numbered per graph). */
static vkcnn_status check_graph(op_check *c, const Graph *gp, int depth, const char *where) {
    for (size_t i = 0; i < gp->n_node; i++) {
        const Node *np = gp->node[i];
        vkc_op op;
        const char *dom = str(np->domain), *type = str(np->op_type);
        if (!default_domain(dom) || !vkc_op_lookup(type, c->opset, &op)) {
            note_node(c, np, i, where);
            continue;
        }
        if (op != VKC_OP_IF) continue;
        if (depth >= VKC_ONNX_MAX_NESTING)
            return vkc_fail(VKCNN_ERROR_LIMIT, "node '%s' (If): subgraphs nest more than %d deep",
                            str(np->name), VKC_ONNX_MAX_NESTING);
        static const char *const branches[] = {"then_branch", "else_branch"};
        for (int k = 0; k < 2; k++) {
            Graph *sub;
            VKC_TRY(vkc_onnx_subgraph(np, branches[k], c->alloc, &sub));
            if (!sub) continue;
            char inner[120];
            snprintf(inner, sizeof inner, " in %s of If '%.48s'", branches[k], str(np->name));
            vkcnn_status st = check_graph(c, sub, depth + 1, inner);
            vkcnn_onnx__graph_proto__free_unpacked(sub, c->alloc);
            VKC_TRY(st);
        }
    }
    return VKCNN_OK;
}

static vkcnn_status check_operators(const Model *m, int64_t opset, ProtobufCAllocator *alloc) {
    op_check *c = vkc_calloc(1, sizeof *c);
    if (!c) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
    c->m = m;
    c->opset = opset;
    c->alloc = alloc;
    vkcnn_status st = check_graph(c, m->graph, 0, "");
    if (st == VKCNN_OK && c->nodes) {
        char rest[1000] = "";
        if (c->nodes > c->listed) {
            size_t len =
                (size_t)snprintf(rest, sizeof rest, ", and %u more node%s (", c->nodes - c->listed,
                                 c->nodes - c->listed > 1 ? "s" : "");
            for (unsigned k = 0; k < c->type_count && len < sizeof rest; k++)
                len += (size_t)snprintf(rest + len, sizeof rest - len, "%s%s", k ? ", " : "",
                                        c->types[k]);
            if (len < sizeof rest)
                snprintf(rest + len, sizeof rest - len, "%s)", c->more_types ? ", ..." : "");
        }
        st = vkc_fail(VKCNN_ERROR_UNSUPPORTED, "unsupported operator%s (%u node%s): %s%s",
                      c->nodes > 1 ? "s" : "", c->nodes, c->nodes > 1 ? "s" : "", c->msg, rest);
    }
    free(c);
    return st;
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

/* ---- building the graph, one graph level at a time ------------------------------- */

/* The import in progress. Graph nodes are created per graph level (the main
 * graph, then each taken If branch), in a topological order of that level,
 * and processed (attributes, inference, folding) in that order; a branch's
 * nodes are created and processed when its If is reached, so they are
 * appended to g->nodes, and the nodes are put back in processing order,
 * which is topological, at the end. */
typedef struct builder {
    vkc_graph *g;
    const vkc_import_options *opts;
    vkc_onnx_alloc *decoder;
    ProtobufCAllocator *alloc;
    const Node **proto; /* per graph node: the NodeProto it came from */
    uint8_t *depth;     /* per graph node: nesting depth of its graph level */
    bool *done;         /* per graph node: processed */
    uint32_t *order;    /* graph nodes in processing order */
    uint32_t done_count, cap;
    Graph **keep; /* decoded branches, freed with the model */
    size_t keep_count, keep_cap;
} builder;

static vkcnn_status builder_oom(void) {
    return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of memory (import)");
}

/* Makes room for the per-node arrays of every node g has now. */
static vkcnn_status track(builder *b) {
    uint32_t need = b->g->node_count;
    if (need <= b->cap) return VKCNN_OK;
    uint32_t cap = b->cap ? 2 * b->cap : 64;
    while (cap < need)
        cap *= 2;
    const Node **proto = vkc_realloc_array(b->proto, cap, sizeof *proto);
    if (proto) b->proto = proto;
    uint8_t *depth = vkc_realloc_array(b->depth, cap, sizeof *depth);
    if (depth) b->depth = depth;
    bool *done = vkc_realloc_array(b->done, cap, sizeof *done);
    if (done) b->done = done;
    uint32_t *order = vkc_realloc_array(b->order, cap, sizeof *order);
    if (order) b->order = order;
    if (!proto || !depth || !done || !order) return builder_oom();
    for (uint32_t i = b->cap; i < cap; i++)
        b->done[i] = false;
    b->cap = cap;
    return VKCNN_OK;
}

static vkcnn_status keep_graph(builder *b, Graph *gp) {
    if (b->keep_count == b->keep_cap) {
        size_t cap = b->keep_cap ? 2 * b->keep_cap : 8;
        Graph **k = vkc_realloc_array(b->keep, cap, sizeof *k);
        if (!k) {
            vkcnn_onnx__graph_proto__free_unpacked(gp, b->alloc);
            return builder_oom();
        }
        b->keep = k;
        b->keep_cap = cap;
    }
    b->keep[b->keep_count++] = gp;
    return VKCNN_OK;
}

/* Fills order[] with the nn nodes of a level in a topological order: node i
 * waits for the level's producers of the tensors deps[dep_start[i] ..
 * dep_start[i + 1]) (producer[t]: the level's node producing tensor t, or
 * VKC_NONE when t exists already). */
static vkcnn_status topo_sort(const vkc_graph *g, const Graph *gp, const uint32_t *deps,
                              const uint32_t *dep_start, const uint32_t *producer,
                              uint32_t *order) {
    size_t nn = gp->n_node;
    uint32_t *indeg = vkc_calloc(nn ? nn : 1, sizeof *indeg);
    uint32_t *start = vkc_calloc(g->tensor_count + 1, sizeof *start); /* CSR of consumers */
    uint32_t *uses = NULL, *fill = NULL;
    vkcnn_status st = VKCNN_OK;
    uint64_t total = 0;
    if (!indeg || !start) goto oom;
    for (size_t i = 0; i < nn; i++)
        for (uint32_t k = dep_start[i]; k < dep_start[i + 1]; k++)
            if (producer[deps[k]] != VKC_NONE) {
                indeg[i]++;
                start[deps[k] + 1]++;
                total++;
            }
    for (uint32_t t = 0; t < g->tensor_count; t++)
        start[t + 1] += start[t];
    uses = vkc_calloc(total ? total : 1, sizeof *uses);
    fill = vkc_calloc(g->tensor_count + 1, sizeof *fill);
    if (!uses || !fill) goto oom;
    for (size_t i = 0; i < nn; i++)
        for (uint32_t k = dep_start[i]; k < dep_start[i + 1]; k++) {
            uint32_t t = deps[k];
            if (producer[t] != VKC_NONE) uses[start[t] + fill[t]++] = (uint32_t)i;
        }
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
    free(fill);
    return st;
oom:
    free(indeg);
    free(start);
    free(uses);
    free(fill);
    return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of memory (topological sort)");
}

/* Most outputs of one Split (each becomes a node) and tensors one If's
 * branches may read from the enclosing graphs. */
#define MAX_SPLIT_OUTPUTS 4096
#define MAX_CAPTURES 4096

/* Adds the graph node(s) of np: one per output for a Split and a
 * LayerNormalization (its Mean and InvStdDev), the If with its condition and
 * captures as inputs, one node otherwise. */
static vkcnn_status add_proto_node(builder *b, const Node *np, int depth, const uint32_t *captures,
                                   uint32_t capture_count) {
    vkc_graph *g = b->g;
    vkc_op op;
    vkc_op_lookup(str(np->op_type), g->opset, &op); /* checked by check_operators */
    bool split = op == VKC_OP_SPLIT, is_if = op == VKC_OP_IF;
    bool per_output = split || op == VKC_OP_LAYER_NORM;
    if (np->n_input > 64 || np->n_output > (split ? MAX_SPLIT_OUTPUTS : 16) ||
        capture_count > MAX_CAPTURES)
        return vkc_fail(VKCNN_ERROR_LIMIT, "node '%s' (%s) has %zu inputs and %zu outputs",
                        str(np->name), str(np->op_type), np->n_input + capture_count, np->n_output);
    uint32_t pieces = per_output ? (uint32_t)np->n_output : 1;
    for (uint32_t p = 0; p < pieces; p++) {
        if (per_output && (!np->output[p] || !*np->output[p])) continue;
        uint32_t inputs = (uint32_t)np->n_input + (is_if ? capture_count : 0);
        uint32_t outputs = per_output ? 1 : (uint32_t)np->n_output, ni;
        VKC_TRY(vkc_graph_add_node(g, op, (int)g->opset, np->name, inputs, outputs, &ni));
        VKC_TRY(track(b));
        b->proto[ni] = np;
        b->depth[ni] = (uint8_t)depth;
        vkc_node *n = &g->nodes[ni];
        for (size_t k = 0; k < np->n_input; k++)
            n->inputs[k] =
                np->input[k] && *np->input[k] ? vkc_graph_find(g, np->input[k]) : VKC_NONE;
        if (is_if)
            for (uint32_t k = 0; k < capture_count; k++)
                n->inputs[np->n_input + k] = captures[k];
        for (uint32_t k = 0; k < outputs; k++) {
            const char *out = np->output[per_output ? p : k];
            n->outputs[k] = out && *out ? vkc_graph_find(g, out) : VKC_NONE;
        }
        if (split) {
            n->attrs.split.index = p;
            n->attrs.split.count = pieces;
        }
        if (op == VKC_OP_LAYER_NORM) n->attrs.norm.output = p;
        VKC_TRY(vkc_graph_link_node(g, ni));
    }
    return VKCNN_OK;
}

/* Creates the nodes of one graph level gp (the main graph at depth 0, an If
 * branch deeper): its initializers (branches), tensors for its outputs,
 * then its nodes in a topological order, as graph nodes [*first, *last). */
static vkcnn_status build_level(builder *b, const Graph *gp, int depth, uint32_t *first,
                                uint32_t *last) {
    vkc_graph *g = b->g;
    size_t nn = gp->n_node;
    *first = *last = g->node_count;
    if (depth > 0) {
        if (gp->n_node >
            g->limits.max_nodes -
                (g->node_count < g->limits.max_nodes ? g->node_count : g->limits.max_nodes))
            return vkc_fail(VKCNN_ERROR_LIMIT,
                            "the graph has more than %" PRIu32 " nodes "
                            "(max_nodes)",
                            g->limits.max_nodes);
        for (size_t i = 0; i < gp->n_initializer; i++) {
            const VkcnnOnnx__TensorProto *tp = gp->initializer[i];
            uint32_t t;
            if (!tp->name || !*tp->name)
                return vkc_fail(VKCNN_ERROR_INVALID_MODEL,
                                "a branch's initializer %zu has no "
                                "name",
                                i);
            VKC_TRY(vkc_graph_add_tensor(g, tp->name, &t));
            vkcnn_status st = vkc_onnx_load_tensor(g, t, tp, b->opts->base_dir, b->decoder);
            if (st != VKCNN_OK) return vkc_fail_context(st, "initializer '%s'", tp->name);
            g->tensors[t].initializer = true;
            g->file_params += g->tensors[t].elements;
        }
    }
    /* Every node output becomes a tensor; names must be unique. */
    for (size_t i = 0; i < nn; i++) {
        const Node *np = gp->node[i];
        for (size_t k = 0; k < np->n_output; k++) {
            const char *out = np->output[k];
            if (!out || !*out) continue;
            uint32_t t = vkc_graph_find(g, out);
            if (t == VKC_NONE)
                VKC_TRY(vkc_graph_add_tensor(g, out, &t));
            else if (depth > 0 || g->tensors[t].data || g->tensors[t].graph_input)
                return vkc_fail(VKCNN_ERROR_INVALID_MODEL,
                                "node '%s' (%s): output '%s' duplicates an initializer, graph "
                                "input or enclosing graph's name",
                                str(np->name), str(np->op_type), out);
        }
    }
    uint32_t tc = g->tensor_count;
    uint32_t *producer = vkc_calloc(tc ? tc : 1, sizeof *producer);
    uint32_t *order = vkc_calloc(nn ? nn : 1, sizeof *order);
    uint32_t *dep_start = vkc_calloc(nn + 1, sizeof *dep_start);
    uint32_t **caps = vkc_calloc(nn ? nn : 1, sizeof *caps), *cap_count = NULL;
    uint32_t *deps = NULL;
    vkcnn_status st = VKCNN_OK;
    if (!producer || !order || !dep_start || !caps) {
        st = builder_oom();
        goto done;
    }
    cap_count = vkc_calloc(nn ? nn : 1, sizeof *cap_count);
    if (!cap_count) {
        st = builder_oom();
        goto done;
    }
    for (uint32_t t = 0; t < tc; t++)
        producer[t] = VKC_NONE;
    uint64_t total = 0;
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
        /* a node with subgraphs (If) also waits for what its branches read */
        bool has_graph = false;
        for (size_t a = 0; a < np->n_attribute; a++)
            has_graph |= np->attribute[a]->has_g;
        if (st == VKCNN_OK && has_graph) {
            if (depth >= VKC_ONNX_MAX_NESTING)
                st = vkc_fail(VKCNN_ERROR_LIMIT,
                              "node '%s' (%s): subgraphs nest more than %d "
                              "deep",
                              str(np->name), str(np->op_type), VKC_ONNX_MAX_NESTING);
            else
                st = vkc_onnx_captures(g, np, b->alloc, depth, &caps[i], &cap_count[i]);
        }
        total += np->n_input + cap_count[i];
    }
    if (st == VKCNN_OK && total >= UINT32_MAX) st = vkc_fail(VKCNN_ERROR_LIMIT, "too many inputs");
    if (st == VKCNN_OK) {
        deps = vkc_calloc(total ? total : 1, sizeof *deps);
        if (!deps) st = builder_oom();
    }
    for (size_t i = 0, d = 0; i < nn && st == VKCNN_OK; i++) {
        const Node *np = gp->node[i];
        dep_start[i] = (uint32_t)d;
        for (size_t k = 0; k < np->n_input; k++)
            if (np->input[k] && *np->input[k]) deps[d++] = vkc_graph_find(g, np->input[k]);
        for (uint32_t k = 0; k < cap_count[i]; k++)
            deps[d++] = caps[i][k];
        dep_start[i + 1] = (uint32_t)d;
    }
    if (st == VKCNN_OK) st = topo_sort(g, gp, deps, dep_start, producer, order);
    for (size_t i = 0; i < nn && st == VKCNN_OK; i++)
        st = add_proto_node(b, gp->node[order[i]], depth, caps[order[i]], cap_count[order[i]]);
    *last = g->node_count;
done:
    for (size_t i = 0; caps && cap_count && i < nn; i++)
        free(caps[i]);
    free(caps);
    free(cap_count);
    free(producer);
    free(order);
    free(dep_start);
    free(deps);
    return st;
}

static vkcnn_status process_node(builder *b, uint32_t ni);

/* If ni: its condition is a constant by now; the taken branch's nodes are
 * built and processed, and each If output becomes the branch's output (a
 * constant, or an Identity of it). */
static vkcnn_status inline_if(builder *b, uint32_t ni) {
    vkc_graph *g = b->g;
    const Node *np = b->proto[ni];
    int depth = b->depth[ni];
    Graph *branch;
    VKC_TRY(vkc_onnx_if_branch(g, ni, np, b->alloc, &branch));
    VKC_TRY(keep_graph(b, branch));
    uint32_t first, last;
    vkcnn_status st = build_level(b, branch, depth + 1, &first, &last);
    if (st != VKCNN_OK)
        return vkc_fail_context(st, "in the branch of node '%s' (If)", str(np->name));
    for (uint32_t k = first; k < last; k++)
        VKC_TRY(process_node(b, k));
    g->nodes[ni].dead = true;
    for (uint32_t k = 0; k < g->nodes[ni].output_count; k++) {
        uint32_t out = g->nodes[ni].outputs[k];
        if (out == VKC_NONE) continue;
        const char *name = str(branch->output[k]->name);
        uint32_t src = vkc_graph_find(g, name);
        if (src == VKC_NONE || !g->tensors[src].shape_known)
            return vkc_node_fail(g, ni, VKCNN_ERROR_INVALID_MODEL,
                                 "branch output '%s' is not produced by the branch or its "
                                 "enclosing graphs",
                                 name);
        g->tensors[out].producer = VKC_NONE;
        if (g->tensors[src].data) { /* a constant: the If's output is that constant */
            const vkc_tensor *s = &g->tensors[src];
            VKC_TRY(vkc_graph_set_shape(g, out, s->dtype, s->rank, s->dims));
            void *d;
            VKC_TRY(vkc_graph_alloc_data(g, out, &d));
            s = &g->tensors[src];
            memcpy(d, s->data, s->elements * (s->dtype == VKC_DTYPE_INT64 ? 8 : 4));
            continue;
        }
        uint32_t id;
        VKC_TRY(
            vkc_graph_add_node(g, VKC_OP_IDENTITY, (int)g->opset, g->nodes[ni].name, 1, 1, &id));
        VKC_TRY(track(b));
        b->proto[id] = NULL;
        b->depth[id] = (uint8_t)depth;
        g->nodes[id].inputs[0] = src;
        g->nodes[id].outputs[0] = out;
        VKC_TRY(vkc_graph_link_node(g, id));
        VKC_TRY(process_node(b, id));
    }
    while (g->nodes[ni].input_count > 0)
        vkc_graph_drop_input(g, ni, g->nodes[ni].input_count - 1);
    return VKCNN_OK;
}

/* Attributes, inference and folding of graph node ni (once). */
static vkcnn_status process_node(builder *b, uint32_t ni) {
    vkc_graph *g = b->g;
    if (b->done[ni]) return VKCNN_OK;
    b->done[ni] = true;
    b->order[b->done_count++] = ni;
    const Node *np = b->proto[ni];
    vkc_node *n = &g->nodes[ni];
    if (n->op == VKC_OP_CONSTANT) return constant_node(g, ni, np, b->opts->base_dir);
    if (n->op == VKC_OP_IF) return inline_if(b, ni);
    vkcnn_status st = np ? vkc_onnx_decode_attrs(g, ni, np) : VKCNN_OK;
    /* Outputs after the first: optional extras nothing reads (checked
     * above for ops that have them), or a malformed node. */
    for (uint32_t k = 1; k < n->output_count && st == VKCNN_OK; k++) {
        uint32_t t = n->outputs[k];
        if (t == VKC_NONE) continue;
        if (g->tensors[t].consumer_count || g->tensors[t].graph_output)
            st = vkc_node_fail(g, ni, VKCNN_ERROR_INVALID_MODEL,
                               "has %" PRIu32 " outputs, this operator has one", n->output_count);
        g->tensors[t].producer = VKC_NONE;
    }
    VKC_TRY(st);
    n->output_count = n->output_count ? 1 : 0;
    VKC_TRY(vkc_infer_node(g, ni));
    bool folded;
    return vkc_fold_node(g, ni, &folded);
}

/* Puts g->nodes in processing order (topological: every node was processed
 * after the producers of its inputs) and updates the producers. */
static vkcnn_status reorder(builder *b) {
    vkc_graph *g = b->g;
    uint32_t nn = g->node_count;
    if (b->done_count != nn)
        return vkc_fail(VKCNN_ERROR_INVALID_MODEL,
                        "internal: %" PRIu32 " of %" PRIu32 " nodes were imported", b->done_count,
                        nn);
    vkc_node *sorted = vkc_calloc(nn ? nn : 1, sizeof *sorted);
    uint32_t *where = vkc_calloc(nn ? nn : 1, sizeof *where);
    if (!sorted || !where) {
        free(sorted);
        free(where);
        return builder_oom();
    }
    for (uint32_t k = 0; k < nn; k++) {
        sorted[k] = g->nodes[b->order[k]];
        where[b->order[k]] = k;
    }
    if (nn) memcpy(g->nodes, sorted, nn * sizeof *sorted); /* a graph of no nodes: NULL */
    for (uint32_t t = 0; t < g->tensor_count; t++)
        if (g->tensors[t].producer != VKC_NONE && g->tensors[t].producer < nn)
            g->tensors[t].producer = where[g->tensors[t].producer];
    free(sorted);
    free(where);
    return VKCNN_OK;
}

static vkcnn_status build_nodes(builder *b, const Graph *gp) {
    uint32_t first, last;
    VKC_TRY(build_level(b, gp, 0, &first, &last));
    for (uint32_t ni = first; ni < last; ni++)
        VKC_TRY(process_node(b, ni));
    return reorder(b);
}

static vkcnn_status import_model(vkc_graph *g, const Model *m, const vkc_import_options *opts,
                                 vkc_onnx_alloc *decoder, ProtobufCAllocator *alloc) {
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
    VKC_TRY(check_operators(m, g->opset, alloc));
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

    builder b = {.g = g, .opts = opts, .decoder = decoder, .alloc = alloc};
    vkcnn_status st = build_nodes(&b, gp);
    for (size_t i = 0; i < b.keep_count; i++)
        vkcnn_onnx__graph_proto__free_unpacked(b.keep[i], alloc);
    free(b.keep);
    free(b.proto);
    free(b.depth);
    free(b.done);
    free(b.order);
    VKC_TRY(st);
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
    vkcnn_status st = g ? import_model(g, m, opts, &cap, &alloc)
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
