#!/usr/bin/python3
"""bench/compare: the same ONNX models, same weights, same input, same batch
and thread count, through

  - vkcnn on every Vulkan device of the machine (`vkcnn bench --per-layer`),
    with fp32 and with fp16 weights (--precisions),
  - ONNX Runtime on the CPU (npm onnxruntime-node, installed by this script
    into the cache on first use; ONNXRUNTIME_NODE_INSTALL=skip keeps npm from
    fetching GPU providers),
  - PyTorch (Debian's python3-torch) on the CPU, and on CUDA in fp32 (TF32
    off) and fp16 where a GPU is present, each CUDA run both eager and as
    replays of one forward pass captured into a CUDA graph (runtime
    "pytorch VERSION CUDA graph": PyTorch without its per-op launch cost; a
    model whose capture fails gets a failed row with the exception's
    message);

then prints a markdown table of median times, ratios to vkcnn and vkcnn's
host overhead (`vkcnn bench`'s wall minus GPU time per inference, in its
runs with timestamps; the medians are of its runs without them), writes
compare.json, compare.md, compare.svg (bars per model, runtime and device)
and roofline.svg (vkcnn's layers against the device's measured peak).

Every runtime's top-5 classes for the same input are compared: a speed
figure never hides a wrong answer (exit status 1 when they differ).

    bench/compare.py [--models default] [--batch 1] [--iters 20]
                     [--rounds 4] [--threads N] [--out DIR] [--vkcnn PATH]
                     [--precisions fp32,fp16]

Each runtime's --iters are split over --rounds rounds taken in turn (vkcnn,
ONNX Runtime, PyTorch, then again), and the medians are of the pooled
iterations, so that a shared host's drift falls on every runtime alike.

Models (--models, comma-separated): `lenet5`, the bundled trained model, or
any name of models/export.py's MODELS (`models/export.py --list`), exported
with fixed-seed weights and cached like the tests' (see
models/cached_export.py); each is fed its own input size from the export
spec (inception_v3: 299x299). Set names expand in place:

  default  resnet50, resnet18, mobilenet_v2, efficientnet_b0, squeezenet1_1,
           googlenet, vgg16, alexnet: the lavapipe comparison at batch 1
  classic  lenet5, alexnet, vgg16 (the earlier default)
  zoo      export.py's ZOO, one model per torchvision family

(On a GPU, ../shared/tools/gpu-run.sh passes its MODELS / MODELS16 on as
--models.)
Run from a release build: `vkcnn` is looked for in build/ unless --vkcnn is
given.
"""
import argparse
import copy
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "models"))

ORT_VERSION = "1.30.0"

# The default set: the lavapipe comparison's models at batch 1 (ResNet-50,
# ResNet-18, MobileNetV2, EfficientNet-B0, SqueezeNet 1.1, GoogLeNet, VGG-16,
# AlexNet).
DEFAULT_MODELS = ["resnet50", "resnet18", "mobilenet_v2", "efficientnet_b0", "squeezenet1_1",
                  "googlenet", "vgg16", "alexnet"]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def bench_input(shape):
    """The input `vkcnn bench` feeds (tools/cmd_bench.c): xorshift64 from a
    fixed seed, (state >> 40) / 2^23 - 1 per element, in C order."""
    import numpy as np

    n = 1
    for d in shape:
        n *= d
    out = np.empty(n, dtype=np.float32)
    s = 0x2545F4914F6CDD1D
    mask = (1 << 64) - 1
    for k in range(n):
        s ^= (s << 13) & mask
        s ^= s >> 7
        s ^= (s << 17) & mask
        out[k] = np.float32(s >> 40) / np.float32(8388608.0) - np.float32(1.0)
    return out.reshape(shape)


