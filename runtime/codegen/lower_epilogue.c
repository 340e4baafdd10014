/* The fused epilogue of conv.comp and gemm.comp (shaders/epilogue.glsl):
 * the activation's code and constants as defines, and the per-channel PRelu
 * slope as the last binding. A PRelu with a single slope is a LeakyRelu
 * with that slope baked in. */
#include <inttypes.h>
#include <math.h>

#include "codegen/codegen_internal.h"
#include "vk/sequence.h"

/* A PRelu slope of one value, as the alpha of a LeakyRelu. */
static bool scalar_slope(const vkc_cg *c, float *alpha) {
    const vkc_tensor *t = &c->g->tensors[c->epi->slope];
    if (t->elements != 1 || !t->data) return false;
    *alpha = *(const float *)t->data;
    return true;
}

void cg_epilogue_defines(vkc_cg *c, vkc_kdispatch *d) {
    if (!c->epi || c->epi->act == VKC_OP_COUNT) return;
    const vkc_attrs *a = &c->epi->attrs;
    char f[48];
    float alpha;
    switch (c->epi->act) {
    case VKC_OP_RELU: cg_def(c, d, "EPI_ACT 1"); break;
    case VKC_OP_LEAKY_RELU:
        cg_def(c, d, "EPI_ACT 2");
        cg_def(c, d, "EPI_ALPHA %s", cg_float(f, a->alpha));
        break;
    case VKC_OP_CLIP: /* an infinite bound clamps nothing: left out, as in unary.comp */
        cg_def(c, d, "EPI_ACT 3");
        if (isfinite(a->clip.min)) cg_def(c, d, "EPI_MIN %s", cg_float(f, a->clip.min));
        if (isfinite(a->clip.max)) cg_def(c, d, "EPI_MAX %s", cg_float(f, a->clip.max));
        break;
    case VKC_OP_SIGMOID: cg_def(c, d, "EPI_ACT 4"); break;
    case VKC_OP_TANH: cg_def(c, d, "EPI_ACT 5"); break;
    case VKC_OP_PRELU:
        if (scalar_slope(c, &alpha)) {
            cg_def(c, d, "EPI_ACT 2");
            cg_def(c, d, "EPI_ALPHA %s", cg_float(f, alpha));
        } else {
            cg_def(c, d, "EPI_ACT 6");
        }
        break;
    default:
        cg_fail(c, VKCNN_ERROR_INVALID_ARGUMENT, "fused activation %s has no epilogue",
                vkc_op_name(c->epi->act));
        break;
    }
}

void cg_epilogue_bind(vkc_cg *c, vkc_kdispatch *d) {
    float alpha;
    if (!c->epi || c->epi->act != VKC_OP_PRELU || scalar_slope(c, &alpha)) return;
    cg_bind(c, d, c->epi->slope, VKC_READ);
}

uint32_t cg_epilogue_bias(const vkc_cg *c) {
    return c->epi ? c->epi->bias : VKC_NONE;
}
