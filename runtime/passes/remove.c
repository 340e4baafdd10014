/* Removal of nodes that compute nothing: Identity, Dropout (inference mode is
 * the identity), Reshape / Flatten / Squeeze / Unsqueeze whose output has
 * the input's shape, and max or average pools of a 1-wide window, stride 1,
 * no padding (what torchvision's adaptive average pool exports to when the
 * input already has the target size: AlexNet's 6x6, VGG's 7x7), and Pads of no
 * padding (what PyTorch exports before an AvgPool2d: DenseNet's transitions,
 * one full copy each otherwise). Their consumers read the input
 * instead. A node whose output is a graph output stays (the output tensor must keep its producer);
 * the executor runs it as a zero-copy view, so it costs no dispatch either. */
#include <string.h>

#include "core/error.h"
#include "ops/op_table.h"
#include "passes/passes.h"

static bool same_shape(const vkc_tensor *a, const vkc_tensor *b) {
    return a->rank == b->rank && memcmp(a->dims, b->dims, a->rank * sizeof a->dims[0]) == 0;
}

/* A window of one element per output element: each output is its input. */
static bool unit_window(const vkc_window_attrs *a) {
    if (a->spatial < 1 || a->spatial > VKC_MAX_SPATIAL) return false;
    for (uint32_t i = 0; i < a->spatial; i++)
        if (a->kernel[i] != 1 || a->strides[i] != 1 || a->pads[i] != 0 ||
            a->pads[VKC_MAX_SPATIAL + i] != 0) /* begins, then ends */
            return false;
    return true;
}

/* A Pad that adds and crops nothing (its pads resolved by inference). */
static bool zero_pad(const vkc_pad_attrs *a) {
    if (a->pad_count == 0 || a->pad_count > 2 * VKC_ATTR_MAX_RANK) return false;
    for (uint32_t i = 0; i < a->pad_count; i++)
        if (a->pads[i] != 0) return false;
    return true;
}

/* The removal rule: node n is dropped when it is identity-like (see above),
 * its output is no graph output, and input and output are float32 tensors of
 * the same shape. */
static bool removable(const vkc_graph *g, const vkc_node *n) {
    if (n->dead || n->input_count < 1 || n->output_count != 1 || n->inputs[0] == VKC_NONE)
        return false;
    const vkc_tensor *x = &g->tensors[n->inputs[0]], *y = &g->tensors[n->outputs[0]];
    bool pool = n->op == VKC_OP_MAX_POOL || n->op == VKC_OP_AVERAGE_POOL;
    bool pad = n->op == VKC_OP_PAD && zero_pad(&n->attrs.pad);
    if (!vkc_op_is(n->op, VKC_OPF_VIEW) && !(pool && unit_window(&n->attrs.window)) && !pad)
        return false;
    return !y->graph_output && x->dtype == VKC_DTYPE_FLOAT32 && y->dtype == VKC_DTYPE_FLOAT32 &&
           same_shape(x, y);
}

vkcnn_status vkc_pass_remove_views(vkc_graph *g, vkc_passes *r) {
    for (uint32_t ni = 0; ni < g->node_count; ni++) {
        vkc_node *n = &g->nodes[ni];
        if (!removable(g, n)) continue;
        uint32_t x = n->inputs[0], y = n->outputs[0];
        /* later nodes only: the graph is in topological order */
        for (uint32_t k = ni + 1; k < g->node_count; k++) {
            vkc_node *c = &g->nodes[k];
            if (c->dead) continue;
            for (uint32_t i = 0; i < c->input_count; i++)
                if (c->inputs[i] == y) c->inputs[i] = x;
        }
        g->tensors[y].producer = VKC_NONE;
        n->dead = true;
        r->removed++;
    }
    return vkc_graph_relink(g);
}
