#include "vk/spirv_reflect.h"

#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/error.h"

enum {
    OP_EXECUTION_MODE = 16,
    OP_TYPE_INT = 21,
    OP_TYPE_FLOAT = 22,
    OP_TYPE_VECTOR = 23,
    OP_TYPE_IMAGE = 25,
    OP_TYPE_SAMPLER = 26,
    OP_TYPE_SAMPLED_IMAGE = 27,
    OP_TYPE_ARRAY = 28,
    OP_TYPE_STRUCT = 30,
    OP_TYPE_POINTER = 32,
    OP_CONSTANT = 43,
    OP_VARIABLE = 59,
    OP_DECORATE = 71,
    OP_MEMBER_DECORATE = 72,
    DEC_BLOCK = 2,
    DEC_BUFFER_BLOCK = 3,
    DEC_ARRAY_STRIDE = 6,
    DEC_NON_WRITABLE = 24,
    DEC_BINDING = 33,
    DEC_SET = 34,
    DEC_OFFSET = 35,
    SC_UNIFORM_CONSTANT = 0,
    SC_UNIFORM = 2,
    SC_PUSH_CONSTANT = 9,
    SC_STORAGE_BUFFER = 12,
    EXEC_LOCAL_SIZE = 17,
    DIM_BUFFER = 5,
    IMAGE_FORMAT_RGBA32F = 1,
};

#define NONE UINT32_MAX

typedef struct id_info {
    uint32_t op;      /* defining opcode, 0 if unknown */
    uint32_t a, b, c; /* operands: meaning depends on op */
    uint32_t set, binding, stride;
    uint32_t block;      /* 1 Block, 2 BufferBlock */
    uint32_t format;     /* OpTypeImage: its Image Format operand */
    bool read_only;      /* decorated NonWritable */
    uint32_t first_word; /* instruction offset, for struct members */
} id_info;

typedef struct reflect {
    const uint32_t *w;
    size_t n;
    id_info *ids;
    uint32_t bound;
    const char *name;
} reflect;

static vkcnn_status bad(const reflect *r, const char *what) {
    return vkc_fail(VKCNN_ERROR_SHADER_COMPILE, "shader '%s': %s", r->name, what);
}

/* Offset decoration of member `m` of struct `s`, or NONE. */
static uint32_t member_offset(const reflect *r, uint32_t s, uint32_t m) {
    for (size_t i = 5; i < r->n;) {
        uint32_t len = r->w[i] >> 16, op = r->w[i] & 0xffff;
        if (op == OP_MEMBER_DECORATE && len >= 5 && r->w[i + 1] == s && r->w[i + 2] == m &&
            r->w[i + 3] == DEC_OFFSET)
            return r->w[i + 4];
        i += len;
    }
    return NONE;
}

/* Byte size of a type as laid out in a push-constant block. */
static vkcnn_status type_size(const reflect *r, uint32_t id, int depth, uint64_t *size) {
    if (id >= r->bound || depth > 8) return bad(r, "push-constant type out of range");
    const id_info *t = &r->ids[id];
    switch (t->op) {
    case OP_TYPE_INT:
    case OP_TYPE_FLOAT: *size = t->a / 8u; return VKCNN_OK;
    case OP_TYPE_VECTOR: {
        uint64_t c;
        vkcnn_status st = type_size(r, t->a, depth + 1, &c);
        if (st) return st;
        *size = c * t->b;
        return VKCNN_OK;
    }
    case OP_TYPE_ARRAY: {
        if (t->b >= r->bound || r->ids[t->b].op != OP_CONSTANT || !t->stride)
            return bad(r, "push-constant array without constant length or stride");
        if (!vkc_mul_u64(r->ids[t->b].a, t->stride, size))
            return bad(r, "push-constant array too large");
        return VKCNN_OK;
    }
    case OP_TYPE_STRUCT: {
        const uint32_t *ins = r->w + t->first_word;
        uint32_t members = (ins[0] >> 16) - 2;
        uint64_t end = 0;
        for (uint32_t m = 0; m < members; m++) {
            uint32_t off = member_offset(r, id, m);
            uint64_t ms;
            if (off == NONE) return bad(r, "push-constant member without Offset");
            vkcnn_status st = type_size(r, ins[2 + m], depth + 1, &ms);
            if (st) return st;
            if (off + ms > end) end = off + ms;
        }
        *size = end;
        return VKCNN_OK;
    }
    default: return bad(r, "unsupported push-constant member type");
    }
}

/* The descriptor type of a UniformConstant variable of type `id`: 2-D
 * images, samplers, combined image samplers, uniform texel buffers (with
 * *format, from the sampled type) and read-only rgba32f storage texel
 * buffers (`read_only`: the variable is NonWritable); other storage texel
 * buffers and arrays of resources are refused. */
