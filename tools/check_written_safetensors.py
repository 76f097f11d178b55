#!/usr/bin/env python3
"""Checks that Python's safetensors (and the transformers index convention) read what vlmq's writer wrote.

Run tools/WriteSampleCheckpoint.java first (see its header), then: python3 tools/check_written_safetensors.py DIR
Checks: the index lists exactly the tensors of its shards with the right file and total_size; every file
opens with safe_open and safetensors.torch.load_file; __metadata__ is {"format": "pt"}; dtype, shape and every
byte match what WriteSampleCheckpoint wrote; each tensor's data is aligned to its element size in the file.
"""
import json
import os
import struct
import sys

import torch
from safetensors import safe_open
from safetensors.torch import load_file

TORCH_DTYPES = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
                "F8_E4M3": torch.float8_e4m3fn, "F8_E5M2": torch.float8_e5m2, "F8_E8M0": torch.float8_e8m0fnu,
                "F4": torch.float4_e2m1fn_x2, "I64": torch.int64, "I32": torch.int32, "I16": torch.int16,
                "I8": torch.int8, "U8": torch.uint8, "BOOL": torch.bool, "U16": torch.uint16,
                "U32": torch.uint32, "U64": torch.uint64}


def expected_bytes(k: int, dtype: str, n: int) -> bytes:
    return bytes(((37 * k + 11 * j) & 0xFF) & (1 if dtype == "BOOL" else 0xFF) for j in range(n))


def header(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        return n, json.loads(f.read(n))


def main(folder):
    index_path = os.path.join(folder, "model.safetensors.index.json")
    if os.path.exists(index_path):
        with open(index_path) as f:
            index = json.load(f)
        files = sorted(set(index["weight_map"].values()))
    else:
        index, files = None, ["model.safetensors"]
    seen, total = {}, 0
    for name in files:
        path = os.path.join(folder, name)
        n, head = header(path)
        assert (8 + n) % 8 == 0, f"{name}: data section not 8-byte aligned"
        assert head.get("__metadata__") == {"format": "pt"}, head.get("__metadata__")
        loaded = load_file(path)
        with safe_open(path, "pt") as f:
            assert f.metadata() == {"format": "pt"}
            for key in f.keys():
                t = f.get_tensor(key)
                entry = head[key]
                k = int(key.split(".")[0][1:])
                begin, end = entry["data_offsets"]
                size = t.element_size() if entry["dtype"] != "F4" else 1
                assert (8 + n + begin) % size == 0, f"{key}: misaligned"
                assert t.dtype == TORCH_DTYPES[entry["dtype"]], (key, t.dtype)
                shape = list(t.shape) if entry["dtype"] != "F4" else list(t.shape[:-1]) + [t.shape[-1] * 2]
                assert shape == entry["shape"], (key, shape, entry["shape"])
                raw = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
                assert raw == expected_bytes(k, entry["dtype"], end - begin), f"{key}: bytes differ"
                assert torch.equal(loaded[key].reshape(-1).view(torch.uint8), t.reshape(-1).view(torch.uint8))
                assert key not in seen
                seen[key] = name
                total += end - begin
    if index is not None:
        assert index["weight_map"] == seen, "index and shards disagree"
        assert index["metadata"]["total_size"] == total, (index["metadata"], total)
    print(f"OK: {len(files)} file(s), {len(seen)} tensors, {total} data bytes read by safetensors "
          f"{__import__('safetensors').__version__} / torch {torch.__version__}")


if __name__ == "__main__":
    main(sys.argv[1])
