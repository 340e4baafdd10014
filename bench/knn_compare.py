#!/usr/bin/python3
"""Exact k-NN speed, in one run: vkcnn (vkcnn_index_* through
bench/vkcnn-knn-bench, on the default device) against faiss's IndexFlatL2
(Debian's python3-faiss, CPU) and numpy (BLAS GEMM + argpartition), on the
same data and the same number of threads.

    bench/knn_compare.py [--bench build/bench/vkcnn-knn-bench] [--rows 100000]
                         [--dim 512] [--queries 1000] [-k 10] [--rounds 3]
                         [--iters 3] [--threads 2] [--work DIR] [--no-install]
                         [--json FILE]

Debian's default BLAS is the reference implementation, which would cripple
faiss and numpy; they get OpenBLAS instead (libopenblas0-pthread), put first
with LD_LIBRARY_PATH in their processes only: the package is fetched with
`apt-get download` and unpacked into a cache folder, so nothing changes for
the rest of the system. python3-faiss is installed with apt-get when it is
missing (as root; --no-install skips both). The BLAS each process actually
loaded is read from its /proc/self/maps and reported.

Each round runs vkcnn, faiss and numpy once, one after another (--iters
timed searches each, after one warm-up), so that a shared host's drift falls
on all of them alike; the figures are medians over all rounds. A search is
timed from queries in to neighbours out (vkcnn: vkcnn_index_search, its
uploads, kernels, waits and readback; the gallery is added beforehand, as
faiss's index.add is). GFLOP/s count the distance GEMM: 2 x queries x rows x
D. The neighbours of the three are compared (same indices per rank, outside
near-ties).

Threads: lavapipe's (LP_NUM_THREADS) and OpenBLAS/OpenMP's (OPENBLAS_NUM_THREADS,
OMP_NUM_THREADS) are all set to --threads.
"""

import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "vkcnn-bench")


def ensure_faiss(install):
    ok = subprocess.run([sys.executable, "-c", "import faiss"], capture_output=True).returncode == 0
    if ok or not install:
        return ok
    print("installing python3-faiss with apt-get (benchmark only)...", flush=True)
    subprocess.run(["apt-get", "install", "-y", "-q", "python3-faiss"], check=False,
                   stdout=subprocess.DEVNULL)
    return subprocess.run([sys.executable, "-c", "import faiss"],
                          capture_output=True).returncode == 0


def ensure_openblas(install):
    """The folder holding OpenBLAS's libblas.so.3 (libopenblas0-pthread,
    unpacked into the cache), or None."""
    root = os.path.join(cache_dir(), "openblas")
    libs = glob.glob(os.path.join(root, "usr/lib/*/openblas-pthread/libblas.so.3"))
    if libs or not install:
        return os.path.dirname(libs[0]) if libs else None
    print("fetching libopenblas0-pthread with apt-get download (benchmark only)...", flush=True)
    tmp = tempfile.mkdtemp()
    try:
        subprocess.run(["apt-get", "download", "-q", "libopenblas0-pthread"], cwd=tmp, check=True,
                       stdout=subprocess.DEVNULL)
        deb = glob.glob(os.path.join(tmp, "*.deb"))[0]
        os.makedirs(root, exist_ok=True)
        subprocess.run(["dpkg", "-x", deb, root], check=True)
    except (subprocess.CalledProcessError, IndexError) as e:
        print(f"could not fetch OpenBLAS: {e}", file=sys.stderr)
        return None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    libs = glob.glob(os.path.join(root, "usr/lib/*/openblas-pthread/libblas.so.3"))
    return os.path.dirname(libs[0]) if libs else None


def loaded_blas():
    """The BLAS library this process mapped."""
    with open("/proc/self/maps") as f:
        paths = {line.split()[-1] for line in f if "blas" in line.lower() and "/" in line}
    return sorted(paths)


# ---- workers (run in their own process, with their own environment) --------


def worker(kind, gpath, qpath, k, iters, threads, out):
    g = np.load(gpath)
    q = np.load(qpath)
    times = []
    if kind == "faiss":
        import faiss

        faiss.omp_set_num_threads(threads)
        index = faiss.IndexFlatL2(g.shape[1])
        index.add(g)
        for it in range(iters + 1):
            t = time.perf_counter()
            dist, idx = index.search(q, k)
            if it:
                times.append((time.perf_counter() - t) * 1e3)
        version = faiss.__version__
    else:
        for it in range(iters + 1):
            t = time.perf_counter()
            gn = (g * g).sum(1)
            d = gn[None, :] - 2.0 * (q @ g.T)  # |q|^2 does not change the order
            part = np.argpartition(d, k - 1, axis=1)[:, :k]
            pd = np.take_along_axis(d, part, 1)
            order = np.argsort(pd, axis=1, kind="stable")
            idx = np.take_along_axis(part, order, 1)
            dist = np.take_along_axis(pd, order, 1) + (q * q).sum(1)[:, None]
            if it:
                times.append((time.perf_counter() - t) * 1e3)
        version = np.__version__
    with open(out, "w") as f:
        json.dump({"times_ms": times, "indices": idx.tolist(), "distances": dist.tolist(),
                   "blas": loaded_blas(), "version": version}, f)


# ---- the driver ------------------------------------------------------------


