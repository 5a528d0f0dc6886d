#!/usr/bin/env python3
"""The clients people use, unchanged, against running Sluice servers (scripts/clients/check-clients.sh
starts them and passes their URLs):

  openai            embeddings as floats and as base64 (the SDK's default), dimensions, models
                    list and retrieve, an unknown model's error
  tritonclient      the KServe v2 routes: live, ready, metadata, infer (binary and JSON)
  huggingface_hub   InferenceClient: feature_extraction, sentence_similarity, fill_mask,
                    text_classification, token_classification, question_answering,
                    zero_shot_classification, each checked against the reference outputs that
                    scripts/fixtures/make_task_fixtures.py committed for the same checkpoint

Usage: check_clients.py --embedding URL --fill-mask URL --text-classification URL
       --token-classification URL --question-answering URL --zero-shot URL --fixtures DIR
Prints one line per check and exits 1 if any failed.
"""
import argparse
import json
import math
import os
import sys

FAILURES = []


def check(name, condition, detail=""):
    print(("ok   " if condition else "FAIL ") + name + ("" if condition else f": {detail}"))
    if not condition:
        FAILURES.append(name)


def close(a, b, tolerance=1e-4):
    """Structural equality with floats within `tolerance`."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(a - b) <= tolerance
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(close(x, y, tolerance) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k], tolerance) for k in a)
    return a == b


def fixture_rows(fixtures, folder, file):
    with open(os.path.join(fixtures, folder, "expected", file), encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return [(row["input"], row.get("parameters") or {}, json.loads(row["json"])) for row in rows]


def plain(value):
    """A huggingface_hub output dataclass (or list of them) as plain JSON values."""
    if isinstance(value, list):
        return [plain(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {k: plain(getattr(value, k)) for k in value.__dataclass_fields__ if getattr(value, k) is not None}
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def check_openai(url):
    import numpy as np
    import openai

    client = openai.OpenAI(base_url=url + "/v1", api_key="unused", max_retries=0)
    models = client.models.list().data
    check("openai models.list names the served model", len(models) == 1, models)
    name = models[0].id
    check("openai models.retrieve", client.models.retrieve(name).id == name)
    texts = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
    default = client.embeddings.create(model=name, input=texts)  # base64 on the wire, decoded by the SDK
    floats = client.embeddings.create(model=name, input=texts, encoding_format="float")
    a = np.array([d.embedding for d in default.data])
    b = np.array([d.embedding for d in floats.data])
    check("openai embeddings: base64 (the SDK's default) decodes to the float answer", np.array_equal(a, b),
          np.abs(a - b).max())
    check("openai embeddings are unit length", np.allclose(np.linalg.norm(b, axis=1), 1, atol=1e-5))
    check("openai embeddings in input order", [d.index for d in floats.data] == [0, 1, 2])
    check("openai usage counts tokens", floats.usage.prompt_tokens == floats.usage.total_tokens > len(texts))
    short = client.embeddings.create(model=name, input=texts[0], dimensions=8, encoding_format="float")
    vector = np.array(short.data[0].embedding)
    expected = b[0][:8] / np.linalg.norm(b[0][:8])
    check("openai dimensions=8: the first 8 values, normalised again", vector.shape == (8,)
          and np.allclose(vector, expected, atol=1e-5), vector)
    try:
        client.embeddings.create(model="text-embedding-3-small", input="x")
        check("openai unknown model is an error", False, "no error")
    except openai.BadRequestError as error:
        check("openai unknown model is BadRequestError model_not_found", error.code == "model_not_found", error)
    try:
        client.embeddings.create(model=name, input="")
        check("openai empty input is an error", False, "no error")
    except openai.BadRequestError:
        check("openai empty input is BadRequestError", True)


def check_triton(embedding, text_classification, fill_mask):
    """tritonclient.http against the KServe v2 routes: health, metadata, and infer with the
    client's defaults (binary BYTES input, binary outputs) and in plain JSON."""
    import numpy as np
    import openai
    import tritonclient.http as httpclient

    def host(url):
        return url.split("://", 1)[1]

    client = httpclient.InferenceServerClient(host(embedding))
    name = openai.OpenAI(base_url=embedding + "/v1", api_key="unused").models.list().data[0].id
    check("tritonclient is_server_live", client.is_server_live())
    check("tritonclient is_server_ready", client.is_server_ready())
    check("tritonclient is_model_ready", client.is_model_ready(name))
    check("tritonclient is_model_ready(unknown) is False", not client.is_model_ready("nope"))
    metadata = client.get_model_metadata(name)
    check("tritonclient get_model_metadata", metadata["outputs"][0]["datatype"] == "FP32", metadata)
    check("tritonclient get_server_metadata", "binary_tensor_data" in client.get_server_metadata()["extensions"])
    texts = ["The weather is lovely today.", "héllo wörld"]
    floats = np.array([d.embedding for d in openai.OpenAI(base_url=embedding + "/v1", api_key="unused")
                       .embeddings.create(model=name, input=texts, encoding_format="float").data], dtype=np.float32)
    tensor = httpclient.InferInput("input-0", [len(texts)], "BYTES")
    tensor.set_data_from_numpy(np.array(texts, dtype=object))  # binary, the client's default
    result = client.infer(name, [tensor], request_id="r1")
    vectors = result.as_numpy("output-0")
    check("tritonclient infer (binary in and out): FP32 [2, d] equal to the OpenAI route's",
          vectors is not None and vectors.dtype == np.float32 and np.allclose(vectors, floats, atol=1e-6), vectors)
    check("tritonclient infer echoes the request id", result.get_response().get("id") == "r1")
    tensor = httpclient.InferInput("input-0", [len(texts)], "BYTES")
    tensor.set_data_from_numpy(np.array(texts, dtype=object), binary_data=False)
    output = httpclient.InferRequestedOutput("output-0", binary_data=False)
    vectors = client.infer(name, [tensor], outputs=[output]).as_numpy("output-0")
    check("tritonclient infer (JSON in and out)", vectors is not None and np.allclose(vectors, floats, atol=1e-6))
    urgent = client.infer(name, [tensor], outputs=[output], priority=1).as_numpy("output-0")
    check("tritonclient infer with priority=1 (the schedule-policy parameter)",
          urgent is not None and np.allclose(urgent, floats, atol=1e-6))

    classifier = httpclient.InferenceServerClient(host(text_classification))
    cname = classifier.get_server_metadata() and "text-classification-bert"
    tensor = httpclient.InferInput("input-0", [2], "BYTES")
    tensor.set_data_from_numpy(np.array(["Hello world!", "A fine day"], dtype=object))
    result = classifier.infer(cname, [tensor])
    labels, scores = result.as_numpy("output-0"), result.as_numpy("scores")
    check("tritonclient classification: INT64 label ids and FP32 scores",
          labels is not None and labels.dtype == np.int64 and scores.shape[0] == 2
          and np.array_equal(labels, scores.argmax(axis=1)), (labels, scores))

    masked = httpclient.InferenceServerClient(host(fill_mask))
    tensor = httpclient.InferInput("input-0", [1], "BYTES")
    tensor.set_data_from_numpy(np.array(["Paris is the [MASK] of France."], dtype=object))
    tokens = masked.infer("fill-mask-distilbert", [tensor]).as_numpy("output-0")
    check("tritonclient fill-mask: BYTES decoded tokens", tokens is not None and isinstance(tokens[0], bytes), tokens)


