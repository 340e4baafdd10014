"""vkcnn: CNN inference on any Vulkan 1.1+ device, from Python.

A thin ctypes layer over the C library (libvkcnn.so), numpy in and out, no
compiled extension:

    import numpy as np
    import vkcnn

    print(vkcnn.devices())                      # every device; which is the default
    with vkcnn.Context() as ctx:                # the default device (or device=0, "nvidia")
        model = ctx.load("models/lenet5/lenet5.onnx", batch=1, precision="fp32")
        print(model.inputs, model.outputs)      # [TensorInfo(name, shape)], ...
        y = model.run(np.zeros(model.inputs[0].shape, np.float32))   # {name: array}
        print(model.classify(["digit.png"], top=5))

Every failure raises VkcnnError with vkcnn's status and message. Contexts
and models close at the end of a `with` block, on close(), or when garbage
collected (a context closes its models first).

The library is found through VKCNN_LIBRARY, then next to the package (the
tree it was installed into), then a build of the source tree (<repo>/build),
then the system's loader path.
"""

from ._core import Context, Model, TensorInfo, VkcnnError, devices
from ._lib import path as library_path
from ._lib import version as _version

__version__ = _version()

__all__ = ["Context", "Model", "TensorInfo", "VkcnnError", "devices", "library_path"]

# k-NN search over feature vectors (vkcnn.Index) lives in index.py when the
# library has it.
try:
    from .index import Index  # noqa: F401

    __all__.append("Index")
except ModuleNotFoundError as _e:
    if _e.name != __name__ + ".index":
        raise
