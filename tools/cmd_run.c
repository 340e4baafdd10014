/* vkcnn run MODEL [--input [NAME=]FILE.npy ...] [--output [NAME=]FILE.npy ...]
 * Runs a model once on .npy inputs; writes .npy outputs or prints a summary
 * of each (shape, min, max, argmax per batch row). For scripting and for
 * checking vkcnn against other runtimes.
 *
 * Shapes: an input whose shape the model declares statically takes a tensor
 * of exactly that shape; a symbolic leading (batch) dimension is bound from
 * the tensor given for that input. The network is first loaded at its own
 * batch (symbolic dimensions as 1); when a tensor's leading dimension differs
 * only there, the network is loaded again with that batch, which binds every
 * symbolic leading dimension to it (a static input that would have to change
 * is refused by the library, naming it). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "json.h"
#include "npy.h"
#include "vkcnn.h"

#define MAX_BINDINGS 64
#define MAX_SLOTS 1024
#define MAX_NPY_BYTES (4ull << 30)

typedef struct binding {
    const char *name; /* NULL: bind by position */
    const char *path;
    uint32_t index; /* resolved model input/output index */
    npy_array array;
} binding;

static void usage(FILE *f) {
    fprintf(f,
            "usage: vkcnn run MODEL [--input [NAME=]FILE.npy ...] [--output [NAME=]FILE.npy ...]\n"
            "                 [--json] [--quiet] [--precision P] [--no-tune] [--device D]\n"
            "                 [--cache-dir DIR] [--no-cache]\n"
            "Runs MODEL once. Give one --input per graph input (none for a model without\n"
            "inputs). Named inputs bind by name; unnamed ones bind, in order, to the\n"
            "remaining graph inputs; likewise outputs.\n"
            "Shapes: an input the model declares with a static shape takes a tensor of\n"
            "exactly that shape; a symbolic leading (batch) dimension is bound from the\n"
            "tensor given for that input (inputs with a symbolic batch share it).\n" NPY_READ_HELP
            "Outputs are written as little-endian float32 .npy files. Without --output,\n"
            "each output's shape, min and max are printed, and its argmax: one per batch\n"
            "row (over the rest of the row) for an output of rank 2 or more, [N, K] say.\n"
            "  --input [NAME=]FILE.npy   a graph input (NAME: bind by name)\n"
            "  --output [NAME=]FILE.npy  write a graph output to FILE\n"
            "  --json           print the summary as JSON (the summary replaces --output)\n"
            "  --quiet          no progress messages (shown for models over 16 MB)\n"
            "" CLI_PRECISION_HELP CLI_TUNE_HELP CLI_DEVICE_FLAGS_HELP CLI_EXIT_HELP);
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

static void shape_text(FILE *f, uint32_t rank, const int64_t *shape) {
    fputc('[', f);
    for (uint32_t i = 0; i < rank; i++)
        fprintf(f, "%s%lld", i ? ", " : "", (long long)shape[i]);
    fputc(']', f);
}

static vkcnn_status tensor(const vkcnn_network *net, int outputs, uint32_t i,
                           vkcnn_tensor_info *info) {
    return outputs ? vkcnn_network_output(net, i, info) : vkcnn_network_input(net, i, info);
}

/* "'a' [1, 3, 224, 224], 'b' [5]" on stderr. */
static void list_tensors(const vkcnn_network *net, int outputs, uint32_t count) {
    for (uint32_t i = 0; i < count; i++) {
        vkcnn_tensor_info t;
        if (tensor(net, outputs, i, &t) != VKCNN_OK) continue;
        fprintf(stderr, "%s'%s' ", i ? ", " : "", t.name);
        shape_text(stderr, t.rank, t.shape);
    }
}

/* Resolves names, then fills the unnamed bindings in order with the
 * remaining slots. Returns 2 (usage) on an unknown name or a wrong count. */
static int resolve(const char *what, binding *b, uint32_t n, uint32_t slots,
                   const vkcnn_network *net, int outputs, int need_all) {
    unsigned char taken[MAX_SLOTS] = {0};
    if (slots > MAX_SLOTS) {
        fprintf(stderr, "vkcnn run: the model has %u %ss, more than the %u this tool binds\n",
                slots, what, MAX_SLOTS);
        return 1;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (!b[i].name) continue;
        uint32_t s = 0;
        vkcnn_tensor_info t;
        while (s < slots && (tensor(net, outputs, s, &t) != VKCNN_OK || strcmp(t.name, b[i].name)))
            s++;
        if (s == slots) {
            fprintf(stderr, "vkcnn run: the model has no %s '%s'; its %ss: ", what, b[i].name,
                    what);
            list_tensors(net, outputs, slots);
            fprintf(stderr, "%s\n", slots ? "" : "none");
            return 2;
        }
        if (taken[s]++) {
            fprintf(stderr, "vkcnn run: %s '%s' given twice\n", what, b[i].name);
            return 2;
        }
        b[i].index = s;
    }
    uint32_t next = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (b[i].name) continue;
        while (next < slots && taken[next])
            next++;
        if (next == slots) {
            fprintf(stderr, "vkcnn run: more --%s files given than the model has %ss (%u: ", what,
                    what, slots);
            list_tensors(net, outputs, slots);
            fprintf(stderr, ")\n");
            return 2;
        }
        b[i].index = next;
        taken[next] = 1;
    }
    if (need_all)
        for (uint32_t s = 0; s < slots; s++)
            if (!taken[s]) {
                vkcnn_tensor_info t;
                tensor(net, outputs, s, &t);
                fprintf(stderr, "vkcnn run: no --input for '%s' ", t.name);
                shape_text(stderr, t.rank, t.shape);
                fprintf(stderr, " (the model has %u input%s: ", slots, slots == 1 ? "" : "s");
                list_tensors(net, 0, slots);
                fprintf(stderr, ")\n");
                return 2;
            }
    return 0;
}

