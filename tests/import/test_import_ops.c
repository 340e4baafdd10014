/* Import of hand-built models at opsets 11 to 23 (no device): the opset
 * ceiling (22) and the spec's changes up to it (Pad's axes input at 18 and
 * wrap mode at 19, Split's num_outputs at 18, AveragePool's dilations at 19,
 * the type-only revisions at 19, 21 and 22, bfloat16 weights), Split in all
 * its forms, Slice/Gather/Tile/Expand shapes on run-time data, the folds of
 * comparisons, logic, Where, ConstantOfShape, Range, Size and Shape with
 * start/end, If replaced by its taken branch (captures, branch initializers,
 * nesting, constant outputs), 3-D pools, Resize shapes; and the refusals:
 * opset 23, every unsupported node named (bounded), an If on a run-time
 * condition, data-dependent shapes naming the tensor.
 *
 * usage: test_import_ops */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph.h"
#include "graph/network.h"
#include "onnx_builder.h"
#include "vkcnn.h"

static int checks, failures;
static vkcnn_network *net;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        checks++;                                                                                  \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

static vkcnn_status load(void) {
    size_t size;
    uint8_t *buf = ob_pack(&size);
    vkcnn_network_destroy(net);
    net = NULL;
    return vkcnn_network_load_memory(buf, size, NULL, &net);
}

/* Loads; expects `want` with `needle` in the message (or in any status). */
static void expect_at(int line, vkcnn_status want, const char *needle) {
    vkcnn_status st = load();
    checks++;
    if (st != want || (needle && !strstr(vkcnn_last_error(), needle))) {
        failures++;
        fprintf(stderr, "%s:%d: got %s (%s), expected %s with \"%s\"\n", __FILE__, line,
                vkcnn_status_string(st), vkcnn_last_error(), vkcnn_status_string(want),
                needle ? needle : "");
    }
}
#define EXPECT(want, needle) expect_at(__LINE__, want, needle)

/* Output `i`'s shape after a successful load. */
static int out_is(uint32_t i, size_t rank, const int64_t *dims) {
    vkcnn_tensor_info t;
    if (!net || vkcnn_network_output(net, i, &t) != VKCNN_OK || t.rank != rank) return 0;
    return memcmp(t.shape, dims, rank * sizeof *dims) == 0;
}
#define OUT_IS(i, ...) out_is(i, DIMS(__VA_ARGS__))

static const vkc_graph *graph_of(void) {
    return net ? vkc_network_graph(net) : NULL;
}

/* The live nodes of op in the imported graph. */
static uint32_t count_op(vkc_op op) {
    const vkc_graph *g = graph_of();
    uint32_t n = 0;
    for (uint32_t i = 0; g && i < g->node_count; i++)
        n += !g->nodes[i].dead && g->nodes[i].op == op;
    return n;
}

/* Constant tensor `name`'s int64 values (after folding). */
static int ints_are(const char *name, size_t n, const int64_t *v) {
    const vkc_graph *g = graph_of();
    uint32_t t = g ? vkc_graph_find(g, name) : VKC_NONE;
    if (t == VKC_NONE || !g->tensors[t].data || g->tensors[t].dtype != VKC_DTYPE_INT64 ||
        g->tensors[t].elements != n)
        return 0;
    return memcmp(g->tensors[t].data, v, n * sizeof *v) == 0;
}
#define INTS_ARE(name, ...) ints_are(name, DIMS(__VA_ARGS__))

static int floats_are(const char *name, size_t n, const float *v) {
    const vkc_graph *g = graph_of();
    uint32_t t = g ? vkc_graph_find(g, name) : VKC_NONE;
    if (t == VKC_NONE || !g->tensors[t].data || g->tensors[t].dtype != VKC_DTYPE_FLOAT32 ||
        g->tensors[t].elements != n)
        return 0;
    return memcmp(g->tensors[t].data, v, n * sizeof *v) == 0;
}

static void model(int64_t opset, size_t rank, const int64_t *dims) {
    ob_begin(opset);
    ob_input("x", OB_FLOAT, rank, dims);
}

static void output(const char *name) {
    ob_output(name, OB_FLOAT, 0, NULL);
    VkcnnOnnx__GraphProto *g = ob_model()->graph;
    g->output[g->n_output - 1]->type->tensor_type->shape = NULL;
}

