#!/usr/bin/python3
"""Export CNN classifiers from PyTorch to ONNX for vkcnn.

Models: every torchvision classification family (AlexNet, VGG, ResNet,
ResNeXt, Wide-ResNet, MobileNetV2/V3, SqueezeNet, GoogLeNet, Inception-v3,
DenseNet, ShuffleNetV2, MNASNet, EfficientNet, RegNet, ConvNeXt) built from
torchvision's stock modules, the original AlexNet of Krizhevsky, Sutskever and
Hinton (2012) written here as a PyTorch module (with a one-node LRN, and with
the stock torch.nn.LocalResponseNorm), and small nets for tests.

Weights are random by default (fixed seed), with non-zero biases and
batch-norm statistics that are not the identity, so that a runtime that drops a
bias or mishandles batch norm cannot pass by accident, calibrated on a
fixed-seed input so that activations and logits stay O(1) (see randomize_);
`--weights FILE` loads a state_dict instead.

Exporters: torch.onnx's TorchScript exporter by default (`dynamo=False` where
torch 2.x has that argument), at opsets 7 to 17; opsets 18 to 22 are written
by exporting at 17 and rewriting the file by the ONNX specification's rules
(upgrade_opset); `--dynamo` uses torch 2.x's torch.export-based exporter,
which writes opset 18 and later itself.

Run with Debian's interpreter (/usr/bin/python3: python3-torch,
python3-torchvision, python3-onnx, numpy).  See models/README.md.

    export.py MODEL_NAME -o OUT.onnx [--batch N | --dynamic-batch] [--opset N]
              [--dynamo] [--seed S] [--weights FILE] [--reference-out DIR]
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


def build_alexnet_original(lrn="onnx"):
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

    LRN="onnx": the normalization exports as one ONNX LRN node (_lrn_module);
    LRN="torch": the stock torch.nn.LocalResponseNorm, which torch.onnx
    exports as its decomposition (Mul, Unsqueeze to 5-D, Pad, a 3-D
    AveragePool, Squeeze, Mul/Add/Pow, Div; at some opsets an If on a shape
    comparison), as a user's own AlexNet would.
    """
    torch = _torch()
    nn = torch.nn

    paper_alpha = 1e-4
    lrn_size = 5

    def norm():
        if lrn == "torch":
            return nn.LocalResponseNorm(lrn_size, alpha=paper_alpha * lrn_size, beta=0.75, k=2.0)
        return _lrn_module(lrn_size, paper_alpha * lrn_size, 0.75, 2.0)

    class AlexNetOriginal(nn.Module):
        def __init__(self, num_classes=1000):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(3, 96, kernel_size=11, stride=4),
                nn.ReLU(inplace=True),
                norm(),
                nn.MaxPool2d(kernel_size=3, stride=2),
                nn.Conv2d(96, 256, kernel_size=5, padding=2, groups=2),
                nn.ReLU(inplace=True),
                norm(),
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


def _torchvision(name, **kwargs):
    """torchvision.models.NAME(weights=None, **KWARGS): the stock modules."""

    def build():
        import torchvision  # noqa: PLC0415

        return getattr(torchvision.models, name)(weights=None, **kwargs)

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
              reference_scale=1.0, family=None, drop_keys=()):
    def build():
        model = builder()
        # What randomize_ calibrates on (a plain attribute: not a parameter,
        # not exported).
        model.vkcnn_calibration = (tuple(input_shape), float(reference_scale))
        return model

    MODELS[name] = {
        # Standard deviation of the reference input: 1 for models that take
        # normalized images; the original AlexNet takes mean-subtracted raw
        # 0..255 pixels (std ~60), at which scale its LRN is far from linear.
        "reference_scale": reference_scale,
        "build": build,
        "input_shape": input_shape,  # per image: C, H, W
        "preset": preset,
        "description": description,
        "num_classes": num_classes,
        # The torchvision family it stands for in the zoo table (None: a test net).
        "family": family,
        # state_dict key prefixes a --weights file may carry for modules this
        # inference build leaves out (GoogLeNet's and Inception's auxiliary
        # classifiers): dropped when the model has no such keys.
        "drop_keys": tuple(drop_keys),
    }


