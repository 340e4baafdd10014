#version 450
// Image preprocessing: one decoded 8-bit RGBA image (packed, one uint per
// pixel, R in the low byte) -> one batch slot of a float NCHW input.
// Per output element (c, y, x):
//   inside the pad border: pad_value (raw 0..255 units);
//   else crop pixel (x - pad_left + crop_x, y - pad_top + crop_y) of the
//   image resized to rw x rh (0 outside it), sampled bilinearly from the
//   source with half-pixel centres (align_corners = false): source
//   coordinate s = (d + 0.5) * (src / dst) - 0.5, clamped below at 0, the
//   upper neighbour clamped to the last pixel; no antialiasing. This is
//   PyTorch's upsample_bilinear2d, i.e. torchvision's Resize(antialias=False).
// Then v = raw * pixel_scale, x = (v - mean[c]) * inv_std[c].
// Channel c reads R, G or B per `order` (0 RGB, 1 BGR, 2 GRAY).
// Self-contained (compiled as is, not through runtime/codegen): a 1-D
// workgroup on a grid of rows of gl_NumWorkGroups.x groups, as common.glsl.
#ifndef LOCAL_SIZE
#define LOCAL_SIZE 64
#endif
layout(local_size_x = LOCAL_SIZE) in;

uint flat_index() {
    return (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * uint(LOCAL_SIZE) +
           gl_LocalInvocationID.x;
}

layout(std430, set = 0, binding = 0) readonly buffer Src { uint src[]; };
layout(std430, set = 0, binding = 1) buffer Dst { float dst[]; };
layout(push_constant) uniform Push {
    uint src_w, src_h;     // decoded image
    uint rw, rh;           // resized size
    int crop_x, crop_y;    // crop origin in the resized image (may be < 0)
    uint crop_w, crop_h;
    uint pad_left, pad_top;
    uint out_w, out_h;     // padded size = the input's W, H
    uint channels;         // 1 or 3
    uint order;
    uint out_base;         // first float of the batch slot
    uint total;            // channels * out_h * out_w
    uint src_base;         // first pixel of this image in src
    float scale_x, scale_y; // src / resized
    float pixel_scale;
    float pad_value;
    float mean0, mean1, mean2;
    float istd0, istd1, istd2;
} pc;

vec3 texel(uint x, uint y) {
    uint p = src[pc.src_base + y * pc.src_w + x];
    return vec3(float(p & 0xFFu), float((p >> 8) & 0xFFu), float((p >> 16) & 0xFFu));
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
