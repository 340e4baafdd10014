#version 450
#extension GL_GOOGLE_include_directive : require
// Softmax and LogSoftmax over one axis, fp32. X is seen as
// [OUTER, LEN, INNER]; one invocation per (outer, inner) row normalizes the
// LEN values at stride INNER (max subtracted first, for range).
// LOG: 1 for LogSoftmax. Bindings: 0 Y, 1 X.
#ifndef OUTER
#define OUTER 1
#endif
#ifndef LEN
#define LEN 1
#endif
#ifndef INNER
#define INNER 1
#endif
#ifndef LOG
#define LOG 0
#endif
#ifndef TOTAL
#define TOTAL (uint(OUTER) * uint(INNER))
#endif

#include "common.glsl"

layout(std430, binding = 0) writeonly buffer Out { float y[]; };
layout(std430, binding = 1) readonly buffer In { float x[]; };

void main() {
    uint i = flat_index();
    if (i >= TOTAL)
        return;
    uint base = (i / uint(INNER)) * uint(LEN * INNER) + i % uint(INNER);
    float mx = -VKC_INF;
    for (uint j = 0u; j < uint(LEN); j++)
        mx = max(mx, x[base + j * uint(INNER)]);
    float sum = 0.0;
    for (uint j = 0u; j < uint(LEN); j++)
        sum += exp(x[base + j * uint(INNER)] - mx);
#if LOG
    float ls = log(sum);
    for (uint j = 0u; j < uint(LEN); j++)
        y[base + j * uint(INNER)] = x[base + j * uint(INNER)] - mx - ls;
#else
    float inv = 1.0 / sum;
    for (uint j = 0u; j < uint(LEN); j++)
        y[base + j * uint(INNER)] = exp(x[base + j * uint(INNER)] - mx) * inv;
#endif
}
