#version 450
#extension GL_GOOGLE_include_directive : require
// Pad, fp32, rank 1..8. Output coordinate o on axis d reads input coordinate
// j = o - PADS_BEGIN[d] (a negative begin crops). Outside [0, IN_DIMS[d]):
// MODE 0 writes VALUE, 1 reflects (without repeating the edge), 2 repeats the
// edge, 3 wraps around (opset 19's wrap). Shape inference guarantees reflect pads are smaller than the axis.
// Bindings: 0 Y, 1 X.
#ifndef RANK
#define RANK 1
#define IN_DIMS 1
#define OUT_DIMS 1
#define PADS_BEGIN 0
#endif
#ifndef MODE
#define MODE 0
#endif
#ifndef VALUE
#define VALUE 0.0
#endif
#ifndef TOTAL
#define TOTAL 1u
#endif

#include "common.glsl"

layout(std430, binding = 0) writeonly buffer Out { Y_T y[]; }; // X_T, Y_T: common.glsl
layout(std430, binding = 1) readonly buffer In { X_T x[]; };

const int idims[RANK] = int[RANK](IN_DIMS);
const int odims[RANK] = int[RANK](OUT_DIMS);
const int begin[RANK] = int[RANK](PADS_BEGIN);

void main() {
    uint i = flat_index();
    if (i >= uint(TOTAL))
        return;
    int r = int(i), off = 0, stride = 1;
    for (int d = RANK - 1; d >= 0; d--) {
        int o = r % odims[d];
        r /= odims[d];
        int j = o - begin[d], n = idims[d];
        if (j < 0 || j >= n) {
#if MODE == 0
            y[i] = Y_T(float(VALUE));
            return;
#elif MODE == 1
            j = j < 0 ? -j : 2 * (n - 1) - j;
#elif MODE == 2
            j = clamp(j, 0, n - 1);
#else
            j = (j % n + n) % n;
#endif
        }
        off += j * stride;
        stride *= n;
    }
    y[i] = Y_T(float(x[off])); // through float: no half-to-half conversion
}
