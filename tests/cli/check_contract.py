#!/usr/bin/python3
"""The CLI contract (../shared/DESIGN.md, README "Command line") where a new
user trips: exit statuses, usage errors that say what is wrong, settings
that contradict each other or do nothing, .npy conversion, `run`'s batch
binding and summary, classify's text output and errors, `bench --json`
checked before the benchmark, complete --help texts, progress lines.

    check_contract.py VKCNN

Each check prints "ok: ..." or "FAIL: ..."; the exit status is 1 if any
failed. Run with VKCNN_VALIDATE=1: any validation message fails the check.
"""
import json
import os
import pty
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

VKCNN = sys.argv[1]
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LENET = os.path.join(ROOT, "models", "lenet5", "lenet5.onnx")
DIGITS = os.path.join(ROOT, "models", "lenet5", "digits")
DIGIT = os.path.join(DIGITS, "digit_3_3126.png")
TESTDATA = "/usr/share/libonnx-testdata/data/node"
failures = []


def run(*args, env=None, timeout=600):
    e = dict(os.environ, **(env or {}))
    r = subprocess.run([VKCNN, *args], capture_output=True, text=True, env=e, timeout=timeout)
    if "validation" in r.stderr or "Sanitizer" in r.stderr or "runtime error:" in r.stderr:
        fail(f"vkcnn {' '.join(args)}: validation or sanitizer report:\n{r.stderr[-3000:]}")
    return r


def fail(msg):
    print("FAIL:", msg, flush=True)
    failures.append(msg)


def check(cond, what, detail=""):
    if cond:
        print("ok:", what, flush=True)
    else:
        fail(f"{what}{': ' + detail if detail else ''}")


def expect(code, args, what, says=None, env=None):
    """vkcnn ARGS exits `code`; a failure says why on stderr (containing every
    string of `says`), not just the usage text."""
    r = run(*args, env=env)
    first = r.stderr.strip().splitlines()[0] if r.stderr.strip() else ""
    detail = f"exit {r.returncode}, stderr: {r.stderr.strip()[:500]}"
    ok = r.returncode == code
    if ok and code:
        ok = bool(first) and not first.startswith("usage:")
        ok = ok and all(s in r.stderr for s in (says or []))
    check(ok, f"{what}: exit {code}" + (f", says {says}" if says else ""), detail)
    return r


def commands():
    """Every command: one tools/cmd_NAME.c each."""
    return sorted(f[4:-2] for f in os.listdir(os.path.join(ROOT, "tools"))
                  if f.startswith("cmd_") and f.endswith(".c"))


def source_flags():
    """Every --flag the CLI's sources compare arguments with (tools/*.c)."""
    flags = set()
    for f in os.listdir(os.path.join(ROOT, "tools")):
        if f.endswith(".c"):
            src = open(os.path.join(ROOT, "tools", f)).read()
            flags |= set(re.findall(r'strcmp\([^,()]+,\s*"(--[a-z0-9][a-z0-9-]*)"\)', src))
    return flags - {"--help", "--warm-start-child"}


def accepts(name, flag):
    """Whether command `name` accepts `flag`: given it, followed by two
    unknown flags (so that nothing runs whether or not it takes a value), it
    does not call `flag` itself unknown."""
    r = run(name, flag, "--zz-not-an-option", "--zz-not-an-option-either")
    return not re.search(r"unknown[^\n]*'" + re.escape(flag) + "'", r.stderr)


def described_flags(help_text):
    """Flags named on the option lines of a --help text (lines that start,
    after indentation, with '-'); `-x` there describes its spelling `--x`."""
    out = set()
    for line in help_text.splitlines():
        if not re.match(r"^\s+-", line):
            continue
        out |= set(re.findall(r"(?<![\w-])(--[a-z0-9][a-z0-9-]*)", line))
        out |= {"-" + f for f in re.findall(r"^\s+(-[a-z0-9])\b", line)}
    return out


