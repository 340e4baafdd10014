/* Lowering of window ops: Conv -> conv_gemm.comp or conv.comp (rule below),
 * MaxPool / AveragePool / global pools -> pool.comp, LRN -> lrn.comp.
 * One or two spatial dims; a 1-D op runs as 2-D with H = KH = 1; MaxPool
 * and AveragePool also take three (pool.comp's depth axis). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "codegen/codegen_internal.h"
#include "vk/sequence.h"

/* Spatial geometry as (D, H, W): 1-D puts its axis in W, 2-D in H and W;
 * 3-D (pools only) uses all three. */
typedef struct spatial {
    int64_t h, w, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
    int64_t d, od, kd, sd, dd, pf, pk; /* depth: 3-D pools */
} spatial;

static spatial geometry(const vkc_window_attrs *a, const vkc_tensor *x, const vkc_tensor *y) {
    spatial s = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0};
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

static void def_geometry(vkc_cg *c, vkc_kdispatch *d, const spatial *s) {
    cg_def(c, d, "H %" PRId64, s->h);
    cg_def(c, d, "W %" PRId64, s->w);
    cg_def(c, d, "OH %" PRId64, s->oh);
    cg_def(c, d, "OW %" PRId64, s->ow);
    cg_def(c, d, "KH %" PRId64, s->kh);
    cg_def(c, d, "KW %" PRId64, s->kw);
    cg_def(c, d, "SH %" PRId64, s->sh);
    cg_def(c, d, "SW %" PRId64, s->sw);
    cg_def(c, d, "DH %" PRId64, s->dh);
    cg_def(c, d, "DW %" PRId64, s->dw);
    cg_def(c, d, "PT %" PRId64, s->pt);
    cg_def(c, d, "PL %" PRId64, s->pl);
    cg_def(c, d, "PB %" PRId64, s->pb);
    cg_def(c, d, "PR %" PRId64, s->pr);
    if (s->d == 1 && s->od == 1 && s->kd == 1) return; /* 1-D and 2-D */
    cg_def(c, d, "D %" PRId64, s->d);
    cg_def(c, d, "OD %" PRId64, s->od);
    cg_def(c, d, "KD %" PRId64, s->kd);
    cg_def(c, d, "SD %" PRId64, s->sd);
    cg_def(c, d, "DD %" PRId64, s->dd);
    cg_def(c, d, "PF %" PRId64, s->pf);
    cg_def(c, d, "PK %" PRId64, s->pk);
}

static bool spatial_ok(vkc_cg *c, const vkc_tensor *x) {
    if (x->rank == 3 || x->rank == 4) return true;
    cg_fail(c, VKCNN_ERROR_UNSUPPORTED,
            "input '%s' has rank %" PRIu32 ": only 1-D and 2-D spatial layers have kernels",
            x->name, x->rank);
    return false;
}

