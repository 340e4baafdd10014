/* vkcnn devices [--json] [--device D]: every Vulkan device with its type,
 * driver, API version and capabilities; which one commands would use. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "json.h"
#include "vkcnn.h"

#define MAX_DEVICES 64

static const char *const subgroup_op_names[] = {
    "basic", "vote", "arithmetic", "ballot", "shuffle", "shuffle_relative", "clustered", "quad"};

static void print_api(FILE *f, uint32_t v) {
    fprintf(f, "%u.%u.%u", VK_API_VERSION_MAJOR(v), VK_API_VERSION_MINOR(v),
            VK_API_VERSION_PATCH(v));
}

/* Whether a context vkcnn creates on the device runs the models' copies on
 * its dedicated transfer queue: where memory is staged (not UMA). */
static int transfer_used(const vkcnn_device_info *d) {
    return d->transfer_queue && !d->uma;
}

static void print_json(const vkcnn_device_info *devs, uint32_t n, uint32_t def) {
    printf("{\"devices\": [");
    for (uint32_t i = 0; i < n; i++) {
        const vkcnn_device_info *d = &devs[i];
        printf("%s\n  {\"index\": %u, \"name\": ", i ? "," : "", d->index);
        json_string(stdout, d->name);
        printf(", \"type\": \"%s\", \"vendor_id\": %u, \"device_id\": %u, \"driver_name\": ",
               vkcnn_device_type_string(d->type), d->vendor_id, d->device_id);
        json_string(stdout, d->driver_name);
        printf(", \"driver_info\": ");
        json_string(stdout, d->driver_info);
        printf(", \"api_version\": \"");
        print_api(stdout, d->api_version);
        printf("\", \"driver_version\": %u, \"vector_width\": ", d->driver_version);
        if (d->vector_width)
            printf("%u", d->vector_width);
        else
            printf("null");
        printf(",\n   \"capabilities\": {\"fp16\": %s, \"storage16\": %s, \"int8\": %s, "
               "\"storage8\": %s, \"subgroup_size\": %u, \"subgroup_size_min\": %u, "
               "\"subgroup_size_max\": %u, \"subgroup_ops\": [",
               d->fp16 ? "true" : "false", d->storage16 ? "true" : "false",
               d->int8 ? "true" : "false", d->storage8 ? "true" : "false", d->subgroup_size,
               d->subgroup_size_min, d->subgroup_size_max);
        int first = 1;
        for (unsigned b = 0; b < sizeof subgroup_op_names / sizeof *subgroup_op_names; b++)
            if (d->subgroup_ops & (1u << b)) {
                printf("%s\"%s\"", first ? "" : ", ", subgroup_op_names[b]);
                first = 0;
            }
        printf("], \"timestamps\": %s, \"timestamp_period_ns\": %g, "
               "\"max_storage_buffer_range\": %llu, \"max_memory_allocation_size\": %llu, "
               "\"min_storage_buffer_offset_alignment\": %llu, "
               "\"max_texel_buffer_elements\": %llu, \"min_texel_buffer_offset_alignment\": %llu, "
               "\"shared_memory\": %u, "
               "\"max_workgroup_size\": [%u, %u, %u], \"max_workgroup_invocations\": %u, "
               "\"device_local_bytes\": %llu, \"uma\": %s, \"compute_queue\": %s, "
               "\"transfer_queue\": %s, \"transfer_queue_used\": %s, ",
               d->timestamps ? "true" : "false", d->timestamp_period_ns,
               (unsigned long long)d->max_storage_buffer_range,
               (unsigned long long)d->max_memory_allocation_size,
               (unsigned long long)d->min_storage_buffer_offset_alignment,
               (unsigned long long)d->max_texel_buffer_elements,
               (unsigned long long)d->min_texel_buffer_offset_alignment, d->shared_memory,
               d->max_workgroup_size[0], d->max_workgroup_size[1], d->max_workgroup_size[2],
               d->max_workgroup_invocations, (unsigned long long)d->device_local_bytes,
               d->uma ? "true" : "false", d->compute_queue ? "true" : "false",
               d->transfer_queue ? "true" : "false", transfer_used(d) ? "true" : "false");
        if (d->coopmat == VKCNN_COOPMAT_NV)
            printf("\"coopmat\": \"nv\", \"coopmat_shape\": [%u, %u, %u]}}", d->coopmat_m,
                   d->coopmat_n, d->coopmat_k);
        else
            printf("\"coopmat\": null, \"coopmat_shape\": null}}");
    }
    printf("\n], \"default\": ");
    if (def == UINT32_MAX)
        printf("null}\n");
    else
        printf("%u}\n", def);
}

