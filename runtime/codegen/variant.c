/* Kernel variants: the string form, its parser, and VKCNN_KERNEL_OVERRIDE
 * (variant.h). */
#include "codegen/variant.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

/* Block dimensions a string may name: every kernel's limit is lower. */
#define MAX_BLOCK 64
/* Workgroup sizes a string may name (wgN, multiples of 8): within Vulkan's
 * least maxComputeWorkGroupInvocations (128). */
#define MAX_LOCAL 128

/* one algorithm per line */
/* clang-format off */
static const struct {
    const char *name;
    vkc_algo algo;
    uint8_t tile;
} algos[] = {
    {"direct", VKC_ALGO_DIRECT, 0},
    {"igemm", VKC_ALGO_IGEMM, 0},
    {"wino2", VKC_ALGO_WINOGRAD, 2},
    {"wino3", VKC_ALGO_WINOGRAD, 3},
    {"wino4", VKC_ALGO_WINOGRAD, 4},
    {"wino", VKC_ALGO_WINOGRAD, 0},
    {"gemv", VKC_ALGO_GEMV, 0},
    {"gemm-tile", VKC_ALGO_GEMM_TILE, 0},
    {"gemm", VKC_ALGO_GEMM, 0},
    {"gemm1x1", VKC_ALGO_GEMM1X1, 0},
    {"dw", VKC_ALGO_DEPTHWISE, 0},
    {"cm", VKC_ALGO_COOPMAT, 0},
    {"cm-wino2", VKC_ALGO_COOPMAT, 2},
    {"cm-wino3", VKC_ALGO_COOPMAT, 3},
    {"cm-wino4", VKC_ALGO_COOPMAT, 4},
    {"im2col", VKC_ALGO_IM2COL, 0},
    {"row", VKC_ALGO_ROW, 0},
};
/* clang-format on */

const char *vkc_family_name(vkc_family f) {
    switch (f) {
    case VKC_FAMILY_CONV: return "conv";
    case VKC_FAMILY_GEMM: return "gemm";
    case VKC_FAMILY_MATMUL: return "matmul";
    default: return "";
    }
}

bool vkc_algo_in_family(vkc_algo a, vkc_family f) {
    switch (f) {
    case VKC_FAMILY_CONV:
        return a == VKC_ALGO_DIRECT || a == VKC_ALGO_IGEMM || a == VKC_ALGO_WINOGRAD ||
               a == VKC_ALGO_GEMM1X1 || a == VKC_ALGO_DEPTHWISE || a == VKC_ALGO_COOPMAT ||
               a == VKC_ALGO_IM2COL || a == VKC_ALGO_ROW;
    case VKC_FAMILY_GEMM:
        return a == VKC_ALGO_GEMV || a == VKC_ALGO_GEMM_TILE || a == VKC_ALGO_GEMM ||
               a == VKC_ALGO_COOPMAT;
    case VKC_FAMILY_MATMUL:
        return a == VKC_ALGO_GEMM || a == VKC_ALGO_GEMM_TILE || a == VKC_ALGO_COOPMAT;
    default: return false;
    }
}

/* Appends "/<text>" (or "<text>" at the start) to buf. */
static void add(char *buf, size_t size, const char *text) {
    size_t len = strlen(buf);
    if (len + 1 >= size) return;
    snprintf(buf + len, size - len, "%s%s", len ? "/" : "", text);
}

const char *vkc_variant_string(const vkc_variant *v, char *buf, size_t size) {
    if (!size) return buf;
    buf[0] = '\0';
    char t[32];
    const char *name = NULL;
    for (size_t i = 0; i < sizeof algos / sizeof algos[0] && !name; i++)
        if (algos[i].algo == v->algo &&
            ((v->algo != VKC_ALGO_WINOGRAD && v->algo != VKC_ALGO_COOPMAT) ||
             algos[i].tile == v->tile))
            name = algos[i].name;
    if (name) add(buf, size, name);
    if (v->algo == VKC_ALGO_GEMV && v->bm) {
        snprintf(t, sizeof t, "nc%u", (unsigned)v->bm);
        add(buf, size, t);
    } else if (v->bm && v->bn) {
        snprintf(t, sizeof t, "%ux%u", (unsigned)v->bm, (unsigned)v->bn);
        add(buf, size, t);
    }
    if (v->form) add(buf, size, v->form == VKC_FORM_ROWS ? "rows" : "cols");
    if (v->split > 1) {
        snprintf(t, sizeof t, "k%u", (unsigned)v->split);
        add(buf, size, t);
    }
    if (v->load) add(buf, size, v->load == VKC_LOAD_TEXEL ? "texel" : "storage");
    if (v->reduce)
        add(buf, size,
            v->reduce == VKC_REDUCE_SUBGROUP ? "sg"
            : v->algo == VKC_ALGO_GEMV       ? "tree"
                                             : "plain");
    if (v->local) {
        snprintf(t, sizeof t, "wg%u", (unsigned)v->local);
        add(buf, size, t);
    }
    return buf;
}

