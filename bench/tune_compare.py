#!/usr/bin/python3
"""Tuned against untuned: `vkcnn tune` each model, then the model with and
without the tuned choices interleaved inference by inference in one process
(vkcnn-tune-ab: A B B A ..., wall time), so that a shared host's drift
falls on both alike; optionally also whole `vkcnn bench` runs in alternating
rounds (--bench-rounds).

    bench/tune_compare.py [--vkcnn PATH] [--ab PATH] [--cache-dir DIR]
                          [--budget S] [--iters N] [--bench-rounds N]
                          [--no-tune-step] [--json OUT] MODEL.onnx ...

Per model it prints the tuning time, the shapes whose choice changed, the
GPU medians of each and the median of the per-pair ratios untuned/tuned.
Any environment (VK_DRIVER_FILES for another driver, LP_NATIVE_VECTOR_WIDTH)
is passed through."""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode:
        sys.exit("failed (%d): %s\n%s" % (r.returncode, " ".join(cmd), r.stderr[-3000:]))
    return r


def bench(vkcnn, model, cache, iters, tuned, tmp):
    out = os.path.join(tmp, "bench.json")
    cmd = [vkcnn, "bench", model, "--iters", str(iters), "--warmup", "2", "--quiet",
           "--per-layer", "--cache-dir", cache, "--json", out]
    if not tuned:
        cmd.append("--no-tune")
    run(cmd)
    with open(out) as f:
        doc = json.load(f)
    if doc.get("tuned") != tuned and tuned:
        print("  note: bench ran untuned (no tuned layer applies)")
    return doc


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="+")
    ap.add_argument("--vkcnn", default=os.path.join(os.path.dirname(__file__), "..", "build",
                                                     "vkcnn"))
    ap.add_argument("--ab", default=None, help="vkcnn-tune-ab (default: beside --vkcnn, "
                    "in bench/)")
    ap.add_argument("--cache-dir", default=None, help="default: a fresh temporary directory")
    ap.add_argument("--budget", type=int, default=60)
    ap.add_argument("--iters", type=int, default=20, help="inference pairs (A/B)")
    ap.add_argument("--bench-rounds", type=int, default=0,
                    help="pairs of whole `vkcnn bench` runs per model (10 iterations each)")
    ap.add_argument("--no-tune-step", action="store_true",
                    help="use the choices already in --cache-dir")
    ap.add_argument("--json", help="write the figures here")
    a = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        cache = a.cache_dir or os.path.join(tmp, "cache")
        for model in a.models:
            name = os.path.basename(model)
            entry = {"model": name}
            if not a.no_tune_step:
                t0 = time.monotonic()
                r = run([a.vkcnn, "tune", model, "--cache-dir", cache, "--budget",
                         str(a.budget), "--json", "--quiet"])
                wall = time.monotonic() - t0
                doc = json.loads(r.stdout)
                changed = [l for l in doc["layers"] if l["stored"] and l["winner"] != l["default"]]
                entry.update(tune_seconds=doc["seconds"], tune_wall_s=wall,
                             shapes=len(doc["layers"]),
                             tuned_shapes=sum(1 for l in doc["layers"] if l["stored"]),
                             budget_exhausted=doc["budget_exhausted"],
                             changed=[{k: l[k] for k in ("first_node", "shape", "default",
                                                         "winner", "speedup", "default_ms",
                                                         "winner_ms")} for l in changed])
                print("%s: tuned %d of %d shapes in %.1f s (budget %d s%s); %d changed"
                      % (name, entry["tuned_shapes"], entry["shapes"], doc["seconds"], a.budget,
                         ", used up" if doc["budget_exhausted"] else "", len(changed)))
                for l in changed:
                    print("  %-24s %s -> %s  %.2fx (%.3f -> %.3f ms)"
                          % (l["first_node"], l["default"], l["winner"], l["speedup"],
                             l["default_ms"], l["winner_ms"]))
            ab = a.ab or os.path.join(os.path.dirname(a.vkcnn), "bench", "vkcnn-tune-ab")
            r = subprocess.run([ab, model, "--iters", str(a.iters), "--cache-dir", cache],
                               capture_output=True, text=True)
            if r.returncode not in (0, 1) or not r.stdout.strip():
                sys.exit("vkcnn-tune-ab failed: " + r.stderr)
            doc = json.loads(r.stdout)
            pairs = [u / t for t, u in zip(doc["tuned"], doc["untuned"])]
            entry.update(ab_tuned_ms=doc["tuned_ms"], ab_untuned_ms=doc["untuned_ms"],
                         ab_ratio_median=doc["ratio_median"], ab_iterations=doc["iterations"],
                         ab_tuned_layers=doc["tuned_layers"],
                         ab_ratio_p10=sorted(pairs)[len(pairs) // 10],
                         ab_ratio_p90=sorted(pairs)[len(pairs) - 1 - len(pairs) // 10])
            print("%s: A/B %d pairs: GPU median tuned %.2f ms, untuned %.2f ms; untuned/tuned "
                  "per pair median %.3f (p10 %.3f, p90 %.3f); %d layers tuned"
                  % (name, doc["iterations"], doc["tuned_ms"], doc["untuned_ms"],
                     doc["ratio_median"], entry["ab_ratio_p10"], entry["ab_ratio_p90"],
                     doc["tuned_layers"]))
            rounds = []
            for i in range(a.bench_rounds):
                order = (True, False) if i % 2 == 0 else (False, True)
                got = {}
                for tuned in order:
                    doc = bench(a.vkcnn, model, cache, a.iters, tuned, tmp)
                    got[tuned] = doc
                t, u = got[True]["gpu_ms"]["median"], got[False]["gpu_ms"]["median"]
                rounds.append({"tuned_ms": t, "untuned_ms": u, "ratio": u / t,
                               "tuned_layers": got[True].get("tuned_layers")})
                print("  round %d: tuned %.2f ms, untuned %.2f ms, untuned/tuned %.3f"
                      % (i + 1, t, u, u / t))
            if rounds:
                med_t = statistics.median(r["tuned_ms"] for r in rounds)
                med_u = statistics.median(r["untuned_ms"] for r in rounds)
                ratios = [r["ratio"] for r in rounds]
                entry.update(rounds=rounds, tuned_ms=med_t, untuned_ms=med_u,
                             ratio_median=statistics.median(ratios), ratio_min=min(ratios),
                             ratio_max=max(ratios))
                print("%s: bench GPU median tuned %.2f ms, untuned %.2f ms; untuned/tuned per "
                      "round median %.3f (%.3f-%.3f)" % (name, med_t, med_u,
                                                         entry["ratio_median"], min(ratios),
                                                         max(ratios)))
            results.append(entry)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
