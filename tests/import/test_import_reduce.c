/* Import of the reductions, normalizations, GELU and Mish from ONNX models
 * built in memory: attribute decoding per opset and the shapes inferred,
 * and each refusal naming its fault. No GPU needed.
 * - Reduce*: axes as an attribute (opset 13; ReduceSum 11), as a constant
 *   input (ReduceSum 13, the others 18), keepdims, negative axes, an empty
 *   axes input with and without noop_with_empty_axes; refused: an 'axes'
 *   attribute from opset 18, an axes input before it;
 * - LayerNormalization: default axis, Mean/InvStdDev outputs refused when
 *   used, stash_type; LpNormalization's p; InstanceNormalization;
 *   GroupNormalization-18 and -21 (scale per group, per channel) and its
 *   required num_groups; Gelu's approximate; Mish.
 * Opsets above the importer's ceiling are reported as skipped. */
#include <stdio.h>
#include <string.h>

#include "onnx_builder.h"
#include "vkcnn.h"

static int failures, checks, skipped;
static vkcnn_network *net;

static vkcnn_status load(void) {
    size_t size;
    uint8_t *buf = ob_pack(&size);
    vkcnn_network_destroy(net);
    net = NULL;
    return vkcnn_network_load_memory(buf, size, NULL, &net);
}

/* Output 0's shape after a successful load. */
static int output_is(uint32_t index, size_t rank, const int64_t *dims) {
    vkcnn_tensor_info t;
    if (!net || vkcnn_network_output(net, index, &t) != VKCNN_OK || t.rank != rank) return 0;
    return rank == 0 || memcmp(t.shape, dims, rank * sizeof *dims) == 0;
}
static int out_is(size_t rank, const int64_t *dims) {
    return output_is(0, rank, dims);
}

/* Loads the model built; expects `want` (with `needle` in the message) and,
 * on success, output 0 of shape (rank, dims). */
static void expect_at(int line, vkcnn_status want, const char *needle, size_t rank,
                      const int64_t *dims) {
    vkcnn_status st = load();
    const char *msg = vkcnn_last_error();
    checks++;
    if (st == VKCNN_ERROR_UNSUPPORTED && strstr(msg, "vkcnn supports opsets")) {
        skipped++; /* above the importer's opset ceiling */
    } else if (st != want || (needle && !strstr(msg, needle)) ||
               (st == VKCNN_OK && !out_is(rank, dims))) {
        fprintf(stderr, "%s:%d: got %s (%s), expected %s%s%s%s\n", __FILE__, line,
                vkcnn_status_string(st), st ? msg : "loaded", vkcnn_status_string(want),
                needle ? " with \"" : "", needle ? needle : "", needle ? "\"" : "");
        if (st == VKCNN_OK && want == VKCNN_OK) fprintf(stderr, "  (output shape differs)\n");
        failures++;
    }
    ob_free();
}
#define LOADS(...) expect_at(__LINE__, VKCNN_OK, NULL, DIMS(__VA_ARGS__))
#define LOADS_SCALAR() expect_at(__LINE__, VKCNN_OK, NULL, 0, NULL)
#define REFUSED(want, needle) expect_at(__LINE__, want, needle, 0, NULL)
/* After a load: output `index` has the shape (d0, d1, ...). */
static void output_at(int line, uint32_t index, size_t rank, const int64_t *dims) {
    checks++;
    if (!output_is(index, rank, dims)) {
        fprintf(stderr, "%s:%d: output %u has another shape (or the model did not load)\n",
                __FILE__, line, index);
        failures++;
    }
}
#define OUTPUT_IS(index, ...) output_at(__LINE__, index, DIMS(__VA_ARGS__))

static void model(int64_t opset, size_t rank, const int64_t *dims) {
    ob_begin(opset);
    ob_input("x", OB_FLOAT, rank, dims);
    ob_output("y", OB_FLOAT, 0, NULL);
    ob_model()->graph->output[0]->type->tensor_type->shape = NULL;
}

