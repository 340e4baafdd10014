/* vkcnn_tune on LeNet-5 (argv[1]) in a private cache directory, with a small
 * budget: it writes a tune file that models created afterwards read
 * (vkcnn_model_stats.tuned_layers, the per-dispatch variant) and compute
 * the untuned model's outputs with; a second tune reads and keeps it;
 * vkcnn_model_options.tuned = VKCNN_OFF and VKCNN_NO_TUNE=1 ignore it; a
 * corrupted file is deleted, not trusted, and rebuilt by the next tune; a
 * well-formed file whose content does not parse is deleted too; a
 * well-formed entry naming a variant that is not among the node's
 * candidates is ignored. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "tune/table.h"
#include "vk/cache.h"

static const char *model_path;
static char dir[512];

/* Runs LeNet-5 once on a fixed input: its tuned layer count and output. */
static uint32_t run(vkcnn_context *ctx, const vkcnn_model_options *mo, float out[10]) {
    vkcnn_model *m = NULL;
    vkcnn_model_stats stats = {0};
    float x[32 * 32];
    for (int i = 0; i < 32 * 32; i++)
        x[i] = (float)((i * 37) % 101) / 101.0f - 0.5f;
    CHECK_OK(vkcnn_model_load_onnx(ctx, model_path, NULL, mo, &m));
    if (!m) return UINT32_MAX;
    CHECK_OK(vkcnn_model_set_input(m, 0, x, 32 * 32));
    CHECK_OK(vkcnn_model_run(m));
    CHECK_OK(vkcnn_model_get_output(m, 0, out, 10));
    CHECK_OK(vkcnn_model_get_stats(m, &stats));
    /* every Conv and Gemm dispatch names its variant */
    for (uint32_t i = 0; i < stats.dispatches; i++) {
        vkcnn_dispatch_info d;
        CHECK_OK(vkcnn_model_dispatch(m, i, &d));
        bool family = strstr(d.nodes, "(Conv)") || strstr(d.nodes, "(Gemm)");
        CHECK(d.variant && (family ? d.variant[0] != '\0' : true));
    }
    vkcnn_model_destroy(m);
    return stats.tuned_layers;
}

static bool close_to(const float *a, const float *b) {
    double scale = 0, err = 0;
    for (int i = 0; i < 10; i++) {
        scale = fabs(b[i]) > scale ? fabs(b[i]) : scale;
        err = fabs(a[i] - b[i]) > err ? fabs(a[i] - b[i]) : err;
    }
    return err <= 1e-4 * scale + 1e-5;
}

static vkcnn_tune_result *tune(vkcnn_context *ctx, double budget) {
    vkcnn_network *net = NULL;
    vkcnn_tune_result *r = NULL;
    CHECK_OK(vkcnn_network_load_file(model_path, NULL, &net));
    vkcnn_tune_options o = {.budget_s = budget, .rounds = 2};
    CHECK_OK(vkcnn_tune(ctx, net, &o, &r));
    vkcnn_network_destroy(net);
    return r;
}

