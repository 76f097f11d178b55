#!/usr/bin/env python3
"""Reference vectors for vlmq.numeric's scalar codecs, produced by real PyTorch.

Run from the repository root:  python3 tools/gen_codec_vectors.py
Writes src/test/resources/numeric/codec-vectors.bin.gz (read by vlmq.numeric.CodecVectorsTest).

What is in it
  inputs      f32 values, in four groups (sizes in the "groups" section):
                1. all 65536 bf16 bit patterns widened to f32 (bits << 16): these include every E4M3/E5M2/E8M0/FP4
                   value and every tie between neighbours of those types, subnormal ties included;
                2. all 65536 binary16 bit patterns widened to f32 exactly (NaNs quieted, payload kept): they
                   include bf16 ties over the f16 exponent range;
                3. specials: bf16 and f16 ties (plus their f32 neighbours) across every exponent, f32 subnormals,
                   +-0, NaNs with several payloads and signs, +-Inf, the saturation edges of every type;
                4. random f32 values (fixed seed): raw bit patterns, scaled normals, and values around +-500.
  to_bf16     x.to(torch.bfloat16)        u16 per input
  to_f16      x.to(torch.float16)         u16 per input
  to_e4m3fn   x.to(torch.float8_e4m3fn)   u8 per input
  to_e5m2     x.to(torch.float8_e5m2)     u8 per input
  to_e8m0     x.to(torch.float8_e8m0fnu)  u8 per input
  to_fp4      compressed-tensors cast_to_fp4 then pack_fp4_to_uint8's code mapping (thresholds applied in f32,
              as released compressed-tensors 0.18 does), u8 per input; 0xFF where upstream is undefined (NaN).
  dec_bf16    all 65536 bf16 patterns .to(torch.float32), f32 bits
  dec_f16     all 65536 binary16 patterns .to(torch.float32), f32 bits
  dec_e4m3fn, dec_e5m2, dec_e8m0   all 256 codes .to(torch.float32), f32 bits
  dec_fp4     the 16 codes through compressed-tensors' unpack_fp4_from_uint8 value mapping, f32 bits
  pack_fp4    256 bytes: entry i is pack_fp4_to_uint8 of the pair (even element = code i & 15, odd = code i >> 4),
              given as decoded values, so -0.0 is packed through torch.signbit as upstream does

File layout (gzip of): magic b"VLMQVEC1", u32 section count, then per section:
  u16 name length, name (ASCII), u32 element size in bytes, u32 element count, elements (little-endian).

PyTorch details that shape the data (torch 2.13, CPU):
  * torch's x86 vectorised float->bf16 copy writes 0xFFFF for NaN while c10::BFloat16 (scalar path, arithmetic
    results, ATEN_CPU_CAPABILITY=default) writes 0x7FC0. This script runs with ATEN_CPU_CAPABILITY=default so the
    canonical 0x7FC0 is recorded; with the AVX512 kernels only NaN rows differ.
  * torch's binary16->f32 decode of NaN quiets it and keeps the payload in vectorised lanes but gives 0x7FFFFFFF in
    scalar tails; the 65536-element decode runs fully vectorised, and the script checks the NaN rows follow the
    quiet-with-payload rule.
"""
import gzip
import os
import struct

os.environ.setdefault("ATEN_CPU_CAPABILITY", "default")  # must precede the torch import

import numpy as np
import torch

SEED = 20250917
OUT = os.path.join("src", "test", "resources", "numeric", "codec-vectors.bin.gz")


def f32_from_bits(bits):
    return np.asarray(bits, dtype=np.uint32).view(np.float32)


def bits_of(values):
    return np.asarray(values, dtype=np.float32).view(np.uint32)


def f16_pattern_inputs():
    """All binary16 patterns widened exactly; NaNs quieted with the payload kept (IEEE widening)."""
    h = np.arange(65536, dtype=np.uint32)
    widened = bits_of(h.astype(np.uint16).view(np.float16).astype(np.float32))
    nan = ((h & 0x7C00) == 0x7C00) & ((h & 0x3FF) != 0)
    quiet = ((h & 0x8000) << 16) | 0x7FC00000 | ((h & 0x3FF) << 13)
    return np.where(nan, quiet, widened).astype(np.uint32)


def ties_with_neighbours(lower_bits, step_bits):
    """Exact midpoints between x (f32 bits) and the next value of a type whose ulp at x is 2**step, plus the f32
    neighbours of each midpoint."""
    out = []
    for lo, shift in zip(lower_bits, step_bits):
        lo_f = f32_from_bits([lo])[0].astype(np.float64)
        mid = np.float32(lo_f + 2.0 ** (shift - 1) * (1 if lo_f >= 0 else -1))
        assert float(mid) == lo_f + 2.0 ** (shift - 1) * (1 if lo_f >= 0 else -1), "midpoint must be exact in f32"
        m = int(bits_of([mid])[0])
        out += [m, m - 1, m + 1]
    return out


