#version 450
// embed_render.c: white strokes (the image is cleared to black).
layout(location = 0) out vec4 color;
void main() {
    color = vec4(1.0);
}
