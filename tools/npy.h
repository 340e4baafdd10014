/* .npy files (NumPy format versions 1.0, 2.0, 3.0): little-endian float32 in
 * C order only; anything else is refused with a message naming the file and
 * what is wrong. */
#ifndef VKCNN_TOOLS_NPY_H
#define VKCNN_TOOLS_NPY_H

#include <stddef.h>
#include <stdint.h>

#define NPY_MAX_RANK 8

typedef struct npy_array {
    uint32_t rank;
    int64_t shape[NPY_MAX_RANK];
    uint64_t count; /* product of shape */
    float *data;    /* malloc'd */
} npy_array;

/* Reads `path`; on failure returns -1 with a message in err. Arrays over
 * max_bytes of data are refused. */
int npy_read(const char *path, uint64_t max_bytes, npy_array *out, char *err, size_t err_size);

/* Writes a version 1.0 file; -1 with a message in err on failure. */
int npy_write(const char *path, uint32_t rank, const int64_t *shape, const float *data, char *err,
              size_t err_size);

void npy_free(npy_array *a);

#endif
