/* Kernel choice in the executor: the target's caps and default load paths,
 * the variant wanted for each node (a forced one, VKCNN_KERNEL_OVERRIDE, a
 * tuned choice), the passes' Winograd callback, and what each node ran. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/choose.h"
#include "core/error.h"
#include "exec/exec_internal.h"
#include "tune/table.h"
#include "vk/context.h"

vkcnn_status vkc_exec_target(vkcnn_context *ctx, const vkc_exec_options *opts,
                             vkc_codegen_target *t, vkc_kernel_override *ov) {
    memset(t, 0, sizeof *t);
    vkc_codegen_target_init(t, &ctx->dev.phys->info, opts ? opts->max_binding_bytes : 0);
    t->caps.int64 = ctx->dev.int64;
    t->caps.compute_units = ctx->dev.phys->compute_units;
    /* what the device enabled (an adopted one: what the application did) */
    if (!ctx->dev.coopmat_nv) t->caps.coopmat_m = t->caps.coopmat_n = t->caps.coopmat_k = 0;
    t->caps.subgroup_pin = ctx->dev.size_control &&
                           (ctx->dev.phys->required_size_stages & VK_SHADER_STAGE_COMPUTE_BIT) &&
                           ctx->dev.phys->max_workgroup_subgroups >= 4;
    if (opts && opts->ignore_override)
        VKC_TRY(vkc_kernel_override_parse(NULL, ov));
    else
        VKC_TRY(vkc_kernel_override_read(ov));
    vkc_choose_device_loads(t, ov);
    t->one_dispatch = !(opts && opts->fusion);
    return VKCNN_OK;
}

/* Whether v is one of node n's candidates, and the default it was measured
 * against (`deflt`) is the node's default now (the first candidate): an
 * entry tuned under other options (Winograd off, say) or other rules
 * compared v with another default, so it does not apply. */
static bool among_candidates(const vkc_graph *g, uint32_t n, const vkc_codegen_target *t,
                             bool winograd, const vkc_variant *v, const char *deflt) {
    vkc_variant c[VKC_MAX_CANDIDATES];
    char first[VKC_VARIANT_STRING_MAX];
    uint32_t count = vkc_variant_candidates(g, n, t, winograd, c, VKC_MAX_CANDIDATES);
    if (!count || strcmp(vkc_variant_string(&c[0], first, sizeof first), deflt) != 0) return false;
    for (uint32_t i = 0; i < count; i++)
        if (vkc_variant_equal(&c[i], v)) return true;
    return false;
}

vkcnn_status vkc_exec_wants(vkc_exec *e, const vkc_graph *g, const vkc_exec_options *opts,
                            const vkc_kernel_override *ov) {
    uint32_t count = g->node_count ? g->node_count : 1;
    e->want = calloc(count, sizeof *e->want);
    e->want_source = calloc(count, sizeof *e->want_source);
    if (!e->want || !e->want_source)
        return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    bool winograd = opts && opts->fusion && opts->winograd;
    bool fp16 = opts && opts->half_weights;
    for (uint32_t n = 0; n < g->node_count; n++) {
        vkc_family f = vkc_node_family(g, n);
        if (f == VKC_FAMILY_NONE) continue;
        if (opts && opts->force && opts->force[f].algo) {
            e->want[n] = opts->force[f];
            e->want_source[n] = VKC_VARIANT_FORCED;
        } else if (ov && ov->set[f]) {
            e->want[n] = ov->family[f];
            e->want_source[n] = VKC_VARIANT_OVERRIDE;
        } else if (opts && opts->tuned) {
            char key[VKC_TUNE_KEY_MAX], why[256];
            const vkc_tune_entry *x = NULL;
            vkc_variant v;
            if (vkc_variant_shape_key(g, n, key, sizeof key))
                x = vkc_tune_table_find(opts->tuned, f, fp16, key);
            /* untrusted: used only when it is one of this node's candidates */
            if (x && vkc_variant_parse(x->variant, &v, why, sizeof why) &&
                vkc_variant_complete(&v) &&
                among_candidates(g, n, &e->target, winograd, &v, x->default_variant)) {
                e->want[n] = v;
                e->want_source[n] = VKC_VARIANT_TUNED;
            }
        }
    }
    e->target.want = e->want;
    e->target.want_count = g->node_count;
    return VKCNN_OK;
}

uint32_t vkc_exec_winograd_choose(const vkc_graph *g, uint32_t node, uint32_t rule, uint32_t form,
                                  void *user) {
    (void)rule; /* the graph's rule: the target's may differ */
    const vkc_codegen_target *t = user;
    const vkc_variant *want = t->want && node < t->want_count ? &t->want[node] : NULL;
    return vkc_choose_winograd_tile(want, vkc_choose_winograd_rule(g, node, t), form);
}

vkcnn_status vkc_exec_note_variant(vkc_exec *e, uint32_t k, const vkc_variant *ran) {
    vkc_xnode *n = &e->nodes[k];
    if (!ran->algo) return VKCNN_OK;
    n->variant = *ran;
    vkc_variant_string(ran, n->variant_name, sizeof n->variant_name);
    vkc_variant_source src = VKC_VARIANT_RULE;
    const vkc_variant *want =
        e->want && n->index < e->target.want_count ? &e->want[n->index] : NULL;
    uint8_t ws = e->want_source ? e->want_source[n->index] : 0;
    if (want && want->algo && ws == VKC_VARIANT_FORCED) {
        if (!vkc_variant_equal(ran, want)) {
            char a[VKC_VARIANT_STRING_MAX], label[300];
            return vkc_fail(VKCNN_ERROR_UNSUPPORTED,
                            "%s: kernel variant %s is not possible here (it would run %s)",
                            vkc_exec_label(n, label, sizeof label),
                            vkc_variant_string(want, a, sizeof a), n->variant_name);
        }
        src = VKC_VARIANT_FORCED;
    } else if (want && ws == VKC_VARIANT_OVERRIDE) {
        src = vkc_variant_matches(ran, want) ? VKC_VARIANT_OVERRIDE : VKC_VARIANT_RULE;
    } else if (want && ws == VKC_VARIANT_TUNED && vkc_variant_equal(ran, want)) {
        src = VKC_VARIANT_TUNED;
        e->tuned_nodes++;
    }
    n->variant_source = src;
    return VKCNN_OK;
}

bool vkc_exec_node_variant(const vkc_exec *e, uint32_t node, vkc_variant *v,
                           vkc_variant_source *source) {
    for (uint32_t k = 0; e && k < e->node_count; k++) {
        const vkc_xnode *n = &e->nodes[k];
        if (n->index != node || !n->variant.algo) continue;
        if (v) *v = n->variant;
        if (source) *source = n->variant_source;
        return true;
    }
    return false;
}

uint32_t vkc_exec_tuned_count(const vkc_exec *e) {
    return e ? e->tuned_nodes : 0;
}
