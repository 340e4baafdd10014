#version 450
#extension GL_GOOGLE_include_directive : require
// The second dispatch of a normalization whose rows are too long to stay in
// registers (runtime/codegen/lower_norm.c): norm.comp with STATS 1 wrote
// each row's statistics, and this kernel applies them with one invocation
// per element of Y, so that the whole device writes Y (a GPU's few long
// rows, InstanceNormalization's, would otherwise leave most of it idle).
// Rows as norm.comp lays them out: element e of X (and Y) is element
// j = (e % (LEN * INNER)) / INNER of row r = (e / (LEN * INNER)) * INNER +
// e % INNER. CONTIG (INNER 1): a workgroup covers LOCAL_SIZE elements of
// one row, so r is uniform in it (one load of the row's statistics).
// MODE 0: y = (x - st[2r]) * st[2r + 1] * scale + bias (mean and 1 / std;
// scale and bias indexed as in norm.comp). MODE 1: y = x / st[2r + 1] (the
// row's norm).
// Bindings: 0 Y, 1 X, 2 the statistics, then scale (HAS_SCALE), then bias
// (HAS_BIAS).
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
#ifndef CONTIG
#define CONTIG 0
#endif
#ifndef TOTAL
#define TOTAL (uint(ROWS) * uint(LEN))
#endif

#include "common.glsl"

layout(std430, binding = 0) writeonly buffer Out { float y[]; };
layout(std430, binding = 1) readonly buffer In { float x[]; };
layout(std430, binding = 2) readonly buffer Stats { float st[]; };
#if HAS_SCALE
layout(std430, binding = 3) readonly buffer Scale { float sc[]; };
#endif
#if HAS_BIAS
layout(std430, binding = 3 + HAS_SCALE) readonly buffer Bias { float bi[]; };
#endif

void main() {
#if CONTIG
    // a workgroup covers part of one row: r is uniform in it
    const uint chunks = (uint(LEN) + uint(LOCAL_SIZE) - 1u) / uint(LOCAL_SIZE);
    uint w = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    uint r = w / chunks, j = (w % chunks) * uint(LOCAL_SIZE) + gl_LocalInvocationID.x;
    if (r >= uint(ROWS) || j >= uint(LEN))
        return;
    uint e = r * uint(LEN) + j;
#else
    uint e = flat_index();
    if (e >= TOTAL)
        return;
    uint block = e / (uint(LEN) * uint(INNER)), rest = e % (uint(LEN) * uint(INNER));
    uint j = rest / uint(INNER), r = block * uint(INNER) + rest % uint(INNER);
#endif
#if MODE == 0
    float t = (x[e] - st[2u * r]) * st[2u * r + 1u];
#if HAS_SCALE
    t *= sc[(r % uint(SC_MOD)) * uint(SC_ROW) + j / uint(SC_DIV)];
#endif
#if HAS_BIAS
    t += bi[(r % uint(B_MOD)) * uint(B_ROW) + j / uint(B_DIV)];
#endif
    y[e] = t;
#else
    y[e] = x[e] / st[2u * r + 1u];
#endif
}
