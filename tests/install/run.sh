#!/bin/bash
# Builds the consumer against an installed vkcnn (PREFIX), with CMake's package
# config and with pkg-config, and runs both.
set -euo pipefail
prefix=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake -S "$here" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/cmake" >/dev/null
LD_LIBRARY_PATH="$prefix/lib:$prefix/lib/x86_64-linux-gnu" "$work/cmake/consumer"
pc=$(find "$prefix" -name vkcnn.pc -printf '%h')
export PKG_CONFIG_PATH="$pc"
cc -std=c17 "$here/main.c" $(pkg-config --cflags --libs vkcnn) -o "$work/consumer-pc"
LD_LIBRARY_PATH="$(pkg-config --variable=libdir vkcnn)" "$work/consumer-pc"
# the shared library exports only the public API
lib=$(find "$prefix" -name 'libvkcnn.so.0' | head -n 1)
if nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^vkcnn_' | grep -q .; then
  echo "install test: libvkcnn exports symbols outside vkcnn_*:" >&2
  nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^vkcnn_' | head >&2
  exit 1
fi
echo "install test: ok"
