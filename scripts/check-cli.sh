#!/usr/bin/env bash
# End-to-end checks of the `sluice` command line against the committed fixtures:
# exact JSON for the recipe's example, and bad input → non-zero exit + one line on stderr.
set -uo pipefail
cd "$(dirname "$0")/.."
SLUICE=${1:-.build/debug/sluice}
FIX=Tests/Fixtures/models
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
# `health_becomes PORT STATUS TRIES`: polls /health every 0.1 s until it answers STATUS (at most
# TRIES times) and prints the last status seen.
health_becomes() {
    local seen=""
    for _ in $(seq "$3"); do
        seen=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/health")
        [ "$seen" = "$2" ] && break
        sleep 0.1
    done
    echo "$seen"
}
bad() { failed=$((failed + 1)); echo "FAIL $*"; }

# `sluice predict` against the reference pipeline's JSON for the first case of a fixture folder
# (a text without parameters), compared field for field with scores within 1e-4.
check_predict() {
    local folder=$1 jsonl=$2 what=$3
    shift 3  # the rest: flags for sluice predict
    local text expected actual
    text=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["input"])' "$FIX/$folder/expected/$jsonl")
    expected=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["json"])' \
        "$FIX/$folder/expected/$jsonl")
    actual=$("$SLUICE" predict --model "$FIX/$folder" "$@" "$text" 2>/dev/null)
    if python3 scripts/same_json.py "$expected" "$actual"; then
        ok "predict $what equals the transformers pipeline"
    else
        bad "predict $what: got $actual"
    fi
}
check_predict bert-tiny-uncased fill_mask.jsonl "'test [MASK]'"
check_predict tasks/fill-mask-modernbert fill_mask.jsonl "on ModernBERT (fill-mask)"
check_predict tasks/text-classification-modernbert-mean text_classification.jsonl \
    "on ModernBERT (text classification, mean pooling)"
check_predict tasks/text-classification-qwen3 text_classification.jsonl "on Qwen3 (text classification, last token)"
check_predict tasks/sentence-embeddings-qwen3-lasttoken sentence_embeddings.jsonl \
    "on Qwen3 (sentence-transformers, last-token pooling)"
check_predict tasks/text-classification-qwen3-bf16 text_classification.jsonl \
    "on a bf16 Qwen3 checkpoint kept in bf16 (--weights bf16)" --weights bf16
check_predict tasks/fill-mask-deberta-v2-spm fill_mask.jsonl "on DeBERTa-v2 with only spm.model (fill-mask)"
check_predict tasks/text-classification-deberta-v2-spm text_classification.jsonl \
    "on DeBERTa-v2 (text classification, convolution, token types)"
check_predict tasks/token-classification-deberta-v2 token_classification.jsonl "on DeBERTa-v3 (token classification)"
# The same answers on every family's AVX2 path (forced: on an AVX-512 host it is otherwise unused).
check_predict bert-tiny-uncased fill_mask.jsonl "'test [MASK]' with --simd avx2" --simd avx2
check_predict tasks/fill-mask-modernbert fill_mask.jsonl "on ModernBERT with --simd avx2" --simd avx2
check_predict tasks/text-classification-qwen3-bf16 text_classification.jsonl \
    "on a bf16 Qwen3 checkpoint with --simd avx2" --weights bf16 --simd avx2
check_predict tasks/token-classification-deberta-v2 token_classification.jsonl "on DeBERTa-v3 with --simd avx2" \
    --simd avx2

lines=$("$SLUICE" predict --model "$FIX/bert-tiny-uncased" "a [MASK]" "b [MASK] c" 2>/dev/null | wc -l)
[ "$lines" -eq 2 ] && ok "one JSON line per text" || bad "expected 2 lines, got $lines"

