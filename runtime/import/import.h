/* ONNX import: bytes of a ModelProto -> graph IR (graph/graph.h).
 *
 * Everything read from the file is untrusted: sizes and counts are checked
 * against vkc_limits before anything is allocated from them, and every
 * failure records a message naming the node, operator and attribute or
 * tensor at fault. */
#ifndef VKC_IMPORT_IMPORT_H
#define VKC_IMPORT_IMPORT_H

#include <stdbool.h>
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

/* A file's bytes (at most max_bytes) for the time of one import: mapped
 * read-only where the system allows, read otherwise. Another process
 * truncating the file while it is mapped would raise SIGBUS (SECURITY.md). */
typedef struct vkc_onnx_file {
    const void *data;
    size_t size;
    bool mapped;
} vkc_onnx_file;
vkcnn_status vkc_onnx_file_open(const char *path, uint64_t max_bytes, vkc_onnx_file *out);
void vkc_onnx_file_close(vkc_onnx_file *f);

/* Decodes and imports a model. On success *out owns everything it needs
 * (the input bytes may be freed). */
vkcnn_status vkc_onnx_import(const void *data, size_t size, const vkc_import_options *opts,
                             vkc_graph **out);

#endif
