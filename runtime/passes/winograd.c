/* Winograd weight transform: for each Conv that vkc_winograd_tile (or the
 * options' choose) picks, the weights g[m][c] (3x3) become U = G g G^T
 * (ALPHA x ALPHA), computed in double from the float weights and rounded
 * once, laid out as the GEMM of
 * shaders/winograd_gemm.comp reads them: U[a][c][m] with a = i * ALPHA + j
 * the position in the tile, m contiguous and padded with zeros to a
 * multiple of VKC_WINOGRAD_MPAD. Other kernels as sums of 3x3 parts
 * (vkc_winograd_parts), one GEMM over all parts' rows (row s * C + c of
 * part s = si * KS + sj; winograd_input.comp makes each part's rows of V):
 * - a 5x5 kernel, zero-padded to 6x6, is four 3x3 kernels at offsets
 *   (3 * si, 3 * sj): the sum of four 3x3 convs of shifted windows;
 * - a K x K kernel at stride S is S^2 phases (si, sj) < S: phase (si, sj)
 *   takes the taps (si + S * y, sj + S * x), a kernel of ceil(K / S) <= 3
 *   (zero-padded to 3x3) run at stride 1 over the phase image
 *   X[S * u + si - PT][S * v + sj - PL] (AlexNet's 11x11/4: 16 phases of
 *   3x3 over 3 channels, 36 products per 4x4 tile and row against 121 per
 *   output direct). The node keeps its original weights (the
 * reference and the per-node check read them); the new constant is recorded
 * in the node (vkc_node.winograd, algo VKC_CONV_ALGO_WINOGRAD).
 *
 * The transforms are Toom-Cook's (Lavin & Gray, "Fast Algorithms for
 * Convolutional Neural Networks", 2016): F(2x2,3x3) with interpolation
 * points 0, 1, -1, infinity; F(3x3,3x3) with 0, 1, -1, 1/2, infinity;
 * F(4x4,3x3) with 0, 1, -1, 1/2, -2, infinity
 * (G here, B^T in winograd_input.comp, A^T in winograd_output.comp). The
 * points decide how much F(4x4) amplifies the float rounding, most of it the
 * GEMM's sums over C multiplied by A^T (that the choice of points matters is
 * Barabasz et al., "Error analysis and improving the accuracy of Winograd
 * convolution for deep neural networks", 2020). Measured here against the
 * usual 0, +-1, +-2: a float32 model of the three steps (random 3x3 layers,
 * ReLU'd inputs, C = 32 and 96; bench/winograd_points.py) 31-33% less RMS
 * error (+-1/2 instead: none less); kernel_test_winograd's worst case
 * 5.04e-5 -> 2.29e-5 of max |ref|;
 * Inception-v3 (opset 13, batch 1) against PyTorch 1.02e-4 -> 7.0e-5 of max
 * |ref| (bound 1e-4; its first 3x3 conv alone at F(4x4) gave 8.5e-5: the
 * network amplifies its early layers' rounding ~20x), VGG-16 4.3e-6 ->
 * 3.2e-6, DenseNet-121 8.1e-6 -> 4.9e-6.
 *
 * The forms of several parts run F(3x3) (points 0, 1, -1, 1/2, infinity), or F(2x2) on an
 * output at most 2 high or wide, never F(4x4) (measured with the points 0, +-1, +-2).
 * F(4x4)'s transforms (entries up to 5 in B, 8 in A) amplify the rounding of the
 * GEMM's float sums, and a form of KS^2 parts sums KS^2 times as many rows per output as a 3x3 of
 * the same C (a 5x5: 36 taps, 11 of them zero): the error grows with the rows faster than the
 * output. kernel_test_winograd's 5x5 case of 19 channels (76 rows) with a Clip (bound 6.0e-5 at max
 * |ref| 0.5): F(4x4) 4.79e-5 on lavapipe 22.3 and 25.0, 6.8e-5 on an NVIDIA H200; F(2x2) 7.67e-6.
 * The three steps modelled in float32 against a float64 direct conv (6 random draws of that shape)
 * put F(4x4) at 3.2-8.5e-5, still 2.0-3.9e-5 with the GEMM summed part by part, 2.9-6.2e-5 with
 * other points (0, +-1, 1/2, -2 or -3), and F(3x3) at 2.0-3.1e-5; F(2x2) at 5.4-8.8e-6.
 * F(3x3) as built: that case 2.70e-5 on lavapipe 22.3 and Mesa 25.0 (F(2x2) 6.94e-6), the
 * test's worst an 11x11/4 of 5 channels (80 rows) with a Clip at 3.84e-5 of its 6.0e-5 bound
 * (F(2x2) 5.04e-6); bench/winograd_points.py --tile 3 puts its relative RMS error at 3x
 * F(2x2)'s and 0.8x F(4x4)'s (76 rows: 7.8e-7, 2.7e-7, 9.7e-7), the four point sets tried
 * within 4% of each other. It does 25 products per 3 x 3 outputs and part against F(2x2)'s
 * 16 per 2 x 2 (0.69x), and tiles AlexNet's 27x27 and 55x55 outputs with less padding: its
 * 5x5 layer's GEMM 2.48-2.88 -> 1.98-2.08 ms, its 11x11/4 layer's 1.06-1.42 -> 0.71-0.90
 * (`vkcnn bench --per-layer`, lavapipe 22.3). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "passes/passes.h"

static const double G2[4][3] = {
    {1.0, 0.0, 0.0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0.0, 0.0, 1.0}};
static const double G3[5][3] = {{2.0, 0.0, 0.0},
                                {1.0, 1.0, 1.0},
                                {-1.0 / 3, 1.0 / 3, -1.0 / 3},
                                {-8.0 / 3, -4.0 / 3, -2.0 / 3},
                                {0.0, 0.0, 1.0}};
static const double G4[6][3] = {{1.0, 0.0, 0.0},
                                {1.0 / 3, 1.0 / 3, 1.0 / 3},
                                {-1.0 / 3, 1.0 / 3, -1.0 / 3},
                                {-16.0 / 15, -8.0 / 15, -4.0 / 15},
                                {1.0 / 15, -2.0 / 15, 4.0 / 15},
                                {0.0, 0.0, 1.0}};

bool vkc_winograd_parts(int64_t kernel, int64_t stride, vkc_winograd_form *f) {
    if (stride == 1 && (kernel == 3 || kernel == 5)) {
        *f = (vkc_winograd_form){kernel == 3 ? 1 : 2, 1, 3};
        return true;
    }
    /* phases: worth it where the direct conv's K^2 products per output
     * exceed Winograd's 2.25 S^2 (K > 1.5 S), each phase's kernel at most
     * 3 x 3 */
    if (stride > 1 && stride <= 4 && (kernel + stride - 1) / stride <= 3 &&
        2 * kernel > 3 * stride) {
        *f = (vkc_winograd_form){stride, stride, 1};
        return true;
    }
    return false;
}

