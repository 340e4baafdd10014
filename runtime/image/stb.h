/* stb_image's entry points, as compiled by stb_impl.c (static functions are
 * not reachable from other files, so this header declares thin wrappers). */
#ifndef VKC_IMAGE_STB_H
#define VKC_IMAGE_STB_H

#ifdef STB_IMAGE_IMPLEMENTATION
#include <stb_image.h>

int vkc_stbi_info(const unsigned char *data, int size, int *w, int *h, int *comp) {
    return stbi_info_from_memory(data, size, w, h, comp);
}
unsigned char *vkc_stbi_load_rgba(const unsigned char *data, int size, int *w, int *h) {
    int comp = 0;
    return stbi_load_from_memory(data, size, w, h, &comp, 4);
}
const char *vkc_stbi_failure_reason(void) {
    return stbi_failure_reason();
}
void vkc_stbi_free(void *p) {
    stbi_image_free(p);
}
#else
int vkc_stbi_info(const unsigned char *data, int size, int *w, int *h, int *comp);
/* 8-bit RGBA pixels (free with vkc_stbi_free), or NULL with a reason. */
unsigned char *vkc_stbi_load_rgba(const unsigned char *data, int size, int *w, int *h);
const char *vkc_stbi_failure_reason(void);
void vkc_stbi_free(void *p);
#endif

#endif
