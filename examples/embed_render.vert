#version 450
// embed_render.c: the digit's strokes, given in pixels of the square
// offscreen image (side 2 * HALF), to clip space (Vulkan's y points down).
layout(location = 0) in vec2 pixel;
layout(push_constant) uniform Push { float half_side; } pc;
void main() {
    gl_Position = vec4(pixel / pc.half_side - 1.0, 0.0, 1.0);
}
