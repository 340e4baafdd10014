/* Kernel variants: what a Conv, Gemm or MatMul runs as, as data.
 *
 * A variant fixes, for one node of a kernel family:
 * - the algorithm: direct convolution (conv.comp), implicit GEMM
 *   (conv_gemm.comp), Winograd F(2x2,3x3) / F(4x4,3x3) (its 5x5 and strided
 *   forms included: the form follows from the kernel, passes.h), GEMV with
 *   split-K (gemv.comp), tiled GEMM (gemm_tile.comp) or plain GEMM
 *   (gemm.comp, one invocation per output), or, for 1x1 convolutions of
 *   group 1 without padding, a plain GEMM per image (conv1x1.comp), or,
 *   for depthwise convolutions (one input channel per group), tiles of
 *   outputs per channel (conv_dw.comp), or, for convolutions of group 1,
 *   the patches gathered (im2col.comp) and multiplied by the 1x1 GEMM, or,
 *   for those of few input channels, rows of outputs (conv_row.comp);
 * - the register block: implicit GEMM, 1x1 GEMM and im2col's GEMM TM
 *   channels x TP pixels,
 *   depthwise TY rows x TX columns of outputs, row TM channels x TX
 *   outputs of one output row, cooperative matrices the
 *   workgroup's BM x BN tile of the product, Winograd's
 *   GEMM TM x TP, tiled GEMM TM x TN, GEMV NC columns per workgroup;
 * - the load path of the large read-only operands: storage or uniform texel
 *   buffers ("texel wherever the binding fits maxTexelBufferElements");
 * - the reduction form: implicit GEMM's weights broadcast through the
 *   subgroup (subgroupBroadcast) or loaded by every lane; GEMV's partial sums
 *   reduced by subgroupAdd or a shared-memory tree;
 * - implicit GEMM's pixel blocking: TP pixels one workgroup apart
 *   ("cols") or TP neighbours in one output row ("rows", which reuses X
 *   columns across kx).
 *
 * Compact string form (cache keys, reports, `bench` per-layer "variant",
 * the VKCNN_KERNEL_OVERRIDE variable), '/'-separated:
 *   direct
 *   igemm/16x4/rows/texel/sg      igemm/8x2/cols/storage/plain
 *   wino4/16x32/texel             wino2/16x8/storage
 *   gemv/nc8/texel/sg             gemv/nc4/storage/tree
 *   gemm-tile/8x4                 gemm
 *   gemm1x1/8x8/texel             gemm1x1/16x4/storage
 *   dw/4x4/texel                  dw/2x8/storage
 *   cm/64x64                      cm-wino2/64x32
 *   im2col/16x8/texel             im2col/8x4/storage
 *   row/8x16/texel                row/4x4/storage
 *   gemm1x1/16x8/texel/wg16       (a workgroup of 16 invocations)
 * A pattern is a variant with fields left open (VKC_*_ANY, block 0), written
 * as any subset of the tokens in any order after the optional algorithm
 * ("igemm/plain", "texel", "wino4"): the default rule fills the rest.
 *
 * Who decides (runtime/codegen/choose.c): per family one function lists a
 * node's candidates on a device (vkc_variant_candidates) and one rule-based
 * default chooser (vkc_variant_choose) reads only the device-capabilities
 * struct (vkc_device_caps) and the node's geometry. The lowering functions
 * take the chosen variant and choose nothing themselves. */
#ifndef VKC_CODEGEN_VARIANT_H
#define VKC_CODEGEN_VARIANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vkcnn.h"

typedef enum vkc_family {
    VKC_FAMILY_NONE = 0, /* a node no variant describes (pools, elementwise, ...) */
    VKC_FAMILY_CONV,     /* Conv: direct, implicit GEMM, Winograd, 1x1 GEMM, depthwise */
    VKC_FAMILY_GEMM,     /* Gemm: GEMV, tiled GEMM, plain GEMM */
    VKC_FAMILY_MATMUL,   /* MatMul: plain GEMM */
    VKC_FAMILY_COUNT
} vkc_family;

typedef enum vkc_algo {
    VKC_ALGO_ANY = 0,
    VKC_ALGO_DIRECT,    /* conv.comp */
    VKC_ALGO_IGEMM,     /* conv_gemm.comp */
    VKC_ALGO_WINOGRAD,  /* winograd_{input,gemm,output}.comp, F(tile x tile, 3x3) */
    VKC_ALGO_GEMV,      /* gemv.comp */
    VKC_ALGO_GEMM_TILE, /* gemm_tile.comp */
    VKC_ALGO_GEMM,      /* gemm.comp */
    VKC_ALGO_GEMM1X1,   /* conv1x1.comp: 1x1, group 1, no padding */
    VKC_ALGO_DEPTHWISE, /* conv_dw.comp: one input channel per group */
    /* coopmat_gemm.comp: cooperative matrices (tensor cores), fp16 operands,
     * fp32 accumulation; a Conv (implicit GEMM), Gemm or MatMul, or with a
     * tile (2, 4) a Winograd conv's GEMM */
    VKC_ALGO_COOPMAT,
    VKC_ALGO_IM2COL, /* im2col.comp, then conv1x1.comp over its patches: group 1 */
    VKC_ALGO_ROW,    /* conv_row.comp: group 1, few input channels (a network's first layer) */
} vkc_algo;

