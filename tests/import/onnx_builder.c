#include "onnx_builder.h"

#include <stdlib.h>
#include <string.h>

static void **blocks;
static size_t block_count;
static VkcnnOnnx__ModelProto model;
static VkcnnOnnx__GraphProto graph;

void *ob_alloc(size_t size) {
    void *p = calloc(1, size ? size : 1);
    blocks = realloc(blocks, (block_count + 1) * sizeof *blocks);
    if (!p || !blocks) abort();
    blocks[block_count++] = p;
    return p;
}

void ob_free(void) {
    for (size_t i = 0; i < block_count; i++)
        free(blocks[i]);
    free(blocks);
    blocks = NULL;
    block_count = 0;
}

static char *dup(const char *s) {
    char *d = ob_alloc(strlen(s) + 1);
    strcpy(d, s);
    return d;
}

/* Appends p to a protobuf-c repeated field (array + count). */
#define APPEND(arr, n, p)                                                                          \
    do {                                                                                           \
        void *grown_ = ob_alloc(((n) + 1) * sizeof *(arr));                                        \
        if (n) memcpy(grown_, (arr), (n) * sizeof *(arr));                                         \
        (arr) = grown_;                                                                            \
        (arr)[(n)++] = (p);                                                                        \
    } while (0)

void ob_begin(int64_t opset) {
    vkcnn_onnx__model_proto__init(&model);
    vkcnn_onnx__graph_proto__init(&graph);
    model.graph = &graph;
    model.has_ir_version = 1;
    model.ir_version = 8;
    model.producer_name = dup("onnx_builder");
    VkcnnOnnx__OperatorSetIdProto *o = ob_alloc(sizeof *o);
    vkcnn_onnx__operator_set_id_proto__init(o);
    o->domain = dup("");
    o->has_version = 1;
    o->version = opset;
    APPEND(model.opset_import, model.n_opset_import, o);
}

VkcnnOnnx__ModelProto *ob_model(void) {
    return &model;
}

static VkcnnOnnx__ValueInfoProto *value_info(const char *name, int elem, size_t rank,
                                             const int64_t *dims) {
    VkcnnOnnx__ValueInfoProto *v = ob_alloc(sizeof *v);
    vkcnn_onnx__value_info_proto__init(v);
    v->name = dup(name);
    VkcnnOnnx__TypeProto *t = ob_alloc(sizeof *t);
    vkcnn_onnx__type_proto__init(t);
    VkcnnOnnx__TypeProto__Tensor *tt = ob_alloc(sizeof *tt);
    vkcnn_onnx__type_proto__tensor__init(tt);
    tt->has_elem_type = 1;
    tt->elem_type = elem;
    VkcnnOnnx__TensorShapeProto *s = ob_alloc(sizeof *s);
    vkcnn_onnx__tensor_shape_proto__init(s);
    for (size_t i = 0; i < rank; i++) {
        VkcnnOnnx__TensorShapeProto__Dimension *d = ob_alloc(sizeof *d);
        vkcnn_onnx__tensor_shape_proto__dimension__init(d);
        if (dims[i] == SYM) {
            d->value_case = VKCNN_ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
            d->dim_param = dup("N");
        } else {
            d->value_case = VKCNN_ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
            d->dim_value = dims[i];
        }
        APPEND(s->dim, s->n_dim, d);
    }
    tt->shape = s;
    t->value_case = VKCNN_ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    t->tensor_type = tt;
    v->type = t;
    return v;
}

void ob_input(const char *name, int elem, size_t rank, const int64_t *dims) {
    VkcnnOnnx__ValueInfoProto *v = value_info(name, elem, rank, dims);
    APPEND(graph.input, graph.n_input, v);
}

void ob_output(const char *name, int elem, size_t rank, const int64_t *dims) {
    VkcnnOnnx__ValueInfoProto *v = value_info(name, elem, rank, dims);
    APPEND(graph.output, graph.n_output, v);
}

