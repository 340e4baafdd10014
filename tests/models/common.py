"""Shared helpers of the model-level tests (run by /usr/bin/python3).

- the model configurations the tests use, exported through models/cached_export.py;
- an independent count of parameters and multiply-accumulates from an ONNX file;
- a runner for `vkcnn inspect --json` that reports clearly when it fails;
- a small collector of failures, so that one run reports every mismatch.
"""

import json
import os
import subprocess
import sys


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODELS_DIR = os.path.join(ROOT, "models")

# Large models of test 1: (name, input shape, output shape at batch 1).
LARGE_MODELS = {
    "alexnet": ([1, 3, 224, 224], [1, 1000]),
    "alexnet_original": ([1, 3, 227, 227], [1, 1000]),
    "vgg16": ([1, 3, 224, 224], [1, 1000]),
}

# Figures derived by hand from the architectures (see models/README.md):
# parameters = sum of weight and bias elements; MACs per image of Conv and
# Gemm (conv: Cout*Hout*Wout*Cin/groups*kh*kw; fc: in*out).
KNOWN_COUNTS = {
    "alexnet": {"params": 61_100_840, "macs": 714_188_480},
    "alexnet_original": {"params": 60_965_224, "macs": 724_406_816},
    "vgg16": {"params": 138_357_544, "macs": 15_470_264_320},
    "lenet": {"params": 61_706, "macs": 416_520},
    # conv1+folded BN 448, conv2 (groups 2) 2,336, BN 128, fc 100,416 + 650
    "tinynet": {"params": 103_978, "macs": 1_061_760},
}

SMALL_NETS = {"lenet": [1, 32, 32], "tinynet": [3, 32, 32]}
SMALL_OPSETS = (9, 11, 13)
# Batch variants of the small nets: None = dynamic, else a static batch.
SMALL_BATCHES = (None, 1, 3)


def small_configs():
    for net in SMALL_NETS:
        for opset in SMALL_OPSETS:
            for batch in SMALL_BATCHES:
                yield net, opset, batch


def require_python_deps():
    """Exit with the skip code if this interpreter lacks torch/onnx/numpy."""
    missing = []
    for mod in ("numpy", "onnx", "torch", "torchvision"):
        try:
            __import__(mod)
        except ImportError:
            missing.append(mod)
    if missing:
        print(f"FAIL: {sys.executable} lacks {', '.join(missing)} "
              "(install python3-torch python3-torchvision python3-onnx; run with /usr/bin/python3)")
        sys.exit(1)  # a missing oracle is a failure, never a silent skip


def cached_export_module():
    sys.path.insert(0, MODELS_DIR)
    try:
        import cached_export  # noqa: PLC0415
    finally:
        sys.path.pop(0)
    return cached_export


def model_path(name, batch=1, opset=13, reference_batch=None):
    """Cached export of NAME; batch None means dynamic batch, with an input.npy
    of REFERENCE_BATCH images (default 2).  Opsets 18..22: the opset-17 export
    rewritten (export.upgrade_opset), with PyTorch's output for it."""
    ce = cached_export_module()
    log = lambda m: print(f"  [export] {m}", flush=True)  # noqa: E731
    return ce.cached_export(name, batch=batch or 1, dynamic_batch=batch is None, opset=opset,
                            log=log, reference_batch=reference_batch if batch is None else None)


def config_label(net, opset, batch, reference_batch=None):
    if batch is None:
        return f"{net} opset {opset} dynamic batch" + (
            f" (run at {reference_batch})" if reference_batch else "")
    return f"{net} opset {opset} static batch {batch}"


def export_module():
    """models/export.py as a module (MODELS, ZOO, upgrade_opset, ...)."""
    return cached_export_module()._load_export_module()


# The opsets of the zoo table: what Debian's torch exports (11, 13, 17) and
# the opset-17 files rewritten to 18, 20 and 22.
ZOO_OPSETS = (11, 13, 17, 18, 20, 22)
# Families whose rewritten opset-18/20/22 files models.python inspects (one
# with ReduceMean, one without).
ZOO_REWRITE_CHECKED = ("mnasnet1_0", "resnet18")


def parse_case(text):
    """A model test case NAME[@[dyn]B][/OPSET][:PRECISION] -> dict(name,
    batch (None: dynamic), reference_batch, opset, precision).  NAME@4 is a
    static batch-4 export; NAME@dyn4 a dynamic-batch export run at batch 4."""
    import re  # noqa: PLC0415

    m = re.fullmatch(r"([A-Za-z0-9_]+)(?:@(dyn)?([0-9]+))?(?:/([0-9]+))?(?::(fp32|fp16))?", text)
    if not m:
        raise ValueError(f"bad model case '{text}': expected NAME[@[dyn]B][/OPSET][:fp16]")
    name, dyn, batch, opset, precision = m.groups()
    batch = int(batch) if batch else 1
    return {"name": name, "batch": None if dyn else batch,
            "reference_batch": batch if dyn else None, "opset": int(opset) if opset else 13,
            "precision": precision or "fp32"}