/* Conv kernel rule. conv_gemm.comp (implicit GEMM, register blocked) runs
 * every conv whose W is one binding; conv.comp (direct, one invocation per
 * output) is the fallback for a W split across bindings, or when the target
 * forces it (vkc_codegen_target.conv_kernel).
 * conv_gemm.comp's block per invocation is TM channels x TP pixels, and its
 * W loads go through subgroupBroadcast (SG) when the device has ballot ops in
 * compute and a fixed subgroup size dividing the workgroup. Loads bound it on
 * lavapipe (each SIMD load is a loop over lanes), so blocks trade loads for
 * registers. Measured on lavapipe (VGG's 512->512 3x3 at 14x14, 1 image):
 * with SG, 16 x 2 (the rule's pick there) 1.2 s, 8 x 4 1.8 s, 16 x 4 2.0 s,
 * 32 x 8 2.5 s, 32 x 4 3.0 s (spills); without SG, 16 x 4 5.3 s, 8 x 2
 * 7.3 s, 8 x 1 15 s (conv.comp: 15 s). At 256->256 56x56, 16 x 4 = 16 x 8.
 * Staging W through shared memory in slices of 32-64 k gained nothing.
 * Row blocks (ROWS: an invocation's TP pixels adjacent in one output row, so
 * X columns are loaded once per (c, ky) for every kx) when SG, KW > 1 and a
 * block reads at most 32 columns: 256->256 56x56 2.3 -> 2.8 GFLOP/s.
 * With X and W read through texel buffers (target texel_loads, TEXEL:
 * whole texels, within maxTexelBufferElements) loads cost several times
 * less: VGG-16 without Winograd 11-14 s -> 1.3-2.0 s, its 3x3 layers at
 * 15-21 GFLOP/s, AlexNet's 5x5 65-99 -> 29-61 ms (noisy host). Blocks then
 * measured on VGG-16 without Winograd, whole model: 16x4 1.69-1.85 s,
 * 16x8 1.28-1.72, 8x8 1.49-1.72, 8x4 2.26, 32x4 3.0, 32x8 2.86, 16x2 3.4;
 * within the noise of each other but for 32 (spills) and 16x2, so the rule
 * below stands. VKCNN_CONV_TILE="TMxTP" overrides it for measurements.
 * - TM = 16, or the next power of two >= M/GROUP when that is smaller
 *   (depthwise: 1), so few computed rows are thrown away.
 * - TP = 4 pixels, fewer when the layer has too few pixels to give every
 *   invocation of a workgroup a full block. */
static void conv_tiles(const vkc_cg *c, int64_t mg, int64_t p, int64_t *tm, int64_t *tp) {
    *tm = 1;
    while (*tm < 16 && *tm < mg)
        *tm *= 2;
    int64_t local = c->t->local_size;
    *tp = p >= 4 * local ? 4 : p >= 2 * local ? 2 : 1;
    /* VKCNN_CONV_TILE="TMxTP" (powers of two, TM <= 32, TP <= 8) overrides,
     * for measurements */
    const char *e = getenv("VKCNN_CONV_TILE");
    long m, q;
    if (e && sscanf(e, "%ldx%ld", &m, &q) == 2 && m >= 1 && m <= 32 && !(m & (m - 1)) && q >= 1 &&
        q <= 8 && !(q & (q - 1))) {
        *tm = m;
        *tp = q;
    }
}

/* Subgroup size for conv_gemm.comp's broadcast of W, 0 when not usable. */
static uint32_t conv_subgroup(const vkc_codegen_target *t) {
    uint32_t sg = t->subgroup_fixed;
    if (t->conv_kernel == VKC_CONV_GEMM_PLAIN || !sg || !(t->subgroup_ops & VKCNN_SUBGROUP_BALLOT))
        return 0;
    return t->local_size % sg == 0 ? sg : 0;
}

