/* Shared between the files of the ONNX importer. */
#ifndef VKC_IMPORT_ONNX_INTERNAL_H
#define VKC_IMPORT_ONNX_INTERNAL_H

#include "graph/graph.h"
#include "onnx.pb-c.h"

/* Name of an ONNX TensorProto.DataType ("float32", "int64", ...). */
const char *vkc_onnx_type_name(int64_t type);

/* Decodes tp (shape, type, data in any storage form) into constant tensor
 * ti. base_dir resolves external data; NULL refuses it. */
vkcnn_status vkc_onnx_load_tensor(vkc_graph *g, uint32_t ti, const VkcnnOnnx__TensorProto *tp,
                                  const char *base_dir);

/* Decodes node ni's ONNX attributes into its vkc_attrs, per op and opset,
 * refusing training-mode variants and absurd values. */
vkcnn_status vkc_onnx_decode_attrs(vkc_graph *g, uint32_t ni, const VkcnnOnnx__NodeProto *np);

#endif