uint32_t vkc_winograd_form_tile(const vkc_graph *g, uint32_t node) {
    const vkc_node *n = &g->nodes[node];
    if (n->dead || n->op != VKC_OP_CONV || n->input_count < 2 || n->output_count < 1) return 0;
    uint32_t xi = n->inputs[0], wi = n->inputs[1], yi = n->outputs[0];
    if (xi == VKC_NONE || wi == VKC_NONE || yi == VKC_NONE) return 0;
    const vkc_tensor *x = &g->tensors[xi], *w = &g->tensors[wi], *y = &g->tensors[yi];
    const vkc_window_attrs *a = &n->attrs.window;
    if (x->rank != 4 || w->rank != 4 || y->rank != 4 || !w->data || w->dtype != VKC_DTYPE_FLOAT32 ||
        x->dtype != VKC_DTYPE_FLOAT32)
        return 0;
    vkc_winograd_form f;
    if (w->dims[2] != w->dims[3] || a->strides[0] != a->strides[1] ||
        !vkc_winograd_parts(w->dims[2], a->strides[0], &f) || w->dims[1] != x->dims[1] ||
        a->group != 1)
        return 0;
    for (int d = 0; d < 2; d++)
        if (a->dilations[d] != 1) return 0;
    if (y->elements == 0) return 0;
    /* F(4x4) for a single 3x3 part, F(3x3) for the part forms (file
     * comment); F(2x2) where the output is at most 2 high or wide */
    if (y->dims[2] <= 2 || y->dims[3] <= 2) return 2;
    return f.per_axis == 1 ? 4 : 3;
}

uint32_t vkc_winograd_tile(const vkc_graph *g, uint32_t node) {
    uint32_t tile = vkc_winograd_form_tile(g, node);
    if (!tile) return 0;
    const vkc_node *n = &g->nodes[node];
    const vkc_tensor *w = &g->tensors[n->inputs[1]];
    vkc_winograd_form f;
    if (!vkc_winograd_parts(w->dims[2], n->attrs.window.strides[0], &f) ||
        f.per_axis * f.per_axis * w->dims[1] < VKC_WINOGRAD_MIN_C ||
        vkc_node_macs(g, node) < VKC_WINOGRAD_MIN_MACS)
        return 0;
    return tile;
}

