#version 450
#extension GL_GOOGLE_include_directive : require
// im2col: the patches a KH x KW convolution (group 1) reads, laid out as
// a 1x1 convolution's input so that conv1x1.comp finishes the layer as a
// GEMM (variant im2col, runtime/codegen/lower_window.c). For image n,
// patch row k = (c * KH + ky) * KW + kx (W's [M][C][KH][KW] order) and
// output pixel p = oy * OW + ox:
//   S[(n * K + k) * P + p] = X[n][c][oy * SH - PT + ky * DH][ox * SW - PL + kx * DW]
// with zero where that falls in the padding. One invocation per element of
// S; consecutive invocations write consecutive pixels.
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

layout(std430, binding = 0) writeonly buffer Out { float s[]; };
#if defined(TEXEL) && TEXEL
layout(binding = 1) uniform TEXEL_BUFFER x_t;
#define XLOAD(i) texelFetch(x_t, int((i) >> 2))[(i) & 3u]
#else
layout(std430, binding = 1) readonly buffer In { X_T x[]; };
#define XLOAD(i) float(x[i])
#endif

void main() {
    uint i = flat_index();
    if (i >= uint(TOTAL))
        return;
    int p = int(i % uint(P));
    int k = int((i / uint(P)) % uint(K));
    int n = int(i / uint(P * K));
    int kx = k % KW, ky = (k / KW) % KH, c = k / (KW * KH);
    int iy = (p / OW) * SH - PT + ky * DH, ix = (p % OW) * SW - PL + kx * DW;
    float v = 0.0;
    if (iy >= 0 && iy < H && ix >= 0 && ix < W)
        v = XLOAD(uint(((n * C + c) * H + iy) * W + ix));
    s[i] = v;
}
