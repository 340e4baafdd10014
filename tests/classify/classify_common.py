"""Shared by the classification tests: running vkcnn under the validation
layer, a deterministic synthetic photo, and the reference preprocessing
written with PyTorch/torchvision."""

import io
import os
import subprocess
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageOps

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def run(cmd, timeout=1800):
    """Runs cmd with VKCNN_VALIDATE=1; fails the test on any validation line."""
    env = dict(os.environ, VKCNN_VALIDATE="1")
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    for line in p.stderr.splitlines():
        if "validation" in line.lower():
            sys.exit(f"FAIL: validation message from {cmd[0]}: {line}")
    if "Sanitizer" in p.stderr or "runtime error:" in p.stderr:
        sys.exit(f"FAIL: sanitizer report from {' '.join(cmd)}:\n{p.stderr[-4000:]}")
    return p


def synthetic_photo(w=640, h=427, seed=7):
    """A natural-looking RGB test image: smooth gradients, hard-edged shapes,
    a thin-line grid and sensor-like noise, deterministic for a seed."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    r = 128 + 100 * np.sin(x / 37.0) * np.cos(y / 53.0)
    g = 255 * (x / w) * 0.6 + 60 * np.cos((x + y) / 29.0) + 40
    b = 255 * (1 - y / h) * 0.7 + 30
    img = np.stack([r, g, b], -1)
    img += rng.normal(0, 6, img.shape)
    im = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")
    d = ImageDraw.Draw(im)
    for _ in range(12):
        x0, y0 = int(rng.integers(0, w - 60)), int(rng.integers(0, h - 60))
        x1, y1 = x0 + int(rng.integers(20, 160)), y0 + int(rng.integers(20, 120))
        col = tuple(int(c) for c in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            d.ellipse([x0, y0, x1, y1], fill=col)
        else:
            d.rectangle([x0, y0, x1, y1], fill=col)
    for gx in range(0, w, 41):
        d.line([gx, 0, gx, h], fill=(250, 250, 250), width=1)
    return im


def save_jpeg(im, path, orientation=None):
    """Baseline JPEG, quality 95, no chroma subsampling (decoders then differ
    by IDCT rounding only); optionally an EXIF orientation tag."""
    kw = dict(quality=95, subsampling=0)
    if orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = orientation
        kw["exif"] = exif.tobytes()
    im.save(path, "JPEG", **kw)


def load_reference(path):
    """Decoded pixels as PIL sees them after EXIF transposition, RGB uint8."""
    im = Image.open(path)
    im = ImageOps.exif_transpose(im)
    return np.asarray(im.convert("RGB"))


def reference(pixels, resize=256, crop=224, order="RGB", mean=(0.485, 0.456, 0.406),
              std=(0.229, 0.224, 0.225), scale=1 / 255, pad=(0, 0, 0, 0), pad_value=0.0):
    """The preprocessing in PyTorch: torchvision Resize (bilinear, antialias
    off, on a float tensor) of the shorter side, CenterCrop, channel order,
    pad (top, left, bottom, right) in raw units, scale, normalise. [C, H, W]."""
    import torch
    import torchvision.transforms.functional as TF
    from torchvision.transforms import InterpolationMode

    t = torch.from_numpy(pixels.copy()).permute(2, 0, 1).float()
    t = TF.resize(t, resize, interpolation=InterpolationMode.BILINEAR, antialias=False)
    t = TF.center_crop(t, [crop, crop])
    if order == "GRAY":
        t = (0.2989 * t[0] + 0.587 * t[1] + 0.114 * t[2]).unsqueeze(0)
    elif order == "BGR":
        t = t.flip(0)
    top, left, bottom, right = pad
    t = torch.nn.functional.pad(t, (left, right, top, bottom), value=pad_value)
    c = t.shape[0]
    m = torch.tensor(mean[:c]).view(c, 1, 1)
    s = torch.tensor(std[:c]).view(c, 1, 1)
    return ((t * scale - m) / s).numpy()


def identity_model(path, c, h, w):
    """An ONNX network whose output is its input [1, c, h, w] (times 1)."""
    import onnx
    from onnx import TensorProto, helper

    one = helper.make_tensor("one", TensorProto.FLOAT, [1], [1.0])
    node = helper.make_node("Mul", ["input", "one"], ["output"])
    g = helper.make_graph([node], "identity",
                          [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, c, h, w])],
                          [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, c, h, w])],
                          [one])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 7
    onnx.save(m, path)
