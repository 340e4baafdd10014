#!/usr/bin/python3
"""bench/ceiling: what one bench/compare.py run says about how far each
model's time could fall with the kernels it runs, against a target ratio to
ONNX Runtime.

    bench/ceiling.py COMPARE_JSON [--targets resnet50=3,...] [--min-ms 0.3]
                     [--md FILE]

COMPARE_JSON is compare.py's compare.json (run with fp32 and ONNX Runtime;
its last round's per-layer figures, `vkcnn bench --per-layer`). Printed, in
markdown:

1. Per kernel family (the kernel and its variant's form: `conv1x1
   gemm1x1`, `winograd_gemm wino4`, ...): layers, time, share of the
   models' summed layer time, arithmetic rate and its share of `vkcnn
   peak`'s FMA rate, and the family's best layer (at least --min-ms long,
   so that timer noise on tiny layers does not set it).
2. Per model: vkcnn's and ONNX Runtime's medians, the target (ratio x ONNX
   Runtime), the sum of the layer times, and two floors:
   - *family best*: every layer as fast as the best layer of its own family
     in the run (for layers with FLOPs, the longer of its arithmetic at the
     family's best arithmetic rate and its writes at the best write rate;
     for the rest, bytes moved at the best rate; a layer already faster
     keeps its time). Gaps between
     dispatches and the host's overhead are left out, so it is optimistic.
   - *FMA peak*: the model's arithmetic at `vkcnn peak`'s FMA rate, plus
     its dispatches and barriers at the peak's measured costs. No kernel
     on the device runs under it.

Arithmetic FLOPs are what a layer multiplies: `vkcnn bench` counts a
Winograd layer's direct-convolution FLOPs, and F(m x m, 3 x 3) does
(m + 2)^2 products per m x m outputs where the direct form does 9 m^2
(wino4: 36 / 144, wino3: 25 / 81, wino2: 16 / 36), so its GEMM's count is
scaled by that (per 3x3 part: a 5x5 or strided kernel's parts, whose
direct form does fewer than 9 products per output and part, count low).
"""
import argparse
import collections
import json
import sys

# Issue 19's targets: vkcnn at most this many times ONNX Runtime's median.
TARGETS = {"resnet50": 3.0, "resnet18": 2.5, "googlenet": 2.5, "squeezenet1_1": 2.5,
           "mobilenet_v2": 4.0, "efficientnet_b0": 4.0, "vgg16": 2.0, "alexnet": 2.15}

# Products per output of F(m x m, 3 x 3) over the direct form's 9.
WINOGRAD_SCALE = {"wino4": 36 / 144, "wino3": 25 / 81, "wino2": 16 / 36}


def form(layer):
    """The variant's algorithm: `gemm1x1` of `gemm1x1/16x8/texel`, "" without one."""
    return (layer.get("variant") or "").split("/")[0]


def family(layer):
    return f"{layer['kernel']} {form(layer)}".strip()


def arithmetic_flops(layer):
    scale = WINOGRAD_SCALE.get(form(layer), 1.0) if layer["kernel"] == "winograd_gemm" else 1.0
    return layer["flops"] * scale


def moved(layer):
    return layer["bytes_read"] + layer["bytes_written"]


def layer_floor(layer, best):
    """The layer's time at its family's best rates: its arithmetic at the
    best arithmetic rate and its writes at the best write rate (the longer
    of the two), or for a family without FLOPs its bytes at the best rate;
    never longer than the layer took."""
    kind, rate, _, write_rate = best
    if kind == "flops":
        t = arithmetic_flops(layer) / rate if rate > 0 else 0.0
        if write_rate:
            t = max(t, layer["bytes_written"] / write_rate)
    else:
        t = moved(layer) / rate if rate > 0 else layer["gpu_ms"] * 1e6
    return min(layer["gpu_ms"], t / 1e6)


