/* Lowering of window ops: Conv -> conv_gemm.comp, conv1x1.comp, conv_dw.comp,
 * im2col.comp + conv1x1.comp or conv.comp (as the variant says),
 * MaxPool / AveragePool / global pools -> pool.comp, LRN -> lrn.comp.
 * One or two spatial dims; a 1-D op runs as 2-D with H = KH = 1; MaxPool
 * and AveragePool also take three (pool.comp's depth axis). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "codegen/codegen_internal.h"
#include "vk/sequence.h"

cg_spatial cg_window_geometry(const vkc_window_attrs *a, const vkc_tensor *x, const vkc_tensor *y) {
    cg_spatial s = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0};
    uint32_t z = x->rank == 5 ? 1 : 0;                    /* index of H's attributes */
    uint32_t o = x->rank == 5 ? 2 : x->rank == 4 ? 1 : 0; /* index of W's attributes */
    if (z) {
        s.d = x->dims[2];
        s.od = y->dims[2];
        s.kd = a->kernel[0];
        s.sd = a->strides[0];
        s.dd = a->dilations[0];
        s.pf = a->pads[0];
        s.pk = a->pads[VKC_MAX_SPATIAL];
    }
    if (o) {
        s.h = x->dims[x->rank - 2];
        s.oh = y->dims[y->rank - 2];
        s.kh = a->kernel[z];
        s.sh = a->strides[z];
        s.dh = a->dilations[z];
        s.pt = a->pads[z];
        s.pb = a->pads[VKC_MAX_SPATIAL + z];
    }
    s.w = x->dims[x->rank - 1];
    s.ow = y->dims[y->rank - 1];
    s.kw = a->kernel[o];
    s.sw = a->strides[o];
    s.dw = a->dilations[o];
    s.pl = a->pads[o];
    s.pr = a->pads[VKC_MAX_SPATIAL + o];
    return s;
}

void cg_def_window(vkc_cg *c, vkc_kdispatch *d, const cg_spatial *s) {
    /* sizes and pads are push constants in a shape-generic dispatch; the
     * kernel, stride and dilation stay literals (templates unroll them) */
    cg_shape(c, d, "H", s->h);
    cg_shape(c, d, "W", s->w);
    cg_shape(c, d, "OH", s->oh);
    cg_shape_div(c, d, "OW", s->ow);
    cg_def(c, d, "KH %" PRId64, s->kh);
    cg_def(c, d, "KW %" PRId64, s->kw);
    cg_def(c, d, "SH %" PRId64, s->sh);
    cg_def(c, d, "SW %" PRId64, s->sw);
    cg_def(c, d, "DH %" PRId64, s->dh);
    cg_def(c, d, "DW %" PRId64, s->dw);
    cg_shape(c, d, "PT", s->pt);
    cg_shape(c, d, "PL", s->pl);
    cg_shape(c, d, "PB", s->pb);
    cg_shape(c, d, "PR", s->pr);
    if (s->d == 1 && s->od == 1 && s->kd == 1) return; /* 1-D and 2-D */
    cg_def(c, d, "D %" PRId64, s->d);
    cg_def(c, d, "OD %" PRId64, s->od);
    cg_def(c, d, "KD %" PRId64, s->kd);
    cg_def(c, d, "SD %" PRId64, s->sd);
    cg_def(c, d, "DD %" PRId64, s->dd);
    cg_def(c, d, "PF %" PRId64, s->pf);
    cg_def(c, d, "PK %" PRId64, s->pk);
}

uint32_t cg_in_scale(const vkc_cg *c) {
    const vkc_node *node = cg_node(c);
    return node->in_scale != VKC_NONE && node->in_scale < node->input_count
               ? node->inputs[node->in_scale]
               : VKC_NONE;
}

static bool spatial_ok(vkc_cg *c, const vkc_tensor *x) {
    if (x->rank == 3 || x->rank == 4) return true;
    cg_fail(c, VKCNN_ERROR_UNSUPPORTED,
            "input '%s' has rank %" PRIu32 ": only 1-D and 2-D spatial layers have kernels",
            x->name, x->rank);
    return false;
}

/* X and W of a conv through texel buffers: both whole texels (W's halves
 * 8 to a texel) within the device's texel limit. */
