/* Extra model outputs: intermediate tensors exposed as graph outputs. The
 * passes never fuse across a graph output (fuse.c's rule, vkc_pass_single_use)
 * and the memory planner gives graph outputs their own storage, so marking
 * the tensor before the passes run is all it takes; this file resolves the
 * names and says in the plan which fused groups that split. */
#include "run/extra_outputs.h"

#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/error.h"
#include "passes/passes.h"

/* Edit distance of a and b (case-insensitive), at most 64 characters each
 * compared; for suggesting close names. */
static unsigned edit_distance(const char *a, const char *b) {
    unsigned row[65];
    size_t na = strlen(a), nb = strlen(b);
    if (na > 64) na = 64;
    if (nb > 64) nb = 64;
    for (size_t j = 0; j <= nb; j++)
        row[j] = (unsigned)j;
    for (size_t i = 1; i <= na; i++) {
        unsigned diag = row[0];
        row[0] = (unsigned)i;
        for (size_t j = 1; j <= nb; j++) {
            unsigned up = row[j];
            char ca = a[i - 1], cb = b[j - 1];
            ca = ca >= 'A' && ca <= 'Z' ? (char)(ca - 'A' + 'a') : ca;
            cb = cb >= 'A' && cb <= 'Z' ? (char)(cb - 'A' + 'a') : cb;
            unsigned best = diag + (ca != cb);
            if (row[j] + 1 < best) best = row[j] + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[nb];
}

/* Whether tensor t is computed by the network at run time. */
static bool runtime_tensor(const vkc_graph *g, uint32_t t) {
    const vkc_tensor *x = &g->tensors[t];
    return !x->data && !x->graph_input && x->producer != VKC_NONE && !g->nodes[x->producer].dead &&
           x->dtype == VKC_DTYPE_FLOAT32;
}

#define SUGGESTIONS 6

/* "no tensor named 'x'" with the runtime tensors closest to the name. */
static vkcnn_status unknown(const vkc_graph *g, const char *name) {
    uint32_t best[SUGGESTIONS];
    unsigned dist[SUGGESTIONS];
    uint32_t found = 0;
    for (uint32_t t = 0; t < g->tensor_count; t++) {
        if (!runtime_tensor(g, t)) continue;
        unsigned d = edit_distance(name, g->tensors[t].name);
        uint32_t at = found < SUGGESTIONS ? found++ : SUGGESTIONS;
        if (at == SUGGESTIONS) {
            if (d >= dist[SUGGESTIONS - 1]) continue;
            at = SUGGESTIONS - 1;
        }
        while (at > 0 && dist[at - 1] > d) { /* keep them sorted, stable */
            best[at] = best[at - 1];
            dist[at] = dist[at - 1];
            at--;
        }
        best[at] = t;
        dist[at] = d;
    }
    char list[1024] = "";
    size_t used = 0;
    for (uint32_t i = 0; i < found && used < sizeof list; i++) {
        int w = snprintf(list + used, sizeof list - used, "%s'%s'", i ? ", " : "",
                         g->tensors[best[i]].name);
        if (w < 0) break;
        used += (size_t)w;
    }
    return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                    "extra output: the model has no tensor named '%s'%s%s%s", name,
                    found ? " (closest: " : "", list, found ? ")" : "");
}

vkcnn_status vkc_extra_outputs_apply(const vkc_graph *g, const char *const *names, uint32_t count,
                                     vkc_graph **out) {
    *out = NULL;
    if (count && !names)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                        "extra_output_count is %u but extra_outputs is NULL", count);
    uint32_t *add = vkc_calloc(count ? count : 1, sizeof *add);
    if (!add) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    uint32_t n = 0;
    vkcnn_status st = VKCNN_OK;
    for (uint32_t i = 0; i < count && !st; i++) {
        const char *name = names[i];
        uint32_t t = name ? vkc_graph_find(g, name) : VKC_NONE;
        if (!name) {
            st = vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "extra output %u: the name is NULL", i);
        } else if (t == VKC_NONE) {
            st = unknown(g, name);
        } else if (!runtime_tensor(g, t)) {
            const vkc_tensor *x = &g->tensors[t];
            st = vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                          "extra output '%s': %s, not a tensor the network computes when it runs",
                          name,
                          x->data                         ? "a constant"
                          : x->graph_input                ? "a graph input"
                          : x->dtype != VKC_DTYPE_FLOAT32 ? "not float32"
                                                          : "computed at load (folded)");
        } else {
            bool seen = g->tensors[t].graph_output;
            for (uint32_t j = 0; j < n; j++)
                seen |= add[j] == t;
            if (!seen) add[n++] = t;
        }
    }
    vkc_graph *c = NULL;
    if (!st) st = vkc_graph_clone(g, &c);
    if (!st && n) {
        uint32_t *outs = vkc_realloc_array(c->outputs, (size_t)c->output_count + n, sizeof *outs);
        if (!outs) {
            st = vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
        } else {
            c->outputs = outs;
            for (uint32_t j = 0; j < n; j++) {
                c->outputs[c->output_count++] = add[j];
                c->tensors[add[j]].graph_output = true;
            }
        }
    }
    free(add);
    if (st) {
        vkc_graph_clone_destroy(c, g);
        return st;
    }
    *out = c;
    return VKCNN_OK;
}

