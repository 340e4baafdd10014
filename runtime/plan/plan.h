/* Memory planning: activation lifetimes from the schedule, then offsets in one
 * arena so that tensors whose lifetimes do not overlap share memory.
 *
 * Invariant of a plan: two placed tensors whose live ranges intersect never
 * have intersecting [offset, offset + size) ranges (vkc_plan_verify checks
 * it). A tensor's live range runs from the step that writes it to the last
 * step that reads it, inclusive; a view (alias) extends its base's range. */
#ifndef VKC_PLAN_PLAN_H
#define VKC_PLAN_PLAN_H

#include <stdint.h>

#include "graph/graph.h"

#define VKC_PLAN_NONE UINT64_MAX

typedef struct vkc_plan_request {
    /* Per tensor: the tensor whose storage it shares (a view), or itself.
     * NULL: no views. Chains are allowed (a view of a view). */
    const uint32_t *alias_of;
    /* Per tensor: true when it must not be placed in the arena (graph inputs
     * and outputs that live in their own buffers, constants). NULL: graph
     * inputs, outputs and constants are external. */
    const bool *external;
    uint64_t alignment; /* offsets are multiples of this (>= 1) */
    /* Per tensor: stored as IEEE halves (2 bytes per element, rounded up
     * to whole 32-bit words); NULL: every tensor fp32 */
    const bool *half;
} vkc_plan_request;

typedef struct vkc_plan {
    uint32_t tensor_count;
    uint64_t *offset;       /* per tensor; VKC_PLAN_NONE when not placed */
    uint64_t *size;         /* bytes per placed tensor (aligned), 0 otherwise */
    uint32_t *first, *last; /* live range in node positions; UINT32_MAX if unused */
    uint64_t arena_bytes;   /* peak: the arena's size */
    uint64_t naive_bytes;   /* sum of all placed tensors: no sharing */
} vkc_plan;

/* Plans the live (non-dead) nodes of g in their order. */
vkcnn_status vkc_plan_memory(const vkc_graph *g, const vkc_plan_request *req, vkc_plan *out);

/* Checks the invariant above over the whole schedule; INVALID_ARGUMENT with
 * the two tensors named when it is broken. */
vkcnn_status vkc_plan_verify(const vkc_graph *g, const vkc_plan *plan);

void vkc_plan_free(vkc_plan *plan);

#endif
