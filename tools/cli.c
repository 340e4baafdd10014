#include "cli.h"

#include <stdio.h>
#include <string.h>

int cli_device_flag(int argc, char **argv, int *i, vkcnn_context_desc *desc) {
    const char *arg = argv[*i];
    if (strcmp(arg, "--no-cache") == 0) {
        desc->cache = VKCNN_OFF;
        return 1;
    }
    if (strcmp(arg, "--device") != 0 && strcmp(arg, "--cache-dir") != 0) return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "vkcnn: %s needs a value\n", arg);
        return -1;
    }
    const char *value = argv[++*i];
    if (strcmp(arg, "--device") == 0)
        desc->device = value;
    else
        desc->cache_dir = value;
    return 1;
}

/* With VKCNN_VALIDATE set, validation warnings and errors go to stderr
 * (prefixed "validation"), so scripts and tests can see them. vkcnn's own
 * errors are printed by each command from vkcnn_last_error(). */
static void print_validation(vkcnn_log_level level, vkcnn_log_source source, const char *message,
                             void *user) {
    (void)user;
    if (source == VKCNN_LOG_SOURCE_VALIDATION && level >= VKCNN_LOG_WARN)
        fprintf(stderr, "validation %s: %s\n", level == VKCNN_LOG_ERROR ? "error" : "warning",
                message);
}

vkcnn_context *cli_context(const char *command, const vkcnn_context_desc *desc_in) {
    vkcnn_context_desc desc = *desc_in;
    if (!desc.log) {
        desc.log = print_validation;
        desc.log_level = VKCNN_LOG_WARN;
    }
    vkcnn_context *ctx = NULL;
    if (vkcnn_context_create(&desc, &ctx) != VKCNN_OK) {
        fprintf(stderr, "vkcnn %s: %s\n", command, vkcnn_last_error());
        return NULL;
    }
    return ctx;
}

int cli_precision_flag(const char *command, int argc, char **argv, int *i, vkcnn_precision *out) {
    if (strcmp(argv[*i], "--precision") != 0) return 0;
    const char *v = *i + 1 < argc ? argv[*i + 1] : NULL;
    if (v && strcmp(v, "fp32") == 0)
        *out = VKCNN_PRECISION_FP32;
    else if (v && strcmp(v, "fp16") == 0)
        *out = VKCNN_PRECISION_FP16;
    else {
        fprintf(stderr, "vkcnn %s: --precision is fp32 or fp16\n", command);
        return -1;
    }
    ++*i;
    return 1;
}
