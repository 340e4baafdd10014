/* Kernel choice (choose.h): the default rule per family, its legality
 * checks, the candidate lists, shape keys.
 *
 * Inputs of the default rule, and nothing else of the device:
 * - t->caps: CPU or GPU, Mesa's version on lavapipe, shaderInt64 (the
 *   device-level load paths, vkc_choose_device_loads);
 * - t->local_size, t->subgroup_fixed, t->subgroup_ops, t->mx_subgroup_size
 *   (workgroup and subgroup shape: implicit GEMM's subgroup broadcast,
 *   GEMV's subgroupAdd and split-K width);
 * - t->max_binding_bytes, t->offset_alignment, t->max_texel_elements (what
 *   fits one binding or one texel buffer);
 * - t->texel_loads, t->wide_loads (the device defaults above);
 * - per node: shapes, attributes, fp16 weights (t->half).
 * vendor/device ID, subgroup size range, shared memory size and compute
 * units are in the caps for rules to come: the rules below were measured on
 * lavapipe only, and reproduce exactly what the lowering chose before
 * variants existed. */
#include "codegen/choose.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "passes/passes.h"

/* ---- device-level defaults -------------------------------------------------- */

/* Whether texelFetch from uniform texel buffers may fail on the device
 * (vkc_choose_device_loads): no texel candidates there either. Mesa 25.0.7's
 * lavapipe faults in its JIT code (an aligned 64-byte store to a 32-byte
 * slot), or computes garbage, when texel-fetching code compiled at one SIMD
 * width runs at the other: its on-disk shader cache does not key entries on
 * LP_NATIVE_VECTOR_WIDTH (MobileNetV2 at 256 bits after a 512-bit run in the
 * same cache: SIGSEGV; LeNet-5, pooling and AlexNet after the CLI's 512-bit
 * runs: wrong outputs). Each width in a cache of its own, the texel kernel
 * tests pass at both. The library cannot know who else writes a shared
 * cache, so texel loads there only where the cache is private to the width
 * (jit_cache_private: the CLI's and the Python package's runs). 22.3
 * inlines its texel fetches: correct mixed or not. */
static bool texel_unsafe(const vkc_codegen_target *t) {
    return t->caps.mesa_version > 2203 && !t->caps.jit_cache_private;
}

void vkc_choose_device_loads(vkc_codegen_target *t, const vkc_kernel_override *ov) {
    /* Texel loads on CPU drivers: on lavapipe 22.3 a storage-buffer load is
     * emulated lane by lane and a texelFetch is one 16-byte load per lane;
     * Mesa 25.0.7 loads storage buffers ~9x faster (`vkcnn peak`), but texel
     * loads still win there where they are safe (bench/RESULTS.md: ResNet-50
     * 116 against 223-229 ms, MobileNetV2 17-20 against 31-35). */
    t->texel_loads = t->caps.cpu && !texel_unsafe(t);
    /* Wide (u64vec4) loads, and stores of 8 floats (cg_def_y_vectors), on
     * CPU drivers with int64, which emulate loads and stores lane by lane
     * and component by component; neither on lavapipe after 22.3: it compiles a
     * shader at its first dispatch, the wide kernels (the Winograd
     * transforms' 8 tiles per invocation) 10x slower than the others (Mesa
     * 25.0.7 with empty caches: kernel_test_winograd's first case 30 s
     * against 3 s, AlexNet's first bench 370 s against 57 s), for no
     * measured gain (AlexNet 204 against 206 ms per inference, medians of 4
     * interleaved runs on a shared host). */
    t->wide_loads = t->caps.cpu && t->caps.int64 && t->caps.mesa_version <= 2203;
    /* Texel buffers as samplerBuffer on lavapipe 22.3: there its fetches run
     * up to 2x faster than the same fetches from a textureBuffer (AlexNet,
     * GPU medians of interleaved `vkcnn bench --iters 10`: 31-39 against
     * 45-63 ms; its Winograd GEMMs 1.5-2.6x, `--per-layer`). Mesa 25.0
     * warns on the sampled form of a buffer (its SPIR-V reader: not allowed
     * from SPIR-V 1.6), and no other driver was measured: textureBuffer. */
    t->sampled_texels = t->caps.cpu && t->caps.mesa_version && t->caps.mesa_version <= 2203;
    /* And there as readonly storage texel buffers (imageLoad) rather than
     * either form of texelFetch, in the kernels vkc_choose_image_texels
     * keeps (measurements there). */
    t->image_texels = t->sampled_texels;
    if (ov && ov->loads >= 0) t->texel_loads = ov->loads == VKC_LOAD_TEXEL;
    if (ov && ov->wide >= 0) t->wide_loads = ov->wide && t->caps.int64;
    if (ov && ov->image >= 0) t->image_texels = t->image_all = ov->image;
    /* One dispatch per squeeze-and-excitation block on CPU drivers, where
     * each dispatch and barrier costs tens of microseconds (`vkcnn peak`)
     * and the block's three did a few microseconds of work each
     * (EfficientNet-B0, bench/RESULTS.md). Not on GPUs: one workgroup per
     * image would leave all but a few of their compute units idle in the
     * pool, and no GPU measured it. */
    t->squeeze_excite = t->caps.cpu;
    if (ov && ov->se >= 0) t->squeeze_excite = ov->se;
}

bool vkc_choose_squeeze_excite_fits(const vkc_codegen_target *t, int64_t c, int64_t r) {
    return c >= 1 && r >= 1 && c <= VKC_SE_MAX_C && r <= VKC_SE_MAX_R &&
           (uint64_t)(VKC_SE_MAX_C + VKC_SE_MAX_R) * 4 <= t->caps.shared_memory;
}

bool vkc_choose_squeeze_excite(const vkc_codegen_target *t, int64_t c, int64_t r) {
    return t->squeeze_excite && vkc_choose_squeeze_excite_fits(t, c, r);
}

bool vkc_choose_squeeze_excite_pass(int64_t c, int64_t r, void *target) {
    return vkc_choose_squeeze_excite(target, c, r);
}

vkc_family vkc_node_family(const vkc_graph *g, uint32_t n) {
    if (n >= g->node_count || g->nodes[n].dead) return VKC_FAMILY_NONE;
    switch (g->nodes[n].op) {
    case VKC_OP_CONV: return VKC_FAMILY_CONV;
    case VKC_OP_GEMM: return VKC_FAMILY_GEMM;
    case VKC_OP_MATMUL: return VKC_FAMILY_MATMUL;
    default: return VKC_FAMILY_NONE;
    }
}

static const vkc_tensor *input(const vkc_graph *g, uint32_t n, uint32_t slot) {
    const vkc_node *node = &g->nodes[n];
    uint32_t t =
        slot < node->own_inputs && slot < node->input_count ? node->inputs[slot] : VKC_NONE;
    return t == VKC_NONE ? NULL : &g->tensors[t];
}

static bool half_weight(const vkc_graph *g, uint32_t n, const vkc_codegen_target *t) {
    const vkc_node *node = &g->nodes[n];
    uint32_t w = node->input_count > 1 ? node->inputs[1] : VKC_NONE;
    return t->half && w != VKC_NONE && t->half[w];
}

/* Texels of a binding of `elements` floats (fp16: halves) fit one texel
 * buffer: the size condition of cg_texels_fit, whatever the load path. */
static bool texel_size_ok(const vkc_codegen_target *t, uint64_t elements, bool half) {
    uint64_t per = half ? 8 : 4;
    return (elements + per - 1) / per <= t->max_texel_elements;
}

static bool pow2(int64_t v) {
    return v > 0 && !(v & (v - 1));
}

/* ---- Conv ------------------------------------------------------------------ */

typedef struct conv_geo {
    int64_t n, c, m, group, mg, p, h, w, oh, ow, kh, kw, sh, sw, dh, dw;
    bool one_binding; /* W in one binding: implicit GEMM possible */
    bool padded;      /* any pad > 0 */
    bool texel;       /* X and W whole texels within the texel limit */
    uint32_t sg;      /* subgroup size for W's broadcast, 0 when not usable */
    uint64_t macs;
} conv_geo;

static bool conv_geometry(const vkc_graph *g, uint32_t n, const vkc_codegen_target *t,
                          conv_geo *o) {
    const vkc_node *node = &g->nodes[n];
    const vkc_tensor *x = input(g, n, 0), *w = input(g, n, 1);
    if (!x || !w || node->output_count < 1 || node->outputs[0] == VKC_NONE) return false;
    const vkc_tensor *y = &g->tensors[node->outputs[0]];
    if ((x->rank != 3 && x->rank != 4) || w->rank != x->rank || y->rank != x->rank) return false;
    const vkc_window_attrs *a = &node->attrs.window;
    uint32_t o1 = x->rank == 4 ? 1 : 0; /* W's attribute index */
    memset(o, 0, sizeof *o);
    o->n = x->dims[0];
    o->c = x->dims[1];
    o->m = w->dims[0];
    o->group = a->group > 0 ? a->group : 1;
    o->mg = o->m / o->group;
    /* with a fused pool the node's output is the pool's; the conv's is conv_dims */
    const int64_t *cd = node->pool ? node->conv_dims : y->dims;
    o->h = x->rank == 4 ? x->dims[2] : 1;
    o->w = x->dims[x->rank - 1];
    o->oh = x->rank == 4 ? cd[2] : 1;
    o->ow = cd[x->rank - 1];
    o->kh = x->rank == 4 ? w->dims[2] : 1;
    o->kw = w->dims[w->rank - 1];
    o->sw = a->strides[o1];
    o->dw = a->dilations[o1];
    o->sh = x->rank == 4 ? a->strides[0] : 1;
    o->dh = x->rank == 4 ? a->dilations[0] : 1;
    o->p = o->n * o->oh * o->ow;
    for (uint32_t i = 0; i + 2 < x->rank; i++)
        if (a->pads[i] || a->pads[VKC_MAX_SPATIAL + i]) o->padded = true;
    o->one_binding = vkc_codegen_chunking(t, w->elements).count == 1;
    bool half = half_weight(g, n, t);
    o->texel = x->elements % 4 == 0 && w->elements % (half ? 8 : 4) == 0 &&
               texel_size_ok(t, x->elements, false) && texel_size_ok(t, w->elements, half);
    uint32_t sg = t->subgroup_fixed;
    o->sg = sg && (t->subgroup_ops & VKCNN_SUBGROUP_BALLOT) && t->local_size % sg == 0 ? sg : 0;
    o->macs = vkc_node_macs(g, n);
    return true;
}

