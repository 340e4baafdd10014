/* vkcnn run MODEL --input [NAME=]FILE.npy ... [--output [NAME=]FILE.npy ...]
 * Runs a model once on .npy inputs; writes .npy outputs or prints a summary
 * of each (shape, min, max, argmax). For scripting and for checking vkcnn
 * against other runtimes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "json.h"
#include "npy.h"
#include "vkcnn.h"

#define MAX_BINDINGS 64
#define MAX_NPY_BYTES (4ull << 30)

typedef struct binding {
    const char *name; /* NULL: bind by position */
    const char *path;
    uint32_t index; /* resolved model input/output index */
    npy_array array;
} binding;

static void usage(FILE *f) {
    fprintf(
        f,
        "usage: vkcnn run MODEL --input [NAME=]FILE.npy ... [--output [NAME=]FILE.npy ...]\n"
        "                 [--json] [--precision P] [--device D] [--cache-dir DIR] [--no-cache]\n"
        "Runs MODEL once. Named inputs bind by name; unnamed ones bind, in order, to\n"
        "the remaining graph inputs; likewise outputs. The batch size is the first\n"
        "dimension of the first input (a static model refuses a different one).\n"
        ".npy files must be little-endian float32 in C order (versions 1 to 3).\n"
        "Without --output, each output's shape, min, max and argmax are printed.\n"
        "  --json           print the summary as JSON\n" CLI_PRECISION_HELP CLI_DEVICE_FLAGS_HELP);
}

static void split_binding(char *arg, binding *b) {
    char *eq = strchr(arg, '=');
    /* NAME=FILE; a path that merely contains '=' after a '/' is a path */
    if (eq && !memchr(arg, '/', (size_t)(eq - arg))) {
        *eq = '\0';
        b->name = arg;
        b->path = eq + 1;
    } else {
        b->name = NULL;
        b->path = arg;
    }
}

/* Resolves names, then fills the unnamed bindings in order with the
 * remaining slots. Returns 2 (usage) on an unknown name or a wrong count. */
static int resolve(const char *what, binding *b, uint32_t n, uint32_t slots, vkcnn_model *model,
                   int outputs, int need_all) {
    unsigned char taken[1024] = {0};
    if (slots > sizeof taken) {
        fprintf(stderr, "vkcnn run: model has too many %ss\n", what);
        return 1;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (!b[i].name) continue;
        vkcnn_status st = outputs ? vkcnn_model_find_output(model, b[i].name, &b[i].index)
                                  : vkcnn_model_find_input(model, b[i].name, &b[i].index);
        if (st != VKCNN_OK) {
            fprintf(stderr, "vkcnn run: %s\n", vkcnn_last_error());
            return 2;
        }
        if (taken[b[i].index]++) {
            fprintf(stderr, "vkcnn run: %s '%s' given twice\n", what, b[i].name);
            return 2;
        }
    }
    uint32_t next = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (b[i].name) continue;
        while (next < slots && taken[next])
            next++;
        if (next == slots) {
            fprintf(stderr, "vkcnn run: more %ss given than the model has (%u)\n", what, slots);
            return 2;
        }
        b[i].index = next;
        taken[next] = 1;
    }
    if (need_all)
        for (uint32_t s = 0; s < slots; s++)
            if (!taken[s]) {
                vkcnn_tensor_info info;
                vkcnn_model_input(model, s, &info);
                fprintf(stderr, "vkcnn run: no value for input '%s' (the model has %u inputs)\n",
                        info.name, slots);
                return 2;
            }
    return 0;
}

static int same_shape(const vkcnn_tensor_info *info, const npy_array *a) {
    if (info->rank != a->rank) return 0;
    for (uint32_t i = 0; i < a->rank; i++)
        if (info->shape[i] != a->shape[i]) return 0;
    return 1;
}

static void shape_text(FILE *f, uint32_t rank, const int64_t *shape) {
    fputc('[', f);
    for (uint32_t i = 0; i < rank; i++)
        fprintf(f, "%s%lld", i ? ", " : "", (long long)shape[i]);
    fputc(']', f);
}

static uint64_t element_count(const vkcnn_tensor_info *info) {
    uint64_t n = 1;
    for (uint32_t i = 0; i < info->rank; i++)
        n *= (uint64_t)info->shape[i];
    return n;
}

static void summarise(const vkcnn_tensor_info *info, const float *v, uint64_t n, int json,
                      int first) {
    float lo = n ? v[0] : 0, hi = n ? v[0] : 0;
    uint64_t arg = 0;
    for (uint64_t i = 1; i < n; i++) {
        if (v[i] < lo) lo = v[i];
        if (v[i] > hi) {
            hi = v[i];
            arg = i;
        }
    }
    if (json) {
        printf("%s\n  {\"name\": ", first ? "" : ",");
        json_string(stdout, info->name);
        printf(", \"shape\": ");
        shape_text(stdout, info->rank, info->shape);
        printf(", \"min\": %.9g, \"max\": %.9g, \"argmax\": %llu}", lo, hi,
               (unsigned long long)arg);
    } else {
        printf("%s ", info->name);
        shape_text(stdout, info->rank, info->shape);
        printf("  min %.6g  max %.6g  argmax %llu\n", lo, hi, (unsigned long long)arg);
    }
}

