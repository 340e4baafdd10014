#!/usr/bin/python3
"""`vkcnn knn` against an exact float64 search in numpy, on random data, as
issue 22 asks:

- gallery x D: 1 x 8, 1,000 x 2, 200,000 x 16, 20,000 x 512, 2,000 x 4,096,
  each with k = 1, 10 and 1,024 (k past the gallery's rows is clamped to
  them, with a note on stderr);
- duplicate rows (exact ties: the lower index first);
- the cosine and inner-product metrics, labels from a sidecar;
- bad input: mismatched D, NaN or Inf (also in a float64 file), an empty
  gallery, k <= 0 or not a number or over 1,024, a missing -k, an unknown
  metric, an unreadable file, a malformed sidecar: exit status 1 (data) or
  2 (usage) per the CLI contract, with a message naming the fault.

Distances must lie within 1e-5 (|q|^2 + |g|^2) + 1e-6 of the reference's
(the fp32 rounding of the expanded form; for cosine on unit vectors 2e-5 +
1e-6); indices must equal the reference's wherever its distance is at least
that bound away from its neighbours' (ties and near-ties may swap, within
their group), and exact ties must come in ascending index order.

    test_knn_cli.py VKCNN WORK_DIR
"""

import json
import os
import subprocess
import sys

import numpy as np

FAILURES = []


def fail(msg):
    FAILURES.append(msg)
    print("FAIL:", msg)


def run(vkcnn, args, timeout=600):
    env = dict(os.environ, VKCNN_VALIDATE="1")
    p = subprocess.run([vkcnn] + args, capture_output=True, text=True, env=env, timeout=timeout)
    for line in p.stderr.splitlines():
        if "validation" in line.lower():
            fail(f"validation message: {line}")
    if "Sanitizer" in p.stderr or "runtime error:" in p.stderr:
        fail(f"sanitizer report: {p.stderr[-2000:]}")
    return p


def reference(metric, g, q):
    """float64 distances [nq, n] as the CLI defines them (smaller first,
    IP negated), and the tolerance of each."""
    g = g.astype(np.float64)
    q = q.astype(np.float64)
    gn = (g * g).sum(1)
    qn = (q * q).sum(1)
    dot = q @ g.T
    if metric == "l2":
        d = np.maximum(qn[:, None] + gn[None, :] - 2 * dot, 0)
        tol = 1e-5 * (qn[:, None] + gn[None, :]) + 1e-6
    elif metric == "ip":
        d = -dot
        tol = 1e-5 * (qn[:, None] + gn[None, :]) + 1e-6
    else:
        denom = np.sqrt(np.outer(qn, gn))
        cos = np.divide(dot, denom, out=np.zeros_like(dot), where=denom > 0)
        d = 1 - cos
        tol = np.full_like(d, 2e-5 + 1e-6)
    return d, tol


def check(name, metric, g, q, k, out):
    """Compares `vkcnn knn --json` output with the exact search."""
    n = len(g)
    want_k = min(k, n)
    d, tol = reference(metric, g, q)
    sign = -1.0 if metric == "ip" else 1.0
    bad = 0
    if len(out) != len(q):
        fail(f"{name}: {len(out)} results for {len(q)} queries")
        return
    for a, res in enumerate(out):
        if res.get("query") != a or len(res["neighbors"]) != want_k:
            fail(f"{name}: query {a}: {len(res['neighbors'])} neighbours, want {want_k}")
            return
        order = np.lexsort((np.arange(n), d[a]))
        rd, rt = d[a][order], tol[a][order]
        got_i = np.array([e["index"] for e in res["neighbors"]])
        got_d = np.array([e["distance"] for e in res["neighbors"]], dtype=np.float64) * sign
        # distances at each rank
        err = np.abs(got_d - rd[:want_k])
        if (err > rt[:want_k]).any():
            j = int(np.argmax(err - rt[:want_k]))
            fail(f"{name}: query {a} rank {j}: distance {got_d[j]!r}, reference {rd[j]!r} "
                 f"(tolerance {rt[j]:.3g})")
            bad += 1
        # each returned row's own distance
        own = d[a][got_i]
        if (np.abs(own - got_d) > tol[a][got_i]).any():
            fail(f"{name}: query {a}: a returned index does not have the distance reported")
            bad += 1
        # indices: the reference's ranks in groups of near-ties (consecutive
        # distances within the tolerance); a lone rank or a group of exact
        # ties (duplicate rows) must match index for index, a group of
        # near-ties as a set (a group cut by k: members of it)
        j = 0
        while j < want_k:
            e = j
            while e + 1 < n and abs(rd[e + 1] - rd[e]) <= rt[e + 1]:
                e += 1
            exact = bool((rd[j:e + 1] == rd[j]).all())
            want = order[j:e + 1]
            got = got_i[j:min(e + 1, want_k)]
            if e < want_k and (exact or e == j):
                good = (got == want).all()
            elif e < want_k:
                good = set(got.tolist()) == set(want.tolist())
            else:
                good = set(got.tolist()) <= set(want.tolist())
            if not good:
                fail(f"{name}: query {a} ranks {j}..{e}: indices {got.tolist()[:8]}, reference "
                     f"{want.tolist()[:8]} (distance {rd[j]:.9g}{', exact ties' if exact else ''})")
                bad += 1
                break
            j = e + 1
        if bad > 5:
            break
    return bad == 0


