#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#if defined(YV8) && YV8
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
#endif
// BatchNormalization, inference form, N x C x SP (spatial folded):
//   Y = (X - mean[c]) / sqrt(var[c] + EPS) * scale[c] + B[c]
// then the fused epilogue (epilogue.glsl: DenseNet's ReLU after each of its
// standalone batch norms). An invocation owns TX consecutive elements of one
// image and channel (plane = n * C + c), so it reads the channel's four
// values once per TX elements: on CPU drivers each such read is a gather
// over the lanes. Grid: NC planes x NCH chunks of TX, chunks fastest.
// XV4 (TEXEL, SP % 4 == 0): the chunk's X as TX / 4 whole texels.
// YV4 (SP % 4 == 0, TX % 4 == 0; the lowering defines it, and YV8 for
// multiples of 8, common.glsl): Y stored as vec4s or as u64vec4s of 8
// floats, a quarter or an eighth of the stores (on lavapipe 22.3 each
// store is a loop over the lanes), the epilogue per 4 elements
// (epilogue4: a texel operand fetched once per 4). A plane's elements then
// come in whole vectors, so a vector is stored whole or not at all.
// Shape-generic: C, SP, NCH and the grid are push constants (lower_norm.c).
// Bindings: 0 Y, 1 X, 2 scale, 3 B, 4 mean, 5 var, then the epilogue's
// operands.
#ifndef C
#define C 1
#endif
#ifndef SP
#define SP 1
#endif
#ifndef NC
#define NC 1
#endif
#ifndef TX
#define TX 16
#endif
#ifndef NCH
#define NCH ((SP + TX - 1) / TX)
#endif
#ifndef EPS
#define EPS 1e-5
#endif
#ifndef XV4
#define XV4 0
#endif
#ifndef YV4
#define YV4 0
#endif
#ifndef YV8
#define YV8 0
#endif
#ifndef DIV_NCH
#define DIV_NCH(x) (uint(x) / uint(NCH))
#endif
#ifndef DIV_C
#define DIV_C(x) (uint(x) / uint(C))
#endif
#ifndef TOTAL
#define TOTAL (uint(NC) * uint(NCH))
#endif

#include "common.glsl"
#define EPI_BINDING 6
#include "epilogue.glsl"

#if YV8
layout(std430, binding = 0) writeonly buffer Out { u64vec4 y8[]; };
#elif YV4
layout(std430, binding = 0) writeonly buffer Out { Y4_T y4[]; };
#else
layout(std430, binding = 0) writeonly buffer Out { Y_T y[]; };
#endif
#if defined(TEXEL) && TEXEL
layout(binding = 1) uniform TEXEL_BUFFER x_t;
#define XLOAD(i) texelFetch(x_t, int(uint(i) >> 2))[uint(i) & 3u]
#else
layout(std430, binding = 1) readonly buffer In { X_T x[]; };
#define XLOAD(i) float(x[i])
#endif
layout(std430, binding = 2) readonly buffer Scale { float scale[]; };
layout(std430, binding = 3) readonly buffer Bias { float bias[]; };
layout(std430, binding = 4) readonly buffer Mean { float mean[]; };
layout(std430, binding = 5) readonly buffer Var { float var[]; };

void main() {
    uint t = flat_index();
    if (t >= TOTAL)
        return;
    uint plane = DIV_NCH(t);
    uint e0 = (t - plane * uint(NCH)) * uint(TX);
    uint n = DIV_C(plane);
    uint c = plane - n * uint(C);
    float s = scale[c] / sqrt(var[c] + float(EPS));
    float b = bias[c] - mean[c] * s;
    uint base = plane * uint(SP);
    float v[TX];
#if XV4
    // SP % 4 == 0: whole texels; past the plane's end (never stored) the
    // plane's last texel is read again
    [[unroll]] for (uint j = 0; j < TX / 4; j++) {
        vec4 q = texelFetch(x_t, int((base + min(e0 + 4u * j, uint(SP) - 4u)) >> 2));
        [[unroll]] for (uint k = 0; k < 4; k++)
            v[4 * j + k] = q[k];
    }
#else
    [[unroll]] for (uint k = 0; k < TX; k++)
        v[k] = XLOAD(base + min(e0 + k, uint(SP) - 1u));
#endif
#if YV8
    [[unroll]] for (uint j = 0; j < TX / 8; j++)
        if (e0 + 8u * j < uint(SP)) {
            uint i = base + e0 + 8u * j;
            float o[8];
            [[unroll]] for (uint h = 0; h < 2; h++) { // i % 8 == 0
                vec4 a = vec4(v[8 * j + 4 * h], v[8 * j + 4 * h + 1], v[8 * j + 4 * h + 2],
                              v[8 * j + 4 * h + 3]);
                vec4 e = epilogue4(a * s + b, c, i + 4u * h);
                [[unroll]] for (uint k = 0; k < 4; k++)
                    o[4 * h + k] = e[k];
            }
            y8[Y_AT(i, n) >> 3] = y8_pack(o); // Y_GAP % 8 == 0 here
        }
#elif YV4
    [[unroll]] for (uint j = 0; j < TX / 4; j++)
        if (e0 + 4u * j < uint(SP)) {
            uint i = base + e0 + 4u * j; // i % 4 == 0
            vec4 a = vec4(v[4 * j], v[4 * j + 1], v[4 * j + 2], v[4 * j + 3]);
            y4[Y_AT(i, n) >> 2] = Y4_T(epilogue4(a * s + b, c, i)); // Y_GAP % 4 == 0 here
        }
#else
    [[unroll]] for (uint k = 0; k < TX; k++) {
        uint i = base + e0 + k;
        if (e0 + k < uint(SP))
            y[Y_AT(i, n)] = Y_T(epilogue(v[k] * s + b, c, i));
    }
#endif
}