/* Implicit GEMM's block (conv_gemm.comp: TM channels x TP pixels per
 * invocation, W's loads through subgroupBroadcast with "sg"). Loads bound
 * it on lavapipe (each SIMD load is a loop over lanes), so blocks trade
 * loads for registers. Measured on lavapipe (VGG's 512->512 3x3 at 14x14,
 * 1 image): with SG, 16 x 2 1.2 s, 8 x 4 1.8 s, 16 x 4 2.0 s, 32 x 8 2.5 s,
 * 32 x 4 3.0 s (spills); without SG, 16 x 4 5.3 s, 8 x 2 7.3 s, 8 x 1 15 s
 * (conv.comp: 15 s). At 256->256 56x56, 16 x 4 = 16 x 8. Staging W through
 * shared memory in slices of 32-64 k gained nothing. Row blocks ("rows":
 * an invocation's TP pixels adjacent in one output row, so X columns are
 * loaded once per (c, ky) for every kx) when SG, KW > 1 and a block reads
 * at most 32 columns: 256->256 56x56 2.3 -> 2.8 GFLOP/s. With X and W read
 * through texel buffers loads cost several times less: VGG-16 without
 * Winograd 11-14 s -> 1.3-2.0 s, its 3x3 layers at 15-21 GFLOP/s,
 * AlexNet's 5x5 65-99 -> 29-61 ms (noisy host). Blocks then measured on
 * VGG-16 without Winograd, whole model: 16x4 1.69-1.85 s, 16x8 1.28-1.72,
 * 8x8 1.49-1.72, 8x4 2.26, 32x4 3.0, 32x8 2.86, 16x2 3.4; within the noise
 * of each other but for 32 (spills) and 16x2, so the rule stands:
 * - TM = 16, or the next power of two >= M/GROUP when that is smaller
 *   (depthwise: 1), so few computed rows are thrown away;
 * - TP = 4 pixels, fewer when the layer has too few pixels to give every
 *   invocation of a workgroup a full block;
 * - twice that on lavapipe at 512-bit vectors (AVX-512 hosts), where the
 *   tuner found TP doubled faster wherever it measured (lavapipe 22.3,
 *   interleaved rounds of one layer each; bench/RESULTS.md): ResNet-50's
 *   stem 7x7/2 16x4 -> 16x8 1.58x, layer2.0's 3x3/2 16x4 -> 16x8 1.39x,
 *   layer3.0's 16x2 -> 16x4 1.78x, VGG-16's first layer 16x4 -> 16x8 1.40x.
 *   Blocks of one pixel stay (ResNet-50's layer4.0 3x3/2 at 7x7: 16x1
 *   kept). */
static void igemm_rule_block(const conv_geo *o, const vkc_codegen_target *t, int64_t *tm,
                             int64_t *tp) {
    *tm = 1;
    while (*tm < 16 && *tm < o->mg)
        *tm *= 2;
    int64_t local = t->local_size;
    *tp = o->p >= 4 * local ? 4 : o->p >= 2 * local ? 2 : 1;
    if (t->caps.cpu && t->caps.vector_width >= 512 && *tp > 1) *tp *= 2;
}

/* Blocks conv_gemm.comp takes: powers of two, TM <= 32, TP <= 8. */
static bool igemm_block_ok(int64_t tm, int64_t tp) {
    return pow2(tm) && tm <= 32 && pow2(tp) && tp <= 8;
}

/* Row blocks need the broadcast (see the shader), KW > 1, and read at most
 * 32 X columns per block row. */
static bool igemm_rows_ok(const conv_geo *o, int64_t tp) {
    int64_t xc = (tp - 1) * o->sw + (o->kw - 1) * o->dw + 1;
    return o->sg && o->kw > 1 && xc <= 32;
}

/* Split-K (column form): `split` slices of the input channels, each at
 * least one channel. */
static bool igemm_split_ok(const conv_geo *o, int64_t split) {
    return split >= 2 && split <= VKC_MAX_SPLIT && o->c / o->group >= split;
}

/* Split-K by rule: on a GPU whose compute-unit count is known, a layer
 * whose workgroups would leave most units idle (late, small-spatial layers
 * at batch 1: ResNet-50's 7x7 layers, VGG-16's last) and whose reduction is
 * long gets the smallest power-of-two split that gives every unit a
 * workgroup, keeping slices of at least 32 input channels. Never on CPU
 * drivers (two cores there have work at any split). The thresholds are not
 * measured on a GPU yet; the tuner's candidates include splits 2-8. */
static int64_t igemm_rule_split(const conv_geo *o, const vkc_codegen_target *t, int64_t tm,
                                int64_t tp) {
    uint32_t cu = t->caps.compute_units;
    if (t->caps.cpu || !cu) return 0;
    int64_t local = t->local_size;
    int64_t groups = o->group * ((o->mg + tm - 1) / tm) * ((o->p + local * tp - 1) / (local * tp));
    int64_t cg = o->c / o->group, k = cg * o->kh * o->kw;
    if (2 * groups > (int64_t)cu || k < 512) return 0;
    int64_t split = 1;
    while (split < VKC_MAX_SPLIT && groups * split < (int64_t)cu && cg / (2 * split) >= 32)
        split *= 2;
    return split > 1 ? split : 0;
}

static void choose_igemm(const conv_geo *o, const vkc_codegen_target *t, const vkc_variant *w,
                         vkc_variant *v) {
    memset(v, 0, sizeof *v);
    int64_t tm, tp;
    igemm_rule_block(o, t, &tm, &tp);
    if (w && w->bm && igemm_block_ok(w->bm, w->bn)) {
        tm = w->bm;
        tp = w->bn;
    }
    v->algo = VKC_ALGO_IGEMM;
    v->bm = (uint16_t)tm;
    v->bn = (uint16_t)tp;
    v->reduce = o->sg ? VKC_REDUCE_SUBGROUP : VKC_REDUCE_PLAIN;
    if (w && w->reduce == VKC_REDUCE_PLAIN) v->reduce = VKC_REDUCE_PLAIN;
    bool rows = v->reduce == VKC_REDUCE_SUBGROUP && igemm_rows_ok(o, tp);
    if (w && w->form == VKC_FORM_COLS) rows = false;
    /* split-K where wanted (it takes the column form), else by rule where
     * no form is wanted */
    int64_t split = w && w->split ? w->split : (w && w->form) ? 0 : igemm_rule_split(o, t, tm, tp);
    if (igemm_split_ok(o, split)) {
        v->split = (uint8_t)split;
        rows = false;
    }
    v->form = rows ? VKC_FORM_ROWS : VKC_FORM_COLS;
    v->load = t->texel_loads ? VKC_LOAD_TEXEL : VKC_LOAD_STORAGE;
    if (w && w->load) v->load = w->load;
}

/* The 1x1 GEMM (conv1x1.comp): 1x1 kernels of group 1 without padding, W
 * in one binding, any stride. */
static bool gemm1x1_ok(const conv_geo *o) {
    return o->group == 1 && o->kh == 1 && o->kw == 1 && !o->padded && o->one_binding;
}

/* Blocks conv1x1.comp takes: TM a power of two up to 16, TP 4 or 8. */
static bool gemm1x1_block_ok(int64_t tm, int64_t tp) {
    return pow2(tm) && tm <= 16 && (tp == 4 || tp == 8);
}

/* The 1x1 GEMM's block: TM = 16 (fewer when M needs fewer), TP = 8 (4 for
 * images of fewer than 8 pixels). Loads bound it on lavapipe: a step of 4
 * channels costs TM + TP vec4 loads for 4 * TM * TP FMAs, so larger blocks
 * win until spills cost more. Measured on lavapipe 22.3 (texel loads; sums
 * of per-layer minima over 5 interleaved runs on a shared host):
 * MobileNetV2's 1x1 layers 16x8 25.1 ms, 8x8 28.3, 8x4 31.3, 16x4 ~55
 * (3 runs); ResNet-50's (2 runs) 16x8 267 ms, 16x4 308, 8x8 315. 8x8 is
 * ahead on some 7x7 layers with M = 160, within the noise elsewhere. */
#define GEMM1X1_MIN_GRID 64 /* two workgroups of the CPU rule's 32 */
static void gemm1x1_rule_block(const conv_geo *o, int64_t *tm, int64_t *tp) {
    *tm = 1;
    while (*tm < 16 && *tm < o->mg)
        *tm *= 2;
    *tp = o->oh * o->ow >= 8 ? 8 : 4;
    /* Images of under 4 pixels (squeeze-and-excitation's 1x1 convs on
     * pooled vectors): TM halved while the grid has fewer than
     * GEMM1X1_MIN_GRID invocations. There a block of 16 channels left
     * ceil(M / 16) invocations, each looping over all of C with 20 loads a
     * step: EfficientNet-B0's 672 -> 28 took 0.11 ms in 2 invocations.
     * Its 16 squeezes 1.16-1.39 -> 0.90-0.92 ms, its 16 excitations
     * 0.78-0.84 -> 0.66-0.79 (`bench --per-layer`, 2 interleaved rounds);
     * the model's GPU median lower in 4 interleaved rounds of 4, by
     * 0.2-3.9 ms of 24-28. */
    if (o->oh * o->ow >= 4) return;
    int64_t pixel_blocks = o->n * ((o->oh * o->ow + *tp - 1) / *tp);
    while (*tm > 1 && pixel_blocks * ((o->mg + *tm - 1) / *tm) < GEMM1X1_MIN_GRID)
        *tm /= 2;
}

/* Whether the default rule runs the 1x1 convs that conv1x1.comp takes
 * through it rather than conv_gemm.comp: on CPU drivers with texel loads
 * (lavapipe 22.3), where it was measured faster (per-layer minima over
 * interleaved runs, a shared host: MobileNetV2's 1x1 layers 80-148 -> 25
 * ms, ResNet-50's 909 -> 267 ms). Not with storage loads: on Mesa 25.0.7's
 * lavapipe MobileNetV2's 1x1 layers took 96 ms as 16x8 and 61 ms as 8x8
 * against the implicit GEMM's 41. Not measured on a GPU. Elsewhere the 1x1
 * GEMM is a tuner candidate. */
static bool gemm1x1_rule(const vkc_codegen_target *t) {
    return t->caps.cpu && t->texel_loads;
}

/* The 1x1 GEMM's workgroup on CPU drivers of several threads: 32
 * invocations, half the target's 64. Each of lavapipe's worker threads runs
 * whole workgroups, so a grid of a few leaves threads idle: EfficientNet-
 * B0's 14x14 672 -> 112 layers have 175 blocks, 3 workgroups of 64 on 2
 * threads (2 rounds of 64 lanes) or 6 of 32 (3 rounds of 32). One size for
 * every layer: a size per layer (tried: the fewest rounds times lanes)
 * builds a second pipeline wherever small and large layers share a kernel,
 * about 11 ms of start-up each (MobileNetV2's cold start 242 -> 263 ms).
 * Measured on lavapipe 22.3 (`bench --per-layer`, GPU time p10 of 3-4
 * interleaved rounds, workgroups of 64 / 32 / 16): MobileNetV2 30.9-31.0 /
 * 29.6-30.8 / 30.7-31.1 ms, EfficientNet-B0 43.3-43.9 / 42.1-43.2 /
 * 42.4-42.6, GoogLeNet 70.1-71.0 / 67.4-68.7 / 66.9-68.1, ResNet-50
 * 198.8-200.5 / 199.7-201.8 / 205-209 (many workgroups: each costs about
 * a microsecond of its own, `vkcnn peak`). */
static uint16_t gemm1x1_rule_local(const vkc_codegen_target *t) {
    uint32_t lanes = t->caps.vector_width / 32;
    return t->caps.cpu && t->caps.compute_units >= 2 && lanes && 32 % lanes == 0 &&
                   t->local_size > 32
               ? 32
               : 0;
}