static void axes_initializer(size_t count, const int64_t *axes) {
    int64_t d[1] = {(int64_t)count};
    ob_initializer(ob_tensor_i64("axes", OB_RAW, 1, d, axes));
}

static void reductions(void) {
    /* attribute: keepdims default 1, negative axes */
    model(13, DIMS(2, 3, 4, 5));
    ob_attr_ints(ob_node("ReduceMean", "x", "y"), "axes", DIMS(-1, -2));
    LOADS(2, 3, 1, 1);
    model(13, DIMS(2, 3, 4, 5));
    VkcnnOnnx__NodeProto *n = ob_node("ReduceMax", "x", "y");
    ob_attr_ints(n, "axes", DIMS(1));
    ob_attr_i(n, "keepdims", 0);
    LOADS(2, 4, 5);
    model(11, DIMS(2, 3, 4));
    ob_attr_i(ob_node("ReduceSum", "x", "y"), "keepdims", 0); /* no axes: all of them */
    LOADS_SCALAR();
    model(1, DIMS(2, 3, 4));
    ob_attr_ints(ob_node("ReduceLogSumExp", "x", "y"), "axes", DIMS(0, 2));
    LOADS(1, 3, 1);
    /* input: ReduceSum from 13, the others from 18 */
    model(13, DIMS(2, 3, 4));
    axes_initializer(DIMS(-1));
    ob_node("ReduceSum", "x,axes", "y");
    LOADS(2, 3, 1);
    model(18, DIMS(2, 3, 4));
    axes_initializer(DIMS(0, 1));
    ob_attr_i(ob_node("ReduceL2", "x,axes", "y"), "keepdims", 0);
    LOADS(4);
    model(18, DIMS(2, 3, 4));            /* empty axes: every axis... */
    axes_initializer(0, (int64_t[]){0}); /* no values (the builder copies from a pointer) */
    ob_node("ReduceProd", "x,axes", "y");
    LOADS(1, 1, 1);
    model(18, DIMS(2, 3, 4));            /* ... or none with noop_with_empty_axes */
    axes_initializer(0, (int64_t[]){0}); /* no values (the builder copies from a pointer) */
    ob_attr_i(ob_node("ReduceMin", "x,axes", "y"), "noop_with_empty_axes", 1);
    LOADS(2, 3, 4);
    model(20, DIMS(2, 3, 4));
    ob_attr_i(ob_node("ReduceMax", "x", "y"), "noop_with_empty_axes", 1); /* absent input */
    LOADS(2, 3, 4);
    /* refused */
    model(18, DIMS(2, 3, 4));
    ob_attr_ints(ob_node("ReduceMean", "x", "y"), "axes", DIMS(1));
    REFUSED(VKCNN_ERROR_INVALID_MODEL, "takes its axes as an input from opset 18");
    model(13, DIMS(2, 3, 4));
    axes_initializer(DIMS(1));
    ob_node("ReduceMean", "x,axes", "y");
    REFUSED(VKCNN_ERROR_INVALID_MODEL, "'axes' input ('axes')");
    model(13, DIMS(2, 3, 4));
    ob_attr_ints(ob_node("ReduceSumSquare", "x", "y"), "axes", DIMS(3));
    REFUSED(VKCNN_ERROR_INVALID_MODEL, "out of range");
}

