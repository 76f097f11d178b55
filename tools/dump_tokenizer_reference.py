#!/usr/bin/env python3
"""Reference tokenizations and chat prompts for vlmq.engine.tokenizer and vlmq.engine.qwen.QwenChat, from
transformers 5.18 (its Qwen2Tokenizer on the bundled demo's tokenizer.json, Qwen's real vocabulary) and
apply_chat_template. Writes src/test/resources/engine/tokenizer/:

  qwen_tokenizer.json  {"encode": [{text, ids, decoded, decoded_skip_special}],
                        "decode": [{ids, decoded, decoded_skip_special}]}
      encode: hand-picked strings (ASCII, contractions, digit runs, whitespace runs, CJK, emoji with ZWJ and
      skin tones, combining marks that NFC composes, special tokens in running text, a 6 750-character text)
      plus seeded random mixes of those scripts; decode: seeded random id sequences over the whole vocabulary
      (special tokens and token runs that end inside a UTF-8 character included).
  chat_prompts.json    [{family, messages, add_generation_prompt, enable_thinking, text, ids}]
      conversations rendered with the demo's Qwen2.5-VL template and the Qwen3-VL-Instruct and Qwen3.5 templates in
      tools/chat_templates/ (byte-identical to the checkpoints' chat_template.jinja files: SHA-256 3636d0f0…
      Qwen3-VL-4B/8B-Instruct, a4aee8af… Qwen3.5-27B/35B-A3B), then tokenized.

Deterministic (seed 20250717); run from the repository root:
    python3 tools/dump_tokenizer_reference.py
"""
import json
import random
from pathlib import Path

import transformers as T

SEED = 20250717
DEMO = Path("src/main/resources/vlmq/demo/qwen2_5_vl_tiny")
TEMPLATES = Path("tools/chat_templates")
OUT = Path("src/test/resources/engine/tokenizer")

HANDPICKED = [
    "",
    "Hello",
    "Hello, world! How are you today?",
    "I'm sure they'll say we've done it; it's THEY'RE and DON'T too.",
    "1234567890 3.14159 -42 1e-6 0x1F",
    "def f(x):\n\treturn x * 2  # doubled\n",
    "a    b\t\t c\r\n d\n\n\n  e   ",
    "   leading spaces",
    "trailing spaces   ",
    "\n",
    " ",
    "\t\n \r\n",
    "你好，世界！今天天气很好。",
    "日本語のテキストとカタカナ、ひらがな。",
    "한국어 문장입니다.",
    "Привет, мир! Ёлка.",
    "مرحبا بالعالم",
    "नमस्ते दुनिया, क्षत्रिय",
    "ภาษาไทยไม่มีช่องว่าง",
    "🎉👍🏽 🇯🇵 👨‍👩‍👧‍👦 ❤️ 🧑🏿‍🚀",
    "e\u0301 a\u0308 n\u0303: cafe\u0301 (NFC composes these)",
    "Ｆｕｌｌｗｉｄｔｈ　ｓｐａｃｅ and ﬁ ligature",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕞𝕒𝕥𝕙 and 𠀀𠀁 (astral CJK)",
    "<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n",
    "<|vision_start|><|image_pad|><|vision_end|>What is in this image?",
    "text<|endoftext|>more text",
    "<|im_start <|im_end|| <|im_start|x not special tokens",
    "<tool_call>\n{\"name\": \"f\"}\n</tool_call>",
    "Mixed: English, 中文, русский, 🤖, and code `x += 1`.",
    "The quick brown fox jumps over the lazy dog. " * 150,
]

POOLS = [
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "0123456789",
    " .,;:!?'\"()[]{}<>-_=+*/\\|@#$%^&~`",
    " \t\n\r",
    "".join(chr(c) for c in range(0x4E00, 0x4E00 + 400)),
    "".join(chr(c) for c in range(0x3041, 0x3097)),
    "".join(chr(c) for c in range(0xAC00, 0xAC00 + 300)),
    "".join(chr(c) for c in range(0x0410, 0x0450)),
    "".join(chr(c) for c in range(0x0627, 0x064B)),
    "".join(chr(c) for c in range(0x0905, 0x0940)) + "\u093e\u093f\u0940\u0941\u094d",
    "".join(chr(c) for c in range(0x0300, 0x0370)),
    "".join(chr(c) for c in range(0x1F300, 0x1F300 + 300)) + "\u200d\ufe0f\U0001F3FB\U0001F3FF",
    "".join(chr(c) for c in range(0x1D400, 0x1D400 + 100)),
]
SPECIALS = ["<|im_start|>", "<|im_end|>", "<|endoftext|>", "<|vision_start|>", "<|image_pad|>", "<|vision_end|>"]