static vkcnn_status image_type(const reflect *r, uint32_t id, bool read_only,
                               VkDescriptorType *type, VkFormat *format) {
    const id_info *t = id < r->bound ? &r->ids[id] : NULL;
    if (t && t->op == OP_TYPE_SAMPLER) {
        *type = VK_DESCRIPTOR_TYPE_SAMPLER;
        return VKCNN_OK;
    }
    bool combined = t && t->op == OP_TYPE_SAMPLED_IMAGE;
    if (combined) t = t->a < r->bound ? &r->ids[t->a] : NULL;
    if (!t || t->op != OP_TYPE_IMAGE)
        return bad(r, "unsupported resource type (arrays of images?)");
    if (t->a == DIM_BUFFER && t->b == 2) {
        /* an imageBuffer read with imageLoad (common.glsl's TEXEL_IMAGE):
         * vkcnn views its buffers as R32G32B32A32_SFLOAT, and binds them
         * read-only */
        if (combined || t->format != IMAGE_FORMAT_RGBA32F || !read_only)
            return bad(r, "storage texel buffer other than a readonly rgba32f imageBuffer");
        *type = VK_DESCRIPTOR_TYPE_STORAGE_TEXEL_BUFFER;
        *format = VK_FORMAT_R32G32B32A32_SFLOAT;
        return VKCNN_OK;
    }
    if (t->a == DIM_BUFFER) {
        /* a samplerBuffer (glslang wraps it in OpTypeSampledImage; the
         * descriptor is still a uniform texel buffer): texelFetch reads any
         * 4 x 32-bit format of the sampled type's kind; vkcnn views its
         * buffers that way */
        const id_info *s = t->c < r->bound ? &r->ids[t->c] : NULL;
        if (t->b != 1 || !s || (s->op != OP_TYPE_FLOAT && s->op != OP_TYPE_INT) || s->a != 32)
            return bad(r, "texel buffer other than a 32-bit uniform texel buffer");
        *type = VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER;
        *format = s->op == OP_TYPE_FLOAT ? VK_FORMAT_R32G32B32A32_SFLOAT
                  : s->b                 ? VK_FORMAT_R32G32B32A32_SINT
                                         : VK_FORMAT_R32G32B32A32_UINT;
        return VKCNN_OK;
    }
    if (combined)
        *type = VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER;
    else if (t->b == 2)
        *type = VK_DESCRIPTOR_TYPE_STORAGE_IMAGE;
    else if (t->b == 1)
        *type = VK_DESCRIPTOR_TYPE_SAMPLED_IMAGE;
    else
        return bad(r, "image whose use (sampled or storage) is not known at compile time");
    return VKCNN_OK;
}

