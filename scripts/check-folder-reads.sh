#!/usr/bin/env bash
# A model folder is read once: starts `sluice serve` under strace on each folder given (default:
# the default model, a zero-shot NLI fixture and a fill-mask fixture), waits until /health says
# the model is loaded, stops it, and fails if any file under the folder was opened more than
# once. Needs strace (scripts/setup.sh installs it).
#   scripts/check-folder-reads.sh [SLUICE] [folder[:task] ...]
set -uo pipefail
cd "$(dirname "$0")/.."
SLUICE=${1:-.build/debug/sluice}
shift || true
folders=("$@")
if [ ${#folders[@]} -eq 0 ]; then
    folders=(models/all-MiniLM-L6-v2 Tests/Fixtures/models/tasks/zero-shot-bert:zero-shot-classification
        Tests/Fixtures/models/bert-tiny-uncased)
fi
passed=0
failed=0
for entry in "${folders[@]}"; do
    folder=${entry%%:*}
    task=()
    [ "$entry" != "$folder" ] && task=(--task "${entry#*:}")
    [ -d "$folder" ] || { echo "skip $folder (absent)"; continue; }
    dir=$(cd "$folder" && pwd -P)
    trace=$(mktemp)
    log=$(mktemp)
    strace -f -e trace=openat -o "$trace" "$SLUICE" serve --model "$folder" "${task[@]}" --port 0 \
        --request-nice 0 2>"$log" &
    pid=$!
    ready=""
    for _ in $(seq 1 600); do
        port=$(grep -o 'listening on http://[^ ]*' "$log" | head -1 | sed 's/.*://')
        if [ -n "$port" ] && curl -sf "http://127.0.0.1:$port/health" >/dev/null; then
            ready=1
            break
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    # SIGTERM to the server itself (strace's child), which drains and exits; strace follows.
    kill -TERM "$(pgrep -P "$pid" | head -1)" 2>/dev/null
    wait "$pid" 2>/dev/null
    # Every successful open of a file under the folder, counted by path.
    repeats=$(grep -v ENOENT "$trace" | grep -o "\"$dir/[^\"]*\"" | sort | uniq -c | awk '$1 > 1')
    files=$(grep -v ENOENT "$trace" | grep -o "\"$dir/[^\"]*\"" | sort -u | wc -l)
    if [ -z "$ready" ]; then
        failed=$((failed + 1))
        echo "FAIL $folder: the server did not come up: $(tail -3 "$log")"
    elif [ -n "$repeats" ]; then
        failed=$((failed + 1))
        echo "FAIL $folder: opened more than once:"
        echo "$repeats"
    else
        passed=$((passed + 1))
        echo "ok   $folder: $files files, each opened once"
    fi
    rm -f "$trace" "$log"
done
echo "folders: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