def write(work, name, a):
    path = os.path.join(work, name)
    np.save(path, a)
    return path


def search(vkcnn, name, gpath, qpath, k, metric="l2", expect_clamp=False):
    args = ["knn", gpath, qpath, "-k", str(k), "--json"]
    if metric != "l2":
        args += ["--metric", metric]
    p = run(vkcnn, args)
    if p.returncode != 0:
        fail(f"{name}: exit {p.returncode}: {p.stderr[-2000:]}")
        return None
    if expect_clamp and "clamp" not in p.stderr and "more than the gallery" not in p.stderr:
        fail(f"{name}: k {k} over the gallery without a note on stderr")
    return json.loads(p.stdout)


def shapes(vkcnn, work):
    rng = np.random.default_rng(22)
    cases = [(1, 8, 5), (1000, 2, 50), (200000, 16, 16), (20000, 512, 16), (2000, 4096, 8)]
    for n, dim, nq in cases:
        g = rng.standard_normal((n, dim), dtype=np.float32)
        q = rng.standard_normal((nq, dim), dtype=np.float32)
        gpath = write(work, f"g_{n}x{dim}.npy", g)
        qpath = write(work, f"q_{n}x{dim}.npy", q)
        for k in (1, 10, 1024):
            name = f"{n} x {dim}, {nq} queries, k {k}"
            out = search(vkcnn, name, gpath, qpath, k, expect_clamp=k > n)
            if out is not None and check(name, "l2", g, q, k, out):
                print(f"ok   {name}")


def duplicates(vkcnn, work):
    """Each of 300 distinct rows 8 times, shuffled: equal distances must list
    the lower index first, as the reference's stable order does."""
    rng = np.random.default_rng(7)
    base = rng.standard_normal((300, 32), dtype=np.float32)
    g = base[rng.permutation(np.repeat(np.arange(300), 8))]
    q = rng.standard_normal((10, 32), dtype=np.float32)
    gpath, qpath = write(work, "dup_g.npy", g), write(work, "dup_q.npy", q)
    out = search(vkcnn, "duplicates", gpath, qpath, 50)
    if out is None:
        return
    if check("duplicate rows", "l2", g, q, 50, out):
        print("ok   duplicate rows (300 x 8 copies), k 50: ties in index order")


def metrics(vkcnn, work):
    rng = np.random.default_rng(3)
    g = rng.standard_normal((3000, 24), dtype=np.float32)
    g[5] = 0  # a zero row: cosine 0
    q = rng.standard_normal((12, 24), dtype=np.float32)
    gpath, qpath = write(work, "m_g.npy", g), write(work, "m_q.npy", q)
    for metric in ("cosine", "ip"):
        out = search(vkcnn, metric, gpath, qpath, 10, metric)
        if out is not None and check(metric, metric, g, q, 10, out):
            print(f"ok   metric {metric}")
    # labels from a sidecar, as vkcnn embed writes it
    labels = [f"class{i % 7}" for i in range(len(g))]
    with open(gpath + ".json", "w") as f:
        json.dump({"format": "vkcnn-features", "version": 1, "count": len(g), "dim": 24,
                   "items": [{"path": f"x{i}", "label": labels[i]} for i in range(len(g))]}, f)
    out = search(vkcnn, "labels", gpath, qpath, 3)
    if out is not None:
        if all(e.get("label") == labels[e["index"]] for r in out for e in r["neighbors"]):
            print("ok   labels from the sidecar")
        else:
            fail("labels: a neighbour's label is not its sidecar label")
    p = run(vkcnn, ["knn", gpath, qpath, "-k", "3"])
    if p.returncode != 0 or "label" not in p.stdout or "class" not in p.stdout:
        fail(f"text output: exit {p.returncode}, no labels:\n{p.stdout[:500]}")
    with open(gpath + ".json", "w") as f:
        f.write('{"format": "vkcnn-features", "count": 2, "dim": 24}')
    expect(vkcnn, "a sidecar that does not match", ["knn", gpath, qpath, "-k", "3"], 1,
           "do not match")
    os.remove(gpath + ".json")