void vkc_lower_conv(vkc_cg *c) {
    const vkc_window_attrs *a = &cg_node(c)->attrs.window;
    const vkc_tensor *x = cg_in(c, 0), *w = cg_in(c, 1), *b = cg_in(c, 2), *y = cg_out(c);
    if (!spatial_ok(c, x)) return;
    spatial s = geometry(a, x, y);
    bool gemm =
        c->t->conv_kernel != VKC_CONV_DIRECT && vkc_codegen_chunking(c->t, w->elements).count == 1;
    vkc_kdispatch *d = cg_dispatch(c, gemm ? "conv_gemm" : "conv");
    cg_def(c, d, "N %" PRId64, x->dims[0]);
    cg_def(c, d, "C %" PRId64, x->dims[1]);
    cg_def(c, d, "M %" PRId64, w->dims[0]);
    cg_def(c, d, "GROUP %" PRId64, a->group);
    cg_def(c, d, "HAS_BIAS %d", b ? 1 : 0);
    /* a fused input scale (squeeze-and-excitation): X's flat index / HW is
     * its image-and-channel index */
    const vkc_node *node = cg_node(c);
    uint32_t xs = node->in_scale != VKC_NONE && node->in_scale < node->input_count
                      ? node->inputs[node->in_scale]
                      : VKC_NONE;
    if (xs != VKC_NONE)
        cg_def(c, d, "XSCALE %d", node->in_scale_kind == VKC_OPERAND_IMAGE_CHANNEL ? 2 : 1);
    cg_epilogue_defines(c, d, y->elements / (uint64_t)(y->dims[0] * y->dims[1]));
    def_geometry(c, d, &s);
    cg_bind(c, d, cg_node(c)->outputs[0], VKC_WRITE);
    cg_bind(c, d, cg_in_index(c, 0), VKC_READ);
    if (gemm) {
        cg_bind(c, d, cg_in_index(c, 1), VKC_READ);
        if (cg_half(c, cg_in_index(c, 1))) cg_def(c, d, "WT_HALF 1");
    } else
        cg_bind_split(c, d, cg_in_index(c, 1));
    if (b) cg_bind(c, d, cg_in_index(c, 2), VKC_READ);
    if (xs != VKC_NONE) cg_bind(c, d, xs, VKC_READ);
    cg_epilogue_bind(c, d);
    if (!gemm) {
        cg_grid(c, d, y->elements);
        return;
    }
    int64_t mg = w->dims[0] / a->group, p = x->dims[0] * s.oh * s.ow, tm, tp;
    conv_tiles(c, mg, p, &tm, &tp);
    uint32_t sg = conv_subgroup(c->t);
    /* row blocks reuse X columns across kx; they need SG (see the shader) */
    int64_t xc = (tp - 1) * s.sw + (s.kw - 1) * s.dw + 1;
    bool rows = sg && s.kw > 1 && xc <= 32;
    int64_t local = c->t->local_size;
    uint64_t pblocks =
        rows ? (uint64_t)((x->dims[0] * s.oh * ((s.ow + tp - 1) / tp) + local - 1) / local)
             : (uint64_t)((p + local * tp - 1) / (local * tp));
    uint64_t groups = (uint64_t)a->group * (uint64_t)((mg + tm - 1) / tm) * pblocks;
    cg_def(c, d, "TM %" PRId64, tm);
    cg_def(c, d, "TP %" PRId64, tp);
    cg_def(c, d, "SG %" PRIu32, sg);
    cg_def(c, d, "ROWS %d", rows ? 1 : 0);
    /* X and W through texel buffers when both are whole texels */
    bool half = cg_half(c, cg_in_index(c, 1));
    if (x->elements % 4 == 0 && w->elements % (half ? 8 : 4) == 0 &&
        cg_texels_fit(c, x->elements, false) && cg_texels_fit(c, w->elements, half))
        cg_def(c, d, "TEXEL 1");
    cg_grid(c, d, groups * (uint64_t)local);
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
    spatial s = geometry(a, x, y);
    vkc_kdispatch *d = cg_dispatch(c, "pool");
    if (x->elements % 4 == 0 && cg_texels_fit(c, x->elements, false)) cg_def(c, d, "TEXEL 1");
    cg_def(c, d, "NC %" PRId64, x->dims[0] * x->dims[1]);
    cg_def(c, d, "C %" PRId64, x->dims[1]);
    cg_def(c, d, "POOL_MAX %d", n->op == VKC_OP_MAX_POOL || n->op == VKC_OP_GLOBAL_MAX_POOL);
    cg_def(c, d, "COUNT_INCLUDE_PAD %d", a->count_include_pad ? 1 : 0);
    def_geometry(c, d, &s);
    cg_epilogue_defines(c, d, (uint64_t)(s.od * s.oh * s.ow));
    cg_bind(c, d, n->outputs[0], VKC_WRITE);
    cg_bind(c, d, cg_in_index(c, 0), VKC_READ);
    cg_epilogue_bind(c, d);
    cg_grid(c, d, y->elements);
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
    cg_bind(c, d, cg_node(c)->outputs[0], VKC_WRITE);
    cg_bind(c, d, cg_in_index(c, 0), VKC_READ);
    cg_grid(c, d, x->elements);
}