typedef enum vkc_load {
    VKC_LOAD_ANY = 0,
    VKC_LOAD_STORAGE,
    VKC_LOAD_TEXEL, /* texel buffers for the bindings that fit them */
} vkc_load;

typedef enum vkc_reduce {
    VKC_REDUCE_ANY = 0,
    VKC_REDUCE_SUBGROUP, /* "sg": subgroupBroadcast of W (igemm), subgroupAdd (gemv) */
    VKC_REDUCE_PLAIN,    /* "plain" (igemm) / "tree" (gemv) */
} vkc_reduce;

typedef enum vkc_form {
    VKC_FORM_ANY = 0,
    VKC_FORM_COLS, /* igemm: an invocation's pixels LOCAL_SIZE apart */
    VKC_FORM_ROWS, /* igemm: TP neighbours in one output row (needs "sg") */
} vkc_form;

typedef struct vkc_variant {
    uint8_t algo; /* vkc_algo */
    uint8_t
        tile; /* Winograd output tile (wino, cm-wino): 2 or 4; 0 otherwise (any, in a pattern) */
    uint16_t bm, bn; /* register block (0: any); GEMV: bm = NC, bn = 0 */
    uint8_t load;    /* vkc_load */
    uint8_t reduce;  /* vkc_reduce */
    uint8_t form;    /* vkc_form (igemm only) */
    /* split-K (igemm, column form only): the input channels in `split`
     * slices, each workgroup summing one into partials that a second
     * dispatch adds up with the bias and epilogue (token kS, S in
     * 2..VKC_MAX_SPLIT); 0: none (any, in a pattern) */
    uint8_t split;
    /* invocations per workgroup (gemm1x1, im2col; token wgN, N a multiple
     * of 8 up to 128): smaller workgroups where the target's local_size
     * leaves threads idle; 0: the target's (any, in a pattern) */
    uint16_t local;
} vkc_variant;

#define VKC_MAX_SPLIT 16

/* Longest string form, terminator included. */
#define VKC_VARIANT_STRING_MAX 48

/* The variant's string form into buf (at least VKC_VARIANT_STRING_MAX); "" for
 * a variant with no algorithm. Open fields are left out (patterns). */
const char *vkc_variant_string(const vkc_variant *v, char *buf, size_t size);

/* Parses a string form or pattern. On failure returns false with the reason
 * in why (naming the bad token). */
bool vkc_variant_parse(const char *s, vkc_variant *out, char *why, size_t why_size);

/* Whether v fixes every field its algorithm has (not a pattern). */
bool vkc_variant_complete(const vkc_variant *v);

bool vkc_variant_equal(const vkc_variant *a, const vkc_variant *b);

/* Whether every field that pattern p fixes has that value in v. */
bool vkc_variant_matches(const vkc_variant *v, const vkc_variant *p);

/* The family an algorithm belongs to (GEMM: the Gemm family; MatMul's only
 * algorithm is GEMM too, told apart by the node). */
bool vkc_algo_in_family(vkc_algo a, vkc_family f);

/* "conv", "gemm", "matmul" ("" for NONE). */
const char *vkc_family_name(vkc_family f);

/* ---- VKCNN_KERNEL_OVERRIDE ------------------------------------------------
 * The one debug override of kernel choice, read only by
 * vkc_kernel_override_read (the executor calls it once per model):
 *     VKCNN_KERNEL_OVERRIDE="conv=igemm/16x4/texel,gemm=gemv/tree,loads=storage"
 * Comma-separated KEY=VALUE items, each key at most once:
 *   conv=PATTERN    every Conv where the pattern applies (a node it cannot
 *                   describe, e.g. wino4 on a 1x1 conv, keeps its default)
 *   gemm=PATTERN    every Gemm, likewise
 *   matmul=PATTERN  every MatMul
 *   loads=texel|storage  the device's default load path, for every kernel
 *                   that has both (pools and Winograd transforms included)
 *   wide=on|off     8-float (u64vec4) loads where the device has shaderInt64
 *                   (default: on CPU drivers)
 *   image=on|off    texel buffers read with imageLoad, in every kernel that
 *                   reads them (default: lavapipe 22.3, where measured)
 *   se=on|off       squeeze-and-excitation blocks as one dispatch (default:
 *                   on CPU drivers)
 * Empty or unset: no override. Anything else is refused with an error that
 * names the bad item. */
typedef struct vkc_kernel_override {
    bool set[VKC_FAMILY_COUNT];
    vkc_variant family[VKC_FAMILY_COUNT]; /* patterns, when set[] */
    int loads;                            /* -1: by rule; else VKC_LOAD_STORAGE / VKC_LOAD_TEXEL */
    int wide;                             /* -1: by rule; 0 off; 1 on */
    int image;                            /* -1: by rule; 0 off; 1 on (image_texels) */
    int se; /* -1: by rule; 0 off; 1 on (squeeze-and-excitation fused: squeeze_excite) */
} vkc_kernel_override;

#define VKC_KERNEL_OVERRIDE_ENV "VKCNN_KERNEL_OVERRIDE"

/* Parses `text` (NULL or "": no override). VKCNN_ERROR_INVALID_ARGUMENT with
 * a message naming the variable and the bad item on garbage. */
vkcnn_status vkc_kernel_override_parse(const char *text, vkc_kernel_override *out);

/* Reads and parses VKCNN_KERNEL_OVERRIDE. */
vkcnn_status vkc_kernel_override_read(vkc_kernel_override *out);

#endif
