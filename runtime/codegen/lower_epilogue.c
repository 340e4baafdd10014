/* The fused epilogue of the anchor kernels (shaders/epilogue.glsl): a
 * node's post-ops written as EPI_BODY, statements over the value v that call
 * the elementwise functions of shaders/eltwise.glsl, and their operand
 * tensors bound after every other binding. A constant operand of one value
 * is written into the body as a literal instead of being bound. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "codegen/codegen_internal.h"
#include "ops/op_table.h"
#include "vk/sequence.h"

const char *cg_elt_call(char *buf, size_t size, vkc_op op, const float p[3], const char *x,
                        const char *y) {
    char f0[48], f1[48], f2[48];
    const vkc_op_info *info = vkc_op_get(op);
    if (p[0] == 0 && p[1] == 0 && p[2] == 0)
        snprintf(buf, size, "%s(%s, %s, vec3(0.0))", info->glsl, x, y);
    else
        snprintf(buf, size, "%s(%s, %s, vec3(%s, %s, %s))", info->glsl, x, y, cg_float(f0, p[0]),
                 cg_float(f1, p[1]), cg_float(f2, p[2]));
    return buf;
}

/* A constant operand of one value, baked into the body. */
static bool scalar_constant(const vkc_cg *c, uint32_t t, float *v) {
    const vkc_tensor *x = &c->g->tensors[t];
    if (!x->data || x->elements != 1 || x->dtype != VKC_DTYPE_FLOAT32) return false;
    *v = *(const float *)x->data;
    return true;
}

/* The bound operands of the node's post-ops, in binding order: each input
 * slot once, constant scalars left out. Returns their count. */
uint32_t cg_post_operands(const vkc_cg *c, uint32_t *slots) {
    const vkc_node *n = cg_node(c);
    uint32_t count = 0;
    for (uint32_t i = 0; i < n->post_count; i++) {
        const vkc_post_op *p = &n->post[i];
        float v;
        if (p->kind == VKC_OPERAND_NONE || p->kind == VKC_OPERAND_VALUE ||
            scalar_constant(c, n->inputs[p->slot], &v))
            continue;
        bool seen = false;
        for (uint32_t k = 0; k < count; k++)
            seen |= slots[k] == p->slot;
        if (!seen) slots[count++] = p->slot;
    }
    return count;
}

void cg_append(vkc_cg *c, char *body, size_t size, const char *text, const char *what) {
    size_t len = strlen(body), n = strlen(text);
    if (len + n + 1 > size) {
        cg_fail(c, VKCNN_ERROR_LIMIT, "%s longer than %zu bytes", what, size);
        return;
    }
    memcpy(body + len, text, n + 1);
}

/* The statements of post-ops [0, count) over v; operand(k) is the GLSL
 * expression of bound operand k (see cg_post_operands). */
void cg_post_ops_body(vkc_cg *c, const vkc_post_op *post, uint32_t count, char *body, size_t size,
                      const uint32_t *slots, uint32_t bound, const char *const *operand_expr) {
    const vkc_node *n = cg_node(c);
    bool need[VKC_MAX_POST_OPS + 1] = {false};
    if (count > VKC_MAX_POST_OPS) { /* the graph's bound (vkc_graph_append_post) */
        cg_fail(c, VKCNN_ERROR_LIMIT, "more than %d fused post-ops", VKC_MAX_POST_OPS);
        return;
    }
    for (uint32_t i = 0; i < count; i++)
        if (post[i].kind == VKC_OPERAND_VALUE && post[i].slot <= VKC_MAX_POST_OPS)
            need[post[i].slot] = true;
    char stmt[512], call[400], operand[64];
    for (uint32_t i = 0; i < count && !c->st; i++) {
        const vkc_post_op *p = &post[i];
        if (i > 0 && need[i]) {
            snprintf(stmt, sizeof stmt, "float v%" PRIu32 " = v; ", i);
            cg_append(c, body, size, stmt, "fused epilogue");
        }
        float v;
        if (p->kind == VKC_OPERAND_NONE) {
            snprintf(operand, sizeof operand, "0.0");
        } else if (p->kind == VKC_OPERAND_VALUE) {
            snprintf(operand, sizeof operand, "v%" PRIu32, p->slot);
        } else if (p->slot < n->input_count && scalar_constant(c, n->inputs[p->slot], &v)) {
            cg_float(operand, v);
        } else {
            uint32_t k = 0;
            while (k < bound && slots[k] != p->slot)
                k++;
            if (k == bound) { /* a chain that may read no tensor (squeeze-and-excitation) */
                cg_fail(c, VKCNN_ERROR_INVALID_MODEL,
                        "post-op %" PRIu32 " reads a tensor the kernel does not bind", i);
                return;
            }
            snprintf(operand, sizeof operand, "%s", operand_expr[k]);
        }
        cg_elt_call(call, sizeof call, p->op, p->params, p->operand_first ? operand : "v",
                    p->operand_first ? "v" : operand);
        snprintf(stmt, sizeof stmt, "v = %s; ", call);
        cg_append(c, body, size, stmt, "fused epilogue");
    }
}

/* Whether an element-wise operand is read through a texel buffer: texel
 * loads on (the variant's or the device's choice), fp32, whole texels (a
 * view holds whole texels only) within the device's limit, an activation:
 * those sit at offsets aligned for texel views (t->offset_alignment). */
static bool texel_operand(const vkc_cg *c, const vkc_tensor *t) {
    return !t->data && t->dtype == VKC_DTYPE_FLOAT32 && cg_whole_texels(c, t->elements, false);
}

