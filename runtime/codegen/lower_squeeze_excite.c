/* The internal SqueezeExcite op (passes/squeeze_excite.c) ->
 * shaders/squeeze_excite.comp: one workgroup per image, shape-generic (one
 * pipeline serves every block of equal activation, gate, biases and load
 * path). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "codegen/choose.h"
#include "codegen/codegen_internal.h"
#include "vk/sequence.h"

void vkc_lower_squeeze_excite(vkc_cg *c) {
    const vkc_node *n = cg_node(c);
    const vkc_tensor *x = cg_in(c, 0), *w1 = cg_in(c, 1), *b1 = cg_in(c, 2), *b2 = cg_in(c, 4);
    if (!x || !w1 || !cg_in(c, 3) || x->rank != 4) {
        cg_fail(c, VKCNN_ERROR_INVALID_ARGUMENT,
                "squeeze-and-excitation needs X [N, C, H, W], W1 and W2");
        return;
    }
    int64_t batch = x->dims[0], ch = x->dims[1], r = w1->dims[0];
    if (!vkc_choose_squeeze_excite_fits(c->t, ch, r)) {
        cg_fail(c, VKCNN_ERROR_LIMIT,
                "squeeze-and-excitation block of %" PRId64 " channels and %" PRId64
                " hidden does not fit one workgroup's shared memory",
                ch, r);
        return;
    }
    vkc_kdispatch *d = cg_dispatch(c, "squeeze_excite");
    if (d) d->push_shapes = true;
    cg_shape(c, d, "N", batch);
    cg_shape(c, d, "C", ch);
    cg_shape(c, d, "HW", x->dims[2] * x->dims[3]);
    cg_shape(c, d, "R", r);
    cg_def(c, d, "SE_MAX_C %d", VKC_SE_MAX_C);
    cg_def(c, d, "SE_MAX_R %d", VKC_SE_MAX_R);
    cg_def(c, d, "HAS_B1 %d", b1 ? 1 : 0);
    cg_def(c, d, "HAS_B2 %d", b2 ? 1 : 0);
    if (cg_whole_texels(c, x->elements, false)) cg_def(c, d, "TEXEL 1");
    /* W1 [R, C] and W2 [C, R] hold as many elements */
    if (cg_whole_texels(c, w1->elements, false)) cg_def(c, d, "TEXEL_W 1");
    if (ch % 4 == 0) cg_def(c, d, "W1V4 1");
    if (r % 4 == 0) cg_def(c, d, "W2V4 1");
    /* the activation chain: post-ops that read no tensor (the pass's rule) */
    char body[2048] = "";
    cg_post_ops_body(c, n->attrs.se.act, n->attrs.se.act_count, body, sizeof body, NULL, 0, NULL);
    if (body[0]) cg_def(c, d, "SE_ACT %s", body);
    cg_epilogue_defines(c, d, 1);
    cg_bind_out(c, d, n->outputs[0]);
    cg_bind_act(c, d, cg_in_index(c, 0), VKC_READ, "X_HALF");
    cg_bind(c, d, cg_in_index(c, 1), VKC_READ);
    cg_bind(c, d, cg_in_index(c, 3), VKC_READ);
    if (b1) cg_bind(c, d, cg_in_index(c, 2), VKC_READ);
    if (b2) cg_bind(c, d, cg_in_index(c, 4), VKC_READ);
    cg_epilogue_bind(c, d);
    cg_grid(c, d, (uint64_t)batch * c->t->local_size);
}
