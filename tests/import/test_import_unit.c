/* Unit tests of the ONNX importer and graph IR, on models built in memory:
 * every initializer form, the opset variants of the supported operators,
 * shape-arithmetic folding, batch binding, and each class of error (each
 * must name its fault). argv[1]: a corpus folder whose files must all load
 * or fail cleanly (fuzzer regression inputs). No GPU needed. */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "graph/graph.h"
#include "graph/network.h"
#include "onnx_builder.h"
#include "vkcnn.h"

static int failures, checks;

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        checks++;                                                                                  \
        if (!(c)) {                                                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c);                  \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static vkcnn_network *net;
static vkcnn_network_options opts;

/* Packs the model being built and loads it; returns the status. */
static vkcnn_status load(void) {
    size_t size;
    uint8_t *buf = ob_pack(&size);
    vkcnn_network_destroy(net);
    net = NULL;
    return vkcnn_network_load_memory(buf, size, &opts, &net);
}

/* Loads and expects `want`, with `needle` in the error message. */
static void expect_at(int line, vkcnn_status want, const char *needle) {
    vkcnn_status st = load();
    checks++;
    if (st != want || (needle && !strstr(vkcnn_last_error(), needle))) {
        fprintf(stderr, "%s:%d: got %s (%s), expected %s with \"%s\"\n", __FILE__, line,
                vkcnn_status_string(st), vkcnn_last_error(), vkcnn_status_string(want),
                needle ? needle : "");
        failures++;
    }
    ob_free();
}
#define EXPECT(want, needle) expect_at(__LINE__, want, needle)

/* Output 0's shape after a successful load. */
static int out_is(size_t rank, const int64_t *dims) {
    vkcnn_tensor_info t;
    if (!net || vkcnn_network_output(net, 0, &t) != VKCNN_OK || t.rank != rank) return 0;
    return memcmp(t.shape, dims, rank * sizeof *dims) == 0;
}
#define OUT_IS(...) out_is(DIMS(__VA_ARGS__))

static const float w9[36] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9,
                             1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9};

/* A 1x2x5x5 -> Conv(2->2, 3x3 with `pads`) -> y model, weights in the form asked. */
static void conv_model(int type, int form) {
    ob_begin(13);
    ob_input("x", OB_FLOAT, DIMS(1, 2, 5, 5));
    ob_output("y", OB_FLOAT, DIMS(1, 2, 5, 5));
    ob_initializer(ob_tensor("w", type, form, DIMS(2, 2, 3, 3), w9));
    VkcnnOnnx__NodeProto *n = ob_node("Conv", "x,w", "y");
    ob_attr_ints(n, "pads", DIMS(1, 1, 1, 1));
}

static const vkc_graph *graph_of(void);

static void test_initializer_forms(void) {
    int forms[][2] = {{OB_FLOAT, OB_RAW},     {OB_FLOAT, OB_TYPED}, {OB_FLOAT16, OB_RAW},
                      {OB_FLOAT16, OB_TYPED}, {OB_DOUBLE, OB_RAW},  {OB_DOUBLE, OB_TYPED}};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        conv_model(forms[i][0], forms[i][1]);
        CHECK(load() == VKCNN_OK);
        CHECK(OUT_IS(1, 2, 5, 5));
        const vkc_graph *g = graph_of();
        uint32_t t = g ? vkc_graph_find(g, "w") : VKC_NONE;
        CHECK(t != VKC_NONE && g->tensors[t].dtype == VKC_DTYPE_FLOAT32);
        CHECK(t != VKC_NONE && fabsf(((const float *)g->tensors[t].data)[8] - 9.0f) < 1e-3f);
        vkcnn_network_info info;
        CHECK(vkcnn_network_get_info(net, &info) == VKCNN_OK && info.params == 36);
        CHECK(info.macs == 2 * 25 * 18);
        ob_free();
    }
}

