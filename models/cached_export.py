#!/usr/bin/python3
"""Export a model with export.py once per machine and share the file.

    cached_export.py MODEL_NAME [--batch N | --dynamic-batch] [--opset N] [--dynamo]
                     [--reference-batch N] [--seed S] [--weights FILE]
                     [--cache-dir DIR] [--dir] [-q]
    cached_export.py --prune [--cache-dir DIR]

Prints the path of the cached model.onnx (with --dir: of its folder).  The
folder, ${XDG_CACHE_HOME:-$HOME/.cache}/vkcnn-models/<key>/, holds

    model.onnx        the exported model
    model.onnx.json   its preprocessing preset (see models/README.md)
    input.npy         fixed-seed random input (batch N; for --dynamic-batch
                      --reference-batch, default 2)
    output.npy        PyTorch's logits for input.npy
    key.json          what the key was computed from, and the export times

Opsets 18 to 22 (without --dynamo) are the opset-17 entry of the same
arguments rewritten by export.upgrade_opset: that entry is made first (or
reused), and its input.npy and output.npy, PyTorch's own, are copied.

<key> is the sha256 of export.py's bytes, the normalized arguments, the
sha256 of the --weights file, and the torch/torchvision/onnx versions, so an
edit to export.py or an upgraded torch gives a fresh entry.  Concurrent
invocations (ctest -j) are safe: a per-key flock serializes the export, which
is written to a temporary folder and renamed into place in one step; readers
never see a half-written entry.  Entries are never removed automatically;
`--prune` removes those of other export.py or torch versions.

Import it to use it from Python: cached_export.cached_export("vgg16") returns
the same path, exporting in-process on a miss.
"""

import argparse
import contextlib
import hashlib
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
EXPORT_PY = os.path.join(HERE, "export.py")
KEY_SCHEMA = 2


def cache_root(cache_dir=None):
    if cache_dir:
        return os.path.abspath(cache_dir)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "vkcnn-models")


