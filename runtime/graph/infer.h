/* Shape inference per operator family (infer.c), referenced by the operator
 * table (runtime/ops/op_table.c); vkc_infer_node (graph.h) runs the right
 * one. Each checks its node's inputs, decodes constant operands into the
 * node's attributes (dropping them from its inputs) and sets the output's
 * shape; every failure names the node, the operator and the operand. */
#ifndef VKC_GRAPH_INFER_H
#define VKC_GRAPH_INFER_H

#include "graph/graph.h"

vkcnn_status vkc_infer_same(vkc_graph *g, uint32_t ni); /* output = input 0's shape */
vkcnn_status vkc_infer_conv(vkc_graph *g, uint32_t ni);
vkcnn_status vkc_infer_pool(vkc_graph *g, uint32_t ni);
vkcnn_status vkc_infer_global_pool(vkc_graph *g, uint32_t ni);
vkcnn_status vkc_infer_lrn(vkc_graph *g, uint32_t ni);
vkcnn_status vkc_infer_batch_norm(vkc_graph *g, uint32_t ni);
vkcnn_status vkc_infer_binary(vkc_graph *g, uint32_t ni);   /* numpy or legacy broadcasting */
vkcnn_status vkc_infer_variadic(vkc_graph *g, uint32_t ni); /* numpy over any arity */
vkcnn_status vkc_infer_prelu(vkc_graph *g, uint32_t ni);
vkcnn_status vkc_infer_clip(vkc_graph *g, uint32_t ni);
vkcnn_status vkc_infer_dropout(vkc_graph *g, uint32_t ni);
vkcnn_status vkc_infer_gemm(vkc_graph *g, uint32_t ni);
vkcnn_status vkc_infer_matmul(vkc_graph *g, uint32_t ni);
vkcnn_status vkc_infer_flatten(vkc_graph *g, uint32_t ni);
vkcnn_status vkc_infer_reshape(vkc_graph *g, uint32_t ni);
vkcnn_status vkc_infer_squeeze(vkc_graph *g, uint32_t ni);
vkcnn_status vkc_infer_unsqueeze(vkc_graph *g, uint32_t ni);
vkcnn_status vkc_infer_transpose(vkc_graph *g, uint32_t ni);
vkcnn_status vkc_infer_concat(vkc_graph *g, uint32_t ni);
vkcnn_status vkc_infer_pad(vkc_graph *g, uint32_t ni);
vkcnn_status vkc_infer_softmax(vkc_graph *g, uint32_t ni);
vkcnn_status vkc_infer_shape(vkc_graph *g, uint32_t ni);
vkcnn_status vkc_infer_gather(vkc_graph *g, uint32_t ni);
vkcnn_status vkc_infer_cast(vkc_graph *g, uint32_t ni);
vkcnn_status vkc_infer_slice(vkc_graph *g, uint32_t ni);

/* Data movement, logic and resizing (infer_data.c). */
vkcnn_status vkc_infer_split(vkc_graph *g, uint32_t ni);
vkcnn_status vkc_infer_tile(vkc_graph *g, uint32_t ni);
vkcnn_status vkc_infer_expand(vkc_graph *g, uint32_t ni);
vkcnn_status vkc_infer_where(vkc_graph *g, uint32_t ni);
vkcnn_status vkc_infer_constant_of_shape(vkc_graph *g, uint32_t ni);
vkcnn_status vkc_infer_range(vkc_graph *g, uint32_t ni);
vkcnn_status vkc_infer_size(vkc_graph *g, uint32_t ni);
vkcnn_status vkc_infer_resize(vkc_graph *g, uint32_t ni); /* Resize, Upsample */
/* Gather on run-time data: its int64 indices become a float32 table. */
vkcnn_status vkc_infer_gather_table(vkc_graph *g, uint32_t ni);

/* Reductions and normalizations (infer_reduce.c). */
vkcnn_status vkc_infer_reduce(vkc_graph *g, uint32_t ni); /* every Reduce* */
vkcnn_status vkc_infer_layer_norm(vkc_graph *g, uint32_t ni);
vkcnn_status vkc_infer_instance_norm(vkc_graph *g, uint32_t ni);
vkcnn_status vkc_infer_group_norm(vkc_graph *g, uint32_t ni);
vkcnn_status vkc_infer_lp_norm(vkc_graph *g, uint32_t ni);

#endif
