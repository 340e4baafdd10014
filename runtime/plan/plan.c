#include "plan/plan.h"

#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/error.h"

static uint32_t root_of(const vkc_plan_request *req, uint32_t t, uint32_t count) {
    for (uint32_t hops = 0; req->alias_of && req->alias_of[t] != t && hops < count; hops++)
        t = req->alias_of[t];
    return t;
}

static bool is_external(const vkc_graph *g, const vkc_plan_request *req, uint32_t t) {
    if (req->external) return req->external[t];
    const vkc_tensor *x = &g->tensors[t];
    return x->data != NULL || x->graph_input || x->graph_output;
}

typedef struct item {
    uint32_t tensor;
    uint64_t size;
} item;

static int by_size_desc(const void *a, const void *b) {
    const item *x = a, *y = b;
    if (x->size != y->size) return x->size < y->size ? 1 : -1;
    return x->tensor < y->tensor ? -1 : x->tensor > y->tensor;
}

static bool lives_overlap(const vkc_plan *p, uint32_t a, uint32_t b) {
    return p->first[a] <= p->last[b] && p->first[b] <= p->last[a];
}

vkcnn_status vkc_plan_memory(const vkc_graph *g, const vkc_plan_request *req, vkc_plan *out) {
    memset(out, 0, sizeof *out);
    uint32_t n = g->tensor_count;
    uint64_t align = req->alignment ? req->alignment : 1;
    out->tensor_count = n;
    out->offset = vkc_calloc(n, sizeof *out->offset);
    out->size = vkc_calloc(n, sizeof *out->size);
    out->first = vkc_calloc(n, sizeof *out->first);
    out->last = vkc_calloc(n, sizeof *out->last);
    item *items = vkc_calloc(n, sizeof *items);
    uint32_t *placed = vkc_calloc(n, sizeof *placed);
    if (!out->offset || !out->size || !out->first || !out->last || !items || !placed) {
        free(items);
        free(placed);
        vkc_plan_free(out);
        return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory planning memory");
    }
    for (uint32_t t = 0; t < n; t++) {
        out->offset[t] = VKC_PLAN_NONE;
        out->first[t] = out->last[t] = UINT32_MAX;
    }
    /* live ranges, accumulated on each tensor's storage root */
    uint32_t pos = 0;
    for (uint32_t ni = 0; ni < g->node_count; ni++) {
        const vkc_node *nd = &g->nodes[ni];
        if (nd->dead) continue;
        for (uint32_t s = 0; s < nd->input_count + nd->output_count; s++) {
            uint32_t t = s < nd->input_count ? nd->inputs[s] : nd->outputs[s - nd->input_count];
            if (t == VKC_NONE) continue;
            uint32_t r = root_of(req, t, n);
            if (out->first[r] == UINT32_MAX || pos < out->first[r]) out->first[r] = pos;
            if (out->last[r] == UINT32_MAX || pos > out->last[r]) out->last[r] = pos;
        }
        pos++;
    }
    /* place roots, largest first, at the lowest offset free over their life */
    uint32_t n_items = 0;
    for (uint32_t t = 0; t < n; t++) {
        if (root_of(req, t, n) != t || out->first[t] == UINT32_MAX || is_external(g, req, t))
            continue;
        uint64_t bytes, elements = g->tensors[t].elements;
        bool half = req->half && req->half[t];
        if (half) elements = elements / 2 + elements % 2; /* words of two halves */
        if (!vkc_mul_u64(elements, 4, &bytes) ||
            !vkc_align_up_u64(bytes ? bytes : 4, align, &bytes)) {
            free(items);
            free(placed);
            vkc_plan_free(out);
            return vkc_fail(VKCNN_ERROR_LIMIT, "tensor '%s' is too large to plan",
                            g->tensors[t].name);
        }
        items[n_items++] = (item){t, bytes};
        out->size[t] = bytes;
        out->naive_bytes += bytes;
    }
    qsort(items, n_items, sizeof *items, by_size_desc);
    uint32_t n_placed = 0;
    for (uint32_t i = 0; i < n_items; i++) {
        uint32_t t = items[i].tensor;
        uint64_t size = items[i].size, offset = 0;
        /* retry until no live-overlapping tensor intersects [offset, offset+size):
         * each conflict moves the candidate past it, so this ends */
        for (bool moved = true; moved;) {
            moved = false;
            for (uint32_t j = 0; j < n_placed; j++) {
                uint32_t u = placed[j];
                if (!lives_overlap(out, t, u)) continue;
                if (offset < out->offset[u] + out->size[u] && out->offset[u] < offset + size) {
                    offset = out->offset[u] + out->size[u];
                    moved = true;
                }
            }
        }
        out->offset[t] = offset;
        placed[n_placed++] = t;
        if (offset + size > out->arena_bytes) out->arena_bytes = offset + size;
    }
    /* views take their root's place */
    for (uint32_t t = 0; t < n; t++) {
        uint32_t r = root_of(req, t, n);
        if (r != t) {
            out->offset[t] = out->offset[r];
            out->first[t] = out->first[r];
            out->last[t] = out->last[r];
        }
    }
    free(items);
    free(placed);
    return VKCNN_OK;
}

vkcnn_status vkc_plan_verify(const vkc_graph *g, const vkc_plan *p) {
    for (uint32_t a = 0; a < p->tensor_count; a++) {
        if (p->offset[a] == VKC_PLAN_NONE || !p->size[a]) continue;
        for (uint32_t b = a + 1; b < p->tensor_count; b++) {
            if (p->offset[b] == VKC_PLAN_NONE || !p->size[b] || !lives_overlap(p, a, b)) continue;
            if (p->offset[a] < p->offset[b] + p->size[b] &&
                p->offset[b] < p->offset[a] + p->size[a])
                return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                                "memory plan: '%s' and '%s' are live together but overlap",
                                g->tensors[a].name, g->tensors[b].name);
        }
    }
    return VKCNN_OK;
}

void vkc_plan_free(vkc_plan *p) {
    free(p->offset);
    free(p->size);
    free(p->first);
    free(p->last);
    memset(p, 0, sizeof *p);
}
