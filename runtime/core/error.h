/* Internal error reporting: every failing internal function records a message
 * for the calling thread and returns a negative status. Public entry points
 * copy the message into their context (see context.c). */
#ifndef VKC_CORE_ERROR_H
#define VKC_CORE_ERROR_H

#include "vkcnn.h"

#if defined(__GNUC__)
#define VKC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define VKC_PRINTF(f, a)
#endif

/* Longest message kept; longer ones are truncated with "...". */
#define VKC_ERROR_MAX 2048

/* Records `status` and the formatted message for this thread; returns status. */
vkcnn_status vkc_fail(vkcnn_status status, const char *fmt, ...) VKC_PRINTF(2, 3);

/* Prepends "<formatted>: " to this thread's current message (adds context as
 * an error travels up, e.g. the file name); returns status unchanged. */
vkcnn_status vkc_fail_context(vkcnn_status status, const char *fmt, ...) VKC_PRINTF(2, 3);

/* Returns from the calling function with expr's status when it fails. */
#define VKC_TRY(expr)                                                                              \
    do {                                                                                           \
        vkcnn_status vkc_try_status_ = (expr);                                                     \
        if (vkc_try_status_ != VKCNN_OK) return vkc_try_status_;                                   \
    } while (0)

/* This thread's current message ("" when none). */
const char *vkc_error_message(void);

/* Clears this thread's message (start of a public call). */
void vkc_error_clear(void);

#endif
