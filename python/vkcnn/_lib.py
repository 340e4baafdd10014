"""The shared library and its C types (include/vkcnn.h), through ctypes.

Where libvkcnn is found, first hit wins:
  1. the VKCNN_LIBRARY environment variable (a path to libvkcnn.so*);
  2. next to the package: the library of the tree it was installed with
     (`cmake --install` records its place in _install.py), or a libvkcnn.so*
     inside the package folder;
  3. a build of the source tree the package sits in (<repo>/build), when it
     runs from there (PYTHONPATH=python);
  4. the system's loader path (an installed, ldconfig'd libvkcnn.so.0).

The structures below mirror vkcnn.h field by field; tests/python checks
their sizes and offsets against the C compiler's.
"""

import ctypes
import glob
import os

_HERE = os.path.dirname(os.path.abspath(__file__))

# ---- status -----------------------------------------------------------------

OK = 0
NOT_READY = 1
ERROR_INVALID_ARGUMENT = -1
ERROR_IO = -11
ERROR_INVALID_MODEL = -12
ERROR_UNSUPPORTED = -13

MAX_RANK = 8
DEVICE_TYPES = {0: "other", 1: "integrated", 2: "discrete", 3: "virtual", 4: "cpu"}

# vkcnn_toggle, vkcnn_precision
DEFAULT, OFF, ON = 0, 1, 2
PRECISIONS = {"fp32": 0, "fp16": 1, "auto": 2}


# ---- structures -------------------------------------------------------------

LOG_FN = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)


class Adopt(ctypes.Structure):
    _fields_ = [
        ("get_instance_proc_addr", ctypes.c_void_p),
        ("instance", ctypes.c_void_p),
        ("instance_api_version", ctypes.c_uint32),
        ("physical_device", ctypes.c_void_p),
        ("device", ctypes.c_void_p),
        ("queue", ctypes.c_void_p),
        ("queue_family", ctypes.c_uint32),
        ("enabled_features", ctypes.c_void_p),
        ("queue_lock", ctypes.c_void_p),
        ("queue_lock_user_data", ctypes.c_void_p),
    ]


class ContextDesc(ctypes.Structure):
    _fields_ = [
        ("device", ctypes.c_char_p),
        ("validation", ctypes.c_int),
        ("validation_sync", ctypes.c_int),
        ("cache_dir", ctypes.c_char_p),
        ("cache", ctypes.c_int),
        ("log", LOG_FN),
        ("log_user_data", ctypes.c_void_p),
        ("log_level", ctypes.c_int),
        ("device_memory_budget", ctypes.c_uint64),
        ("vk_allocator", ctypes.c_void_p),
        ("adopt", Adopt),
        ("faults", ctypes.c_uint32),
        ("keep_awake", ctypes.c_int),
        ("pin_workers", ctypes.c_int),
    ]


