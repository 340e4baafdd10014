/* Classification of ONNX's own test models (libonnx-testdata): each model in
 * node/, pytorch-converted/ and pytorch-operator/ either loads with output
 * shapes equal to its expected outputs', or is refused for a reason this
 * test derives independently from the file:
 *   unsupported   an operator outside the list (all named, with the opset)
 *   dtype         a non-float32 graph input or output
 *   volumetric    a spatial op on 3-D spatial data (MaxPool, AveragePool: 4-D)
 *   training      training-mode BatchNormalization or Dropout
 *   data-dep      a shape/axes/pads/scales operand that is a runtime input
 *   cubic         a Resize in mode cubic (nearest and linear only)
 * A refusal whose message does not match one of the model's expected
 * reasons, a load of a model that should be refused, or a crash fails it.
 *
 * usage: test_onnx_testdata [DATA_ROOT] */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx.pb-c.h"
#include "vkcnn.h"

enum { R_DTYPE, R_VOLUMETRIC, R_TRAINING, R_DATADEP, R_CUBIC, R_COUNT };
static const char *const reason_names[R_COUNT] = {"dtype", "volumetric", "training", "data-dep",
                                                  "cubic"};
static const char *const reason_keys[R_COUNT] = {"unsupported dtype", "volumetric", "training",
                                                 "data-dependent", "'cubic'"};

static const char *const supported[] = {"Conv",
                                        "MaxPool",
                                        "AveragePool",
                                        "GlobalAveragePool",
                                        "GlobalMaxPool",
                                        "LRN",
                                        "Relu",
                                        "LeakyRelu",
                                        "PRelu",
                                        "Clip",
                                        "Sigmoid",
                                        "Tanh",
                                        "BatchNormalization",
                                        "Gemm",
                                        "MatMul",
                                        "Add",
                                        "Sub",
                                        "Mul",
                                        "Div",
                                        "Flatten",
                                        "Reshape",
                                        "Squeeze",
                                        "Unsqueeze",
                                        "Transpose",
                                        "Concat",
                                        "Pad",
                                        "Dropout",
                                        "Identity",
                                        "Softmax",
                                        "LogSoftmax",
                                        "Constant",
                                        "Shape",
                                        "Gather",
                                        "Cast",
                                        "Slice",
                                        "Split",
                                        "Tile",
                                        "Expand",
                                        "Where",
                                        "Equal",
                                        "Less",
                                        "Greater",
                                        "LessOrEqual",
                                        "GreaterOrEqual",
                                        "Not",
                                        "And",
                                        "Or",
                                        "ConstantOfShape",
                                        "Range",
                                        "Size",
                                        "If",
                                        "Resize",
                                        "Upsample",
                                        "Abs",
                                        "Neg",
                                        "Exp",
                                        "Log",
                                        "Sqrt",
                                        "Reciprocal",
                                        "Floor",
                                        "Ceil",
                                        "Round",
                                        "Sign",
                                        "Erf",
                                        "Sin",
                                        "Cos",
                                        "Softplus",
                                        "Softsign",
                                        "Elu",
                                        "Selu",
                                        "Celu",
                                        "ThresholdedRelu",
                                        "HardSigmoid",
                                        "HardSwish",
                                        "Pow",
                                        "Min",
                                        "Max",
                                        "Sum",
                                        "Mean",
                                        "ReduceMean",
                                        "ReduceSum",
                                        "ReduceMax",
                                        "ReduceMin",
                                        "ReduceProd",
                                        "ReduceL1",
                                        "ReduceL2",
                                        "ReduceSumSquare",
                                        "ReduceLogSum",
                                        "ReduceLogSumExp",
                                        "LayerNormalization",
                                        "InstanceNormalization",
                                        "GroupNormalization",
                                        "LpNormalization",
                                        "Gelu",
                                        "Mish"};

static int is_supported(const char *domain, const char *op) {
    if (domain && *domain && strcmp(domain, "ai.onnx") != 0) return 0;
    for (size_t i = 0; i < sizeof supported / sizeof supported[0]; i++)
        if (strcmp(supported[i], op) == 0) return 1;
    return 0;
}

