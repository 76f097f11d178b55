#!/usr/bin/env python3
"""Reference activations for vlmq.engine, from transformers 5.18 in float32 with eager attention.

For each model and input it runs one forward pass (use_cache=False, mm_token_type_ids passed) with forward hooks,
then 32 greedy tokens with generate(do_sample=False) and no stop token, and writes, per model and input,
src/test/resources/engine/qwen/<model>/<input>.safetensors:

  prompt_ids        I64 [n]        the ids a user passes: one image_pad per image
  input_ids         I64 [seq]      after the processor's image_pad expansion
  image_grid_thw    I64 [k, 3]     (inputs with images)
  vision.patch_embed   F32 [N, Cv]   patch embedding (raster merge-block order; plus pos_embed for Qwen3-VL: see
                                   vision.blocks_in)
  vision.blocks_in  F32 [N, Cv]    input of block 0 (Qwen2.5-VL: window order)
  vision.block.{i}  F32 [N, Cv]    output of every vision block (Qwen2.5-VL: window order)
  vision.deepstack.{j} F32 [T, Co] Qwen3-VL deepstack features, merged-token raster order
  image_features    F32 [T, Co]    merger output in merged-token raster order (one row per image_pad)
  position_ids      I64 [3, seq]   M-RoPE positions (get_rope_index); rope_deltas I64 [1]
  inputs_embeds     F32 [seq, C]   decoder input after the feature merge
  layer.{i}         F32 [seq, C]   output of every decoder layer (Qwen3-VL: before deepstack injection)
  logits            F32 [seq, V]   (fixtures) or logits_last_topk_{values,ids} [64] (the real-vocabulary demo)
  generated         I64 [32]       greedy tokens; generated_margin F32 [32]: top-1 minus top-2 logit per step
  generated_penalised I64 [32]     (demo) greedy tokens with repetition_penalty 1.05, its generation_config value

and the shared inputs under src/test/resources/engine/qwen/inputs/<processor>/: <input>_<k>.png (image k of the
input) and <input>.safetensors with pixel_values F32 [N, 3*T*P*P] and image_grid_thw.

The fixtures' weights are the committed tiny models (their norm weights already carry 0.02 noise from
make_fixtures.py, so a wrong norm formula shows); a native-layout copy must give bit-identical outputs and shares
the hub copy's dumps (checked here). Deterministic (seed 20250717); run from the repository root:
    python3 tools/dump_engine_reference.py
"""
import itertools
import os
import sys
from pathlib import Path

import numpy as np
import torch
import transformers as T
from PIL import Image
from safetensors.torch import save_file
from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

SEED = 20250717
OUT = Path("src/test/resources/engine/qwen")
FIXTURES = Path("src/test/resources/fixtures")
DEMO = Path("src/main/resources/vlmq/demo/qwen2_5_vl_tiny")
NEW_TOKENS = 32
TOPK = 64

# (width, height) of the images of each input; every input also has text around the images.
INPUTS = {
    "text": [],
    "square": [(112, 112)],      # 8x8 patches: exactly one 4x4 window of merged tokens
    "wide": [(200, 150)],        # 10x14 patches: four windows of unequal size (spec section 9)
    "tiny": [(28, 28)],          # below min_pixels: smart_resize scales it up to 56x56
    "two_images": [(56, 84), (84, 56)],
}
# Qwen3-VL (P=16) uses its own small sizes; the hub min_pixels (65536) would make big images.
INPUTS_P16 = {
    "text": [],
    "square": [(64, 64)],
    "wide": [(160, 96)],
    "two_images": [(64, 96), (96, 64)],
}

PROCESSORS = {
    # Qwen2-VL / Qwen2.5-VL hub preprocessor_config.json values (also the bundled demo's).
    "p14": dict(patch_size=14, temporal_patch_size=2, merge_size=2, min_pixels=3136, max_pixels=12845056,
                image_mean=[0.48145466, 0.4578275, 0.40821073], image_std=[0.26862954, 0.26130258, 0.27577711]),
    # Qwen3-VL with a small min_pixels so that the fixtures stay small.
    "p16": dict(patch_size=16, temporal_patch_size=2, merge_size=2, min_pixels=1024, max_pixels=16777216,
                image_mean=[0.5, 0.5, 0.5], image_std=[0.5, 0.5, 0.5]),
}