/* imageLoad against samplerBuffer texelFetch on lavapipe 22.3 (2 AMD EPYC
 * Zen 5 vCPUs, `bench --per-layer`, sums per kernel, 2 interleaved rounds
 * of VKCNN_KERNEL_OVERRIDE=image=off|on): the Winograd GEMMs of VGG-16
 * 119.5-120.8 -> 77.8-79.2 ms (AlexNet's 5x5 layer 4.46 -> 2.51), the 1x1
 * GEMM of ResNet-50 104-109 -> 70-82 and of DenseNet-121 58-62 -> 45, the
 * Winograd input transforms and implicit GEMMs 10-40% faster; GPU medians
 * 10-25% lower on every model of bench/compare.py (VGG-16 172-178 -> 128-133
 * ms). `vkcnn peak`'s streaming read 31-33 -> 33-44 GB/s. Left out, slower
 * that way: gemv.comp (VGG-16's 411 MB layer 12.6-12.9 -> 15.4-15.6 ms,
 * AlexNet's 5.3 -> 5.8) and the Winograd output transform (VGG-16's 11.1 ->
 * 12.9-13.4 ms, mixed elsewhere). */
bool vkc_choose_image_texels(const vkc_codegen_target *t, const char *name) {
    return t->image_texels && !t->half &&
           (t->image_all || (strcmp(name, "gemv") != 0 && strcmp(name, "winograd_output") != 0));
}

bool vkc_choose_input_affine(const vkc_codegen_target *t) {
    return gemm1x1_rule(t);
}

static void choose_gemm1x1(const conv_geo *o, const vkc_codegen_target *t, const vkc_variant *w,
                           vkc_variant *v) {
    memset(v, 0, sizeof *v);
    int64_t tm, tp;
    gemm1x1_rule_block(o, &tm, &tp);
    if (w && w->bm && gemm1x1_block_ok(w->bm, w->bn)) {
        tm = w->bm;
        tp = w->bn;
    }
    v->algo = VKC_ALGO_GEMM1X1;
    v->bm = (uint16_t)tm;
    v->bn = (uint16_t)tp;
    v->load = t->texel_loads ? VKC_LOAD_TEXEL : VKC_LOAD_STORAGE;
    if (w && w->load) v->load = w->load;
    /* a complete variant names its workgroup (none: the target's), a
     * pattern leaves it to the rule */
    v->local = w && (w->local || vkc_variant_complete(w)) ? w->local : gemm1x1_rule_local(t);
}

/* im2col + the 1x1 GEMM (im2col.comp, conv1x1.comp): with graph
 * compilation (two dispatches), group 1, W in one binding, no fused input
 * scale or pool, a kernel the 1x1 GEMM cannot take
 * alone (larger than 1x1, or padded), and a scratch of N * C * KH * KW *
 * OH * OW floats within one binding and IM2COL_MAX_SCRATCH. */
#define IM2COL_MAX_SCRATCH ((uint64_t)1 << 24)
static bool im2col_ok(const vkc_graph *g, uint32_t n, const conv_geo *o,
                      const vkc_codegen_target *t) {
    const vkc_node *node = &g->nodes[n];
    uint64_t scratch =
        (uint64_t)o->n * (uint64_t)o->c * (uint64_t)(o->kh * o->kw) * (uint64_t)(o->oh * o->ow);
    return !t->one_dispatch && o->group == 1 && o->one_binding && node->in_scale == VKC_NONE &&
           !node->pool && (o->kh * o->kw > 1 || o->padded || o->sh > 1 || o->sw > 1) &&
           scratch <= IM2COL_MAX_SCRATCH && scratch <= t->max_binding_bytes / 4;
}

/* Whether the default rule subsamples a strided 1x1 convolution with im2col
 * (its "patches" are then X's pixels at the stride) before the 1x1 GEMM,
 * rather than have the GEMM read X at the stride: on CPU drivers with
 * texel loads, where the GEMM cannot fetch its pixels in pairs (conv1x1.comp
 * XP2: stride 2, W and OW even) and so fetches a texel per pixel, where
 * over the subsampled X (consecutive pixels) it fetches TP / 4 + 1 per
 * block. Measured on lavapipe 22.3 (`bench --per-layer`, one-layer
 * models, 3 interleaved rounds): ResNet-50's layer4.0 downsample (1024 ->
 * 2048 channels, 14x14 -> 7x7) 5.5-5.9 ms read at the stride, against
 * 3.7-3.9 for the same GEMM over a 7x7 input. */
static bool subsample_rule(const conv_geo *o, const vkc_codegen_target *t) {
    bool pairs = o->sh == 2 && o->sw == 2 && o->w % 2 == 0 && o->ow % 2 == 0 &&
                 (o->h * o->w) % 4 == 0 && o->texel;
    return t->caps.cpu && t->texel_loads && o->kh * o->kw == 1 && !o->padded &&
           (o->sh > 1 || o->sw > 1) && !pairs;
}

/* Whether the default rule runs a convolution that im2col takes as
 * im2col + the 1x1 GEMM rather than as the implicit GEMM: images of fewer
 * than 16 * local_size output pixels (28x28 and smaller at 64), on CPU
 * drivers with texel loads, where it was measured (lavapipe 22.3, `bench
 * --per-layer`, im2col + GEMM against the implicit GEMM). On a loaded
 * host, first: ResNet-18's layer4.0 3x3/2 at 7x7 0.6 + 10.2 ms against
 * 55-64, layer3.0 at 14x14 1.2-2.8 + 4.9-13.6 against 17, at 28x28
 * (layer2.0) 10.5-15.5 against 12.7-21, and the 7x7/2 stem at 112x112
 * 46-48 against 34-39, where the implicit GEMM keeps its blocks; the
 * bound was 4 * local_size. After the 1x1 GEMM's later gains (stop 42, 3
 * interleaved rounds): at 28x28 ResNet-18's layer2.0.conv1 2.2-3.2 ms
 * (im2col 1.0-1.5) against 3.1, ResNet-50's layer2.0.conv2 4.5-4.6 against
 * 6.0-6.3. Not on Mesa 25.0.7's lavapipe, whose implicit GEMM runs those
 * layers in 2.0-2.2 and 3.8-4.1 ms against im2col's 2.9-3.2 and 5.4-6.7:
 * there the bound stays 4 * local_size. Elsewhere a tuner candidate. */
static bool im2col_rule(const conv_geo *o, const vkc_codegen_target *t) {
    int64_t pixels = t->caps.mesa_version && t->caps.mesa_version <= 2203 ? 16 : 4;
    return t->caps.cpu && t->texel_loads && o->p < pixels * (int64_t)t->local_size;
}

static void choose_im2col(const conv_geo *o, const vkc_codegen_target *t, const vkc_variant *w,
                          vkc_variant *v) {
    choose_gemm1x1(o, t, w, v); /* the same GEMM, over the patches */
    v->algo = VKC_ALGO_IM2COL;
}

/* The depthwise kernel (conv_dw.comp): one input channel per group (C ==
 * GROUP > 1, any channel multiplier M / C), W in one binding. */
static bool dw_ok(const conv_geo *o) {
    return o->group > 1 && o->c == o->group && o->one_binding;
}

/* Blocks conv_dw.comp takes for this layer: TY in 1..32, TX in 1..16, a
 * window of at most 32 input rows and columns (KR x XC registers), and at
 * most 1,024 unrolled FMAs per output row (TX * KH * KW: LLVM's time to
 * build the pipeline grows with them; TY is a loop and costs no code). */
static bool dw_block_ok(const conv_geo *o, int64_t ty, int64_t tx) {
    int64_t kr = (o->kh - 1) * o->dh + 1;
    int64_t xc = (tx - 1) * o->sw + (o->kw - 1) * o->dw + 1;
    return ty >= 1 && ty <= 32 && tx >= 1 && tx <= 16 && kr <= 32 && xc <= 32 &&
           tx * o->kh * o->kw <= 1024;
}

/* The depthwise block: 8 x 8 outputs on CPU drivers, 4 x 4 elsewhere, each
 * side halved while the layer has fewer rows or columns than half of it,
 * then the larger side (rows on ties) halved until the block fits
 * (dw_block_ok: large kernels, strides). Wider tiles load fewer inputs
 * per output, and loads bound the kernel on lavapipe; taller ones spread
 * the tile's first KR - SH rows over more outputs. Measured on lavapipe
 * 22.3 (sums of MobileNetV2's 17 depthwise layers, two interleaved runs on
 * a shared host; `bench`'s cold and warm start beside): 8x8 6.9-7.0 ms,
 * cold 347-354 ms, warm 204-206; 16x8 6.8-7.2 and 32x8 6.4-6.6, warm
 * 290-300 (the same code but for TY; LLVM's doing, not understood); 8x16
 * 6.5-6.6, warm 302 (twice the unrolled row); 4x8 7.9-8.0; 8x4 9.3-10.7;
 * the implicit GEMM 21 ms. So 8x8: within 6% of the fastest, with the
 * shortest start-up. Again after rows were read as the texels covering
 * them and stored as vec4s (7.0 -> 5.1-5.3 ms; two interleaved rounds):
 * 8x8 5.2-5.3, 8x16 4.9-5.2, 16x8 5.0-5.1, 4x16 5.6; 8x8 stays. On GPUs
 * smaller tiles leave more invocations for the compute units; not measured
 * there yet. */
static void dw_rule_block(const conv_geo *o, const vkc_codegen_target *t, int64_t *ty,
                          int64_t *tx) {
    *ty = *tx = t->caps.cpu ? 8 : 4;
    while (*ty > 1 && *ty / 2 >= o->oh)
        *ty /= 2;
    while (*tx > 1 && *tx / 2 >= o->ow)
        *tx /= 2;
    while (!dw_block_ok(o, *ty, *tx) && (*ty > 1 || *tx > 1)) {
        if (*ty >= *tx)
            *ty /= 2;
        else
            *tx /= 2;
    }
}

/* Whether the default rule runs the depthwise convs that conv_dw.comp takes
 * through it rather than conv_gemm.comp, whose channel block is one channel
 * there: every tap a load (3x in MobileNetV2's depthwise layers on lavapipe,
 * dw_rule_block). On other devices it is the default too, unmeasured. */
static bool dw_rule(const conv_geo *o, const vkc_codegen_target *t) {
    int64_t ty, tx;
    dw_rule_block(o, t, &ty, &tx);
    return dw_block_ok(o, ty, tx);
}

static void choose_dw(const conv_geo *o, const vkc_codegen_target *t, const vkc_variant *w,
                      vkc_variant *v) {
    memset(v, 0, sizeof *v);
    int64_t ty, tx;
    dw_rule_block(o, t, &ty, &tx);
    if (w && w->bm && dw_block_ok(o, w->bm, w->bn)) {
        ty = w->bm;
        tx = w->bn;
    }
    v->algo = VKC_ALGO_DEPTHWISE;
    v->bm = (uint16_t)ty;
    v->bn = (uint16_t)tx;
    v->load = t->texel_loads ? VKC_LOAD_TEXEL : VKC_LOAD_STORAGE;
    if (w && w->load) v->load = w->load;
}

/* The row kernel (conv_row.comp): group 1, at most ROW_MAX_C input channels
 * (a network's first layer, RGB in), a kernel larger than 1x1 (the 1x1 GEMM
 * takes those), W in one binding, no fused input scale. */
#define ROW_MAX_C 4
static bool row_ok(const vkc_graph *g, uint32_t n, const conv_geo *o) {
    return o->group == 1 && o->c <= ROW_MAX_C && o->kh * o->kw > 1 && o->one_binding &&
           g->nodes[n].in_scale == VKC_NONE && !g->nodes[n].pool;
}

/* Blocks conv_row.comp takes: TM and TX powers of two up to 16, at most
 * 128 accumulators, a window row of at most 64 input columns and KW <= 16,
 * at most 2,048 FMAs unrolled per (c, ky) (TM * TX * KW: LLVM's time). */