static unsigned char *read_all(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf && n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *size = n > 0 ? (size_t)n : 0;
    return buf;
}

typedef VkcnnOnnx__GraphProto Graph;

static int is_initializer(const Graph *g, const char *name) {
    for (size_t i = 0; i < g->n_initializer; i++)
        if (strcmp(g->initializer[i]->name, name) == 0) return 1;
    return 0;
}

/* Rank of a runtime graph input named `name`, or -1. */
static int input_rank(const Graph *g, const char *name) {
    if (is_initializer(g, name)) return -1;
    for (size_t i = 0; i < g->n_input; i++) {
        const VkcnnOnnx__ValueInfoProto *v = g->input[i];
        if (strcmp(v->name, name) == 0 && v->type && v->type->tensor_type &&
            v->type->tensor_type->shape)
            return (int)v->type->tensor_type->shape->n_dim;
    }
    return -1;
}

static int is_runtime_input(const Graph *g, const char *name) {
    if (!name || !*name || is_initializer(g, name)) return 0;
    for (size_t i = 0; i < g->n_input; i++)
        if (strcmp(g->input[i]->name, name) == 0) return 1;
    return 0;
}

static const VkcnnOnnx__AttributeProto *attr(const VkcnnOnnx__NodeProto *n, const char *name) {
    for (size_t i = 0; i < n->n_attribute; i++)
        if (strcmp(n->attribute[i]->name, name) == 0) return n->attribute[i];
    return NULL;
}

static int non_float(const VkcnnOnnx__ValueInfoProto *v) {
    return !v->type || !v->type->tensor_type || v->type->tensor_type->elem_type != 1;
}

/* The reasons this model must be refused for (bit set), from the file. */
static unsigned expected_reasons(const Graph *g, int64_t opset) {
    unsigned r = 0;
    for (size_t i = 0; i < g->n_input; i++)
        if (!is_initializer(g, g->input[i]->name) && non_float(g->input[i])) r |= 1u << R_DTYPE;
    for (size_t i = 0; i < g->n_output; i++)
        if (non_float(g->output[i])) r |= 1u << R_DTYPE;
    for (size_t i = 0; i < g->n_node; i++) {
        const VkcnnOnnx__NodeProto *n = g->node[i];
        const char *op = n->op_type;
        const char *in0 = n->n_input ? n->input[0] : "";
        int spatial = !strcmp(op, "Conv") || !strcmp(op, "MaxPool") || !strcmp(op, "AveragePool") ||
                      !strcmp(op, "GlobalAveragePool") || !strcmp(op, "GlobalMaxPool") ||
                      !strcmp(op, "LRN") || !strcmp(op, "BatchNormalization");
        const VkcnnOnnx__AttributeProto *ks = attr(n, "kernel_shape");
        int pool = !strcmp(op, "MaxPool") || !strcmp(op, "AveragePool"); /* 3-D allowed */
        if (spatial && (input_rank(g, in0) >= 5 + pool || (ks && ks->n_ints >= 3u + pool)))
            r |= 1u << R_VOLUMETRIC;
        if (!strcmp(op, "BatchNormalization")) {
            const VkcnnOnnx__AttributeProto *tm = attr(n, "training_mode");
            const VkcnnOnnx__AttributeProto *it = attr(n, "is_test");
            int extra = 0;
            for (size_t k = 1; k < n->n_output; k++)
                extra |= n->output[k][0] != '\0';
            if (extra || (tm && tm->i) || (opset < 7 && !(it && it->i))) r |= 1u << R_TRAINING;
        }
        const VkcnnOnnx__AttributeProto *mode = attr(n, "mode");
        if (!strcmp(op, "Resize") && mode && mode->s.len == 5 && !memcmp(mode->s.data, "cubic", 5))
            r |= 1u << R_CUBIC;
        if (!strcmp(op, "Dropout")) {
            const VkcnnOnnx__AttributeProto *it = attr(n, "is_test");
            if ((n->n_input > 2 && n->input[2][0]) || (opset < 7 && !(it && it->i)))
                r |= 1u << R_TRAINING;
        }
        /* operands that are shapes, axes, pads or bounds */
        int first_shape = -1;
        if (!strcmp(op, "Reshape") || !strcmp(op, "Gather") || !strcmp(op, "Pad") ||
            !strcmp(op, "Clip") || !strcmp(op, "Slice") || !strcmp(op, "Squeeze") ||
            !strcmp(op, "Unsqueeze") || !strcmp(op, "Split") || !strcmp(op, "Tile") ||
            !strcmp(op, "Expand") || !strcmp(op, "Resize") || !strcmp(op, "Upsample"))
            first_shape = 1;
        if (!strcmp(op, "Range") || !strcmp(op, "ConstantOfShape") || !strcmp(op, "If"))
            first_shape = 0; /* every operand (an If's condition) */
        for (size_t k = first_shape < 0 ? n->n_input : (size_t)first_shape; k < n->n_input; k++)
            if (is_runtime_input(g, n->input[k])) r |= 1u << R_DATADEP;
    }
    return r;
}

