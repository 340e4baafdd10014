/* The executor: create (lower, allocate, upload, compile, record), run,
 * tensor IO, destroy. The per-node check lives in exec_check.c. */
#include "exec/exec.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codegen/choose.h"
#include "codegen/codegen.h"
#include "core/checked.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/half.h"
#include "exec/exec_internal.h"
#include "ops/op_table.h"
#include "passes/passes.h"
#include "vk/context.h"

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        vkcnn_status st_ = (expr);                                                                 \
        if (st_ != VKCNN_OK) return st_;                                                           \
    } while (0)

/* Smallest buffer: empty tensors still get a valid binding. */
#define MIN_BUFFER_BYTES 16

const char *vkc_exec_label(const vkc_xnode *n, char *buf, size_t size) {
    snprintf(buf, size, "node '%s' (%s)", n->name, vkc_op_name(n->op));
    return buf;
}

static vkcnn_status oom(void) {
    return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
}

static char *dup_string(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* "name (Op) + name (Op) ..." of the graph nodes a kept node computes. */
static char *describe_group(const vkc_graph *g, const vkc_xnode *n) {
    size_t size = 1;
    for (uint32_t j = 0; j < n->member_count; j++)
        size += strlen(g->nodes[n->members[j]].name) +
                strlen(vkc_op_name(g->nodes[n->members[j]].op)) + 8;
    char *out = malloc(size);
    if (!out) return NULL;
    size_t used = 0;
    out[0] = 0;
    for (uint32_t j = 0; j < n->member_count; j++) {
        const vkc_node *m = &g->nodes[n->members[j]];
        int w = snprintf(out + used, size - used, "%s%s (%s)", j ? " + " : "", m->name,
                         vkc_op_name(m->op));
        if (w > 0) used += (size_t)w;
    }
    return out;
}

/* Keeps names, shapes, attributes, epilogues and which graph nodes each kept
 * node computes: the graph may go away after create. */
static vkcnn_status copy_graph(vkc_exec *e, const vkc_graph *g) {
    e->tensors = vkc_calloc(g->tensor_count ? g->tensor_count : 1, sizeof *e->tensors);
    e->nodes = vkc_calloc(g->node_count ? g->node_count : 1, sizeof *e->nodes);
    if (!e->tensors || !e->nodes) return oom();
    e->graph_node_count = g->node_count;
    for (uint32_t t = 0; t < g->tensor_count; t++) {
        const vkc_tensor *src = &g->tensors[t];
        vkc_xtensor *x = &e->tensors[e->tensor_count++];
        x->storage = VKC_NONE;
        if (!(x->name = dup_string(src->name))) return oom();
        x->rank = src->rank;
        memcpy(x->dims, src->dims, sizeof x->dims);
        x->elements = src->elements;
        x->constant = src->data != NULL;
    }
    for (uint32_t i = 0; i < g->node_count; i++) {
        const vkc_node *src = &g->nodes[i];
        if (src->dead) continue;
        vkc_xnode *n = &e->nodes[e->node_count++];
        n->index = i;
        n->op = src->op;
        n->attrs = src->attrs;
        n->output = src->output_count ? src->outputs[0] : VKC_NONE;
        if (!(n->name = dup_string(src->name))) return oom();
        n->inputs = vkc_calloc(src->input_count ? src->input_count : 1, sizeof *n->inputs);
        if (!n->inputs) return oom();
        memcpy(n->inputs, src->inputs, src->input_count * sizeof *n->inputs);
        n->input_count = src->input_count;
        n->own_inputs = src->own_inputs;
        if (src->post_count) {
            if (!(n->post = vkc_calloc(src->post_count, sizeof *n->post))) return oom();
            memcpy(n->post, src->post, src->post_count * sizeof *n->post);
            n->post_count = src->post_count;
        }
        n->pool = src->pool;
        memcpy(n->conv_dims, src->conv_dims, sizeof n->conv_dims);
        n->pool_window = src->pool_window;
        n->in_scale = src->in_scale;
        n->in_shift = src->in_shift;
        n->in_relu = src->in_relu;
        n->packed_b = VKC_NONE;
        if (!(n->members = vkc_calloc(src->member_count + 1, sizeof *n->members))) return oom();
        n->members[n->member_count++] = i;
        for (uint32_t j = 0; j < src->member_count; j++)
            n->members[n->member_count++] = src->members[j];
        if (!(n->group = describe_group(g, n))) return oom();
        n->macs = vkc_node_macs(g, i);
        const vkc_tensor *y = n->output == VKC_NONE ? NULL : &g->tensors[n->output];
        if (n->pool && y && y->elements && n->macs != UINT64_MAX) {
            /* the Conv's MACs are per output of its own, pre-pool shape */
            uint64_t per = n->macs / y->elements, conv = 1;
            for (int d = 0; d < 4; d++)
                conv *= (uint64_t)n->conv_dims[d];
            if (!vkc_mul_u64(conv, per, &n->macs)) n->macs = UINT64_MAX;
        }
    }
    return VKCNN_OK;
}

/* Elements converted per staging block of an fp16 tensor (even: a block
 * starts on a whole 32-bit word). */
#define HALF_BLOCK ((uint64_t)1 << 20)

/* Copies n floats between host `data` and chunk c of fp16 storage s,
 * converting (host float <-> device half, vkc_half_*) through a block-sized
 * staging array. */
static vkcnn_status half_copy(vkc_exec *e, const vkc_storage *s, uint32_t c, float *data,
                              uint64_t n, bool write) {
    uint16_t *tmp = vkc_calloc(n < HALF_BLOCK ? (n + 1) / 2 * 2 : HALF_BLOCK, sizeof *tmp);
    if (!tmp) return oom();
    VkDeviceSize off;
    vkc_buffer *buf = vkc_storage_buffer(s, c, &off);
    vkcnn_status st = VKCNN_OK;
    for (uint64_t i = 0; i < n && !st; i += HALF_BLOCK) {
        uint64_t k = n - i < HALF_BLOCK ? n - i : HALF_BLOCK, bytes = (k + 1) / 2 * 4;
        VkDeviceSize at = off + i / 2 * 4;
        if (write) {
            for (uint64_t j = 0; j < k; j++)
                tmp[j] = vkc_half_from_float(data[i + j]);
            if (k % 2) tmp[k] = 0; /* the odd last element's pad */
            st = vkc_buffer_write(e->ctx, buf, at, tmp, bytes);
        } else {
            st = vkc_buffer_read(e->ctx, buf, at, tmp, bytes);
            for (uint64_t j = 0; j < k && !st; j++)
                data[i + j] = vkc_half_to_float(tmp[j]);
        }
    }
    free(tmp);
    return st;
}

/* The node whose kernel reads constant t in gemv.comp's blocked order
 * (vkc_xnode.packed_b), or NULL. */
static const vkc_xnode *packed_reader(const vkc_exec *e, uint32_t t) {
    for (uint32_t k = 0; k < e->node_count; k++)
        if (e->nodes[k].packed_b == t) return &e->nodes[k];
    return NULL;
}

/* Uploads B [rows, k] into storage s in the blocked order of node n's
 * layout, a group of rows at a time through one group's worth of host
 * memory (passes.h vkc_gemv_pack_offset). */
static vkcnn_status upload_packed(vkc_exec *e, vkc_storage *s, const vkc_tensor *b,
                                  const vkc_xnode *n) {
    int64_t rows = b->dims[0], k = b->dims[1], nc = n->packed_nc;
    float *tmp = vkc_calloc((size_t)(nc * k), sizeof *tmp);
    if (!tmp) return oom();
    vkcnn_status st = VKCNN_OK;
    for (int64_t q = 0; !st && q * nc < rows; q++) {
        int64_t group = rows - q * nc < nc ? rows - q * nc : nc;
        int64_t base = vkc_gemv_pack_offset(k, rows, nc, (int64_t)n->packed_chunk, q * nc, 0);
        uint64_t c = (uint64_t)base / s->chunk, off = (uint64_t)base - c * s->chunk;
        vkc_gemv_pack_group(b->data, rows, k, nc, q, tmp);
        st = c < s->count
                 ? vkc_buffer_write(e->ctx, &s->chunks[c], off * 4, tmp,
                                    (size_t)(group * k) * sizeof *tmp)
                 : vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "blocked weights past their storage");
    }
    free(tmp);
    return st;
}

