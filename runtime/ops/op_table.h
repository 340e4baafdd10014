/* The operator table: one descriptor per ONNX operator, holding everything
 * the stages need to know of it. Stages look an operator up here; none keeps
 * its own list or `switch` over operators.
 *
 *   import   `since` (which opsets define it), `decode` (attributes)
 *   graph    `infer` (shapes; decodes constant operands into attributes)
 *   passes   `flags` (views, elementwise, anchors of fused groups)
 *   ref      `ref` (plain-C reference), `scalar` for elementwise ops
 *   codegen  `lower` (kernel template and dispatches), `glsl` for
 *            elementwise ops
 *   exec     `weights` (which inputs are weights: uploaded once, may be fp16)
 *
 * Adding an elementwise operator is one row of the table (op_table.c), its
 * scalar reference (ref/ref_scalar.c), its GLSL function (shaders/eltwise.glsl)
 * and its tests: the standalone kernel and every fused epilogue use that one
 * GLSL function, and the reference and the per-node check that one scalar. */
#ifndef VKC_OPS_OP_TABLE_H
#define VKC_OPS_OP_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "graph/graph.h"

struct vkc_cg;
struct vkc_attr_reader;
struct vkc_ref_tensor;

enum vkc_op_flags {
    /* Windows over 1 or 2 spatial dimensions of N x C x D1 [x D2]. */
    VKC_OPF_SPATIAL = 1u << 0,
    /* Output is input 0 reinterpreted (dense row-major): no dispatch. */
    VKC_OPF_VIEW = 1u << 1,
    /* y = f(inputs) element for element, numpy broadcasting; has `glsl` and
     * `scalar`; may be a post-op of a fused group or its anchor. */
    VKC_OPF_ELEMENTWISE = 1u << 2,
    /* Its kernels take a fused epilogue (a list of post-ops). */
    VKC_OPF_ANCHOR = 1u << 3,
    /* Shape arithmetic: evaluated at import, never reaches a kernel. */
    VKC_OPF_FOLDED = 1u << 4,
    /* Input 0 must be float32 (checked before inference). */
    VKC_OPF_FLOAT_X = 1u << 5,
    /* Any number of inputs, at least one. */
    VKC_OPF_VARIADIC = 1u << 6,
};

/* Parameters of an elementwise function: alpha, beta, gamma as ONNX names
 * them, or Clip's min and max. */
typedef struct vkc_elt_params {
    float p[3];
} vkc_elt_params;

typedef void (*vkc_defaults_fn)(int opset, vkc_attrs *a);
typedef vkcnn_status (*vkc_decode_fn)(const struct vkc_attr_reader *r, vkc_node *n);
typedef vkcnn_status (*vkc_infer_fn)(vkc_graph *g, uint32_t node);
/* Reference of `op` over its inputs (ref.h has the conventions). */
typedef void (*vkc_ref_fn)(vkc_op op, const vkc_attrs *a, const struct vkc_ref_tensor *in,
                           uint32_t count, const struct vkc_ref_tensor *y, float *out);
typedef void (*vkc_lower_fn)(struct vkc_cg *c);
/* One element of an elementwise op, in double: y (the second operand) is 0
 * for unary ops. */
typedef double (*vkc_scalar_fn)(double x, double y, const vkc_elt_params *p);

typedef struct vkc_op_info {
    const char *name;         /* ONNX op_type, default domain */
    uint8_t since[10];        /* opsets that (re)define it, ascending, 0-terminated */
    uint32_t flags;           /* enum vkc_op_flags */
    uint32_t weights;         /* bit i: input i is a weight (read only by this op's kernel) */
    vkc_defaults_fn defaults; /* NULL: attributes all zero (elementwise: `params`) */
    vkc_decode_fn decode;     /* NULL: no attributes */
    vkc_infer_fn infer;
    vkc_ref_fn ref;     /* NULL: folded at import */
    vkc_lower_fn lower; /* NULL: a view, or folded */
    /* Elementwise ops: */
    uint8_t arity;             /* 1 or 2 (variadic ops fold pairwise with `glsl`) */
    uint8_t params;            /* how many of alpha, beta, gamma it reads (Clip: min, max) */
    const char *glsl;          /* float f(float x, float y, vec3 p) in shaders/eltwise.glsl */
    vkc_scalar_fn scalar;      /* the same function in C, for the reference */
    vkc_elt_params defaults_p; /* default alpha, beta, gamma */
} vkc_op_info;

/* The descriptor of op (< VKC_OP_COUNT). */
const vkc_op_info *vkc_op_get(vkc_op op);

/* ONNX name of an op ("Conv"); "?" when out of range. */
const char *vkc_op_name(vkc_op op);

/* True when op has every flag in `flags`. */
bool vkc_op_is(vkc_op op, uint32_t flags);

/* Op for an ONNX op_type of the default domain that exists at `opset` (it
 * has a since-version <= opset); false otherwise. */
bool vkc_op_lookup(const char *name, int64_t opset, vkc_op *op);

/* The version of op in force at `opset` (its largest since-version <=
 * opset); 0 when op does not exist yet at that opset. */
int vkc_op_version(vkc_op op, int64_t opset);

/* Sets the defaults of op's attributes (before the file's are applied). */
void vkc_attrs_defaults(vkc_op op, int opset, vkc_attrs *attrs);

/* The parameters an elementwise op's function takes, from its attributes. */
vkc_elt_params vkc_elt_params_of(vkc_op op, const vkc_attrs *attrs);

#endif
