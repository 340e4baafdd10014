#include "vk/compiler.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glslang/Include/glslang_c_interface.h>
#include <glslang/Public/resource_limits_c.h>
#include <glslang/build_info.h>

#include "core/error.h"

#define STR2(x) #x
#define STR(x) STR2(x)

static atomic_ullong compile_count;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_ok;

/* glslang's process state is set up once and kept for the process lifetime:
 * finalizing while another thread (or context) compiles is not safe. */
static void init_glslang(void) {
    init_ok = glslang_initialize_process();
}

uint64_t vkc_glsl_compile_count(void) {
    return atomic_load(&compile_count);
}

const char *vkc_glsl_version(void) {
    return "glslang " STR(GLSLANG_VERSION_MAJOR) "." STR(GLSLANG_VERSION_MINOR) "." STR(
        GLSLANG_VERSION_PATCH);
}

/* Appends glslang's log to `out`, quoting the source line of each
 * "ERROR: 0:LINE:" so the message shows the offending code. */
static void format_log(const char *log, const char *source, char *out, size_t size) {
    size_t used = 0;
    out[0] = '\0';
    const char *line = log;
    while (line && *line && used + 1 < size) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        int w = snprintf(out + used, size - used, "\n  %.*s", (int)len, line);
        if (w < 0) break;
        used += (size_t)w < size - used ? (size_t)w : size - used - 1;
        unsigned lineno = 0;
        if (sscanf(line, "ERROR: %*d:%u:", &lineno) == 1 && lineno > 0) {
            const char *s = source;
            for (unsigned i = 1; i < lineno && s; i++) {
                s = strchr(s, '\n');
                if (s) s++;
            }
            if (s && *s) {
                const char *e = strchr(s, '\n');
                w = snprintf(out + used, size - used, "\n    %u | %.*s", lineno,
                             (int)(e ? e - s : (long)strlen(s)), s);
                if (w > 0) used += (size_t)w < size - used ? (size_t)w : size - used - 1;
            }
        }
        line = end ? end + 1 : NULL;
    }
}

static vkcnn_status compile_glsl(const char *name, const char *source, const char *preamble,
                                 uint32_t vulkan_minor, uint32_t **spirv, size_t *words) {
    glslang_target_client_version_t client = GLSLANG_TARGET_VULKAN_1_1;
    glslang_target_language_version_t spv = GLSLANG_TARGET_SPV_1_3;
    if (vulkan_minor >= 3) {
        client = GLSLANG_TARGET_VULKAN_1_3;
        spv = GLSLANG_TARGET_SPV_1_6;
    } else if (vulkan_minor == 2) {
        client = GLSLANG_TARGET_VULKAN_1_2;
        spv = GLSLANG_TARGET_SPV_1_5;
    }
    const glslang_input_t input = {
        .language = GLSLANG_SOURCE_GLSL,
        .stage = GLSLANG_STAGE_COMPUTE,
        .client = GLSLANG_CLIENT_VULKAN,
        .client_version = client,
        .target_language = GLSLANG_TARGET_SPV,
        .target_language_version = spv,
        .code = source,
        .default_version = 450,
        .default_profile = GLSLANG_NO_PROFILE,
        .messages = GLSLANG_MSG_SPV_RULES_BIT | GLSLANG_MSG_VULKAN_RULES_BIT,
        .resource = glslang_default_resource(),
    };
    char detail[VKC_ERROR_MAX];
    glslang_shader_t *shader = glslang_shader_create(&input);
    if (!shader) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "glslang_shader_create failed");
    if (preamble && *preamble) glslang_shader_set_preamble(shader, preamble);
    if (!glslang_shader_preprocess(shader, &input) || !glslang_shader_parse(shader, &input)) {
        format_log(glslang_shader_get_info_log(shader), source, detail, sizeof detail);
        glslang_shader_delete(shader);
        return vkc_fail(VKCNN_ERROR_SHADER_COMPILE, "shader '%s' does not compile:%s", name,
                        detail);
    }
    glslang_program_t *program = glslang_program_create();
    if (!program) {
        glslang_shader_delete(shader);
        return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "glslang_program_create failed");
    }
    glslang_program_add_shader(program, shader);
    vkcnn_status st = VKCNN_OK;
    if (!glslang_program_link(program, GLSLANG_MSG_SPV_RULES_BIT | GLSLANG_MSG_VULKAN_RULES_BIT)) {
        format_log(glslang_program_get_info_log(program), source, detail, sizeof detail);
        st = vkc_fail(VKCNN_ERROR_SHADER_COMPILE, "shader '%s' does not link:%s", name, detail);
        goto done;
    }
    glslang_spv_options_t opts = {.disable_optimizer = false, .validate = false};
    glslang_program_SPIRV_generate_with_options(program, GLSLANG_STAGE_COMPUTE, &opts);
    size_t n = glslang_program_SPIRV_get_size(program);
    const char *msgs = glslang_program_SPIRV_get_messages(program);
    if (n == 0) {
        st = vkc_fail(VKCNN_ERROR_SHADER_COMPILE, "shader '%s': SPIR-V generation failed: %s", name,
                      msgs ? msgs : "");
        goto done;
    }
    *spirv = malloc(n * sizeof **spirv);
    if (!*spirv) {
        st = vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
        goto done;
    }
    glslang_program_SPIRV_get(program, *spirv);
    *words = n;