/* Allocates the storage of root tensor t (chunked as codegen expects; fp16
 * when e->half marks it; blocked where a gemv.comp kernel reads it so) and
 * uploads its constant data. */
static vkcnn_status allocate_tensor(vkc_exec *e, const vkc_graph *g, uint32_t t) {
    const vkc_tensor *src = &g->tensors[t];
    if (src->dtype != VKC_DTYPE_FLOAT32)
        return vkc_fail(VKCNN_ERROR_UNSUPPORTED,
                        "tensor '%s' is int64 and used at run time: unsupported dtype (float32 "
                        "only)",
                        src->name);
    vkc_storage *s = &e->storages[e->storage_count];
    const vkc_xnode *pn = src->data ? packed_reader(e, t) : NULL;
    uint64_t elements = pn ? (uint64_t)vkc_gemv_pack_size(src->dims[1], src->dims[0], pn->packed_nc,
                                                          (int64_t)pn->packed_chunk)
                           : src->elements;
    vkc_chunking ch = vkc_codegen_chunking(&e->target, elements);
    s->chunks = vkc_calloc(ch.count, sizeof *s->chunks);
    if (!s->chunks) return oom();
    e->storage_count++;
    s->count = ch.count;
    s->chunk = ch.chunk;
    s->elements = elements;
    s->half = e->half && e->half[t];
    s->packed = pn != NULL;
    double t0 = vkc_now_ms();
    for (uint32_t c = 0; c < ch.count; c++) {
        uint64_t first = (uint64_t)c * ch.chunk;
        uint64_t n = elements - first < ch.chunk ? elements - first : ch.chunk;
        uint64_t bytes = vkc_storage_bytes(s, n);
        if (bytes < MIN_BUFFER_BYTES) bytes = MIN_BUFFER_BYTES;
        vkcnn_status st = vkc_buffer_create(e->ctx, bytes, VKC_MEM_DEVICE, &s->chunks[c]);
        if (!st && src->data && n && !pn) {
            float *from = (float *)src->data + first;
            st = s->half ? half_copy(e, s, c, from, n, true)
                         : vkc_buffer_write(e->ctx, &s->chunks[c], 0, from, n * 4);
        }
        if (st)
            return vkc_fail_context(st, "tensor '%s' (%" PRIu64 " bytes)", src->name,
                                    vkc_storage_bytes(s, elements));
    }
    if (pn) {
        vkcnn_status st = upload_packed(e, s, src, pn);
        if (st) return vkc_fail_context(st, "tensor '%s' (blocked)", src->name);
    }
    if (src->data) e->upload_ms += vkc_now_ms() - t0;
    return VKCNN_OK;
}

/* Which constants are stored as fp16 (vkc_exec_options.half_weights): those
 * read only as weights - operand 1 of a Conv, Gemm or MatMul - whose
 * kernels convert on load (codegen's WT_HALF), whose values all fit a half,
 * and whose chunks (when split) hold whole 32-bit words. Any other use (a
 * bias, an Add operand, a graph output) keeps a tensor in fp32.
 * A Winograd layer's transformed weights U = G w G^T stay fp32: its output
 * transform cancels large terms (F(4x4,3x3)'s A and B hold entries up to 8
 * and 5), which amplifies U's relative rounding of 2^-11 about a hundredfold:
 * stored as fp16, U gave errors up to 10% of the output's range in the
 * kernel tests (F(2x2,3x3): 0.6%), against 0.1% for fp16 direct weights. */
static vkcnn_status choose_half(vkc_exec *e, const vkc_graph *g, const bool *fp32_nodes,
                                uint32_t fp32_node_count) {
    uint32_t count = g->tensor_count ? g->tensor_count : 1;
    bool *fp32 = vkc_calloc(count, sizeof *fp32);
    e->half = vkc_calloc(count, sizeof *e->half);
    if (!fp32 || !e->half) {
        free(fp32);
        return oom();
    }
    for (uint32_t k = 0; k < e->node_count; k++) {
        const vkc_xnode *n = &e->nodes[k];
        /* a node the auto policy keeps in fp32: no operand of it is half */
        bool keep = fp32_nodes && k < fp32_node_count && fp32_nodes[k];
        uint32_t weights = keep ? 0 : vkc_op_get(n->op)->weights;
        for (uint32_t i = 0; i < n->input_count; i++) {
            uint32_t t = n->inputs[i];
            if (t == VKC_NONE) continue;
            if (i < n->own_inputs && i < 32 && (weights >> i & 1u))
                e->half[t] = true;
            else
                fp32[t] = true; /* any other use, post-op operands included */
        }
    }
    for (uint32_t i = 0; i < g->output_count; i++)
        fp32[g->outputs[i]] = true;
    for (uint32_t t = 0; t < g->tensor_count; t++) {
        const vkc_tensor *x = &g->tensors[t];
        if (!e->half[t]) continue;
        vkc_chunking ch = vkc_codegen_chunking(&e->target, x->elements);
        bool ok = !fp32[t] && x->data && x->dtype == VKC_DTYPE_FLOAT32 &&
                  (ch.count == 1 || ch.chunk % 2 == 0);
        const float *v = x->data;
        for (uint64_t i = 0; ok && i < x->elements; i++)
            ok = !(fabsf(v[i]) > VKC_HALF_MAX) || isinf(v[i]) || isnan(v[i]);
        e->half[t] = ok;
    }
    free(fp32);
    e->target.half = e->half;
    return VKCNN_OK;
}

/* A Concat's elements before its axis (1: its inputs' slices are
 * contiguous), or 0 when its output cannot hold inputs in place: not one
 * binding, empty or not fp32. */
static int64_t concat_outer(const vkc_exec *e, const vkc_graph *g, const vkc_node *n) {
    if (n->dead || n->op != VKC_OP_CONCAT || n->output_count < 1 || n->outputs[0] == VKC_NONE)
        return 0;
    const vkc_tensor *y = &g->tensors[n->outputs[0]];
    int64_t outer = 1;
    for (int64_t a = 0; a < n->attrs.axis && a < (int64_t)y->rank; a++)
        outer *= y->dims[a];
    if (y->elements == 0 || y->dtype != VKC_DTYPE_FLOAT32 ||
        vkc_codegen_chunking(&e->target, y->elements).count != 1)
        return 0;
    return outer;
}

typedef struct concat_key {
    uint32_t first, count, node; /* first input, own inputs, node index */
} concat_key;

static int by_first_input(const void *a, const void *b) {
    const concat_key *x = a, *y = b;
    if (x->first != y->first) return x->first < y->first ? -1 : 1;
    if (x->count != y->count) return x->count < y->count ? -1 : 1;
    return x->node < y->node ? -1 : x->node > y->node;
}

/* DenseNet's chains (batch 1): where a Concat's inputs begin with all of
 * another's, in order and along the same axis, the shorter one's output is
 * the longer one's first elements, so it is placed there (in place at 0)
 * and copies nothing its inputs' producers wrote into the longer one. Each
 * Concat links to the shortest such one (the next layer's); so a block's
 * Concats all live in its last one's buffer. A link always goes to a
 * Concat of more inputs: a chain is shorter than the longest input list. */
