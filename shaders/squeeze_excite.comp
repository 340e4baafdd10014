#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
// A squeeze-and-excitation block in one dispatch (the internal SqueezeExcite
// op, runtime/passes/squeeze_excite.c): per image n,
//   p[c] = mean over the C planes' HW values of X[n, c]
//   h[r] = act(B1[r] + sum over c of W1[r, c] p[c])            r < R
//   s[n, c] = gate(B2[c] + sum over r of W2[c, r] h[r])         c < C
// act is SE_ACT (statements over v, the first 1x1 Conv's fused chain), gate
// the node's post-ops (epilogue.glsl). One workgroup per image: p and h
// live in shared memory between the three phases, whose barriers replace
// the three dispatches and two pipeline barriers of the unfused block
// (pool, 1x1, 1x1). Each phase spreads its rows over the invocations (a
// channel's plane, a row of W1, a row of W2 per invocation), so a value is
// summed in one invocation's order: results do not depend on LOCAL_SIZE.
// Sizes are push constants (shape-generic: one pipeline for every block);
// the shared arrays hold SE_MAX_C and SE_MAX_R values, limits the pass
// checks (vkc_choose_squeeze_excite).
// TEXEL: X is whole texels, read as the texels covering each plane (the
// neighbours' values in the first and last one selected out, as pool.comp's
// GLOBAL_TEXELS). W1V4 (C % 4 == 0) / W2V4 (R % 4 == 0): W1's / W2's rows
// are whole vec4s, read as texels (TEXEL_W) or storage vec4s; otherwise
// element by element.
// Bindings: 0 Y (s), 1 X, 2 W1, 3 W2, then B1 when HAS_B1, then B2 when
// HAS_B2, then the epilogue's operands (none: the pass takes only gates
// without operand tensors).
#ifndef N
#define N 1
#endif
#ifndef C
#define C 1
#endif
#ifndef HW
#define HW 1
#endif
#ifndef R
#define R 1
#endif
#ifndef SE_MAX_C
#define SE_MAX_C 2048
#endif
#ifndef SE_MAX_R
#define SE_MAX_R 512
#endif
#ifndef HAS_B1
#define HAS_B1 0
#endif
#ifndef HAS_B2
#define HAS_B2 0
#endif
#ifndef TEXEL
#define TEXEL 0
#endif
#ifndef TEXEL_W
#define TEXEL_W 0
#endif
#ifndef W1V4
#define W1V4 0
#endif
#ifndef W2V4
#define W2V4 0
#endif
#ifndef SE_ACT
#define SE_ACT
#endif

#include "common.glsl"
#define EPI_BINDING (4 + HAS_B1 + HAS_B2)
#include "epilogue.glsl"

layout(std430, binding = 0) writeonly buffer Out { Y_T y[]; };
#if TEXEL
layout(binding = 1) uniform TEXEL_BUFFER x_t;
#else
layout(std430, binding = 1) readonly buffer In { X_T x[]; };
#endif
#if TEXEL_W
layout(binding = 2) uniform TEXEL_BUFFER w1_t;
layout(binding = 3) uniform TEXEL_BUFFER w2_t;
#define W1LOAD(i) texelFetch(w1_t, int(uint(i) >> 2))[uint(i) & 3u]
#define W2LOAD(i) texelFetch(w2_t, int(uint(i) >> 2))[uint(i) & 3u]
#define W1LOAD4(i) texelFetch(w1_t, int(uint(i) >> 2))
#define W2LOAD4(i) texelFetch(w2_t, int(uint(i) >> 2))
#else
layout(std430, binding = 2) readonly buffer Wt1 { float w1[]; };
layout(std430, binding = 3) readonly buffer Wt2 { float w2[]; };
#define W1LOAD(i) w1[i]
#define W2LOAD(i) w2[i]
#define W1LOAD4(i) vec4(w1[i], w1[(i) + 1], w1[(i) + 2], w1[(i) + 3])
#define W2LOAD4(i) vec4(w2[i], w2[(i) + 1], w2[(i) + 2], w2[(i) + 3])
#endif
#if HAS_B1
layout(std430, binding = 4) readonly buffer Bias1 { float b1[]; };
#endif
#if HAS_B2
layout(std430, binding = 4 + HAS_B1) readonly buffer Bias2 { float b2[]; };
#endif

// p and h, 4 values per vec4: one shared load per 4 values (lavapipe loads
// shared memory lane by lane); each invocation stores whole floats
shared vec4 pooled4[SE_MAX_C / 4];
shared vec4 hidden4[SE_MAX_R / 4];

float se_act(float v) {
    float v0 = v; // the chain's first value, as epilogue.glsl names it
    SE_ACT
    return v;
}

// The mean of plane `plane` (image n's channel c: n * C + c).
float plane_mean(int plane) {
    int e0 = plane * HW, e1 = e0 + HW; // the plane's [e0, e1)
#if TEXEL
    vec4 acc = vec4(0.0);
    for (int t = e0 >> 2; t <= (e1 - 1) >> 2; t++) {
        vec4 q = texelFetch(x_t, t);
        [[unroll]] for (int k = 0; k < 4; k++)
            acc[k] += 4 * t + k >= e0 && 4 * t + k < e1 ? q[k] : 0.0;
    }
    float s = (acc.x + acc.y) + (acc.z + acc.w);
#else
    float s = 0.0;
    for (int e = e0; e < e1; e++)
        s += float(x[e]);
#endif
    return s / float(HW);
}

void main() {
    int n = int(gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x);
    int lid = int(gl_LocalInvocationID.x);
    if (n >= N) // a 2-D grid's overshoot: whole workgroups, so the
        return; // barriers below stay in uniform control flow

    // squeeze: the channel means
    for (int c = lid; c < C; c += LOCAL_SIZE)
        pooled4[c >> 2][c & 3] = plane_mean(n * C + c);
    memoryBarrierShared();
    barrier();

    // the first 1x1: R rows of W1 against p
    for (int r = lid; r < R; r += LOCAL_SIZE) {
#if HAS_B1
        float acc = b1[r];
#else
        float acc = 0.0;
#endif
#if W1V4
        vec4 a4 = vec4(0.0);
        for (int c4 = 0; c4 < C / 4; c4++)
            a4 += W1LOAD4(r * C + 4 * c4) * pooled4[c4];
        acc += (a4.x + a4.y) + (a4.z + a4.w);
#else
        for (int c = 0; c < C; c++)
            acc += W1LOAD(r * C + c) * pooled4[c >> 2][c & 3];
#endif
        hidden4[r >> 2][r & 3] = se_act(acc);
    }
    memoryBarrierShared();
    barrier();

    // the excitation: C rows of W2 against h, then the gate
    for (int c = lid; c < C; c += LOCAL_SIZE) {
#if HAS_B2
        float acc = b2[c];
#else
        float acc = 0.0;
#endif
#if W2V4
        vec4 a4 = vec4(0.0);
        for (int r4 = 0; r4 < R / 4; r4++)
            a4 += W2LOAD4(c * R + 4 * r4) * hidden4[r4];
        acc += (a4.x + a4.y) + (a4.z + a4.w);
#else
        for (int r = 0; r < R; r++)
            acc += W2LOAD(c * R + r) * hidden4[r >> 2][r & 3];
#endif
        uint o = uint(n * C + c);
        y[Y_AT(o, n)] = Y_T(epilogue(acc, uint(c), o));
    }
}
