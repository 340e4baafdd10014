/* Codegen core: target limits, chunking, the per-op dispatch of lowerings,
 * preamble and binding helpers, and template source expansion. */
#include "codegen/codegen.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/choose.h"
#include "codegen/codegen_internal.h"
#include "core/checked.h"
#include "ops/op_table.h"
#include "vk/device.h"
#include "vk/sequence.h"
#include "vk/shaders.h"

void vkc_codegen_target_init(vkc_codegen_target *t, const vkcnn_device_info *info,
                             uint64_t max_binding_bytes) {
    *t = (vkc_codegen_target){0}; /* every field the caller does not set starts false/0 */
    /* 64 or 128 invocations, a multiple of the subgroup size, within limits. */
    uint32_t sg = info->subgroup_size ? info->subgroup_size : 32;
    uint32_t local = sg >= 64 ? sg : 64;
    local = (local + sg - 1) / sg * sg;
    uint32_t cap = info->max_workgroup_invocations < info->max_workgroup_size[0]
                       ? info->max_workgroup_invocations
                       : info->max_workgroup_size[0];
    while (local > cap && local > sg)
        local -= sg;
    if (local > cap) local = cap ? cap : 1;
    t->local_size = local;
    memcpy(t->max_groups, info->max_workgroup_count, sizeof t->max_groups);
    t->max_binding_bytes = info->max_storage_buffer_range;
    if (max_binding_bytes && max_binding_bytes < t->max_binding_bytes)
        t->max_binding_bytes = max_binding_bytes;
    t->offset_alignment = info->min_storage_buffer_offset_alignment;
    if (info->min_texel_buffer_offset_alignment > t->offset_alignment)
        t->offset_alignment = info->min_texel_buffer_offset_alignment;
    t->max_texel_elements = info->max_texel_buffer_elements;
    t->mx_subgroup_size = sg;
    t->subgroup_ops = info->subgroup_ops;
    t->subgroup_fixed = info->subgroup_size && info->subgroup_size_min == info->subgroup_size &&
                                info->subgroup_size_max == info->subgroup_size
                            ? info->subgroup_size
                            : 0;
    vkc_device_caps *caps = &t->caps;
    caps->vendor_id = info->vendor_id;
    caps->device_id = info->device_id;
    caps->driver_version = info->driver_version;
    caps->mesa_version = vkc_mesa_version(info);
    caps->cpu = info->type == VKCNN_DEVICE_CPU;
    caps->subgroup_size = info->subgroup_size;
    caps->subgroup_min = info->subgroup_size_min;
    caps->subgroup_max = info->subgroup_size_max;
    caps->subgroup_ops = info->subgroup_ops;
    caps->shared_memory = info->shared_memory;
    caps->vector_width = info->vector_width;
    if (caps->mesa_version) {
        const char *off = getenv("MESA_SHADER_CACHE_DISABLE");
        const char *dir = getenv("MESA_SHADER_CACHE_DIR");
        char own[32];
        snprintf(own, sizeof own, "/vkcnn/lavapipe-%u", info->vector_width);
        size_t n = dir ? strlen(dir) : 0, k = strlen(own);
        while (n > 1 && dir[n - 1] == '/')
            n--;
        caps->jit_cache_private = (off && (strcmp(off, "true") == 0 || strcmp(off, "1") == 0)) ||
                                  (n >= k && memcmp(dir + n - k, own, k) == 0);
    }
    caps->max_workgroup_invocations = info->max_workgroup_invocations;
    if (info->coopmat == VKCNN_COOPMAT_NV) {
        caps->coopmat_m = info->coopmat_m;
        caps->coopmat_n = info->coopmat_n;
        caps->coopmat_k = info->coopmat_k;
    }
}

vkc_chunking vkc_codegen_chunking(const vkc_codegen_target *t, uint64_t elements) {
    vkc_chunking c = {elements, 1};
    uint64_t max_elems = t->max_binding_bytes / 4;
    if (elements <= max_elems) return c;
    uint64_t align = t->offset_alignment > 4 ? t->offset_alignment / 4 : 1;
    c.chunk = max_elems / align * align;
    if (c.chunk == 0) c.chunk = max_elems ? max_elems : 1;
    uint64_t count = (elements + c.chunk - 1) / c.chunk;
    c.count = count > UINT32_MAX ? UINT32_MAX : (uint32_t)count;
    return c;
}

