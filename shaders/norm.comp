#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
// Normalization over rows, fp32: LayerNormalization, InstanceNormalization
// and GroupNormalization (MODE 0), LpNormalization (MODE 1).
// Row r of ROWS holds LEN elements of X at stride INNER, from
// (r / INNER) * LEN * INNER + r % INNER (INNER 1: a contiguous row; the
// lowering, runtime/codegen/lower_norm.c, lays the rows out per operator).
// LANES consecutive invocations share a row (reduce.glsl combines their
// sums): one workgroup per row when LANES == LOCAL_SIZE, several short rows
// per workgroup otherwise.
// MODE 0: mean, then the (biased) variance of x - mean, in two passes;
//   y = (x - mean) / sqrt(var + EPS) * scale + bias, where element j of row
//   r reads scale[(r % SC_MOD) * SC_ROW + j / SC_DIV] (HAS_SCALE) and bias
//   likewise with B_MOD, B_ROW, B_DIV (HAS_BIAS).
// MODE 1: y = x / ||row||_P, P 1 or 2.
// CACHE 1: each lane holds its NK = ceil(LEN / LANES) elements in registers
// (NK <= 16), so X is read once instead of once per pass.
// STATS 1 (rows too long for registers): the statistics only, st[2r] the
// mean and st[2r + 1] 1 / std (MODE 0), or 0 and the norm (MODE 1);
// norm_apply.comp then writes Y with one invocation per element.
// STAT 1 or 2 (LayerNormalization's outputs Mean and InvStdDev): y[r] is the
// row's mean or 1 / std.
// Bindings: 0 Y (STATS: the statistics), 1 X, then scale (HAS_SCALE), then
// bias (HAS_BIAS).
#ifndef ROWS
#define ROWS 1
#endif
#ifndef LEN
#define LEN 1
#endif
#ifndef INNER
#define INNER 1
#endif
#ifndef MODE
#define MODE 0
#endif
#ifndef P
#define P 2
#endif
#ifndef EPS
#define EPS 1e-5
#endif
#ifndef CACHE
#define CACHE 0
#endif
#ifndef STATS
#define STATS 0
#endif
#ifndef STAT
#define STAT 0
#endif
#ifndef HAS_SCALE
#define HAS_SCALE 0
#endif
#ifndef HAS_BIAS
#define HAS_BIAS 0
#endif
#ifndef SC_MOD
#define SC_MOD 1
#define SC_ROW 0
#define SC_DIV 1
#endif
#ifndef B_MOD
#define B_MOD 1
#define B_ROW 0
#define B_DIV 1
#endif
#ifndef TOTAL
#define TOTAL (uint(ROWS) * uint(LANES))
#endif

#include "common.glsl"
#include "reduce.glsl"

#if STATS
layout(std430, binding = 0) writeonly buffer Out { float st[]; };
#else
layout(std430, binding = 0) writeonly buffer Out { float y[]; };
#endif
layout(std430, binding = 1) readonly buffer In { float x[]; };
#if HAS_SCALE
layout(std430, binding = 2) readonly buffer Scale { float sc[]; };
#endif
#if HAS_BIAS
layout(std430, binding = 2 + HAS_SCALE) readonly buffer Bias { float bi[]; };
#endif

#define NK ((uint(LEN) + uint(LANES) - 1u) / uint(LANES))

void main() {
    uint r = vkc_group(), lane = vkc_lane();
    bool live = r < uint(ROWS);
    uint base = (r / uint(INNER)) * uint(LEN) * uint(INNER) + r % uint(INNER);
#define AT(j) (base + (j) * uint(INNER))
    // Each loop visits the lane's elements j = lane + k * LANES < LEN.
#if CACHE
    float v[NK];
    [[unroll]] for (uint k = 0u; k < NK; k++) {
        uint j = lane + k * uint(LANES);
        v[k] = live && j < uint(LEN) ? x[AT(j)] : 0.0;
    }
#define VALUE(k, j) v[k]
#define LOOP [[unroll]] for
#else
#define VALUE(k, j) x[AT(j)]
#define LOOP for
#endif

#if MODE == 0
    float s = 0.0;
    LOOP(uint k = 0u; k < NK; k++) {
        uint j = lane + k * uint(LANES);
        if (live && j < uint(LEN))
            s += VALUE(k, j);
    }
    float mean = vkc_lanes_reduce(s, VKC_RED_SUM) / float(LEN);
    float q = 0.0;
    LOOP(uint k = 0u; k < NK; k++) {
        uint j = lane + k * uint(LANES);
        if (live && j < uint(LEN)) {
            float d = VALUE(k, j) - mean;
            q += d * d;
        }
    }
    float inv = 1.0 / sqrt(vkc_lanes_reduce(q, VKC_RED_SUM) / float(LEN) + float(EPS));
#if STATS
    if (live && lane == 0u) {
        st[2u * r] = mean;
        st[2u * r + 1u] = inv;
    }
#elif STAT
    if (live && lane == 0u)
        y[r] = STAT == 1 ? mean : inv;
#else
    LOOP(uint k = 0u; k < NK; k++) {
        uint j = lane + k * uint(LANES);
        if (live && j < uint(LEN)) {
            float t = (VALUE(k, j) - mean) * inv;
#if HAS_SCALE
            t *= sc[(r % uint(SC_MOD)) * uint(SC_ROW) + j / uint(SC_DIV)];
#endif
#if HAS_BIAS
            t += bi[(r % uint(B_MOD)) * uint(B_ROW) + j / uint(B_DIV)];
#endif
            y[AT(j)] = t;
        }
    }
#endif
#else
    float s = 0.0;
    LOOP(uint k = 0u; k < NK; k++) {
        uint j = lane + k * uint(LANES);
        if (live && j < uint(LEN)) {
            float e = VALUE(k, j);
            s += P == 1 ? abs(e) : e * e;
        }
    }
    float norm = vkc_lanes_reduce(s, VKC_RED_SUM);
    if (P == 2)
        norm = sqrt(norm);
#if STATS
    if (live && lane == 0u) {
        st[2u * r] = 0.0;
        st[2u * r + 1u] = norm;
    }
#else
    LOOP(uint k = 0u; k < NK; k++) {
        uint j = lane + k * uint(LANES);
        if (live && j < uint(LEN))
            y[AT(j)] = VALUE(k, j) / norm;
    }
#endif
#endif
}
