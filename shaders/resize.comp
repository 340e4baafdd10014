#version 450
#extension GL_GOOGLE_include_directive : require
// Resize and Upsample, fp32, rank 1..8, nearest or N-linear. The mapping of
// output coordinates to input ones is a table computed at load in double
// (runtime/graph/infer_data.c, resize_table): for axis d and output
// coordinate k, entry TABLE_OFFSETS[d] + k holds three floats: the input
// index below (-1: outside tf_crop_and_resize's roi, the output is
// EXTRAPOLATION), the index above, and the weight of the one above (0 for
// nearest). LINEAR: weighs the two indices on the axes LINEAR_AXES (the
// others read the index below). Bindings: 0 Y, 1 X, 2 the table.
#ifndef RANK
#define RANK 1
#define IN_DIMS 1
#define OUT_DIMS 1u
#define TABLE_OFFSETS 0u
#endif
#ifndef LINEAR
#define LINEAR 0
#endif
#ifndef CROP
#define CROP 0
#endif
#ifndef EXTRAPOLATION
#define EXTRAPOLATION 0.0
#endif
#ifndef TOTAL
#define TOTAL 1u
#endif

#include "common.glsl"

layout(std430, binding = 0) writeonly buffer Out { float y[]; };
layout(std430, binding = 1) readonly buffer In { float x[]; };
layout(std430, binding = 2) readonly buffer Table { float tbl[]; };

const uint odims[RANK] = uint[RANK](OUT_DIMS);
const int idims[RANK] = int[RANK](IN_DIMS);
const uint toff[RANK] = uint[RANK](TABLE_OFFSETS);
#if LINEAR
const int lax[LINEAR_COUNT] = int[LINEAR_COUNT](LINEAR_AXES);
#endif

void main() {
    uint i = flat_index();
    if (i >= uint(TOTAL))
        return;
    uint r = i;
    int base = 0, stride = 1;
#if LINEAR
    int delta[RANK];
    float w[RANK];
#endif
    for (int d = RANK - 1; d >= 0; d--) {
        uint k = r % odims[d];
        r /= odims[d];
        uint e = (toff[d] + k) * 3u;
        int lo = int(tbl[e]);
#if CROP
        if (lo < 0) {
            y[i] = EXTRAPOLATION;
            return;
        }
#endif
        base += lo * stride;
#if LINEAR
        delta[d] = (int(tbl[e + 1u]) - lo) * stride;
        w[d] = tbl[e + 2u];
#endif
        stride *= idims[d];
    }
#if LINEAR
    float acc = 0.0;
    for (int corner = 0; corner < (1 << LINEAR_COUNT); corner++) {
        float weight = 1.0;
        int off = base;
        for (int j = 0; j < LINEAR_COUNT; j++) {
            int d = lax[j];
            if ((corner & (1 << j)) != 0) {
                weight *= w[d];
                off += delta[d];
            } else {
                weight *= 1.0 - w[d];
            }
        }
        acc += weight * x[off];
    }
    y[i] = acc;
#else
    y[i] = x[base];
#endif
}
