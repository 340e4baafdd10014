#version 450
#extension GL_GOOGLE_include_directive : require
// Strided copy, fp32, rank 1..8: for each i < TOTAL with row-major
// coordinates k[d] in DIMS, Y[DST_OFF + sum k[d] * DST_STRIDES[d]] =
// X[SRC_OFF + sum k[d] * SRC_STRIDES[d]]. Transpose (permuted source
// strides), Concat (one copy per input into its slice of Y) and plain copies.
// Bindings: 0 Y, 1 X.
#ifndef RANK
#define RANK 1
#define DIMS 1u
#define SRC_STRIDES 1u
#define DST_STRIDES 1u
#endif
#ifndef SRC_OFF
#define SRC_OFF 0u
#endif
#ifndef DST_OFF
#define DST_OFF 0u
#endif
#ifndef TOTAL
#define TOTAL 1u
#endif

#include "common.glsl"

layout(std430, binding = 0) writeonly buffer Out { Y_T y[]; };
layout(std430, binding = 1) readonly buffer In { X_T x[]; };

const uint dims[RANK] = uint[RANK](DIMS);
const uint sstr[RANK] = uint[RANK](SRC_STRIDES);
const uint dstr[RANK] = uint[RANK](DST_STRIDES);

void main() {
    uint i = flat_index();
    if (i >= uint(TOTAL))
        return;
    uint r = i, so = uint(SRC_OFF), dst = uint(DST_OFF);
    for (int d = RANK - 1; d >= 0; d--) {
        uint k = r % dims[d];
        r /= dims[d];
        so += k * sstr[d];
        dst += k * dstr[d];
    }
    y[dst] = Y_T(float(x[so])); // through float: glslang converts half to half with an invalid OpFConvert
}
