/* Attribute decoders per operator family (onnx_attrs.c), named by the
 * operator table (runtime/ops/op_table.c). Each reads the node's ONNX
 * attributes, as its opset defines them, into its vkc_attrs, refusing
 * training-mode variants and absurd values with a message naming the node. */
#ifndef VKC_IMPORT_ONNX_ATTRS_H
#define VKC_IMPORT_ONNX_ATTRS_H

#include "graph/graph.h"

struct vkc_attr_reader;
#define VKC_DECODER(name)                                                                          \
    vkcnn_status vkc_decode_##name(const struct vkc_attr_reader *r, vkc_node *n)

VKC_DECODER(window); /* Conv, MaxPool, AveragePool */
VKC_DECODER(lrn);
VKC_DECODER(elt); /* alpha, beta, gamma of elementwise ops */
VKC_DECODER(clip);
VKC_DECODER(batch_norm);
VKC_DECODER(gemm);
VKC_DECODER(binary); /* Add, Sub, Mul, Div, Pow: legacy broadcasting < 7 */
VKC_DECODER(axis);   /* Flatten, Concat, Gather */
VKC_DECODER(reshape);
VKC_DECODER(axes); /* Squeeze, Unsqueeze */
VKC_DECODER(transpose);
VKC_DECODER(pad);
VKC_DECODER(dropout);
VKC_DECODER(softmax);
VKC_DECODER(shape);
VKC_DECODER(cast);
VKC_DECODER(slice);
VKC_DECODER(reduce); /* Reduce*: axes (attribute before 18), keepdims, noop_with_empty_axes */
VKC_DECODER(norm);   /* Layer-, Instance-, Group-, LpNormalization */
VKC_DECODER(gelu);   /* approximate */
VKC_DECODER(split);  /* axis, 'split' (< 13), num_outputs (18) */
VKC_DECODER(constant_of_shape);
VKC_DECODER(resize); /* Resize, Upsample */

#undef VKC_DECODER

#endif
