#!/usr/bin/env python3
"""Reference outputs for vlmq's weight quantizers, computed the way compressed-tensors 0.18 computes them.

compressed-tensors is not installable here, so this file re-creates its data-free weight path with the same
torch operations, in the same order and in the same dtypes (the model dtype: bf16, f16 or f32), on CPU:

  observer (LC flatten_for_calibration + amin/amax)  ->  calculate_qparams / generate_gparam
  -> scale written into the model-dtype parameter (copy_)  ->  compressor.compress: quantize() + packing.

Each function names the upstream function it mirrors. Java tests never run this script: it writes the
inputs (small .safetensors) and the SHA-256 of every output tensor's bytes into src/test/resources/quant/.

Usage:
  tools/ct_reference.py random                 # seeded random tensors -> src/test/resources/quant/
  tools/ct_reference.py fixtures [ROOT]        # every Linear of src/test/resources/fixtures/<family>/
  tools/ct_reference.py dump FILE TENSOR PRESET OUT.safetensors   # full outputs, for debugging
"""

import hashlib
import json
import math
import os
import sys

import torch
from safetensors.torch import load_file, save_file

FP8 = torch.float8_e4m3fn
FP8_MAX = torch.finfo(FP8).max  # 448
FP4_MAX = 6.0

# --------------------------------------------------------------------------------------------------------------
# Scheme arguments: the weights part of compressed-tensors' PRESET_SCHEMES, after validation (CT 0.18).
# --------------------------------------------------------------------------------------------------------------


def args(num_bits, type_, strategy, symmetric=True, group_size=None, block_structure=None, scale_dtype=None):
    zp_dtype = None
    if not symmetric:
        zp_dtype = "torch.int8" if num_bits <= 8 else "torch.int16"
    return {
        "actorder": None,
        "block_structure": block_structure,
        "dynamic": False,
        "group_size": group_size,
        "num_bits": num_bits,
        "observer": "memoryless_minmax",
        "observer_kwargs": {},
        "scale_dtype": scale_dtype,
        "strategy": strategy,
        "symmetric": symmetric,
        "type": type_,
        "zp_dtype": zp_dtype,
    }


PRESETS = {
    # name: (weights args, compression format)
    "FP8": (args(8, "float", "tensor"), "float-quantized"),
    "FP8_DYNAMIC": (args(8, "float", "channel"), "float-quantized"),
    "FP8_BLOCK": (args(8, "float", "block", block_structure=[128, 128]), "float-quantized"),
    "W8A8": (args(8, "int", "channel"), "int-quantized"),
    "W8A16": (args(8, "int", "group", group_size=128), "pack-quantized"),
    "W4A16": (args(4, "int", "group", group_size=128), "pack-quantized"),
    "W4A16_ASYM": (args(4, "int", "group", symmetric=False, group_size=128), "pack-quantized"),
    "NVFP4A16": (args(4, "float", "tensor_group", group_size=16, scale_dtype="torch.float8_e4m3fn"),
                 "nvfp4-pack-quantized"),
    "MXFP4A16": (args(4, "float", "group", group_size=32, scale_dtype="torch.uint8"), "mxfp4-pack-quantized"),
    "MXFP8A16": (args(8, "float", "group", group_size=32, scale_dtype="torch.uint8"), "mxfp8-quantized"),
}

