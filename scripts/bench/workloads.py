"""The comparison harness's inputs: the texts of each HTTP workload and of each engine batch,
made the same way for every server and engine (scripts/bench/compare.py).

Workloads (issue 6):
  a  fill-mask `test [MASK]` on models/bert-base-random, one text per request
  b  one short sentence per request on models/all-MiniLM-L6-v2
  c  one 128-token paragraph per request (128 tokens with [CLS] and [SEP])
  d  32 short sentences per request
"""
import json

BERT = "models/bert-base-random"
MINILM = "models/all-MiniLM-L6-v2"
# Newer families' shapes with random weights (scripts/make-family-bench-model.py).
FAMILY_MODELS = {family: f"models/{family}-base-random" for family in ("modernbert", "deberta-v2", "qwen3")}

# 32 short sentences (8-16 tokens each with the BERT uncased tokenizer).
SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "A man is playing a guitar on the street.",
    "The weather is lovely today in the city.",
    "She bought fresh bread at the market this morning.",
    "Our train was delayed by twenty minutes.",
    "The committee will meet again next Tuesday.",
    "He forgot his umbrella and got soaked in the rain.",
    "Children are building a sandcastle on the beach.",
    "The new library opens to the public in spring.",
    "Please send me the report before noon.",
    "A cat is sleeping on the warm windowsill.",
    "The museum has a large collection of old maps.",
    "They planted tomatoes and beans in the garden.",
    "The server answered every request in time.",
    "Two dogs are running across a snowy field.",
    "The recipe needs three eggs and a cup of flour.",
    "We watched the sunset from the top of the hill.",
    "The river flooded after a week of heavy rain.",
    "My phone battery dies before the end of the day.",
    "The orchestra played a symphony by Beethoven.",
    "A woman is slicing onions in the kitchen.",
    "The airport was crowded during the holidays.",
    "He learned to ride a bicycle when he was six.",
    "The price of coffee has gone up again.",
    "Students are waiting outside the exam hall.",
    "The old bridge was closed for repairs.",
    "A pilot checks the plane before every flight.",
    "The bakery on the corner sells excellent croissants.",
    "Scientists discovered a new species of frog.",
    "The meeting was moved to the larger room.",
    "A boy is kicking a ball against the wall.",
    "The hotel offers free breakfast to its guests.",
]
SHORT = SENTENCES[0]

# Source text of the 128-token paragraph and of the mixed-length batch (cut by token count).
_SOURCE = (
    "The history of the city begins with a small settlement of farmers and fishermen on the "
    "northern bank of the river. Over the centuries the settlement grew into a market town, "
    "and the market town into a busy port where ships from many countries unloaded wool, "
    "timber, salt and wine. The old stone bridge, built in the twelfth century, was for a long "
    "time the only crossing for many miles, and the tolls paid by travellers made the town "
    "rich. Merchants built tall houses along the water, and the guilds raised a hall on the "
    "main square that still stands today. In the nineteenth century the railway arrived, "
    "factories opened on the southern bank, and the population doubled within a single "
    "generation. Many of the old warehouses have since been turned into apartments, shops and "
    "museums, and the harbour now serves mostly pleasure boats. Visitors come in summer to walk "
    "along the walls, to taste the local food at the markets, and to listen to concerts in the "
    "churches, which are known for their fine organs and their painted ceilings. In winter the "
    "streets are quieter, and the people who live here say it is the best season to see the "
    "city as it really is."
)


def _prefix_with_tokens(tokenizer, target):
    """The longest word prefix of the source text whose encoding (special tokens included)
    has exactly `target` tokens, or at most `target` when no prefix has exactly that many."""
    words = _SOURCE.split()
    best = ""
    for n in range(1, len(words) + 1):
        text = " ".join(words[:n])
        count = len(tokenizer(text)["input_ids"])
        if count > target:
            break
        best = text
        if count == target:
            break
    return best


def paragraph(tokenizer, tokens=128):
    return _prefix_with_tokens(tokenizer, tokens)


def mixed_lengths(tokenizer, count=32, low=8, high=128):
    """`count` texts whose token counts spread evenly from `low` to `high` in a shuffled order
    (as requests arrive), the batch that padding hurts."""
    lengths = [low + (high - low) * i // (count - 1) for i in range(count)]
    order = [(i * 13) % count for i in range(count)]  # 13 is prime to 32: a permutation
    return [_prefix_with_tokens(tokenizer, lengths[i]) for i in order]


def http_workloads(tokenizer):
    """name -> dict(model, sluice/recipe body and content type, infinity body, description)."""
    para = paragraph(tokenizer)
    return {
        "a": {"model": BERT, "task": "fill-mask", "body": "test [MASK]", "type": "text/plain",
              "infinity": None, "what": "fill-mask `test [MASK]`, bert-base-shaped"},
        "b": {"model": MINILM, "task": "sentence-embeddings", "body": SHORT, "type": "text/plain",
              "infinity": json.dumps({"model": "minilm", "input": [SHORT]}),
              "what": "one short sentence, all-MiniLM-L6-v2"},
        "c": {"model": MINILM, "task": "sentence-embeddings", "body": para, "type": "text/plain",
              "infinity": json.dumps({"model": "minilm", "input": [para]}),
              "what": "one 128-token paragraph, all-MiniLM-L6-v2"},
        "d": {"model": MINILM, "task": "sentence-embeddings", "body": json.dumps({"inputs": SENTENCES}),
              "type": "application/json",
              "infinity": json.dumps({"model": "minilm", "input": SENTENCES}),
              "what": "32 sentences per request, all-MiniLM-L6-v2"},
    }


def engine_batches(tokenizer_minilm, tokenizer=None):
    """(model, task, [(name, texts)]) per model: the engine-only comparison's batches; with
    `tokenizer` (a function from a model folder to its tokenizer), also each newer family's
    bench model on one short sentence, 32 sentences and 32 mixed lengths (8-128 tokens)."""
    families = [] if tokenizer is None else [
        (model, "feature-extraction", [("1 short sentence", [SHORT]), ("32 short sentences", SENTENCES),
                                       ("32 mixed 8-128 tokens", mixed_lengths(tokenizer(model)))])
        for model in FAMILY_MODELS.values()]
    return families + [
        (BERT, "fill-mask", [("1 x test [MASK]", ["test [MASK]"]),
                             ("32 x test [MASK]", ["test [MASK]"] * 32)]),
        (MINILM, "feature-extraction", [("1 short sentence", [SHORT]),
                                        ("32 short sentences", SENTENCES),
                                        ("1 x 128-token paragraph", [paragraph(tokenizer_minilm)]),
                                        ("32 mixed 8-128 tokens", mixed_lengths(tokenizer_minilm))]),
    ]
