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

/* Host copy of tensor t as the device holds it; NULL for an absent input. */
static vkcnn_status fetch(vkc_exec *e, uint32_t t, float **out) {
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

/* Applies node n's fused epilogue (MatMul bias, then activation) to ref,
 * of shape yt, in place, with the reference's own Add / activation. */
static vkcnn_status apply_epilogue(vkc_exec *e, const vkc_xnode *n, const vkc_ref_tensor *yt,
                                   float *ref) {
    uint32_t operands[2] = {n->epi.bias, n->epi.act == VKC_OP_COUNT ? VKC_NONE : n->epi.slope};
    bool steps[2] = {n->epi.bias != VKC_NONE, n->epi.act != VKC_OP_COUNT};
    uint64_t count = 1;
    for (uint32_t d = 0; d < yt->rank; d++)
        count *= (uint64_t)yt->dims[d];
    vkcnn_status st = VKCNN_OK;
    for (int k = 0; k < 2 && !st; k++) {
        if (!steps[k]) continue;
        float *operand = NULL, *tmp = vkc_calloc(count ? count : 1, sizeof *tmp);
        if (!tmp) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
        memcpy(tmp, ref, count * sizeof *tmp);
        st = fetch(e, operands[k], &operand);
        vkc_ref_tensor in[2] = {{yt->rank, yt->dims, tmp}};
        if (operand) {
            const vkc_xtensor *t = &e->tensors[operands[k]];
            in[1] = (vkc_ref_tensor){t->rank, t->dims, operand};
        }
        vkc_op op = k == 0 ? VKC_OP_ADD : n->epi.act;
        vkc_attrs none;
        memset(&none, 0, sizeof none);
        if (!st)
            st = vkc_ref_compute(op, k == 0 ? &none : &n->epi.attrs, in, operand ? 2 : 1, yt, ref);
        free(tmp);
        free(operand);
    }
    return st;
}

/* Checks one node; *m receives the comparison. */
static vkcnn_status check_node(vkc_exec *e, const vkc_xnode *n, float rtol, float atol,
                               mismatch *m) {
    vkcnn_status st = VKCNN_OK;
    float **data = vkc_calloc(n->input_count ? n->input_count : 1, sizeof *data);
    vkc_ref_tensor *in = vkc_calloc(n->input_count ? n->input_count : 1, sizeof *in);
    const vkc_xtensor *y = &e->tensors[n->output];
    float *dev = NULL, *ref = vkc_calloc(y->elements ? y->elements : 1, sizeof *ref);
    if (!data || !in || !ref) st = vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    for (uint32_t i = 0; !st && i < n->input_count; i++) {
        st = fetch(e, n->inputs[i], &data[i]);
        if (!st && n->inputs[i] != VKC_NONE) {
            const vkc_xtensor *t = &e->tensors[n->inputs[i]];
            in[i] = (vkc_ref_tensor){t->rank, t->dims, data[i]};
        }
    }
    if (!st) st = fetch(e, n->output, &dev);
    vkc_ref_tensor yt = {y->rank, y->dims, NULL};
    if (!st && n->epi.pool) {
        /* the Conv and its epilogue at the Conv's own shape, then the pool */
        vkc_ref_tensor ct = {4, n->epi.conv_dims, NULL};
        uint64_t count = 1;
        for (int d = 0; d < 4; d++)
            count *= (uint64_t)n->epi.conv_dims[d];
        float *conv = vkc_calloc(count ? count : 1, sizeof *conv);
        if (!conv) st = vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
        if (!st) st = vkc_ref_compute(n->op, &n->attrs, in, n->input_count, &ct, conv);
        if (!st) st = apply_epilogue(e, n, &ct, conv);
        ct.data = conv;
        if (!st) st = vkc_ref_compute(VKC_OP_MAX_POOL, &n->epi.pool_attrs, &ct, 1, &yt, ref);
        free(conv);
    } else {
        if (!st) st = vkc_ref_compute(n->op, &n->attrs, in, n->input_count, &yt, ref);
        if (!st) st = apply_epilogue(e, n, &yt, ref);
    }
    if (!st) compare(dev, ref, y->elements, rtol, atol, m);
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