_IMAGENET_224 = ((3, 224, 224), _imagenet_preset(224))


def _tv(name, description, family, preset=None, input_shape=(3, 224, 224), drop_keys=(),
        **kwargs):
    _register(name, _torchvision(name, **kwargs), input_shape,
              preset or _imagenet_preset(input_shape[1]), description, 1000, family=family,
              drop_keys=drop_keys)


_tv("alexnet", "torchvision AlexNet (one-GPU variant: 64-192-384-256-256 filters)", "AlexNet")
for _depth in (11, 13, 16, 19):
    for _bn in ("", "_bn"):
        _name = f"vgg{_depth}{_bn}"
        _tv(_name, f"torchvision VGG-{_depth}" + (" with batch norm" if _bn else ""),
            f"VGG-{_depth}" + ("-BN" if _bn else ""))
_tv("resnet18", "torchvision ResNet-18 (basic blocks, residual Add + ReLU)", "ResNet-18")
_tv("resnet50", "torchvision ResNet-50 (bottleneck blocks, residual Add + ReLU)", "ResNet-50")
_tv("resnext50_32x4d", "torchvision ResNeXt-50 32x4d (bottlenecks with 32-group 3x3 convs)",
    "ResNeXt-50")
_tv("wide_resnet50_2", "torchvision Wide ResNet-50-2 (bottlenecks twice as wide)",
    "Wide-ResNet-50")
_tv("mobilenet_v2", "torchvision MobileNetV2 (inverted residuals, depthwise convs, ReLU6)",
    "MobileNetV2")
_tv("mobilenet_v3_small", "torchvision MobileNetV3-Small (HardSwish, SE with HardSigmoid)",
    "MobileNetV3-Small")
_tv("mobilenet_v3_large", "torchvision MobileNetV3-Large (HardSwish, SE with HardSigmoid)",
    "MobileNetV3-Large")
_tv("squeezenet1_0", "torchvision SqueezeNet 1.0 (fire modules, conv classifier)", "SqueezeNet-1.0")
_tv("squeezenet1_1", "torchvision SqueezeNet 1.1 (fire modules, conv classifier)", "SqueezeNet-1.1")
# GoogLeNet and Inception-v3 as torchvision builds them for inference with its
# pretrained weights: transform_input=True (the ImageNet-normalized input is
# re-normalized to [-1, 1] per channel inside the model: Gather, Unsqueeze,
# Mul, Add, Concat on the input) and no auxiliary classifiers (they only run
# in training mode anyway).
_tv("googlenet", "torchvision GoogLeNet (Inception v1 blocks, transform_input, no aux heads)",
    "GoogLeNet", aux_logits=False, transform_input=True, init_weights=False,
    drop_keys=("aux1.", "aux2."))
_tv("inception_v3", "torchvision Inception-v3 at 299x299 (transform_input, no aux head)",
    "Inception-v3", input_shape=(3, 299, 299), preset=_imagenet_preset(299, resize=342),
    aux_logits=False, transform_input=True, init_weights=False, drop_keys=("AuxLogits.",))
_tv("densenet121", "torchvision DenseNet-121 (dense blocks: Concat, BN-ReLU-conv, avg pools)",
    "DenseNet-121")
_tv("shufflenet_v2_x1_0", "torchvision ShuffleNetV2 1.0x (channel split and shuffle)",
    "ShuffleNetV2")
_tv("mnasnet1_0", "torchvision MNASNet 1.0 (inverted residuals, mean over H, W)", "MNASNet")
_tv("efficientnet_b0", "torchvision EfficientNet-B0 (MBConv, SiLU, squeeze-and-excitation)",
    "EfficientNet-B0")
