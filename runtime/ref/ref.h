/* Plain-C reference implementation of every runtime operator of the graph IR.
 *
 * Written from the ONNX operator definitions, independently of the shaders:
 * simple loops, double accumulation, no tiling. Used by the kernel tests and
 * by the executor's per-node check mode. Slow by design.
 *
 * Tensors are dense row-major float32 with their IR shapes. Attributes are the
 * decoded vkc_attrs of ops.h after shape inference (auto_pad resolved into
 * pads, axes normalized). View ops (Reshape, Flatten, Squeeze, Unsqueeze,
 * Identity, Dropout) copy their input. */
#ifndef VKC_REF_REF_H
#define VKC_REF_REF_H

#include <stdint.h>

#include "graph/graph.h"

typedef struct vkc_ref_tensor {
    uint32_t rank;
    const int64_t *dims; /* rank entries */
    const float *data;   /* inputs only; NULL for the output */
} vkc_ref_tensor;

/* Computes the output of `op` into `out` (as many floats as `output`'s
 * shape holds). `inputs` follow ops.h's per-op operand list; absent optional
 * operands have data == NULL. Fails with VKCNN_ERROR_UNSUPPORTED for ops
 * without a reference (shape arithmetic) and VKCNN_ERROR_OUT_OF_HOST_MEMORY. */
vkcnn_status vkc_ref_compute(vkc_op op, const vkc_attrs *attrs, const vkc_ref_tensor *inputs,
                             uint32_t input_count, const vkc_ref_tensor *output, float *out);

/* vkc_ref_compute for node n of g. inputs[i] is the data of the node's input
 * slot i; a NULL entry takes the graph's constant data (float32 only). */
vkcnn_status vkc_ref_node(const vkc_graph *g, uint32_t n, const float *const *inputs, float *out);

/* Per-family entry points (ref_window.c, ref_matrix.c, ref_layout.c,
 * ref_elementwise.c); vkc_ref_compute dispatches to them. */
void vkc_ref_conv(const vkc_window_attrs *a, const vkc_ref_tensor *x, const vkc_ref_tensor *w,
                  const float *bias, const vkc_ref_tensor *y, float *out);
void vkc_ref_pool(vkc_op op, const vkc_window_attrs *a, const vkc_ref_tensor *x,
                  const vkc_ref_tensor *y, float *out);
void vkc_ref_lrn(const vkc_lrn_attrs *a, const vkc_ref_tensor *x, float *out);
void vkc_ref_gemm(const vkc_gemm_attrs *a, const vkc_ref_tensor *ta, const vkc_ref_tensor *tb,
                  const vkc_ref_tensor *tc, float *out);
void vkc_ref_matmul(const vkc_ref_tensor *ta, const vkc_ref_tensor *tb, const vkc_ref_tensor *y,
                    float *out);
void vkc_ref_unary(vkc_op op, const vkc_attrs *a, const vkc_ref_tensor *x, float *out);
void vkc_ref_binary(vkc_op op, const vkc_ref_tensor *ta, const vkc_ref_tensor *tb,
                    const vkc_ref_tensor *y, float *out);
void vkc_ref_batch_norm(float epsilon, const vkc_ref_tensor *inputs, float *out);
void vkc_ref_transpose(const vkc_transpose_attrs *a, const vkc_ref_tensor *x, float *out);
void vkc_ref_concat(int64_t axis, const vkc_ref_tensor *inputs, uint32_t count,
                    const vkc_ref_tensor *y, float *out);
void vkc_ref_pad(const vkc_pad_attrs *a, const vkc_ref_tensor *x, const vkc_ref_tensor *y,
                 float *out);
void vkc_ref_softmax(bool log, const vkc_softmax_attrs *a, const vkc_ref_tensor *x, float *out);

/* Element count of a shape (1 for rank 0). */
uint64_t vkc_ref_elements(uint32_t rank, const int64_t *dims);

#endif
