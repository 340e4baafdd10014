#!/usr/bin/python3
"""The Python module (python/vkcnn) through Debian's /usr/bin/python3.

    test_vkcnn.py VKCNN_CLI INCLUDE_DIR module    layouts, devices, LeNet-5 against
                                                  the CLI bit for bit, classify, errors,
                                                  `with` and garbage collection
    test_vkcnn.py VKCNN_CLI INCLUDE_DIR alexnet   AlexNet (the shared export cache)
                                                  against the CLI bit for bit
    test_vkcnn.py VKCNN_CLI INCLUDE_DIR cycles    1,000 load/run/close cycles of LeNet-5:
                                                  RssAnon within 1% (its trend) from cycle 100
                                                  to cycle 1,000; no more mapped files or open
                                                  descriptors at the end
    test_vkcnn.py VKCNN_CLI INCLUDE_DIR pip       pip install --no-build-isolation into a
                                                  venv with the system's packages; import

The module is imported from the source tree (PYTHONPATH=python) with
VKCNN_LIBRARY naming the build's library (set by ctest). Any validation
warning or error counted by a context fails the test."""
import gc
import json
import os
import subprocess
import sys
import tempfile
import weakref

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "python"))
import vkcnn  # noqa: E402

CLI, INCLUDE, WHAT = sys.argv[1], sys.argv[2], sys.argv[3]
LENET = os.path.join(ROOT, "models", "lenet5", "lenet5.onnx")
DIGITS = os.path.join(ROOT, "models", "lenet5", "digits")
failures = []


def check(cond, what, detail=""):
    if cond:
        print("ok:", what, flush=True)
    else:
        print("FAIL:", what, detail, flush=True)
        failures.append(what)


def raises(what, fn, status=None, says=()):
    try:
        fn()
    except vkcnn.VkcnnError as e:
        ok = (status is None or e.status == status) and all(s in str(e) for s in says)
        check(ok and e.message, f"raises: {what}: {e}", f"status {e.status}")
        return
    except Exception as e:  # noqa: BLE001
        check(False, f"raises VkcnnError: {what}", f"raised {type(e).__name__}: {e}")
        return
    check(False, f"raises: {what}", "nothing raised")


def cli_run(model, inputs, batch_out):
    """`vkcnn run` on the same inputs: {output index: array}."""
    with tempfile.TemporaryDirectory() as tmp:
        args = [CLI, "run", model]
        for i, x in enumerate(inputs):
            p = os.path.join(tmp, f"in{i}.npy")
            np.save(p, x)
            args += ["--input", p]
        outs = [os.path.join(tmp, f"out{o}.npy") for o in range(batch_out)]
        for p in outs:
            args += ["--output", p]
        r = subprocess.run(args, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"vkcnn run failed: {r.stderr}")
        return [np.load(p) for p in outs]


def same_as_cli(label, model_path, batch, x, precision="fp32"):
    with vkcnn.Context() as ctx:
        m = ctx.load(model_path, batch=batch, precision=precision)
        got = m.run(x)
        got_dict = m.run({m.inputs[0].name: x})
        check(ctx.validation_counts() == (0, 0), f"{label}: no validation messages",
              str(ctx.validation_counts()))
        names = [t.name for t in m.outputs]
    args = [] if precision == "fp32" else ["--precision", precision]
    want = cli_run(model_path, [x], len(names)) if not args else None
    if args:  # the CLI at the same precision
        with tempfile.TemporaryDirectory() as tmp:
            p, o = os.path.join(tmp, "x.npy"), os.path.join(tmp, "y.npy")
            np.save(p, x)
            r = subprocess.run([CLI, "run", model_path, "--input", p, "--output", o, *args],
                               capture_output=True, text=True)
            want = [np.load(o)] if r.returncode == 0 else None
    for o, name in enumerate(names):
        check(want is not None and got[name].dtype == np.float32
              and got[name].shape == want[o].shape and np.array_equal(got[name], want[o]),
              f"{label}: output {name!r} {got[name].shape} equals the CLI's bit for bit",
              f"max |diff| {np.abs(got[name] - want[o]).max() if want else '?'}")
        check(np.array_equal(got[name], got_dict[name]), f"{label}: run(x) == run({{name: x}})")