# Argument combinations no preset uses but the quantizers support; scheme name -> (args, format).
CUSTOM = {
    "INT4_CHANNEL_ASYM": (args(4, "int", "channel", symmetric=False), "pack-quantized"),
    "INT8_CHANNEL_ASYM": (args(8, "int", "channel", symmetric=False), "pack-quantized"),
    "INT8_GROUP32_ASYM": (args(8, "int", "group", symmetric=False, group_size=32), "pack-quantized"),
    "INT4_CHANNEL": (args(4, "int", "channel"), "pack-quantized"),
    "INT8_TENSOR_NAIVE": (args(8, "int", "tensor"), "int-quantized"),
    "INT8_CHANNEL_ASYM_NAIVE": (args(8, "int", "channel", symmetric=False), "int-quantized"),
    "FP8_GROUP128": (args(8, "float", "group", group_size=128), "naive-quantized"),
    # dense packing with values straddling int32 words (CT >= 0.17), zero points packed along dim 0
    "INT3_GROUP32": (args(3, "int", "group", group_size=32), "pack-quantized"),
    "INT2_CHANNEL_ASYM": (args(2, "int", "channel", symmetric=False), "pack-quantized"),
    "INT5_GROUP32_ASYM": (args(5, "int", "group", symmetric=False, group_size=32), "pack-quantized"),
    "INT4_BLOCK_ASYM": (args(4, "int", "block", symmetric=False, block_structure=[16, 32]), "pack-quantized"),
}

SCHEMES = {**PRESETS, **CUSTOM}

TORCH_DTYPES = {"torch.float8_e4m3fn": FP8, "torch.uint8": torch.uint8, "torch.int8": torch.int8}
ST_DTYPE = {torch.bfloat16: "BF16", torch.float16: "F16", torch.float32: "F32", FP8: "F8_E4M3",
            torch.int8: "I8", torch.uint8: "U8", torch.int32: "I32", torch.int64: "I64"}

# --------------------------------------------------------------------------------------------------------------
# compressed_tensors.quantization.utils.helpers / quant_args / mxfp_utils (CT 0.18, CPU path)
# --------------------------------------------------------------------------------------------------------------


def is_mx(a):
    return a["type"] == "float" and a["num_bits"] in (4, 8) and a["group_size"] == 32 \
        and a["scale_dtype"] == "torch.uint8"


def pytorch_dtype(a):
    if a["type"] == "float":
        return FP8
    return torch.int8 if a["num_bits"] <= 8 else torch.int16


def zp_dtype(a):
    if a["zp_dtype"] is not None:
        return TORCH_DTYPES[a["zp_dtype"]]
    if a["type"] == "float" and a["num_bits"] == 4:
        return FP8
    return pytorch_dtype(a)


def calculate_range(a):
    if a["type"] == "int":
        r = 2 ** a["num_bits"]
        return torch.tensor(-r / 2), torch.tensor(r / 2 - 1)
    m = FP8_MAX if a["num_bits"] == 8 else FP4_MAX
    return torch.tensor(-m), torch.tensor(m)


def round_to_quantized_type_dtype(tensor, dtype, cast_to_original_dtype=True):
    original_dtype = tensor.dtype
    if torch.is_floating_point(torch.tensor([], dtype=dtype)):
        finfo = torch.finfo(dtype)
        rounded = torch.clamp(tensor, finfo.min, finfo.max).to(dtype)
    else:
        iinfo = torch.iinfo(dtype)
        rounded = torch.round(torch.clamp(tensor, iinfo.min, iinfo.max)).to(dtype)
    return rounded.to(original_dtype) if cast_to_original_dtype else rounded


def cast_to_fp4(x):
    # FP4_E2M1_DATA._cast_to_fp4 (torch.compile'd upstream; the eager ops give the same values)
    sign = torch.sign(x)
    x = torch.abs(x)
    x[(x >= 0.0) & (x <= 0.25)] = 0.0
    x[(x > 0.25) & (x < 0.75)] = 0.5
    x[(x >= 0.75) & (x <= 1.25)] = 1.0
    x[(x > 1.25) & (x < 1.75)] = 1.5
    x[(x >= 1.75) & (x <= 2.5)] = 2.0
    x[(x > 2.5) & (x < 3.5)] = 3.0
    x[(x >= 3.5) & (x <= 5.0)] = 4.0
    x[x > 5.0] = 6.0
    return x * sign