done:
    glslang_program_delete(program);
    glslang_shader_delete(shader);
    return st;
}

/* The process's first compile runs alone: glslang (a library built without
 * ThreadSanitizer) initialises function-local statics on first use, and a
 * thread that later finds them initialised takes the guard's inline fast
 * path, which TSan cannot see, so it reported their reads as races with the
 * first compile's writes (the glslang warm-up thread against a model's
 * compile). The other threads wait for the first compile under a mutex, a
 * synchronisation TSan does see; they waited anyway, on glslang's own lock
 * while it built its built-in tables. */
static pthread_mutex_t first_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool first_done;

static vkcnn_status compile(const char *name, const char *source, const char *preamble,
                            uint32_t vulkan_minor, uint32_t **spirv, size_t *words) {
    *spirv = NULL;
    *words = 0;
    pthread_once(&init_once, init_glslang);
    if (!init_ok) return vkc_fail(VKCNN_ERROR_SHADER_COMPILE, "glslang failed to initialise");
    if (!atomic_load(&first_done)) {
        pthread_mutex_lock(&first_lock);
        if (!atomic_load(&first_done)) {
            vkcnn_status st = compile_glsl(name, source, preamble, vulkan_minor, spirv, words);
            atomic_store(&first_done, true);
            pthread_mutex_unlock(&first_lock);
            return st;
        }
        pthread_mutex_unlock(&first_lock);
    }
    return compile_glsl(name, source, preamble, vulkan_minor, spirv, words);
}

vkcnn_status vkc_glsl_compile(const char *name, const char *source, const char *preamble,
                              uint32_t vulkan_minor, uint32_t **spirv, size_t *words) {
    atomic_fetch_add(&compile_count, 1);
    return compile(name, source, preamble, vulkan_minor, spirv, words);
}

/* glslang keys its built-in tables by #version, profile, source language and
 * whether the client is Vulkan, not by the Vulkan or SPIR-V minor: every
 * kernel (GLSL 450 compute for Vulkan) shares the tables this one builds. */
void vkc_glsl_warm(void) {
    static const char source[] = "#version 450\n"
                                 "layout(local_size_x = 1) in;\n"
                                 "void main() {}\n";
    uint32_t *spirv = NULL;
    size_t words = 0;
    if (compile("warm-up", source, NULL, 1, &spirv, &words)) vkc_error_clear();
    free(spirv);
}
