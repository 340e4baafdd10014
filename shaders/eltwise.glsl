// The elementwise operators, one function each: float f(float x, float y,
// vec3 p), where y is the second operand (0.0 for unary operators) and p
// holds the operator's parameters (alpha, beta, gamma as ONNX names them,
// or Clip's min and max). The standalone elementwise kernel (eltwise.comp)
// and every fused epilogue (epilogue.glsl) call these same functions, so
// fusing an operator changes no result. The operator table
// (runtime/ops/op_table.c) names each function; the plain-C reference of
// each is in runtime/ref/ref_scalar.c. Formulas: the ONNX operator
// definitions; where GLSL leaves a case undefined (log, sqrt and pow of
// negative numbers or zero) it is spelled out as C's math library defines it.
#ifndef VKC_ELTWISE_GLSL
#define VKC_ELTWISE_GLSL

#define VKC_NAN uintBitsToFloat(0x7fc00000u)
#define VKC_POS_INF uintBitsToFloat(0x7f800000u)

float vkc_relu(float x, float y, vec3 p) {
    return x < 0.0 ? 0.0 : x; // NaN passes through
}
float vkc_leaky_relu(float x, float y, vec3 p) {
    return x < 0.0 ? x * p.x : x;
}
float vkc_clip(float x, float y, vec3 p) { // p.x = min, p.y = max (infinite: no bound)
    x = x < p.x ? p.x : x;
    return x > p.y ? p.y : x;
}
float vkc_sigmoid(float x, float y, vec3 p) {
    return 1.0 / (1.0 + exp(-x));
}
float vkc_tanh(float x, float y, vec3 p) {
    // exp(-2|x|) never overflows, unlike (e^x - e^-x) / (e^x + e^-x)
    float e = exp(-2.0 * abs(x));
    return sign(x) * (1.0 - e) / (1.0 + e);
}
float vkc_prelu(float x, float y, vec3 p) {
    return x < 0.0 ? x * y : x;
}
float vkc_add(float x, float y, vec3 p) {
    return x + y;
}
float vkc_sub(float x, float y, vec3 p) {
    return x - y;
}
float vkc_mul(float x, float y, vec3 p) {
    return x * y;
}
float vkc_div(float x, float y, vec3 p) {
    return x / y;
}
float vkc_abs(float x, float y, vec3 p) {
    return abs(x);
}
float vkc_neg(float x, float y, vec3 p) {
    return -x;
}
float vkc_exp(float x, float y, vec3 p) {
    return exp(x);
}
float vkc_log(float x, float y, vec3 p) {
    return x < 0.0 ? VKC_NAN : x == 0.0 ? -VKC_POS_INF : log(x);
}
float vkc_sqrt(float x, float y, vec3 p) {
    return x < 0.0 ? VKC_NAN : sqrt(x);
}
float vkc_reciprocal(float x, float y, vec3 p) {
    return 1.0 / x;
}
float vkc_floor(float x, float y, vec3 p) {
    return floor(x);
}
float vkc_ceil(float x, float y, vec3 p) {
    return ceil(x);
}
float vkc_round(float x, float y, vec3 p) {
    return roundEven(x); // halves to even, as ONNX's Round
}
float vkc_sign(float x, float y, vec3 p) {
    return isnan(x) ? x : sign(x);
}
// erf: Abramowitz and Stegun 7.1.26 (|error| <= 1.5e-7) for |x| >= 0.05,
// the Taylor series to x^5 below it (no cancellation near 0).
float vkc_erf(float x, float y, vec3 p) {
    float a = abs(x);
    if (a < 0.05) {
        float x2 = x * x;
        return 1.1283791670955126 * x * (1.0 - x2 * (1.0 / 3.0 - x2 * 0.1));
    }
    float t = 1.0 / (1.0 + 0.3275911 * a);
    float poly =
        t * (0.254829592 +
             t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
    return sign(x) * (1.0 - poly * exp(-a * a));
}
float vkc_sin(float x, float y, vec3 p) {
    return sin(x);
}
float vkc_cos(float x, float y, vec3 p) {
    return cos(x);
}
float vkc_softplus(float x, float y, vec3 p) { // log(1 + e^x) without overflow
    return x > 0.0 ? x + log(1.0 + exp(-x)) : log(1.0 + exp(x));
}
float vkc_softsign(float x, float y, vec3 p) {
    return x / (1.0 + abs(x));
}
float vkc_elu(float x, float y, vec3 p) {
    return x < 0.0 ? p.x * (exp(x) - 1.0) : x;
}
float vkc_selu(float x, float y, vec3 p) { // p.x = alpha, p.z = gamma
    return x > 0.0 ? p.z * x : p.z * (p.x * exp(x) - p.x);
}
float vkc_celu(float x, float y, vec3 p) {
    return max(x, 0.0) + min(0.0, p.x * (exp(x / p.x) - 1.0));
}
float vkc_thresholded_relu(float x, float y, vec3 p) {
    return x > p.x ? x : 0.0;
}
float vkc_hard_sigmoid(float x, float y, vec3 p) {
    return max(0.0, min(1.0, p.x * x + p.y));
}
float vkc_hard_swish(float x, float y, vec3 p) {
    return x * max(0.0, min(1.0, x * (1.0 / 6.0) + 0.5));
}
// pow as C defines it: negative bases with integral exponents, zero bases,
// and y = 0 (1 for every x, NaN included) are spelled out; GLSL's pow is
// undefined for x < 0 and for x = 0 with y <= 0. y = 2 is computed exactly.
float vkc_pow(float x, float y, vec3 p) {
    if (y == 0.0)
        return 1.0;
    if (y == 2.0)
        return x * x;
    if (y == 1.0)
        return x;
    if (x == 0.0) {
        bool odd = fract(y * 0.5) == 0.5;
        if (y > 0.0)
            return odd ? x : 0.0;
        return odd && sign(1.0 / x) < 0.0 ? -VKC_POS_INF : VKC_POS_INF;
    }
    if (x < 0.0) {
        if (floor(y) != y)
            return VKC_NAN;
        float r = pow(-x, y);
        return fract(y * 0.5) == 0.5 ? -r : r;
    }
    return pow(x, y);
}
float vkc_min(float x, float y, vec3 p) { // NaN propagates, as numpy's minimum
    return isnan(x) || isnan(y) ? VKC_NAN : min(x, y);
}
float vkc_max(float x, float y, vec3 p) {
    return isnan(x) || isnan(y) ? VKC_NAN : max(x, y);
}

// Comparisons and logic: booleans are 0.0 and 1.0 at run time (an input is
// true when it is not 0.0). NaN compares unequal and unordered, as IEEE.
float vkc_equal(float x, float y, vec3 p) {
    return x == y ? 1.0 : 0.0;
}
float vkc_less(float x, float y, vec3 p) {
    return x < y ? 1.0 : 0.0;
}
float vkc_greater(float x, float y, vec3 p) {
    return x > y ? 1.0 : 0.0;
}
float vkc_less_or_equal(float x, float y, vec3 p) {
    return x <= y ? 1.0 : 0.0;
}
float vkc_greater_or_equal(float x, float y, vec3 p) {
    return x >= y ? 1.0 : 0.0;
}
float vkc_logical_not(float x, float y, vec3 p) {
    return x == 0.0 ? 1.0 : 0.0;
}
float vkc_logical_and(float x, float y, vec3 p) {
    return x != 0.0 && y != 0.0 ? 1.0 : 0.0;
}
float vkc_logical_or(float x, float y, vec3 p) {
    return x != 0.0 || y != 0.0 ? 1.0 : 0.0;
}

// GELU: x * Phi(x), Phi by erf (p.x == 0, approximate "none") or by the
// tanh approximation (p.x != 0, approximate "tanh").
float vkc_gelu(float x, float y, vec3 p) {
    if (p.x != 0.0) {
        float u = 0.7978845608028654 * (x + 0.044715 * x * x * x); // sqrt(2 / pi)
        return 0.5 * x * (1.0 + vkc_tanh(u, 0.0, p));
    }
    return 0.5 * x * (1.0 + vkc_erf(x * 0.7071067811865476, 0.0, p));
}
float vkc_mish(float x, float y, vec3 p) { // x tanh(softplus(x))
    return x * vkc_tanh(vkc_softplus(x, 0.0, p), 0.0, p);
}

#endif