/* Whether the node's post-ops are a clamp: none, a Relu or a Clip (all
 * through vkc_clip, which is vkc_relu at [0, inf) and the identity at
 * (-inf, inf), NaN passing through each), and its bounds. */
static bool clamp_form(const vkc_node *n, float *lo, float *hi) {
    *lo = -INFINITY;
    *hi = INFINITY;
    if (n->post_count == 0) return true;
    if (n->post_count > 1 || n->post[0].kind != VKC_OPERAND_NONE) return false;
    if (n->post[0].op == VKC_OP_RELU) {
        *lo = 0.0f;
        return true;
    }
    if (n->post[0].op != VKC_OP_CLIP) return false;
    *lo = n->post[0].params[0];
    *hi = n->post[0].params[1];
    return true;
}

void cg_epilogue_defines(vkc_cg *c, vkc_kdispatch *d, uint64_t spatial) {
    const vkc_node *n = cg_node(c);
    if (c->st) return;
    if (d && d->push_shapes && clamp_form(n, &d->clamp_lo, &d->clamp_hi)) {
        d->clamp = true; /* EPI_LO and EPI_HI: cg_clamp_bounds */
        cg_def(c, d, "EPI_BODY v = vkc_clip(v, 0.0, vec3(EPI_LO, EPI_HI, 0.0)); ");
        return;
    }
    if (!n->post_count) return;
    uint32_t slots[VKC_MAX_POST_OPS];
    uint32_t bound = cg_post_operands(c, slots);
    if (bound > VKC_MAX_POST_OPERANDS) {
        cg_fail(c, VKCNN_ERROR_INVALID_ARGUMENT,
                "fused epilogue reads %" PRIu32 " tensors (at most %d)", bound,
                VKC_MAX_POST_OPERANDS);
        return;
    }
    char expr[VKC_MAX_POST_OPERANDS][48];
    const char *exprs[VKC_MAX_POST_OPERANDS] = {0};
    bool image = false;
    for (uint32_t k = 0; k < bound; k++) {
        vkc_operand_kind kind = VKC_OPERAND_ELEMENT;
        for (uint32_t i = 0; i < n->post_count; i++)
            if (n->post[i].slot == slots[k] && n->post[i].kind != VKC_OPERAND_VALUE)
                kind = n->post[i].kind;
        const vkc_tensor *t = &c->g->tensors[n->inputs[slots[k]]];
        const char *at = "channel";
        if (kind == VKC_OPERAND_ELEMENT)
            at = "index";
        else if (kind == VKC_OPERAND_IMAGE_CHANNEL) {
            at = "DIV_EPI_SPATIAL(index)";
            image = true;
        } else if (t->elements == 1)
            at = "0";
        /* an fp16 operand (cg_epilogue_bind binds it as halves) */
        if (cg_half_act(c, n->inputs[slots[k]]))
            snprintf(expr[k], sizeof expr[k], "float(epi%" PRIu32 "[%s])", k, at);
        else if (kind == VKC_OPERAND_ELEMENT && texel_operand(c, t)) {
            /* its descriptor type follows the declaration (SPIR-V reflection) */
            cg_def(c, d, "EPI_TEXEL%" PRIu32 " 1", k);
            /* a macro: epilogue4 reads the texel once for 4 elements */
            snprintf(expr[k], sizeof expr[k], "EPI_TX%" PRIu32 "(%s)", k, at);
        } else
            snprintf(expr[k], sizeof expr[k], "epi%" PRIu32 "[%s]", k, at);
        exprs[k] = expr[k];
    }
    char body[2048] = "";
    cg_post_ops_body(c, n->post, n->post_count, body, sizeof body, slots, bound, exprs);
    if (bound) cg_def(c, d, "EPI_OPERANDS %" PRIu32, bound);
    if (image) cg_shape_div(c, d, "EPI_SPATIAL", (int64_t)(spatial ? spatial : 1));
    cg_def(c, d, "EPI_BODY %s", body);
}

void cg_clamp_bounds(vkc_cg *c, vkc_kdispatch *d) {
    if (c->st || !d->clamp) return;
    char lo[48], hi[48];
    if (d->push_count + 2 <= VKC_PUSH_WORDS) {
        uint32_t w[2];
        memcpy(&w[0], &d->clamp_lo, 4);
        memcpy(&w[1], &d->clamp_hi, 4);
        snprintf(lo, sizeof lo, "uintBitsToFloat(vkc_pc.v[%u])", d->push_count);
        snprintf(hi, sizeof hi, "uintBitsToFloat(vkc_pc.v[%u])", d->push_count + 1);
        if (d->push_count == 0) cg_def(c, d, "VKC_PUSH 1");
        d->push[d->push_count++] = w[0];
        d->push[d->push_count++] = w[1];
    } else {
        cg_float(lo, d->clamp_lo);
        cg_float(hi, d->clamp_hi);
    }
    cg_def(c, d, "EPI_LO %s", lo);
    cg_def(c, d, "EPI_HI %s", hi);
}

void cg_epilogue_bind(vkc_cg *c, vkc_kdispatch *d) {
    const vkc_node *n = cg_node(c);
    if (!n->post_count) return;
    uint32_t slots[VKC_MAX_POST_OPS];
    uint32_t bound = cg_post_operands(c, slots);
    for (uint32_t k = 0; k < bound && k < VKC_MAX_POST_OPERANDS; k++) {
        char macro[24];
        snprintf(macro, sizeof macro, "EPI_HALF%" PRIu32, k);
        cg_bind_act(c, d, n->inputs[slots[k]], VKC_READ, macro);
    }
}