static bool row_block_ok(const conv_geo *o, int64_t tm, int64_t tx) {
    int64_t xc = (tx - 1) * o->sw + (o->kw - 1) * o->dw + 1;
    return pow2(tm) && pow2(tx) && tm <= 16 && tx <= 16 && tm * tx <= 128 && xc <= 64 &&
           o->kw <= 16 && tm * tx * o->kw <= 2048;
}

/* The row block: TM 8 channels (fewer when M needs fewer) x TX 16 outputs
 * (halved while the row has no more than half of it), then TX halved
 * until the block fits. Loads bound it on lavapipe: per (c, ky) a row
 * block reads XC / 4 + 2 texels of X and TM times KW / 4 + 2 of W for
 * TM * TX * KW FMAs, so wide rows and few channels per block. Measured on
 * lavapipe 22.3 (`bench --per-layer`, two rounds, ms): ResNet-18's 7x7
 * stride-2 stem 8x16 5.8-6.2, 4x16 6.6, 16x8 7.4, 8x8 7.8-11, 16x4 12;
 * MobileNetV2's 3x3 stride-2 one 1.65-1.87, 1.82-1.85, 1.91-1.94,
 * 2.0-2.1, 2.9; SqueezeNet 1.1's 3.1-3.9, 3.4-3.5, 3.6-4.8, 3.9-4.1, 5.5-5.8. */
static void row_rule_block(const conv_geo *o, int64_t *tm, int64_t *tx) {
    *tm = 1;
    while (*tm < 8 && *tm < o->m)
        *tm *= 2;
    *tx = 16;
    while (*tx > 1 && *tx / 2 >= o->ow)
        *tx /= 2;
    while (*tx > 1 && !row_block_ok(o, *tm, *tx))
        *tx /= 2;
}

/* Whether the default rule runs the convs conv_row.comp takes through it:
 * on CPU drivers with texel loads, for kernels at least ROW_MIN_KW wide,
 * where it was measured faster than the implicit GEMM's
 * igemm/16x8/rows/texel/sg (lavapipe 22.3, ms): ResNet-18's 7x7 stride-2
 * stem 13.05 -> 5.8-6.2, GoogLeNet's 13.2 -> 5.9. The 3x3 stride-2 stems
 * gained less there (SqueezeNet 1.1's 3.57 -> 3.1-3.9, MobileNetV2's 1.9
 * -> 1.65-1.87) and were left to the implicit GEMM for the row kernel's
 * larger pipeline; since its rows of whole vec4s are stored as vec4s
 * (YV4), on the slower host of bench/RESULTS.md's 2026-12-06 sections
 * (`bench --per-layer`, three interleaved rounds): MobileNetV2's stem
 * 4.6-5.8 -> 2.7-3.7, EfficientNet-B0's 5.4-5.8 -> 2.9-3.0, SqueezeNet
 * 1.1's (OW 111: no vec4s) 10.3-18.1 -> 7.9-11.5, with cold starts
 * within the rounds' spread. Elsewhere a tuner candidate, not measured on a
 * GPU. */
#define ROW_MIN_KW 3
static bool row_rule(const conv_geo *o, const vkc_codegen_target *t) {
    int64_t tm, tx;
    row_rule_block(o, &tm, &tx);
    return t->caps.cpu && t->texel_loads && o->kw >= ROW_MIN_KW && row_block_ok(o, tm, tx);
}

static void choose_row(const conv_geo *o, const vkc_codegen_target *t, const vkc_variant *w,
                       vkc_variant *v) {
    memset(v, 0, sizeof *v);
    int64_t tm, tx;
    row_rule_block(o, &tm, &tx);
    if (w && w->bm && row_block_ok(o, w->bm, w->bn)) {
        tm = w->bm;
        tx = w->bn;
    }
    v->algo = VKC_ALGO_ROW;
    v->bm = (uint16_t)tm;
    v->bn = (uint16_t)tx;
    v->load = t->texel_loads ? VKC_LOAD_TEXEL : VKC_LOAD_STORAGE;
    if (w && w->load) v->load = w->load;
}

/* Winograd's geometry for tile T: MP (M padded) and P (tiles). */
static void wino_geometry(const conv_geo *o, int64_t tile, int64_t *mp, int64_t *p) {
    *mp = (o->m + VKC_WINOGRAD_MPAD - 1) / VKC_WINOGRAD_MPAD * VKC_WINOGRAD_MPAD;
    *p = o->n * ((o->oh + tile - 1) / tile) * ((o->ow + tile - 1) / tile);
}

/* The largest Winograd GEMM block with texel loads, rule or candidate, in
 * accumulators (TM x TP) */
#define WINO_TEXEL_BLOCK 512

/* Whether t is the device the Winograd rules' large blocks and F(2x2) for
 * few tiles were measured on: a CPU driver with wide accesses, lavapipe up
 * to 22.3 (wide=on elsewhere forces the accesses, not the rules) */
static bool wino_wide_cpu(const vkc_codegen_target *t) {
    return t->wide_loads && t->caps.mesa_version <= 2203;
}

/* The Winograd GEMM's block TM x TP (winograd_gemm.comp; the measurements
 * behind it are in lower_winograd.c's comment): loads bound the GEMM on
 * lavapipe, so its time goes as the loads, PP * MP * (1/TM + 1/TP) per c
 * and a. With texel loads TM is 16, or 32 where it divides MP, P is over
 * 16 tiles and the block stays within 512 accumulators (TP 16 or 8),
 * whichever loads less (at 16 tiles, a 13x13 or 14x14 output at batch 1,
 * 32 x 16 loads less but 16 x 16 ran faster: `bench --per-layer`, lavapipe
 * 22.3 at 512 bits, 2 interleaved rounds, F(4x4) GEMMs: AlexNet's three
 * 1.01-1.44 against 1.06-1.73 ms, ResNet-18's three at 14x14 0.95-1.03
 * against 1.17-1.35; F(2x2) at 7x7 1.40-1.45 against 1.43-1.51);
 * otherwise TM is the largest of 64, 32, 16 dividing MP. TP is the one of
 * 32 (only when P >= 128: measured), 24, 16, 8 that minimizes that count
 * with P's padding (on ties the larger TP, then TM 16). Devices without
 * wide loads (GPUs: registers, not loads, are scarce; devices without
 * int64) get 16 x 8, and so does lavapipe after 22.3: it loads storage
 * buffers natively and compiles a shader at its first dispatch, where LLVM's
 * register allocator takes minutes over a large unrolled block (Mesa 25.0.7,
 * AlexNet, one shared host: the rule's blocks 10 min to the first inference
 * and 211 ms per inference after; 16 x 8 64 s and 121 ms). */
static void wino_rule_block(const vkc_codegen_target *t, bool texel, int64_t mp, int64_t p,
                            int64_t *tm, int64_t *tp) {
    const int64_t wide = mp % 64 == 0 ? 64 : mp % 32 == 0 ? 32 : 16;
    const int64_t tms[] = {texel ? 16 : wide, texel && mp % 32 == 0 && p > 16 ? 32 : 0};
    static const int64_t choices[] = {32, 24, 16, 8};
    double best = 0;
    bool any = false;
    for (unsigned j = 0; j < 2 && tms[j]; j++)
        for (unsigned i = 0; i < sizeof choices / sizeof choices[0]; i++) {
            int64_t m = tms[j], b = choices[i];
            if ((b == 32 && p < 128) || (texel && m * b > WINO_TEXEL_BLOCK)) continue;
            double cost = (double)((p + b - 1) / b * b) * (1.0 / (double)m + 1.0 / (double)b);
            if (!any || cost < best) {
                any = true;
                best = cost;
                *tm = m;
                *tp = b;
            }
        }
    if (!wino_wide_cpu(t)) {
        *tm = 16;
        *tp = 8;
    }
}

/* The largest Winograd GEMM block the candidates list: the rule's largest
 * (with texel loads WINO_TEXEL_BLOCK, above) */
#define WINO_MAX_BLOCK (64 * 32)

/* F(4x4) tiles in all (batch x tiles per image) at or under which lavapipe's
 * texel path takes F(2x2) instead (vkc_choose_winograd_rule): 4 is
 * a 7x7 or 8x8 output at batch 1. There U, 36 C M floats for F(4x4), is
 * read for 4 tiles only, and the GEMM goes at the rate of those reads;
 * F(2x2) reads 16 C M for 16 tiles. ResNet-18's three 512 -> 512 3x3s at
 * 7x7 (transforms included, `bench --per-layer`, 3 interleaved rounds):
 * 21.9-25.4 ms as F(4x4) 16 x 8, 11.5-14.6 as F(2x2) 32 x 16, 14.2-16.8 as
 * F(2x2) 16 x 16. At 14x14 (16 tiles) F(4x4) stays ahead: ResNet-18's
 * layer3 9.3-10.0 ms against 12.2-16.9. Mesa 25.0.7 with texel loads (its
 * 16 x 8 blocks, wino_rule_block): ResNet-18 44.7-45.5 ms against
 * 49.7-52.7 as F(4x4) (GPU medians, 3 interleaved rounds); the 22.3 rule's
 * larger blocks as well took it to 39-43 ms, but its first run with empty
 * caches from 18 to 30 s (ResNet-50 23 to 39 s), that driver compiling at
 * the first dispatch. */
#define WINO_FEW_TILES 4

/* Blocks winograd_gemm.comp takes: TM 8, 16, 32 or 64 dividing MP, TP a
 * multiple of 8 up to 64. */
static bool wino_block_ok(int64_t mp, int64_t tm, int64_t tp) {
    return (tm == 8 || tm == 16 || tm == 32 || tm == 64) && mp % tm == 0 && tp >= 8 && tp <= 64 &&
           tp % 8 == 0;
}

static void choose_wino(const conv_geo *o, const vkc_codegen_target *t, const vkc_variant *w,
                        int64_t tile, vkc_variant *v) {
    memset(v, 0, sizeof *v);
    v->algo = VKC_ALGO_WINOGRAD;
    v->tile = (uint8_t)tile;
    v->load = t->texel_loads ? VKC_LOAD_TEXEL : VKC_LOAD_STORAGE;
    if (w && w->load) v->load = w->load;
    int64_t mp, p, tm, tp;
    wino_geometry(o, tile, &mp, &p);
    wino_rule_block(t, v->load == VKC_LOAD_TEXEL, mp, p, &tm, &tp);
    if (w && w->bm && wino_block_ok(mp, w->bm, w->bn)) {
        tm = w->bm;
        tp = w->bn;
    }
    v->bm = (uint16_t)tm;
    v->bn = (uint16_t)tp;
}

/* ---- cooperative matrices (tensor cores) ----------------------------------- */

/* coopmat_gemm.comp rounds both operands to fp16 (lower_coopmat.c). The
 * default rule and the candidate lists offer it only for a node whose
 * weights are stored as fp16 (the model's precision is fp16: the rounding
 * was asked for); with fp32 weights the model asked for fp32 arithmetic,
 * and the tuner, which compares speed only, must not trade it away. A
 * wanted cm variant (VKCNN_KERNEL_OVERRIDE, a forced candidate) still runs
 * on fp32 weights: the choice is then explicit.
 * The rule takes it for products of at least CM_MIN_SIDE rows, columns and
 * K: smaller ones leave most of a 64 x 64 tile, or the tensor cores, idle
 * (unmeasured: no device here has cooperative matrices; the tuner has the
 * other kernels to compare). Winograd convs keep their fp32 GEMM by
 * default: rounding V and U to fp16 is amplified by the output transform
 * (the executor keeps U fp32 for that reason: exec.c choose_half); the
 * tuner is offered cm-wino2 (F(2x2): 0.6% of the output's range with fp16
 * U, against 10% for F(4x4)), cm-wino4 only when wanted. */