def check_inference_client(args):
    from huggingface_hub import InferenceClient

    fixtures = args.fixtures

    embedding = InferenceClient(base_url=args.embedding)
    vector = embedding.feature_extraction("The weather is lovely today.")
    check("InferenceClient.feature_extraction", getattr(vector, "ndim", 0) >= 1 and vector.shape[-1] > 8, vector)
    normalized = embedding.feature_extraction("The weather is lovely today.", normalize=True, truncate=True)
    check("InferenceClient.feature_extraction(normalize, truncate) at the root",
          abs(float((normalized ** 2).sum()) - 1) < 1e-4, normalized)
    similarity = embedding.sentence_similarity(
        "The weather is lovely today.", other_sentences=["It's so sunny outside!", "He drove to the stadium."])
    check("InferenceClient.sentence_similarity", len(similarity) == 2 and similarity[0] > similarity[1], similarity)

    cases = [
        ("fill_mask", args.fill_mask, "fill-mask-distilbert", "fill_mask.jsonl",
         lambda c, i, p: c.fill_mask(i, **p)),
        ("text_classification", args.text_classification, "text-classification-bert", "text_classification.jsonl",
         lambda c, i, p: c.text_classification(i, **p)),
        ("token_classification", args.token_classification, "token-classification-bert",
         "token_classification.jsonl", lambda c, i, p: c.token_classification(i, **p)),
        ("question_answering", args.question_answering, "question-answering-bert", "question_answering.jsonl",
         lambda c, i, p: c.question_answering(question=i["question"], context=i["context"], **p)),
        ("zero_shot_classification", args.zero_shot, "zero-shot-bert", "zero_shot_classification.jsonl",
         lambda c, i, p: c.zero_shot_classification(i, **p)),
    ]
    for name, url, folder, file, call in cases:
        client = InferenceClient(base_url=url)
        compared = 0
        for inp, params, reference in fixture_rows(fixtures, folder, file):
            if not isinstance(inp, (str, dict)) or (isinstance(inp, dict) and name != "question_answering"):
                continue
            kwargs = dict(params)
            if name == "zero_shot_classification":
                kwargs = {"candidate_labels": params.get("candidate_labels"),
                          "multi_label": params.get("multi_label", False)}
                if "hypothesis_template" in params:
                    kwargs["hypothesis_template"] = params["hypothesis_template"]
            elif set(kwargs) - {"top_k", "targets", "function_to_apply", "aggregation_strategy"}:
                continue
            answer = plain(call(client, inp, kwargs))
            if name == "zero_shot_classification":
                # The client turns {"labels", "scores"} into one element per label.
                reference = [{"label": l, "score": s} for l, s in zip(reference["labels"], reference["scores"])]
            if name == "text_classification":
                reference = reference if isinstance(reference, list) else [reference]
                if "top_k" not in params:
                    # The Inference API scores every label; the pipeline's legacy answer is the best.
                    answer = answer[:1]
            if name == "question_answering" and isinstance(answer, list) and len(answer) == 1:
                answer = answer[0]
            if name == "token_classification":
                reference = [{k: v for k, v in r.items() if k in ("entity_group", "score", "word", "start", "end")}
                             for r in reference]
                answer = [{k: v for k, v in r.items() if k in ("entity_group", "score", "word", "start", "end")}
                          for r in answer]
            if not close(answer, reference):
                check(f"InferenceClient.{name} {json.dumps(inp)[:40]}", False, f"{answer} vs {reference}")
                break
            compared += 1
            if compared == 3:
                break
        check(f"InferenceClient.{name}: {compared} answers equal the reference", compared > 0)


def main():
    parser = argparse.ArgumentParser()
    for flag in ("embedding", "fill-mask", "text-classification", "token-classification", "question-answering",
                 "zero-shot", "fixtures"):
        parser.add_argument("--" + flag, required=True)
    args = parser.parse_args()
    check_openai(args.embedding)
    check_triton(args.embedding, args.text_classification, args.fill_mask)
    check_inference_client(args)
    print(f"clients: {len(FAILURES)} failed")
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
