#version 450
// Device-memory copy bandwidth: vec4 grid-stride copy (bytes read + written).
#ifndef LOCAL_SIZE
#define LOCAL_SIZE 64
#endif
layout(local_size_x = LOCAL_SIZE) in;
layout(std430, set = 0, binding = 0) readonly buffer Src { vec4 src[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Dst { vec4 dst[]; };
layout(push_constant) uniform Push { uint count; uint threads; } pc;

void main() {
    uint t = pc.threads, i = gl_GlobalInvocationID.x;
    for (; i + 3u * t < pc.count; i += 4u * t) { // four copies per trip, as in peak_read
        dst[i] = src[i];
        dst[i + t] = src[i + t];
        dst[i + 2u * t] = src[i + 2u * t];
        dst[i + 3u * t] = src[i + 3u * t];
    }
    for (; i < pc.count; i += t)
        dst[i] = src[i];
}
