/* libFuzzer target over the ONNX loader: any byte string must load or fail
 * with a status and a message, without a crash, leak or undefined behaviour.
 * Limits are lowered so that memory stays bounded per input. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "graph/graph.h"
#include "vkcnn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    vkcnn_network_options o;
    memset(&o, 0, sizeof o);
    o.max_file_bytes = 1 << 20;
    o.max_tensor_elements = 1 << 22;
    o.max_total_bytes = 64u << 20;
    o.max_nodes = 4096;
    o.max_tensors = 16384;
    vkcnn_network *net = NULL;
    vkcnn_status st = vkcnn_network_load_memory(data, size, &o, &net);
    if (st != VKCNN_OK) {
        /* a failure always says why */
        if (!vkcnn_last_error()[0]) __builtin_trap();
        return 0;
    }
    vkcnn_network_info info;
    vkcnn_network_get_info(net, &info);
    for (uint32_t i = 0; i < info.node_count; i++) {
        vkcnn_node_info n;
        vkcnn_network_node(net, i, &n);
        for (uint32_t k = 0; k < n.input_count; k++)
            (void)strlen(n.inputs[k]);
    }
    for (uint32_t i = 0; i < info.output_count; i++) {
        vkcnn_tensor_info t;
        vkcnn_network_output(net, i, &t);
    }
    vkcnn_network_destroy(net);
    return 0;
}