def agreement(a, b):
    """Share of (query, rank) where two answers name the same row."""
    return float((np.asarray(a) == np.asarray(b)).mean())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bench", default=os.path.join(ROOT, "build", "bench", "vkcnn-knn-bench"))
    ap.add_argument("--rows", type=int, default=100000)
    ap.add_argument("--dim", type=int, default=512)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("-k", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--iters", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--work", default="/tmp/vkcnn-knn-compare")
    ap.add_argument("--no-install", action="store_true")
    ap.add_argument("--json")
    ap.add_argument("--worker", nargs=6, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        kind, gpath, qpath, k, iters, out = args.worker
        return worker(kind, gpath, qpath, int(k), int(iters), args.threads, out)

    os.makedirs(args.work, exist_ok=True)
    rng = np.random.default_rng(2022)
    gpath = os.path.join(args.work, f"gallery_{args.rows}x{args.dim}.npy")
    qpath = os.path.join(args.work, f"queries_{args.queries}x{args.dim}.npy")
    if not os.path.exists(gpath):
        np.save(gpath, rng.standard_normal((args.rows, args.dim), dtype=np.float32))
    if not os.path.exists(qpath):
        np.save(qpath, rng.standard_normal((args.queries, args.dim), dtype=np.float32))
    have_faiss = ensure_faiss(not args.no_install)
    openblas = ensure_openblas(not args.no_install)
    t = str(args.threads)
    env = dict(os.environ, OMP_NUM_THREADS=t, OPENBLAS_NUM_THREADS=t, LP_NUM_THREADS=t)
    blas_env = dict(env)
    if openblas:
        blas_env["LD_LIBRARY_PATH"] = openblas + (":" + env["LD_LIBRARY_PATH"]
                                                  if env.get("LD_LIBRARY_PATH") else "")
    runs = {"vkcnn": [], "faiss": [], "numpy": []}
    results = {}
    for r in range(args.rounds):
        for kind in ("vkcnn", "faiss", "numpy"):
            if kind == "faiss" and not have_faiss:
                continue
            out = os.path.join(args.work, f"{kind}.json")
            if kind == "vkcnn":
                cmd = [args.bench, gpath, qpath, "-k", str(args.k), "--iters", str(args.iters),
                       "--warmup", "1", "--json", out]
                p = subprocess.run(cmd, env=env, capture_output=True, text=True)
            else:
                cmd = [sys.executable, os.path.abspath(__file__), "--threads", t, "--worker",
                       kind, gpath, qpath, str(args.k), str(args.iters), out]
                p = subprocess.run(cmd, env=blas_env, capture_output=True, text=True)
            if p.returncode != 0:
                sys.exit(f"{kind}: exit {p.returncode}\n{p.stdout[-2000:]}{p.stderr[-3000:]}")
            res = json.load(open(out))
            runs[kind] += res["wall_ms"] if kind == "vkcnn" else res["times_ms"]
            results[kind] = res
            ms = statistics.median(res["wall_ms"] if kind == "vkcnn" else res["times_ms"])
            print(f"round {r + 1}: {kind:<6} {ms:9.1f} ms", flush=True)
    gflop = 2.0 * args.queries * args.rows * args.dim / 1e9
    peak = None
    vk = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(args.bench))), "vkcnn")
    if os.path.exists(vk):
        p = subprocess.run([vk, "peak", "--json"], env=env, capture_output=True, text=True)
        if p.returncode == 0:
            peak = json.loads(p.stdout)
    base = statistics.median(runs["faiss"]) if runs["faiss"] else None
    print()
    print(f"{args.rows} x {args.dim} gallery, {args.queries} queries, k = {args.k}, "
          f"{args.threads} threads, {args.rounds} rounds x {args.iters} searches; "
          f"{gflop:.1f} GFLOP per search")
    print(f"  {'runtime':<44} {'median ms':>10} {'min ms':>9} {'GFLOP/s':>8} {'x faiss':>8}")
    rows = []
    for kind in ("vkcnn", "faiss", "numpy"):
        if not runs[kind]:
            continue
        med, lo = statistics.median(runs[kind]), min(runs[kind])
        res = results[kind]
        if kind == "vkcnn":
            what = f"vkcnn, {res['device']}"
        else:
            blas = "openblas-pthread" if any("openblas" in b for b in res["blas"]) else \
                   ("reference BLAS" if res["blas"] else "no BLAS mapped")
            what = f"{kind} {res['version']}, {blas}"
        ratio = med / base if base else float("nan")
        print(f"  {what[:44]:<44} {med:10.1f} {lo:9.1f} {gflop / (med / 1e3):8.1f} {ratio:8.2f}")
        rows.append({"runtime": kind, "what": what, "median_ms": med, "min_ms": lo,
                     "gflops": gflop / (med / 1e3), "x_faiss": ratio,
                     "blas": res.get("blas"), "samples_ms": runs[kind]})
    for kind in ("faiss", "numpy"):
        if kind in results:
            print(f"  {kind} loaded: {', '.join(results[kind]['blas']) or 'no BLAS'}")
    if "vkcnn" in results:
        v = results["vkcnn"]
        print(f"  vkcnn: GPU time {v['gpu_median_ms']:.1f} ms of {v['median_ms']:.1f} ms wall; "
              f"{v['chunks']} chunks of {v['chunk_rows']} rows, query block {v['query_block']}")
        for other in ("faiss", "numpy"):
            if other in results:
                print(f"  neighbours equal to {other}'s at "
                      f"{100 * agreement(v['indices'], results[other]['indices']):.2f}% "
                      f"of (query, rank)")
    if peak:
        bound = gflop / peak["fp32_gflops"] * 1e3
        print(f"  the device's measured FMA peak ({peak['fp32_gflops']:.1f} GFLOP/s, vkcnn peak) "
              f"bounds the GEMM at {bound:.0f} ms"
              + (f" = {bound / base:.2f}x faiss" if base else ""))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": args.rows, "dim": args.dim, "queries": args.queries, "k": args.k,
                       "threads": args.threads, "gflop": gflop, "runtimes": rows,
                       "peak": peak}, f, indent=1)


if __name__ == "__main__":
    main()