#define CM_MIN_SIDE 64

static bool cm_block_pair_ok(const vkc_codegen_target *t, int64_t bm, int64_t bn) {
    return vkc_coopmat_block_ok(t, bm, bn);
}

/* The rule's tile: 64 where the side has 64, else 32 (the smaller tiles
 * the fragment allows when 32 does not divide into it). */
static void cm_rule_block(const vkc_codegen_target *t, int64_t rows, int64_t cols, int64_t *bm,
                          int64_t *bn) {
    static const int64_t sides[] = {64, 32, 16};
    *bm = *bn = 0;
    for (unsigned i = 0; i < 3 && !*bm; i++)
        for (unsigned j = 0; j < 3 && !*bm; j++) {
            int64_t m = sides[i], n = sides[j];
            if ((m > 32 && rows < m) || (n > 32 && cols < n)) continue;
            if (cm_block_pair_ok(t, m, n)) {
                *bm = m;
                *bn = n;
            }
        }
}

/* The cm variant (tile: 0, or the Winograd tile) with the wanted block
 * where the device takes it. False when the device takes no tile. */
static bool choose_cm(const vkc_codegen_target *t, int64_t rows, int64_t cols, int64_t tile,
                      const vkc_variant *w, vkc_variant *v) {
    memset(v, 0, sizeof *v);
    int64_t bm, bn;
    cm_rule_block(t, rows, cols, &bm, &bn);
    if (w && (!w->algo || w->algo == VKC_ALGO_COOPMAT) && w->bm &&
        cm_block_pair_ok(t, w->bm, w->bn)) {
        bm = w->bm;
        bn = w->bn;
    }
    if (!bm) return false;
    v->algo = VKC_ALGO_COOPMAT;
    v->tile = (uint8_t)tile;
    v->bm = (uint16_t)bm;
    v->bn = (uint16_t)bn;
    return true;
}

static bool cm_rule(const vkc_codegen_target *t, bool half, int64_t rows, int64_t cols, int64_t k) {
    return half && vkc_coopmat_usable(t) && rows >= CM_MIN_SIDE && cols >= CM_MIN_SIDE &&
           k >= CM_MIN_SIDE;
}

/* The Conv's tile from its Winograd weights U [ALPHA^2][CS][MP]. */
static int64_t wino_tile_of(const vkc_graph *g, uint32_t u) {
    if (u == VKC_NONE || u >= g->tensor_count || g->tensors[u].rank != 3) return 0;
    return vkc_winograd_tile_of(g->tensors[u].dims[0]);
}

static bool choose_conv(const vkc_graph *g, uint32_t n, const vkc_codegen_target *t,
                        const vkc_variant *w, uint32_t u, vkc_variant *v) {
    conv_geo o;
    if (!conv_geometry(g, n, t, &o)) return false;
    if (u != VKC_NONE) { /* the passes chose Winograd: its tile follows from U */
        int64_t tile = wino_tile_of(g, u);
        if (!tile) return false;
        int64_t mp, p;
        wino_geometry(&o, tile, &mp, &p);
        /* its GEMM on cooperative matrices where wanted (never by rule) */
        if (!(w && w->algo == VKC_ALGO_COOPMAT && choose_cm(t, mp, p, tile, w, v)))
            choose_wino(&o, t, w, tile, v);
        return true;
    }
    /* cooperative matrices where wanted, or by rule (fp16 weights, large) */
    /* an input affine map (fuse.c vkc_pass_fuse_input_affine): the 1x1
     * GEMM alone applies it, whatever is wanted */
    bool affine = g->nodes[n].in_shift != VKC_NONE;
    if (affine) w = w && (!w->algo || w->algo == VKC_ALGO_GEMM1X1) ? w : NULL;
    bool cm_ok = o.one_binding && !g->nodes[n].pool && vkc_coopmat_usable(t) && !affine;
    int64_t cm_k = o.c / o.group * o.kh * o.kw;
    if (cm_ok &&
        ((w && w->algo == VKC_ALGO_COOPMAT) ||
         ((!w || !w->algo) && cm_rule(t, half_weight(g, n, t), o.mg, o.p, cm_k))) &&
        choose_cm(t, o.mg, o.p, 0, w, v))
        return true;
    /* conv1x1.comp runs the 1x1 convs it takes (gemm1x1_rule), conv_gemm.comp
     * every other conv whose W is one binding; conv.comp (direct, one
     * invocation per output) the others, or when wanted */
    bool direct = !o.one_binding || (w && w->algo == VKC_ALGO_DIRECT);
    /* implicit GEMM wanted; a wanted Winograd that the passes did not give
     * the node leaves it to the rule */
    bool other = w && (w->algo == VKC_ALGO_IGEMM || w->algo == VKC_ALGO_DIRECT);
    /* a strided 1x1 conv subsampled by im2col first, by rule */
    bool subsample = !affine && subsample_rule(&o, t) && im2col_ok(g, n, &o, t);
    bool g1x1 = gemm1x1_ok(&o) && !other &&
                (affine || (w && w->algo == VKC_ALGO_GEMM1X1) || (gemm1x1_rule(t) && !subsample));
    /* depthwise where wanted, or by rule unless another kernel is wanted */
    bool by_rule = !w || !w->algo || w->algo == VKC_ALGO_WINOGRAD || w->algo == VKC_ALGO_GEMM1X1 ||
                   w->algo == VKC_ALGO_ROW;
    bool dw =
        dw_ok(&o) && !g1x1 && ((w && w->algo == VKC_ALGO_DEPTHWISE) || (by_rule && dw_rule(&o, t)));
    /* the row kernel where wanted, or by rule unless another is wanted */
    bool row = !g1x1 && !dw && row_ok(g, n, &o) && !other &&
               ((w && w->algo == VKC_ALGO_ROW) || (by_rule && row_rule(&o, t)));
    /* im2col where wanted, or by rule unless another kernel is wanted */
    bool i2c =
        !g1x1 && !dw && !row && im2col_ok(g, n, &o, t) && !other &&
        ((w && w->algo == VKC_ALGO_IM2COL) || (by_rule && (subsample || im2col_rule(&o, t))));
    if (direct)
        v->algo = VKC_ALGO_DIRECT;
    else if (g1x1)
        choose_gemm1x1(&o, t, w, v);
    else if (dw)
        choose_dw(&o, t, w && (w->algo == VKC_ALGO_DEPTHWISE || !w->algo) ? w : NULL, v);
    else if (row)
        choose_row(&o, t, w && (w->algo == VKC_ALGO_ROW || !w->algo) ? w : NULL, v);
    else if (i2c)
        choose_im2col(&o, t, w && (w->algo == VKC_ALGO_IM2COL || !w->algo) ? w : NULL, v);
    else
        choose_igemm(&o, t,
                     w && w->algo != VKC_ALGO_WINOGRAD && w->algo != VKC_ALGO_GEMM1X1 &&
                             w->algo != VKC_ALGO_DEPTHWISE && w->algo != VKC_ALGO_IM2COL &&
                             w->algo != VKC_ALGO_ROW
                         ? w
                         : NULL,
                     v);
    return true;
}

/* ---- Gemm, MatMul ----------------------------------------------------------- */

/* Rows of A from which gemm_tile.comp replaces gemv.comp. Measured on
 * lavapipe (VGG-16's 4096x4096 layer), gemv.comp reads ~85-95% of `vkcnn
 * peak`'s read figure at M = 1 (gemm.comp: ~50%) and stays ahead of
 * gemm.comp up to M = 64; gemm_tile.comp overtakes gemv.comp between M = 8
 * and 16. */
#define TILE_MIN_M 9
/* gemm_tile.comp's block of outputs per invocation. */
#define TILE_M 8
#define TILE_N 4
/* GEMV's columns per workgroup: each A value loaded serves NC weights (8
 * measured ~15% faster than 4 on lavapipe at N = 4096), halved while that
 * leaves fewer than GEMV_MIN_GROUPS workgroups, so that a GPU's compute
 * units all get work (N = 1000 gets 4). CPU drivers on the texel path
 * take GEMV_NC_CPU down to GEMV_MIN_GROUPS_CPU workgroups: each of their
 * few threads runs whole workgroups, and a workgroup's NC rows are one
 * stream of B (the blocked layout, passes.h), so more rows per workgroup
 * read more per trip of the K loop. Lavapipe 22.3 on 2 AMD EPYC (Zen 5) vCPUs, 3
 * interleaved rounds of `bench --per-layer` (sums of the gemv rows):
 * AlexNet 8.27-8.42 ms at 16 against 8.99-9.35 (8 and 4), VGG-16 15.9-16.2
 * against 17.5, ResNet-50's 2048 -> 1000 0.42-0.47 against 0.49-0.56 (4);
 * 32 was 2-4% faster than 16 on AlexNet, within the spread. With storage
 * loads (Mesa 25.0.7) 16 was slower: AlexNet 42-45 against 35-37 ms. */
#define GEMV_NC 8
#define GEMV_MIN_GROUPS 128
#define GEMV_NC_CPU 16
#define GEMV_MIN_GROUPS_CPU 16
#define GEMV_MAX_NC 16
/* Shared memory gemv.comp may use: Vulkan's guaranteed minimum. */
#define GEMV_SHARED_BYTES 16384

typedef struct gemm_geo {
    int64_t m, n, k;
    bool trans_a, trans_b, one_binding, texel;
} gemm_geo;

static bool gemm_geometry(const vkc_graph *g, uint32_t n, const vkc_codegen_target *t,
                          gemm_geo *o) {
    const vkc_node *node = &g->nodes[n];
    const vkc_tensor *ta = input(g, n, 0), *tb = input(g, n, 1);
    if (!ta || !tb || node->output_count < 1 || node->outputs[0] == VKC_NONE) return false;
    const vkc_tensor *y = &g->tensors[node->outputs[0]];
    if (y->rank != 2 || ta->rank != 2) return false;
    const vkc_gemm_attrs *a = &node->attrs.gemm;
    memset(o, 0, sizeof *o);
    o->m = y->dims[0];
    o->n = y->dims[1];
    o->k = a->trans_a ? ta->dims[0] : ta->dims[1];
    o->trans_a = a->trans_a;
    o->trans_b = a->trans_b;
    vkc_chunking ch = vkc_codegen_chunking(t, tb->elements);
    o->one_binding = ch.count == 1;
    bool half = half_weight(g, n, t);
    /* gemv.comp's texel path (WT_TEXEL): 8 elements per step, whole texels
     * per chunk, A in one texel buffer */
    o->texel = !a->trans_a && o->k % 8 == 0 && (ch.count == 1 || ch.chunk % 8 == 0) &&
               texel_size_ok(t, ch.count == 1 ? tb->elements : ch.chunk, half) &&
               texel_size_ok(t, ta->elements, false);
    return true;
}

static bool tile_ok(const gemm_geo *o) {
    return o->trans_b && !o->trans_a && o->k >= 1 && o->one_binding;
}

static bool tile_block_ok(int64_t tm, int64_t tn) {
    return pow2(tm) && tm <= 16 && pow2(tn) && tn <= 8;
}

