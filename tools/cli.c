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

vkcnn_context *cli_context(const char *command, const vkcnn_context_desc *desc) {
    vkcnn_context *ctx = NULL;
    if (vkcnn_context_create(desc, &ctx) != VKCNN_OK) {
        fprintf(stderr, "vkcnn %s: %s\n", command, vkcnn_last_error());
        return NULL;
    }
    return ctx;
}
