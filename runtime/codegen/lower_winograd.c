/* Winograd convolution F(T x T, 3x3), T = 4, 3 or 2, for the Convs whose
 * weights runtime/passes/winograd.c transformed (vkc_node.winograd, U of
 * [ALPHA^2][CS][MP], ALPHA = T + 2; T follows from U's shape; CS = KS^2 C,
 * KS x KS 3x3 parts of the kernel as vkc_winograd_parts says: 1 for 3x3, 4
 * for 5x5, S^2 phases at stride S). Three dispatches through two scratch
 * buffers:
 *   1. winograd_input.comp:  X -> V [ALPHA^2][CS][PP]   (padding as zeros;
 *      rows s * C + c from part s's window: shifted, or strided)
 *   2. winograd_gemm.comp:   Mt[a] = U[a]^T V[a], [ALPHA^2][MP][PP]
 *   3. winograd_output.comp: Mt -> Y (NCHW), + bias, the fused post-ops,
 *      fused MaxPool (vkc_node.pool: Y is then the pool's output)
 * P = batch x tiles (ceil(OH/T) x ceil(OW/T) per image), PP = P rounded up
 * to the GEMM's TP, MP = M rounded up to VKC_WINOGRAD_MPAD (a multiple of
 * TM).
 *
 * The rule, applied once by the passes (vkc_pass_winograd_weights, which
 * sets the node's algo): a Conv runs this way when Winograd is on for the
 * model, vkc_winograd_tile picks it and V and Mt each fit one binding
 * (vkc_codegen_winograd_fits); the lowering then follows the node's algo.
 *
 * The GEMM's register block TM x TP (the variant's). On CPU drivers
 * (target wide_loads: 8-float u64vec4 loads, per-lane emulated loads the
 * bound) the larger the block the faster, spills or not; measured on
 * lavapipe (2 shared cores, 1 image, GEMM dispatch alone, ms):
 *   256->256 at 28x28: 16x8 100, 16x16 85-110, 16x32 66-88, 32x32 50-53,
 *                      64x32 43, 32x64 44, 64x16 60; vec4 loads 16x8 175
 *   64->64 at 56x56:   16x16 18, 32x32 12-16, 64x32 10, 32x64 11
 *   512->512 at 14x14 (16 tiles): 64x16 60, 32x16 69, 64x8 90, 64x32 87
 *   128->128 at 112x112: 64x32 147, 64x64 157
 * Large blocks cost pipeline-creation time instead (LLVM compiles 2,048
 * unrolled FMAs). With U and V read through texel buffers (target
 * texel_loads) loads cost ~10x less and the block's spills dominate
 * instead: VGG-16's 13 GEMMs together, 3 runs each (noisy host), 64x32
 * 502-656 ms, 32x16 390-473, 16x32 366-527, 64x16 358-470, 16x16 393-530;
 * TM = 16 then (TP by the rule below), the fastest to compile of those.
 * TP re-measured per layer (2 runs each, ms; VGG-16, `bench --per-layer`):
 * at 28x28 (P = 49 tiles) 16x32 was the slowest, 256->512 19.6-23.0 and
 * 512->512 39.3-40.4, against 16x24 15.9-16.2 and 30.8-33.6, 16x8 15.9-16.7
 * and 30.8-34.9, 16x16 17.3-17.4 and 33.8-38.0, although 16x32 loads the
 * fewest operands there; from 56x56 up (P >= 196) 16x32, 16x24 and 16x16
 * are within the noise; at 14x14 (P = 16) 16x16 9.2, every other 11-18.
 * So the rule keeps the load count but takes TP = 32 only where P spans at
 * least four blocks of it. Those figures are from a host with 256-bit
 * vectors; at 512 bits (the next host: 16 lanes, 32 registers) TM = 32
 * joined the rule where it divides MP and the block stays within 512
 * accumulators, which makes 32 x 16 the usual block. Against the old
 * rule's 16 x 32, 16 x 24 and 16 x 16 (3 interleaved rounds, `bench
 * --per-layer`): VGG-16's Winograd GEMMs 273, 268, 365 ms against 339,
 * 322, 386 (its GPU medians 463, 461, 557 against 562, 557, 607);
 * ResNet-18's stages 1-3 15-25% faster in three rounds of four. 32 x 32
 * and 64 x 16 were 1.2-3x slower at every ResNet-18 stage.
 * Tried and dropped: a subgroup sharing one V
 * block (each lane one texel of it, subgroupBroadcast to all, lanes over m
 * blocks: 5 gathers per c per lane instead of 10): VGG-16's GEMMs 320-360
 * ms against 223-260 (3 runs each, interleaved).
 * Other devices get 16 x 8 with vec4 loads (registers are what a GPU
 * lacks). The transforms, on CPU drivers, move 8 tiles per
 * invocation with one u64vec4 store (input) or load (output) per a.
 * The rule is choose.c's (wino_rule_block); the block comes with the
 * node's variant (TM 8, 16, 32 or 64 dividing MP, TP a multiple of 8 up to
 * 64), which VKCNN_KERNEL_OVERRIDE="conv=wino4/TMxTP" can force. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "codegen/choose.h"
#include "codegen/codegen_internal.h"
#include "vk/sequence.h"

typedef struct wino {
    int64_t n, c, h, w, m, oh, ow, pt, pl, pool, ph, pw;
    int64_t ks, step, unit, cs; /* vkc_winograd_form; GEMM rows KS^2 C */
    int64_t t, a2, th, tw, p, pp, mp, tm, tp;
} wino;

