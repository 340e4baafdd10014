/* Human-readable dumps of an executor: the fused plan (VKCNN_DEBUG=1,
 * `vkcnn inspect --plan`), the generated GLSL (VKCNN_DEBUG=2) and each
 * dispatch of a run (VKCNN_DEBUG=3). */
#include <inttypes.h>
#include <stdlib.h>

#include "codegen/codegen.h"
#include "exec/exec_internal.h"

static double mib(uint64_t bytes) {
    return (double)bytes / (1024.0 * 1024.0);
}

/* A byte count in B, KiB or MiB. */
static const char *human(char buf[32], uint64_t bytes) {
    if (bytes < 1024)
        snprintf(buf, 32, "%" PRIu64 " B", bytes);
    else if (bytes < 1024 * 1024)
        snprintf(buf, 32, "%.1f KiB", (double)bytes / 1024.0);
    else
        snprintf(buf, 32, "%.2f MiB", mib(bytes));
    return buf;
}

static void shape(FILE *f, const vkc_xtensor *t) {
    fputc('[', f);
    for (uint32_t d = 0; d < t->rank; d++)
        fprintf(f, "%s%" PRId64, d ? "," : "", t->dims[d]);
    fputc(']', f);
}

/* Where a tensor lives: "arena+OFFSET", "constant", "buffer" (chunks). */
static void place(FILE *f, const vkc_exec *e, uint32_t tensor, uint32_t chunk) {
    const vkc_xtensor *t = &e->tensors[tensor];
    const vkc_storage *s = t->storage == VKC_NONE ? NULL : &e->storages[t->storage];
    char b[32];
    if (!s)
        fprintf(f, "no storage");
    else if (s->arena)
        fprintf(f, "arena+%" PRIu64 " (%s%s)", (uint64_t)s->offset,
                human(b, vkc_storage_bytes(s, s->elements)), s->half ? ", fp16" : "");
    else if (s->count > 1)
        fprintf(f, "%s chunk %" PRIu32 "/%" PRIu32, t->constant ? "constant" : "buffer", chunk + 1,
                s->count);
    else
        fprintf(f, "%s (%s%s)", t->constant ? "constant" : "own buffer",
                human(b, vkc_storage_bytes(s, s->elements)), s->half ? ", fp16" : "");
}

void vkc_exec_describe(const vkc_exec *e, unsigned detail, FILE *f) {
    uint64_t weights = 0;
    for (uint32_t t = 0; t < e->tensor_count; t++) {
        const vkc_xtensor *x = &e->tensors[t];
        /* count each storage once: views share their root's */
        if (x->constant && x->storage != VKC_NONE) {
            bool first = true;
            for (uint32_t u = 0; u < t && first; u++)
                first = e->tensors[u].storage != x->storage;
            if (first) {
                const vkc_storage *st = &e->storages[x->storage];
                weights += vkc_storage_bytes(st, st->elements);
            }
        }
    }
    char a[32], nb[32], w[32];
    fprintf(f,
            "plan: %" PRIu32 " dispatches, %" PRIu32 " barriers, %" PRIu32
            " kernels; activations %s %s (%s without sharing); constants %s\n",
            e->dispatch_count, vkc_exec_barrier_count(e), e->kernel_count,
            human(a, e->plan.arena_bytes), e->planned ? "in one arena" : "planned, not applied",
            human(nb, e->plan.naive_bytes), human(w, weights));
    for (uint32_t i = 0; i < e->dispatch_count; i++) {
        const vkc_xdispatch *d = &e->dispatches[i];
        const vkc_xnode *n = &e->nodes[d->node];
        fprintf(
            f, "#%-3" PRIu32 " %-12s k%-3" PRIu32 " groups %" PRIu32 "x%" PRIu32 "x%" PRIu32 "%s\n",
            i, e->kernels[d->kernel].template_name, d->kernel, d->groups[0], d->groups[1],
            d->groups[2], vkc_sequence_barrier_before(e->seq, i) ? "  (barrier before)" : "");
        fprintf(f, "     nodes: %s\n", n->group);
        if (n->variant_name[0] && (i == 0 || e->dispatches[i - 1].node != d->node)) {
            static const char *const from[] = {"", "", " (forced)", " (VKCNN_KERNEL_OVERRIDE)",
                                               " (tuned)"};
            fprintf(f, "     variant: %s%s\n", n->variant_name,
                    (unsigned)n->variant_source < 5 ? from[n->variant_source] : "");
        }
        for (uint32_t b = 0; b < d->binding_count; b++) {
            const vkc_kbinding *kb = &d->bindings[b];
            if (VKC_IS_SCRATCH(kb->tensor)) {
                fprintf(f, "     %-3s scratch %" PRIu32 "\n", kb->access & VKC_WRITE ? "out" : "in",
                        kb->tensor - VKC_SCRATCH_BASE);
                continue;
            }
            const vkc_xtensor *t = &e->tensors[kb->tensor];
            fprintf(f, "     %-3s %s ", kb->access & VKC_WRITE ? "out" : "in", t->name);
            shape(f, t);
            fputc(' ', f);
            place(f, e, kb->tensor, kb->chunk);
            fputc('\n', f);
        }
    }
    if (detail < 2) return;
    for (uint32_t k = 0; k < e->kernel_count; k++) {
        char *source = NULL;
        fprintf(f, "\n---- kernel k%" PRIu32 ": shaders/%s.comp with\n%s", k,
                e->kernels[k].template_name, e->kernels[k].defines);
        if (vkc_codegen_source(e->kernels[k].template_name, &source) == VKCNN_OK)
            fprintf(f, "---- source:\n%s\n", source);
        free(source);
    }
}

void vkc_exec_describe_run(const vkc_exec *e, FILE *f) {
    double total = vkc_exec_total_ms(e);
    for (uint32_t i = 0; i < e->dispatch_count; i++) {
        const vkc_xdispatch *d = &e->dispatches[i];
        double ms = vkc_exec_dispatch_ms(e, i);
        fprintf(f, "dispatch #%-3" PRIu32 " %-12s %-30s groups %" PRIu32 "x%" PRIu32 "x%" PRIu32, i,
                e->kernels[d->kernel].template_name, e->nodes[d->node].name, d->groups[0],
                d->groups[1], d->groups[2]);
        if (ms >= 0) fprintf(f, "  %.3f ms", ms);
        fputc('\n', f);
    }
    if (total >= 0) fprintf(f, "run: %.3f ms on the device\n", total);
}
