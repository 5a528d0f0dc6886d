#!/usr/bin/env python3
"""Writes a random-weight benchmark checkpoint shaped as a public model of a newer family.

    python3 scripts/make-family-bench-model.py {modernbert,deberta-v2,qwen3} [destination]

modernbert: answerdotai/ModernBERT-base's shapes (22 layers, hidden 768, 12 heads, gated GELU
feed-forward of 1152, vocabulary 50368, global attention every third layer, local window 128,
bias-free norms and projections, tied decoder), as ModernBertForMaskedLM: 149 M parameters,
596 MB of f32. Weights are drawn N(0, 0.02), norms ones. The tokenizer is the ModernBERT-style
byte-level BPE of the task fixtures (Tests/Fixtures/models/tasks/fill-mask-modernbert): token
counts are what the benchmarks need, and its ids lie inside the model's vocabulary. Needs only
numpy; nothing is downloaded.

deberta-v2: microsoft/deberta-v3-base's shapes (12 layers, hidden 768, 12 heads, intermediate
3072, vocabulary 128100, disentangled attention both ways over 256 log buckets, shared keys, a
normed relative table, no absolute positions or token types), as DebertaV2Model: 184 M
parameters. Tokenizer: the DeBERTa-v3-style one of the task fixtures.

qwen3: Qwen/Qwen3-Embedding-0.6B's shapes (28 layers, hidden 1024, 16 query and 8 key/value heads
of 128, gated SiLU feed-forward of 3072, vocabulary 151669, tied embeddings), as Qwen3Model:
596 M parameters, 2.4 GB of f32. Tokenizer: the Qwen2-style one of the task fixtures.
"""
import json
import os
import shutil
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_writer import write_safetensors  # noqa: E402

FAMILIES = {
    "modernbert": dict(hidden=768, layers=22, heads=12, intermediate=1152, vocab=50368, local_attention=128,
                       global_every=3, tokenizer="Tests/Fixtures/models/tasks/fill-mask-modernbert"),
    "deberta-v2": dict(hidden=768, layers=12, heads=12, intermediate=3072, vocab=128100, buckets=256,
                       tokenizer="Tests/Fixtures/models/tasks/feature-extraction-deberta-v2"),
    "qwen3": dict(hidden=1024, layers=28, heads=16, kv_heads=8, head_dim=128, intermediate=3072, vocab=151669,
                  tokenizer="Tests/Fixtures/models/tasks/feature-extraction-qwen3"),
}


TOKENIZER_SPECIALS = {
    "modernbert": dict(tokenizer_class="PreTrainedTokenizerFast", clean_up_tokenization_spaces=True, cls_token="[CLS]", sep_token="[SEP]",
                       pad_token="[PAD]", unk_token="[UNK]", mask_token="[MASK]"),
    "deberta-v2": dict(tokenizer_class="DebertaV2Tokenizer", cls_token="[CLS]", sep_token="[SEP]",
                       pad_token="[PAD]", unk_token="[UNK]", mask_token="[MASK]", bos_token="[CLS]",
                       eos_token="[SEP]", do_lower_case=False, split_by_punct=False, vocab_type="spm"),
    "qwen3": dict(tokenizer_class="Qwen2Tokenizer", pad_token="<|endoftext|>", eos_token="<|im_end|>",
                  clean_up_tokenization_spaces=False),
}