vkcnn_status vkc_spirv_reflect(const uint32_t *words, size_t count, const char *name,
                               vkc_spirv_layout *out) {
    memset(out, 0, sizeof *out);
    reflect r = {.w = words, .n = count, .name = name};
    if (count < 5 || words[0] != 0x07230203u) return bad(&r, "not SPIR-V (bad magic number)");
    r.bound = words[3];
    if (r.bound == 0 || r.bound > (1u << 22)) return bad(&r, "SPIR-V id bound out of range");
    r.ids = vkc_calloc(r.bound, sizeof *r.ids);
    if (!r.ids) return vkc_fail(VKCNN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    for (uint32_t i = 0; i < r.bound; i++)
        r.ids[i].set = r.ids[i].binding = NONE;

    vkcnn_status st = VKCNN_OK;
    uint32_t push_var_type = NONE;
    /* pass 1: record type definitions and decorations by id */
    for (size_t i = 5; i < count;) {
        uint32_t len = words[i] >> 16, op = words[i] & 0xffff;
        if (len == 0 || i + len > count) {
            st = bad(&r, "truncated SPIR-V instruction");
            goto done;
        }
        const uint32_t *a = words + i + 1;
        uint32_t id = NONE;
        switch (op) {
        case OP_TYPE_INT:
        case OP_TYPE_FLOAT:
        case OP_TYPE_STRUCT:
        case OP_TYPE_SAMPLER: id = len >= 2 ? a[0] : NONE; break;
        case OP_TYPE_SAMPLED_IMAGE: id = len >= 3 ? a[0] : NONE; break;
        case OP_TYPE_IMAGE: id = len >= 9 ? a[0] : NONE; break;
        case OP_TYPE_VECTOR:
        case OP_TYPE_ARRAY:
        case OP_TYPE_POINTER: id = len >= 4 ? a[0] : NONE; break;
        case OP_CONSTANT:
        case OP_VARIABLE: id = len >= 4 ? a[1] : NONE; break;
        case OP_DECORATE:
            if (len >= 3 && a[0] < r.bound) {
                id_info *t = &r.ids[a[0]];
                if (a[1] == DEC_BINDING && len >= 4) t->binding = a[2];
                if (a[1] == DEC_SET && len >= 4) t->set = a[2];
                if (a[1] == DEC_ARRAY_STRIDE && len >= 4) t->stride = a[2];
                if (a[1] == DEC_BLOCK) t->block = 1;
                if (a[1] == DEC_BUFFER_BLOCK) t->block = 2;
                if (a[1] == DEC_NON_WRITABLE) t->read_only = true;
            }
            break;
        case OP_EXECUTION_MODE:
            if (len >= 6 && a[1] == EXEC_LOCAL_SIZE)
                for (int k = 0; k < 3; k++)
                    out->local_size[k] = a[2 + k];
            break;
        default: break;
        }
        if (id != NONE) {
            if (id >= r.bound) {
                st = bad(&r, "SPIR-V id out of bound");
                goto done;
            }
            id_info *t = &r.ids[id];
            t->op = op;
            t->first_word = (uint32_t)i;
            if (op == OP_TYPE_INT || op == OP_TYPE_FLOAT) t->a = len >= 3 ? a[1] : 0; /* width */
            if (op == OP_TYPE_INT) t->b = len >= 4 ? a[2] : 0;                        /* signed */
            if (op == OP_TYPE_VECTOR || op == OP_TYPE_ARRAY) t->a = a[1], t->b = a[2];
            if (op == OP_TYPE_POINTER) t->a = a[1], t->b = a[2]; /* storage class, type */
            if (op == OP_TYPE_IMAGE) /* Dim, Sampled (1 or 2), sampled type, format */
                t->a = a[2], t->b = a[6], t->c = a[1], t->format = a[7];
            if (op == OP_TYPE_SAMPLED_IMAGE) t->a = a[1]; /* the image type */
            if (op == OP_CONSTANT) t->a = a[2];
            if (op == OP_VARIABLE) t->a = a[0], t->b = a[2]; /* pointer type, storage class */
        }
        i += len;
    }
    /* pass 2: resources */
    uint32_t seen = 0;
    for (uint32_t id = 0; id < r.bound; id++) {
        const id_info *v = &r.ids[id];
        if (v->op != OP_VARIABLE) continue;
        uint32_t sc = v->b;
        if (sc == SC_PUSH_CONSTANT) {
            if (v->a >= r.bound || r.ids[v->a].op != OP_TYPE_POINTER) {
                st = bad(&r, "push-constant variable without pointer type");
                goto done;
            }
            push_var_type = r.ids[v->a].b;
            continue;
        }
        if (sc != SC_STORAGE_BUFFER && sc != SC_UNIFORM && sc != SC_UNIFORM_CONSTANT) continue;
        uint32_t pointee = v->a < r.bound ? r.ids[v->a].b : NONE;
        VkDescriptorType type = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
        VkFormat format = VK_FORMAT_UNDEFINED;
        if (sc == SC_UNIFORM_CONSTANT) {
            if ((st = image_type(&r, pointee, v->read_only, &type, &format))) goto done;
        } else {
            bool storage =
                sc == SC_STORAGE_BUFFER || (pointee < r.bound && r.ids[pointee].block == 2);
            if (!storage) {
                st = bad(&r, "uniform buffers are not supported; use storage buffers");
                goto done;
            }
            type = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
        }
        if (v->set != 0 || v->binding >= VKC_MAX_BINDINGS) {
            st = bad(&r, "resource outside set 0 or beyond binding 31");
            goto done;
        }
        /* aliases (one buffer declared twice, e.g. as float and vec4) are fine */
        if ((seen & (1u << v->binding)) &&
            (out->types[v->binding] != type || out->texel_formats[v->binding] != format)) {
            st = bad(&r, "two resources of different types share one binding");
            goto done;
        }
        seen |= 1u << v->binding;
        out->types[v->binding] = type;
        out->texel_formats[v->binding] = format;
    }
    while (out->binding_count < VKC_MAX_BINDINGS && (seen & (1u << out->binding_count)))
        out->binding_count++;
    if (out->binding_count < VKC_MAX_BINDINGS && seen >> out->binding_count) {
        st = bad(&r, "resource bindings must be 0..N-1 without holes");
        goto done;
    }
    if (push_var_type != NONE) {
        uint64_t size;
        if ((st = type_size(&r, push_var_type, 0, &size))) goto done;
        if (size > 4096) {
            st = bad(&r, "push-constant block too large");
            goto done;
        }
        out->push_size = (uint32_t)size;
    }
done:
    free(r.ids);
    return st;
}
