/* TensorProto -> graph constant: every storage form exporters write
 * (raw_data, the typed repeated fields, external files), converted to the
 * IR's two dtypes: float32 (from float, float16, bfloat16, double) and int64
 * (from every integer type and bool). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/checked.h"
#include "core/error.h"
#include "core/half.h"
#include "import/onnx_internal.h"

enum {
    T_FLOAT = 1,
    T_UINT8 = 2,
    T_INT8 = 3,
    T_UINT16 = 4,
    T_INT16 = 5,
    T_INT32 = 6,
    T_INT64 = 7,
    T_BOOL = 9,
    T_FLOAT16 = 10,
    T_DOUBLE = 11,
    T_UINT32 = 12,
    T_UINT64 = 13,
    T_BFLOAT16 = 16,
};

const char *vkc_onnx_type_name(int64_t type) {
    static const char *const names[] = {"undefined",  "float32", "uint8",  "int8",   "uint16",
                                        "int16",      "int32",   "int64",  "string", "bool",
                                        "float16",    "float64", "uint32", "uint64", "complex64",
                                        "complex128", "bfloat16"};
    if (type >= 0 && type < (int64_t)(sizeof names / sizeof names[0])) return names[type];
    return "unknown";
}

/* Bytes per element in raw_data, 0 for types vkcnn does not read. */
static size_t raw_size(int type) {
    switch (type) {
    case T_FLOAT:
    case T_INT32:
    case T_UINT32: return 4;
    case T_INT64:
    case T_UINT64:
    case T_DOUBLE: return 8;
    case T_FLOAT16:
    case T_BFLOAT16:
    case T_INT16:
    case T_UINT16: return 2;
    case T_INT8:
    case T_UINT8:
    case T_BOOL: return 1;
    default: return 0;
    }
}

static bool is_float_type(int type) {
    return type == T_FLOAT || type == T_FLOAT16 || type == T_BFLOAT16 || type == T_DOUBLE;
}

static bool host_little_endian(void) {
    const uint32_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    return first == 1;
}

static uint64_t load_le(const unsigned char *p, size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* Converts `count` little-endian raw elements of `type` into dst (float or
 * int64 by the tensor's dtype). */
static vkcnn_status convert_raw(const char *name, int type, const unsigned char *raw,
                                uint64_t count, void *dst) {
    size_t es = raw_size(type);
    if (type == T_FLOAT && host_little_endian()) { /* the common case, a plain copy */
        if (count) memcpy(dst, raw, count * 4);    /* an empty tensor may have no bytes */
        return VKCNN_OK;
    }
    for (uint64_t i = 0; i < count; i++) {
        uint64_t v = load_le(raw + i * es, es);
        switch (type) {
        case T_FLOAT: {
            uint32_t b = (uint32_t)v;
            memcpy((float *)dst + i, &b, 4);
            break;
        }
        case T_FLOAT16: ((float *)dst)[i] = vkc_half_to_float((uint16_t)v); break;
        case T_BFLOAT16: {
            uint32_t b = (uint32_t)v << 16;
            memcpy((float *)dst + i, &b, 4);
            break;
        }
        case T_DOUBLE: {
            double d;
            memcpy(&d, &v, 8);
            ((float *)dst)[i] = (float)d;
            break;
        }
        case T_INT8: ((int64_t *)dst)[i] = (int8_t)v; break;
        case T_INT16: ((int64_t *)dst)[i] = (int16_t)v; break;
        case T_INT32: ((int64_t *)dst)[i] = (int32_t)v; break;
        case T_INT64: ((int64_t *)dst)[i] = (int64_t)v; break;
        case T_UINT64:
            if (v > INT64_MAX)
                return vkc_fail(VKCNN_ERROR_UNSUPPORTED,
                                "tensor '%s': uint64 value %" PRIu64 " does not fit int64", name,
                                v);
            ((int64_t *)dst)[i] = (int64_t)v;
            break;
        default: ((int64_t *)dst)[i] = (int64_t)v; break; /* unsigned <= 32 bits, bool */
        }
    }
    return VKCNN_OK;
}

/* Resolves an external-data location against base_dir, refusing absolute
 * paths, ".." components and symlinks that lead outside base_dir. */
static vkcnn_status resolve_location(const char *tname, const char *base_dir, const char *loc,
                                     char *out, size_t out_size) {
    if (!base_dir)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                        "tensor '%s' stores its data in external file '%s', but no base "
                        "directory was given (loading from memory: set base_dir)",
                        tname, loc);
    if (!*loc || loc[0] == '/' || strchr(loc, '\\'))
        return vkc_fail(VKCNN_ERROR_INVALID_MODEL,
                        "tensor '%s': external data location '%s' must be a relative path", tname,
                        loc);
    for (const char *p = loc; *p;) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 2 && p[0] == '.' && p[1] == '.')
            return vkc_fail(VKCNN_ERROR_INVALID_MODEL,
                            "tensor '%s': external data location '%s' escapes the model's folder",
                            tname, loc);
        p += len + (e ? 1 : 0);
    }
    char joined[PATH_MAX], base_real[PATH_MAX];
    int n = snprintf(joined, sizeof joined, "%s/%s", base_dir, loc);
    if (n < 0 || (size_t)n >= sizeof joined)
        return vkc_fail(VKCNN_ERROR_INVALID_MODEL, "tensor '%s': external data path too long",
                        tname);
    if (!realpath(base_dir, base_real))
        return vkc_fail(VKCNN_ERROR_IO, "cannot resolve model folder '%s': %s", base_dir,
                        strerror(errno));
    if (!realpath(joined, out) || strlen(out) >= out_size)
        return vkc_fail(VKCNN_ERROR_IO, "tensor '%s': cannot open external data '%s': %s", tname,
                        joined, strerror(errno));
    size_t bl = strlen(base_real);
    bool inside =
        strncmp(out, base_real, bl) == 0 && (out[bl] == '/' || (bl == 1 && base_real[0] == '/'));
    if (!inside)
        return vkc_fail(VKCNN_ERROR_INVALID_MODEL,
                        "tensor '%s': external data '%s' resolves outside the model's folder "
                        "(symbolic link?)",
                        tname, loc);
    return VKCNN_OK;
}

