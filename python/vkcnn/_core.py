"""Contexts, models and errors over the C API (include/vkcnn.h)."""

import ctypes
import os
import sys
import weakref
from collections import namedtuple

import numpy as np

from . import _lib
from ._lib import lib


class VkcnnError(Exception):
    """A failing vkcnn call: `status` is vkcnn's status code (negative),
    `status_name` its name ("invalid model", ...), `message` the library's
    message naming the fault (the node, the file, the limit)."""

    def __init__(self, status, message):
        self.status = int(status)
        self.status_name = _lib.text(lib.vkcnn_status_string(self.status))
        self.message = message
        super().__init__(f"{message} ({self.status_name})" if message else self.status_name)


def _check(status, message=None):
    if status < 0:
        raise VkcnnError(status, message if message is not None else
                         _lib.text(lib.vkcnn_last_error()))
    return status


TensorInfo = namedtuple("TensorInfo", "name shape")


def _info(t):
    return TensorInfo(_lib.text(t.name), tuple(int(t.shape[i]) for i in range(t.rank)))


def _device_dict(d, default_index):
    return {
        "index": d.index,
        "name": _lib.text(d.name),
        "type": _lib.DEVICE_TYPES.get(d.type, "other"),
        "vendor_id": d.vendor_id,
        "device_id": d.device_id,
        "driver_name": _lib.text(d.driver_name),
        "driver_info": _lib.text(d.driver_info),
        "api_version": f"{d.api_version >> 22}.{(d.api_version >> 12) & 0x3ff}."
                       f"{d.api_version & 0xfff}",
        "vector_width": d.vector_width or None,
        "default": d.index == default_index,
        "capabilities": {
            "fp16": bool(d.fp16),
            "storage16": bool(d.storage16),
            "int8": bool(d.int8),
            "subgroup_size": d.subgroup_size,
            "timestamps": bool(d.timestamps),
            "max_storage_buffer_range": d.max_storage_buffer_range,
            "shared_memory": d.shared_memory,
            "uma": bool(d.uma),
            "transfer_queue": bool(d.transfer_queue),
            "coopmat": "nv" if d.coopmat == 1 else None,
            "coopmat_shape": [d.coopmat_m, d.coopmat_n, d.coopmat_k] if d.coopmat else None,
        },
    }


def devices(device=None):
    """Every Vulkan device as a dict (the fields of `vkcnn devices --json`,
    plus "default": whether commands and Context() would use it; `device`
    chooses as Context(device=...) does, and raises VkcnnError when it names
    no device or several). No device at all raises VkcnnError."""
    desc = _lib.ContextDesc()
    if device is not None:
        desc.device = str(device).encode()
    cap = 64
    infos = (_lib.DeviceInfo * cap)()
    count, default = ctypes.c_uint32(), ctypes.c_uint32()
    _check(lib.vkcnn_enumerate_devices(ctypes.byref(desc), infos, cap, ctypes.byref(count),
                                       ctypes.byref(default)))
    if device is not None and default.value == 0xFFFFFFFF:  # it matched none, or several
        raise VkcnnError(-5, _lib.text(lib.vkcnn_last_error()))
    return [_device_dict(infos[i], default.value) for i in range(min(count.value, cap))]


def _print_validation(level, source, message, user):
    # validation warnings and errors to stderr, as the CLI prints them
    if source == 1 and level >= 2:
        sys.stderr.write(f"validation {'error' if level == 3 else 'warning'}: "
                         f"{_lib.text(message)}\n")


_PRINT_VALIDATION = _lib.LOG_FN(_print_validation)


def _destroy_context(handle):
    lib.vkcnn_context_destroy(handle)


