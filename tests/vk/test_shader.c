/* The runtime shader compiler: GLSL + defines -> SPIR-V -> pipeline, with the
 * layout reflected from SPIR-V; compile errors quote glslang's log and line. */
#include <string.h>

#include "affine_run.h"
#include "vk/compiler.h"
#include "vk/shaders.h"
#include "vk/spirv_reflect.h"

static const char *broken = "#version 450\n"
                            "layout(local_size_x = 8) in;\n"
                            "layout(std430, binding = 0) buffer B { float v[]; };\n"
                            "void main() {\n"
                            "    v[gl_GlobalInvocationID.x] = undeclared_thing * 2.0;\n"
                            "}\n";

int main(void) {
    /* reflection of the embedded template */
    const char *src = vkc_shader_find("affine");
    CHECK(src != NULL);
    CHECK(vkc_shader_find("no-such-shader") == NULL);
    uint32_t *spirv = NULL;
    size_t words = 0;
    CHECK_OK(vkc_glsl_compile("affine", src, "#define LOCAL_SIZE 32\n", 1, &spirv, &words));
    vkc_spirv_layout io;
    CHECK_OK(vkc_spirv_reflect(spirv, words, "affine", &io));
    CHECK(io.binding_count == 2);
    CHECK(io.push_size == 4);
    CHECK(io.local_size[0] == 32 && io.local_size[1] == 1 && io.local_size[2] == 1);
    /* truncated and garbage SPIR-V are refused, not crashed on */
    CHECK_STATUS(vkc_spirv_reflect(spirv, 3, "t", &io), VKCNN_ERROR_SHADER_COMPILE);
    uint32_t saved = spirv[5];
    spirv[5] = 0xffff0000u | (saved & 0xffff); /* word count far past the end */
    CHECK_STATUS(vkc_spirv_reflect(spirv, words, "t", &io), VKCNN_ERROR_SHADER_COMPILE);
    spirv[5] = saved;
    spirv[0] = 0;
    CHECK_STATUS(vkc_spirv_reflect(spirv, words, "t", &io), VKCNN_ERROR_SHADER_COMPILE);
    free(spirv);

    /* compile errors: status, glslang's message, and the offending line quoted */
    CHECK_STATUS(vkc_glsl_compile("broken", broken, NULL, 1, &spirv, &words),
                 VKCNN_ERROR_SHADER_COMPILE);
    const char *msg = vkcnn_last_error();
    printf("compile error message:\n%s\n", msg);
    CHECK(strstr(msg, "broken") != NULL);
    CHECK(strstr(msg, "undeclared_thing") != NULL);
    CHECK(strstr(msg, "5 |") != NULL); /* line 5 quoted with its number */
    CHECK(spirv == NULL);

    /* compiled at run time with defines, dispatched, results checked, for
     * sizes that do and do not fill the last workgroup */
    vkcnn_context *ctx = th_context(NULL, 0, 0);
    CHECK(affine_check(ctx, 2.0f, 1.0f, 1000) == 0);
    CHECK(affine_check(ctx, -0.5f, 3.0f, 64) == 0);
    CHECK(affine_check(ctx, 1.0f, 0.0f, 1) == 0);

    /* a kernel from a broken source fails cleanly through kernel creation */
    vkc_kernel k;
    vkc_kernel_desc desc = {.name = "broken", .source = broken};
    CHECK_STATUS(vkc_kernel_create(ctx, &desc, &k), VKCNN_ERROR_SHADER_COMPILE);
    CHECK(k.pipeline == VK_NULL_HANDLE);
    desc = (vkc_kernel_desc){.name = "no-such-template"};
    CHECK_STATUS(vkc_kernel_create(ctx, &desc, &k), VKCNN_ERROR_INVALID_ARGUMENT);
    th_destroy(ctx);
    return th_done("test_shader");
}
