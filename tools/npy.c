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

/* The element type of a 'descr' value such as '<f4': byte order, kind and
 * size. Returns NULL when supported, else why not. */
typedef struct npy_type {
    char order; /* '<', '>' (after '=' and '|' are resolved) */
    char kind;  /* 'f', 'i', 'u', 'b' */
    unsigned size;
} npy_type;

static int host_little_endian(void) {
    const uint16_t one = 1;
    return *(const unsigned char *)&one == 1;
}

static const char *parse_descr(const char *v, npy_array *a, npy_type *t) {
    if (*v == '[') return "a structured dtype (a record of fields) is not supported";
    char quote = *v;
    if (quote != '\'' && quote != '"') return "header 'descr' is not a dtype string";
    const char *end = strchr(v + 1, quote);
    if (!end || end - v - 1 >= (long)sizeof a->dtype) return "header 'descr' is malformed";
    memcpy(a->dtype, v + 1, (size_t)(end - v - 1));
    a->dtype[end - v - 1] = '\0';
    const char *d = a->dtype;
    char order = *d;
    if (order == '<' || order == '>' || order == '|' || order == '=')
        d++;
    else
        order = '=';
    t->kind = *d++;
    char *rest = NULL;
    unsigned long size = strtoul(d, &rest, 10);
    if (rest == d || *rest) return "not supported";
    t->size = (unsigned)size;
    if (order == '=' || order == '|') order = host_little_endian() ? '<' : '>';
    t->order = order;
    int ok = (t->kind == 'f' && (size == 2 || size == 4 || size == 8)) ||
             ((t->kind == 'i' || t->kind == 'u') &&
              (size == 1 || size == 2 || size == 4 || size == 8)) ||
             (t->kind == 'b' && size == 1);
    if (!ok) return "not supported";
    return NULL;
}

static int parse_header(const char *h, npy_array *a, npy_type *type, int *fortran_order,
                        const char **why) {
    const char *descr = dict_value(h, "descr");
    if (!descr) {
        *why = "header has no 'descr'";
        return -1;
    }
    if ((*why = parse_descr(descr, a, type))) return -2;
    const char *fortran = dict_value(h, "fortran_order");
    if (fortran && strncmp(fortran, "False", 5) == 0) {
        *fortran_order = 0;
    } else if (fortran && strncmp(fortran, "True", 4) == 0) {
        *fortran_order = 1;
    } else {
        *why = "header has no 'fortran_order' True or False";
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

static float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
    if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (man << 13); /* inf, NaN */
    } else if (exp) {
        bits = sign | ((exp + 112) << 23) | (man << 13);
    } else if (man) { /* subnormal: normalise */
        int shift = 0;
        while (!(man & 0x400)) {
            man <<= 1;
            shift++;
        }
        bits = sign | ((uint32_t)(113 - shift) << 23) | ((man & 0x3ff) << 13);
    } else {
        bits = sign;
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

/* One element of type t at p (byte order handled), as a float. */
static float element(const unsigned char *p, const npy_type *t) {
    unsigned char b[8];
    int swap = (t->order == '<') != host_little_endian();
    for (unsigned i = 0; i < t->size; i++)
        b[i] = p[swap ? t->size - 1 - i : i];
    switch (t->kind) {
    case 'b': return b[0] ? 1.0f : 0.0f;
    case 'f':
        if (t->size == 2) {
            uint16_t h;
            memcpy(&h, b, 2);
            return half_to_float(h);
        } else if (t->size == 4) {
            float f;
            memcpy(&f, b, 4);
            return f;
        } else {
            double d;
            memcpy(&d, b, 8);
            return (float)d;
        }
    case 'i':
        switch (t->size) {
        case 1: return (float)(int8_t)b[0];
        case 2: {
            int16_t v;
            memcpy(&v, b, 2);
            return (float)v;
        }
        case 4: {
            int32_t v;
            memcpy(&v, b, 4);
            return (float)v;
        }
        default: {
            int64_t v;
            memcpy(&v, b, 8);
            return (float)v;
        }
        }
    default: /* 'u' */
        switch (t->size) {
        case 1: return (float)b[0];
        case 2: {
            uint16_t v;
            memcpy(&v, b, 2);
            return (float)v;
        }
        case 4: {
            uint32_t v;
            memcpy(&v, b, 4);
            return (float)v;
        }
        default: {
            uint64_t v;
            memcpy(&v, b, 8);
            return (float)v;
        }
        }
    }
}

/* Converts `raw` (count elements of type t, in C or Fortran order) into
 * out->data in C order. */
static void convert(const unsigned char *raw, const npy_type *t, int fortran, npy_array *out) {
    if (!fortran || out->rank < 2) {
        for (uint64_t i = 0; i < out->count; i++)
            out->data[i] = element(raw + i * t->size, t);
        return;
    }
    /* Fortran order: the first index varies fastest in the file. Walk the
     * C-order index and track the file offset. */
    uint64_t stride[NPY_MAX_RANK], idx[NPY_MAX_RANK] = {0};
    uint64_t s = 1;
    for (uint32_t d = 0; d < out->rank; d++) {
        stride[d] = s;
        s *= (uint64_t)out->shape[d];
    }
    uint64_t at = 0;
    for (uint64_t i = 0; i < out->count; i++) {
        out->data[i] = element(raw + at * t->size, t);
        for (uint32_t d = out->rank; d-- > 0;) { /* next C-order index: last axis fastest */
            at += stride[d];
            if (++idx[d] < (uint64_t)out->shape[d]) break;
            at -= stride[d] * (uint64_t)out->shape[d];
            idx[d] = 0;
        }
    }
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
    unsigned char *raw = NULL;
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
    npy_type type;
    int fortran = 0;
    int parsed = parse_header(header, out, &type, &fortran, &why);
    if (parsed == -2 && strcmp(why, "not supported") == 0) {
        snprintf(err, err_size,
                 "%s: dtype '%s' is not supported (float16/32/64, signed and unsigned integers "
                 "and bool are converted to float32)",
                 path, out->dtype);
        goto done;
    }
    if (parsed != 0) {
        fail(err, err_size, path, why);
        goto done;
    }
    if (out->count > max_bytes / 4 || out->count > max_bytes / type.size) {
        fail(err, err_size, path, "array larger than the size limit");
        goto done;
    }
    out->data = malloc(out->count ? out->count * 4 : 4);
    if (!out->data) {
        fail(err, err_size, path, "out of memory");
        goto done;
    }
    int native = type.kind == 'f' && type.size == 4 && type.order == '<' && host_little_endian() &&
                 (!fortran || out->rank < 2);
    out->converted =
        !(type.kind == 'f' && type.size == 4 && type.order == '<' && (!fortran || out->rank < 2));
    if (!native && !(raw = malloc(out->count ? out->count * type.size : 1))) {
        fail(err, err_size, path, "out of memory");
        goto done;
    }
    if (fread(native ? (void *)out->data : (void *)raw, type.size, out->count, f) != out->count) {
        fail(err, err_size, path, "truncated data (fewer values than the shape says)");
        goto done;
    }
    if (fgetc(f) != EOF) {
        fail(err, err_size, path, "trailing bytes after the data");
        goto done;
    }
    if (!native) convert(raw, &type, fortran, out);
    rc = 0;
done:
    fclose(f);
    free(header);
    free(raw);
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
