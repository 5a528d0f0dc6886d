#!/usr/bin/env bash
# The playground page in headless Chromium against a server with four models (sentence
# embeddings, fill-mask, token classification, question answering): each answer drawn is the
# server's own (scripts/playground/check_playground.py); writes docs/playground.png. Run by hand,
# not in CI (it needs Debian's chromium, which this script installs when missing):
#
#   scripts/playground/check-playground.sh [path/to/sluice]
set -euo pipefail
cd "$(dirname "$0")/../.."
SLUICE=${1:-.build/debug/sluice}
if ! command -v chromium > /dev/null; then
    apt-get install -y -q chromium > /dev/null || { apt-get update -q > /dev/null && apt-get install -y -q chromium > /dev/null; }
fi
TASKS=Tests/Fixtures/models/tasks
port=18990
log=$(mktemp)
"$SLUICE" serve --port $port --model minilm=models/all-MiniLM-L6-v2 --model mask=$TASKS/fill-mask-distilbert \
    --model ner=$TASKS/token-classification-bert --model qa=$TASKS/question-answering-bert > "$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 300); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$port/health)" = 200 ] && break
    sleep 0.1
done
mkdir -p docs
python3 scripts/playground/check_playground.py "http://127.0.0.1:$port" docs/playground.png
