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

// Float constants that GLSL cannot write as literals.
#define VKC_INF uintBitsToFloat(0x7f800000u)