static vkcnn_status chain_concats(vkc_exec *e, const vkc_graph *g) {
    concat_key *keys = vkc_calloc(g->node_count ? g->node_count : 1, sizeof *keys);
    if (!keys) return oom();
    uint32_t count = 0;
    for (uint32_t i = 0; i < g->node_count; i++) {
        const vkc_node *n = &g->nodes[i];
        if (concat_outer(e, g, n) == 1 && n->own_inputs > 0 && n->inputs[0] != VKC_NONE)
            keys[count++] = (concat_key){n->inputs[0], n->own_inputs, i};
    }
    qsort(keys, count, sizeof *keys, by_first_input);
    for (uint32_t i = 0; i < count; i++) {
        const vkc_node *a = &g->nodes[keys[i].node];
        uint32_t out = a->outputs[0];
        const vkc_tensor *y = &g->tensors[out];
        if (y->graph_input || y->graph_output || y->data || e->in_place[out]) continue;
        for (uint32_t j = i + 1; j < count && keys[j].first == keys[i].first; j++) {
            const vkc_node *b = &g->nodes[keys[j].node];
            if (keys[j].count <= keys[i].count || b->attrs.axis != a->attrs.axis ||
                g->tensors[b->outputs[0]].rank != y->rank)
                continue;
            bool prefix = true;
            for (uint32_t k = 0; prefix && k < a->own_inputs; k++)
                prefix = a->inputs[k] == b->inputs[k];
            if (!prefix) continue;
            e->in_place[out] = true;
            e->in_place_of[out] = b->outputs[0];
            e->in_place_at[out] = 0;
            break;
        }
    }
    free(keys);
    return VKCNN_OK;
}

/* Concat inputs written in place (with fusion): each input's producer
 * writes its slice of the Concat's output directly; the Concat copies only
 * the rest. An input qualifies when it is an activation computed by a
 * kernel (not a view, another Concat, a graph input or output or a
 * constant), is not already in place in another Concat, and its slice
 * starts at a binding-offset boundary; the output must be one binding.
 * Where every dimension before the axis is 1 (channels at batch 1) the
 * slice is contiguous and the input's other readers read it there. At
 * batch > 1 along axis 1 each image's part is a slice of the output's
 * image (in_place_gap: the other inputs' share lies between them): then
 * the Concat must be the input's only reader, and its producer's kernel
 * must store through Y_AT (codegen: cg_bind_out), which negotiate_gaps
 * checks by lowering. */
static vkcnn_status choose_in_place(vkc_exec *e, const vkc_graph *g) {
    uint32_t count = g->tensor_count ? g->tensor_count : 1;
    e->in_place = vkc_calloc(count, sizeof *e->in_place);
    e->in_place_of = vkc_calloc(count, sizeof *e->in_place_of);
    e->in_place_at = vkc_calloc(count, sizeof *e->in_place_at);
    e->in_place_gap = vkc_calloc(count, sizeof *e->in_place_gap);
    if (!e->in_place || !e->in_place_of || !e->in_place_at || !e->in_place_gap) return oom();
    for (uint32_t t = 0; t < g->tensor_count; t++)
        e->in_place_of[t] = VKC_NONE;
    vkcnn_status st = chain_concats(e, g);
    if (st) return st;
    uint64_t align = e->target.offset_alignment > 4 ? e->target.offset_alignment : 4;
    for (uint32_t i = 0; i < g->node_count; i++) {
        const vkc_node *n = &g->nodes[i];
        int64_t outer = concat_outer(e, g, n);
        if (outer == 0) continue;
        uint32_t out = n->outputs[0];
        const vkc_tensor *y = &g->tensors[out];
        /* batch > 1: along axis 1 only (the kernels' images) */
        bool images = outer > 1 && n->attrs.axis == 1 && y->rank >= 2;
        if (outer != 1 && !images) continue;
        uint64_t at = 0, image = y->elements / (uint64_t)outer;
        for (uint32_t k = 0; k < n->own_inputs; k++) {
            uint32_t t = n->inputs[k];
            if (t == VKC_NONE) continue;
            const vkc_tensor *x = &g->tensors[t];
            const vkc_node *p = x->producer != VKC_NONE ? &g->nodes[x->producer] : NULL;
            bool ok = p && !p->dead && p->op != VKC_OP_CONCAT && !vkc_op_is(p->op, VKC_OPF_VIEW) &&
                      !x->data && !x->graph_input && !x->graph_output && t != out &&
                      x->dtype == VKC_DTYPE_FLOAT32 && x->elements > 0 && !e->in_place[t] &&
                      at * 4 % align == 0 && (!images || vkc_pass_single_use(g, t));
            if (ok) {
                e->in_place[t] = true;
                e->in_place_of[t] = out;
                e->in_place_at[t] = at;
                e->in_place_gap[t] = images ? image - x->elements / (uint64_t)outer : 0;
            }
            at += x->elements / (uint64_t)outer; /* its share of one image */
        }
    }
    e->target.in_place_of = e->in_place_of;
    e->target.in_place_at = e->in_place_at;
    e->target.out_gap = e->in_place_gap;
    return VKCNN_OK;
}

/* Concat inputs in place at batch > 1 whose producer's kernel cannot store
 * an image apart from the next (the lowering lists them in `dense`) go
 * back to being copied by their Concat; lowers every node until none is
 * listed. The last round's lowerings are left in `low`, *lowered set. */
static vkcnn_status negotiate_gaps(vkc_exec *e, const vkc_graph *g, vkc_lowering *low,
                                   bool *lowered) {
    bool any = false;
    for (uint32_t t = 0; e->in_place_gap && t < g->tensor_count; t++)
        any |= e->in_place_gap[t] != 0;
    vkcnn_status st = VKCNN_OK;
    for (bool changed = any; !st && changed;) {
        changed = false;
        for (uint32_t k = 0; !st && k < e->node_count; k++) {
            vkc_lowering_free(&low[k]);
            st = vkc_codegen_lower(g, e->nodes[k].index, &e->target, &low[k]);
            for (uint32_t i = 0; !st && i < low[k].dense_count; i++) {
                uint32_t t = low[k].dense[i];
                e->in_place[t] = false;
                e->in_place_of[t] = VKC_NONE;
                e->in_place_gap[t] = 0;
                changed = true;
            }
        }
    }
    *lowered = any && !st;
    return st;
}

/* Storage classes for fp16 activations: a view shares its input's storage
 * and a tensor in place its Concat's, so each class is stored one way. */
static uint32_t class_of(uint32_t *cls, uint32_t t) {
    while (cls[t] != t)
        t = cls[t] = cls[cls[t]];
    return t;
}

/* Which activations are stored as IEEE halves
 * (vkc_exec_options.half_activations; needs storageBuffer16BitAccess for
 * the float16_t stores). Candidates: every float activation that is no
 * graph input or output (those keep the caller's fp32), fits one binding
 * and, in place in a Concat, starts its slice on an aligned offset; a
 * class (views, Concat slices) is half only when all of it is, and a node
 * the auto policy keeps in fp32 reads and writes fp32. Then every node is
 * lowered with these marks: a kernel that binds an activation as fp32 only
 * (cg_bind) lists it, its class goes back to fp32, and the nodes are
 * lowered again until no kernel lists one. So a tensor is half exactly
 * when its producer and every reader handle halves. The last round's
 * lowerings (e->node_count of them) are left in `low`, *lowered set, for
 * lower_and_allocate to use. */
