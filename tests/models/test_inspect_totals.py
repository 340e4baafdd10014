#!/usr/bin/python3
"""Model test 1: large models load in vkcnn and `vkcnn inspect --json`
reports the totals that an independent count in python gives.

    test_inspect_totals.py VKCNN MODEL_NAME...   (alexnet, alexnet_original, vgg16)

For each model, exported once (opset 13, static batch 1) through the shared
cache: `vkcnn inspect MODEL --json` exits 0, prints valid JSON with the keys
of the CLI contract, and
  - `params` equals the element count of the file's initializers (each
    initializer counted once), as python onnx reads them;
  - `macs` equals the multiply-accumulates of Conv, Gemm and MatMul at batch
    1, counted here from onnx.shape_inference's shapes;
  - inputs/outputs are the file's (names, float32, [1,3,H,W] -> [1,1000]);
  - `opset` and `ir_version` are the file's.
The python counts are themselves checked against figures derived by hand, so
a failure says which side is wrong.  On a MAC mismatch the per-node counts
are compared by node name, to point at the layer.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

TOP_KEYS = ("model", "ir_version", "opset", "producer", "inputs", "outputs", "nodes", "params",
            "macs")
NODE_KEYS = ("name", "op", "inputs", "outputs", "shape", "params", "macs")


def check_model(c, vkcnn, name):
    import onnx  # noqa: PLC0415

    print(f"\n== {name}")
    path = common.model_path(name, 1, 13)
    m = onnx.load(path)
    params = common.count_params(m)
    macs, per_node = common.count_macs(m, 1, per_node=True)
    known = common.KNOWN_COUNTS.get(name)
    if known:
        c.eq(f"{name}: python params vs hand-derived figure", params, known["params"])
        c.eq(f"{name}: python MACs vs hand-derived figure", macs, known["macs"])
    ins, outs = common.input_output_shapes(m)

    rc, doc, err, cmd = common.run_inspect(vkcnn, path)
    if not c.eq(f"{name}: `{cmd}` exit status", rc, 0):
        print(f"    stderr: {err or '(empty)'}")
        return
    if isinstance(doc, Exception) or not isinstance(doc, dict):
        c.fail(f"{name}: inspect --json printed invalid JSON ({doc})")
        return
    missing = [k for k in TOP_KEYS if k not in doc]
    c.true(f"{name}: JSON has the contract's keys", not missing, f"missing {missing}")
    nodes = doc.get("nodes") or []
    bad_nodes = [n.get("name", "?") for n in nodes
                 if not isinstance(n, dict) or any(k not in n for k in NODE_KEYS)]
    c.true(f"{name}: every node entry has {', '.join(NODE_KEYS)}", nodes and not bad_nodes,
           f"{len(bad_nodes)} incomplete, e.g. {bad_nodes[:3]}" if nodes else "no nodes")
    c.eq(f"{name}: params (python onnx initializer count)", doc.get("params"), params)
    if not c.eq(f"{name}: macs (python Conv/Gemm/MatMul count, batch 1)", doc.get("macs"), macs):
        theirs = {n.get("name"): n.get("macs") for n in nodes if isinstance(n, dict)}
        for nname, op, n_macs in per_node:
            if n_macs and theirs.get(nname) != n_macs:
                print(f"    node {nname} ({op}): python {n_macs}, vkcnn {theirs.get(nname)}")
    c.eq(f"{name}: inputs", [(i.get("name"), i.get("shape"), i.get("dtype"))
                             for i in doc.get("inputs", [])],
         [(n, s, "float32") for n, s in ins])
    c.eq(f"{name}: outputs", [(o.get("name"), o.get("shape"), o.get("dtype"))
                              for o in doc.get("outputs", [])],
         [(n, s, "float32") for n, s in outs])
    c.eq(f"{name}: opset", doc.get("opset"), m.opset_import[0].version)
    c.eq(f"{name}: ir_version", doc.get("ir_version"), m.ir_version)
    node_macs = sum(n.get("macs", 0) or 0 for n in nodes if isinstance(n, dict))
    c.eq(f"{name}: sum of per-node macs equals the total", node_macs, doc.get("macs"))


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    common.require_python_deps()
    vkcnn, names = argv[0], argv[1:]
    c = common.Checks()
    try:
        common.check_inspect_available(vkcnn, common.model_path(names[0], 1, 13))
    except common.InspectUnavailable as e:
        print(f"FAIL: {e}")
        return 1
    for name in names:
        check_model(c, vkcnn, name)
    return c.finish("model totals (vkcnn inspect vs python onnx)")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
