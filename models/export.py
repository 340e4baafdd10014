#!/usr/bin/python3
"""Export CNN classifiers from PyTorch to ONNX for vkcnn.

Models: torchvision's AlexNet, VGG-11/13/16/19 (with and without batch
norm), ResNet-18/50 and EfficientNet-B0, the original AlexNet of Krizhevsky,
Sutskever and Hinton (2012) written here as a PyTorch module, and small nets
for tests.

Weights are random by default (fixed seed), with non-zero biases and randomized
batch-norm statistics so that a runtime that drops a bias or mishandles batch
norm cannot pass by accident; `--weights FILE` loads a state_dict instead.

Run with Debian's interpreter (/usr/bin/python3: python3-torch,
python3-torchvision, python3-onnx, numpy).  See models/README.md.

    export.py MODEL_NAME -o OUT.onnx [--batch N | --dynamic-batch] [--opset N]
              [--seed S] [--weights FILE] [--reference-out DIR]
              [--reference-batch N] [--no-preset] [--quiet]
    export.py --list
"""

import argparse
import json
import math
import os
import re
import sys
import time
import warnings

PRESET_FORMAT = "vkcnn-preset"
PRESET_VERSION = 1

INPUT_NAME = "input"
OUTPUT_NAME = "logits"

# ImageNet statistics of torchvision's pretrained models (pixels scaled to [0, 1]).
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


# --------------------------------------------------------------------------
# Model definitions.  torch is imported lazily so that `--list` and `--help`
# work quickly and the module can be imported without torch for its tables.


def _torch():
    import torch  # noqa: PLC0415

    return torch


def _lrn_module(size, alpha, beta, k):
    """Local response normalization that exports as one ONNX LRN node.

    torch.nn.LocalResponseNorm is a Python function of pad/avg_pool3d/pow/div
    and exports as some forty ONNX nodes including a 3-D AveragePool and an If.
    This module computes the same thing in PyTorch and exports a single LRN.

    PyTorch and ONNX share the convention
        y_c = x_c / (k + alpha / size * sum_{c' in window(c)} x_c'^2) ^ beta
    with the window of `size` channels centred on c (floor((size-1)/2) before,
    ceil((size-1)/2) after), so the parameters carry over unchanged.
    """
    # ONNX centres the window as [c - floor((size-1)/2), c + ceil((size-1)/2)],
    # PyTorch as [c - floor(size/2), c + floor((size-1)/2)]: the same only
    # for odd sizes.
    if size % 2 != 1:
        raise ValueError("LRN: only odd sizes export with the same window")
    torch = _torch()
    F = torch.nn.functional

    class _LRNFunction(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):  # pylint: disable=arguments-differ
            return F.local_response_norm(x, size, alpha=alpha, beta=beta, k=k)

        @staticmethod
        def symbolic(g, x):
            return g.op("LRN", x, size_i=size, alpha_f=alpha, beta_f=beta, bias_f=k)

    class LRN(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

        def forward(self, x):
            return _LRNFunction.apply(x)

        def extra_repr(self):
            return f"size={size}, alpha={alpha}, beta={beta}, k={k}"

    return LRN()


def build_alexnet_original():
    """AlexNet as described in Krizhevsky, Sutskever, Hinton, "ImageNet
    Classification with Deep Convolutional Neural Networks", NIPS 2012 (sec. 3).

    - input 3x227x227 (the paper says 224, but 11x11 stride-4 filters give the
      stated 55x55 maps only from 227);
    - conv1: 96 kernels 11x11x3, stride 4 -> 96x55x55;
    - response normalization after the ReLU of conv1 and conv2, with the paper's
      k=2, n=5, alpha=1e-4, beta=0.75.  The paper's denominator is
      (k + alpha * sum a^2)^beta, with no division by n; ONNX's LRN and
      PyTorch divide alpha by size, so the exported alpha is 5 * 1e-4 = 5e-4;
    - overlapping max pooling, 3x3 windows with stride 2, after both response
      normalizations and after conv5;
    - conv2: 256 kernels 5x5x48 (two groups, one per GPU), pad 2 -> 256x27x27;
    - conv3: 384 kernels 3x3x256 (connected to all maps of both GPUs);
    - conv4: 384 kernels 3x3x192 (two groups); conv5: 256 kernels 3x3x192 (two
      groups); pad 1 for all 3x3 layers -> 13x13, pooled to 256x6x6;
    - fully connected 4096 - 4096 - 1000 with dropout (p=0.5) before the first
      two; ReLU after every layer but the last.
    60,965,224 parameters; 724,406,816 multiply-accumulates per image.
    """
    torch = _torch()
    nn = torch.nn

    paper_alpha = 1e-4
    lrn_size = 5

    class AlexNetOriginal(nn.Module):
        def __init__(self, num_classes=1000):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(3, 96, kernel_size=11, stride=4),
                nn.ReLU(inplace=True),
                _lrn_module(lrn_size, paper_alpha * lrn_size, 0.75, 2.0),
                nn.MaxPool2d(kernel_size=3, stride=2),
                nn.Conv2d(96, 256, kernel_size=5, padding=2, groups=2),
                nn.ReLU(inplace=True),
                _lrn_module(lrn_size, paper_alpha * lrn_size, 0.75, 2.0),
                nn.MaxPool2d(kernel_size=3, stride=2),
                nn.Conv2d(256, 384, kernel_size=3, padding=1),
                nn.ReLU(inplace=True),
                nn.Conv2d(384, 384, kernel_size=3, padding=1, groups=2),
                nn.ReLU(inplace=True),
                nn.Conv2d(384, 256, kernel_size=3, padding=1, groups=2),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2),
            )
            self.classifier = nn.Sequential(
                nn.Dropout(p=0.5),
                nn.Linear(256 * 6 * 6, 4096),
                nn.ReLU(inplace=True),
                nn.Dropout(p=0.5),
                nn.Linear(4096, 4096),
                nn.ReLU(inplace=True),
                nn.Linear(4096, num_classes),
            )

        def forward(self, x):
            x = self.features(x)
            x = torch.flatten(x, 1)
            return self.classifier(x)

    return AlexNetOriginal()