static vkcnn_status choose_half_activations(vkc_exec *e, const vkc_graph *g,
                                            const vkc_exec_options *opts, vkc_lowering *low,
                                            bool *lowered) {
    if (!e->ctx->dev.storage16) return VKCNN_OK;
    uint32_t count = g->tensor_count ? g->tensor_count : 1;
    if (!e->half && !(e->half = vkc_calloc(count, sizeof *e->half))) return oom();
    uint32_t *cls = vkc_calloc(count, sizeof *cls);
    bool *fp32 = vkc_calloc(count, sizeof *fp32);
    vkcnn_status st = cls && fp32 ? VKCNN_OK : oom();
    for (uint32_t t = 0; !st && t < g->tensor_count; t++)
        cls[t] = t;
    for (uint32_t k = 0; !st && k < e->node_count; k++) {
        const vkc_node *n = &g->nodes[e->nodes[k].index];
        if (vkc_op_is(n->op, VKC_OPF_VIEW) && n->input_count && n->inputs[0] != VKC_NONE)
            cls[class_of(cls, n->outputs[0])] = class_of(cls, n->inputs[0]);
    }
    uint64_t align = e->target.offset_alignment > 4 ? e->target.offset_alignment : 4;
    for (uint32_t t = 0; !st && e->in_place && t < g->tensor_count; t++)
        if (e->in_place[t]) {
            uint32_t a = class_of(cls, t), b = class_of(cls, e->in_place_of[t]);
            if (a != b) cls[a] = b;
            if (e->in_place_at[t] * 2 % align) fp32[b] = true;
        }
    for (uint32_t t = 0; !st && t < g->tensor_count; t++) {
        const vkc_tensor *x = &g->tensors[t];
        if (x->data || x->dtype != VKC_DTYPE_FLOAT32 || x->elements == 0 || x->graph_input ||
            x->graph_output || vkc_codegen_chunking(&e->target, x->elements).count != 1)
            fp32[class_of(cls, t)] = true;
    }
    for (uint32_t k = 0; !st && opts->fp32_nodes && k < e->node_count; k++) {
        if (k >= opts->fp32_node_count || !opts->fp32_nodes[k]) continue;
        const vkc_xnode *n = &e->nodes[k];
        for (uint32_t i = 0; i < n->input_count; i++)
            if (n->inputs[i] != VKC_NONE) fp32[class_of(cls, n->inputs[i])] = true;
        if (n->output != VKC_NONE) fp32[class_of(cls, n->output)] = true;
    }
    e->target.half = e->half;
    for (bool changed = true; !st && changed;) {
        changed = false;
        for (uint32_t t = 0; t < g->tensor_count; t++)
            if (!g->tensors[t].data) e->half[t] = !fp32[class_of(cls, t)];
        for (uint32_t k = 0; !st && k < e->node_count; k++) {
            vkc_lowering_free(&low[k]);
            st = vkc_codegen_lower(g, e->nodes[k].index, &e->target, &low[k]);
            for (uint32_t i = 0; !st && i < low[k].fp32_count; i++) {
                uint32_t c = class_of(cls, low[k].fp32[i]);
                changed |= !fp32[c];
                fp32[c] = true;
            }
        }
    }
    *lowered = !st;
    free(cls);
    free(fp32);
    return st;
}

/* Plans the activations (vkc_plan_memory over the executed graph): views
 * resolved to their root; a root is external (own buffers) when it or any
 * view of it is a graph input or output or a constant, or when it is split
 * across several bindings. Always computed, for the memory figures; applied
 * only when e->planned. */
static vkcnn_status plan_memory(vkc_exec *e, const vkc_graph *g, const uint32_t *root) {
    bool *external = vkc_calloc(g->tensor_count ? g->tensor_count : 1, sizeof *external);
    if (!external) return oom();
    for (uint32_t t = 0; t < g->tensor_count; t++) {
        const vkc_tensor *x = &g->tensors[t];
        if (x->data || x->graph_input || x->graph_output ||
            vkc_codegen_chunking(&e->target, x->elements).count > 1)
            external[root[t]] = true;
    }
    for (uint32_t t = 0; t < g->tensor_count; t++)
        external[t] = external[root[t]];
    uint64_t align = e->target.offset_alignment > 4 ? e->target.offset_alignment : 4;
    vkc_plan_request req = {
        .alias_of = root, .external = external, .alignment = align, .half = e->half};
    vkcnn_status st = vkc_plan_memory(g, &req, &e->plan);
    free(external);
    return st;
}

/* Creates the arena; falls back to one buffer per tensor (e->planned false)
 * when it is larger than one allocation may be. */
static vkcnn_status create_arena(vkc_exec *e) {
    if (!e->planned || e->plan.arena_bytes == 0) return VKCNN_OK;
    if (e->plan.arena_bytes > e->ctx->dev.phys->info.max_memory_allocation_size) {
        e->planned = false;
        return VKCNN_OK;
    }
    vkcnn_status st = vkc_buffer_create(e->ctx, e->plan.arena_bytes, VKC_MEM_DEVICE, &e->arena);
    if (st)
        return vkc_fail_context(st, "activation arena (%" PRIu64 " bytes)", e->plan.arena_bytes);
    e->arena_valid = true;
    return VKCNN_OK;
}

/* Gives tensor t, in place, its range of its Concat output's one buffer;
 * where that output is in place in turn (a chain, chain_concats) and not
 * yet placed, the chain's unplaced link nearest its end is placed first,
 * until t's turn. */
static vkcnn_status place_in_concat(vkc_exec *e, const vkc_graph *g, uint32_t t) {
    while (e->tensors[t].storage == VKC_NONE) {
        uint32_t u = t;
        for (uint32_t hops = 0; hops < g->tensor_count; hops++) {
            uint32_t y = e->in_place_of[u];
            if (!e->in_place[y] || e->tensors[y].storage != VKC_NONE) break;
            u = y;
        }
        uint32_t y = e->tensors[e->in_place_of[u]].storage;
        if (y == VKC_NONE || e->storages[y].count != 1)
            return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "tensor '%s': its Concat has no storage",
                            g->tensors[u].name);
        const vkc_storage *ys = &e->storages[y];
        vkc_storage *s = &e->storages[e->storage_count];
        s->count = 1;
        s->chunk = s->elements = g->tensors[u].elements;
        s->half = ys->half;       /* one class: choose_half_activations */
        if (e->in_place_gap[u]) { /* images apart: its Concat's batch */
            s->block = g->tensors[u].elements / (uint64_t)g->tensors[u].dims[0];
            s->gap = e->in_place_gap[u];
        }
        s->arena = ys->arena ? ys->arena : &ys->chunks[0];
        s->offset = (ys->arena ? ys->offset : 0) + vkc_storage_bytes(s, e->in_place_at[u]);
        e->tensors[u].storage = e->storage_count++;
    }
    return VKCNN_OK;
}

/* Lowers every live node (unless `lowered`: low holds them already),
 * resolves views to their root tensor, plans the activations and allocates
 * one storage per used root tensor (a range of the arena for planned
 * activations). */
/* n->packed_b and its layout, where the node's lowering reads its B in
 * gemv.comp's blocked order (passes/gemv_pack.c marked it; the lowering
 * takes it only where the layout fits the variant it runs). */
static void note_packed_b(const vkc_graph *g, vkc_xnode *n, const vkc_lowering *l) {
    const vkc_node *gn = &g->nodes[n->index];
    n->packed_b = VKC_NONE;
    if (!l->packed_b || n->input_count < 2) return;
    n->packed_b = n->inputs[1];
    n->packed_nc = gn->gemv_nc;
    n->packed_chunk = gn->gemv_chunk;
}

