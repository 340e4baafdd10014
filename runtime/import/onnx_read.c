/* Reading model files: size checked before the buffer is allocated. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "import/import.h"

vkcnn_status vkc_onnx_read_file(const char *path, uint64_t max_bytes, void **data, size_t *size) {
    *data = NULL;
    *size = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return vkc_fail(VKCNN_ERROR_IO, "cannot open '%s': %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fclose(f);
        return vkc_fail(VKCNN_ERROR_IO, "'%s' is not a regular file", path);
    }
    uint64_t n = (uint64_t)sb.st_size;
    if (n > max_bytes || n > SIZE_MAX - 1) {
        fclose(f);
        return vkc_fail(VKCNN_ERROR_LIMIT,
                        "'%s' is %" PRIu64 " bytes, more than the limit of %" PRIu64
                        " (max_file_bytes)",
                        path, n, max_bytes);
    }
    void *buf = malloc(n ? (size_t)n : 1);
    if (!buf) {
        fclose(f);
        return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of memory reading '%s'", path);
    }
    size_t got = n ? fread(buf, 1, (size_t)n, f) : 0;
    int err = ferror(f);
    fclose(f);
    if (got != n || err) {
        free(buf);
        return vkc_fail(VKCNN_ERROR_IO, "cannot read '%s' (%zu of %" PRIu64 " bytes)", path, got,
                        n);
    }
    *data = buf;
    *size = (size_t)n;
    return VKCNN_OK;
}
