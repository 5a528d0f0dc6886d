#!/usr/bin/env bash
# The clients people use for each API dialect, unchanged, against Sluice. Run by hand, not in CI
# (it needs the client libraries in a virtual environment outside the repository):
#
#   scripts/clients/check-clients.sh [path/to/sluice]
#
# 1. openai, tritonclient and huggingface_hub's InferenceClient (scripts/clients/check_clients.py), against
#    all-MiniLM-L6-v2 (models/, from scripts/setup.sh) and the task fixtures, each answer compared
#    with the reference's;
# 2. schemathesis with text-embeddings-inference's own OpenAPI document (TEI 1.9.3's
#    docs/openapi.json, Apache-2.0, kept here as tei-openapi-1.9.3.json) on the routes of an
#    embedding model and of a re-ranker: no server error, every status code and every response
#    body as the document says, and 405 with `Allow` for a method a route does not take;
# 3. schemathesis with Sluice's own document (/openapi.json) on five models, the same checks.
#
# The Python environment is SLUICE_CLIENT_VENV (default ~/.cache/sluice-client-venv, made here).
set -euo pipefail
cd "$(dirname "$0")/../.."
SLUICE=${1:-.build/debug/sluice}
VENV=${SLUICE_CLIENT_VENV:-$HOME/.cache/sluice-client-venv}
if ! "$VENV/bin/python" -c "import openai, huggingface_hub, schemathesis, numpy, tritonclient.http" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check openai huggingface_hub schemathesis numpy 'tritonclient[http]'
fi
PY="$VENV/bin/python"
"$PY" - <<'EOF'
import importlib.metadata as m
print(", ".join(f"{p} {m.version(p)}" for p in ("openai", "huggingface_hub", "tritonclient", "schemathesis")))
EOF

tmp=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
TASKS=Tests/Fixtures/models/tasks
port=18940

# `serve NAME FOLDER`: starts `sluice serve` on the folder, waits until /health answers 200,
# and sets the variable NAME to its URL.
serve() {
    port=$((port + 1))
    "$SLUICE" serve --model "$2" "${@:3}" --port "$port" > "$tmp/serve-$port.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 300); do
        curl -sf "http://127.0.0.1:$port/health" > /dev/null 2>&1 && break
        sleep 0.1
    done
    curl -sf "http://127.0.0.1:$port/health" > /dev/null || { cat "$tmp/serve-$port.log" >&2; exit 1; }
    printf -v "$1" 'http://127.0.0.1:%s' "$port"
}

serve embedding models/all-MiniLM-L6-v2
serve fill_mask $TASKS/fill-mask-distilbert
serve text_classification $TASKS/text-classification-bert
serve token_classification $TASKS/token-classification-bert
serve question_answering $TASKS/question-answering-bert
serve zero_shot $TASKS/zero-shot-bert --task zero-shot-classification
serve reranker $TASKS/text-ranking-bert

status=0
"$PY" scripts/clients/check_clients.py --embedding "$embedding" --fill-mask "$fill_mask" \
    --text-classification "$text_classification" --token-classification "$token_classification" \
    --question-answering "$question_answering" --zero-shot "$zero_shot" --fixtures "$TASKS" || status=1

# `schemathesis_run DOCUMENT URL EXAMPLES`: the required checks against URL; prints the counts,
# or the whole report and marks the run failed.
schemathesis_run() {
    if (cd "$tmp" && "$VENV/bin/schemathesis" run "$1" --url "$2" \
        --checks not_a_server_error,status_code_conformance,response_schema_conformance,unsupported_method \
        --max-examples "$3" > "$tmp/schemathesis.out" 2>&1); then
        grep -E "generated, " "$tmp/schemathesis.out"
    else
        cat "$tmp/schemathesis.out"
        status=1
    fi
}
for url in "$embedding" "$reranker"; do
    echo "schemathesis, TEI's openapi.json, against $url:"
    schemathesis_run "$PWD/scripts/clients/tei-openapi-1.9.3.json" "$url" 50
done
for url in "$embedding" "$reranker" "$text_classification" "$fill_mask" "$question_answering"; do
    echo "schemathesis, Sluice's own /openapi.json, against $url:"
    schemathesis_run "$url/openapi.json" "$url" 30
done
[ "$status" = 0 ] && echo "clients: all passed" || echo "clients: FAILED"
exit "$status"