def compare_logits(got, want, rtol=1e-4):
    """The model tests' comparison of vkcnn's output GOT with PyTorch's WANT:
    max |got - want| <= RTOL * max |want| + 1e-5, and per batch row the same
    top-5 classes in order, up to the first near-tie (neighbouring reference
    logits within that bound).  Returns a dict: diff, bound, ratio
    (diff / max |want|), diff_ok, top5_ok, problems (messages)."""
    import numpy as np  # noqa: PLC0415

    out = {"diff": None, "bound": None, "ratio": None, "diff_ok": False, "top5_ok": False,
           "problems": []}
    if got.shape != want.shape:
        out["problems"].append(f"shape {got.shape}, expected {want.shape}")
        return out
    scale = float(np.abs(want).max())
    bound = rtol * scale + 1e-5
    diff = float(np.abs(got.astype(np.float64) - want).max())
    out.update(diff=diff, bound=bound, ratio=diff / scale if scale > 0 else float("inf"))
    out["diff_ok"] = diff <= bound  # False for NaN
    if not out["diff_ok"]:
        out["problems"].append(f"max |diff| {diff} > {bound}")
    flat_got, flat_want = got.reshape(got.shape[0], -1), want.reshape(want.shape[0], -1)
    top5_ok = True
    for n in range(flat_want.shape[0]):
        order = np.argsort(-flat_want[n], kind="stable")
        top = order[:6]
        k = min(5, len(top) - 1)
        for i in range(k):
            if flat_want[n][top[i]] - flat_want[n][top[i + 1]] <= bound:
                k = i
                break
        got_order = np.argsort(-flat_got[n], kind="stable")[:k]
        if list(got_order) != list(order[:k]):
            top5_ok = False
            out["problems"].append(f"[{n}]: top-{k} {list(got_order)}, "
                                   f"expected {list(order[:k])}")
    out["top5_ok"] = top5_ok
    return out


# --------------------------------------------------------------------------
# Independent counts from the ONNX graph


def _dims(value_info):
    t = value_info.type.tensor_type
    if not t.HasField("shape"):
        return None
    out = []
    for d in t.shape.dim:
        out.append(d.dim_value if d.HasField("dim_value") else None)
    return out


def _prod(xs):
    n = 1
    for x in xs:
        n *= int(x)
    return n


def count_params(model):
    """Elements stored in the file's initializers, each initializer counted
    once (by name; a name listed twice would be an invalid file)."""
    seen = {}
    for init in model.graph.initializer:
        seen[init.name] = _prod(init.dims)
    return sum(seen.values())


def bind_batch(model, batch):
    """Copy of MODEL with every symbolic first dimension of the graph inputs
    set to BATCH and the declared intermediate shapes dropped."""
    import onnx  # noqa: PLC0415

    m = onnx.ModelProto()
    m.CopyFrom(model)
    init_names = {i.name for i in m.graph.initializer}
    for vi in m.graph.input:
        if vi.name in init_names:
            continue
        dims = vi.type.tensor_type.shape.dim
        if dims and not dims[0].HasField("dim_value"):
            dims[0].Clear()
            dims[0].dim_value = batch
    for vi in m.graph.output:
        dims = vi.type.tensor_type.shape.dim
        if dims and not dims[0].HasField("dim_value"):
            dims[0].Clear()
            dims[0].dim_value = batch
    del m.graph.value_info[:]
    return m


