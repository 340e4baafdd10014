/* IEEE 754 binary16 <-> binary32 on the host, bit-exact with the device's
 * conversions: float to half rounds to nearest, ties to even (as SPIR-V's
 * OpFConvert and GLSL's packHalf2x16 with the default rounding mode), keeps
 * subnormals, and sends values past the largest half (65504) to infinity;
 * NaN stays NaN. Used by the importer (FLOAT16 initializers), the executor
 * (fp16 weight storage) and the tests that predict its rounding. */
#ifndef VKC_CORE_HALF_H
#define VKC_CORE_HALF_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#define VKC_HALF_MAX 65504.0f

static inline float vkc_half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    float f;
    if (exp == 0)
        f = ldexpf((float)mant, -24); /* zero or subnormal */
    else if (exp == 31)
        f = mant ? NAN : INFINITY;
    else
        f = ldexpf((float)(mant | 0x400), (int)exp - 25);
    uint32_t bits;
    memcpy(&bits, &f, 4);
    bits |= sign;
    memcpy(&f, &bits, 4);
    return f;
}

static inline uint16_t vkc_half_from_float(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
    uint32_t abs = x & 0x7fffffffu;
    if (abs > 0x7f800000u) return (uint16_t)(sign | 0x7e00);  /* NaN */
    if (abs >= 0x477ff000u) return (uint16_t)(sign | 0x7c00); /* rounds past 65504: inf */
    if (abs < 0x38800000u) {                                  /* below 2^-14: subnormal or 0 */
        if (abs < 0x33000000u) return sign;                   /* below half the least: 0 */
        uint32_t e = abs >> 23, m = (abs & 0x7fffffu) | 0x800000u;
        uint32_t shift = 126 - e; /* m * 2^(e-150) in units of 2^-24 */
        uint32_t q = m >> shift, rest = m & ((1u << shift) - 1), half = 1u << (shift - 1);
        if (rest > half || (rest == half && (q & 1))) q++;
        return (uint16_t)(sign | q);
    }
    uint32_t q = ((abs - 0x38000000u) >> 13); /* rebias the exponent by 127 - 15 */
    uint32_t rest = abs & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (q & 1))) q++; /* may carry into the exponent */
    return (uint16_t)(sign | q);
}

/* f rounded to the nearest half, as a float. */
static inline float vkc_half_round(float f) {
    return vkc_half_to_float(vkc_half_from_float(f));
}

#endif
