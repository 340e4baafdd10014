#!/bin/bash
# Checks an installed vkcnn (PREFIX) as a user meets it, with no
# LD_LIBRARY_PATH anywhere:
#   - the installed `vkcnn` runs (its RPATH finds the library) and classifies
#     a bundled digit;
#   - a consumer project builds against the CMake package and runs;
#   - a consumer built with pkg-config runs;
#   - the installed Python package imports from the prefix, loads the library
#     installed with it (not a build's), and runs LeNet-5;
#   - the shared library exports only the public API.
#     tests/install/run.sh PREFIX
set -euo pipefail
prefix=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset LD_LIBRARY_PATH VKCNN_LIBRARY
fail() { echo "install test: FAIL: $*" >&2; exit 1; }

# the tool
vkcnn="$prefix/bin/vkcnn"
[ -x "$vkcnn" ] || fail "no $vkcnn"
"$vkcnn" --version | grep -q '^vkcnn ' || fail "installed vkcnn --version"
out=$(cd "$work" && "$vkcnn" classify "$root/models/lenet5/lenet5.onnx" \
      "$root/models/lenet5/digits/digit_3_3126.png" --json) || fail "installed vkcnn classify"
echo "$out" | grep -q '"index": 3' || fail "installed vkcnn classify: $out"
echo "install test: installed vkcnn runs without LD_LIBRARY_PATH"

# a CMake consumer
cmake -S "$here" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/cmake" >/dev/null
"$work/cmake/consumer"

# a pkg-config consumer
pc=$(find "$prefix" -name vkcnn.pc -printf '%h')
export PKG_CONFIG_PATH="$pc"
# shellcheck disable=SC2046
cc -std=c17 "$here/main.c" $(pkg-config --cflags --libs vkcnn) -o "$work/consumer-pc"
"$work/consumer-pc"

# the Python package, from the prefix (Debian's interpreter: numpy)
pydir=$(dirname "$(find "$prefix" -path '*/vkcnn/__init__.py' | head -n 1)")
[ "$pydir" != . ] || fail "no Python package under $prefix"
if ! /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
  echo "install test: the Python package NOT checked: /usr/bin/python3 lacks numpy" \
       "(scripts/setup.sh --test installs python3-numpy)" >&2
else
(cd "$work" && PYTHONPATH="$(dirname "$pydir")" /usr/bin/python3 - "$prefix" "$root" <<'EOF'
import os, sys
import numpy as np
import vkcnn
prefix, root = (os.path.realpath(p) for p in sys.argv[1:3])
lib = os.path.realpath(vkcnn.library_path)
assert lib.startswith(prefix + os.sep), f"loaded {lib}, not the library under {prefix}"
assert os.path.realpath(vkcnn.__file__).startswith(prefix + os.sep), vkcnn.__file__
with vkcnn.Context() as ctx:
    m = ctx.load(os.path.join(root, "models/lenet5/lenet5.onnx"))
    y = m.run(np.zeros(m.inputs[0].shape, np.float32))["logits"]
    top = m.classify([os.path.join(root, "models/lenet5/digits/digit_3_3126.png")])[0]["top"]
assert y.shape == (1, 10) and top[0]["index"] == 3, (y.shape, top)
print(f"install test: the Python package from {os.path.dirname(vkcnn.__file__)} loads {lib}")
EOF
) || fail "the installed Python package"
fi

# the shared library exports only the public API
lib=$(find "$prefix" -name 'libvkcnn.so.0' | head -n 1)
if nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^vkcnn_' | grep -q .; then
  echo "install test: libvkcnn exports symbols outside vkcnn_*:" >&2
  nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^vkcnn_' | head >&2
  exit 1
fi
echo "install test: ok"