/* Writes `payload` as the device's tune entry (a valid cache entry). */
static void write_entry(vkcnn_context *ctx, const char *payload) {
    vkc_disk_cache cache = {.enabled = true};
    snprintf(cache.dir, sizeof cache.dir, "%s", dir);
    vkcnn_device_info info;
    vkcnn_context_device_info(ctx, vkcnn_context_device_index(ctx), &info);
    char key[512];
    vkc_tune_table_key(&info, key, sizeof key);
    CHECK(vkc_cache_store(&cache, "tune", key, strlen(key), payload, strlen(payload)));
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: test_tune LENET5.onnx\n");
        return 2;
    }
    model_path = argv[1];
    th_tempdir(dir, sizeof dir);
    vkcnn_context *ctx = th_context(dir, 0, 0);
    float untuned[10], tuned[10];
    vkcnn_model_options off = {.tuned = VKCNN_OFF};
    CHECK(run(ctx, NULL, untuned) == 0); /* nothing tuned yet */

    /* tune: the largest shape first; the budget ends it early */
    vkcnn_tune_result *r = tune(ctx, 6.0);
    char path[1024] = "", shape[256] = "", deflt[64] = "";
    if (r) {
        CHECK(r->layer_count == 5 && r->stored >= 1 && r->path[0] && !r->rebuilt);
        snprintf(path, sizeof path, "%s", r->path);
        CHECK(access(path, F_OK) == 0);
        for (uint32_t i = 0; i < r->layer_count; i++) {
            const vkcnn_tune_layer *l = &r->layers[i];
            printf("%s %s: %u candidates, %u measured, %u rejected, %u failed; %s -> %s %.2fx%s\n",
                   l->first_node, l->shape, l->candidates, l->measured, l->rejected, l->failed,
                   l->default_variant, l->winner, l->speedup, l->skipped ? " (skipped)" : "");
            CHECK(l->skipped || l->candidates >= 2);
            CHECK(!l->stored || (l->speedup >= 1.0 && l->winner[0] && l->default_variant[0]));
            CHECK(l->failed == 0);          /* every candidate builds */
            if (!l->skipped && !shape[0]) { /* one measured shape and its default */
                snprintf(shape, sizeof shape, "%s", l->shape);
                snprintf(deflt, sizeof deflt, "%s", l->default_variant);
            }
        }
    }
    vkcnn_tune_result_destroy(r);

    /* models read it; VKCNN_OFF and VKCNN_NO_TUNE=1 do not */
    uint32_t used = run(ctx, NULL, tuned);
    CHECK(used >= 1 && used != UINT32_MAX);
    CHECK(close_to(tuned, untuned));
    CHECK(run(ctx, &off, tuned) == 0);
    setenv("VKCNN_NO_TUNE", "1", 1);
    CHECK(run(ctx, NULL, tuned) == 0);
    unsetenv("VKCNN_NO_TUNE");

    /* a second tune reads the file and keeps what it does not measure again */
    r = tune(ctx, 1.0);
    if (r) CHECK(!r->rebuilt);
    vkcnn_tune_result_destroy(r);
    CHECK(run(ctx, NULL, tuned) >= used);

    /* a corrupted file: deleted when a model loads, never trusted */
    FILE *f = fopen(path, "r+b");
    CHECK(f != NULL);
    if (f) {
        fseek(f, -3, SEEK_END);
        fputc('#', f);
        fclose(f);
    }
    CHECK(run(ctx, NULL, tuned) == 0 && close_to(tuned, untuned));
    CHECK(access(path, F_OK) != 0);
    /* a file that is no cache entry at all, then a tune: rebuilt */
    f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        fputs("garbage\n", f);
        fclose(f);
    }
    r = tune(ctx, 6.0);
    if (r) CHECK(r->rebuilt && r->stored >= 1);
    vkcnn_tune_result_destroy(r);
    CHECK(run(ctx, NULL, tuned) >= 1);

    /* a valid entry whose content does not parse: deleted too */
    write_entry(ctx, "vkcnn-tune 1\nthis is not a line of the tune file\n");
    CHECK(access(path, F_OK) == 0);
    CHECK(run(ctx, NULL, tuned) == 0);
    CHECK(access(path, F_OK) != 0);

    /* a well-formed entry naming a variant no LeNet node has: ignored */
    write_entry(ctx, "vkcnn-tune 1\n"
                     "conv\tfp32\t1\tconv x1x1x32x32 w6x1x5x5 g1 s1x1 d1x1 p0,0,0,0\t"
                     "igemm/32x8/cols/storage/plain\tdirect\t9.0\n"
                     "gemm\tfp32\t1\tgemm x1x400 w120x400 ta0 tb1\tgemv/nc16/storage/tree\t"
                     "gemv/nc4/texel/sg\t9.0\n");
    CHECK(run(ctx, NULL, tuned) == 0 && close_to(tuned, untuned));
    CHECK(access(path, F_OK) == 0); /* well-formed: kept */

    /* an entry measured against another default (other options, other
     * rules) does not apply; against this default it does */
    char line[1024];
    const char *family = strncmp(shape, "conv", 4) == 0 ? "conv" : "gemm";
    snprintf(line, sizeof line, "vkcnn-tune 1\n%s\tfp32\t1\t%s\t%s\tdirect\t2.0\n", family, shape,
             deflt);
    if (strcmp(deflt, "direct") == 0) /* the default is direct: another one */
        snprintf(line, sizeof line, "vkcnn-tune 1\n%s\tfp32\t1\t%s\t%s\tgemm\t2.0\n", family, shape,
                 deflt);
    write_entry(ctx, line);
    CHECK(shape[0] && run(ctx, NULL, tuned) == 0);
    snprintf(line, sizeof line, "vkcnn-tune 1\n%s\tfp32\t1\t%s\t%s\t%s\t1.0\n", family, shape,
             deflt, deflt);
    write_entry(ctx, line);
    CHECK(run(ctx, NULL, tuned) == 1 && close_to(tuned, untuned));

    th_destroy(ctx);
    th_rmdir(dir);
    return th_done("test_tune");
}
