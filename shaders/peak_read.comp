#version 450
// Device-memory read bandwidth: a grid-stride loop of vec4 loads summed per
// invocation; one float written per invocation (negligible traffic).
// TEXEL: the loads are texelFetch from a uniform texel buffer instead.
#ifndef LOCAL_SIZE
#define LOCAL_SIZE 64
#endif
layout(local_size_x = LOCAL_SIZE) in;
#if defined(TEXEL) && TEXEL
layout(set = 0, binding = 0) uniform samplerBuffer src_t;
#define SRC(i) texelFetch(src_t, int(i))
#else
layout(std430, set = 0, binding = 0) readonly buffer Src { vec4 src[]; };
#define SRC(i) src[i]
#endif
layout(std430, set = 0, binding = 1) writeonly buffer Dst { float dst[]; };
layout(push_constant) uniform Push { uint count; uint threads; } pc;

void main() {
    uint id = gl_GlobalInvocationID.x;
    uint t = pc.threads;
    vec4 a0 = vec4(0.0), a1 = vec4(0.0), a2 = vec4(0.0), a3 = vec4(0.0);
    uint i = id;
    // four independent loads per trip: loop overhead is per trip on SIMD drivers
    for (; i + 3u * t < pc.count; i += 4u * t) {
        a0 += SRC(i);
        a1 += SRC(i + t);
        a2 += SRC(i + 2u * t);
        a3 += SRC(i + 3u * t);
    }
    for (; i < pc.count; i += t)
        a0 += SRC(i);
    vec4 acc = (a0 + a1) + (a2 + a3);
    dst[id] = acc.x + acc.y + acc.z + acc.w;
}