class DeviceInfo(ctypes.Structure):
    _fields_ = [
        ("index", ctypes.c_uint32),
        ("name", ctypes.c_char * 256),
        ("type", ctypes.c_int),
        ("vendor_id", ctypes.c_uint32),
        ("device_id", ctypes.c_uint32),
        ("driver_name", ctypes.c_char * 256),
        ("driver_info", ctypes.c_char * 256),
        ("api_version", ctypes.c_uint32),
        ("driver_version", ctypes.c_uint32),
        ("device_uuid", ctypes.c_uint8 * 16),
        ("pipeline_cache_uuid", ctypes.c_uint8 * 16),
        ("vector_width", ctypes.c_uint32),
        ("fp16", ctypes.c_int),
        ("storage16", ctypes.c_int),
        ("int8", ctypes.c_int),
        ("storage8", ctypes.c_int),
        ("subgroup_size", ctypes.c_uint32),
        ("subgroup_size_min", ctypes.c_uint32),
        ("subgroup_size_max", ctypes.c_uint32),
        ("subgroup_ops", ctypes.c_uint32),
        ("timestamps", ctypes.c_int),
        ("timestamp_period_ns", ctypes.c_float),
        ("max_storage_buffer_range", ctypes.c_uint64),
        ("max_memory_allocation_size", ctypes.c_uint64),
        ("min_storage_buffer_offset_alignment", ctypes.c_uint64),
        ("max_texel_buffer_elements", ctypes.c_uint64),
        ("min_texel_buffer_offset_alignment", ctypes.c_uint64),
        ("shared_memory", ctypes.c_uint32),
        ("max_workgroup_size", ctypes.c_uint32 * 3),
        ("max_workgroup_invocations", ctypes.c_uint32),
        ("max_workgroup_count", ctypes.c_uint32 * 3),
        ("max_push_constants_size", ctypes.c_uint32),
        ("device_local_bytes", ctypes.c_uint64),
        ("uma", ctypes.c_int),
        ("compute_queue", ctypes.c_int),
        ("transfer_queue", ctypes.c_int),
        ("coopmat", ctypes.c_int),
        ("coopmat_m", ctypes.c_uint32),
        ("coopmat_n", ctypes.c_uint32),
        ("coopmat_k", ctypes.c_uint32),
    ]


class NetworkOptions(ctypes.Structure):
    _fields_ = [
        ("batch", ctypes.c_uint32),
        ("base_dir", ctypes.c_char_p),
        ("max_file_bytes", ctypes.c_uint64),
        ("max_tensor_elements", ctypes.c_uint64),
        ("max_total_bytes", ctypes.c_uint64),
        ("max_nodes", ctypes.c_uint32),
        ("max_tensors", ctypes.c_uint32),
    ]


class NetworkInfo(ctypes.Structure):
    _fields_ = [
        ("ir_version", ctypes.c_int64),
        ("opset", ctypes.c_int64),
        ("producer", ctypes.c_char_p),
        ("producer_version", ctypes.c_char_p),
        ("batch", ctypes.c_uint32),
        ("input_count", ctypes.c_uint32),
        ("output_count", ctypes.c_uint32),
        ("node_count", ctypes.c_uint32),
        ("folded_count", ctypes.c_uint32),
        ("params", ctypes.c_uint64),
        ("macs", ctypes.c_uint64),
    ]


class TensorInfo(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("dtype", ctypes.c_char_p),
        ("rank", ctypes.c_uint32),
        ("shape", ctypes.c_int64 * MAX_RANK),
    ]


class NodeInfo(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("op", ctypes.c_char_p),
        ("input_count", ctypes.c_uint32),
        ("inputs", ctypes.POINTER(ctypes.c_char_p)),
        ("output_count", ctypes.c_uint32),
        ("outputs", ctypes.POINTER(ctypes.c_char_p)),
        ("rank", ctypes.c_uint32),
        ("shape", ctypes.c_int64 * MAX_RANK),
        ("params", ctypes.c_uint64),
        ("macs", ctypes.c_uint64),
    ]


class ModelOptions(ctypes.Structure):
    _fields_ = [
        ("check", ctypes.c_int),
        ("check_rtol", ctypes.c_float),
        ("check_atol", ctypes.c_float),
        ("profile", ctypes.c_int),
        ("fusion", ctypes.c_int),
        ("winograd", ctypes.c_int),
        ("in_flight", ctypes.c_uint32),
        ("max_dispatches_per_submit", ctypes.c_uint32),
        ("precision", ctypes.c_int),
        ("extra_outputs", ctypes.POINTER(ctypes.c_char_p)),
        ("extra_output_count", ctypes.c_uint32),
        ("tuned", ctypes.c_int),
        ("tune_dir", ctypes.c_char_p),
        ("progress", ctypes.c_void_p),  # a C function pointer; None: none
        ("progress_user", ctypes.c_void_p),
    ]