static bool conv_texels(vkc_cg *c, const vkc_tensor *x, const vkc_tensor *w, bool half) {
    return cg_whole_texels(c, x->elements, false) && cg_whole_texels(c, w->elements, half);
}

/* conv1x1.comp's X when it is not the node's input: im2col's scratch of
 * `c` channels (patch rows) and `elements` floats. */
typedef struct gemm_source {
    uint32_t scratch;
    int64_t c;
    uint64_t elements;
} gemm_source;

/* What conv1x1.comp and conv_dw.comp share: the shape and operand defines
 * (N, C, M, HAS_BIAS, XSCALE, XSHIFT, XRELU, the epilogue's, the window
 * geometry), fp16 W, texel loads where X and W fit, and the bindings Y, X
 * (or `src`), W, then B, X's scale (xs, when fused), X's shift (conv1x1
 * only: the input affine map) and the epilogue's operands. Both kernels
 * are shape-generic: sizes, pads and the grid are push constants, so one
 * pipeline serves every layer of equal kernel window, stride, block, load
 * path and epilogue (a network's start-up then does not grow with its
 * depth: MobileNetV2's 19 distinct 1x1 layers share 6 pipelines, its 10
 * distinct depthwise layers 2). `packs`: the kernel reads the node's
 * packed weights (vkc_node.row_packed, conv_row.comp's WPACK) where it has
 * them and reads X and W as fp32 texels. Returns whether X and W are read
 * as texels. */
static bool conv_operands(vkc_cg *c, vkc_kdispatch *d, const cg_spatial *s, uint32_t xs,
                          const gemm_source *src, bool bias_texels, bool packs) {
    const vkc_tensor *x = cg_in(c, 0), *w = cg_in(c, 1), *b = cg_in(c, 2);
    bool half = cg_half(c, cg_in_index(c, 1));
    if (d) d->push_shapes = true;
    cg_shape(c, d, "N", x->dims[0]);
    cg_shape(c, d, "C", src ? src->c : x->dims[1]);
    cg_shape_div(c, d, "M", w->dims[0]);
    cg_def(c, d, "HAS_BIAS %d", b ? 1 : 0);
    const vkc_node *node = cg_node(c);
    uint32_t xt = node->in_shift != VKC_NONE && node->in_shift < node->input_count
                      ? node->inputs[node->in_shift]
                      : VKC_NONE;
    if (xs != VKC_NONE)
        cg_def(c, d, "XSCALE %d", node->in_scale_kind == VKC_OPERAND_IMAGE_CHANNEL ? 2 : 1);
    if (xt != VKC_NONE) cg_def(c, d, "XSHIFT 1");
    if (xt != VKC_NONE && node->in_relu) cg_def(c, d, "XRELU 1");
    cg_epilogue_defines(c, d, (uint64_t)(s->oh * s->ow));
    cg_def_window(c, d, s);
    if (half) cg_def(c, d, "WT_HALF 1");
    bool texel =
        src ? cg_whole_texels(c, src->elements, false) && cg_whole_texels(c, w->elements, half)
            : conv_texels(c, x, w, half);
    if (texel) cg_def(c, d, "TEXEL 1");
    /* the bias as texels too (`bias_texels`: conv1x1.comp's BIAS_TEXEL): 4
     * channels per fetch where a storage load is a loop over the lanes */
    if (bias_texels && texel && b && cg_whole_texels(c, b->elements, false))
        cg_def(c, d, "BIAS_TEXEL 1");
    uint32_t wt = cg_in_index(c, 1);
    if (packs && texel && !half && node->row_packed != VKC_NONE &&
        cg_whole_texels(c, c->g->tensors[node->row_packed].elements, false)) {
        wt = node->row_packed;
        cg_def(c, d, "WPACK 1");
    }
    cg_bind_out(c, d, cg_node(c)->outputs[0]);
    if (src)
        cg_bind_scratch(c, d, src->scratch, VKC_READ);
    else
        cg_bind_act(c, d, cg_in_index(c, 0), VKC_READ, "X_HALF");
    cg_bind(c, d, wt, VKC_READ);
    if (b) cg_bind(c, d, cg_in_index(c, 2), VKC_READ);
    if (xs != VKC_NONE) cg_bind(c, d, xs, VKC_READ);
    if (xt != VKC_NONE) cg_bind(c, d, xt, VKC_READ);
    cg_epilogue_bind(c, d);
    return texel;
}