static void normalizations(void) {
    float w[5] = {1, 2, 3, 4, 5};
    /* LayerNormalization: axis -1 by default; Mean used: refused */
    model(17, DIMS(2, 3, 5));
    ob_initializer(ob_tensor("s", OB_FLOAT, OB_RAW, DIMS(5), w));
    ob_node("LayerNormalization", "x,s", "y");
    LOADS(2, 3, 5);
    model(17, DIMS(2, 3, 5)); /* Mean and InvStdDev read: one node per output */
    ob_initializer(ob_tensor("s", OB_FLOAT, OB_RAW, DIMS(5), w));
    ob_output("m", OB_FLOAT, 0, NULL);
    ob_output("inv", OB_FLOAT, 0, NULL);
    for (int i = 1; i < 3; i++) /* shapes not declared */
        ob_model()->graph->output[i]->type->tensor_type->shape = NULL;
    ob_node("LayerNormalization", "x,s", "y,m,inv");
    LOADS(2, 3, 5);
    OUTPUT_IS(1, 2, 3, 1);
    OUTPUT_IS(2, 2, 3, 1);
    model(17, DIMS(2, 3, 5)); /* an unused Mean output is fine */
    ob_initializer(ob_tensor("s", OB_FLOAT, OB_RAW, DIMS(5), w));
    ob_node("LayerNormalization", "x,s", "y,unused");
    LOADS(2, 3, 5);
    model(17, DIMS(2, 3, 5));
    ob_initializer(ob_tensor("s", OB_FLOAT, OB_RAW, DIMS(5), w));
    ob_attr_i(ob_node("LayerNormalization", "x,s", "y"), "stash_type", 7);
    REFUSED(VKCNN_ERROR_INVALID_MODEL, "'stash_type'");
    /* LpNormalization: p 1 or 2 */
    model(1, DIMS(2, 5));
    ob_attr_i(ob_node("LpNormalization", "x", "y"), "p", 1);
    LOADS(2, 5);
    model(1, DIMS(2, 5));
    ob_attr_i(ob_node("LpNormalization", "x", "y"), "p", 3);
    REFUSED(VKCNN_ERROR_INVALID_MODEL, "'p' = 3");
    /* InstanceNormalization */
    model(6, DIMS(1, 5, 4, 4));
    ob_initializer(ob_tensor("s", OB_FLOAT, OB_RAW, DIMS(5), w));
    ob_initializer(ob_tensor("b", OB_FLOAT, OB_RAW, DIMS(5), w));
    ob_attr_f(ob_node("InstanceNormalization", "x,s,b", "y"), "epsilon", 1e-3f);
    LOADS(1, 5, 4, 4);
    /* GroupNormalization: per group (18), per channel (21) */
    for (int opset = 18; opset <= 21; opset += 3) {
        int64_t c = opset == 18 ? 2 : 4;
        float p[4] = {1, 2, 3, 4};
        model(opset, DIMS(1, 4, 3, 3));
        ob_initializer(ob_tensor("s", OB_FLOAT, OB_RAW, 1, &c, p));
        ob_initializer(ob_tensor("b", OB_FLOAT, OB_RAW, 1, &c, p));
        ob_attr_i(ob_node("GroupNormalization", "x,s,b", "y"), "num_groups", 2);
        LOADS(1, 4, 3, 3);
    }
    model(18, DIMS(1, 4, 3, 3));
    ob_initializer(ob_tensor("s", OB_FLOAT, OB_RAW, DIMS(2), w));
    ob_initializer(ob_tensor("b", OB_FLOAT, OB_RAW, DIMS(2), w));
    ob_node("GroupNormalization", "x,s,b", "y");
    REFUSED(VKCNN_ERROR_INVALID_MODEL, "'num_groups' is required");
}

static void activations(void) {
    model(20, DIMS(2, 5));
    ob_attr_s(ob_node("Gelu", "x", "y"), "approximate", "tanh");
    LOADS(2, 5);
    model(20, DIMS(2, 5));
    ob_attr_s(ob_node("Gelu", "x", "y"), "approximate", "fast");
    REFUSED(VKCNN_ERROR_INVALID_MODEL, "'approximate' = 'fast'");
    model(17, DIMS(2, 5)); /* before its opset */
    ob_node("Gelu", "x", "y");
    REFUSED(VKCNN_ERROR_UNSUPPORTED, "defined from opset 20");
    model(18, DIMS(2, 5));
    ob_node("Mish", "x", "y");
    LOADS(2, 5);
}

int main(void) {
    reductions();
    normalizations();
    activations();
    vkcnn_network_destroy(net);
    printf("test_import_reduce: %d checks, %d failed, %d skipped (opset above the importer's "
           "ceiling)\n",
           checks, failures, skipped);
    return failures ? 1 : 0;
}
