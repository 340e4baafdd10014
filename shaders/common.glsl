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

// Float constants that GLSL cannot write as literals.
#define VKC_INF uintBitsToFloat(0x7f800000u)