/* A decimal number 1..max spanning [s, end); 0 when not one. */
static unsigned decimal(const char *s, const char *end, unsigned max) {
    if (s == end || end - s > 3) return 0;
    unsigned v = 0;
    for (const char *p = s; p < end; p++) {
        if (!isdigit((unsigned char)*p)) return 0;
        v = v * 10 + (unsigned)(*p - '0');
    }
    return v >= 1 && v <= max ? v : 0;
}

static unsigned number(const char *s, const char *end) {
    return decimal(s, end, MAX_BLOCK);
}

static bool token(const char *s, size_t n, const char *word) {
    return strlen(word) == n && strncmp(s, word, n) == 0;
}

bool vkc_variant_parse(const char *s, vkc_variant *out, char *why, size_t why_size) {
    memset(out, 0, sizeof *out);
    if (why_size) why[0] = '\0';
    if (!s || !*s) {
        snprintf(why, why_size, "an empty variant");
        return false;
    }
    bool first = true, block = false;
    for (const char *p = s;;) {
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        bool ok = n > 0, seen = false;
        if (ok && first) {
            for (size_t i = 0; i < sizeof algos / sizeof algos[0]; i++)
                if (token(p, n, algos[i].name)) {
                    out->algo = (uint8_t)algos[i].algo;
                    out->tile = algos[i].tile;
                    seen = true;
                }
        }
        if (ok && !seen) {
            const char *x = memchr(p, 'x', n);
            if (token(p, n, "texel") || token(p, n, "storage")) {
                seen = !out->load;
                out->load = p[0] == 't' ? VKC_LOAD_TEXEL : VKC_LOAD_STORAGE;
            } else if (token(p, n, "sg") || token(p, n, "plain") || token(p, n, "tree")) {
                seen = !out->reduce;
                out->reduce = p[0] == 's' ? VKC_REDUCE_SUBGROUP : VKC_REDUCE_PLAIN;
            } else if (token(p, n, "rows") || token(p, n, "cols")) {
                seen = !out->form;
                out->form = p[0] == 'r' ? VKC_FORM_ROWS : VKC_FORM_COLS;
            } else if (n > 2 && p[0] == 'w' && p[1] == 'g') {
                unsigned v = decimal(p + 2, p + n, MAX_LOCAL);
                seen = v && v % 8 == 0 && !out->local;
                out->local = (uint16_t)v;
            } else if (n > 1 && p[0] == 'k') {
                unsigned v = number(p + 1, p + n);
                seen = v >= 2 && v <= VKC_MAX_SPLIT && !out->split;
                out->split = (uint8_t)v;
            } else if (n > 2 && p[0] == 'n' && p[1] == 'c') {
                unsigned v = number(p + 2, p + n);
                seen = v && !block;
                out->bm = (uint16_t)v;
                out->bn = 0;
                block = true;
            } else if (x) {
                unsigned a = number(p, x), b = number(x + 1, p + n);
                seen = a && b && !block;
                out->bm = (uint16_t)a;
                out->bn = (uint16_t)b;
                block = true;
            }
        }
        if (!ok || !seen) {
            /* the algorithms as the table names them */
            char names[256] = "";
            for (size_t i = 0, used = 0; i < sizeof algos / sizeof algos[0]; i++) {
                int w = snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "",
                                 algos[i].name);
                if (w < 0 || (size_t)w >= sizeof names - used) break;
                used += (size_t)w;
            }
            snprintf(why, why_size,
                     "'%.*s' in '%s' is no algorithm (%s), block (TMxTP with 1..%d each, ncN), "
                     "load path (texel, storage), reduction (sg, plain, tree), pixel form (rows, "
                     "cols), split-K (k2..k%d) or workgroup size (wg8..wg%d, multiples of 8), or "
                     "repeats one",
                     (int)n, p, s, names, MAX_BLOCK, VKC_MAX_SPLIT, MAX_LOCAL);
            return false;
        }
        first = false;
        if (!end) break;
        p = end + 1;
    }
    /* tokens that no kernel of the algorithm has */
    bool gemv_block = out->bm && !out->bn;
    const char *bad = NULL;
    if (out->split && (out->algo != VKC_ALGO_IGEMM || out->form == VKC_FORM_ROWS))
        bad = "takes no split-K (igemm's column form only)";
    else if (out->local && out->algo != VKC_ALGO_GEMM1X1 && out->algo != VKC_ALGO_IM2COL &&
             out->algo != VKC_ALGO_GEMV)
        bad = "takes no workgroup size (gemm1x1, im2col and gemv only)";
    else
        switch ((vkc_algo)out->algo) {
        case VKC_ALGO_DIRECT:
        case VKC_ALGO_GEMM:
            if (out->bm || out->load || out->reduce || out->form) bad = "takes no other field";
            break;
        case VKC_ALGO_IGEMM:
            if (gemv_block) bad = "takes a TMxTP block, not ncN";
            break;
        case VKC_ALGO_WINOGRAD:
            if (gemv_block || out->reduce || out->form) bad = "takes a block and a load path only";
            break;
        case VKC_ALGO_GEMV:
            if ((out->bm && !gemv_block) || out->form) bad = "takes ncN, a load path and sg/tree";
            break;
        case VKC_ALGO_GEMM_TILE:
            if (gemv_block || out->load || out->reduce || out->form)
                bad = "takes a TMxTN block only";
            break;
        case VKC_ALGO_GEMM1X1:
        case VKC_ALGO_IM2COL:
            if (gemv_block || out->reduce || out->form)
                bad = "takes a TMxTP block and a load path only";
            break;
        case VKC_ALGO_DEPTHWISE:
            if (gemv_block || out->reduce || out->form)
                bad = "takes a TYxTX block and a load path only";
            break;
        case VKC_ALGO_ROW:
            if (gemv_block || out->reduce || out->form)
                bad = "takes a TMxTX block and a load path only";
            break;
        case VKC_ALGO_COOPMAT:
            if (gemv_block || out->load || out->reduce || out->form)
                bad = "takes a BMxBN block only";
            break;
        default: break;
        }
    if (bad) {
        char name[VKC_VARIANT_STRING_MAX];
        vkc_variant a = {.algo = out->algo, .tile = out->tile};
        snprintf(why, why_size, "'%s': %s %s", s, vkc_variant_string(&a, name, sizeof name), bad);
        return false;
    }
    return true;
}

