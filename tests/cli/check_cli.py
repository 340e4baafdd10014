#!/usr/bin/python3
"""CLI contract checks: exit statuses, --version, --help, `devices --json`."""
import json
import subprocess
import sys

vkcnn = sys.argv[1]
failures = 0


def run(*args, env=None):
    return subprocess.run([vkcnn, *args], capture_output=True, text=True, env=env)


def check(cond, what):
    global failures
    if not cond:
        print("FAIL:", what)
        failures += 1


r = run("--version")
check(r.returncode == 0 and r.stdout.startswith("vkcnn "), "--version")
check(run("--help").returncode == 0, "--help")
check(run().returncode == 2, "no command is a usage error")
check(run("no-such-command").returncode == 2, "unknown command exits 2")
check(run("devices", "--bogus").returncode == 2, "unknown flag exits 2")
check(run("devices", "--help").returncode == 0, "devices --help")

r = run("devices", "--json")
check(r.returncode == 0, "devices --json exits 0: " + r.stderr)
doc = json.loads(r.stdout)
devs = doc["devices"]
check(len(devs) >= 1, "at least one device")
check(isinstance(doc["default"], int) and 0 <= doc["default"] < len(devs), "default index")
for d in devs:
    for key in ("index", "name", "type", "vendor_id", "device_id", "driver_name",
                "driver_info", "api_version", "vector_width", "capabilities"):
        check(key in d, "device has " + key)
    check(d["type"] in ("discrete", "integrated", "virtual", "cpu", "other"), "type")
    parts = d["api_version"].split(".")
    check(len(parts) == 3 and all(p.isdigit() for p in parts), "api_version like 1.3.230")
    caps = d["capabilities"]
    for key in ("fp16", "storage16", "int8", "subgroup_size", "timestamps",
                "max_storage_buffer_range", "shared_memory", "uma", "transfer_queue",
                "transfer_queue_used"):
        check(key in caps, "capabilities has " + key)
    check(caps["transfer_queue_used"] == (caps["transfer_queue"] and not caps["uma"]),
          "the transfer queue is used where there is one and memory is staged")
    check(caps.get("coopmat") in (None, "nv"), "capabilities has coopmat: null or \"nv\"")
    shape = caps.get("coopmat_shape", "missing")
    check(shape is None if caps.get("coopmat") is None else
          (isinstance(shape, list) and len(shape) == 3 and all(v in (8, 16, 32) for v in shape)),
          "coopmat_shape: null without coopmat, [M, N, K] with it")
    if d["name"].startswith("llvmpipe"):
        check(d["vector_width"] in (128, 256, 512), "lavapipe vector width")
        # neither Mesa 22.3's nor 25.0's lavapipe has cooperative matrices
        check(caps.get("coopmat") is None, "lavapipe: no cooperative matrices")

r = run("devices", "--device", "no-such-gpu-xyz")
check(r.returncode == 1 and "no-such-gpu-xyz" in r.stderr, "bad --device is exit 1 naming it")
r = run("devices", "--json", "--device", "0")
check(r.returncode == 0 and json.loads(r.stdout)["default"] == 0, "--device 0")

r = run("devices")
check(r.returncode == 0 and "[default]" in r.stdout, "text listing marks the default")
check("transfer queue: " in r.stdout, "text listing says whether a transfer queue is used")
check(r.stdout.count("coopmat ") == len(devs), "text listing says coopmat for every device")

