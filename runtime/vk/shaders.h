/* GLSL templates from shaders/, embedded by the build (cmake/embed_shaders.cmake). */
#ifndef VKC_VK_SHADERS_H
#define VKC_VK_SHADERS_H

typedef struct vkc_shader_source {
    const char *name; /* file name without extension, e.g. "fill" for fill.comp */
    const char *text;
} vkc_shader_source;

extern const vkc_shader_source vkc_shader_sources[];
extern const unsigned vkc_shader_source_count;

/* The embedded template called `name`, or NULL. */
const char *vkc_shader_find(const char *name);

#endif
