// Reading a span of floats from a texel buffer of vec4s.
//
// TEXEL_SPAN(NAME, BUF, LEN, TEXELS) defines
//   void NAME(int e, out float v[LEN])
// which reads elements e .. e + LEN - 1 of BUF (TEXELS texels) as the
// aligned texels that cover them, LEN / 4 + 2, then shifts by e's offset in
// its texel. Texels past either end are read clamped; the caller selects
// such elements out. On CPU drivers a texel fetch costs about what a scalar
// one does, so a span of L floats costs L / 4 + 2 fetches instead of L.
// GLSL has no generic functions: each kernel instantiates it per buffer
// and length.
#define TEXEL_SPAN(NAME, BUF, LEN, TEXELS)                                             \
    void NAME(int e, out float v[LEN]) {                                               \
        int t0 = e >> 2, sh = e & 3;                                                   \
        float a[4 * (LEN / 4 + 2)];                                                    \
        [[unroll]] for (int u = 0; u < LEN / 4 + 2; u++) {                             \
            vec4 q = texelFetch(BUF, clamp(t0 + u, 0, (TEXELS) - 1));                  \
            [[unroll]] for (int k = 0; k < 4; k++)                                     \
                a[4 * u + k] = q[k];                                                   \
        }                                                                              \
        [[unroll]] for (int u = 0; u < LEN; u++)                                       \
            v[u] = sh == 0 ? a[u] : sh == 1 ? a[u + 1] : sh == 2 ? a[u + 2] : a[u + 3]; \
    }