def build_lenet():
    """LeNet-sized net on 1x32x32: conv5x5(6) -> relu -> maxpool2 ->
    conv5x5(16) -> relu -> maxpool2 -> flatten -> fc(120) -> relu -> fc(84) ->
    fc(10).  61,706 parameters; 416,520 multiply-accumulates per image."""
    torch = _torch()
    nn = torch.nn

    class LeNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(1, 6, kernel_size=5),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(2),
                nn.Conv2d(6, 16, kernel_size=5),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(2),
            )
            self.classifier = nn.Sequential(
                nn.Linear(16 * 5 * 5, 120),
                nn.ReLU(inplace=True),
                nn.Linear(120, 84),
                nn.Linear(84, 10),
            )

        def forward(self, x):
            x = self.features(x)
            x = torch.flatten(x, 1)
            return self.classifier(x)

    return LeNet()


def build_tinynet():
    """A small net on 3x32x32 that uses every layer kind of the big models and
    the export patterns around them: a BatchNorm right after a Conv (the
    exporter folds it), a BatchNorm after a ReLU (kept as
    BatchNormalization), LRN, overlapping max pooling, a grouped convolution,
    average pooling, dropout, and a flatten written as
    x.reshape(x.size(0), -1) (exported as Shape/Gather/Unsqueeze/Concat/Reshape,
    which a runtime must fold once the batch is bound)."""
    torch = _torch()
    nn = torch.nn

    class TinyNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(3, 16, kernel_size=3, padding=1),
                nn.BatchNorm2d(16),
                nn.ReLU(inplace=True),
                # alpha large enough that the normalization is far from a
                # constant scale on O(1) activations.
                _lrn_module(5, 1.0, 0.75, 1.0),
                nn.MaxPool2d(kernel_size=3, stride=2),  # 32 -> 15
                nn.Conv2d(16, 32, kernel_size=3, padding=1, groups=2),
                nn.ReLU(inplace=True),
                nn.BatchNorm2d(32),
                nn.AvgPool2d(kernel_size=3, stride=2),  # 15 -> 7
            )
            self.classifier = nn.Sequential(
                nn.Dropout(p=0.5),
                nn.Linear(32 * 7 * 7, 64),
                nn.ReLU(inplace=True),
                nn.Linear(64, 10),
            )

        def forward(self, x):
            x = self.features(x)
            x = x.reshape(x.size(0), -1)
            return self.classifier(x)

    return TinyNet()