def check_help():
    """--help describes every option a command accepts: each flag of the
    sources that the help does not name is tried on the command, so a new
    option without help fails here."""
    candidates = source_flags()
    for name in commands():
        r = run(name, "--help")
        if r.returncode != 0:
            fail(f"{name} --help exits {r.returncode}")
            continue
        described = described_flags(r.stdout)
        missing = [f for f in sorted(candidates - described) if accepts(name, f)]
        check(not missing, f"{name} --help describes every option it accepts "
              f"({len(described & candidates)} named)", f"accepted, not described: {missing}")
        check("Exit status" in r.stdout or name in ("devices",) and "exit 1" in r.stdout,
              f"{name} --help states the exit statuses")
    r = run("run", "--help")
    check(all(w in r.stdout for w in ("float16", "float64", "integers", "Fortran", "byte order")),
          "run --help says which .npy dtypes and orders are converted")


def check_exit_statuses(tmp):
    """0 ok, 1 runtime/model/data error (unreadable or malformed files
    included), 2 usage error (malformed or contradictory option values)."""
    x = os.path.join(tmp, "x.npy")
    np.save(x, np.zeros((1, 1, 32, 32), np.float32))
    bad = os.path.join(tmp, "bad.npy")
    with open(bad, "wb") as f:
        f.write(b"not an npy file")
    missing = os.path.join(tmp, "missing")
    badjson = os.path.join(tmp, "bad.json")
    with open(badjson, "w") as f:
        f.write("{ not json")
    # data errors: 1
    expect(1, ["run", LENET, "--input", missing + ".npy"], "missing .npy", [missing + ".npy"])
    expect(1, ["run", LENET, "--input", bad], "malformed .npy", [bad, "not a .npy"])
    expect(1, ["run", missing + ".onnx", "--input", x], "missing model", [missing + ".onnx"])
    expect(1, ["classify", LENET, DIGIT, "--labels", missing + ".txt"], "missing --labels file",
           [missing + ".txt"])
    expect(1, ["classify", LENET, DIGIT, "--preset", missing + ".json"], "missing --preset file",
           [missing + ".json"])
    expect(1, ["classify", LENET, DIGIT, "--preset", badjson], "malformed --preset file",
           [badjson])
    expect(1, ["classify", missing + ".onnx", DIGIT], "missing model (classify)")
    expect(1, ["classify", LENET, missing + ".png"], "missing image", [missing + ".png"])
    wrong = os.path.join(tmp, "wrong.npy")
    np.save(wrong, np.zeros((1, 1, 30, 30), np.float32))
    expect(1, ["run", LENET, "--input", wrong], "wrong shape", ["[1, 1, 30, 30]"])
    cplx = os.path.join(tmp, "complex.npy")
    np.save(cplx, np.zeros((1, 1, 32, 32), np.complex64))
    expect(1, ["run", LENET, "--input", cplx], "complex .npy is a data error", ["<c8"])
    # usage errors: 2, each saying what is wrong
    expect(2, ["run", LENET], "run without --input on a model with inputs",
           ["--input", "'input'"])
    expect(2, ["run", LENET, "--input", x, "--input", x], "too many inputs", ["more"])
    expect(2, ["run", LENET, "--input", "nosuch=" + x], "unknown input name", ["nosuch", "'input'"])
    expect(2, ["run", LENET, "--input", x, "--output", "nosuch=" + x], "unknown output name",
           ["nosuch", "'logits'"])
    expect(2, ["run", LENET, "--input", x, "--bogus"], "unknown flag", ["--bogus"])
    expect(2, ["run", LENET, "--input", x, "--json", "--output", os.path.join(tmp, "o.npy")],
           "run --json with --output (the summary is replaced)", ["--json", "--output"])
    expect(2, ["run", LENET, "--input", x, "--precision", "fp64"], "bad --precision", ["fp64"])
    expect(2, ["bench", LENET, "--iters", "0"], "bench --iters 0", ["--iters", "'0'"])
    expect(2, ["bench", LENET, "--iters", "-1"], "bench --iters -1", ["--iters", "'-1'"])
    r = run("bench", LENET, "--iters", "-1")
    check("non-negative" not in r.stderr, "bench --iters -1 no longer says 'non-negative'")
    expect(2, ["bench", LENET, "--iters", "x"], "bench --iters x", ["--iters", "'x'"])
    expect(2, ["bench", LENET, "--batch", "0"], "bench --batch 0 (no silent batch 1)",
           ["--batch", "'0'"])
    expect(2, ["bench", LENET, "--json"], "bench --json without FILE", ["--json"])
    expect(2, ["bench", LENET, "--no-fusion", "--no-winograd"],
           "bench --no-winograd with --no-fusion does nothing", ["--no-winograd"])
    expect(2, ["bench"], "bench without a model", ["no model"])
    for cmd in (["devices"], ["peak"], ["run", LENET, "--input", x], ["bench", LENET],
                ["classify", LENET, DIGIT], ["inspect", LENET, "--plan"]):
        expect(2, [*cmd, "--device", ""], f"{cmd[0]} --device ''", ["--device"])
    expect(2, ["inspect", LENET, "--device", "0"], "inspect --device without --plan",
           ["--device", "--plan"])
    expect(2, ["inspect", LENET, "--no-cache"], "inspect --no-cache without --plan",
           ["--no-cache", "--plan"])
    expect(2, ["run", LENET, "--input", x, "--cache-dir", tmp, "--no-cache"],
           "--cache-dir with --no-cache", ["--no-cache"])
    expect(2, ["peak", "--fresh", "--no-cache"], "peak --fresh with --no-cache", ["--fresh"])
    expect(2, ["classify", LENET, DIGIT, "--gray", "--mean", "0.1,0.2,0.3"],
           "classify --gray with three means", ["--gray", "--mean"])
    expect(2, ["classify", LENET, DIGIT, "--gray", "--std", "0.1,0.2,0.3"],
           "classify --gray with three stds", ["--gray", "--std"])
    expect(2, ["classify", LENET, DIGIT, "--resize", "100", "--crop", "200"],
           "classify --crop larger than --resize", ["--crop", "--resize"])
    expect(2, ["classify", LENET, DIGIT, "--crop", "200"],
           "classify --crop larger than the preset's resize", ["--crop", "28"])
    expect(2, ["classify", LENET, DIGIT, "--top", "0"], "classify --top 0", ["--top"])
    expect(2, ["classify", LENET], "classify without an image", ["no image"])
    expect(2, ["inspect", LENET, "--batch", "0"], "inspect --batch 0", ["--batch"])


