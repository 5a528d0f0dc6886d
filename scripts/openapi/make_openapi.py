#!/usr/bin/env python3
"""Writes Sluice's OpenAPI document, one for every route the server has, into
Sources/SluiceServer/OpenAPIDocument.swift (a string the server serves at /openapi.json, so the
binary needs no resource files). Run after changing a route, then commit both:

    python3 scripts/openapi/make_openapi.py

Only the standard library; the schemas are written here, from the routes' own code and README.
"""
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Sources", "SluiceServer", "OpenAPIDocument.swift")
VERSION = "0.1.0"


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def json_body(schema, description=None, required=True):
    body = {"required": required, "content": {"application/json": {"schema": schema}}}
    if description:
        body["description"] = description
    return body


def answer(description, schema=None):
    response = {"description": description}
    if schema is not None:
        response["content"] = {"application/json": {"schema": schema}}
    return response


def errors(error_schema, statuses):
    texts = {
        400: "malformed request", 401: "missing or wrong API key", 404: "unknown route or model",
        413: "body or input list too large", 422: "well-formed but unusable", 424: "the model cannot answer this route",
        429: "queue full", 503: "loading, draining, or queue full", 504: "timed out in the queue",
    }
    return {str(status): answer(texts[status], ref(error_schema)) for status in statuses}


def operation(summary, tag, responses, body=None, parameters=None, description=None):
    op = {"summary": summary, "tags": [tag], "responses": responses}
    if description:
        op["description"] = description
    if body:
        op["requestBody"] = body
    if parameters:
        op["parameters"] = parameters
    return op


NAME = [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"},
         "description": "the served model's name (`/v1/models`), or the folder or hub id it was loaded from"}]

NUMBER = {"type": "number"}
FLOATS = {"type": "array", "items": NUMBER}
TOKEN_IDS = {"type": "array", "items": {"type": "integer", "minimum": 0}}
TEXT_OR_IDS = {"oneOf": [{"type": "string"}, TOKEN_IDS]}
PRIORITY = {"priority": {"type": "integer", "description": "lower is more urgent (default 0, as vLLM's): "
                                                            "batches take more urgent requests first"}}
TRUNCATION = {
    "truncate": {"type": "boolean", "nullable": True, "description": "cut inputs longer than the model (default true)"},
    "truncation_direction": {"type": "string", "enum": ["Left", "Right", "left", "right"]},
}

