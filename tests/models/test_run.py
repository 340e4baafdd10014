#!/usr/bin/python3
"""`vkcnn run` against PyTorch: each model's logits on the reference input
that models/export.py saved with it (same weights), and the CLI's exit
statuses for bad arguments.

    test_run.py VKCNN MODEL...     MODEL: NAME[@[dyn]BATCH][/OPSET][:fp16]
                                   (NAME: export.py --list; @4: a static batch-4
                                   export, @dyn4: a dynamic-batch export run at
                                   batch 4; default static batch 1; OPSET default 13,
                                   18..22 are the opset-17 export rewritten and
                                   compared with PyTorch's output for it; :fp16 runs
                                   with --precision fp16), small, errors

Bound (per output): max |vkcnn - torch| <= RTOL * max |torch| + 1e-5, and the
same top-5 classes wherever neighbouring logits differ by more than that bound.
fp32: RTOL = 1e-4. fp16 (weights stored in fp16, arithmetic fp32): each
weight is rounded by at most 2^-11 of itself, which moves a layer's output
by at most 2^-11 of its scale when the layer's sum does not cancel; to first
order the L weight layers (Conv, Gemm, MatMul) of a network add up, so
RTOL = L * 2^-11 (AlexNet, 8 layers: 3.9e-3; measured 1.1e-3).
Any validation message on stderr fails the test (VKCNN_VALIDATE=1 is set)."""
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

failures = []


def fail(msg):
    print("FAIL:", msg, flush=True)
    failures.append(msg)


def run(vkcnn, *args, extra_env=None):
    env = dict(os.environ, VKCNN_VALIDATE="1", **(extra_env or {}))
    r = subprocess.run([vkcnn, "run", *args], capture_output=True, text=True, env=env)
    if "validation" in r.stderr:
        fail(f"validation messages: {r.stderr[:2000]}")
    return r


def compare(label, got, want, rtol=1e-4):
    res = common.compare_logits(got, want, rtol)
    if res["diff"] is not None:
        scale = float(np.max(np.abs(want))) if np.size(want) else 0.0
        rel = f" ({res['diff'] / scale:.3g} of max |torch|)" if scale > 0 else ""
        print(f"{label}: max |diff| {res['diff']:.3g}{rel}, bound {res['bound']:.3g}", flush=True)
    for p in res["problems"]:
        fail(f"{label}: {p}")


def weight_layers(path):
    import onnx
    model = onnx.load(path, load_external_data=False)
    return sum(n.op_type in ("Conv", "Gemm", "MatMul") for n in model.graph.node)


def check_model(vkcnn, name, batch=1, opset=13, precision="fp32", reference_batch=None):
    path = common.model_path(name, batch=batch, opset=opset, reference_batch=reference_batch)
    folder = os.path.dirname(path)
    label = common.config_label(name, opset, batch, reference_batch) + (
        f" {precision}" if precision != "fp32" else "")
    rtol = 1e-4
    if precision == "fp16":
        layers = weight_layers(path)
        rtol = layers * 2.0 ** -11
        print(f"{label}: {layers} weight layers: RTOL {rtol:.3g}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.npy")
        r = run(vkcnn, path, "--input", os.path.join(folder, "input.npy"), "--output", out,
                "--precision", precision)
        if r.returncode != 0:
            fail(f"{label}: exit {r.returncode}: {r.stderr.strip()}")
            return
        compare(label, np.load(out), np.load(os.path.join(folder, "output.npy")), rtol)


def check_errors(vkcnn):
    path = common.model_path("lenet", batch=None)
    folder = os.path.dirname(path)
    x = os.path.join(folder, "input.npy")
    with tempfile.TemporaryDirectory() as tmp:
        def expect(code, *args, what):
            r = run(vkcnn, *args)
            if r.returncode != code:
                fail(f"{what}: exit {r.returncode}, expected {code}: {r.stderr.strip()}")
            elif code and not r.stderr.strip():
                fail(f"{what}: no message on stderr")
            else:
                print(f"ok: {what}: {r.stderr.strip()[:160]}")

        bad = os.path.join(tmp, "bad.npy")
        with open(bad, "wb") as f:
            f.write(b"not an npy file")
        f64 = os.path.join(tmp, "f64.npy")
        np.save(f64, np.load(x).astype(np.float64))
        wrong = os.path.join(tmp, "wrong.npy")
        np.save(wrong, np.zeros((2, 1, 30, 30), np.float32))
        checked = run(vkcnn, path, "--input", x, extra_env={"VKCNN_CHECK": "1"})
        if checked.returncode != 0:
            fail(f"VKCNN_CHECK=1 (per-node reference check): {checked.stderr.strip()}")
        else:
            print("ok: VKCNN_CHECK=1 per-node check passes on lenet")
        summary = run(vkcnn, path, "--input", x)
        if summary.returncode != 0 or "argmax" not in summary.stdout:
            fail(f"summary without --output: {summary.returncode} {summary.stderr}")
        expect(2, path, what="no input")
        expect(2, path, "--input", x, "--input", x, what="too many inputs")
        expect(2, path, "--input", "nosuchname=" + x, what="unknown input name")
        expect(0, path, "--input", "input=" + x, what="input by name")
        # a file that cannot be read or is malformed is a data error (1);
        # float64 and other dtypes are converted (tests/cli/check_contract.py)
        expect(1, path, "--input", bad, what="not an .npy file")
        expect(0, path, "--input", f64, what="float64 .npy converted")
        expect(1, path, "--input", os.path.join(tmp, "missing.npy"), what="missing file")
        expect(2, path, "--input", x, "--bogus", what="unknown flag")
        expect(1, path, "--input", wrong, what="wrong shape")
        expect(1, os.path.join(tmp, "missing.onnx"), "--input", x, what="missing model")
        static = common.model_path("lenet", batch=3)
        expect(1, static, "--input", x, what="static batch 3 given batch 2")


def main():
    common.require_python_deps()
    vkcnn = sys.argv[1]
    for what in sys.argv[2:]:
        if what == "small":
            for net in common.SMALL_NETS:
                for opset in common.SMALL_OPSETS:
                    check_model(vkcnn, net, batch=None, opset=opset)
                    check_model(vkcnn, net, batch=3, opset=opset)
        elif what == "errors":
            check_errors(vkcnn)
        else:
            case = common.parse_case(what)
            check_model(vkcnn, case["name"], batch=case["batch"], opset=case["opset"],
                        precision=case["precision"], reference_batch=case["reference_batch"])
    print(f"{len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
