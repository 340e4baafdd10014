#!/usr/bin/python3
"""vkcnn.Index (python/vkcnn/index.py) against numpy's exact search: the
three metrics, rows added in pieces, k past the rows, bad input raising
VkcnnError, closing (by the index and by its context). Run with
PYTHONPATH=python and VKCNN_LIBRARY naming the build's library (ctest sets
both); any validation warning or error fails it.

    test_index_python.py
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "python"))
import vkcnn  # noqa: E402

failures = []


def check(cond, what):
    print(("ok:  " if cond else "FAIL:") + " " + what)
    if not cond:
        failures.append(what)


def raises(what, fn, says=""):
    try:
        fn()
    except vkcnn.VkcnnError as e:
        check(says in str(e), f"{what} raises: {e}")
        return
    check(False, f"{what} raises VkcnnError")


def exact(metric, g, q, k):
    g, q = g.astype(np.float64), q.astype(np.float64)
    dot = q @ g.T
    if metric == "l2":
        d = (q * q).sum(1)[:, None] + (g * g).sum(1)[None, :] - 2 * dot
    elif metric == "ip":
        d = -dot
    else:
        d = 1 - dot / np.outer(np.linalg.norm(q, axis=1), np.linalg.norm(g, axis=1))
    order = np.stack([np.lexsort((np.arange(len(g)), row)) for row in d])[:, :k]
    return np.take_along_axis(d, order, 1), order


def main():
    rng = np.random.default_rng(11)
    g = rng.standard_normal((5000, 40)).astype(np.float32)
    q = rng.standard_normal((17, 40))  # float64: converted
    with vkcnn.Context(validation=True) as ctx:
        for metric in ("l2", "ip", "cosine"):
            with vkcnn.Index(ctx, 40, metric=metric, chunk_rows=1024) as ix:
                ix.add(g[:1234])
                ix.add(g[1234:])
                check(len(ix) == 5000, f"{metric}: 5000 rows added in two pieces")
                dist, idx = ix.search(q, 10)
                want_d, want_i = exact(metric, g, q, 10)
                sign = -1 if metric == "ip" else 1
                check(dist.dtype == np.float32 and idx.dtype == np.int64 and dist.shape == (17, 10),
                      f"{metric}: float32 and int64 [17, 10]")
                check(np.allclose(sign * dist, want_d, rtol=0, atol=1e-3), f"{metric}: distances")
                check((idx == want_i).mean() > 0.99, f"{metric}: indices")
                s = ix.stats()
                check(s["chunks"] == 5 and s["rows"] == 5000, f"{metric}: stats {s['chunks']} chunks")
        ix = vkcnn.Index(ctx, 3)
        ix.add([[1, 0, 0], [0, 1, 0]])
        dist, idx = ix.search([1, 0, 0], 4)
        check(idx.tolist() == [[0, 1, -1, -1]] and np.isinf(dist[0, 2]),
              "k past the rows: -1 and inf")
        raises("a NaN row", lambda: ix.add([[0, np.nan, 0]]), "NaN")
        raises("the wrong width", lambda: ix.add(np.zeros((2, 4))), "[N, 3]")
        raises("k = 0", lambda: ix.search([1, 0, 0], 0), "k")
        raises("k = 1025", lambda: ix.search([1, 0, 0], 1025), "k")
        raises("an unknown metric", lambda: vkcnn.Index(ctx, 3, metric="l1"), "metric")
        raises("an empty index", lambda: vkcnn.Index(ctx, 3).search([1, 0, 0], 1), "empty")
        errors, warnings = ctx.validation_counts()
        check(errors == 0 and warnings == 0, "no validation message")
    check(ix.closed, "closing the context closes its index")
    raises("a closed index", lambda: len(ix), "closed")
    if failures:
        sys.exit(f"FAIL: {len(failures)} check(s)")
    print("OK")


if __name__ == "__main__":
    main()
