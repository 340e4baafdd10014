#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
// The second half of a split-K convolution (conv_gemm.comp with SPLITK):
//   Y[i] = epilogue(sum over s < SPLITK of P[s * TOTAL + i] + B[m], m, i)
// for the TOTAL = N * M * OHW outputs, m = (i / OHW) % M its channel.
// The slices are added in order, so the result does not depend on the grid.
// Bindings: 0 Y, 1 the partials P, then B when HAS_BIAS, then the
// epilogue's operands (EPI_BINDING on).
#ifndef M
#define M 1
#endif
#ifndef OHW
#define OHW 1
#endif
#ifndef SPLITK
#define SPLITK 2
#endif
#ifndef HAS_BIAS
#define HAS_BIAS 0
#endif
#ifndef TOTAL
#define TOTAL 1u
#endif

#include "common.glsl"
#define EPI_BINDING (2 + HAS_BIAS)
#include "epilogue.glsl"

layout(std430, binding = 0) writeonly buffer Out { Y_T y[]; };
layout(std430, binding = 1) readonly buffer Part { float part[]; };
#if HAS_BIAS
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
#endif

void main() {
    uint i = flat_index();
    if (i >= uint(TOTAL))
        return;
    float v = 0.0;
    [[unroll]] for (int s = 0; s < SPLITK; s++)
        v += part[uint(s) * uint(TOTAL) + i];
    uint m = (i / uint(OHW)) % uint(M);
#if HAS_BIAS
    v += bias[m];
#endif
    y[i] = Y_T(epilogue(v, m, i));
}
