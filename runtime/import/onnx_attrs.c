/* ONNX attributes -> per-op attribute structs, with the differences between
 * opsets (BatchNormalization's is_test/spatial/training_mode, Reshape's shape
 * attribute before opset 5, Pad's paddings/pads attributes before opset 11,
 * Clip's min/max attributes before 11, Squeeze/Unsqueeze axes before 13,
 * Slice's attributes before 10, Dropout's is_test before 7, Cast's string
 * 'to' in opset 1, legacy broadcasting of Add/Sub/Mul/Div before 7).
 * Operands that later opsets pass as inputs are decoded at inference. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "core/half.h"
#include "import/onnx_attrs.h"
#include "import/onnx_internal.h"
#include "ops/op_table.h"

#define FAIL(st, ...) vkc_node_fail(g, ni, st, __VA_ARGS__)

typedef VkcnnOnnx__AttributeProto Attr;

/* What a decode function reads attributes through (op_table.h). */
struct vkc_attr_reader {
    vkc_graph *g;
    uint32_t ni;
    const VkcnnOnnx__NodeProto *np;
};
typedef struct vkc_attr_reader ctx;

static const char *type_name(int t) {
    switch (t) {
    case 1: return "FLOAT";
    case 2: return "INT";
    case 3: return "STRING";
    case 4: return "TENSOR";
    case 6: return "FLOATS";
    case 7: return "INTS";
    case 8: return "STRINGS";
    default: return "another type";
    }
}

/* The attribute's type: the explicit field, else (IR < 2) guessed from
 * which value field is set. */
static int attr_type(const Attr *a) {
    if (a->has_type) return (int)a->type;
    if (a->has_f) return 1;
    if (a->has_i) return 2;
    if (a->has_s) return 3;
    if (a->t) return 4;
    if (a->n_floats) return 6;
    if (a->n_ints) return 7;
    return 0;
}

/* Finds attribute `name` and checks its type; NULL when absent. */
static vkcnn_status find(const ctx *c, const char *name, int type, const Attr **out) {
    vkc_graph *g = c->g;
    uint32_t ni = c->ni;
    *out = NULL;
    for (size_t i = 0; i < c->np->n_attribute; i++) {
        const Attr *a = c->np->attribute[i];
        if (!a->name || strcmp(a->name, name) != 0) continue;
        if (a->ref_attr_name && *a->ref_attr_name)
            return FAIL(VKCNN_ERROR_INVALID_MODEL,
                        "attribute '%s' refers to a function attribute outside a function", name);
        int t = attr_type(a);
        if (t != type)
            return FAIL(VKCNN_ERROR_INVALID_MODEL, "attribute '%s' has type %s, expected %s", name,
                        type_name(t), type_name(type));
        *out = a;
        return VKCNN_OK;
    }
    return VKCNN_OK;
}

static vkcnn_status get_int(const ctx *c, const char *name, int64_t *v, bool *present) {
    const Attr *a;
    VKC_TRY(find(c, name, 2, &a));
    if (a) *v = a->i;
    if (present) *present = a != NULL;
    return VKCNN_OK;
}

static vkcnn_status get_bool(const ctx *c, const char *name, bool *v) {
    int64_t i = *v;
    bool present;
    VKC_TRY(get_int(c, name, &i, &present));
    vkc_graph *g = c->g;
    uint32_t ni = c->ni;
    if (present && i != 0 && i != 1)
        return FAIL(VKCNN_ERROR_INVALID_MODEL, "attribute '%s' = %" PRId64 " must be 0 or 1", name,
                    i);
    *v = i != 0;
    return VKCNN_OK;
}

static vkcnn_status get_float(const ctx *c, const char *name, float *v) {
    const Attr *a;
    VKC_TRY(find(c, name, 1, &a));
    if (a) {
        vkc_graph *g = c->g;
        uint32_t ni = c->ni;
        if (!isfinite(a->f))
            return FAIL(VKCNN_ERROR_INVALID_MODEL, "attribute '%s' is not finite", name);
        *v = a->f;
    }
    return VKCNN_OK;
}

/* Reads an INTS attribute of at most `max` values. `what_if_long` names the
 * reason a longer list is refused (volumetric windows). */