static VkcnnOnnx__TensorProto *tensor(const char *name, int type, size_t rank,
                                      const int64_t *dims) {
    VkcnnOnnx__TensorProto *t = ob_alloc(sizeof *t);
    vkcnn_onnx__tensor_proto__init(t);
    t->name = dup(name);
    t->has_data_type = 1;
    t->data_type = type;
    t->n_dims = rank;
    t->dims = ob_alloc(rank * sizeof *t->dims);
    if (rank) memcpy(t->dims, dims, rank * sizeof *dims);
    return t;
}

static size_t count_of(size_t rank, const int64_t *dims) {
    size_t n = 1;
    for (size_t i = 0; i < rank; i++)
        n *= (size_t)dims[i];
    return n;
}

static uint16_t to_half(float f) { /* normal numbers and zero only */
    uint32_t b;
    memcpy(&b, &f, 4);
    uint32_t sign = (b >> 16) & 0x8000, exp = (b >> 23) & 0xff, mant = b & 0x7fffff;
    if (exp == 0) return (uint16_t)sign;
    return (uint16_t)(sign | ((exp - 112) << 10) | (mant >> 13));
}

VkcnnOnnx__TensorProto *ob_tensor(const char *name, int type, int form, size_t rank,
                                  const int64_t *dims, const float *values) {
    VkcnnOnnx__TensorProto *t = tensor(name, type, rank, dims);
    size_t n = count_of(rank, dims);
    if (form == OB_RAW) {
        size_t es = type == OB_FLOAT16 ? 2 : type == OB_DOUBLE ? 8 : 4;
        uint8_t *raw = ob_alloc(n * es);
        for (size_t i = 0; i < n; i++) {
            if (type == OB_FLOAT16) {
                uint16_t h = to_half(values[i]);
                memcpy(raw + 2 * i, &h, 2);
            } else if (type == OB_DOUBLE) {
                double d = values[i];
                memcpy(raw + 8 * i, &d, 8);
            } else {
                memcpy(raw + 4 * i, &values[i], 4);
            }
        }
        t->has_raw_data = 1;
        t->raw_data.data = raw;
        t->raw_data.len = n * es;
    } else if (type == OB_FLOAT16) {
        t->int32_data = ob_alloc(n * sizeof(int32_t));
        for (size_t i = 0; i < n; i++)
            t->int32_data[i] = to_half(values[i]);
        t->n_int32_data = n;
    } else if (type == OB_DOUBLE) {
        t->double_data = ob_alloc(n * sizeof(double));
        for (size_t i = 0; i < n; i++)
            t->double_data[i] = values[i];
        t->n_double_data = n;
    } else {
        t->float_data = ob_alloc(n * sizeof(float));
        memcpy(t->float_data, values, n * sizeof(float));
        t->n_float_data = n;
    }
    return t;
}

VkcnnOnnx__TensorProto *ob_tensor_i64(const char *name, int form, size_t rank, const int64_t *dims,
                                      const int64_t *values) {
    VkcnnOnnx__TensorProto *t = tensor(name, OB_INT64, rank, dims);
    size_t n = count_of(rank, dims);
    if (form == OB_RAW) {
        t->has_raw_data = 1;
        t->raw_data.data = ob_alloc(n * 8);
        memcpy(t->raw_data.data, values, n * 8);
        t->raw_data.len = n * 8;
    } else {
        t->int64_data = ob_alloc(n * 8);
        memcpy(t->int64_data, values, n * 8);
        t->n_int64_data = n;
    }
    return t;
}

void ob_initializer(VkcnnOnnx__TensorProto *t) {
    APPEND(graph.initializer, graph.n_initializer, t);
}

static void split(const char *list, char ***out, size_t *count) {
    *out = NULL;
    *count = 0;
    if (!*list) return;
    const char *p = list;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char *s = ob_alloc(len + 1);
        memcpy(s, p, len);
        APPEND(*out, *count, s);
        if (!e) break;
        p = e + 1;
    }
}