/* The GEMM block TM x TP: the variant's (choose.c has the rule, after the
 * measurements in the file comment). */
static bool block(const vkc_cg *c, int64_t mp, int64_t *tm, int64_t *tp) {
    *tm = c->v.bm;
    *tp = c->v.bn;
    /* the cooperative-matrix GEMM (cm-wino): any tile it takes, bounds
     * checked in the kernel; PP stays a multiple of 8 (the transforms' wide
     * loads) */
    if (c->v.algo == VKC_ALGO_COOPMAT)
        return c->v.tile && vkc_coopmat_block_ok(c->t, *tm, *tp) && *tp % 8 == 0;
    return c->v.algo == VKC_ALGO_WINOGRAD && (*tm == 8 || *tm == 16 || *tm == 32 || *tm == 64) &&
           mp % *tm == 0 && *tp >= 8 && *tp <= 64 && *tp % 8 == 0;
}

/* The geometry of the node's Winograd form; false when it has none. */
static bool geometry(const vkc_cg *c, wino *g) {
    if (c->winograd == VKC_NONE) return false;
    const vkc_node *node = cg_node(c);
    const vkc_tensor *x = cg_in(c, 0), *w = cg_in(c, 1), *y = cg_out(c);
    const vkc_tensor *u = &c->g->tensors[c->winograd];
    const vkc_window_attrs *a = &node->attrs.window;
    if (!x || !w || x->rank != 4 || w->rank != 4 || y->rank != 4 || u->rank != 3) return false;
    g->n = x->dims[0];
    g->c = x->dims[1];
    g->h = x->dims[2];
    g->w = x->dims[3];
    g->m = w->dims[0];
    /* with a fused pool, y is the pool's output; the conv's is conv_dims */
    const int64_t *cd = node->pool ? node->conv_dims : y->dims;
    g->oh = cd[2];
    g->ow = cd[3];
    g->pool = node->pool;
    g->ph = y->dims[2];
    g->pw = y->dims[3];
    if (cd[0] != g->n || cd[1] != g->m) return false;
    g->pt = a->pads[0];
    g->pl = a->pads[1];
    g->a2 = u->dims[0];
    g->t = vkc_winograd_tile_of(g->a2);
    g->mp = u->dims[2];
    vkc_winograd_form f;
    if (w->dims[3] != w->dims[2] || a->strides[0] != a->strides[1] || a->dilations[0] != 1 ||
        a->dilations[1] != 1 || !vkc_winograd_parts(w->dims[2], a->strides[0], &f))
        return false;
    g->ks = f.per_axis;
    g->step = f.step;
    g->unit = f.unit;
    g->cs = g->ks * g->ks * g->c;
    if (!g->t || u->dims[1] != g->cs || g->mp < g->m || g->mp % 16) return false;
    if (g->pool && (g->t % g->pool || g->ph != (g->oh - g->pool) / g->pool + 1 ||
                    g->pw != (g->ow - g->pool) / g->pool + 1 || y->dims[1] != g->m))
        return false;
    g->th = (g->oh + g->t - 1) / g->t;
    g->tw = (g->ow + g->t - 1) / g->t;
    g->p = g->n * g->th * g->tw;
    if (!block(c, g->mp, &g->tm, &g->tp)) return false;
    g->pp = (g->p + g->tp - 1) / g->tp * g->tp;
    /* V and Mt: one binding each, indices below 2^31 */
    uint64_t lim = c->t->max_binding_bytes / 4;
    if (lim > ((uint64_t)1 << 31) - 1) lim = ((uint64_t)1 << 31) - 1;
    uint64_t v = (uint64_t)g->a2 * (uint64_t)g->cs * (uint64_t)g->pp;
    uint64_t mt = (uint64_t)g->a2 * (uint64_t)g->mp * (uint64_t)g->pp;
    uint64_t xy = (uint64_t)g->n * (uint64_t)(g->c > g->m ? g->c : g->m) *
                  (uint64_t)(g->h * g->w > g->oh * g->ow ? g->h * g->w : g->oh * g->ow);
    return v <= lim && mt <= lim && xy <= lim && u->elements <= lim;
}