static void test_external_data(void) {
    char dir[] = "/tmp/vkcnn_ext_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/weights.bin", dir);
    FILE *f = fopen(path, "wb");
    float pad[3] = {0};
    fwrite(pad, 4, 3, f); /* offset 12 */
    fwrite(w9, 4, 36, f);
    fclose(f);
    const char *cases[][3] = {{"weights.bin", "12", "144"},    {"/etc/passwd", "0", "144"},
                              {"../weights.bin", "12", "144"}, {"weights.bin", "12", "140"},
                              {"weights.bin", "100", "144"},   {"link.bin", "0", "144"},
                              {"weights.bin", "x", "144"}};
    snprintf(path, sizeof path, "%s/link.bin", dir);
    CHECK(symlink("/etc/hostname", path) == 0);
    vkcnn_status want[] = {VKCNN_OK,
                           VKCNN_ERROR_INVALID_MODEL,
                           VKCNN_ERROR_INVALID_MODEL,
                           VKCNN_ERROR_INVALID_MODEL,
                           VKCNN_ERROR_INVALID_MODEL,
                           VKCNN_ERROR_INVALID_MODEL,
                           VKCNN_ERROR_INVALID_MODEL};
    const char *needle[] = {NULL,      "relative",    "escapes", "does not hold", "does not hold",
                            "outside", "not a number"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        conv_model(OB_FLOAT, OB_RAW);
        VkcnnOnnx__TensorProto *t = ob_model()->graph->initializer[0];
        t->has_raw_data = 0;
        t->has_data_location = 1;
        t->data_location = VKCNN_ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
        static const char *keys[] = {"location", "offset", "length"};
        t->external_data = ob_alloc(3 * sizeof *t->external_data);
        for (int k = 0; k < 3; k++) {
            VkcnnOnnx__StringStringEntryProto *e = ob_alloc(sizeof *e);
            vkcnn_onnx__string_string_entry_proto__init(e);
            e->key = (char *)keys[k];
            e->value = (char *)cases[i][k];
            t->external_data[k] = e;
        }
        t->n_external_data = 3;
        opts.base_dir = dir;
        EXPECT(want[i], needle[i]);
        if (i == 0) { /* from memory without a base dir: refused */
            conv_model(OB_FLOAT, OB_RAW);
            t = ob_model()->graph->initializer[0];
            t->has_raw_data = 0;
            t->has_data_location = 1;
            t->data_location = VKCNN_ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
            VkcnnOnnx__StringStringEntryProto *e = ob_alloc(sizeof *e);
            vkcnn_onnx__string_string_entry_proto__init(e);
            e->key = "location";
            e->value = "weights.bin";
            t->external_data = ob_alloc(sizeof *t->external_data);
            t->external_data[0] = e;
            t->n_external_data = 1;
            opts.base_dir = NULL;
            EXPECT(VKCNN_ERROR_INVALID_ARGUMENT, "base directory");
        }
    }
    opts.base_dir = NULL;
    unlink(path);
    snprintf(path, sizeof path, "%s/weights.bin", dir);
    unlink(path);
    rmdir(dir);
}

/* A float32 raw_data initializer of at least the decoder's large-block size
 * (8 MiB) becomes the tensor without a copy: the values must come through
 * unchanged, loaded from memory and from a (mapped) file, and the
 * max_total_bytes check must still refuse it, leaking nothing. */
