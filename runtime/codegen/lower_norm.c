/* Lowering of the normalizations over rows -> shaders/norm.comp:
 *   LayerNormalization    rows of X's dims [axis, rank), contiguous (its
 *                         Mean or InvStdDev: one value per row, STAT)
 *   InstanceNormalization one row per image and channel (the spatial dims)
 *   GroupNormalization    one row per image and group (C / G channels)
 *   LpNormalization       rows along `axis`, at the stride of the axes after it
 * Each row runs on a group of lanes (vkc_reduce_lanes: a subgroup per row
 * when there are many, up to a workgroup when few). A row that fits the
 * lanes' registers (at most NORM_CACHE elements each) is read once and
 * written by the same kernel. A longer one takes two dispatches: norm.comp
 * computes each row's statistics into scratch, then norm_apply.comp writes Y
 * with one invocation per element: the same traffic as one kernel's three
 * passes over the row, and the write spread over the whole device instead
 * of over the rows' lanes.
 * Measured on lavapipe (2 cores shared with other jobs: +-50%): ConvNeXt's
 * LayerNormalization of 3136 rows of 96, 75-90 ms with a workgroup per row,
 * 3-7 ms with a subgroup per row; InstanceNormalization of 64 rows of 12544
 * (3.2 MB), 110-150 ms in one kernel, 70-110 ms in two (a Relu over the
 * same tensor: 4-12 ms). */
#include <inttypes.h>

#include "codegen/codegen_internal.h"
#include "vk/sequence.h"

/* Elements per lane up to which a row stays in registers (norm.comp CACHE). */
#define NORM_CACHE 16

static uint64_t product(const int64_t *dims, uint32_t from, uint32_t to) {
    uint64_t p = 1;
    for (uint32_t i = from; i < to; i++)
        p *= (uint64_t)dims[i];
    return p;
}

/* Element j of row r reads a scale or bias at (r % mod) * row + j / div. */
typedef struct param_index {
    uint64_t mod, row, div;
} param_index;

static void param_defines(vkc_cg *c, vkc_kdispatch *d, const char *prefix, param_index p) {
    cg_def(c, d, "%s_MOD %" PRIu64 "u", prefix, p.mod);
    cg_def(c, d, "%s_ROW %" PRIu64 "u", prefix, p.row);
    cg_def(c, d, "%s_DIV %" PRIu64 "u", prefix, p.div ? p.div : 1);
}

/* The scale and bias defines of norm.comp and norm_apply.comp. */
static void params(vkc_cg *c, vkc_kdispatch *d, const vkc_tensor *scale, const vkc_tensor *bias,
                   param_index ps, param_index pb) {
    cg_def(c, d, "HAS_SCALE %d", scale ? 1 : 0);
    cg_def(c, d, "HAS_BIAS %d", bias ? 1 : 0);
    if (scale) param_defines(c, d, "SC", ps);
    if (bias) param_defines(c, d, "B", pb);
}

/* Binds scale and bias (own inputs 1 and 2), where present. */
static void bind_params(vkc_cg *c, vkc_kdispatch *d, const vkc_tensor *scale,
                        const vkc_tensor *bias) {
    if (scale) cg_bind(c, d, cg_in_index(c, 1), VKC_READ);
    if (bias) cg_bind(c, d, cg_in_index(c, 2), VKC_READ);
}