/* gemv.comp fits when one column's M partial sums per invocation fit the
 * shared memory. */
static bool gemv_ok(const gemm_geo *o, const vkc_codegen_target *t) {
    return o->trans_b && o->m >= 1 && o->k >= 1 &&
           (uint64_t)o->m * t->local_size * 4 <= GEMV_SHARED_BYTES;
}

static bool gemv_nc_ok(const gemm_geo *o, const vkc_codegen_target *t, int64_t nc) {
    return nc >= 1 && nc <= GEMV_MAX_NC && nc <= o->n &&
           (uint64_t)(nc * o->m) * t->local_size * 4 <= GEMV_SHARED_BYTES;
}

/* Columns per workgroup of gemv.comp: at most N, within shared memory. */
static int64_t gemv_rule_nc(const gemm_geo *o, const vkc_codegen_target *t) {
    const bool cpu = t->caps.cpu && t->texel_loads && o->texel;
    const int64_t want = cpu ? GEMV_NC_CPU : GEMV_NC,
                  groups = cpu ? GEMV_MIN_GROUPS_CPU : GEMV_MIN_GROUPS;
    int64_t nc = want < o->n ? want : o->n;
    while (nc > 2 && (o->n + nc - 1) / nc < groups)
        nc /= 2;
    while (nc > 1 && (uint64_t)(nc * o->m) * t->local_size * 4 > GEMV_SHARED_BYTES)
        nc--;
    return nc;
}

/* The reduction through subgroupAdd where the subgroup size is fixed and
 * divides the workgroup, with subgroup arithmetic (gemv.comp). */
static bool gemv_sg_ok(const vkc_codegen_target *t) {
    uint32_t fixed = t->subgroup_fixed;
    return fixed > 1 && t->local_size % fixed == 0 && (t->subgroup_ops & VKCNN_SUBGROUP_ARITHMETIC);
}

/* GEMV's workgroup on a CPU driver's texel path: GEMV_LOCAL_CPU
 * invocations where that is a whole number of the driver's SIMD rows, else
 * the target's (0). A driver that runs a workgroup subgroup after subgroup
 * then streams the NC rows in one or two slices of K per workgroup instead
 * of four, with less to reduce across them. Sums of the gemv rows of
 * `bench --per-layer` on lavapipe 22.3 (AMD EPYC, 2 vCPUs), interleaved:
 * at 16 lanes AlexNet 6.72-6.86 ms at 16 against 8.28-8.48 at the target's
 * 64 (7.39-7.62 at 32, 10.5-10.7 at 128; two rounds), VGG-16 14.0-14.4
 * against 16.3-16.4; at 8 lanes (LP_NATIVE_VECTOR_WIDTH=256) AlexNet 8.37
 * at 16, 8.71 at 8, 11.4 at 64. */
#define GEMV_LOCAL_CPU 16
static uint16_t gemv_rule_local(const gemm_geo *o, const vkc_codegen_target *t, unsigned load) {
    uint32_t lanes = t->caps.vector_width / 32;
    return t->caps.cpu && load == VKC_LOAD_TEXEL && o->texel && lanes &&
                   GEMV_LOCAL_CPU % lanes == 0 && GEMV_LOCAL_CPU < t->local_size
               ? GEMV_LOCAL_CPU
               : 0;
}

/* A wanted GEMV workgroup: a multiple of 8 (variant.c) within the device's
 * limit, of the fixed subgroup where partial sums go through subgroupAdd,
 * and of the SIMD width on a CPU driver. */
static bool gemv_local_ok(const vkc_codegen_target *t, unsigned local, unsigned reduce) {
    uint32_t lanes = t->caps.vector_width / 32;
    return local <= t->caps.max_workgroup_invocations &&
           (reduce != VKC_REDUCE_SUBGROUP || local % t->subgroup_fixed == 0) &&
           (!lanes || local % lanes == 0);
}

static void choose_gemv(const gemm_geo *o, const vkc_codegen_target *t, const vkc_variant *w,
                        vkc_variant *v) {
    memset(v, 0, sizeof *v);
    v->algo = VKC_ALGO_GEMV;
    int64_t nc = gemv_rule_nc(o, t);
    if (w && w->bm && !w->bn && gemv_nc_ok(o, t, w->bm)) nc = w->bm;
    v->bm = (uint16_t)nc;
    v->bn = 0;
    v->load = t->texel_loads ? VKC_LOAD_TEXEL : VKC_LOAD_STORAGE;
    if (w && w->load) v->load = w->load;
    v->reduce = gemv_sg_ok(t) ? VKC_REDUCE_SUBGROUP : VKC_REDUCE_PLAIN;
    if (w && w->reduce == VKC_REDUCE_PLAIN) v->reduce = VKC_REDUCE_PLAIN;
    /* a complete variant names its workgroup (none: the target's), a
     * pattern leaves it to the rule */
    v->local = gemv_rule_local(o, t, v->load);
    if (w && (w->local || vkc_variant_complete(w)) &&
        (!w->local || gemv_local_ok(t, w->local, v->reduce)))
        v->local = w->local;
}

static bool choose_gemm(const vkc_graph *g, uint32_t n, const vkc_codegen_target *t,
                        const vkc_variant *w, vkc_variant *v) {
    gemm_geo o;
    memset(v, 0, sizeof *v);
    if (!gemm_geometry(g, n, t, &o)) return false;
    vkc_algo algo = tile_ok(&o) && o.m >= TILE_MIN_M ? VKC_ALGO_GEMM_TILE
                    : gemv_ok(&o, t)                 ? VKC_ALGO_GEMV
                                                     : VKC_ALGO_GEMM;
    if (w && w->algo == VKC_ALGO_GEMM_TILE && tile_ok(&o)) algo = VKC_ALGO_GEMM_TILE;
    if (w && w->algo == VKC_ALGO_GEMV && gemv_ok(&o, t)) algo = VKC_ALGO_GEMV;
    if (w && w->algo == VKC_ALGO_GEMM) algo = VKC_ALGO_GEMM;
    /* cooperative matrices where wanted, or by rule (fp16 B, large) */
    if (o.one_binding && vkc_coopmat_usable(t) &&
        ((w && w->algo == VKC_ALGO_COOPMAT) ||
         ((!w || !w->algo) && cm_rule(t, half_weight(g, n, t), o.m, o.n, o.k))) &&
        choose_cm(t, o.m, o.n, 0, w, v))
        return true;
    bool same = w && (!w->algo || w->algo == algo);
    v->algo = (uint8_t)algo;
    if (algo == VKC_ALGO_GEMM_TILE) {
        v->bm = TILE_M;
        v->bn = TILE_N;
        if (same && w->bm && tile_block_ok(w->bm, w->bn)) {
            v->bm = w->bm;
            v->bn = w->bn;
        }
    } else if (algo == VKC_ALGO_GEMV) {
        choose_gemv(&o, t, same ? w : NULL, v);
    }
    return true;
}

/* MatMul with a 2-D B in one binding (a Linear layer on N-D activations):
 * gemm_tile.comp reading B as [K, N] over A's rows, every leading axis
 * flattened (lower_matrix.c); *rows is their count. */
static bool matmul_tile_ok(const vkc_graph *g, uint32_t n, const vkc_codegen_target *t,
                           int64_t *rows) {
    const vkc_tensor *ta = input(g, n, 0), *tb = input(g, n, 1);
    if (!ta || !tb || tb->rank != 2 || ta->rank < 1) return false;
    int64_t k = ta->dims[ta->rank - 1];
    if (k < 1 || tb->dims[0] != k || tb->dims[1] < 1) return false;
    *rows = (int64_t)(ta->elements / (uint64_t)k);
    return vkc_codegen_chunking(t, tb->elements).count == 1;
}

/* gemm_tile.comp from TILE_MIN_M rows (ConvNeXt-Tiny's MatMuls, [3136, 96] x
 * [96, 384] and the like: gemm.comp's one output per invocation loads A and
 * B once per multiply-add, lane by lane on lavapipe), else gemm.comp. */
static bool choose_matmul(const vkc_graph *g, uint32_t n, const vkc_codegen_target *t,
                          const vkc_variant *w, vkc_variant *v) {
    memset(v, 0, sizeof *v);
    int64_t rows = 0;
    bool tile = matmul_tile_ok(g, n, t, &rows);
    vkc_algo algo = tile && rows >= TILE_MIN_M ? VKC_ALGO_GEMM_TILE : VKC_ALGO_GEMM;
    if (w && w->algo == VKC_ALGO_GEMM_TILE && tile) algo = VKC_ALGO_GEMM_TILE;
    if (w && w->algo == VKC_ALGO_GEMM) algo = VKC_ALGO_GEMM;
    /* cooperative matrices where wanted, or by rule (fp16 B, large) */
    const vkc_tensor *tb = input(g, n, 1);
    if (tile && vkc_coopmat_usable(t) &&
        ((w && w->algo == VKC_ALGO_COOPMAT) ||
         ((!w || !w->algo) && cm_rule(t, half_weight(g, n, t), rows, tb->dims[1], tb->dims[0]))) &&
        choose_cm(t, rows, tb->dims[1], 0, w, v))
        return true;
    v->algo = (uint8_t)algo;
    if (algo == VKC_ALGO_GEMM_TILE) {
        v->bm = TILE_M;
        v->bn = TILE_N;
        if (w && (!w->algo || w->algo == algo) && w->bm && tile_block_ok(w->bm, w->bn)) {
            v->bm = w->bm;
            v->bn = w->bn;
        }
    }
    return true;
}

/* ---- the interface ---------------------------------------------------------- */

bool vkc_variant_choose(const vkc_graph *g, uint32_t n, const vkc_codegen_target *t,
                        const vkc_variant *want, uint32_t u, vkc_variant *out) {
    memset(out, 0, sizeof *out);
    vkc_family f = vkc_node_family(g, n);
    if (want && !want->algo && !want->tile && !want->bm && !want->load && !want->reduce &&
        !want->form)
        want = NULL;
    bool ok = false;
    switch (f) {
    case VKC_FAMILY_CONV: ok = choose_conv(g, n, t, want, u, out); break;
    case VKC_FAMILY_GEMM: ok = choose_gemm(g, n, t, want, out); break;
    case VKC_FAMILY_MATMUL: ok = choose_matmul(g, n, t, want, out); break;
    default: break;
    }
    if (!ok) memset(out, 0, sizeof *out);
    return ok;
}

bool vkc_variant_legal(const vkc_graph *g, uint32_t n, const vkc_codegen_target *t,
                       const vkc_variant *want, uint32_t u) {
    vkc_variant got;
    return vkc_variant_complete(want) && vkc_variant_choose(g, n, t, want, u, &got) &&
           vkc_variant_equal(&got, want);
}

uint32_t vkc_choose_winograd_rule(const vkc_graph *g, uint32_t n, const vkc_codegen_target *t) {
    uint32_t rule = vkc_winograd_tile(g, n);
    conv_geo o;
    /* lavapipe's texel path: 22.3 with wide accesses, where it was measured
     * first, and any later Mesa (WINO_FEW_TILES) */
    bool lavapipe_texel = t->texel_loads && (wino_wide_cpu(t) || t->caps.mesa_version > 2203);
    if (rule != 4 || !lavapipe_texel || !conv_geometry(g, n, t, &o)) return rule;
    int64_t mp, p;
    wino_geometry(&o, 4, &mp, &p);
    return p <= WINO_FEW_TILES ? 2 : 4;
}