_tv("regnet_x_400mf", "torchvision RegNetX-400MF (group-conv bottlenecks)", "RegNet-X")
_tv("regnet_y_400mf", "torchvision RegNetY-400MF (group-conv bottlenecks with SE)", "RegNet-Y")
_tv("convnext_tiny", "torchvision ConvNeXt-Tiny (7x7 depthwise, LayerNorm, GELU, layer scale)",
    "ConvNeXt-Tiny", preset=_imagenet_preset(224, resize=236))
# The paper rescales to 256x256, crops, and subtracts the mean image from raw
# 0..255 RGB values (no division by a deviation): std 1/255 maps [0, 1]
# pixels back to raw units.
_ALEXNET_PAPER_PRESET = {"channel_order": "RGB", "resize": 256, "crop": 227,
                         "mean": IMAGENET_MEAN, "std": [1.0 / 255.0] * 3}
_register("alexnet_original", build_alexnet_original, (3, 227, 227), _ALEXNET_PAPER_PRESET,
          "AlexNet of Krizhevsky et al. 2012 (96-256-384-384-256, LRN, groups=2)", 1000,
          reference_scale=50.0, family="AlexNet-2012")
_register("alexnet_original_lrn", lambda: build_alexnet_original(lrn="torch"), (3, 227, 227),
          _ALEXNET_PAPER_PRESET,
          "the same with the stock torch.nn.LocalResponseNorm (exported decomposed)", 1000,
          reference_scale=50.0, family="AlexNet-2012 nn.LRN")
_register("lenet", build_lenet, (1, 32, 32),
          {"channel_order": "GRAY", "resize": 32, "crop": 32, "mean": [0.5], "std": [0.5]},
          "LeNet-sized test net (conv5-pool-conv5-pool-fc120-fc84-fc10)", 10)
_register("tinynet", build_tinynet, (3, 32, 32),
          {"channel_order": "RGB", "resize": 32, "crop": 32, "mean": IMAGENET_MEAN,
           "std": IMAGENET_STD},
          "small test net: conv+bn, bn after relu, LRN, groups, avgpool, reshape", 10)

# The zoo: one model per torchvision family (and the paper's AlexNet in both
# forms), in the order of the zoo table (tests/models/zoo_table.py).
ZOO = ["alexnet", "alexnet_original", "alexnet_original_lrn", "vgg16", "resnet18", "resnet50",
       "resnext50_32x4d", "wide_resnet50_2", "mobilenet_v2", "mobilenet_v3_small",
       "mobilenet_v3_large", "squeezenet1_0", "squeezenet1_1", "googlenet", "inception_v3",
       "densenet121", "shufflenet_v2_x1_0", "mnasnet1_0", "efficientnet_b0", "regnet_x_400mf",
       "regnet_y_400mf", "convnext_tiny"]


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


# Standard deviation of the logits on the calibration input after randomize_.
LOGIT_STD = 2.0


def calibration_input(shape, seed, scale=1.0, batch=2):
    """The input randomize_ calibrates on: like reference_input, from its own
    stream (so it is not the input a test compares on), batch 2."""
    import numpy as np  # noqa: PLC0415

    x = np.random.default_rng([seed, 0xCA1]).standard_normal((batch,) + tuple(shape),
                                                               dtype=np.float32)
    return x * np.float32(scale) if scale != 1.0 else x


