#!/usr/bin/env bash
# Throughput of the local cluster (scripts/cluster.sh) with 1, 2 and 3 replicas behind nginx,
# and of one replica alone without nginx, under the same wrk load: POST one sentence to
# all-MiniLM-L6-v2 (or --model/--body). Each replica gets --threads = cores / replicas (at
# least 1), so the replicas share this host's cores rather than fight over them; on a host with
# fewer cores than replicas they still do. Prints one line per setting with requests/s, the
# latency percentiles, the CPU time the replicas and nginx spent per request, and the errors,
# then the machine (lscpu's model name, cores, load).
# Not run by CI.
#
#   scripts/bench/cluster-throughput.sh [--model DIR] [--body TEXT] [--seconds 15]
#                                       [--connections 32] [--replicas 1,2,3] [--port 18090]
set -euo pipefail
cd "$(dirname "$0")/../.."

model=models/all-MiniLM-L6-v2
body="The quick brown fox jumps over the lazy dog."
seconds=15
connections=32
replica_counts=1,2,3
port=18090
while [ $# -gt 0 ]; do
    case $1 in
        --model) model=$2; shift 2 ;;
        --body) body=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        --connections) connections=$2; shift 2 ;;
        --replicas) replica_counts=$2; shift 2 ;;
        --port) port=$2; shift 2 ;;
        *) echo "usage: $0 [--model DIR] [--body TEXT] [--seconds S] [--connections C] [--replicas 1,2,3] [--port P]" >&2; exit 2 ;;
    esac
done

scripts/setup.sh
need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
export SLUICE=${SLUICE:-.build/release/sluice}
[ -x "$SLUICE" ] || swift build -c release -j 2 --product sluice
cores=$(nproc)
out=$(mktemp -d -t sluice-cluster-bench.XXXXXX)
cluster_pid=""
server_pid=""
cleanup() {
    for pid in $cluster_pid $server_pid; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$out"
}
trap cleanup EXIT
health_of() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/health" || true; }
wait_healthy() { for _ in $(seq 600); do [ "$(health_of "$1")" = 200 ] && return 0; sleep 0.1; done; return 1; }

# cpu_seconds PID...: the user + system CPU time the processes have used so far.
cpu_seconds() {
    local ticks=0 pid
    for pid in "$@"; do
        ticks=$((ticks + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
    done
    echo "$ticks $(getconf CLK_TCK)" | awk '{printf "%.3f", $1 / $2}'
}

# run_wrk NAME PORT "SLUICE PIDS" "NGINX PIDS": a 2 s warm-up, then the measured run; prints
# the result line, with the CPU time the replicas and nginx spent per request in that run
# (less sensitive than requests/s to whatever else the host runs).
run_wrk() {
    BODY=$body wrk -t2 -c"$connections" -d2s -s scripts/bench/post.lua "http://127.0.0.1:$2/" >/dev/null 2>&1
    local sluice_before nginx_before sluice_after nginx_after
    # shellcheck disable=SC2086
    sluice_before=$(cpu_seconds $3)
    nginx_before=$(cpu_seconds $4)
    BODY=$body wrk -t2 -c"$connections" -d"${seconds}s" --timeout 10s --latency \
        -s scripts/bench/post.lua "http://127.0.0.1:$2/" >"$out/$1.txt" 2>&1
    sluice_after=$(cpu_seconds $3)
    nginx_after=$(cpu_seconds $4)
    awk -v name="$1" -v sluice0="$sluice_before" -v sluice1="$sluice_after" \
        -v nginx0="$nginx_before" -v nginx1="$nginx_after" '
        /requests in/ {count = $1}
        /Requests\/sec/ {rps = $2}
        /^ +50%/ {p50 = $2} /^ +90%/ {p90 = $2} /^ +99%/ {p99 = $2}
        /Non-2xx/ {non2xx = $NF}
        /Socket errors/ {sub(/.*Socket errors: /, ""); socket = $0}
        END {
            printf "%-34s %8.1f %8s %8s %8s %9.2f %9.3f   non-2xx %s, socket errors %s\n", name, rps, p50, p90, p99,
                1000 * (sluice1 - sluice0) / count, 1000 * (nginx1 - nginx0) / count, non2xx ? non2xx : 0, socket ? socket : "none"
        }
    ' "$out/$1.txt"
}

echo "wrk -t2 -c$connections -d${seconds}s, POST \"$body\" to $model; $cores cores"
printf '%-34s %8s %8s %8s %8s %9s %9s\n' setting "req/s" p50 p90 p99 "sluice" "nginx"
printf '%-34s %8s %8s %8s %8s %9s %9s\n' "" "" "" "" "" "CPU ms/req" "CPU ms/req"
"$SLUICE" serve --model "$model" --host 127.0.0.1 --port "$((port + 50))" --threads "$cores" >"$out/alone.log" 2>&1 &
server_pid=$!
wait_healthy "$((port + 50))"
run_wrk "1 replica alone, --threads $cores" "$((port + 50))" "$server_pid" ""
kill -TERM "$server_pid"
wait "$server_pid" || true
server_pid=""

for n in ${replica_counts//,/ }; do
    threads=$((cores / n))
    [ "$threads" -ge 1 ] || threads=1
    scripts/cluster.sh --replicas "$n" --port "$port" -- --model "$model" --threads "$threads" \
        >"$out/cluster-$n.out" 2>"$out/cluster-$n.err" &
    cluster_pid=$!
    for _ in $(seq 100); do [ "$(grep -sc '^replica ' "$out/cluster-$n.out" || true)" = "$n" ] && break; sleep 0.1; done
    for rport in $(awk '/^replica /{print $3}' "$out/cluster-$n.out"); do wait_healthy "$rport"; done
    wait_healthy "$port"
    nginx_pid=$(sed -n 's/.*nginx (pid \([0-9]*\)).*/\1/p' "$out/cluster-$n.err" | head -1)
    run_wrk "nginx + $n replica(s), --threads $threads" "$port" \
        "$(awk '/^replica /{printf "%s ", $2}' "$out/cluster-$n.out")" "$nginx_pid $(pgrep -P "$nginx_pid" | tr '\n' ' ')"
    kill -TERM "$cluster_pid"
    wait "$cluster_pid" || true
    cluster_pid=""
done
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $cores cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
