/* Lowering of window ops to the direct kernels: Conv -> conv.comp,
 * MaxPool / AveragePool / global pools -> pool.comp, LRN -> lrn.comp.
 * One or two spatial dims; a 1-D op runs as 2-D with H = KH = 1. */
#include <inttypes.h>

#include "codegen/codegen_internal.h"
#include "vk/sequence.h"

/* Spatial geometry as (H, W): 1-D puts its axis in W. */
typedef struct spatial {
    int64_t h, w, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
} spatial;

static spatial geometry(const vkc_window_attrs *a, const vkc_tensor *x, const vkc_tensor *y) {
    spatial s = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0};
    uint32_t o = x->rank == 4 ? 1 : 0; /* index of W's attributes */
    if (o) {
        s.h = x->dims[2];
        s.oh = y->dims[2];
        s.kh = a->kernel[0];
        s.sh = a->strides[0];
        s.dh = a->dilations[0];
        s.pt = a->pads[0];
        s.pb = a->pads[VKC_MAX_SPATIAL];
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
}

static bool spatial_ok(vkc_cg *c, const vkc_tensor *x) {
    if (x->rank == 3 || x->rank == 4) return true;
    cg_fail(c, VKCNN_ERROR_UNSUPPORTED,
            "input '%s' has rank %" PRIu32 ": only 1-D and 2-D spatial layers have kernels",
            x->name, x->rank);
    return false;
}

void vkc_lower_conv(vkc_cg *c) {
    const vkc_window_attrs *a = &cg_node(c)->attrs.window;
    const vkc_tensor *x = cg_in(c, 0), *w = cg_in(c, 1), *b = cg_in(c, 2), *y = cg_out(c);
    if (!spatial_ok(c, x)) return;
    spatial s = geometry(a, x, y);
    vkc_kdispatch *d = cg_dispatch(c, "conv");
    cg_def(c, d, "N %" PRId64, x->dims[0]);
    cg_def(c, d, "C %" PRId64, x->dims[1]);
    cg_def(c, d, "M %" PRId64, w->dims[0]);
    cg_def(c, d, "GROUP %" PRId64, a->group);
    cg_def(c, d, "HAS_BIAS %d", b ? 1 : 0);
    cg_epilogue_defines(c, d);
    def_geometry(c, d, &s);
    cg_bind(c, d, cg_node(c)->outputs[0], VKC_WRITE);
    cg_bind(c, d, cg_in_index(c, 0), VKC_READ);
    cg_bind_split(c, d, cg_in_index(c, 1));
    if (b) cg_bind(c, d, cg_in_index(c, 2), VKC_READ);
    cg_epilogue_bind(c, d);
    cg_grid(c, d, y->elements);
}

void vkc_lower_pool(vkc_cg *c) {
    const vkc_node *n = cg_node(c);
    const vkc_tensor *x = cg_in(c, 0), *y = cg_out(c);
    if (!spatial_ok(c, x)) return;
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
    cg_def(c, d, "NC %" PRId64, x->dims[0] * x->dims[1]);
    cg_def(c, d, "POOL_MAX %d", n->op == VKC_OP_MAX_POOL || n->op == VKC_OP_GLOBAL_MAX_POOL);
    cg_def(c, d, "COUNT_INCLUDE_PAD %d", a->count_include_pad ? 1 : 0);
    def_geometry(c, d, &s);
    cg_bind(c, d, n->outputs[0], VKC_WRITE);
    cg_bind(c, d, cg_in_index(c, 0), VKC_READ);
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
