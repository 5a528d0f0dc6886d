#!/usr/bin/env bash
# Failover, proven on loopback: starts scripts/cluster.sh with 3 replicas behind nginx, puts
# wrk's POST load through nginx, sends SIGTERM to one replica a third of the way in (it drains)
# and SIGKILL to another at two thirds (it dies mid-request), and fails unless wrk saw no
# non-2xx answer, no socket error (connect, read, write or timeout) and no 2xx whose body is
# not a JSON array or object. Then it checks the survivor still gives the same answer through
# nginx as directly, that the drained replica exited, and that stopping the cluster leaves no
# process behind.
# Not run by CI (about a minute, and it needs a release build).
#
#   scripts/check-failover.sh [--model DIR] [--body TEXT] [--seconds 30] [--connections 32]
#                             [--threads 2] [--port 18080]
#
# Defaults: the BERT fill-mask fixture and "test [MASK]". wrk, nginx and curl are installed
# if missing; the binary is $SLUICE (default .build/release/sluice, built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."

model=Tests/Fixtures/models/bert-tiny-uncased
body="test [MASK]"
seconds=30
connections=32
threads=2
port=18080
while [ $# -gt 0 ]; do
    case $1 in
        --model) model=$2; shift 2 ;;
        --body) body=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        --connections) connections=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        --port) port=$2; shift 2 ;;
        *) echo "usage: $0 [--model DIR] [--body TEXT] [--seconds S] [--connections C] [--threads T] [--port P]" >&2; exit 2 ;;
    esac
done

need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
export SLUICE=${SLUICE:-.build/release/sluice}
if [ ! -x "$SLUICE" ]; then
    scripts/setup.sh
    swift build -c release -j 2 --product sluice
fi

out=$(mktemp -d -t sluice-failover.XXXXXX)
cluster_pid=""
cleanup() {
    if [ -n "$cluster_pid" ]; then kill -TERM "$cluster_pid" 2>/dev/null || true; fi
    wait 2>/dev/null || true
    rm -rf "$out" "${logs:-}"
}
trap cleanup EXIT

# `health_of PORT`: the status /health answers on 127.0.0.1:PORT (000 if nothing answers).
health_of() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/health" || true; }

# Each replica uses --threads; on a 2-core host three replicas share the cores.
SLUICE_CLUSTER_KEEP=1 scripts/cluster.sh --replicas 3 --port "$port" -- \
    --model "$model" --threads "$threads" >"$out/cluster.out" 2>"$out/cluster.err" &
cluster_pid=$!

for _ in $(seq 300); do
    [ "$(grep -sc '^replica ' "$out/cluster.out" || true)" = 3 ] && grep -qs 'logs in' "$out/cluster.err" && break
    sleep 0.1
done
mapfile -t rpids < <(awk '/^replica /{print $2}' "$out/cluster.out")
mapfile -t rports < <(awk '/^replica /{print $3}' "$out/cluster.out")
logs=$(sed -n 's/.*logs in //p' "$out/cluster.err" | head -1)
nginx_pid=$(sed -n 's/.*nginx (pid \([0-9]*\)).*/\1/p' "$out/cluster.err" | head -1)
[ ${#rpids[@]} -eq 3 ] && [ -n "$nginx_pid" ] || { cat "$out/cluster.err"; echo "FAIL the cluster did not start"; exit 1; }
for p in "${rports[@]}" "$port"; do
    for _ in $(seq 600); do [ "$(health_of "$p")" = 200 ] && break; sleep 0.1; done
    [ "$(health_of "$p")" = 200 ] || { echo "FAIL 127.0.0.1:$p/health never answered 200"; exit 1; }
done
echo "cluster: replicas ${rpids[*]} on ports ${rports[*]}, nginx $nginx_pid on $port"
worker_pids=$(pgrep -P "$nginx_pid" || true)

echo "load: wrk -t2 -c$connections -d${seconds}s --timeout 10s, POST \"$body\"; SIGTERM replica ${rpids[0]} at $((seconds / 3)) s, SIGKILL replica ${rpids[1]} at $((2 * seconds / 3)) s"
BODY=$body wrk -t2 -c"$connections" -d"${seconds}s" --timeout 10s --latency \
    -s scripts/deploy/failover.lua "http://127.0.0.1:$port/" >"$out/wrk.txt" 2>&1 &
wrk_pid=$!
sleep $((seconds / 3))
kill -TERM "${rpids[0]}"
sleep $((seconds / 3))
kill -KILL "${rpids[1]}"
wait "$wrk_pid" || true
cat "$out/wrk.txt"

failed=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; failed=1; fi; }
requests=$(awk '/requests in/{print $1}' "$out/wrk.txt")
non2xx=$(awk -F': ' '/Non-2xx or 3xx responses/{print $2}' "$out/wrk.txt")
socket_errors=$(sed -n 's/.*Socket errors: //p' "$out/wrk.txt")
bad_bodies=$(awk -F': ' '/Bad bodies/{print $2}' "$out/wrk.txt")
check "wrk completed $requests requests" '[ "${requests:-0}" -gt 0 ]'
check "no non-2xx answer (${non2xx:-none reported})" '[ -z "$non2xx" ] || [ "$non2xx" -eq 0 ]'
check "no socket error (${socket_errors:-none reported})" '[ -z "$socket_errors" ]'
check "every 2xx body is a JSON array or object (bad bodies: ${bad_bodies:-?})" '[ "${bad_bodies:-1}" -eq 0 ]'

for _ in $(seq 400); do kill -0 "${rpids[0]}" 2>/dev/null || break; sleep 0.1; done
check "the SIGTERM'd replica drained and exited" '! kill -0 "${rpids[0]}" 2>/dev/null && grep -q draining "$logs/replica-1.log"'
check "the SIGKILL'd replica is gone" '! kill -0 "${rpids[1]}" 2>/dev/null'
direct=$(curl -s -X POST -d "$body" "http://127.0.0.1:${rports[2]}/")
proxied=$(curl -s -X POST -d "$body" "http://127.0.0.1:$port/")
check "after failover, nginx answers as the surviving replica does: ${proxied:0:80}…" '[ -n "$direct" ] && [ "$direct" = "$proxied" ]'
# What nginx retried, from its error log (one line per failed attempt it moved on from).
echo "nginx error log, by kind:"
sed -E 's/^[0-9/]+ [0-9:]+ \[[a-z]+\] [0-9#]+: \*[0-9]+ //; s/ while .*//; s/, client: .*//' \
    "$logs/nginx-error.log" | sort | uniq -c | sort -rn | head -8 || true

kill -TERM "$cluster_pid"
wait "$cluster_pid" || true
cluster_pid=""
left=""
for pid in "${rpids[@]}" "$nginx_pid" $worker_pids; do kill -0 "$pid" 2>/dev/null && left+=" $pid"; done
check "stopping the cluster left no process behind${left:+ (left:$left)}" '[ -z "$left" ]'
check "nothing listens on the cluster's ports any more" \
    '! ss -ltn | grep -qE "127.0.0.1:($port|${rports[0]}|${rports[1]}|${rports[2]})\b"'
exit $failed