def specials(rng, f16_inputs):
    values = []
    # bf16 ties: per exponent field, a few mantissas at each end and some random ones, both signs.
    lows, steps = [], []
    for sign in (0, 0x8000):
        for e in range(0, 255):
            mants = sorted({0, 1, 2, 0x7D, 0x7E, 0x7F} | set(int(v) for v in rng.integers(0, 128, 4)))
            for m in mants:
                if e == 254 and m == 0x7F:
                    continue  # next value is Inf; covered by the overflow tie below
                lows.append(((sign | e << 7 | m) << 16))
                steps.append((e if e > 0 else 1) - 127 - 7)
    values += ties_with_neighbours(lows, steps)
    values += [0x7F7F8000, 0xFF7F8000, 0x7F7F7FFF, 0x7F7FFFFF, 0xFF7FFFFF]  # bf16 overflow tie and max-float
    # f16 ties: per exponent field 0..30, both signs.
    lows, steps = [], []
    for sign in (0, 0x8000):
        for e in range(0, 31):
            mants = sorted({0, 1, 2, 0x3FD, 0x3FE, 0x3FF} | set(int(v) for v in rng.integers(0, 1024, 6)))
            for m in mants:
                if e == 30 and m == 0x3FF:
                    continue
                h = sign | e << 10 | m
                lows.append(int(f16_inputs[h]))
                steps.append((e if e > 0 else 1) - 15 - 10)
    values += ties_with_neighbours(lows, steps)
    values += list(bits_of([65504.0, 65519.996, 65520.0, 65520.004, -65520.0]))  # f16 overflow tie
    # f32 subnormals, zeros.
    values += [0x00000001, 0x00000002, 0x003FFFFF, 0x00400000, 0x00400001, 0x005FFFFF, 0x00600000, 0x007FFFFF,
               0x00800000, 0x80000001, 0x80400001, 0x807FFFFF, 0x00000000, 0x80000000]
    values += [int(v) for v in rng.integers(1, 0x00800000, 200)]
    values += [int(v) | 0x80000000 for v in rng.integers(1, 0x00800000, 100)]
    # NaNs with payloads, infinities.
    values += [0x7FC00000, 0xFFC00000, 0x7F800001, 0xFF800001, 0x7FA12345, 0xFFA12345, 0x7FBFFFFF, 0x7FC00001,
               0x7FFFFFFF, 0xFFFFFFFF, 0x7F802000, 0x7F801FFF, 0x7FE00000, 0x7F800000, 0xFF800000]
    # Saturation edges and type limits (both signs).
    edges = [448.0, 464.0, 479.99, 480.0, 496.0, 512.0, 1e6, 57344.0, 61439.996, 61440.0, 61440.004, 65536.0,
             6.0, 5.0, 6.5, 7.0, 1e30, 3.4028235e38, 2.0 ** 127, 1.5 * 2.0 ** 127, 1.4999999 * 2.0 ** 127,
             2.0 ** -6, 2.0 ** -9, 2.0 ** -10, 1.5 * 2.0 ** -10, 2.0 ** -14, 2.0 ** -16, 2.0 ** -17, 2.0 ** -24,
             2.0 ** -25, 2.0 ** -126, 2.0 ** -127, 2.0 ** -133, 2.0 ** -149, 0.25, 0.75, 1.25, 1.75, 2.5, 3.5]
    for v in edges:
        b = int(bits_of([v])[0])
        for d in (b - 1, b, b + 1):
            values += [d, d | 0x80000000]
    return values


def random_inputs(rng):
    raw = rng.integers(0, 2 ** 32, 10000, dtype=np.uint64).astype(np.uint32)
    scaled = (rng.standard_normal(10000) * np.exp2(rng.integers(-30, 30, 10000))).astype(np.float32)
    around_fp8 = rng.uniform(-520.0, 520.0, 10000).astype(np.float32)
    return list(raw) + list(bits_of(scaled)) + list(bits_of(around_fp8))


def cast_to_fp4(x):
    """compressed-tensors' cast_to_fp4 (quantization/utils/fp4_utils.py), eager, thresholds in x's dtype."""
    sign = torch.sign(x)
    abs_x = torch.abs(x)
    result = torch.where(abs_x <= 0.25, 0.0, torch.empty_like(x))
    result = torch.where(abs_x > 0.25, 0.5, result)
    result = torch.where(abs_x >= 0.75, 1.0, result)
    result = torch.where(abs_x > 1.25, 1.5, result)
    result = torch.where(abs_x >= 1.75, 2.0, result)
    result = torch.where(abs_x > 2.5, 3.0, result)
    result = torch.where(abs_x >= 3.5, 4.0, result)
    result = torch.where(abs_x > 5.0, 6.0, result)
    return result * sign


E2M1 = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0]


