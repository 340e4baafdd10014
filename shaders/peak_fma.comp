#version 450
// Peak arithmetic: each invocation runs 8 independent vec4 FMA chains
// for pc.iters iterations (2 * 4 * 8 * iters flops). Independent chains hide
// FMA latency; the result is written only if impossible, so nothing is
// optimised away without a store per iteration.
#ifdef FP16
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#define VEC f16vec4
#define SCALAR float16_t
#else
#define VEC vec4
#define SCALAR float
#endif
#ifndef LOCAL_SIZE
#define LOCAL_SIZE 64
#endif
layout(local_size_x = LOCAL_SIZE) in;
layout(std430, set = 0, binding = 0) writeonly buffer Out { float result[]; };
layout(push_constant) uniform Push { float seed; uint iters; } pc;

void main() {
    SCALAR s = SCALAR(pc.seed);
    VEC a = VEC(s * SCALAR(0.5)), m = VEC(SCALAR(0.999)), c = VEC(SCALAR(0.001));
    VEC x0 = a + VEC(SCALAR(gl_LocalInvocationID.x) * SCALAR(1e-3)), x1 = x0 + c, x2 = x1 + c,
        x3 = x2 + c, x4 = x3 + c, x5 = x4 + c, x6 = x5 + c, x7 = x6 + c;
    for (uint i = 0; i < pc.iters; i++) {
        x0 = fma(x0, m, c); x1 = fma(x1, m, c); x2 = fma(x2, m, c); x3 = fma(x3, m, c);
        x4 = fma(x4, m, c); x5 = fma(x5, m, c); x6 = fma(x6, m, c); x7 = fma(x7, m, c);
    }
    VEC sum = ((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7));
    float total = float(sum.x + sum.y + sum.z + sum.w);
    if (total == -1.0) // never true for the seeds used; keeps the chains live
        result[gl_GlobalInvocationID.x] = total;
}
