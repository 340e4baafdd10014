/* preprocess_dump MODEL IMAGE OUT.f32 [PRESET]
 * Decodes IMAGE, preprocesses it on the device into batch slot 0 of MODEL's
 * input 0 (MODEL is an identity network, so its output is that input), runs
 * it and writes output 0 as raw little-endian float32. On the public API
 * only, as an application would use it. Exit status 0 ok, 1 error. */
#include <stdio.h>
#include <stdlib.h>

#include "vkcnn.h"

static int fail(const char *what) {
    fprintf(stderr, "preprocess_dump: %s: %s\n", what, vkcnn_last_error());
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: preprocess_dump MODEL IMAGE OUT.f32 [PRESET]\n");
        return 2;
    }
    vkcnn_preprocess pp = {0};
    if (argc == 5 && vkcnn_preprocess_from_preset(argv[4], &pp) != VKCNN_OK) return fail("preset");
    vkcnn_image *img = NULL;
    if (vkcnn_image_load_file(argv[2], NULL, &img) != VKCNN_OK) return fail("image");
    int rc = 1;
    vkcnn_context *ctx = NULL;
    vkcnn_model *model = NULL;
    float *out = NULL;
    vkcnn_tensor_info info;
    if (vkcnn_context_create(NULL, &ctx) != VKCNN_OK) {
        rc = fail("context");
        goto done;
    }
    if (vkcnn_model_load_onnx(ctx, argv[1], NULL, NULL, &model) != VKCNN_OK ||
        vkcnn_model_set_input_image(model, 0, 0, img, &pp) != VKCNN_OK ||
        vkcnn_model_run(model) != VKCNN_OK || vkcnn_model_output(model, 0, &info) != VKCNN_OK) {
        rc = fail("model");
        goto done;
    }
    size_t n = 1;
    for (uint32_t i = 0; i < info.rank; i++)
        n *= (size_t)info.shape[i];
    out = malloc(n * sizeof *out);
    if (!out || vkcnn_model_get_output(model, 0, out, n) != VKCNN_OK) {
        rc = fail("output");
        goto done;
    }
    FILE *f = fopen(argv[3], "wb");
    if (f && fwrite(out, sizeof *out, n, f) == n && fclose(f) == 0) {
        rc = 0;
        f = NULL;
    }
    if (f) fclose(f);
    if (rc) fprintf(stderr, "preprocess_dump: cannot write %s\n", argv[3]);
    uint32_t verr = 0, vwarn = 0;
    vkcnn_context_validation_counts(ctx, &verr, &vwarn);
    if (verr || vwarn) {
        fprintf(stderr, "preprocess_dump: validation: %u errors, %u warnings\n", verr, vwarn);
        rc = 1;
    }
done:
    free(out);
    vkcnn_model_destroy(model);
    vkcnn_context_destroy(ctx);
    vkcnn_image_destroy(img);
    return rc;
}