def randomize_(model, seed):
    """Fill every parameter and batch-norm buffer from a fixed seed, then
    calibrate (when the model came from MODELS, which records the input shape
    to calibrate on).

    Conv/Linear weights (any groups): He normal, std sqrt(2 / fan_in) with
    fan_in = in_channels / groups * kernel area.  Biases: uniform(-0.1, 0.1),
    never all zero.  BatchNorm: weight U(0.5, 1.5), bias U(-0.2, 0.2).
    LayerNorm (ConvNeXt): weight U(0.5, 1.5), bias U(-0.2, 0.2).  ConvNeXt's
    per-channel layer_scale: U(0.2, 1.0) (torchvision's 1e-6 would make every
    block a near-identity).  A parameter or buffer without a rule is an error.

    Calibration, on calibration_input (batch 2, seed-derived): one forward
    pass in eval mode sets each BatchNorm's running statistics from the
    statistics of its actual input, perturbed (mean + N(0, 0.2) x std,
    variance x U(0.5, 2)), so that every normalization is far from the
    identity yet keeps activations O(1) however deep the network (with
    torchvision's own initialisation and identity statistics, MobileNet's and
    EfficientNet's logits are ~1e-9); then the last Conv/Linear layer that runs
    (the classifier) is scaled so that the logits' standard deviation is
    LOGIT_STD.  The weights depend on the seed and the torch version only.
    """
    torch = _torch()
    nn = torch.nn
    gen = torch.Generator().manual_seed(seed)
    written = set()

    def mark(*tensors):
        written.update(id(t) for t in tensors)

    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (nn.Conv2d, nn.Linear)):
                fan_in = module.weight[0].numel()
                module.weight.normal_(0.0, math.sqrt(2.0 / fan_in), generator=gen)
                mark(module.weight)
                if module.bias is not None:
                    module.bias.uniform_(-0.1, 0.1, generator=gen)
                    mark(module.bias)
            elif isinstance(module, nn.BatchNorm2d):
                module.weight.uniform_(0.5, 1.5, generator=gen)
                module.bias.uniform_(-0.2, 0.2, generator=gen)
                # the statistics of an input of std ~1, for a model that is
                # not calibrated; calibrate_ replaces them
                module.running_mean.normal_(0.0, 0.2, generator=gen)
                module.running_var.uniform_(0.5, 2.0, generator=gen)
                module.num_batches_tracked.fill_(1)
                mark(module.weight, module.bias, module.running_mean, module.running_var,
                     module.num_batches_tracked)
            elif isinstance(module, nn.LayerNorm):
                if module.weight is not None:
                    module.weight.uniform_(0.5, 1.5, generator=gen)
                    mark(module.weight)
                if module.bias is not None:
                    module.bias.uniform_(-0.2, 0.2, generator=gen)
                    mark(module.bias)
            layer_scale = getattr(module, "layer_scale", None)
            if isinstance(layer_scale, nn.Parameter):
                layer_scale.uniform_(0.2, 1.0, generator=gen)
                mark(layer_scale)
    missed = [n for n, t in list(model.named_parameters()) + list(model.named_buffers())
              if id(t) not in written]
    if missed:
        raise RuntimeError(f"randomize_: no rule for {', '.join(missed)}")
    calib = getattr(model, "vkcnn_calibration", None)
    if calib is not None:
        shape, scale = calib
        calibrate_(model, torch.from_numpy(calibration_input(shape, seed, scale)), seed)


def calibrate_(model, x, seed, logit_std=LOGIT_STD):
    """Batch-norm statistics from the data and the classifier's scale (see
    randomize_), for input X.  Returns the logits' standard deviation before
    the final scaling."""
    torch = _torch()
    nn = torch.nn
    gen = torch.Generator().manual_seed(seed + 0x5EED)
    was_training = model.training
    model.eval()

    def bn_stats(module, inputs):
        t = inputs[0]
        dims = [0] + list(range(2, t.dim()))
        mean = t.mean(dims)
        var = t.var(dims, unbiased=False)
        noise = torch.randn(mean.shape, generator=gen)
        module.running_mean.copy_(mean + 0.2 * var.sqrt() * noise)
        module.running_var.copy_(var * torch.empty(var.shape).uniform_(0.5, 2.0, generator=gen))

    ran = []

    def record(module, inputs, output):
        ran.append((module, output))

    hooks = []
    try:
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                hooks.append(m.register_forward_pre_hook(bn_stats))
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                hooks.append(m.register_forward_hook(record))
        with torch.no_grad():
            y = model(x)
    finally:
        for h in hooks:
            h.remove()
    before = float(y.std())
    if not math.isfinite(before) or before <= 0.0:
        raise RuntimeError(f"calibrate_: the logits' standard deviation is {before}")
    if not ran:
        raise RuntimeError("calibrate_: no Conv2d or Linear layer ran")
    # The classifier is the last weight layer to run: the logits are its
    # output, or positively homogeneous in it (SqueezeNet: ReLU and pooling
    # follow), which a second pass confirms.
    head, head_out = ran[-1]
    s = logit_std / before
    with torch.no_grad():
        head.weight.mul_(s)
        if head.bias is not None:
            head.bias.mul_(s)
        if head_out is not y:
            after = float(model(x).std())
            if abs(after - logit_std) > 1e-3 * logit_std:
                raise RuntimeError(f"calibrate_: scaling the last layer ({type(head).__name__}) "
                                   f"gave logits of std {after}, not {logit_std}")
    model.train(was_training)
    return before