def _shape_values(graph, shapes):
    """Values of the integer shape arithmetic exporters emit (Constant, Shape,
    Gather, Unsqueeze, Squeeze, Concat, Cast, Slice), where computable."""
    import numpy as np  # noqa: PLC0415
    from onnx import helper, numpy_helper  # noqa: PLC0415

    vals = {}
    for init in graph.initializer:
        if init.data_type == 7 and _prod(init.dims) <= 64:  # INT64
            vals[init.name] = numpy_helper.to_array(init)
    for node in graph.node:
        a = {x.name: helper.get_attribute_value(x) for x in node.attribute}
        ins = [vals.get(i) if i else None for i in node.input]
        out = None
        try:
            if node.op_type == "Constant" and "value" in a:
                out = numpy_helper.to_array(a["value"])
            elif node.op_type == "Shape":
                s = shapes.get(node.input[0])
                if s is not None and None not in s:
                    out = np.array(s, dtype=np.int64)
            elif any(v is None for v in ins):
                out = None
            elif node.op_type == "Gather":
                out = np.take(ins[0], ins[1], axis=a.get("axis", 0))
            elif node.op_type == "Unsqueeze":
                axes = a["axes"] if "axes" in a else list(ins[1])
                out = ins[0]
                for ax in sorted(int(x) % (out.ndim + len(axes)) for x in axes):
                    out = np.expand_dims(out, ax)
            elif node.op_type == "Squeeze":
                axes = a.get("axes", list(ins[1]) if len(ins) > 1 else None)
                out = np.squeeze(ins[0], axis=tuple(axes) if axes is not None else None)
            elif node.op_type == "Concat":
                out = np.concatenate(ins, axis=a["axis"])
            elif node.op_type == "Cast":
                out = ins[0].astype(np.int64)
            elif node.op_type == "Slice":
                if "starts" in a:
                    starts, ends, axes = a["starts"], a["ends"], a.get("axes")
                    steps = None
                else:
                    starts, ends = ins[1], ins[2]
                    axes = ins[3] if len(ins) > 3 else None
                    steps = ins[4] if len(ins) > 4 else None
                axes = list(range(len(starts))) if axes is None else list(axes)
                steps = [1] * len(starts) if steps is None else list(steps)
                sl = [slice(None)] * ins[0].ndim
                for st, en, ax, sp in zip(starts, ends, axes, steps):
                    sl[int(ax)] = slice(int(st), int(en), int(sp))
                out = ins[0][tuple(sl)]
        except (KeyError, IndexError, ValueError, TypeError):
            out = None
        if out is not None:
            vals[node.output[0]] = np.asarray(out)
    return vals


def _infer_with_folded_shapes(model, rounds=8):
    """onnx.shape_inference, repeated after replacing the shape input of each
    Reshape that shape arithmetic computes with a constant (onnx 1.12's
    data propagation does not follow Shape->Gather->Unsqueeze->Concat)."""
    from onnx import numpy_helper, shape_inference  # noqa: PLC0415

    m = model
    for _ in range(rounds):
        inferred = shape_inference.infer_shapes(m, strict_mode=True)
        g = inferred.graph
        shapes = {}
        for vi in list(g.input) + list(g.value_info) + list(g.output):
            d = _dims(vi)
            if d is not None:
                shapes[vi.name] = d
        vals = _shape_values(g, shapes)
        consts = {i.name for i in m.graph.initializer}
        changed = False
        for node in m.graph.node:
            if node.op_type == "Reshape" and len(node.input) > 1 \
                    and node.input[1] not in consts and node.input[1] in vals:
                name = node.input[1] + "__folded"
                if name not in consts:
                    m.graph.initializer.append(numpy_helper.from_array(
                        vals[node.input[1]].astype("int64"), name))
                    consts.add(name)
                node.input[1] = name
                changed = True
        if not changed:
            return g
    return g