def image(width, height, seed):
    """A smooth random colour field (bicubic-upscaled 5x4 noise) plus a little pixel noise: every patch differs,
    and the PNG stays small."""
    rng = np.random.default_rng(seed)
    base = Image.fromarray(rng.integers(0, 256, (4, 5, 3), dtype=np.uint8)).resize((width, height), Image.BICUBIC)
    pixels = np.asarray(base).astype(np.int16) + rng.integers(-6, 7, (height, width, 3))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def processor_inputs(name, inputs):
    """Writes the PNGs and pixel_values; returns {input: (pixel_values, grid) or None}."""
    proc = Qwen2VLImageProcessorPil(**{k: v for k, v in PROCESSORS[name].items()})
    out_dir = OUT / "inputs" / name
    out_dir.mkdir(parents=True, exist_ok=True)
    result = {}
    for i, (input_name, sizes) in enumerate(inputs.items()):
        if not sizes:
            result[input_name] = None
            continue
        images = []
        for k, (w, h) in enumerate(sizes):
            png = out_dir / f"{input_name}_{k}.png"
            if not png.exists():
                image(w, h, SEED + 100 * i + k).save(png, optimize=True)
            images.append(Image.open(png).convert("RGB"))
        batch = proc(images=images, return_tensors="pt")
        pv, grid = batch["pixel_values"].float().contiguous(), batch["image_grid_thw"].long().contiguous()
        save_file({"pixel_values": pv, "image_grid_thw": grid}, out_dir / f"{input_name}.safetensors")
        result[input_name] = (pv, grid)
    return result


def fixture_prompt(config, grids, rng, length=7):
    """Random text ids around <vision_start><image_pad><vision_end> per image (vocabulary of the fixture)."""
    vs, ve, img = config.vision_start_token_id, config.vision_end_token_id, config.image_token_id
    words = lambda n: rng.integers(3, vs - 10, n).tolist()
    ids = words(length - 2)
    for _ in grids:
        ids += [vs, img, ve] + words(3)
    return ids + words(2)


def demo_prompt(tokenizer, n_images):
    content = [{"type": "image"} for _ in range(n_images)] + [{"type": "text", "text": "Describe this."}]
    text = tokenizer.apply_chat_template([{"role": "user", "content": content}], tokenize=False,
                                         add_generation_prompt=True)
    return tokenizer(text)["input_ids"]


