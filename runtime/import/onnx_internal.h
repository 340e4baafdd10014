/* Shared between the files of the ONNX importer. */
#ifndef VKC_IMPORT_ONNX_INTERNAL_H
#define VKC_IMPORT_ONNX_INTERNAL_H

#include <stdbool.h>

#include "graph/graph.h"
#include "onnx.pb-c.h"

/* Name of an ONNX TensorProto.DataType ("float32", "int64", ...). */
const char *vkc_onnx_type_name(int64_t type);

/* The decoder's allocator (onnx_graph.c). */
typedef struct vkc_onnx_alloc vkc_onnx_alloc;

/* Takes `block`, a bytes field the decoder allocated, over as a malloc
 * block the caller will free; the decoder's free_unpacked then skips it.
 * False (nothing changes) unless it is one of the decoder's large blocks. */
bool vkc_onnx_alloc_take(vkc_onnx_alloc *a, const void *block);

/* Decodes tp (shape, type, data in any storage form) into constant tensor
 * ti. base_dir resolves external data; NULL refuses it. With `decoder`
 * (may be NULL), float32 raw_data in one of its large blocks becomes the
 * tensor's data without a copy. */
vkcnn_status vkc_onnx_load_tensor(vkc_graph *g, uint32_t ti, const VkcnnOnnx__TensorProto *tp,
                                  const char *base_dir, vkc_onnx_alloc *decoder);

/* Subgraphs (onnx_if.c): If's branches nest at most this deep. */
#define VKC_ONNX_MAX_NESTING 16

/* Decodes graph attribute `name` of np (*out NULL when np has none); free
 * it with vkcnn_onnx__graph_proto__free_unpacked(*out, alloc). */
vkcnn_status vkc_onnx_subgraph(const VkcnnOnnx__NodeProto *np, const char *name,
                               ProtobufCAllocator *alloc, VkcnnOnnx__GraphProto **out);

/* The tensors of g that np's subgraphs (at nesting `depth`, and the graphs
 * nested in them) read by name, each once: a malloc'd list. */
vkcnn_status vkc_onnx_captures(const vkc_graph *g, const VkcnnOnnx__NodeProto *np,
                               ProtobufCAllocator *alloc, int depth, uint32_t **list,
                               uint32_t *count);

/* If node ni (proto np): its condition must be a one-element constant; the
 * branch it takes, decoded, with as many outputs as the node. */
vkcnn_status vkc_onnx_if_branch(vkc_graph *g, uint32_t ni, const VkcnnOnnx__NodeProto *np,
                                ProtobufCAllocator *alloc, VkcnnOnnx__GraphProto **branch);

/* Decodes node ni's ONNX attributes into its vkc_attrs, per op and opset,
 * refusing training-mode variants and absurd values. */
vkcnn_status vkc_onnx_decode_attrs(vkc_graph *g, uint32_t ni, const VkcnnOnnx__NodeProto *np);

#endif