static vkcnn_status lower_and_allocate(vkc_exec *e, const vkc_graph *g, vkc_lowering *low,
                                       bool lowered) {
    uint32_t *root = vkc_calloc(g->tensor_count ? g->tensor_count : 1, sizeof *root);
    uint32_t *proot = vkc_calloc(g->tensor_count ? g->tensor_count : 1, sizeof *proot);
    bool *used = vkc_calloc(g->tensor_count ? g->tensor_count : 1, sizeof *used);
    vkcnn_status st = VKCNN_OK;
    if (!root || !proot || !used) {
        st = oom();
        goto done;
    }
    for (uint32_t t = 0; t < g->tensor_count; t++)
        root[t] = t;
    for (uint32_t i = 0; i < g->input_count; i++)
        used[g->inputs[i]] = true;
    for (uint32_t i = 0; i < g->output_count; i++)
        used[g->outputs[i]] = true;
    for (uint32_t k = 0; k < e->node_count && !st; k++) {
        vkc_xnode *n = &e->nodes[k];
        if (!lowered && (st = vkc_codegen_lower(g, n->index, &e->target, &low[k]))) break;
        if ((st = vkc_exec_note_variant(e, k, &low[k].variant))) break;
        n->view = low[k].view;
        note_packed_b(g, n, &low[k]);
        /* inputs, post-op operands included: bound, or read back by the
         * per-node check */
        for (uint32_t i = 0; i < n->input_count; i++)
            if (n->inputs[i] != VKC_NONE) used[n->inputs[i]] = true;
        /* whatever a dispatch binds besides (e.g. Winograd's transformed
         * weights, when the lowering took them) */
        for (uint32_t i = 0; i < low[k].count; i++)
            for (uint32_t j = 0; j < low[k].dispatches[i].binding_count; j++)
                if (!VKC_IS_SCRATCH(low[k].dispatches[i].bindings[j].tensor))
                    used[low[k].dispatches[i].bindings[j].tensor] = true;
        used[n->output] = true;
        if (n->view) /* topological order: the input's root is final */
            root[n->output] = root[n->inputs[0]];
    }
    memcpy(proot, root, g->tensor_count * sizeof *root);
    /* for the plan, a tensor in place lives as long as its Concat's output
     * (and the output as long as it): a view of it, in effect; along a
     * chain (chain_concats) of the last Concat's */
    for (uint32_t t = 0; !st && e->in_place && t < g->tensor_count; t++)
        if (e->in_place[t] && used[t] && root[t] == t) proot[t] = e->in_place_of[t];
    for (uint32_t t = 0; !st && e->in_place && t < g->tensor_count; t++)
        for (uint32_t hops = 0; proot[proot[t]] != proot[t] && hops < g->tensor_count; hops++)
            proot[t] = proot[proot[t]];
    if (!st) st = plan_memory(e, g, proot);
    if (!st) st = create_arena(e);
    if (st) goto done;
    e->storages = vkc_calloc(g->tensor_count ? g->tensor_count : 1, sizeof *e->storages);
    if (!e->storages) {
        st = oom();
        goto done;
    }
    uint32_t constants = 0, uploaded = 0;
    for (uint32_t t = 0; t < g->tensor_count; t++)
        constants += used[t] && root[t] == t && g->tensors[t].data;
    for (uint32_t t = 0; t < g->tensor_count && !st; t++) {
        if (!used[t] || root[t] != t || proot[t] != t) continue;
        e->tensors[t].storage = e->storage_count;
        if (e->planned && e->plan.offset[t] != VKC_PLAN_NONE) {
            vkc_storage *s = &e->storages[e->storage_count++];
            s->count = 1;
            s->chunk = s->elements = g->tensors[t].elements;
            s->half = e->half && e->half[t];
            s->arena = &e->arena;
            s->offset = e->plan.offset[t];
        } else {
            st = allocate_tensor(e, g, t);
            if (!st && g->tensors[t].data && e->progress)
                e->progress(e->progress_user, "upload", ++uploaded, constants);
        }
    }
    /* tensors in place: a range of their Concat output's one buffer */
    for (uint32_t t = 0; t < g->tensor_count && !st; t++)
        if (used[t] && root[t] == t && proot[t] != t) st = place_in_concat(e, g, t);
    for (uint32_t t = 0; t < g->tensor_count && !st; t++)
        if (used[t]) e->tensors[t].storage = e->tensors[root[t]].storage;
done:
    free(root);
    free(proot);
    free(used);
    return st;
}

static vkcnn_status find_kernel(vkc_exec *e, const vkc_kdispatch *d, uint32_t *index) {
    for (uint32_t i = 0; i < e->kernel_count; i++)
        if (strcmp(e->kernels[i].template_name, d->template_name) == 0 &&
            strcmp(e->kernels[i].defines, d->defines) == 0) {
            *index = i;
            return VKCNN_OK;
        }
    return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "kernel '%s' was not created", d->template_name);
}

/* Kernel creation shared by the compile workers: kernels[next] is the next
 * one to create; the first failure stops the others (its status and
 * message, from the worker's thread-local error, are kept here). */
typedef struct compile_job {
    vkc_exec *e;
    pthread_mutex_t lock;
    uint32_t next, done;
    vkcnn_status st;
    char message[VKC_ERROR_MAX];
} compile_job;

static void *compile_worker(void *arg) {
    compile_job *job = arg;
    for (;;) {
        pthread_mutex_lock(&job->lock);
        uint32_t i = job->st ? job->e->kernel_count : job->next++;
        pthread_mutex_unlock(&job->lock);
        if (i >= job->e->kernel_count) return NULL;
        vkc_xkernel *k = &job->e->kernels[i];
        char *source = NULL;
        vkcnn_status st = vkc_codegen_source(k->template_name, &source);
        if (!st) {
            vkc_kernel_desc desc = {.name = k->template_name,
                                    .source = source,
                                    .defines = k->defines,
                                    .required_subgroup_size = k->subgroup_size};
            st = vkc_kernel_create(job->e->ctx, &desc, &k->kernel);
            k->created = st == VKCNN_OK;
        }
        free(source);
        pthread_mutex_lock(&job->lock);
        if (st && !job->st) {
            job->st = st;
            snprintf(job->message, sizeof job->message, "%s", vkc_error_message());
        }
        job->done++;
        /* under the lock: one progress call at a time, done increasing */
        if (!st && job->e->progress)
            job->e->progress(job->e->progress_user, "compile", job->done, job->e->kernel_count);
        pthread_mutex_unlock(&job->lock);
    }
}

/* Threads compiling kernels: VKCNN_COMPILE_THREADS when set (1: all on the
 * calling thread), else one per online CPU, at most 8. */
static uint32_t compile_threads(uint32_t kernels) {
    const char *env = getenv("VKCNN_COMPILE_THREADS");
    long n = env ? strtol(env, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) n = 1;
    if (n > 8) n = 8;
    return (uint32_t)n < kernels ? (uint32_t)n : kernels;
}

/* Creates every distinct (template, defines) of the lowering once: SPIR-V
 * through the context's cache, then the pipeline. Pipeline creation is the
 * driver compiling to machine code (on lavapipe, LLVM: most of a model's
 * start-up), so the kernels are created by several threads at once; the
 * context is thread-safe (vkcnn.h). */
static vkcnn_status create_kernels(vkc_exec *e, const vkc_lowering *low) {
    uint32_t total = 0;
    for (uint32_t k = 0; k < e->node_count; k++)
        total += low[k].count;
    e->kernels = vkc_calloc(total ? total : 1, sizeof *e->kernels);
    if (!e->kernels) return oom();
    e->kernel_cap = total;
    for (uint32_t k = 0; k < e->node_count; k++)
        for (uint32_t i = 0; i < low[k].count; i++) {
            const vkc_kdispatch *d = &low[k].dispatches[i];
            uint32_t ki;
            if (!find_kernel(e, d, &ki)) continue;
            vkc_xkernel *x = &e->kernels[e->kernel_count];
            x->template_name = d->template_name;
            x->subgroup_size = d->subgroup_size;
            if (!(x->defines = dup_string(d->defines))) return oom();
            e->kernel_count++;
        }
    compile_job job = {.e = e};
    if (pthread_mutex_init(&job.lock, NULL) != 0)
        return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "cannot create a mutex");
    pthread_t threads[8];
    uint32_t started = 0, want = compile_threads(e->kernel_count);
    for (uint32_t t = 1; t < want; t++) /* the calling thread is the first worker */
        if (pthread_create(&threads[started], NULL, compile_worker, &job) == 0) started++;
    compile_worker(&job);
    for (uint32_t t = 0; t < started; t++)
        pthread_join(threads[t], NULL);
    pthread_mutex_destroy(&job.lock);
    for (uint32_t i = 0; i < e->kernel_count; i++) {
        e->spirv_ms += e->kernels[i].kernel.spirv_ms;
        e->pipeline_ms += e->kernels[i].kernel.pipeline_ms;
    }
    if (job.st) return vkc_fail(job.st, "%s", job.message);
    return VKCNN_OK;
}

