/* Property test over whole models: for every model given, the fused and
 * memory-planned executor (graph passes on, activations in one arena) and
 * the unfused one (one kernel per node, one buffer per tensor) agree on
 * every graph output:
 *     max |fused - unfused| <= 1e-4 * max |unfused| + 1e-5
 * and the executor's memory plan holds (vkc_plan_verify: no two tensors live
 * at the same time overlap; arena <= naive sum).
 *
 * Usage: test_fusion_models [--no-elementwise-only] PATH...
 * A PATH that is a file is a model that must load and compile. With
 * --no-elementwise-only, a fused dispatch that computes only elementwise
 * nodes (one that no Conv, Gemm or MatMul group took) fails the model;
 * their count is printed either way. A directory
 * is searched one level down for <case>/model.onnx (libonnx-testdata's
 * layout); cases that the importer or the unfused executor refuse are
 * skipped (tests/conformance covers them), the others must pass. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/checked.h"
#include "core/error.h"
#include "exec/exec.h"
#include "graph/network.h"
#include "harness.h"
#include "ops/op_table.h"
#include "passes/passes.h"
#include "plan/plan.h"

static int failures, passed, skipped;
static bool no_elementwise_only;

/* Dispatches of e whose graph nodes are all elementwise; the first one's
 * nodes are described into `first`. */
static uint32_t elementwise_only(const vkc_graph *g, const vkc_exec *e, char *first, size_t size) {
    uint32_t count = 0;
    first[0] = '\0';
    for (uint32_t i = 0; i < vkc_exec_dispatch_count(e); i++) {
        const uint32_t *nodes;
        uint32_t n = vkc_exec_dispatch_nodes(e, i, &nodes), k = 0;
        while (k < n && vkc_op_is(g->nodes[nodes[k]].op, VKC_OPF_ELEMENTWISE))
            k++;
        if (n == 0 || k < n) continue;
        if (count++ == 0)
            for (uint32_t j = 0; j < n; j++) {
                size_t len = strlen(first);
                snprintf(first + len, size - len, "%s%s (%s)", j ? " + " : "",
                         g->nodes[nodes[j]].name, vkc_op_name(g->nodes[nodes[j]].op));
            }
    }
    return count;
}

static vkcnn_status run(vkcnn_context *ctx, const vkc_graph *g, bool fusion, uint64_t seed,
                        float **outputs, vkc_exec **out) {
    /* fused as users get it: Winograd on for the 3x3 layers it takes */
    vkc_exec_options o = {.fusion = fusion, .winograd = fusion, .plan_memory = fusion};
    vkcnn_status st = vkc_exec_create(ctx, g, &o, out);
    for (uint32_t i = 0; !st && i < g->input_count; i++) {
        const vkc_tensor *t = &g->tensors[g->inputs[i]];
        float *x = vkc_calloc(t->elements ? t->elements : 1, sizeof *x);
        if (!x) return VKCNN_ERROR_OUT_OF_HOST_MEMORY;
        uint64_t s = seed + i;
        for (uint64_t k = 0; k < t->elements; k++)
            x[k] = th_randf(&s);
        st = vkc_exec_write(*out, g->inputs[i], x, t->elements);
        free(x);
    }
    if (!st) st = vkc_exec_run(*out);
    for (uint32_t i = 0; !st && i < g->output_count; i++) {
        const vkc_tensor *t = &g->tensors[g->outputs[i]];
        outputs[i] = vkc_calloc(t->elements ? t->elements : 1, sizeof(float));
        if (!outputs[i]) return VKCNN_ERROR_OUT_OF_HOST_MEMORY;
        st = vkc_exec_read(*out, g->outputs[i], outputs[i], t->elements);
    }
    return st;
}

/* vkc_plan_verify over the executor's plan, with the graph the passes made
 * (the plan indexes its tensors: the model's, then the folded and packed
 * weights), replayed with the executor's own pass options. */
static bool plan_ok(const vkc_graph *g, const vkc_exec *e, char *why, size_t size) {
    const vkc_plan *p = vkc_exec_memory_plan(e);
    vkc_exec_memory m;
    vkc_exec_memory_stats(e, &m);
    if (m.arena_bytes > m.naive_bytes) {
        snprintf(why, size, "arena %llu > naive %llu", (unsigned long long)m.arena_bytes,
                 (unsigned long long)m.naive_bytes);
        return false;
    }
    if (!p) return true; /* nothing to plan, or over one allocation: per-tensor buffers */
    vkc_graph *c = NULL;
    vkc_passes r;
    vkc_passes_options po;
    vkc_exec_passes_options(e, true, true, &po);
    bool ok = vkc_graph_clone(g, &c) == VKCNN_OK && vkc_passes_run(c, &po, &r) == VKCNN_OK;
    if (ok) {
        ok = c->tensor_count == p->tensor_count && vkc_plan_verify(c, p) == VKCNN_OK;
        if (!ok) snprintf(why, size, "plan: %s", vkc_error_message());
    } else {
        snprintf(why, size, "passes: %s", vkc_error_message());
    }
    vkc_graph_clone_destroy(c, g);
    return ok;
}