def check_layouts():
    """Every ctypes structure has the C compiler's size and field offsets."""
    from vkcnn import _lib
    src = ["#include <stddef.h>", "#include <stdio.h>", "#include <vkcnn.h>", "int main(void) {"]
    for cname, cls in _lib.STRUCTS.items():
        src.append(f'printf("{cname} %zu\\n", sizeof({cname}));')
        for field, _ in cls._fields_:
            src.append(f'printf("{cname}.{field} %zu\\n", offsetof({cname}, {field}));')
    src.append("return 0; }")
    with tempfile.TemporaryDirectory() as tmp:
        c, exe = os.path.join(tmp, "layout.c"), os.path.join(tmp, "layout")
        with open(c, "w") as f:
            f.write("\n".join(src))
        r = subprocess.run(["cc", "-std=c17", f"-I{INCLUDE}", c, "-o", exe], capture_output=True,
                           text=True)
        if r.returncode:
            check(False, "layout program compiles", r.stderr)
            return
        lines = subprocess.run([exe], capture_output=True, text=True).stdout.split("\n")
    want = dict(line.split() for line in lines if line)
    for cname, cls in _lib.STRUCTS.items():
        got = {cname: ctypes_size(cls)}
        got.update({f"{cname}.{f}": getattr(cls, f).offset for f, _ in cls._fields_})
        bad = [k for k, v in got.items() if int(want[k]) != v]
        check(not bad, f"ctypes layout of {cname} ({len(cls._fields_)} fields) matches vkcnn.h",
              f"differs: {[(k, got[k], want[k]) for k in bad]}")


def ctypes_size(cls):
    import ctypes
    return ctypes.sizeof(cls)


def check_devices():
    devs = vkcnn.devices()
    check(len(devs) >= 1 and sum(d["default"] for d in devs) == 1,
          f"devices(): {len(devs)}, one default")
    r = subprocess.run([CLI, "devices", "--json"], capture_output=True, text=True)
    doc = json.loads(r.stdout)
    check([d["name"] for d in devs] == [d["name"] for d in doc["devices"]]
          and [d["index"] for d in devs if d["default"]] == [doc["default"]],
          "devices() lists what `vkcnn devices --json` lists, with the same default")
    raises("an unknown device", lambda: vkcnn.Context(device="no-such-gpu-xyz"),
           status=-5, says=("no-such-gpu-xyz",))
    raises("devices() with an unknown device name", lambda: vkcnn.devices("no-such-gpu-xyz"))


def check_lenet():
    rng = np.random.default_rng(21)
    same_as_cli("LeNet-5 batch 1", LENET, 1, rng.standard_normal((1, 1, 32, 32), np.float32))
    same_as_cli("LeNet-5 batch 3", LENET, 3, rng.standard_normal((3, 1, 32, 32), np.float32))
    same_as_cli("LeNet-5 batch 1 fp16", LENET, 1, rng.standard_normal((1, 1, 32, 32), np.float32),
                precision="fp16")
    # float64 input is converted like the CLI converts a float64 .npy
    with vkcnn.Context() as ctx:
        m = ctx.load(LENET)
        x = rng.standard_normal((1, 1, 32, 32))
        check(np.array_equal(m.run(x)["logits"], m.run(x.astype(np.float32))["logits"]),
              "run() converts float64 input to float32")
        check([tuple(t) for t in m.inputs] == [("input", (1, 1, 32, 32))]
              and [tuple(t) for t in m.outputs] == [("logits", (1, 10))],
              "model.inputs / model.outputs: (name, shape)")


def check_classify():
    digits = sorted(os.path.join(DIGITS, f) for f in os.listdir(DIGITS))
    r = subprocess.run([CLI, "classify", LENET, *digits, "--json", "--top", "3"],
                       capture_output=True, text=True)
    want = json.loads(r.stdout)
    for batch in (1, 4):
        with vkcnn.Context() as ctx:
            got = ctx.load(LENET, batch=batch).classify(digits, top=3)
        ok = [g["image"] for g in got] == [w["image"] for w in want]
        for g, w in zip(got, want):
            ok = ok and [t["index"] for t in g["top"]] == [t["index"] for t in w["top"]]
            ok = ok and [t["label"] for t in g["top"]] == [t["label"] for t in w["top"]]
            ok = ok and all(abs(a["prob"] - b["prob"]) <= 1e-5 * max(1.0, b["prob"])
                            for a, b in zip(g["top"], w["top"]))
        check(ok, f"classify() at batch {batch} agrees with `vkcnn classify --json`",
              f"{got[:2]} vs {want[:2]}")


