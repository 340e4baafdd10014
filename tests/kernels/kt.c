#include "kt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "core/half.h"
#include "ref/ref.h"

#define KT_MAX_TENSORS 256

static float *host[KT_MAX_TENSORS]; /* graph-input data, by tensor index */
static unsigned cases, failures;
static double worst_rel, worst_abs;
static struct timespec started;

/* kt.h: KT_CASE, KT_SEED, KT_VARIANTS, KT_VERBOSE and their options */
static struct {
    bool read, verbose, dump, one_variant, by_seed;
    const char *text;
    unsigned long long seed;
    unsigned turn; /* kt_variants' next variant */
} sel;

static void usage(const char *prog, const char *why) {
    fprintf(stderr,
            "%s%s%s%susage: %s [--case TEXT] [--seed N] [--variants one|all] [--verbose] [--dump]\n"
            "  --case TEXT   only the cases whose description contains TEXT (KT_CASE)\n"
            "  --seed N      only the cases of seed N (KT_SEED)\n"
            "  --variants V  one: each case under one of its variants, in turn (KT_VARIANTS)\n"
            "  --verbose     print each case's max |diff| and bound (KT_VERBOSE=1)\n"
            "  --dump        print each case's dispatches and their #defines (KT_DUMP=1)\n",
            why ? prog : "", why ? ": " : "", why ? why : "", why ? "\n" : "", prog);
}

static bool set_seed(const char *v) {
    char *end;
    if (!v || !*v) return false;
    sel.seed = strtoull(v, &end, 0);
    sel.by_seed = !*end;
    return sel.by_seed;
}

static bool set_variants(const char *v) {
    if (strcmp(v, "one") != 0 && strcmp(v, "all") != 0) return false;
    sel.one_variant = strcmp(v, "one") == 0;
    return true;
}

static void read_env(void) {
    if (sel.read) return;
    sel.read = true;
    const char *v = getenv("KT_CASE");
    if (v && *v) sel.text = v;
    v = getenv("KT_SEED");
    if (v && *v && !set_seed(v)) {
        fprintf(stderr, "KT_SEED: '%s' is not a number\n", v);
        exit(2);
    }
    v = getenv("KT_VARIANTS");
    if (v && *v && !set_variants(v)) {
        fprintf(stderr, "KT_VARIANTS: '%s' is not one or all\n", v);
        exit(2);
    }
    v = getenv("KT_VERBOSE");
    sel.verbose = v && *v && strcmp(v, "0") != 0;
    v = getenv("KT_DUMP");
    sel.dump = v && *v && strcmp(v, "0") != 0;
}

void kt_args(int argc, char **argv) {
    read_env();
    const char *prog = argc > 0 ? argv[0] : "test";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        char why[160];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(prog, NULL);
            exit(0);
        } else if (strcmp(a, "--verbose") == 0) {
            sel.verbose = true;
            continue;
        } else if (strcmp(a, "--dump") == 0) {
            sel.dump = true;
            continue;
        } else if (strcmp(a, "--case") == 0 || strcmp(a, "--seed") == 0 ||
                   strcmp(a, "--variants") == 0) {
            bool ok = v != NULL;
            if (ok && a[2] == 'c') sel.text = v;
            if (ok && a[2] == 's') ok = set_seed(v);
            if (ok && a[2] == 'v') ok = set_variants(v);
            if (ok) {
                i++;
                continue;
            }
            if (v)
                snprintf(why, sizeof why, "bad value '%s' for %s", v, a);
            else
                snprintf(why, sizeof why, "%s needs a value", a);
        } else {
            snprintf(why, sizeof why, "unknown option '%s'", a);
        }
        usage(prog, why);
        exit(2);
    }
}

bool kt_selecting(void) {
    read_env();
    return sel.text || sel.by_seed;
}

uint32_t kt_variants(unsigned count) {
    read_env();
    if (count == 0 || count > 32) return 0;
    if (!sel.one_variant) return count == 32 ? ~0u : (1u << count) - 1;
    return 1u << (sel.turn++ % count);
}

static bool selected(const char *what, uint64_t seed) {
    read_env();
    return (!sel.text || strstr(what, sel.text)) && (!sel.by_seed || seed == sel.seed);
}

static void clear_host(void) {
    for (unsigned i = 0; i < KT_MAX_TENSORS; i++) {
        free(host[i]);
        host[i] = NULL;
    }
}