/* conv1x1.comp's block, its vector loads and its grid over `s` (a 1x1
 * geometry) for a GEMM of `ch` input channels; `texel`: X is read as
 * texels (conv_operands). */
static void gemm1x1_grid(vkc_cg *c, vkc_kdispatch *d, const cg_spatial *s, int64_t ch, bool texel) {
    const vkc_tensor *x = cg_in(c, 0), *w = cg_in(c, 1);
    int64_t tm = c->v.bm, tp = c->v.bn, n = x->dims[0], m = w->dims[0], ohw = s->oh * s->ow;
    cg_def(c, d, "TM %" PRId64, tm);
    cg_def(c, d, "TP %" PRId64, tp);
    cg_def(c, d, "XV4 %d", s->sh == 1 && s->sw == 1 && ohw % 4 == 0 ? 1 : 0);
    /* stride 2 with even W and OW and whole texels per channel plane: pixel
     * pairs share a texel of X (conv1x1.comp's XP2; texel loads only, so
     * that storage-load layers of either parity share one pipeline) */
    bool xp2 = texel && s->sh == 2 && s->sw == 2 && s->w % 2 == 0 && s->ow % 2 == 0 &&
               (s->h * s->w) % 4 == 0;
    cg_def(c, d, "XP2 %d", xp2 ? 1 : 0);
    /* unaligned texel reads (XU) whose shift is known per channel: images
     * at whole texels (conv1x1.comp's XU_R) */
    int64_t hw = s->h * s->w;
    if (texel && s->sh == 1 && s->sw == 1 && ohw % 4 != 0 && (n == 1 || (ch * hw) % 4 == 0))
        cg_def(c, d, "XU_R %d", (int)(hw % 4));
    cg_def_y_vectors(c, d, ohw, tp);
    uint64_t gap = cg_out_gap(c);
    /* pairs (YP2): row i's first element is even exactly when i is, for
     * odd planes, even TM, and images an even number of elements apart */
    bool pairs =
        ohw % 2 == 1 && tm % 2 == 0 && (n == 1 || (m * ohw + (int64_t)gap) % 2 == 0) && cg_pairs(c);
    cg_def(c, d, "YP2 %d", pairs ? 1 : 0);
    cg_def(c, d, "WV4 %d", ch % 4 == 0 ? 1 : 0);
    cg_shape_div(c, d, "NPB", (ohw + tp - 1) / tp);
    cg_shape_div(c, d, "NMB", (m + tm - 1) / tm);
    uint64_t blocks = (uint64_t)n * (uint64_t)((m + tm - 1) / tm) * (uint64_t)((ohw + tp - 1) / tp);
    if (d) d->local_size = c->v.local;
    cg_grid(c, d, blocks);
}

/* A 1x1 convolution of group 1 without padding as a GEMM per image
 * (conv1x1.comp, variant gemm1x1): TM channels x TP pixels per invocation,
 * one invocation per block over (image, channel block, pixel block); X read
 * as aligned vec4s along the pixels where the stride is 1 and OH*OW % 4 ==
 * 0 (XV4), W as vec4s along C where C % 4 == 0 (WV4); X and W through
 * texel buffers with "texel" where both are whole texels within the limit. */
static void lower_conv1x1(vkc_cg *c, const cg_spatial *s, uint32_t xs) {
    const vkc_window_attrs *a = &cg_node(c)->attrs.window;
    const vkc_tensor *x = cg_in(c, 0), *w = cg_in(c, 1);
    int64_t tm = c->v.bm, tp = c->v.bn;
    if (a->group != 1 || s->kh != 1 || s->kw != 1 || s->pt || s->pl || s->pb || s->pr || tm < 1 ||
        tp < 4 || tp % 4 || vkc_codegen_chunking(c->t, w->elements).count != 1) {
        cg_fail(c, VKCNN_ERROR_INVALID_ARGUMENT,
                "the 1x1 GEMM variant needs a 1x1 kernel, group 1, no padding, W in one "
                "binding and a TMxTP block with TP a multiple of 4");
        return;
    }
    vkc_kdispatch *d = cg_dispatch(c, "conv1x1");
    bool texel = conv_operands(c, d, s, xs, NULL, true, false);
    gemm1x1_grid(c, d, s, x->dims[1], texel);
}

