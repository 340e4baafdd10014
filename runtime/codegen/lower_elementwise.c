/* Lowering of elementwise ops: activations -> unary.comp; Add, Sub, Mul,
 * Div and PRelu -> binary.comp (numpy broadcasting through per-operand
 * strides, 0 on broadcast axes, adjacent axes merged); BatchNormalization
 * (inference) -> batchnorm.comp. */
#include <inttypes.h>
#include <math.h>

#include "codegen/codegen_internal.h"
#include "vk/sequence.h"

void vkc_lower_unary(vkc_cg *c) {
    const vkc_node *n = cg_node(c);
    const vkc_tensor *x = cg_in(c, 0);
    char f[48];
    vkc_kdispatch *d = cg_dispatch(c, "unary");
    switch (n->op) {
    case VKC_OP_RELU: cg_def(c, d, "ACT 1"); break;
    case VKC_OP_LEAKY_RELU:
        cg_def(c, d, "ACT 2");
        cg_def(c, d, "ALPHA %s", cg_float(f, n->attrs.alpha));
        break;
    case VKC_OP_CLIP: /* an infinite bound clamps nothing: left out */
        cg_def(c, d, "ACT 3");
        if (isfinite(n->attrs.clip.min))
            cg_def(c, d, "CLIP_MIN %s", cg_float(f, n->attrs.clip.min));
        if (isfinite(n->attrs.clip.max))
            cg_def(c, d, "CLIP_MAX %s", cg_float(f, n->attrs.clip.max));
        break;
    case VKC_OP_SIGMOID: cg_def(c, d, "ACT 4"); break;
    case VKC_OP_TANH: cg_def(c, d, "ACT 5"); break;
    default: cg_def(c, d, "ACT 0"); break;
    }
    cg_bind(c, d, n->outputs[0], VKC_WRITE);
    cg_bind(c, d, cg_in_index(c, 0), VKC_READ);
    cg_grid(c, d, x->elements);
}

/* Strides of operand t broadcast (right-aligned) to the output's rank. */
static void broadcast_strides(const vkc_tensor *t, uint32_t rank, int64_t *strides) {
    int64_t s = 1;
    for (uint32_t i = rank; i-- > 0;) {
        uint32_t off = rank - t->rank;
        int64_t dim = i < off ? 1 : t->dims[i - off];
        strides[i] = dim == 1 ? 0 : s;
        s *= dim;
    }
}

void vkc_lower_binary(vkc_cg *c) {
    const vkc_node *n = cg_node(c);
    const vkc_tensor *y = cg_out(c);
    int64_t dims[VKC_MAX_RANK], strides[2][VKC_MAX_RANK];
    char list[256];
    for (uint32_t i = 0; i < y->rank; i++)
        dims[i] = y->dims[i];
    broadcast_strides(cg_in(c, 0), y->rank, strides[0]);
    broadcast_strides(cg_in(c, 1), y->rank, strides[1]);
    uint32_t rank = cg_collapse(y->rank, dims, strides, 2);
    int op = n->op == VKC_OP_ADD   ? 0
             : n->op == VKC_OP_SUB ? 1
             : n->op == VKC_OP_MUL ? 2
             : n->op == VKC_OP_DIV ? 3
                                   : 4;
    vkc_kdispatch *d = cg_dispatch(c, "binary");
    cg_def(c, d, "OP %d", op);
    cg_def(c, d, "RANK %" PRIu32, rank);
    cg_def(c, d, "OUT_DIMS %s", cg_list(list, sizeof list, dims, rank, "u"));
    cg_def(c, d, "A_STRIDES %s", cg_list(list, sizeof list, strides[0], rank, "u"));
    cg_def(c, d, "B_STRIDES %s", cg_list(list, sizeof list, strides[1], rank, "u"));
    cg_bind(c, d, n->outputs[0], VKC_WRITE);
    cg_bind(c, d, cg_in_index(c, 0), VKC_READ);
    cg_bind(c, d, cg_in_index(c, 1), VKC_READ);
    cg_grid(c, d, y->elements);
}

void vkc_lower_batch_norm(vkc_cg *c) {
    const vkc_node *n = cg_node(c);
    const vkc_tensor *x = cg_in(c, 0);
    char f[48];
    int64_t sp = 1;
    for (uint32_t i = 2; i < x->rank; i++)
        sp *= x->dims[i];
    vkc_kdispatch *d = cg_dispatch(c, "batchnorm");
    cg_def(c, d, "C %" PRId64, x->dims[1]);
    cg_def(c, d, "SP %" PRId64, sp);
    cg_def(c, d, "EPS %s", cg_float(f, n->attrs.epsilon));
    cg_bind(c, d, n->outputs[0], VKC_WRITE);
    for (uint32_t i = 0; i < 5; i++)
        cg_bind(c, d, cg_in_index(c, i), VKC_READ);
    cg_grid(c, d, x->elements);
}