vkc_graph *kt_graph(void) {
    if (!started.tv_sec) {
        clock_gettime(CLOCK_MONOTONIC, &started);
    }
    clear_host();
    vkc_limits lim = {.max_file_bytes = 1ull << 40,
                      .max_tensor_elements = 1ull << 32,
                      .max_total_bytes = 1ull << 40,
                      .max_nodes = 1u << 16,
                      .max_tensors = KT_MAX_TENSORS};
    vkc_graph *g = vkc_graph_create(&lim);
    if (!g) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    g->opset = 13;
    return g;
}

int64_t kt_range(uint64_t *seed, int64_t lo, int64_t hi) {
    return lo + (int64_t)(th_rand(seed) % (uint32_t)(hi - lo + 1));
}

static void must(vkcnn_status st, const char *what) {
    if (st != VKCNN_OK) {
        fprintf(stderr, "%s: %s: %s\n", what, vkcnn_status_string(st), vkc_error_message());
        exit(1);
    }
}

static void append(uint32_t **list, uint32_t *count, uint32_t t) {
    uint32_t *grown = realloc(*list, (*count + 1) * sizeof *grown);
    if (!grown) exit(1);
    grown[(*count)++] = t;
    *list = grown;
}

uint32_t kt_tensor(vkc_graph *g, const char *name, uint32_t rank, const int64_t *dims,
                   bool constant, uint64_t *seed) {
    uint32_t t;
    must(vkc_graph_add_tensor(g, name, &t), name);
    must(vkc_graph_set_shape(g, t, VKC_DTYPE_FLOAT32, rank, dims), name);
    uint64_t n = g->tensors[t].elements;
    float *data;
    if (constant) {
        void *p;
        must(vkc_graph_alloc_data(g, t, &p), name);
        g->tensors[t].initializer = true;
        data = p;
    } else {
        if (t >= KT_MAX_TENSORS) exit(1);
        data = host[t] = malloc((n ? n : 1) * sizeof *data);
        if (!data) exit(1);
        g->tensors[t].graph_input = true;
        append(&g->inputs, &g->input_count, t);
    }
    for (uint64_t i = 0; i < n; i++)
        data[i] = th_randf(seed);
    return t;
}

void kt_batch_norm_operands(vkc_graph *g, int64_t channels, float min_var, uint64_t *seed,
                            uint32_t in[5]) {
    int64_t cd[1] = {channels};
    static const char *const names[4] = {"scale", "bias", "mean", "var"};
    for (int i = 0; i < 4; i++)
        in[1 + i] = kt_tensor(g, names[i], 1, cd, true, seed);
    float *var = kt_data(g, in[4]);
    for (int64_t c = 0; c < channels; c++)
        var[c] = fabsf(var[c]) + min_var;
}

float *kt_data(vkc_graph *g, uint32_t t) {
    return g->tensors[t].data ? g->tensors[t].data : host[t];
}

vkc_attrs kt_attrs(vkc_op op, int opset) {
    vkc_attrs a;
    vkc_attrs_defaults(op, opset, &a);
    return a;
}

uint32_t kt_node(vkc_graph *g, vkc_op op, int opset, const uint32_t *inputs, uint32_t count,
                 const vkc_attrs *attrs) {
    uint32_t n, y;
    char name[64];
    snprintf(name, sizeof name, "y%u", g->tensor_count);
    must(vkc_graph_add_node(g, op, opset, NULL, count, 1, &n), "add node");
    if (attrs)
        g->nodes[n].attrs = *attrs;
    else
        vkc_attrs_defaults(op, opset, &g->nodes[n].attrs);
    for (uint32_t i = 0; i < count; i++)
        g->nodes[n].inputs[i] = inputs[i];
    must(vkc_graph_add_tensor(g, name, &y), name);
    g->nodes[n].outputs[0] = y;
    must(vkc_graph_link_node(g, n), "link");
    vkcnn_status st = vkc_infer_node(g, n);
    if (st != VKCNN_OK) {
        fprintf(stderr, "shape inference: %s\n", vkc_error_message());
        th_failures++;
        return VKC_NONE;
    }
    return y;
}

void kt_output(vkc_graph *g, uint32_t t) {
    g->tensors[t].graph_output = true;
    append(&g->outputs, &g->output_count, t);
}

