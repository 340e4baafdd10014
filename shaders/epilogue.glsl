// The fused epilogue of the anchor kernels (conv, conv_gemm, pool, gemm, gemm_tile,
// gemv, winograd_output): epilogue(v, channel, index) applies a fused group's
// post-ops, in order, to the anchor's value v of output element `index` in
// output channel `channel` (a Conv's axis 1, a Gemm's or MatMul's column)
// before it is stored. runtime/passes/fuse.c builds the list and
// runtime/codegen/lower_epilogue.c writes it as EPI_BODY, statements over v
// that call the functions of eltwise.glsl: the same functions the standalone
// elementwise kernel calls, so fusion changes no result. EPI_BODY reads the
// post-ops' operand tensors epi0.. (bindings EPI_BINDING..) at `index`, at
// `channel` or at index / EPI_SPATIAL (one value per image and channel), and
// earlier values of the chain as v0, v1, ...
#include "eltwise.glsl"

#ifndef EPI_OPERANDS
#define EPI_OPERANDS 0
#endif
#if EPI_OPERANDS > 0
layout(std430, binding = EPI_BINDING) readonly buffer Epi0 { float epi0[]; };
#endif
#if EPI_OPERANDS > 1
layout(std430, binding = EPI_BINDING + 1) readonly buffer Epi1 { float epi1[]; };
#endif
#if EPI_OPERANDS > 2
layout(std430, binding = EPI_BINDING + 2) readonly buffer Epi2 { float epi2[]; };
#endif
#if EPI_OPERANDS > 3
layout(std430, binding = EPI_BINDING + 3) readonly buffer Epi3 { float epi3[]; };
#endif

float epilogue(float v, uint channel, uint index) {
#ifdef EPI_BODY
    float v0 = v;
    EPI_BODY
#endif
    return v;
}