def spread(times):
    t = sorted(times)
    n = len(t)
    return {"median": statistics.median(t), "p10": t[(n - 1) // 10], "p90": t[(n - 1) - (n - 1) // 10]}


def top5(logits):
    import numpy as np

    row = np.asarray(logits).reshape(logits.shape[0], -1)[0]
    return [int(i) for i in np.argsort(-row, kind="stable")[:5]]


def model_file(name, batch):
    if name == "lenet5":
        return os.path.join(ROOT, "models", "lenet5", "lenet5.onnx")
    import cached_export

    return cached_export.cached_export(name, batch=batch, log=log)


def export_module():
    import cached_export

    return cached_export._load_export_module()


def model_names(spec):
    """--models: names and set names, expanded in order without repeats.
    Raises ValueError naming an unknown entry."""
    export = export_module()
    sets = {"default": DEFAULT_MODELS, "classic": ["lenet5", "alexnet", "vgg16"],
            "zoo": list(export.ZOO)}
    names = []
    for item in (v.strip() for v in spec.split(",")):
        if not item:
            continue
        for name in sets.get(item, [item]):
            if name != "lenet5" and name not in export.MODELS:
                raise ValueError(f"unknown model '{name}': use lenet5, a set ("
                                 f"{', '.join(sets)}) or one of {', '.join(export.MODELS)}")
            if name not in names:
                names.append(name)
    if not names:
        raise ValueError(f"--models '{spec}' names no model")
    return names


def input_shape(name, batch):
    if name == "lenet5":
        return (batch, 1, 32, 32)
    import cached_export

    spec = cached_export._load_export_module().MODELS[name]
    return (batch,) + tuple(spec["input_shape"])


# ---- vkcnn ---------------------------------------------------------------


def vkcnn_devices(vkcnn):
    r = subprocess.run([vkcnn, "devices", "--json"], capture_output=True, text=True)
    if r.returncode != 0:
        log("vkcnn devices failed: " + r.stderr.strip())
        return []
    return json.loads(r.stdout)["devices"]


def run_vkcnn(vkcnn, path, batch, iters, device, precision="fp32", env_extra=None):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "bench.json")
        env = dict(os.environ, **(env_extra or {}))
        cmd = [vkcnn, "bench", path, "--batch", str(batch), "--iters", str(iters), "--per-layer",
               "--device", str(device), "--precision", precision, "--json", out]
        r = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if r.returncode != 0:
            raise RuntimeError("vkcnn bench failed: " + r.stderr.strip())
        with open(out) as f:
            return json.load(f)


def vkcnn_peak(vkcnn, device):
    r = subprocess.run([vkcnn, "peak", "--json", "--device", str(device)], capture_output=True,
                       text=True)
    return json.loads(r.stdout) if r.returncode == 0 else None


# ---- ONNX Runtime ----------------------------------------------------------


def ort_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "vkcnn-bench", f"onnxruntime-node-{ORT_VERSION}")


def ensure_ort():
    d = ort_dir()
    if os.path.isdir(os.path.join(d, "node_modules", "onnxruntime-node")):
        return d
    os.makedirs(d, exist_ok=True)
    log(f"installing onnxruntime-node {ORT_VERSION} into {d}")
    env = dict(os.environ, ONNXRUNTIME_NODE_INSTALL="skip")
    r = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", d,
                        f"onnxruntime-node@{ORT_VERSION}"], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise RuntimeError("npm install onnxruntime-node failed: " + r.stderr.strip()[-500:])
    return d


def run_ort(path, x, iters, threads):
    d = ensure_ort()
    with tempfile.TemporaryDirectory() as tmp:
        inp = os.path.join(tmp, "x.bin")
        x.tofile(inp)
        env = dict(os.environ, NODE_PATH=os.path.join(d, "node_modules"))
        r = subprocess.run(["node", os.path.join(ROOT, "bench", "ort_bench.js"), path, inp,
                            ",".join(str(v) for v in x.shape), str(iters), "3", str(threads)],
                           capture_output=True, text=True, env=env)
        if r.returncode != 0:
            raise RuntimeError("onnxruntime failed: " + r.stderr.strip())
        return json.loads(r.stdout)


# ---- PyTorch ---------------------------------------------------------------


def torch_model(name):
    import torch

    if name == "lenet5":  # the trained model: its ONNX weights in the same layers
        import onnx
        from onnx import numpy_helper

        g = onnx.load(os.path.join(ROOT, "models", "lenet5", "lenet5.onnx")).graph
        w = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in g.initializer}
        nn = torch.nn
        model = nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5),
                              nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120),
                              nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
        for i, prefix in ((0, "c1"), (3, "c3"), (7, "c5"), (9, "f6"), (11, "out")):
            model[i].weight.data.copy_(w[prefix + ".weight"])
            model[i].bias.data.copy_(w[prefix + ".bias"])
        return model.eval()
    import cached_export

    export = cached_export._load_export_module()
    with export._SkipInit():
        model = export.MODELS[name]["build"]()
    export.randomize_(model, 0)  # cached_export's default seed
    return model.eval()