static void test_large_initializer(void) {
    enum { K = 3072, N = 1024 }; /* 12 MiB */
    float *w = malloc(sizeof *w * K * N);
    CHECK(w != NULL);
    if (!w) return;
    for (size_t i = 0; i < (size_t)K * N; i++)
        w[i] = (float)(i % 1009) * 0.25f - 100.0f;
    char path[] = "/tmp/vkcnn_large_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    for (int round = 0; round < 3; round++) {
        ob_begin(13);
        ob_input("x", OB_FLOAT, DIMS(1, K));
        ob_output("y", OB_FLOAT, DIMS(1, N));
        ob_initializer(ob_tensor("w", OB_FLOAT, OB_RAW, DIMS(K, N), w));
        ob_node("MatMul", "x,w", "y");
        if (round == 0) {
            CHECK(load() == VKCNN_OK);
        } else if (round == 1) {
            size_t size;
            uint8_t *buf = ob_pack(&size);
            CHECK(fd >= 0 && write(fd, buf, size) == (ssize_t)size);
            vkcnn_network_destroy(net);
            net = NULL;
            CHECK(vkcnn_network_load_file(path, &opts, &net) == VKCNN_OK);
        } else {
            opts.max_total_bytes = 20u << 20; /* decoding fits; the float32 copy's check does not */
            EXPECT(VKCNN_ERROR_LIMIT, "max_total_bytes");
            opts.max_total_bytes = 0;
            continue;
        }
        const vkc_graph *g = graph_of();
        uint32_t t = g ? vkc_graph_find(g, "w") : VKC_NONE;
        CHECK(t != VKC_NONE && g->tensors[t].elements == (uint64_t)K * N);
        CHECK(t != VKC_NONE && memcmp(g->tensors[t].data, w, sizeof *w * K * N) == 0);
        CHECK(OUT_IS(1, N));
        ob_free();
    }
    if (fd >= 0) close(fd);
    unlink(path);
    free(w);
}

/* Conv -> Flatten via Shape/Gather/Unsqueeze/Concat/Reshape, symbolic batch. */
static void test_shape_folding_and_batch(void) {
    for (int batch = 0; batch <= 4; batch += 4) {
        ob_begin(11);
        ob_input("x", OB_FLOAT, DIMS(SYM, 2, 3, 3));
        ob_output("y", OB_FLOAT, DIMS(SYM, 18));
        ob_initializer(ob_tensor_i64("m1", OB_TYPED, DIMS(1), (int64_t[]){-1}));
        ob_node("Shape", "x", "s");
        VkcnnOnnx__NodeProto *c = ob_node("Constant", "", "zero");
        ob_attr_t(c, "value", ob_tensor_i64("z", OB_RAW, 0, NULL, (int64_t[]){0}));
        ob_attr_i(ob_node("Gather", "s,zero", "n"), "axis", 0);
        ob_attr_ints(ob_node("Unsqueeze", "n", "n1"), "axes", DIMS(0));
        ob_attr_i(ob_node("Concat", "n1,m1", "shape"), "axis", 0);
        ob_node("Reshape", "x,shape", "y");
        opts.batch = (uint32_t)batch;
        CHECK(load() == VKCNN_OK);
        int64_t b = batch ? batch : 1;
        CHECK(OUT_IS(b, 18));
        vkcnn_network_info info;
        vkcnn_network_get_info(net, &info);
        CHECK(info.node_count == 1 && info.folded_count == 5 && info.batch == b);
        CHECK(info.params == 1);
        vkcnn_node_info n;
        CHECK(vkcnn_network_node(net, 0, &n) == VKCNN_OK && strcmp(n.op, "Reshape") == 0 &&
              n.input_count == 1);
        ob_free();
    }
    opts.batch = 3; /* a static batch refuses another */
    conv_model(OB_FLOAT, OB_RAW);
    EXPECT(VKCNN_ERROR_UNSUPPORTED, "static batch");
    opts.batch = 0;
}

static void unary_model(int opset, const char *op, size_t rank, const int64_t *dims) {
    ob_begin(opset);
    ob_input("x", OB_FLOAT, rank, dims);
    ob_output("y", OB_FLOAT, 0, NULL);
    ob_model()->graph->output[0]->type->tensor_type->shape = NULL;
    (void)op;
}