static const char *yes(int v) {
    return v ? "yes" : "no";
}

static void print_text(const vkcnn_device_info *devs, uint32_t n, uint32_t def) {
    for (uint32_t i = 0; i < n; i++) {
        const vkcnn_device_info *d = &devs[i];
        printf("%u: %s%s\n", d->index, d->name, i == def ? "  [default]" : "");
        printf("   %s, vendor 0x%04x, device 0x%04x, Vulkan ", vkcnn_device_type_string(d->type),
               d->vendor_id, d->device_id);
        print_api(stdout, d->api_version);
        printf(", driver %s (%s)\n", d->driver_name[0] ? d->driver_name : "?", d->driver_info);
        printf("   fp16 %s, storage16 %s, int8 %s, subgroup %u", yes(d->fp16), yes(d->storage16),
               yes(d->int8), d->subgroup_size);
        if (d->subgroup_size_min != d->subgroup_size_max)
            printf(" (%u..%u)", d->subgroup_size_min, d->subgroup_size_max);
        printf(", timestamps %s", yes(d->timestamps));
        if (d->timestamps) printf(" (%g ns)", d->timestamp_period_ns);
        printf(", UMA %s\n", yes(d->uma));
        printf("   transfer queue: %s\n",
               !d->transfer_queue ? "no dedicated family (copies on the compute queue)"
               : transfer_used(d) ? "dedicated family, used for input and output copies"
                                  : "dedicated family, unused (unified memory: no staging)");
        printf("   storage buffer range %llu MiB, allocation %llu MiB, shared memory %u KiB, "
               "workgroup %u (%ux%ux%u)",
               (unsigned long long)(d->max_storage_buffer_range >> 20),
               (unsigned long long)(d->max_memory_allocation_size >> 20), d->shared_memory >> 10,
               d->max_workgroup_invocations, d->max_workgroup_size[0], d->max_workgroup_size[1],
               d->max_workgroup_size[2]);
        if (d->vector_width) printf(", vector width %u bits", d->vector_width);
        if (!d->compute_queue) printf(", NO COMPUTE QUEUE");
        printf("\n");
        /* tensor cores: the cooperative-matrix extension and its fp16 shape */
        if (d->coopmat == VKCNN_COOPMAT_NV)
            printf("   coopmat nv %ux%ux%u\n", d->coopmat_m, d->coopmat_n, d->coopmat_k);
        else
            printf("   coopmat no\n");
    }
}

int vkcnn_cmd_devices(int argc, char **argv) {
    int json = 0;
    const char *device = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--device") == 0) {
            if (i + 1 >= argc || !argv[i + 1][0]) {
                fprintf(stderr, "vkcnn devices: --device needs a value: a device index or part "
                                "of its name\n");
                return 2;
            }
            device = argv[++i];
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: vkcnn devices [--json] [--device D]\n"
                   "Lists every Vulkan device with its capabilities and marks the one\n"
                   "commands use (--device D, else VKCNN_DEVICE, else discrete > integrated >\n"
                   "virtual > CPU). D of digits is an index, anything else a name substring.\n"
                   "  --json       print JSON: {\"devices\": [...], \"default\": i}\n"
                   "  --device D   mark D as the default, as commands given --device D would\n"
                   "               use it\n"
                   "No device is an error (exit 1).\n" CLI_EXIT_HELP);
            return 0;
        } else {
            fprintf(stderr, "vkcnn devices: unknown or incomplete option '%s'\n", argv[i]);
            return 2;
        }
    }
    static vkcnn_device_info devs[MAX_DEVICES];
    uint32_t n = 0, def = UINT32_MAX;
    vkcnn_context_desc desc = {.device = device};
    vkcnn_status st = vkcnn_enumerate_devices(&desc, devs, MAX_DEVICES, &n, &def);
    if (st != VKCNN_OK) {
        fprintf(stderr, "vkcnn devices: %s\n", vkcnn_last_error());
        return 1;
    }
    if (n > MAX_DEVICES) n = MAX_DEVICES;
    if (json)
        print_json(devs, n, def);
    else
        print_text(devs, n, def);
    if (def == UINT32_MAX) {
        fprintf(stderr, "vkcnn devices: no default device: %s\n", vkcnn_last_error());
        return 1;
    }
    return 0;
}
