#!/usr/bin/python3
"""`vkcnn classify` on images that are not fine: a file that is not an image,
a truncated JPEG, a 1x1 image and a 10000x10000 image, given together with a
good digit. Each bad one gets a clear error (naming the file) or a correct
result, never a crash; the good one is still classified; exit status 1 when
any image fails; JSON per the CLI contract.

    test_bad_images.py VKCNN WORK_DIR"""

import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from PIL import Image  # noqa: E402

import classify_common as cc  # noqa: E402


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: test_bad_images.py VKCNN WORK_DIR")
    vkcnn, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    lenet = os.path.join(cc.ROOT, "models", "lenet5")
    model = os.path.join(lenet, "lenet5.onnx")
    good = os.path.join(lenet, "digits", "digit_7_7014.png")

    text = os.path.join(work, "not_an_image.png")
    with open(text, "w") as f:
        f.write("this is a text file, not a PNG\n")
    empty = os.path.join(work, "empty.jpg")
    open(empty, "wb").close()
    jpg = os.path.join(work, "photo.jpg")
    cc.save_jpeg(cc.synthetic_photo(), jpg)
    with open(jpg, "rb") as f:
        data = f.read()
    truncated = os.path.join(work, "truncated.jpg")
    with open(truncated, "wb") as f:
        f.write(data[: len(data) // 2])
    header_only = os.path.join(work, "header_only.jpg")
    with open(header_only, "wb") as f:
        f.write(data[:40])
    tiny = os.path.join(work, "one_pixel.png")
    Image.new("L", (1, 1), 200).save(tiny)
    huge = os.path.join(work, "huge_10000x10000.png")
    if not os.path.exists(huge):
        Image.new("L", (10000, 10000), 0).save(huge)
    missing = os.path.join(work, "does_not_exist.png")

    expect_error = {text: "not an image", empty: "not an image", truncated: "truncated",
                    header_only: "", huge: "too large", missing: "cannot open"}
    images = [good, text, empty, truncated, header_only, tiny, huge, missing, good]
    p = cc.run([vkcnn, "classify", model, *images, "--json", "--batch", "4"], timeout=600)
    if p.returncode != 1:
        sys.exit(f"FAIL: exit status {p.returncode}, expected 1\nstderr: {p.stderr}")
    try:
        out = json.loads(p.stdout)
    except ValueError as e:
        sys.exit(f"FAIL: stdout is not JSON ({e}):\n{p.stdout}")
    if [o.get("image") for o in out] != images:
        sys.exit(f"FAIL: images out of order or missing: {[o.get('image') for o in out]}")
    for img, o in zip(images, out):
        name = os.path.basename(img)
        if img in expect_error:
            err = o.get("error")
            if not err or "top" in o:
                sys.exit(f"FAIL: {name}: expected an error, got {o}")
            if img not in err or expect_error[img] not in err:
                sys.exit(f"FAIL: {name}: error does not name the file and '{expect_error[img]}': "
                         f"{err}")
            print(f"{name}: error: {err}")
        else:
            top = o.get("top")
            if not top or len(top) != 5 or "error" in o:
                sys.exit(f"FAIL: {name}: expected 5 classes, got {o}")
            probs = [t["prob"] for t in top]
            if probs != sorted(probs, reverse=True) or not 0 < probs[0] <= 1.0 + 1e-6:
                sys.exit(f"FAIL: {name}: bad probabilities {probs}")
            if img == good and top[0]["label"] != "7":
                sys.exit(f"FAIL: {name}: classified as {top[0]}, expected 7")
            print(f"{name}: top-1 {top[0]['label']} ({top[0]['prob']:.4f})")
    # the same through the text output: the error on stderr, exit 1, no crash
    p = cc.run([vkcnn, "classify", model, truncated, "--quiet"], timeout=600)
    if p.returncode != 1 or "truncated" not in p.stderr:
        sys.exit(f"FAIL: text mode on a truncated JPEG: rc {p.returncode}\n{p.stdout}{p.stderr}")
    # usage errors exit 2
    for args in (["--top", "0"], ["--mean", "1,2"], ["--bogus"], []):
        p = cc.run([vkcnn, "classify", model, *( [good] if args else []), *args], timeout=120)
        if p.returncode != 2:
            sys.exit(f"FAIL: classify {args}: exit status {p.returncode}, expected 2")
    print("OK")


if __name__ == "__main__":
    main()