expect_error() {
    local what=$1
    shift
    local err
    err=$("$SLUICE" "$@" 2>&1 >/dev/null)
    local status=$?
    if [ $status -ne 0 ] && [ "$(printf '%s\n' "$err" | grep -c .)" -eq 1 ]; then
        ok "$what → exit $status: $err"
    else
        bad "$what → exit $status, stderr: $err"
    fi
}
expect_error "no mask token" predict --model "$FIX/bert-tiny-uncased" "no mask here"
expect_error "empty text" predict --model "$FIX/bert-tiny-uncased" ""
expect_error "missing folder" predict --model /nonexistent/folder "test [MASK]"
expect_error "folder without weights" predict --model Tests "test [MASK]"

# An option Sluice does not compute is refused at start-up, naming the field and what runs.
refused=$(mktemp -d)
python3 - "$FIX/tasks/fill-mask-deberta-v2/config.json" "$refused/config.json" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
config["pos_att_type"] = ["c2p", "p2p"]
json.dump(config, open(sys.argv[2], "w"))
PY
for file in model.safetensors tokenizer.json tokenizer_config.json; do
    ln -s "$PWD/$FIX/tasks/fill-mask-deberta-v2/$file" "$refused/$file"
done
err=$("$SLUICE" predict --model "$refused" "a [MASK]" 2>&1 >/dev/null)
if [ $? -ne 0 ] && [[ $err == *'pos_att_type "p2p"'*'supported: c2p, p2c'* ]]; then
    ok "DeBERTa-v2 pos_att_type p2p refused at start-up: $err"
else
    bad "DeBERTa-v2 pos_att_type p2p: $err"
fi
rm -rf "$refused"

# A broken model folder stops `serve` at start-up with a message naming the file (exit 1, not a
# crash, and no error logged before it by the server's shutdown): truncated weights, a tensor's offsets past the end, a corrupt tokenizer.json, a config
# field of the wrong type, a config.json that is not JSON.
broken=$(mktemp -d)
for case in truncated offsets tokenizer config-type config-json; do
    cp -r "$FIX/bert-tiny-uncased" "$broken/$case"
