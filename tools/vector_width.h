/* lavapipe's SIMD width for vkcnn's programs (the CLI, vkcnn-knn-bench,
 * vkcnn-tune-ab), chosen before any Vulkan driver loads. The library never
 * changes its host's environment; these programs do, so that they all run
 * what the CLI runs. */
#ifndef VKCNN_TOOLS_VECTOR_WIDTH_H
#define VKCNN_TOOLS_VECTOR_WIDTH_H

/* lavapipe compiles shaders for 256-bit vectors unless LP_NATIVE_VECTOR_WIDTH
 * says otherwise; on AVX-512 cores 512 bits runs vkcnn's kernels faster
 * (bench/RESULTS.md). Sets it to 512 there, unless it is set or
 * VKCNN_NATIVE_WIDTH=0.
 *
 * Mesa's on-disk shader cache (22.3 checked) does not key its entries on
 * that width: a shader compiled at 256 bits comes back from the cache in a
 * 512-bit run and the other way round (bench/jit_loop.py shows the 8-lane
 * code running after LP_NATIVE_VECTOR_WIDTH=512). So whenever the width is
 * set, by the user or here, and MESA_SHADER_CACHE_DIR is not, Mesa's cache
 * moves to a directory of that width's own:
 * $XDG_CACHE_HOME/vkcnn/lavapipe-W (else $HOME/.cache/vkcnn/lavapipe-W). */
void tool_choose_vector_width(void);

#endif
