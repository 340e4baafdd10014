/* The executor: runs an imported graph on the device, unfused, one dispatch
 * (or a few, for Concat) per node, with the kernels of runtime/codegen.
 *
 * Usage:
 *     vkc_exec *e;
 *     vkc_exec_create(ctx, graph, NULL, &e);        // compile, allocate, upload, record
 *     vkc_exec_write(e, graph->inputs[0], x, n);     // any runtime tensor
 *     vkc_exec_run(e);                               // submit the recorded work, wait
 *     vkc_exec_read(e, graph->outputs[0], y, m);     // any tensor, outputs included
 *     vkc_exec_check(e, 1e-3f, 1e-5f, msg, sizeof msg); // optional per-node check
 *     vkc_exec_destroy(e);
 *
 * Creation compiles each distinct (template, defines) once through the
 * context's disk cache, allocates one device buffer per tensor (tensors over
 * maxStorageBufferRange that a kernel can read in pieces get one buffer per
 * chunk), makes view ops (Reshape, Flatten, Squeeze, Unsqueeze, Identity,
 * Dropout) share their input's buffer, uploads every constant once into
 * device-local memory, and records the whole graph once into a sequence
 * (vk/sequence.h), which computes the barriers.
 *
 * The graph is only read during vkc_exec_create; the executor keeps what it
 * needs (shapes, names, attributes), so the graph may be destroyed afterwards.
 * Every failure returns a status with a message (vkc_fail) that names the
 * node and op where one is involved; nothing prints; no call leaks on any
 * error path. Calls on one executor must not overlap. */
#ifndef VKC_EXEC_EXEC_H
#define VKC_EXEC_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/graph.h"
#include "vk/sequence.h"

typedef struct vkc_exec vkc_exec;

typedef struct vkc_exec_options {
    /* Timestamps around each dispatch (when the device has them); read with
     * vkc_exec_dispatch_ms after a run. */
    bool timestamps;
    /* Largest binding in bytes; 0 (the default) is the device's
     * maxStorageBufferRange. Tests lower it to exercise split weights. */
    uint64_t max_binding_bytes;
} vkc_exec_options;

/* Compiles and records graph `g` (validated, shapes inferred, batch bound)
 * for ctx's device. `opts` may be NULL. On failure *out is NULL. Fails with
 * VKCNN_ERROR_UNSUPPORTED for an op without a kernel and VKCNN_ERROR_LIMIT
 * for a tensor over the device's limits, naming the node, op and tensor. */
vkcnn_status vkc_exec_create(vkcnn_context *ctx, const vkc_graph *g, const vkc_exec_options *opts,
                             vkc_exec **out);

/* Waits for nothing (runs are synchronous) and frees everything. NULL: no-op. */
void vkc_exec_destroy(vkc_exec *e);

/* Copies `count` floats, exactly the tensor's element count, into graph
 * tensor `tensor` (a graph input, normally). VKCNN_ERROR_INVALID_ARGUMENT for
 * a tensor the executor holds no storage for or a wrong count. */
vkcnn_status vkc_exec_write(vkc_exec *e, uint32_t tensor, const float *data, size_t count);

/* Where tensor `tensor` lives on the device, as a binding (read-write), for
 * work recorded outside the executor, e.g. a preprocessing shader that writes
 * an input image straight into the model's input. VKCNN_ERROR_INVALID_ARGUMENT
 * for a tensor without storage or one split across several buffers. */
vkcnn_status vkc_exec_tensor_binding(const vkc_exec *e, uint32_t tensor, vkc_binding *out);

/* Runs every dispatch once, in graph order, and waits. */
vkcnn_status vkc_exec_run(vkc_exec *e);

/* Copies tensor `tensor` (any tensor with storage: inputs, intermediates,
 * outputs, constants) into `data`; `count` must be its element count. */
vkcnn_status vkc_exec_read(vkc_exec *e, uint32_t tensor, float *data, size_t count);

/* Per-node check, after a run: recomputes every node with runtime/ref from
 * the device's own values of that node's inputs and compares with the
 * device's output: |device - ref| <= atol + rtol * |ref| everywhere (NaN only
 * matches NaN). On the first node that differs, writes a report naming it
 * (node, op, output, max |diff| and where) into `report` and returns
 * VKCNN_ERROR_INVALID_MODEL with the same message; else writes a summary and
 * returns VKCNN_OK. `report` may be NULL. Slow: reads every tensor back. */
vkcnn_status vkc_exec_check(vkc_exec *e, float rtol, float atol, char *report, size_t size);

/* Dispatches recorded, and those of graph node `node` (0 for a view, a dead
 * node or an empty output): first index and count, in sequence order. */
uint32_t vkc_exec_dispatch_count(const vkc_exec *e);
void vkc_exec_node_dispatches(const vkc_exec *e, uint32_t node, uint32_t *first, uint32_t *count);

/* Template name and #define preamble of dispatch i (for VKCNN_DEBUG dumps);
 * NULL when i is out of range. */
const char *vkc_exec_dispatch_template(const vkc_exec *e, uint32_t i);
const char *vkc_exec_dispatch_defines(const vkc_exec *e, uint32_t i);

/* GPU time of dispatch i in the last run (ms), negative without timestamps. */
double vkc_exec_dispatch_ms(const vkc_exec *e, uint32_t i);

#endif
