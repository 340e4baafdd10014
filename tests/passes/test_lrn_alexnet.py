#!/usr/bin/python3
"""The paper's AlexNet written with the stock torch.nn.LocalResponseNorm
(models/export.py's build_alexnet_original, its LRN modules those of
PyTorch), exported by torch.onnx as PyTorch writes that module: Mul, an
Unsqueeze to 5-D, Pad, a 3-D AveragePool, an If on a shape comparison,
Mul, Add, Pow, Div. vkcnn must load it, map each decomposition back onto one
LRN kernel (runtime/passes/lrn_pattern.c: the plan has two lrn dispatches
and no pool over 5-D data) and match PyTorch on the same weights and input:
max |vkcnn - torch| <= 1e-4 * max |torch| + 1e-5 and the same top-5; with
VKCNN_FUSION=0 (no passes) the decomposition itself runs (3-D pools) and
must match too.

usage: test_lrn_alexnet.py VKCNN [OPSET...]   (default opset 13)
Any validation message fails the test (VKCNN_VALIDATE=1 is set)."""
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "models"))
import export  # noqa: E402

failures = []


def fail(msg):
    print("FAIL:", msg, flush=True)
    failures.append(msg)


def build(torch):
    """AlexNet (paper) with random weights and stock LocalResponseNorm."""
    if "alexnet_original_lrn" in export.MODELS:  # the models' own variant
        return export.build_model("alexnet_original_lrn", seed=0)
    model = export.build_model("alexnet_original", seed=0)
    for i, m in enumerate(model.features):
        if hasattr(m, "size") and hasattr(m, "beta") and not isinstance(m, torch.nn.Conv2d):
            model.features[i] = torch.nn.LocalResponseNorm(m.size, alpha=m.alpha, beta=m.beta,
                                                          k=m.k)
    return model.eval()


def run(vkcnn, *args, fusion=True):
    env = dict(os.environ, VKCNN_VALIDATE="1")
    if not fusion:
        env["VKCNN_FUSION"] = "0"
    r = subprocess.run([vkcnn, *args], capture_output=True, text=True, env=env)
    if "validation" in r.stderr:
        fail(f"validation messages: {r.stderr[:2000]}")
    return r


def compare(label, got, want):
    bound = 1e-4 * float(np.abs(want).max()) + 1e-5
    diff = float(np.abs(got - want).max())
    top_got = list(np.argsort(-got.reshape(-1))[:5])
    top_want = list(np.argsort(-want.reshape(-1))[:5])
    print(f"{label}: max |diff| {diff:.3g} (max |ref| {float(np.abs(want).max()):.3g}, "
          f"bound {bound:.3g}), top-5 {top_got} / {top_want}", flush=True)
    if not diff <= bound:
        fail(f"{label}: max |diff| {diff} > {bound}")
    if top_got != top_want:
        fail(f"{label}: top-5 {top_got}, expected {top_want}")


def main():
    vkcnn = sys.argv[1]
    opsets = [int(o) for o in sys.argv[2:]] or [13]
    torch = export._torch()
    model = build(torch)
    if not any(isinstance(m, torch.nn.LocalResponseNorm) for m in model.modules()):
        fail("the model has no torch.nn.LocalResponseNorm")
    x = export.reference_input((1, 3, 227, 227), seed=1)
    with torch.no_grad():
        want = model(torch.from_numpy(x)).numpy()
    with tempfile.TemporaryDirectory() as tmp:
        np.save(os.path.join(tmp, "x.npy"), x)
        for opset in opsets:
            path = os.path.join(tmp, f"alexnet_lrn_{opset}.onnx")
            torch.onnx.export(model, torch.from_numpy(x), path, opset_version=opset,
                              input_names=["input"], output_names=["logits"])
            import onnx  # noqa: PLC0415
            ops = {n.op_type for n in onnx.load(path, load_external_data=False).graph.node}
            if "LRN" in ops or "AveragePool" not in ops:
                fail(f"opset {opset}: the export is not the decomposition ({sorted(ops)})")
            plan = run(vkcnn, "inspect", path, "--plan")
            if plan.returncode:
                fail(f"opset {opset}: inspect --plan: {plan.stderr.strip()}")
            else:
                kernels = re.findall(r"^#\d+\s+(\S+)", plan.stdout, re.M)
                if kernels.count("lrn") != 2:
                    fail(f"opset {opset}: {kernels.count('lrn')} lrn dispatches, expected 2 "
                         f"(kernels: {kernels})")
            for fusion in (True, False):
                out = os.path.join(tmp, "y.npy")
                r = run(vkcnn, "run", path, "--input", os.path.join(tmp, "x.npy"), "--output",
                        out, fusion=fusion)
                label = f"AlexNet (paper, stock LRN) opset {opset}" + \
                        ("" if fusion else " VKCNN_FUSION=0")
                if r.returncode:
                    fail(f"{label}: vkcnn run: {r.stderr.strip()}")
                    continue
                compare(label, np.load(out), want)
    if failures:
        print(f"{len(failures)} failure(s)")
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()
