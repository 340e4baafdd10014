#version 450
// Image preprocessing from an application's VkImage: the same arithmetic as
// preprocess.comp (read that file's header for the per-element rule:
// pad border, centre crop of the image resized with half-pixel-centre
// bilinear sampling and no antialiasing, channel order, scale, mean/std),
// with the source texels read from an image instead of a buffer of packed
// 8-bit RGBA.
//
// Texels are read one by one (texelFetch / imageLoad: no sampler filtering,
// no normalised coordinates), then turned into the 0..255 units the host
// path decodes from a file, per `encoding`:
//   0 UNORM8: round(v * 255): the stored byte exactly;
//   1 SRGB8:  the view decoded sRGB to linear; re-encoded with the sRGB
//             transfer function and rounded: the stored (encoded) byte, as
//             a file decoder returns it;
//   2 FLOAT:  v * 255, not rounded (1.0 is 255).
// Source, by define: STORAGE_RGBA8 or STORAGE_RGBA16F: a storage image of
// that format (imageLoad); otherwise a combined image sampler (texelFetch).
// Self-contained: a 1-D workgroup on a grid of rows of gl_NumWorkGroups.x
// groups, as common.glsl.
#ifndef LOCAL_SIZE
#define LOCAL_SIZE 64
#endif
layout(local_size_x = LOCAL_SIZE) in;

uint flat_index() {
    return (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * uint(LOCAL_SIZE) +
           gl_LocalInvocationID.x;
}

#if defined(STORAGE_RGBA8)
layout(set = 0, binding = 0, rgba8) uniform readonly image2D src;
#define FETCH(p) imageLoad(src, p)
#elif defined(STORAGE_RGBA16F)
layout(set = 0, binding = 0, rgba16f) uniform readonly image2D src;
#define FETCH(p) imageLoad(src, p)
#else
layout(set = 0, binding = 0) uniform sampler2D src;
#define FETCH(p) texelFetch(src, p, 0)
#endif
layout(std430, set = 0, binding = 1) buffer Dst { float dst[]; };
layout(push_constant) uniform Push {
    uint src_w, src_h;     // the image (or the region read, from its origin)
    uint rw, rh;           // resized size
    int crop_x, crop_y;    // crop origin in the resized image (may be < 0)
    uint crop_w, crop_h;
    uint pad_left, pad_top;
    uint out_w, out_h;     // padded size = the input's W, H
    uint channels;         // 1 or 3
    uint order;
    uint out_base;         // first float of the batch slot
    uint total;            // channels * out_h * out_w
    uint encoding;         // 0 UNORM8, 1 SRGB8, 2 FLOAT
    float scale_x, scale_y; // src / resized
    float pixel_scale;
    float pad_value;
    float mean0, mean1, mean2;
    float istd0, istd1, istd2;
} pc;

float srgb_encode(float l) {
    l = clamp(l, 0.0, 1.0);
    return l <= 0.0031308 ? 12.92 * l : 1.055 * pow(l, 1.0 / 2.4) - 0.055;
}

vec3 texel(uint x, uint y) {
    vec3 v = FETCH(ivec2(x, y)).rgb;
    if (pc.encoding == 0u) return round(clamp(v, 0.0, 1.0) * 255.0);
    if (pc.encoding == 1u)
        return round(vec3(srgb_encode(v.r), srgb_encode(v.g), srgb_encode(v.b)) * 255.0);
    return v * 255.0;
}

float coord(uint d, float scale, out uint i0, out uint i1, uint n) {
    float s = max((float(d) + 0.5) * scale - 0.5, 0.0);
    i0 = min(uint(s), n - 1u);
    i1 = min(i0 + 1u, n - 1u);
    return s - float(i0);
}

void main() {
    uint i = flat_index();
    if (i >= pc.total) return;
    uint x = i % pc.out_w;
    uint y = (i / pc.out_w) % pc.out_h;
    uint c = i / (pc.out_w * pc.out_h);
    float raw = pc.pad_value;
    int cx = int(x) - int(pc.pad_left), cy = int(y) - int(pc.pad_top);
    if (cx >= 0 && cy >= 0 && cx < int(pc.crop_w) && cy < int(pc.crop_h)) {
        int rx = cx + pc.crop_x, ry = cy + pc.crop_y;
        raw = 0.0;
        if (rx >= 0 && ry >= 0 && rx < int(pc.rw) && ry < int(pc.rh)) {
            uint x0, x1, y0, y1;
            float fx = coord(uint(rx), pc.scale_x, x0, x1, pc.src_w);
            float fy = coord(uint(ry), pc.scale_y, y0, y1, pc.src_h);
            vec3 top = mix(texel(x0, y0), texel(x1, y0), fx);
            vec3 bottom = mix(texel(x0, y1), texel(x1, y1), fx);
            vec3 rgb = mix(top, bottom, fy);
            if (pc.order == 2u)
                raw = dot(rgb, vec3(0.2989, 0.587, 0.114));
            else
                raw = rgb[pc.order == 1u ? 2u - c : c];
        }
    }
    float mean = c == 0u ? pc.mean0 : (c == 1u ? pc.mean1 : pc.mean2);
    float istd = c == 0u ? pc.istd0 : (c == 1u ? pc.istd1 : pc.istd2);
    dst[pc.out_base + i] = (raw * pc.pixel_scale - mean) * istd;
}