/* The operators outside the list in graph g and in its If branches (the
 * importer checks those too); decoded branches go to subs, freed by the
 * caller. */
static void unsupported_ops(const Graph *g, const char **unsup, size_t *n, Graph **subs,
                            size_t *nsubs) {
    for (size_t i = 0; i < g->n_node && *n < 64; i++) {
        const VkcnnOnnx__NodeProto *node = g->node[i];
        if (!is_supported(node->domain, node->op_type)) {
            unsup[(*n)++] = node->op_type;
            continue;
        }
        if (strcmp(node->op_type, "If") != 0) continue;
        for (size_t a = 0; a < node->n_attribute && *nsubs < 16; a++) {
            if (!node->attribute[a]->has_g) continue;
            Graph *sub = vkcnn_onnx__graph_proto__unpack(NULL, node->attribute[a]->g.len,
                                                         node->attribute[a]->g.data);
            if (!sub) continue;
            subs[(*nsubs)++] = sub;
            unsupported_ops(sub, unsup, n, subs, nsubs);
        }
    }
}

static int counts[R_COUNT], loaded, unsupported, failures;

static void fail(const char *path, const char *what, const char *msg) {
    fprintf(stderr, "FAIL %s: %s%s%s\n", path, what, msg ? ": " : "", msg ? msg : "");
    failures++;
}

static void check_shapes(const char *dir, const char *path, const vkcnn_network *net) {
    vkcnn_network_info info;
    vkcnn_network_get_info(net, &info);
    for (uint32_t i = 0; i < info.output_count; i++) {
        char file[4096];
        if (snprintf(file, sizeof file, "%s/test_data_set_0/output_%u.pb", dir, i) >=
            (int)sizeof file)
            return;
        size_t size;
        unsigned char *buf = read_all(file, &size);
        if (!buf) {
            fail(path, "missing expected output file", file);
            return;
        }
        VkcnnOnnx__TensorProto *t = vkcnn_onnx__tensor_proto__unpack(NULL, size, buf);
        free(buf);
        vkcnn_tensor_info ti;
        vkcnn_network_output(net, i, &ti);
        int ok = t && t->n_dims == ti.rank;
        for (size_t d = 0; ok && d < t->n_dims; d++)
            ok = t->dims[d] == ti.shape[d];
        if (!ok) {
            char msg[256];
            snprintf(msg, sizeof msg, "output %u '%s' shape differs from the expected output", i,
                     ti.name);
            fail(path, msg, NULL);
        }
        if (t) vkcnn_onnx__tensor_proto__free_unpacked(t, NULL);
    }
}