static vkcnn_status get_ints(const ctx *c, const char *name, int64_t *out, uint32_t max,
                             uint32_t *count, const char *what_if_long) {
    const Attr *a;
    VKC_TRY(find(c, name, 7, &a));
    *count = 0;
    if (!a) return VKCNN_OK;
    vkc_graph *g = c->g;
    uint32_t ni = c->ni;
    if (a->n_ints > max)
        return FAIL(VKCNN_ERROR_UNSUPPORTED,
                    "attribute '%s' has %zu values (at most %" PRIu32 ")%s", name, a->n_ints, max,
                    what_if_long ? what_if_long : "");
    if (a->n_ints) memcpy(out, a->ints, a->n_ints * sizeof *out);
    *count = (uint32_t)a->n_ints;
    return VKCNN_OK;
}

static vkcnn_status get_string(const ctx *c, const char *name, char *buf, size_t size) {
    const Attr *a;
    VKC_TRY(find(c, name, 3, &a));
    if (!a) return VKCNN_OK;
    size_t n = a->s.len < size - 1 ? a->s.len : size - 1;
    if (n) memcpy(buf, a->s.data, n);
    buf[n] = '\0';
    if (memchr(buf, '\0', n) != NULL) /* embedded NUL: make it never match */
        buf[0] = '?';
    return VKCNN_OK;
}

#define VOLUMETRIC ": volumetric (3-D spatial) layers are not supported"

static vkcnn_status decode_window(const ctx *c, vkc_window_attrs *w, vkc_op op) {
    vkc_graph *g = c->g;
    uint32_t ni = c->ni;
    char ap[32] = "NOTSET";
    VKC_TRY(get_string(c, "auto_pad", ap, sizeof ap));
    if (strcmp(ap, "NOTSET") == 0)
        w->auto_pad = VKC_AUTO_PAD_NOTSET;
    else if (strcmp(ap, "VALID") == 0)
        w->auto_pad = VKC_AUTO_PAD_VALID;
    else if (strcmp(ap, "SAME_UPPER") == 0)
        w->auto_pad = VKC_AUTO_PAD_SAME_UPPER;
    else if (strcmp(ap, "SAME_LOWER") == 0)
        w->auto_pad = VKC_AUTO_PAD_SAME_LOWER;
    else
        return FAIL(VKCNN_ERROR_INVALID_MODEL, "attribute 'auto_pad' = '%s' is not valid", ap);
    /* three spatial axes: MaxPool and AveragePool only */
    uint32_t sp = op == VKC_OP_MAX_POOL || op == VKC_OP_AVERAGE_POOL ? VKC_MAX_SPATIAL : 2;
    VKC_TRY(get_ints(c, "kernel_shape", w->kernel, sp, &w->kernel_count, VOLUMETRIC));
    w->has_kernel = w->kernel_count > 0;
    int64_t tmp[VKC_MAX_SPATIAL];
    VKC_TRY(get_ints(c, "strides", tmp, sp, &w->stride_count, VOLUMETRIC));
    memcpy(w->strides, tmp, w->stride_count * sizeof tmp[0]);
    VKC_TRY(get_ints(c, "dilations", tmp, sp, &w->dilation_count, VOLUMETRIC));
    memcpy(w->dilations, tmp, w->dilation_count * sizeof tmp[0]);
    VKC_TRY(get_ints(c, "pads", w->file_pads, 2 * sp, &w->pad_count, VOLUMETRIC));
    if (op == VKC_OP_CONV) VKC_TRY(get_int(c, "group", &w->group, NULL));
    if (op != VKC_OP_CONV) VKC_TRY(get_bool(c, "ceil_mode", &w->ceil_mode));
    if (op == VKC_OP_AVERAGE_POOL) VKC_TRY(get_bool(c, "count_include_pad", &w->count_include_pad));
    return VKCNN_OK;
}

/* Extra outputs beyond the first: refused when anything reads them. */
static vkcnn_status extra_outputs(const ctx *c, const char *what) {
    vkc_graph *g = c->g;
    uint32_t ni = c->ni;
    vkc_node *n = &g->nodes[ni];
    for (uint32_t i = 1; i < n->output_count; i++) {
        if (n->outputs[i] == VKC_NONE) continue;
        const vkc_tensor *t = &g->tensors[n->outputs[i]];
        if (t->graph_output || t->consumer_count)
            return FAIL(VKCNN_ERROR_UNSUPPORTED,
                        "output %" PRIu32 " ('%s', the %s) is used: unsupported dtype (vkcnn "
                        "computes float32 outputs only)",
                        i, t->name, what);
    }
    return VKCNN_OK;
}

