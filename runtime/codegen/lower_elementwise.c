/* Lowering of elementwise anchors -> eltwise.comp: the node's own operator
 * over its inputs (unary, binary, or folded pairwise over a variadic list)
 * and then its fused post-ops, all operands numpy-broadcast through
 * per-operand strides (0 on broadcast axes, adjacent axes merged). A
 * variadic list longer than the kernel's bindings runs as several
 * dispatches, each after the first folding into Y what the last left there.
 * BatchNormalization (inference) -> batchnorm.comp. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "codegen/codegen_internal.h"
#include "ops/op_table.h"
#include "vk/sequence.h"

#define ELT_MAX_OPERANDS 8 /* shaders/eltwise.comp's bindings */

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

/* One eltwise.comp dispatch over `count` operand tensors (tensors[k] for
 * binding 1 + k) with the statements `body`. */
static void eltwise_dispatch(vkc_cg *c, const uint32_t *tensors, uint32_t count, const char *body) {
    const vkc_tensor *y = cg_out(c);
    int64_t dims[VKC_MAX_RANK], strides[ELT_MAX_OPERANDS][VKC_MAX_RANK];
    char list[256];
    for (uint32_t i = 0; i < y->rank; i++)
        dims[i] = y->dims[i];
    for (uint32_t k = 0; k < count; k++)
        broadcast_strides(&c->g->tensors[tensors[k]], y->rank, strides[k]);
    uint32_t rank = cg_collapse(y->rank, dims, strides, count);
    vkc_kdispatch *d = cg_dispatch(c, "eltwise");
    cg_def(c, d, "ELT_RANK %" PRIu32, rank);
    cg_def(c, d, "OUT_DIMS %s", cg_list(list, sizeof list, dims, rank, "u"));
    cg_def(c, d, "ELT_OPERANDS %" PRIu32, count);
    for (uint32_t k = 0; k < count; k++)
        cg_def(c, d, "OP%" PRIu32 "_STRIDES %s", k,
               cg_list(list, sizeof list, strides[k], rank, "u"));
    cg_def(c, d, "ELT_BODY %s", body);
    if (cg_bind_out(c, d, cg_node(c)->outputs[0]) && y->rank && y->dims[0] > 0)
        cg_def(c, d, "Y_IMAGE %" PRIu64 "u", y->elements / (uint64_t)y->dims[0]);
    for (uint32_t k = 0; k < count; k++) {
        char macro[24];
        snprintf(macro, sizeof macro, "ELT_HALF%" PRIu32, k);
        cg_bind_act(c, d, tensors[k], VKC_READ, macro);
    }
    cg_grid(c, d, y->elements);
}