def expect(vkcnn, name, args, code, text):
    p = run(vkcnn, args)
    if p.returncode != code or text not in p.stderr:
        fail(f"{name}: exit {p.returncode} (want {code}), stderr {p.stderr.strip()[:300]!r} "
             f"(want {text!r})")
    else:
        print(f"ok   {name}: exit {code}: {p.stderr.strip().splitlines()[-1][:150]}")


def bad_input(vkcnn, work):
    rng = np.random.default_rng(5)
    g = rng.standard_normal((100, 8), dtype=np.float32)
    q = rng.standard_normal((4, 8), dtype=np.float32)
    gp, qp = write(work, "b_g.npy", g), write(work, "b_q.npy", q)
    q9 = write(work, "b_q9.npy", rng.standard_normal((4, 9), dtype=np.float32))
    gnan = g.copy()
    gnan[17, 3] = np.nan
    qinf = q.copy()
    qinf[2, 5] = -np.inf
    g64 = g.astype(np.float64)
    g64[40, 1] = np.nan
    expect(vkcnn, "mismatched D", ["knn", gp, q9, "-k", "3"], 1, "D = 8")
    expect(vkcnn, "NaN in the gallery", ["knn", write(work, "b_gnan.npy", gnan), qp, "-k", "3"],
           1, "row 17, column 3 is NaN")
    expect(vkcnn, "Inf in the queries", ["knn", gp, write(work, "b_qinf.npy", qinf), "-k", "3"],
           1, "row 2, column 5 is infinite")
    expect(vkcnn, "NaN in a float64 gallery",
           ["knn", write(work, "b_g64.npy", g64), qp, "-k", "3"], 1, "row 40, column 1 is NaN")
    expect(vkcnn, "empty gallery",
           ["knn", write(work, "b_empty.npy", np.zeros((0, 8), np.float32)), qp, "-k", "3"], 1,
           "empty")
    expect(vkcnn, "k = 0", ["knn", gp, qp, "-k", "0"], 2, "-k")
    expect(vkcnn, "k < 0", ["knn", gp, qp, "-k", "-3"], 2, "-k")
    expect(vkcnn, "k not a number", ["knn", gp, qp, "-k", "ten"], 2, "-k")
    expect(vkcnn, "k over 1024", ["knn", gp, qp, "-k", "1025"], 2, "1024")
    expect(vkcnn, "no -k", ["knn", gp, qp], 2, "-k K is required")
    expect(vkcnn, "unknown metric", ["knn", gp, qp, "-k", "3", "--metric", "l1"], 2,
           "--metric is l2, cosine or ip")
    expect(vkcnn, "missing file", ["knn", os.path.join(work, "nope.npy"), qp, "-k", "3"], 1,
           "nope.npy")
    expect(vkcnn, "not a .npy", ["knn", __file__, qp, "-k", "3"], 1, "")
    # 1-D arrays are one row; k past a one-row gallery is clamped
    out = search(vkcnn, "1-D query", gp, write(work, "b_q1.npy", q[0]), 200, expect_clamp=True)
    if out is not None and (len(out) != 1 or len(out[0]["neighbors"]) != 100):
        fail("1-D query with k 200 over 100 rows: not one query of 100 neighbours")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: test_knn_cli.py VKCNN WORK_DIR")
    vkcnn, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    shapes(vkcnn, work)
    duplicates(vkcnn, work)
    metrics(vkcnn, work)
    bad_input(vkcnn, work)
    if FAILURES:
        sys.exit(f"FAIL: {len(FAILURES)} check(s) failed")
    print("OK")


if __name__ == "__main__":
    main()