static vkcnn_status decode_batch_norm(const ctx *c, vkc_node *n) {
    vkc_graph *g = c->g;
    uint32_t ni = c->ni;
    VKC_TRY(get_float(c, "epsilon", &n->attrs.epsilon));
    if (n->attrs.epsilon < 0)
        return FAIL(VKCNN_ERROR_INVALID_MODEL, "attribute 'epsilon' is negative");
    if (n->opset < 7) {
        int64_t is_test = 0;
        VKC_TRY(get_int(c, "is_test", &is_test, NULL));
        if (!is_test)
            return FAIL(VKCNN_ERROR_UNSUPPORTED, "attribute 'is_test' is 0: training mode is not "
                                                 "supported (inference only)");
    }
    if (n->opset < 9) {
        int64_t spatial = 1;
        VKC_TRY(get_int(c, "spatial", &spatial, NULL));
        if (!spatial)
            return FAIL(VKCNN_ERROR_UNSUPPORTED, "attribute 'spatial' = 0 is not supported");
    }
    int64_t training = 0;
    VKC_TRY(get_int(c, "training_mode", &training, NULL));
    if (training)
        return FAIL(VKCNN_ERROR_UNSUPPORTED,
                    "attribute 'training_mode' is set: training mode is not supported");
    for (uint32_t i = 1; i < n->output_count; i++)
        if (n->outputs[i] != VKC_NONE)
            return FAIL(VKCNN_ERROR_UNSUPPORTED,
                        "has %" PRIu32 " outputs (running or saved statistics): training mode is "
                        "not supported",
                        n->output_count);
    return VKCNN_OK;
}

static vkcnn_status decode_pad(const ctx *c, vkc_node *n) {
    vkc_graph *g = c->g;
    uint32_t ni = c->ni;
    vkc_pad_attrs *p = &n->attrs.pad;
    char mode[32] = "constant";
    VKC_TRY(get_string(c, "mode", mode, sizeof mode));
    if (strcmp(mode, "constant") == 0)
        p->mode = VKC_PAD_CONSTANT;
    else if (strcmp(mode, "reflect") == 0)
        p->mode = VKC_PAD_REFLECT;
    else if (strcmp(mode, "edge") == 0)
        p->mode = VKC_PAD_EDGE;
    else if (strcmp(mode, "wrap") == 0 && n->opset >= 19)
        p->mode = VKC_PAD_WRAP;
    else
        return FAIL(VKCNN_ERROR_UNSUPPORTED, "attribute 'mode' = '%s' is not supported", mode);
    if (n->opset < 11) {
        const char *name = n->opset < 2 ? "paddings" : "pads";
        VKC_TRY(get_ints(c, name, p->pads, 2 * VKC_MAX_RANK, &p->pad_count, NULL));
        p->pads_given = p->pad_count > 0;
        VKC_TRY(get_float(c, "value", &p->value));
    }
    return VKCNN_OK;
}

static vkcnn_status decode_cast(const ctx *c, vkc_node *n) {
    vkc_graph *g = c->g;
    uint32_t ni = c->ni;
    const Attr *a;
    /* Cast-1 names the type as a string; later opsets use the enum value. */
    for (size_t i = 0; i < c->np->n_attribute; i++) {
        a = c->np->attribute[i];
        if (!a->name || strcmp(a->name, "to") != 0) continue;
        if (attr_type(a) == 2) {
            n->attrs.to = a->i;
            return VKCNN_OK;
        }
        if (attr_type(a) == 3) {
            static const char *const names[] = {"UNDEFINED", "FLOAT",  "UINT8",  "INT8",   "UINT16",
                                                "INT16",     "INT32",  "INT64",  "STRING", "BOOL",
                                                "FLOAT16",   "DOUBLE", "UINT32", "UINT64"};
            for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
                if (a->s.len == strlen(names[k]) && memcmp(a->s.data, names[k], a->s.len) == 0) {
                    n->attrs.to = (int64_t)k;
                    return VKCNN_OK;
                }
        }
        return FAIL(VKCNN_ERROR_INVALID_MODEL, "attribute 'to' is not a known type");
    }
    return FAIL(VKCNN_ERROR_INVALID_MODEL, "attribute 'to' is required");
}

/* ---- per-op decoders (op_table.c names them) ------------------------------ */

