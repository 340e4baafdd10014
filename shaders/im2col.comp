#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#if defined(YV8) && YV8
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
#endif
// im2col: the patches a KH x KW convolution (group 1) reads, laid out as
// a 1x1 convolution's input so that conv1x1.comp finishes the layer as a
// GEMM (variant im2col, runtime/codegen/lower_window.c). For image n,
// patch row k = (c * KH + ky) * KW + kx (W's [M][C][KH][KW] order) and
// output pixel p = oy * OW + ox:
//   S[(n * K + k) * P + p] = X[n][c][oy * SH - PT + ky * DH][ox * SW - PL + kx * DW]
// with zero where that falls in the padding. One invocation per VB
// consecutive elements of S (pixels p .. p + VB - 1 of one patch row);
// consecutive invocations write consecutive pixels. VB 4 (the lowering
// defines YV4 where P % 4 == 0): one vec4 store; VB 8 (YV8: P % 8 == 0 on
// targets with wide accesses, common.glsl): one u64vec4 store of 8 floats.
// On lavapipe a store is a loop over the lanes, so S's stores, not X's
// fetches, were most of this kernel (bench/RESULTS.md, stop 43).
// Bindings: 0 S (scratch), 1 X.
#ifndef C // defaults for the build's syntax check; the codegen defines all
#define N 1
#define C 1
#define H 1
#define W 1
#define OH 1
#define OW 1
#define KH 1
#define KW 1
#define SH 1
#define SW 1
#define DH 1
#define DW 1
#define PT 0
#define PL 0
#endif
#ifndef TOTAL
#define TOTAL 1u
#endif

#include "common.glsl"

#define K (C * KH * KW)
#define P (OH * OW)

#if defined(YV8) && YV8
#define VB 8
layout(std430, binding = 0) writeonly buffer Out { u64vec4 s8[]; };
#elif defined(YV4) && YV4
#define VB 4
layout(std430, binding = 0) writeonly buffer Out { vec4 s4[]; };
#else
#define VB 1
layout(std430, binding = 0) writeonly buffer Out { float s[]; };
#endif
#if defined(TEXEL) && TEXEL
layout(binding = 1) uniform TEXEL_BUFFER x_t;
#define XLOAD(i) texelFetch(x_t, int((i) >> 2))[(i) & 3u]
#else
layout(std430, binding = 1) readonly buffer In { X_T x[]; };
#define XLOAD(i) float(x[i])
#endif

void main() {
    uint i = flat_index(); // TOTAL: S's elements / VB
    if (i >= uint(TOTAL))
        return;
    uint e = i * uint(VB); // P % VB == 0: the block lies in one patch row
    int p = int(e % uint(P));
    int k = int((e / uint(P)) % uint(K));
    int n = int(e / uint(P * K));
    int kx = k % KW, ky = (k / KW) % KH, c = k / (KW * KH);
    int xb = (n * C + c) * H;
    float v[VB];
    [[unroll]] for (int j = 0; j < VB; j++) {
        int q = p + j, oy = q / OW;
        int iy = oy * SH - PT + ky * DH, ix = (q - oy * OW) * SW - PL + kx * DW;
        v[j] = 0.0;
        if (iy >= 0 && iy < H && ix >= 0 && ix < W)
            v[j] = XLOAD(uint((xb + iy) * W + ix));
    }
#if VB == 8
    s8[i] = y8_pack(v);
#elif VB == 4
    s4[i] = vec4(v[0], v[1], v[2], v[3]);
#else
    s[i] = v[0];
#endif
}