void vkc_lower_eltwise(vkc_cg *c) {
    const vkc_node *n = cg_node(c);
    const vkc_op_info *info = vkc_op_get(n->op);
    vkc_elt_params p = vkc_elt_params_of(n->op, &n->attrs);
    uint32_t own = info->arity == 1 ? 1 : n->own_inputs;
    uint32_t slots[VKC_MAX_POST_OPS];
    uint32_t post = cg_post_operands(c, slots);
    if (own < 1 || (info->arity == 2 && !(info->flags & VKC_OPF_VARIADIC) && own != 2)) {
        cg_fail(c, VKCNN_ERROR_INVALID_MODEL, "has %" PRIu32 " inputs", own);
        return;
    }
    for (uint32_t k = 0; k < own; k++)
        if (cg_in_index(c, k) == VKC_NONE) {
            cg_fail(c, VKCNN_ERROR_INVALID_MODEL, "input %" PRIu32 " is empty", k);
            return;
        }
    if (post && own + post > ELT_MAX_OPERANDS) {
        cg_fail(c, VKCNN_ERROR_INVALID_ARGUMENT,
                "%" PRIu32 " inputs and %" PRIu32 " fused operands exceed the kernel's %d", own,
                post, ELT_MAX_OPERANDS);
        return;
    }
    uint32_t tensors[ELT_MAX_OPERANDS];
    char body[2560], stmt[512], a[32];
    /* the own operands, ELT_MAX_OPERANDS per dispatch; each dispatch after
     * the first takes what the last left in Y as its operand 0 */
    for (uint32_t first = 0; first < own && !c->st;) {
        uint32_t count = 0;
        body[0] = '\0';
        if (first > 0) {
            tensors[count++] = n->outputs[0];
            snprintf(body, sizeof body, "v = float(t0[o[0]]); ");
        }
        uint32_t room = ELT_MAX_OPERANDS - count - (first + ELT_MAX_OPERANDS >= own ? post : 0);
        uint32_t take = own - first < room ? own - first : room;
        for (uint32_t k = 0; k < take; k++, count++) {
            tensors[count] = cg_in_index(c, first + k);
            snprintf(a, sizeof a, "float(t%" PRIu32 "[o[%" PRIu32 "]])", count, count);
            if (info->arity == 1)
                cg_elt_call(stmt, sizeof stmt, n->op, p.p, a, "0.0");
            else if (first == 0 && k == 0)
                snprintf(stmt, sizeof stmt, "%s", a);
            else
                cg_elt_call(stmt, sizeof stmt, n->op, p.p, "v", a);
            size_t len = strlen(body);
            snprintf(body + len, sizeof body - len, "v = %s; ", stmt);
        }
        first += take;
        if (first == own) {
            if (n->op == VKC_OP_MEAN) {
                size_t len = strlen(body);
                snprintf(body + len, sizeof body - len, "v = v / %" PRIu32 ".0; ", own);
            }
            char exprs_buf[VKC_MAX_POST_OPS][32];
            const char *exprs[VKC_MAX_POST_OPS] = {0};
            for (uint32_t k = 0; k < post; k++, count++) {
                tensors[count] = n->inputs[slots[k]];
                snprintf(exprs_buf[k], sizeof exprs_buf[k], "float(t%" PRIu32 "[o[%" PRIu32 "]])",
                         count, count);
                exprs[k] = exprs_buf[k];
            }
            char tail[2048] = "";
            cg_post_ops_body(c, n->post, n->post_count, tail, sizeof tail, slots, post, exprs);
            size_t len = strlen(body);
            if (len + strlen(tail) + 1 > sizeof body) {
                cg_fail(c, VKCNN_ERROR_LIMIT, "fused elementwise group too long");
                return;
            }
            memcpy(body + len, tail, strlen(tail) + 1);
        }
        eltwise_dispatch(c, tensors, count, body);
    }
}

/* A batch norm that no Conv or Gemm took (DenseNet's, before each layer's
 * ReLU and 1x1 Conv) with its fused group's post-ops: batchnorm.comp, TX
 * elements of one image and channel per invocation. Shape-generic: the
 * channel count, the spatial size and the grid are push constants, so a
 * network's batch norms of one epsilon and epilogue share a pipeline
 * (DenseNet-121: 62 of them); X as whole texels where SP % 4 == 0, and Y
 * stored in vectors of 8 or 4 where SP is a multiple (cg_def_y_vectors). */
void vkc_lower_batch_norm(vkc_cg *c) {
    const vkc_node *n = cg_node(c);
    const vkc_tensor *x = cg_in(c, 0);
    char f[48];
    int64_t sp = 1, tx = 16;
    for (uint32_t i = 2; i < x->rank; i++)
        sp *= x->dims[i];
    int64_t nc = x->rank >= 2 ? x->dims[0] * x->dims[1] : 1;
    vkc_kdispatch *d = cg_dispatch(c, "batchnorm");
    if (d) d->push_shapes = true;
    bool texel = cg_whole_texels(c, x->elements, false);
    if (texel) cg_def(c, d, "TEXEL 1");
    cg_def(c, d, "XV4 %d", texel && sp % 4 == 0 ? 1 : 0);
    cg_def(c, d, "TX %" PRId64, tx);
    cg_def_y_vectors(c, d, sp, tx);
    cg_shape(c, d, "NC", nc);
    cg_shape_div(c, d, "C", x->rank >= 2 ? x->dims[1] : 1);
    cg_shape(c, d, "SP", sp);
    cg_shape_div(c, d, "NCH", (sp + tx - 1) / tx);
    cg_def(c, d, "EPS %s", cg_float(f, n->attrs.epsilon));
    cg_epilogue_defines(c, d, (uint64_t)sp);
    cg_bind_out(c, d, n->outputs[0]);
    cg_bind_act(c, d, cg_in_index(c, 0), VKC_READ, "X_HALF");
    for (uint32_t i = 1; i < 5; i++)
        cg_bind(c, d, cg_in_index(c, i), VKC_READ);
    cg_epilogue_bind(c, d);
    cg_grid(c, d, (uint64_t)nc * (uint64_t)((sp + tx - 1) / tx));
}
