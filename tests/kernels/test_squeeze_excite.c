/* Squeeze-and-excitation blocks as one SqueezeExcite node
 * (runtime/passes/squeeze_excite.c, shaders/squeeze_excite.comp), against
 * the reference of the unfused block (GlobalAveragePool, 1x1 Conv, its
 * activation, 1x1 Conv, its gate), with VKCNN_KERNEL_OVERRIDE's se=on so
 * that any device runs the fused kernel (tests.cmake runs it again on each
 * load path):
 * - EfficientNet-B0's, MobileNetV3's and RegNetY's shapes (C up to 1152
 *   channels at 7x7), channel and hidden counts that are not multiples of 4
 *   (W's rows element by element), planes of 1 value and of odd sizes
 *   (texels straddling planes), batch 1, 2 and 3, biases absent, every
 *   activation chain the pass takes (none, Relu, SiLU's Sigmoid and Mul,
 *   HardSwish) and gate (none, Sigmoid, HardSigmoid), and the block's scale
 *   fused into the next 1x1 Conv as EfficientNet has it; randomized shapes;
 * - the per-node check mode on a fused block (its reference: ref and the
 *   gate as post-ops);
 * - the pass's rule: what must not fuse (the pool's output read twice, a
 *   padded or strided Conv, a graph output inside the block, a target that
 *   declines, C past the kernel's shared arrays) stays as it was.
 * Tolerance: kt.h's (max |diff| <= 1e-4 max |ref| + 1e-5). */
#include <stdio.h>
#include <string.h>

#include "codegen/choose.h"
#include "core/error.h"
#include "passes/passes.h"
#include "kt.h"

static int failures;

typedef enum { ACT_NONE, ACT_RELU, ACT_SILU, ACT_HARD_SWISH } act_kind;
typedef enum { GATE_NONE, GATE_SIGMOID, GATE_HARD_SIGMOID } gate_kind;
static const char *const act_name[] = {"none", "relu", "silu", "hardswish"};
static const char *const gate_name[] = {"none", "sigmoid", "hardsigmoid"};

typedef struct se_case {
    int64_t n, c, h, w, r;
    bool b1, b2;
    act_kind act;
    gate_kind gate;
    int64_t project; /* > 0: X * s then a 1x1 Conv to this many channels */
} se_case;

/* What may break the rule (the pass tests). */
typedef enum {
    BREAK_NONE,
    BREAK_POOL_READ_TWICE, /* the pooled vector is also a graph output */
    BREAK_PADDED,          /* the second Conv has padding */
    BREAK_STRIDED,         /* the first Conv has stride 2 */
    BREAK_HIDDEN_OUTPUT,   /* the hidden vector is a graph output */
} break_kind;

static uint32_t conv1x1(vkc_graph *g, uint32_t x, int64_t in, int64_t out, bool bias,
                        const char *name, uint64_t *s, break_kind brk, int which) {
    int64_t wd[4] = {out, in, 1, 1}, bd[1] = {out};
    char wn[32], bn[32];
    snprintf(wn, sizeof wn, "%s_w", name);
    snprintf(bn, sizeof bn, "%s_b", name);
    uint32_t in3[3] = {x, kt_tensor(g, wn, 4, wd, true, s),
                       bias ? kt_tensor(g, bn, 1, bd, true, s) : VKC_NONE};
    vkc_attrs a = kt_attrs(VKC_OP_CONV, 13);
    if (brk == BREAK_PADDED && which == 2) {
        a.window.pad_count = 4;
        for (int i = 0; i < 4; i++)
            a.window.file_pads[i] = 1;
    }
    if (brk == BREAK_STRIDED && which == 1) a.window.strides[0] = a.window.strides[1] = 2;
    return kt_node(g, VKC_OP_CONV, 13, in3, 3, &a);
}

/* The block's graph; *x_out receives X, *s_out the block's output s. */
static vkc_graph *block(const se_case *k, uint64_t seed, break_kind brk, uint32_t *x_out) {
    vkc_graph *g = kt_graph();
    uint64_t s = seed;
    int64_t xd[4] = {k->n, k->c, k->h, k->w};
    uint32_t x = kt_tensor(g, "x", 4, xd, false, &s);
    *x_out = x;
    uint32_t p = kt_node(g, VKC_OP_GLOBAL_AVERAGE_POOL, 13, &x, 1, NULL);
    if (brk == BREAK_POOL_READ_TWICE) kt_output(g, p);
    uint32_t h = conv1x1(g, p, k->c, k->r, k->b1, "fc1", &s, brk, 1);
    if (k->act == ACT_RELU) {
        h = kt_node(g, VKC_OP_RELU, 14, &h, 1, NULL);
    } else if (k->act == ACT_SILU) {
        uint32_t sg = kt_node(g, VKC_OP_SIGMOID, 13, &h, 1, NULL);
        uint32_t mul[2] = {h, sg};
        h = kt_node(g, VKC_OP_MUL, 14, mul, 2, NULL);
    } else if (k->act == ACT_HARD_SWISH) {
        h = kt_node(g, VKC_OP_HARD_SWISH, 14, &h, 1, NULL);
    }
    if (brk == BREAK_HIDDEN_OUTPUT) kt_output(g, h);
    uint32_t t = conv1x1(g, h, k->r, k->c, k->b2, "fc2", &s, brk, 2);
    if (k->gate == GATE_SIGMOID) {
        t = kt_node(g, VKC_OP_SIGMOID, 13, &t, 1, NULL);
    } else if (k->gate == GATE_HARD_SIGMOID) {
        vkc_attrs a = kt_attrs(VKC_OP_HARD_SIGMOID, 6);
        a.elt.alpha = 1.0f / 6.0f; /* MobileNetV3's (PyTorch's Hardsigmoid) */
        t = kt_node(g, VKC_OP_HARD_SIGMOID, 6, &t, 1, &a);
    }
    if (k->project) {
        uint32_t mul[2] = {x, t};
        uint32_t xs = kt_node(g, VKC_OP_MUL, 14, mul, 2, NULL);
        t = conv1x1(g, xs, k->c, k->project, true, "proj", &s, BREAK_NONE, 0);
    }
    kt_output(g, t);
    return g;
}