/* A convolution of group 1 as im2col then the 1x1 GEMM (variant im2col):
 * im2col.comp gathers every output pixel's patch into a scratch laid out
 * as a 1x1 convolution's input of C * KH * KW channels at the output's
 * size, and conv1x1.comp multiplies it by W (whose [M][C][KH][KW] layout is
 * already that GEMM's [M][C * KH * KW]). Two dispatches and a scratch of
 * N * C * KH * KW * OH * OW floats, for layers whose implicit GEMM has too
 * few pixels per weight (choose.c, im2col_rule). */
static void lower_conv_im2col(vkc_cg *c, const cg_spatial *s, uint32_t xs) {
    const vkc_window_attrs *a = &cg_node(c)->attrs.window;
    const vkc_tensor *x = cg_in(c, 0), *w = cg_in(c, 1);
    int64_t tm = c->v.bm, tp = c->v.bn;
    if (a->group != 1 || xs != VKC_NONE || tm < 1 || tp < 4 || tp % 4 ||
        vkc_codegen_chunking(c->t, w->elements).count != 1) {
        cg_fail(c, VKCNN_ERROR_INVALID_ARGUMENT,
                "the im2col variant needs group 1, no fused input scale, W in one binding "
                "and a TMxTP block with TP a multiple of 4");
        return;
    }
    int64_t k = x->dims[1] * s->kh * s->kw;
    uint64_t elements = (uint64_t)x->dims[0] * (uint64_t)k * (uint64_t)(s->oh * s->ow);
    uint32_t scratch = cg_scratch(c, elements);
    vkc_kdispatch *d = cg_dispatch(c, "im2col");
    cg_def(c, d, "N %" PRId64, x->dims[0]);
    cg_def(c, d, "C %" PRId64, x->dims[1]);
    cg_def_window(c, d, s);
    if (cg_whole_texels(c, x->elements, false)) cg_def(c, d, "TEXEL 1");
    /* blocks of 8 or 4 pixels of one patch row per invocation, one store
     * each (the scratch is fp32 and starts its binding) */
    int64_t p = s->oh * s->ow, vb = p % 8 == 0 && c->t->wide_loads ? 8 : p % 4 == 0 ? 4 : 1;
    cg_def(c, d, "YV8 %d", vb == 8 ? 1 : 0);
    cg_def(c, d, "YV4 %d", vb == 4 ? 1 : 0);
    cg_bind_scratch(c, d, scratch, VKC_WRITE);
    cg_bind_act(c, d, cg_in_index(c, 0), VKC_READ, "X_HALF");
    cg_grid(c, d, elements / (uint64_t)vb);
    cg_spatial g = *s; /* the GEMM: a 1x1 convolution over the output's pixels */
    g.h = s->oh;
    g.w = s->ow;
    g.kh = g.kw = g.sh = g.sw = g.dh = g.dw = 1;
    g.pt = g.pl = g.pb = g.pr = 0;
    gemm_source src = {scratch, k, elements};
    d = cg_dispatch(c, "conv1x1");
    bool texel = conv_operands(c, d, &g, VKC_NONE, &src, true, false);
    gemm1x1_grid(c, d, &g, k, texel);
}

/* How conv_row.comp and conv_dw.comp store a row segment of TX outputs
 * of a row `ow` long: as vec4s or blocks of 8 where rows are whole ones
 * (cg_def_y_vectors), else as pairs of floats at even elements where each
 * row's parity allows (YR2, row_pairs.glsl), for even and odd rows alike,
 * so that 14x14 and 7x7 layers share a pipeline. */
static void def_row_stores(vkc_cg *c, vkc_kdispatch *d, int64_t ow, int64_t tx) {
    cg_def_y_vectors(c, d, ow, tx);
    bool vectors = ow % 4 == 0 && tx % 4 == 0;
    cg_def(c, d, "YR2 %d", !vectors && tx % 2 == 0 && cg_pairs(c) ? 1 : 0);
}

/* A depthwise convolution (GROUP == C, variant dw): a TY x TX tile of
 * outputs of one image and channel per invocation (conv_dw.comp); X and W
 * through texel buffers with "texel" where both are whole texels within
 * the limit. */
