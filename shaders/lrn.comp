#version 450
#extension GL_GOOGLE_include_directive : require
// Local response normalization across channels (ONNX LRN), fp32, NCHW with
// the spatial dims folded into SP:
//   sq = sum of X[n, j, s]^2 for j in [c - floor((SIZE-1)/2), c + ceil((SIZE-1)/2)]
//        clipped to [0, C)
//   Y[n, c, s] = X[n, c, s] / (BIAS + ALPHA / SIZE * sq)^BETA
// Bindings: 0 Y, 1 X.
#ifndef N
#define N 1
#endif
#ifndef C
#define C 1
#endif
#ifndef SP
#define SP 1
#endif
#ifndef SIZE
#define SIZE 1
#endif
#ifndef ALPHA
#define ALPHA 1e-4
#endif
#ifndef BETA
#define BETA 0.75
#endif
#ifndef BIAS
#define BIAS 1.0
#endif
#ifndef TOTAL
#define TOTAL (uint(N) * uint(C) * uint(SP))
#endif

#include "common.glsl"

layout(std430, binding = 0) writeonly buffer Out { Y_T y[]; }; // X_T, Y_T: common.glsl
layout(std430, binding = 1) readonly buffer In { X_T x[]; };

void main() {
    uint i = flat_index();
    if (i >= TOTAL)
        return;
    uint s = i % uint(SP);
    uint t = i / uint(SP);
    int c = int(t % uint(C));
    uint n = t / uint(C);
    int lo = max(c - (SIZE - 1) / 2, 0);
    int hi = min(c + SIZE / 2, C - 1);
    float sq = 0.0;
    for (int j = lo; j <= hi; j++) {
        float v = float(x[(n * uint(C) + uint(j)) * uint(SP) + s]);
        sq += v * v;
    }
    float base = float(BIAS) + float(ALPHA) / float(SIZE) * sq;
    y[i] = Y_T(float(x[i]) / pow(base, float(BETA)));
}
