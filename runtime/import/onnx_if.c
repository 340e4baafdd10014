/* If at import: its branches are GraphProto attributes, which the project's
 * schema keeps as bytes (onnx.proto), decoded here one nesting level at a
 * time (at most VKC_ONNX_MAX_NESTING deep), so the decoder never recurses on
 * a hostile file. A branch reads tensors of the enclosing graphs by name
 * (its captures); the importer makes them inputs of the If node so that the
 * topological order and the consumer counts see them. When the condition
 * folds to a constant, the importer replaces the If by the taken branch
 * (onnx_graph.c); a condition computed at run time is refused, naming the
 * node. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/error.h"
#include "import/onnx_internal.h"

typedef VkcnnOnnx__GraphProto Graph;
typedef VkcnnOnnx__NodeProto Node;

static const char *str(const char *s) {
    return s ? s : "";
}

vkcnn_status vkc_onnx_subgraph(const Node *np, const char *name, ProtobufCAllocator *alloc,
                               Graph **out) {
    *out = NULL;
    for (size_t i = 0; i < np->n_attribute; i++) {
        const VkcnnOnnx__AttributeProto *a = np->attribute[i];
        if (!a->name || strcmp(a->name, name) != 0) continue;
        if (!a->has_g)
            return vkc_fail(VKCNN_ERROR_INVALID_MODEL,
                            "node '%s' (%s): attribute '%s' is not a graph", str(np->name),
                            str(np->op_type), name);
        *out = vkcnn_onnx__graph_proto__unpack(alloc, a->g.len, a->g.data);
        if (!*out)
            return vkc_fail(VKCNN_ERROR_INVALID_MODEL,
                            "node '%s' (%s): attribute '%s' is not a valid graph (protobuf "
                            "decoding failed, or the model's memory limit was hit)",
                            str(np->name), str(np->op_type), name);
        return VKCNN_OK;
    }
    return VKCNN_OK;
}

/* Captures of sub (and of the graphs nested in it, to `depth`): every input
 * name of its nodes that names a tensor of g now, each once (stamp marks
 * the ones listed). */
static vkcnn_status collect(const vkc_graph *g, const Graph *sub, ProtobufCAllocator *alloc,
                            int depth, uint8_t *stamp, uint32_t **list, uint32_t *count,
                            uint32_t *cap) {
    if (depth > VKC_ONNX_MAX_NESTING)
        return vkc_fail(VKCNN_ERROR_LIMIT, "subgraphs nest more than %d deep",
                        VKC_ONNX_MAX_NESTING);
    for (size_t i = 0; i < sub->n_node; i++) {
        const Node *np = sub->node[i];
        for (size_t k = 0; k < np->n_input; k++) {
            const char *in = np->input[k];
            if (!in || !*in) continue;
            uint32_t t = vkc_graph_find(g, in);
            if (t == VKC_NONE || stamp[t]) continue;
            if (*count == *cap) {
                uint32_t grown = *cap ? 2 * *cap : 16;
                uint32_t *l = vkc_realloc_array(*list, grown, sizeof *l);
                if (!l) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
                *list = l;
                *cap = grown;
            }
            stamp[t] = 1;
            (*list)[(*count)++] = t;
        }
        for (size_t a = 0; a < np->n_attribute; a++) {
            if (!np->attribute[a]->has_g) continue;
            Graph *inner;
            VKC_TRY(vkc_onnx_subgraph(np, str(np->attribute[a]->name), alloc, &inner));
            vkcnn_status st =
                inner ? collect(g, inner, alloc, depth + 1, stamp, list, count, cap) : VKCNN_OK;
            if (inner) vkcnn_onnx__graph_proto__free_unpacked(inner, alloc);
            VKC_TRY(st);
        }
    }
    return VKCNN_OK;
}

vkcnn_status vkc_onnx_captures(const vkc_graph *g, const Node *np, ProtobufCAllocator *alloc,
                               int depth, uint32_t **list, uint32_t *count) {
    *list = NULL;
    *count = 0;
    uint32_t cap = 0;
    uint8_t *stamp = vkc_calloc(g->tensor_count ? g->tensor_count : 1, 1);
    if (!stamp) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
    vkcnn_status st = VKCNN_OK;
    for (size_t a = 0; a < np->n_attribute && st == VKCNN_OK; a++) {
        if (!np->attribute[a]->has_g) continue;
        Graph *sub;
        st = vkc_onnx_subgraph(np, str(np->attribute[a]->name), alloc, &sub);
        if (st == VKCNN_OK && sub) st = collect(g, sub, alloc, depth + 1, stamp, list, count, &cap);
        if (sub) vkcnn_onnx__graph_proto__free_unpacked(sub, alloc);
    }
    free(stamp);
    if (st != VKCNN_OK) {
        free(*list);
        *list = NULL;
        *count = 0;
        return vkc_fail_context(st, "node '%s' (%s)", str(np->name), str(np->op_type));
    }
    return VKCNN_OK;
}

vkcnn_status vkc_onnx_if_branch(vkc_graph *g, uint32_t ni, const Node *np,
                                ProtobufCAllocator *alloc, Graph **branch) {
    *branch = NULL;
    const vkc_node *n = &g->nodes[ni];
    const vkc_tensor *c =
        n->input_count ? (n->inputs[0] != VKC_NONE ? &g->tensors[n->inputs[0]] : NULL) : NULL;
    if (!c) return vkc_node_fail(g, ni, VKCNN_ERROR_INVALID_MODEL, "missing input 'cond'");
    if (!c->data)
        return vkc_node_fail(g, ni, VKCNN_ERROR_UNSUPPORTED,
                             "condition '%s' is computed at run time: an If is supported only "
                             "when its condition folds to a constant at load (data-dependent "
                             "control flow)",
                             c->name);
    if (c->elements != 1)
        return vkc_node_fail(g, ni, VKCNN_ERROR_INVALID_MODEL,
                             "condition '%s' has %" PRIu64 " elements, not one", c->name,
                             c->elements);
    bool taken = c->dtype == VKC_DTYPE_INT64 ? *(const int64_t *)c->data != 0
                                             : *(const float *)c->data != 0.0f;
    const char *name = taken ? "then_branch" : "else_branch";
    VKC_TRY(vkc_onnx_subgraph(np, name, alloc, branch));
    if (!*branch)
        return vkc_node_fail(g, ni, VKCNN_ERROR_INVALID_MODEL, "attribute '%s' is required", name);
    if ((*branch)->n_output != np->n_output) {
        size_t have = (*branch)->n_output;
        vkcnn_onnx__graph_proto__free_unpacked(*branch, alloc);
        *branch = NULL;
        return vkc_node_fail(g, ni, VKCNN_ERROR_INVALID_MODEL, "'%s' has %zu outputs, the node %zu",
                             name, have, np->n_output);
    }
    return VKCNN_OK;
}