static void describe(const se_case *k, char *what, size_t size) {
    snprintf(what, size, "SE n%lld c%lld %lldx%lld r%lld b1 %d b2 %d act %s gate %s project %lld",
             (long long)k->n, (long long)k->c, (long long)k->h, (long long)k->w, (long long)k->r,
             k->b1, k->b2, act_name[k->act], gate_name[k->gate], (long long)k->project);
}

static const vkc_exec_options fused = {.fusion = true, .plan_memory = true};

/* The fused block against the unfused reference. */
static void run(vkcnn_context *ctx, const se_case *k, uint64_t seed) {
    char what[256];
    describe(k, what, sizeof what);
    kt_override("se=on");
    uint32_t x;
    vkc_graph *g = block(k, seed, BREAK_NONE, &x);
    /* the fused kernel ran (its shared arrays are always defined) */
    kt_expect_define("squeeze_excite", NULL, "SE_MAX_C 2048");
    failures += kt_check(ctx, g, &fused, seed, what);
    kt_override(NULL);
}

/* vkc_passes_options.squeeze_excite for the pass tests */
static bool se_yes(int64_t c, int64_t r, void *user) {
    (void)user;
    return c <= VKC_SE_MAX_C && r <= VKC_SE_MAX_R;
}
static bool se_no(int64_t c, int64_t r, void *user) {
    (void)c, (void)r, (void)user;
    return false;
}

/* Live SqueezeExcite nodes after the passes on a copy of g. */
static uint32_t fused_blocks(const vkc_graph *g, bool (*rule)(int64_t, int64_t, void *),
                             vkc_se_attrs *attrs) {
    vkc_graph *pg = NULL;
    vkc_passes passes;
    vkc_passes_options po = {.fusion = true, .squeeze_excite = rule};
    uint32_t count = 0;
    if (vkc_graph_clone(g, &pg) || vkc_passes_run(pg, &po, &passes)) {
        CHECK_MSG(0, "passes: %s", vkc_error_message());
    } else {
        for (uint32_t i = 0; i < pg->node_count; i++)
            if (!pg->nodes[i].dead && pg->nodes[i].op == VKC_OP_SQUEEZE_EXCITE) {
                if (attrs) *attrs = pg->nodes[i].attrs.se;
                count++;
            }
    }
    if (pg) vkc_graph_clone_destroy(pg, g);
    return count;
}

static void rule(void) {
    se_case k = {1, 24, 5, 5, 6, true, true, ACT_SILU, GATE_SIGMOID, 0};
    uint32_t x;
    vkc_graph *g = block(&k, 7, BREAK_NONE, &x);
    vkc_se_attrs a;
    memset(&a, 0, sizeof a);
    CHECK_MSG(fused_blocks(g, se_yes, &a) == 1, "the block fuses");
    /* SiLU: the Sigmoid, then the Mul by the chain's value before it */
    CHECK_MSG(a.act_count == 2 && a.act[0].op == VKC_OP_SIGMOID &&
                  a.act[0].kind == VKC_OPERAND_NONE && a.act[1].op == VKC_OP_MUL &&
                  a.act[1].kind == VKC_OPERAND_VALUE && a.act[1].slot == 0,
              "SiLU chain: %u ops", a.act_count);
    CHECK_MSG(fused_blocks(g, se_no, NULL) == 0, "a target that declines keeps the block");
    CHECK_MSG(fused_blocks(g, NULL, NULL) == 0, "no rule, no fusion");
    vkc_graph_destroy(g);
    static const break_kind breaks[] = {BREAK_POOL_READ_TWICE, BREAK_PADDED, BREAK_STRIDED,
                                        BREAK_HIDDEN_OUTPUT};
    for (unsigned i = 0; i < sizeof breaks / sizeof breaks[0]; i++) {
        g = block(&k, 7, breaks[i], &x);
        CHECK_MSG(fused_blocks(g, se_yes, NULL) == 0, "break %u: not fused", (unsigned)breaks[i]);
        vkc_graph_destroy(g);
    }
    /* more channels than the kernel's shared arrays hold */
    se_case wide = {1, VKC_SE_MAX_C + 4, 1, 1, 8, true, true, ACT_RELU, GATE_SIGMOID, 0};
    g = block(&wide, 8, BREAK_NONE, &x);
    CHECK_MSG(fused_blocks(g, se_yes, NULL) == 0, "C %d: not fused", VKC_SE_MAX_C + 4);
    vkc_graph_destroy(g);
}

