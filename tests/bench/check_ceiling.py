#!/usr/bin/python3
"""bench/ceiling.py on a compare.json made up here, whose floors are worked
out by hand below: the Winograd scaling, each family's best layer (the
shortest layers excluded), the write-rate floor and the target column."""
import json
import os
import subprocess
import sys
import tempfile

CEILING = sys.argv[1]


def layer(model, i, kernel, variant, ms, flops, read, written):
    return {"model": model, "index": i, "kernel": kernel, "variant": variant, "gpu_ms": ms,
            "flops": flops, "bytes_read": read, "bytes_written": written, "nodes": "n",
            "device": "dev"}


# Family "conv1x1 gemm1x1": best arithmetic rate 40 GFLOP/s (a: 40e6 FLOPs in
# 1 ms), best write rate 2 GB/s (b: 4e6 bytes in 2 ms); c is shorter than
# --min-ms (0.3) and would otherwise set a rate of 1000 GFLOP/s.
# Family "winograd_gemm wino4": d's 144e6 direct FLOPs are 36e6 multiplied,
# in 2 ms: 18 GFLOP/s, its own best. Family "pool": e moves 6e6 bytes in 1
# ms (6 GB/s), f 6e6 in 3 ms: f's floor is 1 ms.
LAYERS = [
    layer("m1", 0, "conv1x1", "gemm1x1/16x8/texel", 1.0, 40e6, 1e6, 1e6),
    layer("m1", 1, "conv1x1", "gemm1x1/16x8/texel", 2.0, 20e6, 1e6, 4e6),
    layer("m1", 2, "conv1x1", "gemm1x1/16x4/texel", 0.1, 100e6, 0, 0),
    layer("m1", 3, "winograd_gemm", "wino4/16x32/texel", 2.0, 144e6, 1e6, 0),
    layer("m2", 0, "pool", None, 1.0, 0, 5e6, 1e6),
    layer("m2", 1, "pool", None, 3.0, 0, 3e6, 3e6),
    layer("m2", 2, "conv1x1", "gemm1x1/16x8/texel", 4.0, 40e6, 1e6, 2e6),
]
# Floors, ms: m1: a 1.0 (its own rates), b max(20e6/40e9, 4e6/2e9) = 2.0,
# c 0.1 (never above its time), d 2.0: 5.1. m2: e 1.0, f 1.0, g
# max(40e6/40e9, 2e6/2e9) = 1.0: 3.0.
# FMA-peak floors (100 GFLOP/s, 10 + 1 us per dispatch): m1 (40+20+100+36)e6
# / 100e9 = 1.96 ms + 4 x 0.011 = 2.004; m2 0.4 + 0.033 = 0.433.
RUN = {
    "meta": {"date": "test"},
    "peaks": {"dev": {"device": "dev", "fp32_gflops": 100.0, "read_texel_gbps": 10.0,
                      "dispatch_us": 10.0, "barrier_us": 1.0}},
    "layers": LAYERS,
    "rows": [
        {"model": "m1", "runtime": "vkcnn", "precision": "fp32", "median_ms": 6.0},
        {"model": "m1", "runtime": "onnxruntime 1.30.0", "median_ms": 1.0},
        {"model": "m2", "runtime": "vkcnn", "precision": "fp32", "median_ms": 9.0},
        {"model": "m2", "runtime": "onnxruntime 1.30.0", "median_ms": 2.0},
    ],
}


def main():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "compare.json")
        with open(path, "w") as f:
            json.dump(RUN, f)
        r = subprocess.run([sys.executable, CEILING, path, "--targets", "m1=2,m2=1"],
                           capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"ceiling.py failed: {r.stderr}")
    rows = {}
    for line in r.stdout.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) > 1:
            rows[cells[0]] = cells
    want = {
        # model: vkcnn, ORT, target, target ms, layers ms, family-best floor, FMA floor, floor/target
        "m1": ["6.0", "1.00", "2x", "2.0", "5.1", "5.1", "2.0", "2.55"],
        "m2": ["9.0", "2.00", "1x", "2.0", "8.0", "3.0", "0.4", "1.50"],
    }
    bad = [f"{m}: got {rows.get(m, [None])[1:]}, want {w}" for m, w in want.items()
           if rows.get(m, [None])[1:] != w]
    fam = rows.get("conv1x1 gemm1x1")
    # 4 layers, 7.1 ms of 13.1, (40+20+100+40)e6 FLOPs / 7.1 ms = 28.2 GFLOP/s, 28% of
    # peak; best layer m1 #0 at 40.0 GFLOP/s (not c's 1000)
    if fam != ["conv1x1 gemm1x1", "4", "7.1", "54.2%", "28.2", "28%", "m1 #0", "40.0 GFLOP/s"]:
        bad.append(f"conv1x1 family row: {fam}")
    wino = rows.get("winograd_gemm wino4")
    if not wino or wino[4] != "18.0":
        bad.append(f"winograd family row (36e6 multiplied FLOPs in 2 ms = 18.0): {wino}")
    if bad:
        sys.exit("ceiling.py:\n" + "\n".join(bad) + "\n" + r.stdout)
    print("ceiling.py: floors, families and targets as worked out")


if __name__ == "__main__":
    main()
