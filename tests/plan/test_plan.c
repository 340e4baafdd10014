/* Memory planner: no two simultaneously live tensors overlap, on a chain, on
 * branches that join, with views, and on random DAGs (fixed seeds). */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "plan/plan.h"

static vkc_graph *new_graph(void) {
    vkc_limits lim = {.max_file_bytes = 1u << 20,
                      .max_tensor_elements = 1u << 24,
                      .max_total_bytes = 1u << 30,
                      .max_nodes = 1000,
                      .max_tensors = 1000};
    return vkc_graph_create(&lim);
}

static uint32_t tensor(vkc_graph *g, const char *name, int64_t elements) {
    uint32_t t;
    CHECK_OK(vkc_graph_add_tensor(g, name, &t));
    int64_t dims[1] = {elements};
    CHECK_OK(vkc_graph_set_shape(g, t, VKC_DTYPE_FLOAT32, 1, dims));
    return t;
}

/* node `op` reading ins[0..n_in) and writing out */
static void node(vkc_graph *g, const uint32_t *ins, uint32_t n_in, uint32_t out) {
    uint32_t ni;
    CHECK_OK(vkc_graph_add_node(g, n_in == 1 ? VKC_OP_RELU : VKC_OP_ADD, 13, NULL, n_in, 1, &ni));
    for (uint32_t i = 0; i < n_in; i++)
        g->nodes[ni].inputs[i] = ins[i];
    g->nodes[ni].outputs[0] = out;
    CHECK_OK(vkc_graph_link_node(g, ni));
}

int main(void) {
    /* a chain x -> t0 -> t1 -> ... -> y of equal sizes: two slots suffice */
    vkc_graph *g = new_graph();
    uint32_t prev = tensor(g, "x", 1000);
    g->tensors[prev].graph_input = true;
    for (int i = 0; i < 10; i++) {
        char name[16];
        snprintf(name, sizeof name, "t%d", i);
        uint32_t t = tensor(g, name, 1000);
        node(g, &prev, 1, t);
        prev = t;
    }
    g->tensors[prev].graph_output = true;
    vkc_plan p;
    vkc_plan_request req = {.alignment = 256};
    CHECK_OK(vkc_plan_memory(g, &req, &p));
    CHECK_OK(vkc_plan_verify(g, &p));
    printf("chain: arena %llu bytes, naive %llu\n", (unsigned long long)p.arena_bytes,
           (unsigned long long)p.naive_bytes);
    CHECK(p.naive_bytes == 9 * 4096); /* t0..t8 inside; x and t9 external */
    CHECK(p.arena_bytes == 2 * 4096);
    for (uint32_t t = 0; t < g->tensor_count; t++)
        if (p.offset[t] != VKC_PLAN_NONE) CHECK(p.offset[t] % 256 == 0);
    /* a broken plan is caught */
    uint32_t t1 = vkc_graph_find(g, "t1"), t2 = vkc_graph_find(g, "t2");
    uint64_t saved = p.offset[t2];
    p.offset[t2] = p.offset[t1];
    CHECK_STATUS(vkc_plan_verify(g, &p), VKCNN_ERROR_INVALID_ARGUMENT);
    p.offset[t2] = saved;
    vkc_plan_free(&p);

    /* views: t3 aliases t1 (a reshape), so t1 must live until t3's last use */
    uint32_t *alias = calloc(g->tensor_count, sizeof *alias);
    for (uint32_t t = 0; t < g->tensor_count; t++)
        alias[t] = t;
    uint32_t t3 = vkc_graph_find(g, "t3"), t6 = vkc_graph_find(g, "t6");
    alias[t3] = t1;
    req.alias_of = alias;
    CHECK_OK(vkc_plan_memory(g, &req, &p));
    CHECK_OK(vkc_plan_verify(g, &p));
    CHECK(p.offset[t3] == p.offset[t1]);
    CHECK(p.last[t1] >= vkc_graph_find(g, "t4") - 1);
    (void)t6;
    vkc_plan_free(&p);
    free(alias);
    vkc_graph_destroy(g);

    /* random DAGs: each node reads 1-2 earlier tensors */
    for (uint64_t seed = 1; seed <= 50; seed++) {
        uint64_t s = seed * 0x9e3779b97f4a7c15ull;
        g = new_graph();
        uint32_t ids[64];
        ids[0] = tensor(g, "in", 1 + th_rand(&s) % 5000);
        g->tensors[ids[0]].graph_input = true;
        uint32_t count = 1, nodes = 5 + th_rand(&s) % 40;
        for (uint32_t i = 0; i < nodes; i++) {
            char name[16];
            snprintf(name, sizeof name, "n%u", i);
            uint32_t t = tensor(g, name, 1 + th_rand(&s) % 5000);
            uint32_t ins[2] = {ids[th_rand(&s) % count], ids[th_rand(&s) % count]};
            node(g, ins, 1 + th_rand(&s) % 2, t);
            ids[count++] = t;
        }
        g->tensors[ids[count - 1]].graph_output = true;
        req = (vkc_plan_request){.alignment = 1 + th_rand(&s) % 128};
        if (vkc_plan_memory(g, &req, &p) != VKCNN_OK || vkc_plan_verify(g, &p) != VKCNN_OK ||
            p.arena_bytes > p.naive_bytes) {
            fprintf(stderr, "random DAG seed %llu: %s\n", (unsigned long long)seed,
                    vkcnn_last_error());
            th_failures++;
        }
        vkc_plan_free(&p);
        vkc_graph_destroy(g);
    }
    return th_done("test_plan");
}
