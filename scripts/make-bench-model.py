#!/usr/bin/env python3
"""Writes a bert-base-uncased-shaped BertForMaskedLM with random weights for benchmarks.

    python3 scripts/make-bench-model.py [models/bert-base-random]

Shapes are bert-base-uncased's (12 layers, hidden 768, 12 heads, intermediate 3072, vocabulary
30522, tied decoder): 110 M parameters, 440 MB of f32. Weights are drawn N(0, 0.02) as
transformers initialises them; the tokenizer is the real uncased BERT one, taken from the
default model (scripts/setup.sh fetches it). Needs only numpy; nothing is downloaded.
"""
import json
import os
import shutil
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_writer import write_safetensors  # noqa: E402

H, L, HEADS, I, V, P, T = 768, 12, 12, 3072, 30522, 512, 2
dest = sys.argv[1] if len(sys.argv) > 1 else "models/bert-base-random"
source = "models/all-MiniLM-L6-v2"
if not os.path.exists(os.path.join(source, "tokenizer.json")):
    sys.exit("run scripts/setup.sh first: the tokenizer comes from " + source)

rng = np.random.default_rng(0)
tensors = {}


def normal(*shape):
    return (rng.standard_normal(shape, dtype=np.float32) * np.float32(0.02)).astype("<f4")


def layer_norm(name):
    tensors[name + ".weight"] = np.ones(H, dtype="<f4")
    tensors[name + ".bias"] = np.zeros(H, dtype="<f4")


def linear(name, out_features, in_features):
    tensors[name + ".weight"] = normal(out_features, in_features)
    tensors[name + ".bias"] = np.zeros(out_features, dtype="<f4")


tensors["bert.embeddings.word_embeddings.weight"] = normal(V, H)
tensors["bert.embeddings.position_embeddings.weight"] = normal(P, H)
tensors["bert.embeddings.token_type_embeddings.weight"] = normal(T, H)
layer_norm("bert.embeddings.LayerNorm")
for i in range(L):
    p = f"bert.encoder.layer.{i}."
    for n in ("query", "key", "value"):
        linear(p + "attention.self." + n, H, H)
    linear(p + "attention.output.dense", H, H)
    layer_norm(p + "attention.output.LayerNorm")
    linear(p + "intermediate.dense", I, H)
    linear(p + "output.dense", H, I)
    layer_norm(p + "output.LayerNorm")
linear("cls.predictions.transform.dense", H, H)
layer_norm("cls.predictions.transform.LayerNorm")
tensors["cls.predictions.bias"] = np.zeros(V, dtype="<f4")

os.makedirs(dest, exist_ok=True)
write_safetensors(os.path.join(dest, "model.safetensors"), tensors)
config = {
    "architectures": ["BertForMaskedLM"], "model_type": "bert", "vocab_size": V, "hidden_size": H,
    "num_hidden_layers": L, "num_attention_heads": HEADS, "intermediate_size": I, "hidden_act": "gelu",
    "max_position_embeddings": P, "type_vocab_size": T, "layer_norm_eps": 1e-12, "pad_token_id": 0,
    "initializer_range": 0.02, "tie_word_embeddings": True,
}
with open(os.path.join(dest, "config.json"), "w") as f:
    json.dump(config, f, indent=2)
for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"):
    shutil.copy(os.path.join(source, name), os.path.join(dest, name))
print(f"wrote {dest}: {sum(t.size for t in tensors.values()) / 1e6:.1f} M parameters")
