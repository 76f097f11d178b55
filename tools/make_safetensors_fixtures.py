#!/usr/bin/env python3
"""Writes the safetensors fixtures that vlmq's reader and writer are checked against.

Output (committed) under src/test/resources/io/safetensors/:
  single/model.safetensors   one file with every dtype vlmq knows, a scalar and an empty tensor,
                             saved by safetensors.torch.save_file(metadata={"format": "pt"})
  sharded/                   three shards plus model.safetensors.index.json, split by huggingface_hub's
                             split_torch_state_dict_into_shards (one tensor is larger than the maximum
                             and gets a shard of its own), each shard saved as above and the index written
                             as transformers' save_pretrained writes it (json.dumps(indent=2, sort_keys=True))
  expected.json              per fixture: the state-dict order, max_shard_size, and for every tensor its
                             dtype, shape and raw bytes (hex) taken from torch, not from the files

Run from the repository root: python3 tools/make_safetensors_fixtures.py
"""
import json
import os
import struct

import torch
from huggingface_hub import split_torch_state_dict_into_shards
from safetensors.torch import save_file

ROOT = os.path.join("src", "test", "resources", "io", "safetensors")
METADATA = {"format": "pt"}


def raw_bytes(t: torch.Tensor) -> bytes:
    return t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""


def header_dtype_and_shape(path: str, name: str):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        entry = json.loads(f.read(n))[name]
    return entry["dtype"], entry["shape"]


def single_state_dict(g: torch.Generator) -> dict:
    def randn(*shape):
        return torch.randn(*shape, generator=g)

    def ints(lo, hi, shape, dtype):
        return torch.randint(lo, hi, shape, generator=g, dtype=torch.int64).to(dtype)

    sd = {
        "f64": randn(3).double(),
        "f32": randn(2, 3),
        "f16": randn(4).half(),
        "bf16": randn(3, 2).bfloat16(),
        "f8_e4m3": (randn(2, 4) * 8).to(torch.float8_e4m3fn),
        "f8_e5m2": (randn(5) * 8).to(torch.float8_e5m2),
        "f8_e8m0": torch.tensor([0.25, 1.0, 8.0], dtype=torch.float32).to(torch.float8_e8m0fnu),
        # float4_e2m1fn_x2 holds two FP4 values per element: safetensors stores it as F4 with twice the last dim.
        "f4": ints(0, 256, (2, 3), torch.uint8).view(torch.float4_e2m1fn_x2),
        "i64": ints(-(2**40), 2**40, (2,), torch.int64),
        "i32": ints(-(2**30), 2**30, (3,), torch.int32),
        "i16": ints(-(2**14), 2**14, (2, 2), torch.int16),
        "i8": ints(-128, 128, (7,), torch.int8),
        "u8": ints(0, 256, (5,), torch.uint8),
        "u16": ints(0, 2**16, (3,), torch.uint16),
        "u32": ints(0, 2**31, (2,), torch.uint32),
        "u64": ints(0, 2**40, (2,), torch.uint64),
        "bool": ints(0, 2, (6,), torch.bool),
        "scalar": torch.tensor(3.5),
        "empty": torch.zeros(0, 3),
    }
    return dict(sorted(sd.items()))


def sharded_state_dict(g: torch.Generator) -> dict:
    sd = {f"model.layers.{i}.mlp.up_proj.weight": torch.randn(4, 8, generator=g).bfloat16() for i in range(4)}
    sd["model.embed_tokens.weight"] = torch.randn(16, 16, generator=g)  # 1024 bytes: over the maximum
    sd["model.norm.weight"] = torch.randn(8, generator=g)
    sd["lm_head.weight_scale"] = torch.randn(4, 1, generator=g)
    # Names that need escaping: non-ASCII (raw in headers, \\u in the index), a quote, a backslash, a tab.
    sd["visual.blöcks.0.weight"] = torch.randn(2, 2, generator=g).half()
    sd['odd "name" \\ with\ttab'] = torch.arange(4, dtype=torch.int32)
    return dict(sorted(sd.items()))


def describe(folder: str, sd: dict, files: dict) -> dict:
    tensors = {}
    for name, t in sd.items():
        dtype, shape = header_dtype_and_shape(os.path.join(folder, files[name]), name)
        tensors[name] = {"dtype": dtype, "shape": shape, "file": files[name], "hex": raw_bytes(t).hex()}
    return tensors


def main():
    g = torch.Generator().manual_seed(20240607)
    expected = {}

    single_dir = os.path.join(ROOT, "single")
    os.makedirs(single_dir, exist_ok=True)
    sd = single_state_dict(g)
    save_file(sd, os.path.join(single_dir, "model.safetensors"), metadata=METADATA)
    expected["single"] = {
        "order": list(sd),
        "metadata": METADATA,
        "tensors": describe(single_dir, sd, {k: "model.safetensors" for k in sd}),
    }

    sharded_dir = os.path.join(ROOT, "sharded")
    os.makedirs(sharded_dir, exist_ok=True)
    sd = sharded_state_dict(g)
    max_shard_size = 256
    split = split_torch_state_dict_into_shards(sd, filename_pattern="model{suffix}.safetensors",
                                               max_shard_size=max_shard_size)
    assert split.is_sharded
    for filename, names in split.filename_to_tensors.items():
        save_file({n: sd[n] for n in names}, os.path.join(sharded_dir, filename), metadata=METADATA)
    index = {"metadata": dict(split.metadata), "weight_map": split.tensor_to_filename}
    with open(os.path.join(sharded_dir, "model.safetensors.index.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(index, indent=2, sort_keys=True) + "\n")
    expected["sharded"] = {
        "order": list(sd),
        "metadata": METADATA,
        "max_shard_size": max_shard_size,
        "files": list(split.filename_to_tensors),
        "tensors": describe(sharded_dir, sd, split.tensor_to_filename),
    }

    with open(os.path.join(ROOT, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")
    for folder, _, names in sorted(os.walk(ROOT)):
        for n in sorted(names):
            print(os.path.join(folder, n), os.path.getsize(os.path.join(folder, n)))


if __name__ == "__main__":
    main()