def check_npy_conversion(tmp):
    """float64, float16, integer, big-endian and Fortran-order .npy inputs are
    converted: the outputs equal those of the same values as float32."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 1, 32, 32)).astype(np.float32)
    variants = {
        "float64": (x.astype(np.float64), x),
        "big-endian float32": (x.astype(">f4"), x),
        "Fortran order": (np.asfortranarray(x), x),
        "big-endian Fortran float64": (np.asfortranarray(x.astype(">f8")), x),
        "float16": (x.astype(np.float16), x.astype(np.float16).astype(np.float32)),
        "int16": ((x * 100).astype(np.int16), (x * 100).astype(np.int16).astype(np.float32)),
        "uint8": ((x * 10 + 128).astype(np.uint8),
                  (x * 10 + 128).astype(np.uint8).astype(np.float32)),
        "int64 big-endian": ((x * 100).astype(">i8"),
                             (x * 100).astype(np.int64).astype(np.float32)),
        "bool": (x > 0, (x > 0).astype(np.float32)),
    }
    for what, (given, as_f32) in variants.items():
        a, b = os.path.join(tmp, "given.npy"), os.path.join(tmp, "f32.npy")
        np.save(a, given)
        np.save(b, np.ascontiguousarray(as_f32, dtype="<f4"))
        oa, ob = os.path.join(tmp, "oa.npy"), os.path.join(tmp, "ob.npy")
        ra = run("run", LENET, "--input", a, "--output", oa)
        rb = run("run", LENET, "--input", b, "--output", ob)
        if ra.returncode or rb.returncode:
            fail(f".npy {what}: exit {ra.returncode}/{rb.returncode}: {ra.stderr}{rb.stderr}")
            continue
        check(np.array_equal(np.load(oa), np.load(ob)),
              f".npy {what} is converted (outputs equal the float32 input's)")


def check_run_binding(tmp):
    """Static inputs as declared, a symbolic batch from its tensor, models
    without inputs; the summary's argmax per batch row."""
    from onnx import TensorProto, numpy_helper
    for case in ("test_add_bcast", "test_gemm_alpha", "test_batchnorm_example"):
        model = os.path.join(TESTDATA, case, "model.onnx")
        if not os.path.exists(model):
            fail(f"{model} missing (libonnx-testdata)")
            continue
        args = []
        pbs = os.path.join(TESTDATA, case, "test_data_set_0", "input_{}.pb")
        for i in range(16):
            if not os.path.exists(pbs.format(i)):
                break
            t = TensorProto()
            with open(pbs.format(i), "rb") as f:
                t.ParseFromString(f.read())
            p = os.path.join(tmp, f"{case}_{i}.npy")
            np.save(p, numpy_helper.to_array(t))
            args += ["--input", p]
        r = run("run", model, *args)
        check(r.returncode == 0, f"run {case}: inputs of different leading dimensions "
                                 "taken as declared", r.stderr.strip())
    # symbolic and static leading dimensions in one model: the batch binds
    # the symbolic one only, the static inputs are taken as declared
    import onnx
    from onnx import TensorProto, helper
    mixed = os.path.join(tmp, "mixed.onnx")
    g = helper.make_graph(
        [helper.make_node("Add", ["x", "b"], ["s"]), helper.make_node("MatMul", ["s", "w"], ["y"])],
        "mixed", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4]),
                  helper.make_tensor_value_info("b", TensorProto.FLOAT, [1, 4]),
                  helper.make_tensor_value_info("w", TensorProto.FLOAT, [4, 5])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 5])])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), mixed)
    rng = np.random.default_rng(2)
    vals = {"x": rng.standard_normal((3, 4), np.float32),
            "b": rng.standard_normal((1, 4), np.float32),
            "w": rng.standard_normal((4, 5), np.float32)}
    args = []
    for k, v in vals.items():
        np.save(os.path.join(tmp, f"m_{k}.npy"), v)
        args += ["--input", f"{k}={os.path.join(tmp, f'm_{k}.npy')}"]
    y = os.path.join(tmp, "m_y.npy")
    r = run("run", mixed, *args, "--output", y)
    want = (vals["x"] + vals["b"]) @ vals["w"]
    check(r.returncode == 0 and np.load(y).shape == (3, 5)
          and np.allclose(np.load(y), want, rtol=1e-5, atol=1e-5),
          "run: a symbolic batch of 3 bound beside static inputs of leading dimension 1 and 4",
          r.stderr)
    r = run("run", os.path.join(TESTDATA, "test_constant", "model.onnx"))
    check(r.returncode == 0 and "values" in r.stdout, "run a model without inputs",
          r.stderr.strip())
    x = np.random.default_rng(1).standard_normal((3, 1, 32, 32)).astype(np.float32)
    xp, out = os.path.join(tmp, "x3.npy"), os.path.join(tmp, "y3.npy")
    np.save(xp, x)
    r = run("run", LENET, "--input", xp, "--output", out)
    if r.returncode:
        fail(f"run LeNet-5 at batch 3: {r.stderr}")
        return
    want = [int(v) for v in np.load(out).argmax(axis=1)]
    r = run("run", LENET, "--input", xp)
    check(r.returncode == 0 and f"argmax {want}".replace(" [", " [") in r.stdout,
          f"run summary: argmax per batch row {want}", r.stdout)
    r = run("run", LENET, "--input", xp, "--json")
    doc = json.loads(r.stdout) if r.returncode == 0 else {}
    check(doc and doc["outputs"][0]["argmax"] == want and doc["outputs"][0]["shape"] == [3, 10],
          "run --json summary: argmax per batch row", r.stdout)
    # a static model refuses another batch (data error)
    static = os.path.join(tmp, "lenet_static2.onnx")
    m = onnx.load(LENET)
    for v in list(m.graph.input) + list(m.graph.output):
        v.type.tensor_type.shape.dim[0].dim_value = 2
    onnx.save(m, static)
    r = run("run", static, "--input", xp)
    check(r.returncode == 1 and "static batch of 2" in r.stderr,
          "a static batch-2 model given batch 3: exit 1 naming the static batch", r.stderr)
    # the model refuses the batch: a model error (1), as for `run` above
    expect(1, ["bench", static, "--batch", "3", "--iters", "1"],
           "bench --batch 3 on a static batch-2 model", ["static batch of 2"])
    expect(1, ["inspect", static, "--batch", "3"],
           "inspect --batch 3 on a static batch-2 model", ["static batch of 2"])


