#!/usr/bin/env bash
# Engine speed: vlmq's CPU engine against PyTorch (transformers, bf16, same thread count, same inputs) on a mid-size
# random-weight Qwen2.5-VL (bench/configs/qwen2_5_vl_mid.json: text 1024 wide x 8 layers, 16/2 heads, MLP 2816,
# vision 640 wide x 8 blocks, real 151,936-token vocabulary, tied embeddings; 293M parameters).
# One prompt: a 448x448 image (1024 patches, 256 image tokens) + TEXT_TOKENS text ids, then DECODE_TOKENS greedy
# tokens. Reports vision-encoder seconds, prefill tokens/s (prompt tokens over the prefill after the vision encoder)
# and decode tokens/s, best and median of RUNS after a warm-up, for vlmq with bf16, FP8_DYNAMIC and W4A16 weights
# (quantized by vlmq quantize) and for PyTorch with bf16 weights, for each thread count in THREADS. PyTorch has no CPU
# kernel for compressed-tensors FP8/W4A16 checkpoints, so every ratio is against PyTorch bf16. The table uses the best
# run (the machine may be shared, and PyTorch's OpenMP barriers suffer most when it is); the JSON lines hold both.
# Usage: bench/engine.sh [work-dir]   (default bench/out; ~1.6 GB) with THREADS (e.g. "1 2"; default: nproc),
#        TEXT_TOKENS (256), DECODE_TOKENS (32), RUNS (3).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${1:-$root/bench/out}
thread_counts=${THREADS:-$(nproc)}
text=${TEXT_TOKENS:-256}
decode=${DECODE_TOKENS:-32}
runs=${RUNS:-3}
mkdir -p "$work"
model=$work/qwen2_5_vl_mid
image=$work/bench-448.png
results=$work/engine-results.jsonl

"$root/vlmq" --version > /dev/null   # build first, outside the timings
. "$root/bin/jdk.sh"
vlmq_find_jdk

if [ ! -f "$model/config.json" ]; then
  echo "making the random-weight checkpoint $model (once)…"
  if "$root/vlmq" synth --help > /dev/null 2>&1; then
    "$root/vlmq" synth --config "$root/bench/configs/qwen2_5_vl_mid.json" -o "$model" > /dev/null
  else
    python3 "$root/tools/make_bench_model.py" --config "$root/bench/configs/qwen2_5_vl_mid.json" --out "$model" \
      > /dev/null 2>&1
  fi
fi
if [ ! -f "$model/preprocessor_config.json" ]; then   # Qwen2.5-VL-Instruct's, so both sides preprocess alike
  cat > "$model/preprocessor_config.json" <<'JSON'
{"min_pixels": 3136, "max_pixels": 12845056, "patch_size": 14, "temporal_patch_size": 2, "merge_size": 2,
 "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_std": [0.26862954, 0.26130258, 0.27577711],
 "image_processor_type": "Qwen2VLImageProcessor", "processor_class": "Qwen2_5_VLProcessor"}
JSON
fi
for scheme in FP8_DYNAMIC W4A16; do
  [ -f "$work/mid-$scheme/config.json" ] || "$root/vlmq" quantize "$model" -o "$work/mid-$scheme" --scheme "$scheme" \
    > /dev/null 2>&1
done
[ -f "$image" ] || python3 - "$image" <<'PNG'
import sys
import numpy as np
from PIL import Image
rng = np.random.default_rng(1234)
y, x = np.mgrid[0:448, 0:448]
img = np.stack([x * 255 // 447, y * 255 // 447, (x + y) * 255 // 894], -1)
img = np.clip(img + rng.integers(-40, 41, size=img.shape), 0, 255).astype(np.uint8)
Image.fromarray(img).save(sys.argv[1])
PNG
cat "$model"/*.safetensors "$work"/mid-*/*.safetensors > /dev/null   # warm the page cache

: > "$results"
for threads in $thread_counts; do
  java=("$VLMQ_JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED
    -XX:+UseParallelGC -Xss8m "-Dvlmq.threads=$threads" -cp "$root/target/vlmq.jar" vlmq.bench.EngineBench)
  echo "running with $threads thread(s): PyTorch bf16, then vlmq bf16, FP8_DYNAMIC, W4A16 ($text text + 256 image" \
    "tokens, $decode decoded, $runs runs after a warm-up)…"
  python3 "$root/tools/bench_engine_torch.py" "$model" "$image" "$text" "$decode" "$runs" "$threads" 2> /dev/null \
    | tail -1 | sed 's/^{/{"weights": "bf16", /' >> "$results"
  for m in qwen2_5_vl_mid:bf16 mid-FP8_DYNAMIC:FP8_DYNAMIC mid-W4A16:W4A16; do
    "${java[@]}" "$work/${m%%:*}" "$image" "$text" "$decode" "$runs" 2> /dev/null | tail -1 \
      | sed "s/^{/{\"weights\": \"${m##*:}\", /" >> "$results"
  done
done

python3 - "$results" "$(nproc)" "$(uptime | sed 's/.*load average: //')" <<'TABLE'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
first = rows[0]
print(f"\n{first['prompt_tokens']} prompt tokens ({first['image_tokens']} image, {first['patches']} patches),"
      f" {first['decode_tokens']} decoded; best of {first['runs']} runs; {sys.argv[2]} cores, load average {sys.argv[3]}")
print(f"{'threads':>7} {'engine':6} {'weights':12} {'vision s':>9} {'prefill tok/s':>14} {'decode tok/s':>13}"
      f"   {'vision x':>8} {'prefill x':>9} {'decode x':>8}   kernels")


def speed(r):
    return r["vision_best_s"], r["prompt_tokens"] / r["prefill_best_s"], (r["decode_tokens"] - 1) / r["decode_best_s"]


for threads in dict.fromkeys(r["threads"] for r in rows):
    group = [r for r in rows if r["threads"] == threads]
    tv, tp, td = speed(next(r for r in group if r["engine"] == "torch"))
    for r in group:
        v, p, d = speed(r)
        print(f"{threads:7} {r['engine']:6} {r['weights']:12} {v:9.3f} {p:14.1f} {d:13.2f}"
              f"   {tv / v:8.2f} {p / tp:9.2f} {d / td:8.2f}   {r['kernels']}")
print("(x: speed relative to PyTorch bf16 at the same thread count, above 1 is faster; PyTorch cannot run the"
      " FP8/W4A16 checkpoints on CPU)")
TABLE
