#!/usr/bin/python3
"""ONNX's own test cases (libonnx-testdata) of the data-movement, logic,
resizing and shape operators, against their expected outputs, where the
plain conformance run skips them: their shapes, indices, scales or sizes
are graph inputs there (data-dependent in vkcnn), or their inputs and
outputs are booleans or integers (vkcnn's run-time tensors are float32).
Each case is rewritten, with Debian's onnx, as a user's model would have it:

- an input that a node reads as a shape, index, axis, repeat, split, scale,
  size or roi (and If's condition) becomes an initializer holding the test
  data (so it folds at load);
- any other boolean or integer input becomes a float32 input fed with the
  same values (booleans as 0.0 / 1.0: vkcnn's run-time booleans);
- a boolean or integer output gets a Cast to float (folded, or the identity
  on run-time float data).

Then `vkcnn run` on every data set, each output within |got - want| <= 1e-5
+ 1e-3 |want| (the conformance run's tolerance). A case whose rewritten
model vkcnn refuses is a failure unless the refusal is one this script
expects (a cubic Resize; a sequence or optional type; the Loop of Range's
function-expanded cases).

usage: constant_inputs.py VKCNN DATA_ROOT"""
import glob
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

CASES = ("resize_", "upsample_", "expand_", "tile", "gather_0", "gather_1", "gather_2d",
         "gather_negative", "split_", "where_", "equal", "greater", "less", "not_", "and",
         "or", "constantofshape_", "range_", "slice", "shape", "size", "if", "constant_pad",
         "edge_pad", "reflect_pad")
# the operand slots that are shapes, indices, axes, ...: constants in a user's model
SHAPE_SLOTS = {"Resize": (1, 2, 3), "Upsample": (1,), "Expand": (1,), "Tile": (1, 2),
               "Gather": (1,), "Split": (1,), "Slice": (1, 2, 3, 4), "Range": (0, 1, 2),
               "ConstantOfShape": (0,), "If": (0,), "Pad": (1, 2, 3), "Reshape": (1,),
               "Squeeze": (1,), "Unsqueeze": (1,)}
EXPECTED_REFUSALS = ("'cubic'", "sequence, map or optional", "(Loop, opset")
RTOL, ATOL = 1e-3, 1e-5


def load_pb(path):
    t = TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return t.name, numpy_helper.to_array(t)


def rewrite(model_path, inputs, tmp):
    """The rewritten model and the run-time inputs it takes (name -> array)."""
    m = onnx.load(model_path)
    g = m.graph
    shape_operands = set()
    for n in g.node:
        for slot in SHAPE_SLOTS.get(n.op_type, ()):
            if slot < len(n.input) and n.input[slot]:
                shape_operands.add(n.input[slot])
    feeds = {}
    keep = []
    for vi, (name, value) in zip(list(g.input), inputs):
        name = vi.name
        if name in shape_operands:
            g.initializer.append(numpy_helper.from_array(value, name))
            continue
        if value.dtype != np.float32:
            vi.type.tensor_type.elem_type = TensorProto.FLOAT
            value = value.astype(np.float32)
        feeds[name] = value
        keep.append(vi)
    del g.input[:]
    g.input.extend(keep)
    for out in g.output:
        if out.type.tensor_type.elem_type != TensorProto.FLOAT:
            inner = out.name + "_value"
            for n in g.node:
                for k, o in enumerate(n.output):
                    if o == out.name:
                        n.output[k] = inner
            g.node.append(helper.make_node("Cast", [inner], [out.name], to=TensorProto.FLOAT))
            out.type.tensor_type.elem_type = TensorProto.FLOAT
    path = os.path.join(tmp, "model.onnx")
    onnx.save(m, path)
    return path, feeds, [o.name for o in g.output]


def main():
    vkcnn, root = sys.argv[1], sys.argv[2]
    cases = sorted(d for d in glob.glob(os.path.join(root, "node", "test_*"))
                   if os.path.basename(d)[5:].startswith(CASES))
    passed = failed = refused = 0
    for case in cases:
        label = os.path.basename(case)
        for ds in sorted(glob.glob(os.path.join(case, "test_data_set_*"))):
            try:
                inputs = [load_pb(p) for p in sorted(glob.glob(os.path.join(ds, "input_*.pb")))]
                want = [load_pb(p)[1]
                        for p in sorted(glob.glob(os.path.join(ds, "output_*.pb")))]
            except Exception as e:  # noqa: BLE001 - sequences, optionals: not tensors
                print(f"SKIP {label}: its data are not tensors ({type(e).__name__})")
                continue
            with tempfile.TemporaryDirectory() as tmp:
                try:
                    path, feeds, outs = rewrite(os.path.join(case, "model.onnx"), inputs, tmp)
                except Exception as e:  # noqa: BLE001 - a case this script cannot rewrite
                    print(f"SKIP {label}: cannot rewrite ({e})")
                    continue
                args = [vkcnn, "run", path]
                for name, value in feeds.items():
                    f = os.path.join(tmp, f"in_{len(args)}.npy")
                    np.save(f, value)
                    args += ["--input", f"{name}={f}"]
                for k, name in enumerate(outs):
                    args += ["--output", f"{name}={os.path.join(tmp, f'out_{k}.npy')}"]
                env = dict(os.environ, VKCNN_VALIDATE="1")
                r = subprocess.run(args, capture_output=True, text=True, env=env)
                if "validation" in r.stderr:
                    print(f"FAIL {label}: validation messages: {r.stderr[:1000]}")
                    failed += 1
                    continue
                if r.returncode:
                    if any(k in r.stderr for k in EXPECTED_REFUSALS):
                        print(f"REFUSED {label}: {r.stderr.strip()}")
                        refused += 1
                    else:
                        print(f"FAIL {label}: {r.stderr.strip()}")
                        failed += 1
                    continue
                ok = True
                for k, w in enumerate(want):
                    got = np.load(os.path.join(tmp, f"out_{k}.npy"))
                    w = w.astype(np.float32)
                    if got.shape != w.shape:
                        print(f"FAIL {label}: output {k} shape {got.shape}, expected {w.shape}")
                        ok = False
                    elif not np.all(np.abs(got - w) <= ATOL + RTOL * np.abs(w)):
                        print(f"FAIL {label}: output {k} max |diff| "
                              f"{float(np.abs(got - w).max()):.3g}")
                        ok = False
                if ok:
                    print(f"PASS {label}/{os.path.basename(ds)}")
                    passed += 1
                else:
                    failed += 1
    print(f"{passed} passed, {failed} failed, {refused} refused as expected")
    sys.exit(1 if failed or not passed else 0)


if __name__ == "__main__":
    main()
