/* Scratch buffers private to one node's dispatches (codegen.h). */
#include <inttypes.h>

#include "codegen/codegen_internal.h"

uint32_t cg_scratch(vkc_cg *c, uint64_t elements) {
    vkc_lowering *l = c->out;
    if (c->st) return VKC_SCRATCH(0);
    if (l->scratch_count == VKC_MAX_SCRATCH) {
        cg_fail(c, VKCNN_ERROR_LIMIT, "more than %d scratch buffers", VKC_MAX_SCRATCH);
        return VKC_SCRATCH(0);
    }
    if (elements == 0 || elements > c->t->max_binding_bytes / 4) {
        cg_fail(c, VKCNN_ERROR_LIMIT,
                "scratch of %" PRIu64 " floats exceeds the largest binding (%" PRIu64 " bytes)",
                elements, c->t->max_binding_bytes);
        return VKC_SCRATCH(0);
    }
    l->scratch_elements[l->scratch_count] = elements;
    return VKC_SCRATCH(l->scratch_count++);
}

void cg_bind_scratch(vkc_cg *c, vkc_kdispatch *d, uint32_t scratch, unsigned access) {
    if (c->st || !d) return;
    if (!VKC_IS_SCRATCH(scratch) || scratch - VKC_SCRATCH_BASE >= c->out->scratch_count) {
        cg_fail(c, VKCNN_ERROR_INVALID_ARGUMENT, "binding of an undeclared scratch buffer");
        return;
    }
    if (d->binding_count == VKC_MAX_BINDINGS) {
        cg_fail(c, VKCNN_ERROR_LIMIT, "more than %d bindings", VKC_MAX_BINDINGS);
        return;
    }
    d->bindings[d->binding_count++] = (vkc_kbinding){scratch, 0, access, false};
}