uint32_t vkc_choose_winograd_tile(const vkc_variant *want, uint32_t rule, uint32_t form) {
    if (!want || !want->algo) return rule;
    if (want->algo == VKC_ALGO_WINOGRAD) return !form ? 0 : want->tile ? want->tile : form;
    /* cooperative matrices: Winograd's GEMM with a tile (cm-wino2/4),
     * else an implicit GEMM */
    if (want->algo == VKC_ALGO_COOPMAT) return want->tile && form ? want->tile : 0;
    /* the 1x1 GEMM and the depthwise kernel never describe a Winograd conv:
     * the rule stands */
    if (want->algo == VKC_ALGO_GEMM1X1 || want->algo == VKC_ALGO_DEPTHWISE ||
        want->algo == VKC_ALGO_ROW)
        return rule;
    return 0; /* direct or implicit GEMM wanted */
}

/* ---- candidates ------------------------------------------------------------- */

typedef struct list {
    vkc_variant *v;
    uint32_t count, max;
} list;

static void push(list *l, const vkc_variant *v) {
    for (uint32_t i = 0; i < l->count; i++)
        if (vkc_variant_equal(&l->v[i], v)) return;
    if (l->count < l->max) l->v[l->count++] = *v;
}

/* The cm candidates of a product, at most `max`: the rule's tile first,
 * then the others the device takes. Only for fp16 weights (see choose_cm). */
static void cm_candidates(const vkc_codegen_target *t, bool half, int64_t rows, int64_t cols,
                          int64_t tile, uint32_t max, list *l) {
    vkc_variant v;
    if (!half || !vkc_coopmat_usable(t) || !choose_cm(t, rows, cols, tile, NULL, &v)) return;
    uint32_t first = l->count;
    push(l, &v);
    static const int64_t blocks[][2] = {{64, 64}, {64, 32}, {32, 64}, {32, 32}};
    for (unsigned i = 0; i < sizeof blocks / sizeof blocks[0] && l->count - first < max; i++) {
        vkc_variant w = {
            .algo = VKC_ALGO_COOPMAT, .bm = (uint16_t)blocks[i][0], .bn = (uint16_t)blocks[i][1]};
        if (cm_block_pair_ok(t, w.bm, w.bn) && choose_cm(t, rows, cols, tile, &w, &v)) push(l, &v);
    }
}

/* The conv's Winograd candidates for tile T: the rule's block, a few
 * blocks around it, the other load path. */
static void wino_candidates(const conv_geo *o, const vkc_codegen_target *t, int64_t tile,
                            bool alternates, list *l) {
    vkc_variant base;
    memset(&base, 0, sizeof base);
    choose_wino(o, t, NULL, tile, &base);
    push(l, &base);
    if (!alternates) return;
    int64_t mp, p;
    wino_geometry(o, tile, &mp, &p);
    const int64_t blocks[][2] = {
        {base.bm, base.bn * 2}, {base.bm, base.bn / 2}, {base.bm * 2, base.bn}};
    for (unsigned i = 0; i < sizeof blocks / sizeof blocks[0]; i++) {
        /* no block larger than the rule's largest (64 x 32): LLVM takes
         * minutes over 4,096 unrolled FMAs; with texel loads none over 512
         * accumulators (ResNet-18 at 512-bit vectors, `bench --per-layer`:
         * 32 x 32 and 64 x 16 every stage 1.2-3x slower than the rule's) */
        int64_t most = base.load == VKC_LOAD_TEXEL ? WINO_TEXEL_BLOCK : WINO_MAX_BLOCK;
        if (!wino_block_ok(mp, blocks[i][0], blocks[i][1]) || blocks[i][0] * blocks[i][1] > most)
            continue;
        vkc_variant v = base;
        v.bm = (uint16_t)blocks[i][0];
        v.bn = (uint16_t)blocks[i][1];
        push(l, &v);
    }
    if (base.load == VKC_LOAD_STORAGE && texel_unsafe(t)) return;
    vkc_variant w = {.algo = VKC_ALGO_WINOGRAD,
                     .load = base.load == VKC_LOAD_TEXEL ? VKC_LOAD_STORAGE : VKC_LOAD_TEXEL};
    vkc_variant v;
    memset(&v, 0, sizeof v);
    choose_wino(o, t, &w, tile, &v);
    push(l, &v);
}

/* The 1x1 GEMM's candidates (algo GEMM1X1), or im2col's (IM2COL: the same
 * GEMM over the patches): the rule's block, a few around it (`around`),
 * the other load path, and on CPU drivers the rule's block in the other
 * workgroups: the target's and the SIMD width. */
static void gemm1x1_candidates(const conv_geo *o, const vkc_codegen_target *t, uint8_t algo,
                               bool around, list *l) {
    vkc_variant v, base;
    choose_gemm1x1(o, t, NULL, &base);
    base.algo = algo;
    push(l, &base);
    const int64_t blocks[][2] = {
        {base.bm, base.bn == 8 ? 4 : 8}, {base.bm * 2, base.bn}, {base.bm / 2, base.bn}};
    for (unsigned i = 0; around && i < sizeof blocks / sizeof blocks[0]; i++) {
        if (!gemm1x1_block_ok(blocks[i][0], blocks[i][1])) continue;
        vkc_variant w = {.algo = algo, .bm = (uint16_t)blocks[i][0], .bn = (uint16_t)blocks[i][1]};
        choose_gemm1x1(o, t, &w, &v);
        v.algo = algo;
        push(l, &v);
    }
    if (o->texel && !(base.load == VKC_LOAD_STORAGE && texel_unsafe(t))) {
        vkc_variant w = {.algo = algo,
                         .load = base.load == VKC_LOAD_TEXEL ? VKC_LOAD_STORAGE : VKC_LOAD_TEXEL};
        choose_gemm1x1(o, t, &w, &v);
        v.algo = algo;
        push(l, &v);
    }
    uint32_t lanes = t->caps.vector_width / 32;
    /* wgN names multiples of 8 (variant.c): a 4-lane SIMD width offers none */
    const uint16_t locals[2] = {0, (uint16_t)(lanes % 8 == 0 && lanes < t->local_size ? lanes : 0)};
    for (unsigned i = 0; t->caps.cpu && i < 2; i++) {
        v = base;
        v.local = locals[i];
        if (v.local != base.local && (i == 0 || v.local)) push(l, &v);
    }
}

/* The depthwise kernel's candidates: the rule's block, a few around it, the
 * other load path. */
static void dw_candidates(const conv_geo *o, const vkc_codegen_target *t, list *l) {
    vkc_variant v, base;
    choose_dw(o, t, NULL, &base);
    push(l, &base);
    const int64_t blocks[][2] = {{base.bm, base.bn * 2},
                                 {base.bm * 2, base.bn},
                                 {base.bm / 2, base.bn},
                                 {base.bm, base.bn / 2},
                                 {base.bm / 2, base.bn / 2}};
    for (unsigned i = 0; i < sizeof blocks / sizeof blocks[0]; i++) {
        if (!dw_block_ok(o, blocks[i][0], blocks[i][1])) continue;
        vkc_variant w = {
            .algo = VKC_ALGO_DEPTHWISE, .bm = (uint16_t)blocks[i][0], .bn = (uint16_t)blocks[i][1]};
        choose_dw(o, t, &w, &v);
        push(l, &v);
    }
    if (o->texel && !(base.load == VKC_LOAD_STORAGE && texel_unsafe(t))) {
        vkc_variant w = {.algo = VKC_ALGO_DEPTHWISE,
                         .load = base.load == VKC_LOAD_TEXEL ? VKC_LOAD_STORAGE : VKC_LOAD_TEXEL};
        choose_dw(o, t, &w, &v);
        push(l, &v);
    }
}

/* The row kernel's candidates: the rule's block, a few around it, the
 * other load path. */
static void row_candidates(const conv_geo *o, const vkc_codegen_target *t, list *l) {
    vkc_variant v, base;
    choose_row(o, t, NULL, &base);
    push(l, &base);
    const int64_t blocks[][2] = {{base.bm, base.bn / 2},
                                 {base.bm * 2, base.bn / 2},
                                 {base.bm / 2, base.bn},
                                 {base.bm * 2, base.bn}};
    for (unsigned i = 0; i < sizeof blocks / sizeof blocks[0]; i++) {
        if (!row_block_ok(o, blocks[i][0], blocks[i][1])) continue;
        vkc_variant w = {
            .algo = VKC_ALGO_ROW, .bm = (uint16_t)blocks[i][0], .bn = (uint16_t)blocks[i][1]};
        choose_row(o, t, &w, &v);
        push(l, &v);
    }
    if (o->texel && !(base.load == VKC_LOAD_STORAGE && texel_unsafe(t))) {
        vkc_variant w = {.algo = VKC_ALGO_ROW,
                         .load = base.load == VKC_LOAD_TEXEL ? VKC_LOAD_STORAGE : VKC_LOAD_TEXEL};
        choose_row(o, t, &w, &v);
        push(l, &v);
    }
}