static void lower_conv_dw(vkc_cg *c, const cg_spatial *s, uint32_t xs) {
    const vkc_window_attrs *a = &cg_node(c)->attrs.window;
    const vkc_tensor *x = cg_in(c, 0), *w = cg_in(c, 1);
    int64_t ty = c->v.bm, tx = c->v.bn, ch = x->dims[1], m = w->dims[0];
    if (a->group != ch || ch < 2 || ty < 1 || tx < 1 ||
        vkc_codegen_chunking(c->t, w->elements).count != 1) {
        cg_fail(c, VKCNN_ERROR_INVALID_ARGUMENT,
                "the depthwise variant needs one input channel per group, W in one binding "
                "and a TYxTX block");
        return;
    }
    vkc_kdispatch *d = cg_dispatch(c, "conv_dw");
    conv_operands(c, d, s, xs, NULL, false, false);
    cg_def(c, d, "TY %" PRId64, ty);
    cg_def(c, d, "TX %" PRId64, tx);
    def_row_stores(c, d, s->ow, tx);
    cg_shape_div(c, d, "NTY", (s->oh + ty - 1) / ty);
    cg_shape_div(c, d, "NTX", (s->ow + tx - 1) / tx);
    cg_shape_div(c, d, "MG", m / ch);
    uint64_t tiles = (uint64_t)x->dims[0] * (uint64_t)m * (uint64_t)((s->oh + ty - 1) / ty) *
                     (uint64_t)((s->ow + tx - 1) / tx);
    cg_grid(c, d, tiles);
}

/* A convolution of group 1 with few input channels (variant row): TM
 * channels x TX outputs of one output row per invocation (conv_row.comp);
 * X and W through texel buffers with "texel" where both are whole texels
 * within the limit. */
static void lower_conv_row(vkc_cg *c, const cg_spatial *s, uint32_t xs) {
    const vkc_window_attrs *a = &cg_node(c)->attrs.window;
    const vkc_tensor *x = cg_in(c, 0), *w = cg_in(c, 1);
    int64_t tm = c->v.bm, tx = c->v.bn, m = w->dims[0];
    if (a->group != 1 || xs != VKC_NONE || tm < 1 || tx < 1 ||
        vkc_codegen_chunking(c->t, w->elements).count != 1) {
        cg_fail(c, VKCNN_ERROR_INVALID_ARGUMENT,
                "the row variant needs group 1, no fused input scale, W in one binding and a "
                "TMxTX block");
        return;
    }
    vkc_kdispatch *d = cg_dispatch(c, "conv_row");
    conv_operands(c, d, s, xs, NULL, false, tm % 4 == 0);
    cg_def(c, d, "TM %" PRId64, tm);
    cg_def(c, d, "TX %" PRId64, tx);
    def_row_stores(c, d, s->ow, tx);
    int64_t nxb = (s->ow + tx - 1) / tx, nmb = (m + tm - 1) / tm;
    cg_shape_div(c, d, "NXB", nxb);
    cg_shape_div(c, d, "NMB", nmb);
    cg_shape_div(c, d, "ROWS", s->oh); /* OH again, with its divisor */
    cg_grid(c, d, (uint64_t)x->dims[0] * (uint64_t)nmb * (uint64_t)s->oh * (uint64_t)nxb);
}

/* Conv as its variant says (choose.c has the rule and its measurements):
 * conv_gemm.comp (implicit GEMM: a TM x TP register block per invocation,
 * W broadcast through the subgroup with "sg", row blocks with "rows", X and
 * W through texel buffers with "texel" where both are whole texels within
 * the texel limit), or conv.comp (direct, one invocation per output; the
 * only one for a W split across bindings). */