bool vkc_winograd_applies(const vkc_cg *c) {
    wino g;
    return cg_node(c)->op == VKC_OP_CONV && geometry(c, &g);
}

/* What the three kernels share. They are shape-generic: the sizes and tile
 * counts are push constants (cg_shape), so the layers of a network that
 * differ only in them share pipelines (GoogLeNet's 12 Winograd layers: 36
 * pipelines before); T, the blocks and the load paths stay literals. */
static vkc_kdispatch *wino_dispatch(vkc_cg *c, const char *name, const wino *g) {
    vkc_kdispatch *d = cg_dispatch(c, name);
    if (!d) return NULL;
    d->push_shapes = true;
    cg_def(c, d, "T %" PRId64, g->t);
    cg_shape(c, d, "M", g->m);
    cg_shape(c, d, "MP", g->mp);
    cg_shape_div(c, d, "P", g->p);
    cg_shape_div(c, d, "PP", g->pp);
    cg_shape(c, d, "TH", g->th);
    cg_shape_div(c, d, "TW", g->tw);
    cg_shape_div(c, d, "TOTAL_TILES", g->th * g->tw);
    if (c->t->wide_loads) cg_shape_div(c, d, "PV", g->pp / 8); /* VEC8: 8 tiles a step */
    return d;
}

