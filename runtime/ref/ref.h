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
 * shape holds) through the operator table's `ref`. `inputs` follow ops.h's
 * per-op operand list; absent optional operands have data == NULL. Fails
 * with VKCNN_ERROR_UNSUPPORTED for ops without a reference (shape
 * arithmetic). */
vkcnn_status vkc_ref_compute(vkc_op op, const vkc_attrs *attrs, const vkc_ref_tensor *inputs,
                             uint32_t input_count, const vkc_ref_tensor *output, float *out);

/* vkc_ref_compute for node n of g, its own operation only (not its fused
 * post-ops). inputs[i] is the data of the node's input slot i; a NULL entry
 * takes the graph's constant data (float32 only). */
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
void vkc_ref_batch_norm(float epsilon, const vkc_ref_tensor *inputs, float *out);
void vkc_ref_transpose(const vkc_transpose_attrs *a, const vkc_ref_tensor *x, float *out);
void vkc_ref_concat(int64_t axis, const vkc_ref_tensor *inputs, uint32_t count,
                    const vkc_ref_tensor *y, float *out);
void vkc_ref_pad(const vkc_pad_attrs *a, const vkc_ref_tensor *x, const vkc_ref_tensor *y,
                 float *out);
void vkc_ref_softmax(bool log, const vkc_softmax_attrs *a, const vkc_ref_tensor *x, float *out);

/* The operator table's `ref` entries (the signature of vkc_ref_fn). */
#define VKC_REF_ARGS                                                                               \
    vkc_op op, const vkc_attrs *a, const struct vkc_ref_tensor *in, uint32_t count,                \
        const struct vkc_ref_tensor *y, float *out
void vkc_ref_op_conv(VKC_REF_ARGS);
void vkc_ref_op_pool(VKC_REF_ARGS);
void vkc_ref_op_lrn(VKC_REF_ARGS);
void vkc_ref_op_copy(VKC_REF_ARGS); /* views: a copy of input 0 */
void vkc_ref_op_batch_norm(VKC_REF_ARGS);
void vkc_ref_op_gemm(VKC_REF_ARGS);
void vkc_ref_op_matmul(VKC_REF_ARGS);
void vkc_ref_op_transpose(VKC_REF_ARGS);
void vkc_ref_op_concat(VKC_REF_ARGS);
void vkc_ref_op_pad(VKC_REF_ARGS);
void vkc_ref_op_softmax(VKC_REF_ARGS);
void vkc_ref_op_reduce(VKC_REF_ARGS); /* every Reduce* (ref_reduce.c) */
/* LayerNormalization, InstanceNormalization, GroupNormalization,
 * LpNormalization (ref_norm.c) */
void vkc_ref_op_norm(VKC_REF_ARGS);
/* Slice, Split, Gather, Tile, Expand; Where (ref_data.c); Resize and
 * Upsample (ref_resize.c) */
void vkc_ref_op_data(VKC_REF_ARGS);
void vkc_ref_op_where(VKC_REF_ARGS);
void vkc_ref_op_resize(VKC_REF_ARGS);
/* The internal SqueezeExcite (ref_squeeze_excite.c) */
void vkc_ref_op_squeeze_excite(VKC_REF_ARGS);
/* Every elementwise op (unary, binary, variadic; numpy broadcasting) from
 * its table `scalar`, in double, rounded once to float. */
void vkc_ref_elementwise(VKC_REF_ARGS);

/* The elementwise scalars (ref_scalar.c): the C twins of shaders/eltwise.glsl. */
struct vkc_elt_params;
#define VKC_SCALAR(name)                                                                           \
    double vkc_scalar_##name(double x, double y, const struct vkc_elt_params *p)
VKC_SCALAR(relu);
VKC_SCALAR(leaky_relu);
VKC_SCALAR(clip);
VKC_SCALAR(sigmoid);
VKC_SCALAR(tanh);
VKC_SCALAR(prelu);
VKC_SCALAR(add);
VKC_SCALAR(sub);
VKC_SCALAR(mul);
VKC_SCALAR(div);
VKC_SCALAR(abs);
VKC_SCALAR(neg);
VKC_SCALAR(exp);
VKC_SCALAR(log);
VKC_SCALAR(sqrt);
VKC_SCALAR(reciprocal);
VKC_SCALAR(floor);
VKC_SCALAR(ceil);
VKC_SCALAR(round);
VKC_SCALAR(sign);
VKC_SCALAR(erf);
VKC_SCALAR(sin);
VKC_SCALAR(cos);
VKC_SCALAR(softplus);
VKC_SCALAR(softsign);
VKC_SCALAR(elu);
VKC_SCALAR(selu);
VKC_SCALAR(celu);
VKC_SCALAR(thresholded_relu);
VKC_SCALAR(hard_sigmoid);
VKC_SCALAR(hard_swish);
VKC_SCALAR(pow);
VKC_SCALAR(min);
VKC_SCALAR(max);
VKC_SCALAR(gelu); /* p[0] != 0: the tanh approximation */
VKC_SCALAR(mish);
VKC_SCALAR(equal); /* comparisons and logic: 1.0 true, 0.0 false */
VKC_SCALAR(less);
VKC_SCALAR(greater);
VKC_SCALAR(less_or_equal);
VKC_SCALAR(greater_or_equal);
VKC_SCALAR(logical_not);
VKC_SCALAR(logical_and);
VKC_SCALAR(logical_or);
#undef VKC_SCALAR

/* Element count of a shape (1 for rank 0). */
uint64_t vkc_ref_elements(uint32_t rank, const int64_t *dims);

#endif
