#!/usr/bin/python3
"""Rounding error of F(TxT,3x3) Winograd convolution (T = 2, 3 or 4) for
several sets of interpolation points, in a float32 model of vkcnn's three steps: U = G g G^T
(computed in double, rounded once, as passes/winograd.c does), V = B^T d B
in float32, M = sum over channels of U * V accumulated in float32 in
channel order (winograd_gemm.comp), Y = A^T M A in float32.  Inputs are
ReLU'd normals (what most convolutions read), weights scaled to keep the
output near unit size.  Prints the mean relative RMS error against a
float64 direct convolution, and the matrices of each set.

    bench/winograd_points.py [--tile 4] [--trials N] [--channels 32,96]

--channels counts the rows the GEMM sums per output (a form of 4 parts,
the 5x5, sums 4 x its input channels).

The matrices are derived here by Toom-Cook: A^T[i][j] = p_j^i, G[j][k] =
p_j^k / prod_{l != j}(p_j - p_l), the point at infinity taking the last row
of A^T and G, and B^T solved exactly (sympy) from the identity the three
must satisfy: sum_j A^T[i][j] G[j][k] B^T[j][t] = [t == i + k].
"""

import argparse
from fractions import Fraction

import numpy as np
import sympy as sp

R = 3


def toom_cook(points, M_OUT):
    N = M_OUT + R - 1
    pts = [sp.Rational(p) for p in points]
    at, g = sp.zeros(M_OUT, N), sp.zeros(N, R)
    for j, p in enumerate(pts):
        for i in range(M_OUT):
            at[i, j] = p**i
        norm = sp.prod([p - q for q in pts if q != p])
        for k in range(R):
            g[j, k] = p**k / norm
    at[M_OUT - 1, N - 1] = 1
    g[N - 1, R - 1] = 1
    b = sp.Matrix(N, N, lambda r, c: sp.Symbol(f"b{r}_{c}"))
    eqs = [sum(at[i, j] * g[j, k] * b[j, t] for j in range(N)) - (1 if t == i + k else 0)
           for i in range(M_OUT) for k in range(R) for t in range(N)]
    bt = b.subs(sp.solve(eqs, list(b)))
    if not all(e.is_number for e in bt):
        raise ValueError(f"points {points}: B^T is not determined")
    return at, g, bt


def error(at, g_mat, bt, channels, rng):
    M_OUT, N = at.shape
    d = np.maximum(rng.standard_normal((channels, N, N)) + 0.3, 0).astype(np.float32)
    g = (rng.standard_normal((channels, R, R)) / np.sqrt(R * R * channels)).astype(np.float32)
    d64, g64 = d.astype(np.float64), g.astype(np.float64)
    ref = np.array([[np.sum(d64[:, y:y + R, x:x + R] * g64) for x in range(M_OUT)]
                    for y in range(M_OUT)])
    u = np.einsum("ij,cjk,lk->cil", g_mat, g64, g_mat).astype(np.float32)
    bt32 = bt.astype(np.float32)
    t = np.einsum("ij,cjk->cik", bt32, d).astype(np.float32)
    v = np.einsum("cij,kj->cik", t, bt32).astype(np.float32)
    acc = np.zeros((N, N), np.float32)
    for c in range(channels):
        acc = (acc + u[c] * v[c]).astype(np.float32)
    at32 = at.astype(np.float32)
    y = ((at32 @ acc).astype(np.float32) @ at32.T).astype(np.float32)
    return np.sqrt(np.mean((y - ref) ** 2)) / np.sqrt(np.mean(ref**2))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tile", type=int, choices=(2, 3, 4), default=4)
    ap.add_argument("--trials", type=int, default=150)
    ap.add_argument("--channels", default="32,96")
    args = ap.parse_args()
    half = Fraction(1, 2)
    sets = {2: {"0, 1, -1 (vkcnn)": [0, 1, -1]},
            3: {"0, 1, -1, 2": [0, 1, -1, 2],
                "0, 1, -1, -2": [0, 1, -1, -2],
                "0, 1, -1, 1/2 (vkcnn)": [0, 1, -1, half],
                "0, 1, -1, -1/2": [0, 1, -1, -half]},
            4: {"0, 1, -1, 2, -2": [0, 1, -1, 2, -2],
                "0, 1, -1, 1/2, -1/2": [0, 1, -1, half, -half],
                "0, 1, -1, 1/2, -2 (vkcnn)": [0, 1, -1, half, -2],
                "0, 1, -1, 2, -1/2": [0, 1, -1, 2, -half]}}[args.tile]
    for name, points in sets.items():
        exact = toom_cook(points, args.tile)
        at, g, bt = (np.array(m, dtype=np.float64) for m in exact)
        cells = []
        for c in (int(x) for x in args.channels.split(",")):
            e = [error(at, g, bt, c, np.random.default_rng(s)) for s in range(args.trials)]
            cells.append(f"C={c}: {np.mean(e):.3e}")
        print(f"points {name} and infinity: relative RMS error " + ", ".join(cells))
        print("  A^T =", exact[0].tolist())
        print("  G   =", exact[1].tolist())
        print("  B^T =", exact[2].tolist())


if __name__ == "__main__":
    main()
