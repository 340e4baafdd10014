/* gemv.comp's blocked weights (passes.h vkc_gemv_pack_offset).
 *
 * gemv.comp gives each workgroup NC rows of B and lets its lanes split K:
 * in B's own [N, K] order a workgroup then reads NC streams at once, each
 * 512 bytes per step of 16 lanes. On lavapipe, whose workgroups run one per
 * CPU thread, that read B at 11-18 GB/s where one stream per workgroup
 * (`vkcnn peak`'s read) runs at 35; blocked, at 22-25 (AMD EPYC, 2 vCPUs,
 * AlexNet's and VGG-16's classifier layers; bench/RESULTS.md). In the
 * blocked order the NC rows' units of one block are adjacent, so each step
 * reads one contiguous run. The pass only marks the Gemms the target runs as
 * gemv.comp's texel path (opts->gemv_packs) whose B no other node reads;
 * the executor stores B's one device copy in that order as it uploads it,
 * a group of rows at a time (vkc_gemv_pack_group), so neither host nor
 * device holds a second copy. */
#include <stdint.h>
#include <string.h>

#include "passes/passes.h"

void vkc_gemv_pack_group(const float *b, int64_t rows, int64_t k, int64_t nc, int64_t q,
                         float *out) {
    int64_t n0 = q * nc, group = rows - n0 < nc ? rows - n0 : nc, k8 = k / 8;
    int64_t base = vkc_gemv_pack_offset(k, rows, nc, 0, n0, 0); /* group q's start, unpadded */
    /* a row's units of one block are consecutive in both layouts */
    for (int64_t r = n0; r < n0 + group; r++)
        for (int64_t u = 0; u < k8; u += VKC_GEMV_PACK_UNITS) {
            int64_t width = k8 - u < VKC_GEMV_PACK_UNITS ? k8 - u : VKC_GEMV_PACK_UNITS;
            memcpy(&out[vkc_gemv_pack_offset(k, rows, nc, 0, r, u) - base], &b[r * k + 8 * u],
                   (size_t)(8 * width) * sizeof *out);
        }
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
        /* B read by this node alone: its one device copy can be blocked */
        if (!b->data || b->dtype != VKC_DTYPE_FLOAT32 || b->rank != 2 || b->dims[1] % 8 != 0 ||
            b->consumer_count != 1 || b->graph_output || b->graph_input)
            continue;
        uint64_t chunk = 0;
        uint32_t nc = opts->gemv_packs(g, n, opts->user, &chunk);
        if (nc < 1 || nc > b->dims[0] || chunk > INT64_MAX ||
            (chunk && vkc_gemv_pack_groups(b->dims[1], nc, (int64_t)chunk) < 1))
            continue;
        g->nodes[n].gemv_packed = bi;
        g->nodes[n].gemv_nc = nc;
        g->nodes[n].gemv_chunk = chunk;
    }
    return VKCNN_OK;
}
