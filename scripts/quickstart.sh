#!/bin/bash
# The README's two quick-start commands.
#   scripts/quickstart.sh        install what is missing, build, run the main job
#   scripts/quickstart.sh test   install what is missing, build, run the test suite
#                                (all but the `slow` label; test-all runs everything)
# Other modes (used by .ci/run): sanitize (ASan+UBSan build, suite without the
# large-model tests), tsan (ThreadSanitizer over the multi-threaded tests),
# install-test (install and build a consumer project), mesa25 (a subset of the
# suite on Mesa 25.0 lavapipe from bookworm-backports; mesa25-all: all of it).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}
jobs=$(nproc 2>/dev/null || echo 2)

build() { # build DIR [cmake args...]
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DVKCNN_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
}

case "$mode" in
  run)
    scripts/setup.sh
    build build -DVKCNN_BUILD_TESTS=OFF
    ./build/vkcnn devices
    # the main job: LeNet-5 on the bundled handwritten digits
    ./build/vkcnn classify models/lenet5/lenet5.onnx models/lenet5/digits/*.png
    ;;
  test)
    scripts/setup.sh --test
    build build
    # Every Vulkan test runs under the validation layer (the harness turns it on).
    # A test labelled `slow` (none at present) is left to test-all.
    (cd build && VKCNN_VALIDATE=1 ctest -j "$jobs" --output-on-failure -LE slow)
    # LeNet-5 and AlexNet again under synchronization validation (barriers
    # between dispatches, arena reuse, in-flight slots)
    (cd build && VKCNN_VALIDATE=sync ctest -j "$jobs" --output-on-failure -LE slow \
      -R '^(passes_lenet5|passes\.models\.(lenet|alexnet).*|models\.run\.alexnet.*|test_async)$')
    # lavapipe at 512-bit vectors (what the CLI picks on AVX-512 CPUs) must
    # compute the same: conformance, LeNet-5 and AlexNet in that mode. Mesa's
    # shader cache does not key entries on the width, so this pass gets the
    # CLI's cache of that width (tools/vector_width.h); in the default one it
    # would rerun the 256-bit code the first pass compiled.
    lp512="${XDG_CACHE_HOME:-$HOME/.cache}/vkcnn/lavapipe-512"
    mkdir -p "$lp512"
    (cd build && LP_NATIVE_VECTOR_WIDTH=512 MESA_SHADER_CACHE_DIR="$lp512" VKCNN_VALIDATE=1 \
      ctest -j "$jobs" --output-on-failure \
      -LE slow -R '^(onnx_conformance|passes_lenet5|classify\.lenet5_accuracy|models\.run\.alexnet)$')
    ;;
  test-all)
    scripts/setup.sh --test
    build build
    (cd build && VKCNN_VALIDATE=1 ctest -j "$jobs" --output-on-failure)
    ;;
  sanitize)
    scripts/setup.sh --test
    build build-asan -DCMAKE_BUILD_TYPE=Debug -DVKCNN_SANITIZE=ON
    (cd build-asan && VKCNN_VALIDATE=1 ctest -j "$jobs" --output-on-failure -LE release-only)
    ;;
  tsan)
    # ThreadSanitizer over the tests that run vkcnn from several threads
    # (suppressions, each with its reason, only for driver/layer frames)
    scripts/setup.sh --test
    cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DVKCNN_WERROR=ON \
      -DVKCNN_SANITIZE_THREAD=ON >/dev/null
    cmake --build build-tsan -j "$jobs" --target test_threads test_async test_embed
    for t in test_threads test_async test_embed; do
      VKCNN_VALIDATE=1 TSAN_OPTIONS="suppressions=$PWD/tests/tsan.supp halt_on_error=1" \
        VKCNN_CACHE_DIR="$PWD/build-tsan/test-cache" build-tsan/tests/$t models/lenet5/lenet5.onnx
    done
    ;;
  mesa25 | mesa25-all)
    # The second driver: Mesa 25.0's lavapipe, unpacked beside the system's
    # 22.3 (scripts/lavapipe-backports.sh) and selected for these tests alone.
    # It validates SPIR-V 1.6 (Vulkan 1.4), loads storage buffers ~9x faster
    # and compiles shaders several times slower (kernel_test_winograd with an
    # empty shader cache: 844 s against 162 s on 22.3). mesa25, the CI
    # subset: conformance, LeNet-5 and AlexNet end to end, and every kernel
    # test once (the entry without _fp16/_texel/_image/_storage/_tree), each case
    # under one of its variants (KT_VARIANTS=one, tests/kernels/kt.h).
    # The library's own runs there read storage buffers and the CLI's texel
    # buffers (its shader cache is private to its width; runtime/codegen/
    # choose.c, texel_unsafe), so both paths run. mesa25-all: the whole
    # suite.
    scripts/setup.sh --test
    build build
    eval "$(scripts/lavapipe-backports.sh)"
    if ! ./build/vkcnn devices | grep -q "Mesa 25"; then
      echo "quickstart: the Mesa 25 lavapipe is not the device:" >&2
      ./build/vkcnn devices >&2 || true
      exit 1
    fi
    if [[ "$mode" == mesa25 ]]; then
      (cd build && KT_VARIANTS=one VKCNN_VALIDATE=1 ctest -j "$jobs" --output-on-failure -R \
        '^(onnx_conformance|passes_lenet5|classify\.lenet5_accuracy|models\.run\.alexnet|kernel_test_[a-z0-9]+)$')
    else
      (cd build && VKCNN_VALIDATE=1 ctest -j "$jobs" --output-on-failure)
    fi
    ;;
  install-test)
    scripts/setup.sh
    build build -DVKCNN_BUILD_TESTS=OFF
    prefix=$(mktemp -d)
    cmake --install build --prefix "$prefix" >/dev/null
    tests/install/run.sh "$prefix"
    rm -rf "$prefix"
    ;;
  *)
    echo "usage: scripts/quickstart.sh [run|test|test-all|sanitize|tsan|install-test|mesa25|mesa25-all]" >&2
    exit 2
    ;;
esac
