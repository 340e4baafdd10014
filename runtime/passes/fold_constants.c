/* Constant folding: a float node whose every input is a constant is computed
 * once at load by the plain-C reference (runtime/ref) and becomes a constant
 * tensor; the node is removed. (Shape arithmetic on int64 values is already
 * folded at import, runtime/graph/fold.c: this pass is for float subgraphs
 * such as a weight scaled or transposed by the exporter.) */
#include <inttypes.h>
#include <stdlib.h>

#include "core/checked.h"
#include "core/error.h"
#include "passes/passes.h"
#include "ref/ref.h"

/* Folded values larger than this stay computed at run time (memory). */
#define MAX_FOLD_ELEMENTS ((uint64_t)64 << 20)

static bool foldable(const vkc_graph *g, const vkc_node *n) {
    if (n->dead || n->output_count != 1 || n->input_count == 0) return false;
    const vkc_tensor *y = &g->tensors[n->outputs[0]];
    if (y->dtype != VKC_DTYPE_FLOAT32 || y->data || y->elements > MAX_FOLD_ELEMENTS) return false;
    bool any = false;
    for (uint32_t i = 0; i < n->input_count; i++) {
        if (n->inputs[i] == VKC_NONE) continue;
        const vkc_tensor *x = &g->tensors[n->inputs[i]];
        if (!x->data || x->dtype != VKC_DTYPE_FLOAT32) return false;
        any = true;
    }
    return any;
}

vkcnn_status vkc_pass_fold_constants(vkc_graph *g, vkc_passes *r) {
    for (uint32_t i = 0; i < g->node_count; i++) { /* topological: folds chains */
        vkc_node *n = &g->nodes[i];
        if (!foldable(g, n)) continue;
        vkc_tensor *y = &g->tensors[n->outputs[0]];
        float *out = vkc_calloc(y->elements ? y->elements : 1, sizeof *out);
        if (!out)
            return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY,
                            "out of host memory folding node '%s' (%" PRIu64 " values)", n->name,
                            y->elements);
        vkcnn_status st = vkc_ref_node(g, i, NULL, out);
        if (st == VKCNN_ERROR_UNSUPPORTED) { /* no reference: leave it to run */
            free(out);
            continue;
        }
        if (st) {
            free(out);
            return vkc_fail_context(st, "folding node '%s'", n->name);
        }
        y->data = out; /* owned by the graph (the clone frees what it did not borrow) */
        y->producer = VKC_NONE;
        n->dead = true;
        r->constants++;
    }
    return vkc_graph_relink(g);
}