vkcnn_status vkc_decode_window(const ctx *c, vkc_node *n) {
    VKC_TRY(decode_window(c, &n->attrs.window, n->op));
    return n->op == VKC_OP_MAX_POOL ? extra_outputs(c, "int64 Indices") : VKCNN_OK;
}

vkcnn_status vkc_decode_lrn(const ctx *c, vkc_node *n) {
    vkc_graph *g = c->g;
    uint32_t ni = c->ni;
    vkc_lrn_attrs *a = &n->attrs.lrn;
    bool has_size;
    VKC_TRY(get_int(c, "size", &a->size, &has_size));
    if (!has_size) return FAIL(VKCNN_ERROR_INVALID_MODEL, "attribute 'size' is required");
    VKC_TRY(get_float(c, "alpha", &a->alpha));
    VKC_TRY(get_float(c, "beta", &a->beta));
    return get_float(c, "bias", &a->bias);
}

/* alpha, beta, gamma of the elementwise ops, where ONNX defines them. */
vkcnn_status vkc_decode_elt(const ctx *c, vkc_node *n) {
    vkc_elt_attrs *a = &n->attrs.elt;
    VKC_TRY(get_float(c, "alpha", &a->alpha));
    VKC_TRY(get_float(c, "beta", &a->beta));
    return get_float(c, "gamma", &a->gamma);
}

vkcnn_status vkc_decode_clip(const ctx *c, vkc_node *n) {
    if (n->opset < 11) {
        VKC_TRY(get_float(c, "min", &n->attrs.clip.min));
        VKC_TRY(get_float(c, "max", &n->attrs.clip.max));
    }
    return VKCNN_OK;
}

vkcnn_status vkc_decode_batch_norm(const ctx *c, vkc_node *n) {
    return decode_batch_norm(c, n);
}

vkcnn_status vkc_decode_gemm(const ctx *c, vkc_node *n) {
    vkc_gemm_attrs *a = &n->attrs.gemm;
    VKC_TRY(get_float(c, "alpha", &a->alpha));
    VKC_TRY(get_float(c, "beta", &a->beta));
    VKC_TRY(get_bool(c, "transA", &a->trans_a));
    return get_bool(c, "transB", &a->trans_b);
}

/* Add, Sub, Mul, Div, Pow: legacy broadcasting before opset 7. */
vkcnn_status vkc_decode_binary(const ctx *c, vkc_node *n) {
    vkc_binary_attrs *a = &n->attrs.binary;
    if (n->opset < 7) {
        a->legacy = true;
        VKC_TRY(get_bool(c, "broadcast", &a->broadcast));
        VKC_TRY(get_int(c, "axis", &a->axis, &a->has_axis));
    }
    return VKCNN_OK;
}

/* Flatten, Concat, Gather. */
vkcnn_status vkc_decode_axis(const ctx *c, vkc_node *n) {
    vkc_graph *g = c->g;
    uint32_t ni = c->ni;
    bool present;
    if (n->op == VKC_OP_GATHER) n->attrs.axis = 0;
    VKC_TRY(get_int(c, "axis", &n->attrs.axis, &present));
    if (n->op == VKC_OP_CONCAT && n->opset >= 4 && !present)
        return FAIL(VKCNN_ERROR_INVALID_MODEL, "attribute 'axis' is required");
    return VKCNN_OK;
}

vkcnn_status vkc_decode_reshape(const ctx *c, vkc_node *n) {
    vkc_reshape_attrs *a = &n->attrs.reshape;
    if (n->opset < 5) {
        VKC_TRY(get_ints(c, "shape", a->shape, VKC_ATTR_MAX_RANK, &a->count, NULL));
        const Attr *s;
        VKC_TRY(find(c, "shape", 7, &s));
        a->given = s != NULL;
    }
    return get_bool(c, "allowzero", &a->allowzero);
}

/* Squeeze, Unsqueeze: the axes attribute before opset 13. */
vkcnn_status vkc_decode_axes(const ctx *c, vkc_node *n) {
    vkc_axes_attrs *a = &n->attrs.axes;
    if (n->opset < 13) {
        const Attr *s;
        VKC_TRY(find(c, "axes", 7, &s));
        VKC_TRY(get_ints(c, "axes", a->axes, VKC_ATTR_MAX_RANK, &a->count, NULL));
        a->given = s != NULL;
    }
    return VKCNN_OK;
}

vkcnn_status vkc_decode_transpose(const ctx *c, vkc_node *n) {
    vkc_transpose_attrs *a = &n->attrs.transpose;
    return get_ints(c, "perm", a->perm, VKC_ATTR_MAX_RANK, &a->count, NULL);
}

