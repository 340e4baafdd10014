/* The model's internal state, shared by the files of runtime/run that
 * implement the public model API (model.c, image_input.c). */
#ifndef VKC_RUN_MODEL_INTERNAL_H
#define VKC_RUN_MODEL_INTERNAL_H

#include <stdbool.h>

#include "core/error.h"
#include "exec/exec.h"
#include "graph/graph.h"
#include "vkcnn.h"

struct vkcnn_model {
    vkcnn_context *ctx;
    vkcnn_network *net; /* retained: the executor reads the graph */
    const vkc_graph *graph;
    vkc_exec *exec;
    bool check;
    float check_rtol, check_atol;
    bool ran;
    char error[VKC_ERROR_MAX];
};

#endif