def torch_copy(model, device, half, copies):
    """The deep copy of `model` for (device, half), made on first use and
    kept in `copies` (a dict the caller holds per model) so that the rounds
    reuse it. `model` itself is never moved or converted (Module.to and
    .half work in place)."""
    key = (device, half)
    if key not in copies:
        m = copy.deepcopy(model).to(device)
        copies[key] = (m.half() if half else m).eval()
    return copies[key]


def run_torch(model, x, iters, threads, device="cpu", half=False, copies=None):
    """Times `model` on `x` on `device` (fp16 with half), eagerly, on its
    copy for (device, half) (torch_copy)."""
    import torch

    torch.set_num_threads(threads)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    m = torch_copy(model, device, half, {} if copies is None else copies)
    t = torch.from_numpy(x.copy()).to(device)  # its own buffer, not x's
    if half:
        t = t.half()
    times = []
    with torch.no_grad():
        for i in range(iters + 3):
            if device == "cuda":
                torch.cuda.synchronize()
            t0 = time.perf_counter()
            y = m(t)
            if device == "cuda":
                torch.cuda.synchronize()
            if i >= 3:
                times.append((time.perf_counter() - t0) * 1e3)
    return {"times_ms": times, "top5": top5(y.float().cpu().numpy()), "version": torch.__version__}


def run_torch_graph(model, x, iters, half, copies, graphs):
    """Times replays of one forward pass of `model` on `x` captured into a
    CUDA graph (fp16 with half), on the CUDA copy run_torch times eagerly
    (torch_copy). The capture is made on first use and kept in `graphs` (a
    dict the caller holds per model, like `copies`): the input is copied
    once into a static device tensor, three warm-up passes run on a side
    stream (cuDNN and cuBLAS set themselves up outside the capture) and the
    capture is taken on that same stream. Each replay is timed as run_torch
    times a pass, synchronised before and after, after 3 untimed ones.
    Raises what capture or replay raises."""
    import torch

    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    if half not in graphs:
        m = torch_copy(model, "cuda", half, copies)
        static_in = torch.from_numpy(x.copy()).to("cuda")
        if half:
            static_in = static_in.half()
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())  # static_in is written on this one
        g = torch.cuda.CUDAGraph()
        # the outer stream context puts the current stream back even when
        # the capture's own exit fails
        with torch.no_grad(), torch.cuda.stream(side):
            for _ in range(3):
                m(static_in)
            with torch.cuda.graph(g, stream=side):
                static_out = m(static_in)
        torch.cuda.current_stream().wait_stream(side)
        graphs[half] = (g, static_in, static_out)  # replays read and write these
    g, _, out = graphs[half]
    times = []
    for i in range(iters + 3):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        g.replay()
        torch.cuda.synchronize()
        if i >= 3:
            times.append((time.perf_counter() - t0) * 1e3)
    return {"times_ms": times, "top5": top5(out.float().cpu().numpy()), "version": torch.__version__}


WHILE = "\n-- raised while handling --\n"


def error_text(e):
    """An exception's type and message, then those of the exceptions it was
    raised while handling: a capture whose exit fails raises its own error
    over the one that broke the capture."""
    parts = []
    while e is not None and len(parts) < 4:
        parts.append(f"{type(e).__name__}: {e}")
        e = e.__cause__ or e.__context__
    return WHILE.join(parts)


def error_line(text, width=150):
    """error_text's text on one line for a log or a table: the first line
    of each exception's message, each cut to `width` characters."""
    lines = [(part.strip().splitlines() or [""])[0] for part in text.split(WHILE)]
    return "; while handling ".join(l if len(l) <= width else l[:width - 3] + "..." for l in lines)


# ---- charts ----------------------------------------------------------------


