#version 450
#extension GL_GOOGLE_include_directive : require
// The elementwise kernel: a fused group whose anchor is an elementwise
// operator. Y[i] for i < TOTAL is ELT_BODY, statements that compute v from
// the operands t0.. (bindings 1..ELT_OPERANDS, each numpy-broadcast to the
// output: operand k is read at o[k]) through the functions of eltwise.glsl,
// the same ones every fused epilogue calls.
// ELT_RANK, OUT_DIMS: the output's shape with adjacent axes merged
// (runtime/codegen/lower_elementwise.c); OPk_STRIDES: operand k's strides
// over it, 0 on a broadcast axis. Bindings: 0 Y, then the operands.
#ifndef ELT_RANK
#define ELT_RANK 1
#define OUT_DIMS 1u
#endif
#ifndef ELT_OPERANDS
#define ELT_OPERANDS 1
#define OP0_STRIDES 1u
#define ELT_BODY v = t0[o[0]];
#endif
#ifndef TOTAL
#define TOTAL 1u
#endif

#include "common.glsl"
#include "eltwise.glsl"

layout(std430, binding = 0) writeonly buffer Out { Y_T y[]; };
const uint dims[ELT_RANK] = uint[ELT_RANK](OUT_DIMS);

// Operand k: its binding, its strides and its type (ELT_HALFk: halves,
// which ELT_BODY reads through float()).
#if defined(ELT_HALF0) && ELT_HALF0
#define ELT_T0 float16_t
#else
#define ELT_T0 float
#endif
#if defined(ELT_HALF1) && ELT_HALF1
#define ELT_T1 float16_t
#else
#define ELT_T1 float
#endif
#if defined(ELT_HALF2) && ELT_HALF2
#define ELT_T2 float16_t
#else
#define ELT_T2 float
#endif
#if defined(ELT_HALF3) && ELT_HALF3
#define ELT_T3 float16_t
#else
#define ELT_T3 float
#endif
#if defined(ELT_HALF4) && ELT_HALF4
#define ELT_T4 float16_t
#else
#define ELT_T4 float
#endif
#if defined(ELT_HALF5) && ELT_HALF5
#define ELT_T5 float16_t
#else
#define ELT_T5 float
#endif
#if defined(ELT_HALF6) && ELT_HALF6
#define ELT_T6 float16_t
#else
#define ELT_T6 float
#endif
#if defined(ELT_HALF7) && ELT_HALF7
#define ELT_T7 float16_t
#else
#define ELT_T7 float
#endif
#define OPERAND(k, strides)                                                                        \
    layout(std430, binding = 1 + k) readonly buffer In##k { ELT_T##k t##k[]; };                       \
    const uint s##k[ELT_RANK] = uint[ELT_RANK](strides);
OPERAND(0, OP0_STRIDES)
#if ELT_OPERANDS > 1
OPERAND(1, OP1_STRIDES)
#endif
#if ELT_OPERANDS > 2
OPERAND(2, OP2_STRIDES)
#endif
#if ELT_OPERANDS > 3
OPERAND(3, OP3_STRIDES)
#endif
#if ELT_OPERANDS > 4
OPERAND(4, OP4_STRIDES)
#endif
#if ELT_OPERANDS > 5
OPERAND(5, OP5_STRIDES)
#endif
#if ELT_OPERANDS > 6
OPERAND(6, OP6_STRIDES)
#endif
#if ELT_OPERANDS > 7
OPERAND(7, OP7_STRIDES)
#endif

void main() {
    uint i = flat_index();
    if (i >= uint(TOTAL))
        return;
    uint o[ELT_OPERANDS];
    for (int k = 0; k < ELT_OPERANDS; k++)
        o[k] = 0u;
    uint r = i;
    for (int d = ELT_RANK - 1; d >= 0; d--) {
        uint c = r % dims[d];
        r /= dims[d];
        o[0] += c * s0[d];
#if ELT_OPERANDS > 1
        o[1] += c * s1[d];
#endif
#if ELT_OPERANDS > 2
        o[2] += c * s2[d];
#endif
#if ELT_OPERANDS > 3
        o[3] += c * s3[d];
#endif
#if ELT_OPERANDS > 4
        o[4] += c * s4[d];
#endif
#if ELT_OPERANDS > 5
        o[5] += c * s5[d];
#endif
#if ELT_OPERANDS > 6
        o[6] += c * s6[d];
#endif
#if ELT_OPERANDS > 7
        o[7] += c * s7[d];
#endif
    }
    float v;
    ELT_BODY
#ifdef Y_IMAGE // written into a Concat's images: Y_IMAGE elements an image
    y[Y_AT(i, i / Y_IMAGE)] = Y_T(v);
#else
    y[i] = Y_T(v);
#endif
}
