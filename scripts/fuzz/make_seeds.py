#!/usr/bin/env python3
"""Writes the fuzzers' small seed corpora into Fuzz/corpus/ (committed): JSON documents, tiny
tokenizer.json files built with the `tokenizers` library (WordPiece, byte-level BPE, Unigram,
each followed by 0xFF and a text), texts, and small safetensors files written by the
`safetensors` library. Run with the fixture venv: ~/.cache/sluice-fixture-venv/bin/python."""

import json
import os

import numpy as np
from safetensors.numpy import save
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "Fuzz/corpus")


def write(target, name, data):
    with open(os.path.join(ROOT, target, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


texts = ["Hello, world!", "ÀÉÎõü straße naïve café", "日本語のテキスト", "emoji 🤗🚀 and tabs\tand\nlines",
         "  leading and trailing  ", "[MASK] [CLS] <s> </s> <unk>", "a" * 200]
for i, text in enumerate(texts):
    write("encode", f"text-{i}", text)

documents = ['{"inputs": "test [MASK]", "parameters": {"top_k": 3}}', '[1, -2.5e-3, true, false, null]',
             '{"a": {"b": [{"c": "\\u00e9\\ud83e\\udd17"}]}}', '"\\n\\t\\\\\\""', '123456789012345678901234567890',
             '{"inputs": [[1, 2, 3], [4, 5]], "truncate": true}', '[]', '{}']
for i, document in enumerate(documents):
    write("json", f"doc-{i}", document)

vocab = {t: i for i, t in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "##s", "##ing", "a", "b",
                                     ",", "!", "the", "##e"])}
wordpiece = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
wordpiece.normalizer = normalizers.BertNormalizer(lowercase=True)
wordpiece.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
wordpiece.post_processor = processors.TemplateProcessing(
    single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
wordpiece.decoder = decoders.WordPiece()

bpe_vocab = {"<s>": 0, "</s>": 1, "h": 2, "e": 3, "l": 4, "o": 5, "Ġ": 6, "he": 7, "ll": 8, "hell": 9, "hello": 10, "Ġh": 11}
bpe = Tokenizer(models.BPE(bpe_vocab, [("h", "e"), ("l", "l"), ("he", "ll"), ("hell", "o"), ("Ġ", "h")]))
bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
bpe.post_processor = processors.RobertaProcessing(("</s>", 1), ("<s>", 0))
bpe.decoder = decoders.ByteLevel()

unigram = Tokenizer(models.Unigram([("<unk>", 0.0), ("▁", -1.0), ("▁hello", -2.0), ("▁world", -2.5), ("h", -3.0),
                                    ("e", -3.0), ("l", -3.0), ("o", -3.0)], unk_id=0))
unigram.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(" ", "▁")])
unigram.pre_tokenizer = pre_tokenizers.Metaspace()
unigram.decoder = decoders.Metaspace()

for name, tokenizer in [("wordpiece", wordpiece), ("bpe", bpe), ("unigram", unigram)]:
    write("tokenizer", name, tokenizer.to_str().encode() + b"\xff" + "Hello, worlds! héllo".encode())

rng = np.random.default_rng(0)
write("safetensors", "small", save({"a.weight": rng.standard_normal((3, 4)).astype(np.float32),
                                    "a.bias": np.zeros(4, dtype=np.float16), "ids": np.arange(5, dtype=np.int64)},
                                   metadata={"format": "pt"}))
write("safetensors", "empty", save({}))
write("safetensors", "bf16", save({"w": rng.standard_normal((2, 2)).astype(np.float32)}).replace(b'"F32"', b'"I32"'))
print("seeds written to", ROOT)
# The `bodies` seeds (one request per route, a KServe binary body, a raw text) are written by
# hand-made JSON in Fuzz/corpus/bodies/: four header bytes (route, flags, binary header length)
# then the body; see BodyFuzzer in Fuzz/Fuzz.swift.
