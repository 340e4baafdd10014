/* ONNX import: bytes of a ModelProto -> graph IR (graph/graph.h).
 *
 * Everything read from the file is untrusted: sizes and counts are checked
 * against vkc_limits before anything is allocated from them, and every
 * failure records a message naming the node, operator and attribute or
 * tensor at fault. */
#ifndef VKC_IMPORT_IMPORT_H
#define VKC_IMPORT_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "graph/graph.h"

typedef struct vkc_import_options {
    vkc_limits limits;
    /* Batch to bind a symbolic leading dimension to; 0 = the model's own
     * static batch, or 1 when it is symbolic. */
    uint32_t batch;
    /* Folder that external-data locations are relative to; NULL refuses
     * external data. */
    const char *base_dir;
} vkc_import_options;

/* Reads a whole file (at most max_bytes) into a malloc'd buffer. */
vkcnn_status vkc_onnx_read_file(const char *path, uint64_t max_bytes, void **data, size_t *size);

/* Decodes and imports a model. On success *out owns everything it needs
 * (the input bytes may be freed). */
vkcnn_status vkc_onnx_import(const void *data, size_t size, const vkc_import_options *opts,
                             vkc_graph **out);

#endif