/* The per-node check on a fused block: the node's reference (ref and its
 * gate as post-ops) agrees with the device. */
static void check_mode(vkcnn_context *ctx) {
    se_case k = {2, 40, 7, 7, 10, true, false, ACT_SILU, GATE_HARD_SIGMOID, 0};
    uint32_t x;
    kt_override("se=on");
    vkc_graph *g = block(&k, 9, BREAK_NONE, &x);
    vkc_exec_options checkable = {.fusion = true};
    vkc_exec *e = NULL;
    if (vkc_exec_create(ctx, g, &checkable, &e) == VKCNN_OK) {
        char report[512];
        bool se = false;
        for (uint32_t i = 0; i < vkc_exec_dispatch_count(e); i++)
            se |= strcmp(vkc_exec_dispatch_template(e, i), "squeeze_excite") == 0;
        CHECK_MSG(se && vkc_exec_dispatch_count(e) == 1, "one squeeze_excite dispatch");
        CHECK_MSG(vkc_exec_write(e, x, kt_data(g, x), g->tensors[x].elements) == VKCNN_OK, "write");
        CHECK_MSG(vkc_exec_run(e) == VKCNN_OK, "run");
        CHECK_MSG(vkc_exec_check(e, 1e-4f, 1e-5f, report, sizeof report) == VKCNN_OK, "check: %s",
                  report);
        vkc_exec_destroy(e);
    } else {
        CHECK_MSG(0, "exec: %s", vkc_error_message());
    }
    vkc_graph_destroy(g);
    kt_override(NULL);
}

static se_case random_case(uint64_t *s) {
    se_case k;
    k.n = kt_range(s, 0, 3) == 0 ? 3 : 1;
    k.c = kt_range(s, 1, 300);
    k.h = kt_range(s, 1, 15);
    k.w = kt_range(s, 1, 15);
    k.r = kt_range(s, 1, 40);
    k.b1 = kt_range(s, 0, 3) != 0;
    k.b2 = kt_range(s, 0, 3) != 0;
    k.act = (act_kind)kt_range(s, 0, 3);
    k.gate = (gate_kind)kt_range(s, 0, 2);
    k.project = kt_range(s, 0, 2) == 0 ? kt_range(s, 1, 24) : 0;
    return k;
}

int main(int argc, char **argv) {
    kt_args(argc, argv);
    vkcnn_context *ctx = th_context(NULL, 0, 0);
    if (!ctx) return 1;
    rule();
    check_mode(ctx);
    static const se_case fixed[] = {
        /* EfficientNet-B0: the first block (32 -> 8 at 112x112: here 56x56),
         * a middle one and the last (1152 -> 48 at 7x7), with its scale
         * fused into the projection */
        {1, 32, 56, 56, 8, true, true, ACT_SILU, GATE_SIGMOID, 16},
        {1, 240, 14, 14, 10, true, true, ACT_SILU, GATE_SIGMOID, 0},
        {1, 1152, 7, 7, 48, true, true, ACT_SILU, GATE_SIGMOID, 32},
        /* MobileNetV3: Relu and HardSigmoid; RegNetY: Relu and Sigmoid */
        {2, 72, 14, 14, 24, true, true, ACT_RELU, GATE_HARD_SIGMOID, 0},
        {3, 104, 7, 7, 12, true, true, ACT_RELU, GATE_SIGMOID, 8},
        /* counts that are not multiples of 4, odd planes, no biases */
        {3, 13, 7, 7, 5, true, true, ACT_SILU, GATE_SIGMOID, 0},
        {2, 16, 1, 1, 4, false, false, ACT_RELU, GATE_HARD_SIGMOID, 0},
        {1, 6, 3, 5, 3, true, false, ACT_NONE, GATE_NONE, 0},
        {1, 1, 2, 3, 1, false, true, ACT_HARD_SWISH, GATE_SIGMOID, 3},
    };
    uint64_t seed = 4100;
    for (unsigned i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        run(ctx, &fixed[i], seed++);
    for (unsigned i = 0; i < 12; i++) {
        uint64_t s = 0x5e000u + i, st = s;
        se_case k = random_case(&st);
        run(ctx, &k, s);
    }
    th_destroy(ctx);
    kt_summary("squeeze_excite");
    int rc = th_done("test_squeeze_excite");
    return failures ? 1 : rc;
}
