#!/usr/bin/python3
"""PyTorch's exports of resizing and data movement, against PyTorch: a small
net (a Conv, then F.interpolate, torch.chunk, strided and reversed slices, an
index list, torch.cat) exported by Debian's torch 1.13 at opsets 11, 13 and
17 for each interpolation form torch.onnx writes: nearest by scale and by
size (asymmetric coordinates, floor), bilinear with and without
align_corners, by scale (a non-integer one) and by size, down and up. Each
runs through `vkcnn run` on the same input; max |vkcnn - torch| <= 1e-4 *
max |torch| + 1e-5 (the model tests' bound).

usage: torch_data_ops.py VKCNN
Any validation message fails the test (VKCNN_VALIDATE=1 is set)."""
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

CASES = [("nearest", None, 2.0, None), ("nearest", None, None, (13, 7)),
         ("bilinear", False, 1.7, None), ("bilinear", True, None, (15, 20)),
         ("bilinear", False, None, (6, 5))]


class Net(nn.Module):
    def __init__(self, mode, align_corners, scale, size):
        super().__init__()
        self.mode, self.align_corners, self.scale, self.size = mode, align_corners, scale, size
        self.conv = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x):
        kw = {} if self.mode == "nearest" else {"align_corners": self.align_corners}
        y = F.interpolate(self.conv(x), scale_factor=self.scale, size=self.size, mode=self.mode,
                          **kw)
        a, b = torch.chunk(y, 2, dim=1)  # Split
        y = torch.cat([b[:, :, ::2], a[:, :, ::2] * 2], 1)  # Slice with steps
        return y.flip(2)[:, [1, 0, 3, 2]]  # a negative step, a Gather by index list


def main():
    vkcnn = sys.argv[1]
    torch.manual_seed(0)
    x = torch.randn(2, 3, 10, 9)
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        xin, yout, path = (os.path.join(tmp, n) for n in ("x.npy", "y.npy", "net.onnx"))
        np.save(xin, x.numpy())
        for opset in (11, 13, 17):
            for mode, align_corners, scale, size in CASES:
                net = Net(mode, align_corners, scale, size).eval()
                torch.onnx.export(net, x, path, opset_version=opset, input_names=["x"],
                                  output_names=["y"])
                with torch.no_grad():
                    want = net(x).numpy()
                label = f"opset {opset} {mode} align_corners={align_corners} scale={scale} " \
                        f"size={size}"
                r = subprocess.run([vkcnn, "run", path, "--input", xin, "--output", yout],
                                   capture_output=True, text=True,
                                   env=dict(os.environ, VKCNN_VALIDATE="1"))
                if r.returncode or "validation" in r.stderr:
                    print(f"FAIL {label}: {r.stderr.strip()[:1000]}")
                    failures += 1
                    continue
                got = np.load(yout)
                bound = 1e-4 * float(np.abs(want).max()) + 1e-5
                diff = float(np.abs(got - want).max()) if got.shape == want.shape else np.inf
                ok = diff <= bound
                failures += not ok
                print(f"{'PASS' if ok else 'FAIL'} {label}: max |diff| {diff:.3g}, bound "
                      f"{bound:.3g}", flush=True)
    print(f"{failures} failure(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