def expand(prompt, grids, image_token, merge):
    """The processor's image_pad expansion: t*h*w/merge^2 copies per image, in order."""
    out, it = [], iter(grids)
    for t in prompt:
        out += [t] * (int(torch.prod(next(it))) // merge ** 2) if t == image_token else [t]
    return out


class Recorder:
    """Forward hooks that keep the activations listed in the module docstring."""

    def __init__(self, model):
        self.saved, self.handles = {}, []
        visual, lm = model.model.visual, model.model.language_model
        self.hook(visual.patch_embed, lambda out, args, kw: ("vision.patch_embed", out))
        self.handles.append(visual.blocks[0].register_forward_pre_hook(
            lambda m, args, kw: self.put("vision.blocks_in", args[0] if args else kw["hidden_states"]),
            with_kwargs=True))
        for i, block in enumerate(visual.blocks):
            self.hook(block, lambda out, args, kw, i=i: (f"vision.block.{i}", out))
        for i, layer in enumerate(lm.layers):
            self.hook(layer, lambda out, args, kw, i=i: (f"layer.{i}", out[0] if isinstance(out, tuple) else out))
            mixer = getattr(layer, "linear_attn", None)
            if mixer is not None:  # Qwen3.5: the gated DeltaNet's and the gated attention's outputs
                self.hook(mixer, lambda out, args, kw, i=i: (f"mixer.{i}", out))
            elif hasattr(layer, "self_attn") and hasattr(layer.self_attn, "q_proj") and \
                    layer.self_attn.q_proj.out_features == 2 * layer.self_attn.o_proj.in_features:
                self.hook(layer.self_attn, lambda out, args, kw, i=i: (f"mixer.{i}", out[0]))
        self.handles.append(lm.register_forward_pre_hook(self.text_inputs, with_kwargs=True))

    def hook(self, module, pick):
        def fn(m, args, kw, out):
            name, value = pick(out, args, kw)
            self.put(name, value)
        self.handles.append(module.register_forward_hook(fn, with_kwargs=True))

    def put(self, name, value):
        if name not in self.saved:  # first call only: generate() must not overwrite the forward pass
            self.saved[name] = value.detach().float().squeeze(0).contiguous().clone()

    def text_inputs(self, m, args, kw):
        self.put("inputs_embeds", kw["inputs_embeds"])
        if kw.get("position_ids") is not None:
            self.saved.setdefault("position_ids", kw["position_ids"][:, 0].long().contiguous().clone())

    def remove(self):
        for h in self.handles:
            h.remove()


def run(model, prompt, input_ids, pv, grid, vocab_full, decode_logits=False):
    """One forward pass and the greedy continuation; returns the dump dict."""
    config = model.config
    ids = torch.tensor([input_ids])
    kwargs = dict(input_ids=ids, attention_mask=torch.ones_like(ids),
                  mm_token_type_ids=(ids == config.image_token_id).int())
    if pv is not None:
        kwargs.update(pixel_values=pv, image_grid_thw=grid)
    dump = {"prompt_ids": torch.tensor(prompt), "input_ids": torch.tensor(input_ids)}
    rec = Recorder(model)
    model.model.rope_deltas = None
    with torch.no_grad():
        out = model(**kwargs, use_cache=False)
    rec.remove()
    dump.update({k: v for k, v in rec.saved.items()})
    if "position_ids" not in dump:  # text only: transformers uses 0..seq-1 on every row
        dump["position_ids"] = torch.arange(len(input_ids)).expand(3, -1).contiguous()
    deltas = model.model.rope_deltas
    dump["rope_deltas"] = (deltas.reshape(-1)[:1] if deltas is not None else torch.zeros(1)).long().contiguous()
    if pv is not None:
        dump["image_grid_thw"] = grid
        with torch.no_grad():
            feats = model.model.get_image_features(pv, grid)
        dump["image_features"] = torch.cat(feats.pooler_output, 0).float().contiguous()
        for j, per_image in enumerate(getattr(feats, "deepstack_features", None) or []):
            dump[f"vision.deepstack.{j}"] = torch.cat(per_image, 0).float().contiguous()
    else:
        for k in [k for k in dump if k.startswith("vision.")]:
            del dump[k]
    logits = out.logits[0].float()
    if vocab_full:
        dump["logits"] = logits.contiguous()
    else:
        top = torch.topk(logits[-1], TOPK)
        dump["logits_last_topk_values"] = top.values.contiguous()
        dump["logits_last_topk_ids"] = top.indices.long().contiguous()

    model.model.rope_deltas = None
    with torch.no_grad():
        gen = model.generate(**kwargs, max_new_tokens=NEW_TOKENS, min_new_tokens=0, do_sample=False,
                             repetition_penalty=1.0, eos_token_id=None, pad_token_id=0,
                             output_scores=True, return_dict_in_generate=True)
    tokens = gen.sequences[0, len(input_ids):]
    assert len(tokens) == NEW_TOKENS, f"generate stopped after {len(tokens)} tokens"
    top2 = torch.stack([torch.topk(s[0].float(), 2).values for s in gen.scores])
    dump["generated"] = tokens.long().contiguous()
    dump["generated_margin"] = (top2[:, 0] - top2[:, 1]).contiguous()
    if decode_logits:  # the logits of every greedy step: prefill, then the cached (recurrent) decode steps
        dump["generated_logits"] = torch.stack([s[0].float() for s in gen.scores]).contiguous()
    # The same tokens from full recomputation (no KV cache): generate's cached decoding must agree.
    # (Only while no generated token is a vision placeholder, which a plain forward would take for an image.)
    seq = list(input_ids)
    vision_ids = {config.image_token_id, config.video_token_id}
    for step in range(4):
        if seq[-1] in vision_ids and step > 0:
            break
        ids2 = torch.tensor([seq])
        types = torch.zeros_like(ids2)
        types[0, :len(input_ids)] = kwargs["mm_token_type_ids"][0]
        kw2 = dict(kwargs, input_ids=ids2, attention_mask=torch.ones_like(ids2), mm_token_type_ids=types)
        model.model.rope_deltas = None
        with torch.no_grad():
            nxt = int(model(**kw2, use_cache=False).logits[0, -1].argmax())
        assert nxt == int(tokens[step]), f"cached generate differs from recomputation at step {step}"
        seq.append(nxt)
    return dump


def load(path):
    config = T.AutoConfig.from_pretrained(path)
    config._attn_implementation = "eager"
    cls = getattr(T, config.architectures[0])
    model = cls.from_pretrained(path, config=config, dtype=torch.float32, attn_implementation="eager").eval()
    model.generation_config.eos_token_id = None
    return model


def save(dump, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in dump.items()}, path, metadata={"format": "pt"})


