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
  entry; a different argument gives a different key;
- the zoo (export.py's ZOO, every torchvision family, opset 13): each file
  passes onnx.checker, its biases are non-zero, its batch-norm statistics are
  not the identity, and PyTorch's logits are O(1) (randomize_'s calibration)
  and depend on the input; the paper's AlexNet with the stock
  nn.LocalResponseNorm has no LRN node and gives the same logits as the
  one-node LRN variant (same seed, same weights);
- randomize_: calibration sets the logits' std to LOGIT_STD on its input, BN
  statistics come from the data and are not the identity;
- export.upgrade_opset: Reduce* axes move to an input (main graph and an If
  branch), Split gains num_outputs, the opset import and IR version change
  and nothing else does; the numpy interpreter gives the same outputs before
  and after; the zoo's opset-18/20/22 files carry no Reduce* axes attribute;
  wrong sources and targets are refused;
- export.py's CLI: opsets outside 7..22 and --dynamo on a torch without the
  dynamo exporter are refused with a message.
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
                                     "vgg16", "vgg16_bn", "vgg19", "vgg19_bn", "resnet18",
                                     "resnet50", "resnext50_32x4d", "wide_resnet50_2",
                                     "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large",
                                     "squeezenet1_0", "squeezenet1_1", "googlenet",
                                     "inception_v3", "densenet121", "shufflenet_v2_x1_0",
                                     "mnasnet1_0", "efficientnet_b0", "regnet_x_400mf",
                                     "regnet_y_400mf", "convnext_tiny", "alexnet_original",
                                     "alexnet_original_lrn", "lenet", "tinynet"])
    r = subprocess.run([PY, export, "resnet51", "-o", os.path.join(tmp, "x.onnx")],
                       capture_output=True, text=True, check=False)
    c.eq("export.py refuses an unknown model (usage error)", r.returncode, 2)
    for bad in ("6", "23"):
        r = subprocess.run([PY, export, "lenet", "-o", os.path.join(tmp, "x.onnx"), "--opset", bad],
                           capture_output=True, text=True, check=False)
        c.true(f"export.py --opset {bad}: usage error naming the range (exit {r.returncode}: "
               f"{r.stderr.strip().splitlines()[-1:]})",
               r.returncode == 2 and "7" in r.stderr and "22" in r.stderr)
    r = subprocess.run([PY, export, "lenet", "-o", os.path.join(tmp, "x.onnx"), "--dynamo",
                        "--opset", "17"], capture_output=True, text=True, check=False)
    c.true(f"export.py --dynamo --opset 17: usage error (exit {r.returncode})",
           r.returncode == 2 and "18" in r.stderr)
    if "dynamo" not in __import__("inspect").signature(torch.onnx.export).parameters:
        r = subprocess.run([PY, export, "lenet", "-o", os.path.join(tmp, "d.onnx"), "--dynamo"],
                           capture_output=True, text=True, check=False)
        c.true(f"export.py --dynamo on torch {torch.__version__}: refused naming the torch "
               f"version (exit {r.returncode}: {r.stderr.strip()})",
               r.returncode == 1 and torch.__version__ in r.stderr
               and not os.path.exists(os.path.join(tmp, "d.onnx")))
    # an opset above 17 straight from export.py: the opset-17 export rewritten
    d = os.path.join(tmp, "o20")
    r = subprocess.run([PY, export, "tinynet", "-o", os.path.join(d, "m.onnx"), "--opset", "20",
                        "--reference-out", d, "-q"], capture_output=True, text=True, check=False)
    c.eq("export.py tinynet --opset 20: exit status", r.returncode, 0)
    if r.returncode == 0:
        import onnx_numpy  # noqa: PLC0415

        m = onnx.load(os.path.join(d, "m.onnx"))
        c.eq("export.py --opset 20: opset import and IR version",
             (m.opset_import[0].version, m.ir_version), (20, 9))
        with open(os.path.join(d, "m.onnx.json")) as f:
            info = json.load(f)["export"]
        c.eq("export.py --opset 20: the preset records the rewrite",
             (info["opset"], info["exporter"], info["rewritten_from_opset"]),
             (20, "torchscript", 17))
        got = onnx_numpy.run(m, {"input": np.load(os.path.join(d, "input.npy"))})[0]
        want = np.load(os.path.join(d, "output.npy"))
        err = float(np.abs(got - want).max())
        c.true(f"export.py --opset 20: the numpy interpreter matches PyTorch "
               f"(max |diff| {err:.3g})", err <= 1e-4 * max(1.0, float(np.abs(want).max())))


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