def check_errors(tmp):
    with vkcnn.Context() as ctx:
        raises("a missing model", lambda: ctx.load(os.path.join(tmp, "missing.onnx")),
               status=-11, says=("missing.onnx",))
        bad = os.path.join(tmp, "bad.onnx")
        with open(bad, "wb") as f:
            f.write(b"\x08\x07\x12\xff\xff\xff garbage")
        raises("a malformed model", lambda: ctx.load(bad), status=-12)
        import onnx
        from onnx import TensorProto, helper
        g = helper.make_graph([helper.make_node("NonMaxSuppression", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
        unsupported = os.path.join(tmp, "nms.onnx")
        onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), unsupported)
        raises("an unsupported operator", lambda: ctx.load(unsupported), status=-13,
               says=("NonMaxSuppression",))
        raises("a bad precision", lambda: ctx.load(LENET, precision="fp64"), says=("fp64",))
        raises("a bad batch", lambda: ctx.load(LENET, batch=-1))
        m = ctx.load(LENET)
        raises("a wrong input shape", lambda: m.run(np.zeros((1, 1, 28, 28), np.float32)),
               status=-1, says=("[1, 1, 32, 32]", "[1, 1, 28, 28]"))
        raises("an unknown input name", lambda: m.run({"nosuch": np.zeros((1, 1, 32, 32))}),
               says=("nosuch", "input"))
        raises("a missing input", lambda: m.run({}), says=("input",))
        fake = os.path.join(tmp, "fake.png")
        with open(fake, "w") as f:
            f.write("not an image")
        raises("classify on a file that is no image", lambda: m.classify([fake]),
               status=-11, says=(fake,))
        raises("classify on a missing file", lambda: m.classify([os.path.join(tmp, "no.png")]),
               says=("no.png",))
        raises("classify top=0", lambda: m.classify([fake], top=0))
        m.close()
        raises("run on a closed model", lambda: m.run(np.zeros((1, 1, 32, 32))))
    raises("load on a closed context", lambda: ctx.load(LENET))
    env = dict(os.environ, VKCNN_LIBRARY=os.path.join(tmp, "nosuch", "libvkcnn.so"))
    r = subprocess.run([sys.executable, "-c", "import vkcnn"], capture_output=True, text=True,
                       env=dict(env, PYTHONPATH=os.path.join(ROOT, "python")))
    check(r.returncode != 0 and "VKCNN_LIBRARY" in r.stderr and "nosuch" in r.stderr,
          "a VKCNN_LIBRARY that does not exist: import fails saying so", r.stderr[-300:])
    # as the CLI: Mesa's cache kept per lavapipe width when the width is set
    # (Mesa's own keys ignore it), a MESA_SHADER_CACHE_DIR given left alone
    show = "import os, vkcnn; print(os.environ.get('MESA_SHADER_CACHE_DIR'))"
    clean = {k: v for k, v in os.environ.items() if k != "MESA_SHADER_CACHE_DIR"}
    clean["PYTHONPATH"] = os.path.join(ROOT, "python")
    xdg = os.path.join(tmp, "xdg")
    r = subprocess.run([sys.executable, "-c", show], capture_output=True, text=True,
                       env=dict(clean, XDG_CACHE_HOME=xdg, LP_NATIVE_VECTOR_WIDTH="256"))
    want = os.path.join(xdg, "vkcnn", "lavapipe-256")
    check(r.stdout.strip() == want and os.path.isdir(want),
          "LP_NATIVE_VECTOR_WIDTH=256: Mesa's cache in $XDG_CACHE_HOME/vkcnn/lavapipe-256",
          r.stdout + r.stderr[-300:])
    r = subprocess.run([sys.executable, "-c", show], capture_output=True, text=True,
                       env=dict(clean, XDG_CACHE_HOME=xdg, LP_NATIVE_VECTOR_WIDTH="512",
                                MESA_SHADER_CACHE_DIR=tmp))
    check(r.stdout.strip() == tmp, "a MESA_SHADER_CACHE_DIR the user set is left alone",
          r.stdout + r.stderr[-300:])


def check_lifetimes():
    ctx = vkcnn.Context()
    with ctx.load(LENET) as m:
        m.run(np.zeros((1, 1, 32, 32)))
    check(m.closed, "`with model`: closed after the block")
    m2 = ctx.load(LENET)
    ctx.close()
    check(m2.closed and ctx.closed, "closing a context closes its models first")
    ctx = vkcnn.Context()
    m3 = ctx.load(LENET)
    fm, fc = m3._finalizer, ctx._finalizer
    ref = weakref.ref(m3)
    del m3
    gc.collect()
    check(ref() is None and not fm.alive and fc.alive, "a model is freed by garbage collection")
    m4 = ctx.load(LENET)
    del ctx  # the model keeps its context alive
    gc.collect()
    check(fc.alive and m4.run(np.zeros((1, 1, 32, 32)))["logits"].shape == (1, 10),
          "a model keeps its context alive")
    del m4
    gc.collect()
    check(not fc.alive, "the context is freed by garbage collection after its last model")


def check_alexnet():
    path = subprocess.run([sys.executable, os.path.join(ROOT, "models", "cached_export.py"),
                           "alexnet", "-q"], capture_output=True, text=True).stdout.strip()
    if not os.path.exists(path):
        check(False, "AlexNet export (models/cached_export.py alexnet)", path)
        return
    x = np.load(os.path.join(os.path.dirname(path), "input.npy"))
    same_as_cli("AlexNet batch 1", path, 1, x)


def check_pip():
    """The README's route on Debian 12: a venv that sees Debian's packages,
    pip install --no-build-isolation (no PyPI needed), then import and run."""
    import shutil
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "python")
        shutil.copytree(os.path.join(ROOT, "python"), src,
                        ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
        venv = os.path.join(tmp, "venv")
        r = subprocess.run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", venv],
                           capture_output=True, text=True)
        check(r.returncode == 0, "python3 -m venv --system-site-packages", r.stderr)
        pip = os.path.join(venv, "bin", "pip")
        r = subprocess.run([pip, "install", "--no-build-isolation", "--no-index", src],
                           capture_output=True, text=True)
        check(r.returncode == 0, "pip install --no-build-isolation ./python (offline)",
              r.stdout[-1000:] + r.stderr[-2000:])
        code = ("import os, numpy as np, vkcnn; assert 'site-packages' in vkcnn.__file__\n"
                "with vkcnn.Context() as c:\n"
                f"    m = c.load({LENET!r})\n"
                "    print(m.run(np.zeros((1, 1, 32, 32)))['logits'].shape, vkcnn.__file__)\n")
        r = subprocess.run([os.path.join(venv, "bin", "python"), "-c", code], cwd=tmp,
                           capture_output=True, text=True)
        check(r.returncode == 0 and "(1, 10)" in r.stdout,
              f"the pip-installed package runs LeNet-5: {r.stdout.strip()}", r.stderr[-1000:])


