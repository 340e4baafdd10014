#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#if defined(VEC8) && VEC8
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
#endif
// Winograd F(T x T, 3x3), step 2 of 3: the batched GEMM over the A2 =
// ALPHA^2 tile positions (lower_winograd.c):
//   Mt[a][m][p] = sum over c < C of U[a][c][m] * V[a][c][p]
// U (runtime/passes/winograd.c) is [A2][C][MP], V (winograd_input.comp)
// [A2][C][PP], Mt [A2][MP][PP]; MP % TM == 0 and PP % TP == 0 (padding
// rows of U are zero, padding columns of V are zero), so every block is
// whole: no bounds test in the loop, every store unconditional.
// Register blocking: one invocation computes a TM x TP block of Mt for one
// a; per c it loads TM values of U and TP of V, contiguous, as 8-float
// u64vec4 loads (VEC8, devices with shaderInt64) or vec4 loads, and does
// TM * TP FMAs. Loads bound this kernel on CPU drivers (each SIMD load is a
// loop over lanes): there the lowering picks blocks up to 64 x 32, faster
// than smaller ones in spite of spills (measurements in lower_winograd.c).
// TEXEL (CPU drivers, within maxTexelBufferElements): U and V are uniform
// texel buffers, 4 floats per texelFetch, one 16-byte gather where a
// storage-buffer load goes lane by lane (Mt is still stored as VEC8 says).
// Invocations: (a, m block, p block), p block fastest so that neighbouring
// lanes read neighbouring V and share U.
// Bindings: 0 Mt (scratch), 1 U, 2 V (scratch).
// Shape-generic (lower_winograd.c): sizes and tile counts may be push
// constants, divisions by them DIV_<name> (common.glsl); T, the blocks and
// the load paths stay literals. The defaults below take literal defines.
#ifndef TEXEL
#define TEXEL 0
#endif
#ifndef TM
#define TM 16
#endif
#ifndef TP
#define TP 8
#endif
#ifndef VEC8
#define VEC8 0
#endif
#ifndef T
#define T 4
#endif
#ifndef C
#define C 1
#endif
#ifndef MP
#define MP 16
#endif
#ifndef PP
#define PP 8
#endif
#ifndef TOTAL
#define TOTAL (uint(T + 2) * uint(T + 2) * uint(MP / TM) * uint(PP / TP))
#endif
#ifndef NMB
#define NMB (MP / TM)
#endif
#ifndef NPB
#define NPB (PP / TP)
#endif
#ifndef DIV_NMB
#define DIV_NMB(x) (uint(x) / uint(NMB))
#endif
#ifndef DIV_NPB
#define DIV_NPB(x) (uint(x) / uint(NPB))
#endif

#include "common.glsl"

#if VEC8
#define VW 8 // floats per load
layout(std430, binding = 0) writeonly buffer Prod { u64vec4 mt[]; };
#if !TEXEL
layout(std430, binding = 1) readonly buffer Ut { u64vec4 u[]; };
layout(std430, binding = 2) readonly buffer Vt { u64vec4 v[]; };
#endif
// the 8 floats of a u64vec4 in memory order (low half first)
void unpack8(u64vec4 t, out float f[8]) {
    uvec2 a = unpack32(t.x), b = unpack32(t.y), c = unpack32(t.z), d = unpack32(t.w);
    f[0] = uintBitsToFloat(a.x);
    f[1] = uintBitsToFloat(a.y);
    f[2] = uintBitsToFloat(b.x);
    f[3] = uintBitsToFloat(b.y);
    f[4] = uintBitsToFloat(c.x);
    f[5] = uintBitsToFloat(c.y);
    f[6] = uintBitsToFloat(d.x);
    f[7] = uintBitsToFloat(d.y);
}
#if !TEXEL
#define LOAD(buf, at, f, k)                                                                        \
    {                                                                                              \
        float t_[8];                                                                               \
        unpack8(buf[(at) / 8u], t_);                                                               \
        [[unroll]] for (int e_ = 0; e_ < 8; e_++) f[(k) + e_] = t_[e_];                            \
    }