done
python3 - "$broken" <<'PY'
import json, struct, sys
root = sys.argv[1]
path = f"{root}/truncated/model.safetensors"
data = open(path, "rb").read()
open(path, "wb").write(data[: len(data) // 2])
path = f"{root}/offsets/model.safetensors"
data = open(path, "rb").read()
length = struct.unpack("<Q", data[:8])[0]
header = json.loads(data[8 : 8 + length])
header["bert.embeddings.LayerNorm.weight"]["data_offsets"][1] += 1 << 24
text = json.dumps(header).encode()
text += b" " * (-len(text) % 8)
open(path, "wb").write(struct.pack("<Q", len(text)) + text + data[8 + length :])
path = f"{root}/tokenizer/tokenizer.json"
text = open(path).read()
open(path, "w").write(text[: len(text) // 3])
path = f"{root}/config-type/config.json"
config = json.load(open(path))
config["num_attention_heads"] = "four"
json.dump(config, open(path, "w"))
open(f"{root}/config-json/config.json", "wb").write(b"\x00\xff not json")
PY
for case in truncated:model.safetensors offsets:model.safetensors tokenizer:tokenizer.json \
    config-type:config.json config-json:config.json; do
    folder=$broken/${case%%:*}
    "$SLUICE" serve --model "$folder" --port 0 > /dev/null 2> "$broken/err"
    status=$?
    said=$(grep "^Error: " "$broken/err")
    if [ $status -eq 1 ] && [[ $said == "Error: $folder/${case#*:}"* ]] && ! grep -q "Fatal error" "$broken/err" &&
        ! grep -q "^[^ ]* error " "$broken/err"; then
        ok "serve on a broken folder (${case%%:*}) → exit 1: $said"
    else
        bad "serve on a broken folder (${case%%:*}) → exit $status: $(cat "$broken/err")"
    fi
done
rm -rf "$broken"

# Connection limits are checked like every other flag: a usage error (exit 64) naming the flag.
expect_usage_error() {
    local flag=$1
    shift
    local err
    err=$("$SLUICE" serve --model "$FIX/bert-tiny-uncased" --port 0 "$@" 2>&1 >/dev/null)
    local status=$?
    if [ $status -eq 64 ] && [[ $(head -n 1 <<< "$err") == "Error: $flag must be"* ]]; then
        ok "serve $* → exit 64: $(head -n 1 <<< "$err")"
    else
        bad "serve $* → exit $status: $err"
    fi
}
expect_usage_error --read-timeout-s --read-timeout-s 0
expect_usage_error --read-timeout-s --read-timeout-s nan
expect_usage_error --idle-timeout-s --idle-timeout-s=-1
expect_usage_error --max-connections --max-connections 0
expect_usage_error --simd --simd sse

if [ -f models/all-MiniLM-L6-v2/model.safetensors ]; then
    dims=$("$SLUICE" predict --model models/all-MiniLM-L6-v2 "Hello world" |
        python3 -c 'import json,sys; v=json.load(sys.stdin); print(len(v), round(sum(x*x for x in v), 4))')
    [ "$dims" = "384 1.0" ] && ok "default model: a unit 384-vector" || bad "default model gave: $dims"
fi

# SIGTERM under full load: every accepted request answered 200, new ones 503 until the server
# stops listening, the exit clean (scripts/overload/check_drain.py prints the counts).
if [ -f models/all-MiniLM-L6-v2/model.safetensors ]; then
    if drained=$(python3 scripts/overload/check_drain.py "$SLUICE" models/all-MiniLM-L6-v2 --clients 8 --items 4 --min-depth 12); then
        ok "SIGTERM under load: $(tr '\n' ' ' <<< "$drained")"
    else
        bad "SIGTERM under load: $drained"
    fi
fi

# A hub id, downloaded from the stand-in hub (scripts/hub/standin_hub.py) into a fresh cache,
# answers as the folder does; then without the network from the cache; a gated repository
# without a token, and an unknown one, are one-line errors.
hubtmp=$(mktemp -d)
mkdir -p "$hubtmp/repos/org/tiny-bert" "$hubtmp/repos/org/gated"
cp -r "$FIX/bert-tiny-uncased" "$hubtmp/repos/org/tiny-bert/main"
cp -r "$FIX/bert-tiny-uncased" "$hubtmp/repos/org/gated/main"
python3 scripts/hub/standin_hub.py --repos "$hubtmp/repos" --gated org/gated > "$hubtmp/hub.out" &
hubpid=$!
for _ in $(seq 50); do grep -q listening "$hubtmp/hub.out" 2>/dev/null && break; sleep 0.1; done
export HF_ENDPOINT
HF_ENDPOINT=$(awk '{print $3}' "$hubtmp/hub.out")
local_answer=$("$SLUICE" predict --model "$FIX/bert-tiny-uncased" "test [MASK]" 2>/dev/null)
hub_answer=$(HF_HUB_CACHE="$hubtmp/cache" "$SLUICE" predict --model org/tiny-bert "test [MASK]" 2>/dev/null)
[ -n "$hub_answer" ] && [ "$hub_answer" = "$local_answer" ] && ok "predict --model org/tiny-bert (downloaded) answers as the folder" ||
    bad "predict --model org/tiny-bert: got $hub_answer"
offline_answer=$(HF_HUB_OFFLINE=1 HF_HUB_CACHE="$hubtmp/cache" "$SLUICE" predict --model org/tiny-bert "test [MASK]" 2>/dev/null)
[ "$offline_answer" = "$local_answer" ] && ok "HF_HUB_OFFLINE=1 answers from the cache" || bad "offline: got $offline_answer"
HF_HUB_CACHE="$hubtmp/cache" expect_error "gated repository without a token" predict --model org/gated "test [MASK]"
HF_HUB_CACHE="$hubtmp/cache" expect_error "unknown repository" predict --model org/nothing "test [MASK]"
HF_HUB_CACHE="$hubtmp/cache" expect_error "unknown revision" predict --model org/tiny-bert --revision v9 "test [MASK]"
kill $hubpid 2>/dev/null

# serve downloads after it starts listening: /health answers 503 while the weights are held back
# by the stand-in, and 200 once they are released (shown by order, not by time).
# A stand-in that holds the weights back until the file $1 exists; sets hubpid and HF_ENDPOINT.
held_hub() {
    python3 scripts/hub/standin_hub.py --repos "$hubtmp/repos" --hold org/tiny-bert/model.safetensors \
        --release "$1" > "$1.hub" &
    hubpid=$!
    for _ in $(seq 50); do grep -q listening "$1.hub" 2>/dev/null && break; sleep 0.1; done
    HF_ENDPOINT=$(awk '{print $3}' "$1.hub")
}
held_hub "$hubtmp/release"
HF_HUB_CACHE="$hubtmp/cache-serve" "$SLUICE" serve --model org/tiny-bert --port 18971 > "$hubtmp/serve.log" 2>&1 &
servepid=$!
loading=$(health_becomes 18971 503 300)
touch "$hubtmp/release"
ready=$(health_becomes 18971 200 600)
answer=$(curl -s -X POST -d "test [MASK]" http://127.0.0.1:18971/)
kill $servepid $hubpid 2>/dev/null
wait $servepid 2>/dev/null
[ "$loading" = 503 ] && [ "$ready" = 200 ] && [ -n "$answer" ] && [ "$answer" = "$local_answer" ] &&
    ok "serve --model org/tiny-bert: /health 503 while downloading, then 200 and the folder's answer" ||
    bad "serve while downloading: health $loading then $ready, answer $answer"

# SIGTERM while serve is still downloading stops the download and the server: it exits 0 at once
# (the stand-in holds the weights back for ever, so only a stopped download lets it exit), and the
# file it was fetching stays .incomplete in the cache for the next start to resume.
held_hub "$hubtmp/never"
HF_HUB_CACHE="$hubtmp/cache-stop" "$SLUICE" serve --model org/tiny-bert --port 18974 > "$hubtmp/stop.log" 2>&1 &
servepid=$!
loading=$(health_becomes 18974 503 300)
# SIGTERM once the weights' transfer has begun (the small files come first).
for _ in $(seq 600); do [ -n "$(find "$hubtmp/cache-stop" -name "*.incomplete" 2>/dev/null)" ] && break; sleep 0.1; done
# Port 18974 is taken now: a second serve of the held model fails to listen, and the failure
# stops its download too (it exits 1 naming the address instead of waiting for the weights).
HF_HUB_CACHE="$hubtmp/cache-taken" "$SLUICE" serve --model org/tiny-bert --port 18974 > "$hubtmp/taken.log" 2>&1 &
takenpid=$!
# Waits for process $1 to end (a guard against hanging the suite, not a time limit) and sets
# `ended` to "exit N", or to "still running" after killing it.
await_end() {
    for _ in $(seq 600); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$1" 2>/dev/null; then
        kill -KILL "$1"
        wait "$1" 2>/dev/null
        ended="still running"
    else
        wait "$1"
        ended="exit $?"
    fi
}
await_end $takenpid
taken=$ended
kill -TERM $servepid
await_end $servepid
stopped=$ended
kill $hubpid 2>/dev/null
incomplete=$(find "$hubtmp/cache-stop" -name "*.incomplete" | wc -l)
[ "$taken" = "exit 1" ] && grep -q "18974" "$hubtmp/taken.log" &&
    ok "serve on a taken port while downloading → exit 1: $(grep -m 1 "^Error" "$hubtmp/taken.log")" ||
    bad "serve on a taken port while downloading → $taken: $(tail -n 3 "$hubtmp/taken.log")"
[ "$loading" = 503 ] && [ "$stopped" = "exit 0" ] && grep -q "shut down while loading" "$hubtmp/stop.log" &&
    ! grep -q "resuming" "$hubtmp/stop.log" && [ "$incomplete" = 1 ] &&
    ok "serve --model org/tiny-bert: SIGTERM mid-download stops it, exits 0, and leaves the file .incomplete" ||
    bad "SIGTERM mid-download: health $loading, $stopped, $incomplete .incomplete files; log: $(tail -n 5 "$hubtmp/stop.log")"
unset HF_ENDPOINT
rm -rf "$hubtmp"

# Several models: two names for two folders; a name given twice is refused before the port opens.
expect_error "two models of one name" serve --model a="$FIX/bert-tiny-uncased" --model a="$FIX/tasks/fill-mask-distilbert" --port 18972
"$SLUICE" serve --model "$FIX/bert-tiny-uncased" --model other="$FIX/tasks/fill-mask-distilbert" --port 18972 \
    > /tmp/sluice-two-models.log 2>&1 &
twopid=$!
health_becomes 18972 200 300 > /dev/null
names=$(curl -s http://127.0.0.1:18972/v1/models | python3 -c 'import json,sys; print(",".join(m["id"] for m in json.load(sys.stdin)["data"]))')
default=$(curl -s -X POST -d "test [MASK]" http://127.0.0.1:18972/)
named=$(curl -s -X POST -d "test [MASK]" http://127.0.0.1:18972/models/bert-tiny-uncased)
other=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d "test [MASK]" http://127.0.0.1:18972/models/other)
kill $twopid 2>/dev/null
wait $twopid 2>/dev/null
[ "$names" = "bert-tiny-uncased,other" ] && [ -n "$default" ] && [ "$default" = "$named" ] && [ "$other" = 200 ] &&
    ok "serve with two models: both listed, the first by default and by name, the second by name" ||
    bad "serve with two models: names $names, default $default, named $named, other $other"

# --task name=task sets one model's task: here the first model (a masked-LM checkpoint) computes
# features while the second keeps the fill-mask its folder implies. A name no model has, or a
# named task for a command that loads one model, is refused before anything loads.
"$SLUICE" serve --model "$FIX/bert-tiny-uncased" --model other="$FIX/tasks/fill-mask-distilbert" \
    --task bert-tiny-uncased=feature-extraction --port 18975 > /tmp/sluice-two-tasks.log 2>&1 &
twopid=$!
health_becomes 18975 200 300 > /dev/null
features=$(curl -s -X POST -d "test" http://127.0.0.1:18975/ | python3 -c 'import json,sys; a=json.load(sys.stdin); print(isinstance(a[0][0][0], float))' 2>&1)
masked=$(curl -s -X POST -d "test [MASK]" http://127.0.0.1:18975/models/other | python3 -c 'import json,sys; print(sorted(json.load(sys.stdin)[0]))' 2>&1)
kill $twopid 2>/dev/null
wait $twopid 2>/dev/null
[ "$features" = True ] && [ "$masked" = "['score', 'sequence', 'token', 'token_str']" ] &&
    ok "serve with --task name=task: that model computes features, the other keeps fill-mask" ||
    bad "serve with --task name=task: features $features, other model $masked"
err=$("$SLUICE" serve --model "$FIX/bert-tiny-uncased" --task nobody=fill-mask --port 0 2>&1 >/dev/null)
status=$?
[ $status -eq 64 ] && [[ $(head -n 1 <<< "$err") == "Error: --task nobody=…: no model is named nobody (served: bert-tiny-uncased)" ]] &&
    ok "serve --task nobody=fill-mask → exit 64: $(head -n 1 <<< "$err")" || bad "serve --task nobody=fill-mask → exit $status: $err"
err=$("$SLUICE" predict --model "$FIX/bert-tiny-uncased" --task a=fill-mask "test [MASK]" 2>&1 >/dev/null)
status=$?
[ $status -ne 0 ] && [[ $err == *"--task name=task is for serve's named models"* ]] &&
    ok "predict --task a=fill-mask → exit $status" || bad "predict --task a=fill-mask → exit $status: $err"

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