def status_kb(*fields):
    """The sum of /proc/self/status fields (kB), after freed heap is handed
    back (malloc_trim), so that the allocator's free lists are not counted."""
    import ctypes
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    total = 0
    with open("/proc/self/status") as f:
        for line in f:
            name, _, rest = line.partition(":")
            if name in fields:
                total += int(rest.split()[0])
    return total


def file_mappings():
    """Mappings of files in /proc/self/maps (lines that name a path)."""
    with open("/proc/self/maps") as f:
        return sum(1 for line in f if "/" in line)


def open_fds():
    """Open file descriptors (listing /proc/self/fd opens one more)."""
    return len(os.listdir("/proc/self/fd"))


def theil_sen(xs, ys):
    """The Theil-Sen line (slope, intercept): the median of the slopes
    between all pairs of points, then the median of y - slope * x. Unlike
    least squares it ignores up to ~29% of readings far off the trend."""
    i, j = np.triu_indices(len(xs), 1)
    slope = float(np.median((ys[j] - ys[i]) / (xs[j] - xs[i])))
    return slope, float(np.median(ys - slope * xs))


def check_cycles(total=1000, first=100, every=10):
    """Without the validation layer: on one long-lived device the Khronos
    layer's own records grow by about 2 kB per cycle (measured +1.5% over
    900 cycles with VKCNN_VALIDATE=1, flat without it), which is not
    vkcnn's memory. The module test runs the same calls under the layer.
    Anonymous resident memory (RssAnon: heap, stacks, anonymous mappings,
    where a leak grows) is read every `every` cycles from `first` on; the
    growth checked is that of the Theil-Sen line through those readings (a
    leak moves the trend as much as the end points, while single readings
    sit off it: in one CI run a reading sat 5 MB below its neighbours).
    ctest pins glibc's mmap threshold for this test, as
    test_lifecycle.c does with mallopt (MALLOC_MMAP_THRESHOLD_): glibc raises
    it each time a large mapped block is freed, and model-sized buffers then
    come from a heap that fragments. Measured over 1,000 cycles (Theil-Sen
    growth, two runs each): unpinned +0.21% and +0.94%, pinned +0.03% and
    +0.05% (with one malloc arena as well: +0.33% and +0.35%); those were
    figures of VmRSS. Memory of mapped files (RssFile) is printed, not
    checked: the kernel drops the driver's library pages and faults them
    back as it likes (test_lifecycle.c failed once in CI on a 1.2 MB step of
    RssFile with RssAnon flat). A leaked mapping or descriptor is caught
    exactly instead: no more of either at the last cycle than at `first`."""
    x = np.random.default_rng(3).standard_normal((1, 1, 32, 32), np.float32)
    with vkcnn.Context(validation=False) as ctx:
        want = None
        at = {}
        for i in range(1, total + 1):
            with ctx.load(LENET) as m:
                y = m.run(x)["logits"]
            if want is None:
                want = y
            elif not np.array_equal(y, want):
                check(False, f"cycle {i}: the same output every cycle")
                return
            if i >= first and (i - first) % every == 0:
                gc.collect()
                at[i] = status_kb("RssAnon")
                if i == first:
                    files_first = (file_mappings(), open_fds())
                if i == total:
                    files_end = (file_mappings(), open_fds())
                if i % 100 == 0:
                    print(f"cycle {i}: RssAnon {at[i]} kB, RssFile {status_kb('RssFile')} kB, "
                          f"{file_mappings()} file mappings, {open_fds()} fds", flush=True)
        counts = ctx.validation_counts()
    xs = np.array(sorted(at), np.float64)
    ys = np.array([at[i] for i in sorted(at)], np.float64)
    slope, start = theil_sen(xs - first, ys)
    growth = slope * (total - first) / start
    ends = (at[total] - at[first]) / at[first]
    check(growth <= 0.01, f"{total} load/run/close cycles of LeNet-5: RssAnon {at[first]} kB at "
          f"cycle {first}, {at[total]} kB at cycle {total} ({100 * ends:+.2f}%); trend over "
          f"{len(at)} readings {start:.0f} kB at cycle {first}, {slope:+.2f} kB per cycle, "
          f"growth {100 * growth:+.2f}% (at most +1%)")
    check(files_end[0] <= files_first[0] and files_end[1] <= files_first[1],
          f"file mappings {files_first[0]} -> {files_end[0]}, open descriptors "
          f"{files_first[1]} -> {files_end[1]} from cycle {first} to cycle {total}")
    check(counts == (0, 0), "no validation messages over the cycles", str(counts))


def main():
    print(f"vkcnn {vkcnn.__version__} from {vkcnn.library_path}", flush=True)
    if WHAT == "module":
        with tempfile.TemporaryDirectory() as tmp:
            check_layouts()
            check_devices()
            check_lenet()
            check_classify()
            check_errors(tmp)
            check_lifetimes()
    elif WHAT == "alexnet":
        check_alexnet()
    elif WHAT == "cycles":
        check_cycles()
    elif WHAT == "pip":
        check_pip()
    else:
        sys.exit(f"unknown test {WHAT!r}")
    print(f"{len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