def zoo(c):
    """The torchvision families at opset 13, batch 1 (the fixture's exports)."""
    import onnx  # noqa: PLC0415
    from onnx import numpy_helper  # noqa: PLC0415

    export = common.export_module()
    outputs = {}
    for name in export.ZOO:
        print(f"\n== zoo: {name} (opset 13, static batch 1)")
        path = common.model_path(name, 1, 13)
        onnx.checker.check_model(path)
        c.true(f"{name}: onnx.checker", True)
        m = onnx.load(path)
        check_biases(c, name, m)
        inits = {i.name: i for i in m.graph.initializer}
        bns = [n for n in m.graph.node if n.op_type == "BatchNormalization"]
        if bns:
            # the ones the exporter did not fold into a Conv: statistics from
            # the data (calibrate_), not the identity
            far = 0
            for n in bns:
                mean = numpy_helper.to_array(inits[n.input[3]])
                var = numpy_helper.to_array(inits[n.input[4]])
                far += float(np.abs(mean).max()) > 0.05 and float(np.abs(var - 1).max()) > 0.05
            c.true(f"{name}: {far} of {len(bns)} BatchNormalization nodes have statistics far "
                   "from the identity", far == len(bns))
        y = np.load(os.path.join(os.path.dirname(path), "output.npy"))
        outputs[name] = y
        std = float(y.std())
        c.true(f"{name}: logits O(1): std {std:.3g} within [{export.LOGIT_STD / 8:.3g}, "
               f"{export.LOGIT_STD * 8:.3g}]",
               export.LOGIT_STD / 8 <= std <= export.LOGIT_STD * 8 and np.all(np.isfinite(y)))
        c.eq(f"{name}: logits shape", list(y.shape), [1, 1000])
        del m
    if "alexnet_original" in outputs and "alexnet_original_lrn" in outputs:
        a, b = outputs["alexnet_original"], outputs["alexnet_original_lrn"]
        d = float(np.abs(a - b).max())
        c.true(f"alexnet_original_lrn (stock nn.LocalResponseNorm) gives the one-node LRN "
               f"variant's logits (max |diff| {d:.3g})",
               d <= 1e-4 * float(np.abs(a).max()) + 1e-5)
        m = onnx.load(common.model_path("alexnet_original_lrn", 1, 13))
        ops = {n.op_type for n in m.graph.node}
        c.true(f"alexnet_original_lrn: exported decomposed, no LRN node "
               f"(AveragePool, Pow, Pad present: {sorted(ops & {'AveragePool', 'Pow', 'Pad'})})",
               "LRN" not in ops and {"AveragePool", "Pow", "Pad"} <= ops)
        pools = [attrs(n)["kernel_shape"] for n in m.graph.node if n.op_type == "AveragePool"]
        c.true(f"alexnet_original_lrn: its AveragePool is 3-D ({pools})",
               pools and all(len(k) == 3 for k in pools))
    # the rewritten opsets of a family with ReduceMean (MNASNet) and of one
    # without (ResNet-18)
    for name in common.ZOO_REWRITE_CHECKED:
        src = onnx.load(common.model_path(name, 1, 17), load_external_data=False)
        for opset, ir in ((18, 8), (20, 9), (22, 10)):
            path = common.model_path(name, 1, opset)
            m = onnx.load(path, load_external_data=False)
            c.eq(f"{name} opset {opset}: opset import and IR version",
                 ([(i.domain, i.version) for i in m.opset_import], m.ir_version),
                 ([("", opset)], ir))
            bad = [n.name for n in m.graph.node
                   if n.op_type in export.REDUCE_AXES_INPUT_AT_18
                   and any(a.name == "axes" for a in n.attribute)]
            c.true(f"{name} opset {opset}: no Reduce* node keeps an axes attribute", not bad,
                   ", ".join(bad))
            c.true(f"{name} opset {opset}: the same {len(src.graph.node)} operators as at 17",
                   [n.op_type for n in m.graph.node] == [n.op_type for n in src.graph.node])
            same = all(np.array_equal(np.load(os.path.join(os.path.dirname(path), f)),
                                      np.load(os.path.join(os.path.dirname(
                                          common.model_path(name, 1, 17)), f)))
                       for f in ("input.npy", "output.npy"))
            c.true(f"{name} opset {opset}: reference input and output are the opset-17 "
                   "file's (PyTorch's)", same)


