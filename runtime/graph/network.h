/* Internal view of a loaded vkcnn_network, for the stages after import
 * (passes, plan, codegen) and for tests. */
#ifndef VKC_GRAPH_NETWORK_H
#define VKC_GRAPH_NETWORK_H

#include "graph/graph.h"

/* The network's graph IR (owned by the network, immutable after load). */
const vkc_graph *vkc_network_graph(const vkcnn_network *net);

/* Takes another reference: vkcnn_network_destroy frees the network when the
 * last reference goes (models keep their network's graph alive this way). */
vkcnn_network *vkc_network_retain(const vkcnn_network *net);

#endif