def count_macs(model, batch=1, per_node=False):
    """Multiply-accumulates of Conv, Gemm and MatMul for BATCH (symbolic
    batch dims bound to it), from shapes that onnx.shape_inference computes.

    Conv: prod(output shape) * (Cin / groups) * prod(kernel)  (= N*Cout*H'*W'*...)
    Gemm: M * K * N of op(A) [M,K] x op(B) [K,N]
    MatMul: prod(broadcast batch dims) * M * K * N (numpy rules for 1-D operands)
    """
    import onnx  # noqa: PLC0415

    # Shape inference needs only shapes: leave the weights out (VGG-16 carries
    # 553 MB of them) by inferring on a copy whose initializers are declared
    # as graph inputs with their shapes.
    light = onnx.ModelProto()
    light.ir_version = model.ir_version
    light.opset_import.extend(model.opset_import)
    light.graph.name = model.graph.name
    light.graph.node.extend(model.graph.node)
    light.graph.input.extend(model.graph.input)
    light.graph.output.extend(model.graph.output)
    light = bind_batch(light, batch)
    shapes = {}
    graph_inputs = {vi.name for vi in light.graph.input}
    for init in model.graph.initializer:
        shapes[init.name] = list(init.dims)
        if _prod(init.dims) <= 64 and init.data_type == onnx.TensorProto.INT64:
            # Shape arithmetic (Shape->Gather->Concat->Reshape) needs the
            # values of small integer initializers: keep those.
            light.graph.initializer.append(init)
        elif init.name not in graph_inputs:
            light.graph.input.append(
                onnx.helper.make_tensor_value_info(init.name, init.data_type, list(init.dims)))
    g = _infer_with_folded_shapes(light)
    for vi in list(g.input) + list(g.value_info) + list(g.output):
        d = _dims(vi)
        if d is not None:
            shapes.setdefault(vi.name, d)
            if None in shapes[vi.name] and None not in d:
                shapes[vi.name] = d

    def shape_of(name, node):
        s = shapes.get(name)
        if s is None or None in s:
            raise ValueError(f"shape of '{name}' (input of {node.op_type} '{node.name}') "
                             f"is not known after shape inference: {s}")
        return s

    total = 0
    nodes = []
    for node in g.node:
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        macs = 0
        if node.op_type == "Conv":
            w = shape_of(node.input[1], node)
            y = shape_of(node.output[0], node)
            macs = _prod(y) * _prod(w[1:])
        elif node.op_type == "Gemm":
            a = shape_of(node.input[0], node)
            b = shape_of(node.input[1], node)
            m_, k = (a[1], a[0]) if attrs.get("transA", 0) else (a[0], a[1])
            n_ = b[0] if attrs.get("transB", 0) else b[1]
            macs = m_ * k * n_
        elif node.op_type == "MatMul":
            a = list(shape_of(node.input[0], node))
            b = list(shape_of(node.input[1], node))
            if len(a) == 1:
                a = [1] + a
            if len(b) == 1:
                b = b + [1]
            batch_a, batch_b = a[:-2], b[:-2]
            n = max(len(batch_a), len(batch_b))
            batch_a = [1] * (n - len(batch_a)) + batch_a
            batch_b = [1] * (n - len(batch_b)) + batch_b
            bcast = [max(x, y) for x, y in zip(batch_a, batch_b)]
            macs = _prod(bcast) * a[-2] * a[-1] * b[-1]
        total += macs
        nodes.append((node.name, node.op_type, macs))
    return (total, nodes) if per_node else total


def input_output_shapes(model):
    init_names = {i.name for i in model.graph.initializer}
    ins = [(vi.name, _dims(vi)) for vi in model.graph.input if vi.name not in init_names]
    outs = [(vi.name, _dims(vi)) for vi in model.graph.output]
    return ins, outs


# --------------------------------------------------------------------------
# vkcnn inspect


class InspectUnavailable(Exception):
    pass


def run_inspect(vkcnn, model, batch=None, timeout=600):
    """Runs `vkcnn inspect MODEL --json [--batch N]`; returns (rc, json or
    None, stderr, command line)."""
    cmd = [vkcnn, "inspect", model, "--json"]
    if batch is not None:
        cmd += ["--batch", str(batch)]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except FileNotFoundError as e:
        raise InspectUnavailable(f"cannot run {vkcnn}: {e}") from e
    except subprocess.TimeoutExpired as e:
        raise InspectUnavailable(f"`{' '.join(cmd)}` ran over {timeout} s") from e
    doc = None
    if p.returncode == 0:
        try:
            doc = json.loads(p.stdout)
        except json.JSONDecodeError as e:
            doc = e
    return p.returncode, doc, p.stderr.strip(), " ".join(cmd)


def check_inspect_available(vkcnn, model):
    """Raises InspectUnavailable with a clear message when `vkcnn inspect` is
    missing (usage error on a valid model) rather than failing per case."""
    rc, doc, err, cmd = run_inspect(vkcnn, model)
    if rc == 2:
        raise InspectUnavailable(
            f"`{cmd}` exited 2 (usage error): is `vkcnn inspect` implemented yet?\n"
            f"  stderr: {err or '(empty)'}")
    return rc, doc, err, cmd


def json_shape(entry):
    return list(entry.get("shape", [])) if isinstance(entry, dict) else None


class Checks:
    """Collects failures; prints each check as it goes."""

    def __init__(self):
        self.failures = []
        self.count = 0

    def eq(self, what, got, want):
        self.count += 1
        if got == want:
            print(f"  ok   {what}: {got}")
            return True
        self.failures.append(f"{what}: got {got!r}, expected {want!r}")
        print(f"  FAIL {what}: got {got!r}, expected {want!r}")
        return False

    def true(self, what, cond, detail=""):
        self.count += 1
        if cond:
            print(f"  ok   {what}")
            return True
        self.failures.append(f"{what}{': ' + detail if detail else ''}")
        print(f"  FAIL {what}{': ' + detail if detail else ''}")
        return False

    def fail(self, what):
        self.count += 1
        self.failures.append(what)
        print(f"  FAIL {what}")

    def finish(self, name):
        if self.failures:
            print(f"\n{name}: {len(self.failures)} of {self.count} checks failed:")
            for f in self.failures:
                print(f"  - {f}")
            return 1
        print(f"\n{name}: all {self.count} checks passed")
        return 0
