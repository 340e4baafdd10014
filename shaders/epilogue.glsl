// The fused epilogue of the anchor kernels (conv, conv_gemm, pool, gemm, gemm_tile,
// gemv, winograd_output, batchnorm, ...): epilogue(v, channel, index) applies a fused group's
// post-ops, in order, to the anchor's value v of output element `index` in
// output channel `channel` (a Conv's axis 1, a Gemm's or MatMul's column)
// before it is stored. runtime/passes/fuse.c builds the list and
// runtime/codegen/lower_epilogue.c writes it as EPI_BODY, statements over v
// that call the functions of eltwise.glsl: the same functions the standalone
// elementwise kernel calls, so fusion changes no result. EPI_BODY reads the
// post-ops' operand tensors epi0.. (bindings EPI_BINDING..) at `index`, at
// `channel` or at DIV_EPI_SPATIAL(index) (one value per image and channel:
// index / EPI_SPATIAL, a push constant in shape-generic kernels), and
// earlier values of the chain as v0, v1, ... EPI_HALFk: operand k is stored
// as halves (float16_t; EPI_BODY reads it through float()). EPI_TEXELk:
// operand k is an fp32 tensor of whole texels, read through a uniform texel
// buffer as epi_texelk(index): on lavapipe 22.3 a storage load is a loop
// over the lanes and a texel fetch one gather, which made a fused residual
// Add cost as much as a 64-channel 1x1 convolution.
#include "eltwise.glsl"

#if defined(EPI_SPATIAL) && !defined(DIV_EPI_SPATIAL)
#define DIV_EPI_SPATIAL(x) (uint(x) / uint(EPI_SPATIAL))
#endif
#ifndef EPI_OPERANDS
#define EPI_OPERANDS 0
#endif
#if defined(EPI_HALF0) && EPI_HALF0
#define EPI_T0 float16_t
#else
#define EPI_T0 float
#endif
#if defined(EPI_HALF1) && EPI_HALF1
#define EPI_T1 float16_t
#else
#define EPI_T1 float
#endif
#if defined(EPI_HALF2) && EPI_HALF2
#define EPI_T2 float16_t
#else
#define EPI_T2 float
#endif
#if defined(EPI_HALF3) && EPI_HALF3
#define EPI_T3 float16_t
#else
#define EPI_T3 float
#endif
#if EPI_OPERANDS > 0 && defined(EPI_TEXEL0) && EPI_TEXEL0
layout(binding = EPI_BINDING) uniform TEXEL_BUFFER epi0_t;
float epi_texel0(uint i) {
    return texelFetch(epi0_t, int(i >> 2u))[i & 3u];
}
#elif EPI_OPERANDS > 0
layout(std430, binding = EPI_BINDING) readonly buffer Epi0 { EPI_T0 epi0[]; };
#endif
#if EPI_OPERANDS > 1 && defined(EPI_TEXEL1) && EPI_TEXEL1
layout(binding = EPI_BINDING + 1) uniform TEXEL_BUFFER epi1_t;
float epi_texel1(uint i) {
    return texelFetch(epi1_t, int(i >> 2u))[i & 3u];
}
#elif EPI_OPERANDS > 1
layout(std430, binding = EPI_BINDING + 1) readonly buffer Epi1 { EPI_T1 epi1[]; };
#endif
#if EPI_OPERANDS > 2 && defined(EPI_TEXEL2) && EPI_TEXEL2
layout(binding = EPI_BINDING + 2) uniform TEXEL_BUFFER epi2_t;
float epi_texel2(uint i) {
    return texelFetch(epi2_t, int(i >> 2u))[i & 3u];
}
#elif EPI_OPERANDS > 2
layout(std430, binding = EPI_BINDING + 2) readonly buffer Epi2 { EPI_T2 epi2[]; };
#endif
#if EPI_OPERANDS > 3 && defined(EPI_TEXEL3) && EPI_TEXEL3
layout(binding = EPI_BINDING + 3) uniform TEXEL_BUFFER epi3_t;
float epi_texel3(uint i) {
    return texelFetch(epi3_t, int(i >> 2u))[i & 3u];
}
#elif EPI_OPERANDS > 3
layout(std430, binding = EPI_BINDING + 3) readonly buffer Epi3 { EPI_T3 epi3[]; };
#endif

// EPI_BODY reads texel operand k as EPI_TXk(index): one fetch per element
// here, one per 4 elements in epilogue4.
#define EPI_TX0(i) epi_texel0(i)
#define EPI_TX1(i) epi_texel1(i)
#define EPI_TX2(i) epi_texel2(i)
#define EPI_TX3(i) epi_texel3(i)
float epilogue(float v, uint channel, uint index) {
#ifdef EPI_BODY
    float v0 = v;
    EPI_BODY
#endif
    return v;
}
#undef EPI_TX0
#undef EPI_TX1
#undef EPI_TX2
#undef EPI_TX3

// epilogue over elements index4 .. index4 + 3 of one channel, index4 % 4
// == 0 (a stored vec4 or half a u64vec4): each texel operand read as the
// one texel that holds the 4, where epilogue() fetches it per element (on
// lavapipe 22.3 a fetch is ~60 instructions per 16 lanes, and a ResNet
// residual Add read 4 of them per 4 floats stored). Same values, same
// operations per element.
#define EPI_TX0(i) epi_q0[epi_k]
#define EPI_TX1(i) epi_q1[epi_k]
#define EPI_TX2(i) epi_q2[epi_k]
#define EPI_TX3(i) epi_q3[epi_k]
vec4 epilogue4(vec4 v4, uint channel, uint index4) {
#if EPI_OPERANDS > 0 && defined(EPI_TEXEL0) && EPI_TEXEL0
    vec4 epi_q0 = texelFetch(epi0_t, int(index4 >> 2u));
#endif
#if EPI_OPERANDS > 1 && defined(EPI_TEXEL1) && EPI_TEXEL1
    vec4 epi_q1 = texelFetch(epi1_t, int(index4 >> 2u));
#endif
#if EPI_OPERANDS > 2 && defined(EPI_TEXEL2) && EPI_TEXEL2
    vec4 epi_q2 = texelFetch(epi2_t, int(index4 >> 2u));
#endif
#if EPI_OPERANDS > 3 && defined(EPI_TEXEL3) && EPI_TEXEL3
    vec4 epi_q3 = texelFetch(epi3_t, int(index4 >> 2u));
#endif
    for (int epi_k = 0; epi_k < 4; epi_k++) { // constant trips: drivers unroll it
        uint index = index4 + uint(epi_k);
        float v = v4[epi_k];
#ifdef EPI_BODY
        float v0 = v;
        EPI_BODY
#endif
        v4[epi_k] = v;
    }
    return v4;
}
#undef EPI_TX0
#undef EPI_TX1
#undef EPI_TX2
#undef EPI_TX3
