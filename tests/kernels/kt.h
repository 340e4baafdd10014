/* Kernel-test helpers: build a small graph node by node, run it on the
 * device through the executor (runtime/exec) and compare every graph output
 * with runtime/ref computed on the host from the same inputs.
 *
 * Tolerance (stated once for every kernel test): an output passes when
 *     max |device - ref| <= KT_RTOL * max |ref| + KT_ATOL
 * i.e. errors are judged against the tensor's scale, since GPU kernels sum
 * in float in another order than the double-precision reference. */
#ifndef VKCNN_TESTS_KT_H
#define VKCNN_TESTS_KT_H

#include <stdbool.h>
#include <stdint.h>

#include "exec/exec.h"
#include "graph/graph.h"
#include "harness.h"

#define KT_RTOL 1e-4
#define KT_ATOL 1e-5

/* fp16 weights: with KT_PRECISION=fp16 in the environment every kt_check
 * runs with vkc_exec_options.half_weights. The graph's float constants are
 * rounded to fp16 on the host first, so the reference computes with exactly
 * the weights the device stores and the tolerance stays KT_RTOL: the test
 * checks the kernels' fp16 loads (packing, indexing, chunks), not the
 * rounding. A graph with a constant weight (operand 1 of a Conv, Gemm or
 * MatMul) fails when no dispatch read fp16 weights (WT_HALF), unless it
 * runs Winograd layers (opts->winograd), which keep their transformed
 * weights in fp32 (runtime/exec/exec.c, choose_half). */

/* A new empty graph (generous limits); frees the previous one's host data. */
vkc_graph *kt_graph(void);

/* Adds a float32 tensor filled with values uniform in [-1, 1): a constant
 * (data owned by the graph) or a graph input (data kept for kt_check). */
uint32_t kt_tensor(vkc_graph *g, const char *name, uint32_t rank, const int64_t *dims,
                   bool constant, uint64_t *seed);

/* A BatchNormalization's four per-channel constants (scale, bias, mean,
 * var) of `channels` values into in[1..4], random, each variance at least
 * min_var. */
void kt_batch_norm_operands(vkc_graph *g, int64_t channels, float min_var, uint64_t *seed,
                            uint32_t in[5]);

/* Host data of tensor t (constant or graph input), for tests to shape it. */
float *kt_data(vkc_graph *g, uint32_t t);

/* Default attributes of op at `opset`. */
vkc_attrs kt_attrs(vkc_op op, int opset);

/* Adds a node, links it and infers its shape; returns its output tensor, or
 * VKC_NONE after printing the error (the test then fails). `inputs` may hold
 * VKC_NONE for absent optional operands. */
uint32_t kt_node(vkc_graph *g, vkc_op op, int opset, const uint32_t *inputs, uint32_t count,
                 const vkc_attrs *attrs);

/* Marks t a graph output. */
void kt_output(vkc_graph *g, uint32_t t);

/* Runs g and compares every output with the reference. Returns 0 when all
 * pass; otherwise prints `what` and the seed and returns 1. Destroys g.
 * opts may be NULL. */
int kt_check(vkcnn_context *ctx, vkc_graph *g, const vkc_exec_options *opts, uint64_t seed,
             const char *what);

/* The relative bound kt_check uses from now on (0: KT_RTOL again): for
 * kernels that round their operands (the cooperative-matrix Winograd GEMM
 * rounds transformed tiles to fp16), stated by the test that sets it. */
void kt_set_rtol(double rtol);

/* For the next kt_check only: it fails unless some dispatch of template
 * `reads` defines X_HALF 1 (eltwise: ELT_HALF0 1) and some dispatch of `writes` Y_HALF 1 (the
 * node read its input and wrote its output as fp16 activations; NULL: of
 * any template but eltwise), and its bound is KT_RTOL + 2^-11 (one rounding
 * of the output to fp16). */
void kt_expect_half(const char *reads, const char *writes);

/* For the next kt_check only: where some dispatch of template `template`
 * has the line "#define `when`" (NULL: always), it fails unless one also
 * has "#define `def`" (e.g. "WT_PACKED 1"). */
void kt_expect_define(const char *template, const char *when, const char *def);

/* Statistics over every kt_check of the process, printed by kt_summary. */
void kt_summary(const char *name);

/* Choosing what runs, to reproduce or measure one case, or to run a short
 * form. Each setting is an environment variable or, through kt_args, an
 * option of the test program (the option wins):
 *   KT_CASE=TEXT   --case TEXT   only the cases whose description contains
 *                                TEXT (as printed on failure, e.g.
 *                                "k 5x5 s1 d1 pads 2,1,0,2", ", tile 4")
 *   KT_SEED=N      --seed N      only the cases of seed N
 *   KT_VARIANTS=one --variants one  each case under one of its variants
 *                                (kernels, Winograd tiles: kt_variants)
 *                                instead of all of them
 *   KT_VERBOSE=1   --verbose     print every case's max |diff|, bound and time
 *   KT_DUMP=1      --dump        print every case's dispatches and #defines
 * With --case or --seed every case that runs prints its error and bound,
 * and no case matching is a failure; test_winograd then also skips its
 * checks that are not cases (kt_selecting). */
void kt_args(int argc, char **argv);

/* Whether --case or --seed selects cases. */
bool kt_selecting(void);

/* The variants of the next case, as a mask over `count` (<= 32) variants:
 * all of them, or under KT_VARIANTS=one a single one, taken in turn from
 * case to case so that each variant still runs on some cases. */
uint32_t kt_variants(unsigned count);

/* Uniform integer in [lo, hi]. */
int64_t kt_range(uint64_t *seed, int64_t lo, int64_t hi);

/* Sets VKCNN_KERNEL_OVERRIDE (codegen/variant.h) to the value the process
 * started with (e.g. "loads=texel" from the ctest entry) plus `items`
 * ("conv=direct", "conv=wino4,wide=off"); NULL: back to the starting
 * value. Executors created afterwards read it. */
void kt_override(const char *items);

#endif
