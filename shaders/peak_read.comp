#version 450
// Device-memory read bandwidth: a grid-stride loop of vec4 loads summed per
// invocation; one float written per invocation (negligible traffic).
#ifndef LOCAL_SIZE
#define LOCAL_SIZE 64
#endif
layout(local_size_x = LOCAL_SIZE) in;
layout(std430, set = 0, binding = 0) readonly buffer Src { vec4 src[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Dst { float dst[]; };
layout(push_constant) uniform Push { uint count; uint threads; } pc;

void main() {
    uint id = gl_GlobalInvocationID.x;
    vec4 acc = vec4(0.0);
    for (uint i = id; i < pc.count; i += pc.threads)
        acc += src[i];
    dst[id] = acc.x + acc.y + acc.z + acc.w;
}
