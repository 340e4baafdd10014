#version 450
// Device-memory copy bandwidth: vec4 copy (bytes read + written), each
// workgroup its own contiguous slice as in peak_read.comp.
#ifndef LOCAL_SIZE
#define LOCAL_SIZE 64
#endif
layout(local_size_x = LOCAL_SIZE) in;
layout(std430, set = 0, binding = 0) readonly buffer Src { vec4 src[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Dst { vec4 dst[]; };
layout(push_constant) uniform Push { uint count; uint threads; } pc;

void main() {
    const uint l = uint(LOCAL_SIZE);
    uint groups = pc.threads / l;
    uint per = (pc.count + groups - 1u) / groups;
    uint begin = min(pc.count, gl_WorkGroupID.x * per);
    uint end = min(pc.count, begin + per);
    uint i = begin + gl_LocalInvocationID.x;
    for (; i + 3u * l < end; i += 4u * l) { // four copies per trip, as in peak_read
        dst[i] = src[i];
        dst[i + l] = src[i + l];
        dst[i + 2u * l] = src[i + 2u * l];
        dst[i + 3u * l] = src[i + 3u * l];
    }
    for (; i < end; i += l)
        dst[i] = src[i];
}
