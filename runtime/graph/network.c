/* Public network API (include/vkcnn.h): load, query, destroy. */
#define _POSIX_C_SOURCE 200809L
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/error.h"
#include "graph/graph.h"
#include "graph/network.h"
#include "import/import.h"

struct vkcnn_network {
    atomic_uint refs; /* the caller's handle plus each model compiled from it */
    vkc_graph *graph;
    uint32_t *live; /* indices of nodes left after folding */
    uint32_t live_count, folded_count;
    const char **names; /* per live node: inputs then outputs, into graph strings */
    uint32_t *name_start;
    uint64_t macs;
};

static void fill_options(const vkcnn_network_options *o, vkc_import_options *io) {
    memset(io, 0, sizeof *io);
    io->batch = o ? o->batch : 0;
    io->limits.max_file_bytes = o && o->max_file_bytes ? o->max_file_bytes : (uint64_t)2 << 30;
    io->limits.max_tensor_elements =
        o && o->max_tensor_elements ? o->max_tensor_elements : (uint64_t)1 << 30;
    io->limits.max_total_bytes = o && o->max_total_bytes ? o->max_total_bytes : (uint64_t)8 << 30;
    io->limits.max_nodes = o && o->max_nodes ? o->max_nodes : 100000;
    io->limits.max_tensors = o && o->max_tensors ? o->max_tensors : 1000000;
    io->base_dir = o ? o->base_dir : NULL;
}

static vkcnn_status wrap(vkc_graph *g, vkcnn_network **out) {
    vkcnn_network *net = vkc_calloc(1, sizeof *net);
    if (!net) goto oom;
    atomic_init(&net->refs, 1);
    net->graph = g;
    net->live = vkc_calloc(g->node_count ? g->node_count : 1, sizeof *net->live);
    net->name_start = vkc_calloc((size_t)g->node_count + 1, sizeof *net->name_start);
    if (!net->live || !net->name_start) goto oom;
    uint64_t names = 0;
    for (uint32_t i = 0; i < g->node_count; i++) {
        if (g->nodes[i].dead) {
            net->folded_count++;
            continue;
        }
        net->name_start[net->live_count] = (uint32_t)names;
        net->live[net->live_count++] = i;
        names += g->nodes[i].input_count + g->nodes[i].output_count;
        uint64_t m = vkc_node_macs(g, i);
        net->macs = vkc_add_u64(net->macs, m, &net->macs) ? net->macs : UINT64_MAX;
    }
    net->name_start[net->live_count] = (uint32_t)names;
    net->names = vkc_calloc(names ? (size_t)names : 1, sizeof *net->names);
    if (!net->names) goto oom;
    for (uint32_t k = 0; k < net->live_count; k++) {
        const vkc_node *n = &g->nodes[net->live[k]];
        const char **p = net->names + net->name_start[k];
        for (uint32_t i = 0; i < n->input_count; i++)
            *p++ = n->inputs[i] == VKC_NONE ? "" : g->tensors[n->inputs[i]].name;
        for (uint32_t i = 0; i < n->output_count; i++)
            *p++ = n->outputs[i] == VKC_NONE ? "" : g->tensors[n->outputs[i]].name;
    }
    *out = net;
    return VKCNN_OK;
oom:
    if (net) {
        net->graph = NULL;
        vkcnn_network_destroy(net);
    }
    vkc_graph_destroy(g);
    return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
}

vkcnn_status vkcnn_network_load_memory(const void *data, size_t size,
                                       const vkcnn_network_options *options, vkcnn_network **out) {
    vkc_error_clear();
    if (!out)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_network_load_memory: out is NULL");
    *out = NULL;
    if (!data && size)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_network_load_memory: data is NULL");
    vkc_import_options io;
    fill_options(options, &io);
    vkc_graph *g;
    vkcnn_status st = vkc_onnx_import(data ? data : "", size, &io, &g);
    if (st != VKCNN_OK) return st;
    return wrap(g, out);
}

