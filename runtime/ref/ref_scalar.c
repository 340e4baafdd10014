/* The elementwise operators' reference, one element at a time in double:
 * the C twin of each function of shaders/eltwise.glsl, written from the
 * ONNX operator definitions with C's math library. The operator table
 * (runtime/ops/op_table.c) names each; vkc_ref_elementwise applies them. */
#include <math.h>

#include "ops/op_table.h"
#include "ref/ref.h"

#define SCALAR(name) double vkc_scalar_##name(double x, double y, const vkc_elt_params *p)
#define UNUSED (void)x, (void)y, (void)p

SCALAR(relu) {
    UNUSED;
    return x < 0 ? 0 : x;
}
SCALAR(leaky_relu) {
    UNUSED;
    return x < 0 ? x * p->p[0] : x;
}
SCALAR(clip) {
    UNUSED;
    double r = x < p->p[0] ? p->p[0] : x;
    return r > p->p[1] ? p->p[1] : r;
}
SCALAR(sigmoid) {
    UNUSED;
    return 1.0 / (1.0 + exp(-x));
}
SCALAR(tanh) {
    UNUSED;
    return tanh(x);
}
SCALAR(prelu) {
    UNUSED;
    return x < 0 ? x * y : x;
}
SCALAR(add) {
    UNUSED;
    return x + y;
}
SCALAR(sub) {
    UNUSED;
    return x - y;
}
SCALAR(mul) {
    UNUSED;
    return x * y;
}
SCALAR(div) {
    UNUSED;
    return x / y;
}
SCALAR(abs) {
    UNUSED;
    return fabs(x);
}
SCALAR(neg) {
    UNUSED;
    return -x;
}
SCALAR(exp) {
    UNUSED;
    return exp(x);
}
SCALAR(log) {
    UNUSED;
    return log(x);
}
SCALAR(sqrt) {
    UNUSED;
    return sqrt(x);
}
SCALAR(reciprocal) {
    UNUSED;
    return 1.0 / x;
}
SCALAR(floor) {
    UNUSED;
    return floor(x);
}
SCALAR(ceil) {
    UNUSED;
    return ceil(x);
}
SCALAR(round) {
    UNUSED;
    return nearbyint(x); /* the default rounding mode: halves to even */
}
SCALAR(sign) {
    UNUSED;
    return isnan(x) ? x : x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0;
}
SCALAR(erf) {
    UNUSED;
    return erf(x);
}
SCALAR(sin) {
    UNUSED;
    return sin(x);
}
SCALAR(cos) {
    UNUSED;
    return cos(x);
}
SCALAR(softplus) {
    UNUSED;
    return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
}
SCALAR(softsign) {
    UNUSED;
    return x / (1.0 + fabs(x));
}
SCALAR(elu) {
    UNUSED;
    return x < 0 ? p->p[0] * expm1(x) : x;
}
SCALAR(selu) {
    UNUSED;
    return x > 0 ? p->p[2] * x : p->p[2] * (p->p[0] * exp(x) - p->p[0]);
}
SCALAR(celu) {
    UNUSED;
    return fmax(x, 0.0) + fmin(0.0, p->p[0] * expm1(x / p->p[0]));
}
SCALAR(thresholded_relu) {
    UNUSED;
    return x > p->p[0] ? x : 0.0;
}
SCALAR(hard_sigmoid) {
    UNUSED;
    return fmax(0.0, fmin(1.0, p->p[0] * x + p->p[1]));
}
SCALAR(hard_swish) {
    UNUSED;
    return x * fmax(0.0, fmin(1.0, x / 6.0 + 0.5));
}
SCALAR(pow) {
    UNUSED;
    return pow(x, y);
}
SCALAR(min) {
    UNUSED;
    return isnan(x) || isnan(y) ? NAN : x < y ? x : y;
}
SCALAR(max) {
    UNUSED;
    return isnan(x) || isnan(y) ? NAN : x > y ? x : y;
}
/* Comparisons and logic: 1.0 true, 0.0 false (an input is true when not
 * 0); NaN compares unequal and unordered. */
SCALAR(equal) {
    UNUSED;
    return x == y ? 1.0 : 0.0;
}
SCALAR(less) {
    UNUSED;
    return x < y ? 1.0 : 0.0;
}
SCALAR(greater) {
    UNUSED;
    return x > y ? 1.0 : 0.0;
}
SCALAR(less_or_equal) {
    UNUSED;
    return x <= y ? 1.0 : 0.0;
}
SCALAR(greater_or_equal) {
    UNUSED;
    return x >= y ? 1.0 : 0.0;
}
SCALAR(logical_not) {
    UNUSED;
    return x == 0.0 ? 1.0 : 0.0;
}
SCALAR(logical_and) {
    UNUSED;
    return x != 0.0 && y != 0.0 ? 1.0 : 0.0;
}
SCALAR(logical_or) {
    UNUSED;
    return x != 0.0 || y != 0.0 ? 1.0 : 0.0;
}
SCALAR(gelu) { /* p[0] != 0: the tanh approximation (Gelu-20's approximate) */
    UNUSED;
    if (p->p[0] != 0) {
        double u = sqrt(2.0 / 3.14159265358979323846) * (x + 0.044715 * x * x * x);
        return 0.5 * x * (1.0 + tanh(u));
    }
    return 0.5 * x * (1.0 + erf(x / sqrt(2.0)));
}
SCALAR(mish) { /* x tanh(softplus(x)) */
    UNUSED;
    double sp = x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
    return x * tanh(sp);
}