def parse_targets(text):
    out = dict(TARGETS)
    for item in filter(None, (text or "").split(",")):
        name, _, ratio = item.partition("=")
        out[name.strip()] = float(ratio)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("compare_json")
    ap.add_argument("--targets", help="NAME=RATIO,... (added to or replacing issue 19's)")
    ap.add_argument("--min-ms", type=float, default=0.3,
                    help="shortest layer that may set its family's best rate (default 0.3)")
    ap.add_argument("--md", help="also write the tables to this file")
    args = ap.parse_args()
    with open(args.compare_json) as f:
        run = json.load(f)
    targets = parse_targets(args.targets)
    peak = next((p for p in run["peaks"].values() if p), None)
    if not peak or not run["layers"]:
        sys.exit("ceiling: compare.json has no `vkcnn peak` figures or no per-layer figures")
    fma = peak["fp32_gflops"]

    by_family = collections.defaultdict(list)
    by_model = collections.defaultdict(list)
    for l in run["layers"]:
        by_family[family(l)].append(l)
        by_model[l["model"]].append(l)

    # Each family's best layer: the highest arithmetic rate, or for layers
    # without FLOPs the highest bytes per second.
    best = {}
    for fam, ls in by_family.items():
        timed = [l for l in ls if l["gpu_ms"] >= args.min_ms] or ls
        if any(l["flops"] for l in timed):
            b = max(timed, key=lambda l: arithmetic_flops(l) / l["gpu_ms"])
            w = max(timed, key=lambda l: l["bytes_written"] / l["gpu_ms"])
            best[fam] = ("flops", arithmetic_flops(b) / b["gpu_ms"] / 1e6, b,
                         w["bytes_written"] / w["gpu_ms"] / 1e6)
        else:
            b = max(timed, key=lambda l: moved(l) / l["gpu_ms"])
            best[fam] = ("bytes", moved(b) / b["gpu_ms"] / 1e6, b, None)

    total = sum(l["gpu_ms"] for l in run["layers"])
    out = [f"Device: {peak['device']}; `vkcnn peak`: FMA {fma:.1f} GFLOP/s, texel reads "
           f"{peak.get('read_texel_gbps', 0):.2f} GB/s, dispatch {peak.get('dispatch_us', 0):.2f} us, "
           f"barrier {peak.get('barrier_us', 0):.2f} us. Run of {run['meta'].get('date', '?')}.", "",
           "| family | layers | ms | share | GFLOP/s | of peak | best layer | its rate |",
           "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |"]
    for fam, ls in sorted(by_family.items(), key=lambda kv: -sum(l["gpu_ms"] for l in kv[1])):
        ms = sum(l["gpu_ms"] for l in ls)
        fl = sum(arithmetic_flops(l) for l in ls)
        kind, rate, b, _ = best[fam]
        where = f"{b['model']} #{b['index']}"
        if kind == "flops":
            rate_text, share_text = f"{fl / ms / 1e6:.1f}", f"{fl / ms / 1e6 / fma:.0%}"
            best_text = f"{rate:.1f} GFLOP/s"
        else:
            rate_text = share_text = "-"
            best_text = f"{rate:.2f} GB/s"
        out.append(f"| {fam} | {len(ls)} | {ms:.1f} | {ms / total:.1%} | {rate_text} | "
                   f"{share_text} | {where} | {best_text} |")

    rows = {(r["model"], r["runtime"].split()[0]): r for r in run["rows"]
            if not r.get("error") and r.get("precision", "fp32") == "fp32"}
    out += ["", "| model | vkcnn ms | ORT ms | target | target ms | layers ms | family-best "
                "floor ms | FMA-peak floor ms | floor / target |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for model, ls in by_model.items():
        v, o = rows.get((model, "vkcnn")), rows.get((model, "onnxruntime"))
        if not v or not o:
            continue
        floor = 0.0
        for l in ls:
            floor += layer_floor(l, best[family(l)])
        n = len(ls)
        fma_floor = (sum(arithmetic_flops(l) for l in ls) / (fma * 1e6) +
                     n * (peak.get("dispatch_us", 0) + peak.get("barrier_us", 0)) / 1e3)
        ratio = targets.get(model)
        target_ms = ratio * o["median_ms"] if ratio else None
        tail = (f"{ratio:g}x | {target_ms:.1f} | " if ratio else "- | - | ")
        verdict = f"{floor / target_ms:.2f}" if target_ms else "-"
        out.append(f"| {model} | {v['median_ms']:.1f} | {o['median_ms']:.2f} | {tail}"
                   f"{sum(l['gpu_ms'] for l in ls):.1f} | {floor:.1f} | {fma_floor:.1f} | {verdict} |")
    text = "\n".join(out) + "\n"
    print(text)
    if args.md:
        with open(args.md, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