def round_to_quantized_type_args(tensor, a, q_min, q_max):
    original_dtype = tensor.dtype
    tensor = torch.clamp(tensor, q_min, q_max)
    if a["type"] == "float":
        rounded = tensor.to(FP8) if a["num_bits"] == 8 else cast_to_fp4(tensor)
    else:
        rounded = torch.round(tensor)
    return rounded.to(original_dtype)


def round_to_power_2(x):
    mantissa, exponent = {torch.bfloat16: (7, 8), torch.float16: (10, 5), torch.float32: (23, 8)}[x.dtype]
    int_dtype = torch.uint32 if x.dtype == torch.float32 else torch.uint16
    xi = x.view(int_dtype).to(torch.int32)
    val_to_add = 1 << (mantissa - 1 - 1)
    mask = ((1 << (exponent + 1)) - 1) << mantissa
    out = torch.bitwise_and(xi + val_to_add, mask)
    if int_dtype is torch.uint16:
        return out.to(int_dtype).view(x.dtype)
    return out.view(x.dtype)


def generate_mx_scales(x, num_bits):
    offset = {4: 2, 8: 8}[num_bits]
    p2 = round_to_power_2(x)
    return 127 + torch.floor(torch.log2(p2)) - offset


def maybe_convert_from_mx_exp(a, scale):
    if is_mx(a):
        original_dtype = scale.dtype
        scale_exp = scale.to(torch.int32) - 127
        return (2.00 ** (scale_exp.to(torch.float))).to(original_dtype)
    return scale


def get_dtype_eps(dtype):
    if dtype == FP8:
        return 0.125
    if torch.is_floating_point(torch.tensor([], dtype=dtype)):
        return torch.finfo(dtype).eps
    return 1


def calculate_qparams(min_vals, max_vals, a, global_scale=None):
    min_vals = torch.min(min_vals, torch.zeros_like(min_vals))
    max_vals = torch.max(max_vals, torch.zeros_like(max_vals))
    bit_min, bit_max = calculate_range(a)
    bit_range = bit_max - bit_min
    if a["symmetric"]:
        max_val_pos = torch.max(torch.abs(min_vals), torch.abs(max_vals))
        if is_mx(a):
            scales = generate_mx_scales(max_val_pos, a["num_bits"])
        else:
            scales = max_val_pos / (float(bit_range) / 2)
        zero_points = torch.zeros(scales.shape, dtype=min_vals.dtype)
    else:
        scales = (max_vals - min_vals) / float(bit_range)
        zero_points = bit_min - (min_vals / scales)
        zero_points = torch.clamp(zero_points, bit_min, bit_max)
    if global_scale is not None:
        scales = global_scale * scales
    scale_dtype = TORCH_DTYPES[a["scale_dtype"]] if a["scale_dtype"] else None
    if scale_dtype is not None:
        scales = round_to_quantized_type_dtype(scales, dtype=scale_dtype)
    scales = maybe_convert_from_mx_exp(a, scales)
    eps = get_dtype_eps(scale_dtype if scale_dtype is not None else scales.dtype)
    scales = torch.where(scales == 0, torch.tensor(eps, dtype=scales.dtype), scales)
    zero_points = round_to_quantized_type_dtype(zero_points, dtype=zp_dtype(a), cast_to_original_dtype=False)
    if scales.ndim == 0:
        scales = scales.reshape(1)
        zero_points = zero_points.reshape(1)
    return scales, zero_points


def generate_gparam(min_val, max_val):
    # CT generate_gparam on the observer's model-dtype statistics; an inf/NaN scale (all-zero tensor) -> 1.0
    # as the spec (§3.6) describes for 0.18.
    min_vals = torch.min(min_val, torch.zeros_like(min_val))
    max_vals = torch.max(max_val, torch.zeros_like(max_val))
    max_val_pos = torch.max(torch.abs(min_vals), torch.abs(max_vals))
    max_val_pos = torch.clamp(max_val_pos, min=torch.finfo(torch.float32).tiny)
    global_scale = FP8_MAX * FP4_MAX / max_val_pos
    global_scale = torch.where(torch.isfinite(global_scale), global_scale, torch.ones_like(global_scale))
    return global_scale.to(torch.float32).reshape([1])


