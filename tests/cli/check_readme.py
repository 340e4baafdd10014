#!/usr/bin/python3
"""The README's C code blocks that are complete programs (those that define
main) compile against the build and run, from the repository root, as a
user would paste them. Fragments (no main) stay fragments and are skipped.
Likewise its Python blocks that use the vkcnn package (import vkcnn) run
with Debian's /usr/bin/python3, the package from python/ and the library
of LIBRARY_DIR.

    check_readme.py README.md INCLUDE_DIR LIBRARY_DIR [CFLAG...]

Each program is compiled with -std=c17 -Wall -Wextra -Werror and linked to
libvkcnn in LIBRARY_DIR (rpath set), then run with the repository root as
its working directory; it must exit 0 and print something. Any validation
message on stderr fails it (run with VKCNN_VALIDATE=1).

In a sanitizer build VKCNN_DRIVER_PRELOAD names the CPU driver's library
(lavapipe): the C programs run with it preloaded, so that it stays mapped
after the Vulkan loader unloads it at vkDestroyInstance. Its process-lifetime
allocations (tests/lsan.supp) then keep their module name and stay
suppressed; once unmapped, LeakSanitizer names them "<unknown module>",
which no suppression can match, and reports them or not by chance (whether a
stale copy of the pointer is left on the stack). Leaks in vkcnn and in the
program are reported as before."""
import os
import re
import subprocess
import sys
import tempfile

readme, include, libdir, extra = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
root = os.path.dirname(os.path.abspath(readme))
text = open(readme).read()
blocks = re.findall(r"^```c\n(.*?)^```", text, re.M | re.S)
programs = [b for b in blocks if re.search(r"\bint\s+main\s*\(", b)]
print(f"{len(blocks)} C blocks in {readme}, {len(programs)} of them complete programs")
failures = 0
if not programs:
    print("FAIL: the README has no complete C program (a block with main)")
    sys.exit(1)
with tempfile.TemporaryDirectory() as tmp:
    for n, code in enumerate(programs):
        first = code.strip().splitlines()[0]
        src, exe = os.path.join(tmp, f"readme_{n}.c"), os.path.join(tmp, f"readme_{n}")
        with open(src, "w") as f:
            f.write(code)
        cc = ["cc", "-std=c17", "-Wall", "-Wextra", "-Werror", f"-I{include}", src, "-o", exe,
              f"-L{libdir}", "-lvkcnn", f"-Wl,-rpath,{libdir}", *extra]
        r = subprocess.run(cc, capture_output=True, text=True)
        if r.returncode:
            print(f"FAIL: README program {n} ({first}) does not compile:\n{r.stderr}")
            failures += 1
            continue
        run_env = None
        if os.environ.get("VKCNN_DRIVER_PRELOAD") and os.environ.get("VKCNN_PYTHON_PRELOAD"):
            run_env = dict(os.environ, LD_PRELOAD=os.environ["VKCNN_PYTHON_PRELOAD"] + ":" +
                           os.environ["VKCNN_DRIVER_PRELOAD"])
        r = subprocess.run([exe], capture_output=True, text=True, cwd=root, timeout=600,
                           env=run_env)
        bad = r.returncode != 0 or not r.stdout.strip() or "validation" in r.stderr
        print(f"{'FAIL' if bad else 'ok'}: README program {n} ({first}): exit {r.returncode}\n"
              f"{r.stdout}{r.stderr}")
        failures += bad
pyblocks = [b for b in re.findall(r"^```python\n(.*?)^```", text, re.M | re.S)
            if re.search(r"^import vkcnn", b, re.M)]
print(f"{len(pyblocks)} Python blocks use the vkcnn package")
env = dict(os.environ, PYTHONPATH=os.path.join(root, "python"),
           VKCNN_LIBRARY=os.path.join(libdir, "libvkcnn.so.0"))
if os.environ.get("VKCNN_PYTHON_PRELOAD"):  # a sanitizer build: its runtimes go first
    env.update(LD_PRELOAD=os.environ["VKCNN_PYTHON_PRELOAD"],
               ASAN_OPTIONS="detect_leaks=0:abort_on_error=0")
for n, code in enumerate(pyblocks):
    r = subprocess.run(["/usr/bin/python3", "-c", code], capture_output=True, text=True,
                       cwd=root, env=env, timeout=600)
    bad = r.returncode != 0 or not r.stdout.strip() or "validation" in r.stderr
    print(f"{'FAIL' if bad else 'ok'}: README Python block {n}: exit {r.returncode}\n"
          f"{r.stdout}{r.stderr[-3000:]}")
    failures += bad
print(f"{failures} failed")
sys.exit(1 if failures else 0)
