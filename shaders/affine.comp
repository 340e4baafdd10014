#version 450
// y[i] = x[i] * SCALE + BIAS for i < n. A minimal template: the runtime
// compiler and the scheduler are tested with it.
#ifndef SCALE
#define SCALE 1.0
#endif
#ifndef BIAS
#define BIAS 0.0
#endif
#ifndef LOCAL_SIZE
#define LOCAL_SIZE 64
#endif
layout(local_size_x = LOCAL_SIZE) in;
layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Push { uint n; } pc;

void main() {
    uint i = gl_GlobalInvocationID.x;
    if (i < pc.n)
        y[i] = x[i] * SCALE + BIAS;
}
