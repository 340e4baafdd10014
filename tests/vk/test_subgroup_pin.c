/* Pinned subgroup sizes (vkc_kernel_desc.required_subgroup_size): on a
 * device with subgroup size control, a kernel created with each size the
 * device allows runs with subgroups of exactly that size (the shader writes
 * gl_SubgroupSize and how many invocations its subgroup has), under the
 * validation layer; sizes the device cannot pin, and workgroups that are no
 * multiple of the size, are refused with a message that says why. */
#include <string.h>

#include "harness.h"
#include "vk/context.h"
#include "vk/kernel.h"
#include "vk/sequence.h"

static const char *probe_source =
    "#version 450\n"
    "#extension GL_KHR_shader_subgroup_basic : require\n"
    "#extension GL_KHR_shader_subgroup_arithmetic : require\n"
    "#ifndef LOCAL\n#define LOCAL 64\n#endif\n"
    "layout(local_size_x = LOCAL) in;\n"
    "layout(std430, binding = 0) writeonly buffer Out { uint o[]; };\n"
    "void main() {\n"
    "    uint i = gl_WorkGroupID.x * uint(LOCAL) + gl_LocalInvocationID.x;\n"
    "    o[2u * i] = gl_SubgroupSize;\n"
    "    o[2u * i + 1u] = subgroupAdd(1u);\n"
    "}\n";

/* Runs the probe with subgroups pinned to `size`; 0 when every invocation
 * saw subgroups of `size` with all `size` invocations active. */
static int run_pinned(vkcnn_context *ctx, uint32_t size, uint32_t local) {
    char defines[64];
    snprintf(defines, sizeof defines, "#define LOCAL %u\n", local);
    vkc_kernel_desc desc = {.name = "probe",
                            .source = probe_source,
                            .defines = defines,
                            .required_subgroup_size = size};
    vkc_kernel k;
    vkcnn_status st = vkc_kernel_create(ctx, &desc, &k);
    if (st) {
        fprintf(stderr, "pinned %u: %s\n", size, vkcnn_last_error());
        return 1;
    }
    const uint32_t groups = 3, n = groups * local;
    vkc_buffer out;
    CHECK_OK(vkc_buffer_create(ctx, n * 8ull, VKC_MEM_DEVICE, &out));
    vkc_binding b = {&out, 0, VK_WHOLE_SIZE, VKC_WRITE, false};
    vkc_dispatch d = {.kernel = &k, .bindings = &b, .groups = {groups, 1, 1}};
    vkc_sequence *seq = NULL;
    uint32_t *got = calloc(2 * n, sizeof *got);
    int bad = 1;
    if (got && vkc_sequence_create(ctx, false, &seq) == VKCNN_OK &&
        vkc_sequence_add(seq, &d) == VKCNN_OK && vkc_sequence_record(seq) == VKCNN_OK &&
        vkc_sequence_run(seq) == VKCNN_OK &&
        vkc_buffer_read(ctx, &out, 0, got, n * 8ull) == VKCNN_OK) {
        bad = 0;
        for (uint32_t i = 0; i < n; i++)
            if (got[2 * i] != size || got[2 * i + 1] != size) {
                if (!bad)
                    fprintf(stderr,
                            "pinned %u, workgroup %u: invocation %u saw size %u, %u active\n", size,
                            local, i, got[2 * i], got[2 * i + 1]);
                bad++;
            }
    } else {
        fprintf(stderr, "pinned %u: run: %s\n", size, vkcnn_last_error());
    }
    printf("pinned subgroup size %u, workgroup %u: %s\n", size, local, bad ? "WRONG" : "ok");
    free(got);
    vkc_sequence_destroy(seq);
    vkc_buffer_destroy(ctx, &out);
    vkc_kernel_destroy(ctx, &k);
    return bad;
}

/* A pin that must be refused, with VKCNN_ERROR_UNSUPPORTED and `reason` in
 * the message. */
static void refused(vkcnn_context *ctx, uint32_t size, uint32_t local, const char *reason) {
    char defines[64];
    snprintf(defines, sizeof defines, "#define LOCAL %u\n", local);
    vkc_kernel_desc desc = {.name = "probe",
                            .source = probe_source,
                            .defines = defines,
                            .required_subgroup_size = size};
    vkc_kernel k;
    CHECK_STATUS(vkc_kernel_create(ctx, &desc, &k), VKCNN_ERROR_UNSUPPORTED);
    if (!strstr(vkcnn_last_error(), reason)) {
        fprintf(stderr, "pin %u on %u: message '%s' lacks '%s'\n", size, local, vkcnn_last_error(),
                reason);
        th_failures++;
    }
}

int main(void) {
    vkcnn_context *ctx = th_context(NULL, 0, 0);
    const vkc_device *dev = &ctx->dev;
    const vkcnn_device_info *info = &dev->phys->info;
    printf("%s (%s): subgroup %u (%u..%u), size control %d, full subgroups %d, stages 0x%x\n",
           info->name, info->driver_info, info->subgroup_size, info->subgroup_size_min,
           info->subgroup_size_max, dev->size_control, dev->full_subgroups,
           dev->phys->required_size_stages);
    /* Vulkan 1.3 makes subgroupSizeControl and computeFullSubgroups
     * mandatory: a 1.3 context must have turned them on */
    if (VK_API_VERSION_MINOR(info->api_version) >= 3 &&
        VK_API_VERSION_MINOR(ctx->inst.api_version) >= 3) {
        CHECK(dev->size_control);
        CHECK(dev->full_subgroups);
    }
    if (!dev->size_control || !(dev->phys->required_size_stages & VK_SHADER_STAGE_COMPUTE_BIT)) {
        refused(ctx, info->subgroup_size, 64, "subgroup");
        th_destroy(ctx);
        if (th_failures) return th_done("test_subgroup_pin");
        printf("SKIP: the device cannot pin subgroup sizes in compute shaders\n");
        return 77;
    }
    /* every power of two the device allows, in a workgroup of 4 subgroups */
    for (uint32_t s = info->subgroup_size_min; s && s <= info->subgroup_size_max; s *= 2)
        if (run_pinned(ctx, s, 4 * s)) th_failures++;
    refused(ctx, info->subgroup_size_min * 3 / 2 + 1, 64, "power of two");
    refused(ctx, info->subgroup_size_max * 2, 4 * info->subgroup_size_max * 2,
            "minSubgroupSize..maxSubgroupSize");
    if (info->subgroup_size_min > 1)
        refused(ctx, info->subgroup_size_min, info->subgroup_size_min + 1, "not a multiple");
    th_destroy(ctx);
    return th_done("test_subgroup_pin");
}
