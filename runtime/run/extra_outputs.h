/* Extra model outputs (vkcnn_model_options.extra_outputs): intermediate
 * tensors of the network made graph outputs before the passes run, so that
 * the memory planner keeps them and fusion stops at them. */
#ifndef VKC_RUN_EXTRA_OUTPUTS_H
#define VKC_RUN_EXTRA_OUTPUTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "exec/exec.h"
#include "graph/graph.h"

/* A copy of g (constant data borrowed: destroy it with
 * vkc_graph_clone_destroy(*out, g), before g) in which the tensors called
 * names[0 .. count) are graph outputs too, appended in that order (a tensor
 * that already is an output, or named twice, is not repeated). A name that
 * is no tensor of g, or names a constant, a graph input, a value computed at
 * load or a non-float tensor, is VKCNN_ERROR_INVALID_ARGUMENT; for an
 * unknown name the message lists the closest names. */
vkcnn_status vkc_extra_outputs_apply(const vkc_graph *g, const char *const *names, uint32_t count,
                                     vkc_graph **out);

/* Writes, for each output of `g` that `original` does not have, the dispatch
 * of `e` that writes it and, when the passes would have fused its producer
 * with a reader of it (a group split by asking for it), which nodes and
 * where the reader runs now. `fusion`: whether e ran the passes. */
void vkc_extra_outputs_describe(const vkc_graph *original, const vkc_graph *g, const vkc_exec *e,
                                bool fusion, FILE *f);

#endif
