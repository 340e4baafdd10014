#!/bin/sh
# Runs a libFuzzer target for a set time.
#   scripts/fuzz.sh TARGET SECONDS [BINARY]
# TARGET: onnx (the ONNX loader), image (image decoding) or preset (the preset
# sidecar parser). Without BINARY the fuzzer is built with
# clang into build-fuzz/ (CMake option VKCNN_FUZZ, tests/fuzz/fuzz.cmake). The seed corpus is
# tests/fuzz/corpus/TARGET (read only), the dictionary tests/fuzz/TARGET.dict; new inputs go to fuzz-corpus/TARGET,
# and a crashing input to fuzz-corpus/crash-* (keep it as a regression input
# tests/fuzz/corpus/TARGET/regress_*: ctest fuzz.replay.TARGET replays them).
set -eu
target=${1:?usage: scripts/fuzz.sh TARGET SECONDS [BINARY]}
seconds=${2:?usage: scripts/fuzz.sh TARGET SECONDS [BINARY]}
root=$(cd "$(dirname "$0")/.." && pwd)
case "$target" in
onnx | image | preset) ;;
*) echo "fuzz.sh: unknown target '$target' (known: onnx, image, preset)" >&2; exit 2 ;;
esac
bin=${3:-}
if [ -z "$bin" ]; then
    # the same build rule as -DVKCNN_FUZZ=ON (tests/fuzz/fuzz.cmake), in build-fuzz/
    cmake -S "$root" -B "$root/build-fuzz" -G Ninja -DCMAKE_BUILD_TYPE=Release -DVKCNN_FUZZ=ON \
        -DVKCNN_BUILD_TESTS=OFF -DVKCNN_BUILD_TOOLS=OFF >/dev/null
    cmake --build "$root/build-fuzz" --target "vkcnn_fuzz_$target" >/dev/null
    bin="$root/build-fuzz/fuzz_$target"
fi
work="$root/fuzz-corpus/$target"
mkdir -p "$work"
exec "$bin" -dict="$root/tests/fuzz/$target.dict" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$root/fuzz-corpus/" \
    "$work" "$root/tests/fuzz/corpus/$target"
