/* Test harness for Vulkan tests: every context runs under the Khronos
 * validation layer, and a test fails on any validation error or warning
 * (info and verbose messages are ignored). Each test uses a private cache
 * directory. */
#ifndef VKCNN_TESTS_HARNESS_H
#define VKCNN_TESTS_HARNESS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "vkcnn.h"

extern int th_failures;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
            th_failures++;                                                                         \
        }                                                                                          \
    } while (0)

/* CHECK with a printf-style message of what failed. */
#define CHECK_MSG(cond, ...)                                                                       \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                                        \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, "\n");                                                                 \
            th_failures++;                                                                         \
        }                                                                                          \
    } while (0)

/* Checks a status and prints the last error when it is not `want`. */
#define CHECK_STATUS(expr, want)                                                                   \
    do {                                                                                           \
        vkcnn_status th_st_ = (expr);                                                              \
        if (th_st_ != (want)) {                                                                    \
            fprintf(stderr, "%s:%d: %s returned %d (%s), expected %d: %s\n", __FILE__, __LINE__,   \
                    #expr, th_st_, vkcnn_status_string(th_st_), (int)(want), vkcnn_last_error());  \
            th_failures++;                                                                         \
        }                                                                                          \
    } while (0)

#define CHECK_OK(expr) CHECK_STATUS(expr, VKCNN_OK)

/* A new private directory under $TMPDIR (removed by th_rmdir). */
void th_tempdir(char *out, size_t size);
void th_rmdir(const char *dir);

/* A context with validation on (and synchronization validation when `sync`),
 * the given faults, and cache_dir (NULL: caching off). Aborts the test if it
 * cannot be created. */
vkcnn_context *th_context(const char *cache_dir, uint32_t faults, int sync);

/* The descriptor th_context uses, for tests that create contexts themselves. */
vkcnn_context_desc th_desc(const char *cache_dir, uint32_t faults, int sync);

/* Fails the test if ctx saw validation warnings or errors; destroys it. */
void th_destroy(vkcnn_context *ctx);

/* Prints the result and returns the process exit status. */
int th_done(const char *name);

/* Deterministic pseudo-random numbers (xorshift), seed printed on failure. */
uint32_t th_rand(uint64_t *state);
float th_randf(uint64_t *state); /* [-1, 1) */

#endif