schemas = {
    "NativeError": {"type": "object", "required": ["error", "error_type"], "properties": {
        "error": {"type": "string"},
        "error_type": {"type": "string", "enum": ["bad_request", "unauthorized", "not_found", "method_not_allowed",
                                                   "payload_too_large", "validation", "unsupported", "overloaded",
                                                   "timeout", "client_closed_request", "internal"]}}},
    "TEIError": {"type": "object", "required": ["error", "error_type"], "properties": {
        "error": {"type": "string"},
        "error_type": {"type": "string", "enum": ["Unhealthy", "Backend", "Overloaded", "Validation", "Tokenizer", "Empty"]}}},
    "OpenAIError": {"type": "object", "required": ["error"], "properties": {
        "error": {"type": "object", "required": ["message", "type"], "properties": {
            "message": {"type": "string"}, "type": {"type": "string"},
            "param": {"type": "string", "nullable": True}, "code": {"type": "string", "nullable": True}}},
        "message": {"type": "string"}, "code": {"type": "integer"}, "error_type": {"type": "string"}}},
    "KServeError": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
    "InferenceAPIRequest": {"type": "object", "required": ["inputs"], "properties": {
        "inputs": {"description": "a text, a task's object (`{text, text_pair}`, `{question, context}`, "
                                  "`{query, texts}`, `{source_sentence, sentences}`), or a list of them"},
        "parameters": {"type": "object", "nullable": True, "description": "the task's parameters"},
        "options": {"type": "object", "description": "accepted and ignored"},
        "normalize": {"type": "boolean"}, "prompt_name": {"type": "string"}, **TRUNCATION, **PRIORITY}},
    "Info": {"type": "object", "required": ["model_id", "model_type", "max_input_length", "max_client_batch_size",
                                            "task", "tasks", "version"], "properties": {
        "model_id": {"type": "string"}, "model_sha": {"type": "string", "nullable": True},
        "model_dtype": {"type": "string"}, "served_model_name": {"type": "string"},
        "model_type": {"type": "object"}, "max_concurrent_requests": {"type": "integer"},
        "max_input_length": {"type": "integer"}, "max_batch_tokens": {"type": "integer"},
        "max_batch_requests": {"type": "integer"}, "max_client_batch_size": {"type": "integer"},
        "auto_truncate": {"type": "boolean"}, "tokenization_workers": {"type": "integer"},
        "version": {"type": "string"}, "task": {"type": "string"}, "tasks": {"type": "array", "items": {"type": "string"}},
        "architecture": {"type": "string", "nullable": True}, "weights": {"type": "string"},
        "max_input_tokens": {"type": "integer"}, "limits": {"type": "object"}}},
    "EmbedRequest": {"type": "object", "required": ["inputs"], "properties": {
        "inputs": {"oneOf": [TEXT_OR_IDS, {"type": "array", "items": TEXT_OR_IDS}]},
        "normalize": {"type": "boolean"}, "dimensions": {"type": "integer", "nullable": True},
        "prompt_name": {"type": "string", "nullable": True}, **TRUNCATION, **PRIORITY}},
    "TokenEmbedRequest": {"type": "object", "required": ["inputs"], "properties": {
        "inputs": {"oneOf": [TEXT_OR_IDS, {"type": "array", "items": TEXT_OR_IDS}]},
        "prompt_name": {"type": "string", "nullable": True}, **TRUNCATION, **PRIORITY}},
    "PredictRequest": {"type": "object", "required": ["inputs"], "properties": {
        "inputs": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 2},
                             {"type": "array", "items": {"type": "array", "items": {"type": "string"},
                                                          "minItems": 1, "maxItems": 2}}]},
        "raw_scores": {"type": "boolean"}, **TRUNCATION, **PRIORITY}},
    "Prediction": {"type": "object", "required": ["score", "label"],
                   "properties": {"score": NUMBER, "label": {"type": "string"}}},
    "RerankRequest": {"type": "object", "required": ["query", "texts"], "properties": {
        "query": {"type": "string"}, "texts": {"type": "array", "items": {"type": "string"}},
        "raw_scores": {"type": "boolean"}, "return_text": {"type": "boolean"}, **TRUNCATION, **PRIORITY}},
    "Rank": {"type": "object", "required": ["index", "score"], "properties": {
        "index": {"type": "integer"}, "text": {"type": "string"}, "score": NUMBER}},
    "SimilarityRequest": {"type": "object", "required": ["inputs"], "properties": {
        "inputs": {"type": "object", "required": ["source_sentence", "sentences"], "properties": {
            "source_sentence": {"type": "string"}, "sentences": {"type": "array", "items": {"type": "string"}}}},
        "parameters": {"type": "object", "nullable": True, "properties": {
            "prompt_name": {"type": "string", "nullable": True}, **TRUNCATION}}, **PRIORITY}},
    "TokenizeRequest": {"type": "object", "required": ["inputs"], "properties": {
        "inputs": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "add_special_tokens": {"type": "boolean"}, "prompt_name": {"type": "string", "nullable": True}}},
    "Token": {"type": "object", "required": ["id", "text", "special", "start", "stop"], "properties": {
        "id": {"type": "integer"}, "text": {"type": "string"}, "special": {"type": "boolean"},
        "start": {"type": "integer", "nullable": True}, "stop": {"type": "integer", "nullable": True}}},
    "DecodeRequest": {"type": "object", "required": ["ids"], "properties": {
        "ids": {"oneOf": [TOKEN_IDS, {"type": "array", "items": TOKEN_IDS}]},
        "skip_special_tokens": {"type": "boolean"}}},
    "SparseValue": {"type": "object", "required": ["index", "value"],
                    "properties": {"index": {"type": "integer"}, "value": NUMBER}},
    "OpenAIEmbeddingRequest": {"type": "object", "required": ["input"], "properties": {
        "input": {"oneOf": [TEXT_OR_IDS, {"type": "array", "items": TEXT_OR_IDS}]},
        "model": {"type": "string", "nullable": True}, "encoding_format": {"type": "string", "enum": ["float", "base64"]},
        "dimensions": {"type": "integer", "nullable": True}, "user": {"type": "string", "nullable": True},
        **PRIORITY}},
    "OpenAIEmbeddingResponse": {"type": "object", "required": ["object", "data", "model", "usage"], "properties": {
        "object": {"type": "string", "enum": ["list"]},
        "data": {"type": "array", "items": {"type": "object", "required": ["object", "embedding", "index"], "properties": {
            "object": {"type": "string", "enum": ["embedding"]},
            "embedding": {"oneOf": [FLOATS, {"type": "string", "description": "base64 of little-endian float32"}]},
            "index": {"type": "integer"}}}},
        "model": {"type": "string"}, "usage": ref("Usage")}},
    "Usage": {"type": "object", "required": ["prompt_tokens", "total_tokens"], "properties": {
        "prompt_tokens": {"type": "integer"}, "total_tokens": {"type": "integer"}}},
    "Model": {"type": "object", "required": ["id", "object", "created", "owned_by"], "properties": {
        "id": {"type": "string"}, "object": {"type": "string", "enum": ["model"]}, "created": {"type": "integer"},
        "owned_by": {"type": "string"}, "name": {"type": "string"}, "ready": {"type": "boolean"}}},
    "CohereRerankRequest": {"type": "object", "required": ["query", "documents"], "properties": {
        "model": {"type": "string", "nullable": True}, "query": {"type": "string"},
        "documents": {"type": "array", "items": {"oneOf": [{"type": "string"}, {
            "type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}]}},
        "top_n": {"type": "integer", "nullable": True}, "return_documents": {"type": "boolean", "nullable": True},
        **PRIORITY}},
    "CohereRerankResponse": {"type": "object", "required": ["id", "model", "usage", "results"], "properties": {
        "id": {"type": "string"}, "model": {"type": "string"}, "usage": ref("Usage"),
        "results": {"type": "array", "items": {"type": "object", "required": ["index", "relevance_score"], "properties": {
            "index": {"type": "integer"}, "relevance_score": NUMBER,
            "document": {"type": "object", "properties": {"text": {"type": "string"}}}}}}}},
    "Tensor": {"type": "object", "required": ["name", "datatype", "shape"], "properties": {
        "name": {"type": "string"}, "datatype": {"type": "string"},
        "shape": {"type": "array", "items": {"type": "integer"}},
        "parameters": {"type": "object"}, "data": {"type": "array"}}},
    "InferRequest": {"type": "object", "required": ["inputs"], "properties": {
        "id": {"type": "string"}, "parameters": {"type": "object"},
        "inputs": {"type": "array", "items": ref("Tensor")},
        "outputs": {"type": "array", "items": {"type": "object", "required": ["name"], "properties": {
            "name": {"type": "string"}, "parameters": {"type": "object"}}}}}},
    "InferResponse": {"type": "object", "required": ["model_name", "outputs"], "properties": {
        "model_name": {"type": "string"}, "model_version": {"type": "string"}, "id": {"type": "string"},
        "outputs": {"type": "array", "items": ref("Tensor")}}},
    "ModelMetadata": {"type": "object", "required": ["name", "platform", "inputs", "outputs"], "properties": {
        "name": {"type": "string"}, "versions": {"type": "array", "items": {"type": "string"}},
        "platform": {"type": "string"},
        "inputs": {"type": "array", "items": ref("Tensor")}, "outputs": {"type": "array", "items": ref("Tensor")}}},
}

NATIVE = [400, 401, 404, 413, 422, 503, 504]
TEI = [400, 401, 413, 422, 424, 429, 503]
TEI_NO_MODEL = [400, 401, 413, 422, 503]
OPENAI = [400, 401, 413, 503, 504]
KSERVE = [400, 401, 404, 413, 503, 504]

paths = {
    "/": {"get": operation(
        "The playground page (for a browser that accepts HTML), else KServe v1's liveness", "Operations", {
            "200": {"description": "the page, or {\"status\": \"alive\"}", "content": {
                "text/html": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object", "properties": {"status": {"type": "string"}}}}}},
            **errors("NativeError", [401])}), "post": operation(
        "Run the served task (the recipe's raw text, or the Hugging Face Inference API)", "Inference API",
        {"200": answer("the pipeline's answer (the Inference API's shape for JSON)", {}), **errors("NativeError", NATIVE)},
        body={"required": True, "content": {
            "text/plain": {"schema": {"type": "string"}},
            "application/json": {"schema": ref("InferenceAPIRequest")}}})},
    "/health": {"get": operation("Whether the model is loaded and the worker alive", "Operations", {
        "200": answer("ready", {"type": "object", "properties": {"status": {"type": "string"}}}),
        **errors("NativeError", [503])})},
    "/info": {"get": operation("The model, its tasks and the server's limits (TEI's fields first)", "Operations",
                               {"200": answer("the model", ref("Info")), **errors("NativeError", [401, 503])})},
    "/metrics": {"get": operation("Prometheus metrics", "Operations", {
        "200": {"description": "Prometheus text", "content": {"text/plain": {"schema": {"type": "string"}}}},
        **errors("NativeError", [401])})},
    "/openapi.json": {"get": operation("This document", "Operations", {"200": answer("OpenAPI 3", {"type": "object"}),
                                                                        **errors("NativeError", [401])})},
    "/docs": {"get": operation("This document as a page", "Operations", {
        "200": {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}},
        **errors("NativeError", [401])})},
    "/embed": {"post": operation("Pooled embeddings (TEI)", "TEI", {
        "200": answer("one vector per input", {"type": "array", "items": FLOATS}), **errors("TEIError", TEI)},
        body=json_body(ref("EmbedRequest")))},
    "/embed_all": {"post": operation("Every token's vector (TEI)", "TEI", {
        "200": answer("per input, one vector per token", {"type": "array", "items": {"type": "array", "items": FLOATS}}),
        **errors("TEIError", TEI)}, body=json_body(ref("TokenEmbedRequest")))},
    "/embed_sparse": {"post": operation("SPLADE sparse embeddings (TEI)", "TEI", {
        "200": answer("per input, the non-zero weights", {"type": "array", "items": {"type": "array", "items": ref("SparseValue")}}),
        **errors("TEIError", TEI)}, body=json_body(ref("TokenEmbedRequest")))},
    "/predict": {"post": operation("Every label's score (TEI)", "TEI", {
        "200": answer("a text's scores, or a batch's", {"oneOf": [
            {"type": "array", "items": ref("Prediction")},
            {"type": "array", "items": {"type": "array", "items": ref("Prediction")}}]}),
        **errors("TEIError", TEI)}, body=json_body(ref("PredictRequest")))},
    "/rerank": {"post": operation("Texts ranked against a query (TEI)", "TEI", {
        "200": answer("highest first", {"type": "array", "items": ref("Rank")}), **errors("TEIError", TEI)},
        body=json_body(ref("RerankRequest")))},
    "/similarity": {"post": operation("Cosine similarities with a source sentence (TEI)", "TEI", {
        "200": answer("in input order", {"type": "array", "items": NUMBER}), **errors("TEIError", TEI)},
        body=json_body(ref("SimilarityRequest")))},
    "/tokenize": {"post": operation("Tokens with UTF-8 byte offsets (TEI)", "TEI", {
        "200": answer("per text", {"type": "array", "items": {"type": "array", "items": ref("Token")}}),
        **errors("TEIError", TEI_NO_MODEL)}, body=json_body(ref("TokenizeRequest")))},
    "/decode": {"post": operation("Token ids back to text (TEI)", "TEI", {
        "200": answer("per list of ids", {"type": "array", "items": {"type": "string"}}),
        **errors("TEIError", TEI_NO_MODEL)}, body=json_body(ref("DecodeRequest")))},
    "/v1/embeddings": {"post": operation("Embeddings (OpenAI)", "OpenAI", {
        "200": answer("unit-length embeddings", ref("OpenAIEmbeddingResponse")), **errors("OpenAIError", OPENAI)},
        body=json_body(ref("OpenAIEmbeddingRequest")))},
    "/v1/models": {"get": operation("The served model (OpenAI)", "OpenAI", {
        "200": answer("a list of one", {"type": "object", "required": ["object", "data"], "properties": {
            "object": {"type": "string"}, "data": {"type": "array", "items": ref("Model")}}}),
        **errors("OpenAIError", [401])})},
    "/v1/models/{name}": {"get": operation("The model (OpenAI), and its readiness (KServe v1)", "OpenAI", {
        "200": answer("the model", ref("Model")), **errors("OpenAIError", [401, 404])}, parameters=NAME)},
    "/v1/rerank": {"post": operation("Rerank (Cohere, Jina, vLLM)", "OpenAI", {
        "200": answer("highest first", ref("CohereRerankResponse")), **errors("OpenAIError", OPENAI)},
        body=json_body(ref("CohereRerankRequest")))},
    "/v2/rerank": {"post": operation("Rerank (Cohere's v2 path)", "OpenAI", {
        "200": answer("highest first", ref("CohereRerankResponse")), **errors("OpenAIError", OPENAI)},
        body=json_body(ref("CohereRerankRequest")))},
    "/v2": {"get": operation("Server metadata (KServe v2)", "KServe", {
        "200": answer("the server", {"type": "object", "required": ["name", "version", "extensions"], "properties": {
            "name": {"type": "string"}, "version": {"type": "string"},
            "extensions": {"type": "array", "items": {"type": "string"}}}}), **errors("KServeError", [401])})},
    "/v2/health/live": {"get": operation("Liveness (KServe v2)", "KServe", {
        "200": answer("live", {"type": "object", "properties": {"live": {"type": "boolean"}}}),
        **errors("KServeError", [401])})},
    "/v2/health/ready": {"get": operation("Readiness (KServe v2)", "KServe", {
        "200": answer("ready", {"type": "object", "properties": {"ready": {"type": "boolean"}}}),
        **errors("KServeError", [401, 503])})},
    "/v2/models": {"get": operation("The served models (KServe)", "KServe", {
        "200": answer("names", {"type": "object", "properties": {"models": {"type": "array", "items": {"type": "string"}}}}),
        **errors("KServeError", [401])})},
    "/v2/models/{name}": {"get": operation("Model metadata (KServe v2)", "KServe", {
        "200": answer("its tensors", ref("ModelMetadata")), **errors("KServeError", [401, 404, 503])}, parameters=NAME)},
    "/v2/models/{name}/ready": {"get": operation("Model readiness (KServe v2)", "KServe", {
        "200": answer("ready", {"type": "object", "properties": {"name": {"type": "string"}, "ready": {"type": "boolean"}}}),
        **errors("KServeError", [401, 404, 503])}, parameters=NAME)},
    "/v2/models/{name}/infer": {"post": operation("Inference (KServe v2; JSON, or the binary tensor extension)", "KServe", {
        "200": answer("the output tensors", ref("InferResponse")), **errors("KServeError", KSERVE)},
        body=json_body(ref("InferRequest")), parameters=NAME)},
    "/v1/models/{name}:predict": {"post": operation("Prediction (KServe v1)", "KServe", {
        "200": answer("one prediction per instance", {"type": "object", "required": ["predictions"], "properties": {
            "predictions": {"type": "array"}}}), **errors("KServeError", KSERVE)},
        body=json_body({"type": "object", "properties": {"instances": {"type": "array"}, "inputs": {"type": "array"}}}),
        parameters=NAME)},
}

# One model of several by name: the default model's native and TEI routes under /models/{name}.
for route in ["/embed", "/embed_all", "/embed_sparse", "/predict", "/rerank", "/similarity", "/tokenize", "/decode"]:
    op = dict(paths[route]["post"])
    op["summary"] += ", of the model named in the path"
    op["parameters"] = NAME
    op["responses"] = {**op["responses"], **errors("TEIError", [404])}
    paths["/models/{name}" + route] = {"post": op}
paths["/models/{name}"] = {"post": {**paths["/"]["post"], "summary": "Run the named model's task", "parameters": NAME}}
paths["/models/{name}/info"] = {"get": {**paths["/info"]["get"], "summary": "The named model's /info", "parameters": NAME,
                                        "responses": {**paths["/info"]["get"]["responses"], **errors("NativeError", [404])}}}
paths["/models/{name}/health"] = {"get": {**paths["/health"]["get"], "summary": "The named model's health",
                                          "parameters": NAME,
                                          "responses": {**paths["/health"]["get"]["responses"], **errors("NativeError", [404])}}}

document = {
    "openapi": "3.0.3",
    "info": {"title": "Sluice", "version": VERSION, "description":
             "An inference server for Hugging Face transformer pipelines: the Hugging Face Inference API, "
             "text-embeddings-inference's routes, OpenAI's embeddings and models, Cohere's rerank, and KServe's "
             "Open Inference Protocol v2 and v1, over the same tasks. A route the served model cannot answer "
             "says so in its dialect's error."},
    "paths": paths,
    "components": {"schemas": schemas},
}

# One line per path and per schema: short enough to read in a diff, and no run of lines repeats
# another (the /models/{name} routes repeat the default model's).
def line(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


text = "{\n" + ",\n".join([
    f'"openapi":{line(document["openapi"])}', f'"info":{line(document["info"])}',
    '"paths":{\n' + ",\n".join(f"{line(path)}:{line(item)}" for path, item in paths.items()) + "\n}",
    '"components":{"schemas":{\n' + ",\n".join(f"{line(name)}:{line(schema)}" for name, schema in schemas.items())
    + "\n}}",
]) + "\n}"
json.loads(text)
with open(OUT, "w", encoding="utf-8") as f:
    f.write("// Written by scripts/openapi/make_openapi.py: edit that script, run it, commit both.\n\n")
    f.write("/// Sluice's OpenAPI document, served at `/openapi.json`.\n")
    f.write("let openAPIDocument = #\"\"\"\n")
    # Indented as swift-format indents a multi-line string (Swift strips it).
    f.write("".join("    " + row + "\n" for row in text.split("\n")))
    f.write("    \"\"\"#\n")
print(f"{OUT}: {len(paths)} paths")