#endif
#define STORE(at, f, k)                                                                            \
    mt[(at) / 8u] = u64vec4(pack64(uvec2(floatBitsToUint(f[k]), floatBitsToUint(f[k + 1]))),      \
                            pack64(uvec2(floatBitsToUint(f[k + 2]), floatBitsToUint(f[k + 3]))),  \
                            pack64(uvec2(floatBitsToUint(f[k + 4]), floatBitsToUint(f[k + 5]))),  \
                            pack64(uvec2(floatBitsToUint(f[k + 6]), floatBitsToUint(f[k + 7]))))
#else
#define VW 4
layout(std430, binding = 0) writeonly buffer Prod { vec4 mt[]; };
#if !TEXEL
layout(std430, binding = 1) readonly buffer Ut { vec4 u[]; };
layout(std430, binding = 2) readonly buffer Vt { vec4 v[]; };
#define LOAD(buf, at, f, k)                                                                        \
    {                                                                                              \
        vec4 t_ = buf[(at) / 4u];                                                                  \
        f[(k)] = t_.x;                                                                             \
        f[(k) + 1] = t_.y;                                                                         \
        f[(k) + 2] = t_.z;                                                                         \
        f[(k) + 3] = t_.w;                                                                         \
    }
#endif
#define STORE(at, f, k) mt[(at) / 4u] = vec4(f[k], f[k + 1], f[k + 2], f[k + 3])
#endif

#if TEXEL
#define LW 4 // floats per texelFetch
layout(binding = 1) uniform TEXEL_BUFFER u;
layout(binding = 2) uniform TEXEL_BUFFER v;
#define LOAD(buf, at, f, k)                                                                        \
    {                                                                                              \
        vec4 t_ = texelFetch(buf, int((at) / 4u));                                                 \
        f[(k)] = t_.x;                                                                             \
        f[(k) + 1] = t_.y;                                                                         \
        f[(k) + 2] = t_.z;                                                                         \
        f[(k) + 3] = t_.w;                                                                         \
    }
#else
#define LW VW
#endif

void main() {
    uint i = flat_index();
    if (i >= TOTAL)
        return;
    uint t = DIV_NPB(i), pb = i - t * uint(NPB);
    uint a = DIV_NMB(t), mb = t - a * uint(NMB);
    uint ub = a * uint(C) * uint(MP) + mb * uint(TM);
    uint vb = a * uint(C) * uint(PP) + pb * uint(TP);
    float acc[TM][TP];
    [[unroll]] for (int r = 0; r < TM; r++)
        [[unroll]] for (int j = 0; j < TP; j++)
            acc[r][j] = 0.0;
    // C >= 1, so a do-while: with C a push constant, a for loop (which may
    // not run) made the 16x32 block 1.6x slower on lavapipe 22.3; this form
    // runs as fast as a literal C (bench/RESULTS.md, shape-generic kernels)
    uint c = 0u;
    do {
        float uf[TM], vf[TP];
        [[unroll]] for (int k = 0; k < TM; k += LW)
            LOAD(u, ub + c * uint(MP) + uint(k), uf, k);
        [[unroll]] for (int k = 0; k < TP; k += LW)
            LOAD(v, vb + c * uint(PP) + uint(k), vf, k);
        [[unroll]] for (int r = 0; r < TM; r++)
            [[unroll]] for (int j = 0; j < TP; j++)
                acc[r][j] += uf[r] * vf[j];
    } while (++c < uint(C));
    uint ob = (a * uint(MP) + mb * uint(TM)) * uint(PP) + pb * uint(TP);
    [[unroll]] for (int r = 0; r < TM; r++)
        [[unroll]] for (int k = 0; k < TP; k += VW)
            STORE(ob + uint(r) * uint(PP) + uint(k), acc[r], k);
}
