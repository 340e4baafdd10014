/* vkcnn: the command-line tool. See `vkcnn --help` and the CLI contract in the
 * README. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "vkcnn.h"

static void usage(FILE *f) {
    fprintf(f, "usage: vkcnn <command> [options]\n"
               "\n"
               "commands:\n"
               "  bench     time a model: cold/warm start, GPU and wall time per inference\n"
               "  classify  classify images (JPEG, PNG, BMP) with a model\n"
               "  devices   list Vulkan devices and their capabilities\n"
               "  embed     write a model layer's features for images or .npy inputs\n"
               "  inspect   show a model's inputs, outputs, layers, parameters and MACs\n"
               "  knn       exact k-nearest-neighbour search of .npy vectors on the device\n"
               "  peak      measure the device's FMA throughput and memory bandwidth\n"
               "  run       run a model on .npy inputs\n"
               "  tune      measure kernel variants per layer shape and store the fastest\n"
               "\n"
               "vkcnn <command> --help shows a command's options.\n"
               "vkcnn --version prints the version.\n");
}

/* lavapipe compiles shaders for 256-bit vectors unless LP_NATIVE_VECTOR_WIDTH
 * says otherwise; on AVX-512 cores 512 bits roughly doubles its FMA rate.
 * The CLI (not the library, which never changes its host's environment)
 * chooses 512 there, before any Vulkan driver loads, unless the user set the
 * variable or VKCNN_NATIVE_WIDTH=0. Every command reports the width that ran
 * (`vector_width` of the device). */
static void choose_vector_width(void) {
    const char *off = getenv("VKCNN_NATIVE_WIDTH");
    if (getenv("LP_NATIVE_VECTOR_WIDTH") || (off && strcmp(off, "0") == 0)) return;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) setenv("LP_NATIVE_VECTOR_WIDTH", "512", 0);
#endif
}

int main(int argc, char **argv) {
    choose_vector_width();
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("vkcnn %s\n", vkcnn_version());
        return 0;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    static const struct {
        const char *name;
        int (*run)(int, char **);
    } commands[] = {
        {"bench", vkcnn_cmd_bench},     {"classify", vkcnn_cmd_classify},
        {"devices", vkcnn_cmd_devices}, {"inspect", vkcnn_cmd_inspect},
        {"peak", vkcnn_cmd_peak},       {"run", vkcnn_cmd_run},
        {"embed", vkcnn_cmd_embed},     {"knn", vkcnn_cmd_knn},
        {"tune", vkcnn_cmd_tune},
    };
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(cmd, commands[i].name) == 0) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "vkcnn: unknown command '%s'\n\n", cmd);
    usage(stderr);
    return 2;
}