def same(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def dump_fixture(name, alternates, inputs, pixels, decode_logits=False):
    torch.manual_seed(SEED)
    model = load(FIXTURES / name)
    others = [load(FIXTURES / alt) for alt in alternates]
    rng = np.random.default_rng(SEED)
    merge = model.config.vision_config.spatial_merge_size
    for input_name in inputs:
        pv, grid = pixels[input_name] or (None, None)
        prompt = fixture_prompt(model.config, [] if grid is None else grid, rng)
        input_ids = expand(prompt, [] if grid is None else grid, model.config.image_token_id, merge)
        dump = run(model, prompt, input_ids, pv, grid, vocab_full=True, decode_logits=decode_logits)
        for alt, other in zip(alternates, others):
            assert same(dump, run(other, prompt, input_ids, pv, grid, vocab_full=True)), f"{alt} differs"
        save(dump, OUT / name / f"{input_name}.safetensors")
        print(f"{name}/{input_name}: seq {len(input_ids)}, min greedy margin {dump['generated_margin'].min():.3g}")
    return model, rng


def dump_qwen3_5_slow_decay(model, rng):
    """A 100-token text prompt (two of the chunked delta rule's 64-token chunks) through the Qwen3.5 fixture with
    A_log replaced by small values, so the DeltaNet state decays slowly (exp(g) ~ 0.7-0.99 per token instead of the
    fixture's ~1e-8 on most heads) and carries across the chunk boundary. The override goes into the dump as bf16
    values (A_log_override.{layer}); the Java test writes them into a copy of the fixture."""
    overrides = {}
    for i, layer in enumerate(model.model.language_model.layers):
        if hasattr(layer, "linear_attn"):
            a = torch.from_numpy(rng.uniform(0.02, 0.3, layer.linear_attn.A_log.numel())).log()
            layer.linear_attn.A_log.data = a.to(torch.bfloat16).float()
            overrides[f"A_log_override.{i}"] = layer.linear_attn.A_log.data.clone().contiguous()
    prompt = fixture_prompt(model.config, [], rng, length=98)
    dump = run(model, prompt, prompt, None, None, vocab_full=True, decode_logits=True)
    dump.update(overrides)
    save(dump, OUT / "qwen3_5" / "long_slow_decay.safetensors")
    print(f"qwen3_5/long_slow_decay: seq {len(prompt)}, min greedy margin {dump['generated_margin'].min():.3g}")


def penalised(model, input_ids, pv, grid):
    """32 greedy tokens with the checkpoint's generation_config repetition_penalty (1.05), no stop token."""
    ids = torch.tensor([input_ids])
    kwargs = dict(input_ids=ids, attention_mask=torch.ones_like(ids),
                  mm_token_type_ids=(ids == model.config.image_token_id).int())
    if pv is not None:
        kwargs.update(pixel_values=pv, image_grid_thw=grid)
    model.model.rope_deltas = None
    with torch.no_grad():
        gen = model.generate(**kwargs, max_new_tokens=NEW_TOKENS, min_new_tokens=0, do_sample=False,
                             repetition_penalty=1.05, eos_token_id=None, pad_token_id=0)
    return gen[0, len(input_ids):].long().contiguous()


def dump_demo(pixels):
    model = load(DEMO)
    tokenizer = T.AutoTokenizer.from_pretrained(DEMO)
    merge = model.config.vision_config.spatial_merge_size
    for input_name in ("text", "wide", "two_images"):
        pv, grid = pixels[input_name] or (None, None)
        prompt = demo_prompt(tokenizer, 0 if grid is None else len(grid))
        input_ids = expand(prompt, [] if grid is None else grid, model.config.image_token_id, merge)
        dump = run(model, prompt, input_ids, pv, grid, vocab_full=False)
        dump["generated_penalised"] = penalised(model, input_ids, pv, grid)
        save(dump, OUT / "demo" / f"{input_name}.safetensors")
        print(f"demo/{input_name}: seq {len(input_ids)}, min greedy margin {dump['generated_margin'].min():.3g}")


def main(only):
    torch.set_num_threads(2)
    if not only or {"qwen2_5_vl", "demo", "qwen2_vl"} & only:
        p14 = processor_inputs("p14", INPUTS)
    if not only or "qwen2_5_vl" in only:
        dump_fixture("qwen2_5_vl", ["qwen2_5_vl_native"], INPUTS, p14)
    if not only or "demo" in only:
        dump_demo(p14)
    if not only or "qwen2_vl" in only:
        dump_fixture("qwen2_vl", ["qwen2_vl_native"], INPUTS, p14)
    if not only or {"qwen3_vl", "qwen3_5"} & only:
        p16 = processor_inputs("p16", INPUTS_P16)
    if not only or "qwen3_vl" in only:
        dump_fixture("qwen3_vl", [], INPUTS_P16, p16)
    if not only or "qwen3_5" in only:
        dump_qwen3_5_slow_decay(*dump_fixture("qwen3_5", [], INPUTS_P16, p16, decode_logits=True))
    total = sum(f.stat().st_size for f in OUT.rglob("*") if f.is_file())
    print(f"total {total / 1e6:.2f} MB under {OUT}")


if __name__ == "__main__":
    main(set(sys.argv[1:]))
