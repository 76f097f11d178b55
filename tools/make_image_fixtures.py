#!/usr/bin/env python3
"""Reference fixtures for vlmq.engine.image, produced by Pillow and transformers' PIL image processor.

Writes src/test/resources/engine/image/:
  images/*.png|jpg       inputs: PIL-written PNGs, hand-written PNGs for modes PIL cannot write
                         (1/2/4/16-bit, tRNS, short palette, Adam7, gAMA), four JPEGs
  decoded/*.rgb.gz       PIL `Image.open(f).convert("RGB")` bytes (H*W*3, interleaved)
  resized/*.rgb.gz       PIL `Image.resize((w, h), BICUBIC, reducing_gap=None)` bytes
  configs/*.json         preprocessor_config.json files fed to the processor (AutoImageProcessor, backend="pil")
  processed/*.f32.gz     Qwen2VLImageProcessorPil pixel_values, float32 little-endian, row-major
  smart_resize.csv       transformers' own smart_resize over a seeded sweep of sizes
  manifest.json          what every file is, the expected shapes / grids / token counts, and how transformers
                         resolves a few preprocessor_config.json variants (defaults, overrides, refusals)

Deterministic: fixed seed, gzip with mtime 0. Run from the repository root:
    python3 tools/make_image_fixtures.py
"""

import gzip
import io
import json
import math
import shutil
import struct
import tempfile
import zlib
from pathlib import Path

import numpy as np
import PIL
import transformers
from PIL import Image
from transformers import AutoImageProcessor
from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil, smart_resize

SEED = 20250611
OUT = Path("src/test/resources/engine/image")


def gz(path: Path, data: bytes) -> None:
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9, mtime=0) as f:
        f.write(data)
    path.write_bytes(buf.getvalue())


# ---------------------------------------------------------------- hand-written PNG (modes PIL cannot save)

def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _pack(samples, bits: int) -> bytes:
    """One scanline of samples (already flattened per pixel) at `bits` per sample, big-endian, MSB first."""
    if bits == 16:
        return np.asarray(samples, dtype=">u2").tobytes()
    if bits == 8:
        return np.asarray(samples, dtype=np.uint8).tobytes()
    out, acc, n = bytearray(), 0, 0
    for v in samples:
        acc, n = (acc << bits) | int(v), n + bits
        if n == 8:
            out.append(acc)
            acc, n = 0, 0
    if n:
        out.append(acc << (8 - n))
    return bytes(out)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def write_png(path: Path, samples: np.ndarray, bits: int, color_type: int, plte=None, trns=None, interlace=False,
              gama=None) -> None:
    """samples: [H, W, C] integers (palette indices for color type 3). Filter type 0 on every row."""
    h, w = samples.shape[:2]
    flat = samples.reshape(h, w, -1)
    if interlace:
        raw = b""
        for x0, y0, dx, dy in ADAM7:
            sub = flat[y0::dy, x0::dx]
            if sub.shape[0] and sub.shape[1]:
                raw += b"".join(b"\x00" + _pack(row.reshape(-1), bits) for row in sub)
    else:
        raw = b"".join(b"\x00" + _pack(row.reshape(-1), bits) for row in flat)
    png = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bits, color_type, 0, 0, int(interlace)))
    if gama is not None:
        png += _chunk(b"gAMA", struct.pack(">I", gama))
    if plte is not None:
        png += _chunk(b"PLTE", plte)
    if trns is not None:
        png += _chunk(b"tRNS", trns)
    png += _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b"")
    path.write_bytes(png)


# ---------------------------------------------------------------- source images

