#!/usr/bin/env bash
# huggingface_hub itself against Sluice's downloads, on the stand-in hub (scripts/hub/standin_hub.py).
# Run by hand, not in CI (it needs huggingface_hub in a virtual environment outside the repository):
#
#   scripts/hub/check-with-huggingface-hub.sh [path/to/sluice]
#
# 1. huggingface_hub's snapshot_download accepts the stand-in hub (the hub routes and headers the
#    tests rely on are the ones the reference client reads);
# 2. a cache Sluice filled is one huggingface_hub reads: scan_cache_dir reports it without
#    warnings, and snapshot_download(local_files_only=True) finds the same snapshot;
# 3. a cache huggingface_hub filled is used by Sluice as it is, with HF_HUB_OFFLINE=1.
#
# The Python environment is SLUICE_HUB_VENV (default: the fixture venv,
# ~/.cache/sluice-fixture-venv, which has huggingface_hub; else ~/.cache/sluice-hub-venv, made here).
set -euo pipefail
cd "$(dirname "$0")/../.."
SLUICE=${1:-.build/debug/sluice}
VENV=${SLUICE_HUB_VENV:-}
if [ -z "$VENV" ]; then
    VENV=$HOME/.cache/sluice-fixture-venv
    "$VENV/bin/python" -c "import huggingface_hub" 2>/dev/null || VENV=$HOME/.cache/sluice-hub-venv
fi
if ! "$VENV/bin/python" -c "import huggingface_hub" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check huggingface_hub
fi
PY="$VENV/bin/python"
echo "huggingface_hub $("$PY" -c 'import huggingface_hub; print(huggingface_hub.__version__)')"

tmp=$(mktemp -d)
trap 'kill $hub 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/repos/org/tiny-bert" "$tmp/repos/org/minilm"
cp -r Tests/Fixtures/models/bert-tiny-uncased "$tmp/repos/org/tiny-bert/main"
rm -rf "$tmp/repos/org/tiny-bert/main/expected"
cp -r models/all-MiniLM-L6-v2 "$tmp/repos/org/minilm/main"
python3 scripts/hub/standin_hub.py --repos "$tmp/repos" > "$tmp/hub.out" &
hub=$!
for _ in $(seq 50); do grep -q listening "$tmp/hub.out" 2>/dev/null && break; sleep 0.1; done
endpoint=$(awk '{print $3}' "$tmp/hub.out")
export HF_ENDPOINT=$endpoint HF_HUB_DISABLE_TELEMETRY=1 HF_HUB_DISABLE_XET=1
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }

for repo in org/tiny-bert org/minilm; do
    text="test sentence"
    [ "$repo" = org/tiny-bert ] && text="test [MASK]"
    # 1. The reference client downloads from the stand-in.
    if "$PY" - "$repo" "$tmp/hf-cache" <<'PY'
import sys
from huggingface_hub import snapshot_download
path = snapshot_download(sys.argv[1], cache_dir=sys.argv[2])
print(path)
PY
    then ok "huggingface_hub's snapshot_download accepts the stand-in hub for $repo"
    else bad "snapshot_download from the stand-in hub ($repo)"; fi

    # Sluice fills its own cache from the stand-in.
    if HF_HUB_CACHE="$tmp/sluice-cache" "$SLUICE" predict --model "$repo" "$text" > /dev/null 2> "$tmp/sluice.err"
    then ok "sluice predict --model $repo downloads from the stand-in hub"
    else bad "sluice predict --model $repo: $(tail -1 "$tmp/sluice.err")"; fi

    # 2. huggingface_hub reads Sluice's cache.
    if "$PY" - "$repo" "$tmp/sluice-cache" <<'PY'
import os, sys
from huggingface_hub import scan_cache_dir, snapshot_download
repo, cache = sys.argv[1], sys.argv[2]
report = scan_cache_dir(cache)
assert not report.warnings, report.warnings
found = [r for r in report.repos if r.repo_id == repo]
assert len(found) == 1, [r.repo_id for r in report.repos]
info = found[0]
assert info.refs == {"main"} or {"main"} <= set(info.refs), info.refs
revision = next(iter(info.revisions))
assert revision.files and all(f.blob_path.exists() for f in revision.files)
local = snapshot_download(repo, cache_dir=cache, local_files_only=True)
assert os.path.realpath(local) == os.path.realpath(revision.snapshot_path), (local, revision.snapshot_path)
print(f"{repo}: {len(revision.files)} files, {info.size_on_disk} bytes, snapshot {revision.commit_hash[:12]}")
PY
    then ok "scan_cache_dir and snapshot_download(local_files_only=True) read Sluice's cache ($repo)"
    else bad "huggingface_hub on Sluice's cache ($repo)"; fi

    # 3. Sluice reads huggingface_hub's cache as it is, without the network.
    if HF_HUB_OFFLINE=1 HF_ENDPOINT=http://127.0.0.1:1 HF_HUB_CACHE="$tmp/hf-cache" \
        "$SLUICE" predict --model "$repo" "$text" > /dev/null 2> "$tmp/sluice.err"
    then ok "Sluice serves $repo from huggingface_hub's cache with HF_HUB_OFFLINE=1"
    else bad "Sluice on huggingface_hub's cache ($repo): $(tail -1 "$tmp/sluice.err")"; fi
done

echo "hub: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