/* ---- helpers --------------------------------------------------------------- */

void cg_fail(vkc_cg *c, vkcnn_status st, const char *fmt, ...) {
    if (c->st) return;
    char msg[VKC_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->st = vkc_node_fail(c->g, c->node, st, "%s", msg);
}

const vkc_node *cg_node(const vkc_cg *c) {
    return &c->g->nodes[c->node];
}

uint32_t cg_in_index(const vkc_cg *c, uint32_t slot) {
    const vkc_node *n = cg_node(c);
    return slot < n->own_inputs && slot < n->input_count ? n->inputs[slot] : VKC_NONE;
}

const vkc_tensor *cg_in(const vkc_cg *c, uint32_t slot) {
    uint32_t t = cg_in_index(c, slot);
    return t == VKC_NONE ? NULL : &c->g->tensors[t];
}

const vkc_tensor *cg_out(const vkc_cg *c) {
    return &c->g->tensors[cg_node(c)->outputs[0]];
}

vkc_kdispatch *cg_dispatch(vkc_cg *c, const char *template_name) {
    if (c->st) return NULL;
    vkc_lowering *l = c->out;
    vkc_kdispatch *grown = vkc_realloc_array(l->dispatches, l->count + 1, sizeof *grown);
    if (!grown) {
        c->st = vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
        return NULL;
    }
    l->dispatches = grown;
    vkc_kdispatch *d = &grown[l->count++];
    memset(d, 0, sizeof *d);
    d->template_name = template_name;
    if (c->t->sampled_texels) cg_def(c, d, "TEXEL_SAMPLED 1"); /* common.glsl */
    if (vkc_choose_image_texels(c->t, template_name)) cg_def(c, d, "TEXEL_IMAGE 1");
    return d;
}

void cg_def(vkc_cg *c, vkc_kdispatch *d, const char *fmt, ...) {
    if (c->st || !d) return;
    size_t len = strlen(d->defines), room = sizeof d->defines - len;
    int w = snprintf(d->defines + len, room, "#define ");
    if (w > 0 && (size_t)w < room) {
        va_list ap;
        va_start(ap, fmt);
        int v = vsnprintf(d->defines + len + w, room - (size_t)w, fmt, ap);
        va_end(ap);
        w = v < 0 ? -1 : w + v;
    }
    if (w < 0 || (size_t)w + 1 >= room) {
        d->defines[len] = '\0';
        cg_fail(c, VKCNN_ERROR_LIMIT, "kernel preamble longer than %d bytes",
                VKC_CODEGEN_DEFINES_MAX);
        return;
    }
    strcat(d->defines + len, "\n");
}

static bool bind_check(vkc_cg *c, vkc_kdispatch *d, uint32_t tensor, uint32_t extra) {
    if (c->st || !d) return false;
    const vkc_tensor *t = &c->g->tensors[tensor];
    if (t->dtype != VKC_DTYPE_FLOAT32) {
        cg_fail(c, VKCNN_ERROR_UNSUPPORTED,
                "tensor '%s' is int64: unsupported dtype (float32 only)", t->name);
        return false;
    }
    if (d->binding_count + extra > VKC_MAX_BINDINGS) {
        cg_fail(c, VKCNN_ERROR_LIMIT, "more than %d bindings", VKC_MAX_BINDINGS);
        return false;
    }
    return true;
}

static void bind_whole(vkc_cg *c, vkc_kdispatch *d, uint32_t tensor, unsigned access) {
    if (!bind_check(c, d, tensor, 1)) return;
    const vkc_tensor *t = &c->g->tensors[tensor];
    if (t->elements > c->t->max_binding_bytes / 4) {
        cg_fail(c, VKCNN_ERROR_LIMIT,
                "tensor '%s' of %" PRIu64 " bytes exceeds the device's maxStorageBufferRange "
                "(%" PRIu64 " bytes); only Conv's W and Gemm's/MatMul's B can be split",
                t->name, t->elements * 4, c->t->max_binding_bytes);
        return;
    }
    d->bindings[d->binding_count++] = (vkc_kbinding){tensor, 0, access, false};
}

/* Adds `tensor` to one of the lowering's lists (fp32, dense) once. */
static void list_once(vkc_cg *c, uint32_t **list, uint32_t *count, uint32_t tensor) {
    if (!c->out) return; /* a fit check, not a lowering */
    for (uint32_t i = 0; i < *count; i++)
        if ((*list)[i] == tensor) return;
    uint32_t *grown = realloc(*list, (*count + 1) * sizeof *grown);
    if (!grown) {
        cg_fail(c, VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
        return;
    }
    *list = grown;
    grown[(*count)++] = tensor;
}

/* Records that this node binds activation `tensor` as fp32 only. */
static void want_fp32(vkc_cg *c, uint32_t tensor) {
    if (c->out) list_once(c, &c->out->fp32, &c->out->fp32_count, tensor);
}

static uint64_t out_gap(const vkc_cg *c, uint32_t tensor) {
    return c->t->out_gap && tensor < c->g->tensor_count ? c->t->out_gap[tensor] : 0;
}

/* Records that this node binds `tensor`, a Concat slice with images apart
 * (out_gap), as a dense tensor. */
static void want_dense(vkc_cg *c, uint32_t tensor) {
    if (c->out) list_once(c, &c->out->dense, &c->out->dense_count, tensor);
}

void cg_bind(vkc_cg *c, vkc_kdispatch *d, uint32_t tensor, unsigned access) {
    bind_whole(c, d, tensor, access);
    if (!c->st && cg_half_act(c, tensor)) want_fp32(c, tensor);
    if (!c->st && out_gap(c, tensor)) want_dense(c, tensor);
}

static bool bind_act(vkc_cg *c, vkc_kdispatch *d, uint32_t tensor, unsigned access,
                     const char *macro) {
    bind_whole(c, d, tensor, access);
    if (c->st || !cg_half_act(c, tensor)) return false;
    d->bindings[d->binding_count - 1].half = true;
    cg_def(c, d, "%s 1", macro);
    if (!strstr(d->defines, "#define HALF_IO 1\n")) cg_def(c, d, "HALF_IO 1");
    return true;
}

bool cg_bind_act(vkc_cg *c, vkc_kdispatch *d, uint32_t tensor, unsigned access, const char *macro) {
    bool half = bind_act(c, d, tensor, access, macro);
    if (!c->st && out_gap(c, tensor)) want_dense(c, tensor);
    return half;
}

uint64_t cg_out_gap(const vkc_cg *c) {
    return out_gap(c, cg_node(c)->outputs[0]);
}

uint64_t cg_bind_out(vkc_cg *c, vkc_kdispatch *d, uint32_t tensor) {
    bind_act(c, d, tensor, VKC_WRITE, "Y_HALF");
    uint64_t gap = c->st ? 0 : out_gap(c, tensor);
    if (gap) cg_shape(c, d, "Y_GAP", (int64_t)gap);
    return gap;
}

bool cg_half(const vkc_cg *c, uint32_t tensor) {
    return c->t->half && tensor < c->g->tensor_count && c->t->half[tensor];
}

bool cg_half_act(const vkc_cg *c, uint32_t tensor) {
    return cg_half(c, tensor) && !c->g->tensors[tensor].data;
}

bool cg_y8(const vkc_cg *c, int64_t row, int64_t block) {
    return row % 8 == 0 && block % 8 == 0 && c->t->wide_loads &&
           !cg_half_act(c, cg_node(c)->outputs[0]);
}

bool cg_pairs(const vkc_cg *c) {
    return c->t->wide_loads && !cg_half_act(c, cg_node(c)->outputs[0]) &&
           c->t->offset_alignment % 8 == 0;
}

bool cg_y2(const vkc_cg *c, int64_t row, int64_t block) {
    return row % 2 == 0 && block % 2 == 0 && !(row % 4 == 0 && block % 4 == 0) &&
           cg_out_gap(c) % 2 == 0 && cg_pairs(c);
}

void cg_def_y_vectors(vkc_cg *c, vkc_kdispatch *d, int64_t row, int64_t block) {
    cg_def(c, d, "YV4 %d", row % 4 == 0 && block % 4 == 0 ? 1 : 0);
    cg_def(c, d, "YV8 %d", cg_y8(c, row, block) ? 1 : 0);
}

bool cg_texels_fit(const vkc_cg *c, uint64_t elements, bool half) {
    uint64_t per_texel = half ? 8 : 4;
    return c->t->texel_loads && (elements + per_texel - 1) / per_texel <= c->t->max_texel_elements;
}

bool cg_whole_texels(const vkc_cg *c, uint64_t elements, bool half) {
    return elements % (half ? 8 : 4) == 0 && cg_texels_fit(c, elements, half);
}

void cg_bind_split(vkc_cg *c, vkc_kdispatch *d, uint32_t tensor) {
    cg_bind_split_elements(c, d, tensor, c->g->tensors[tensor].elements);
}

void cg_bind_split_elements(vkc_cg *c, vkc_kdispatch *d, uint32_t tensor, uint64_t elements) {
    if (!bind_check(c, d, tensor, 1)) return;
    const vkc_tensor *t = &c->g->tensors[tensor];
    vkc_chunking ch = vkc_codegen_chunking(c->t, elements);
    if (ch.count > VKC_CODEGEN_MAX_CHUNKS || elements > VKC_CODEGEN_MAX_SPLIT_ELEMENTS) {
        cg_fail(c, VKCNN_ERROR_LIMIT,
                "tensor '%s' of %" PRIu64 " bytes needs %" PRIu32 " bindings of at most "
                "%" PRIu64 " bytes (maxStorageBufferRange); at most %d are supported",
                t->name, elements * 4, ch.count, c->t->max_binding_bytes, VKC_CODEGEN_MAX_CHUNKS);
        return;
    }
    if (!bind_check(c, d, tensor, ch.count)) return;
    if (d->binding_count != 2) {
        cg_fail(c, VKCNN_ERROR_INVALID_ARGUMENT, "split operand must be binding 2");
        return;
    }
    cg_def(c, d, "WT_CHUNKS %" PRIu32, ch.count);
    cg_def(c, d, "WT_CHUNK %" PRIu64 "u", ch.chunk ? ch.chunk : 1);
    if (cg_half(c, tensor)) cg_def(c, d, "WT_HALF 1");
    for (uint32_t i = 0; i < ch.count; i++)
        d->bindings[d->binding_count++] = (vkc_kbinding){tensor, i, VKC_READ, false};
}

void cg_grid(vkc_cg *c, vkc_kdispatch *d, uint64_t total) {
    if (c->st || !d) return;
    uint64_t local = d->local_size ? d->local_size : c->t->local_size;
    /* Flat indices stay below 2^31 so uint/int arithmetic in shaders is exact. */
    if (total == 0 || total > ((uint64_t)1 << 31) - local) {
        cg_fail(c, VKCNN_ERROR_LIMIT, "%" PRIu64 " invocations: out of range", total);
        return;
    }
    uint64_t groups = (total + local - 1) / local;
    uint64_t gx = groups < c->t->max_groups[0] ? groups : c->t->max_groups[0];
    uint64_t gy = (groups + gx - 1) / gx;
    if (gy > c->t->max_groups[1]) {
        cg_fail(c, VKCNN_ERROR_LIMIT, "%" PRIu64 " workgroups exceed the device's grid", groups);
        return;
    }
    d->groups[0] = (uint32_t)gx;
    d->groups[1] = (uint32_t)gy;
    d->groups[2] = 1;
    cg_def(c, d, "LOCAL_SIZE %" PRIu64, local);
    if (d->push_shapes)
        cg_shape(c, d, "TOTAL", (int64_t)total);
    else
        cg_def(c, d, "TOTAL %" PRIu64 "u", total);
}

void vkc_codegen_divisor(uint32_t divisor, uint32_t *magic, uint32_t *shift) {
    /* Granlund and Montgomery, "Division by invariant integers using
     * multiplication" (PLDI 1994), theorem 4.2 for N = 31 bit dividends:
     * with 2^(l-1) < d <= 2^l and m = ceil(2^(31+l) / d), 2^(31+l) <= m*d <=
     * 2^(31+l) + 2^l, so x / d == (x * m) >> (31 + l) for every x < 2^31;
     * m < 2^32, and for l >= 1 the shift is umulhi's 32 then l - 1. */
    *magic = *shift = 0;
    if (divisor <= 1) return;
    uint32_t l = 1;
    while (l < 32 && ((uint64_t)1 << l) < divisor)
        l++;
    uint64_t num = (uint64_t)1 << (31 + l);
    *magic = (uint32_t)((num + divisor - 1) / divisor);
    *shift = l - 1;
}

/* Appends `value` to d's push constants; its index, or -1 when full. */
static int push_word(vkc_cg *c, vkc_kdispatch *d, uint32_t value) {
    if (d->push_count >= VKC_PUSH_WORDS) {
        cg_fail(c, VKCNN_ERROR_LIMIT, "kernel '%s' needs more than %d push-constant words",
                d->template_name, VKC_PUSH_WORDS);
        return -1;
    }
    if (d->push_count == 0) cg_def(c, d, "VKC_PUSH 1"); /* common.glsl declares the block */
    d->push[d->push_count] = value;
    return (int)d->push_count++;
}

void cg_shape(vkc_cg *c, vkc_kdispatch *d, const char *name, int64_t value) {
    if (c->st || !d) return;
    if (!d->push_shapes) {
        cg_def(c, d, "%s %" PRId64, name, value);
        return;
    }
    if (value < 0 || value > INT32_MAX) {
        cg_fail(c, VKCNN_ERROR_LIMIT, "kernel '%s': %s = %" PRId64 " is out of range",
                d->template_name, name, value);
        return;
    }
    int k = push_word(c, d, (uint32_t)value);
    if (k >= 0) cg_def(c, d, "%s int(vkc_pc.v[%d])", name, k);
}

void cg_shape_div(vkc_cg *c, vkc_kdispatch *d, const char *name, int64_t value) {
    cg_shape(c, d, name, value);
    if (c->st || !d || !d->push_shapes) return;
    if (value < 1 || value > INT32_MAX) {
        cg_fail(c, VKCNN_ERROR_INVALID_ARGUMENT, "kernel '%s': divisor %s = %" PRId64,
                d->template_name, name, value);
        return;
    }
    uint32_t magic, shift;
    vkc_codegen_divisor((uint32_t)value, &magic, &shift);
    int k = push_word(c, d, magic), k2 = push_word(c, d, shift);
    if (k >= 0 && k2 >= 0)
        cg_def(c, d, "DIV_%s(x) vkc_udiv(uint(x), vkc_pc.v[%d], vkc_pc.v[%d])", name, k, k2);
}

const char *cg_float(char buf[48], float v) {
    if (isnan(v))
        snprintf(buf, 48, "uintBitsToFloat(0x7fc00000u)");
    else if (isinf(v))
        snprintf(buf, 48, v > 0 ? "VKC_INF" : "(-VKC_INF)");
    else
        snprintf(buf, 48, "(%.9e)", (double)v); /* 9 significant digits round-trip */
    return buf;
}

const char *cg_list(char *buf, size_t size, const int64_t *v, uint32_t n, const char *suffix) {
    size_t len = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < n && len < size; i++) {
        int w = snprintf(buf + len, size - len, "%s%" PRId64 "%s", i ? "," : "", v[i], suffix);
        if (w < 0) break;
        len += (size_t)w;
    }
    return buf;
}

void cg_dense_strides(uint32_t rank, const int64_t *dims, int64_t *strides) {
    int64_t s = 1;
    for (uint32_t d = rank; d-- > 0;) {
        strides[d] = s;
        s *= dims[d];
    }
}

uint32_t cg_collapse(uint32_t rank, int64_t *dims, int64_t (*strides)[VKC_MAX_RANK],
                     uint32_t count) {
    uint32_t r = 0;
    for (uint32_t d = 0; d < rank; d++) {
        if (dims[d] == 1) continue; /* coordinate always 0 */
        bool merge = r > 0;
        for (uint32_t k = 0; k < count && merge; k++)
            merge = strides[k][r - 1] == strides[k][d] * dims[d];
        if (merge) {
            dims[r - 1] *= dims[d];
            for (uint32_t k = 0; k < count; k++)
                strides[k][r - 1] = strides[k][d];
            continue;
        }
        dims[r] = dims[d];
        for (uint32_t k = 0; k < count; k++)
            strides[k][r] = strides[k][d];
        r++;
    }
    if (r == 0) {
        dims[0] = 1;
        for (uint32_t k = 0; k < count; k++)
            strides[k][0] = 0;
        r = 1;
    }
    return r;
}

/* ---- lowering -------------------------------------------------------------- */

bool vkc_codegen_winograd_fits(const vkc_graph *g, uint32_t n, uint32_t u,
                               const vkc_codegen_target *t) {
    if (n >= g->node_count || g->nodes[n].op != VKC_OP_CONV || u == VKC_NONE) return false;
    vkc_cg c = {g, n, t, NULL, VKCNN_OK, u, {0}};
    const vkc_variant *want = t->want && n < t->want_count ? &t->want[n] : NULL;
    if (!vkc_variant_choose(g, n, t, want, u, &c.v)) return false;
    vkc_codegen_target tt = *t; /* as the lowering will see it (below) */
    tt.texel_loads = c.v.load == VKC_LOAD_TEXEL;
    c.t = &tt;
    return vkc_winograd_applies(&c);
}

uint32_t vkc_codegen_gemv_packs(const vkc_graph *g, uint32_t n, const vkc_codegen_target *t,
                                uint64_t *chunk) {
    *chunk = 0;
    if (n >= g->node_count || g->nodes[n].op != VKC_OP_GEMM || g->nodes[n].input_count < 2 ||
        g->nodes[n].inputs[1] == VKC_NONE)
        return 0;
    vkc_chunking ch = vkc_codegen_chunking(t, g->tensors[g->nodes[n].inputs[1]].elements);
    if (ch.count > 1) *chunk = ch.chunk;
    const vkc_variant *want = t->want && n < t->want_count ? &t->want[n] : NULL;
    vkc_variant v;
    if (!vkc_variant_choose(g, n, t, want, VKC_NONE, &v)) return 0;
    return v.algo == VKC_ALGO_GEMV && v.load == VKC_LOAD_TEXEL ? v.bm : 0;
}

bool vkc_codegen_row_packs(const vkc_graph *g, uint32_t n, const vkc_codegen_target *t) {
    if (n >= g->node_count || g->nodes[n].op != VKC_OP_CONV || g->nodes[n].input_count < 2 ||
        g->nodes[n].inputs[1] == VKC_NONE || g->nodes[n].algo == VKC_CONV_ALGO_WINOGRAD)
        return false;
    const vkc_variant *want = t->want && n < t->want_count ? &t->want[n] : NULL;
    vkc_variant v;
    if (!vkc_variant_choose(g, n, t, want, VKC_NONE, &v)) return false;
    return v.algo == VKC_ALGO_ROW && v.load == VKC_LOAD_TEXEL && v.bm % 4 == 0;
}

void vkc_lower_conv_node(vkc_cg *c) {
    const vkc_node *n = cg_node(c);
    if (n->algo == VKC_CONV_ALGO_WINOGRAD)
        vkc_lower_winograd(c); /* fails when the form the passes chose does not fit */
    else if (n->pool)
        cg_fail(c, VKCNN_ERROR_INVALID_ARGUMENT,
                "has a fused MaxPool but does not run as Winograd");
    else
        vkc_lower_conv(c);
}

vkcnn_status vkc_codegen_lower(const vkc_graph *g, uint32_t n, const vkc_codegen_target *t,
                               vkc_lowering *out) {
    memset(out, 0, sizeof *out);
    const vkc_node *node = &g->nodes[n];
    vkc_cg c = {g, n, t, out, VKCNN_OK, node->winograd, {0}};
    /* a Conv, Gemm or MatMul: its variant (the wanted one where the node
     * allows it, else the default rule's), with the target's load path
     * made the variant's for every helper that reads it (cg_texels_fit) */
    vkc_codegen_target tt;
    if (vkc_node_family(g, n) != VKC_FAMILY_NONE) {
        const vkc_variant *want = t->want && n < t->want_count ? &t->want[n] : NULL;
        uint32_t u = node->op == VKC_OP_CONV && node->algo == VKC_CONV_ALGO_WINOGRAD
                         ? node->winograd
                         : VKC_NONE;
        vkc_variant_choose(g, n, t, want, u, &c.v); /* none: the lowering says why */
        tt = *t;
        if (c.v.load) tt.texel_loads = c.v.load == VKC_LOAD_TEXEL;
        c.t = &tt;
    }
    if (node->output_count < 1 || node->outputs[0] == VKC_NONE)
        return vkc_node_fail(g, n, VKCNN_ERROR_INVALID_MODEL, "has no output");
    const vkc_op_info *info = vkc_op_get(node->op);
    if (info->flags & VKC_OPF_VIEW) {
        if (cg_in(&c, 0)->dtype != VKC_DTYPE_FLOAT32)
            return vkc_node_fail(g, n, VKCNN_ERROR_UNSUPPORTED,
                                 "input is int64: unsupported dtype (float32 only)");
        out->view = true;
        return VKCNN_OK;
    }
    if (cg_out(&c)->elements == 0) return VKCNN_OK; /* nothing to compute */
    if ((node->post_count || node->pool) && !(info->flags & (VKC_OPF_ANCHOR | VKC_OPF_ELEMENTWISE)))
        return vkc_node_fail(g, n, VKCNN_ERROR_INVALID_ARGUMENT,
                             "has fused post-ops but its kernel takes none");
    if (!info->lower)
        return vkc_node_fail(g, n, VKCNN_ERROR_UNSUPPORTED, "no GPU kernel for this operator");
    info->lower(&c);
    for (uint32_t i = 0; i < out->count; i++)
        cg_clamp_bounds(&c, &out->dispatches[i]);
    if (c.st) vkc_lowering_free(out);
    if (!c.st) out->variant = c.v;
    return c.st;
}

void vkc_lowering_free(vkc_lowering *l) {
    if (!l) return;
    free(l->dispatches);
    free(l->fp32);
    free(l->dense);
    memset(l, 0, sizeof *l);
}

/* ---- source ---------------------------------------------------------------- */

/* Appends `text` to *out (capacity *cap, length *len), replacing each
 * `#include "x.glsl"` line by the embedded x.glsl, expanded the same way
 * (depth-limited). */
static vkcnn_status expand(const char *name, const char *text, int depth, char **out, size_t *len,
                           size_t *cap) {
    if (depth > 4)
        return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "shader '%s': includes nest too deeply",
                        name);
    for (const char *line = text; *line;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) + 1 : strlen(line);
        char inc[64];
        if (strncmp(line, "#include \"", 10) == 0 &&
            sscanf(line, "#include \"%63[^\"]\"", inc) == 1) {
            const char *body = vkc_shader_find(inc);
            if (!body)
                return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT,
                                "shader '%s' includes '%s', which is not embedded", name, inc);
            VKC_TRY(expand(inc, body, depth + 1, out, len, cap));
        } else {
            if (*len + n + 1 > *cap) {
                size_t grown = (*cap + n + 1) * 2;
                char *p = realloc(*out, grown);
                if (!p) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
                *out = p;
                *cap = grown;
            }
            memcpy(*out + *len, line, n);
            *len += n;
            (*out)[*len] = '\0';
        }
        line += n;
    }
    return VKCNN_OK;
}

vkcnn_status vkc_codegen_source(const char *name, char **source) {
    *source = NULL;
    const char *text = vkc_shader_find(name);
    if (!text) return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "no embedded shader named '%s'", name);
    size_t cap = strlen(text) * 2 + 1, len = 0;
    char *out = malloc(cap);
    if (!out) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    out[0] = '\0';
    vkcnn_status st = expand(name, text, 0, &out, &len, &cap);
    if (st) {
        free(out);
        return st;
    }
    *source = out;
    return VKCNN_OK;
}