/* Bytes a scratch buffer of `elements` floats takes in the shared scratch
 * buffer: rounded up so the next one starts at a legal binding offset. */
static VkDeviceSize scratch_span(const vkc_exec *e, uint64_t elements) {
    uint64_t align = e->target.offset_alignment > 4 ? e->target.offset_alignment : 4;
    return (elements * 4 + align - 1) / align * align;
}

/* One buffer for every node's scratch, as large as the largest node's. */
static vkcnn_status create_scratch(vkc_exec *e, const vkc_lowering *low) {
    VkDeviceSize most = 0;
    for (uint32_t k = 0; k < e->node_count; k++) {
        VkDeviceSize need = 0;
        for (uint32_t q = 0; q < low[k].scratch_count; q++)
            need += scratch_span(e, low[k].scratch_elements[q]);
        if (need > most) most = need;
    }
    if (most == 0) return VKCNN_OK;
    vkcnn_status st = vkc_buffer_create(e->ctx, most, VKC_MEM_DEVICE, &e->scratch);
    if (st) return vkc_fail_context(st, "scratch buffer (%llu bytes)", (unsigned long long)most);
    e->scratch_valid = true;
    return VKCNN_OK;
}

/* Compiles the kernels and adds every dispatch to the sequence. */
static vkcnn_status build(vkc_exec *e, const vkc_lowering *low) {
    uint32_t total = 0;
    for (uint32_t k = 0; k < e->node_count; k++)
        total += low[k].count;
    e->dispatches = vkc_calloc(total ? total : 1, sizeof *e->dispatches);
    if (!e->dispatches) return oom();
    char label[VKC_ERROR_MAX / 4];
    for (uint32_t k = 0; k < e->node_count; k++) {
        vkc_xnode *n = &e->nodes[k];
        n->first_dispatch = e->dispatch_count;
        n->dispatch_count = low[k].count;
        for (uint32_t i = 0; i < low[k].count; i++) {
            const vkc_kdispatch *d = &low[k].dispatches[i];
            uint32_t ki = 0;
            vkcnn_status st = find_kernel(e, d, &ki);
            const vkc_kernel *kernel = st ? NULL : &e->kernels[ki].kernel;
            if (!st && kernel->io.binding_count != d->binding_count)
                st = vkc_fail(VKCNN_ERROR_SHADER_COMPILE,
                              "kernel '%s' binds %" PRIu32 " buffers, the lowering %" PRIu32,
                              d->template_name, kernel->io.binding_count, d->binding_count);
            vkc_binding b[VKC_MAX_BINDINGS];
            for (uint32_t j = 0; !st && j < d->binding_count; j++) {
                if (VKC_IS_SCRATCH(d->bindings[j].tensor)) { /* this node's part of the scratch */
                    uint32_t id = d->bindings[j].tensor - VKC_SCRATCH_BASE;
                    VkDeviceSize at = 0;
                    for (uint32_t q = 0; q < id; q++)
                        at += scratch_span(e, low[k].scratch_elements[q]);
                    b[j] = (vkc_binding){&e->scratch, at, low[k].scratch_elements[id] * 4,
                                         d->bindings[j].access, false};
                    continue;
                }
                const vkc_storage *s = &e->storages[e->tensors[d->bindings[j].tensor].storage];
                VkDeviceSize off;
                const vkc_buffer *buf = vkc_storage_buffer(s, d->bindings[j].chunk, &off);
                /* an arena range ends at the tensor's end, so that the
                 * scheduler sees exactly the bytes each dispatch touches */
                VkDeviceSize range =
                    s->arena ? (s->elements ? vkc_storage_bytes(s, vkc_storage_span(s)) : 4)
                             : VK_WHOLE_SIZE;
                b[j] = (vkc_binding){buf, off, range, d->bindings[j].access, d->bindings[j].half};
            }
            if (!st) {
                vkc_dispatch vd = {.kernel = kernel,
                                   .bindings = b,
                                   .push = d->push_count ? d->push : NULL,
                                   .groups = {d->groups[0], d->groups[1], d->groups[2]},
                                   .label = n->name};
                st = vkc_sequence_add(e->seq, &vd);
            }
            if (st) return vkc_fail_context(st, "%s", vkc_exec_label(n, label, sizeof label));
            vkc_xdispatch *xd = &e->dispatches[e->dispatch_count++];
            xd->node = k;
            xd->kernel = ki;
            memcpy(xd->groups, d->groups, sizeof xd->groups);
            xd->binding_count = d->binding_count;
            memcpy(xd->bindings, d->bindings, d->binding_count * sizeof *d->bindings);
        }
    }
    return VKCNN_OK;
}

/* vkc_passes_options.fits on this executor's target */
static bool winograd_fits(const vkc_graph *g, uint32_t node, uint32_t u, void *user) {
    return vkc_codegen_winograd_fits(g, node, u, user);
}

/* vkc_passes_options.row_packs on this executor's target */
static bool row_packs(const vkc_graph *g, uint32_t node, void *user) {
    return vkc_codegen_row_packs(g, node, user);
}

/* vkc_passes_options.gemv_packs on this executor's target */
static uint32_t gemv_packs(const vkc_graph *g, uint32_t node, void *user, uint64_t *chunk) {
    return vkc_codegen_gemv_packs(g, node, user, chunk);
}

void vkc_exec_passes_options(const vkc_exec *e, bool fusion, bool winograd,
                             vkc_passes_options *out) {
    *out = (vkc_passes_options){.fusion = fusion,
                                .winograd = winograd,
                                .fits = winograd_fits,
                                .choose = vkc_exec_winograd_choose,
                                .user = (void *)&e->target,
                                .input_affine = vkc_choose_input_affine(&e->target),
                                .gemv_packs = gemv_packs,
                                .row_packs = row_packs,
                                .squeeze_excite = vkc_choose_squeeze_excite_pass};
}

