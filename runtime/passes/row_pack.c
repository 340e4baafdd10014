/* The row kernel's packed weights (conv_row.comp's WPACK). The kernel
 * takes, per input channel c and window row ky, every tap of its TM output
 * channels. In ONNX's layout W[m][c][ky][kx] one channel's KW taps are
 * consecutive and start anywhere in a texel, so on lavapipe each channel
 * cost KW / 4 + 2 texel fetches (each a gather of 40-60 instructions)
 * and the selects that shift them into place: 24 fetches per (c, ky) for
 * a 7x7 stem at TM 8. Packed as [c][ky][m / 4][kx][m % 4], tap kx of four
 * channels is one aligned texel: TM / 4 * KW fetches (14) and no selects.
 * The node keeps its ONNX weights (the reference and the per-node check
 * read them); the packed copy is a new constant named in vkc_node.row_packed. */
#include <stdio.h>
#include <string.h>

#include "passes/passes.h"

vkcnn_status vkc_pass_row_pack(vkc_graph *g, vkc_passes *r, const vkc_passes_options *opts) {
    (void)r; /* its counts are of folded and fused nodes; this adds a copy */
    if (!opts || !opts->row_packs) return VKCNN_OK;
    uint32_t count = g->node_count;
    for (uint32_t n = 0; n < count; n++) {
        const vkc_node *node = &g->nodes[n];
        if (node->dead || node->op != VKC_OP_CONV || node->input_count < 2 ||
            node->row_packed != VKC_NONE || node->inputs[1] == VKC_NONE)
            continue;
        uint32_t wi = node->inputs[1];
        const vkc_tensor *w = &g->tensors[wi];
        if (!w->data || w->dtype != VKC_DTYPE_FLOAT32 || w->rank != 4 ||
            !opts->row_packs(g, n, opts->user))
            continue;
        int64_t m_count = w->dims[0], c_count = w->dims[1], kh = w->dims[2], kw = w->dims[3];
        int64_t m4 = (m_count + 3) / 4, dims[1] = {c_count * kh * m4 * kw * 4};
        char name[512];
        snprintf(name, sizeof name, "%s_row_packed", node->name);
        uint32_t index;
        float *p = NULL;
        vkcnn_status st = vkc_pass_add_constant(g, name, 1, dims, &index, &p);
        if (st) return vkc_node_fail(g, n, st, "row kernel weight packing");
        /* re-fetched: adding a tensor may move the array; the new constant
         * starts zeroed, channels past M included */
        const float *src = g->tensors[wi].data;
        for (int64_t m = 0; m < m_count; m++)
            for (int64_t c = 0; c < c_count; c++)
                for (int64_t ky = 0; ky < kh; ky++)
                    for (int64_t kx = 0; kx < kw; kx++)
                        p[(((c * kh + ky) * m4 + m / 4) * kw + kx) * 4 + m % 4] =
                            src[((m * c_count + c) * kh + ky) * kw + kx];
        g->nodes[n].row_packed = index;
    }
    return VKCNN_OK;
}