def _torchvision(name):
    def build():
        import torchvision  # noqa: PLC0415

        return getattr(torchvision.models, name)(weights=None)

    return build


def _imagenet_preset(crop, resize=256):
    return {
        "channel_order": "RGB",
        "resize": resize,
        "crop": crop,
        "mean": IMAGENET_MEAN,
        "std": IMAGENET_STD,
    }


MODELS = {}


def _register(name, builder, input_shape, preset, description, num_classes,
              reference_scale=1.0):
    MODELS[name] = {
        # Standard deviation of the reference input: 1 for models that take
        # normalized images; the original AlexNet takes mean-subtracted raw
        # 0..255 pixels (std ~60), at which scale its LRN is far from linear.
        "reference_scale": reference_scale,
        "build": builder,
        "input_shape": input_shape,  # per image: C, H, W
        "preset": preset,
        "description": description,
        "num_classes": num_classes,
    }


_register("alexnet", _torchvision("alexnet"), (3, 224, 224), _imagenet_preset(224),
          "torchvision AlexNet (one-GPU variant: 64-192-384-256-256 filters)", 1000)
for _depth in (11, 13, 16, 19):
    for _bn in ("", "_bn"):
        _name = f"vgg{_depth}{_bn}"
        _register(_name, _torchvision(_name), (3, 224, 224), _imagenet_preset(224),
                  f"torchvision VGG-{_depth}" + (" with batch norm" if _bn else ""), 1000)
_register("resnet18", _torchvision("resnet18"), (3, 224, 224), _imagenet_preset(224),
          "torchvision ResNet-18 (basic blocks, residual Add + ReLU)", 1000)
_register("resnet50", _torchvision("resnet50"), (3, 224, 224), _imagenet_preset(224),
          "torchvision ResNet-50 (bottleneck blocks, residual Add + ReLU)", 1000)
_register("efficientnet_b0", _torchvision("efficientnet_b0"), (3, 224, 224),
          _imagenet_preset(224, resize=256),
          "torchvision EfficientNet-B0 (MBConv, SiLU, squeeze-and-excitation)", 1000)
_register("alexnet_original", build_alexnet_original, (3, 227, 227),
          # The paper rescales to 256x256, crops, and subtracts the mean image
          # from raw 0..255 RGB values (no division by a deviation): std 1/255
          # maps [0, 1] pixels back to raw units.
          {"channel_order": "RGB", "resize": 256, "crop": 227, "mean": IMAGENET_MEAN,
           "std": [1.0 / 255.0] * 3},
          "AlexNet of Krizhevsky et al. 2012 (96-256-384-384-256, LRN, groups=2)", 1000,
          reference_scale=50.0)
_register("lenet", build_lenet, (1, 32, 32),
          {"channel_order": "GRAY", "resize": 32, "crop": 32, "mean": [0.5], "std": [0.5]},
          "LeNet-sized test net (conv5-pool-conv5-pool-fc120-fc84-fc10)", 10)
_register("tinynet", build_tinynet, (3, 32, 32),
          {"channel_order": "RGB", "resize": 32, "crop": 32, "mean": IMAGENET_MEAN,
           "std": IMAGENET_STD},
          "small test net: conv+bn, bn after relu, LRN, groups, avgpool, reshape", 10)


