/* ONNX's own operator tests on a Vulkan device.
 *
 *   onnx_conformance [--device D] [--rtol R] [--atol A] [--verbose] [--list-passing] PATH...
 *
 * PATH is a case folder (model.onnx + test_data_set_N/{input,output}_M.pb) or
 * a folder of them. Each case loads through the public API, runs every data
 * set, and compares every output with |got - want| <= atol + rtol * |want|
 * (defaults rtol 1e-3, atol 1e-5: a GPU sums in another order than the
 * reference). A case whose model vkcnn refuses as unsupported is skipped with
 * the reason; any other failure fails it. Prints one line per case and the
 * closing line "N passed, N failed, N skipped". Exits 1 if any failed or the
 * validation layer reported anything.
 *
 * --list-passing also prints "TOLERANCE rtol R atol A" first and
 * "PASSED-DIR FOLDER" for every case that passed, for tests that run the same
 * cases another way (tests/cli/check_run_conformance.py). */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "import/import.h"
#include "import/onnx_internal.h"
#include "vkcnn.h"

#define MAX_IO 16

static float rel_tol = 1e-3f, abs_tol = 1e-5f;
static int verbose, list_passing;
static int passed, failed, skipped;
static unsigned validation_issues;

static void on_log(vkcnn_log_level level, vkcnn_log_source source, const char *message,
                   void *user) {
    (void)user;
    if (source == VKCNN_LOG_SOURCE_VALIDATION && level >= VKCNN_LOG_WARN) {
        validation_issues++;
        fprintf(stderr, "validation: %s\n", message);
    }
}

static int is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

/* A tensor from a TensorProto file, decoded by the importer's own code. */
typedef struct pb_tensor {
    uint32_t rank;
    int64_t dims[8];
    uint64_t count;
    float *data;
} pb_tensor;

static int read_pb(const char *path, pb_tensor *out, char *why, size_t why_size) {
    memset(out, 0, sizeof *out);
    vkc_onnx_file file;
    if (vkc_onnx_file_open(path, 1ull << 31, &file) != VKCNN_OK) {
        snprintf(why, why_size, "%s", vkcnn_last_error());
        return -1;
    }
    VkcnnOnnx__TensorProto *tp = vkcnn_onnx__tensor_proto__unpack(NULL, file.size, file.data);
    vkc_onnx_file_close(&file);
    if (!tp) {
        snprintf(why, why_size, "%s: not a TensorProto", path);
        return -1;
    }
    vkc_limits lim = {.max_file_bytes = 1ull << 31,
                      .max_tensor_elements = 1ull << 28,
                      .max_total_bytes = 1ull << 32,
                      .max_nodes = 1,
                      .max_tensors = 1};
    vkc_graph *g = vkc_graph_create(&lim);
    uint32_t ti;
    int rc = -1;
    if (g && vkc_graph_add_tensor(g, "t", &ti) == VKCNN_OK &&
        vkc_onnx_load_tensor(g, ti, tp, NULL, NULL) == VKCNN_OK) {
        const vkc_tensor *t = &g->tensors[ti];
        if (t->dtype != VKC_DTYPE_FLOAT32) {
            snprintf(why, why_size, "%s: not float32", path);
        } else {
            out->rank = t->rank;
            memcpy(out->dims, t->dims, sizeof out->dims);
            out->count = t->elements;
            out->data = malloc(t->elements ? t->elements * 4 : 4);
            if (out->data) {
                memcpy(out->data, t->data, t->elements * 4);
                rc = 0;
            }
        }
    } else {
        snprintf(why, why_size, "%s: %s", path, vkcnn_last_error());
    }
    vkc_graph_destroy(g);
    vkcnn_onnx__tensor_proto__free_unpacked(tp, NULL);
    return rc;
}

/* Runs one data set; returns 0 when every output matches. */
static int run_set(vkcnn_model *model, const char *set, char *why, size_t why_size) {
    uint32_t n_in = vkcnn_model_input_count(model), n_out = vkcnn_model_output_count(model);
    char path[4400];
    for (uint32_t i = 0; i < n_in; i++) {
        snprintf(path, sizeof path, "%s/input_%u.pb", set, i);
        pb_tensor t;
        if (read_pb(path, &t, why, why_size) != 0) return -1;
        vkcnn_status st = vkcnn_model_set_input(model, i, t.data, t.count);
        free(t.data);
        if (st != VKCNN_OK) {
            snprintf(why, why_size, "set input %u: %s", i, vkcnn_last_error());
            return -1;
        }
    }
    if (vkcnn_model_run(model) != VKCNN_OK) {
        snprintf(why, why_size, "run: %s", vkcnn_last_error());
        return -1;
    }
    for (uint32_t o = 0; o < n_out; o++) {
        snprintf(path, sizeof path, "%s/output_%u.pb", set, o);
        pb_tensor want;
        if (read_pb(path, &want, why, why_size) != 0) return -1;
        vkcnn_tensor_info info;
        vkcnn_model_output(model, o, &info);
        uint64_t n = 1;
        for (uint32_t d = 0; d < info.rank; d++)
            n *= (uint64_t)info.shape[d];
        int same = n == want.count;
        if (!same) {
            snprintf(why, why_size, "output %u '%s': %llu elements, expected %llu", o, info.name,
                     (unsigned long long)n, (unsigned long long)want.count);
            free(want.data);
            return -1;
        }
        float *got = malloc(n ? n * 4 : 4);
        int rc = 0;
        if (!got || vkcnn_model_get_output(model, o, got, n) != VKCNN_OK) {
            snprintf(why, why_size, "read output %u: %s", o, vkcnn_last_error());
            rc = -1;
        }
        double worst = 0;
        uint64_t worst_i = 0;
        for (uint64_t i = 0; rc == 0 && i < n; i++) {
            float a = got[i], b = want.data[i];
            if (isnan(b) && isnan(a)) continue;
            double diff = fabs((double)a - (double)b);
            double excess = diff - (abs_tol + rel_tol * fabs((double)b));
            if (!(excess <= 0) && (isnan(excess) || excess > worst || worst == 0)) {
                worst = isnan(excess) ? INFINITY : excess;
                worst_i = i;
                rc = 1;
            }
        }
        if (rc == 1) {
            snprintf(why, why_size, "output %u '%s'[%llu] = %.9g, expected %.9g", o, info.name,
                     (unsigned long long)worst_i, got[worst_i], want.data[worst_i]);
            rc = -1;
        }
        free(got);
        free(want.data);
        if (rc) return -1;
    }
    return 0;
}

