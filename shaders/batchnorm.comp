#version 450
#extension GL_GOOGLE_include_directive : require
// BatchNormalization, inference form, fp32, N x C x SP (spatial folded):
//   Y = (X - mean[c]) / sqrt(var[c] + EPS) * scale[c] + B[c]
// Bindings: 0 Y, 1 X, 2 scale, 3 B, 4 mean, 5 var.
#ifndef C
#define C 1
#endif
#ifndef SP
#define SP 1
#endif
#ifndef TOTAL
#define TOTAL 1u
#endif
#ifndef EPS
#define EPS 1e-5
#endif

#include "common.glsl"

layout(std430, binding = 0) writeonly buffer Out { float y[]; };
layout(std430, binding = 1) readonly buffer In { float x[]; };
layout(std430, binding = 2) readonly buffer Scale { float scale[]; };
layout(std430, binding = 3) readonly buffer Bias { float bias[]; };
layout(std430, binding = 4) readonly buffer Mean { float mean[]; };
layout(std430, binding = 5) readonly buffer Var { float var[]; };

void main() {
    uint i = flat_index();
    if (i >= uint(TOTAL))
        return;
    uint c = (i / uint(SP)) % uint(C);
    y[i] = (x[i] - mean[c]) / sqrt(var[c] + float(EPS)) * scale[c] + bias[c];
}
