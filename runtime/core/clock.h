/* Monotonic wall clock in milliseconds, for load-time breakdowns. */
#ifndef VKC_CORE_CLOCK_H
#define VKC_CORE_CLOCK_H

#include <time.h>

static inline double vkc_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

#endif
