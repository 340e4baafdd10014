#!/usr/bin/python3
"""The model-zoo table: every torchvision family of models/export.py (ZOO)
at opsets 11, 13, 17 (Debian's torch) and 18, 20, 22 (the opset-17 file
rewritten by export.upgrade_opset), run by `vkcnn run` and compared with
PyTorch's logits as tests/models/test_run.py does (max |diff| <= 1e-4 * max
|ref| + 1e-5 and the same top-5).  Prints markdown.

    zoo_table.py VKCNN [--models A,B,...] [--opsets 11,13,...] [--batch4 OPSET]
                 [--bench OPSET] [--iters N] [--warmup N] [--out FILE.md]
                 [--json FILE]

Each cell: `ok r` (loads, max|diff|/max|ref| = r, top-5 equal), `DIFF r` or
`TOP5 r` (loads but does not match), or `refused` (vkcnn's first error line
is listed under the table, with the operators it names).  `--batch4 OPSET`
adds a column: a dynamic-batch export at OPSET run at batch 4.  `--bench
OPSET` adds a second table, `vkcnn bench MODEL --iters N` (default 5) at
batch 1 for each model that loads at OPSET.  Exports come from the shared
cache (models/cached_export.py) and are made on first use.  No validation
layer here (the ctest cases run under it); figures from a busy machine are
noisy.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def run_case(vkcnn, name, opset, batch=1, reference_batch=None, timeout=1800):
    """One cell: export (cached), `vkcnn run`, compare.  Returns a dict."""
    cell = {"model": name, "opset": opset, "batch": batch, "reference_batch": reference_batch}
    t0 = time.perf_counter()
    try:
        path = common.model_path(name, batch=batch, opset=opset, reference_batch=reference_batch)
    except Exception as e:  # an export that fails is a result too
        cell.update(status="export failed", error=f"{type(e).__name__}: {e}")
        return cell
    cell["export_s"] = time.perf_counter() - t0
    folder = os.path.dirname(path)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.npy")
        t0 = time.perf_counter()
        try:
            r = subprocess.run([vkcnn, "run", path, "--input", os.path.join(folder, "input.npy"),
                                "--output", out, "--quiet"], capture_output=True, text=True,
                               timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            cell.update(status="timeout", error=f"vkcnn run took over {timeout} s")
            return cell
        cell["run_s"] = time.perf_counter() - t0
        if r.returncode != 0:
            cell.update(status="refused", error=short_error(r.stderr.strip(), path),
                        rc=r.returncode)
            return cell
        got = np.load(out)
    res = common.compare_logits(got, np.load(os.path.join(folder, "output.npy")))
    cell.update(ratio=res["ratio"], diff_ok=res["diff_ok"], top5_ok=res["top5_ok"],
                problems=res["problems"])
    cell["status"] = "ok" if res["diff_ok"] and res["top5_ok"] else \
        ("DIFF" if not res["diff_ok"] else "TOP5")
    return cell


def missing_operators(error):
    """Operator names vkcnn's message names (best effort): `Op (opset N)` in
    its list of unsupported operators, `node 'x' (Op)` in a node's error."""
    ops = set(re.findall(r"\b([A-Z][A-Za-z0-9]+) \(opset [0-9]+\)", error))
    ops.update(re.findall(r"node '[^']*' \(([A-Z][A-Za-z0-9]+)\)", error))
    return sorted(ops)


def short_error(error, path):
    """vkcnn's message without the `vkcnn run: MODEL: ` prefix."""
    return error.replace(f"vkcnn run: {path}: ", "").replace(path, "MODEL")


def cell_text(cell):
    st = cell["status"]
    if st in ("ok", "DIFF", "TOP5"):
        return f"{st} {cell['ratio']:.1e}"
    return st


