"""A small ONNX interpreter in numpy, for checking exported files.

It implements, from the ONNX operator specification, the operators that
models/export.py's small nets and the original AlexNet export to, so that a
test can run the .onnx file itself and compare with PyTorch's logits: this
checks the export (LRN parameters, folded batch norm, padding conventions)
independently of vkcnn.  Float32 throughout, plain loops over groups; slow
for VGG-sized nets, fine below a GMAC.
"""

import numpy as np
from onnx import helper, numpy_helper


def _attrs(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _opset(model):
    for imp in model.opset_import:
        if imp.domain in ("", "ai.onnx"):
            return imp.version
    return 1


def _pads_2d(a, nspatial, in_spatial, kernel, strides, dilations):
    auto_pad = a.get("auto_pad", b"NOTSET")
    if isinstance(auto_pad, bytes):
        auto_pad = auto_pad.decode()
    if auto_pad in ("NOTSET", ""):
        pads = list(a.get("pads", [0] * (2 * nspatial)))
        return pads[:nspatial], pads[nspatial:]
    if auto_pad == "VALID":
        return [0] * nspatial, [0] * nspatial
    begin, end = [], []
    for i in range(nspatial):
        out = -(-in_spatial[i] // strides[i])
        total = max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - in_spatial[i])
        small, big = total // 2, total - total // 2
        if auto_pad == "SAME_UPPER":
            begin.append(small)
            end.append(big)
        else:
            begin.append(big)
            end.append(small)
    return begin, end


def _windows(x, kernel, strides, dilations):
    """x: [N, C, H, W] (already padded) -> view [N, C, Ho, Wo, kh, kw]."""
    kh, kw = kernel
    dh, dw = dilations
    eh, ew = (kh - 1) * dh + 1, (kw - 1) * dw + 1
    v = np.lib.stride_tricks.sliding_window_view(x, (eh, ew), axis=(2, 3))
    return v[:, :, ::strides[0], ::strides[1], ::dh, ::dw]


def conv(x, w, b, a):
    if x.ndim != 4:
        raise NotImplementedError("Conv: only 2-D spatial")
    group = a.get("group", 1)
    kernel = list(a.get("kernel_shape", w.shape[2:]))
    strides = list(a.get("strides", [1, 1]))
    dil = list(a.get("dilations", [1, 1]))
    pb, pe = _pads_2d(a, 2, x.shape[2:], kernel, strides, dil)
    xp = np.pad(x, ((0, 0), (0, 0), (pb[0], pe[0]), (pb[1], pe[1])))
    win = _windows(xp, kernel, strides, dil)
    cin_g = x.shape[1] // group
    cout_g = w.shape[0] // group
    outs = []
    for g in range(group):
        wg = win[:, g * cin_g:(g + 1) * cin_g]
        kg = w[g * cout_g:(g + 1) * cout_g]
        # [N, Cin_g, Ho, Wo, kh, kw] x [Cout_g, Cin_g, kh, kw] -> [N, Ho, Wo, Cout_g]
        y = np.tensordot(wg, kg, axes=([1, 4, 5], [1, 2, 3]))
        outs.append(y.transpose(0, 3, 1, 2))
    y = np.concatenate(outs, axis=1)
    if b is not None:
        y = y + b.reshape(1, -1, 1, 1)
    return y.astype(np.float32)


def _pool(x, a, kind):
    kernel = list(a["kernel_shape"])
    strides = list(a.get("strides", [1] * len(kernel)))
    dil = list(a.get("dilations", [1] * len(kernel)))
    if len(kernel) != 2:
        raise NotImplementedError(f"{kind}: only 2-D spatial")
    pb, pe = _pads_2d(a, 2, x.shape[2:], kernel, strides, dil)
    ceil = a.get("ceil_mode", 0)
    # Extra padding at the end for ceil_mode, excluded from averages.
    extra = []
    for i in range(2):
        eff = (kernel[i] - 1) * dil[i] + 1
        span = x.shape[2 + i] + pb[i] + pe[i] - eff
        out = (-(-span // strides[i]) if ceil else span // strides[i]) + 1
        if ceil and (out - 1) * strides[i] >= x.shape[2 + i] + pb[i]:
            out -= 1  # the last window must start inside the input or left pad
        extra.append(max(0, (out - 1) * strides[i] + eff - (x.shape[2 + i] + pb[i] + pe[i])))
    widths = ((0, 0), (0, 0), (pb[0], pe[0] + extra[0]), (pb[1], pe[1] + extra[1]))
    if kind == "MaxPool":
        xp = np.pad(x, widths, constant_values=-np.inf)
        return _windows(xp, kernel, strides, dil).max(axis=(4, 5)).astype(np.float32)
    xp = np.pad(x, widths)
    s = _windows(xp, kernel, strides, dil).sum(axis=(4, 5))
    if a.get("count_include_pad", 0):
        # Pads count, the ceil-mode overhang does not.
        ones = np.pad(np.ones((1, 1) + x.shape[2:], np.float32),
                      ((0, 0), (0, 0), (pb[0], pe[0]), (pb[1], pe[1])), constant_values=1.0)
        ones = np.pad(ones, ((0, 0), (0, 0), (0, extra[0]), (0, extra[1])))
    else:
        ones = np.pad(np.ones((1, 1) + x.shape[2:], np.float32), widths)
    n = _windows(ones, kernel, strides, dil).sum(axis=(4, 5))
    return (s / n).astype(np.float32)


def lrn(x, a):
    size = a["size"]
    alpha, beta, bias = a.get("alpha", 1e-4), a.get("beta", 0.75), a.get("bias", 1.0)
    sq = np.square(x.astype(np.float64))
    c = x.shape[1]
    before, after = (size - 1) // 2, -(-(size - 1) // 2)
    acc = np.zeros_like(sq)
    for i in range(c):
        lo, hi = max(0, i - before), min(c, i + after + 1)
        acc[:, i] = sq[:, lo:hi].sum(axis=1)
    return (x / np.power(bias + alpha / size * acc, beta)).astype(np.float32)


def run(model, feeds):
    """Evaluates MODEL (onnx.ModelProto) on FEEDS {name: array}; returns the
    graph outputs as a list of arrays."""
    opset = _opset(model)
    vals = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    vals.update({k: np.asarray(v) for k, v in feeds.items()})
    for node in model.graph.node:
        a = _attrs(node)
        x = [vals[i] if i else None for i in node.input]
        op = node.op_type
        if op == "Constant":
            y = numpy_helper.to_array(a["value"])
        elif op == "Conv":
            y = conv(x[0], x[1], x[2] if len(x) > 2 else None, a)
        elif op in ("MaxPool", "AveragePool"):
            y = _pool(x[0], a, op)
        elif op == "GlobalAveragePool":
            y = x[0].mean(axis=(2, 3), keepdims=True)
        elif op == "Relu":
            y = np.maximum(x[0], 0)
        elif op == "LRN":
            y = lrn(x[0], a)
        elif op == "BatchNormalization":
            scale, bias, mean, var = x[1:5]
            eps = a.get("epsilon", 1e-5)
            shp = (1, -1) + (1,) * (x[0].ndim - 2)
            y = ((x[0] - mean.reshape(shp)) / np.sqrt(var.reshape(shp) + eps)
                 * scale.reshape(shp) + bias.reshape(shp))
        elif op == "Gemm":
            A = x[0].T if a.get("transA", 0) else x[0]
            B = x[1].T if a.get("transB", 0) else x[1]
            y = a.get("alpha", 1.0) * (A.astype(np.float64) @ B.astype(np.float64))
            if len(x) > 2 and x[2] is not None:
                y = y + a.get("beta", 1.0) * x[2]
        elif op == "MatMul":
            y = np.matmul(x[0], x[1])
        elif op in ("Add", "Sub", "Mul", "Div"):
            y = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply,
                 "Div": np.divide}[op](x[0], x[1])
        elif op == "Flatten":
            axis = a.get("axis", 1) % max(1, x[0].ndim)
            y = x[0].reshape(int(np.prod(x[0].shape[:axis])), -1)
        elif op == "Reshape":
            shape = list(a["shape"]) if opset < 5 else [int(s) for s in x[1]]
            if not a.get("allowzero", 0):
                shape = [x[0].shape[i] if s == 0 else s for i, s in enumerate(shape)]
            y = x[0].reshape(shape)
        elif op == "Shape":
            y = np.array(x[0].shape, dtype=np.int64)
        elif op == "Gather":
            y = np.take(x[0], x[1], axis=a.get("axis", 0))
        elif op == "Unsqueeze":
            axes = a["axes"] if "axes" in a else [int(v) for v in x[1]]
            y = x[0]
            for ax in sorted(ax % (x[0].ndim + len(axes)) for ax in axes):
                y = np.expand_dims(y, ax)
        elif op == "Squeeze":
            axes = a.get("axes", [int(v) for v in x[1]] if len(x) > 1 else None)
            y = np.squeeze(x[0], axis=tuple(axes) if axes is not None else None)
        elif op == "Concat":
            y = np.concatenate(x, axis=a["axis"])
        elif op == "Cast":
            to = helper.tensor_dtype_to_np_dtype(a["to"]) if hasattr(
                helper, "tensor_dtype_to_np_dtype") else np.float32
            y = x[0].astype(to)
        elif op == "Pad":
            mode = a.get("mode", b"constant")
            mode = mode.decode() if isinstance(mode, bytes) else mode
            if opset < 11:
                pads, value = list(a["pads"]), a.get("value", 0.0)
            else:
                pads = [int(v) for v in x[1]]
                value = float(x[2]) if len(x) > 2 and x[2] is not None else 0.0
            n = x[0].ndim
            widths = [(pads[i], pads[i + n]) for i in range(n)]
            if mode == "constant":
                y = np.pad(x[0], widths, constant_values=value)
            else:
                y = np.pad(x[0], widths, mode={"reflect": "reflect", "edge": "edge"}[mode])
        elif op in ("Identity", "Dropout"):
            y = x[0]
        elif op in ("ReduceMean", "ReduceMax", "ReduceSum"):
            # axes: an attribute, an input from opset 18 (ReduceSum: from 13)
            as_input = opset >= (13 if op == "ReduceSum" else 18)
            if as_input:
                axes = [int(v) for v in x[1]] if len(x) > 1 and x[1] is not None else []
            else:
                axes = list(a.get("axes", []))
            if not axes:
                if as_input and a.get("noop_with_empty_axes", 0):
                    y = x[0]
                    vals[node.output[0]] = y
                    continue
                axes = list(range(x[0].ndim))
            f = {"ReduceMean": np.mean, "ReduceMax": np.max, "ReduceSum": np.sum}[op]
            y = f(x[0], axis=tuple(ax % x[0].ndim for ax in axes),
                  keepdims=bool(a.get("keepdims", 1)))
        elif op == "Split":
            axis = a.get("axis", 0) % x[0].ndim
            if "split" in a:
                sizes = list(a["split"])
            elif len(x) > 1 and x[1] is not None:
                sizes = [int(v) for v in x[1]]
            else:  # equal parts (num_outputs from opset 18: the last may be smaller)
                n = a.get("num_outputs", len(node.output))
                part = -(-x[0].shape[axis] // n)
                sizes = [min(part, x[0].shape[axis] - i * part) for i in range(n)]
            parts = np.split(x[0], np.cumsum(sizes)[:-1], axis=axis)
            for name, part in zip(node.output, parts):
                vals[name] = part
            continue
        elif op == "Softmax":
            axis = a.get("axis", -1 if opset >= 13 else 1)
            if opset < 13:
                flat = x[0].reshape(int(np.prod(x[0].shape[:axis])), -1)
                e = np.exp(flat - flat.max(axis=1, keepdims=True))
                y = (e / e.sum(axis=1, keepdims=True)).reshape(x[0].shape)
            else:
                e = np.exp(x[0] - x[0].max(axis=axis, keepdims=True))
                y = e / e.sum(axis=axis, keepdims=True)
        else:
            raise NotImplementedError(f"onnx_numpy: operator {op} ({node.name})")
        if y.dtype == np.float64:
            y = y.astype(np.float32)
        vals[node.output[0]] = y
    return [vals[o.name] for o in model.graph.output]
