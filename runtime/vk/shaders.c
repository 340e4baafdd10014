/* Lookup in the embedded GLSL templates (the table cmake/embed_shaders.cmake
 * generates). Touches no device: the compiler sources and the fuzz targets
 * use it. */
#include "vk/shaders.h"

#include <string.h>

const char *vkc_shader_find(const char *name) {
    for (unsigned i = 0; i < vkc_shader_source_count; i++)
        if (strcmp(vkc_shader_sources[i].name, name) == 0) return vkc_shader_sources[i].text;
    return NULL;
}