/* Reference values of every tensor, node by node on the host. */
static float **reference(vkc_graph *g) {
    float **val = calloc(g->tensor_count, sizeof *val);
    bool *owned = calloc(g->tensor_count, sizeof *owned);
    for (uint32_t t = 0; t < g->tensor_count; t++)
        val[t] = kt_data(g, t);
    for (uint32_t ni = 0; ni < g->node_count; ni++) {
        vkc_node *n = &g->nodes[ni];
        const float *in[64] = {0};
        for (uint32_t i = 0; i < n->input_count && i < 64; i++)
            in[i] = n->inputs[i] == VKC_NONE ? NULL : val[n->inputs[i]];
        uint32_t y = n->outputs[0];
        val[y] = calloc(g->tensors[y].elements + 1, sizeof(float));
        owned[y] = true;
        must(vkc_ref_node(g, ni, in, val[y]), "reference");
    }
    for (uint32_t t = 0; t < g->tensor_count; t++)
        if (!owned[t]) val[t] = NULL; /* not ours to free */
    free(owned);
    return val;
}

/* KT_PRECISION=fp16 (kt.h). */
static bool half_mode(void) {
    const char *p = getenv("KT_PRECISION");
    return p && strcmp(p, "fp16") == 0;
}

/* fp16 mode: rounds the constants to fp16; returns whether some Conv, Gemm
 * or MatMul has a constant weight (then a kernel must read it as fp16). */
static bool round_weights(vkc_graph *g) {
    for (uint32_t t = 0; t < g->tensor_count; t++) {
        vkc_tensor *x = &g->tensors[t];
        if (!x->data || x->dtype != VKC_DTYPE_FLOAT32) continue;
        float *v = x->data;
        for (uint64_t i = 0; i < x->elements; i++)
            v[i] = vkc_half_round(v[i]);
    }
    for (uint32_t i = 0; i < g->node_count; i++) {
        const vkc_node *n = &g->nodes[i];
        bool weights = n->op == VKC_OP_CONV || n->op == VKC_OP_GEMM || n->op == VKC_OP_MATMUL;
        if (weights && n->input_count > 1 && n->inputs[1] != VKC_NONE &&
            g->tensors[n->inputs[1]].data)
            return true;
    }
    return false;
}

static bool reads_half(const vkc_exec *e) {
    for (uint32_t i = 0; i < vkc_exec_dispatch_count(e); i++)
        if (strstr(vkc_exec_dispatch_defines(e, i), "#define WT_HALF 1\n")) return true;
    return false;
}

/* Dispatches that read through texel buffers (WT_TEXEL or TEXEL), and those
 * of them that read them with imageLoad (TEXEL_IMAGE), over the process:
 * kt_summary checks them against VKCNN_KERNEL_OVERRIDE's loads and image. */
static unsigned texel_dispatches, image_dispatches;

static void count_texel(const vkc_exec *e) {
    for (uint32_t i = 0; i < vkc_exec_dispatch_count(e); i++) {
        const char *d = vkc_exec_dispatch_defines(e, i);
        bool texel = strstr(d, "#define WT_TEXEL 1\n") || strstr(d, "#define TEXEL 1\n");
        texel_dispatches += texel;
        image_dispatches += texel && strstr(d, "#define TEXEL_IMAGE 1\n");
    }
}

static double rtol = KT_RTOL;

static const char *expect_reads, *expect_writes;
static bool expect_half_io;

void kt_expect_half(const char *reads, const char *writes) {
    expect_half_io = true;
    expect_reads = reads;
    expect_writes = writes;
}

/* Whether some dispatch of `template` (NULL: any but eltwise) defines `def`
 * ("#define X 1\n"). */
static bool defines(const vkc_exec *e, const char *template, const char *def) {
    for (uint32_t i = 0; i < vkc_exec_dispatch_count(e); i++)
        if ((strcmp(vkc_exec_dispatch_template(e, i), template ? template : "eltwise") == 0) !=
                !template &&
            strstr(vkc_exec_dispatch_defines(e, i), def))
            return true;
    return false;
}

static const char *expect_template, *expect_when, *expect_def;

void kt_expect_define(const char *template, const char *when, const char *def) {
    expect_template = template;
    expect_when = when;
    expect_def = def;
}

void kt_set_rtol(double r) {
    rtol = r > 0 ? r : KT_RTOL;
}