def random_texts(rng, count):
    texts = []
    for _ in range(count):
        pools = rng.sample(POOLS, rng.randint(1, 4))
        parts = []
        for _ in range(rng.randint(1, 12)):
            if rng.random() < 0.08:
                parts.append(rng.choice(SPECIALS))
            else:
                pool = rng.choice(pools)
                parts.append("".join(rng.choice(pool) for _ in range(rng.randint(1, 8))))
        texts.append("".join(parts))
    return texts


def random_ids(rng, count, vocab):
    out = []
    for _ in range(count):
        ids = [rng.randrange(vocab) for _ in range(rng.randint(1, 16))]
        if rng.random() < 0.3:
            ids.insert(rng.randrange(len(ids) + 1), rng.randrange(151643, 151665))
        out.append(ids)
    return out


def tokenizer_cases(tok, rng):
    encode = []
    for text in HANDPICKED + random_texts(rng, 300):
        ids = tok(text, add_special_tokens=False)["input_ids"]
        encode.append(dict(text=text, ids=ids, decoded=tok.decode(ids, skip_special_tokens=False),
                           decoded_skip_special=tok.decode(ids, skip_special_tokens=True)))
    # byte-level pieces of a 4-byte emoji and a CJK character: decoded alone they end inside a character
    partial = [[11162, 236], [11162], [99489], [9707, 11162], [151644, 11162, 236]]
    decode = []
    for ids in partial + random_ids(rng, 200, len(tok)):
        decode.append(dict(ids=ids, decoded=tok.decode(ids, skip_special_tokens=False),
                           decoded_skip_special=tok.decode(ids, skip_special_tokens=True)))
    return dict(encode=encode, decode=decode)


def image():
    return {"type": "image"}


def text(t):
    return {"type": "text", "text": t}


CONVERSATIONS = [
    [{"role": "user", "content": [image(), text("What is in this image?")]}],
    [{"role": "user", "content": "Just a string, no parts."}],
    [{"role": "system", "content": "You are terse."}, {"role": "user", "content": [text("Hi!")]}],
    [{"role": "system", "content": [text("  Answer in French.  \n")]},
     {"role": "user", "content": [image(), image(), text("Compare these two pictures.")]}],
    [{"role": "user", "content": [text("  Describe this.  \n"), image()]}],
    [{"role": "user", "content": [text("What colour is the sky?")]},
     {"role": "assistant", "content": [text("Blue.")]},
     {"role": "user", "content": [image(), text("And here?")]}],
    [{"role": "user", "content": "Think first."},
     {"role": "assistant", "content": "<think>\nThe user wants thought.\n</think>\n\nDone."},
     {"role": "user", "content": "Again, in one word."}],
    [{"role": "user", "content": [text("Solve 2+2.")]},
     {"role": "assistant", "content": "<think>\nadd\n</think>\n\n4"}],
    [{"role": "user", "content": [text("中文问题：这是什么？"), image()]}],
]


def chat_cases(tok):
    templates = {"qwen2_5_vl": tok.chat_template,
                 "qwen3_vl": (TEMPLATES / "qwen3_vl.jinja").read_text(),
                 "qwen3_5": (TEMPLATES / "qwen3_5.jinja").read_text()}
    cases = []
    for family, template in templates.items():
        for messages in CONVERSATIONS:
            ends_with_assistant = messages[-1]["role"] == "assistant"
            for thinking in ([True, False] if family == "qwen3_5" and not ends_with_assistant else [None]):
                kwargs = {} if thinking is None else {"enable_thinking": thinking}
                rendered = tok.apply_chat_template(messages, chat_template=template, tokenize=False,
                                                   add_generation_prompt=not ends_with_assistant, **kwargs)
                cases.append(dict(family=family, messages=messages, add_generation_prompt=not ends_with_assistant,
                                  enable_thinking=thinking, text=rendered,
                                  ids=tok(rendered, add_special_tokens=False)["input_ids"]))
    return cases


def main():
    rng = random.Random(SEED)
    tok = T.AutoTokenizer.from_pretrained(DEMO)
    OUT.mkdir(parents=True, exist_ok=True)
    tokenizer = tokenizer_cases(tok, rng)
    lines = lambda cases: ",\n".join(json.dumps(c, ensure_ascii=False) for c in cases)
    (OUT / "qwen_tokenizer.json").write_text('{"encode": [\n' + lines(tokenizer["encode"]) + '\n],\n"decode": [\n'
                                             + lines(tokenizer["decode"]) + "\n]}\n")
    chats = chat_cases(tok)
    (OUT / "chat_prompts.json").write_text("[\n" + lines(chats) + "\n]\n")
    print(f"{len(tokenizer['encode'])} encode cases, {len(tokenizer['decode'])} decode cases, "
          f"{len(chats)} chat prompts")


if __name__ == "__main__":
    main()
