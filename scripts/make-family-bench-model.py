#!/usr/bin/env python3
"""Writes a random-weight benchmark checkpoint shaped as a public model of a newer family.

    python3 scripts/make-family-bench-model.py modernbert [models/modernbert-base-random]

modernbert: answerdotai/ModernBERT-base's shapes (22 layers, hidden 768, 12 heads, gated GELU
feed-forward of 1152, vocabulary 50368, global attention every third layer, local window 128,
bias-free norms and projections, tied decoder), as ModernBertForMaskedLM: 149 M parameters,
596 MB of f32. Weights are drawn N(0, 0.02), norms ones. The tokenizer is the ModernBERT-style
byte-level BPE of the task fixtures (Tests/Fixtures/models/tasks/fill-mask-modernbert): token
counts are what the benchmarks need, and its ids lie inside the model's vocabulary. Needs only
numpy; nothing is downloaded.
"""
import json
import os
import shutil
import struct
import sys

import numpy as np

FAMILIES = {
    "modernbert": dict(hidden=768, layers=22, heads=12, intermediate=1152, vocab=50368, local_attention=128,
                       global_every=3, tokenizer="Tests/Fixtures/models/tasks/fill-mask-modernbert"),
}


TOKENIZER_SPECIALS = {
    "modernbert": dict(cls_token="[CLS]", sep_token="[SEP]", pad_token="[PAD]", unk_token="[UNK]",
                       mask_token="[MASK]"),
}


def modernbert(spec, normal):
    h, inner = spec["hidden"], spec["intermediate"]
    tensors = {"model.embeddings.tok_embeddings.weight": normal(spec["vocab"], h),
               "model.embeddings.norm.weight": np.ones(h, dtype="<f4"),
               "model.final_norm.weight": np.ones(h, dtype="<f4"),
               "head.dense.weight": normal(h, h), "head.norm.weight": np.ones(h, dtype="<f4"),
               "decoder.bias": np.zeros(spec["vocab"], dtype="<f4")}
    for i in range(spec["layers"]):
        p = f"model.layers.{i}."
        if i > 0:
            tensors[p + "attn_norm.weight"] = np.ones(h, dtype="<f4")
        tensors[p + "attn.Wqkv.weight"] = normal(3 * h, h)
        tensors[p + "attn.Wo.weight"] = normal(h, h)
        tensors[p + "mlp_norm.weight"] = np.ones(h, dtype="<f4")
        tensors[p + "mlp.Wi.weight"] = normal(2 * inner, h)
        tensors[p + "mlp.Wo.weight"] = normal(h, inner)
    with open(os.path.join(spec["tokenizer"], "config.json")) as f:
        fixture = json.load(f)
    config = {
        "architectures": ["ModernBertForMaskedLM"], "model_type": "modernbert", "vocab_size": spec["vocab"],
        "hidden_size": h, "num_hidden_layers": spec["layers"], "num_attention_heads": spec["heads"],
        "intermediate_size": inner, "hidden_activation": "gelu", "max_position_embeddings": 8192,
        "norm_eps": 1e-5, "norm_bias": False, "attention_bias": False, "mlp_bias": False, "decoder_bias": True,
        "classifier_bias": False, "classifier_activation": "gelu", "classifier_pooling": "mean",
        "local_attention": spec["local_attention"], "global_attn_every_n_layers": spec["global_every"],
        "global_rope_theta": 160000.0, "local_rope_theta": 10000.0, "tie_word_embeddings": True,
        "pad_token_id": fixture["pad_token_id"], "bos_token_id": fixture["bos_token_id"],
        "eos_token_id": fixture["eos_token_id"], "cls_token_id": fixture["cls_token_id"],
        "sep_token_id": fixture["sep_token_id"],
    }
    return tensors, config


def write(dest, tensors, config, tokenizer):
    os.makedirs(dest, exist_ok=True)
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    for name in sorted(tensors):
        size = tensors[name].nbytes
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + size]}
        offset += size
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)  # keep the data 8-byte aligned
    with open(os.path.join(dest, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for name in sorted(tensors):
            f.write(tensors[name].tobytes())
    with open(os.path.join(dest, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    shutil.copy(os.path.join(tokenizer, "tokenizer.json"), os.path.join(dest, "tokenizer.json"))
    # As the public folders declare it, readable by transformers 4.57 (the benchmark peers) and 5.
    with open(os.path.join(dest, "tokenizer_config.json"), "w") as f:
        json.dump(dict(tokenizer_class="PreTrainedTokenizerFast", model_max_length=config["max_position_embeddings"],
                       model_input_names=["input_ids", "attention_mask"], clean_up_tokenization_spaces=True,
                       **TOKENIZER_SPECIALS[config["model_type"]]), f, indent=2)
    print(f"wrote {dest}: {sum(t.size for t in tensors.values()) / 1e6:.1f} M parameters")


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in FAMILIES:
        sys.exit(f"usage: {sys.argv[0]} {{{','.join(FAMILIES)}}} [destination]")
    family = sys.argv[1]
    dest = sys.argv[2] if len(sys.argv) > 2 else f"models/{family}-base-random"
    spec = FAMILIES[family]
    rng = np.random.default_rng(0)

    def normal(*shape):
        return (rng.standard_normal(shape, dtype=np.float32) * np.float32(0.02)).astype("<f4")

    tensors, config = {"modernbert": modernbert}[family](spec, normal)
    write(dest, tensors, config, spec["tokenizer"])


if __name__ == "__main__":
    main()
