#!/usr/bin/python3
"""CLI contract checks: exit statuses, --version, --help, `devices --json`."""
import json
import subprocess
import sys

vkcnn = sys.argv[1]
failures = 0


def run(*args, env=None):
    return subprocess.run([vkcnn, *args], capture_output=True, text=True, env=env)


def check(cond, what):
    global failures
    if not cond:
        print("FAIL:", what)
        failures += 1


r = run("--version")
check(r.returncode == 0 and r.stdout.startswith("vkcnn "), "--version")
check(run("--help").returncode == 0, "--help")
check(run().returncode == 2, "no command is a usage error")
check(run("no-such-command").returncode == 2, "unknown command exits 2")
check(run("devices", "--bogus").returncode == 2, "unknown flag exits 2")
check(run("devices", "--help").returncode == 0, "devices --help")

r = run("devices", "--json")
check(r.returncode == 0, "devices --json exits 0: " + r.stderr)
doc = json.loads(r.stdout)
devs = doc["devices"]
check(len(devs) >= 1, "at least one device")
check(isinstance(doc["default"], int) and 0 <= doc["default"] < len(devs), "default index")
for d in devs:
    for key in ("index", "name", "type", "vendor_id", "device_id", "driver_name",
                "driver_info", "api_version", "vector_width", "capabilities"):
        check(key in d, "device has " + key)
    check(d["type"] in ("discrete", "integrated", "virtual", "cpu", "other"), "type")
    parts = d["api_version"].split(".")
    check(len(parts) == 3 and all(p.isdigit() for p in parts), "api_version like 1.3.230")
    caps = d["capabilities"]
    for key in ("fp16", "storage16", "int8", "subgroup_size", "timestamps",
                "max_storage_buffer_range", "shared_memory", "uma"):
        check(key in caps, "capabilities has " + key)
    if d["name"].startswith("llvmpipe"):
        check(d["vector_width"] in (128, 256, 512), "lavapipe vector width")

r = run("devices", "--device", "no-such-gpu-xyz")
check(r.returncode == 1 and "no-such-gpu-xyz" in r.stderr, "bad --device is exit 1 naming it")
r = run("devices", "--json", "--device", "0")
check(r.returncode == 0 and json.loads(r.stdout)["default"] == 0, "--device 0")

r = run("devices")
check(r.returncode == 0 and "[default]" in r.stdout, "text listing marks the default")

print(f"cli checks: {failures} failed")
sys.exit(1 if failures else 0)