static void run_case(vkcnn_context *ctx, const char *dir, const char *name) {
    char model_path[4096], why[2048] = "";
    snprintf(model_path, sizeof model_path, "%s/model.onnx", dir);
    vkcnn_network *net = NULL;
    vkcnn_status st = vkcnn_network_load_file(model_path, NULL, &net);
    if (st == VKCNN_ERROR_UNSUPPORTED) {
        printf("SKIP %s: %s\n", name, vkcnn_last_error());
        skipped++;
        return;
    }
    if (st != VKCNN_OK) {
        printf("FAIL %s: load: %s: %s\n", name, vkcnn_status_string(st), vkcnn_last_error());
        failed++;
        return;
    }
    vkcnn_model *model = NULL;
    st = vkcnn_model_create(ctx, net, NULL, &model);
    vkcnn_network_destroy(net);
    if (st != VKCNN_OK) {
        printf("FAIL %s: compile: %s: %s\n", name, vkcnn_status_string(st), vkcnn_last_error());
        failed++;
        return;
    }
    int sets = 0, ok = 1;
    for (int s = 0; ok && s < 64; s++) {
        char set[4200];
        snprintf(set, sizeof set, "%s/test_data_set_%d", dir, s);
        if (!is_dir(set)) break;
        sets++;
        if (run_set(model, set, why, sizeof why) != 0) ok = 0;
    }
    vkcnn_model_destroy(model);
    if (sets == 0) {
        printf("SKIP %s: no test data sets\n", name);
        skipped++;
    } else if (ok) {
        if (verbose)
            printf("PASS %s (%d data sets)\n", name, sets);
        else
            printf("PASS %s\n", name);
        if (list_passing) printf("PASSED-DIR %s\n", dir);
        passed++;
    } else {
        printf("FAIL %s: %s\n", name, why);
        failed++;
    }
}

static int compare_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_path(vkcnn_context *ctx, const char *path) {
    char model_path[4096];
    snprintf(model_path, sizeof model_path, "%s/model.onnx", path);
    if (exists(model_path)) {
        const char *base = strrchr(path, '/');
        run_case(ctx, path, base ? base + 1 : path);
        return;
    }
    DIR *d = opendir(path);
    if (!d) {
        printf("FAIL %s: cannot open\n", path);
        failed++;
        return;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            char **grown = realloc(names, cap * sizeof *names);
            if (!grown) break;
            names = grown;
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, compare_names);
    for (size_t i = 0; i < n; i++) {
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", path, names[i]);
        if (is_dir(sub)) run_path(ctx, sub);
        free(names[i]);
    }
    free(names);
}

int main(int argc, char **argv) {
    vkcnn_context_desc desc = {.log = on_log, .log_level = VKCNN_LOG_WARN};
    int first_path = argc;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--device") == 0 && i + 1 < argc)
            desc.device = argv[++i];
        else if (strcmp(argv[i], "--rtol") == 0 && i + 1 < argc)
            rel_tol = strtof(argv[++i], NULL);
        else if (strcmp(argv[i], "--atol") == 0 && i + 1 < argc)
            abs_tol = strtof(argv[++i], NULL);
        else if (strcmp(argv[i], "--verbose") == 0)
            verbose = 1;
        else if (strcmp(argv[i], "--list-passing") == 0)
            list_passing = 1;
        else if (argv[i][0] == '-') {
            fprintf(stderr, "usage: onnx_conformance [--device D] [--rtol R] [--atol A] PATH...\n");
            return 2;
        } else {
            first_path = i;
            break;
        }
    }
    if (first_path >= argc) {
        fprintf(stderr, "usage: onnx_conformance [--device D] [--rtol R] [--atol A] PATH...\n");
        return 2;
    }
    if (list_passing) printf("TOLERANCE rtol %.9g atol %.9g\n", rel_tol, abs_tol);
    vkcnn_context *ctx = NULL;
    if (vkcnn_context_create(&desc, &ctx) != VKCNN_OK) {
        fprintf(stderr, "onnx_conformance: %s\n", vkcnn_last_error());
        return 1;
    }
    for (int i = first_path; i < argc; i++)
        run_path(ctx, argv[i]);
    vkcnn_context_destroy(ctx);
    if (validation_issues) printf("validation layer: %u warnings or errors\n", validation_issues);
    printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
    return failed || validation_issues ? 1 : 0;
}
