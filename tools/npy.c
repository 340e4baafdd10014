#include "npy.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC "\x93NUMPY"
#define MAX_HEADER (1u << 16)

static int fail(char *err, size_t size, const char *path, const char *what) {
    snprintf(err, size, "%s: %s", path, what);
    return -1;
}

/* Finds `'key':` in the header dict and returns the text after the colon. */
static const char *dict_value(const char *h, const char *key) {
    char q1[64], q2[64];
    snprintf(q1, sizeof q1, "'%s'", key);
    snprintf(q2, sizeof q2, "\"%s\"", key);
    const char *p = strstr(h, q1);
    if (!p) p = strstr(h, q2);
    if (!p) return NULL;
    p += strlen(q1);
    while (*p == ' ')
        p++;
    if (*p != ':') return NULL;
    p++;
    while (*p == ' ')
        p++;
    return p;
}

static int parse_header(const char *h, npy_array *a, const char **why) {
    const char *descr = dict_value(h, "descr");
    if (!descr) {
        *why = "header has no 'descr'";
        return -1;
    }
    if (strncmp(descr, "'<f4'", 5) != 0 && strncmp(descr, "\"<f4\"", 5) != 0) {
        *why = "dtype is not little-endian float32 ('<f4'); convert with "
               "array.astype('<f4')";
        return -1;
    }
    const char *fortran = dict_value(h, "fortran_order");
    if (!fortran || strncmp(fortran, "False", 5) != 0) {
        *why = "array is not in C order (fortran_order must be False)";
        return -1;
    }
    const char *shape = dict_value(h, "shape");
    if (!shape || *shape != '(') {
        *why = "header has no 'shape' tuple";
        return -1;
    }
    shape++;
    a->rank = 0;
    a->count = 1;
    for (;;) {
        while (*shape == ' ' || *shape == ',')
            shape++;
        if (*shape == ')') break;
        if (!isdigit((unsigned char)*shape)) {
            *why = "malformed shape";
            return -1;
        }
        if (a->rank == NPY_MAX_RANK) {
            *why = "more than 8 dimensions";
            return -1;
        }
        errno = 0;
        char *end;
        unsigned long long d = strtoull(shape, &end, 10);
        if (errno || d > (1ull << 40) || (d && a->count > UINT64_MAX / d)) {
            *why = "shape too large";
            return -1;
        }
        a->shape[a->rank++] = (int64_t)d;
        a->count *= d;
        shape = end;
    }
    return 0;
}

int npy_read(const char *path, uint64_t max_bytes, npy_array *out, char *err, size_t err_size) {
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, err_size, "%s: %s", path, strerror(errno));
        return -1;
    }
    unsigned char pre[12];
    int rc = -1;
    char *header = NULL;
    if (fread(pre, 1, 10, f) != 10 || memcmp(pre, MAGIC, 6) != 0) {
        fail(err, err_size, path, "not a .npy file (bad magic)");
        goto done;
    }
    unsigned major = pre[6];
    uint32_t hlen;
    if (major == 1) {
        hlen = pre[8] | (uint32_t)pre[9] << 8;
    } else if (major == 2 || major == 3) {
        if (fread(pre + 10, 1, 2, f) != 2) {
            fail(err, err_size, path, "truncated header");
            goto done;
        }
        hlen = pre[8] | (uint32_t)pre[9] << 8 | (uint32_t)pre[10] << 16 | (uint32_t)pre[11] << 24;
    } else {
        fail(err, err_size, path, "unsupported .npy version (1.0 to 3.0 are read)");
        goto done;
    }
    if (hlen == 0 || hlen > MAX_HEADER) {
        fail(err, err_size, path, "header length out of range");
        goto done;
    }
    header = malloc(hlen + 1);
    if (!header || fread(header, 1, hlen, f) != hlen) {
        fail(err, err_size, path, "truncated header");
        goto done;
    }
    header[hlen] = '\0';
    const char *why = NULL;
    if (parse_header(header, out, &why) != 0) {
        fail(err, err_size, path, why);
        goto done;
    }
    if (out->count > max_bytes / 4) {
        fail(err, err_size, path, "array larger than the size limit");
        goto done;
    }
    out->data = malloc(out->count ? out->count * 4 : 4);
    if (!out->data) {
        fail(err, err_size, path, "out of memory");
        goto done;
    }
    if (fread(out->data, 4, out->count, f) != out->count) {
        fail(err, err_size, path, "truncated data (fewer values than the shape says)");
        goto done;
    }
    if (fgetc(f) != EOF) {
        fail(err, err_size, path, "trailing bytes after the data");
        goto done;
    }
    rc = 0;
done:
    fclose(f);
    free(header);
    if (rc) npy_free(out);
    return rc;
}

int npy_write(const char *path, uint32_t rank, const int64_t *shape, const float *data, char *err,
              size_t err_size) {
    char dict[512];
    int n = snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (");
    uint64_t count = 1;
    for (uint32_t i = 0; i < rank && n > 0 && (size_t)n < sizeof dict; i++) {
        n += snprintf(dict + n, sizeof dict - (size_t)n, "%lld%s", (long long)shape[i],
                      rank == 1 ? "," : (i + 1 < rank ? ", " : ""));
        count *= (uint64_t)shape[i];
    }
    if (n > 0 && (size_t)n < sizeof dict) n += snprintf(dict + n, sizeof dict - (size_t)n, "), }");
    if (n <= 0 || (size_t)n >= sizeof dict - 80) return fail(err, err_size, path, "shape too long");
    /* pad so that the data starts at a multiple of 64 bytes, header ends with \n */
    size_t total = 10 + (size_t)n + 1;
    size_t pad = (64 - total % 64) % 64;
    FILE *f = fopen(path, "wb");
    if (!f) {
        snprintf(err, err_size, "%s: %s", path, strerror(errno));
        return -1;
    }
    uint32_t hlen = (uint32_t)((size_t)n + pad + 1);
    unsigned char pre[10] = {0x93,
                             'N',
                             'U',
                             'M',
                             'P',
                             'Y',
                             1,
                             0,
                             (unsigned char)(hlen & 0xff),
                             (unsigned char)(hlen >> 8)};
    int ok = fwrite(pre, 1, 10, f) == 10 && fwrite(dict, 1, (size_t)n, f) == (size_t)n;
    for (size_t i = 0; i < pad && ok; i++)
        ok = fputc(' ', f) != EOF;
    ok = ok && fputc('\n', f) != EOF && fwrite(data, 4, count, f) == count;
    ok = (fclose(f) == 0) && ok;
    if (!ok) {
        snprintf(err, err_size, "%s: write failed: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

void npy_free(npy_array *a) {
    free(a->data);
    a->data = NULL;
}
