#version 450
#extension GL_GOOGLE_include_directive : require
// Elementwise binary ops with numpy broadcasting, fp32, rank 1..8.
// Output element i has coordinates k[d] in OUT_DIMS (row-major); A is read at
// sum k[d] * A_STRIDES[d] and B at sum k[d] * B_STRIDES[d], where a stride is
// 0 on a broadcast axis. OP: 0 Add, 1 Sub, 2 Mul, 3 Div, 4 PRelu (A = X,
// B = slope). Bindings: 0 Y, 1 A, 2 B.
#ifndef RANK
#define RANK 1
#define OUT_DIMS 1u
#define A_STRIDES 1u
#define B_STRIDES 1u
#endif
#ifndef OP
#define OP 0
#endif
#ifndef TOTAL
#define TOTAL 1u
#endif

#include "common.glsl"

layout(std430, binding = 0) writeonly buffer Out { float y[]; };
layout(std430, binding = 1) readonly buffer InA { float a[]; };
layout(std430, binding = 2) readonly buffer InB { float b[]; };

const uint dims[RANK] = uint[RANK](OUT_DIMS);
const uint astr[RANK] = uint[RANK](A_STRIDES);
const uint bstr[RANK] = uint[RANK](B_STRIDES);

void main() {
    uint i = flat_index();
    if (i >= uint(TOTAL))
        return;
    uint r = i, ao = 0u, bo = 0u;
    for (int d = RANK - 1; d >= 0; d--) {
        uint k = r % dims[d];
        r /= dims[d];
        ao += k * astr[d];
        bo += k * bstr[d];
    }
    float va = a[ao], vb = b[bo];
#if OP == 0
    y[i] = va + vb;
#elif OP == 1
    y[i] = va - vb;
#elif OP == 2
    y[i] = va * vb;
#elif OP == 3
    y[i] = va / vb;
#else
    y[i] = va < 0.0 ? va * vb : va;
#endif
}