static void i64(const char *name, size_t rank, const int64_t *dims, const int64_t *v) {
    ob_initializer(ob_tensor_i64(name, OB_RAW, rank, dims, v));
}

static void test_opsets(void) {
    /* 22 is the ceiling: Conv, pools, elementwise ops at their 22 versions */
    static const float w[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    model(22, DIMS(1, 2, 4, 4));
    ob_initializer(ob_tensor("w", OB_FLOAT, OB_RAW, DIMS(1, 2, 2, 2), w));
    ob_node("Conv", "x,w", "c");
    ob_node("Elu", "c", "e");
    VkcnnOnnx__NodeProto *p = ob_node("AveragePool", "e", "y");
    ob_attr_ints(p, "kernel_shape", DIMS(2, 2));
    ob_attr_ints(p, "dilations", DIMS(2, 1)); /* 19 */
    output("y");
    EXPECT(VKCNN_OK, NULL);
    CHECK(OUT_IS(0, 1, 1, 1, 2));
    model(23, DIMS(1, 4));
    ob_node("Relu", "x", "y");
    output("y");
    EXPECT(VKCNN_ERROR_UNSUPPORTED, "opset 23");
    CHECK(strstr(vkcnn_last_error(), "1 to 22") != NULL);

    /* the type-only revisions of 19 and 21 */
    for (int64_t opset = 19; opset <= 21; opset += 2) {
        model(opset, DIMS(2, 3, 4));
        i64("shape", DIMS(2), (int64_t[]){6, 4});
        ob_node("Identity", "x", "i");
        ob_node("Reshape", "i,shape", "r");
        ob_node("Transpose", "r", "t");
        VkcnnOnnx__NodeProto *f = ob_node("Flatten", "t", "f");
        ob_attr_i(f, "axis", 2);
        i64("ax", DIMS(1), (int64_t[]){0});
        ob_node("Unsqueeze", "f,ax", "u");
        ob_node("Squeeze", "u,ax", "s");
        ob_node("Shape", "s", "sh");
        VkcnnOnnx__NodeProto *c = ob_node("Cast", "sh", "shc");
        ob_attr_i(c, "to", 7);
        ob_node("Size", "x", "n");
        VkcnnOnnx__NodeProto *k = ob_node("Constant", "", "one");
        ob_attr_t(k, "value", ob_tensor_i64("v", OB_TYPED, DIMS(1), (int64_t[]){1}));
        ob_node("Reshape", "s,shc", "y");
        output("y");
        EXPECT(VKCNN_OK, NULL);
        CHECK(OUT_IS(0, 24, 1));
        CHECK(INTS_ARE("n", 24));
    }

    /* bfloat16 weights at opset 22: float32 at run time */
    model(22, DIMS(1, 2, 3, 3));
    VkcnnOnnx__TensorProto *t = ob_tensor_i64("w", OB_RAW, DIMS(1, 2, 1, 1), (int64_t[]){0, 0});
    t->data_type = 16; /* bfloat16: 1.0 = 0x3f80, 2.0 = 0x4000 */
    uint16_t bf[2] = {0x3f80, 0x4000};
    memcpy(t->raw_data.data, bf, 4);
    t->raw_data.len = 4;
    ob_initializer(t);
    ob_node("Conv", "x,w", "y");
    output("y");
    EXPECT(VKCNN_OK, NULL);
    CHECK(floats_are("w", 2, (float[]){1.0f, 2.0f}));

    /* Pad: axes input (18), wrap mode (19) */
    model(18, DIMS(1, 2, 3, 4));
    i64("pads", DIMS(4), (int64_t[]){1, 2, 3, 0});
    i64("axes", DIMS(2), (int64_t[]){-1, 2});
    ob_node("Pad", "x,pads,,axes", "y");
    output("y");
    EXPECT(VKCNN_OK, NULL);
    CHECK(OUT_IS(0, 1, 2, 5, 8)); /* W: 1 + 3, H: 2 + 0 */
    model(19, DIMS(1, 2, 3, 4));
    i64("pads", DIMS(8), (int64_t[]){0, 0, 2, 5, 0, 0, 1, 0});
    VkcnnOnnx__NodeProto *wp = ob_node("Pad", "x,pads", "y");
    ob_attr_s(wp, "mode", "wrap");
    output("y");
    EXPECT(VKCNN_OK, NULL);
    CHECK(OUT_IS(0, 1, 2, 6, 9));
    model(18, DIMS(1, 2, 3, 4));
    i64("pads", DIMS(8), (int64_t[]){0, 0, 2, 5, 0, 0, 1, 0});
    wp = ob_node("Pad", "x,pads", "y");
    ob_attr_s(wp, "mode", "wrap");
    output("y");
    EXPECT(VKCNN_ERROR_UNSUPPORTED, "'wrap'"); /* 19 and later */
    model(18, DIMS(1, 2, 3, 4));
    ob_input("ax", OB_FLOAT, DIMS(1));
    i64("pads", DIMS(2), (int64_t[]){1, 1});
    ob_node("Pad", "x,pads,,ax", "y");
    output("y");
    EXPECT(VKCNN_ERROR_UNSUPPORTED, "'ax'");
}

static void test_split(void) {
    /* < 13: the 'split' attribute */
    model(11, DIMS(2, 7));
    VkcnnOnnx__NodeProto *n = ob_node("Split", "x", "a,b,c");
    ob_attr_i(n, "axis", 1);
    ob_attr_ints(n, "split", DIMS(1, 2, 4));
    output("a");
    output("b");
    output("c");
    EXPECT(VKCNN_OK, NULL);
    CHECK(OUT_IS(0, 2, 1) && OUT_IS(1, 2, 2) && OUT_IS(2, 2, 4));
    CHECK(count_op(VKC_OP_SPLIT) == 3);
    /* equal parts by default (axis 0) */
    model(13, DIMS(6, 2));
    ob_node("Split", "x", "a,b");
    output("a");
    output("b");
    EXPECT(VKCNN_OK, NULL);
    CHECK(OUT_IS(0, 3, 2) && OUT_IS(1, 3, 2));
    /* 13: the 'split' input, negative axis */
    model(13, DIMS(2, 5));
    i64("s", DIMS(2), (int64_t[]){4, 1});
    n = ob_node("Split", "x,s", "a,b");
    ob_attr_i(n, "axis", -1);
    output("a");
    output("b");
    EXPECT(VKCNN_OK, NULL);
    CHECK(OUT_IS(0, 2, 4) && OUT_IS(1, 2, 1));
    /* 18: num_outputs, the last part smaller */
    model(18, DIMS(7, 2));
    n = ob_node("Split", "x", "a,b,c");
    ob_attr_i(n, "num_outputs", 3);
    output("a");
    output("b");
    output("c");
    EXPECT(VKCNN_OK, NULL);
    CHECK(OUT_IS(0, 3, 2) && OUT_IS(1, 3, 2) && OUT_IS(2, 1, 2));
    /* refusals */
    model(11, DIMS(2, 7));
    n = ob_node("Split", "x", "a,b");
    ob_attr_i(n, "axis", 1);
    ob_attr_ints(n, "split", DIMS(1, 2, 4));
    output("a");
    EXPECT(VKCNN_ERROR_INVALID_MODEL, "3 values for 2 outputs");
    model(13, DIMS(5, 2));
    ob_node("Split", "x", "a,b");
    output("a");
    EXPECT(VKCNN_ERROR_INVALID_MODEL, "equal parts");
    model(18, DIMS(5, 2));
    n = ob_node("Split", "x", "a,b");
    ob_attr_i(n, "num_outputs", 3);
    output("a");
    EXPECT(VKCNN_ERROR_INVALID_MODEL, "num_outputs");
    model(13, DIMS(2, 5));
    ob_input("s", OB_FLOAT, DIMS(2));
    ob_node("Split", "x,s", "a,b");
    output("a");
    EXPECT(VKCNN_ERROR_UNSUPPORTED, "data-dependent");
}

static void test_data_shapes(void) {
    /* Slice with negative steps and Gather on run-time data (ShuffleNet's
     * channel split) */
    model(13, DIMS(1, 6, 4, 4));
    i64("st", DIMS(2), (int64_t[]){-1, 0});
    i64("en", DIMS(2), (int64_t[]){INT64_MIN, 4});
    i64("ax", DIMS(2), (int64_t[]){1, 3});
    i64("sp", DIMS(2), (int64_t[]){-2, 3});
    ob_node("Slice", "x,st,en,ax,sp", "s");
    i64("idx", DIMS(2), (int64_t[]){2, -1});
    VkcnnOnnx__NodeProto *g = ob_node("Gather", "s,idx", "y");
    ob_attr_i(g, "axis", 2);
    output("y");
    EXPECT(VKCNN_OK, NULL);
    CHECK(OUT_IS(0, 1, 3, 2, 2));
    CHECK(count_op(VKC_OP_SLICE) == 1 && count_op(VKC_OP_GATHER) == 1);
    /* Tile (13, and Tile-1's tiles/axis), Expand */
    model(13, DIMS(2, 1, 3));
    i64("r", DIMS(3), (int64_t[]){2, 3, 1});
    ob_node("Tile", "x,r", "t");
    i64("shape", DIMS(4), (int64_t[]){2, 1, 3, 3});
    ob_node("Expand", "t,shape", "y");
    output("y");
    EXPECT(VKCNN_OK, NULL);
    CHECK(OUT_IS(0, 2, 4, 3, 3));
    model(1, DIMS(2, 3));
    i64("tiles", DIMS(1), (int64_t[]){3});
    i64("axis", DIMS(1), (int64_t[]){1});
    ob_node("Tile", "x,tiles,axis", "y");
    output("y");
    EXPECT(VKCNN_OK, NULL);
    CHECK(OUT_IS(0, 2, 9));
    /* data-dependent: refused, naming the tensor */
    model(13, DIMS(2, 3));
    ob_input("shape", OB_FLOAT, DIMS(2));
    ob_node("Expand", "x,shape", "y");
    output("y");
    EXPECT(VKCNN_ERROR_UNSUPPORTED, "('shape') is computed at run time");
    model(13, DIMS(2, 3));
    ob_input("r", OB_FLOAT, DIMS(2));
    ob_node("Tile", "x,r", "y");
    output("y");
    EXPECT(VKCNN_ERROR_UNSUPPORTED, "('r')");
    /* Resize (11+: roi, scales, sizes; 18: axes), Upsample-7, 3-D pools */
    model(13, DIMS(1, 2, 3, 4));
    ob_initializer(ob_tensor("sc", OB_FLOAT, OB_RAW, DIMS(4), (float[]){1, 1, 2, 0.5f}));
    VkcnnOnnx__NodeProto *r = ob_node("Resize", "x,,sc", "y");
    ob_attr_s(r, "mode", "linear");
    output("y");
    EXPECT(VKCNN_OK, NULL);
    CHECK(OUT_IS(0, 1, 2, 6, 2));
    model(18, DIMS(1, 2, 3, 4));
    i64("sz", DIMS(2), (int64_t[]){9, 8});
    r = ob_node("Resize", "x,,,sz", "y");
    ob_attr_ints(r, "axes", DIMS(2, 3));
    ob_attr_s(r, "keep_aspect_ratio_policy", "not_larger");
    output("y");
    EXPECT(VKCNN_OK, NULL);
    CHECK(OUT_IS(0, 1, 2, 6, 8)); /* one scale, min(9/3, 8/4) = 2 */
    model(7, DIMS(1, 1, 2, 2));
    r = ob_node("Upsample", "x", "y");
    VkcnnOnnx__AttributeProto *a = NULL;
    ob_attr_f(r, "scales", 0); /* replaced below by a FLOATS attribute */
    a = r->attribute[r->n_attribute - 1];
    a->has_f = 0;
    a->type = 6;
    a->floats = ob_alloc(4 * sizeof(float));
    memcpy(a->floats, (float[]){1, 1, 2, 3}, 4 * sizeof(float));
    a->n_floats = 4;
    output("y");
    EXPECT(VKCNN_OK, NULL);
    CHECK(OUT_IS(0, 1, 1, 4, 6));
    for (int64_t opset = 9; opset <= 10; opset++) { /* Upsample-9, Resize-10: X, scales */
        model(opset, DIMS(1, 1, 2, 3));
        ob_initializer(ob_tensor("sc", OB_FLOAT, OB_RAW, DIMS(4), (float[]){1, 1, 2.5f, 2}));
        ob_node(opset == 9 ? "Upsample" : "Resize", "x,sc", "y");
        output("y");
        EXPECT(VKCNN_OK, NULL);
        CHECK(OUT_IS(0, 1, 1, 5, 6));
        const vkc_graph *rg = graph_of();
        bool legacy = false;
        for (uint32_t i = 0; rg && i < rg->node_count; i++)
            if (!rg->nodes[i].dead &&
                (rg->nodes[i].op == VKC_OP_RESIZE || rg->nodes[i].op == VKC_OP_UPSAMPLE))
                legacy = rg->nodes[i].attrs.resize.coord == VKC_COORD_ASYMMETRIC &&
                         rg->nodes[i].attrs.resize.nearest == VKC_NEAREST_FLOOR;
        CHECK(legacy); /* asymmetric, nearest rounds down */
    }
    model(13, DIMS(1, 2, 3, 4));
    ob_input("sc", OB_FLOAT, DIMS(4));
    ob_node("Resize", "x,,sc", "y");
    output("y");
    EXPECT(VKCNN_ERROR_UNSUPPORTED, "('sc') is computed at run time");
    model(13, DIMS(1, 2, 3, 4));
    ob_initializer(ob_tensor("sc", OB_FLOAT, OB_RAW, DIMS(4), (float[]){1, 1, 2, 2}));
    r = ob_node("Resize", "x,,sc", "y");
    ob_attr_s(r, "mode", "cubic");
    output("y");
    EXPECT(VKCNN_ERROR_UNSUPPORTED, "'cubic'");
    model(13, DIMS(1, 1, 6, 5, 4));
    VkcnnOnnx__NodeProto *p = ob_node("MaxPool", "x", "y");
    ob_attr_ints(p, "kernel_shape", DIMS(3, 1, 2));
    ob_attr_ints(p, "strides", DIMS(1, 1, 2));
    ob_attr_ints(p, "pads", DIMS(1, 0, 0, 1, 0, 0));
    output("y");
    EXPECT(VKCNN_OK, NULL);
    CHECK(OUT_IS(0, 1, 1, 6, 5, 2));
    model(13, DIMS(1, 1, 6, 5, 4)); /* Conv stays 1-D and 2-D */
    ob_initializer(ob_tensor("w", OB_FLOAT, OB_RAW, DIMS(1, 1, 1, 1, 1), (float[]){1}));
    ob_node("Conv", "x,w", "y");
    output("y");
    EXPECT(VKCNN_ERROR_UNSUPPORTED, "volumetric");
}

static void test_folds(void) {
    /* comparisons and logic of shapes, Where, ConstantOfShape, Range, Size,
     * Shape's start/end: all folded, their values checked */
    model(13, DIMS(2, 3, 4, 5));
    VkcnnOnnx__NodeProto *s = ob_node("Shape", "x", "sh");
    ob_attr_i(s, "start", 1);
    ob_attr_i(s, "end", -1); /* [3, 4] */
    i64("three", DIMS(2), (int64_t[]){3, 5});
    ob_node("Equal", "sh,three", "eq");       /* [1, 0] */
    ob_node("Less", "sh,three", "lt");        /* [0, 1] */
    ob_node("Greater", "sh,three", "gt");     /* [0, 0] */
    ob_node("LessOrEqual", "sh,three", "le"); /* [1, 1] */
    ob_node("GreaterOrEqual", "sh,three", "ge");
    ob_node("Not", "eq", "ne");             /* [0, 1] */
    ob_node("And", "le,ne", "and");         /* [0, 1] */
    ob_node("Or", "eq,gt", "or");           /* [1, 0] */
    ob_node("Where", "or,sh,three", "wh");  /* [3, 5] */
    ob_node("Size", "x", "n");              /* 120 */
    i64("start", 0, NULL, (int64_t[]){10}); /* scalars */
    i64("limit", 0, NULL, (int64_t[]){1});
    i64("delta", 0, NULL, (int64_t[]){-4});
    ob_node("Range", "start,limit,delta", "rg"); /* [10, 6, 2] */
    VkcnnOnnx__NodeProto *c = ob_node("ConstantOfShape", "sh", "cs");
    ob_attr_t(c, "value", ob_tensor_i64("v", OB_TYPED, DIMS(1), (int64_t[]){7}));
    ob_node("Shape", "cs", "csh"); /* [3, 4] */
    i64("minus1", DIMS(1), (int64_t[]){-1});
    VkcnnOnnx__NodeProto *cc = ob_node("Concat", "wh,minus1", "target");
    ob_attr_i(cc, "axis", 0);
    ob_node("Reshape", "x,target", "y");
    output("y");
    EXPECT(VKCNN_OK, NULL);
    CHECK(OUT_IS(0, 3, 5, 8));
    CHECK(INTS_ARE("sh", 3, 4));
    CHECK(INTS_ARE("eq", 1, 0) && INTS_ARE("lt", 0, 1) && INTS_ARE("gt", 0, 0));
    CHECK(INTS_ARE("le", 1, 1) && INTS_ARE("ge", 1, 0));
    CHECK(INTS_ARE("ne", 0, 1) && INTS_ARE("and", 0, 1) && INTS_ARE("or", 1, 0));
    CHECK(INTS_ARE("wh", 3, 5));
    CHECK(INTS_ARE("n", 120) && INTS_ARE("rg", 10, 6, 2) && INTS_ARE("csh", 3, 4));
    /* float Range and ConstantOfShape (default 0.0) */
    model(13, DIMS(2));
    ob_initializer(ob_tensor("a", OB_FLOAT, OB_RAW, 0, NULL, (float[]){0.5f}));
    ob_initializer(ob_tensor("b", OB_FLOAT, OB_RAW, 0, NULL, (float[]){2.0f}));
    ob_initializer(ob_tensor("d", OB_FLOAT, OB_RAW, 0, NULL, (float[]){0.5f}));
    ob_node("Range", "a,b,d", "r"); /* 0.5, 1.0, 1.5 */
    i64("two", DIMS(1), (int64_t[]){2});
    ob_node("ConstantOfShape", "two", "z");
    ob_node("Add", "x,z", "y");
    output("y");
    EXPECT(VKCNN_OK, NULL);
    CHECK(floats_are("r", 3, (float[]){0.5f, 1.0f, 1.5f}));
    CHECK(floats_are("z", 2, (float[]){0, 0}));
    /* comparisons on run-time data run as kernels (float 0.0 / 1.0) */
    model(13, DIMS(2, 3));
    ob_initializer(ob_tensor("k", OB_FLOAT, OB_RAW, 0, NULL, (float[]){0.5f}));
    ob_node("Greater", "x,k", "gt");
    ob_node("Not", "gt", "n");
    ob_node("Where", "n,x,k", "y");
    output("y");
    EXPECT(VKCNN_OK, NULL);
    CHECK(count_op(VKC_OP_GREATER) == 1 && count_op(VKC_OP_WHERE) == 1);
    /* a run-time int64 value is refused */
    model(13, DIMS(2, 3));
    ob_node("Shape", "x", "sh");
    i64("zero", DIMS(1), (int64_t[]){0});
    ob_node("Equal", "x,x", "e");
    VkcnnOnnx__NodeProto *cast = ob_node("Cast", "e", "y");
    ob_attr_i(cast, "to", 7);
    output("y");
    EXPECT(VKCNN_ERROR_UNSUPPORTED, "unsupported dtype");
    /* a logic op with inputs it does not take is refused by name (the
     * fuzzer's Not of four inputs, one empty, crashed the fold) */
    model(13, DIMS(2));
    ob_node("Shape", "x", "sh");
    ob_node("Not", "sh,sh,,sh", "y");
    output("y");
    EXPECT(VKCNN_ERROR_INVALID_MODEL, "has 4 inputs (takes 1)");
    model(13, DIMS(2));
    ob_node("Shape", "x", "sh");
    ob_node("Equal", "sh,sh,", "y");
    output("y");
    EXPECT(VKCNN_ERROR_INVALID_MODEL, "has 3 inputs (takes 2)");
}

/* An If at the end of the graph: cond, then the branches' node counts (the
 * last then + else nodes added), its output `out`. */
static VkcnnOnnx__NodeProto *if_node(const char *cond, size_t then_nodes, const char *then_out,
                                     size_t else_nodes, const char *else_out, const char *out) {
    VkcnnOnnx__GraphProto *e = ob_take_graph(else_nodes, else_out);
    VkcnnOnnx__GraphProto *t = ob_take_graph(then_nodes, then_out);
    VkcnnOnnx__NodeProto *n = ob_node("If", cond, out);
    n->name = "the_if";
    ob_attr_graph(n, "then_branch", t);
    ob_attr_graph(n, "else_branch", e);
    return n;
}

static void test_if(void) {
    /* PyTorch's LRN: If(Equal(Gather(Shape(pool), 1), 1)) -> Squeeze / Identity */
    for (int taken = 0; taken < 2; taken++) {
        model(13, DIMS(2, 1, 3, 4));
        i64("one", DIMS(1), (int64_t[]){1});
        i64("k", DIMS(1), (int64_t[]){taken ? 1 : 5});
        ob_node("Relu", "x", "r");
        ob_node("Shape", "r", "sh");
        ob_node("Gather", "sh,one", "c1");
        ob_node("Equal", "c1,k", "cond");
        ob_node("Squeeze", "r,one", "sq");
        ob_node("Identity", "r", "id");
        if_node("cond", 1, "sq", 1, "id", "y");
        output("y");
        EXPECT(VKCNN_OK, NULL);
        CHECK(taken ? OUT_IS(0, 2, 3, 4) : OUT_IS(0, 2, 1, 3, 4));
        CHECK(count_op(VKC_OP_IF) == 0);
    }
    /* the else branch: its own initializer and a nested If that captures
     * a tensor of the outer graph, before the producer in the file's order */
    model(13, DIMS(2, 3));
    ob_initializer(ob_tensor("f", OB_FLOAT, OB_RAW, 0, NULL, (float[]){0}));
    ob_node("Add", "x,x", "twice");                        /* inner then branch */
    ob_node("Relu", "x", "never");                         /* inner else branch (not taken) */
    VkcnnOnnx__GraphProto *ie = ob_take_graph(1, "never"); /* the last node added */
    VkcnnOnnx__GraphProto *it = ob_take_graph(1, "twice");
    VkcnnOnnx__NodeProto *inner = ob_node("If", "t", "inner");
    ob_attr_graph(inner, "then_branch", it);
    ob_attr_graph(inner, "else_branch", ie);
    ob_node("Mul", "inner,bias", "e_out");
    VkcnnOnnx__GraphProto *eg = ob_take_graph(2, "e_out");
    eg->initializer = ob_alloc(sizeof *eg->initializer);
    eg->initializer[0] = ob_tensor("bias", OB_FLOAT, OB_RAW, 0, NULL, (float[]){3});
    eg->n_initializer = 1;
    ob_node("Neg", "x", "t_out");
    VkcnnOnnx__GraphProto *tg = ob_take_graph(1, "t_out");
    VkcnnOnnx__NodeProto *outer = ob_node("If", "f", "y");
    ob_attr_graph(outer, "then_branch", tg);
    ob_attr_graph(outer, "else_branch", eg);
    ob_initializer(ob_tensor("t", OB_FLOAT, OB_RAW, DIMS(1), (float[]){1}));
    output("y");
    EXPECT(VKCNN_OK, NULL);
    CHECK(OUT_IS(0, 2, 3));
    CHECK(count_op(VKC_OP_ADD) == 1 && count_op(VKC_OP_MUL) == 1 && count_op(VKC_OP_NEG) == 0 &&
          count_op(VKC_OP_RELU) == 0);
    /* a branch reads a tensor that a node after the If (in the file's
     * order) produces: the If waits for it */
    model(13, DIMS(2));
    ob_initializer(ob_tensor("c", OB_FLOAT, OB_RAW, DIMS(1), (float[]){1}));
    ob_node("Neg", "late", "a");
    ob_node("Abs", "late", "b");
    if_node("c", 1, "a", 1, "b", "y");
    ob_node("Relu", "x", "late");
    output("y");
    EXPECT(VKCNN_OK, NULL);
    CHECK(count_op(VKC_OP_NEG) == 1 && count_op(VKC_OP_ABS) == 0 && count_op(VKC_OP_RELU) == 1);
    /* a branch whose output is a constant */
    model(13, DIMS(2));
    ob_initializer(ob_tensor("c", OB_FLOAT, OB_RAW, DIMS(1), (float[]){1}));
    ob_node("Constant", "", "k");
    VkcnnOnnx__NodeProto *kn = ob_model()->graph->node[ob_model()->graph->n_node - 1];
    ob_attr_t(kn, "value", ob_tensor("kv", OB_FLOAT, OB_RAW, DIMS(2), (float[]){4, 5}));
    ob_node("Constant", "", "k2");
    kn = ob_model()->graph->node[ob_model()->graph->n_node - 1];
    ob_attr_t(kn, "value", ob_tensor("kv2", OB_FLOAT, OB_RAW, DIMS(2), (float[]){6, 7}));
    if_node("c", 1, "k", 1, "k2", "v");
    ob_node("Add", "x,v", "y");
    output("y");
    EXPECT(VKCNN_OK, NULL);
    CHECK(floats_are("v", 2, (float[]){4, 5}));
    /* a condition computed at run time: refused, naming the node */
    model(13, DIMS(1));
    ob_node("Relu", "x", "a");
    ob_node("Neg", "x", "b");
    if_node("x", 1, "a", 1, "b", "y");
    output("y");
    EXPECT(VKCNN_ERROR_UNSUPPORTED, "node 'the_if' (If): condition 'x' is computed at run time");
    /* an unsupported operator in a branch is named with the others */
    model(13, DIMS(1));
    ob_initializer(ob_tensor("c", OB_FLOAT, OB_RAW, DIMS(1), (float[]){1}));
    ob_node("Foo", "x", "a");
    ob_node("Neg", "x", "b");
    if_node("c", 1, "a", 1, "b", "y");
    output("y");
    EXPECT(VKCNN_ERROR_UNSUPPORTED, "#0 in then_branch of If 'the_if' (Foo, opset 13)");
    /* branch outputs that do not match the node's */
    model(13, DIMS(1));
    ob_initializer(ob_tensor("c", OB_FLOAT, OB_RAW, DIMS(1), (float[]){1}));
    ob_node("Neg", "x", "a");
    ob_node("Neg", "x", "b");
    if_node("c", 1, "a,b", 1, "b", "y");
    output("y");
    EXPECT(VKCNN_ERROR_INVALID_MODEL, "outputs");
}

static void test_unsupported(void) {
    /* every unsupported node, named, at once */
    model(13, DIMS(4));
    VkcnnOnnx__NodeProto *n = ob_node("Foo", "x", "a");
    n->name = "first";
    n = ob_node("Bar", "a", "b");
    n->name = "second";
    n = ob_node("HardSwish", "b", "c"); /* from opset 14 */
    n->name = "third";
    n = ob_node("Op", "c", "y");
    n->domain = "com.x";
    output("y");
    EXPECT(VKCNN_ERROR_UNSUPPORTED, "unsupported operators (4 nodes): 'first' (Foo, opset 13), "
                                    "'second' (Bar, opset 13), 'third' (HardSwish, opset 13, "
                                    "defined from opset 14), #3 (com.x:Op, opset -1)");
    /* hundreds: the message stays bounded and still names every operator */
    model(13, DIMS(4));
    char names[300][16];
    for (int i = 0; i < 300; i++) {
        snprintf(names[i], sizeof names[i], "t%d", i);
        n = ob_node(i == 299 ? "Baz" : "Foo", i ? names[i - 1] : "x", names[i]);
        n->name = names[i];
    }
    output("t299");
    EXPECT(VKCNN_ERROR_UNSUPPORTED, "unsupported operators (300 nodes): 't0' (Foo, opset 13)");
    CHECK(strlen(vkcnn_last_error()) < 1600);
    CHECK(strstr(vkcnn_last_error(), "more nodes (Foo, Baz)") != NULL);
}

int main(void) {
    test_opsets();
    test_split();
    test_data_shapes();
    test_folds();
    test_if();
    test_unsupported();
    vkcnn_network_destroy(net);
    ob_free();
    printf("import of operators and opsets: %d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
