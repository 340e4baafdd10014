#version 450
// Device-memory read bandwidth: each workgroup streams its own contiguous
// slice of the buffer, its invocations interleaved within it (neighbouring
// lanes read neighbouring vec4s), the loads summed per invocation; one
// float written per invocation (negligible traffic). A slice per workgroup,
// not a grid-wide stride: a CPU driver runs each workgroup on one core,
// whose prefetchers stream a contiguous slice (grid-wide strides of 64 KiB
// measured 13.6 GB/s on lavapipe where gemv.comp's slices read 21).
// TEXEL: the loads are texelFetch from a uniform texel buffer instead.
#ifndef LOCAL_SIZE
#define LOCAL_SIZE 64
#endif
layout(local_size_x = LOCAL_SIZE) in;
#if defined(TEXEL) && TEXEL
#extension GL_EXT_samplerless_texture_functions : require
layout(set = 0, binding = 0) uniform textureBuffer src_t;
#define SRC(i) texelFetch(src_t, int(i))
#else
layout(std430, set = 0, binding = 0) readonly buffer Src { vec4 src[]; };
#define SRC(i) src[i]
#endif
layout(std430, set = 0, binding = 1) writeonly buffer Dst { float dst[]; };
layout(push_constant) uniform Push { uint count; uint threads; } pc;

void main() {
    const uint l = uint(LOCAL_SIZE);
    uint groups = pc.threads / l;
    uint per = (pc.count + groups - 1u) / groups;
    uint begin = min(pc.count, gl_WorkGroupID.x * per);
    uint end = min(pc.count, begin + per);
    vec4 a0 = vec4(0.0), a1 = vec4(0.0), a2 = vec4(0.0), a3 = vec4(0.0);
    vec4 a4 = vec4(0.0), a5 = vec4(0.0), a6 = vec4(0.0), a7 = vec4(0.0);
    uint i = begin + gl_LocalInvocationID.x;
    // eight independent loads per trip: loop overhead is per trip on SIMD
    // drivers (four: 2-4% slower on lavapipe)
    for (; i + 7u * l < end; i += 8u * l) {
        a0 += SRC(i);
        a1 += SRC(i + l);
        a2 += SRC(i + 2u * l);
        a3 += SRC(i + 3u * l);
        a4 += SRC(i + 4u * l);
        a5 += SRC(i + 5u * l);
        a6 += SRC(i + 6u * l);
        a7 += SRC(i + 7u * l);
    }
    for (; i < end; i += l)
        a0 += SRC(i);
    vec4 acc = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
    dst[gl_GlobalInvocationID.x] = acc.x + acc.y + acc.z + acc.w;
}
