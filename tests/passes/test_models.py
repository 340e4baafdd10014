#!/usr/bin/python3
"""Fused vs unfused on exported models: exports NAME (cached, tests/models/
common.py) at the given batch and runs test_fusion_models on the file.

Usage: test_models.py TEST_FUSION_MODELS NAME [BATCH] [OPTION...]
(options are passed to test_fusion_models)"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models"))
import common  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def main():
    binary, name = sys.argv[1], sys.argv[2]
    batch = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    options = sys.argv[4:]
    if name == "lenet5":
        path = os.path.join(ROOT, "models", "lenet5", "lenet5.onnx")
    else:
        path = str(common.model_path(name, batch))
    sys.exit(subprocess.call([binary, *options, path]))


if __name__ == "__main__":
    main()
