#!/usr/bin/env python3
"""Writes the fuzzers' small seed corpora into Fuzz/corpus/ (committed): JSON documents, tiny
tokenizer.json files built with the `tokenizers` library (WordPiece, byte-level BPE, Unigram,
each followed by 0xFF and a text), texts (after a byte choosing the tokenizer), and small safetensors files written by the
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
    for choice in range(3):  # the first byte chooses the tokenizer (Fuzz.swift, target encode)
        write("encode", f"text-{i}-tokenizer-{choice}", bytes([choice]) + text.encode())

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

# `bodies`: four header bytes (route number, flags, a KServe binary header length) then a body,
# as BodyFuzzer in Fuzz/Fuzz.swift reads them: one request per route, in its order there.
requests = [
    ("/", {"inputs": "a sentence to embed"}),
    ("/models/emb", {"inputs": ["one", "two"], "normalize": False}),
    ("/models/mask", {"inputs": "test [MASK]", "parameters": {"top_k": 2}}),
    ("/models/cls", {"inputs": {"text": "a", "text_pair": "b"}}),
    ("/embed", {"inputs": ["hello", [101, 102]], "truncate": True, "dimensions": 8}),
    ("/embed_all", {"inputs": "hello world"}),
    ("/embed_sparse", {"inputs": "hello"}),
    ("/predict", {"inputs": [["a", "b"]], "raw_scores": True}),
    ("/rerank", {"query": "q", "texts": ["a", "b"], "return_text": True}),
    ("/similarity", {"inputs": {"source_sentence": "a", "sentences": ["b", "c"]}}),
    ("/tokenize", {"inputs": ["hello world"], "add_special_tokens": True, "return_offsets": True}),
    ("/decode", {"ids": [[0, 5, 6]], "skip_special_tokens": True}),
    ("/v1/embeddings", {"model": "emb", "input": ["a", "b"], "encoding_format": "base64", "dimensions": 4}),
    ("/v1/rerank", {"model": "cls", "query": "q", "documents": ["a", "b"], "top_n": 1}),
    ("/v2/rerank", {"model": "cls", "query": "q", "documents": [{"text": "a"}], "return_documents": False}),
    ("/v2/models/emb/infer", {"inputs": [{"name": "text", "shape": [2], "datatype": "BYTES", "data": ["a", "b"]}]}),
    ("/v2/models/mask/infer",
     {"inputs": [{"name": "input_ids", "shape": [1, 3], "datatype": "INT64", "data": [101, 103, 102]}]}),
    ("/v2/models/cls/infer",
     {"inputs": [{"name": "text", "shape": [1], "datatype": "BYTES", "data": ["x"]}], "outputs": [{"name": "scores"}]}),
    ("/v1/models/emb:predict", {"instances": ["a", "b"]}),
    ("/models/cls/rerank", {"query": "q", "texts": ["a"]}),
    ("/models/mask/embed_sparse", {"inputs": ["x [MASK]"]}),
]
for i, (route, body) in enumerate(requests):
    write("bodies", f"route-{i:02d}", bytes([i, 0, 0, 0]) + json.dumps(body).encode())
header = json.dumps({"inputs": [{"name": "text", "shape": [1], "datatype": "BYTES",
                                 "parameters": {"binary_data_size": 9}}]}).encode()
write("bodies", "kserve-binary",
      bytes([15, 2, len(header) & 255, len(header) >> 8]) + header + (5).to_bytes(4, "little") + b"hello")
write("bodies", "raw-text", bytes([2, 1, 0, 0]) + b"test [MASK]")
print("seeds written to", ROOT)
