#!/usr/bin/env python3
"""Writes a random-weight Qwen2.5-VL checkpoint for bench/engine.sh from a config.json, the way transformers saves
it: the model class built from the config (seed 1234, transformers' own initialisation), cast to bf16,
`save_pretrained` (safetensors), plus Qwen2.5-VL-Instruct's preprocessor_config.json so the engine and transformers
preprocess images alike. Used where `vlmq synth` is not available.

Usage: python3 tools/make_bench_model.py --config bench/configs/qwen2_5_vl_mid.json --out bench/out/qwen2_5_vl_mid
"""
import argparse
import json
import os

import torch
import transformers as T

SEED = 1234

# Qwen2.5-VL-*-Instruct preprocessor_config.json values (as tools/make_demo.py writes them).
PREPROCESSOR = {
    "min_pixels": 3136,
    "max_pixels": 12845056,
    "patch_size": 14,
    "temporal_patch_size": 2,
    "merge_size": 2,
    "image_mean": [0.48145466, 0.4578275, 0.40821073],
    "image_std": [0.26862954, 0.26130258, 0.27577711],
    "image_processor_type": "Qwen2VLImageProcessor",
    "processor_class": "Qwen2_5_VLProcessor",
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    with open(args.config) as f:
        config = T.Qwen2_5_VLConfig(**json.load(f))
    torch.manual_seed(SEED)
    model = T.Qwen2_5_VLForConditionalGeneration(config).to(torch.bfloat16).eval()
    model.save_pretrained(args.out)
    with open(os.path.join(args.out, "preprocessor_config.json"), "w") as f:
        json.dump(PREPROCESSOR, f, indent=2)
        f.write("\n")
    print(f"wrote {args.out}: {sum(p.numel() for p in model.parameters()) / 1e6:.1f}M parameters")


if __name__ == "__main__":
    main()