vkcnn_status vkc_exec_create(vkcnn_context *ctx, const vkc_graph *g, const vkc_exec_options *opts,
                             vkc_exec **out) {
    *out = NULL;
    vkc_exec *e = calloc(1, sizeof *e);
    if (!e) return oom();
    e->ctx = ctx;
    /* the device's caps and default load paths, and VKCNN_KERNEL_OVERRIDE
     * (exec_choose.c): no other code here reads the device to choose */
    vkc_kernel_override ov;
    vkcnn_status tst = vkc_exec_target(ctx, opts, &e->target, &ov);
    if (tst) {
        free(e);
        return tst;
    }
    e->planned = opts && opts->plan_memory;
    e->progress = opts ? opts->progress : NULL;
    e->progress_user = opts ? opts->progress_user : NULL;
    vkc_lowering *low = NULL;
    /* the passes rewrite a copy: the caller's graph stays as imported */
    vkc_graph *pg = NULL;
    vkc_passes passes = {0};
    vkc_passes_options po;
    vkc_exec_passes_options(e, opts && opts->fusion, opts && opts->winograd, &po);
    vkcnn_status st = vkc_graph_clone(g, &pg);
    if (!st) st = vkc_exec_wants(e, pg, opts, &ov);
    if (!st) st = vkc_passes_run(pg, &po, &passes);
    if (!st) st = copy_graph(e, pg);
    if (!st && opts && opts->half_weights)
        st = choose_half(e, pg, opts->fp32_nodes, opts->fp32_node_count);
    if (!st && opts && opts->fusion) st = choose_in_place(e, pg);
    if (!st && !(low = vkc_calloc(e->node_count ? e->node_count : 1, sizeof *low))) st = oom();
    bool lowered = false;
    if (!st) st = negotiate_gaps(e, pg, low, &lowered);
    if (!st && opts && opts->half_activations)
        st = choose_half_activations(e, pg, opts, low, &lowered);
    if (!st) st = lower_and_allocate(e, pg, low, lowered);
    if (!st) st = create_scratch(e, low);
    if (!st) st = vkc_sequence_create(ctx, opts && opts->timestamps, &e->seq);
    double t_kernels = vkc_now_ms();
    if (!st) st = create_kernels(e, low);
    e->kernels_wall_ms = vkc_now_ms() - t_kernels;
    if (!st) st = build(e, low);
    if (!st) st = vkc_sequence_prepare(e->seq);
    for (uint32_t k = 0; low && k < e->node_count; k++)
        vkc_lowering_free(&low[k]);
    free(low);
    vkc_graph_clone_destroy(pg, g);
    if (st) {
        vkc_exec_destroy(e);
        return st;
    }
    *out = e;
    return VKCNN_OK;
}

void vkc_exec_destroy(vkc_exec *e) {
    if (!e) return;
    vkc_sequence_destroy(e->seq);
    for (uint32_t i = 0; i < e->kernel_count; i++) {
        if (e->kernels[i].created) vkc_kernel_destroy(e->ctx, &e->kernels[i].kernel);
        free(e->kernels[i].defines);
    }
    free(e->kernels);
    free(e->dispatches);
    for (uint32_t s = 0; s < e->storage_count; s++) {
        for (uint32_t c = 0; c < e->storages[s].count; c++)
            vkc_buffer_destroy(e->ctx, &e->storages[s].chunks[c]);
        free(e->storages[s].chunks);
    }
    free(e->storages);
    if (e->arena_valid) vkc_buffer_destroy(e->ctx, &e->arena);
    if (e->scratch_valid) vkc_buffer_destroy(e->ctx, &e->scratch);
    vkc_plan_free(&e->plan);
    free(e->half);
    free(e->in_place);
    free(e->in_place_of);
    free(e->in_place_at);
    free(e->in_place_gap);
    free(e->want);
    free(e->want_source);
    for (uint32_t t = 0; t < e->tensor_count; t++)
        free(e->tensors[t].name);
    free(e->tensors);
    for (uint32_t k = 0; k < e->node_count; k++) {
        free(e->nodes[k].name);
        free(e->nodes[k].inputs);
        free(e->nodes[k].members);
        free(e->nodes[k].post);
        free(e->nodes[k].group);
    }
    free(e->nodes);
    free(e);
}

/* The storage of `tensor`, checked against `count`. */
static vkcnn_status io_storage(vkc_exec *e, uint32_t tensor, size_t count, const void *data,
                               const vkc_storage **s) {
    if (!e || tensor >= e->tensor_count || (!data && count))
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "invalid tensor index %" PRIu32, tensor);
    const vkc_xtensor *t = &e->tensors[tensor];
    if (t->storage == VKC_NONE)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                        "tensor '%s' is not used by the executed graph", t->name);
    if (count != t->elements)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                        "tensor '%s' holds %" PRIu64 " floats, not %zu", t->name, t->elements,
                        count);
    *s = &e->storages[t->storage];
    if ((*s)->packed)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                        "tensor '%s' is stored in the GEMV kernel's blocked order", t->name);
    return VKCNN_OK;
}

vkcnn_status vkc_exec_write(vkc_exec *e, uint32_t tensor, const float *data, size_t count) {
    const vkc_storage *s;
    TRY(io_storage(e, tensor, count, data, &s));
    if (s->gap) /* written by its producer only: never a graph input */
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                        "tensor '%s' is stored in slices of a Concat's images",
                        e->tensors[tensor].name);
    for (uint32_t c = 0; c < s->count; c++) {
        uint64_t first = (uint64_t)c * s->chunk,
                 n = count - first < s->chunk ? count - first : s->chunk;
        VkDeviceSize off;
        vkc_buffer *buf = vkc_storage_buffer(s, c, &off);
        if (n && s->half)
            TRY(half_copy(e, s, c, (float *)data + first, n, true));
        else if (n)
            TRY(vkc_buffer_write(e->ctx, buf, off, data + first, n * 4));
    }
    return VKCNN_OK;
}

/* Reads a tensor stored in slices of a Concat's images (s->gap): its
 * whole span, then each image's block. */
static vkcnn_status read_gapped(vkc_exec *e, const vkc_storage *s, float *data) {
    vkc_storage whole = *s;
    whole.chunk = whole.elements = vkc_storage_span(s);
    whole.gap = 0;
    float *tmp = vkc_calloc(whole.elements, sizeof *tmp);
    if (!tmp) return oom();
    VkDeviceSize off;
    const vkc_buffer *buf = vkc_storage_buffer(&whole, 0, &off);
    vkcnn_status st = whole.half ? half_copy(e, &whole, 0, tmp, whole.elements, false)
                                 : vkc_buffer_read(e->ctx, buf, off, tmp, whole.elements * 4);
    for (uint64_t i = 0; !st && i < s->elements / s->block; i++)
        memcpy(data + i * s->block, tmp + i * (s->block + s->gap), s->block * sizeof *tmp);
    free(tmp);
    return st;
}

vkcnn_status vkc_exec_read(vkc_exec *e, uint32_t tensor, float *data, size_t count) {
    const vkc_storage *s;
    TRY(io_storage(e, tensor, count, data, &s));
    if (s->gap) return read_gapped(e, s, data);
    return vkc_storage_read(e, s, data, count);
}

vkcnn_status vkc_storage_read(vkc_exec *e, const vkc_storage *s, float *data, uint64_t count) {
    for (uint32_t c = 0; c < s->count; c++) {
        uint64_t first = (uint64_t)c * s->chunk,
                 n = count - first < s->chunk ? count - first : s->chunk;
        VkDeviceSize off;
        const vkc_buffer *buf = vkc_storage_buffer(s, c, &off);
        if (n && s->half)
            TRY(half_copy(e, s, c, data + first, n, false));
        else if (n)
            TRY(vkc_buffer_read(e->ctx, buf, off, data + first, n * 4));
    }
    return VKCNN_OK;
}

vkcnn_status vkc_exec_run(vkc_exec *e) {
    if (!e) return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "no executor");
    if (!e->dispatch_count) return vkc_ctx_usable(e->ctx);
    if (!e->recorded) { /* the sequence's own command buffer, recorded on first use */
        TRY(vkc_sequence_record(e->seq));
        e->recorded = true;
    }
    return vkc_sequence_run(e->seq);
}

void vkc_exec_record(vkc_exec *e, VkCommandBuffer cmd, VkQueryPool queries) {
    if (e->dispatch_count) vkc_sequence_record_into(e->seq, cmd, queries);
}

void vkc_exec_record_range(vkc_exec *e, VkCommandBuffer cmd, VkQueryPool queries, uint32_t first,
                           uint32_t count) {
    vkc_sequence_record_range(e->seq, cmd, queries, first, count);
}

vkcnn_status vkc_exec_create_queries(vkc_exec *e, VkQueryPool *out) {
    return vkc_sequence_create_queries(e->seq, out);
}