void vkc_lower_conv(vkc_cg *c) {
    const vkc_window_attrs *a = &cg_node(c)->attrs.window;
    const vkc_tensor *x = cg_in(c, 0), *w = cg_in(c, 1), *b = cg_in(c, 2), *y = cg_out(c);
    if (!spatial_ok(c, x)) return;
    cg_spatial s = cg_window_geometry(a, x, y);
    const vkc_node *node = cg_node(c);
    uint32_t xs = cg_in_scale(c);
    if (c->v.algo == VKC_ALGO_GEMM1X1) {
        lower_conv1x1(c, &s, xs);
        return;
    }
    if (node->in_shift != VKC_NONE) {
        cg_fail(c, VKCNN_ERROR_INVALID_ARGUMENT,
                "a fused input batch norm needs the 1x1 GEMM, which this layer cannot run as "
                "(W larger than one binding?)");
        return;
    }
    if (c->v.algo == VKC_ALGO_DEPTHWISE) {
        lower_conv_dw(c, &s, xs);
        return;
    }
    if (c->v.algo == VKC_ALGO_ROW) {
        lower_conv_row(c, &s, xs);
        return;
    }
    if (c->v.algo == VKC_ALGO_IM2COL) {
        lower_conv_im2col(c, &s, xs);
        return;
    }
    if (c->v.algo == VKC_ALGO_COOPMAT) {
        vkc_lower_coopmat(c); /* lower_coopmat.c */
        return;
    }
    bool gemm = c->v.algo == VKC_ALGO_IGEMM;
    if (!gemm && c->v.algo != VKC_ALGO_DIRECT) {
        cg_fail(c, VKCNN_ERROR_INVALID_ARGUMENT, "has no direct or implicit-GEMM variant");
        return;
    }
    if (gemm && vkc_codegen_chunking(c->t, w->elements).count != 1) {
        cg_fail(c, VKCNN_ERROR_INVALID_ARGUMENT,
                "implicit GEMM needs W in one binding; it is split (run it direct)");
        return;
    }
    /* split-K (variant kS): partial sums of S channel slices into scratch,
     * then splitk_sum.comp adds them with the bias and the epilogue */
    int64_t split = gemm && c->v.split > 1 ? c->v.split : 1;
    if (split > 1 && (c->v.form == VKC_FORM_ROWS || split > x->dims[1] / a->group)) {
        cg_fail(c, VKCNN_ERROR_INVALID_ARGUMENT,
                "split-K needs the column form and a channel per slice");
        return;
    }
    uint64_t spatial = y->elements / (uint64_t)(y->dims[0] * y->dims[1]);
    uint32_t partials = split > 1 ? cg_scratch(c, (uint64_t)split * y->elements) : VKC_NONE;
    vkc_kdispatch *d = cg_dispatch(c, gemm ? "conv_gemm" : "conv");
    cg_def(c, d, "N %" PRId64, x->dims[0]);
    cg_def(c, d, "C %" PRId64, x->dims[1]);
    cg_def(c, d, "M %" PRId64, w->dims[0]);
    cg_def(c, d, "GROUP %" PRId64, a->group);
    cg_def(c, d, "HAS_BIAS %d", b && split == 1 ? 1 : 0);
    /* a fused input scale (squeeze-and-excitation): X's flat index / HW is
     * its image-and-channel index */
    if (xs != VKC_NONE)
        cg_def(c, d, "XSCALE %d", node->in_scale_kind == VKC_OPERAND_IMAGE_CHANNEL ? 2 : 1);
    if (split == 1) cg_epilogue_defines(c, d, spatial);
    cg_def_window(c, d, &s);
    if (split > 1)
        cg_bind_scratch(c, d, partials, VKC_WRITE);
    else if (gemm) /* conv_gemm.comp stores through Y_AT; conv.comp does not */
        cg_bind_out(c, d, cg_node(c)->outputs[0]);
    else
        cg_bind_act(c, d, cg_node(c)->outputs[0], VKC_WRITE, "Y_HALF");
    cg_bind_act(c, d, cg_in_index(c, 0), VKC_READ, "X_HALF");
    if (gemm) {
        cg_bind(c, d, cg_in_index(c, 1), VKC_READ);
        if (cg_half(c, cg_in_index(c, 1))) cg_def(c, d, "WT_HALF 1");
    } else
        cg_bind_split(c, d, cg_in_index(c, 1));
    if (b && split == 1) cg_bind(c, d, cg_in_index(c, 2), VKC_READ);
    if (xs != VKC_NONE) cg_bind(c, d, xs, VKC_READ);
    if (split == 1) cg_epilogue_bind(c, d);
    if (!gemm) {
        cg_grid(c, d, y->elements);
        return;
    }
    int64_t mg = w->dims[0] / a->group, p = x->dims[0] * s.oh * s.ow;
    int64_t tm = c->v.bm, tp = c->v.bn;
    /* the broadcast needs subgroups of exactly SG invocations with ballot
     * ops, dividing the workgroup (choose.c offers "sg" only then) */
    uint32_t sg = c->v.reduce == VKC_REDUCE_SUBGROUP ? c->t->subgroup_fixed : 0;
    /* row blocks reuse X columns across kx; they need SG (see the shader) */
    bool rows = c->v.form == VKC_FORM_ROWS;
    int64_t local = c->t->local_size;
    if (tm < 1 || tp < 1 || (rows && !sg) ||
        (sg && (!(c->t->subgroup_ops & VKCNN_SUBGROUP_BALLOT) || local % sg))) {
        cg_fail(c, VKCNN_ERROR_INVALID_ARGUMENT, "implicit GEMM variant not possible here");
        return;
    }
    /* The grid, computed here once and passed to the shader: NPB blocks of
     * pixels (LOCAL_SIZE * TP pixels, or LOCAL_SIZE row blocks of TP) times
     * NMB blocks of TM channels per group */
    int64_t owb = (s.ow + tp - 1) / tp, q = x->dims[0] * s.oh * owb;
    uint64_t npb = rows ? (uint64_t)((q + local - 1) / local)
                        : (uint64_t)((p + local * tp - 1) / (local * tp));
    uint64_t nmb = (uint64_t)((mg + tm - 1) / tm);
    uint64_t groups = (uint64_t)a->group * nmb * npb;
    cg_def(c, d, "TM %" PRId64, tm);
    cg_def(c, d, "TP %" PRId64, tp);
    cg_def(c, d, "SG %" PRIu32, sg);
    cg_def(c, d, "ROWS %d", rows ? 1 : 0);
    cg_def(c, d, "NPB %" PRIu64, npb);
    cg_def(c, d, "NMB %" PRIu64, nmb);
    cg_def(c, d, "GROUPS %" PRIu64 "u", groups * (uint64_t)split);
    if (split > 1) {
        cg_def(c, d, "SPLITK %" PRId64, split);
        cg_def(c, d, "SPLIT_GROUPS %" PRIu64 "u", groups);
    }
    if (rows) {
        cg_def(c, d, "OWB %" PRId64, owb);
        cg_def(c, d, "Q %" PRId64, q);
    }
    /* X and W through texel buffers when both are whole texels */
    bool half = cg_half(c, cg_in_index(c, 1));
    if (conv_texels(c, x, w, half)) cg_def(c, d, "TEXEL 1");
    cg_grid(c, d, groups * (uint64_t)split * (uint64_t)local);
    if (split == 1) return;
    d = cg_dispatch(c, "splitk_sum");
    cg_def(c, d, "M %" PRId64, w->dims[0]);
    cg_def(c, d, "OHW %" PRIu64, spatial);
    cg_def(c, d, "SPLITK %" PRId64, split);
    cg_def(c, d, "HAS_BIAS %d", b ? 1 : 0);
    cg_epilogue_defines(c, d, spatial);
    cg_bind_act(c, d, cg_node(c)->outputs[0], VKC_WRITE, "Y_HALF");
    cg_bind_scratch(c, d, partials, VKC_READ);
    if (b) cg_bind(c, d, cg_in_index(c, 2), VKC_READ);
    cg_epilogue_bind(c, d);
    cg_grid(c, d, y->elements);
}