vkcnn_status vkc_decode_pad(const ctx *c, vkc_node *n) {
    return decode_pad(c, n);
}

vkcnn_status vkc_decode_dropout(const ctx *c, vkc_node *n) {
    vkc_graph *g = c->g;
    uint32_t ni = c->ni;
    if (n->opset < 7) {
        int64_t is_test = 0;
        VKC_TRY(get_int(c, "is_test", &is_test, NULL));
        if (!is_test)
            return FAIL(VKCNN_ERROR_UNSUPPORTED, "attribute 'is_test' is 0: training mode is "
                                                 "not supported (inference only)");
    }
    return extra_outputs(c, "bool mask");
}

vkcnn_status vkc_decode_softmax(const ctx *c, vkc_node *n) {
    return get_int(c, "axis", &n->attrs.softmax.axis, NULL);
}

vkcnn_status vkc_decode_shape(const ctx *c, vkc_node *n) {
    VKC_TRY(get_int(c, "start", &n->attrs.shape.start, NULL));
    return get_int(c, "end", &n->attrs.shape.end, &n->attrs.shape.has_end);
}

vkcnn_status vkc_decode_cast(const ctx *c, vkc_node *n) {
    return decode_cast(c, n);
}

vkcnn_status vkc_decode_slice(const ctx *c, vkc_node *n) {
    vkc_graph *g = c->g;
    uint32_t ni = c->ni;
    vkc_slice_attrs *a = &n->attrs.slice;
    if (n->opset < 10) {
        uint32_t ns, ne, count;
        VKC_TRY(get_ints(c, "starts", a->starts, VKC_ATTR_MAX_RANK, &ns, NULL));
        VKC_TRY(get_ints(c, "ends", a->ends, VKC_ATTR_MAX_RANK, &ne, NULL));
        VKC_TRY(get_ints(c, "axes", a->axes, VKC_ATTR_MAX_RANK, &count, NULL));
        if (ns != ne || (count && count != ns))
            return FAIL(VKCNN_ERROR_INVALID_MODEL,
                        "attributes 'starts', 'ends' and 'axes' differ in length");
        a->count = ns;
        a->axes_given = count > 0;
        a->given = true;
        for (uint32_t i = 0; i < ns; i++)
            a->steps[i] = 1;
    }
    return VKCNN_OK;
}

/* ---- data movement and resizing -------------------------------------------- */

/* Split: the node computes output `index` of `count` (set by the importer
 * before decoding); the 'split' attribute (< 13) gives its offset and
 * length at once. */
vkcnn_status vkc_decode_split(const ctx *c, vkc_node *n) {
    vkc_graph *g = c->g;
    uint32_t ni = c->ni;
    vkc_split_attrs *a = &n->attrs.split;
    VKC_TRY(get_int(c, "axis", &a->axis, NULL));
    if (n->opset >= 18) {
        bool present;
        VKC_TRY(get_int(c, "num_outputs", &a->num_outputs, &present));
        if (present && a->num_outputs != (int64_t)a->count)
            return FAIL(VKCNN_ERROR_INVALID_MODEL,
                        "attribute 'num_outputs' = %" PRId64 " but the node has %" PRIu32
                        " outputs",
                        a->num_outputs, a->count);
    }
    if (n->opset >= 13) return VKCNN_OK;
    const Attr *s;
    VKC_TRY(find(c, "split", 7, &s));
    if (!s) return VKCNN_OK;
    if (s->n_ints != a->count)
        return FAIL(VKCNN_ERROR_INVALID_MODEL,
                    "attribute 'split' has %zu values for %" PRIu32 " outputs", s->n_ints,
                    a->count);
    int64_t offset = 0;
    for (uint32_t i = 0; i < a->index; i++) {
        if (s->ints[i] < 0 || s->ints[i] > ((int64_t)1 << 40))
            return FAIL(VKCNN_ERROR_INVALID_MODEL, "attribute 'split' has value %" PRId64,
                        s->ints[i]);
        offset += s->ints[i];
    }
    if (s->ints[a->index] < 0)
        return FAIL(VKCNN_ERROR_INVALID_MODEL, "attribute 'split' has value %" PRId64,
                    s->ints[a->index]);
    a->offset = offset;
    a->length = s->ints[a->index];
    a->given = true;
    return VKCNN_OK;
}

