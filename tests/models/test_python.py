#!/usr/bin/python3
"""Self-test of the python side of the model tests, without vkcnn:

- models/export.py: every file passes onnx.checker; parameter and MAC counts
  (counted independently from the ONNX graph) equal figures derived by hand
  from the architectures; random biases are non-zero and batch-norm
  statistics are not the identity; dynamic/static batch dims as asked; the
  original AlexNet has its paper's LRN and grouped convolutions; the same seed
  gives the same weights and another seed other weights; --weights loads a
  state_dict; the preset sidecar describes the input;
- the reference outputs: a numpy interpreter of the ONNX file (onnx_numpy.py)
  reproduces PyTorch's logits (output.npy for input.npy) for the small nets in
  every opset and batch mode and for the original AlexNet;
- models/cached_export.py: concurrent invocations agree and leave one whole
  entry; a different argument gives a different key.
"""

import json
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

PY = sys.executable


def attrs(node):
    import onnx  # noqa: PLC0415

    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def check_reference(c, label, model, entry):
    import onnx_numpy  # noqa: PLC0415

    x = np.load(os.path.join(entry, "input.npy"))
    want = np.load(os.path.join(entry, "output.npy"))
    c.eq(f"{label}: reference dtypes", (str(x.dtype), str(want.dtype)), ("float32", "float32"))
    got = onnx_numpy.run(model, {"input": x})[0]
    c.eq(f"{label}: numpy output shape", list(got.shape), list(want.shape))
    if got.shape == want.shape:
        err = float(np.max(np.abs(got - want)))
        scale = float(np.max(np.abs(want)))
        c.true(f"{label}: numpy interpreter matches PyTorch (max |diff| {err:.3g}, "
               f"max |y| {scale:.3g})", err <= 1e-4 * max(1.0, scale), f"max |diff| {err}")
    c.true(f"{label}: reference logits are finite and not degenerate",
           bool(np.all(np.isfinite(want))) and float(np.std(want)) > 1e-3,
           f"std {float(np.std(want))}")
    if any(n.op_type == "LRN" for n in model.graph.node) and got.shape == want.shape:
        # The reference must tell LRN conventions apart: alpha not divided by
        # size (the paper's formula read as ONNX's) must change the logits
        # far beyond the tolerance a runtime test would use.
        import onnx  # noqa: PLC0415

        wrong = onnx.ModelProto()
        wrong.CopyFrom(model)
        for n in wrong.graph.node:
            if n.op_type == "LRN":
                for a in n.attribute:
                    if a.name == "alpha":
                        a.f /= attrs(n)["size"]
        d = float(np.max(np.abs(onnx_numpy.run(wrong, {"input": x})[0] - want)))
        scale = float(np.max(np.abs(want)))
        c.true(f"{label}: the reference is sensitive to LRN's alpha convention "
               f"(max |diff| {d:.3g})", d > 1e-2 * max(1.0, scale), f"max |diff| {d}")


def check_biases(c, label, model):
    inits = {i.name: i for i in model.graph.initializer}
    from onnx import numpy_helper  # noqa: PLC0415

    zero = []
    for node in model.graph.node:
        if node.op_type in ("Conv", "Gemm") and len(node.input) > 2:
            b = numpy_helper.to_array(inits[node.input[2]])
            if not np.any(b):
                zero.append(node.name)
    c.true(f"{label}: every Conv/Gemm bias is non-zero", not zero, ", ".join(zero))


def check_preset(c, label, path, model, batch):
    p = path + ".json"
    if not c.true(f"{label}: preset sidecar exists", os.path.isfile(p), p):
        return
    with open(p) as f:
        doc = json.load(f)
    for k in ("format", "version", "input", "input_shape", "layout", "channel_order", "resize",
              "crop", "mean", "std", "pixel_scale", "num_classes"):
        c.true(f"{label}: preset has '{k}'", k in doc)
    ins, outs = common.input_output_shapes(model)
    want = ["batch" if batch is None else batch] + ins[0][1][1:]
    c.eq(f"{label}: preset input_shape", doc.get("input_shape"), want)
    c.eq(f"{label}: preset input name", doc.get("input"), ins[0][0])
    nch = ins[0][1][1]
    c.eq(f"{label}: preset mean/std per channel", (len(doc.get("mean", [])),
                                                   len(doc.get("std", []))), (nch, nch))
    c.true(f"{label}: preset crop equals input size", doc.get("crop") == ins[0][1][2] ==
           ins[0][1][3])


