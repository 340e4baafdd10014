/* Helpers shared by the reliability tests: resident memory, element counts,
 * one inference on fixed pseudo-random input. */
#ifndef VKCNN_TESTS_REL_COMMON_H
#define VKCNN_TESTS_REL_COMMON_H

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* One "Name:" field of /proc/self/status in KiB (0 when unreadable):
 * VmRSS (all resident memory), or its parts RssAnon (heap, stacks, anonymous
 * mappings: where a leak grows) and RssFile (pages of mapped files such as
 * the driver's shared libraries, which the kernel may drop and fault back). */
static inline unsigned long rel_status_kib(const char *field) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return 0;
    char line[256];
    size_t n = strlen(field);
    unsigned long kib = 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':') {
            kib = strtoul(line + n + 1, NULL, 10);
            break;
        }
    fclose(f);
    return kib;
}

/* Mappings of files in /proc/self/maps (lines naming a path), and open file
 * descriptors in /proc/self/fd (counting the one that reads it); -1 when
 * unreadable. A file mapped or opened and never released grows these by
 * one per round, which RssFile may not show: the kernel drops and faults
 * back file pages as it likes, so RssFile moves by a megabyte without any
 * leak. */
static inline long rel_file_mappings(void) {
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f) return -1;
    char line[4096];
    long n = 0;
    bool at_start = true;
    while (fgets(line, sizeof line, f)) {
        bool whole = strchr(line, '\n') != NULL;
        if (at_start && strchr(line, '/')) n++;
        at_start = whole;
    }
    fclose(f);
    return n;
}

static inline long rel_open_fds(void) {
    DIR *d = opendir("/proc/self/fd");
    if (!d) return -1;
    long n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

static int rel_cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of v[0..n) (n >= 1; v is sorted in place). */
static inline double rel_median(double *v, size_t n) {
    qsort(v, n, sizeof *v, rel_cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* The Theil-Sen line through (x[i], y[i]), i < n (n >= 2, x distinct): the
 * slope is the median of the slopes between all pairs, the intercept the
 * median of y - slope * x. Unlike least squares it ignores up to ~29% of
 * readings far off the trend. false when out of memory. */
static inline bool rel_theil_sen(const double *x, const double *y, size_t n, double *slope,
                                 double *intercept) {
    size_t pairs = n * (n - 1) / 2;
    double *v = malloc((pairs > n ? pairs : n) * sizeof *v);
    if (!v) return false;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            v[k++] = (y[j] - y[i]) / (x[j] - x[i]);
    *slope = rel_median(v, k);
    for (size_t i = 0; i < n; i++)
        v[i] = y[i] - *slope * x[i];
    *intercept = rel_median(v, n);
    free(v);
    return true;
}

static inline size_t rel_elements(const vkcnn_tensor_info *t) {
    size_t n = 1;
    for (uint32_t i = 0; i < t->rank; i++)
        n *= (size_t)t->shape[i];
    return n;
}

/* Sets input 0 to pseudo-random values from `seed`, runs once and copies
 * output 0 into a malloc'd buffer (*count elements). NULL on failure (a
 * failed CHECK has been counted). */
static inline float *rel_infer(vkcnn_model *m, uint64_t seed, size_t *count) {
    vkcnn_tensor_info in, out;
    CHECK_OK(vkcnn_model_input(m, 0, &in));
    CHECK_OK(vkcnn_model_output(m, 0, &out));
    size_t ni = rel_elements(&in), no = rel_elements(&out);
    float *x = malloc(ni * sizeof *x), *y = malloc(no * sizeof *y);
    if (!x || !y) {
        free(x);
        free(y);
        CHECK(!"out of host memory");
        return NULL;
    }
    uint64_t s = seed;
    for (size_t i = 0; i < ni; i++)
        x[i] = th_randf(&s);
    vkcnn_status st = vkcnn_model_set_input(m, 0, x, ni);
    if (!st) st = vkcnn_model_run(m);
    if (!st) st = vkcnn_model_get_output(m, 0, y, no);
    free(x);
    CHECK_OK(st);
    if (st) {
        free(y);
        return NULL;
    }
    *count = no;
    return y;
}

#endif
