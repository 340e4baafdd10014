/* vkcnn inspect MODEL [--json] [--batch N] [--plan] [--dot FILE] [--device D]:
 * the model's inputs, outputs and nodes with output shapes, parameters and
 * multiply-accumulates per layer and in total. Public API only. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "json.h"
#include "vkcnn.h"

static void usage(FILE *f) {
    fprintf(f, "usage: vkcnn inspect MODEL [--json] [--batch N] [--dot FILE]\n"
               "       vkcnn inspect MODEL --plan [--glsl] [--no-fusion] [--batch N] [--device D]\n"
               "                     [--cache-dir DIR] [--no-cache]\n"
               "  Loads an ONNX model and prints its inputs, outputs and every node with its\n"
               "  output shape, parameters and multiply-accumulates (MACs).\n"
               "  --json       print JSON instead of text\n"
               "  --batch N    bind a symbolic batch dimension to N (default: 1)\n"
               "  --dot FILE   also write the graph for Graphviz (dot -Tsvg FILE)\n"
               "  --plan       compile the model for a device and print the plan instead:\n"
               "               the fused groups (the nodes each dispatch computes), the\n"
               "               kernel and grid of each, where every tensor lives (arena\n"
               "               offsets), and the totals: dispatches, barriers, activation\n"
               "               memory with and without sharing\n"
               "  --glsl       with --plan, also print each generated kernel's GLSL\n"
               "  --no-fusion  with --plan, one kernel per node (no graph "
               "passes)\n"
               "With --plan only (the device the plan is for, and its shader "
               "cache):\n" CLI_DEVICE_FLAGS_HELP CLI_EXIT_HELP);
}

static void json_shape(uint32_t rank, const int64_t *shape) {
    printf("[");
    for (uint32_t i = 0; i < rank; i++)
        printf("%s%" PRId64, i ? ", " : "", shape[i]);
    printf("]");
}

static void text_shape(uint32_t rank, const int64_t *shape) {
    printf("[");
    for (uint32_t i = 0; i < rank; i++)
        printf("%s%" PRId64, i ? "x" : "", shape[i]);
    printf("]");
}

static void json_tensors(const vkcnn_network *net, uint32_t count, int outputs) {
    printf("[");
    for (uint32_t i = 0; i < count; i++) {
        vkcnn_tensor_info t;
        if (outputs)
            vkcnn_network_output(net, i, &t);
        else
            vkcnn_network_input(net, i, &t);
        printf("%s{\"name\": ", i ? ", " : "");
        json_string(stdout, t.name);
        printf(", \"shape\": ");
        json_shape(t.rank, t.shape);
        printf(", \"dtype\": \"%s\"}", t.dtype);
    }
    printf("]");
}

static void json_names(uint32_t count, const char *const *names) {
    printf("[");
    for (uint32_t i = 0; i < count; i++) {
        if (i) printf(", ");
        json_string(stdout, names[i]);
    }
    printf("]");
}

static void print_json(const char *path, const vkcnn_network *net, const vkcnn_network_info *info) {
    printf("{\"model\": ");
    json_string(stdout, path);
    printf(", \"ir_version\": %" PRId64 ", \"opset\": %" PRId64 ", \"producer\": ",
           info->ir_version, info->opset);
    json_string(stdout, info->producer);
    printf(",\n \"inputs\": ");
    json_tensors(net, info->input_count, 0);
    printf(",\n \"outputs\": ");
    json_tensors(net, info->output_count, 1);
    printf(",\n \"nodes\": [");
    for (uint32_t i = 0; i < info->node_count; i++) {
        vkcnn_node_info n;
        vkcnn_network_node(net, i, &n);
        printf("%s\n  {\"name\": ", i ? "," : "");
        json_string(stdout, n.name);
        printf(", \"op\": \"%s\", \"inputs\": ", n.op);
        json_names(n.input_count, n.inputs);
        printf(", \"outputs\": ");
        json_names(n.output_count, n.outputs);
        printf(", \"shape\": ");
        json_shape(n.rank, n.shape);
        printf(", \"params\": %" PRIu64 ", \"macs\": %" PRIu64 "}", n.params, n.macs);
    }
    printf("\n ], \"params\": %" PRIu64 ", \"macs\": %" PRIu64 "}\n", info->params, info->macs);
}

static void print_text(const char *path, const vkcnn_network *net, const vkcnn_network_info *info) {
    printf("model     %s\n", path);
    printf("producer  %s %s, IR version %" PRId64 ", opset %" PRId64 ", batch %" PRIu32 "\n",
           *info->producer ? info->producer : "(none)", info->producer_version, info->ir_version,
           info->opset, info->batch);
    for (uint32_t i = 0; i < info->input_count + info->output_count; i++) {
        vkcnn_tensor_info t;
        int out = i >= info->input_count;
        if (out)
            vkcnn_network_output(net, i - info->input_count, &t);
        else
            vkcnn_network_input(net, i, &t);
        printf("%-9s %s ", out ? "output" : "input", t.name);
        text_shape(t.rank, t.shape);
        printf(" %s\n", t.dtype);
    }
    printf("\n%-4s %-28s %-20s %-20s %14s %16s\n", "#", "node", "op", "output shape", "params",
           "MACs");
    for (uint32_t i = 0; i < info->node_count; i++) {
        vkcnn_node_info n;
        vkcnn_network_node(net, i, &n);
        char shape[96];
        size_t used = 0;
        shape[0] = '\0';
        for (uint32_t d = 0; d < n.rank && used < sizeof shape; d++) {
            int w =
                snprintf(shape + used, sizeof shape - used, "%s%" PRId64, d ? "x" : "", n.shape[d]);
            used += w > 0 ? (size_t)w : 0;
        }
        printf("%-4" PRIu32 " %-28s %-20s %-20s %14" PRIu64 " %16" PRIu64 "\n", i, n.name, n.op,
               shape, n.params, n.macs);
    }
    printf("\n%u nodes (%u folded at load), %" PRIu64 " parameters, %" PRIu64
           " MACs at batch %" PRIu32 " (%.3f GFLOP)\n",
           info->node_count, info->folded_count, info->params, info->macs, info->batch,
           2.0 * (double)info->macs / 1e9);
}

/* Graphviz: one box per node (name, op, output shape), graph inputs and
 * outputs as ellipses, an edge per tensor use. */