bool vkc_variant_complete(const vkc_variant *v) {
    switch ((vkc_algo)v->algo) {
    case VKC_ALGO_DIRECT:
    case VKC_ALGO_GEMM: return true;
    case VKC_ALGO_IGEMM: return v->bm && v->bn && v->load && v->reduce && v->form;
    case VKC_ALGO_WINOGRAD: return v->tile && v->bm && v->bn && v->load;
    case VKC_ALGO_GEMV: return v->bm && v->load && v->reduce;
    case VKC_ALGO_GEMM_TILE:
    case VKC_ALGO_COOPMAT: return v->bm && v->bn;
    case VKC_ALGO_GEMM1X1:
    case VKC_ALGO_IM2COL:
    case VKC_ALGO_DEPTHWISE:
    case VKC_ALGO_ROW: return v->bm && v->bn && v->load;
    default: return false;
    }
}

bool vkc_variant_equal(const vkc_variant *a, const vkc_variant *b) {
    return a->algo == b->algo && a->tile == b->tile && a->bm == b->bm && a->bn == b->bn &&
           a->load == b->load && a->reduce == b->reduce && a->form == b->form &&
           a->split == b->split && a->local == b->local;
}

bool vkc_variant_matches(const vkc_variant *v, const vkc_variant *p) {
    return (!p->algo || p->algo == v->algo) && (!p->tile || p->tile == v->tile) &&
           (!p->bm || (p->bm == v->bm && p->bn == v->bn)) && (!p->load || p->load == v->load) &&
           (!p->reduce || p->reduce == v->reduce) && (!p->form || p->form == v->form) &&
           (!p->split || p->split == v->split) && (!p->local || p->local == v->local);
}

