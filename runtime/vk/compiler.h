/* GLSL compute source -> SPIR-V with glslang's C API. */
#ifndef VKC_VK_COMPILER_H
#define VKC_VK_COMPILER_H

#include <stddef.h>
#include <stdint.h>

#include "vkcnn.h"

/* Compiles `source` (a complete GLSL 450 compute shader with its #version
 * line) with `preamble` (e.g. "#define N 4\n", may be NULL) for Vulkan
 * `vulkan_minor` (1..3). On success *spirv is malloc'd (caller frees) and
 * *words its length. On failure returns VKCNN_ERROR_SHADER_COMPILE with
 * glslang's log and each offending source line quoted. `name` labels
 * messages. Thread-safe. */
vkcnn_status vkc_glsl_compile(const char *name, const char *source, const char *preamble,
                              uint32_t vulkan_minor, uint32_t **spirv, size_t *words);

/* How many times glslang has been invoked in this process (tests assert that
 * a warm cache does not compile). */
uint64_t vkc_glsl_compile_count(void);

/* Compiles a trivial shader, not counted by vkc_glsl_compile_count: glslang's
 * first compile in a process builds its built-in symbol tables (about 55 ms
 * on a desktop CPU core), and every other compile waits for them. A context
 * calls this on a thread of its own, so that the work overlaps device
 * creation and the model's import. Thread-safe; failures are left to the
 * real compiles to report. */
void vkc_glsl_warm(void);

/* "glslang MAJOR.MINOR.PATCH", part of every cache key. */
const char *vkc_glsl_version(void);

#endif
