// Fused epilogue of the conv and gemm templates: an activation applied to an
// output value before it is stored, so Conv/Gemm/MatMul + activation is one
// dispatch (runtime/passes/fuse.c decides which). Each formula is the one of
// unary.comp / binary.comp's PRelu, so fusion changes no result.
// EPI_ACT: 0 none, 1 Relu, 2 LeakyRelu (EPI_ALPHA; also PRelu with one
// slope), 3 Clip (EPI_MIN / EPI_MAX when finite), 4 Sigmoid, 5 Tanh,
// 6 PRelu with one slope per channel, read from binding EPI_SLOPE_BINDING.
#ifndef EPI_ACT
#define EPI_ACT 0
#endif
#ifndef EPI_ALPHA
#define EPI_ALPHA 0.01
#endif

#if EPI_ACT == 6
layout(std430, binding = EPI_SLOPE_BINDING) readonly buffer EpiSlope { float epi_slope[]; };
#endif

float epilogue(float v, uint channel) {
#if EPI_ACT == 1
    return v < 0.0 ? 0.0 : v;
#elif EPI_ACT == 2
    return v < 0.0 ? v * float(EPI_ALPHA) : v;
#elif EPI_ACT == 3
#ifdef EPI_MIN
    v = v < float(EPI_MIN) ? float(EPI_MIN) : v;
#endif
#ifdef EPI_MAX
    v = v > float(EPI_MAX) ? float(EPI_MAX) : v;
#endif
    return v;
#elif EPI_ACT == 4
    return 1.0 / (1.0 + exp(-v));
#elif EPI_ACT == 5
    float e = exp(-2.0 * abs(v));
    return sign(v) * (1.0 - e) / (1.0 + e);
#elif EPI_ACT == 6
    return v < 0.0 ? v * epi_slope[channel] : v;
#else
    return v;
#endif
}
