#version 450
#extension GL_GOOGLE_include_directive : require
// Index-mapped copy, fp32, rank 1..8: Slice, Split, Gather, Tile, Expand.
// Output element i, with row-major coordinates k[d] over DIMS (RANK axes),
// reads X[SRC_OFF + sum_d c[d] * SRC_STRIDES[d]] where c[d] is k[d], or
// k[d] % MODS[d] on axes with MODS[d] > 0 (Tile), or TABLE[k[d]] on axis
// TABLE_AXIS (a Gather whose indices are no arithmetic progression: a
// float table, exact below 2^24). Strides may be negative (Slice with
// negative steps) or 0 (Expand's broadcast axes).
// Bindings: 0 Y, 1 X [, 2 the index table].
#ifndef RANK
#define RANK 1
#define DIMS 1u
#define SRC_STRIDES 1
#endif
#ifndef SRC_OFF
#define SRC_OFF 0
#endif
#ifndef TABLE_AXIS
#define TABLE_AXIS (-1)
#endif
#ifndef TOTAL
#define TOTAL 1u
#endif

#include "common.glsl"

layout(std430, binding = 0) writeonly buffer Out { float y[]; };
layout(std430, binding = 1) readonly buffer In { float x[]; };
#if TABLE_AXIS >= 0
layout(std430, binding = 2) readonly buffer Table { float tbl[]; };
#endif

const uint dims[RANK] = uint[RANK](DIMS);
const int sstr[RANK] = int[RANK](SRC_STRIDES);
#ifdef MODS
const uint mods[RANK] = uint[RANK](MODS);
#endif

void main() {
    uint i = flat_index();
    if (i >= uint(TOTAL))
        return;
    uint r = i;
    int off = SRC_OFF;
    for (int d = RANK - 1; d >= 0; d--) {
        uint k = r % dims[d];
        r /= dims[d];
#ifdef MODS
        if (mods[d] > 0u)
            k %= mods[d];
#endif
#if TABLE_AXIS >= 0
        if (d == TABLE_AXIS)
            k = uint(tbl[k]);
#endif
        off += int(k) * sstr[d];
    }
    y[i] = x[off];
}