def _sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _load_export_module():
    spec = importlib.util.spec_from_file_location("vkcnn_models_export", EXPORT_PY)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _versions():
    # Read from package metadata: importing torch costs a second or two, and a
    # cache hit should not pay it.
    from importlib import metadata  # noqa: PLC0415

    out = {}
    for dist in ("torch", "torchvision", "onnx"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    return out


def cache_key(model, batch=1, dynamic_batch=False, opset=13, seed=0, weights=None,
              dynamo=False, reference_batch=None):
    """Returns (key, description) for these export arguments."""
    desc = {
        "schema": KEY_SCHEMA,
        "export_py_sha256": _sha256_file(EXPORT_PY),
        "model": model,
        "batch": None if dynamic_batch else int(batch),
        "dynamic_batch": bool(dynamic_batch),
        "reference_batch": int(reference_batch or 2) if dynamic_batch else None,
        "opset": int(opset),
        "exporter": "dynamo" if dynamo else "torchscript",
        "seed": None if weights else int(seed),
        "weights_sha256": _sha256_file(weights) if weights else None,
        "versions": _versions(),
    }
    blob = json.dumps(desc, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()[:32], desc


@contextlib.contextmanager
def _locked(path):
    """Exclusive flock on PATH (created if missing); a no-op where flock is
    unsupported, since the rename below keeps entries whole on its own."""
    try:
        import fcntl  # noqa: PLC0415
    except ImportError:  # not POSIX
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:
            pass
        yield
    finally:
        os.close(fd)  # releases the lock


def _complete(entry):
    return all(os.path.isfile(os.path.join(entry, f))
               for f in ("model.onnx", "model.onnx.json", "input.npy", "output.npy", "key.json"))


def cached_export(model, batch=1, dynamic_batch=False, opset=13, seed=0, weights=None,
                  cache_dir=None, log=None, dynamo=False, reference_batch=None):
    """Path of the cached model.onnx for these arguments, exporting on a miss."""
    log = log or (lambda msg: None)
    if not dynamic_batch:
        reference_batch = None  # the static batch
    root = cache_root(cache_dir)
    key, desc = cache_key(model, batch, dynamic_batch, opset, seed, weights, dynamo,
                          reference_batch)
    entry = os.path.join(root, key)
    model_path = os.path.join(entry, "model.onnx")
    if _complete(entry):
        return model_path
    export = _load_export_module()
    export.check_opset(opset, dynamo)
    rewrite = not dynamo and opset > export.TORCHSCRIPT_MAX_OPSET
    source = None
    if rewrite:  # before taking this key's lock: the source has its own
        source = cached_export(model, batch, dynamic_batch, export.TORCHSCRIPT_MAX_OPSET, seed,
                               weights, cache_dir, log, False, reference_batch)
    os.makedirs(root, exist_ok=True)
    with _locked(os.path.join(root, f".{key}.lock")):
        if _complete(entry):  # another process exported it while we waited
            return model_path
        if os.path.isdir(entry):  # left incomplete by hand or by an older layout
            shutil.rmtree(entry, ignore_errors=True)
        tmp = tempfile.mkdtemp(prefix=f".{key}.tmp", dir=root)
        try:
            t0 = time.perf_counter()
            if rewrite:
                src_dir = os.path.dirname(source)
                export.upgrade_file(source, os.path.join(tmp, "model.onnx"), opset)
                for f in ("input.npy", "output.npy"):
                    shutil.copyfile(os.path.join(src_dir, f), os.path.join(tmp, f))
                with open(os.path.join(src_dir, "model.onnx.json")) as f:
                    preset = json.load(f)
                info = dict(preset["export"], opset=opset,
                            rewritten_from_opset=export.TORCHSCRIPT_MAX_OPSET)
                export.write_preset(os.path.join(tmp, "model.onnx.json"), model, batch,
                                    dynamic_batch, info)
                desc["times"] = {"upgrade_s": time.perf_counter() - t0}
                desc["source"] = os.path.basename(src_dir)
            else:
                res = export.export(model, os.path.join(tmp, "model.onnx"), batch=batch,
                                    dynamic_batch=dynamic_batch, opset=opset, seed=seed,
                                    weights=weights, reference_out=tmp,
                                    reference_batch=reference_batch, preset=True,
                                    dynamo=dynamo, log=log)
                desc["times"] = dict(res["times"])
            desc["times"]["total_s"] = time.perf_counter() - t0
            desc["args"] = {"model": model, "batch": batch, "dynamic_batch": dynamic_batch,
                            "reference_batch": reference_batch, "opset": opset, "seed": seed,
                            "dynamo": dynamo,
                            "weights": os.path.abspath(weights) if weights else None}
            with open(os.path.join(tmp, "key.json"), "w") as f:
                json.dump(desc, f, indent=1, sort_keys=True)
                f.write("\n")
            os.chmod(tmp, 0o755)
            os.rename(tmp, entry)  # atomic: the entry appears whole or not at all
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        log(f"cached {model} opset {opset} in {entry} ({desc['times']['total_s']:.1f} s)")
    return model_path


def prune(cache_dir=None, log=None):
    """Removes the entries that the current export.py (or torch) would not
    produce: those whose key.json names another export.py or other versions.
    Returns the number removed."""
    log = log or (lambda msg: None)
    root = cache_root(cache_dir)
    if not os.path.isdir(root):
        return 0
    current = _sha256_file(EXPORT_PY)
    versions = _versions()
    removed = 0
    for name in sorted(os.listdir(root)):
        entry = os.path.join(root, name)
        if name.startswith(".") or not os.path.isdir(entry):
            continue
        try:
            with open(os.path.join(entry, "key.json")) as f:
                desc = json.load(f)
            stale = (desc.get("export_py_sha256") != current or desc.get("versions") != versions
                     or desc.get("schema") != KEY_SCHEMA)
        except (OSError, ValueError):
            stale = True
        if not stale:
            continue
        with _locked(os.path.join(root, f".{name}.lock")):
            # Rename first, so a reader never sees a half-removed entry.
            doomed = tempfile.mkdtemp(prefix=f".{name}.old", dir=root)
            os.rename(entry, os.path.join(doomed, name))
            shutil.rmtree(doomed, ignore_errors=True)
        try:
            os.unlink(os.path.join(root, f".{name}.lock"))
        except OSError:
            pass
        removed += 1
        log(f"removed {entry}")
    return removed


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="cached_export.py",
        description="Export a model with export.py once and print the cached path "
                    "(${XDG_CACHE_HOME:-$HOME/.cache}/vkcnn-models/<key>/model.onnx).")
    ap.add_argument("model", nargs="?", metavar="MODEL_NAME",
                    help="model name (export.py --list)")
    ap.add_argument("--prune", action="store_true",
                    help="remove the entries of other export.py or torch versions and exit")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--batch", type=int, default=1, metavar="N", help="static batch (default 1)")
    g.add_argument("--dynamic-batch", action="store_true", help="symbolic batch dimension")
    ap.add_argument("--opset", type=int, metavar="N",
                    help="ONNX opset (default 13, or 18 with --dynamo; 18..22 without --dynamo: "
                         "rewritten from the opset-17 entry)")
    ap.add_argument("--dynamo", action="store_true",
                    help="torch 2.x's dynamo exporter (export.py --dynamo)")
    ap.add_argument("--reference-batch", type=int, metavar="N",
                    help="with --dynamic-batch: batch of input.npy (default 2)")
    ap.add_argument("--seed", type=int, default=0, metavar="S", help="weights seed (default 0)")
    ap.add_argument("--weights", metavar="FILE", help="torch state_dict instead of random weights")
    ap.add_argument("--cache-dir", metavar="DIR",
                    help="cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/vkcnn-models)")
    ap.add_argument("--dir", action="store_true", help="print the entry's folder, not the .onnx")
    ap.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    args = ap.parse_args(argv)
    log = (lambda m: None) if args.quiet else (lambda m: print(m, file=sys.stderr))
    if args.prune:
        n = prune(args.cache_dir, log)
        print(f"removed {n} stale entries from {cache_root(args.cache_dir)}")
        return 0
    if not args.model:
        ap.error("MODEL_NAME is required (or --prune)")
    if args.batch < 1:
        ap.error("--batch must be >= 1")
    if args.reference_batch is not None and (args.reference_batch < 1 or not args.dynamic_batch):
        ap.error("--reference-batch takes N >= 1, with --dynamic-batch")
    if args.opset is None:
        args.opset = 18 if args.dynamo else 13
    try:
        path = cached_export(args.model, batch=args.batch, dynamic_batch=args.dynamic_batch,
                             opset=args.opset, seed=args.seed, weights=args.weights,
                             cache_dir=args.cache_dir, log=log, dynamo=args.dynamo,
                             reference_batch=args.reference_batch)
    except (ValueError, KeyError, OSError, RuntimeError, ImportError) as e:
        print(f"cached_export.py: error: {e}", file=sys.stderr)
        return 1
    print(os.path.dirname(path) if args.dir else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