def deberta_v2(spec, normal):
    h, inner = spec["hidden"], spec["intermediate"]
    ones, zeros = (lambda n: np.ones(n, dtype="<f4")), (lambda n: np.zeros(n, dtype="<f4"))
    tensors = {"embeddings.word_embeddings.weight": normal(spec["vocab"], h),
               "embeddings.LayerNorm.weight": ones(h), "embeddings.LayerNorm.bias": zeros(h),
               "encoder.rel_embeddings.weight": normal(2 * spec["buckets"], h),
               "encoder.LayerNorm.weight": ones(h), "encoder.LayerNorm.bias": zeros(h)}
    for i in range(spec["layers"]):
        p = f"encoder.layer.{i}."
        for name, rows, cols in [("attention.self.query_proj", h, h), ("attention.self.key_proj", h, h),
                                 ("attention.self.value_proj", h, h), ("attention.output.dense", h, h),
                                 ("intermediate.dense", inner, h), ("output.dense", h, inner)]:
            tensors[p + name + ".weight"] = normal(rows, cols)
            tensors[p + name + ".bias"] = zeros(rows)
        for norm in ("attention.output.LayerNorm", "output.LayerNorm"):
            tensors[p + norm + ".weight"] = ones(h)
            tensors[p + norm + ".bias"] = zeros(h)
    config = {
        "architectures": ["DebertaV2Model"], "model_type": "deberta-v2", "vocab_size": spec["vocab"],
        "hidden_size": h, "num_hidden_layers": spec["layers"], "num_attention_heads": spec["heads"],
        "intermediate_size": inner, "hidden_act": "gelu", "max_position_embeddings": 512, "type_vocab_size": 0,
        "layer_norm_eps": 1e-7, "relative_attention": True, "position_buckets": spec["buckets"],
        "max_relative_positions": -1, "norm_rel_ebd": "layer_norm", "share_att_key": True,
        "pos_att_type": ["p2c", "c2p"], "position_biased_input": False, "pad_token_id": 0,
    }
    return tensors, config


def qwen3(spec, normal):
    h, inner, d = spec["hidden"], spec["intermediate"], spec["head_dim"]
    q, kv = spec["heads"] * d, spec["kv_heads"] * d
    tensors = {"embed_tokens.weight": normal(spec["vocab"], h), "norm.weight": np.ones(h, dtype="<f4")}
    for i in range(spec["layers"]):
        p = f"layers.{i}."
        for name, rows, cols in [("self_attn.q_proj", q, h), ("self_attn.k_proj", kv, h),
                                 ("self_attn.v_proj", kv, h), ("self_attn.o_proj", h, q),
                                 ("mlp.gate_proj", inner, h), ("mlp.up_proj", inner, h),
                                 ("mlp.down_proj", h, inner)]:
            tensors[p + name + ".weight"] = normal(rows, cols)
        for norm, width in [("input_layernorm", h), ("post_attention_layernorm", h), ("self_attn.q_norm", d),
                            ("self_attn.k_norm", d)]:
            tensors[p + norm + ".weight"] = np.ones(width, dtype="<f4")
    config = {
        "architectures": ["Qwen3Model"], "model_type": "qwen3", "vocab_size": spec["vocab"], "hidden_size": h,
        "num_hidden_layers": spec["layers"], "num_attention_heads": spec["heads"],
        "num_key_value_heads": spec["kv_heads"], "head_dim": d, "intermediate_size": inner, "hidden_act": "silu",
        "max_position_embeddings": 32768, "rms_norm_eps": 1e-6, "rope_theta": 1000000.0,
        "attention_bias": False, "use_sliding_window": False, "tie_word_embeddings": True,
        "bos_token_id": 151643, "eos_token_id": 151643,
    }
    return tensors, config


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
    write_safetensors(os.path.join(dest, "model.safetensors"), tensors)
    with open(os.path.join(dest, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    shutil.copy(os.path.join(tokenizer, "tokenizer.json"), os.path.join(dest, "tokenizer.json"))
    # As the public folders declare it, readable by transformers 4.57 (the benchmark peers) and 5.
    with open(os.path.join(dest, "tokenizer_config.json"), "w") as f:
        json.dump(dict(model_max_length=config["max_position_embeddings"],
                       model_input_names=["input_ids", "attention_mask"],
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

    tensors, config = {"modernbert": modernbert, "deberta-v2": deberta_v2, "qwen3": qwen3}[family](spec, normal)
    write(dest, tensors, config, spec["tokenizer"])


if __name__ == "__main__":
    main()
