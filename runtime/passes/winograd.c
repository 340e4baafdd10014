/* Winograd weight transform: for each Conv that vkc_winograd_tile picks, the
 * weights g[m][c] (3x3) become U = G g G^T (ALPHA x ALPHA), computed in
 * double from the float weights and rounded once, laid out as the GEMM of
 * shaders/winograd_gemm.comp reads them: U[a][c][m] with a = i * ALPHA + j
 * the position in the tile, m contiguous and padded with zeros to a
 * multiple of VKC_WINOGRAD_MPAD. A 5x5 kernel, zero-padded to 6x6, is four
 * 3x3 kernels at offsets (3 * si, 3 * sj), si, sj in {0, 1}: the conv is
 * the sum of four 3x3 convs of shifted windows, one GEMM over 4C rows
 * (row s * C + c, s = 2 * si + sj; winograd_input.comp makes the shifted
 * windows' rows of V). The node keeps its original weights (the
 * reference and the per-node check read them); the new constant is recorded
 * in its epilogue (vkc_epilogue.winograd).
 *
 * G from Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks"
 * (2016): F(2x2,3x3) with interpolation points 0, 1, -1, infinity;
 * F(4x4,3x3) with 0, 1, -1, 2, -2, infinity. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "passes/passes.h"

static const double G2[4][3] = {
    {1.0, 0.0, 0.0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0.0, 0.0, 1.0}};
static const double G4[6][3] = {
    {1.0 / 4, 0.0, 0.0},           {-1.0 / 6, -1.0 / 6, -1.0 / 6}, {-1.0 / 6, 1.0 / 6, -1.0 / 6},
    {1.0 / 24, 1.0 / 12, 1.0 / 6}, {1.0 / 24, -1.0 / 12, 1.0 / 6}, {0.0, 0.0, 1.0}};

int64_t vkc_winograd_split(int64_t kernel) {
    return kernel == 3 ? 1 : kernel == 5 ? 2 : 0;
}

uint32_t vkc_winograd_tile(const vkc_graph *g, uint32_t node) {
    const vkc_node *n = &g->nodes[node];
    if (n->dead || n->op != VKC_OP_CONV || n->input_count < 2 || n->output_count < 1) return 0;
    uint32_t xi = n->inputs[0], wi = n->inputs[1], yi = n->outputs[0];
    if (xi == VKC_NONE || wi == VKC_NONE || yi == VKC_NONE) return 0;
    const vkc_tensor *x = &g->tensors[xi], *w = &g->tensors[wi], *y = &g->tensors[yi];
    const vkc_window_attrs *a = &n->attrs.window;
    if (x->rank != 4 || w->rank != 4 || y->rank != 4 || !w->data || w->dtype != VKC_DTYPE_FLOAT32 ||
        x->dtype != VKC_DTYPE_FLOAT32)
        return 0;
    if (!((w->dims[2] == 3 && w->dims[3] == 3) || (w->dims[2] == 5 && w->dims[3] == 5)) ||
        w->dims[1] != x->dims[1] || a->group != 1)
        return 0;
    for (int d = 0; d < 2; d++)
        if (a->strides[d] != 1 || a->dilations[d] != 1) return 0;
    if (y->elements == 0) return 0;
    const char *force = getenv("VKCNN_WINOGRAD_TILE");
    if (force && strcmp(force, "2") == 0) return 2;
    if (force && strcmp(force, "4") == 0) return 4;
    if (w->dims[1] < VKC_WINOGRAD_MIN_C) return 0;
    return y->dims[2] > 2 && y->dims[3] > 2 ? 4 : 2;
}

/* Appends U for Conv `node` with output tile `tile`; *index is the tensor. */
static vkcnn_status transform(vkc_graph *g, uint32_t node, uint32_t tile, uint32_t *index) {
    uint32_t wi = g->nodes[node].inputs[1];
    int64_t m_count = g->tensors[wi].dims[0], c_count = g->tensors[wi].dims[1];
    int64_t k = g->tensors[wi].dims[2], ks = vkc_winograd_split(k), shifts = ks * ks;
    int64_t alpha = tile + 2,
            mp = (m_count + VKC_WINOGRAD_MPAD - 1) / VKC_WINOGRAD_MPAD * VKC_WINOGRAD_MPAD;
    int64_t rows = shifts * c_count, dims[3] = {alpha * alpha, rows, mp};
    char name[512];
    snprintf(name, sizeof name, "%s_winograd_f%u", g->nodes[node].name, tile);
    vkcnn_status st = vkc_graph_add_tensor(g, name, index);
    if (!st) st = vkc_graph_set_shape(g, *index, VKC_DTYPE_FLOAT32, 3, dims);
    void *p = NULL;
    if (!st) st = vkc_graph_alloc_data(g, *index, &p);
    if (st) return vkc_node_fail(g, node, st, "Winograd weight transform");
    float *u = p;
    const float *w = g->tensors[wi].data; /* re-fetched: adding a tensor may move the array */
    const double *gm = tile == 4 ? &G4[0][0] : &G2[0][0];
    memset(u, 0, (size_t)(alpha * alpha * rows * mp) * sizeof *u);
    for (int64_t m = 0; m < m_count; m++)
        for (int64_t c = 0; c < c_count; c++)
            for (int64_t sh = 0; sh < shifts; sh++) {
                /* the 3x3 part of kernel (m, c) at offset (3 * si, 3 * sj),
                 * zero past k */
                int64_t di = 3 * (sh / ks), dj = 3 * (sh % ks);
                double kk[3][3];
                for (int y = 0; y < 3; y++)
                    for (int x = 0; x < 3; x++)
                        kk[y][x] = di + y < k && dj + x < k
                                       ? w[((m * c_count + c) * k + di + y) * k + dj + x]
                                       : 0.0;
                double t[6][3]; /* G g */
                for (int64_t i = 0; i < alpha; i++)
                    for (int l = 0; l < 3; l++)
                        t[i][l] = gm[i * 3 + 0] * kk[0][l] + gm[i * 3 + 1] * kk[1][l] +
                                  gm[i * 3 + 2] * kk[2][l];
                int64_t row = sh * c_count + c;
                for (int64_t i = 0; i < alpha; i++)
                    for (int64_t j = 0; j < alpha; j++) {
                        double v = t[i][0] * gm[j * 3 + 0] + t[i][1] * gm[j * 3 + 1] +
                                   t[i][2] * gm[j * 3 + 2];
                        u[((i * alpha + j) * rows + row) * mp + m] = (float)v;
                    }
            }
    return VKCNN_OK;
}

vkcnn_status vkc_pass_winograd_weights(vkc_graph *g, vkc_passes *r) {
    uint32_t count = g->node_count < r->node_count ? g->node_count : r->node_count;
    for (uint32_t n = 0; n < count; n++) {
        uint32_t tile = vkc_winograd_tile(g, n);
        if (!tile) continue;
        uint32_t u;
        vkcnn_status st = transform(g, n, tile, &u);
        if (st) return st;
        r->epilogue[n].winograd = u;
    }
    return vkc_graph_relink(g);
}