/* 0: same shape; 1: differs only in the leading dimension; 2: otherwise. */
static int compare_shape(const vkcnn_tensor_info *info, const npy_array *a) {
    if (info->rank != a->rank) return 2;
    for (uint32_t i = 1; i < a->rank; i++)
        if (info->shape[i] != a->shape[i]) return 2;
    return a->rank && info->shape[0] != a->shape[0] ? 1 : 0;
}

static void shape_error(const vkcnn_tensor_info *info, const binding *b) {
    fprintf(stderr, "vkcnn run: input '%s' expects shape ", info->name);
    shape_text(stderr, info->rank, info->shape);
    fprintf(stderr, ", %s has ", b->path);
    shape_text(stderr, b->array.rank, b->array.shape);
    fprintf(stderr, "\n");
}

/* The batch the inputs call for: 0 when every input fits `net` as loaded;
 * -1 after reporting a shape that cannot fit or inputs that disagree. */
static long long wanted_batch(const vkcnn_network *net, const binding *in, uint32_t n) {
    long long batch = 0;
    const binding *from = NULL;
    for (uint32_t i = 0; i < n; i++) {
        vkcnn_tensor_info info;
        vkcnn_network_input(net, in[i].index, &info);
        int c = compare_shape(&info, &in[i].array);
        if (c == 2) {
            shape_error(&info, &in[i]);
            return -1;
        }
        if (c == 0) continue;
        long long b = in[i].array.shape[0];
        if (b < 1 || b > UINT32_MAX) {
            fprintf(stderr, "vkcnn run: %s has a batch of %lld\n", in[i].path, b);
            return -1;
        }
        if (from && b != batch) {
            fprintf(stderr,
                    "vkcnn run: %s has a batch of %lld, %s one of %lld: a model binds one "
                    "batch to its symbolic leading dimensions\n",
                    from->path, batch, in[i].path, b);
            return -1;
        }
        batch = b;
        from = &in[i];
    }
    return batch;
}

static uint64_t element_count(const vkcnn_tensor_info *info) {
    uint64_t n = 1;
    for (uint32_t i = 0; i < info->rank; i++)
        n *= (uint64_t)info->shape[i];
    return n;
}

static uint64_t argmax(const float *v, uint64_t n) {
    uint64_t arg = 0;
    for (uint64_t i = 1; i < n; i++)
        if (v[i] > v[arg] || (isnan(v[arg]) && !isnan(v[i]))) arg = i;
    return arg;
}

static void number(double v, int json) {
    if (json && !isfinite(v))
        printf("null");
    else
        printf(json ? "%.9g" : "%.6g", v);
}

