#!/usr/bin/env python3
"""Builds the tiny random VLM fixtures under src/test/resources/fixtures/ with transformers (no downloads).

For every family: a model built from a hand-written small config (seed 1234), saved with save_pretrained in
bf16, plus expected.json with transformers' own view of it (components, kinds, Linear modules). Families whose
checkpoints exist in other key layouts also get a directory per layout with the same tensors renamed
(<family>_native, <family>_legacy), each verified by loading it back with from_pretrained and comparing every
tensor bit for bit. See tools/README.md.

Usage: python3 tools/make_fixtures.py [--out src/test/resources/fixtures] [--only qwen2_5_vl,...]
"""
import argparse
import json
import os
import re
import shutil

import torch
import transformers as T
from safetensors import safe_open
from safetensors.torch import save_file
from torch import nn
from transformers.conversion_mapping import get_model_conversion_mapping
from transformers.core_model_loading import WeightConverter, WeightRenaming, rename_source_key

SEED = 1234
VOCAB = 512
TEXT = dict(vocab_size=VOCAB, hidden_size=128, intermediate_size=256, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512,
            bos_token_id=1, eos_token_id=2, pad_token_id=0)


def qwen_ids():
    return dict(image_token_id=VOCAB - 3, video_token_id=VOCAB - 4, vision_start_token_id=VOCAB - 6,
                vision_end_token_id=VOCAB - 5)


# ---- configs: one builder per family, returning (config, model class) ----

def qwen2_vl():
    text = dict(TEXT, rope_parameters={"rope_type": "default", "rope_theta": 1e6, "mrope_section": [4, 6, 6]})
    vision = dict(depth=2, embed_dim=64, hidden_size=128, mlp_ratio=2, num_heads=4, patch_size=14,
                  spatial_merge_size=2, temporal_patch_size=2)
    return T.Qwen2VLConfig(text_config=text, vision_config=vision, **qwen_ids()), T.Qwen2VLForConditionalGeneration


def qwen2_5_vl():
    text = dict(TEXT, rope_parameters={"rope_type": "default", "rope_theta": 1e6, "mrope_section": [4, 6, 6]})
    vision = dict(depth=2, hidden_size=64, intermediate_size=128, num_heads=4, patch_size=14, spatial_merge_size=2,
                  temporal_patch_size=2, window_size=112, fullatt_block_indexes=[1], out_hidden_size=128)
    return T.Qwen2_5_VLConfig(text_config=text, vision_config=vision, **qwen_ids()), \
        T.Qwen2_5_VLForConditionalGeneration


def qwen3_vl():
    text = dict(TEXT, head_dim=32, rope_parameters={"rope_type": "default", "rope_theta": 5e6,
                                                     "mrope_section": [6, 5, 5], "mrope_interleaved": True})
    vision = dict(depth=2, hidden_size=64, intermediate_size=128, num_heads=4, patch_size=16, spatial_merge_size=2,
                  temporal_patch_size=2, out_hidden_size=128, num_position_embeddings=64,
                  deepstack_visual_indexes=[0])
    return T.Qwen3VLConfig(text_config=text, vision_config=vision, **qwen_ids()), T.Qwen3VLForConditionalGeneration


def qwen3_5():
    text = dict(TEXT, head_dim=32, layer_types=["linear_attention", "full_attention"],
                linear_conv_kernel_dim=4, linear_key_head_dim=32, linear_value_head_dim=32,
                linear_num_key_heads=2, linear_num_value_heads=4,
                rope_parameters={"rope_type": "default", "rope_theta": 1e7, "partial_rotary_factor": 0.25,
                                 "mrope_section": [2, 1, 1], "mrope_interleaved": True})
    vision = dict(depth=2, hidden_size=64, intermediate_size=128, num_heads=4, patch_size=16, spatial_merge_size=2,
                  temporal_patch_size=2, out_hidden_size=128, num_position_embeddings=64)
    return T.Qwen3_5Config(text_config=text, vision_config=vision, tie_word_embeddings=False, **qwen_ids()), \
        T.Qwen3_5ForConditionalGeneration