static void test_opset_variants(void) {
    /* BatchNormalization: opset 6 is_test, 9+ no attributes, 14 training_mode */
    for (int v = 0; v < 4; v++) {
        int opset = v == 0 || v == 1 ? 6 : v == 2 ? 9 : 14;
        unary_model(opset, "BatchNormalization", DIMS(1, 3, 4, 4));
        float one[3] = {1, 1, 1};
        const char *p[] = {"s", "b", "m", "var"};
        for (int i = 0; i < 4; i++)
            ob_initializer(ob_tensor(p[i], OB_FLOAT, OB_RAW, DIMS(3), one));
        VkcnnOnnx__NodeProto *n = ob_node("BatchNormalization", "x,s,b,m,var", "y");
        if (v == 0) ob_attr_i(n, "is_test", 1);
        if (v == 3) ob_attr_i(n, "training_mode", 1);
        EXPECT(v == 1 || v == 3 ? VKCNN_ERROR_UNSUPPORTED : VKCNN_OK,
               v == 1 || v == 3 ? "training" : NULL);
    }
    /* Reshape: attribute (opset 1) and input (5), allowzero (14) */
    unary_model(1, "", DIMS(2, 3, 4));
    ob_attr_ints(ob_node("Reshape", "x", "y"), "shape", DIMS(0, -1));
    CHECK(load() == VKCNN_OK && OUT_IS(2, 12));
    ob_free();
    unary_model(14, "", DIMS(2, 3, 4));
    ob_initializer(ob_tensor_i64("s", OB_RAW, DIMS(3), (int64_t[]){4, 0, 2}));
    ob_attr_i(ob_node("Reshape", "x,s", "y"), "allowzero", 0);
    CHECK(load() == VKCNN_OK && OUT_IS(4, 3, 2)); /* 0 copies X's dim 1 */
    ob_free();
    unary_model(14, "", DIMS(2, 3, 4));
    ob_initializer(ob_tensor_i64("s", OB_RAW, DIMS(3), (int64_t[]){4, 0, 6}));
    ob_node("Reshape", "x,s", "y");
    EXPECT(VKCNN_ERROR_INVALID_MODEL, "Reshape");
    /* Pad: attribute (2), input (11), reflect/edge modes */
    unary_model(2, "", DIMS(1, 1, 4, 4));
    VkcnnOnnx__NodeProto *n = ob_node("Pad", "x", "y");
    ob_attr_ints(n, "pads", DIMS(0, 0, 1, 2, 0, 0, 1, 2));
    ob_attr_s(n, "mode", "reflect");
    CHECK(load() == VKCNN_OK && OUT_IS(1, 1, 6, 8));
    ob_free();
    unary_model(11, "", DIMS(1, 1, 4, 4));
    ob_initializer(ob_tensor_i64("p", OB_TYPED, DIMS(8), (int64_t[]){0, 0, 1, 2, 0, 0, 1, 2}));
    ob_attr_s(ob_node("Pad", "x,p", "y"), "mode", "edge");
    CHECK(load() == VKCNN_OK && OUT_IS(1, 1, 6, 8));
    ob_free();
    unary_model(11, "", DIMS(1, 1, 4, 4));
    ob_initializer(ob_tensor_i64("p", OB_TYPED, DIMS(8), (int64_t[]){0, 0, 1, 2, 0, 0, 1, 2}));
    ob_attr_s(ob_node("Pad", "x,p", "y"), "mode", "wrap");
    EXPECT(VKCNN_ERROR_UNSUPPORTED, "'mode'");
    /* Dropout: opset 6 is_test, 12 ratio input + constant training_mode false */
    unary_model(6, "", DIMS(2, 3));
    ob_attr_i(ob_node("Dropout", "x", "y"), "is_test", 1);
    CHECK(load() == VKCNN_OK && OUT_IS(2, 3));
    ob_free();
    unary_model(12, "", DIMS(2, 3));
    ob_initializer(ob_tensor("r", OB_FLOAT, OB_RAW, 0, NULL, (float[]){0.5f}));
    ob_node("Dropout", "x,r", "y,mask");
    CHECK(load() == VKCNN_OK && OUT_IS(2, 3));
    ob_free();
    /* Softmax: opset 11 coerces to 2-D with axis 1, opset 13 default axis -1 */
    for (int opset = 11; opset <= 13; opset += 2) {
        unary_model(opset, "", DIMS(2, 3, 4));
        ob_node("Softmax", "x", "y");
        CHECK(load() == VKCNN_OK);
        const vkc_graph *g = graph_of();
        CHECK(g && g->nodes[0].attrs.softmax.coerce_2d == (opset < 13));
        CHECK(g && g->nodes[0].attrs.softmax.axis == (opset < 13 ? 1 : 2));
        ob_free();
    }
    /* Clip: attributes (6), constant inputs (11), runtime min refused */
    unary_model(6, "", DIMS(4));
    n = ob_node("Clip", "x", "y");
    ob_attr_f(n, "min", 0.0f);
    ob_attr_f(n, "max", 6.0f);
    CHECK(load() == VKCNN_OK && graph_of()->nodes[0].attrs.clip.max == 6.0f);
    ob_free();
    unary_model(11, "", DIMS(4));
    ob_initializer(ob_tensor("hi", OB_FLOAT, OB_TYPED, 0, NULL, (float[]){6.0f}));
    ob_node("Clip", "x,,hi", "y");
    CHECK(load() == VKCNN_OK && graph_of()->nodes[0].attrs.clip.max == 6.0f &&
          graph_of()->nodes[0].attrs.clip.min == -INFINITY);
    ob_free();
    unary_model(11, "", DIMS(4));
    ob_input("lo", OB_FLOAT, 0, NULL);
    ob_node("Clip", "x,lo", "y");
    EXPECT(VKCNN_ERROR_UNSUPPORTED, "data-dependent");
    /* Squeeze/Unsqueeze: attribute (11) and input (13) */
    unary_model(11, "", DIMS(1, 3, 1));
    ob_attr_ints(ob_node("Squeeze", "x", "y"), "axes", DIMS(-1));
    CHECK(load() == VKCNN_OK && OUT_IS(1, 3));
    ob_free();
    unary_model(13, "", DIMS(3));
    ob_initializer(ob_tensor_i64("a", OB_RAW, DIMS(2), (int64_t[]){0, -1}));
    ob_node("Unsqueeze", "x,a", "y");
    CHECK(load() == VKCNN_OK && OUT_IS(1, 3, 1));
    ob_free();
    /* legacy broadcasting (opset 6) with axis, on a constant B */
    unary_model(6, "", DIMS(2, 3, 4));
    ob_initializer(ob_tensor("b", OB_FLOAT, OB_RAW, DIMS(3), w9));
    n = ob_node("Add", "x,b", "y");
    ob_attr_i(n, "broadcast", 1);
    ob_attr_i(n, "axis", 1);
    CHECK(load() == VKCNN_OK && OUT_IS(2, 3, 4));
    ob_free();
    /* Cast-1's string type, MaxPool ceil_mode, AveragePool auto_pad */
    unary_model(1, "", DIMS(4));
    ob_attr_s(ob_node("Cast", "x", "y"), "to", "FLOAT");
    CHECK(load() == VKCNN_OK && OUT_IS(4));
    ob_free();
    unary_model(12, "", DIMS(1, 1, 4, 4));
    n = ob_node("MaxPool", "x", "y");
    ob_attr_ints(n, "kernel_shape", DIMS(3, 3));
    ob_attr_ints(n, "strides", DIMS(2, 2));
    ob_attr_i(n, "ceil_mode", 1);
    CHECK(load() == VKCNN_OK && OUT_IS(1, 1, 2, 2));
    ob_free();
    unary_model(11, "", DIMS(1, 1, 5, 5));
    n = ob_node("AveragePool", "x", "y");
    ob_attr_ints(n, "kernel_shape", DIMS(2, 2));
    ob_attr_ints(n, "strides", DIMS(2, 2));
    ob_attr_s(n, "auto_pad", "SAME_UPPER");
    CHECK(load() == VKCNN_OK && OUT_IS(1, 1, 3, 3) &&
          graph_of()->nodes[0].attrs.window.pads[VKC_MAX_SPATIAL] == 1);
    ob_free();
    /* Slice as attributes (opset 1) on a constant shape */
    unary_model(1, "", DIMS(2, 6));
    ob_node("Shape", "x", "s");
    n = ob_node("Slice", "s", "s1");
    ob_attr_ints(n, "starts", DIMS(1));
    ob_attr_ints(n, "ends", DIMS(2));
    ob_attr_ints(ob_node("Reshape", "x", "y"), "shape", DIMS(3, 4));
    CHECK(load() == VKCNN_OK && OUT_IS(3, 4));
    ob_free();
}