def pad_for_block(x, block):
    bh, bw = block
    pr = (bh - x.shape[0] % bh) % bh
    pc = (bw - x.shape[1] % bw) % bw
    if pr == 0 and pc == 0:
        return x
    return torch.nn.functional.pad(x, (0, pc, 0, pr), mode="constant", value=0)


# --------------------------------------------------------------------------------------------------------------
# llmcompressor observer statistics (observers/helpers.py flatten_for_calibration, amin/amax over (0, -1))
# --------------------------------------------------------------------------------------------------------------


def flatten_for_calibration(w, a):
    s = a["strategy"]
    if s == "tensor":
        return w.reshape((1, 1, -1))
    if s == "channel":
        return w.unsqueeze(0).unsqueeze(-2)  # (1, O, 1, I)
    if s in ("group", "tensor_group"):
        return w.unflatten(-1, (-1, a["group_size"])).unsqueeze(0)  # (1, O, G, gs)
    if s == "block":
        bh, bw = a["block_structure"]
        p = pad_for_block(w, (bh, bw))
        nbr, nbc = p.shape[0] // bh, p.shape[1] // bw
        return p.reshape(nbr, bh, nbc, bw).transpose(1, 2).reshape(1, nbr, nbc, bh * bw)
    raise ValueError(s)


def observe(w, a):
    f = flatten_for_calibration(w, a)
    return torch.amin(f, dim=(0, -1)), torch.amax(f, dim=(0, -1))


# --------------------------------------------------------------------------------------------------------------
# compressed_tensors.quantization.lifecycle.forward._process_quantization / _quantize (quantize only)
# --------------------------------------------------------------------------------------------------------------


def _quantize(x, scale, zero_point, q_min, q_max, a, dtype=None, global_scale=None):
    if global_scale is not None:
        scale = scale / global_scale
    scaled = x / scale
    if zero_point is not None:
        scaled += zero_point.to(x.dtype)
    q = round_to_quantized_type_args(scaled, a, q_min, q_max)
    if dtype is not None:
        q = q.to(dtype)
    return q