class Context:
    """One Vulkan device, its queue and caches.

    device: None (the VKCNN_DEVICE variable, else discrete > integrated >
    virtual > CPU), an index (int, or a string of digits) or a
    case-insensitive substring of the device name. cache_dir: the shader
    cache folder (None: VKCNN_CACHE_DIR, then the user's cache); cache=False
    disables it. validation: None (the VKCNN_VALIDATE variable), True or
    False; its warnings and errors are printed to stderr.

    Close with close() or a `with` block; garbage collection closes it too.
    Closing a context closes its models first."""

    def __init__(self, device=None, *, cache_dir=None, cache=True, validation=None):
        desc = _lib.ContextDesc()
        if device is not None:
            desc.device = str(device).encode()
        if cache_dir is not None:
            desc.cache_dir = os.fsencode(cache_dir)
        desc.cache = _lib.DEFAULT if cache else _lib.OFF
        if validation is not None:
            desc.validation = _lib.ON if validation else _lib.OFF
        desc.log = _PRINT_VALIDATION
        desc.log_level = 2
        handle = ctypes.c_void_p()
        _check(lib.vkcnn_context_create(ctypes.byref(desc), ctypes.byref(handle)))
        self._handle = handle
        self._models = weakref.WeakSet()
        self._finalizer = weakref.finalize(self, _destroy_context, handle)

    @property
    def handle(self):
        """The vkcnn_context pointer (ctypes.c_void_p); raises once closed."""
        if not self._finalizer.alive:
            raise VkcnnError(_lib.ERROR_INVALID_ARGUMENT, "the context is closed")
        return self._handle

    @property
    def device(self):
        """The device this context runs on, as a dict (see devices())."""
        info = _lib.DeviceInfo()
        index = lib.vkcnn_context_device_index(self.handle)
        _check(lib.vkcnn_context_device_info(self.handle, index, ctypes.byref(info)))
        return _device_dict(info, index)

    def validation_counts(self):
        """(errors, warnings) the validation layer reported so far."""
        e, w = ctypes.c_uint32(), ctypes.c_uint32()
        lib.vkcnn_context_validation_counts(self.handle, ctypes.byref(e), ctypes.byref(w))
        return e.value, w.value

    def load(self, path, batch=1, precision="fp32"):
        """Loads and compiles an ONNX model. batch binds a symbolic leading
        dimension (a static model takes only its own batch, or 0 for it);
        precision is "fp32", "fp16" (weights stored as fp16) or "auto" (fp16
        where the device computes it 1.5x faster and a check on a fixed input
        passes: vkcnn_model_options.precision)."""
        return Model(self, path, batch=batch, precision=precision)

    def close(self):
        for m in list(self._models):
            m.close()
        self._finalizer()

    @property
    def closed(self):
        return not self._finalizer.alive

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        if self.closed:
            return "<vkcnn.Context closed>"
        return f"<vkcnn.Context on {self.device['name']!r}>"


def _destroy_model(handle):
    lib.vkcnn_model_destroy(handle)