static void test_errors(void) {
    conv_model(OB_FLOAT, OB_RAW);
    size_t size;
    uint8_t *buf = ob_pack(&size);
    for (size_t cut = 1; cut < size; cut += 7) { /* truncated files */
        vkcnn_network *n = NULL;
        vkcnn_status st = vkcnn_network_load_memory(buf, cut, NULL, &n);
        CHECK(st != VKCNN_OK && n == NULL && vkcnn_last_error()[0]);
    }
    vkcnn_network_destroy(net);
    net = NULL;
    uint8_t wire[] = {0x3a, 0x02, 0x08, 0x05, 0x0a, 0x03}; /* graph: wrong wire type + truncated */
    CHECK(vkcnn_network_load_memory(wire, sizeof wire, NULL, &net) == VKCNN_ERROR_INVALID_MODEL);
    ob_free();

    conv_model(OB_FLOAT, OB_RAW);
    ob_model()->graph->initializer[0]->dims[1] = -2;
    EXPECT(VKCNN_ERROR_INVALID_MODEL, "negative");
    conv_model(OB_FLOAT, OB_RAW);
    ob_model()->graph->initializer[0]->dims[1] = (int64_t)1 << 40;
    ob_model()->graph->initializer[0]->dims[2] = (int64_t)1 << 40;
    EXPECT(VKCNN_ERROR_LIMIT, "'w'");
    conv_model(OB_FLOAT, OB_RAW);
    ob_model()->graph->initializer[0]->raw_data.len -= 4;
    EXPECT(VKCNN_ERROR_INVALID_MODEL, "raw_data");
    conv_model(OB_FLOAT, OB_TYPED);
    ob_model()->graph->initializer[0]->n_float_data = 5;
    EXPECT(VKCNN_ERROR_INVALID_MODEL, "float_data");
    conv_model(OB_FLOAT, OB_RAW);
    ob_attr_ints(ob_model()->graph->node[0], "strides", DIMS((int64_t)1 << 40, 1));
    EXPECT(VKCNN_ERROR_INVALID_MODEL, "'strides'");
    conv_model(OB_FLOAT, OB_RAW);
    ob_attr_i(ob_model()->graph->node[0], "group", 0);
    EXPECT(VKCNN_ERROR_INVALID_MODEL, "'group'");
    conv_model(OB_FLOAT, OB_RAW);
    ob_attr_f(ob_model()->graph->node[0], "group", 1.0f);
    EXPECT(VKCNN_ERROR_INVALID_MODEL, "type FLOAT");
    conv_model(OB_FLOAT, OB_RAW);
    ob_model()->graph->node[0]->input[1] = "nowhere";
    EXPECT(VKCNN_ERROR_INVALID_MODEL, "'nowhere'");
    conv_model(OB_FLOAT, OB_RAW); /* duplicate producer */
    ob_node("Relu", "x", "y");
    EXPECT(VKCNN_ERROR_INVALID_MODEL, "'y'");
    conv_model(OB_FLOAT, OB_RAW); /* duplicate initializer */
    ob_initializer(ob_tensor("w", OB_FLOAT, OB_RAW, DIMS(1), w9));
    EXPECT(VKCNN_ERROR_INVALID_MODEL, "duplicate");
    unary_model(13, "", DIMS(4)); /* cycle */
    ob_node("Relu", "b", "a");
    ob_node("Relu", "a", "b");
    ob_node("Relu", "x", "y");
    EXPECT(VKCNN_ERROR_INVALID_MODEL, "cycle");
    unary_model(13, "", DIMS(4)); /* all unsupported operators at once */
    ob_node("Foo", "x", "a");
    ob_node("Bar", "a", "b");
    ob_node("Foo", "b", "y");
    EXPECT(VKCNN_ERROR_UNSUPPORTED, "unsupported operators (3 nodes): #0 (Foo, opset 13), "
                                    "#1 (Bar, opset 13), #2 (Foo, opset 13)");
    unary_model(23, "", DIMS(4));
    ob_node("Relu", "x", "y");
    EXPECT(VKCNN_ERROR_UNSUPPORTED, "opset 23");
    unary_model(13, "", DIMS(2, SYM)); /* symbolic non-batch dim */
    ob_node("Relu", "x", "y");
    EXPECT(VKCNN_ERROR_UNSUPPORTED, "only the batch");
    conv_model(OB_FLOAT, OB_RAW); /* declared output shape disagrees */
    ob_model()->graph->output[0]->type->tensor_type->shape->dim[3]->dim_value = 4;
    EXPECT(VKCNN_ERROR_INVALID_MODEL, "declares");
    conv_model(OB_FLOAT, OB_RAW); /* limits: nodes, elements, bytes */
    opts.max_nodes = 1;
    ob_node("Relu", "y", "z");
    EXPECT(VKCNN_ERROR_LIMIT, "max_nodes");
    opts.max_nodes = 0;
    conv_model(OB_FLOAT, OB_RAW);
    opts.max_tensor_elements = 10;
    EXPECT(VKCNN_ERROR_LIMIT, "max_tensor_elements");
    opts.max_tensor_elements = 0;
    conv_model(OB_FLOAT, OB_RAW);
    opts.max_file_bytes = 16;
    EXPECT(VKCNN_ERROR_LIMIT, "max_file_bytes");
    opts.max_file_bytes = 0;
    conv_model(OB_FLOAT, OB_RAW); /* volumetric */
    ob_model()->graph->node[0]->attribute[0]->n_ints = 0;
    ob_attr_ints(ob_model()->graph->node[0], "kernel_shape", DIMS(3, 3, 3));
    EXPECT(VKCNN_ERROR_UNSUPPORTED, "volumetric");
    unary_model(13, "", DIMS(1, 2, 3)); /* Gather by run-time indices */
    ob_input("i", OB_FLOAT, DIMS(1));
    ob_node("Gather", "x,i", "y");
    EXPECT(VKCNN_ERROR_UNSUPPORTED, "data-dependent");
    vkcnn_network_destroy(net);
    net = NULL;
    CHECK(vkcnn_network_load_file("/nonexistent/model.onnx", NULL, &net) == VKCNN_ERROR_IO);
    CHECK(strstr(vkcnn_last_error(), "/nonexistent/model.onnx") != NULL);
    CHECK(vkcnn_network_load_memory(NULL, 0, NULL, &net) == VKCNN_ERROR_INVALID_MODEL);
}

/* Files of a corpus (fuzzer regression inputs): a clean result, no crash. */
static void test_corpus(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[4096];
        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path) continue;
        vkcnn_network *x = NULL;
        vkcnn_status st = vkcnn_network_load_file(path, NULL, &x);
        CHECK(st == VKCNN_OK || (x == NULL && vkcnn_last_error()[0]));
        vkcnn_network_destroy(x);
        n++;
    }
    closedir(d);
    printf("corpus: %d files loaded or refused cleanly\n", n);
}

static const vkc_graph *graph_of(void) {
    return vkc_network_graph(net);
}

int main(int argc, char **argv) {
    test_initializer_forms();
    test_external_data();
    test_large_initializer();
    test_shape_folding_and_batch();
    test_opset_variants();
    test_errors();
    if (argc > 1) test_corpus(argv[1]);
    vkcnn_network_destroy(net);
    ob_free();
    printf("import unit tests: %d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
