/* JPEG EXIF orientation: read with libexif, applied on the host so every
 * later stage sees the image as it is meant to be displayed. */
#include <stdlib.h>
#include <string.h>

#include <libexif/exif-data.h>

#include "core/checked.h"
#include "image/image.h"

int vkc_jpeg_orientation(const uint8_t *data, size_t size) {
    if (size < 4 || data[0] != 0xFF || data[1] != 0xD8) return 1;
    if (size > UINT32_MAX) return 1; /* libexif takes an unsigned int size */
    ExifData *ed = exif_data_new_from_data(data, (unsigned)size);
    if (!ed) return 1;
    int o = 1;
    ExifEntry *e = exif_content_get_entry(ed->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION);
    if (e && e->format == EXIF_FORMAT_SHORT && e->components >= 1 && e->data && e->size >= 2) {
        ExifShort v = exif_get_short(e->data, exif_data_get_byte_order(ed));
        if (v >= 1 && v <= 8) o = v;
    }
    exif_data_unref(ed);
    return o;
}

/* Source pixel of display pixel (x, y) for a stored image of w x h. The
 * EXIF values name where the stored 0th row and 0th column go:
 *   2 mirror left-right, 3 rotate 180, 4 mirror top-bottom,
 *   5 transpose, 6 rotate 90 clockwise, 7 transverse, 8 rotate 90 counter-clockwise. */
static void source_of(int o, uint32_t w, uint32_t h, uint32_t x, uint32_t y, uint32_t *sx,
                      uint32_t *sy) {
    switch (o) {
    case 2: *sx = w - 1 - x, *sy = y; break;
    case 3: *sx = w - 1 - x, *sy = h - 1 - y; break;
    case 4: *sx = x, *sy = h - 1 - y; break;
    case 5: *sx = y, *sy = x; break;
    case 6: *sx = y, *sy = h - 1 - x; break;
    case 7: *sx = w - 1 - y, *sy = h - 1 - x; break;
    case 8: *sx = w - 1 - y, *sy = x; break;
    default: *sx = x, *sy = y; break;
    }
}

uint8_t *vkc_image_orient(const uint8_t *rgba, uint32_t *w, uint32_t *h, int o) {
    uint32_t sw = *w, sh = *h;
    uint32_t dw = o >= 5 ? sh : sw, dh = o >= 5 ? sw : sh;
    size_t n = 0;
    if (!vkc_mul_size((size_t)dw * dh, 4, &n)) return NULL;
    uint8_t *out = malloc(n ? n : 1);
    if (!out) return NULL;
    for (uint32_t y = 0; y < dh; y++)
        for (uint32_t x = 0; x < dw; x++) {
            uint32_t sx, sy;
            source_of(o, sw, sh, x, y, &sx, &sy);
            memcpy(out + ((size_t)y * dw + x) * 4, rgba + ((size_t)sy * sw + sx) * 4, 4);
        }
    *w = dw;
    *h = dh;
    return out;
}
