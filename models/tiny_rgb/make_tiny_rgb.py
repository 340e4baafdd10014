#!/usr/bin/python3
"""Writes tiny_rgb.onnx: a 1x1 convolution with identity weights on a
1x3x224x224 input, so its output is its input. Tests use it to compare the
preprocessed input of two image paths value by value (tests/run/
test_embed_image.c). Regenerate with: /usr/bin/python3 make_tiny_rgb.py"""
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
conv = torch.nn.Conv2d(3, 3, kernel_size=1)
with torch.no_grad():
    conv.weight.copy_(torch.eye(3).reshape(3, 3, 1, 1))
    conv.bias.zero_()
conv.eval()
torch.onnx.export(conv, torch.zeros(1, 3, 224, 224), os.path.join(HERE, "tiny_rgb.onnx"),
                  input_names=["input"], output_names=["output"], opset_version=13)