# peak: the contract's fields, plausible values
r = run("peak", "--json")
check(r.returncode == 0, "peak --json exits 0: " + r.stderr)
if r.returncode == 0:
    p = json.loads(r.stdout)
    for key in ("fp32_gflops", "fp16_gflops", "read_gbps", "read_storage_gbps",
                "read_texel_gbps", "copy_gbps", "dispatch_us", "workgroup_us", "barrier_us",
                "vector_width"):
        check(key in p, "peak has " + key)
    # an empty dispatch costs something, and far less than a second
    check(all(k in p and 0 <= p[k] < 1e6 for k in ("dispatch_us", "workgroup_us", "barrier_us"))
          and p.get("dispatch_us", 0) > 0, "peak overheads plausible")
    if all(k in p for k in ("read_gbps", "read_storage_gbps", "read_texel_gbps")):
        check(p["fp32_gflops"] > 0.1 and p["read_storage_gbps"] > 0.01 and
              p["read_texel_gbps"] > 0.01 and p["copy_gbps"] > 0.01, "peak figures positive")
        check(p["read_gbps"] == max(p["read_storage_gbps"], p["read_texel_gbps"]),
              "read_gbps is the better read path")

# bench on the bundled LeNet-5: the contract's fields
import os
import tempfile
root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
lenet = os.path.join(root, "models", "lenet5", "lenet5.onnx")
with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "bench.json")
    r = run("bench", lenet, "--iters", "3", "--warmup", "1", "--json", out)
    check(r.returncode == 0 and "images/s" in r.stdout, "bench runs: " + r.stderr)
    if r.returncode == 0:
        b = json.load(open(out))
        for key in ("device", "driver", "vector_width", "model", "batch", "precision", "fusion",
                    "winograd", "iterations", "gpu_ms", "wall_ms", "overhead_ms", "images_per_s",
                    "gflop_per_image", "share_of_peak", "cold_start", "warm_start", "top5"):
            check(key in b, "bench JSON has " + key)
        check(b["iterations"] == 3 and b["batch"] == 1, "bench iterations and batch")
        check(b["fusion"] is True and b["dispatches"] < 11, "fused by default: fewer dispatches")
        check(1 <= b.get("pipelines", 0) <= b["dispatches"], "bench JSON: pipelines built")
        check(abs(b["gflop_per_image"] - 2 * 416520 / 1e9) < 1e-4, "LeNet-5 GFLOP per image")
        check(b["wall_ms"]["p10"] <= b["wall_ms"]["median"] <= b["wall_ms"]["p90"],
              "wall p10 <= median <= p90")
        # wall - gpu per iteration of the runs with timestamps: where they
        # give a GPU time, the dispatches ran inside the timed submit and wait
        o, pw = b["overhead_ms"], b.get("profiled_wall_ms", "missing")
        check((o is None) == (b["gpu_ms"] is None), "overhead_ms null exactly when gpu_ms is")
        check((pw is None) == (b["gpu_ms"] is None), "profiled_wall_ms null exactly when gpu_ms is")
        check(("overhead " in r.stdout) and (o is None or "(wall - gpu" in r.stdout),
              "bench prints the overhead line")
        if o is not None and isinstance(pw, dict):
            check(0 <= o["p10"] <= o["median"] <= o["p90"] < pw["p90"],
                  f"overhead 0 <= p10 <= median <= p90 < the profiled wall's p90: {o}, {pw}")
            check(pw["p10"] <= pw["median"] <= pw["p90"] and "timestamps " in r.stdout,
                  "profiled wall p10 <= median <= p90, printed")
        check(len(b["top5"]) == 5, "top5 has 5 classes")
        for k in ("total_ms", "parse_ms", "compile_ms", "pipelines_ms", "upload_ms"):
            check(k in b["cold_start"] and k in b["warm_start"], "start breakdown has " + k)
    r = run("bench", lenet, "--iters", "2", "--warmup", "0", "--no-fusion", "--json", out)
    check(r.returncode == 0 and json.load(open(out))["fusion"] is False
          and json.load(open(out))["dispatches"] == 11, "--no-fusion: one dispatch per node")
    check(run("bench", lenet, "--precision", "fp64").returncode == 2, "bad precision exits 2")
    dot = os.path.join(tmp, "g.dot")
    r = run("inspect", lenet, "--dot", dot)
    check(r.returncode == 0, "inspect --dot: " + r.stderr)
    if r.returncode == 0:
        text = open(dot).read()
        check(text.startswith("digraph") and text.count("shape=box") == 12,
              "dot has LeNet-5's 12 nodes")
        check(text.count("->") == 13, "dot has 11 node-to-node edges, input and output")
    check(run("bench").returncode == 2, "bench without a model exits 2")

    # per-layer figures: every dispatch, FLOPs adding up to the model's
    r = run("bench", lenet, "--iters", "2", "--warmup", "0", "--per-layer", "--json", out)
    check(r.returncode == 0 and "GFLOP/s" in r.stdout, "bench --per-layer: " + r.stderr)
    if r.returncode == 0:
        b = json.load(open(out))
        layers = b["layers"] or []
        check(len(layers) == b["dispatches"], "one layer entry per dispatch")
        check(sum(l["flops"] for l in layers) == 2 * 416520, "per-layer FLOPs sum to 2 x MACs")
        check(all(l["gpu_ms"] > 0 and l["bound"] in ("compute", "memory") for l in layers),
              "per-layer times and bounds")
        check(b["traffic_bytes"] == sum(l["bytes_read"] + l["bytes_written"] for l in layers),
              "traffic is the layers' bytes")
        check(b["cold_start"]["compile_ms"] > b["warm_start"]["compile_ms"],
              "a hot shader cache makes compiling faster")

    # inspect --plan: the fused groups, the totals, fusion off, the GLSL
    r = run("inspect", lenet, "--plan")
    # LeNet-5's 7 kernels, and one more per conv run as im2col + GEMM (the
    # rule's choice on lavapipe 22.3, not 25.0: runtime/codegen/choose.c)
    extra = r.stdout.count(" im2col ")
    check(r.returncode == 0 and f"plan: {7 + extra} dispatches, {6 + extra} barriers" in r.stdout,
          "inspect --plan totals: " + r.stdout[:300] + r.stderr)
    check("/c1/Conv (Conv) + /Relu (Relu)" in r.stdout, "inspect --plan shows the fused groups")
    check("arena+" in r.stdout, "inspect --plan shows arena offsets")
    r = run("inspect", lenet, "--plan", "--no-fusion")
    check(r.returncode == 0 and "plan: 11 dispatches" in r.stdout, "inspect --plan --no-fusion")
    r = run("inspect", lenet, "--plan", "--glsl")
    check(r.returncode == 0 and r.stdout.count("#version 450") == 7 + extra,
          "--glsl: one source per kernel")
    check(run("inspect", lenet, "--glsl").returncode == 2, "--glsl without --plan exits 2")
    # a preset's labels stay inside its folder: an absolute path or ".." is refused
    for bad in ("/etc/passwd", "../labels.txt", "x/../../labels.txt"):
        preset = os.path.join(tmp, "hostile.json")
        with open(os.path.join(root, "models", "lenet5", "lenet5.onnx.json")) as f:
            p = json.load(f)
        p["labels"] = bad
        with open(preset, "w") as f:
            json.dump(p, f)
        digit0 = os.path.join(root, "models", "lenet5", "digits", "digit_3_3126.png")
        r = run("classify", lenet, digit0, "--preset", preset)
        check(r.returncode != 0 and "labels" in r.stderr and "root:" not in r.stdout,
              f"labels '{bad}' refused: " + r.stderr[-200:])
    # VKCNN_DEBUG=1 prints the plan when a model is created, =3 every dispatch of a run
    digit = os.path.join(root, "models", "lenet5", "digits", "digit_3_3126.png")
    env = dict(os.environ, VKCNN_DEBUG="3")
    r = run("classify", lenet, digit, env=env)
    check(r.returncode == 0 and f"plan: {7 + extra} dispatches" in r.stderr and "#version 450" in r.stderr
          and r.stderr.count("dispatch #") == 7 + extra, "VKCNN_DEBUG=3 dumps: " + r.stderr[-300:])

print(f"cli checks: {failures} failed")
sys.exit(1 if failures else 0)