def fp4_codes(x):
    """The 4-bit codes pack_fp4_to_uint8 (compressors/nvfp4/helpers.py) assigns to already-rounded values."""
    table = torch.tensor(E2M1, dtype=x.dtype)
    index = torch.argmin(torch.abs(torch.abs(x).unsqueeze(-1) - table), dim=-1)
    return index + (torch.signbit(x).to(torch.long) << 3)


def pack_fp4_to_uint8(x):
    """compressed-tensors' pack_fp4_to_uint8 (compressors/nvfp4/helpers.py), eager."""
    m, n = x.shape
    indices = fp4_codes(x).reshape(-1, 2)
    return (indices[:, 0] | (indices[:, 1] << 4)).to(torch.uint8).reshape(m, n // 2)


def fp4_decode(codes):
    """unpack_fp4_from_uint8's value mapping for single codes."""
    signs = (codes & 0x08).to(torch.bool)
    return torch.tensor(E2M1, dtype=torch.float32)[codes & 0x07] * torch.where(signs, -1.0, 1.0)


def as_u(t, width):
    view = {1: torch.uint8, 2: torch.int16, 4: torch.int32}[width]
    dtype = {1: np.uint8, 2: np.uint16, 4: np.uint32}[width]
    return t.contiguous().view(view).numpy().view(dtype)


def main():
    rng = np.random.default_rng(SEED)
    bf16_patterns = (np.arange(65536, dtype=np.uint32) << 16).astype(np.uint32)
    f16_inputs = f16_pattern_inputs()
    special = np.array(specials(rng, f16_inputs), dtype=np.uint32)
    rand = np.array(random_inputs(rng), dtype=np.uint32)
    inputs = np.concatenate([bf16_patterns, f16_inputs, special, rand]).astype(np.uint32)
    x = torch.from_numpy(inputs.view(np.int32).copy()).view(torch.float32)
    assert np.array_equal(as_u(x, 4), inputs), "inputs must survive the tensor round trip bit for bit"

    fp4 = fp4_codes(cast_to_fp4(x)).numpy().astype(np.uint8)
    fp4[torch.isnan(x).numpy()] = 0xFF

    all_bf16 = torch.from_numpy(np.arange(65536, dtype=np.uint16).view(np.int16).copy())
    codes = torch.from_numpy(np.arange(256, dtype=np.uint8))
    dec_f16 = as_u(all_bf16.view(torch.float16).to(torch.float32), 4)
    h = np.arange(65536, dtype=np.uint32)
    nan16 = ((h & 0x7C00) == 0x7C00) & ((h & 0x3FF) != 0)
    assert np.array_equal(dec_f16[nan16], f16_inputs[nan16]), "f16 NaN decode left the vector path"

    pair = torch.arange(256)
    pair_values = fp4_decode(torch.stack([pair & 15, pair >> 4], dim=1))  # row i = (even code i&15, odd code i>>4)

    sections = [
        ("groups", 4, np.array([len(bf16_patterns), 65536, len(special), len(rand)], dtype=np.uint32)),
        ("inputs", 4, inputs),
        ("to_bf16", 2, as_u(x.to(torch.bfloat16), 2)),
        ("to_f16", 2, as_u(x.to(torch.float16), 2)),
        ("to_e4m3fn", 1, as_u(x.to(torch.float8_e4m3fn), 1)),
        ("to_e5m2", 1, as_u(x.to(torch.float8_e5m2), 1)),
        ("to_e8m0", 1, as_u(x.to(torch.float8_e8m0fnu), 1)),
        ("to_fp4", 1, fp4),
        ("dec_bf16", 4, as_u(all_bf16.view(torch.bfloat16).to(torch.float32), 4)),
        ("dec_f16", 4, dec_f16),
        ("dec_e4m3fn", 4, as_u(codes.view(torch.float8_e4m3fn).to(torch.float32), 4)),
        ("dec_e5m2", 4, as_u(codes.view(torch.float8_e5m2).to(torch.float32), 4)),
        ("dec_e8m0", 4, as_u(codes.view(torch.float8_e8m0fnu).to(torch.float32), 4)),
        ("dec_fp4", 4, as_u(fp4_decode(torch.arange(16)), 4)),
        ("pack_fp4", 1, as_u(pack_fp4_to_uint8(pair_values), 1).reshape(-1)),
    ]
    body = bytearray(b"VLMQVEC1" + struct.pack("<I", len(sections)))
    for name, width, data in sections:
        data = np.ascontiguousarray(data).astype({1: "<u1", 2: "<u2", 4: "<u4"}[width])
        body += struct.pack("<H", len(name)) + name.encode("ascii") + struct.pack("<II", width, data.size)
        body += data.tobytes()
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "wb") as f:
        f.write(gzip.compress(bytes(body), compresslevel=9, mtime=0))
    print(f"torch {torch.__version__}, capability {torch.backends.cpu.get_cpu_capability()}: "
          f"{inputs.size} inputs ({special.size} specials, {rand.size} random), {os.path.getsize(OUT)} bytes -> {OUT}")


if __name__ == "__main__":
    main()