/* ---- VKCNN_KERNEL_OVERRIDE --------------------------------------------------- */

static vkcnn_status bad_item(const char *text, const char *item, size_t n, const char *why) {
    return vkc_fail(VKCNN_ERROR_INVALID_ARGUMENT, "%s='%s': item '%.*s': %s",
                    VKC_KERNEL_OVERRIDE_ENV, text, (int)n, item, why);
}

vkcnn_status vkc_kernel_override_parse(const char *text, vkc_kernel_override *out) {
    memset(out, 0, sizeof *out);
    out->loads = out->wide = out->image = out->se = -1;
    if (!text || !*text) return VKCNN_OK;
    for (const char *p = text;;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        if (!n || !eq || eq == p || eq + 1 == p + n)
            return bad_item(text, p, n,
                            "not KEY=VALUE (keys: conv, gemm, matmul, loads, wide, image, se; e.g. "
                            "conv=igemm/16x4/texel,loads=storage)");
        size_t kn = (size_t)(eq - p), vn = n - kn - 1;
        char value[128];
        if (vn >= sizeof value) return bad_item(text, p, n, "value too long");
        memcpy(value, eq + 1, vn);
        value[vn] = '\0';
        vkc_family fam = token(p, kn, "conv")     ? VKC_FAMILY_CONV
                         : token(p, kn, "gemm")   ? VKC_FAMILY_GEMM
                         : token(p, kn, "matmul") ? VKC_FAMILY_MATMUL
                                                  : VKC_FAMILY_NONE;
        if (fam != VKC_FAMILY_NONE) {
            char why[512];
            vkc_variant v;
            if (out->set[fam]) return bad_item(text, p, n, "the key is given twice");
            if (!vkc_variant_parse(value, &v, why, sizeof why)) return bad_item(text, p, n, why);
            if (v.algo && !vkc_algo_in_family((vkc_algo)v.algo, fam)) {
                snprintf(why, sizeof why, "%s is not an algorithm of the %s family", value,
                         vkc_family_name(fam));
                return bad_item(text, p, n, why);
            }
            out->set[fam] = true;
            out->family[fam] = v;
        } else if (token(p, kn, "loads")) {
            if (out->loads >= 0) return bad_item(text, p, n, "the key is given twice");
            if (strcmp(value, "texel") && strcmp(value, "storage"))
                return bad_item(text, p, n, "loads takes texel or storage");
            out->loads = value[0] == 't' ? VKC_LOAD_TEXEL : VKC_LOAD_STORAGE;
        } else if (token(p, kn, "wide")) {
            if (out->wide >= 0) return bad_item(text, p, n, "the key is given twice");
            if (strcmp(value, "on") && strcmp(value, "off"))
                return bad_item(text, p, n, "wide takes on or off");
            out->wide = strcmp(value, "on") == 0;
        } else if (token(p, kn, "image")) {
            if (out->image >= 0) return bad_item(text, p, n, "the key is given twice");
            if (strcmp(value, "on") && strcmp(value, "off"))
                return bad_item(text, p, n, "image takes on or off");
            out->image = strcmp(value, "on") == 0;
        } else if (token(p, kn, "se")) {
            if (out->se >= 0) return bad_item(text, p, n, "the key is given twice");
            if (strcmp(value, "on") && strcmp(value, "off"))
                return bad_item(text, p, n, "se takes on or off");
            out->se = strcmp(value, "on") == 0;
        } else {
            return bad_item(text, p, n,
                            "unknown key (keys: conv, gemm, matmul, loads, wide, image, se)");
        }
        if (!end) break;
        p = end + 1;
    }
    return VKCNN_OK;
}

vkcnn_status vkc_kernel_override_read(vkc_kernel_override *out) {
    return vkc_kernel_override_parse(getenv(VKC_KERNEL_OVERRIDE_ENV), out);
}