def llava():
    vision = dict(model_type="clip_vision_model", hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                  num_attention_heads=4, image_size=56, patch_size=14, projection_dim=64)
    text = dict(TEXT, model_type="llama")
    return T.LlavaConfig(vision_config=vision, text_config=text, image_token_index=VOCAB - 1, image_seq_length=16,
                         vision_feature_layer=-2), T.LlavaForConditionalGeneration


def mistral3():
    vision = dict(model_type="pixtral", hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                  num_attention_heads=4, head_dim=16, image_size=64, patch_size=16)
    text = dict(TEXT, model_type="mistral", head_dim=32, sliding_window=None)
    return T.Mistral3Config(vision_config=vision, text_config=text, image_token_index=VOCAB - 1,
                            spatial_merge_size=2, tie_word_embeddings=False), T.Mistral3ForConditionalGeneration


def gemma3():
    vision = dict(model_type="siglip_vision_model", hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                  num_attention_heads=4, image_size=64, patch_size=16, vision_use_head=False)
    text = dict(TEXT, model_type="gemma3_text", head_dim=32, query_pre_attn_scalar=32, sliding_window=64,
                layer_types=["sliding_attention", "full_attention"])
    return T.Gemma3Config(vision_config=vision, text_config=text, mm_tokens_per_image=4, boi_token_index=VOCAB - 3,
                          eoi_token_index=VOCAB - 2, image_token_index=VOCAB - 1, tie_word_embeddings=True), \
        T.Gemma3ForConditionalGeneration


def idefics3():
    vision = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4, image_size=64,
                  patch_size=16)
    text = dict(TEXT, model_type="llama")
    return T.Idefics3Config(vision_config=vision, text_config=text, image_token_id=VOCAB - 1, scale_factor=2,
                            pad_token_id=0), T.Idefics3ForConditionalGeneration


def mllama():
    vision = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_global_layers=1,
                  attention_heads=4, image_size=28, patch_size=14, max_num_tiles=4,
                  intermediate_layers_indices=[0], vision_output_dim=128,
                  supported_aspect_ratios=[[1, 1], [1, 2], [2, 1], [2, 2]])
    text = dict(TEXT, num_hidden_layers=3, cross_attention_layers=[1], pad_token_id=VOCAB - 2)
    return T.MllamaConfig(vision_config=vision, text_config=text, image_token_index=VOCAB - 1), \
        T.MllamaForConditionalGeneration


def internvl():
    vision = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                  image_size=[28, 28], patch_size=[14, 14])
    text = dict(TEXT, model_type="qwen2")
    return T.InternVLConfig(vision_config=vision, text_config=text, image_token_id=VOCAB - 1, image_seq_length=1,
                            downsample_ratio=0.5, tie_word_embeddings=False), T.InternVLForConditionalGeneration


FAMILIES = [qwen2_vl, qwen2_5_vl, qwen3_vl, qwen3_5, llava, mistral3, gemma3, idefics3, mllama, internvl]

# ---- components: transformers' submodules, by runtime (state_dict) name prefix; longest prefix wins ----

QWEN_PARTS = {"model.visual.": "vision", "model.visual.merger.": "projector",
              "model.visual.deepstack_merger_list.": "projector",
              "model.language_model.": "language", "model.language_model.embed_tokens.": "embeddings",
              "lm_head.": "lm_head"}
LLAVA_PARTS = {"model.vision_tower.": "vision", "model.multi_modal_projector.": "projector",
               "model.language_model.": "language", "model.language_model.embed_tokens.": "embeddings",
               "lm_head.": "lm_head"}
COMPONENT_PREFIXES = {
    "qwen2_vl": QWEN_PARTS, "qwen2_5_vl": QWEN_PARTS, "qwen3_vl": QWEN_PARTS, "qwen3_5": QWEN_PARTS,
    "llava": LLAVA_PARTS, "mistral3": LLAVA_PARTS, "gemma3": LLAVA_PARTS, "internvl": LLAVA_PARTS,
    "mllama": {"model.vision_model.": "vision", "model.multi_modal_projector.": "projector",
               "model.language_model.": "language", "model.language_model.embed_tokens.": "embeddings",
               "lm_head.": "lm_head"},
    "idefics3": {"model.vision_model.": "vision", "model.connector.": "projector", "model.text_model.": "language",
                 "model.text_model.embed_tokens.": "embeddings", "lm_head.": "lm_head"},
}

