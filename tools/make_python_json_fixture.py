"""Writes src/test/resources/io/python_json/{input,expected}.json: expected is Python's
json.dumps(json.load(input), indent=2, sort_keys=True), the way transformers and compressed-tensors write
config.json. Run: python3 tools/make_python_json_fixture.py"""
import json, pathlib, random

out = pathlib.Path(__file__).resolve().parent.parent / "src/test/resources/io/python_json"
out.mkdir(parents=True, exist_ok=True)
random.seed(7)
floats = [0.0, -0.0, 1.0, -2.5, 1e-06, 1e-05, 0.0001, 0.00012345, 1e16, 1.5e16, 123456789012345.6, 9999999999999998.0,
          0.48145466, 0.4578275, 0.26862954, 1e-300, 5e-324, 1.7976931348623157e308, 2.0 ** -7, 0.1, 1 / 3, 100000.0,
          1e22, 12345678.9, 1e+100]
floats += [random.uniform(-1e6, 1e6) for _ in range(40)] + [random.random() * 10 ** random.randint(-30, 30) for _ in range(40)]
doc = {
    "zeta": {"b": [], "a": {}, "c": [1, {"y": None, "x": True}], "é": "naïve — ✓ 𝄞", "ctrl": "tab\tnl\ncr\rq\"b\\\x01\x7f"},
    "alpha": floats,
    "ints": [0, -1, 151655, 2 ** 63 - 1, -(2 ** 63), 10 ** 30],
    "architectures": ["Qwen2_5_VLForConditionalGeneration"],
    "rope_scaling": {"mrope_section": [16, 24, 24], "type": "default"},
    "Upper": False, "_under": 1, "10": "digit key",
}
(out / "input.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=False))
(out / "expected.json").write_text(json.dumps(json.load(open(out / "input.json")), indent=2, sort_keys=True))
print("wrote", out)