int kt_check(vkcnn_context *ctx, vkc_graph *g, const vkc_exec_options *opts, uint64_t seed,
             const char *what) {
    int bad = 0;
    vkc_exec *e = NULL;
    if (!selected(what, seed)) {
        vkc_graph_destroy(g);
        clear_host();
        return 0;
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cases++;
    vkc_exec_options xo = opts ? *opts : (vkc_exec_options){0};
    bool half = half_mode(), expect_half = false;
    if (half) {
        xo.half_weights = true;
        expect_half = round_weights(g) && !(xo.winograd && xo.fusion);
    }
    vkcnn_status st = vkc_exec_create(ctx, g, &xo, &e);
    if (!st) count_texel(e);
    for (uint32_t i = 0; !st && sel.dump && i < vkc_exec_dispatch_count(e); i++)
        printf("%s (seed %llu): dispatch %u %s\n%s", what, (unsigned long long)seed, i,
               vkc_exec_dispatch_template(e, i), vkc_exec_dispatch_defines(e, i));
    /* fp16 activations, with the one rounding of the node's output: 2^-11
     * of max |ref| more (test_half_io.c says why) */
    double bound_rtol = expect_half_io ? rtol + 0x1p-11 : rtol;
    if (!st && expect_half_io &&
        !((defines(e, expect_reads, "#define X_HALF 1\n") ||
           defines(e, expect_reads, "#define ELT_HALF0 1\n")) &&
          defines(e, expect_writes, "#define Y_HALF 1\n"))) {
        fprintf(stderr, "FAIL %s (seed %llu): %s did not read or %s did not write halves\n", what,
                (unsigned long long)seed, expect_reads ? expect_reads : "no kernel",
                expect_writes ? expect_writes : "no kernel");
        bad = 1;
    }
    expect_reads = expect_writes = NULL;
    expect_half_io = false;
    if (!st && expect_def) {
        char line[160], cond[160];
        snprintf(line, sizeof line, "#define %s\n", expect_def);
        snprintf(cond, sizeof cond, "#define %s\n", expect_when ? expect_when : "");
        if ((!expect_when || defines(e, expect_template, cond)) &&
            !defines(e, expect_template, line)) {
            fprintf(stderr, "FAIL %s (seed %llu): no %s dispatch defines %s\n", what,
                    (unsigned long long)seed, expect_template ? expect_template : "non-eltwise",
                    expect_def);
            bad = 1;
        }
    }
    expect_template = expect_when = expect_def = NULL;
    if (!st && expect_half && !reads_half(e)) {
        fprintf(stderr, "FAIL %s (seed %llu): no kernel read the weights as fp16\n", what,
                (unsigned long long)seed);
        bad = 1;
    }
    for (uint32_t i = 0; !st && i < g->input_count; i++) {
        uint32_t t = g->inputs[i];
        st = vkc_exec_write(e, t, host[t], g->tensors[t].elements);
    }
    if (!st) st = vkc_exec_run(e);
    if (st && !bad) {
        fprintf(stderr, "FAIL %s (seed %llu): %s: %s\n", what, (unsigned long long)seed,
                vkcnn_status_string(st), vkc_error_message());
        bad = 1;
    }
    float **ref = bad ? NULL : reference(g);
    for (uint32_t o = 0; !bad && o < g->output_count; o++) {
        uint32_t t = g->outputs[o];
        uint64_t n = g->tensors[t].elements;
        const float *r = ref[t] ? ref[t] : kt_data(g, t);
        float *dev = malloc((n + 1) * sizeof *dev);
        if ((st = vkc_exec_read(e, t, dev, n))) {
            fprintf(stderr, "FAIL %s: read: %s\n", what, vkc_error_message());
            bad = 1;
        }
        double err = 0, scale = 0;
        uint64_t at = 0;
        for (uint64_t i = 0; !bad && i < n; i++) {
            double d = fabs((double)dev[i] - r[i]);
            if (isnan(d) && !(isnan(dev[i]) && isnan(r[i]))) d = INFINITY;
            if (!(d <= err)) {
                err = d;
                at = i;
            }
            if (isfinite(r[i]) && fabs(r[i]) > scale) scale = fabs(r[i]);
        }
        if (!bad && !(err <= bound_rtol * scale + KT_ATOL)) {
            fprintf(stderr,
                    "FAIL %s (seed %llu): output '%s': max |diff| %.3g at %llu (device %.8g, "
                    "ref %.8g), max |ref| %.3g, bound %.3g\n",
                    what, (unsigned long long)seed, g->tensors[t].name, err, (unsigned long long)at,
                    (double)dev[at], (double)r[at], scale, bound_rtol * scale + KT_ATOL);
            bad = 1;
        }
        if (!bad && (sel.verbose || kt_selecting())) {
            struct timespec t1;
            clock_gettime(CLOCK_MONOTONIC, &t1);
            printf("case %s (seed %llu): output '%s': max |diff| %.3g, bound %.3g (max |ref| "
                   "%.3g); %.2f s\n",
                   what, (unsigned long long)seed, g->tensors[t].name, err,
                   bound_rtol * scale + KT_ATOL, scale,
                   (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
            fflush(stdout);
        }
        if (!bad) {
            worst_abs = err > worst_abs ? err : worst_abs;
            double rel = scale > 0 ? err / scale : 0;
            worst_rel = rel > worst_rel ? rel : worst_rel;
        }
        free(dev);
    }
    if (ref)
        for (uint32_t t = 0; t < g->tensor_count; t++)
            free(ref[t]);
    free(ref);
    vkc_exec_destroy(e);
    vkc_graph_destroy(g);
    clear_host();
    failures += (unsigned)bad;
    th_failures += bad;
    return bad;
}

void kt_summary(const char *name) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double s =
        (double)(now.tv_sec - started.tv_sec) + 1e-9 * (double)(now.tv_nsec - started.tv_nsec);
    printf("%s: %u cases, %u failed; max |diff| %.3g, max |diff| / max|ref| %.3g "
           "(tolerance %.0e * max|ref| + %.0e); %.1f s\n",
           name, cases, failures, worst_abs, worst_rel, KT_RTOL, KT_ATOL, s);
    if (half_mode()) printf("%s: fp16 weights (KT_PRECISION=fp16)\n", name);
    if (sel.one_variant) printf("%s: one variant per case (KT_VARIANTS=one)\n", name);
    if (kt_selecting()) {
        if (cases == 0) {
            fprintf(stderr, "FAIL %s: no case matches%s%s%s", name, sel.text ? " '" : "",
                    sel.text ? sel.text : "", sel.text ? "'" : "");
            if (sel.by_seed) fprintf(stderr, " seed %llu", sel.seed);
            fprintf(stderr, "\n");
            th_failures++;
        }
        fflush(stdout);
        return; /* the texel-count check below concerns the whole test */
    }
    /* forced texel loads (VKCNN_KERNEL_OVERRIDE=loads=texel) must have been
     * used, forced storage loads never; likewise imageLoad with image=on (in
     * fp32: a model with fp16 tensors keeps texelFetch), never with off */
    vkc_kernel_override ov;
    if (vkc_kernel_override_read(&ov) != VKCNN_OK) {
        fprintf(stderr, "FAIL %s: %s\n", name, vkc_error_message());
        th_failures++;
        ov.loads = ov.image = -1;
    }
    printf("%s: %u dispatches read through texel buffers, %u of them with imageLoad\n", name,
           texel_dispatches, image_dispatches);
    if ((ov.loads == VKC_LOAD_TEXEL && texel_dispatches == 0) ||
        (ov.loads == VKC_LOAD_STORAGE && texel_dispatches != 0)) {
        fprintf(stderr, "FAIL %s: VKCNN_KERNEL_OVERRIDE=%s but %u texel-buffer dispatches\n", name,
                getenv(VKC_KERNEL_OVERRIDE_ENV), texel_dispatches);
        th_failures++;
    }
    const char *precision = getenv("KT_PRECISION");
    bool fp16 = precision && strcmp(precision, "fp16") == 0;
    if ((ov.image == 1 && ov.loads == VKC_LOAD_TEXEL && !fp16 && image_dispatches == 0) ||
        (ov.image == 0 && image_dispatches != 0)) {
        fprintf(stderr, "FAIL %s: VKCNN_KERNEL_OVERRIDE=%s but %u imageLoad dispatches\n", name,
                getenv(VKC_KERNEL_OVERRIDE_ENV), image_dispatches);
        th_failures++;
    }
    fflush(stdout);
}

void kt_override(const char *items) {
    static bool read;
    static char base[256];
    if (!read) { /* the value the process started with */
        const char *v = getenv(VKC_KERNEL_OVERRIDE_ENV);
        snprintf(base, sizeof base, "%s", v ? v : "");
        read = true;
    }
    char value[512];
    snprintf(value, sizeof value, "%s%s%s", base, base[0] && items && items[0] ? "," : "",
             items ? items : "");
    if (value[0])
        setenv(VKC_KERNEL_OVERRIDE_ENV, value, 1);
    else
        unsetenv(VKC_KERNEL_OVERRIDE_ENV);
}