/* Little-endian bytes as an unsigned integer. */
static uint64_t le_bytes(const uint8_t *p, size_t n) {
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;)
        v = v << 8 | p[i];
    return v;
}

/* ConstantOfShape's one-element 'value' tensor (default: float 0). */
vkcnn_status vkc_decode_constant_of_shape(const ctx *c, vkc_node *n) {
    vkc_graph *g = c->g;
    uint32_t ni = c->ni;
    const Attr *v;
    n->attrs.fill.is_float = true;
    VKC_TRY(find(c, "value", 4, &v));
    if (!v) return VKCNN_OK;
    const VkcnnOnnx__TensorProto *t = v->t;
    uint64_t count = 1;
    for (size_t i = 0; t && i < t->n_dims; i++)
        count = t->dims[i] == 1 ? count : 0;
    if (!t || count != 1)
        return FAIL(VKCNN_ERROR_INVALID_MODEL, "attribute 'value' must hold one element");
    int type = t->has_data_type ? t->data_type : 0;
    size_t size = type == 1 || type == 6 || type == 12                 ? 4
                  : type == 7 || type == 11 || type == 13              ? 8
                  : type == 10 || type == 16 || type == 5 || type == 4 ? 2
                  : type == 2 || type == 3 || type == 9                ? 1
                                                                       : 0;
    if (!size)
        return FAIL(VKCNN_ERROR_UNSUPPORTED,
                    "attribute 'value' has element type %s: unsupported "
                    "dtype",
                    vkc_onnx_type_name(type));
    bool raw = t->raw_data.len > 0;
    if (raw && t->raw_data.len != size)
        return FAIL(VKCNN_ERROR_INVALID_MODEL, "attribute 'value' has %zu bytes of raw_data",
                    t->raw_data.len);
    uint64_t bits = raw ? le_bytes(t->raw_data.data, size) : 0;
    bool is_float = type == 1 || type == 10 || type == 11 || type == 16;
    double f = 0;
    int64_t i = 0;
    bool have = raw;
    switch (type) {
    case 1: {
        float x;
        uint32_t b = (uint32_t)bits;
        if (!raw && t->n_float_data == 1) {
            memcpy(&b, &t->float_data[0], 4);
            have = true;
        }
        memcpy(&x, &b, 4);
        f = x;
        break;
    }
    case 11: {
        double x;
        if (!raw && t->n_double_data == 1) {
            memcpy(&bits, &t->double_data[0], 8);
            have = true;
        }
        memcpy(&x, &bits, 8);
        f = x;
        break;
    }
    case 10:
    case 16:
        if (!raw && t->n_int32_data == 1) {
            bits = (uint16_t)t->int32_data[0];
            have = true;
        }
        if (type == 10) {
            f = vkc_half_to_float((uint16_t)bits);
        } else {
            uint32_t b = (uint32_t)bits << 16;
            float x;
            memcpy(&x, &b, 4);
            f = x;
        }
        break;
    case 7:
        if (!raw && t->n_int64_data == 1) {
            bits = (uint64_t)t->int64_data[0];
            have = true;
        }
        i = (int64_t)bits;
        break;
    case 12:
    case 13:
        if (!raw && t->n_uint64_data == 1) {
            bits = t->uint64_data[0];
            have = true;
        }
        i = (int64_t)bits;
        break;
    default: /* small integers and bool live in int32_data */
        if (!raw && t->n_int32_data == 1) {
            bits = (uint64_t)(uint32_t)t->int32_data[0];
            have = true;
        }
        i = type == 3   ? (int8_t)bits
            : type == 5 ? (int16_t)bits
            : type == 6 ? (int32_t)bits
            : type == 9 ? bits != 0
                        : (int64_t)(bits & (size == 1   ? 0xff
                                            : size == 2 ? 0xffff
                                                        : 0xffffffff));
        break;
    }
    if (!have) return FAIL(VKCNN_ERROR_INVALID_MODEL, "attribute 'value' holds no data");
    n->attrs.fill.is_float = is_float;
    n->attrs.fill.f = (float)f;
    n->attrs.fill.i = i;
    return VKCNN_OK;
}

