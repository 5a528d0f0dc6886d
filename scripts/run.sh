#!/usr/bin/env bash
# The main job, from a fresh clone: install what is missing, build in release mode, and run
# the default model (all-MiniLM-L6-v2) on the given texts (or a sample sentence).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release -j 2 --product sluice
if [ $# -eq 0 ]; then set -- "Sluice serves Hugging Face pipelines from Swift."; fi
exec .build/release/sluice predict --model models/all-MiniLM-L6-v2 "$@"
