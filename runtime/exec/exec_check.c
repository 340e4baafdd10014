/* Per-node check mode: each node recomputed on the host by runtime/ref from
 * the device's values of its inputs, compared with the device's output. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/error.h"
#include "exec/exec_internal.h"
#include "passes/passes.h"
#include "ref/ref.h"

typedef struct mismatch {
    uint64_t index; /* worst element */
    double diff;    /* its |device - ref| (inf for a NaN mismatch) */
    float device, ref;
    uint64_t bad; /* elements beyond tolerance */
} mismatch;

static bool close_enough(float d, float r, double tolerance) {
    if (isnan(d) || isnan(r)) return isnan(d) && isnan(r);
    if (isinf(r) || isinf(d)) return d == r;
    return fabs((double)d - r) <= tolerance;
}

/* The tolerance scales with the output's largest magnitude, not each
 * element's: a sum's rounding error follows the size of its terms, so an
 * output that cancels to nearly zero cannot be held to a per-element
 * relative bound (a conv's near-zero outputs would fail it on any device). */
static void compare(const float *dev, const float *ref, uint64_t n, float rtol, float atol,
                    mismatch *m) {
    memset(m, 0, sizeof *m);
    double scale = 0;
    for (uint64_t i = 0; i < n; i++)
        if (isfinite(ref[i]) && fabs((double)ref[i]) > scale) scale = fabs((double)ref[i]);
    double tolerance = (double)atol + (double)rtol * scale;
    for (uint64_t i = 0; i < n; i++) {
        if (close_enough(dev[i], ref[i], tolerance)) continue;
        double diff = fabs((double)dev[i] - ref[i]);
        if (isnan(diff)) diff = INFINITY;
        if (m->bad++ == 0 || diff > m->diff) {
            m->diff = diff;
            m->index = i;
            m->device = dev[i];
            m->ref = ref[i];
        }
    }
}

vkcnn_status vkc_exec_fetch(vkc_exec *e, uint32_t t, float **out) {
    *out = NULL;
    if (t == VKC_NONE) return VKCNN_OK;
    uint64_t n = e->tensors[t].elements;
    float *p = vkc_calloc(n ? n : 1, sizeof *p);
    if (!p) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    vkcnn_status st = vkc_exec_read(e, t, p, n);
    if (st) {
        free(p);
        return st;
    }
    *out = p;
    return VKCNN_OK;
}

/* Attributes that give elementwise op `op` the parameters p. */
static vkc_attrs attrs_of(vkc_op op, const float p[3]) {
    vkc_attrs a;
    memset(&a, 0, sizeof a);
    if (op == VKC_OP_CLIP) {
        a.clip.min = p[0];
        a.clip.max = p[1];
    } else {
        a.elt.alpha = p[0];
        a.elt.beta = p[1];
        a.elt.gamma = p[2];
    }
    return a;
}

/* Applies node n's post-ops, in order, to ref (of shape yt) in place with
 * the reference's elementwise ops; data[slot] holds the device's values of
 * input `slot` (the operands). */
static vkcnn_status apply_post_ops(const vkc_xnode *n, float *const *data, const vkc_exec *e,
                                   const vkc_ref_tensor *yt, float *ref) {
    uint64_t count = vkc_ref_elements(yt->rank, yt->dims);
    float *values[VKC_MAX_POST_OPS + 1] = {ref};
    vkcnn_status st = VKCNN_OK;
    /* values[k]: the chain's value before post-op k, kept where a later
     * post-op reads it; the running value is always in ref */
    for (uint32_t i = 0; i < n->post_count && !st; i++) {
        const vkc_post_op *p = &n->post[i];
        float *cur = vkc_calloc(count ? count : 1, sizeof *cur);
        if (!cur) {
            st = vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
            break;
        }
        memcpy(cur, ref, count * sizeof *cur);
        values[i] = cur; /* the value post-op i starts from */
        vkc_ref_tensor in[2] = {{yt->rank, yt->dims, cur}, {0}};
        uint32_t inputs = 1;
        if (p->kind == VKC_OPERAND_VALUE) {
            in[1] = (vkc_ref_tensor){yt->rank, yt->dims, values[p->slot]};
            inputs = 2;
        } else if (p->kind != VKC_OPERAND_NONE) {
            const vkc_xtensor *t = &e->tensors[n->inputs[p->slot]];
            in[1] = (vkc_ref_tensor){t->rank, t->dims, data[p->slot]};
            inputs = 2;
        }
        if (inputs == 2 && p->operand_first) {
            vkc_ref_tensor tmp = in[0];
            in[0] = in[1];
            in[1] = tmp;
        }
        vkc_attrs a = attrs_of(p->op, p->params);
        st = vkc_ref_compute(p->op, &a, in, inputs, yt, ref);
    }
    for (uint32_t i = 0; i < n->post_count; i++)
        free(values[i]);
    return st;
}

/* A Gemm's B [rows, k] back from its blocked storage (vkc_xnode.packed_b,
 * passes.h vkc_gemv_pack_offset): every chunk read whole, then unpacked. */
static vkcnn_status fetch_packed_b(vkc_exec *e, const vkc_xnode *n, float **out) {
    *out = NULL;
    const vkc_xtensor *b = &e->tensors[n->packed_b];
    const vkc_storage *s = &e->storages[b->storage];
    int64_t rows = b->dims[0], k = b->dims[1];
    float *p = vkc_calloc(s->elements ? s->elements : 1, sizeof *p);
    float *q = vkc_calloc(b->elements ? b->elements : 1, sizeof *q);
    vkcnn_status st = p && q ? vkc_storage_read(e, s, p, s->elements)
                             : vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    for (int64_t r = 0; !st && r < rows; r++)
        for (int64_t u = 0; u < k / 8; u++)
            memcpy(&q[r * k + 8 * u],
                   &p[vkc_gemv_pack_offset(k, rows, n->packed_nc, (int64_t)n->packed_chunk, r, u)],
                   8 * sizeof *q);
    free(p);
    if (st) {
        free(q);
        return st;
    }
    *out = q;
    return VKCNN_OK;
}