static bool parse_u64(const char *s, uint64_t *v) {
    if (!*s) return false;
    uint64_t r = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || !vkc_mul_u64(r, 10, &r) ||
            !vkc_add_u64(r, (uint64_t)(*s - '0'), &r))
            return false;
    }
    *v = r;
    return true;
}

/* Reads `bytes` bytes of external data into a new buffer. */
static vkcnn_status read_external(const VkcnnOnnx__TensorProto *tp, const char *tname,
                                  const char *base_dir, uint64_t bytes, unsigned char **out) {
    const char *loc = NULL;
    uint64_t offset = 0, length = 0;
    bool has_length = false;
    for (size_t i = 0; i < tp->n_external_data; i++) {
        const VkcnnOnnx__StringStringEntryProto *e = tp->external_data[i];
        const char *k = e->key ? e->key : "", *v = e->value ? e->value : "";
        if (strcmp(k, "location") == 0) {
            loc = v;
        } else if (strcmp(k, "offset") == 0 || strcmp(k, "length") == 0) {
            uint64_t x;
            if (!parse_u64(v, &x))
                return vkc_fail(VKCNN_ERROR_INVALID_MODEL,
                                "tensor '%s': external data '%s' = '%s' is not a number", tname, k,
                                v);
            if (k[0] == 'o') {
                offset = x;
            } else {
                length = x;
                has_length = true;
            }
        }
    }
    if (!loc)
        return vkc_fail(VKCNN_ERROR_INVALID_MODEL, "tensor '%s': external data has no 'location'",
                        tname);
    char path[PATH_MAX];
    vkcnn_status st = resolve_location(tname, base_dir, loc, path, sizeof path);
    if (st != VKCNN_OK) return st;
    /* the resolved path has no symlink; O_NOFOLLOW refuses one swapped in
     * for its last component since, O_NONBLOCK a FIFO (then refused as not
     * a regular file) */
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
    if (fd >= 0 && !f) close(fd);
    struct stat sb;
    if (!f || fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        if (f) fclose(f);
        return vkc_fail(VKCNN_ERROR_IO, "tensor '%s': cannot open external data '%s'", tname, path);
    }
    uint64_t size = (uint64_t)sb.st_size, end;
    if (!has_length) length = offset <= size ? size - offset : 0;
    if (length != bytes || !vkc_add_u64(offset, length, &end) || end > size) {
        fclose(f);
        return vkc_fail(VKCNN_ERROR_INVALID_MODEL,
                        "tensor '%s': external data '%s' offset %" PRIu64 " length %" PRIu64
                        " does not hold the %" PRIu64 " bytes its shape needs (file is %" PRIu64
                        " bytes)",
                        tname, loc, offset, length, bytes, size);
    }
    unsigned char *buf = malloc(bytes ? (size_t)bytes : 1);
    if (!buf) {
        fclose(f);
        return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of memory for tensor '%s'", tname);
    }
    bool ok = fseeko(f, (off_t)offset, SEEK_SET) == 0 &&
              (bytes == 0 || fread(buf, 1, (size_t)bytes, f) == bytes);
    fclose(f);
    if (!ok) {
        free(buf);
        return vkc_fail(VKCNN_ERROR_IO, "tensor '%s': cannot read external data '%s'", tname, path);
    }
    *out = buf;
    return VKCNN_OK;
}

static vkcnn_status count_mismatch(const char *tname, const char *field, uint64_t have,
                                   uint64_t want) {
    return vkc_fail(VKCNN_ERROR_INVALID_MODEL,
                    "tensor '%s': %s holds %" PRIu64 " values, its shape needs %" PRIu64, tname,
                    field, have, want);
}