def classifier_free_model(path):
    """A 1-input conv net whose output is a feature map [1, 2, 28, 28], not class scores."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    w = numpy_helper.from_array(np.ones((2, 1, 5, 5), np.float32), "w")
    g = helper.make_graph([helper.make_node("Conv", ["input", "w"], ["map"])], "fcn",
                          [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                                         [1, 1, 32, 32])],
                          [helper.make_tensor_value_info("map", TensorProto.FLOAT,
                                                         [1, 2, 28, 28])], [w])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), path)


def check_classify(tmp):
    digits = sorted(os.path.join(DIGITS, f) for f in os.listdir(DIGITS))[:2]
    r = run("classify", LENET, *digits, "--top", "3")
    lines = r.stdout.splitlines()
    check(r.returncode == 0 and len(lines) == 10 and lines[0] == digits[0]
          and lines[1].split() == ["prob", "class"],
          "classify text: path, header line, rows (no label column when labels are the "
          "indices)", r.stdout)
    row = lines[2].split() if len(lines) > 2 else []
    check(len(row) == 2 and row[0].endswith("%") and row[1].isdigit(),
          "classify text rows: probability and class index, no repeated label", r.stdout)
    labels = os.path.join(tmp, "labels.txt")
    names = ["zero", "one", "2", "three", "four", "five", "six", "seven", "eight", "nine"]
    with open(labels, "w") as f:
        f.write("\n".join(names) + "\n")
    r = run("classify", LENET, DIGIT, "--labels", labels, "--top", "10")
    lines = r.stdout.splitlines()
    rows = {int(l.split()[1]): l.split()[2:] for l in lines[2:]}
    check(r.returncode == 0 and lines[1].split() == ["prob", "class", "label"]
          and rows.get(3) == ["three"] and rows.get(2) == [],
          "classify text: label shown where it differs from the index", r.stdout)
    check("warning" not in r.stderr, "no warning for a labels file of 10 lines", r.stderr)
    short = os.path.join(tmp, "short.txt")
    with open(short, "w") as f:
        f.write("zero\none\n")
    r = run("classify", LENET, DIGIT, "--labels", short)
    check(r.returncode == 0 and "warning" in r.stderr and short in r.stderr and "10" in r.stderr,
          "labels file with fewer lines than classes: warning on stderr", r.stderr)
    # per-image errors: stderr, naming the file once; others still classified
    fake = os.path.join(tmp, "fake.png")
    with open(fake, "w") as f:
        f.write("not a png")
    r = run("classify", LENET, DIGIT, fake)
    check(r.returncode == 1 and fake not in r.stdout and r.stderr.count(fake) == 1
          and DIGIT in r.stdout and "error" not in r.stdout,
          "classify: a per-image error goes to stderr, naming the file once",
          f"stdout {r.stdout!r} stderr {r.stderr!r}")
    r = run("classify", LENET, DIGIT, fake, "--json")
    doc = json.loads(r.stdout) if r.stdout.strip().startswith("[") else []
    check(r.returncode == 1 and len(doc) == 2 and doc[1].get("error", "").count(fake) == 1
          and "top" in doc[0], "classify --json: the error object names the file once", r.stdout)
    # an image the device cannot hold in one buffer names the file
    devs = json.loads(run("devices", "--json").stdout)
    rng = devs["devices"][devs["default"]]["capabilities"]["max_storage_buffer_range"]
    side = int((rng // 4) ** 0.5) + 16
    if side * side <= 64 * 1024 * 1024:  # under the decoder's pixel limit: reaches the device
        from PIL import Image
        big = os.path.join(tmp, f"big_{side}.png")
        Image.new("L", (side, side), 0).save(big)
        r = run("classify", LENET, big, DIGIT)
        check(r.returncode == 1 and big in r.stderr and "image 0" not in r.stderr
              and DIGIT in r.stdout,
              f"classify: a {side}x{side} image over the device's buffer range names the file",
              r.stderr)
    else:
        print(f"ok: (not applicable: this device's storage range {rng} takes any image the "
              "decoder accepts)")
    fcn = os.path.join(tmp, "fcn.onnx")
    classifier_free_model(fcn)
    r = run("classify", fcn, DIGIT, "--preset", LENET + ".json")
    check(r.returncode == 1 and "[1, 2, 28, 28]" in r.stderr and "classes" in r.stderr
          and r.stdout == "", "classify refuses a model whose output is not [N, classes]",
          r.stderr)


def check_bench_json(tmp):
    """An unwritable --json path is refused before the benchmark runs."""
    for path in (os.path.join(tmp, "no", "such", "dir", "b.json"), tmp):
        t0 = time.monotonic()
        r = run("bench", LENET, "--iters", "1000", "--json", path)
        took = time.monotonic() - t0
        check(r.returncode == 1 and path in r.stderr and r.stdout == "" and took < 5,
              f"bench --json {path}: refused before running ({took:.1f} s)", r.stderr)
    existing = os.path.join(tmp, "keep.json")
    with open(existing, "w") as f:
        f.write("old")
    r = run("bench", LENET, "--iters", "1", "--warmup", "0", "--json", existing)
    check(r.returncode == 0 and json.load(open(existing))["iterations"] == 1,
          "bench --json replaces an existing file", r.stderr)
    created = os.path.join(tmp, "not_yet.json")
    r = run("bench", LENET, "--batch", "2", "--iters", "1", "--warmup", "0", "--json", created)
    check(r.returncode == 0 and json.load(open(created))["batch"] == 2,
          "bench --batch 2 --json on a new file", r.stderr)
    r = run("run", LENET, "--input", os.path.join(tmp, "x.npy"), "--output",
            os.path.join(tmp, "no", "o.npy"))
    check(r.returncode == 1 and "cannot write" in r.stderr, "run --output: unwritable path "
          "refused before the model loads", r.stderr)


def check_progress(tmp):
    """Progress lines when stderr is not a terminal (VKCNN_PROGRESS=1 turns
    them on for a small model), a line rewritten in place on a terminal,
    none with --quiet."""
    env = {"VKCNN_PROGRESS": "1", "VKCNN_CACHE_DIR": os.path.join(tmp, "cold-cache")}
    r = run("classify", LENET, DIGIT, env=env)
    lines = [l for l in r.stderr.splitlines() if l.startswith("vkcnn classify:")]
    stages = [l.split(":")[1].strip() for l in lines]
    check(r.returncode == 0 and stages[:3] == ["parse", "parse", "compile"]
          and lines[-1].startswith("vkcnn classify: ready in") and "\r" not in r.stderr,
          "progress: one line per stage when stderr is not a terminal", r.stderr)
    r = run("classify", LENET, DIGIT, "--quiet", env=env)
    check(r.returncode == 0 and r.stderr == "", "--quiet: no progress", r.stderr)
    r = run("run", LENET, "--input", os.path.join(tmp, "x.npy"), env=env)
    check(r.returncode == 0 and "vkcnn run: parse:" in r.stderr, "run reports progress too",
          r.stderr)
    # a terminal: the line is rewritten in place. A root without /dev/pts (a
    # bare chroot) has no pseudo-terminal to run it on: said, not failed.
    try:
        pid, fd = pty.fork()
    except OSError as e:
        print(f"skip: progress on a terminal: no pseudo-terminal here ({e})", flush=True)
        return
    if pid == 0:
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        os.environ.update(env)
        os.execv(VKCNN, [VKCNN, "classify", LENET, DIGIT])
    out = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    text = out.decode(errors="replace")
    check(os.waitstatus_to_exitcode(status) == 0 and "\r\x1b[K" in text and "ready in" in text,
          "progress on a terminal: one line rewritten in place", repr(text[:300]))


def check_vector_width(tmp):
    """Mesa's shader cache does not key entries on lavapipe's vector width,
    so the CLI keeps a cache per width when the width is set
    (tools/vector_width.h), and leaves a MESA_SHADER_CACHE_DIR it is given
    alone."""
    base = os.path.join(tmp, "xdg")
    env = {"XDG_CACHE_HOME": base, "LP_NATIVE_VECTOR_WIDTH": "256"}
    clean = {k: v for k, v in os.environ.items() if k != "MESA_SHADER_CACHE_DIR"}
    e = dict(clean, **env)
    r = subprocess.run([VKCNN, "bench", LENET, "--iters", "1", "--warmup", "0"],
                       capture_output=True, text=True, env=e, timeout=600)
    mesa = os.path.join(base, "vkcnn", "lavapipe-256")
    check(r.returncode == 0 and os.path.isdir(mesa),
          "LP_NATIVE_VECTOR_WIDTH=256: Mesa's cache in $XDG_CACHE_HOME/vkcnn/lavapipe-256",
          f"exit {r.returncode}, {r.stderr[-500:]}")
    if "llvmpipe" in r.stdout:
        files = [f for _, _, fs in os.walk(mesa) for f in fs]
        check("256 bits" in r.stdout and files, "lavapipe ran at 256 bits and cached there",
              r.stdout[:300])
    given = os.path.join(tmp, "given")
    os.mkdir(given)
    e = dict(clean, XDG_CACHE_HOME=os.path.join(tmp, "xdg2"), LP_NATIVE_VECTOR_WIDTH="512",
             MESA_SHADER_CACHE_DIR=given)
    r = subprocess.run([VKCNN, "devices"], capture_output=True, text=True, env=e, timeout=600)
    check(r.returncode == 0 and not os.path.exists(os.path.join(tmp, "xdg2", "vkcnn", "lavapipe-512")),
          "a MESA_SHADER_CACHE_DIR the user set is left alone", r.stderr[-500:])


def main():
    with tempfile.TemporaryDirectory() as tmp:
        check_vector_width(tmp)
        check_help()
        check_exit_statuses(tmp)
        check_npy_conversion(tmp)
        check_run_binding(tmp)
        check_classify(tmp)
        check_bench_json(tmp)
        check_progress(tmp)
    print(f"cli contract: {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