# ---- other key layouts, as ordered (regex, replacement) renames of the runtime (state_dict) names ----
# save_pretrained applies transformers' conversion mapping in reverse, so what it writes is the hub layout for
# Qwen2/2.5-VL (visual.*, model.layers.*), Llava-style families and Mllama (language_model.model.*,
# language_model.lm_head, vision_tower.*); Qwen3-VL, Qwen3.5 and Idefics3 have no mapping and save the runtime
# layout. "_native" copies hold the runtime names (model.visual.*, model.language_model.*, lm_head), as
# checkpoints saved by transformers 4.5x carry them. "_legacy" copies of the CLIP/SigLIP families add the
# `vision_model` level the original hub checkpoints have (vision_tower.vision_model.encoder.*), which 5.18's
# models no longer have at runtime (CLIPVisionModel/SiglipVisionModel PrefixChange).
NATIVE = ("native", [])
LEGACY_SIGLIP = ("legacy", [(r"^model\.language_model\.", "language_model.model."),
                            (r"^lm_head\.", "language_model.lm_head."),
                            (r"^model\.vision_tower\.", "vision_tower.vision_model."),
                            (r"^model\.multi_modal_projector\.", "multi_modal_projector.")])
ALTERNATES = {
    "qwen2_vl": [NATIVE], "qwen2_5_vl": [NATIVE], "llava": [NATIVE, LEGACY_SIGLIP],
    "gemma3": [NATIVE, LEGACY_SIGLIP], "mistral3": [NATIVE], "internvl": [NATIVE], "mllama": [NATIVE],
}


def rename(name, rules):
    for pattern, repl in rules:
        new = re.sub(pattern, repl, name)
        if new != name:
            return new
    return name


def kind_of(module, param_name):
    if isinstance(module, nn.Linear):
        return "linear_weight" if param_name == "weight" else "linear_bias"
    if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
        return "conv"
    if isinstance(module, nn.Embedding):
        return "embedding"
    if "norm" in type(module).__name__.lower() and param_name in ("weight", "bias"):
        return "norm"
    return "other"


def component_of(runtime_name, prefixes):
    best = None
    for prefix, comp in prefixes.items():
        if runtime_name.startswith(prefix) and (best is None or len(prefix) > len(best[0])):
            best = (prefix, comp)
    return best[1] if best else "other"


def seeded_model(build):
    torch.manual_seed(SEED)
    config, cls = build()
    model = cls(config).eval()
    with torch.no_grad():  # the config must describe a working model, not just a set of shapes
        model(input_ids=torch.arange(1, 9).unsqueeze(0))
    with torch.no_grad():  # norms start at 1 or 0; perturb so every tensor carries information
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.02)
    return model.to(torch.bfloat16)


def stored_tensors(directory):
    out = {}
    for f in sorted(os.listdir(directory)):
        if f.endswith(".safetensors"):
            with safe_open(os.path.join(directory, f), "pt") as st:
                for k in st.keys():
                    out[k] = st.get_tensor(k)
    return out


def runtime_to_stored(model, stored):
    """Maps each runtime parameter name to its stored name through transformers' own load-time renames, then
    checks the data is the same."""
    params = dict(model.named_parameters(remove_duplicate=False))
    mapping = {}
    unmatched = dict(stored)
    for sname in list(unmatched):
        if sname in params:
            mapping[sname] = sname
            del unmatched[sname]
    conversions = get_model_conversion_mapping(model, add_legacy=False)
    renamings = [c for c in conversions if isinstance(c, WeightRenaming)]
    converters = [c for c in conversions if isinstance(c, WeightConverter)]
    for sname in list(unmatched):
        rname, _ = rename_source_key(sname, renamings, converters)
        if rname in params:
            mapping[rname] = sname
            del unmatched[sname]
    if unmatched:
        raise SystemExit(f"stored tensors with no runtime parameter: {sorted(unmatched)[:5]}")
    for rname, sname in mapping.items():
        if not torch.equal(params[rname].data, stored[sname]):
            raise SystemExit(f"data mismatch {rname} vs {sname}")
    return mapping  # runtime -> stored