def large_models(c):
    import onnx  # noqa: PLC0415

    for name, (in_shape, out_shape) in common.LARGE_MODELS.items():
        print(f"\n== {name} (opset 13, static batch 1)")
        path = common.model_path(name, 1, 13)
        onnx.checker.check_model(path)  # path form: fine for files over 2 GB too
        c.true(f"{name}: onnx.checker", True)
        m = onnx.load(path)
        want = common.KNOWN_COUNTS[name]
        c.eq(f"{name}: params", common.count_params(m), want["params"])
        c.eq(f"{name}: MACs", common.count_macs(m), want["macs"])
        ins, outs = common.input_output_shapes(m)
        c.eq(f"{name}: input", [(n, s) for n, s in ins], [("input", in_shape)])
        c.eq(f"{name}: output", [(n, s) for n, s in outs], [("logits", out_shape)])
        c.eq(f"{name}: opset", m.opset_import[0].version, 13)
        check_biases(c, name, m)
        check_preset(c, name, path, m, 1)
        if name == "alexnet_original":
            lrn = [attrs(n) for n in m.graph.node if n.op_type == "LRN"]
            c.eq("alexnet_original: two LRN nodes", len(lrn), 2)
            for a in lrn:
                c.eq("alexnet_original: LRN (size, alpha, beta, bias)",
                     (a["size"], round(a["alpha"], 9), a["beta"], a["bias"]),
                     (5, 5e-4, 0.75, 2.0))
            groups = [attrs(n).get("group", 1) for n in m.graph.node if n.op_type == "Conv"]
            c.eq("alexnet_original: Conv groups", groups, [1, 2, 1, 2, 2])
            pools = [(attrs(n)["kernel_shape"], attrs(n)["strides"])
                     for n in m.graph.node if n.op_type == "MaxPool"]
            c.eq("alexnet_original: overlapping pools", pools, [([3, 3], [2, 2])] * 3)
            check_reference(c, name, m, os.path.dirname(path))
        del m


def small_nets(c):
    import onnx  # noqa: PLC0415

    for net, opset, batch in common.small_configs():
        label = common.config_label(net, opset, batch)
        print(f"\n== {label}")
        path = common.model_path(net, batch, opset)
        m = onnx.load(path)
        onnx.checker.check_model(m)
        c.true(f"{label}: onnx.checker", True)
        c.eq(f"{label}: opset", m.opset_import[0].version, opset)
        ins, outs = common.input_output_shapes(m)
        t_in = m.graph.input[0].type.tensor_type.shape.dim[0]
        t_out = m.graph.output[0].type.tensor_type.shape.dim[0]
        if batch is None:
            c.eq(f"{label}: symbolic batch dims", (t_in.dim_param, t_out.dim_param),
                 ("batch", "batch"))
        else:
            c.eq(f"{label}: static batch dims", (t_in.dim_value, t_out.dim_value), (batch, batch))
        c.eq(f"{label}: per-image shape", ins[0][1][1:], common.SMALL_NETS[net])
        want = common.KNOWN_COUNTS[net]
        c.eq(f"{label}: params", common.count_params(m), want["params"])
        for b in ((1, 4) if batch is None else (batch,)):
            c.eq(f"{label}: MACs at batch {b}", common.count_macs(m, b), want["macs"] * b)
        check_biases(c, label, m)
        check_preset(c, label, path, m, batch)
        if net == "tinynet":
            ops = [n.op_type for n in m.graph.node]
            c.true(f"{label}: has LRN, BatchNormalization, grouped Conv, Reshape",
                   all(o in ops for o in ("LRN", "BatchNormalization", "Reshape")) and
                   any(attrs(n).get("group", 1) == 2 for n in m.graph.node
                       if n.op_type == "Conv"))
            from onnx import numpy_helper  # noqa: PLC0415

            inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
            bn = [n for n in m.graph.node if n.op_type == "BatchNormalization"][0]
            mean, var = inits[bn.input[3]], inits[bn.input[4]]
            c.true(f"{label}: batch-norm statistics randomized",
                   float(np.abs(mean).max()) > 0.05 and float(np.abs(var - 1).max()) > 0.05)
        check_reference(c, label, m, os.path.dirname(path))


