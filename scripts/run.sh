#!/usr/bin/env bash
# The main job, from a fresh clone: install what is missing, build in release mode, and serve
# the default model (all-MiniLM-L6-v2) on 127.0.0.1:8000. Extra arguments go to `sluice serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release -j 2 --product sluice
exec .build/release/sluice serve --model models/all-MiniLM-L6-v2 "$@"
