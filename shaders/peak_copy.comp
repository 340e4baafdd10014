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
    for (uint i = gl_GlobalInvocationID.x; i < pc.count; i += pc.threads)
        dst[i] = src[i];
}
