#!/usr/bin/python3
"""ctest fixture: export every model the model tests use into the shared
cache (models/cached_export.py), once per machine, and report the times."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def main():
    common.require_python_deps()
    t_all = time.perf_counter()
    configs = [(name, 1, 13) for name in common.LARGE_MODELS]
    configs += [(net, batch, opset) for net, opset, batch in common.small_configs()]
    # models.python's zoo checks: every family at opset 13, and the opset-17
    # files of two families with their rewrites to 18, 20 and 22
    configs += [(name, 1, 13) for name in common.export_module().ZOO
                if name not in common.LARGE_MODELS]
    configs += [(name, 1, opset) for name in common.ZOO_REWRITE_CHECKED
                for opset in (17, 18, 20, 22)]
    for name, batch, opset in configs:
        t0 = time.perf_counter()
        path = common.model_path(name, batch, opset)
        label = common.config_label(name, opset, batch)
        size = os.path.getsize(path) / 1e6
        print(f"{label:40s} {time.perf_counter() - t0:6.1f} s  {size:7.1f} MB  {path}", flush=True)
    print(f"all models ready in {time.perf_counter() - t_all:.1f} s "
          f"(cache: {common.cached_export_module().cache_root()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