void vkc_lower_winograd(vkc_cg *c) {
    wino g;
    if (!geometry(c, &g)) {
        cg_fail(c, VKCNN_ERROR_INVALID_ARGUMENT,
                "was chosen to run as Winograd but its form does not fit the device");
        return;
    }
    const vkc_node *node = cg_node(c);
    uint32_t v = cg_scratch(c, (uint64_t)(g.a2 * g.cs * g.pp));
    uint32_t mt = cg_scratch(c, (uint64_t)(g.a2 * g.mp * g.pp));

    vkc_kdispatch *d = wino_dispatch(c, "winograd_input", &g);
    cg_shape(c, d, "N", g.n);
    cg_shape_div(c, d, "C", g.c);
    cg_def(c, d, "KS %" PRId64, g.ks);
    cg_def(c, d, "STEP %" PRId64, g.step);
    cg_def(c, d, "UNIT %" PRId64, g.unit);
    cg_shape(c, d, "H", g.h);
    cg_shape(c, d, "W", g.w);
    cg_def(c, d, "W4 %d", g.w % 4 == 0 ? 1 : 0); /* rows start on a texel */
    cg_shape(c, d, "PT", g.pt);
    cg_shape(c, d, "PL", g.pl);
    cg_def(c, d, "VEC8 %d", c->t->wide_loads ? 1 : 0);
    const vkc_tensor *x = cg_in(c, 0);
    if (cg_whole_texels(c, x->elements, false)) cg_def(c, d, "TEXEL 1");
    cg_bind_scratch(c, d, v, VKC_WRITE);
    cg_bind_act(c, d, cg_in_index(c, 0), VKC_READ, "X_HALF");
    cg_grid(c, d, (uint64_t)(g.cs * (c->t->wide_loads ? g.pp / 8 : g.pp)));

    if (c->v.algo == VKC_ALGO_COOPMAT) {
        vkc_lower_coopmat_winograd(c, g.t, g.cs, g.mp, g.pp, mt, v);
    } else {
        d = wino_dispatch(c, "winograd_gemm", &g);
        cg_shape(c, d, "C", g.cs); /* the GEMM's rows: every part's channels */
        cg_def(c, d, "TM %" PRId64, g.tm);
        cg_def(c, d, "TP %" PRId64, g.tp);
        cg_shape_div(c, d, "NMB", g.mp / g.tm);
        cg_shape_div(c, d, "NPB", g.pp / g.tp);
        cg_def(c, d, "VEC8 %d", c->t->wide_loads ? 1 : 0);
        /* U and V through texel buffers (their sizes are multiples of 16 floats) */
        uint64_t v_elems = (uint64_t)(g.a2 * g.cs * g.pp),
                 u_elems = c->g->tensors[c->winograd].elements;
        if (!cg_half(c, c->winograd) && cg_texels_fit(c, v_elems, false) &&
            cg_texels_fit(c, u_elems, false))
            cg_def(c, d, "TEXEL 1");
        cg_bind_scratch(c, d, mt, VKC_WRITE);
        cg_bind(c, d, c->winograd, VKC_READ);
        cg_bind_scratch(c, d, v, VKC_READ);
        cg_grid(c, d, (uint64_t)(g.a2 * (g.mp / g.tm) * (g.pp / g.tp)));
    }

    const vkc_tensor *b = cg_in(c, 2);
    d = wino_dispatch(c, "winograd_output", &g);
    cg_shape(c, d, "OH", g.oh);
    cg_shape(c, d, "OW", g.ow);
    cg_def(c, d, "HAS_BIAS %d", b ? 1 : 0);
    /* rows of 4 as one vec4 store where they are whole and aligned; two
     * tiles' rows as one block of 8 (YV8: the wide path's 8 tiles per
     * invocation) where OW is a multiple of 8 */
    bool store4 = !g.pool && g.t == 4 && g.ow % 4 == 0 && c->t->offset_alignment % 16 == 0;
    if (store4) cg_def(c, d, "STORE4 1");
    if (store4 && cg_y8(c, g.ow, 2 * g.t)) cg_def(c, d, "YV8 1");
    if (g.pool) {
        cg_def(c, d, "POOL %" PRId64, g.pool);
        cg_shape(c, d, "PH", g.ph);
        cg_shape(c, d, "PW", g.pw);
    }
    cg_def(c, d, "VEC8 %d", c->t->wide_loads ? 1 : 0);
    if (cg_texels_fit(c, (uint64_t)(g.a2 * g.mp * g.pp), false)) cg_def(c, d, "TEXEL 1");
    cg_epilogue_defines(c, d, (uint64_t)(g.oh * g.ow));
    cg_bind_out(c, d, node->outputs[0]);
    cg_bind_scratch(c, d, mt, VKC_READ);
    if (b) cg_bind(c, d, cg_in_index(c, 2), VKC_READ);
    cg_epilogue_bind(c, d);
    cg_grid(c, d, (uint64_t)(g.m * (c->t->wide_loads ? g.pp / 8 : g.p)));
}
