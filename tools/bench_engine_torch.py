#!/usr/bin/env python3
"""The PyTorch side of bench/engine.sh: transformers' Qwen2.5-VL on the CPU in bf16, greedy generation on the same
prompt as vlmq.bench.EngineBench (vision_start, image_pad, vision_end, then TEXT_TOKENS ids (i*7919+13) % 150000;
the image through Qwen2VLImageProcessor), with the same thread count. Times the vision encoder (a hook on
model.model.visual), the prefill (the rest until the first token's logits) and the decode steps (a logits processor
stamps each step), median and best of RUNS after a warm-up. Prints one JSON object with the same fields as
EngineBench.

Usage: python3 tools/bench_engine_torch.py MODEL IMAGE TEXT_TOKENS DECODE_TOKENS RUNS THREADS
"""
import json
import statistics
import sys
import time

import torch
import transformers as T
from PIL import Image


def main():
    model_dir, image_path = sys.argv[1], sys.argv[2]
    text_tokens, decode_tokens, runs, threads = (int(a) for a in sys.argv[3:7])
    torch.set_num_threads(threads)
    model = T.Qwen2_5_VLForConditionalGeneration.from_pretrained(model_dir, dtype=torch.bfloat16).eval()
    model.generation_config.eos_token_id = None  # run every step, as EngineBench does
    model.generation_config.pad_token_id = 0
    processor = T.Qwen2VLImageProcessor.from_pretrained(model_dir)
    inputs = processor(images=[Image.open(image_path).convert("RGB")], return_tensors="pt")
    grid = inputs["image_grid_thw"]
    config = model.config
    image_tokens = int(grid.prod()) // (config.vision_config.spatial_merge_size ** 2)
    text = [(i * 7919 + 13) % 150000 for i in range(text_tokens)]
    ids = [config.vision_start_token_id] + [config.image_token_id] * image_tokens + [config.vision_end_token_id] + text
    input_ids = torch.tensor([ids])

    stamps = {}

    def vision_start(module, args):
        stamps["vision_start"] = time.perf_counter()

    def vision_end(module, args, output):
        stamps["vision_end"] = time.perf_counter()

    model.model.visual.register_forward_pre_hook(vision_start)
    model.model.visual.register_forward_hook(vision_end)

    class Stamp(T.LogitsProcessor):
        def __init__(self):
            self.times = []

        def __call__(self, input_ids, scores):
            self.times.append(time.perf_counter())
            return scores

    def run():
        stamp = Stamp()
        start = time.perf_counter()
        with torch.inference_mode():
            out = model.generate(input_ids=input_ids, attention_mask=torch.ones_like(input_ids),
                                 pixel_values=inputs["pixel_values"], image_grid_thw=grid, do_sample=False,
                                 max_new_tokens=decode_tokens, logits_processor=T.LogitsProcessorList([stamp]))
        vision = stamps["vision_end"] - start
        prefill = stamp.times[0] - stamps["vision_end"]
        decode = stamp.times[-1] - stamp.times[0]
        return vision, prefill, decode, out[0, len(ids):].tolist()

    run()
    results = [run() for _ in range(runs)]
    columns = list(zip(*results))
    print(json.dumps({
        "engine": "torch", "model": model_dir.rstrip("/").split("/")[-1], "threads": torch.get_num_threads(),
        "kernels": f"torch {torch.__version__} {torch.backends.cpu.get_cpu_capability()} bf16",
        "prompt_tokens": len(ids), "image_tokens": image_tokens, "patches": int(grid.prod()), "runs": runs,
        "vision_s": round(statistics.median(columns[0]), 4), "vision_best_s": round(min(columns[0]), 4),
        "prefill_s": round(statistics.median(columns[1]), 4), "prefill_best_s": round(min(columns[1]), 4),
        "decode_tokens": decode_tokens, "decode_s": round(statistics.median(columns[2]), 4),
        "decode_best_s": round(min(columns[2]), 4),
        "tokens": results[-1][3]}))


if __name__ == "__main__":
    main()
