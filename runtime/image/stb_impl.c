/* The one translation unit that compiles stb_image: only the decoders vkcnn
 * accepts, no stdio (files are read by decode.c with a size limit first). */
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#define STBI_ONLY_JPEG
#define STBI_ONLY_PNG
#define STBI_ONLY_BMP
#define STBI_NO_STDIO
#define STBI_NO_LINEAR
#define STBI_NO_HDR
/* decode.c hands stb's pixel buffer to the caller, who frees it with free() */
#define STBI_MALLOC(n) malloc(n)
#define STBI_REALLOC(p, n) realloc(p, n)
#define STBI_FREE(p) free(p)
#include <stdlib.h>
#include "image/stb.h"