/* Shape, min, max (NaNs left out) and argmax: one per batch row for rank >= 2. */
static void summarise(const vkcnn_tensor_info *info, const float *v, uint64_t n, int json,
                      int first) {
    float lo = NAN, hi = NAN;
    for (uint64_t i = 0; i < n; i++) {
        if (isnan(v[i])) continue;
        if (isnan(lo) || v[i] < lo) lo = v[i];
        if (isnan(hi) || v[i] > hi) hi = v[i];
    }
    if (json) {
        printf("%s\n  {\"name\": ", first ? "" : ",");
        json_string(stdout, info->name);
        printf(", \"shape\": ");
        shape_text(stdout, info->rank, info->shape);
        printf(", \"min\": ");
        number(lo, 1);
        printf(", \"max\": ");
        number(hi, 1);
        printf(", \"argmax\": ");
    } else {
        printf("%s ", info->name);
        shape_text(stdout, info->rank, info->shape);
        printf("  min ");
        number(lo, 0);
        printf("  max ");
        number(hi, 0);
        printf("  argmax ");
    }
    if (info->rank >= 2) {
        uint64_t rows = (uint64_t)info->shape[0], per = rows ? n / rows : 0;
        printf("[");
        for (uint64_t r = 0; r < rows; r++)
            printf("%s%llu", r ? ", " : "", (unsigned long long)argmax(v + r * per, per));
        printf("]");
    } else {
        printf("%llu", (unsigned long long)(n ? argmax(v, n) : 0));
    }
    printf(json ? "}" : "\n");
}