def describe(model, family, stored, runtime_of, layout):
    """expected.json content for one stored layout ("native": the runtime names; "hub": the family's original
    checkpoint prefixes)."""
    modules = dict(model.named_modules())
    prefixes = COMPONENT_PREFIXES[family]
    tensors, counts = {}, {c: 0 for c in ("vision", "projector", "language", "lm_head", "embeddings", "other")}
    for sname in sorted(stored):
        rname = runtime_of[sname]
        mod_name, _, pname = rname.rpartition(".")
        t = stored[sname]
        comp = component_of(rname, prefixes)
        counts[comp] += t.numel()
        tensors[sname] = {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape),
                          "component": comp, "kind": kind_of(modules[mod_name], pname)}
    stored_of = {r: s for s, r in runtime_of.items()}
    linear, not_stored = {}, []
    for name, m in model.named_modules():
        if isinstance(m, nn.Linear):
            w = stored_of.get(name + ".weight")
            if w is None:
                not_stored.append(name)
            else:
                linear[name] = w[: -len(".weight")]
    for k, v in tensors.items():
        v["dtype"] = {"bfloat16": "BF16", "float32": "F32", "float16": "F16"}[v["dtype"]]
    return {
        "family": family,
        "architecture": model.config.architectures[0],
        "model_type": model.config.model_type,
        "layout": layout,
        "tied_lm_head": model.get_output_embeddings().weight is model.get_input_embeddings().weight,
        "component_parameters": counts,
        "total_parameters": sum(counts.values()),
        "tensors": tensors,
        "linear_modules": linear,
        "linear_modules_not_stored": not_stored,
    }


def write_json(path, obj):
    """Indented JSON with one line per tensor / Linear entry, to keep diffs and files small."""
    lines = ["{"]
    items = list(obj.items())
    for i, (key, value) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        if isinstance(value, dict) and value:
            inner = [f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in value.items()]
            lines.append(f" {json.dumps(key)}: {{\n" + ",\n".join(inner) + f"\n }}{comma}")
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(value)}{comma}")
    lines.append("}")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def make(build, out_root):
    family = build.__name__
    model = seeded_model(build)
    model.config.architectures = [type(model).__name__]
    target = os.path.join(out_root, family)
    shutil.rmtree(target, ignore_errors=True)
    model.save_pretrained(target)
    for f in os.listdir(target):
        if f not in ("config.json", "model.safetensors"):
            os.remove(os.path.join(target, f))
    stored = stored_tensors(target)
    r2s = runtime_to_stored(model, stored)
    runtime_of = {s: r for r, s in r2s.items()}
    write_json(os.path.join(target, "expected.json"),
               describe(model, family, stored, runtime_of,
                        "native" if all(s == r for s, r in runtime_of.items()) else "hub"))
    report = [f"{family}: {len(stored)} tensors, {os.path.getsize(os.path.join(target, 'model.safetensors'))} B"]

    for note, rules in ALTERNATES.get(family, []):
        alt = os.path.join(out_root, f"{family}_{note}")
        shutil.rmtree(alt, ignore_errors=True)
        os.makedirs(alt)
        shutil.copy(os.path.join(target, "config.json"), alt)
        alt_tensors = {rename(runtime_of[s], rules): t.contiguous() for s, t in stored.items()}
        save_file(alt_tensors, os.path.join(alt, "model.safetensors"), metadata={"format": "pt"})
        # transformers must load the alternate layout to the very same parameters
        reloaded = type(model).from_pretrained(alt, dtype=torch.bfloat16)
        ref = dict(model.named_parameters())
        for name, p in reloaded.named_parameters():
            if not torch.equal(p.data, ref[name].data):
                raise SystemExit(f"{family}_{note}: {name} differs after reload")
        alt_runtime_of = {rename(r, rules): r for r in runtime_of.values()}
        write_json(os.path.join(alt, "expected.json"), describe(model, family, alt_tensors, alt_runtime_of,
                                                                  "native" if note == "native" else "hub"))
        report.append(f"{family}_{note}: reloads identical")
    return report


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "src", "test", "resources",
                                                  "fixtures"))
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    only = set(filter(None, args.only.split(",")))
    T.logging.set_verbosity_error()
    for build in FAMILIES:
        if only and build.__name__ not in only:
            continue
        print("; ".join(make(build, args.out)))


if __name__ == "__main__":
    main()