def calibration(c):
    """randomize_ on MobileNetV3-Small (HardSwish, SE, BN): the logits' std
    on the calibration input is LOGIT_STD; BN statistics from the data."""
    import torch  # noqa: PLC0415

    print("\n== randomize_ calibration (mobilenet_v3_small)")
    export = common.export_module()
    model = export.build_model("mobilenet_v3_small", seed=3)
    spec = export.MODELS["mobilenet_v3_small"]
    x = torch.from_numpy(export.calibration_input(spec["input_shape"], 3))
    with torch.no_grad():
        y = model(x)
    c.true(f"calibration input: logits std {float(y.std()):.4g} = LOGIT_STD {export.LOGIT_STD}",
           abs(float(y.std()) - export.LOGIT_STD) <= 1e-3 * export.LOGIT_STD)
    bn = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    ident = [i for i, m in enumerate(bn)
             if float((m.running_var - 1).abs().max()) < 0.05
             and float(m.running_mean.abs().max()) < 0.05]
    c.true(f"{len(bn)} BatchNorm2d: none with identity statistics", not ident, str(ident))
    xr = torch.from_numpy(export.reference_input((4,) + tuple(spec["input_shape"]), 3))
    with torch.no_grad():
        yr = model(xr).numpy()
    dep = float((yr - yr.mean(axis=0)).std() / yr.std())
    c.true(f"reference inputs: logits std {yr.std():.3g}, and they depend on the image "
           f"(spread across 4 images / std = {dep:.3g} >= 0.01)", dep >= 0.01)
    again = export.build_model("mobilenet_v3_small", seed=3)
    c.true("the same seed gives the same calibrated weights",
           all(torch.equal(p, q) for p, q in zip(model.state_dict().values(),
                                                  again.state_dict().values())))