static void conv_candidates(const vkc_graph *g, uint32_t n, const vkc_codegen_target *t,
                            bool winograd, list *l) {
    conv_geo o;
    if (!conv_geometry(g, n, t, &o)) return;
    if (g->nodes[n].in_shift != VKC_NONE) { /* an input affine map: the 1x1 GEMM's alone */
        if (gemm1x1_ok(&o)) gemm1x1_candidates(&o, t, VKC_ALGO_GEMM1X1, true, l);
        return;
    }
    uint32_t form = winograd ? vkc_winograd_form_tile(g, n) : 0;
    uint32_t rule = winograd ? vkc_choose_winograd_rule(g, n, t) : 0;
    vkc_variant v;
    /* cooperative matrices (fp16 weights only): first where the rule
     * takes them (never over a Winograd conv, see choose_cm) */
    bool half = half_weight(g, n, t);
    bool cm_ok = o.one_binding && !g->nodes[n].pool;
    int64_t cm_k = o.c / o.group * o.kh * o.kw;
    bool cm_first = cm_ok && !rule && cm_rule(t, half, o.mg, o.p, cm_k);
    if (cm_first) cm_candidates(t, half, o.mg, o.p, 0, 4, l);
    /* the default first: Winograd where the passes' rule picks it */
    if (rule) wino_candidates(&o, t, rule, true, l);
    bool i2c_ok = im2col_ok(g, n, &o, t), subsample = i2c_ok && subsample_rule(&o, t);
    bool g1x1_first = gemm1x1_ok(&o) && gemm1x1_rule(t) && !subsample;
    if (g1x1_first) gemm1x1_candidates(&o, t, VKC_ALGO_GEMM1X1, true, l);
    /* the row kernel's rule before im2col's (choose_conv) */
    bool row_any = row_ok(g, n, &o),
         row_first = row_any && !rule && !g1x1_first && !dw_ok(&o) && row_rule(&o, t);
    if (row_first) row_candidates(&o, t, l);
    bool i2c_first = i2c_ok && !rule && !row_first && (subsample || im2col_rule(&o, t));
    if (i2c_first) gemm1x1_candidates(&o, t, VKC_ALGO_IM2COL, true, l);
    bool dw_first = dw_ok(&o) && !g1x1_first && dw_rule(&o, t);
    if (dw_first) dw_candidates(&o, t, l);
    if (o.one_binding) {
        vkc_variant base;
        memset(&base, 0, sizeof base);
        choose_igemm(&o, t, NULL, &base);
        push(l, &base);
        const int64_t blocks[][2] = {{base.bm, base.bn * 2},
                                     {base.bm, base.bn / 2},
                                     {base.bm * 2, base.bn},
                                     {base.bm / 2, base.bn}};
        int64_t mg2 = 1; /* channel blocks past the next power of two of M/GROUP: all waste */
        while (mg2 < o.mg && mg2 < 32)
            mg2 *= 2;
        /* blocks around the rule's, its other forms and reductions: where
         * the implicit GEMM is the default (im2col's rule replaces it) */
        bool around = !i2c_first;
        for (unsigned i = 0; around && i < sizeof blocks / sizeof blocks[0]; i++) {
            if (!igemm_block_ok(blocks[i][0], blocks[i][1]) || blocks[i][0] > mg2) continue;
            vkc_variant w = {
                .algo = VKC_ALGO_IGEMM, .bm = (uint16_t)blocks[i][0], .bn = (uint16_t)blocks[i][1]};
            choose_igemm(&o, t, &w, &v);
            push(l, &v);
        }
        if (around && base.form == VKC_FORM_ROWS) { /* the column form of the rule's block */
            vkc_variant w = {.algo = VKC_ALGO_IGEMM, .form = VKC_FORM_COLS};
            choose_igemm(&o, t, &w, &v);
            push(l, &v);
        }
        if (around && base.reduce == VKC_REDUCE_SUBGROUP) { /* every lane loading W */
            vkc_variant w = {.algo = VKC_ALGO_IGEMM, .reduce = VKC_REDUCE_PLAIN};
            choose_igemm(&o, t, &w, &v);
            push(l, &v);
        }
        /* split-K on GPUs (never useful on a CPU driver's few cores) */
        for (int64_t split = 2; around && !t->caps.cpu && split <= 8; split *= 2) {
            vkc_variant w = {.algo = VKC_ALGO_IGEMM, .split = (uint8_t)split};
            if (split != base.split && igemm_split_ok(&o, split)) {
                choose_igemm(&o, t, &w, &v);
                push(l, &v);
            }
        }
        if (o.texel && !(base.load == VKC_LOAD_STORAGE && texel_unsafe(t))) {
            /* the other load path */
            vkc_variant w = {.algo = VKC_ALGO_IGEMM,
                             .load =
                                 base.load == VKC_LOAD_TEXEL ? VKC_LOAD_STORAGE : VKC_LOAD_TEXEL};
            choose_igemm(&o, t, &w, &v);
            push(l, &v);
        }
    }
    /* direct: where implicit GEMM cannot run, or on small layers (on large
     * ones it is several times slower everywhere measured) */
    if (!o.one_binding || o.macs < ((uint64_t)1 << 22)) {
        memset(&v, 0, sizeof v);
        v.algo = VKC_ALGO_DIRECT;
        push(l, &v);
    }
    if (gemm1x1_ok(&o) && !g1x1_first) gemm1x1_candidates(&o, t, VKC_ALGO_GEMM1X1, true, l);
    if (i2c_ok && !i2c_first) gemm1x1_candidates(&o, t, VKC_ALGO_IM2COL, false, l);
    if (row_any && !row_first) row_candidates(&o, t, l);
    if (dw_ok(&o) && !dw_first && !g1x1_first) {
        int64_t ty, tx;
        dw_rule_block(&o, t, &ty, &tx);
        if (dw_block_ok(&o, ty, tx)) dw_candidates(&o, t, l);
    }
    /* Winograd where the rule does not pick it: the form's tile; and F(2x2)
     * where the form takes F(4x4) or F(3x3) (the forms of several parts
     * take F(3x3) or F(2x2) only: passes/winograd.c) */
    if (form && !rule) wino_candidates(&o, t, form, true, l);
    if (form == 4) wino_candidates(&o, t, rule == 2 ? 4 : 2, false, l);
    if (form == 3) wino_candidates(&o, t, rule == 2 ? 3 : 2, false, l);
    if (cm_ok && !cm_first) cm_candidates(t, half, o.mg, o.p, 0, 4, l);
    /* F(2x2)'s GEMM on cooperative matrices (F(4x4)'s only when wanted) */
    if (form && cm_ok) {
        int64_t mp, p;
        wino_geometry(&o, 2, &mp, &p);
        cm_candidates(t, half, mp, p, 2, 2, l); /* the list's room is for the others */
    }
}

static void gemm_candidates(const vkc_graph *g, uint32_t n, const vkc_codegen_target *t, list *l) {
    gemm_geo o;
    if (!gemm_geometry(g, n, t, &o)) return;
    vkc_variant v;
    choose_gemm(g, n, t, NULL, &v); /* the default first */
    push(l, &v);
    if (o.one_binding) cm_candidates(t, half_weight(g, n, t), o.m, o.n, 0, 4, l);
    if (tile_ok(&o)) {
        int64_t tm8 = 1; /* rows per block: no more than M needs */
        while (tm8 < o.m && tm8 < 16)
            tm8 *= 2;
        const int64_t blocks[][2] = {{8, 4}, {4, 4}, {16, 4}, {8, 8}, {8, 2}};
        for (unsigned i = 0; i < sizeof blocks / sizeof blocks[0]; i++) {
            int64_t tm = blocks[i][0] < tm8 ? blocks[i][0] : tm8;
            vkc_variant w = {
                .algo = VKC_ALGO_GEMM_TILE, .bm = (uint16_t)tm, .bn = (uint16_t)blocks[i][1]};
            if (o.m < TILE_MIN_M && i > 1) break; /* small M: the GEMV's ground */
            choose_gemm(g, n, t, &w, &v);
            push(l, &v);
        }
    }
    if (gemv_ok(&o, t)) {
        vkc_variant base;
        memset(&base, 0, sizeof base);
        choose_gemv(&o, t, NULL, &base);
        push(l, &base);
        if (t->caps.cpu) { /* the other workgroup: the rule's or the target's */
            v = base;
            v.local = base.local ? 0 : gemv_rule_local(&o, t, VKC_LOAD_TEXEL);
            if (v.local != base.local) push(l, &v);
        }
        const int64_t ncs[] = {base.bm / 2, base.bm * 2};
        for (unsigned i = 0; i < 2; i++) {
            if (!gemv_nc_ok(&o, t, ncs[i])) continue;
            vkc_variant w = {.algo = VKC_ALGO_GEMV, .bm = (uint16_t)ncs[i]};
            choose_gemv(&o, t, &w, &v);
            push(l, &v);
        }
        if (base.reduce == VKC_REDUCE_SUBGROUP) {
            vkc_variant w = {.algo = VKC_ALGO_GEMV, .reduce = VKC_REDUCE_PLAIN};
            choose_gemv(&o, t, &w, &v);
            push(l, &v);
        }
        if (o.texel && !(base.load == VKC_LOAD_STORAGE && texel_unsafe(t))) {
            vkc_variant w = {.algo = VKC_ALGO_GEMV,
                             .load =
                                 base.load == VKC_LOAD_TEXEL ? VKC_LOAD_STORAGE : VKC_LOAD_TEXEL};
            choose_gemv(&o, t, &w, &v);
            push(l, &v);
        }
    }
    memset(&v, 0, sizeof v);
    v.algo = VKC_ALGO_GEMM;
    push(l, &v);
}

static void matmul_candidates(const vkc_graph *g, uint32_t n, const vkc_codegen_target *t,
                              list *l) {
    vkc_variant v;
    choose_matmul(g, n, t, NULL, &v); /* the default first */
    push(l, &v);
    int64_t rows = 0;
    if (!matmul_tile_ok(g, n, t, &rows)) return;
    cm_candidates(t, half_weight(g, n, t), rows, input(g, n, 1)->dims[1], 0, 4, l);
    vkc_variant plain = {.algo = VKC_ALGO_GEMM};
    push(l, &plain);
    const int64_t blocks[][2] = {{8, 4}, {4, 4}, {16, 4}, {8, 8}};
    for (unsigned i = 0; i < sizeof blocks / sizeof blocks[0]; i++) {
        vkc_variant w = {
            .algo = VKC_ALGO_GEMM_TILE, .bm = (uint16_t)blocks[i][0], .bn = (uint16_t)blocks[i][1]};
        choose_matmul(g, n, t, &w, &v);
        push(l, &v);
    }
}

uint32_t vkc_variant_candidates(const vkc_graph *g, uint32_t n, const vkc_codegen_target *t,
                                bool winograd, vkc_variant *out, uint32_t max) {
    list l = {out, 0, max};
    switch (vkc_node_family(g, n)) {
    case VKC_FAMILY_CONV: conv_candidates(g, n, t, winograd, &l); break;
    case VKC_FAMILY_GEMM: gemm_candidates(g, n, t, &l); break;
    case VKC_FAMILY_MATMUL: matmul_candidates(g, n, t, &l); break;
    default: break;
    }
    return l.count;
}

/* ---- shape keys ------------------------------------------------------------- */

/* "x1x64x56x56" of a tensor after `prefix`. */
static size_t dims(char *buf, size_t size, const char *prefix, const vkc_tensor *x) {
    int w = snprintf(buf, size, "%s", prefix);
    size_t used = w > 0 ? (size_t)w : 0;
    for (uint32_t d = 0; x && d < x->rank && used < size; d++) {
        w = snprintf(buf + used, size - used, "%s%" PRId64, d ? "x" : "", x->dims[d]);
        if (w > 0) used += (size_t)w;
    }
    return used < size ? used : size;
}

bool vkc_variant_shape_key(const vkc_graph *g, uint32_t n, char *buf, size_t size) {
    if (!size) return false;
    buf[0] = '\0';
    vkc_family f = vkc_node_family(g, n);
    const vkc_tensor *x = input(g, n, 0), *w = input(g, n, 1);
    if (!f || !x || !w) return false;
    const vkc_node *node = &g->nodes[n];
    char xs[96], ws[96];
    dims(xs, sizeof xs, "x", x);
    dims(ws, sizeof ws, w->data ? "w" : "v", w); /* v: a weight computed at run time */
    int r;
    if (f == VKC_FAMILY_CONV) {
        const vkc_window_attrs *a = &node->attrs.window;
        uint32_t s = x->rank - 2;
        if (s == 2)
            r = snprintf(buf, size,
                         "conv %s %s g%" PRId64 " s%" PRId64 "x%" PRId64 " d%" PRId64 "x%" PRId64
                         " p%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64,
                         xs, ws, a->group, a->strides[0], a->strides[1], a->dilations[0],
                         a->dilations[1], a->pads[0], a->pads[1], a->pads[VKC_MAX_SPATIAL],
                         a->pads[VKC_MAX_SPATIAL + 1]);
        else
            r = snprintf(buf, size,
                         "conv %s %s g%" PRId64 " s%" PRId64 " d%" PRId64 " p%" PRId64 ",%" PRId64,
                         xs, ws, a->group, a->strides[0], a->dilations[0], a->pads[0],
                         a->pads[VKC_MAX_SPATIAL]);
    } else if (f == VKC_FAMILY_GEMM) {
        r = snprintf(buf, size, "gemm %s %s ta%d tb%d", xs, ws, node->attrs.gemm.trans_a ? 1 : 0,
                     node->attrs.gemm.trans_b ? 1 : 0);
    } else {
        r = snprintf(buf, size, "matmul %s %s", xs, ws);
    }
    if (r < 0 || (size_t)r >= size) {
        buf[0] = '\0';
        return false;
    }
    return true;
}
