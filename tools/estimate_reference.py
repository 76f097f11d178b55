#!/usr/bin/env python3
"""Writes transformers' own tensor list for each public config under src/test/resources/estimate/ (no downloads).

For every <name>/config.json: the model is built on the meta device with transformers (no weights, no memory),
and <name>/transformers.json records its state dict as vlmq estimate should synthesize it from the config alone:
  parameters  total element count of the state dict (a tied lm_head is left out, as checkpoints leave it out)
  tensors     number of entries, MoE experts left out
  sha256      SHA-256 of the sorted lines "<name> [d0, d1, ...]\\n", one per entry, MoE experts left out
MoE experts are left out of the names because transformers fuses them into 3-D experts.gate_up_proj/down_proj
parameters while vlmq lists them per expert (as llm-compressor quantizes them); their elements count the same.
transformers does not build Qwen3.5's mtp.* head (it skips those keys on load), so the Java side compares its list
without mtp.* against these figures. The two *-MoE-tiny configs are small hand-written ones (written by
transformers' save_pretrained) that exercise the MoE layouts. Deterministic: no randomness is involved.

It also writes <dir>/tying.json: for every family fixture under src/test/resources/fixtures/<family>/, whether
transformers ties lm_head to the input embeddings for each combination of the top-level and text_config
tie_word_embeddings flags (true, false, absent) — the families disagree on which flag counts.

Usage: python3 tools/estimate_reference.py [--dir src/test/resources/estimate] [--fixtures src/test/resources/fixtures]
"""
import argparse
import hashlib
import json
import os
import tempfile

import torch
import transformers as T


def reference(config_path):
    config = T.AutoConfig.from_pretrained(os.path.dirname(config_path))
    with torch.device("meta"):
        model = T.AutoModelForImageTextToText.from_config(config)
    state = model.state_dict()
    if model.get_output_embeddings().weight is model.get_input_embeddings().weight:
        state.pop("lm_head.weight", None)
    lines = sorted(f"{name} [{', '.join(str(d) for d in t.shape)}]\n" for name, t in state.items()
                   if ".experts." not in name)
    return {
        "transformers_version": T.__version__,
        "parameters": sum(t.numel() for t in state.values()),
        "tensors": len(lines),
        "sha256": hashlib.sha256("".join(lines).encode()).hexdigest(),
    }


FAMILIES = ["qwen2_vl", "qwen2_5_vl", "qwen3_vl", "qwen3_5", "llava", "mistral3", "gemma3", "idefics3", "internvl",
            "mllama"]
FLAGS = {"true": True, "false": False, "absent": None}


def tying(fixtures):
    out = {}
    for family in FAMILIES:
        with open(os.path.join(fixtures, family, "config.json")) as f:
            base = json.load(f)
        cases = {}
        for top_name, top in FLAGS.items():
            for text_name, text in FLAGS.items():
                config = json.loads(json.dumps(base))
                config.pop("tie_word_embeddings", None)
                config.setdefault("text_config", {}).pop("tie_word_embeddings", None)
                if top is not None:
                    config["tie_word_embeddings"] = top
                if text is not None:
                    config["text_config"]["tie_word_embeddings"] = text
                with tempfile.TemporaryDirectory() as tmp:
                    with open(os.path.join(tmp, "config.json"), "w") as f:
                        json.dump(config, f)
                    loaded = T.AutoConfig.from_pretrained(tmp)
                with torch.device("meta"):
                    model = T.AutoModelForImageTextToText.from_config(loaded)
                tied = model.get_output_embeddings().weight is model.get_input_embeddings().weight
                cases[f"{top_name}/{text_name}"] = tied
        out[family] = cases
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", default="src/test/resources/estimate")
    parser.add_argument("--fixtures", default="src/test/resources/fixtures")
    args = parser.parse_args()
    with open(os.path.join(args.dir, "tying.json"), "w") as f:
        json.dump({"transformers_version": T.__version__, "tied": tying(args.fixtures)}, f, indent=2)
        f.write("\n")
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