int vkcnn_cmd_run(int argc, char **argv) {
    static binding inputs[MAX_BINDINGS], outputs[MAX_BINDINGS];
    uint32_t n_in = 0, n_out = 0;
    const char *model_path = NULL;
    int json = 0;
    vkcnn_context_desc desc = {0};
    vkcnn_model_options mo = {0};
    for (int i = 1; i < argc; i++) {
        int r = cli_device_flag(argc, argv, &i, &desc);
        if (!r) r = cli_precision_flag("run", argc, argv, &i, &mo.precision);
        if (r < 0) return 2;
        if (r > 0) continue;
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--json") == 0) {
            json = 1;
        } else if (strcmp(a, "--input") == 0 || strcmp(a, "--output") == 0) {
            int is_in = a[2] == 'i';
            if (i + 1 >= argc) {
                fprintf(stderr, "vkcnn run: %s needs [NAME=]FILE.npy\n", a);
                return 2;
            }
            if ((is_in ? n_in : n_out) == MAX_BINDINGS) {
                fprintf(stderr, "vkcnn run: too many %s flags\n", a);
                return 2;
            }
            split_binding(argv[++i], is_in ? &inputs[n_in++] : &outputs[n_out++]);
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "vkcnn run: unknown option '%s'\n", a);
            return 2;
        } else if (!model_path) {
            model_path = a;
        } else {
            fprintf(stderr, "vkcnn run: unexpected argument '%s'\n", a);
            return 2;
        }
    }
    if (!model_path || n_in == 0) {
        usage(stderr);
        return 2;
    }
    int rc = 2;
    char err[1024];
    for (uint32_t i = 0; i < n_in; i++)
        if (npy_read(inputs[i].path, MAX_NPY_BYTES, &inputs[i].array, err, sizeof err) != 0) {
            fprintf(stderr, "vkcnn run: input %s\n", err);
            goto free_inputs;
        }
    rc = 1;
    vkcnn_network_options load = {0};
    const npy_array *first = &inputs[0].array;
    if (first->rank >= 1 && first->shape[0] > 0 && first->shape[0] <= UINT32_MAX)
        load.batch = (uint32_t)first->shape[0];
    vkcnn_context *ctx = cli_context("run", &desc);
    if (!ctx) goto free_inputs;
    vkcnn_model *model = NULL;
    if (vkcnn_model_load_onnx(ctx, model_path, &load, &mo, &model) != VKCNN_OK) {
        fprintf(stderr, "vkcnn run: %s\n", vkcnn_last_error());
        goto free_ctx;
    }
    uint32_t slots_in = vkcnn_model_input_count(model);
    uint32_t slots_out = vkcnn_model_output_count(model);
    int r = resolve("input", inputs, n_in, slots_in, model, 0, 1);
    if (!r) r = resolve("output", outputs, n_out, slots_out, model, 1, 0);
    if (r) {
        rc = r;
        goto free_model;
    }
    for (uint32_t i = 0; i < n_in; i++) {
        vkcnn_tensor_info info;
        vkcnn_model_input(model, inputs[i].index, &info);
        if (!same_shape(&info, &inputs[i].array)) {
            fprintf(stderr, "vkcnn run: input '%s' expects shape ", info.name);
            shape_text(stderr, info.rank, info.shape);
            fprintf(stderr, ", %s has ", inputs[i].path);
            shape_text(stderr, inputs[i].array.rank, inputs[i].array.shape);
            fprintf(stderr, "\n");
            goto free_model;
        }
        if (vkcnn_model_set_input(model, inputs[i].index, inputs[i].array.data,
                                  inputs[i].array.count) != VKCNN_OK) {
            fprintf(stderr, "vkcnn run: %s\n", vkcnn_last_error());
            goto free_model;
        }
    }
    if (vkcnn_model_run(model) != VKCNN_OK) {
        fprintf(stderr, "vkcnn run: %s\n", vkcnn_last_error());
        goto free_model;
    }
    if (json && n_out == 0) printf("{\"outputs\": [");
    for (uint32_t o = 0; o < slots_out; o++) {
        vkcnn_tensor_info info;
        vkcnn_model_output(model, o, &info);
        uint64_t n = element_count(&info);
        float *v = malloc(n ? n * sizeof *v : sizeof *v);
        if (!v || vkcnn_model_get_output(model, o, v, n) != VKCNN_OK) {
            fprintf(stderr, "vkcnn run: %s\n", v ? vkcnn_last_error() : "out of memory");
            free(v);
            goto free_model;
        }
        if (n_out == 0) {
            summarise(&info, v, n, json, o == 0);
        } else {
            for (uint32_t b = 0; b < n_out; b++)
                if (outputs[b].index == o &&
                    npy_write(outputs[b].path, info.rank, info.shape, v, err, sizeof err) != 0) {
                    fprintf(stderr, "vkcnn run: output %s\n", err);
                    free(v);
                    goto free_model;
                }
        }
        free(v);
    }
    if (json && n_out == 0) printf("\n]}\n");
    rc = 0;
free_model:
    vkcnn_model_destroy(model);
free_ctx:
    vkcnn_context_destroy(ctx);
free_inputs:
    for (uint32_t i = 0; i < n_in; i++)
        npy_free(&inputs[i].array);
    return rc;
}
