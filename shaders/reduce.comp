#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
// ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceL1,
// ReduceL2, ReduceSumSquare, ReduceLogSum, ReduceLogSumExp over any set of
// axes of X (dense, rank <= 8), fp32.
// The lowering (runtime/codegen/lower_reduce.c) merges X's axes into
// alternating groups of kept and reduced axes (size-1 axes dropped): output o
// (OUTS of them, in Y's order) reads its RED elements at
// kept_offset(o) + red_offset(r). KEPT_N groups (0 to 4) of KEPT_DIMS at
// KEPT_STRIDES, RED_N groups (1 to 4) of RED_DIMS at RED_STRIDES, outermost
// first.
// LANES consecutive invocations share an output: lane l accumulates the
// elements r = l, l + LANES, ..., then reduce.glsl combines the lanes. A
// reduction over the innermost axes (the last axis, or a CNN's spatial
// axes) so reads each output's run contiguously with LANES invocations; over
// outer axes with many outputs LANES is 1 and consecutive invocations read
// consecutive memory.
// OP: 0 Sum, 1 Mean, 2 Max, 3 Min, 4 Prod, 5 L1, 6 L2, 7 SumSquare,
// 8 LogSum, 9 LogSumExp (the maximum first, then log(sum(exp(x - max))) +
// max). Bindings: 0 Y, 1 X.
#ifndef OUTS
#define OUTS 1
#endif
#ifndef RED
#define RED 1
#endif
#ifndef OP
#define OP 0
#endif
#ifndef KEPT_N
#define KEPT_N 0
#endif
#ifndef RED_N
#define RED_N 1
#define RED_DIMS 1u
#define RED_STRIDES 1u
#endif
#ifndef TOTAL
#define TOTAL (uint(OUTS) * uint(LANES))
#endif

#include "common.glsl"
#include "reduce.glsl"

layout(std430, binding = 0) writeonly buffer Out { float y[]; };
layout(std430, binding = 1) readonly buffer In { float x[]; };

#if KEPT_N > 0
const uint KD[KEPT_N] = uint[](KEPT_DIMS);
const uint KS[KEPT_N] = uint[](KEPT_STRIDES);
#endif
const uint RD[RED_N] = uint[](RED_DIMS);
const uint RS[RED_N] = uint[](RED_STRIDES);

uint kept_offset(uint o) {
    uint off = 0u;
#if KEPT_N > 0
    [[unroll]] for (int d = KEPT_N - 1; d >= 0; d--) {
        off += (o % KD[d]) * KS[d];
        o /= KD[d];
    }
#endif
    return off;
}

uint red_offset(uint r) {
#if RED_N == 1
    return r * RS[0];
#else
    uint off = 0u;
    [[unroll]] for (int d = RED_N - 1; d >= 0; d--) {
        off += (r % RD[d]) * RS[d];
        r /= RD[d];
    }
    return off;
#endif
}

// How elements combine, the value they start from, and what each adds.
#if OP == 2 || OP == 9
#define HOW VKC_RED_MAX
#define START (-VKC_INF)
#elif OP == 3
#define HOW VKC_RED_MIN
#define START VKC_INF
#elif OP == 4
#define HOW VKC_RED_PROD
#define START 1.0
#else
#define HOW VKC_RED_SUM
#define START 0.0
#endif
#if OP == 5
#define TERM(v) abs(v)
#elif OP == 6 || OP == 7
#define TERM(v) ((v) * (v))
#else
#define TERM(v) (v)
#endif

void main() {
    uint o = vkc_group(), lane = vkc_lane();
    bool live = o < uint(OUTS);
    uint base = live ? kept_offset(o) : 0u;
    float acc = START;
    if (live)
        for (uint r = lane; r < uint(RED); r += uint(LANES))
            acc = vkc_red_combine(acc, TERM(x[base + red_offset(r)]), HOW);
    acc = vkc_lanes_reduce(acc, HOW);
#if OP == 9
    // LogSumExp: acc is the maximum; a row of infinities or NaN is its own
    // result
    bool finite = !isinf(acc) && !isnan(acc);
    float s = 0.0;
    if (live && finite)
        for (uint r = lane; r < uint(RED); r += uint(LANES))
            s += exp(x[base + red_offset(r)] - acc);
    s = vkc_lanes_reduce(s, VKC_RED_SUM);
    float v = finite ? acc + log(s) : acc;
#elif OP == 1
    float v = acc / float(RED);
#elif OP == 6
    float v = sqrt(acc);
#elif OP == 8
    // log as C's: NaN below 0, -inf at 0
    float v = acc < 0.0 ? uintBitsToFloat(0x7fc00000u) : acc == 0.0 ? -VKC_INF : log(acc);
#else
    float v = acc;
#endif
    if (live && lane == 0u)
        y[o] = v;
}
