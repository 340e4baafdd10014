// A read-only operand split across WT_CHUNKS storage buffers, or uniform
// texel buffers with WT_TEXEL (bindings
// WT_BINDING .. WT_BINDING + WT_CHUNKS - 1), each holding WT_CHUNK floats
// except the last: how a weight larger than maxStorageBufferRange is read.
// wt_load(i) returns element i of the whole operand. At most 8 chunks.
// WT_HALF: the operand is stored as IEEE halves, two per 32-bit word (low
// half first; WT_CHUNK is even, so no word straddles two chunks): the
// buffers are uint arrays and wt_load converts (arithmetic stays fp32).
#ifndef WT_CHUNKS
#define WT_CHUNKS 1
#endif
#ifndef WT_CHUNK
#define WT_CHUNK 1073741824u
#endif
#ifndef WT_BINDING
#define WT_BINDING 2
#endif
#ifndef WT_HALF
#define WT_HALF 0
#endif
#if WT_HALF
#define WT_T uint
#else
#define WT_T float
#endif
#if WT_CHUNKS < 1 || WT_CHUNKS > 8
#error "WT_CHUNKS must be in 1..8"
#endif

#ifndef WT_TEXEL
#define WT_TEXEL 0
#endif

#if WT_TEXEL
// WT_TEXEL: the chunks are uniform texel buffers (the executor views them
// as four 32-bit components per texel): 4 floats per texel, or 8 halves
// (WT_HALF, as uvec4). WT_CHUNK is then a multiple of 4 (8 with WT_HALF),
// so every chunk starts on a texel. One texelFetch is a single 16-byte
// gather on CPU drivers, where storage-buffer loads go lane by lane.
#if WT_HALF
#define WT_TEXBUF UTEXEL_BUFFER
#else
#define WT_TEXBUF TEXEL_BUFFER
#endif
layout(binding = WT_BINDING) uniform WT_TEXBUF wt0;
#if WT_CHUNKS > 1
layout(binding = WT_BINDING + 1) uniform WT_TEXBUF wt1;
#endif
#if WT_CHUNKS > 2
layout(binding = WT_BINDING + 2) uniform WT_TEXBUF wt2;
#endif
#if WT_CHUNKS > 3
layout(binding = WT_BINDING + 3) uniform WT_TEXBUF wt3;
#endif
#if WT_CHUNKS > 4
layout(binding = WT_BINDING + 4) uniform WT_TEXBUF wt4;
#endif
#if WT_CHUNKS > 5
layout(binding = WT_BINDING + 5) uniform WT_TEXBUF wt5;
#endif
#if WT_CHUNKS > 6
layout(binding = WT_BINDING + 6) uniform WT_TEXBUF wt6;
#endif
#if WT_CHUNKS > 7
layout(binding = WT_BINDING + 7) uniform WT_TEXBUF wt7;
#endif
#if WT_HALF
#define WT_GET(arr, o)                                                                             \
    (unpackHalf2x16(texelFetch(arr, int((o) >> 3))[((o) >> 1) & 3u])[(o) & 1u])
#else
#define WT_GET(arr, o) (texelFetch(arr, int((o) >> 2))[(o) & 3u])
#endif
#else
layout(std430, binding = WT_BINDING) readonly buffer Wt0 { WT_T wt0[]; };
#if WT_CHUNKS > 1
layout(std430, binding = WT_BINDING + 1) readonly buffer Wt1 { WT_T wt1[]; };
#endif
#if WT_CHUNKS > 2
layout(std430, binding = WT_BINDING + 2) readonly buffer Wt2 { WT_T wt2[]; };
#endif
#if WT_CHUNKS > 3
layout(std430, binding = WT_BINDING + 3) readonly buffer Wt3 { WT_T wt3[]; };
#endif
#if WT_CHUNKS > 4
layout(std430, binding = WT_BINDING + 4) readonly buffer Wt4 { WT_T wt4[]; };
#endif
#if WT_CHUNKS > 5
layout(std430, binding = WT_BINDING + 5) readonly buffer Wt5 { WT_T wt5[]; };
#endif
#if WT_CHUNKS > 6
layout(std430, binding = WT_BINDING + 6) readonly buffer Wt6 { WT_T wt6[]; };
#endif
#if WT_CHUNKS > 7
layout(std430, binding = WT_BINDING + 7) readonly buffer Wt7 { WT_T wt7[]; };
#endif

#if WT_HALF
#define WT_GET(arr, o) (unpackHalf2x16(arr[(o) >> 1])[(o) & 1u])
#else
#define WT_GET(arr, o) arr[o]
#endif

#endif

float wt_load(uint i) {
#if WT_CHUNKS == 1
    return WT_GET(wt0, i);
#else
    uint c = i / WT_CHUNK;
    uint o = i - c * WT_CHUNK;
    switch (c) {
    case 0u: return WT_GET(wt0, o);
    case 1u: return WT_GET(wt1, o);
#if WT_CHUNKS > 2
    case 2u: return WT_GET(wt2, o);
#endif
#if WT_CHUNKS > 3
    case 3u: return WT_GET(wt3, o);
#endif
#if WT_CHUNKS > 4
    case 4u: return WT_GET(wt4, o);
#endif
#if WT_CHUNKS > 5
    case 5u: return WT_GET(wt5, o);
#endif
#if WT_CHUNKS > 6
    case 6u: return WT_GET(wt6, o);
#endif
#if WT_CHUNKS > 7
    case 7u: return WT_GET(wt7, o);
#endif
    }
    return 0.0;
#endif
}