int vkcnn_cmd_run(int argc, char **argv) {
    static binding inputs[MAX_BINDINGS], outputs[MAX_BINDINGS];
    uint32_t n_in = 0, n_out = 0;
    const char *model_path = NULL;
    int json = 0, quiet = 0;
    vkcnn_context_desc desc = {0};
    vkcnn_model_options mo = {0};
    for (int i = 1; i < argc; i++) {
        int r = cli_device_flag(argc, argv, &i, &desc);
        if (!r) r = cli_precision_flag("run", argc, argv, &i, &mo.precision);
        if (!r) r = cli_tune_flag(argc, argv, &i, &mo.tuned);
        if (r < 0) return 2;
        if (r > 0) continue;
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--json") == 0) {
            json = 1;
        } else if (strcmp(a, "--quiet") == 0) {
            quiet = 1;
        } else if (strcmp(a, "--input") == 0 || strcmp(a, "--output") == 0) {
            int is_in = a[2] == 'i';
            if (i + 1 >= argc || !argv[i + 1][0]) {
                fprintf(stderr, "vkcnn run: %s needs [NAME=]FILE.npy\n", a);
                return 2;
            }
            if ((is_in ? n_in : n_out) == MAX_BINDINGS) {
                fprintf(stderr, "vkcnn run: more than %d %s flags\n", MAX_BINDINGS, a);
                return 2;
            }
            binding *b = is_in ? &inputs[n_in++] : &outputs[n_out++];
            split_binding(argv[++i], b);
            if (!b->path[0] || (b->name && !b->name[0])) {
                fprintf(stderr, "vkcnn run: %s '%s' needs a name before '=' and a file after it\n",
                        a, argv[i]);
                return 2;
            }
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "vkcnn run: unknown option '%s'\n", a);
            return 2;
        } else if (!model_path) {
            model_path = a;
        } else {
            fprintf(stderr,
                    "vkcnn run: unexpected argument '%s' (one model; inputs go with "
                    "--input)\n",
                    a);
            return 2;
        }
    }
    if (!model_path) {
        fprintf(stderr, "vkcnn run: no model given\n");
        usage(stderr);
        return 2;
    }
    if (json && n_out) {
        fprintf(stderr, "vkcnn run: --json prints the summary that --output replaces: give one "
                        "or the other\n");
        return 2;
    }
    int rc = 1;
    char err[1024];
    vkcnn_network *net = NULL;
    vkcnn_context *ctx = NULL;
    vkcnn_model *model = NULL;
    cli_progress *progress = NULL;
    for (uint32_t i = 0; i < n_in; i++)
        if (npy_read(inputs[i].path, MAX_NPY_BYTES, &inputs[i].array, err, sizeof err) != 0) {
            fprintf(stderr, "vkcnn run: input %s\n", err);
            goto done;
        }
    for (uint32_t i = 0; i < n_out; i++)
        if (cli_check_writable("run", "output", outputs[i].path)) goto done;

    progress = cli_progress_start("run", model_path, quiet);
    cli_progress_stage(progress, "parse", model_path);
    vkcnn_network_options load = {0};
    if (vkcnn_network_load_file(model_path, &load, &net) != VKCNN_OK) {
        fprintf(stderr, "vkcnn run: %s\n", vkcnn_last_error());
        goto done;
    }
    vkcnn_network_info info;
    vkcnn_network_get_info(net, &info);
    if (n_in == 0 && info.input_count > 0) {
        fprintf(stderr, "vkcnn run: %s has %u input%s (", model_path, info.input_count,
                info.input_count == 1 ? "" : "s");
        list_tensors(net, 0, info.input_count);
        fprintf(stderr, "): give each with --input [NAME=]FILE.npy\n");
        rc = 2;
        goto done;
    }
    int r = resolve("input", inputs, n_in, info.input_count, net, 0, 1);
    if (!r) r = resolve("output", outputs, n_out, info.output_count, net, 1, 0);
    if (r) {
        rc = r;
        goto done;
    }
    long long batch = wanted_batch(net, inputs, n_in);
    if (batch < 0) goto done;
    if (batch > 0) { /* a symbolic batch other than the default: load again, bound */
        vkcnn_network_destroy(net);
        net = NULL;
        load.batch = (uint32_t)batch;
        if (vkcnn_network_load_file(model_path, &load, &net) != VKCNN_OK) {
            fprintf(stderr, "vkcnn run: %s\n", vkcnn_last_error());
            goto done;
        }
        for (uint32_t i = 0; i < n_in; i++) {
            vkcnn_tensor_info ti;
            vkcnn_network_input(net, inputs[i].index, &ti);
            if (compare_shape(&ti, &inputs[i].array)) {
                shape_error(&ti, &inputs[i]);
                goto done;
            }
        }
    }
    cli_progress_parsed(progress, net);

    if (!(ctx = cli_context("run", &desc))) goto done;
    if (cli_progress_create_model(progress, ctx, net, &mo, &model) != VKCNN_OK) {
        cli_progress_end(progress);
        progress = NULL;
        fprintf(stderr, "vkcnn run: %s\n", vkcnn_last_error());
        goto done;
    }
    cli_progress_end(progress);
    progress = NULL;
    for (uint32_t i = 0; i < n_in; i++)
        if (vkcnn_model_set_input(model, inputs[i].index, inputs[i].array.data,
                                  inputs[i].array.count) != VKCNN_OK) {
            fprintf(stderr, "vkcnn run: %s\n", vkcnn_last_error());
            goto done;
        }
    if (vkcnn_model_run(model) != VKCNN_OK) {
        fprintf(stderr, "vkcnn run: %s\n", vkcnn_last_error());
        goto done;
    }
    if (json) printf("{\"outputs\": [");
    for (uint32_t o = 0; o < info.output_count; o++) {
        vkcnn_tensor_info oi;
        vkcnn_model_output(model, o, &oi);
        uint64_t n = element_count(&oi);
        float *v = malloc(n ? n * sizeof *v : sizeof *v);
        if (!v || vkcnn_model_get_output(model, o, v, n) != VKCNN_OK) {
            fprintf(stderr, "vkcnn run: %s\n", v ? vkcnn_last_error() : "out of memory");
            free(v);
            goto done;
        }
        if (n_out == 0) {
            summarise(&oi, v, n, json, o == 0);
        } else {
            for (uint32_t b = 0; b < n_out; b++)
                if (outputs[b].index == o &&
                    npy_write(outputs[b].path, oi.rank, oi.shape, v, err, sizeof err) != 0) {
                    fprintf(stderr, "vkcnn run: output %s\n", err);
                    free(v);
                    goto done;
                }
        }
        free(v);
    }
    if (json) printf("\n]}\n");
    rc = 0;
done:
    cli_progress_end(progress);
    vkcnn_model_destroy(model);
    vkcnn_context_destroy(ctx);
    vkcnn_network_destroy(net);
    for (uint32_t i = 0; i < n_in; i++)
        npy_free(&inputs[i].array);
    return rc;
}