/* The last dispatch of e that computes node `node` (the one writing its
 * output), UINT32_MAX when none does. */
static uint32_t dispatch_of(const vkc_exec *e, uint32_t node) {
    uint32_t found = UINT32_MAX;
    for (uint32_t i = 0; i < vkc_exec_dispatch_count(e); i++) {
        const uint32_t *nodes = NULL;
        uint32_t count = vkc_exec_dispatch_nodes(e, i, &nodes);
        for (uint32_t j = 0; j < count; j++)
            if (nodes[j] == node) found = i;
    }
    return found;
}

/* Per node of `original`: the node whose group computes it after the passes
 * with fusion (Winograd off: only the grouping matters), VKC_NONE when it is
 * removed; NULL when that cannot be computed. */
static uint32_t *reference_groups(const vkc_graph *original) {
    vkc_graph *c = NULL;
    vkc_passes r = {0};
    vkc_passes_options po = {.fusion = true};
    uint32_t *group = vkc_calloc(original->node_count ? original->node_count : 1, sizeof *group);
    if (!group || vkc_graph_clone(original, &c) || vkc_passes_run(c, &po, &r)) {
        vkc_graph_clone_destroy(c, original);
        free(group);
        vkc_error_clear();
        return NULL;
    }
    for (uint32_t i = 0; i < original->node_count; i++)
        group[i] = VKC_NONE;
    for (uint32_t i = 0; i < original->node_count && i < c->node_count; i++) {
        const vkc_node *n = &c->nodes[i];
        if (n->dead) continue;
        group[i] = i;
        for (uint32_t m = 0; m < n->member_count; m++)
            if (n->members[m] < original->node_count) group[n->members[m]] = i;
    }
    vkc_graph_clone_destroy(c, original);
    return group;
}

void vkc_extra_outputs_describe(const vkc_graph *original, const vkc_graph *g, const vkc_exec *e,
                                bool fusion, FILE *f) {
    if (g->output_count <= original->output_count) return;
    fprintf(f, "extra outputs (vkcnn_model_options.extra_outputs):\n");
    uint32_t *group = fusion ? reference_groups(original) : NULL;
    for (uint32_t o = original->output_count; o < g->output_count; o++) {
        uint32_t t = g->outputs[o], p = g->tensors[t].producer;
        char shape[128], label[256];
        vkc_shape_string(g->tensors[t].rank, g->tensors[t].dims, shape, sizeof shape);
        uint32_t d = dispatch_of(e, p);
        fprintf(f, "  output %u '%s' %s: from %s", o, g->tensors[t].name, shape,
                vkc_node_label(original, p, label, sizeof label));
        vkc_exec_dispatch info;
        if (d != UINT32_MAX && vkc_exec_dispatch_info(e, d, &info) == VKCNN_OK)
            fprintf(f, ", written by dispatch %u (%s: %s)", d, info.kernel, info.group);
        else
            fprintf(f, " (a view: no dispatch of its own)");
        fprintf(f, "\n");
        /* readers that the passes would have fused with the producer */
        const vkc_tensor *x = &original->tensors[t];
        for (uint32_t i = 0; group && p != VKC_NONE && i < x->consumer_count; i++) {
            uint32_t c = x->consumers[i];
            if (group[c] == VKC_NONE || group[c] != group[p]) continue;
            char reader[256];
            uint32_t dc = dispatch_of(e, c);
            fprintf(f, "    split: without this output %s and %s would be one fused group; ", label,
                    vkc_node_label(original, c, reader, sizeof reader));
            if (dc != UINT32_MAX)
                fprintf(f, "the reader runs in dispatch %u\n", dc);
            else
                fprintf(f, "the reader runs on its own\n");
        }
    }
    free(group);
}
