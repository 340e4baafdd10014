// Shared by every kernel template (expanded in place by runtime/codegen).
// Kernels are 1-D workgroups of LOCAL_SIZE invocations (a multiple of the
// device's subgroup size) laid on a 1-D or 2-D grid: the grid is 2-D when the
// group count exceeds maxComputeWorkGroupCount[0], in rows of
// gl_NumWorkGroups.x groups. Every invocation checks its index against the
// kernel's TOTAL, so the grid may overshoot.
#ifndef LOCAL_SIZE
#define LOCAL_SIZE 64
#endif
layout(local_size_x = LOCAL_SIZE) in;

uint flat_index() {
    return (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * uint(LOCAL_SIZE) +
           gl_LocalInvocationID.x;
}

// Shape-generic kernels (VKC_PUSH): the codegen defines shape values as
// words of this push-constant block (vkc_pc.v[k]), so that one pipeline
// serves every layer that differs only in them. vkc_udiv(x, magic, shift)
// is x / d for x < 2^31, with the divisor's constants from the host
// (vkc_codegen_divisor; magic 0: d == 1): a multiply-high and a shift
// where a division by a run-time value costs a scalar loop on CPU drivers.
#if defined(VKC_PUSH) && VKC_PUSH
layout(push_constant) uniform VkcPush { uint v[32]; } vkc_pc;
#endif
uint vkc_udiv(uint x, uint magic, uint shift) {
    uint hi, lo;
    umulExtended(x, magic, hi, lo);
    return magic == 0u ? x : hi >> shift;
}

// Uniform texel buffers are declared as TEXEL_BUFFER (float) and
// UTEXEL_BUFFER (uint) and read with texelFetch: samplerBuffer where the
// codegen says TEXEL_SAMPLED (lavapipe 22.3, where it is the faster form:
// runtime/codegen/choose.c), else textureBuffer with samplerless fetches
// (SPIR-V 1.6 forbids a sampled image of Dim Buffer; Mesa 25 warns on it).
#ifndef TEXEL_SAMPLED
#define TEXEL_SAMPLED 0
#endif
#if TEXEL_SAMPLED
#define TEXEL_BUFFER samplerBuffer
#define UTEXEL_BUFFER usamplerBuffer
#else
#extension GL_EXT_samplerless_texture_functions : require
#define TEXEL_BUFFER textureBuffer
#define UTEXEL_BUFFER utextureBuffer
#endif
// TEXEL_IMAGE (the codegen's, where the target says image_texels and no
// tensor is stored as halves): float texel buffers are readonly rgba32f
// imageBuffers read with imageLoad (storage texel buffers, the runtime
// views them alike), which lavapipe 22.3 runs faster than texelFetch
// (runtime/codegen/choose.c). Kernels keep writing texelFetch(buf, i).
#if defined(TEXEL_IMAGE) && TEXEL_IMAGE
#undef TEXEL_BUFFER
#define TEXEL_BUFFER layout(rgba32f) readonly imageBuffer
#define texelFetch(buf, i) imageLoad(buf, i)
#endif

// Activations stored as IEEE halves (fp16 precision): the codegen defines
// X_HALF / Y_HALF for a kernel's input X and output Y when they are, and
// HALF_IO when any binding is. Storage buffers then declare them as X_T / Y_T
// (float16_t) and convert with a constructor: X_T(v) on store, float(x) on
// load (16-bit storage holds halves, arithmetic stays fp32). A texel read of
// X needs no change: its view is R16G16B16A16_SFLOAT, fetched as vec4.
#if defined(HALF_IO) && HALF_IO
#extension GL_EXT_shader_16bit_storage : require
#endif
#if defined(X_HALF) && X_HALF
#define X_T float16_t
#define X4_T f16vec4
#else
#define X_T float
#define X4_T vec4
#endif
#if defined(Y_HALF) && Y_HALF
#define Y_T float16_t
#define Y4_T f16vec4
#else
#define Y_T float
#define Y4_T vec4
#endif

// Outputs written in place into a Concat's output at batch > 1 (axis 1):
// each image's output is a slice of the Concat's image, so images lie
// Y_GAP elements further apart than the output's own size. Kernels that
// store through Y_AT(o, n) (o: the dense index, still the epilogue's; n:
// the image) take such outputs; the codegen defines Y_GAP for them only.
#ifndef Y_GAP
#define Y_GAP 0
#endif
#define Y_AT(o, n) (uint(o) + uint(n) * uint(Y_GAP))

// YV8 (the lowering defines it for fp32 outputs where the target has wide
// accesses: CPU drivers with int64, lavapipe up to 22.3): Y's rows are whole
// blocks of 8 floats, each stored as one u64vec4. lavapipe 22.3 emulates a
// storage-buffer store as a loop over the lanes per component, so 8 floats
// in 4 64-bit components take half the iterations of two vec4 stores. The
// kernel enables GL_EXT_shader_explicit_arithmetic_types_int64 with YV8.
// YV2 (pool.comp's rows where they are whole pairs but not whole vec4s:
// OW 14, say; lowered like YV8): Y's floats stored in pairs as 64-bit
// words, half the stores. YP2: conv1x1.comp's pairs on planes of an odd
// size; YR2: conv_row.comp's, conv_dw.comp's and pool.comp's pairs where
// a row's parity is known at run time only (row_pairs.glsl). Kernels
// enable the int64 extension with any of them.
#if (defined(YV2) && YV2) || (defined(YP2) && YP2) || (defined(YR2) && YR2)
// floats a, b as one 64-bit word, a first in memory
uint64_t y2_pack(float a, float b) {
    return pack64(uvec2(floatBitsToUint(a), floatBitsToUint(b)));
}
#endif
#if defined(YV8) && YV8
u64vec4 y8_pack(float v[8]) {
    return u64vec4(pack64(uvec2(floatBitsToUint(v[0]), floatBitsToUint(v[1]))),
                   pack64(uvec2(floatBitsToUint(v[2]), floatBitsToUint(v[3]))),
                   pack64(uvec2(floatBitsToUint(v[4]), floatBitsToUint(v[5]))),
                   pack64(uvec2(floatBitsToUint(v[6]), floatBitsToUint(v[7]))));
}
#endif

// Float constants that GLSL cannot write as literals.
#define VKC_INF uintBitsToFloat(0x7f800000u)