# --------------------------------------------------------------------------
# Weights


class _SkipInit:
    """Builds a model without torch's own weight initialisation (He-uniform
    draws over 138 M parameters take seconds on Debian's torch): the weights
    are overwritten anyway, by randomize_() or by a state_dict, and both check
    that nothing is left unwritten."""

    NAMES = ("uniform_", "normal_", "constant_", "zeros_", "ones_", "kaiming_uniform_",
             "kaiming_normal_", "xavier_uniform_", "xavier_normal_", "trunc_normal_")

    def __enter__(self):
        init = _torch().nn.init
        self.saved = {n: getattr(init, n) for n in self.NAMES if hasattr(init, n)}
        for n in self.saved:
            setattr(init, n, lambda tensor, *a, **k: tensor)
        return self

    def __exit__(self, *exc):
        init = _torch().nn.init
        for n, f in self.saved.items():
            setattr(init, n, f)
        return False


def randomize_(model, seed):
    """Fill every parameter and batch-norm buffer from a fixed seed.

    Conv/Linear weights: He normal (std sqrt(2 / fan_in)), so activations keep
    their scale through deep ReLU stacks and logits stay O(1).  Biases:
    uniform(-0.1, 0.1), never all zero.  BatchNorm: weight U(0.5, 1.5), bias
    U(-0.2, 0.2), running_mean N(0, 0.2), running_var U(0.5, 2.0), so that
    folding or applying it wrongly changes the output.
    """
    torch = _torch()
    nn = torch.nn
    gen = torch.Generator().manual_seed(seed)
    written = set()

    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (nn.Conv2d, nn.Linear)):
                fan_in = module.weight[0].numel()
                module.weight.normal_(0.0, math.sqrt(2.0 / fan_in), generator=gen)
                written.add(id(module.weight))
                if module.bias is not None:
                    module.bias.uniform_(-0.1, 0.1, generator=gen)
                    written.add(id(module.bias))
            elif isinstance(module, nn.BatchNorm2d):
                module.weight.uniform_(0.5, 1.5, generator=gen)
                module.bias.uniform_(-0.2, 0.2, generator=gen)
                module.running_mean.normal_(0.0, 0.2, generator=gen)
                module.running_var.uniform_(0.5, 2.0, generator=gen)
                module.num_batches_tracked.fill_(1)
                for t in (module.weight, module.bias, module.running_mean,
                          module.running_var, module.num_batches_tracked):
                    written.add(id(t))
    missed = [n for n, t in list(model.named_parameters()) + list(model.named_buffers())
              if id(t) not in written]
    if missed:
        raise RuntimeError(f"randomize_: no rule for {', '.join(missed)}")


def load_weights_(model, path):
    torch = _torch()
    try:
        # weights_only: a weights file is data; refuse pickled code.
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # pickle, zip and torch errors alike
        raise ValueError(f"{path}: cannot be read as a torch state_dict: {e}") from e
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict):
        raise ValueError(f"{path}: not a state_dict (got {type(state).__name__})")
    # Checkpoints saved from nn.DataParallel prefix every key with "module.".
    if state and all(k.startswith("module.") for k in state):
        state = {k[len("module."):]: v for k, v in state.items()}
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise ValueError(f"{path}: does not fit the model: {e}") from e


# --------------------------------------------------------------------------
# Export


def reference_input(shape, seed, scale=1.0):
    """The fixed-seed input the reference outputs are computed for: normal
    float32 with standard deviation SCALE (1: the scale of a normalized
    image), from numpy's PCG64."""
    import numpy as np  # noqa: PLC0415

    x = np.random.default_rng(seed).standard_normal(shape, dtype=np.float32)
    return x * np.float32(scale) if scale != 1.0 else x


def _atomic_write_bytes(path, data):
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def _save_npy(path, array):
    import numpy as np  # noqa: PLC0415

    tmp = f"{path}.tmp{os.getpid()}.npy"
    np.save(tmp, np.ascontiguousarray(array, dtype=np.float32))
    os.replace(tmp, path)


