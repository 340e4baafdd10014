/* classify MODEL.onnx IMAGE
 * The whole classification path on vkcnn's public API: load the model and
 * its preset (MODEL.onnx.json, when present), decode the image, preprocess
 * it on the GPU straight into the model's input, run, print the top 5
 * classes with softmax probabilities. Labels come from the preset's labels
 * file when it names one. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vkcnn.h>

static int fail(const char *what) {
    fprintf(stderr, "classify: %s: %s\n", what, vkcnn_last_error());
    return 1;
}

/* Prints line `index` of the labels file, or the index itself. */
static void print_label(const char *labels, uint32_t index) {
    char line[512];
    FILE *f = labels[0] ? fopen(labels, "r") : NULL;
    for (uint32_t i = 0; f && fgets(line, sizeof line, f); i++)
        if (i == index) {
            line[strcspn(line, "\r\n")] = '\0';
            printf("%s\n", line);
            fclose(f);
            return;
        }
    if (f) fclose(f);
    printf("%u\n", index);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: classify MODEL.onnx IMAGE\n");
        return 2;
    }
    /* 1. preprocessing: ImageNet defaults, or the model's preset */
    vkcnn_preprocess pp = {0};
    char preset[4096];
    snprintf(preset, sizeof preset, "%s.json", argv[1]);
    FILE *probe = fopen(preset, "r");
    if (probe) {
        fclose(probe);
        if (vkcnn_preprocess_from_preset(preset, &pp) != VKCNN_OK) return fail("preset");
    }
    /* 2. decode the image (EXIF orientation applied) */
    vkcnn_image *image = NULL;
    if (vkcnn_image_load_file(argv[2], NULL, &image) != VKCNN_OK) return fail("image");

    int rc = 1;
    vkcnn_context *ctx = NULL;
    vkcnn_model *model = NULL;
    float *logits = NULL;
    /* 3. a context on the default device, the model compiled for it */
    if (vkcnn_context_create(NULL, &ctx) != VKCNN_OK) {
        fail("context");
        goto done;
    }
    if (vkcnn_model_load_onnx(ctx, argv[1], NULL, NULL, &model) != VKCNN_OK) {
        fail("model");
        goto done;
    }
    /* 4. the image into batch slot 0 of input 0, preprocessed on the GPU */
    if (vkcnn_model_set_input_image(model, 0, 0, image, &pp) != VKCNN_OK) {
        fail("input");
        goto done;
    }
    /* 5. run and read the logits of the first image */
    vkcnn_tensor_info out;
    if (vkcnn_model_run(model) != VKCNN_OK || vkcnn_model_output(model, 0, &out) != VKCNN_OK) {
        fail("run");
        goto done;
    }
    size_t total = 1;
    for (uint32_t i = 0; i < out.rank; i++)
        total *= (size_t)out.shape[i];
    size_t classes = total / (size_t)out.shape[0];
    logits = malloc(total * sizeof *logits);
    if (!logits || vkcnn_model_get_output(model, 0, logits, total) != VKCNN_OK) {
        fail("output");
        goto done;
    }
    /* 6. softmax (the models export logits) and the top 5 */
    float hi = logits[0];
    for (size_t c = 1; c < classes; c++)
        hi = logits[c] > hi ? logits[c] : hi;
    double sum = 0;
    for (size_t c = 0; c < classes; c++)
        sum += exp(logits[c] - hi);
    for (int k = 0; k < 5 && k < (int)classes; k++) {
        size_t best = 0;
        for (size_t c = 1; c < classes; c++)
            if (logits[c] > logits[best]) best = c;
        printf("%6.2f%%  ", 100.0 * exp(logits[best] - hi) / sum);
        print_label(pp.labels, (uint32_t)best);
        logits[best] = -INFINITY;
    }
    rc = 0;
done:
    free(logits);
    vkcnn_model_destroy(model);
    vkcnn_context_destroy(ctx);
    vkcnn_image_destroy(image);
    return rc;
}
