#!/usr/bin/env python3
"""Sluice's tokenizers against the Python `tokenizers` library, on the same corpus.

    python3 scripts/bench_tokenizers.py --sluice .build/release/sluice [--seconds 3] [--check]

For each fixture tokenizer (BERT WordPiece, RoBERTa byte-level BPE, XLM-R SentencePiece Unigram)
it writes the corpus of Tests/SluiceTokenizersTests/Fixtures/corpus_cases.jsonl (>= 2,000
inputs, singles and pairs) as JSON lines, then measures in one run:
  - Python `tokenizers`: `encode_batch` on one thread (RAYON_NUM_THREADS=1,
    TOKENIZERS_PARALLELISM=false), repeated for --seconds;
  - Sluice: `sluice tokenize --bench`, the same inputs one after the other on one thread;
both without the file's padding and truncation (bert-base-uncased's pads everything to 128);
and prints tokens per second for both and their ratio. Tokens are counted the same way on both
sides (ids of each encoding, special tokens included).

With --check it also runs `sluice tokenize` on the corpus and compares every field of every
line (ids, tokens, type_ids, offsets, special_tokens_mask, decoded) with the reference.

Needs a Python with `tokenizers` (the fixture script's venv will do).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

os.environ["RAYON_NUM_THREADS"] = "1"
os.environ["RAYON_RS_NUM_CPUS"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
FIXTURES = os.path.join(REPO, "Tests", "SluiceTokenizersTests", "Fixtures")
TOKENIZERS = [("BERT WordPiece (bert-base-uncased)", "bert-base-uncased"),
              ("byte-level BPE (RoBERTa kind)", "roberta-bpe"),
              ("SentencePiece Unigram (XLM-R kind)", "xlmr-unigram")]


def corpus():
    """The corpus from the header line of corpus_cases.jsonl: strings and [text, pair]."""
    with open(os.path.join(FIXTURES, "corpus_cases.jsonl"), encoding="utf-8") as f:
        header = json.loads(f.readline())
    return [(x, None) if isinstance(x, str) else (x[0], x[1]) for x in header["corpus"]]


def reference(name):
    from tokenizers import Tokenizer

    return Tokenizer.from_file(os.path.join(FIXTURES, name, "tokenizer.json"))


def without_padding(tok):
    """The tokenizer without the file's padding and truncation (bert-base-uncased pads every
    encoding to 128): the benchmark counts the tokens of the text, not padding."""
    from tokenizers import Tokenizer

    bare = Tokenizer.from_str(tok.to_str())
    bare.no_padding()
    bare.no_truncation()
    return bare


def python_rate(tok, inputs, seconds):
    batch = [x if p is None else (x, p) for x, p in inputs]
    # Counted once, outside the timing: reading `ids` builds Python lists.
    per_pass = sum(len(e.ids) for e in tok.encode_batch(batch))
    passes, start = 0, time.perf_counter()
    while True:
        tok.encode_batch(batch)
        passes += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return passes * per_pass / elapsed


def sluice_rate(sluice, name, path, seconds):
    out = subprocess.run([sluice, "tokenize", "--model", os.path.join(FIXTURES, name), "--bench",
                          "--seconds", str(seconds)], stdin=open(path, "rb"), capture_output=True,
                         check=True)
    return json.loads(out.stdout)["tokens_per_second"]


def check(sluice, name, path, inputs, tok):
    out = subprocess.run([sluice, "tokenize", "--model", os.path.join(FIXTURES, name)],
                         stdin=open(path, "rb"), capture_output=True, check=True)
    # Not splitlines(): the JSON keeps U+2028, U+0085… unescaped, as Python's json does.
    lines = out.stdout.decode("utf-8").rstrip("\n").split("\n")
    assert len(lines) == len(inputs), (len(lines), len(inputs))
    bad = 0
    for (text, pair), line in zip(inputs, lines):
        e = tok.encode(text, pair)
        want = {"ids": e.ids, "tokens": e.tokens, "type_ids": e.type_ids,
                "offsets": [list(o) for o in e.offsets],
                "special_tokens_mask": e.special_tokens_mask,
                "decoded": tok.decode(e.ids, skip_special_tokens=True)}
        got = json.loads(line)
        if list(got) != list(want) or got != want:
            bad += 1
            if bad <= 3:
                print(f"  differs for {text!r} / {pair!r}:\n    want {want}\n    got  {got}")
    print(f"  sluice tokenize: {len(inputs) - bad} of {len(inputs)} lines identical to the reference")
    return bad == 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--sluice", default=os.path.join(REPO, ".build", "release", "sluice"))
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    import tokenizers

    inputs = corpus()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "corpus.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for text, pair in inputs:
                f.write(json.dumps(text if pair is None else [text, pair]) + "\n")
        print(f"{len(inputs)} inputs; tokenizers {tokenizers.__version__}, one thread each, "
              f"{args.seconds:g} s per measurement")
        print(f"{'tokenizer':40} {'tokenizers tok/s':>17} {'Sluice tok/s':>13} {'Sluice/Rust':>12}")
        for title, name in TOKENIZERS:
            tok = reference(name)
            if args.check:
                ok = check(args.sluice, name, path, inputs, tok) and ok
            rust = python_rate(without_padding(tok), inputs, args.seconds)
            swift = sluice_rate(args.sluice, name, path, args.seconds)
            print(f"{title:40} {rust:17,.0f} {swift:13,.0f} {swift / rust:11.2f}x")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
