#version 450
#extension GL_GOOGLE_include_directive : require
// Elementwise activations, fp32: Y[i] = f(X[i]) for i < TOTAL.
// ACT: 0 copy, 1 Relu, 2 LeakyRelu (ALPHA), 3 Clip (CLIP_MIN, CLIP_MAX; an
// absent bound is not defined), 4 Sigmoid, 5 Tanh. Bindings: 0 Y, 1 X.
#ifndef TOTAL
#define TOTAL 1u
#endif
#ifndef ACT
#define ACT 0
#endif
#ifndef ALPHA
#define ALPHA 0.01
#endif

#include "common.glsl"

layout(std430, binding = 0) writeonly buffer Out { float y[]; };
layout(std430, binding = 1) readonly buffer In { float x[]; };

float act(float v) {
#if ACT == 1
    return v < 0.0 ? 0.0 : v; // NaN passes through, as in ONNX
#elif ACT == 2
    return v < 0.0 ? v * float(ALPHA) : v;
#elif ACT == 3
#ifdef CLIP_MIN
    v = v < float(CLIP_MIN) ? float(CLIP_MIN) : v;
#endif
#ifdef CLIP_MAX
    v = v > float(CLIP_MAX) ? float(CLIP_MAX) : v;
#endif
    return v;
#elif ACT == 4
    return 1.0 / (1.0 + exp(-v));
#elif ACT == 5
    // exp(-2|v|) never overflows, unlike the textbook (e^v - e^-v) / (e^v + e^-v).
    float e = exp(-2.0 * abs(v));
    return sign(v) * (1.0 - e) / (1.0 + e);
#else
    return v;
#endif
}

void main() {
    uint i = flat_index();
    if (i < uint(TOTAL))
        y[i] = act(x[i]);
}
