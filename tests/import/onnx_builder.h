/* Builds ONNX models in memory with the generated protobuf-c code, for unit
 * tests. Everything lives in an arena released by ob_free(). Not thread-safe. */
#ifndef VKCNN_TESTS_ONNX_BUILDER_H
#define VKCNN_TESTS_ONNX_BUILDER_H

#include <stddef.h>
#include <stdint.h>

#include "onnx.pb-c.h"

#define DIMS(...) (sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), ((int64_t[]){__VA_ARGS__})
#define SYM (-1) /* a symbolic dimension "N" in ob_input/ob_output */

enum { OB_RAW, OB_TYPED };
enum { OB_FLOAT = 1, OB_INT64 = 7, OB_FLOAT16 = 10, OB_DOUBLE = 11 };

void ob_begin(int64_t opset);
void ob_free(void);
void *ob_alloc(size_t size);

void ob_input(const char *name, int elem, size_t rank, const int64_t *dims);
void ob_output(const char *name, int elem, size_t rank, const int64_t *dims);

/* A tensor with float values stored as `type` (float, float16, double) in
 * raw_data or the typed field. */
VkcnnOnnx__TensorProto *ob_tensor(const char *name, int type, int form, size_t rank,
                                  const int64_t *dims, const float *values);
VkcnnOnnx__TensorProto *ob_tensor_i64(const char *name, int form, size_t rank, const int64_t *dims,
                                      const int64_t *values);
void ob_initializer(VkcnnOnnx__TensorProto *t);

/* inputs/outputs: comma-separated names ("x,,w" leaves input 1 empty). */
VkcnnOnnx__NodeProto *ob_node(const char *op, const char *inputs, const char *outputs);
void ob_attr_i(VkcnnOnnx__NodeProto *n, const char *name, int64_t v);
void ob_attr_f(VkcnnOnnx__NodeProto *n, const char *name, float v);
void ob_attr_s(VkcnnOnnx__NodeProto *n, const char *name, const char *v);
void ob_attr_ints(VkcnnOnnx__NodeProto *n, const char *name, size_t count, const int64_t *v);
void ob_attr_t(VkcnnOnnx__NodeProto *n, const char *name, VkcnnOnnx__TensorProto *t);

/* Subgraphs (If's branches): ob_take_graph moves the last `count` nodes
 * added into a new graph whose outputs are the comma-separated names;
 * ob_attr_graph attaches a graph as attribute `name` (encoded, as the
 * schema keeps it). */
VkcnnOnnx__GraphProto *ob_take_graph(size_t count, const char *outputs);
void ob_attr_graph(VkcnnOnnx__NodeProto *n, const char *name, VkcnnOnnx__GraphProto *g);

/* The model being built (to tweak fields directly). */
VkcnnOnnx__ModelProto *ob_model(void);

/* Serializes the model; the buffer lives in the arena. */
uint8_t *ob_pack(size_t *size);

#endif