static void dot_id(FILE *f, const char *prefix, const char *name) {
    fputc('"', f);
    fputs(prefix, f);
    for (const char *p = name; *p; p++) {
        if (*p == '"' || *p == '\\') fputc('\\', f);
        fputc(*p, f);
    }
    fputc('"', f);
}

static int write_dot(const char *path, const vkcnn_network *net, const vkcnn_network_info *info) {
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "vkcnn inspect: cannot write %s: %s\n", path, strerror(errno));
        return 1;
    }
    fprintf(f, "digraph vkcnn {\n  rankdir=TB;\n  node [fontname=\"Helvetica\", fontsize=10];\n");
    for (uint32_t i = 0; i < info->input_count + info->output_count; i++) {
        vkcnn_tensor_info t;
        if (i < info->input_count)
            vkcnn_network_input(net, i, &t);
        else
            vkcnn_network_output(net, i - info->input_count, &t);
        fprintf(f, "  ");
        dot_id(f, "t:", t.name);
        fprintf(f, " [shape=ellipse, label=\"");
        for (const char *p = t.name; *p; p++)
            fputc(*p == '"' ? '\'' : *p, f);
        fprintf(f, "\\n[");
        for (uint32_t d = 0; d < t.rank; d++)
            fprintf(f, "%s%" PRId64, d ? "x" : "", t.shape[d]);
        fprintf(f, "]\"];\n");
    }
    for (uint32_t n = 0; n < info->node_count; n++) {
        vkcnn_node_info ni;
        vkcnn_network_node(net, n, &ni);
        fprintf(f, "  ");
        dot_id(f, "n:", ni.name);
        fprintf(f, " [shape=box, label=\"");
        for (const char *p = ni.name; *p; p++)
            fputc(*p == '"' ? '\'' : *p, f);
        fprintf(f, "\\n%s [", ni.op);
        for (uint32_t d = 0; d < ni.rank; d++)
            fprintf(f, "%s%" PRId64, d ? "x" : "", ni.shape[d]);
        fprintf(f, "]\"];\n");
    }
    /* edges: from the producing node (or graph input) of each node input */
    for (uint32_t n = 0; n < info->node_count; n++) {
        vkcnn_node_info ni;
        vkcnn_network_node(net, n, &ni);
        for (uint32_t k = 0; k < ni.input_count; k++) {
            const char *in = ni.inputs[k];
            if (!in[0]) continue;
            const char *from = NULL, *prefix = "n:";
            for (uint32_t m = 0; m < n && !from; m++) {
                vkcnn_node_info pi;
                vkcnn_network_node(net, m, &pi);
                for (uint32_t o = 0; o < pi.output_count && !from; o++)
                    if (strcmp(pi.outputs[o], in) == 0) from = pi.name;
            }
            for (uint32_t g = 0; g < info->input_count && !from; g++) {
                vkcnn_tensor_info t;
                vkcnn_network_input(net, g, &t);
                if (strcmp(t.name, in) == 0) {
                    from = t.name;
                    prefix = "t:";
                }
            }
            if (!from) continue; /* a constant: weights are not drawn */
            fprintf(f, "  ");
            dot_id(f, prefix, from);
            fprintf(f, " -> ");
            dot_id(f, "n:", ni.name);
            fprintf(f, ";\n");
        }
        for (uint32_t o = 0; o < ni.output_count; o++)
            for (uint32_t g = 0; g < info->output_count; g++) {
                vkcnn_tensor_info t;
                vkcnn_network_output(net, g, &t);
                if (strcmp(t.name, ni.outputs[o]) == 0) {
                    fprintf(f, "  ");
                    dot_id(f, "n:", ni.name);
                    fprintf(f, " -> ");
                    dot_id(f, "t:", t.name);
                    fprintf(f, ";\n");
                }
            }
    }
    fprintf(f, "}\n");
    if (fclose(f) != 0) {
        fprintf(stderr, "vkcnn inspect: cannot write %s\n", path);
        return 1;
    }
    return 0;
}