def load_weights_(model, path, drop_keys=()):
    """Load a state_dict file into MODEL (strict).  Keys under the prefixes
    DROP_KEYS (auxiliary heads this inference build leaves out) are dropped
    when the model has none of them."""
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
    own = model.state_dict().keys()
    for prefix in drop_keys:
        if not any(k.startswith(prefix) for k in own):
            state = {k: v for k, v in state.items() if not k.startswith(prefix)}
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


# Opsets: the TorchScript exporter writes 7..17 here (torch 1.13's range;
# export.py keeps to it on torch 2.x too, so that a file is the same whichever
# torch wrote it); 18..22 are the opset-17 file rewritten by upgrade_opset.
MIN_OPSET = 7
TORCHSCRIPT_MAX_OPSET = 17
MAX_OPSET = 22
# The dynamo exporter writes opset 18 and later.
DYNAMO_MIN_OPSET = 18

# The IR version that goes with each opset (onnx's release table: the IR
# version of the onnx release that introduced the opset).
IR_VERSION = {7: 3, 8: 3, 9: 4, 10: 5, 11: 6, 12: 7, 13: 7, 14: 7, 15: 8, 16: 8, 17: 8,
              18: 8, 19: 9, 20: 9, 21: 10, 22: 10}

# Operators whose `axes` attribute became an input at opset 18 (ReduceSum
# moved at 13).
REDUCE_AXES_INPUT_AT_18 = ("ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp",
                           "ReduceMax", "ReduceMean", "ReduceMin", "ReduceProd",
                           "ReduceSumSquare")
# Operators of opset 17 whose meaning changes at 18..22 in a way that
# upgrade_opset does not rewrite (none of them occurs in these models): the
# opset from which the opset-17 form no longer holds.
_NOT_UPGRADED = {"DFT": 20, "GridSample": 20}