static void check_model(vkcnn_context *ctx, const char *path, bool optional) {
    vkcnn_network *net = NULL;
    if (vkcnn_network_load_file(path, NULL, &net) != VKCNN_OK) {
        if (optional) {
            skipped++;
            return;
        }
        fprintf(stderr, "FAIL %s: load: %s\n", path, vkc_error_message());
        failures++;
        return;
    }
    const vkc_graph *g = vkc_network_graph(net);
    float **ref = vkc_calloc(g->output_count + 1, sizeof *ref);
    float **got = vkc_calloc(g->output_count + 1, sizeof *got);
    vkc_exec *plain = NULL, *fused = NULL;
    if (!ref || !got) abort();
    vkcnn_status st = run(ctx, g, false, 1234, ref, &plain);
    if (st && optional) {
        skipped++;
        goto done;
    }
    if (!st) st = run(ctx, g, true, 1234, got, &fused);
    if (st) {
        fprintf(stderr, "FAIL %s: %s\n", path, vkc_error_message());
        failures++;
        goto done;
    }
    double worst = 0, worst_ratio = 0;
    for (uint32_t i = 0; i < g->output_count; i++) {
        uint64_t n = g->tensors[g->outputs[i]].elements;
        double maxref = 0, maxdiff = 0;
        bool nan_mismatch = false;
        for (uint64_t k = 0; k < n; k++) {
            if (isnan(ref[i][k]) || isnan(got[i][k])) {
                nan_mismatch |= isnan(ref[i][k]) != isnan(got[i][k]);
                continue;
            }
            if (isinf(ref[i][k]) || isinf(got[i][k])) {
                nan_mismatch |= ref[i][k] != got[i][k];
                continue;
            }
            maxref = fmax(maxref, fabs(ref[i][k]));
            maxdiff = fmax(maxdiff, fabs((double)ref[i][k] - got[i][k]));
        }
        double tol = 1e-4 * maxref + 1e-5;
        if (nan_mismatch || maxdiff > tol) {
            fprintf(stderr, "FAIL %s: output '%s' max |diff| %.3g > %.3g%s\n", path,
                    g->tensors[g->outputs[i]].name, maxdiff, tol,
                    nan_mismatch ? " (NaN/inf mismatch)" : "");
            failures++;
            goto done;
        }
        worst = fmax(worst, maxdiff);
        worst_ratio = fmax(worst_ratio, maxdiff / tol);
    }
    char why[1024];
    if (!plan_ok(g, fused, why, sizeof why)) {
        fprintf(stderr, "FAIL %s: %s\n", path, why);
        failures++;
        goto done;
    }
    char first[1024];
    uint32_t elt = elementwise_only(g, fused, first, sizeof first);
    if (!optional)
        printf("%s: %u dispatches compute only elementwise nodes%s%s\n", path, elt,
               elt ? ", the first: " : "", first);
    if (elt && no_elementwise_only) {
        fprintf(stderr, "FAIL %s: %u elementwise-only dispatches (first: %s)\n", path, elt, first);
        failures++;
        goto done;
    }
    vkc_exec_memory m;
    vkc_exec_memory_stats(fused, &m);
    if (!optional)
        printf("%s: max |diff| %.3g (%.3f of tolerance); dispatches %u -> %u, barriers %u -> %u, "
               "activations %llu -> %llu bytes\n",
               path, worst, worst_ratio, vkc_exec_dispatch_count(plain),
               vkc_exec_dispatch_count(fused), vkc_exec_barrier_count(plain),
               vkc_exec_barrier_count(fused), (unsigned long long)m.naive_bytes,
               (unsigned long long)m.arena_bytes);
    passed++;
done:
    vkc_exec_destroy(plain);
    vkc_exec_destroy(fused);
    for (uint32_t i = 0; i < g->output_count; i++) {
        free(ref[i]);
        free(got[i]);
    }
    free(ref);
    free(got);
    vkcnn_network_destroy(net);
}

static int by_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void check_dir(vkcnn_context *ctx, const char *dir) {
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "FAIL cannot open %s\n", dir);
        failures++;
        return;
    }
    char **names = NULL;
    size_t count = 0;
    for (struct dirent *ent; (ent = readdir(d));) {
        if (ent->d_name[0] == '.') continue;
        char **grown = realloc(names, (count + 1) * sizeof *names);
        if (!grown) abort();
        names = grown;
        names[count] = malloc(strlen(ent->d_name) + 1);
        if (!names[count]) abort();
        strcpy(names[count++], ent->d_name);
    }
    closedir(d);
    qsort(names, count, sizeof *names, by_name);
    int before = passed;
    for (size_t i = 0; i < count; i++) {
        char path[4096];
        struct stat sb;
        snprintf(path, sizeof path, "%s/%s/model.onnx", dir, names[i]);
        if (stat(path, &sb) == 0) check_model(ctx, path, true);
        free(names[i]);
    }
    free(names);
    printf("%s: %d cases agree\n", dir, passed - before);
}

int main(int argc, char **argv) {
    vkcnn_context *ctx = th_context(NULL, 0, 0);
    if (!ctx) return 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--no-elementwise-only") == 0) {
            no_elementwise_only = true;
            continue;
        }
        struct stat sb;
        if (stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode))
            check_dir(ctx, argv[i]);
        else
            check_model(ctx, argv[i], false);
    }
    printf("test_fusion_models: %d passed, %d skipped, %d failed\n", passed, skipped, failures);
    th_destroy(ctx);
    int rc = th_done("test_fusion_models");
    return failures ? 1 : rc;
}