/* --plan: compiles the model for the device and prints what it runs. */
static int print_plan(const char *path, const vkcnn_network_options *opts,
                      const vkcnn_context_desc *desc, int glsl, int no_fusion) {
    vkcnn_context *ctx = cli_context("inspect", desc);
    if (!ctx) return 1;
    vkcnn_model_options mo;
    memset(&mo, 0, sizeof mo);
    mo.fusion = no_fusion ? VKCNN_OFF : VKCNN_ON;
    mo.in_flight = 1;
    vkcnn_model *m = NULL;
    vkcnn_status st = vkcnn_model_load_onnx(ctx, path, opts, &mo, &m);
    if (st == VKCNN_OK) {
        vkcnn_device_info info;
        if (vkcnn_context_device_info(ctx, vkcnn_context_device_index(ctx), &info) == VKCNN_OK)
            printf("model %s on %s%s\n", path, info.name, no_fusion ? " (fusion off)" : "");
        st = vkcnn_model_describe(m, glsl ? 2 : 1, stdout);
    }
    if (st != VKCNN_OK)
        fprintf(stderr, "vkcnn inspect: %s: %s\n", vkcnn_status_string(st), vkcnn_last_error());
    vkcnn_model_destroy(m);
    vkcnn_context_destroy(ctx);
    return st == VKCNN_OK ? 0 : 1;
}

int vkcnn_cmd_inspect(int argc, char **argv) {
    const char *model = NULL;
    int json = 0, plan = 0, glsl = 0, no_fusion = 0;
    const char *dot = NULL;
    vkcnn_network_options opts;
    memset(&opts, 0, sizeof opts);
    vkcnn_context_desc desc;
    memset(&desc, 0, sizeof desc);
    const char *device_flag = NULL; /* a flag that only --plan uses */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int dev = cli_device_flag(argc, argv, &i, &desc);
        if (dev < 0) return 2;
        if (dev > 0) {
            device_flag = a;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--json") == 0) {
            json = 1;
        } else if (strcmp(a, "--plan") == 0) {
            plan = 1;
        } else if (strcmp(a, "--glsl") == 0) {
            glsl = 1;
        } else if (strcmp(a, "--no-fusion") == 0) {
            no_fusion = 1;
        } else if (strcmp(a, "--dot") == 0 || strcmp(a, "--batch") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "vkcnn inspect: %s needs a value\n", a);
                usage(stderr);
                return 2;
            }
            const char *v = argv[++i];
            if (strcmp(a, "--dot") == 0) {
                dot = v;
            } else if (strcmp(a, "--batch") == 0) {
                char *end;
                errno = 0;
                unsigned long b = strtoul(v, &end, 10);
                if (errno || *end || end == v || b < 1 || b > 1u << 20 || v[0] == '-') {
                    fprintf(stderr, "vkcnn inspect: --batch '%s' is not a batch size (1..%u)\n", v,
                            1u << 20);
                    return 2;
                }
                opts.batch = (uint32_t)b;
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "vkcnn inspect: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        } else if (!model) {
            model = a;
        } else {
            fprintf(stderr, "vkcnn inspect: more than one model ('%s' and '%s')\n", model, a);
            return 2;
        }
    }
    if (!model) {
        fprintf(stderr, "vkcnn inspect: no model given\n");
        usage(stderr);
        return 2;
    }
    if ((glsl || no_fusion) && !plan) {
        fprintf(stderr, "vkcnn inspect: --glsl and --no-fusion go with --plan\n");
        return 2;
    }
    if (device_flag && !plan) {
        fprintf(stderr,
                "vkcnn inspect: %s does nothing without --plan (only --plan compiles for a "
                "device)\n",
                device_flag);
        return 2;
    }
    if (plan && (json || dot)) {
        fprintf(stderr, "vkcnn inspect: --plan prints text; use it without --json and --dot\n");
        return 2;
    }
    if (dot && cli_check_writable("inspect", "--dot file", dot)) return 1;
    if (plan) return print_plan(model, &opts, &desc, glsl, no_fusion);
    vkcnn_network *net = NULL;
    vkcnn_status st = vkcnn_network_load_file(model, &opts, &net);
    if (st != VKCNN_OK) {
        fprintf(stderr, "vkcnn inspect: %s: %s\n", vkcnn_status_string(st), vkcnn_last_error());
        return 1;
    }
    vkcnn_network_info info;
    vkcnn_network_get_info(net, &info);
    int rc = dot ? write_dot(dot, net, &info) : 0;
    if (json)
        print_json(model, net, &info);
    else
        print_text(model, net, &info);
    vkcnn_network_destroy(net);
    return rc;
}