static vkcnn_status enum_string(const ctx *c, const char *name, const char *const *names, int count,
                                int *out) {
    vkc_graph *g = c->g;
    uint32_t ni = c->ni;
    const Attr *a;
    VKC_TRY(find(c, name, 3, &a));
    if (!a) return VKCNN_OK;
    char buf[40];
    VKC_TRY(get_string(c, name, buf, sizeof buf));
    for (int i = 0; i < count; i++)
        if (names[i] && strcmp(buf, names[i]) == 0) {
            *out = i;
            return VKCNN_OK;
        }
    return FAIL(VKCNN_ERROR_UNSUPPORTED, "attribute '%s' = '%s' is not supported", name, buf);
}

/* Resize (10, 11, 13, 18, 19) and Upsample (7, 9, 10). */
vkcnn_status vkc_decode_resize(const ctx *c, vkc_node *n) {
    vkc_graph *g = c->g;
    uint32_t ni = c->ni;
    vkc_resize_attrs *a = &n->attrs.resize;
    static const char *const modes[] = {"nearest", "linear", "cubic"};
    int v = (int)a->mode;
    VKC_TRY(enum_string(c, "mode", modes, 3, &v));
    a->mode = (vkc_resize_mode)v;
    if (n->op == VKC_OP_UPSAMPLE) {
        a->coord = VKC_COORD_ASYMMETRIC;
        a->nearest = VKC_NEAREST_FLOOR;
        if (n->opset < 9) {
            const Attr *s;
            VKC_TRY(find(c, "scales", 6, &s));
            if (!s) return FAIL(VKCNN_ERROR_INVALID_MODEL, "attribute 'scales' is required");
            if (s->n_floats > VKC_ATTR_MAX_RANK)
                return FAIL(VKCNN_ERROR_UNSUPPORTED, "attribute 'scales' has %zu values",
                            s->n_floats);
            a->scale_count = (uint32_t)s->n_floats;
            for (size_t i = 0; i < s->n_floats; i++)
                a->scales[i] = s->floats[i];
        }
    } else if (n->opset >= 11) {
        static const char *const coords[] = {
            "half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners",
            "asymmetric", "tf_half_pixel_for_nn", "tf_crop_and_resize"};
        static const char *const nearest[] = {"round_prefer_floor", "round_prefer_ceil", "floor",
                                              "ceil"};
        v = (int)a->coord;
        VKC_TRY(enum_string(c, "coordinate_transformation_mode", coords, 7, &v));
        a->coord = (vkc_resize_coord)v;
        if ((a->coord == VKC_COORD_HALF_PIXEL_SYMMETRIC && n->opset < 19) ||
            (a->coord == VKC_COORD_TF_HALF_PIXEL_FOR_NN && n->opset >= 13))
            return FAIL(VKCNN_ERROR_INVALID_MODEL,
                        "attribute 'coordinate_transformation_mode' = '%s' does not exist in "
                        "opset %d",
                        coords[v], n->opset);
        v = (int)a->nearest;
        VKC_TRY(enum_string(c, "nearest_mode", nearest, 4, &v));
        a->nearest = (vkc_nearest_mode)v;
        VKC_TRY(get_float(c, "extrapolation_value", &a->extrapolation));
    }
    if (n->op == VKC_OP_RESIZE && n->opset >= 18) {
        int64_t aa = 0;
        VKC_TRY(get_int(c, "antialias", &aa, NULL));
        a->antialias = aa != 0;
        static const char *const policies[] = {"stretch", "not_larger", "not_smaller"};
        VKC_TRY(enum_string(c, "keep_aspect_ratio_policy", policies, 3, &a->keep_aspect));
        VKC_TRY(get_ints(c, "axes", a->axes, VKC_ATTR_MAX_RANK, &a->axes_count, NULL));
    }
    if (a->mode == VKC_RESIZE_CUBIC)
        return FAIL(VKCNN_ERROR_UNSUPPORTED,
                    "attribute 'mode' = 'cubic' is not supported (nearest and linear only)");
    return VKCNN_OK;
}

/* Reduce*: keepdims; axes as an attribute before opset 18 (ReduceSum:
 * 13), from then on an input (read at inference) with noop_with_empty_axes. */
