"""Reference vectors for vLLM's requantize_with_max_scale (vllm/model_executor/layers/quantization/utils/w8a8_utils.py)
as it runs on CUDA, emulated with torch CPU casts:

    per_tensor_dequantize:  dq = fp16(code) * scale      the 0-dim f32 scale is cast to the fp16 operand dtype by the
                                                          CUDA kernel (dynamic casting), the product rounded to fp16
    static_scaled_fp8_quant: code = fp8_e4m3(clamp(f32(dq) * (1f / max_scale), -448, 448))   round to nearest even

Writes src/test/resources/transform/requantize_max_scale.json: per case the shard scale, the max scale, the input
codes and the expected output codes (hex). Seeded; re-running writes the same bytes.
"""
import json
import pathlib

import torch

torch.manual_seed(1234)
OUT = pathlib.Path(__file__).resolve().parent.parent / "src/test/resources/transform/requantize_max_scale.json"


def requantize(codes: torch.Tensor, scale: float, max_scale: float) -> torch.Tensor:
    dq = codes.to(torch.float16) * torch.tensor(scale, dtype=torch.float32).to(torch.float16)
    inv = torch.tensor(1.0, dtype=torch.float32) / torch.tensor(max_scale, dtype=torch.float32)
    x = (dq.to(torch.float32) * inv).clamp(-448.0, 448.0)
    return x.to(torch.float8_e4m3fn)


cases = []
# every code (except the NaN patterns) under several scale pairs, including bf16-valued scales and tiny ones whose
# fp16 cast is subnormal
all_codes = torch.tensor([b for b in range(256) if b not in (0x7F, 0xFF)], dtype=torch.uint8).view(torch.float8_e4m3fn)
pairs = [(0.0023, 0.0041), (1 / 448, 3 / 448), (0.0078125, 0.015625), (3.0e-5, 4.5e-5), (0.25, 0.2500001),
         (0.001953125, 0.5)]
for s, m in pairs:
    cases.append((s, m, all_codes))
for _ in range(6):
    s = float(torch.empty(1).uniform_(1e-4, 1e-2))
    m = s * float(torch.empty(1).uniform_(1.0, 4.0))
    codes = (torch.randn(512) * 100).clamp(-448, 448).to(torch.float8_e4m3fn)
    cases.append((s, m, codes))

out = []
for s, m, codes in cases:
    s32 = float(torch.tensor(s, dtype=torch.float32))
    m32 = float(torch.tensor(m, dtype=torch.float32))
    expected = requantize(codes, s32, m32)
    out.append({
        "scale": s32,
        "max_scale": m32,
        "codes": codes.view(torch.uint8).numpy().tobytes().hex(),
        "expected": expected.view(torch.uint8).numpy().tobytes().hex(),
    })
OUT.parent.mkdir(parents=True, exist_ok=True)
OUT.write_text(json.dumps({"torch": torch.__version__, "cases": out}, indent=1) + "\n")
print(f"wrote {len(out)} cases to {OUT}")