vkcnn_status vkc_onnx_load_tensor(vkc_graph *g, uint32_t ti, const VkcnnOnnx__TensorProto *tp,
                                  const char *base_dir, vkc_onnx_alloc *decoder) {
    const char *tname = g->tensors[ti].name;
    int type = tp->has_data_type ? tp->data_type : 0;
    size_t es = raw_size(type);
    if (!es)
        return vkc_fail(VKCNN_ERROR_UNSUPPORTED,
                        "tensor '%s' has element type %s: unsupported dtype", tname,
                        vkc_onnx_type_name(type));
    if (tp->segment)
        return vkc_fail(VKCNN_ERROR_UNSUPPORTED, "tensor '%s' is segmented: not supported", tname);
    if (tp->n_dims > VKC_MAX_RANK)
        return vkc_fail(VKCNN_ERROR_UNSUPPORTED, "tensor '%s' has rank %zu (max %d)", tname,
                        tp->n_dims, VKC_MAX_RANK);
    vkc_dtype dt = is_float_type(type) ? VKC_DTYPE_FLOAT32 : VKC_DTYPE_INT64;
    vkcnn_status st = vkc_graph_set_shape(g, ti, dt, (uint32_t)tp->n_dims, tp->dims);
    if (st != VKCNN_OK) return st;
    uint64_t count = g->tensors[ti].elements, bytes;
    if (!vkc_mul_u64(count, es, &bytes))
        return vkc_fail(VKCNN_ERROR_LIMIT, "tensor '%s' is too large", tname);
    bool external = tp->has_data_location &&
                    tp->data_location == VKCNN_ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
    if (!external && tp->has_raw_data && type == T_FLOAT && host_little_endian() &&
        tp->raw_data.len == bytes && decoder) {
        /* The decoded bytes are the tensor: keep them rather than copy
         * (adopt_data checks the limit, and frees the block if it fails). */
        if (vkc_onnx_alloc_take(decoder, tp->raw_data.data))
            return vkc_graph_adopt_data(g, ti, tp->raw_data.data);
    }
    void *dst;
    st = vkc_graph_alloc_data(g, ti, &dst);
    if (st != VKCNN_OK) return st;

    if (external) {
        unsigned char *buf = NULL;
        st = read_external(tp, tname, base_dir, bytes, &buf);
        if (st == VKCNN_OK) st = convert_raw(tname, type, buf, count, dst);
        free(buf);
        return st;
    }
    if (tp->has_raw_data) {
        if (tp->raw_data.len != bytes)
            return vkc_fail(
                VKCNN_ERROR_INVALID_MODEL,
                "tensor '%s': raw_data has %zu bytes, its shape and type (%s) need %" PRIu64, tname,
                tp->raw_data.len, vkc_onnx_type_name(type), bytes);
        return convert_raw(tname, type, tp->raw_data.data, count, dst);
    }
    switch (type) {
    case T_FLOAT:
        if (tp->n_float_data != count)
            return count_mismatch(tname, "float_data", tp->n_float_data, count);
        if (count) memcpy(dst, tp->float_data, count * 4);
        return VKCNN_OK;
    case T_DOUBLE:
        if (tp->n_double_data != count)
            return count_mismatch(tname, "double_data", tp->n_double_data, count);
        for (uint64_t i = 0; i < count; i++)
            ((float *)dst)[i] = (float)tp->double_data[i];
        return VKCNN_OK;
    case T_INT64:
        if (tp->n_int64_data != count)
            return count_mismatch(tname, "int64_data", tp->n_int64_data, count);
        if (count) memcpy(dst, tp->int64_data, count * 8);
        return VKCNN_OK;
    case T_UINT32:
    case T_UINT64:
        if (tp->n_uint64_data != count)
            return count_mismatch(tname, "uint64_data", tp->n_uint64_data, count);
        for (uint64_t i = 0; i < count; i++) {
            if (tp->uint64_data[i] > INT64_MAX)
                return vkc_fail(VKCNN_ERROR_UNSUPPORTED, "tensor '%s': value does not fit int64",
                                tname);
            ((int64_t *)dst)[i] = (int64_t)tp->uint64_data[i];
        }
        return VKCNN_OK;
    default: /* 16-bit floats as bits, and small integers, live in int32_data */
        if (tp->n_int32_data != count)
            return count_mismatch(tname, "int32_data", tp->n_int32_data, count);
        for (uint64_t i = 0; i < count; i++) {
            int32_t v = tp->int32_data[i];
            if (type == T_FLOAT16)
                ((float *)dst)[i] = vkc_half_to_float((uint16_t)v);
            else if (type == T_BFLOAT16) {
                uint32_t b = (uint32_t)(uint16_t)v << 16;
                memcpy((float *)dst + i, &b, 4);
            } else
                ((int64_t *)dst)[i] = v;
        }
        return VKCNN_OK;
    }
}