VkcnnOnnx__NodeProto *ob_node(const char *op, const char *inputs, const char *outputs) {
    VkcnnOnnx__NodeProto *n = ob_alloc(sizeof *n);
    vkcnn_onnx__node_proto__init(n);
    n->op_type = dup(op);
    split(inputs, &n->input, &n->n_input);
    split(outputs, &n->output, &n->n_output);
    APPEND(graph.node, graph.n_node, n);
    return n;
}

static VkcnnOnnx__AttributeProto *attr(VkcnnOnnx__NodeProto *n, const char *name, int type) {
    VkcnnOnnx__AttributeProto *a = ob_alloc(sizeof *a);
    vkcnn_onnx__attribute_proto__init(a);
    a->name = dup(name);
    a->has_type = 1;
    a->type = type;
    APPEND(n->attribute, n->n_attribute, a);
    return a;
}

void ob_attr_i(VkcnnOnnx__NodeProto *n, const char *name, int64_t v) {
    VkcnnOnnx__AttributeProto *a = attr(n, name, 2);
    a->has_i = 1;
    a->i = v;
}

void ob_attr_f(VkcnnOnnx__NodeProto *n, const char *name, float v) {
    VkcnnOnnx__AttributeProto *a = attr(n, name, 1);
    a->has_f = 1;
    a->f = v;
}

void ob_attr_s(VkcnnOnnx__NodeProto *n, const char *name, const char *v) {
    VkcnnOnnx__AttributeProto *a = attr(n, name, 3);
    a->has_s = 1;
    a->s.data = (uint8_t *)dup(v);
    a->s.len = strlen(v);
}

void ob_attr_ints(VkcnnOnnx__NodeProto *n, const char *name, size_t count, const int64_t *v) {
    VkcnnOnnx__AttributeProto *a = attr(n, name, 7);
    a->ints = ob_alloc(count * sizeof *v);
    if (count) memcpy(a->ints, v, count * sizeof *v);
    a->n_ints = count;
}

void ob_attr_t(VkcnnOnnx__NodeProto *n, const char *name, VkcnnOnnx__TensorProto *t) {
    VkcnnOnnx__AttributeProto *a = attr(n, name, 4);
    a->t = t;
}

VkcnnOnnx__GraphProto *ob_take_graph(size_t count, const char *outputs) {
    VkcnnOnnx__GraphProto *g = ob_alloc(sizeof *g);
    vkcnn_onnx__graph_proto__init(g);
    if (count > graph.n_node) count = graph.n_node;
    g->node = ob_alloc(count * sizeof *g->node);
    memcpy(g->node, graph.node + graph.n_node - count, count * sizeof *g->node);
    g->n_node = count;
    graph.n_node -= count;
    char **names;
    size_t n;
    split(outputs, &names, &n);
    for (size_t i = 0; i < n; i++) {
        VkcnnOnnx__ValueInfoProto *v = ob_alloc(sizeof *v);
        vkcnn_onnx__value_info_proto__init(v);
        v->name = names[i];
        APPEND(g->output, g->n_output, v);
    }
    return g;
}

void ob_attr_graph(VkcnnOnnx__NodeProto *n, const char *name, VkcnnOnnx__GraphProto *g) {
    VkcnnOnnx__AttributeProto *a = attr(n, name, 5);
    a->has_g = 1;
    a->g.len = vkcnn_onnx__graph_proto__get_packed_size(g);
    a->g.data = ob_alloc(a->g.len);
    vkcnn_onnx__graph_proto__pack(g, a->g.data);
}

uint8_t *ob_pack(size_t *size) {
    *size = vkcnn_onnx__model_proto__get_packed_size(&model);
    uint8_t *buf = ob_alloc(*size);
    vkcnn_onnx__model_proto__pack(&model, buf);
    return buf;
}
