/* vkcnn: the command-line tool. See `vkcnn --help` and the CLI contract in the
 * README. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "vector_width.h"
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

int main(int argc, char **argv) {
    /* lavapipe's width (vector_width.h); every command reports the width
     * that ran (`vector_width` of the device) */
    tool_choose_vector_width();
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
