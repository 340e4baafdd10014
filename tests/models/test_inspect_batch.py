#!/usr/bin/python3
"""Model test 2: small nets in opsets 9, 11 and 13, with a static or a
dynamic batch, load with the batch bound as asked.

    test_inspect_batch.py VKCNN

Nets: lenet (1x32x32; Flatten) and tinynet (3x32x32; BatchNorm, LRN, grouped
Conv, a Reshape computed by Shape/Gather/Unsqueeze/Concat when the batch is
dynamic).  For each net, opset and batch mode (dynamic, static 1, static 3):
  - dynamic: `vkcnn inspect MODEL --json --batch N` for N in 1, 2, 5 exits 0
    and reports input [N,C,H,W], output [N,10], params equal to the python
    count and macs equal to the python count at batch N; without --batch the
    batch is 1;
  - static batch B: `--batch B` loads with [B,...] shapes; `--batch B+1`
    (and B-1 where B > 1) is refused with exit status 1 and a message.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def shapes_of(doc, key):
    return [e.get("shape") if isinstance(e, dict) else None for e in doc.get(key, [])]


def check_loaded(c, label, vkcnn, path, batch, per_image, params, macs):
    rc, doc, err, cmd = common.run_inspect(vkcnn, path, batch)
    what = f"{label}, --batch {batch}" if batch is not None else f"{label}, no --batch"
    if not c.eq(f"{what}: exit status", rc, 0):
        print(f"    {cmd}\n    stderr: {err or '(empty)'}")
        return
    if isinstance(doc, Exception) or not isinstance(doc, dict):
        c.fail(f"{what}: invalid JSON ({doc})")
        return
    n = 1 if batch is None else batch
    c.eq(f"{what}: input shape", shapes_of(doc, "inputs"), [[n] + per_image])
    c.eq(f"{what}: output shape", shapes_of(doc, "outputs"), [[n, 10]])
    c.eq(f"{what}: params", doc.get("params"), params)
    c.eq(f"{what}: macs", doc.get("macs"), macs)


def check_refused(c, label, vkcnn, path, batch):
    rc, _doc, err, cmd = common.run_inspect(vkcnn, path, batch)
    c.true(f"{label}: --batch {batch} refused with exit 1 and a message",
           rc == 1 and err, f"exit {rc}, stderr {err!r} ({cmd})")


def main(argv):
    if len(argv) != 1:
        print(__doc__)
        return 2
    common.require_python_deps()
    import onnx  # noqa: PLC0415

    vkcnn = argv[0]
    c = common.Checks()
    try:
        common.check_inspect_available(vkcnn, common.model_path("lenet", 1, 13))
    except common.InspectUnavailable as e:
        print(f"FAIL: {e}")
        return 1
    for net, opset, batch in common.small_configs():
        label = common.config_label(net, opset, batch)
        print(f"\n== {label}")
        path = common.model_path(net, batch, opset)
        m = onnx.load(path)
        params = common.count_params(m)
        per_image = common.SMALL_NETS[net]
        if batch is None:
            for n in (1, 2, 5):
                check_loaded(c, label, vkcnn, path, n, per_image, params,
                             common.count_macs(m, n))
            check_loaded(c, label, vkcnn, path, None, per_image, params, common.count_macs(m, 1))
        else:
            check_loaded(c, label, vkcnn, path, batch, per_image, params, common.count_macs(m))
            check_refused(c, label, vkcnn, path, batch + 1)
            if batch > 1:
                check_refused(c, label, vkcnn, path, batch - 1)
    return c.finish("small nets, opsets 9/11/13, static and dynamic batch")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