def bench(vkcnn, name, opset, iters, warmup=None):
    path = common.model_path(name, batch=1, opset=opset)
    with tempfile.TemporaryDirectory() as tmp:
        js = os.path.join(tmp, "bench.json")
        cmd = [vkcnn, "bench", path, "--iters", str(iters), "--json", js, "--quiet"]
        if warmup is not None:
            cmd += ["--warmup", str(warmup)]
        r = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if r.returncode != 0:
            return {"model": name, "error": r.stderr.strip()}
        with open(js) as f:
            d = json.load(f)
    cold = d.get("cold_start") or {}
    return {"model": name, "gpu_ms": (d.get("gpu_ms") or {}).get("median"),
            "wall_ms": (d.get("wall_ms") or {}).get("median"),
            "images_per_s": d.get("images_per_s"), "gflop": d.get("gflop_per_image"),
            "share_of_peak": d.get("share_of_peak"), "dispatches": d.get("dispatches"),
            "cold_ms": cold.get("total_ms"), "device": d.get("device")}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("vkcnn")
    ap.add_argument("--models", help="comma-separated (default: export.py's ZOO)")
    ap.add_argument("--opsets", default=",".join(map(str, common.ZOO_OPSETS)))
    ap.add_argument("--batch4", type=int, metavar="OPSET",
                    help="add a column: dynamic-batch export at OPSET, run at batch 4")
    ap.add_argument("--bench", type=int, metavar="OPSET",
                    help="add the table of `vkcnn bench` at batch 1, opset OPSET")
    ap.add_argument("--iters", type=int, default=5, help="bench --iters (default 5)")
    ap.add_argument("--warmup", type=int, help="bench --warmup (default: bench's, 3)")
    ap.add_argument("--out", help="write the markdown here too")
    ap.add_argument("--json", help="write every cell as JSON")
    args = ap.parse_args()
    common.require_python_deps()
    export = common.export_module()
    models = args.models.split(",") if args.models else list(export.ZOO)
    opsets = [int(o) for o in args.opsets.split(",")]
    for m in models:
        if m not in export.MODELS:
            ap.error(f"unknown model {m}")

    cells = []
    lines = []
    head = ["model", "family"] + [f"opset {o}" for o in opsets]
    if args.batch4:
        head.append(f"batch 4 (dyn., opset {args.batch4})")
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "---|" * len(head))
    errors = {}
    mismatches = []
    t_all = time.perf_counter()
    for m in models:
        row = [f"`{m}`", export.MODELS[m]["family"] or ""]
        configs = [(o, 1, None) for o in opsets]
        if args.batch4:
            configs.append((args.batch4, None, 4))
        for opset, batch, ref in configs:
            c = run_case(args.vkcnn, m, opset, batch, ref)
            cells.append(c)
            print(f"# {m} opset {opset} batch {batch or 'dyn'}{'/' + str(ref) if ref else ''}: "
                  f"{c['status']} {c.get('ratio', '')} {c.get('error', '').splitlines()[:1]}",
                  file=sys.stderr, flush=True)
            row.append(cell_text(c))
            where = f"{m}@{opset}" + ("x4" if ref else "")
            if c.get("error"):
                first = c["error"].splitlines()
                key = " / ".join(first[:3])[:400]
                errors.setdefault(key, []).append(where)
            elif c.get("problems"):
                mismatches.append(f"{where}: " + "; ".join(c["problems"]) +
                                  (" (top-5 equal)" if c["top5_ok"] else ""))
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    lines.append(f"Cells: max\\|diff\\|/max\\|ref\\| of `vkcnn run` against PyTorch "
                 f"(bound 1e-4 + 1e-5/max\\|ref\\|), `ok` when within it and the top-5 agree. "
                 f"{len(cells)} cases in {time.perf_counter() - t_all:.0f} s.")
    if mismatches:
        lines.append("")
        lines.append("Mismatches:")
        lines.append("")
        lines += [f"- {m}" for m in mismatches]
    if errors:
        lines.append("")
        lines.append("Refusals and failures (vkcnn's message, first lines):")
        lines.append("")
        for msg, where in errors.items():
            ops = missing_operators(msg)
            lines.append(f"- {', '.join(where)}: {msg}" + (f" [operators: {', '.join(ops)}]"
                                                           if ops else ""))
    if args.bench:
        lines.append("")
        lines.append(f"`vkcnn bench MODEL --iters {args.iters}"
                     + (f" --warmup {args.warmup}" if args.warmup is not None else "")
                     + f"` at batch 1, opset {args.bench}:")
        lines.append("")
        lines.append("| model | GFLOP/image | gpu ms (median) | wall ms (median) | images/s | "
                     "share of peak | dispatches | cold start ms |")
        lines.append("|---|---|---|---|---|---|---|---|")
        device = None
        for m in models:
            ok = [c for c in cells if c["model"] == m and c["opset"] == args.bench
                  and c["batch"] == 1 and c["status"] in ("ok", "DIFF", "TOP5")]
            if not ok:
                continue
            b = bench(args.vkcnn, m, args.bench, args.iters, args.warmup)
            cells.append(dict(b, kind="bench"))
            if b.get("error"):
                lines.append(f"| `{m}` | bench failed: {b['error'].splitlines()[0]} |")
                continue
            device = b["device"]

            def f(v, fmt):
                return "" if v is None else format(v, fmt)

            lines.append(f"| `{m}` | {f(b['gflop'], '.2f')} | {f(b['gpu_ms'], '.1f')} | "
                         f"{f(b['wall_ms'], '.1f')} | {f(b['images_per_s'], '.2f')} | "
                         f"{f(b['share_of_peak'], '.1%')} | {b['dispatches']} | "
                         f"{f(b['cold_ms'], '.0f')} |")
        if device:
            lines.append("")
            lines.append(f"Device: {device}.")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(cells, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
