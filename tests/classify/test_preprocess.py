#!/usr/bin/python3
"""vkcnn's preprocessed input tensor against the same pipeline in PyTorch.

    test_preprocess.py PREPROCESS_DUMP WORK_DIR

PREPROCESS_DUMP (tests/classify/preprocess_dump.c) decodes an image with
vkcnn, preprocesses it on the device into an identity model's input and
writes the result. Compared after undoing the normalisation (x * std + mean,
i.e. back to [0, 1] pixel units): max |diff| <= 2/255. Cases: a synthetic
640x427 photo as PNG, JPEG and BMP with ImageNet defaults, JPEGs with each EXIF
orientation 2 to 8, a portrait image with an odd resize/crop in BGR, the
original AlexNet's crop 227 with std 1/255, and LeNet-5's preset on a digit."""

import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import classify_common as cc  # noqa: E402

TOL = 2 / 255


def check(dump, work, name, image, preset, shape):
    c, h, w = shape
    model = os.path.join(work, f"identity_{c}x{h}x{w}.onnx")
    if not os.path.exists(model):
        cc.identity_model(model, c, h, w)
    preset_path = os.path.join(work, f"{name}.json")
    with open(preset_path, "w") as f:
        json.dump(dict(preset, format="vkcnn-preset", version=1), f)
    out = os.path.join(work, f"{name}.f32")
    p = cc.run([dump, model, image, out, preset_path], timeout=600)
    if p.returncode != 0:
        sys.exit(f"FAIL {name}: preprocess_dump exited {p.returncode}: {p.stderr.strip()}")
    got = np.fromfile(out, dtype=np.float32).reshape(shape)
    order = preset.get("channel_order", "RGB")
    mean = preset.get("mean", [0.485, 0.456, 0.406])
    std = preset.get("std", [0.229, 0.224, 0.225])
    if len(mean) == 1:
        mean, std = mean * 3, std * 3
    ref = cc.reference(cc.load_reference(image), resize=preset.get("resize", 256),
                       crop=preset.get("crop", 224), order=order, mean=mean, std=std,
                       scale=preset.get("pixel_scale", 1 / 255), pad=preset.get("pad", [0] * 4),
                       pad_value=preset.get("pad_value", 0))
    if ref.shape != got.shape:
        sys.exit(f"FAIL {name}: shape {got.shape}, reference {ref.shape}")
    m = np.array(mean[:c], np.float32).reshape(c, 1, 1)
    s = np.array(std[:c], np.float32).reshape(c, 1, 1)
    # back to [0, 1] pixel units (raw * 1/255) whatever pixel_scale was
    unit = preset.get("pixel_scale", 1 / 255) * 255
    diff = np.abs((got * s + m) - (ref * s + m)) / unit
    worst = float(diff.max())
    print(f"{name}: shape {got.shape}, max |diff| {worst * 255:.4f}/255 "
          f"(mean {float(diff.mean()) * 255:.4f}/255)")
    if not worst <= TOL:
        idx = np.unravel_index(int(diff.argmax()), diff.shape)
        sys.exit(f"FAIL {name}: max |diff| {worst * 255:.3f}/255 > 2/255 at {idx}")
    return worst


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: test_preprocess.py PREPROCESS_DUMP WORK_DIR")
    dump, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    photo = cc.synthetic_photo()
    png = os.path.join(work, "photo.png")
    jpg = os.path.join(work, "photo.jpg")
    photo.save(png)
    cc.save_jpeg(photo, jpg)
    portrait = cc.synthetic_photo(301, 455, seed=3)
    portrait_png = os.path.join(work, "portrait.png")
    portrait.save(portrait_png)
    imagenet = {"resize": 256, "crop": 224}
    worst = 0.0
    worst = max(worst, check(dump, work, "png_imagenet", png, imagenet, (3, 224, 224)))
    worst = max(worst, check(dump, work, "jpeg_imagenet", jpg, imagenet, (3, 224, 224)))
    bmp = os.path.join(work, "photo.bmp")
    photo.save(bmp)
    worst = max(worst, check(dump, work, "bmp_imagenet", bmp, imagenet, (3, 224, 224)))
    for o in range(2, 9):
        path = os.path.join(work, f"photo_exif{o}.jpg")
        cc.save_jpeg(photo, path, orientation=o)
        worst = max(worst, check(dump, work, f"jpeg_exif{o}", path, imagenet, (3, 224, 224)))
    worst = max(worst, check(dump, work, "portrait_bgr", portrait_png,
                             {"resize": 100, "crop": 87, "channel_order": "BGR",
                              "mean": [0.5, 0.4, 0.3], "std": [0.2, 0.25, 0.3]}, (3, 87, 87)))
    worst = max(worst, check(dump, work, "alexnet_original", png,
                             {"resize": 256, "crop": 227, "mean": [0.485, 0.456, 0.406],
                              "std": [1 / 255] * 3}, (3, 227, 227)))
    lenet = os.path.join(cc.ROOT, "models", "lenet5")
    with open(os.path.join(lenet, "lenet5.onnx.json")) as f:
        preset = json.load(f)
    digit = os.path.join(lenet, "digits", "digit_3_3126.png")
    worst = max(worst, check(dump, work, "lenet5", digit, preset, (1, 32, 32)))
    print(f"OK: worst max |diff| {worst * 255:.4f}/255 (limit 2/255)")


if __name__ == "__main__":
    main()
