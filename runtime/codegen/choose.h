/* Kernel choice: per family, a node's candidate variants on a device and the
 * rule-based default (variant.h says what a variant is).
 *
 * The default rule reads the device only through vkc_codegen_target's caps
 * and limits (local size, subgroup facts, binding and texel limits), and the
 * node only through its shapes and attributes; on lavapipe it reproduces the
 * choices the lowering made inline before variants existed (the measurements
 * behind each rule are in choose.c). A wanted variant or pattern (a forced
 * candidate, VKCNN_KERNEL_OVERRIDE, a tuned choice) replaces the rule's
 * fields where the node allows them. */
#ifndef VKC_CODEGEN_CHOOSE_H
#define VKC_CODEGEN_CHOOSE_H

#include "codegen/codegen.h"
#include "codegen/variant.h"

/* Most candidates any node has (the lists stay around 5-15). */
#define VKC_MAX_CANDIDATES 24

/* The family of live node n: Conv, Gemm, MatMul; NONE for any other op. */
vkc_family vkc_node_family(const vkc_graph *g, uint32_t n);

/* Sets t's device-level defaults from t->caps: texel_loads (uniform texel
 * buffers on CPU drivers, where a texelFetch is one gather and storage
 * loads are emulated lane by lane; not on lavapipe after Mesa 22.3, whose
 * texelFetch crashes) and wide_loads (8-float loads on CPU drivers with
 * shaderInt64). The override's loads= and wide= replace them (ov may be
 * NULL). */
void vkc_choose_device_loads(vkc_codegen_target *t, const vkc_kernel_override *ov);

/* The variant node n runs as: the default rule's, with what `want` fixes
 * (NULL or open fields: the rule's) where it is legal for the node; a field
 * the node cannot take is left to the rule. `u`: a Conv's Winograd weights
 * (the node's vkc_node.winograd, or those vkc_codegen_winograd_fits asks
 * about): the Conv then runs as Winograd, its tile following from u; else
 * VKC_NONE. False for a node of no family, or a Conv whose Winograd weights
 * have no form (*out then zeroed). */
bool vkc_variant_choose(const vkc_graph *g, uint32_t n, const vkc_codegen_target *t,
                        const vkc_variant *want, uint32_t u, vkc_variant *out);

/* Whether `want` (a complete variant) is exactly what node n would run
 * under it: every field legal for the node. */
bool vkc_variant_legal(const vkc_graph *g, uint32_t n, const vkc_codegen_target *t,
                       const vkc_variant *want, uint32_t u);

/* The candidates of node n (live, shapes inferred, before the passes' Winograd
 * decision) on target t, at most `max` (VKC_MAX_CANDIDATES is enough), the
 * default rule's first. `winograd`: the model may run Convs as Winograd
 * (their candidates are listed where the kernel has a Winograd form, fits
 * not yet checked). Returns the count; 0 for a node of no family. */
uint32_t vkc_variant_candidates(const vkc_graph *g, uint32_t n, const vkc_codegen_target *t,
                                bool winograd, vkc_variant *out, uint32_t max);

/* The rule's Winograd tile for Conv n on target t: vkc_winograd_tile's,
 * but F(2x2) where F(4x4) would have very few tiles on lavapipe 22.3's
 * texel path (choose.c, WINO_FEW_TILES). */
uint32_t vkc_choose_winograd_rule(const vkc_graph *g, uint32_t n, const vkc_codegen_target *t);

/* The Winograd tile the passes give Conv n (their vkc_winograd_choose_fn):
 * `rule` is vkc_winograd_tile's, `form` the tile its form allows (0: none).
 * A wanted Winograd variant takes its tile (or `form`), a wanted direct or
 * implicit GEMM variant none, anything else the rule. */
uint32_t vkc_choose_winograd_tile(const vkc_variant *want, uint32_t rule, uint32_t form);

/* Whether the passes should hand batch norms before 1x1 convs to the 1x1
 * GEMM (vkc_passes_options.input_affine): where t runs 1x1 convs as the
 * 1x1 GEMM by rule. Elsewhere the implicit GEMM's speed would be lost
 * (Mesa 25.0's lavapipe, storage loads: DenseNet-121 222 -> 366 ms). */
bool vkc_choose_input_affine(const vkc_codegen_target *t);

/* Squeeze-and-excitation blocks (pool, 1x1, activation, 1x1, gate) as one
 * dispatch of one workgroup per image (vkc_passes_options.squeeze_excite,
 * shaders/squeeze_excite.comp): where t says squeeze_excite (CPU drivers,
 * or VKCNN_KERNEL_OVERRIDE's se=on), for C channels and R hidden values
 * within the kernel's shared arrays (VKC_SE_MAX_C, VKC_SE_MAX_R floats)
 * and the device's shared memory. */
#define VKC_SE_MAX_C 2048
#define VKC_SE_MAX_R 512
bool vkc_choose_squeeze_excite(const vkc_codegen_target *t, int64_t c, int64_t r);
/* The limits alone (the lowering's check, whatever the rule). */
bool vkc_choose_squeeze_excite_fits(const vkc_codegen_target *t, int64_t c, int64_t r);
/* vkc_choose_squeeze_excite as vkc_passes_options.squeeze_excite, with
 * the target as `user` */
bool vkc_choose_squeeze_excite_pass(int64_t c, int64_t r, void *target);

/* Whether kernel template `name` reads its float texel buffers as storage
 * texel buffers (imageLoad; common.glsl's TEXEL_IMAGE) on t: where t says
 * image_texels, no tensor is stored as halves, and the kernel is not one
 * measured slower that way (unless t says image_all). */
bool vkc_choose_image_texels(const vkc_codegen_target *t, const char *name);

/* Whether t's device runs the cooperative-matrix kernels (a fragment shape,
 * a subgroup size the pipeline can pin or the only one, a workgroup of 4
 * subgroups), and whether it takes a BM x BN tile of them (sides multiples
 * of twice the fragment's, at most 64, shared memory within the device's)
 * (lower_coopmat.c). */
bool vkc_coopmat_usable(const vkc_codegen_target *t);
bool vkc_coopmat_block_ok(const vkc_codegen_target *t, int64_t bm, int64_t bn);

/* The shape key of node n: its family and everything of its geometry the
 * choice depends on, e.g. "conv x1x64x56x56 w64x64x3x3 g1 s1x1 d1x1
 * p1,1,1,1" (batch included); false (buf "") for a node of no family. */
bool vkc_variant_shape_key(const vkc_graph *g, uint32_t n, char *buf, size_t size);

#endif