def svg_bars(rows, path):
    """Horizontal bars of median ms (log scale), grouped by model."""
    import math

    models = []
    for r in rows:
        if r["model"] not in models:
            models.append(r["model"])
    bar_h, gap, left, width = 18, 14, 330, 520
    vals = [r["median_ms"] for r in rows if r["median_ms"] > 0]
    lo, hi = math.log10(min(vals) / 2), math.log10(max(vals) * 2)
    y = 30
    parts = []
    for m in models:
        parts.append(f'<text x="4" y="{y + 12}" font-weight="bold">{m}</text>')
        y += 18
        for r in rows:
            if r["model"] != m:
                continue
            w = max(1.0, (math.log10(r["median_ms"]) - lo) / (hi - lo) * width)
            color = "#3a7" if r["runtime"] == "vkcnn" else "#57a" if "onnx" in r["runtime"] else "#c73"
            label = f'{r["runtime"]} ({r["device"]})'
            parts.append(f'<text x="4" y="{y + 13}" font-size="11">{label[:52]}</text>')
            parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h - 4}" fill="{color}"/>')
            parts.append(f'<text x="{left + w + 4:.1f}" y="{y + 12}" font-size="11">{r["median_ms"]:.2f} ms</text>')
            y += bar_h
        y += gap
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 90}" height="{y + 10}" '
           f'font-family="sans-serif" font-size="12"><text x="4" y="16">median time per batch, '
           f'log scale (shorter is faster)</text>{"".join(parts)}</svg>\n')
    with open(path, "w") as f:
        f.write(svg)


def svg_roofline(layers, peak, path):
    """vkcnn's layers: GFLOP/s against FLOPs per byte moved, under the
    device's measured compute and read-bandwidth roofs (log-log)."""
    import math

    pts = [(l["flops"] / max(1, l["bytes_read"] + l["bytes_written"]), l["gflops"], l["model"])
           for l in layers if l["flops"] > 0 and l["gflops"] > 0]
    if not pts or not peak:
        return
    W, H, pad = 640, 420, 50
    x0, x1 = math.log10(min(p[0] for p in pts) / 2), math.log10(max(p[0] for p in pts) * 2)
    y0 = math.log10(min(p[1] for p in pts) / 2)
    y1 = math.log10(max(peak["fp32_gflops"], max(p[1] for p in pts)) * 2)

    def sx(v):
        return pad + (math.log10(v) - x0) / (x1 - x0) * (W - 2 * pad)

    def sy(v):
        return H - pad - (math.log10(v) - y0) / (y1 - y0) * (H - 2 * pad)

    roof = []
    steps = 60
    for i in range(steps + 1):
        ai = 10 ** (x0 + (x1 - x0) * i / steps)
        roof.append(f"{sx(ai):.1f},{sy(min(peak['fp32_gflops'], ai * peak['read_gbps'])):.1f}")
    colors = {}
    palette = ["#d33", "#36c", "#393", "#c6c", "#c93"]
    dots = []
    for ai, g, m in pts:
        c = colors.setdefault(m, palette[len(colors) % len(palette)])
        dots.append(f'<circle cx="{sx(ai):.1f}" cy="{sy(g):.1f}" r="3" fill="{c}"/>')
    legend = "".join(f'<text x="{W - 140}" y="{20 + 14 * i}" fill="{c}">{m}</text>'
                     for i, (m, c) in enumerate(colors.items()))
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" '
           f'font-size="11"><text x="{pad}" y="16">vkcnn layers on {peak.get("device", "")}: GFLOP/s '
           f'(direct-conv FLOPs) vs FLOP/byte; roof {peak["fp32_gflops"]:.0f} GFLOP/s, '
           f'{peak["read_gbps"]:.1f} GB/s</text>'
           f'<polyline points="{" ".join(roof)}" fill="none" stroke="#555" stroke-width="2"/>'
           f'{"".join(dots)}{legend}'
           f'<text x="{W / 2 - 40}" y="{H - 10}">FLOP per byte</text>'
           f'<text x="6" y="{H / 2}" transform="rotate(-90 6 {H / 2})">GFLOP/s</text></svg>\n')
    with open(path, "w") as f:
        f.write(svg)