/* Checks one node (its whole fused group); *m receives the comparison. */
static vkcnn_status check_node(vkc_exec *e, const vkc_xnode *n, float rtol, float atol,
                               mismatch *m) {
    vkcnn_status st = VKCNN_OK;
    float **data = vkc_calloc(n->input_count ? n->input_count : 1, sizeof *data);
    vkc_ref_tensor *in = vkc_calloc(n->input_count ? n->input_count : 1, sizeof *in);
    const vkc_xtensor *y = &e->tensors[n->output];
    float *dev = NULL, *ref = vkc_calloc(y->elements ? y->elements : 1, sizeof *ref);
    if (!data || !in || !ref) st = vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    for (uint32_t i = 0; !st && i < n->input_count; i++) {
        st = i == 1 && n->packed_b != VKC_NONE ? fetch_packed_b(e, n, &data[i])
                                               : vkc_exec_fetch(e, n->inputs[i], &data[i]);
        if (!st && n->inputs[i] != VKC_NONE) {
            const vkc_xtensor *t = &e->tensors[n->inputs[i]];
            in[i] = (vkc_ref_tensor){t->rank, t->dims, data[i]};
        }
    }
    if (!st) st = vkc_exec_fetch(e, n->output, &dev);
    float *scaled = NULL;
    if (!st && n->in_scale != VKC_NONE && n->in_scale < n->input_count && in[0].data) {
        /* a fused input scale: X * s, by the reference's Mul */
        uint64_t count = vkc_ref_elements(in[0].rank, in[0].dims);
        if (!(scaled = vkc_calloc(count ? count : 1, sizeof *scaled)))
            st = vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
        vkc_ref_tensor pair[2] = {in[0], in[n->in_scale]};
        vkc_attrs none;
        memset(&none, 0, sizeof none);
        if (!st) st = vkc_ref_compute(VKC_OP_MUL, &none, pair, 2, &in[0], scaled);
        in[0].data = scaled;
        /* a fused input affine map: then + t and the Relu, in place */
        if (!st && n->in_shift != VKC_NONE && n->in_shift < n->input_count) {
            vkc_ref_tensor sum[2] = {in[0], in[n->in_shift]};
            st = vkc_ref_compute(VKC_OP_ADD, &none, sum, 2, &in[0], scaled);
        }
        if (!st && n->in_relu) st = vkc_ref_compute(VKC_OP_RELU, &none, &in[0], 1, &in[0], scaled);
    }
    vkc_ref_tensor yt = {y->rank, y->dims, NULL};
    if (!st && n->pool) {
        /* the Conv and its post-ops at the Conv's own shape, then the pool */
        vkc_ref_tensor ct = {4, n->conv_dims, NULL};
        uint64_t count = vkc_ref_elements(4, n->conv_dims);
        float *conv = vkc_calloc(count ? count : 1, sizeof *conv);
        if (!conv) st = vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
        if (!st) st = vkc_ref_compute(n->op, &n->attrs, in, n->own_inputs, &ct, conv);
        if (!st) st = apply_post_ops(n, data, e, &ct, conv);
        ct.data = conv;
        vkc_attrs pool;
        memset(&pool, 0, sizeof pool);
        pool.window = n->pool_window;
        if (!st) st = vkc_ref_compute(VKC_OP_MAX_POOL, &pool, &ct, 1, &yt, ref);
        free(conv);
    } else {
        if (!st) st = vkc_ref_compute(n->op, &n->attrs, in, n->own_inputs, &yt, ref);
        if (!st) st = apply_post_ops(n, data, e, &yt, ref);
    }
    if (!st) compare(dev, ref, y->elements, rtol, atol, m);
    free(scaled);
    for (uint32_t i = 0; data && i < n->input_count; i++)
        free(data[i]);
    free(data);
    free(in);
    free(dev);
    free(ref);
    return st;
}

vkcnn_status vkc_exec_check(vkc_exec *e, float rtol, float atol, char *report, size_t size) {
    char label[512], buf[VKC_ERROR_MAX];
    if (report && size) report[0] = '\0';
    if (!e) return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "no executor");
    uint32_t checked = 0;
    for (uint32_t k = 0; k < e->node_count; k++) {
        const vkc_xnode *n = &e->nodes[k];
        if (n->view || n->dispatch_count == 0)
            continue; /* a view is its input; an empty output has nothing to check */
        mismatch m;
        vkcnn_status st = check_node(e, n, rtol, atol, &m);
        if (st) return vkc_fail_context(st, "check of %s", vkc_exec_label(n, label, sizeof label));
        checked++;
        if (!m.bad) continue;
        const vkc_xtensor *y = &e->tensors[n->output];
        snprintf(buf, sizeof buf,
                 "%s: output '%s' differs from the reference in %" PRIu64 " of %" PRIu64
                 " elements: max |diff| %.6g at index %" PRIu64
                 " (device %.9g, reference %.9g); tolerance %.3g + %.3g * max|reference|",
                 vkc_exec_label(n, label, sizeof label), y->name, m.bad, y->elements, m.diff,
                 m.index, (double)m.device, (double)m.ref, (double)atol, (double)rtol);
        if (report && size) snprintf(report, size, "%s", buf);
        return vkc_fail(VKCNN_ERROR_INVALID_MODEL, "%s", buf);
    }
    if (report && size) snprintf(report, size, "%" PRIu32 " nodes match the reference", checked);
    return VKCNN_OK;
}
