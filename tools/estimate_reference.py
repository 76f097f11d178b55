#!/usr/bin/env python3
"""Writes transformers' own tensor list for each public config under src/test/resources/estimate/ (no downloads).

For every <name>/config.json: the model is built on the meta device with transformers (no weights, no memory),
and <name>/transformers.json records its state dict as vlmq estimate should synthesize it from the config alone:
  tensors     number of state-dict entries (a tied lm_head is left out, as checkpoints leave it out)
  parameters  their total element count
  sha256      SHA-256 of the sorted lines "<name> [d0, d1, ...]\\n", one per tensor
transformers does not build Qwen3.5's mtp.* head (it skips those keys on load), so the Java side compares its list
without mtp.* against these figures. Deterministic: no randomness is involved.

Usage: python3 tools/estimate_reference.py [--dir src/test/resources/estimate]
"""
import argparse
import hashlib
import json
import os

import torch
import transformers as T


def reference(config_path):
    config = T.AutoConfig.from_pretrained(os.path.dirname(config_path))
    with torch.device("meta"):
        model = T.AutoModelForImageTextToText.from_config(config)
    state = model.state_dict()
    if model.get_output_embeddings().weight is model.get_input_embeddings().weight:
        state.pop("lm_head.weight", None)
    lines = sorted(f"{name} [{', '.join(str(d) for d in t.shape)}]\n" for name, t in state.items())
    return {
        "transformers_version": T.__version__,
        "tensors": len(lines),
        "parameters": sum(t.numel() for t in state.values()),
        "sha256": hashlib.sha256("".join(lines).encode()).hexdigest(),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", default="src/test/resources/estimate")
    args = parser.parse_args()
    for name in sorted(os.listdir(args.dir)):
        config_path = os.path.join(args.dir, name, "config.json")
        if not os.path.isfile(config_path):
            continue
        ref = reference(config_path)
        with open(os.path.join(args.dir, name, "transformers.json"), "w") as f:
            json.dump(ref, f, indent=2)
            f.write("\n")
        print(name, ref)


if __name__ == "__main__":
    main()