/* Appends U for Conv `node` with output tile `tile`; *index is the tensor. */
static vkcnn_status transform(vkc_graph *g, uint32_t node, uint32_t tile, uint32_t *index) {
    uint32_t wi = g->nodes[node].inputs[1];
    int64_t m_count = g->tensors[wi].dims[0], c_count = g->tensors[wi].dims[1];
    int64_t k = g->tensors[wi].dims[2];
    vkc_winograd_form f;
    if (!vkc_winograd_parts(k, g->nodes[node].attrs.window.strides[0], &f))
        return vkc_node_fail(g, node, VKCNN_ERROR_INVALID_ARGUMENT, "no Winograd form");
    int64_t ks = f.per_axis, shifts = ks * ks;
    if (ks > 1 && tile == 4) tile = 3; /* the part forms: never F(4x4) (file comment) */
    int64_t alpha = tile + 2,
            mp = (m_count + VKC_WINOGRAD_MPAD - 1) / VKC_WINOGRAD_MPAD * VKC_WINOGRAD_MPAD;
    int64_t rows = shifts * c_count, dims[3] = {alpha * alpha, rows, mp};
    char name[512];
    snprintf(name, sizeof name, "%s_winograd_f%u", g->nodes[node].name, tile);
    float *u = NULL;
    vkcnn_status st = vkc_pass_add_constant(g, name, 3, dims, index, &u);
    if (st) return vkc_node_fail(g, node, st, "Winograd weight transform");
    const float *w = g->tensors[wi].data; /* re-fetched: adding a tensor may move the array */
    const double *gm = tile == 4 ? &G4[0][0] : tile == 3 ? &G3[0][0] : &G2[0][0];
    /* alloc_data zeroed u, padding columns m >= m_count included. Kernels
     * are taken MB at a time along m, innermost: the arithmetic then runs
     * as vectors across kernels, and each of the alpha^2 rows that a
     * (c, part) pair writes is filled MB floats at a time, left to right
     * (one kernel at a time, m outermost, the transform had 9% of the
     * samples of a `vkcnn bench` of VGG-16 under perf; now 4.7%). */
    enum { MB = 8 };
    for (int64_t c = 0; c < c_count; c++)
        for (int64_t sh = 0; sh < shifts; sh++) {
            /* the 3x3 part sh = (si, sj) of kernel (m, c): taps
             * (unit * si + step * y, unit * sj + step * x), zero past k */
            int64_t di = f.unit * (sh / ks), dj = f.unit * (sh % ks), row = sh * c_count + c;
            for (int64_t m0 = 0; m0 < m_count; m0 += MB) {
                int64_t nb = m_count - m0 < MB ? m_count - m0 : MB;
                double kk[3][3][MB] = {{{0}}};
                for (int y = 0; y < 3; y++)
                    for (int x = 0; x < 3; x++) {
                        int64_t ky = di + f.step * y, kx = dj + f.step * x;
                        if (ky >= k || kx >= k) continue;
                        for (int64_t v = 0; v < nb; v++)
                            kk[y][x][v] = w[(((m0 + v) * c_count + c) * k + ky) * k + kx];
                    }
                double t[6][3][MB]; /* G g */
                for (int64_t i = 0; i < alpha; i++)
                    for (int l = 0; l < 3; l++)
                        for (int v = 0; v < MB; v++)
                            t[i][l][v] = gm[i * 3 + 0] * kk[0][l][v] + gm[i * 3 + 1] * kk[1][l][v] +
                                         gm[i * 3 + 2] * kk[2][l][v];
                for (int64_t i = 0; i < alpha; i++)
                    for (int64_t j = 0; j < alpha; j++) {
                        float out[MB];
                        for (int v = 0; v < MB; v++)
                            out[v] =
                                (float)(t[i][0][v] * gm[j * 3 + 0] + t[i][1][v] * gm[j * 3 + 1] +
                                        t[i][2][v] * gm[j * 3 + 2]);
                        memcpy(&u[((i * alpha + j) * rows + row) * mp + m0], out,
                               (size_t)nb * sizeof *out);
                    }
            }
        }
    return VKCNN_OK;
}

vkcnn_status vkc_pass_winograd_weights(vkc_graph *g, vkc_passes *r,
                                       const vkc_passes_options *opts) {
    (void)r;
    vkc_winograd_fits_fn fits = opts ? opts->fits : NULL;
    void *user = opts ? opts->user : NULL;
    uint32_t count = g->node_count;
    for (uint32_t n = 0; n < count; n++) {
        uint32_t tile = vkc_winograd_tile(g, n);
        if (opts && opts->choose) {
            uint32_t form = vkc_winograd_form_tile(g, n);
            tile = form ? opts->choose(g, n, tile, form, user) : 0;
            if (tile < 2 || tile > 4) tile = 0;
        }
        if (!tile) continue;
        uint32_t u;
        vkcnn_status st = transform(g, n, tile, &u);
        if (st) return st;
        /* U stays in the graph unused when the form does not fit: host
         * memory only (only tensors a kernel binds are uploaded) */
        if (fits && !fits(g, n, u, user)) continue;
        g->nodes[n].algo = VKC_CONV_ALGO_WINOGRAD;
        g->nodes[n].winograd = u;
    }
    return vkc_graph_relink(g);
}