def upgrade_opset(model, opset):
    """Rewrites the ONNX ModelProto MODEL of default-domain opset 17 into
    opset OPSET (18..22), in place, by the specification's changes between
    them, and returns it:

    - Reduce* (but ReduceSum, already so since 13): the `axes` attribute
      becomes the second input (an int64 initializer; a Constant node inside
      subgraphs); without `axes` the node is unchanged (all axes, as before);
    - Split without a `split` input: the `num_outputs` attribute, which
      opset 18 requires then, set to the number of outputs;
    - Pad (`axes` input from 18, optional), AveragePool (`dilations` from 19,
      default 1), Resize (attributes from 18/19 with defaults that keep the
      old meaning), the type extensions of 19, 21 and 22: nothing to change;
    - the default-domain opset import raised to OPSET and the IR version set
      to IR_VERSION[OPSET] (18: 8, 19-20: 9, 21-22: 10).

    Subgraphs (If, Loop, Scan) are rewritten too.  DFT and GridSample, which
    change meaning at 20, are refused.  onnx 1.12 (Debian 12) knows opsets up
    to 17 only, so neither its checker nor its version converter can do this.
    """
    from onnx import AttributeProto, helper, numpy_helper  # noqa: PLC0415
    import numpy as np  # noqa: PLC0415

    if not TORCHSCRIPT_MAX_OPSET < opset <= MAX_OPSET:
        raise ValueError(f"upgrade_opset: target opset {opset} is not in 18..{MAX_OPSET}")
    default = [imp for imp in model.opset_import if imp.domain in ("", "ai.onnx")]
    if len(default) != 1 or default[0].version != TORCHSCRIPT_MAX_OPSET:
        have = [imp.version for imp in default]
        raise ValueError(f"upgrade_opset: the model imports default-domain opset {have}, "
                         f"expected [{TORCHSCRIPT_MAX_OPSET}]")

    used = set()

    def collect(g):
        used.update(i.name for i in g.input)
        used.update(o.name for o in g.output)
        used.update(t.name for t in g.initializer)
        for n in g.node:
            used.update(n.input)
            used.update(n.output)
            for a in n.attribute:
                for sub in ([a.g] if a.type == AttributeProto.GRAPH else
                            list(a.graphs) if a.type == AttributeProto.GRAPHS else []):
                    collect(sub)

    def fresh(base):
        name, i = base, 1
        while name in used:
            name, i = f"{base}_{i}", i + 1
        used.add(name)
        return name

    def rewrite(g, top):
        nodes = []
        for node in g.node:
            for a in node.attribute:
                for sub in ([a.g] if a.type == AttributeProto.GRAPH else
                            list(a.graphs) if a.type == AttributeProto.GRAPHS else []):
                    rewrite(sub, False)
            if node.domain not in ("", "ai.onnx"):
                nodes.append(node)
                continue
            what = f"{node.op_type} node '{node.name or node.output[0]}'"
            since = _NOT_UPGRADED.get(node.op_type)
            if since is not None and opset >= since:
                raise ValueError(f"upgrade_opset: {what} changes meaning at opset {since}; "
                                 "not rewritten")
            attrs = {a.name: a for a in node.attribute}
            if node.op_type in REDUCE_AXES_INPUT_AT_18 and "axes" in attrs:
                if len(node.input) != 1:
                    raise ValueError(f"upgrade_opset: {what} has {len(node.input)} inputs and "
                                     "an axes attribute")
                axes = np.array(helper.get_attribute_value(attrs["axes"]), dtype=np.int64)
                name = fresh(f"{node.name or node.output[0]}_axes")
                tensor = numpy_helper.from_array(axes, name)
                if top:
                    g.initializer.append(tensor)
                else:
                    nodes.append(helper.make_node("Constant", [], [name], value=tensor,
                                                  name=fresh(name + "_const")))
                kept = [a for a in node.attribute if a.name != "axes"]
                del node.attribute[:]
                node.attribute.extend(kept)
                node.input.append(name)
            elif node.op_type == "Split" and (len(node.input) < 2 or not node.input[1]) \
                    and "num_outputs" not in attrs:
                if "split" in attrs:
                    raise ValueError(f"upgrade_opset: {what} has a split attribute at opset 17")
                node.attribute.append(helper.make_attribute("num_outputs", len(node.output)))
            nodes.append(node)
        del g.node[:]
        g.node.extend(nodes)

    collect(model.graph)
    rewrite(model.graph, True)
    default[0].version = opset
    model.ir_version = IR_VERSION[opset]
    return model


def upgrade_file(src, dst, opset):
    """upgrade_opset on the file SRC, written to DST (atomically)."""
    import onnx  # noqa: PLC0415

    model = onnx.load(src)
    upgrade_opset(model, opset)
    _atomic_write_bytes(dst, model.SerializeToString())