void vkc_exec_destroy_queries(vkc_exec *e, VkQueryPool pool) {
    vkc_sequence_destroy_queries(e->seq, pool);
}

vkcnn_status vkc_exec_read_queries(vkc_exec *e, VkQueryPool pool) {
    return vkc_sequence_read_queries(e->seq, pool);
}

uint32_t vkc_exec_tensor_chunks(const vkc_exec *e, uint32_t tensor) {
    if (!e || tensor >= e->tensor_count || e->tensors[tensor].storage == VKC_NONE) return 0;
    return e->storages[e->tensors[tensor].storage].count;
}

vkcnn_status vkc_exec_tensor_chunk(const vkc_exec *e, uint32_t tensor, uint32_t chunk,
                                   vkc_binding *out, uint64_t *first) {
    if (chunk >= vkc_exec_tensor_chunks(e, tensor))
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "tensor %" PRIu32 " has no chunk %" PRIu32,
                        tensor, chunk);
    const vkc_storage *s = &e->storages[e->tensors[tensor].storage];
    uint64_t begin = (uint64_t)chunk * s->chunk;
    uint64_t n = s->elements - begin < s->chunk ? s->elements - begin : s->chunk;
    VkDeviceSize off;
    const vkc_buffer *buf = vkc_storage_buffer(s, chunk, &off);
    if (s->half || s->gap)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "tensor %" PRIu32 " is stored %s", tensor,
                        s->half ? "as fp16" : "in slices of a Concat's images");
    *out = (vkc_binding){buf, off, n * 4, VKC_READ | VKC_WRITE, false};
    *first = begin;
    return VKCNN_OK;
}

uint32_t vkc_exec_dispatch_count(const vkc_exec *e) {
    return e ? e->dispatch_count : 0;
}

uint32_t vkc_exec_kernel_count(const vkc_exec *e) {
    return e ? e->kernel_count : 0;
}

void vkc_exec_node_dispatches(const vkc_exec *e, uint32_t node, uint32_t *first, uint32_t *count) {
    *first = *count = 0;
    for (uint32_t k = 0; e && k < e->node_count; k++)
        if (e->nodes[k].index == node) {
            *first = e->nodes[k].first_dispatch;
            *count = e->nodes[k].dispatch_count;
        }
}

const char *vkc_exec_dispatch_template(const vkc_exec *e, uint32_t i) {
    return e && i < e->dispatch_count ? e->kernels[e->dispatches[i].kernel].template_name : NULL;
}

const char *vkc_exec_dispatch_defines(const vkc_exec *e, uint32_t i) {
    return e && i < e->dispatch_count ? e->kernels[e->dispatches[i].kernel].defines : NULL;
}

double vkc_exec_dispatch_ms(const vkc_exec *e, uint32_t i) {
    return e && i < e->dispatch_count ? vkc_sequence_dispatch_ms(e->seq, i) : -1.0;
}

vkcnn_status vkc_exec_tensor_binding(const vkc_exec *e, uint32_t tensor, vkc_binding *out) {
    if (!e || !out || tensor >= e->tensor_count || e->tensors[tensor].storage == VKC_NONE)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "tensor %u has no device storage", tensor);
    const vkc_storage *st = &e->storages[e->tensors[tensor].storage];
    if (st->count != 1)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "tensor '%s' is split across %u buffers",
                        e->tensors[tensor].name, st->count);
    VkDeviceSize off;
    const vkc_buffer *buf = vkc_storage_buffer(st, 0, &off);
    if (st->half || st->gap)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "tensor '%s' is stored %s",
                        e->tensors[tensor].name,
                        st->half ? "as fp16" : "in slices of a Concat's images");
    *out = (vkc_binding){buf, off, e->tensors[tensor].elements * 4, VKC_READ | VKC_WRITE, false};
    return VKCNN_OK;
}

uint32_t vkc_exec_barrier_count(const vkc_exec *e) {
    return e && e->seq ? vkc_sequence_barrier_count(e->seq) : 0;
}

double vkc_exec_total_ms(const vkc_exec *e) {
    return e && e->seq ? vkc_sequence_total_ms(e->seq) : -1.0;
}

uint32_t vkc_exec_dispatch_nodes(const vkc_exec *e, uint32_t i, const uint32_t **nodes) {
    if (!e || i >= e->dispatch_count) {
        if (nodes) *nodes = NULL;
        return 0;
    }
    const vkc_xnode *n = &e->nodes[e->dispatches[i].node];
    if (nodes) *nodes = n->members;
    return n->member_count;
}

void vkc_exec_memory_stats(const vkc_exec *e, vkc_exec_memory *out) {
    memset(out, 0, sizeof *out);
    if (!e) return;
    out->arena_bytes = e->plan.arena_bytes;
    out->naive_bytes = e->plan.naive_bytes;
    out->planned = e->planned;
}

const vkc_plan *vkc_exec_memory_plan(const vkc_exec *e) {
    return e && e->planned ? &e->plan : NULL;
}

void vkc_exec_load_times(const vkc_exec *e, double *spirv_ms, double *pipeline_ms,
                         double *upload_ms) {
    /* kernels are created on several threads: report wall time, split in
     * proportion to each phase's time summed over the threads */
    double sum = e->spirv_ms + e->pipeline_ms;
    *spirv_ms = sum > 0 ? e->kernels_wall_ms * e->spirv_ms / sum : 0;
    *pipeline_ms = sum > 0 ? e->kernels_wall_ms * e->pipeline_ms / sum : 0;
    *upload_ms = e->upload_ms;
}

/* The dispatch of node `node` that does its arithmetic, which is charged
 * with its FLOPs: a Winograd or im2col Conv's GEMM (its transforms and
 * gathers only move data),
 * else the node's first dispatch (a Concat of several counts once). */
static uint32_t work_dispatch(const vkc_exec *e, uint32_t node) {
    uint32_t first = e->nodes[node].first_dispatch, count = e->nodes[node].dispatch_count;
    for (uint32_t j = first; j < first + count && j < e->dispatch_count; j++) {
        const char *name = e->kernels[e->dispatches[j].kernel].template_name;
        /* the GEMM of a Winograd or an im2col conv, not its transforms */
        if (strcmp(name, "winograd_gemm") == 0 || (count > 1 && strcmp(name, "conv1x1") == 0))
            return j;
    }
    return first;
}

vkcnn_status vkc_exec_dispatch_info(const vkc_exec *e, uint32_t i, vkc_exec_dispatch *out) {
    if (!e || i >= e->dispatch_count)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "dispatch %" PRIu32 " out of range", i);
    const vkc_xdispatch *d = &e->dispatches[i];
    const vkc_xnode *n = &e->nodes[d->node];
    memset(out, 0, sizeof *out);
    out->kernel = e->kernels[d->kernel].template_name;
    out->variant = n->variant_name;
    out->node = n->name;
    out->group = n->group;
    memcpy(out->groups, d->groups, sizeof out->groups);
    out->gpu_ms = vkc_sequence_dispatch_ms(e->seq, i);
    out->flops = i == work_dispatch(e, d->node) ? 2 * n->macs : 0;
    for (uint32_t b = 0; b < d->binding_count; b++) {
        if (VKC_IS_SCRATCH(d->bindings[b].tensor)) continue; /* not model data */
        const vkc_xtensor *t = &e->tensors[d->bindings[b].tensor];
        const vkc_storage *s = &e->storages[t->storage];
        uint64_t first = (uint64_t)d->bindings[b].chunk * s->chunk;
        uint64_t n_el = s->elements - first < s->chunk ? s->elements - first : s->chunk;
        if (d->bindings[b].access & VKC_WRITE)
            out->bytes_written += vkc_storage_bytes(s, n_el);
        else
            out->bytes_read += vkc_storage_bytes(s, n_el);
    }
    return VKCNN_OK;
}
