#!/usr/bin/python3
"""Every libonnx-testdata case that onnx_conformance passes, run again through
`vkcnn run` as a user would: each data set's TensorProto inputs converted to
.npy files, the outputs written as .npy files by the CLI and compared with the
case's expected outputs at onnx_conformance's own tolerance.

    check_run_conformance.py VKCNN ONNX_CONFORMANCE PATH...

The set of cases is not listed here: onnx_conformance --list-passing says
which cases pass through the library (and at which tolerance), so the check
grows with every operator the runtime learns. Any validation message on
stderr fails the case (run with VKCNN_VALIDATE=1)."""
import concurrent.futures
import os
import subprocess
import sys
import tempfile

import numpy as np
from onnx import TensorProto, numpy_helper


def load_pb(path):
    t = TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


def data_sets(case):
    sets = []
    for s in range(64):
        d = os.path.join(case, f"test_data_set_{s}")
        if not os.path.isdir(d):
            break
        sets.append(d)
    return sets


def files(folder, prefix):
    out = []
    while os.path.exists(os.path.join(folder, f"{prefix}_{len(out)}.pb")):
        out.append(os.path.join(folder, f"{prefix}_{len(out)}.pb"))
    return out


def check_case(vkcnn, case, rtol, atol):
    """Returns None when every data set matches, else the reason."""
    model = os.path.join(case, "model.onnx")
    with tempfile.TemporaryDirectory() as tmp:
        for d in data_sets(case):
            args = [vkcnn, "run", model]
            for i, pb in enumerate(files(d, "input")):
                path = os.path.join(tmp, f"input_{i}.npy")
                np.save(path, load_pb(pb))
                args += ["--input", path]
            want = [load_pb(pb) for pb in files(d, "output")]
            outs = [os.path.join(tmp, f"output_{o}.npy") for o in range(len(want))]
            for path in outs:
                args += ["--output", path]
            r = subprocess.run(args, capture_output=True, text=True)
            set_name = os.path.basename(d)
            if r.returncode != 0:
                return f"{set_name}: exit {r.returncode}: {r.stderr.strip()[:400]}"
            if "validation" in r.stderr:
                return f"{set_name}: validation messages: {r.stderr.strip()[:400]}"
            for o, (path, w) in enumerate(zip(outs, want)):
                got = np.load(path)
                if got.dtype != np.float32:
                    return f"{set_name}: output {o} is {got.dtype}, not float32"
                if got.size != w.size:
                    return f"{set_name}: output {o} has shape {got.shape}, expected {w.shape}"
                g = got.reshape(-1).astype(np.float64)
                e = w.reshape(-1).astype(np.float64)
                both_nan = np.isnan(g) & np.isnan(e)
                ok = (np.abs(g - e) <= atol + rtol * np.abs(e)) | both_nan
                if not ok.all():
                    k = int(np.argmin(ok))
                    return f"{set_name}: output {o}[{k}] = {g[k]:.9g}, expected {e[k]:.9g}"
    return None


def main():
    vkcnn, conformance, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
    r = subprocess.run([conformance, "--list-passing", *paths], capture_output=True, text=True)
    if r.returncode != 0:
        print(f"FAIL: onnx_conformance itself fails (exit {r.returncode}); "
              f"its ctest reports why:\n{r.stdout[-2000:]}{r.stderr[-2000:]}")
        sys.exit(1)
    rtol = atol = None
    cases = []
    for line in r.stdout.splitlines():
        if line.startswith("TOLERANCE "):
            _, _, rt, _, at = line.split()
            rtol, atol = float(rt), float(at)
        elif line.startswith("PASSED-DIR "):
            cases.append(line[len("PASSED-DIR "):])
    if rtol is None or not cases:
        print("FAIL: onnx_conformance --list-passing listed no tolerance or no case")
        sys.exit(1)
    print(f"{len(cases)} cases pass onnx_conformance; running each through `vkcnn run` "
          f"(rtol {rtol:g}, atol {atol:g})", flush=True)
    failures = 0
    workers = min(2, os.cpu_count() or 1)
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        results = pool.map(lambda c: (c, check_case(vkcnn, c, rtol, atol)), cases)
        for case, why in results:
            name = os.path.relpath(case, os.path.dirname(os.path.dirname(case)))
            if why:
                failures += 1
                print(f"FAIL {name}: {why}", flush=True)
    print(f"{len(cases) - failures} of {len(cases)} cases pass through `vkcnn run`")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