def export(model_name, out, batch=1, dynamic_batch=False, opset=13, seed=0, weights=None,
           reference_out=None, reference_batch=None, preset=True, log=None):
    """Export MODEL_NAME to the ONNX file OUT.  Returns a dict of what it wrote
    and how long each step took (seconds)."""
    if model_name not in MODELS:
        raise KeyError(f"unknown model '{model_name}' (try --list)")
    if batch < 1:
        raise ValueError("batch must be >= 1")
    if not 7 <= opset <= 17:
        raise ValueError("opset must be between 7 and 17 (torch 1.13 exports 7..17)")
    spec = MODELS[model_name]
    torch = _torch()
    log = log or (lambda msg: None)
    times = {}
    # Use every core: oneDNN convolutions scale; the Linear layers go through
    # reference BLAS either way.
    torch.set_num_threads(max(1, os.cpu_count() or 1))

    t0 = time.perf_counter()
    with _SkipInit():
        model = spec["build"]()
    if weights:
        load_weights_(model, weights)
    else:
        randomize_(model, seed)
    model.eval()
    times["build_s"] = time.perf_counter() - t0

    trace_batch = (reference_batch or 2) if dynamic_batch else batch
    in_shape = (trace_batch,) + tuple(spec["input_shape"])
    x_np = reference_input(in_shape, seed, spec["reference_scale"])
    x = torch.from_numpy(x_np)

    written = {"model": out}
    if reference_out:
        t0 = time.perf_counter()
        ref_batch = reference_batch or trace_batch
        if not dynamic_batch and ref_batch != batch:
            raise ValueError("--reference-batch differs from the static --batch")
        if ref_batch != trace_batch:
            x_ref_np = reference_input((ref_batch,) + tuple(spec["input_shape"]), seed,
                                       spec["reference_scale"])
        else:
            x_ref_np = x_np
        with torch.no_grad():
            y = model(torch.from_numpy(x_ref_np)).numpy()
        os.makedirs(reference_out, exist_ok=True)
        written["input"] = os.path.join(reference_out, "input.npy")
        written["output"] = os.path.join(reference_out, "output.npy")
        _save_npy(written["input"], x_ref_np)
        _save_npy(written["output"], y)
        times["reference_s"] = time.perf_counter() - t0
        log(f"reference: input {list(x_ref_np.shape)} -> output {list(y.shape)}, "
            f"|y| max {abs(y).max():.4g}")

    t0 = time.perf_counter()
    out_dir = os.path.dirname(os.path.abspath(out))
    os.makedirs(out_dir, exist_ok=True)
    tmp = os.path.join(out_dir, f".{os.path.basename(out)}.tmp{os.getpid()}")
    dynamic_axes = None
    if dynamic_batch:
        dynamic_axes = {INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                model, (x,), tmp,
                export_params=True,
                opset_version=opset,
                do_constant_folding=True,
                training=torch.onnx.TrainingMode.EVAL,
                input_names=[INPUT_NAME],
                output_names=[OUTPUT_NAME],
                dynamic_axes=dynamic_axes,
            )
        os.replace(tmp, out)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    times["export_s"] = time.perf_counter() - t0

    if preset:
        written["preset"] = out + ".json"
        p = dict(spec["preset"])
        doc = {
            "format": PRESET_FORMAT,
            "version": PRESET_VERSION,
            "model": model_name,
            "description": spec["description"],
            "input": INPUT_NAME,
            "output": OUTPUT_NAME,
            "input_shape": ["batch" if dynamic_batch else batch] + list(spec["input_shape"]),
            "layout": "NCHW",
            "dtype": "float32",
            "channel_order": p["channel_order"],
            "resize": p["resize"],
            "crop": p["crop"],
            "pixel_scale": 1.0 / 255.0,
            "mean": p["mean"],
            "std": p["std"],
            "num_classes": spec["num_classes"],
            "output_kind": "logits",
            "export": {
                "opset": opset,
                "batch": None if dynamic_batch else batch,
                "dynamic_batch": bool(dynamic_batch),
                "seed": None if weights else seed,
                "weights": os.path.basename(weights) if weights else "random",
                "torch": torch.__version__,
            },
        }
        text = json.dumps(doc, indent=2)
        # Short lists of numbers and strings on one line.
        text = re.sub(r"\[\s+([^\[\]{}]*?)\s+\]",
                      lambda mt: "[" + ", ".join(v.strip() for v in mt.group(1).split(",")) + "]",
                      text)
        _atomic_write_bytes(written["preset"], (text + "\n").encode())

    written["times"] = times
    return written