class Image(ctypes.Structure):
    _fields_ = [
        ("width", ctypes.c_uint32),
        ("height", ctypes.c_uint32),
        ("rgba", ctypes.POINTER(ctypes.c_uint8)),
    ]


class Preprocess(ctypes.Structure):
    _fields_ = [
        ("resize", ctypes.c_uint32),
        ("crop", ctypes.c_uint32),
        ("channel_order", ctypes.c_int),
        ("pixel_scale", ctypes.c_float),
        ("mean", ctypes.c_float * 3),
        ("std", ctypes.c_float * 3),
        ("pad", ctypes.c_uint32 * 4),
        ("pad_value", ctypes.c_float),
        ("labels", ctypes.c_char * 1024),
    ]


# The structures tests/python compares with the C compiler's layout.
STRUCTS = {
    "vkcnn_context_desc": ContextDesc,
    "vkcnn_device_info": DeviceInfo,
    "vkcnn_network_options": NetworkOptions,
    "vkcnn_network_info": NetworkInfo,
    "vkcnn_tensor_info": TensorInfo,
    "vkcnn_node_info": NodeInfo,
    "vkcnn_model_options": ModelOptions,
    "vkcnn_image": Image,
    "vkcnn_preprocess": Preprocess,
}


# ---- the library ------------------------------------------------------------


def _candidates():
    env = os.environ.get("VKCNN_LIBRARY")
    if env:
        yield env
        return  # an explicit choice is not second-guessed
    try:
        from . import _install  # written by `cmake --install`

        yield os.path.normpath(os.path.join(_HERE, _install.LIBRARY))
    except ImportError:
        pass
    yield from sorted(glob.glob(os.path.join(_HERE, "libvkcnn.so*")))
    repo = os.path.dirname(os.path.dirname(_HERE))
    if os.path.exists(os.path.join(repo, "include", "vkcnn.h")):
        yield os.path.join(repo, "build", "libvkcnn.so.0")
    yield "libvkcnn.so.0"  # the system's loader path


def _load():
    tried = []
    for path in _candidates():
        if os.sep in path and not os.path.exists(path):
            tried.append(f"{path} (absent)")
            continue
        try:
            return ctypes.CDLL(path), path
        except OSError as e:
            tried.append(f"{path} ({e})")
    raise OSError("vkcnn: cannot load libvkcnn; set VKCNN_LIBRARY to its path. Tried: "
                  + "; ".join(tried))


def _choose_vector_width():
    """As the vkcnn CLI does (tools/vector_width.h): lavapipe compiles for
    256-bit vectors unless LP_NATIVE_VECTOR_WIDTH says otherwise, and on
    AVX-512 cores 512 bits runs vkcnn's kernels faster; so 512 there, unless
    the variable is set or VKCNN_NATIVE_WIDTH=0. Set before any Vulkan driver
    loads (the first Context), so the module and the CLI compute alike.

    Mesa's on-disk shader cache does not key its entries on the width (a
    shader compiled at 256 bits comes back in a 512-bit run), so whenever
    the width is set and MESA_SHADER_CACHE_DIR is not, Mesa's cache moves to
    $XDG_CACHE_HOME/vkcnn/lavapipe-W (else ~/.cache/vkcnn/lavapipe-W)."""
    if ("LP_NATIVE_VECTOR_WIDTH" not in os.environ
            and os.environ.get("VKCNN_NATIVE_WIDTH") != "0"):
        try:
            with open("/proc/cpuinfo") as f:
                for line in f:
                    if line.startswith("flags"):
                        if "avx512f" in line.split():
                            os.environ["LP_NATIVE_VECTOR_WIDTH"] = "512"
                        break
        except OSError:
            pass
    width = os.environ.get("LP_NATIVE_VECTOR_WIDTH", "")
    if not width.isdigit() or len(width) > 5 or "MESA_SHADER_CACHE_DIR" in os.environ:
        return
    base = os.environ.get("XDG_CACHE_HOME") or (
        os.path.join(os.environ["HOME"], ".cache") if os.environ.get("HOME") else None)
    if not base:
        return
    path = os.path.join(base, "vkcnn", f"lavapipe-{width}")
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
    except OSError:
        return
    os.environ["MESA_SHADER_CACHE_DIR"] = path


