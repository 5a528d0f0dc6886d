#!/usr/bin/env bash
# Issue 6's comparison harness, one command: serves the same models with Sluice and with its
# peers (the recipe's transformers server without and with its batching loop; Infinity with
# --engine torch for the embedding workloads), drives each with the same wrk load on loopback,
# times the engines alone on the same batches (Sluice, ONNX Runtime on an optimum-onnx export,
# PyTorch), times start-up to a ready /health, and prints every result against this machine's
# floors measured in the same run, with a PNG plot. Never run by CI; it takes about 25 minutes
# (--quick: about 5, once the environment exists).
#
#   scripts/bench/compare.sh [--quick] [--workloads abcd] [--concurrency 1,8,32,128]
#                            [--seconds 10] [--engine-iterations 20] [--startups 5] [--threads N]
#                            [--servers sluice,sluice-bf16,sluice-int8,recipe,recipe-batch,infinity]
#                            [--skip-http] [--skip-engine] [--port 18000]
#
# Workloads: (a) fill-mask `test [MASK]` on models/bert-base-random (bert-base-uncased shaped,
# random weights; made here with numpy); (b) one short sentence, (c) one 128-token paragraph,
# (d) 32 sentences per request, on models/all-MiniLM-L6-v2 (scripts/setup.sh fetches it).
# Results go to bench-results/<UTC time>/ (report.txt, results.json, compare.png, raw wrk
# outputs and server logs).
#
# The Python side runs in a virtual environment outside the repository (SLUICE_BENCH_VENV,
# default ~/.cache/sluice-bench-venv, about 6 GB), created on first use from
# scripts/bench/requirements.txt. It is not /work/fixture-venv: the peers pin transformers 4.57
# and numpy 1.x, which the fixture scripts' environment must not be moved to.
set -euo pipefail
cd "$(dirname "$0")/../.."

scripts/setup.sh
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
[ -f models/bert-base-random/model.safetensors ] || python3 scripts/make-bench-model.py models/bert-base-random
for family in modernbert deberta-v2 qwen3; do
    [ -f "models/$family-base-random/model.safetensors" ] || python3 scripts/make-family-bench-model.py "$family"
done
swift build -c release -j 2 --product sluice >/dev/null

VENV=${SLUICE_BENCH_VENV:-$HOME/.cache/sluice-bench-venv}
REQUIREMENTS=scripts/bench/requirements.txt
if ! cmp -s "$REQUIREMENTS" "$VENV/.sluice-requirements.txt" 2>/dev/null; then
    echo "compare: installing the harness's Python environment into $VENV (several GB, first time only)"
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check -r "$REQUIREMENTS"
    cp "$REQUIREMENTS" "$VENV/.sluice-requirements.txt"
fi

exec "$VENV/bin/python" scripts/bench/compare.py "$@"