void vkc_lower_pool(vkc_cg *c) {
    const vkc_node *n = cg_node(c);
    const vkc_tensor *x = cg_in(c, 0), *y = cg_out(c);
    bool volumetric = x->rank == 5 && (n->op == VKC_OP_MAX_POOL || n->op == VKC_OP_AVERAGE_POOL);
    if (!volumetric && !spatial_ok(c, x)) return;
    vkc_window_attrs global = {0};
    const vkc_window_attrs *a = &n->attrs.window;
    bool is_global = n->op == VKC_OP_GLOBAL_AVERAGE_POOL || n->op == VKC_OP_GLOBAL_MAX_POOL;
    if (is_global) { /* a window as large as the input */
        for (uint32_t i = 0; i + 2 < x->rank; i++) {
            global.kernel[i] = x->dims[2 + i];
            global.strides[i] = global.dilations[i] = 1;
        }
        a = &global;
    }
    cg_spatial s = cg_window_geometry(a, x, y);
    vkc_kdispatch *d = cg_dispatch(c, "pool");
    bool texel = cg_whole_texels(c, x->elements, false);
    if (texel) cg_def(c, d, "TEXEL 1");
    cg_def(c, d, "POOL_MAX %d", n->op == VKC_OP_MAX_POOL || n->op == VKC_OP_GLOBAL_MAX_POOL);
    cg_def(c, d, "COUNT_INCLUDE_PAD %d", a->count_include_pad ? 1 : 0);
    cg_def_window(c, d, &s);
    /* Row blocks (pool.comp's TX) on CPU drivers, for 2-D pools that are
     * not global: 8 outputs of a row per invocation (4 for rows of at most
     * 5), each window row's input span read once for the block. Not
     * measured on a GPU, whose lanes would then read 8 * SW columns apart. */
    int64_t tx = 0;
    if (c->t->caps.cpu && !is_global && !volumetric && x->rank == 4) tx = s.ow > 5 ? 8 : 4;
    /* the row's work is unrolled: windows of at most 16 columns and spans
     * of at most 64 (a 60x80 window of dilation 10 took LLVM minutes) */
    if (tx && (s.kw > 16 || (tx - 1) * s.sw + (s.kw - 1) * s.dw + 1 > 64)) tx = 0;
    cg_def(c, d, "TX %" PRId64, tx);
    if (tx) cg_def_y_vectors(c, d, s.ow, tx);
    if (tx && cg_y2(c, s.ow, tx)) cg_def(c, d, "YV2 1");
    /* odd rows: pairs where each row's parity allows (row_pairs.glsl) */
    if (tx && s.ow % 2 == 1 && tx % 2 == 0 && cg_pairs(c)) cg_def(c, d, "YR2 1");
    /* global pools over whole texels where X is texel-read (2-D and 1-D) */
    if (is_global && x->rank <= 4 && texel) cg_def(c, d, "GLOBAL_TEXELS 1");
    /* The channel count and the grid are push constants, so pools at one
     * resolution share a pipeline (GoogLeNet's branch pools of a stage,
     * EfficientNet-B0's squeeze-and-excitation pools: 11 -> 5); the window
     * geometry stays literal: with run-time sizes and a global pool's
     * window as loop bounds the pools ran 1.3-2x slower on lavapipe. */
    if (d) d->push_shapes = true;
    cg_shape(c, d, "NC", x->dims[0] * x->dims[1]);
    cg_shape_div(c, d, "C", x->dims[1]);
    cg_epilogue_defines(c, d, (uint64_t)(s.od * s.oh * s.ow));
    cg_bind_out(c, d, n->outputs[0]);
    cg_bind_act(c, d, cg_in_index(c, 0), VKC_READ, "X_HALF");
    cg_epilogue_bind(c, d);
    cg_grid(c, d,
            tx ? (uint64_t)(x->dims[0] * x->dims[1] * s.oh) * (uint64_t)((s.ow + tx - 1) / tx)
               : y->elements);
}

void vkc_lower_lrn(vkc_cg *c) {
    const vkc_lrn_attrs *a = &cg_node(c)->attrs.lrn;
    const vkc_tensor *x = cg_in(c, 0);
    char f[48];
    int64_t sp = 1;
    for (uint32_t i = 2; i < x->rank; i++)
        sp *= x->dims[i];
    vkc_kdispatch *d = cg_dispatch(c, "lrn");
    cg_def(c, d, "N %" PRId64, x->dims[0]);
    cg_def(c, d, "C %" PRId64, x->dims[1]);
    cg_def(c, d, "SP %" PRId64, sp);
    cg_def(c, d, "SIZE %" PRId64, a->size);
    cg_def(c, d, "ALPHA %s", cg_float(f, a->alpha));
    cg_def(c, d, "BETA %s", cg_float(f, a->beta));
    cg_def(c, d, "BIAS %s", cg_float(f, a->bias));
    cg_bind_act(c, d, cg_node(c)->outputs[0], VKC_WRITE, "Y_HALF");
    cg_bind_act(c, d, cg_in_index(c, 0), VKC_READ, "X_HALF");
    cg_grid(c, d, x->elements);
}
