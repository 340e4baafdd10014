/* Load-time evaluation of data movement (Split, Tile, Expand), comparisons,
 * logic and Where on constants, and of ConstantOfShape, Range and Size
 * (fold_logic.c); graph/fold.c calls it first for every node. */
#ifndef VKC_GRAPH_FOLD_LOGIC_H
#define VKC_GRAPH_FOLD_LOGIC_H

#include <stdbool.h>

#include "graph/graph.h"

/* When node ni is one of the operators above, sets *handled and evaluates
 * it if its inputs are constant (or, for Size, its shape is known): the
 * node is then dead and *folded set. On run-time data it stays a kernel
 * node, unless an input or its output is int64, which is refused naming
 * the node. */
vkcnn_status vkc_fold_logic(vkc_graph *g, uint32_t ni, bool *folded, bool *handled);

#endif