vkcnn_status vkcnn_network_load_file(const char *path, const vkcnn_network_options *options,
                                     vkcnn_network **out) {
    vkc_error_clear();
    if (!out || !path)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_network_load_file: NULL argument");
    *out = NULL;
    vkc_import_options io;
    fill_options(options, &io);
    char *dir = NULL;
    if (!io.base_dir) { /* the model's folder */
        const char *slash = strrchr(path, '/');
        dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
        if (!dir) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
        io.base_dir = dir;
    }
    vkc_onnx_file file;
    vkcnn_status st = vkc_onnx_file_open(path, io.limits.max_file_bytes, &file);
    vkc_graph *g = NULL;
    if (st == VKCNN_OK) {
        st = vkc_onnx_import(file.data, file.size, &io, &g);
        vkc_onnx_file_close(&file);
    }
    free(dir);
    if (st != VKCNN_OK) return vkc_fail_context(st, "%s", path);
    return wrap(g, out);
}

const vkc_graph *vkc_network_graph(const vkcnn_network *net) {
    return net ? net->graph : NULL;
}

vkcnn_network *vkc_network_retain(const vkcnn_network *net) {
    vkcnn_network *n = (vkcnn_network *)net; /* the count is not part of the value */
    atomic_fetch_add(&n->refs, 1);
    return n;
}

void vkcnn_network_destroy(vkcnn_network *net) {
    if (!net) return;
    if (atomic_fetch_sub(&net->refs, 1) > 1) return;
    vkc_graph_destroy(net->graph);
    free(net->live);
    free(net->names);
    free(net->name_start);
    free(net);
}

vkcnn_status vkcnn_network_get_info(const vkcnn_network *net, vkcnn_network_info *info) {
    vkc_error_clear();
    if (!net || !info)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_network_get_info: NULL argument");
    const vkc_graph *g = net->graph;
    memset(info, 0, sizeof *info);
    info->ir_version = g->ir_version;
    info->opset = g->opset;
    info->producer = g->producer;
    info->producer_version = g->producer_version;
    info->batch = (uint32_t)g->batch;
    info->input_count = g->input_count;
    info->output_count = g->output_count;
    info->node_count = net->live_count;
    info->folded_count = net->folded_count;
    info->params = g->file_params;
    info->macs = net->macs;
    return VKCNN_OK;
}

static void tensor_info(const vkc_tensor *t, vkcnn_tensor_info *info) {
    memset(info, 0, sizeof *info);
    info->name = t->name;
    info->dtype = t->dtype == VKC_DTYPE_INT64 ? "int64" : "float32";
    info->rank = t->rank;
    memcpy(info->shape, t->dims, t->rank * sizeof t->dims[0]);
}

vkcnn_status vkcnn_network_input(const vkcnn_network *net, uint32_t index,
                                 vkcnn_tensor_info *info) {
    vkc_error_clear();
    if (!net || !info || index >= net->graph->input_count)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_network_input: bad argument");
    tensor_info(&net->graph->tensors[net->graph->inputs[index]], info);
    return VKCNN_OK;
}

vkcnn_status vkcnn_network_output(const vkcnn_network *net, uint32_t index,
                                  vkcnn_tensor_info *info) {
    vkc_error_clear();
    if (!net || !info || index >= net->graph->output_count)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_network_output: bad argument");
    tensor_info(&net->graph->tensors[net->graph->outputs[index]], info);
    return VKCNN_OK;
}

vkcnn_status vkcnn_network_node(const vkcnn_network *net, uint32_t index, vkcnn_node_info *info) {
    vkc_error_clear();
    if (!net || !info || index >= net->live_count)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "vkcnn_network_node: bad argument");
    const vkc_graph *g = net->graph;
    uint32_t ni = net->live[index];
    const vkc_node *n = &g->nodes[ni];
    memset(info, 0, sizeof *info);
    info->name = n->name;
    info->op = vkc_op_name(n->op);
    info->input_count = n->input_count;
    info->inputs = net->names + net->name_start[index];
    info->output_count = n->output_count;
    info->outputs = info->inputs + n->input_count;
    if (n->output_count) {
        const vkc_tensor *y = &g->tensors[n->outputs[0]];
        info->rank = y->rank;
        memcpy(info->shape, y->dims, y->rank * sizeof y->dims[0]);
    }
    for (uint32_t i = 0; i < n->input_count; i++)
        if (n->inputs[i] != VKC_NONE && g->tensors[n->inputs[i]].data)
            info->params += g->tensors[n->inputs[i]].elements;
    info->macs = vkc_node_macs(g, ni);
    return VKCNN_OK;
}