def build_model(model_name, seed=0, weights=None):
    """MODEL_NAME's nn.Module in eval mode, with random weights from SEED
    (randomize_, calibrated) or the state_dict file WEIGHTS."""
    if model_name not in MODELS:
        raise KeyError(f"unknown model '{model_name}' (try --list)")
    spec = MODELS[model_name]
    with _SkipInit():
        model = spec["build"]()
    if weights:
        load_weights_(model, weights, spec["drop_keys"])
    else:
        randomize_(model, seed)
    return model.eval()


def _torch_onnx_export(model, x, path, opset, dynamic_batch, dynamo):
    """torch.onnx.export with the arguments this torch's signature has:
    dynamo=False (TorchScript) or True where the parameter exists (torch 2.5
    and later; True is its default from 2.9)."""
    import inspect  # noqa: PLC0415

    torch = _torch()
    params = inspect.signature(torch.onnx.export).parameters
    kwargs = {"input_names": [INPUT_NAME], "output_names": [OUTPUT_NAME],
              "opset_version": opset}
    if dynamo:
        if "dynamo" not in params:
            raise ValueError(f"--dynamo: torch {torch.__version__}'s torch.onnx.export has no "
                             "dynamo exporter (torch 2.5 or later)")
        kwargs["dynamo"] = True
        if "external_data" in params:
            kwargs["external_data"] = False  # one self-contained file (all < 2 GB)
        if dynamic_batch:
            kwargs["dynamic_shapes"] = ({0: torch.export.Dim("batch")},)
    else:
        if "dynamo" in params:
            kwargs["dynamo"] = False
        if dynamic_batch:
            kwargs["dynamic_axes"] = {INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (x,), path, **kwargs)


def write_preset(path, model_name, batch, dynamic_batch, info):
    """The preprocessing sidecar PATH (models/README.md); INFO is its
    `export` object."""
    spec = MODELS[model_name]
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
        "export": info,
    }
    text = json.dumps(doc, indent=2)
    # Short lists of numbers and strings on one line.
    text = re.sub(r"\[\s+([^\[\]{}]*?)\s+\]",
                  lambda mt: "[" + ", ".join(v.strip() for v in mt.group(1).split(",")) + "]",
                  text)
    _atomic_write_bytes(path, (text + "\n").encode())


def check_opset(opset, dynamo=False):
    """Raises ValueError unless export() can write OPSET with this exporter."""
    if dynamo:
        if not DYNAMO_MIN_OPSET <= opset <= MAX_OPSET:
            raise ValueError(f"opset {opset}: the dynamo exporter writes opsets "
                             f"{DYNAMO_MIN_OPSET} to {MAX_OPSET} here")
    elif not MIN_OPSET <= opset <= MAX_OPSET:
        raise ValueError(f"opset {opset} is not between {MIN_OPSET} and {MAX_OPSET} "
                         f"(the TorchScript exporter writes {MIN_OPSET}..{TORCHSCRIPT_MAX_OPSET}; "
                         f"{TORCHSCRIPT_MAX_OPSET + 1}..{MAX_OPSET} are rewritten from "
                         f"{TORCHSCRIPT_MAX_OPSET})")