def quantize(x, scale, zero_point, a, dtype=None, global_scale=None):
    q_min, q_max = calculate_range(a)
    s = a["strategy"]
    if s == "block":
        original_shape = x.shape
        bh, bw = a["block_structure"]
        x = pad_for_block(x, (bh, bw))
        padded_shape = x.shape
        xb = x.reshape(padded_shape[0] // bh, bh, padded_shape[1] // bw, bw).transpose(1, 2)
        sb = scale.unsqueeze(-1).unsqueeze(-1)
        zb = zero_point.unsqueeze(-1).unsqueeze(-1) if zero_point is not None else None
        xb = _quantize(xb, sb, zb, q_min, q_max, a, dtype, global_scale)
        out = xb.transpose(1, 2).reshape(padded_shape)
        return out[: original_shape[0], : original_shape[1]]
    if s in ("group", "tensor_group"):
        output_dtype = dtype if dtype is not None else x.dtype
        gs = a["group_size"]
        if x.shape[-1] % gs != 0:
            raise ValueError("tensor column shape must be divisble by the given group_size")
        while scale.ndim < 2:
            scale = scale.unsqueeze(1)
            zero_point = zero_point.unsqueeze(1) if zero_point is not None else None
        xg = x.unflatten(-1, (math.ceil(x.shape[-1] / gs), gs))
        out = _quantize(xg, scale.unsqueeze(-1), zero_point.unsqueeze(-1) if zero_point is not None else None,
                        q_min, q_max, a, dtype, global_scale)
        return out.flatten(start_dim=-2).to(output_dtype)
    return _quantize(x, scale, zero_point, q_min, q_max, a, dtype, global_scale)


# --------------------------------------------------------------------------------------------------------------
# Packing: compressors/pack_quantized/helpers.py (CPU fallback) and compressors/nvfp4/helpers.py
# --------------------------------------------------------------------------------------------------------------


def _pack_row_parallel(value_g, num_bits):
    rows_g = value_g.shape[0]
    output_g = torch.zeros(rows_g, num_bits, dtype=torch.int32)
    elem_i = torch.arange(32, dtype=torch.int32)
    bit_starts = elem_i * num_bits
    word_idx = (bit_starts // 32).long()
    bit_offset = bit_starts % 32
    output_g.scatter_add_(1, word_idx.unsqueeze(0).expand(rows_g, -1), value_g << bit_offset.unsqueeze(0))
    ov = bit_offset + num_bits - 32
    ov_mask = ov > 0
    if ov_mask.any():
        ov_vals = value_g[:, ov_mask] >> (num_bits - ov[ov_mask]).unsqueeze(0)
        output_g.scatter_add_(1, (word_idx[ov_mask] + 1).unsqueeze(0).expand(rows_g, -1), ov_vals)
    return output_g


def _pack_grouped(value, num_bits):
    rows, cols = value.shape
    packed_cols = math.ceil(cols * num_bits / 32)
    padded_cols = math.ceil(cols / 32) * 32
    if padded_cols > cols:
        value = torch.nn.functional.pad(value, (0, padded_cols - cols))
    num_groups = padded_cols // 32
    value_g = value.reshape(rows * num_groups, 32).contiguous()
    output_g = _pack_row_parallel(value_g, num_bits)
    return output_g.view(rows, num_groups * num_bits)[:, :packed_cols]


def pack_to_int32(value, num_bits, packed_dim=1):
    # offset to unsigned, then dense little-endian bit stream per row (packed_dim=1) or per column (0)
    value = value.to(torch.int32) + (1 << (num_bits - 1))
    if packed_dim == 0:
        return _pack_grouped(value.transpose(0, 1), num_bits).transpose(0, 1).contiguous()
    return _pack_grouped(value, num_bits).contiguous()


FLOAT_TO_E2M1 = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0]


def pack_fp4_to_uint8(x):
    m, n = x.shape
    kE2M1 = torch.tensor(FLOAT_TO_E2M1, dtype=x.dtype)
    abs_indices = torch.argmin(torch.abs(torch.abs(x).unsqueeze(-1) - kE2M1), dim=-1)
    indices = abs_indices + (torch.signbit(x).to(torch.long) << 3)
    indices = indices.reshape(-1, 2)
    return (indices[:, 0] | (indices[:, 1] << 4)).to(torch.uint8).reshape(m, n // 2)


def compress_mx_scale(scale):
    return (127 + torch.floor(torch.log2(scale)).to(torch.int32)).to(torch.uint8)


# --------------------------------------------------------------------------------------------------------------
# One Linear: observe -> qparams -> parameters in the model dtype -> compressor.compress
# --------------------------------------------------------------------------------------------------------------


def scale_param_dtype(w):
    return w.dtype if w.dtype in (torch.float16, torch.bfloat16, torch.float32) else torch.float16


def quantize_linear(w, a, fmt, fused_minmax=None):
    """Returns {suffix: tensor} exactly as the compressor writes them. fused_minmax: (min, max) of the fused
    group (q/k/v, gate/up) for the tensor_group global scale, or None for the tensor itself."""
    global_scale = None
    if a["strategy"] == "tensor_group":
        gmin, gmax = fused_minmax if fused_minmax is not None else torch.aminmax(w)
        global_scale = generate_gparam(gmin, gmax)
    mn, mx = observe(w, a)
    scale, zp = calculate_qparams(mn, mx, a, global_scale)
    # update_offload_parameter copies into the parameters initialized by initialize_qparams
    scale = scale.to(scale_param_dtype(w))
    zp = zp.to(zp_dtype(a))
    out = {}
    if fmt in ("float-quantized", "int-quantized", "naive-quantized", "mxfp8-quantized"):
        q = quantize(w, scale, zp, a, dtype=pytorch_dtype(a))
        out["weight"] = q
        out["weight_scale"] = compress_mx_scale(scale) if fmt == "mxfp8-quantized" else scale
        if not a["symmetric"]:
            out["weight_zero_point"] = zp
    elif fmt == "pack-quantized":
        q = quantize(w, scale, zp, a, dtype=torch.int8)
        out["weight_packed"] = pack_to_int32(q, a["num_bits"])
        out["weight_scale"] = scale
        out["weight_shape"] = torch.tensor(w.shape)
        if not a["symmetric"]:  # PACK_ZP_STRATS: only group/channel zero points are packed
            packs = a["strategy"] in ("group", "channel")
            out["weight_zero_point"] = pack_to_int32(zp, a["num_bits"], packed_dim=0) if packs else zp
    elif fmt in ("nvfp4-pack-quantized", "mxfp4-pack-quantized"):
        q = quantize(w, scale, zp, a, global_scale=global_scale)
        out["weight_packed"] = pack_fp4_to_uint8(q)
        if fmt == "nvfp4-pack-quantized":
            out["weight_scale"] = scale.to(FP8)
            out["weight_global_scale"] = global_scale
        else:
            out["weight_scale"] = compress_mx_scale(scale)
    else:
        raise ValueError(fmt)
    return out


def write_manifest(path, header, cases):
    """One case per line so diffs stay readable; the scheme arguments are listed once."""
    used = sorted({c["scheme"] for c in cases})
    schemes = {n: {"format": SCHEMES[n][1], "weights": SCHEMES[n][0]} for n in used}
    with open(path, "w") as f:
        f.write("{\n")
        for k, v in header.items():
            f.write(f" {json.dumps(k)}: {json.dumps(v)},\n")
        f.write(' "schemes": {\n')
        f.write(",\n".join(f"  {json.dumps(n)}: {json.dumps(schemes[n], sort_keys=True)}" for n in used))
        f.write("\n },\n")
        f.write(' "cases": [\n')
        f.write(",\n".join("  " + json.dumps(c, sort_keys=True) for c in cases))
        f.write("\n ]\n}\n")


def tensor_bytes(t):
    """The bytes safetensors stores for t (row-major, little-endian)."""
    flat = torch.empty(t.numel(), dtype=t.dtype)
    flat.copy_(t.reshape(-1))
    return flat.view(torch.uint8).numpy().tobytes()


def describe(t):
    return {"dtype": ST_DTYPE[t.dtype], "shape": list(t.shape), "sha256": hashlib.sha256(tensor_bytes(t)).hexdigest()}


# --------------------------------------------------------------------------------------------------------------
# Seeded random inputs with the cases that break naive ports
# --------------------------------------------------------------------------------------------------------------


def tiled(base, cols):
    reps = math.ceil(cols / len(base))
    return torch.tensor(base * reps, dtype=torch.float32)[:cols]


def nasty(rows, cols, g):
    w = torch.randn(rows, cols, generator=g) * 0.02
    fp8_mid = [1.0625, -1.1875, 0.0625 + 2 ** -8, 2 ** -10, -(2 ** -10), 3 * 2 ** -10, 448.0, -447.0,
               1.0, 240.0, 232.0, -0.0, 0.0, 2 ** -9, 1.5 * 2 ** -9, 104.0]
    patterns = [
        [0.0],                                                            # all-zero row
        [0.0, -0.0, 1e-3, -1e-3, -0.0, 0.0, 2e-3, -0.0],                   # signed zeros
        [3.0e38, -1.0e30, 1.0, -2.0e38, 5.0, 0.0, -3.3e38, 7.0],           # huge magnitudes
        [1e-40, -2e-40, 1e-39, -5e-41, 0.0, 9e-39, -1e-38, 3e-39],         # bf16 subnormals
        [127.5, -127.5, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 126.5, -126.5, 3.5, 100.5, -64.5, 7.0, 0.0, -3.5],
        [7.5, -7.5, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 6.5, -6.5, 3.5, 4.5, -4.5, 5.5, -5.5, 0.0],
        fp8_mid,
        [448.0, -1e-4, -2e-3, -1e-5, 1e-4, -0.0, -3e-3, -5e-5],            # negatives rounding to zero
        [6.0, 0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5.0, -0.25, -0.75, -1.25, -1.75, -2.5, -3.5, -5.0, -6.0],
        [-0.03, -0.01, -0.02, -0.005, -0.04, -0.001, -0.025, -0.015],       # all negative
        [0.015625],                                                       # constant row
        [1.0, 2.0, 4.0, 8.0, 16.0, 0.75, 0.875, 1.75],                      # powers of two / MX rounding
        [-6.0, 0.5, -0.2, 0.3, -0.26, 0.74, -0.76, 1.24],                   # fp4 near-thresholds
        [65504.0, -65504.0, 1.0, -1.0, 70000.0, 0.0, 1e5, -1e5],           # beyond f16 range (bf16 only)
    ]
    for i, p in enumerate(patterns):
        if i < rows:
            w[i] = tiled(p, cols)
    return w


def wide_range(rows, cols, g):
    mag = torch.exp(torch.empty(rows, cols).uniform_(math.log(1e-8), math.log(1e4), generator=g))
    sign = torch.where(torch.rand(rows, cols, generator=g) < 0.5, -1.0, 1.0)
    return mag * sign


def random_inputs():
    g = torch.Generator().manual_seed(20260907)
    bf = torch.bfloat16
    t = {
        "normal_64x256": (torch.randn(64, 256, generator=g) * 0.02).to(bf),
        "nasty_16x256": nasty(16, 256, g).to(bf),
        "nasty_16x512": nasty(16, 512, g)[torch.randperm(16, generator=g)].to(bf),
        "zeros_16x128": torch.zeros(16, 128, dtype=bf),
        "wide_32x512": wide_range(32, 512, g).to(bf),
        "odd_37x384": (torch.randn(37, 384, generator=g) * 0.05).to(bf),
        "block_130x300": (torch.randn(130, 300, generator=g) * 0.03).to(bf),
        "block_257x130": wide_range(257, 130, g).to(bf),
        "qkv_q_32x256": (torch.randn(32, 256, generator=g) * 0.02).to(bf),
        "qkv_k_16x256": (torch.randn(16, 256, generator=g) * 0.05).to(bf),
        "qkv_v_16x256": (torch.randn(16, 256, generator=g) * 0.11).to(bf),
        "normal_f16_32x256": (torch.randn(32, 256, generator=g) * 0.02).to(torch.float16),
        "nasty_f16_13x256": nasty(13, 256, g).to(torch.float16),
        "normal_f32_32x256": (torch.randn(32, 256, generator=g) * 0.02).to(torch.float32),
        "nasty_f32_16x256": nasty(16, 256, g).to(torch.float32),
    }
    return t


def applicable(w, a):
    cols = w.shape[1]
    if a["strategy"] in ("group", "tensor_group") and cols % a["group_size"] != 0:
        return False
    return True


def random_cases(out_dir):
    inputs = random_inputs()
    os.makedirs(out_dir, exist_ok=True)
    save_file({k: v.contiguous() for k, v in inputs.items()}, os.path.join(out_dir, "random.safetensors"))
    fused = ["qkv_q_32x256", "qkv_k_16x256", "qkv_v_16x256"]
    cases = []
    for name, w in inputs.items():
        for scheme, (a, fmt) in SCHEMES.items():
            if not applicable(w, a):
                continue
            case = {"tensor": name, "scheme": scheme}
            fused_minmax = None
            if a["strategy"] == "tensor_group" and name in fused:
                case["fused_with"] = fused
                mins, maxs = zip(*(torch.aminmax(inputs[n]) for n in fused))
                fused_minmax = (torch.stack(mins).min(), torch.stack(maxs).max())
            outs = quantize_linear(w, a, fmt, fused_minmax)
            case["outputs"] = {k: describe(v) for k, v in outs.items()}
            cases.append(case)
    write_manifest(os.path.join(out_dir, "random-expected.json"),
                   {"generator": "tools/ct_reference.py random", "input": "random.safetensors"}, cases)
    print(f"{len(cases)} cases, {sum(len(c['outputs']) for c in cases)} output tensors")


# --------------------------------------------------------------------------------------------------------------
# Family fixtures: every Linear listed in expected.json, each preset that applies to it
# --------------------------------------------------------------------------------------------------------------

FUSED_SIBLINGS = [("q_proj", "k_proj", "v_proj"), ("gate_proj", "up_proj"), ("q_a_proj", "kv_a_proj_with_mqa"),
                  ("w1", "w3")]


def fused_members(name, linears):
    parent, _, leaf = name.rpartition(".")
    for group in FUSED_SIBLINGS:
        if leaf in group:
            members = [f"{parent}.{m}" for m in group if f"{parent}.{m}" in linears]
            if len(members) > 1:
                return members
    return None


def fixture_cases(root):
    # one directory per family: the _legacy/_native variants hold the same weights under other key layouts
    fams = sorted(d for d in os.listdir(root) if os.path.isfile(os.path.join(root, d, "expected.json"))
                  and not d.endswith(("_legacy", "_native")))
    for fam in fams:
        d = os.path.join(root, fam)
        with open(os.path.join(d, "expected.json")) as f:
            exp = json.load(f)
        tensors = load_file(os.path.join(d, "model.safetensors"))
        linears = linear_weight_names(exp, tensors)
        cases = []
        for mod in linears:
            w = tensors[mod + ".weight"]
            for scheme, (a, fmt) in PRESETS.items():
                if not applicable(w, a):
                    continue
                case = {"tensor": mod + ".weight", "scheme": scheme}
                fused_minmax = None
                members = fused_members(mod, linears) if a["strategy"] == "tensor_group" else None
                if members:
                    case["fused_with"] = [m + ".weight" for m in members]
                    mins, maxs = zip(*(torch.aminmax(tensors[m + ".weight"]) for m in members))
                    fused_minmax = (torch.stack(mins).min(), torch.stack(maxs).max())
                outs = quantize_linear(w, a, fmt, fused_minmax)
                case["outputs"] = {k: describe(v) for k, v in outs.items()}
                cases.append(case)
        write_manifest(os.path.join("src/test/resources/quant/fixtures", f"{fam}-expected.json"),
                       {"generator": "tools/ct_reference.py fixtures", "family": fam,
                        "input": f"fixtures/{fam}/model.safetensors"}, cases)
        print(f"{fam}: {len(linears)} linears, {len(cases)} cases")


def linear_weight_names(exp, tensors):
    """Checkpoint prefixes of every Linear the fixture's expected.json lists (module name -> checkpoint prefix)."""
    names = list(exp["linear_modules"].values())
    return [n for n in names if n + ".weight" in tensors and tensors[n + ".weight"].ndim == 2]


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    if argv[1] == "random":
        random_cases("src/test/resources/quant")
    elif argv[1] == "fixtures":
        os.makedirs("src/test/resources/quant/fixtures", exist_ok=True)
        fixture_cases(argv[2] if len(argv) > 2 else "src/test/resources/fixtures")
    elif argv[1] == "dump":
        w = load_file(argv[2])[argv[3]]
        a, fmt = SCHEMES[argv[4]]
        save_file({k: v.contiguous() for k, v in quantize_linear(w, a, fmt).items()}, argv[5])
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
