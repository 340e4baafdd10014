/* Image decoding internals shared by decode.c and orient.c. */
#ifndef VKC_IMAGE_IMAGE_H
#define VKC_IMAGE_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "vkcnn.h"

/* EXIF orientation (1..8, TIFF/EXIF 2.3 tag 0x0112) of a JPEG held in
 * data[0..size); 1 when it has none or the tag is unreadable. */
int vkc_jpeg_orientation(const uint8_t *data, size_t size);

/* Applies orientation `o` (2..8) to an RGBA image of w x h: returns a new
 * malloc'd buffer (NULL when out of memory) and swaps *w, *h for 5..8. */
uint8_t *vkc_image_orient(const uint8_t *rgba, uint32_t *w, uint32_t *h, int o);

#endif