static void classify(const char *dir) {
    char path[4096];
    if (snprintf(path, sizeof path, "%s/model.onnx", dir) >= (int)sizeof path) return;
    size_t size;
    unsigned char *buf = read_all(path, &size);
    if (!buf) return;
    VkcnnOnnx__ModelProto *m = vkcnn_onnx__model_proto__unpack(NULL, size, buf);
    if (!m || !m->graph) {
        fail(path, "test cannot decode the model", NULL);
        free(buf);
        return;
    }
    int64_t opset = 0;
    for (size_t i = 0; i < m->n_opset_import; i++)
        if (!m->opset_import[i]->domain || !*m->opset_import[i]->domain)
            opset = m->opset_import[i]->version;
    /* expected unsupported operators, in the graph and in If branches */
    const char *unsup[64];
    size_t nunsup = 0, nsubs = 0;
    Graph *subs[16];
    unsupported_ops(m->graph, unsup, &nunsup, subs, &nsubs);
    unsigned reasons = nunsup ? 0 : expected_reasons(m->graph, opset);

    vkcnn_network *net = NULL;
    vkcnn_status st = vkcnn_network_load_memory(buf, size, NULL, &net);
    const char *msg = vkcnn_last_error();
    if (nunsup) {
        if (st != VKCNN_ERROR_UNSUPPORTED || !strstr(msg, "unsupported operator") ||
            !strstr(msg, "opset"))
            fail(path, "expected an unsupported-operator error", st ? msg : "loaded");
        for (size_t i = 0; i < nunsup && st; i++)
            if (!strstr(msg, unsup[i])) fail(path, "unsupported operator not named", unsup[i]);
        unsupported++;
    } else if (!reasons) {
        if (st != VKCNN_OK)
            fail(path, "refused a supported model", msg);
        else {
            check_shapes(dir, path, net);
            loaded++;
        }
    } else if (st == VKCNN_OK) {
        char why[128] = "";
        for (int r = 0; r < R_COUNT; r++)
            if (reasons & (1u << r)) strcat(why, reason_names[r]), strcat(why, " ");
        fail(path, "loaded, but should be refused for", why);
    } else {
        int matched = -1;
        for (int r = 0; r < R_COUNT && matched < 0; r++)
            if ((reasons & (1u << r)) && strstr(msg, reason_keys[r])) matched = r;
        if (st != VKCNN_ERROR_UNSUPPORTED || matched < 0)
            fail(path, "refused for an unexpected reason", msg);
        else
            counts[matched]++;
    }
    if (getenv("VKCNN_TEST_VERBOSE")) printf("%-80s %s\n", path, st ? msg : "loaded");
    vkcnn_network_destroy(net);
    for (size_t i = 0; i < nsubs; i++)
        vkcnn_onnx__graph_proto__free_unpacked(subs[i], NULL);
    vkcnn_onnx__model_proto__free_unpacked(m, NULL);
    free(buf);
}

static int by_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
    const char *root = argc > 1 ? argv[1] : "/usr/share/libonnx-testdata/data";
    static const char *const suites[] = {"node", "pytorch-converted", "pytorch-operator"};
    int models = 0;
    for (size_t s = 0; s < 3; s++) {
        char dir[4096];
        if (snprintf(dir, sizeof dir, "%s/%s", root, suites[s]) >= (int)sizeof dir) return 2;
        DIR *d = opendir(dir);
        if (!d) {
            printf("SKIP: %s not found (install libonnx-testdata)\n", dir);
            return 77;
        }
        char **names = NULL;
        size_t n = 0;
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.') continue;
            names = realloc(names, (n + 1) * sizeof *names);
            names[n++] = strdup(e->d_name);
        }
        closedir(d);
        qsort(names, n, sizeof *names, by_name);
        for (size_t i = 0; i < n; i++) {
            char sub[4096];
            if (snprintf(sub, sizeof sub, "%s/%s", dir, names[i]) < (int)sizeof sub) classify(sub);
            models++;
            free(names[i]);
        }
        free(names);
    }
    printf("libonnx-testdata: %d models: %d loaded (shapes checked), %d unsupported operator",
           models, loaded, unsupported);
    for (int r = 0; r < R_COUNT; r++)
        printf(", %d %s", counts[r], reason_names[r]);
    printf("; %d failures\n", failures);
    return failures ? 1 : 0;
}
