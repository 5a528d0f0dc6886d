#!/usr/bin/env bash
# The server issue's measurement: the recipe's workload (`test [MASK]` on a bert-base-uncased-
# shaped fill-mask checkpoint with random weights) served by Sluice and by the recipe's Python
# server (without and with its batching loop), driven by the same wrk load on loopback.
# Prints median/p99 at 1 client, requests/s at 8, 32 and 128 clients, the ratios, and each
# result as a fraction of this machine's floors measured in the same run. Never run by CI.
#
#   scripts/bench-seed.sh [seconds-per-point]
#
# The recipe's server runs in a virtual environment outside the repository
# (SLUICE_BENCH_VENV, default ~/.cache/sluice-bench-venv; /work/fixture-venv is reused if
# present), created on first use with torch, transformers, starlette and uvicorn from PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
MODEL=models/bert-base-random
SLUICE_PORT=18000
RECIPE_PORT=18001
OUT=$(mktemp -d)

scripts/setup.sh
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
[ -f "$MODEL/model.safetensors" ] || python3 scripts/make-bench-model.py "$MODEL"
swift build -c release -j 2 --product sluice >/dev/null

VENV=${SLUICE_BENCH_VENV:-}
if [ -z "$VENV" ]; then
    if [ -x /work/fixture-venv/bin/python ]; then VENV=/work/fixture-venv; else VENV=~/.cache/sluice-bench-venv; fi
fi
if ! "$VENV/bin/python" -c 'import torch, transformers, starlette, uvicorn' 2>/dev/null; then
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q torch transformers starlette uvicorn
fi

wait_ready() { # port: until the model answers (Sluice says 503 while it loads)
    for _ in $(seq 1 1200); do
        curl -sf -o /dev/null -X POST -d "test [MASK]" "http://127.0.0.1:$1/" && return 0
        sleep 0.1
    done
    echo "server on port $1 did not come up" >&2
    return 1
}

run_wrk() { # name port clients
    local threads=$(( $3 < 2 ? 1 : 2 ))
    wrk -t"$threads" -c"$3" -d"${DURATION}s" --latency -s scripts/bench/post.lua "http://127.0.0.1:$2/" \
        > "$OUT/$1-$3.txt" 2>&1 || true
}

measure() { # name port
    curl -s -o /dev/null -X POST -d "test [MASK]" "http://127.0.0.1:$2/"   # warm up
    for c in 1 8 32 128; do run_wrk "$1" "$2" "$c"; done
}

echo "== floors"
.build/release/sluice bench --model "$MODEL" --floors-json > "$OUT/floors.json"
cat "$OUT/floors.json"

echo "== sluice"
.build/release/sluice serve --model "$MODEL" --port $SLUICE_PORT > "$OUT/sluice.log" 2>&1 &
pid=$!
wait_ready $SLUICE_PORT
measure sluice $SLUICE_PORT
kill -TERM $pid; wait $pid || true

for variant in recipe recipe-batch; do
    echo "== $variant"
    flag=""
    [ "$variant" = recipe-batch ] && flag="--batch"
    "$VENV/bin/python" scripts/bench/recipe_server.py --model "$MODEL" --port $RECIPE_PORT $flag \
        > "$OUT/$variant.log" 2>&1 &
    pid=$!
    wait_ready $RECIPE_PORT
    measure "$variant" $RECIPE_PORT
    kill $pid; wait $pid || true
done

echo "raw wrk outputs: $OUT"
python3 scripts/bench/report.py "$OUT"