def _parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="export.py",
        description="Export a CNN classifier from PyTorch to ONNX for vkcnn "
                    "(random fixed-seed weights unless --weights).")
    ap.add_argument("model", nargs="?", metavar="MODEL_NAME", help="model to export (see --list)")
    ap.add_argument("-o", "--output", metavar="OUT.onnx", help="ONNX file to write")
    ap.add_argument("--list", action="store_true", help="list the models and exit")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--batch", type=int, default=1, metavar="N",
                   help="static batch size (default 1)")
    g.add_argument("--dynamic-batch", action="store_true",
                   help="symbolic batch dimension 'batch' on the input and output")
    ap.add_argument("--opset", type=int, default=13, metavar="N", help="ONNX opset (default 13)")
    ap.add_argument("--seed", type=int, default=0, metavar="S",
                    help="seed for the random weights and the reference input (default 0)")
    ap.add_argument("--weights", metavar="FILE",
                    help="torch state_dict to load instead of random weights")
    ap.add_argument("--reference-out", metavar="DIR",
                    help="write DIR/input.npy (fixed-seed random input) and "
                         "DIR/output.npy (PyTorch's logits for it)")
    ap.add_argument("--reference-batch", type=int, metavar="N",
                    help="batch of the reference input (default: --batch, or 2 "
                         "for --dynamic-batch)")
    ap.add_argument("--no-preset", action="store_true",
                    help="do not write the preprocessing sidecar OUT.onnx.json")
    ap.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    args = ap.parse_args(argv)
    if args.list:
        return args
    if not args.model or not args.output:
        ap.error("MODEL_NAME and -o OUT.onnx are required (or --list)")
    if args.model not in MODELS:
        ap.error(f"unknown model '{args.model}'; known: {', '.join(MODELS)}")
    if args.reference_batch is not None and args.reference_batch < 1:
        ap.error("--reference-batch must be >= 1")
    if args.batch < 1:
        ap.error("--batch must be >= 1")
    if not 7 <= args.opset <= 17:
        ap.error("--opset must be between 7 and 17 (what torch 1.13 exports)")
    if (args.reference_batch is not None and not args.dynamic_batch
            and args.reference_batch != args.batch):
        ap.error("--reference-batch must equal the static --batch (or use --dynamic-batch)")
    return args


def main(argv=None):
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    if args.list:
        for name, spec in MODELS.items():
            shape = "x".join(str(d) for d in spec["input_shape"])
            print(f"{name:18s} {shape:10s} {spec['description']}")
        return 0
    log = (lambda msg: None) if args.quiet else (lambda msg: print(msg, file=sys.stderr))
    try:
        res = export(args.model, args.output, batch=args.batch,
                     dynamic_batch=args.dynamic_batch, opset=args.opset, seed=args.seed,
                     weights=args.weights, reference_out=args.reference_out,
                     reference_batch=args.reference_batch, preset=not args.no_preset,
                     log=log)
    except (ValueError, KeyError, OSError, RuntimeError) as e:
        print(f"export.py: error: {e}", file=sys.stderr)
        return 1
    t = res["times"]
    log(f"wrote {res['model']} ({os.path.getsize(res['model']) / 1e6:.1f} MB): "
        + ", ".join(f"{k} {v:.2f}" for k, v in t.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
