#!/usr/bin/python3
"""The machine code lavapipe runs for a model's hottest loop, as counts.

    bench/jit_loop.py MODEL.onnx [--vkcnn build/vkcnn] [--seconds 3]
    bench/jit_loop.py conv1x1:C,M,H    (one 1x1 Conv, C -> M channels at HxH)

Runs `vkcnn bench MODEL` in the background, samples it with `perf record`,
copies lavapipe's JIT code (its anonymous executable mappings) out of the
process with gdb, disassembles them with objdump, and prints the most sampled
loop (samples counted per innermost backward jump): its length and the
instructions it holds most. bench/RESULTS.md ("The 1x1 GEMM's machine code",
stop 40) reads such counts. A CPU driver only (lavapipe): on a GPU the
shaders do not run in the process. Needs perf, gdb and objdump (binutils),
and permission to attach to the process (root, or ptrace_scope 0); none is
part of the project's set-up, and no test runs this.
"""
import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time


def conv1x1_model(spec, path):
    """Writes a model of one 1x1 Conv with bias (spec "C,M,H") to path."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    c, m, h = (int(v) for v in spec.split(","))
    rng = np.random.default_rng(0)
    w = (rng.standard_normal((m, c, 1, 1)) * 0.05).astype(np.float32)
    b = rng.standard_normal(m).astype(np.float32)
    g = helper.make_graph(
        [helper.make_node("Conv", ["x", "w", "b"], ["y"], kernel_shape=[1, 1])], "conv1x1",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c, h, h])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, m, h, h])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, path)


def jit_ranges(pid):
    """Anonymous executable mappings (lavapipe's JIT code) of process pid."""
    out = []
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            parts = line.split()
            if len(parts) < 5 or "x" not in parts[1]:
                continue
            if len(parts) > 5:  # a file or [vdso], [vsyscall]
                continue
            lo, hi = (int(v, 16) for v in parts[0].split("-"))
            out.append((lo, hi))
    return out


def samples_in(perf_data, ranges):
    """Sample counts per address inside ranges (a Counter)."""
    script = subprocess.run(["perf", "script", "-i", perf_data, "-F", "ip"],
                            capture_output=True, text=True, check=True).stdout
    counts = collections.Counter()
    for line in script.split():
        try:
            ip = int(line, 16)
        except ValueError:
            continue
        if any(lo <= ip < hi for lo, hi in ranges):
            counts[ip] += 1
    return counts


def disassemble(path, base):
    """[(address, mnemonic, text)] of the raw x86-64 code in path at base."""
    text = subprocess.run(["objdump", "-D", "-b", "binary", "-mi386:x86-64",
                           f"--adjust-vma={base:#x}", path],
                          capture_output=True, text=True, check=True).stdout
    out = []
    for line in text.splitlines():
        m = re.match(r"\s*([0-9a-f]+):\t[0-9a-f ]+\t(\S+)\s*(.*)", line)
        if m:
            out.append((int(m.group(1), 16), m.group(2), m.group(3)))
    return out


def loops(code):
    """(first, last) index ranges of the backward jumps (the loops)."""
    index = {a: i for i, (a, _, _) in enumerate(code)}
    out = []
    for i, (_, mnem, args) in enumerate(code):
        m = re.match(r"0x([0-9a-f]+)", args) if mnem.startswith("j") else None
        t = index.get(int(m.group(1), 16)) if m else None
        if t is not None and t < i:
            out.append((t, i))
    return out


def innermost(code, ranges, ip):
    """The smallest of ranges holding address ip, or None."""
    best = None
    for t, i in ranges:
        if code[t][0] <= ip <= code[i][0] and (best is None or i - t < best[1] - best[0]):
            best = (t, i)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("--vkcnn", default="build/vkcnn")
    ap.add_argument("--seconds", type=float, default=3.0, help="perf sampling time")
    ap.add_argument("--top", type=int, default=16, help="instructions listed")
    ap.add_argument("--loops", type=int, default=3, help="loops listed")
    ap.add_argument("--show", type=int, default=0,
                    help="also print the Nth most sampled loop's code (1: the first)")
    a = ap.parse_args()
    for tool in ("perf", "gdb", "objdump"):
        if not shutil.which(tool):
            sys.exit(f"jit_loop: needs {tool}")
    tmpdir = tempfile.TemporaryDirectory()
    tmp = tmpdir.name
    model = a.model
    if model.startswith("conv1x1:"):
        model = os.path.join(tmp, "conv1x1.onnx")
        conv1x1_model(a.model[len("conv1x1:"):], model)
    bench = subprocess.Popen([a.vkcnn, "bench", model, "--iters", "1000000", "--warmup", "1"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(2.0)  # past the compile and warm-up
        ranges = []
        for _ in range(30):  # the pipelines exist once the first inference runs
            if bench.poll() is not None:
                sys.exit("jit_loop: vkcnn bench ended early")
            ranges = jit_ranges(bench.pid)
            if ranges:
                break
            time.sleep(1.0)
        if not ranges:
            sys.exit("jit_loop: no JIT code in the process (not a CPU driver?)")
        perf_data = os.path.join(tmp, "perf.data")
        subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-p", str(bench.pid),
                        "-o", perf_data, "--", "sleep", str(a.seconds)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        counts = samples_in(perf_data, ranges)
        if not counts:
            sys.exit("jit_loop: no samples in the JIT code")
        code = []
        for k, (lo, hi) in enumerate(ranges):
            dump = os.path.join(tmp, f"jit{k}.bin")
            subprocess.run(["gdb", "-p", str(bench.pid), "-batch", "-ex",
                            f"dump binary memory {dump} {lo:#x} {hi:#x}"],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            code += disassemble(dump, lo)
    finally:
        bench.kill()
        bench.wait()
        tmpdir.cleanup()
    # samples per innermost loop (straight-line code, such as a transform
    # run once per invocation, lies in none); the most sampled loop
    ranges = loops(code)
    per_loop = collections.Counter()
    for ip, n in counts.items():
        r = innermost(code, ranges, ip)
        if r:
            per_loop[r] += n
    if not per_loop:
        sys.exit("jit_loop: no sample lies in a loop")
    loop, inside = per_loop.most_common(1)[0]
    body = code[loop[0]:loop[1] + 1]
    mix = collections.Counter(m for _, m, _ in body)
    total = sum(counts.values())
    looped = sum(per_loop.values())
    print(f"JIT code samples: {total}, {100.0 * looped / total:.0f}% in loops; the most "
          f"sampled loops:")
    for (t, i), n in per_loop.most_common(a.loops):
        print(f"  {code[t][0]:#x}..{code[i][0]:#x}: {i - t + 1} instructions, "
              f"{100.0 * n / total:.0f}% of the samples")
    if a.show:
        (t, i), _ = per_loop.most_common(a.show)[-1]
        for addr, mnem, args in code[t:i + 1]:
            print(f"    {addr:#x}  {mnem} {args}")
    print("the first one's instructions, most frequent first:")
    for mnem, n in mix.most_common(a.top):
        print(f"  {n:6d}  {mnem}")


if __name__ == "__main__":
    main()
