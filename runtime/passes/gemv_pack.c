/* gemv.comp's blocked weights (passes.h vkc_gemv_pack_unit).
 *
 * gemv.comp gives each workgroup NC rows of B and lets its lanes split K:
 * in B's own [N, K] order a workgroup then reads NC streams at once, each
 * 512 bytes per step of 16 lanes. On lavapipe, whose workgroups run one per
 * CPU thread, that read B at 11-18 GB/s where one stream per workgroup
 * (`vkcnn peak`'s read) runs at 35; blocked, at 22-25 (AMD EPYC, 2 vCPUs,
 * AlexNet's and VGG-16's classifier layers; bench/RESULTS.md). In the
 * blocked order the NC rows' units of one block are adjacent, so each step
 * reads one contiguous run. The copy is made once, at load, for the Gemms
 * the target runs as gemv.comp's texel path (opts->gemv_packs). The node
 * keeps B; the executor uploads the copy in its place (the per-node check
 * reads the copy back), so device memory stays as it was, and the host
 * holds both while the model loads. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "passes/passes.h"

/* B's blocked copy, a constant of vkc_gemv_pack_offset's layout (1-D: with
 * chunks, padded between groups). */
static vkcnn_status pack(vkc_graph *g, uint32_t node, int64_t nc, int64_t chunk, uint32_t *index) {
    uint32_t bi = g->nodes[node].inputs[1];
    int64_t rows = g->tensors[bi].dims[0], k = g->tensors[bi].dims[1], k8 = k / 8;
    int64_t size = vkc_gemv_pack_offset(k, rows, nc, chunk, rows - 1, k8 - 1) + 8;
    char name[512];
    snprintf(name, sizeof name, "%s_gemv_packed", g->nodes[node].name);
    float *p = NULL;
    vkcnn_status st = vkc_pass_add_constant(g, name, 1, &size, index, &p);
    if (st) return vkc_node_fail(g, node, st, "gemv weight packing");
    const float *b = g->tensors[bi].data; /* re-fetched: adding a tensor may move the array */
    /* a row's units of one block are consecutive in both layouts */
    for (int64_t r = 0; r < rows; r++)
        for (int64_t u = 0; u < k8; u += VKC_GEMV_PACK_UNITS) {
            int64_t width = k8 - u < VKC_GEMV_PACK_UNITS ? k8 - u : VKC_GEMV_PACK_UNITS;
            memcpy(&p[vkc_gemv_pack_offset(k, rows, nc, chunk, r, u)], &b[r * k + 8 * u],
                   (size_t)(8 * width) * sizeof *p);
        }
    return VKCNN_OK;
}

vkcnn_status vkc_pass_gemv_pack(vkc_graph *g, vkc_passes *r, const vkc_passes_options *opts) {
    (void)r;
    if (!opts || !opts->gemv_packs) return VKCNN_OK;
    uint32_t count = g->node_count;
    for (uint32_t n = 0; n < count; n++) {
        const vkc_node *node = &g->nodes[n];
        if (node->dead || node->op != VKC_OP_GEMM || node->input_count < 2 ||
            node->gemv_packed != VKC_NONE)
            continue;
        const vkc_gemm_attrs *a = &node->attrs.gemm;
        uint32_t bi = node->inputs[1];
        if (!a->trans_b || a->trans_a || bi == VKC_NONE) continue;
        const vkc_tensor *b = &g->tensors[bi];
        if (!b->data || b->dtype != VKC_DTYPE_FLOAT32 || b->rank != 2 || b->dims[1] % 8 != 0)
            continue;
        uint64_t chunk = 0;
        uint32_t nc = opts->gemv_packs(g, n, opts->user, &chunk);
        if (nc < 1 || nc > b->dims[0] || chunk > INT64_MAX ||
            (chunk && vkc_gemv_pack_groups(b->dims[1], nc, (int64_t)chunk) < 1))
            continue;
        uint32_t u;
        vkcnn_status st = pack(g, n, nc, (int64_t)chunk, &u);
        if (st) return st;
        g->nodes[n].gemv_packed = u;
        g->nodes[n].gemv_nc = nc;
        g->nodes[n].gemv_chunk = chunk;
    }
    return vkc_graph_relink(g);
}