# ---- main ------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="default",
                    help="comma-separated: lenet5, names of models/export.py's MODELS, or the "
                         "sets default (" + ",".join(DEFAULT_MODELS) + "), classic "
                         "(lenet5,alexnet,vgg16), zoo (export.py's ZOO)")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=4,
                    help="split each runtime's iterations over this many interleaved rounds")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "compare"))
    ap.add_argument("--vkcnn", default=os.path.join(ROOT, "build", "vkcnn"))
    ap.add_argument("--precisions", default="fp32,fp16",
                    help="vkcnn weight precisions to run (fp32, fp16 or both)")
    ap.add_argument("--no-ort", action="store_true")
    ap.add_argument("--no-torch", action="store_true")
    args = ap.parse_args()
    try:
        names = model_names(args.models)
    except ValueError as e:
        ap.error(str(e))
    os.makedirs(args.out, exist_ok=True)
    import torch

    if not args.no_torch and not torch.cuda.is_available():
        log("pytorch CUDA eager and CUDA graph rows: skipped, torch.cuda.is_available() is False "
            "(no CUDA device or no CUDA build)")
    devices = vkcnn_devices(args.vkcnn)
    rows, layers, peaks, mismatches = [], [], {}, []
    for name in names:
        path = model_file(name, args.batch)
        x = bench_input(input_shape(name, args.batch))
        # Each runtime's iterations are split over --rounds rounds, run in
        # turn (vkcnn, ONNX Runtime, PyTorch, vkcnn, ...), and pooled: a
        # shared host's speed drifts within minutes, and back-to-back blocks
        # would hand each runtime a different phase of it.
        per_round = max(1, -(-args.iters // args.rounds))
        acc = {}  # key -> row being pooled, in first-seen order

        def pool(key, row, times):
            if key not in acc:
                acc[key] = dict(row, times_ms=[])
            elif acc[key]["top5"] != row["top5"]:  # rounds must agree too
                acc[key]["top5"] = [-1]
            acc[key]["times_ms"] += times

        model = None if args.no_torch else torch_model(name)
        copies = {}  # (device, half) -> the copy run_torch times, for every round
        graphs = {}  # half -> the CUDA graph run_torch_graph replays, for every round
        for rnd in range(args.rounds):
            for d, precision in [(d, p) for d in devices for p in args.precisions.split(",")]:
                label = d["name"] + (", fp16 weights" if precision == "fp16" else "")
                try:
                    b = run_vkcnn(args.vkcnn, path, args.batch, per_round, d["index"], precision)
                except RuntimeError as e:
                    log(f"{name} on {label}: {e}")
                    continue
                pool(("vkcnn", label), {"runtime": "vkcnn", "device": label, "top5": b["top5"],
                                        "share_of_peak": b["share_of_peak"],
                                        "vector_width": b["vector_width"], "precision": precision,
                                        "gpu_ms": (b["gpu_ms"] or b["wall_ms"])["median"]},
                     b["wall_samples_ms"])
                if b.get("overhead_ms"):  # wall - gpu; null without timestamps
                    acc[("vkcnn", label)].setdefault("overhead_rounds_ms", []).append(
                        b["overhead_ms"]["median"])
                if precision == "fp32" and rnd == args.rounds - 1:
                    for l in b["layers"] or []:
                        layers.append(dict(l, model=name, device=label))
                if d["name"] not in peaks:
                    peaks[d["name"]] = vkcnn_peak(args.vkcnn, d["index"])
                    if peaks[d["name"]]:
                        peaks[d["name"]]["device"] = d["name"]
                log(f"{name}: round {rnd + 1}: vkcnn on {label}: {b['wall_ms']['median']:.2f} ms")
            if not args.no_ort:
                try:
                    o = run_ort(path, x, per_round, args.threads)
                    pool(("ort",), {"runtime": f"onnxruntime {o['version']}",
                                    "device": f"CPU, {args.threads} threads", "top5": o["top5"]},
                         o["times_ms"])
                    log(f"{name}: round {rnd + 1}: onnxruntime: {spread(o['times_ms'])['median']:.2f} ms")
                except RuntimeError as e:
                    log(f"{name}: {e}")
            if model is not None:
                runs = [("cpu", False, False)]  # device, half, CUDA graph
                if torch.cuda.is_available():
                    runs += [("cuda", False, False), ("cuda", False, True), ("cuda", True, False),
                             ("cuda", True, True)]
                for dev, half, graphed in runs:
                    label = f"CPU, {args.threads} threads" if dev == "cpu" else torch.cuda.get_device_name(0)
                    label += ", fp16" if half else (", fp32 (TF32 off)" if dev == "cuda" else "")
                    runtime = f"pytorch {torch.__version__}" + (" CUDA graph" if graphed else "")
                    key = ("torch graph" if graphed else "torch", label)
                    if key in acc and acc[key].get("error"):
                        continue  # failed in an earlier round: not tried again
                    if graphed:
                        try:
                            p = run_torch_graph(model, x, per_round, half, copies, graphs)
                        except Exception as e:  # an op that cannot be captured, out of memory, ...
                            msg = error_text(e)
                            log(f"{name}: {runtime} {label}: failed: {error_line(msg)}")
                            graphs.pop(half, None)
                            acc.setdefault(key, {"runtime": runtime, "device": label, "top5": None,
                                                 "cuda_graph": True, "times_ms": []})["error"] = msg
                            continue
                    else:
                        try:
                            p = run_torch(model, x, per_round, args.threads, dev, half, copies)
                        except RuntimeError as e:  # e.g. CUDA out of memory at batch 16
                            log(f"{name}: pytorch {label}: {e}")
                            continue
                    pool(key, {"runtime": runtime, "device": label, "top5": p["top5"],
                               "cuda_graph": graphed}, p["times_ms"])
                    log(f"{name}: round {rnd + 1}: {runtime} {label}: "
                        f"{spread(p['times_ms'])['median']:.2f} ms")
        del model, copies, graphs
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        results = []
        for r in acc.values():
            if r.get("error"):  # a failed row: no times
                r.update(median_ms=None, p10_ms=None, p90_ms=None)
            else:
                s = spread(r["times_ms"])
                r.update(median_ms=s["median"], p10_ms=s["p10"], p90_ms=s["p90"])
            if r["runtime"] == "vkcnn":  # the median of the rounds' medians
                o = r.pop("overhead_rounds_ms", None)
                r["overhead_ms"] = statistics.median(o) if o else None
            results.append(r)
        ok = [r for r in results if not r.get("error")]
        # ratios are to the fastest fp32 vkcnn run (fp16 rows are listed beside)
        best = min((r["median_ms"] for r in ok
                    if r["runtime"] == "vkcnn" and r.get("precision") == "fp32"), default=None)
        ref = next((r["top5"] for r in ok if r["runtime"].startswith("pytorch")),
                   ok[0]["top5"] if ok else None)
        for r in results:
            r["model"] = name
            r["ratio_to_vkcnn"] = r["median_ms"] / best if best and r["median_ms"] is not None else None
            r["top5_agrees"] = None if r.get("error") else r["top5"] == ref
            # fp16 rows may reorder near-ties: reported (top5_agrees), not fatal
            if r["top5_agrees"] is False and "fp16" not in r["device"]:
                mismatches.append(f"{name}: {r['runtime']} on {r['device']}: top-5 {r['top5']} vs {ref}")
        rows += results

    md = ["| model | runtime | device | median ms | p10 | p90 | x vkcnn | overhead ms | top-5 agrees |",
          "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    failures = []
    for r in rows:
        if r.get("error"):
            failures.append(f"- {r['model']}, {r['runtime']} on {r['device']}: failed: "
                            f"{error_line(r['error'])}")
            md.append(f"| {r['model']} | {r['runtime']} | {r['device']} | failed | - | - | - | - | - |")
            continue
        ratio = f"{r['ratio_to_vkcnn']:.2f}" if r["ratio_to_vkcnn"] else "-"
        over = f"{r['overhead_ms']:.3f}" if r.get("overhead_ms") is not None else "-"
        md.append(f"| {r['model']} | {r['runtime']} | {r['device']} | {r['median_ms']:.2f} | "
                  f"{r['p10_ms']:.2f} | {r['p90_ms']:.2f} | {ratio} | {over} | "
                  f"{'yes' if r['top5_agrees'] else 'NO'} |")
    if failures:
        md += [""] + failures
    md += ["", "vkcnn's times are `vkcnn bench`'s wall times, without timestamps. overhead ms: its "
               "wall minus GPU time per inference in its runs with a timestamp around each "
               "dispatch (submit, wait, work outside the dispatches), the median of the rounds' "
               "medians."]
    text = "\n".join(md) + "\n"
    print(text)
    meta = {"batch": args.batch, "iters": args.iters, "rounds": args.rounds, "threads": args.threads,
            "date": time.strftime("%Y-%m-%d %H:%M:%S"), "cpu": os.cpu_count()}
    with open(os.path.join(args.out, "compare.md"), "w") as f:
        f.write(text)
    with open(os.path.join(args.out, "compare.json"), "w") as f:
        json.dump({"meta": meta, "rows": rows, "layers": layers, "peaks": peaks}, f, indent=1)
    timed = [r for r in rows if not r.get("error")]
    if timed:
        svg_bars(timed, os.path.join(args.out, "compare.svg"))
    peak = next((p for p in peaks.values() if p), None)
    svg_roofline(layers, peak, os.path.join(args.out, "roofline.svg"))
    log(f"wrote {args.out}/compare.md, compare.json, compare.svg, roofline.svg")
    for m in mismatches:
        log("TOP-5 MISMATCH: " + m)
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
