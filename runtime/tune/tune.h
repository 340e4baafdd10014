/* The tuner's internal interface (vkcnn_tune itself is public: vkcnn.h). */
#ifndef VKC_TUNE_TUNE_H
#define VKC_TUNE_TUNE_H

#include "tune/table.h"
#include "vkcnn.h"

/* The tuned choices a model on ctx uses: none when `tuned` is VKCNN_OFF, or
 * VKCNN_DEFAULT with VKCNN_NO_TUNE=1; else the tune file of ctx's device in
 * `dir` (NULL: the context's cache directory; "": the default one). A
 * missing or bad file is an
 * empty table (a bad one is deleted), never an error. */
vkcnn_status vkc_tune_load_for_model(vkcnn_context *ctx, vkcnn_toggle tuned, const char *dir,
                                     vkc_tune_table *t);

#endif