class Model:
    """A network compiled for a context's device at one batch size.

    inputs, outputs: lists of TensorInfo(name, shape). run() takes one array
    (a one-input model) or a dict {input name: array} and returns a dict
    {output name: numpy float32 array}. classify() decodes, preprocesses
    (on the device) and classifies image files."""

    def __init__(self, context, path, batch=1, precision="fp32"):
        if precision not in _lib.PRECISIONS:
            raise VkcnnError(_lib.ERROR_INVALID_ARGUMENT,
                             f"precision {precision!r} is not 'fp32', 'fp16' or 'auto'")
        if not isinstance(batch, int) or batch < 0 or batch >= 1 << 32:
            raise VkcnnError(_lib.ERROR_INVALID_ARGUMENT, f"batch {batch!r} is not a batch size")
        self.path = os.fspath(path)
        self._context = context  # keeps the context alive while the model is
        opts = _lib.NetworkOptions(batch=batch)
        net = ctypes.c_void_p()
        _check(lib.vkcnn_network_load_file(os.fsencode(self.path), ctypes.byref(opts),
                                           ctypes.byref(net)))
        try:
            info = _lib.NetworkInfo()
            _check(lib.vkcnn_network_get_info(net, ctypes.byref(info)))
            self.batch = info.batch
            last = _lib.NodeInfo()
            self._ends_with_softmax = (
                info.node_count > 0
                and lib.vkcnn_network_node(net, info.node_count - 1, ctypes.byref(last)) == 0
                and _lib.text(last.op) == "Softmax")
            mo = _lib.ModelOptions(precision=_lib.PRECISIONS[precision])
            handle = ctypes.c_void_p()
            _check(lib.vkcnn_model_create(context.handle, net, ctypes.byref(mo),
                                          ctypes.byref(handle)))
        finally:
            lib.vkcnn_network_destroy(net)
        self._handle = handle
        self._finalizer = weakref.finalize(self, _destroy_model, handle)
        context._models.add(self)
        self.precision = precision
        self.inputs = self._tensors(lib.vkcnn_model_input_count, lib.vkcnn_model_input)
        self.outputs = self._tensors(lib.vkcnn_model_output_count, lib.vkcnn_model_output)

    def _tensors(self, count, get):
        out = []
        for i in range(count(self._handle)):
            t = _lib.TensorInfo()
            _check(get(self._handle, i, ctypes.byref(t)))
            out.append(_info(t))
        return out

    @property
    def handle(self):
        """The vkcnn_model pointer (ctypes.c_void_p); raises once closed."""
        if not self._finalizer.alive:
            raise VkcnnError(_lib.ERROR_INVALID_ARGUMENT, "the model is closed")
        return self._handle

    def _fail(self, status):
        _check(status, _lib.text(lib.vkcnn_model_error(self._handle)) or None)

    def run(self, x):
        """Runs the model once. x: an array for a one-input model, or a dict
        {input name: array}; arrays are converted to float32 in C order and
        must have the input's shape. A model without inputs takes None or {}.
        Returns {output name: float32 array}."""
        handle = self.handle
        if x is None:
            x = {}
        if not isinstance(x, dict):
            if len(self.inputs) != 1:
                raise VkcnnError(_lib.ERROR_INVALID_ARGUMENT,
                                 f"the model has {len(self.inputs)} inputs "
                                 f"({', '.join(t.name for t in self.inputs)}): give a dict "
                                 "{name: array}")
            x = {self.inputs[0].name: x}
        names = [t.name for t in self.inputs]
        unknown = [k for k in x if k not in names]
        if unknown:
            raise VkcnnError(_lib.ERROR_INVALID_ARGUMENT,
                             f"the model has no input {unknown[0]!r}; its inputs: "
                             f"{', '.join(names) or 'none'}")
        missing = [n for n in names if n not in x]
        if missing:
            raise VkcnnError(_lib.ERROR_INVALID_ARGUMENT, f"no value for input {missing[0]!r}")
        for i, t in enumerate(self.inputs):
            a = np.ascontiguousarray(x[t.name], dtype=np.float32)
            if a.shape != t.shape:
                raise VkcnnError(_lib.ERROR_INVALID_ARGUMENT,
                                 f"input {t.name!r} expects shape {list(t.shape)}, "
                                 f"not {list(a.shape)}")
            self._fail(lib.vkcnn_model_set_input(handle, i, a.ctypes.data, a.size))
        self._fail(lib.vkcnn_model_run(handle))
        out = {}
        for o, t in enumerate(self.outputs):
            y = np.empty(t.shape, np.float32)
            self._fail(lib.vkcnn_model_get_output(handle, o, y.ctypes.data, y.size))
            out[t.name] = y
        return out

    def classify(self, image_paths, top=5, preset=None, labels=None):
        """Classifies JPEG, PNG or BMP files as `vkcnn classify` does: the
        preprocessing of the preset (default: MODEL.json beside the model when
        it exists, else ImageNet's), softmax unless the model ends with one.
        Returns, per image in order, {"image": path, "top": [{"index",
        "label", "prob"}, ...]}; labels come from `labels` (a file or a list),
        else the preset's labels file, else the index. An image that cannot
        be read raises VkcnnError naming it."""
        handle = self.handle
        if isinstance(image_paths, (str, bytes, os.PathLike)):
            image_paths = [image_paths]
        image_paths = [os.fspath(p) for p in image_paths]
        if not isinstance(top, int) or top < 1:
            raise VkcnnError(_lib.ERROR_INVALID_ARGUMENT, f"top {top!r} is not a positive count")
        if len(self.inputs) != 1 or len(self.inputs[0].shape) != 4 or not self.outputs:
            raise VkcnnError(_lib.ERROR_INVALID_ARGUMENT,
                             f"{self.path}: classify needs one [N, C, H, W] input")
        out = self.outputs[0]
        n, shape = self.inputs[0].shape[0], out.shape
        if len(shape) < 2 or shape[0] != n or any(d != 1 for d in shape[2:]):
            raise VkcnnError(_lib.ERROR_INVALID_ARGUMENT,
                             f"{self.path}: output {out.name!r} has shape {list(shape)}, "
                             "not [N, classes]")
        classes = shape[1]
        pp = _lib.Preprocess()
        if preset is None and os.path.exists(self.path + ".json"):
            preset = self.path + ".json"
        if preset is not None:
            _check(lib.vkcnn_preprocess_from_preset(os.fsencode(preset), ctypes.byref(pp)))
        if labels is None and pp.labels:
            labels = _lib.text(pp.labels)
        if isinstance(labels, (str, os.PathLike)):
            with open(labels, encoding="utf-8", errors="replace") as f:
                labels = [line.rstrip("\r\n") for line in f]
        results = []
        for first in range(0, len(image_paths), n):
            chunk = image_paths[first:first + n]
            images = []
            try:
                for p in chunk:
                    img = ctypes.POINTER(_lib.Image)()
                    _check(lib.vkcnn_image_load_file(os.fsencode(p), None, ctypes.byref(img)))
                    images.append(img)
                arr = (ctypes.POINTER(_lib.Image) * len(images))(*images)
                status = lib.vkcnn_model_set_input_images(handle, 0, 0, arr, len(images),
                                                          ctypes.byref(pp))
                if status < 0:
                    raise VkcnnError(status, f"{', '.join(chunk)}: "
                                     f"{_lib.text(lib.vkcnn_model_error(handle))}")
            finally:
                for img in images:
                    lib.vkcnn_image_destroy(img)
            self._fail(lib.vkcnn_model_run(handle))
            y = np.empty(shape, np.float32)
            self._fail(lib.vkcnn_model_get_output(handle, 0, y.ctypes.data, y.size))
            y = y.reshape(n, classes)
            for j, p in enumerate(chunk):
                row = y[j].astype(np.float64)
                if not self._ends_with_softmax:
                    e = np.exp(row - row.max())
                    row = e / e.sum()
                order = np.argsort(-row, kind="stable")[:top]
                results.append({"image": p, "top": [
                    {"index": int(c),
                     "label": labels[c] if labels is not None and c < len(labels) else str(c),
                     "prob": float(np.float32(row[c]))} for c in order]})
        return results

    def close(self):
        self._finalizer()

    @property
    def closed(self):
        return not self._finalizer.alive

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        state = "closed" if self.closed else f"batch {self.batch}, {self.precision}"
        return f"<vkcnn.Model {self.path!r} ({state})>"