def seeds_and_weights(c, tmp):
    import onnx  # noqa: PLC0415
    import torch  # noqa: PLC0415
    from onnx import numpy_helper  # noqa: PLC0415

    print("\n== seeds, --weights, CLI")
    export = os.path.join(common.MODELS_DIR, "export.py")

    def ex(name, *args):
        d = os.path.join(tmp, name)
        r = subprocess.run([PY, export, "lenet", "-o", os.path.join(d, "m.onnx"),
                            "--reference-out", d, "-q", *args],
                           capture_output=True, text=True, check=False)
        c.eq(f"export.py lenet {' '.join(args)}: exit status", r.returncode, 0)
        if r.returncode:
            print(r.stderr)
            return None, None
        m = onnx.load(os.path.join(d, "m.onnx"))
        return ({i.name: numpy_helper.to_array(i) for i in m.graph.initializer},
                np.load(os.path.join(d, "output.npy")))

    w0, y0 = ex("s0", "--seed", "0")
    w0b, y0b = ex("s0b", "--seed", "0")
    w1, y1 = ex("s1", "--seed", "1")
    if w0 is None or w0b is None or w1 is None:
        return
    c.true("same seed, same weights and logits",
           w0.keys() == w0b.keys() and all(np.array_equal(w0[k], w0b[k]) for k in w0)
           and np.array_equal(y0, y0b))
    c.true("another seed, other weights", any(not np.array_equal(w0[k], w1[k]) for k in w0))

    # --weights: a state_dict saved by torch (wrapped like a training
    # checkpoint, with DataParallel's "module." prefix) is loaded as is.
    sys.path.insert(0, common.MODELS_DIR)
    import export as export_mod  # noqa: PLC0415

    sys.path.pop(0)
    net = export_mod.MODELS["lenet"]["build"]()
    export_mod.randomize_(net, 1234)
    sd = {"module." + k: v for k, v in net.state_dict().items()}
    wfile = os.path.join(tmp, "lenet.pth")
    torch.save({"state_dict": sd}, wfile)
    ww, yw = ex("w", "--weights", wfile)
    if ww is not None:
        conv_w = net.state_dict()["features.0.weight"].numpy()
        c.true("--weights: the file's conv1 weights are in the ONNX file",
               any(v.shape == conv_w.shape and np.array_equal(v, conv_w) for v in ww.values()))
        with torch.no_grad():
            x = np.load(os.path.join(tmp, "w", "input.npy"))
            yt = net.eval()(torch.from_numpy(x)).numpy()
        c.true("--weights: reference logits come from those weights",
               np.allclose(yw, yt, rtol=1e-5, atol=1e-6))

    r = subprocess.run([PY, export, "--list"], capture_output=True, text=True, check=False)
    names = [line.split()[0] for line in r.stdout.splitlines() if line.strip()]
    c.eq("export.py --list", names, ["alexnet", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn",
                                     "vgg16", "vgg16_bn", "vgg19", "vgg19_bn",
                                     "alexnet_original", "lenet", "tinynet"])
    r = subprocess.run([PY, export, "resnet50", "-o", os.path.join(tmp, "x.onnx")],
                       capture_output=True, text=True, check=False)
    c.eq("export.py refuses an unknown model (usage error)", r.returncode, 2)


def cache(c, tmp):
    print("\n== cached_export.py")
    script = os.path.join(common.MODELS_DIR, "cached_export.py")
    root = os.path.join(tmp, "cache")
    cmd = [PY, script, "lenet", "--opset", "11", "--dynamic-batch", "--cache-dir", root, "-q"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    outs = [p.communicate() for p in procs]
    c.eq("3 concurrent invocations: exit statuses", [p.returncode for p in procs], [0, 0, 0])
    paths = {o[0].strip() for o in outs}
    c.eq("3 concurrent invocations: one path", len(paths), 1)
    path = paths.pop()
    c.true("the path is model.onnx in a <key> folder of the cache root",
           os.path.basename(path) == "model.onnx"
           and os.path.dirname(os.path.dirname(path)) == os.path.abspath(root))
    entries = [e for e in os.listdir(root) if not e.endswith(".lock")]
    c.eq("one entry, no leftover temporaries", entries, [os.path.basename(os.path.dirname(path))])
    c.eq("entry files", sorted(os.listdir(os.path.dirname(path))),
         ["input.npy", "key.json", "model.onnx", "model.onnx.json", "output.npy"])
    r = subprocess.run(cmd[:-1] + ["--seed", "5", "-q"], capture_output=True, text=True,
                       check=False)
    c.true("another seed, another entry", r.returncode == 0 and r.stdout.strip() != path)
    r = subprocess.run(cmd + ["--dir"], capture_output=True, text=True, check=False)
    c.eq("--dir prints the entry folder", r.stdout.strip(), os.path.dirname(path))


def main():
    common.require_python_deps()
    c = common.Checks()
    with tempfile.TemporaryDirectory(prefix="vkcnn-models-test-") as tmp:
        large_models(c)
        small_nets(c)
        seeds_and_weights(c, tmp)
        cache(c, tmp)
    return c.finish("models python self-test")


if __name__ == "__main__":
    sys.exit(main())