def upgrade(c):
    """export.upgrade_opset on a small hand-built opset-17 model."""
    import onnx  # noqa: PLC0415
    import onnx_numpy  # noqa: PLC0415
    from onnx import TensorProto, helper, numpy_helper  # noqa: PLC0415

    print("\n== upgrade_opset")
    export = common.export_module()
    f32 = TensorProto.FLOAT

    def model17():
        then_g = helper.make_graph(
            [helper.make_node("ReduceMax", ["r"], ["t"], axes=[1], keepdims=1, name="rmax")],
            "then", [], [helper.make_tensor_value_info("t", f32, None)])
        else_g = helper.make_graph(
            [helper.make_node("Identity", ["r"], ["e"])],
            "else", [], [helper.make_tensor_value_info("e", f32, None)])
        nodes = [
            helper.make_node("ReduceMean", ["x"], ["m"], axes=[2, -1], keepdims=1, name="mean"),
            helper.make_node("Sub", ["x", "m"], ["r"]),
            helper.make_node("ReduceSum", ["r", "sum_axes"], ["s"], keepdims=0, name="sum"),
            helper.make_node("ReduceMean", ["r"], ["all"], keepdims=0, name="mean_all"),
            helper.make_node("Split", ["r"], ["p0", "p1"], axis=1, name="split_eq"),
            helper.make_node("Split", ["r", "sizes"], ["q0", "q1"], axis=1, name="split_in"),
            helper.make_node("Add", ["p0", "q1"], ["pq"]),
            helper.make_node("If", ["cond"], ["ifo"], then_branch=then_g, else_branch=else_g),
        ]
        g = helper.make_graph(
            nodes, "g", [helper.make_tensor_value_info("x", f32, [2, 4, 3, 5])],
            [helper.make_tensor_value_info(n, f32, None) for n in ("s", "all", "pq", "ifo",
                                                                   "p1", "q0")],
            [numpy_helper.from_array(np.array([1], np.int64), "sum_axes"),
             numpy_helper.from_array(np.array([2, 2], np.int64), "sizes"),
             numpy_helper.from_array(np.array(True), "cond")])
        return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)

    before = model17()
    x = np.random.default_rng(0).standard_normal((2, 4, 3, 5)).astype(np.float32)
    for opset, ir in ((18, 8), (20, 9), (22, 10)):
        m = model17()
        export.upgrade_opset(m, opset)
        c.eq(f"opset {opset}: opset import, IR version",
             ([(i.domain, i.version) for i in m.opset_import], m.ir_version), ([("", opset)], ir))
        nodes = {n.name: n for n in m.graph.node if n.name}
        inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
        mean = nodes["mean"]
        c.true(f"opset {opset}: ReduceMean axes [2, -1] moved to an int64 initializer input",
               not any(a.name == "axes" for a in mean.attribute) and len(mean.input) == 2
               and inits.get(mean.input[1]) is not None
               and inits[mean.input[1]].dtype == np.int64
               and list(inits[mean.input[1]]) == [2, -1]
               and [a.name for a in mean.attribute] == ["keepdims"])
        c.eq(f"opset {opset}: ReduceMean without axes unchanged (all axes)",
             list(nodes["mean_all"].input), ["r"])
        c.true(f"opset {opset}: ReduceSum (axes an input since 13) unchanged",
               nodes["sum"] == [n for n in before.graph.node if n.name == "sum"][0])
        c.eq(f"opset {opset}: Split without split input gains num_outputs=2",
             attrs(nodes["split_eq"]).get("num_outputs"), 2)
        c.true(f"opset {opset}: Split with a split input unchanged",
               "num_outputs" not in attrs(nodes["split_in"]))
        branch = [a.g for a in [n for n in m.graph.node if n.op_type == "If"][0].attribute
                  if a.name == "then_branch"][0]
        kinds = [n.op_type for n in branch.node]
        rmax = [n for n in branch.node if n.op_type == "ReduceMax"][0]
        c.true(f"opset {opset}: in the If branch, ReduceMax's axes come from a Constant node "
               f"({kinds})", kinds == ["Constant", "ReduceMax"] and len(rmax.input) == 2
               and rmax.input[1] == branch.node[0].output[0]
               and list(numpy_helper.to_array(attrs(branch.node[0])["value"])) == [1])
        c.true(f"opset {opset}: the other nodes unchanged",
               [n for n in m.graph.node if n.op_type in ("Sub", "Add")]
               == [n for n in before.graph.node if n.op_type in ("Sub", "Add")])
        plain = onnx.ModelProto()
        plain.CopyFrom(m)
        keep = [n for n in plain.graph.node if n.op_type != "If"]
        del plain.graph.node[:]
        plain.graph.node.extend(keep)
        del plain.graph.output[3]
        ref = onnx.ModelProto()
        ref.CopyFrom(before)
        keep = [n for n in ref.graph.node if n.op_type != "If"]
        del ref.graph.node[:]
        ref.graph.node.extend(keep)
        del ref.graph.output[3]
        got = onnx_numpy.run(plain, {"x": x})
        want = onnx_numpy.run(ref, {"x": x})
        c.true(f"opset {opset}: the numpy interpreter gives the same outputs as at 17",
               all(g.shape == w.shape and np.allclose(g, w, rtol=1e-6, atol=1e-6)
                   for g, w in zip(got, want)))
    for bad_target in (17, 23):
        try:
            export.upgrade_opset(model17(), bad_target)
            c.fail(f"upgrade_opset to {bad_target} accepted")
        except ValueError as e:
            c.true(f"upgrade_opset to {bad_target} refused: {e}", True)
    m13 = model17()
    m13.opset_import[0].version = 13
    try:
        export.upgrade_opset(m13, 18)
        c.fail("upgrade_opset of an opset-13 model accepted")
    except ValueError as e:
        c.true(f"upgrade_opset of an opset-13 model refused: {e}", True)
    dft = model17()
    dft.graph.node.append(helper.make_node("DFT", ["x"], ["f"], name="dft"))
    try:
        export.upgrade_opset(dft, 20)
        c.fail("upgrade_opset of DFT to 20 accepted")
    except ValueError as e:
        c.true(f"upgrade_opset of DFT to 20 refused: {e}", "dft" in str(e))


def main():
    common.require_python_deps()
    c = common.Checks()
    with tempfile.TemporaryDirectory(prefix="vkcnn-models-test-") as tmp:
        large_models(c)
        small_nets(c)
        seeds_and_weights(c, tmp)
        cache(c, tmp)
        upgrade(c)
        calibration(c)
        zoo(c)
    return c.finish("models python self-test")


if __name__ == "__main__":
    sys.exit(main())
