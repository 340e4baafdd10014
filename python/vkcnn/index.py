"""vkcnn.Index: exact k-nearest-neighbour search on the device, over the C
index API (vkcnn_index_*, include/vkcnn.h "nearest-neighbour search"):

    import numpy as np
    import vkcnn

    with vkcnn.Context() as ctx:
        index = vkcnn.Index(ctx, 84)              # D = 84; metric="l2" (or "ip", "cosine")
        index.add(gallery)                        # [N, 84]; rows 0 .. N-1
        dist, idx = index.search(queries, k=5)    # [Q, 5] float32 and int64, nearest first

Distances: L2 squared (smallest first), inner product (largest first),
cosine 1 - cos (smallest first). Ties go to the lower row; k past the rows
held gives index -1 (distance +inf, -inf for "ip"). Arrays of other dtypes
are converted to float32; a NaN or infinite value raises VkcnnError.
"""

import ctypes
import weakref

import numpy as np

from . import _lib
from ._core import VkcnnError, _check
from ._lib import lib

METRICS = {"l2": 0, "ip": 1, "cosine": 2}
MAX_K = 1024


class IndexOptions(ctypes.Structure):
    _fields_ = [("metric", ctypes.c_int), ("chunk_rows", ctypes.c_uint32),
                ("profile", ctypes.c_int)]


class IndexStats(ctypes.Structure):
    _fields_ = [
        ("rows", ctypes.c_uint64),
        ("dim", ctypes.c_uint32),
        ("chunk_rows", ctypes.c_uint32),
        ("chunks", ctypes.c_uint32),
        ("host_chunks", ctypes.c_uint32),
        ("device_bytes", ctypes.c_uint64),
        ("query_block", ctypes.c_uint32),
        ("segments", ctypes.c_uint32),
        ("dispatches", ctypes.c_uint32),
        ("submissions", ctypes.c_uint32),
        ("gpu_ms", ctypes.c_double),
    ]


_P = ctypes.POINTER
for _name, (_res, _args) in {
    "vkcnn_index_create": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_uint32, _P(IndexOptions),
                                          _P(ctypes.c_void_p)]),
    "vkcnn_index_destroy": (None, [ctypes.c_void_p]),
    "vkcnn_index_add": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint64]),
    "vkcnn_index_count": (ctypes.c_uint64, [ctypes.c_void_p]),
    "vkcnn_index_dim": (ctypes.c_uint32, [ctypes.c_void_p]),
    "vkcnn_index_search": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint64,
                                          ctypes.c_uint32, ctypes.c_void_p, ctypes.c_void_p]),
    "vkcnn_index_get_stats": (ctypes.c_int, [ctypes.c_void_p, _P(IndexStats)]),
    "vkcnn_index_error": (ctypes.c_char_p, [ctypes.c_void_p]),
}.items():
    _f = getattr(lib, _name)
    _f.restype = _res
    _f.argtypes = _args

# the layouts tests/python compares with the C compiler's
_lib.STRUCTS.setdefault("vkcnn_index_options", IndexOptions)
_lib.STRUCTS.setdefault("vkcnn_index_stats", IndexStats)


def _destroy(handle):
    lib.vkcnn_index_destroy(handle)


class Index:
    """Exact k-NN over float32 vectors of dimension `dim`, on the device of
    `context` (a vkcnn.Context). metric: "l2", "ip" or "cosine"; chunk_rows:
    gallery rows per device chunk (0: automatic). Close with close(), a
    `with` block, or by closing the context; garbage collection frees it
    too."""

    def __init__(self, context, dim, metric="l2", chunk_rows=0):
        if metric not in METRICS:
            raise VkcnnError(_lib.ERROR_INVALID_ARGUMENT,
                             f"metric {metric!r} is not 'l2', 'ip' or 'cosine'")
        if not isinstance(dim, int) or not 0 < dim < 1 << 32:
            raise VkcnnError(_lib.ERROR_INVALID_ARGUMENT, f"dim {dim!r} is not a dimension")
        opts = IndexOptions(metric=METRICS[metric], chunk_rows=int(chunk_rows))
        handle = ctypes.c_void_p()
        _check(lib.vkcnn_index_create(context.handle, dim, ctypes.byref(opts),
                                      ctypes.byref(handle)))
        self._context = context  # keeps the context alive while the index is
        self._handle = handle
        self._finalizer = weakref.finalize(self, _destroy, handle)
        context._models.add(self)  # the context closes it first
        self.dim = dim
        self.metric = metric

    @property
    def handle(self):
        if not self._finalizer.alive:
            raise VkcnnError(_lib.ERROR_INVALID_ARGUMENT, "the index is closed")
        return self._handle

    def _rows(self, x, what):
        a = np.ascontiguousarray(x, dtype=np.float32)
        if a.ndim == 1:
            a = a.reshape(1, -1)
        if a.ndim != 2 or a.shape[1] != self.dim:
            raise VkcnnError(_lib.ERROR_INVALID_ARGUMENT,
                             f"{what} must be [N, {self.dim}], not {list(np.shape(x))}")
        return a

    def _fail(self, status):
        _check(status, _lib.text(lib.vkcnn_index_error(self._handle)) or None)

    def add(self, x):
        """Appends the rows of x ([N, dim], or one [dim] vector)."""
        a = self._rows(x, "rows")
        self._fail(lib.vkcnn_index_add(self.handle, a.ctypes.data, a.shape[0]))

    def search(self, queries, k):
        """(distances [Q, k] float32, indices [Q, k] int64) of the k nearest
        rows of each query, nearest first. 1 <= k <= 1024."""
        q = self._rows(queries, "queries")
        if not isinstance(k, (int, np.integer)) or not 1 <= k <= MAX_K:
            raise VkcnnError(_lib.ERROR_INVALID_ARGUMENT, f"k {k!r} is outside 1..{MAX_K}")
        dist = np.empty((q.shape[0], int(k)), np.float32)
        idx = np.empty((q.shape[0], int(k)), np.int64)
        self._fail(lib.vkcnn_index_search(self.handle, q.ctypes.data, q.shape[0], int(k),
                                          dist.ctypes.data, idx.ctypes.data))
        return dist, idx

    def __len__(self):
        return int(lib.vkcnn_index_count(self.handle))

    def stats(self):
        """Where the gallery lives and what the last search did (a dict of
        vkcnn_index_stats' fields)."""
        s = IndexStats()
        _check(lib.vkcnn_index_get_stats(self.handle, ctypes.byref(s)))
        return {name: getattr(s, name) for name, _ in IndexStats._fields_}

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
        if self.closed:
            return "<vkcnn.Index closed>"
        return f"<vkcnn.Index {len(self)} x {self.dim} {self.metric}>"