vkcnn_status vkc_decode_reduce(const ctx *c, vkc_node *n) {
    vkc_graph *g = c->g;
    uint32_t ni = c->ni;
    vkc_reduce_attrs *a = &n->attrs.reduce;
    VKC_TRY(get_bool(c, "keepdims", &a->keepdims));
    int from = n->op == VKC_OP_REDUCE_SUM ? 13 : 18;
    if (vkc_op_version(n->op, n->opset) < from)
        return get_ints(c, "axes", a->axes, VKC_ATTR_MAX_RANK, &a->count, NULL);
    const Attr *axes;
    VKC_TRY(find(c, "axes", 7, &axes));
    if (axes)
        return FAIL(VKCNN_ERROR_INVALID_MODEL,
                    "has an 'axes' attribute: %s takes its axes as an input from opset %d",
                    vkc_op_name(n->op), from);
    return get_bool(c, "noop_with_empty_axes", &a->noop_with_empty_axes);
}

/* stash_type (LayerNormalization, GroupNormalization-21): the type of the
 * statistics; vkcnn computes them in float32 whatever a float type asks. */
static vkcnn_status stash_type(const ctx *c) {
    vkc_graph *g = c->g;
    uint32_t ni = c->ni;
    int64_t t = 1;
    VKC_TRY(get_int(c, "stash_type", &t, NULL));
    if (t != 1 && t != 10 && t != 11 && t != 16)
        return FAIL(VKCNN_ERROR_INVALID_MODEL,
                    "attribute 'stash_type' = %" PRId64 " is not a floating-point type", t);
    return VKCNN_OK;
}

/* LayerNormalization, InstanceNormalization, GroupNormalization,
 * LpNormalization. */
vkcnn_status vkc_decode_norm(const ctx *c, vkc_node *n) {
    vkc_graph *g = c->g;
    uint32_t ni = c->ni;
    vkc_norm_attrs *a = &n->attrs.norm;
    if (n->op == VKC_OP_LP_NORM) {
        VKC_TRY(get_int(c, "axis", &a->axis, NULL));
        VKC_TRY(get_int(c, "p", &a->p, NULL));
        if (a->p != 1 && a->p != 2)
            return FAIL(VKCNN_ERROR_INVALID_MODEL, "attribute 'p' = %" PRId64 " (1 or 2 expected)",
                        a->p);
        return VKCNN_OK;
    }
    VKC_TRY(get_float(c, "epsilon", &a->epsilon));
    if (a->epsilon < 0) return FAIL(VKCNN_ERROR_INVALID_MODEL, "attribute 'epsilon' is negative");
    if (n->op == VKC_OP_GROUP_NORM) {
        bool present;
        VKC_TRY(get_int(c, "num_groups", &a->groups, &present));
        if (!present) return FAIL(VKCNN_ERROR_INVALID_MODEL, "attribute 'num_groups' is required");
        a->per_group = vkc_op_version(n->op, n->opset) < 21;
        if (!a->per_group) VKC_TRY(stash_type(c));
    }
    if (n->op != VKC_OP_LAYER_NORM) return VKCNN_OK;
    VKC_TRY(get_int(c, "axis", &a->axis, NULL));
    VKC_TRY(stash_type(c));
    /* The importer made one node per output (attrs.norm.output): a Mean or
     * InvStdDev nothing reads is not computed. */
    if (a->output > 0 && n->output_count == 1 && n->outputs[0] != VKC_NONE) {
        vkc_tensor *t = &g->tensors[n->outputs[0]];
        if (!t->graph_output && !t->consumer_count) {
            t->producer = VKC_NONE;
            n->dead = true;
        }
    }
    return VKCNN_OK;
}

/* Gelu: approximate "none" (the erf form) or "tanh", as the function's
 * first parameter (0 or 1). */
vkcnn_status vkc_decode_gelu(const ctx *c, vkc_node *n) {
    vkc_graph *g = c->g;
    uint32_t ni = c->ni;
    char mode[16] = "none";
    VKC_TRY(get_string(c, "approximate", mode, sizeof mode));
    if (strcmp(mode, "none") != 0 && strcmp(mode, "tanh") != 0)
        return FAIL(VKCNN_ERROR_INVALID_MODEL,
                    "attribute 'approximate' = '%s' (\"none\" or \"tanh\" expected)", mode);
    n->attrs.elt.alpha = strcmp(mode, "tanh") == 0 ? 1.0f : 0.0f;
    return VKCNN_OK;
}

vkcnn_status vkc_onnx_decode_attrs(vkc_graph *g, uint32_t ni, const VkcnnOnnx__NodeProto *np) {
    ctx c = {g, ni, np};
    vkc_node *n = &g->nodes[ni];
    vkc_decode_fn decode = vkc_op_get(n->op)->decode;
    return decode ? decode(&c, n) : VKCNN_OK;
}