void vkc_lower_norm(vkc_cg *c) {
    const vkc_node *n = cg_node(c);
    const vkc_norm_attrs *a = &n->attrs.norm;
    const vkc_tensor *x = cg_in(c, 0);
    const vkc_tensor *scale = n->op == VKC_OP_LP_NORM ? NULL : cg_in(c, 1);
    const vkc_tensor *bias = n->op == VKC_OP_LP_NORM ? NULL : cg_in(c, 2);
    uint64_t rows, len, inner = 1;
    param_index ps = {1, 0, 1}, pb;
    uint64_t spatial = x->rank > 2 ? product(x->dims, 2, x->rank) : 1;
    uint64_t ch = x->rank > 1 ? (uint64_t)x->dims[1] : 1;
    switch (n->op) {
    case VKC_OP_LAYER_NORM:
        rows = product(x->dims, 0, (uint32_t)a->axis);
        len = product(x->dims, (uint32_t)a->axis, x->rank);
        ps = (param_index){1, 0, scale && scale->elements == 1 ? len : 1};
        pb = (param_index){1, 0, bias && bias->elements == 1 ? len : 1};
        break;
    case VKC_OP_INSTANCE_NORM:
        rows = (uint64_t)x->dims[0] * ch;
        len = spatial;
        ps = pb = (param_index){ch, 1, len};
        break;
    case VKC_OP_GROUP_NORM: {
        uint64_t g = (uint64_t)a->groups;
        rows = (uint64_t)x->dims[0] * g;
        len = ch / g * spatial;
        ps = pb = a->per_group ? (param_index){g, 1, len} : (param_index){g, ch / g, spatial};
        break;
    }
    default: /* LpNormalization */
        len = (uint64_t)x->dims[a->axis];
        inner = product(x->dims, (uint32_t)a->axis + 1, x->rank);
        rows = product(x->dims, 0, (uint32_t)a->axis) * inner;
        break;
    }
    if (n->op != VKC_OP_LAYER_NORM) pb = ps;
    uint32_t lanes = vkc_reduce_lanes(c, rows, len, inner == 1);
    bool cache = (len + lanes - 1) / lanes <= NORM_CACHE;
    /* LayerNormalization's Mean or InvStdDev: one value per row */
    uint32_t stat = n->op == VKC_OP_LAYER_NORM ? a->output : 0;
    uint32_t stats = cache || stat ? VKC_NONE : cg_scratch(c, 2 * rows);
    int mode = n->op == VKC_OP_LP_NORM ? 1 : 0;
    char f[48];
    /* one kernel, or the statistics and then norm_apply.comp */
    vkc_kdispatch *d = cg_dispatch(c, "norm");
    cg_def(c, d, "MODE %d", mode);
    cg_def(c, d, "ROWS %" PRIu64 "u", rows);
    cg_def(c, d, "LEN %" PRIu64 "u", len);
    cg_def(c, d, "INNER %" PRIu64 "u", inner);
    if (mode)
        cg_def(c, d, "P %" PRId64, a->p);
    else
        cg_def(c, d, "EPS %s", cg_float(f, a->epsilon));
    cg_def(c, d, "CACHE %d", cache ? 1 : 0);
    cg_def(c, d, "STATS %d", cache || stat ? 0 : 1);
    vkc_reduce_defines(c, d, lanes);
    if (stat) {
        cg_def(c, d, "STAT %" PRIu32, stat);
        cg_bind(c, d, n->outputs[0], VKC_WRITE);
        cg_bind(c, d, cg_in_index(c, 0), VKC_READ);
        cg_grid(c, d, rows * lanes);
        return;
    }
    if (cache) {
        params(c, d, scale, bias, ps, pb);
        cg_bind(c, d, n->outputs[0], VKC_WRITE);
        cg_bind(c, d, cg_in_index(c, 0), VKC_READ);
        bind_params(c, d, scale, bias);
        cg_grid(c, d, rows * lanes);
        return;
    }
    cg_bind_scratch(c, d, stats, VKC_WRITE);
    cg_bind(c, d, cg_in_index(c, 0), VKC_READ);
    cg_grid(c, d, rows * lanes);
    d = cg_dispatch(c, "norm_apply");
    cg_def(c, d, "MODE %d", mode);
    cg_def(c, d, "ROWS %" PRIu64 "u", rows);
    cg_def(c, d, "LEN %" PRIu64 "u", len);
    cg_def(c, d, "INNER %" PRIu64 "u", inner);
    params(c, d, scale, bias, ps, pb);
    cg_bind(c, d, n->outputs[0], VKC_WRITE);
    cg_bind(c, d, cg_in_index(c, 0), VKC_READ);
    cg_bind_scratch(c, d, stats, VKC_READ);
    bind_params(c, d, scale, bias);
    /* contiguous rows: whole workgroups per row (norm_apply.comp CONTIG) */
    uint64_t local = c->t->local_size;
    cg_def(c, d, "CONTIG %d", inner == 1 ? 1 : 0);
    cg_grid(c, d, inner == 1 ? rows * ((len + local - 1) / local) * local : rows * len);
}
