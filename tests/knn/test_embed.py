#!/usr/bin/python3
"""`vkcnn embed` and `vkcnn classify --knn` on LeNet-5 and its ten bundled
digits:

- features of /Relu_3_output_0 (84 wide) and of the feature map
  /Relu_1_output_0 ([16, 10, 10]: --pool avg / max / none) of .npy inputs
  equal PyTorch's run of the same ONNX graph cut at that tensor
  (models/lenet5/lenet5_common.onnx_forward) on the same inputs, within
  1e-5 of the largest value; --normalize l2 gives unit rows; the images'
  features (preprocessed on the device) agree within 1e-3: the device's
  grayscale conversion (torchvision's 0.2989 R + 0.587 G + 0.114 B, weights
  summing to 0.9999) scales the pixels by 1 - 1e-4 where numpy's
  preprocessing takes them as they are;
- the sidecar records the model's SHA-256, the layer, pooling,
  normalisation, preprocessing, paths and labels (--labels-from-dirs);
- classify --knn: each digit's nearest gallery row is itself (k 1), JSON
  entries {label, votes, distance}, votes sorted; a gallery of another model,
  one without labels or sidecar, or embedded with other preprocessing, is
  refused (exit 1); -k without --knn, an unknown --layer (the message lists
  close names) and --pool on a vector layer are usage errors (exit 2).

    test_embed.py VKCNN WORK_DIR
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LENET = os.path.join(ROOT, "models", "lenet5")
MODEL = os.path.join(LENET, "lenet5.onnx")
sys.path.insert(0, LENET)
sys.dont_write_bytecode = True

import lenet5_common as common  # noqa: E402

FAILURES = []


def fail(msg):
    FAILURES.append(msg)
    print("FAIL:", msg)


def run(vkcnn, args, timeout=600):
    env = dict(os.environ, VKCNN_VALIDATE="1")
    p = subprocess.run([vkcnn] + args, capture_output=True, text=True, env=env, timeout=timeout)
    for line in p.stderr.splitlines():
        if "validation" in line.lower():
            fail(f"validation message: {line}")
    if "Sanitizer" in p.stderr or "runtime error:" in p.stderr:
        fail(f"sanitizer report: {p.stderr[-2000:]}")
    return p


def ok_run(vkcnn, args, what):
    p = run(vkcnn, args)
    if p.returncode != 0:
        fail(f"{what}: exit {p.returncode}: {p.stderr[-2000:]}")
    return p


def expect(vkcnn, name, args, code, text):
    p = run(vkcnn, args)
    if p.returncode != code or text not in p.stderr:
        fail(f"{name}: exit {p.returncode} (want {code}), stderr {p.stderr.strip()[-400:]!r} "
             f"(want {text!r})")
    else:
        print(f"ok   {name}: exit {code}: {p.stderr.strip().splitlines()[-1][:160]}")


def cut_model(path, tensor):
    """LeNet-5 with `tensor` as its only output and the nodes after it gone."""
    import onnx
    from onnx import TensorProto, helper

    m = onnx.load(MODEL)
    g = m.graph
    keep = []
    for n in g.node:
        keep.append(n)
        if tensor in n.output:
            break
    del g.node[:]
    g.node.extend(keep)
    del g.output[:]
    g.output.extend([helper.make_tensor_value_info(tensor, TensorProto.FLOAT, None)])
    onnx.save(m, path)


def reference(work, tensor, x):
    path = os.path.join(work, "cut_" + tensor.strip("/").replace("/", "_") + ".onnx")
    cut_model(path, tensor)
    return common.onnx_forward(path, x)


def close(name, got, want, rtol=1e-5):
    scale = float(np.abs(want).max())
    diff = float(np.abs(got - want).max()) if got.shape == want.shape else float("inf")
    if not diff <= rtol * scale + 1e-6:
        fail(f"{name}: max |diff| {diff:.3g} against PyTorch (max |value| {scale:.3g}), "
             f"shapes {got.shape} {want.shape}")
    else:
        print(f"ok   {name}: max |diff| {diff:.3g} (max |value| {scale:.3g})")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: test_embed.py VKCNN WORK_DIR")
    vkcnn, work = sys.argv[1], os.path.abspath(sys.argv[2])
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    digits = sorted(os.listdir(os.path.join(LENET, "digits")))
    tree = os.path.join(work, "tree")
    files, labels = [], []
    for name in digits:  # digit_<label>_<index>.png, one per class
        label = name.split("_")[1]
        os.makedirs(os.path.join(tree, label), exist_ok=True)
        dst = os.path.join(tree, label, name)
        shutil.copy(os.path.join(LENET, "digits", name), dst)
        files.append(dst)
        labels.append(label)
    preset = common.load_preset(MODEL + ".json")
    pixels = np.stack([common.read_png_gray(f) for f in files])
    x = common.preprocess(pixels, preset)
    sha = hashlib.sha256(open(MODEL, "rb").read()).hexdigest()

    # .npy inputs (numpy's preprocessing) against PyTorch on the same inputs
    xin = os.path.join(work, "inputs.npy")
    np.save(xin, x)
    ref3 = reference(work, "/Relu_3_output_0", x)
    out = os.path.join(work, "from_npy.npy")
    ok_run(vkcnn, ["embed", MODEL, xin, "--layer", "/Relu_3_output_0", "--batch", "4",
                   "--output", out], "embed .npy inputs")
    if os.path.exists(out):
        close("embed /Relu_3_output_0 of .npy inputs (batch 4)", np.load(out), ref3)
        paths = [it["path"] for it in json.load(open(out + ".json"))["items"]]
        if paths[3] != xin + "#3":
            fail(f"sidecar of .npy inputs: path {paths[3]!r}")
    ref_map = reference(work, "/Relu_1_output_0", x)  # [10, 16, 10, 10]
    for pool, want_f in (("avg", ref_map.mean((2, 3))), ("max", ref_map.max((2, 3))),
                         ("none", ref_map.reshape(10, -1))):
        out = os.path.join(work, f"map_{pool}.npy")
        ok_run(vkcnn, ["embed", MODEL, xin, "--layer", "/Relu_1_output_0", "--pool", pool,
                       "--output", out], f"embed --pool {pool}")
        if os.path.exists(out):
            close(f"embed /Relu_1_output_0 --pool {pool}", np.load(out), want_f)
            if json.load(open(out + ".json")).get("pool") != pool:
                fail(f"sidecar of --pool {pool}: pool not recorded")
    out = os.path.join(work, "norm.npy")
    ok_run(vkcnn, ["embed", MODEL, xin, "--layer", "/Relu_1_output_0", "--normalize", "l2",
                   "--output", out], "embed --normalize l2")
    avg = ref_map.mean((2, 3))
    close("embed --normalize l2 (default pool avg)", np.load(out),
          avg / np.linalg.norm(avg, axis=1, keepdims=True))

    # images from a labelled tree (the device's preprocessing)
    gal = os.path.join(work, "gallery.npy")
    ok_run(vkcnn, ["embed", MODEL, tree, "--layer", "/Relu_3_output_0", "--labels-from-dirs",
                   "--output", gal], "embed /Relu_3_output_0")
    feats = np.load(gal)
    close("embed /Relu_3_output_0 of the images [10, 84]", feats, ref3, rtol=1e-3)
    meta = json.load(open(gal + ".json"))
    want = {"format": "vkcnn-features", "count": 10, "dim": 84, "model_sha256": sha,
            "layer": "/Relu_3_output_0", "layer_shape": [1, 84], "pool": "none",
            "normalize": "none", "precision": "fp32"}
    bad = len(FAILURES)
    for key, value in want.items():
        if meta.get(key) != value:
            fail(f"sidecar: {key} is {meta.get(key)!r}, want {value!r}")
    pp = meta.get("preprocess") or {}
    if pp.get("crop") != 28 or pp.get("channel_order") != "GRAY" or pp.get("pad") != [2, 2, 2, 2]:
        fail(f"sidecar: preprocess {pp}")
    if [it["path"] for it in meta["items"]] != files:
        fail(f"sidecar: paths {[it['path'] for it in meta['items']][:3]}...")
    if [it.get("label") for it in meta["items"]] != labels:
        fail(f"sidecar: labels {[it.get('label') for it in meta['items']]}")
    if len(FAILURES) == bad:
        print("ok   sidecar: SHA-256, layer, pool, normalize, preprocess, paths, labels")

    # classify --knn
    p = ok_run(vkcnn, ["classify", MODEL, *files, "--knn", gal, "-k", "1", "--json"],
               "classify --knn -k 1")
    if p.returncode == 0:
        res = json.loads(p.stdout)
        top = [r["top"][0] for r in res]
        if [t["label"] for t in top] != labels or any(t["votes"] != 1 for t in top) or \
                any(t["distance"] > 1e-2 for t in top):
            fail(f"classify --knn -k 1: {top}")
        elif [r["image"] for r in res] != files:
            fail("classify --knn: JSON not in argument order")
        else:
            print("ok   classify --knn -k 1: every digit's nearest row is itself")
    p = ok_run(vkcnn, ["classify", MODEL, files[3], "--knn", gal, "-k", "5", "--json",
                       "--top", "3"], "classify --knn -k 5")
    if p.returncode == 0:
        top = json.loads(p.stdout)[0]["top"]
        if len(top) != 3 or set(top[0]) != {"label", "votes", "distance"} or \
                top[0]["label"] != labels[3] or \
                sum(t["votes"] for t in top) > 5 or \
                any(a["votes"] < b["votes"] for a, b in zip(top, top[1:])):
            fail(f"classify --knn -k 5 --top 3: {top}")
        else:
            print(f"ok   classify --knn -k 5 --top 3: {top}")
    p = ok_run(vkcnn, ["classify", MODEL, files[0], "--knn", gal], "classify --knn (text)")
    if "votes" not in p.stdout or labels[0] not in p.stdout:
        fail(f"classify --knn text output: {p.stdout!r}")
    missing = os.path.join(work, "missing.png")
    p = run(vkcnn, ["classify", MODEL, files[1], missing, "--knn", gal, "--json"])
    res = json.loads(p.stdout) if p.stdout.strip().startswith("[") else []
    if p.returncode != 1 or len(res) != 2 or "error" not in res[1] or "top" not in res[0]:
        fail(f"classify --knn with a missing image: exit {p.returncode}, {p.stdout[:300]}")
    else:
        print("ok   classify --knn: a missing image gets an error, the other is classified")

    # refusals
    other = os.path.join(work, "other.onnx")
    import onnx

    m = onnx.load(MODEL)
    m.producer_version = "another"
    onnx.save(m, other)
    shutil.copy(MODEL + ".json", other + ".json")
    gal_other = os.path.join(work, "gallery_other.npy")
    ok_run(vkcnn, ["embed", other, tree, "--layer", "/Relu_3_output_0", "--labels-from-dirs",
                   "--output", gal_other], "embed with another model file")
    expect(vkcnn, "a gallery of another model",
           ["classify", MODEL, files[0], "--knn", gal_other], 1, "another model")
    nolab = os.path.join(work, "nolabels.npy")
    ok_run(vkcnn, ["embed", MODEL, tree, "--layer", "/Relu_3_output_0", "--output", nolab],
           "embed without labels")
    expect(vkcnn, "a gallery without labels", ["classify", MODEL, files[0], "--knn", nolab], 1,
           "no labels")
    bare = os.path.join(work, "bare.npy")
    np.save(bare, feats)
    expect(vkcnn, "a gallery without sidecar", ["classify", MODEL, files[0], "--knn", bare], 1,
           "no sidecar")
    otherpp = os.path.join(work, "otherpp.npy")
    ok_run(vkcnn, ["embed", MODEL, tree, "--layer", "/Relu_3_output_0", "--labels-from-dirs",
                   "--mean", "0.2", "--output", otherpp], "embed with another mean")
    expect(vkcnn, "a gallery of other preprocessing",
           ["classify", MODEL, files[0], "--knn", otherpp], 1, "another preprocessing")
    expect(vkcnn, "-k without --knn", ["classify", MODEL, files[0], "-k", "3"], 2, "--knn")
    expect(vkcnn, "an unknown --layer",
           ["embed", MODEL, *files, "--layer", "/Relu_3_outptu_0", "--output",
            os.path.join(work, "x.npy")], 2, "closest: '/Relu_3_output_0'")
    expect(vkcnn, "--pool on a vector layer",
           ["embed", MODEL, *files, "--layer", "/Relu_3_output_0", "--pool", "max", "--output",
            os.path.join(work, "x.npy")], 2, "no spatial dimensions")
    expect(vkcnn, "a file directly in the labelled folder",
           ["embed", MODEL, os.path.join(LENET, "digits"), "--layer", "/Relu_3_output_0",
            "--labels-from-dirs", "--output", os.path.join(work, "x.npy")], 2,
           "--labels-from-dirs")
    expect(vkcnn, "--layer missing", ["embed", MODEL, *files, "--output",
                                      os.path.join(work, "x.npy")], 2, "--layer")
    expect(vkcnn, "a constant as --layer", ["embed", MODEL, *files, "--layer", "c1.weight",
                                            "--output", os.path.join(work, "x.npy")], 2,
           "a constant")
    if FAILURES:
        sys.exit(f"FAIL: {len(FAILURES)} check(s) failed")
    print("OK")


if __name__ == "__main__":
    main()