_choose_vector_width()
lib, path = _load()

_c = ctypes
_P = ctypes.POINTER
_sigs = {
    "vkcnn_version": (_c.c_char_p, []),
    "vkcnn_status_string": (_c.c_char_p, [_c.c_int]),
    "vkcnn_last_error": (_c.c_char_p, []),
    "vkcnn_context_create": (_c.c_int, [_P(ContextDesc), _P(_c.c_void_p)]),
    "vkcnn_context_destroy": (None, [_c.c_void_p]),
    "vkcnn_context_error": (_c.c_char_p, [_c.c_void_p]),
    "vkcnn_context_validation_counts": (None, [_c.c_void_p, _P(_c.c_uint32), _P(_c.c_uint32)]),
    "vkcnn_context_device_index": (_c.c_uint32, [_c.c_void_p]),
    "vkcnn_context_device_info": (_c.c_int, [_c.c_void_p, _c.c_uint32, _P(DeviceInfo)]),
    "vkcnn_enumerate_devices": (_c.c_int, [_P(ContextDesc), _P(DeviceInfo), _c.c_uint32,
                                           _P(_c.c_uint32), _P(_c.c_uint32)]),
    "vkcnn_network_load_file": (_c.c_int, [_c.c_char_p, _P(NetworkOptions), _P(_c.c_void_p)]),
    "vkcnn_network_destroy": (None, [_c.c_void_p]),
    "vkcnn_network_get_info": (_c.c_int, [_c.c_void_p, _P(NetworkInfo)]),
    "vkcnn_network_node": (_c.c_int, [_c.c_void_p, _c.c_uint32, _P(NodeInfo)]),
    "vkcnn_model_create": (_c.c_int, [_c.c_void_p, _c.c_void_p, _P(ModelOptions),
                                      _P(_c.c_void_p)]),
    "vkcnn_model_destroy": (None, [_c.c_void_p]),
    "vkcnn_model_error": (_c.c_char_p, [_c.c_void_p]),
    "vkcnn_model_input_count": (_c.c_uint32, [_c.c_void_p]),
    "vkcnn_model_output_count": (_c.c_uint32, [_c.c_void_p]),
    "vkcnn_model_input": (_c.c_int, [_c.c_void_p, _c.c_uint32, _P(TensorInfo)]),
    "vkcnn_model_output": (_c.c_int, [_c.c_void_p, _c.c_uint32, _P(TensorInfo)]),
    "vkcnn_model_set_input": (_c.c_int, [_c.c_void_p, _c.c_uint32, _c.c_void_p, _c.c_size_t]),
    "vkcnn_model_run": (_c.c_int, [_c.c_void_p]),
    "vkcnn_model_get_output": (_c.c_int, [_c.c_void_p, _c.c_uint32, _c.c_void_p, _c.c_size_t]),
    "vkcnn_image_load_file": (_c.c_int, [_c.c_char_p, _c.c_void_p, _P(_P(Image))]),
    "vkcnn_image_destroy": (None, [_P(Image)]),
    "vkcnn_preprocess_from_preset": (_c.c_int, [_c.c_char_p, _P(Preprocess)]),
    "vkcnn_model_set_input_images": (_c.c_int, [_c.c_void_p, _c.c_uint32, _c.c_uint32,
                                                _P(_P(Image)), _c.c_uint32, _P(Preprocess)]),
}
for _name, (_res, _args) in _sigs.items():
    _f = getattr(lib, _name)
    _f.restype = _res
    _f.argtypes = _args


def text(b):
    return b.decode("utf-8", "replace") if b else ""


def version():
    return text(lib.vkcnn_version())
