#version 450
// Peak arithmetic: each invocation runs CHAINS independent vec4 FMA chains,
// unrolled UNROLL times inside a loop of pc.iters / UNROLL trips, so that
// 2 * 4 * CHAINS * pc.iters flops are done per invocation. Independent chains
// hide FMA latency; few enough of them stay in registers (a software driver
// maps each vec4 lane of a chain to one SIMD register across invocations).
// The result is stored only under a condition that never holds, which keeps
// the chains live without memory traffic.
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
#ifndef UNROLL
#define UNROLL 8
#endif
layout(local_size_x = LOCAL_SIZE) in;
layout(std430, set = 0, binding = 0) writeonly buffer Out { float result[]; };
layout(push_constant) uniform Push { float seed; uint iters; } pc;

void main() {
    SCALAR s = SCALAR(pc.seed);
    VEC m = VEC(SCALAR(0.999)), c = VEC(SCALAR(0.001));
    VEC x0 = VEC(s * SCALAR(0.5)) + VEC(SCALAR(gl_LocalInvocationID.x) * SCALAR(1e-3));
    VEC x1 = x0 + c, x2 = x1 + c;
    for (uint i = 0; i < pc.iters; i += UNROLL) {
        for (int u = 0; u < UNROLL; u++) {
            x0 = fma(x0, m, c);
            x1 = fma(x1, m, c);
            x2 = fma(x2, m, c);
        }
    }
    VEC sum = x0 + x1 + x2;
    float total = float(sum.x + sum.y + sum.z + sum.w);
    if (total == -1.0)
        result[gl_GlobalInvocationID.x] = total;
}