def export(model_name, out, batch=1, dynamic_batch=False, opset=13, seed=0, weights=None,
           reference_out=None, reference_batch=None, preset=True, dynamo=False, log=None):
    """Export MODEL_NAME to the ONNX file OUT.  Returns a dict of what it wrote
    and how long each step took (seconds).

    OPSET 7..17: the TorchScript exporter; 18..22: the TorchScript exporter at
    17, then upgrade_opset.  DYNAMO: torch 2.x's dynamo exporter at OPSET
    (18..22)."""
    if model_name not in MODELS:
        raise KeyError(f"unknown model '{model_name}' (try --list)")
    if batch < 1:
        raise ValueError("batch must be >= 1")
    check_opset(opset, dynamo)
    spec = MODELS[model_name]
    torch = _torch()
    log = log or (lambda msg: None)
    times = {}
    # Use every core: oneDNN convolutions scale; the Linear layers go through
    # reference BLAS either way.
    torch.set_num_threads(max(1, os.cpu_count() or 1))

    t0 = time.perf_counter()
    model = build_model(model_name, seed, weights)
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
            f"|y| max {abs(y).max():.4g}, std {y.std():.4g}")

    t0 = time.perf_counter()
    out_dir = os.path.dirname(os.path.abspath(out))
    os.makedirs(out_dir, exist_ok=True)
    tmp = os.path.join(out_dir, f".{os.path.basename(out)}.tmp{os.getpid()}")
    rewritten = not dynamo and opset > TORCHSCRIPT_MAX_OPSET
    try:
        _torch_onnx_export(model, x, tmp, TORCHSCRIPT_MAX_OPSET if rewritten else opset,
                           dynamic_batch, dynamo)
        times["export_s"] = time.perf_counter() - t0
        if rewritten:
            t0 = time.perf_counter()
            upgrade_file(tmp, tmp, opset)
            times["upgrade_s"] = time.perf_counter() - t0
        os.replace(tmp, out)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise

    if preset:
        written["preset"] = out + ".json"
        write_preset(written["preset"], model_name, batch, dynamic_batch, {
            "opset": opset,
            "exporter": "dynamo" if dynamo else "torchscript",
            "rewritten_from_opset": TORCHSCRIPT_MAX_OPSET if rewritten else None,
            "batch": None if dynamic_batch else batch,
            "dynamic_batch": bool(dynamic_batch),
            "seed": None if weights else seed,
            "weights": os.path.basename(weights) if weights else "random",
            "torch": torch.__version__,
        })

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
    ap.add_argument("--opset", type=int, metavar="N",
                    help=f"ONNX opset: {MIN_OPSET}..{TORCHSCRIPT_MAX_OPSET} from the TorchScript "
                         f"exporter, {TORCHSCRIPT_MAX_OPSET + 1}..{MAX_OPSET} rewritten from its "
                         f"opset-{TORCHSCRIPT_MAX_OPSET} file (default 13; with --dynamo "
                         f"{DYNAMO_MIN_OPSET}..{MAX_OPSET}, default {DYNAMO_MIN_OPSET})")
    ap.add_argument("--dynamo", action="store_true",
                    help="torch 2.x: export with the torch.export-based exporter "
                         "(torch.onnx.export(..., dynamo=True)); default: the TorchScript one "
                         "(dynamo=False)")
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
    if args.opset is None:
        args.opset = DYNAMO_MIN_OPSET if args.dynamo else 13
    try:
        check_opset(args.opset, args.dynamo)
    except ValueError as e:
        ap.error(f"--opset: {e}")
    if (args.reference_batch is not None and not args.dynamic_batch
            and args.reference_batch != args.batch):
        ap.error("--reference-batch must equal the static --batch (or use --dynamic-batch)")
    return args


def main(argv=None):
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    if args.list:
        for name, spec in MODELS.items():
            shape = "x".join(str(d) for d in spec["input_shape"])
            print(f"{name:20s} {shape:10s} {spec['description']}")
        return 0
    log = (lambda msg: None) if args.quiet else (lambda msg: print(msg, file=sys.stderr))
    try:
        res = export(args.model, args.output, batch=args.batch,
                     dynamic_batch=args.dynamic_batch, opset=args.opset, seed=args.seed,
                     weights=args.weights, reference_out=args.reference_out,
                     reference_batch=args.reference_batch, preset=not args.no_preset,
                     dynamo=args.dynamo, log=log)
    except (ValueError, KeyError, OSError, RuntimeError, ImportError) as e:
        # ImportError: --dynamo without onnxscript
        print(f"export.py: error: {e}", file=sys.stderr)
        return 1
    t = res["times"]
    log(f"wrote {res['model']} ({os.path.getsize(res['model']) / 1e6:.1f} MB): "
        + ", ".join(f"{k} {v:.2f}" for k, v in t.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
