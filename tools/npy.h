/* .npy files (NumPy format versions 1.0, 2.0, 3.0), read into float32 in C
 * order: float32 as it is; float16, float64, signed and unsigned integers of
 * 1 to 8 bytes and bool converted (float64 and integers over 2^24 are rounded
 * to the nearest float32); either byte order; C or Fortran order. Anything
 * else (complex, strings, objects, structured dtypes) and any malformed file
 * is refused with a message naming the file and what is wrong. */
#ifndef VKCNN_TOOLS_NPY_H
#define VKCNN_TOOLS_NPY_H

#include <stddef.h>
#include <stdint.h>

#define NPY_MAX_RANK 8

/* What `vkcnn run --help` says of the .npy files it reads. */
#define NPY_READ_HELP                                                                              \
    ".npy inputs (versions 1 to 3) may be float32, float16, float64, signed or\n"                  \
    "unsigned integers or bool, either byte order, C or Fortran order: all are\n"                  \
    "converted to float32 in C order (float64 and integers beyond 2^24 rounded).\n"

typedef struct npy_array {
    uint32_t rank;
    int64_t shape[NPY_MAX_RANK];
    uint64_t count; /* product of shape */
    float *data;    /* malloc'd, C order */
    char dtype[16]; /* the file's dtype as written, e.g. "<f8" */
    int converted;  /* 1 when the file was not little-endian float32 in C order */
} npy_array;

/* Reads `path`; on failure returns -1 with a message in err. Arrays over
 * max_bytes (as stored, or as float32) are refused. */
int npy_read(const char *path, uint64_t max_bytes, npy_array *out, char *err, size_t err_size);

/* Writes a version 1.0 file of little-endian float32 in C order; -1 with a
 * message in err on failure. */
int npy_write(const char *path, uint32_t rank, const int64_t *shape, const float *data, char *err,
              size_t err_size);

void npy_free(npy_array *a);

#endif
