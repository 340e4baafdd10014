/* vkcnn peak [--json] [--fresh]: the device's measured FMA throughput and
 * memory bandwidth (cached per device, driver and vector width). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "json.h"
#include "vkcnn.h"

int vkcnn_cmd_peak(int argc, char **argv) {
    int json = 0, fresh = 0;
    vkcnn_context_desc desc = {0};
    for (int i = 1; i < argc; i++) {
        int r = cli_device_flag(argc, argv, &i, &desc);
        if (r < 0) return 2;
        if (r > 0) continue;
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--fresh") == 0) {
            fresh = 1;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: vkcnn peak [--json] [--fresh] [--device D] [--cache-dir DIR] "
                   "[--no-cache]\n"
                   "Measures the device's fp32 and fp16 FMA throughput (long chains of\n"
                   "independent FMAs) and its memory read and copy bandwidth (copy counts\n"
                   "bytes read + written), and the cost of a dispatch and of a barrier\n"
                   "between dispatches, best of several timed runs. The figures are cached\n"
                   "per device, driver and vector width; --fresh measures again.\n"
                   "  --json           print JSON\n"
                   "  --fresh          measure again instead of reading the cached figures\n"
                   "" CLI_DEVICE_FLAGS_HELP CLI_EXIT_HELP);
            return 0;
        } else {
            fprintf(stderr, "vkcnn peak: unknown option '%s'\n", argv[i]);
            return 2;
        }
    }
    if (fresh && desc.cache == VKCNN_OFF) {
        fprintf(stderr, "vkcnn peak: --fresh does nothing with --no-cache (nothing cached is "
                        "read then): give one of them\n");
        return 2;
    }
    vkcnn_context *ctx = cli_context("peak", &desc);
    if (!ctx) return 1;
    vkcnn_peak p;
    vkcnn_device_info info;
    vkcnn_context_device_info(ctx, vkcnn_context_device_index(ctx), &info);
    if (vkcnn_context_peak(ctx, fresh, &p) != VKCNN_OK) {
        fprintf(stderr, "vkcnn peak: %s\n", vkcnn_last_error());
        vkcnn_context_destroy(ctx);
        return 1;
    }
    if (json) {
        printf("{\"device\": ");
        json_string(stdout, info.name);
        printf(", \"fp32_gflops\": %.2f, \"fp16_gflops\": ", p.fp32_gflops);
        if (p.fp16_gflops > 0)
            printf("%.2f", p.fp16_gflops);
        else
            printf("null");
        printf(", \"read_gbps\": %.2f, \"read_storage_gbps\": %.2f, \"read_texel_gbps\": %.2f, "
               "\"copy_gbps\": %.2f, \"dispatch_us\": %.2f, \"workgroup_us\": %.3f, "
               "\"barrier_us\": %.2f, \"vector_width\": ",
               p.read_gbps, p.read_storage_gbps, p.read_texel_gbps, p.copy_gbps, p.dispatch_us,
               p.workgroup_us, p.barrier_us);
        if (p.vector_width)
            printf("%u", p.vector_width);
        else
            printf("null");
        printf(", \"cached\": %s}\n", p.from_cache ? "true" : "false");
    } else {
        printf("device       %s\n", info.name);
        printf("fp32         %.1f GFLOP/s\n", p.fp32_gflops);
        if (p.fp16_gflops > 0)
            printf("fp16         %.1f GFLOP/s\n", p.fp16_gflops);
        else
            printf("fp16         unsupported\n");
        printf("read         %.2f GB/s (storage buffer %.2f, texel buffer %.2f)\n", p.read_gbps,
               p.read_storage_gbps, p.read_texel_gbps);
        printf("copy         %.2f GB/s (read + write)\n", p.copy_gbps);
        printf("dispatch     %.1f us per empty dispatch, %.2f us per further workgroup\n",
               p.dispatch_us, p.workgroup_us);
        printf("barrier      %.1f us per barrier between dependent dispatches\n", p.barrier_us);
        if (p.vector_width) printf("vector width %u bits\n", p.vector_width);
        if (p.from_cache) printf("(cached; --fresh measures again)\n");
    }
    vkcnn_context_destroy(ctx);
    return 0;
}
