#!/usr/bin/python3
"""`vkcnn classify` gives the same answers however images are batched: the
ten bundled digits through LeNet-5 at --batch 1, 3 and the default (one
batch), and through a static-batch-4 copy of the model (three runs, the last
one padded). Probabilities agree within 1e-5; the text output matches the
JSON's classes.

    test_batching.py VKCNN WORK_DIR"""

import glob
import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import classify_common as cc  # noqa: E402


def classify(vkcnn, model, images, *flags):
    p = cc.run([vkcnn, "classify", model, *images, "--json", "--quiet", *flags], timeout=600)
    if p.returncode != 0:
        sys.exit(f"FAIL: classify {' '.join(flags)} exited {p.returncode}: {p.stderr}")
    return json.loads(p.stdout)


def static_copy(src, dst, batch):
    import onnx

    m = onnx.load(src)
    for v in list(m.graph.input) + list(m.graph.output):
        v.type.tensor_type.shape.dim[0].ClearField("dim_param")
        v.type.tensor_type.shape.dim[0].dim_value = batch
    onnx.save(m, dst)


def same(a, b, what):
    for x, y in zip(a, b):
        if x["image"] != y["image"] or [t["index"] for t in x["top"]] != [
                t["index"] for t in y["top"]]:
            sys.exit(f"FAIL: {what}: {x} vs {y}")
        for s, t in zip(x["top"], y["top"]):
            if abs(s["prob"] - t["prob"]) > 1e-5:
                sys.exit(f"FAIL: {what}: probabilities {x['top']} vs {y['top']}")
    if len(a) != len(b):
        sys.exit(f"FAIL: {what}: {len(a)} vs {len(b)} results")
    print(f"ok: {what}")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: test_batching.py VKCNN WORK_DIR")
    vkcnn, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    lenet = os.path.join(cc.ROOT, "models", "lenet5")
    model = os.path.join(lenet, "lenet5.onnx")
    images = sorted(glob.glob(os.path.join(lenet, "digits", "*.png")))
    one = classify(vkcnn, model, images, "--batch", "1")
    for i, r in enumerate(one):
        want = os.path.basename(r["image"]).split("_")[1]
        if r["top"][0]["label"] != want:
            sys.exit(f"FAIL: {r['image']} classified as {r['top'][0]}, expected {want}")
    same(one, classify(vkcnn, model, images, "--batch", "3"), "--batch 3 vs --batch 1")
    same(one, classify(vkcnn, model, images), "one batch vs --batch 1")
    static = os.path.join(work, "lenet5_static4.onnx")
    static_copy(model, static, 4)
    # the preset and labels come from the original model's sidecar
    same(one, classify(vkcnn, static, images, "--preset", model + ".json", "--batch", "2"),
         "static batch 4 (flag --batch 2 ignored) vs --batch 1")
    p = cc.run([vkcnn, "classify", model, images[0], "--quiet", "--top", "3"])
    lines = p.stdout.splitlines()  # the path, a header line, three classes
    if p.returncode != 0 or len(lines) != 5 or lines[0] != images[0] or \
            lines[1].split() != ["prob", "class"] or \
            lines[2].split()[1] != str(one[0]["top"][0]["index"]):
        sys.exit(f"FAIL: text output:\n{p.stdout}")
    print("OK")


if __name__ == "__main__":
    main()