def smooth_scene(rng, w: int, h: int) -> np.ndarray:
    """Gradients and sinusoids (fractional values after resampling) plus hard 0/255 shapes (clamping)."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 127.5 + 127.5 * np.sin(x / w * 5.3 + y / h * 1.7)
    g = 255.0 * x / max(w - 1, 1) * 0.6 + 255.0 * y / max(h - 1, 1) * 0.4
    b = 127.5 + 120.0 * np.cos(np.hypot(x - w * 0.3, y - h * 0.6) / 9.0)
    img = np.stack([r, g, b], axis=-1)
    for _ in range(6):  # hard-edged rectangles of pure black / white / primaries
        x0, y0 = rng.integers(0, w - 8), rng.integers(0, h - 8)
        x1, y1 = x0 + rng.integers(4, max(5, w // 5)), y0 + rng.integers(4, max(5, h // 5))
        img[y0:y1, x0:x1] = rng.choice([0.0, 255.0], size=3)
    img += rng.integers(-2, 3, size=img.shape) * (rng.random((h, w, 1)) < 0.1)  # sparse noise, still compressible
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


QWEN25VL_HUB = {  # Qwen/Qwen2.5-VL-*-Instruct preprocessor_config.json as published
    "min_pixels": 3136, "max_pixels": 12845056, "patch_size": 14, "temporal_patch_size": 2, "merge_size": 2,
    "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_std": [0.26862954, 0.26130258, 0.27577711],
    "image_processor_type": "Qwen2VLImageProcessor", "processor_class": "Qwen2_5_VLProcessor",
}
QWEN3VL_HUB = {  # Qwen/Qwen3-VL-*-Instruct preprocessor_config.json as published
    "size": {"longest_edge": 16777216, "shortest_edge": 65536}, "patch_size": 16, "temporal_patch_size": 2,
    "merge_size": 2, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5],
    "processor_class": "Qwen3VLProcessor", "image_processor_type": "Qwen2VLImageProcessorFast",
}
CONFIG_CASES = [
    QWEN25VL_HUB,
    QWEN3VL_HUB,
    {},  # every field from the class defaults
    {"size": {"shortest_edge": 1000, "longest_edge": 90000}, "min_pixels": 2000},  # top level overrides size
    {"size": {"shortest_edge": 1000, "longest_edge": 90000}, "max_pixels": None},  # null is ignored
    {"image_mean": 0.25, "image_std": 0.75, "rescale_factor": 0.004, "do_normalize": False},
    {"max_pixels": 5000.0, "do_rescale": False, "do_resize": True},
    {"size": {"min_pixels": 3136, "max_pixels": 100000}},  # legacy spelling inside size: refused at call time
    {"size": {"shortest_edge": 3136}},
]


def main() -> None:
    rng = np.random.default_rng(SEED)
    for sub in ("images", "decoded", "resized", "configs", "processed"):
        (OUT / sub).mkdir(parents=True, exist_ok=True)
    manifest = {
        "generator": "tools/make_image_fixtures.py",
        "seed": SEED,
        "versions": {"transformers": transformers.__version__, "pillow": PIL.__version__, "numpy": np.__version__},
        "decode": [],
        "resize": [],
        "process": [],
        "smart_resize": "smart_resize.csv",
        "config_resolution": [],
    }

    # -- PNGs written by PIL
    noise56 = rng.integers(0, 256, (56, 56, 3), dtype=np.uint8)
    grad97x61 = smooth_scene(rng, 97, 61)
    scene640 = smooth_scene(rng, 640, 480)
    noise28 = rng.integers(0, 256, (28, 28, 3), dtype=np.uint8)
    rgba = np.concatenate([smooth_scene(rng, 45, 33), rng.integers(0, 256, (33, 45, 1), dtype=np.uint8)], axis=-1)
    gray = smooth_scene(rng, 50, 70)[..., 1]
    la = np.stack([gray, rng.integers(0, 256, gray.shape, dtype=np.uint8)], axis=-1)
    palette_src = Image.fromarray(smooth_scene(rng, 60, 40)).quantize(colors=37, method=Image.Quantize.MEDIANCUT)

    pil_images = {
        "noise56.png": Image.fromarray(noise56),
        "grad97x61.png": Image.fromarray(grad97x61),
        "scene640x480.png": Image.fromarray(scene640),
        "noise28.png": Image.fromarray(noise28),
        "rgba45x33.png": Image.fromarray(rgba, "RGBA"),
        "gray50x70.png": Image.fromarray(gray, "L"),
        "la50x70.png": Image.fromarray(la, "LA"),
        "palette60x40.png": palette_src,
    }
    for name, im in pil_images.items():
        im.save(OUT / "images" / name, optimize=True)
    palette_src.save(OUT / "images" / "palette_trns60x40.png",
                     transparency=bytes(rng.integers(0, 256, 37, dtype=np.uint8)))

    # -- PNGs PIL cannot write: low bit depths, 16 bit, tRNS on gray/RGB, Adam7, gAMA
    w, h = 23, 11
    deep = rng.integers(0, 65536, (h, w, 4), dtype=np.uint16)
    write_png(OUT / "images" / "rgb16.png", deep[..., :3], 16, 2)
    write_png(OUT / "images" / "rgba16.png", deep, 16, 6)
    write_png(OUT / "images" / "la16.png", deep[..., :2], 16, 4)
    write_png(OUT / "images" / "gray16.png", deep[..., :1], 16, 0)
    for bits in (1, 2, 4):
        idx = rng.integers(0, 1 << bits, (h, w, 1))
        write_png(OUT / "images" / f"gray{bits}bit.png", idx, bits, 0)
        plte = rng.integers(0, 256, 3 * (1 << bits), dtype=np.uint8).tobytes()
        write_png(OUT / "images" / f"palette{bits}bit.png", idx, bits, 3, plte=plte, trns=bytes([7, 200]))
    rgb8 = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    write_png(OUT / "images" / "rgb_trns.png", rgb8, 8, 2, trns=struct.pack(">HHH", *rgb8[0, 0]))
    write_png(OUT / "images" / "gray_trns.png", rgb8[..., :1], 8, 0, trns=struct.pack(">H", rgb8[0, 0, 0]))
    write_png(OUT / "images" / "palette_short.png", rng.integers(0, 16, (h, w, 1)), 4, 3, plte=bytes(range(30, 39)))
    write_png(OUT / "images" / "gray2bit_trns.png", rng.integers(0, 4, (h, w, 1)), 2, 0, trns=struct.pack(">H", 2))
    write_png(OUT / "images" / "rgb_adam7.png", rgb8, 8, 2, interlace=True)
    write_png(OUT / "images" / "rgb_gama.png", rgb8, 8, 2, gama=100000)

    # -- JPEG (decoders differ by a level or two; the Java test compares loosely)
    jpeg_scene = Image.fromarray(smooth_scene(rng, 64, 48))
    jpeg_scene.save(OUT / "images" / "scene64x48.jpg", quality=90)  # 4:2:0
    jpeg_scene.save(OUT / "images" / "scene64x48_444.jpg", quality=95, subsampling=0)
    jpeg_scene.save(OUT / "images" / "scene64x48_progressive.jpg", quality=75, progressive=True)
    Image.fromarray(smooth_scene(rng, 40, 30)[..., 0], "L").save(OUT / "images" / "gray40x30.jpg", quality=90)

    # every mode once; the large scene (plain 8-bit RGB) is covered through the resize and processor cases
    decodable = sorted(p.name for p in (OUT / "images").iterdir() if p.name != "scene640x480.png")
    for name in decodable:
        entry = {"image": f"images/{name}"}
        with Image.open(OUT / "images" / name) as im:
            entry["pil_mode"] = im.mode
            if im.mode == "I;16":
                # PIL's convert("RGB") saturates every 16-bit gray value above 255: the Java reader refuses instead.
                entry["refused"] = True
            else:
                rgb = np.asarray(im.convert("RGB"))
                entry.update(width=rgb.shape[1], height=rgb.shape[0], rgb=f"decoded/{name}.rgb.gz",
                             exact=not name.endswith(".jpg"))
                gz(OUT / entry["rgb"], rgb.tobytes())
        manifest["decode"].append(entry)

    # -- Pillow bicubic resize, up / down / one axis / identity / extreme
    resize_cases = {
        "noise56.png": [(56, 56), (28, 28), (100, 100), (56, 80), (30, 56), (17, 93), (1, 1), (112, 84)],
        "grad97x61.png": [(84, 56), (196, 112), (97, 30), (50, 61), (3, 200), (98, 62)],
        "scene640x480.png": [(196, 140), (224, 160), (640, 60), (100, 480), (7, 5)],
        "noise28.png": [(56, 56), (28, 56), (29, 27)],
    }
    for src, sizes in resize_cases.items():
        with Image.open(OUT / "images" / src) as im:
            im = im.convert("RGB")
            for rw, rh in sizes:
                out = np.asarray(im.resize((rw, rh), Image.Resampling.BICUBIC, reducing_gap=None))
                assert out.shape == (rh, rw, 3)
                name = f"resized/{Path(src).stem}_{rw}x{rh}.rgb.gz"
                gz(OUT / name, out.tobytes())
                manifest["resize"].append({"image": f"images/{src}", "width": rw, "height": rh, "rgb": name})

    # -- the processor itself (PIL backend), multi-image batches; pixel limits shrunk to keep files small
    configs = {
        "qwen25vl_small": {
            "image_processor_type": "Qwen2VLImageProcessor", "processor_class": "Qwen2_5_VLProcessor",
            "min_pixels": 3136, "max_pixels": 28 * 28 * 24, "patch_size": 14, "temporal_patch_size": 2,
            "merge_size": 2, "image_mean": [0.48145466, 0.4578275, 0.40821073],
            "image_std": [0.26862954, 0.26130258, 0.27577711],
        },
        "qwen3vl_small": {
            "image_processor_type": "Qwen2VLImageProcessorFast", "processor_class": "Qwen3VLProcessor",
            "size": {"longest_edge": 32 * 32 * 24, "shortest_edge": 4096}, "patch_size": 16,
            "temporal_patch_size": 2, "merge_size": 2, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5],
        },
        # every flag path: no resize (input must already be a multiple of P*M), no rescale, scalar mean/std
        "flags_no_resize_no_rescale": {
            "image_processor_type": "Qwen2VLImageProcessor", "do_resize": False, "do_rescale": False,
            "image_mean": 127.0, "image_std": 63.5, "patch_size": 14, "merge_size": 2, "temporal_patch_size": 2,
        },
        "flags_no_normalize": {
            "image_processor_type": "Qwen2VLImageProcessor", "do_normalize": False, "rescale_factor": 0.0125,
            "min_pixels": 3136, "max_pixels": 28 * 28 * 8,
        },
    }
    batches = {
        "qwen25vl_small": ["noise56.png", "grad97x61.png", "scene640x480.png", "rgba45x33.png", "palette_trns60x40.png",
                           "gray50x70.png"],
        "qwen3vl_small": ["noise56.png", "grad97x61.png", "scene640x480.png", "la50x70.png"],
        "flags_no_resize_no_rescale": ["noise28.png", "noise56.png"],
        "flags_no_normalize": ["grad97x61.png", "noise28.png"],
    }
    for name, cfg in configs.items():
        (OUT / "configs" / f"{name}.json").write_text(json.dumps(cfg, indent=2) + "\n")
        with tempfile.TemporaryDirectory() as checkpoint:  # loaded the way a checkpoint's file is
            shutil.copy(OUT / "configs" / f"{name}.json", Path(checkpoint) / "preprocessor_config.json")
            proc = AutoImageProcessor.from_pretrained(checkpoint, backend="pil")
        assert type(proc) is Qwen2VLImageProcessorPil, type(proc)  # the path bit-exactness is defined against
        images = [Image.open(OUT / "images" / f) for f in batches[name]]
        out = proc(images=images, return_tensors="np")
        pv = np.ascontiguousarray(out["pixel_values"], dtype="<f4")
        grid = out["image_grid_thw"].tolist()
        m2 = proc.merge_size ** 2
        gz(OUT / "processed" / f"{name}.f32.gz", pv.tobytes())
        manifest["process"].append({
            "name": name, "config": f"configs/{name}.json", "images": [f"images/{f}" for f in batches[name]],
            "rows": pv.shape[0], "cols": pv.shape[1], "grid_thw": grid,
            "tokens": [t * gh * gw // m2 for t, gh, gw in grid], "pixel_values": f"processed/{name}.f32.gz",
        })

    # -- how transformers resolves preprocessor_config.json fields (defaults, aliases, overrides, refusals)
    probe = Image.fromarray(rng.integers(0, 256, (61, 97, 3), dtype=np.uint8))
    for cfg in CONFIG_CASES:
        cfg = {"image_processor_type": "Qwen2VLImageProcessor", **cfg}  # AutoImageProcessor needs it
        with tempfile.TemporaryDirectory() as checkpoint:
            (Path(checkpoint) / "preprocessor_config.json").write_text(json.dumps(cfg))
            proc = AutoImageProcessor.from_pretrained(checkpoint, backend="pil")
        entry = {"json": cfg}
        try:
            proc(images=[probe], return_tensors="np")
            size = dict(proc.size)
            mean, std = proc.image_mean, proc.image_std
            entry["resolved"] = {
                "patch_size": proc.patch_size, "temporal_patch_size": proc.temporal_patch_size,
                "merge_size": proc.merge_size, "min_pixels": size["shortest_edge"], "max_pixels": size["longest_edge"],
                "do_resize": proc.do_resize, "do_rescale": proc.do_rescale, "rescale_factor": proc.rescale_factor,
                "do_normalize": proc.do_normalize,
                "image_mean": list(mean) if isinstance(mean, (list, tuple)) else [mean] * 3,
                "image_std": list(std) if isinstance(std, (list, tuple)) else [std] * 3,
            }
        except (ValueError, KeyError) as e:
            entry["error"] = str(e)[:200]
        manifest["config_resolution"].append(entry)

    # -- smart_resize sweep with the real hub limits (and the class default max) for both factors
    limits = [(28, 3136, 12845056), (28, 3136, 1003520), (32, 65536, 16777216)]
    sizes = {(480, 640), (1080, 1920), (70, 70), (1, 200), (1, 201), (200, 1), (14, 2800), (13, 2600), (28, 28),
             (1, 1), (5000, 5000), (4000, 3000), (3000, 4000), (1, 199), (57, 11400), (57, 11401)}
    while len(sizes) < 400:
        side = int(rng.integers(1, 8000))
        aspect = math.exp(rng.uniform(-math.log(260), math.log(260)))
        sizes.add((side, max(1, int(side * aspect))))
    rows = ["height,width,factor,min_pixels,max_pixels,resized_height,resized_width"]
    for factor, lo, hi in limits:
        for hh, ww in sorted(sizes):
            try:
                rh, rw = smart_resize(hh, ww, factor=factor, min_pixels=lo, max_pixels=hi)
            except ValueError:
                rh, rw = -1, -1  # aspect ratio above 200
            rows.append(f"{hh},{ww},{factor},{lo},{hi},{rh},{rw}")
    (OUT / manifest["smart_resize"]).write_text("\n".join(rows) + "\n")

    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")


if __name__ == "__main__":
    main()
