#!/usr/bin/python3
"""`vkcnn tune` from the command line, on LeNet-5 in a private cache
directory: usage errors, the JSON report, a second run reading the file,
`bench` JSON's "tuned" and per-layer "variant" (false with --no-tune and
VKCNN_NO_TUNE=1), and a garbage VKCNN_KERNEL_OVERRIDE refused with a clear
error."""
import json
import os
import subprocess
import sys
import tempfile

vkcnn, model = sys.argv[1], sys.argv[2]
failures = 0


def run(*args, env=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([vkcnn, *args], capture_output=True, text=True, env=e)


def check(cond, what):
    global failures
    if not cond:
        print("FAIL:", what)
        failures += 1


with tempfile.TemporaryDirectory() as tmp:
    cache = os.path.join(tmp, "cache")
    # usage errors: exit 2 with the reason
    for args, why in ((["tune"], "no model"),
                      (["tune", model, "--budget", "0"], "budget 0"),
                      (["tune", model, "--budget", "x"], "budget not a number"),
                      (["tune", model, "--rounds", "1"], "one round"),
                      (["tune", model, "--no-cache"], "--no-cache"),
                      (["tune", model, "--bogus"], "unknown flag")):
        r = run(*args)
        check(r.returncode == 2 and r.stderr.strip(), "usage error (%s): %d %s"
              % (why, r.returncode, r.stderr))
    check(run("tune", "--help").returncode == 0, "tune --help")
    r = run("tune", os.path.join(tmp, "missing.onnx"), "--cache-dir", cache)
    check(r.returncode == 1 and "missing.onnx" in r.stderr, "a missing model: " + r.stderr)

    r = run("tune", model, "--cache-dir", cache, "--budget", "6", "--rounds", "2", "--json")
    check(r.returncode == 0, "tune exits 0: " + r.stderr)
    doc = json.loads(r.stdout) if r.returncode == 0 else {"layers": []}
    for key in ("model", "device", "driver", "batch", "precision", "budget_s", "seconds",
                "budget_exhausted", "stored", "rebuilt", "path", "layers"):
        check(key in doc, "tune JSON has " + key)
    check(len(doc["layers"]) == 5, "LeNet-5 has 5 distinct layer shapes")
    check(doc.get("stored", 0) >= 1 and os.path.exists(doc.get("path", "")),
          "a tune file was written: %s" % doc.get("path"))
    for layer in doc["layers"]:
        for key in ("family", "shape", "first_node", "candidates", "default", "winner",
                    "speedup", "skipped"):
            check(key in layer, "layer has " + key)
        if layer.get("stored"):
            check(layer["speedup"] >= 1.0, "a stored winner is no slower")

    # the text table
    r = run("tune", model, "--cache-dir", cache, "--budget", "1", "--rounds", "2", "--quiet")
    check(r.returncode == 0 and "default" in r.stdout and "winner" in r.stdout,
          "tune table: " + r.stdout + r.stderr)

    def bench(*extra, env=None):
        out = os.path.join(tmp, "bench.json")
        b = run("bench", model, "--iters", "2", "--warmup", "0", "--per-layer", "--json", out,
                "--cache-dir", cache, *extra, env=env)
        check(b.returncode == 0, "bench exits 0: " + b.stderr)
        with open(out) as f:
            return json.load(f)

    doc = bench()
    check(doc.get("tuned") is True, "bench after tuning: tuned true")
    variants = [l.get("variant") for l in doc.get("layers") or []]
    check(any(variants), "per-layer variants: %s" % variants)
    check(all("variant" in l for l in doc.get("layers") or []), "every layer has a variant key")
    check(bench("--no-tune").get("tuned") is False, "bench --no-tune: tuned false")
    check(bench(env={"VKCNN_NO_TUNE": "1"}).get("tuned") is False,
          "VKCNN_NO_TUNE=1: tuned false")

    # the one debug override: garbage is refused, naming the variable
    r = run("inspect", model, "--plan", "--cache-dir", cache,
            env={"VKCNN_KERNEL_OVERRIDE": "conv=fastest"})
    check(r.returncode == 1 and "VKCNN_KERNEL_OVERRIDE" in r.stderr and "fastest" in r.stderr,
          "garbage override: %d %s" % (r.returncode, r.stderr))
    r = run("inspect", model, "--plan", "--cache-dir", cache,
            env={"VKCNN_KERNEL_OVERRIDE": "conv=direct,gemm=gemm"})
    check(r.returncode == 0 and "variant: direct (VKCNN_KERNEL_OVERRIDE)" in r.stdout
          and "variant: gemm (VKCNN_KERNEL_OVERRIDE)" in r.stdout,
          "override applied: " + r.stdout[-2000:] + r.stderr)

    # a squeeze-and-excitation block: where the passes fold its two 1x1s into
    # one SqueezeExcite node (CPU drivers), the tuner skips their shapes
    try:
        import numpy as np
        import onnx
        from onnx import TensorProto, helper, numpy_helper
    except ImportError:
        onnx = None
    if onnx is not None:
        rng = np.random.default_rng(5)

        def weight(name, *shape):
            return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name)

        nodes = [helper.make_node("GlobalAveragePool", ["x"], ["p"]),
                 helper.make_node("Conv", ["p", "w1", "b1"], ["h0"]),
                 helper.make_node("Relu", ["h0"], ["h"]),
                 helper.make_node("Conv", ["h", "w2", "b2"], ["s0"]),
                 helper.make_node("Sigmoid", ["s0"], ["s"]),
                 helper.make_node("Mul", ["x", "s"], ["xs"]),
                 helper.make_node("Conv", ["xs", "w3"], ["y"])]
        graph = helper.make_graph(
            nodes, "se", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 32, 14, 14])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 16, 14, 14])],
            [weight("w1", 8, 32, 1, 1), weight("b1", 8), weight("w2", 32, 8, 1, 1),
             weight("b2", 32), weight("w3", 16, 32, 1, 1)])
        se_model = os.path.join(tmp, "se.onnx")
        onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), se_model)
        cpu = "cpu, vendor" in run("devices").stdout
        r = run("tune", se_model, "--cache-dir", cache, "--budget", "6", "--rounds", "2",
                "--json")
        check(r.returncode == 0, "tune of an SE block exits 0: " + r.stderr)
        layers = json.loads(r.stdout)["layers"] if r.returncode == 0 else []
        want = 1 if cpu else 3
        check(len(layers) == want, "SE block: %d shapes tuned, want %d (%s device): %s"
              % (len(layers), want, "a CPU" if cpu else "a GPU", [l.get("shape") for l in layers]))

print("check_tune_cli: %d failures" % failures)
sys.exit(1 if failures else 0)
