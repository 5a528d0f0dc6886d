#!/usr/bin/env bash
# A local cluster: N `sluice serve` replicas on loopback behind nginx, which retries a request
# on another replica when one refuses it (503: draining or overloaded), resets the connection,
# times out or dies; POST is retried too (non_idempotent), since inference changes nothing.
#
#   scripts/cluster.sh --replicas N --port P [--replica-port Q] -- <sluice serve arguments>
#
# nginx listens on 127.0.0.1:P, the replicas on 127.0.0.1:Q, Q+1, … (Q defaults to P+1). Prints
# one line `replica PID PORT` per replica on standard output as it starts them (everything else
# goes to standard error, among it a line once the replicas are ready), then stays in the
# foreground until it gets SIGINT or SIGTERM, or nginx exits; then it drains the replicas
# (SIGTERM, SIGKILL after 40 s) and stops nginx. Replicas and nginx also get SIGTERM if this
# script is killed outright (setpriv --pdeathsig), so nothing outlives it. A replica that exits
# is not restarted: the others keep serving. Logs and nginx's configuration are in a temporary
# folder (named on standard error), removed on exit unless SLUICE_CLUSTER_KEEP=1. The binary is
# $SLUICE (default .build/release/sluice, built if missing); --host and --port are the
# script's, so leave them out of the serve arguments.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: $0 --replicas N --port P [--replica-port Q] -- <sluice serve arguments>" >&2; exit 2; }
replicas=""
port=""
replica_port=""
while [ $# -gt 0 ]; do
    case $1 in
        --replicas) replicas=$2; shift 2 ;;
        --port) port=$2; shift 2 ;;
        --replica-port) replica_port=$2; shift 2 ;;
        --) shift; break ;;
        *) usage ;;
    esac
done
[[ $replicas =~ ^[1-9][0-9]*$ && $port =~ ^[1-9][0-9]*$ ]] || usage
replica_port=${replica_port:-$((port + 1))}
[ $# -gt 0 ] || usage

command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || {
    echo "cluster: installing nginx" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
}
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
SLUICE=${SLUICE:-.build/release/sluice}
if [ ! -x "$SLUICE" ]; then
    echo "cluster: building $SLUICE (release)" >&2
    scripts/setup.sh >&2
    swift build -c release -j 2 --product sluice >&2
fi

dir=$(mktemp -d -t sluice-cluster.XXXXXX)
mkdir -p "$dir/nginx-temp"
nginx_user=""
if [ "$(id -u)" -eq 0 ]; then
    # nginx's workers run as nobody when it is started as root: let them write request
    # bodies to the temporary folder.
    chmod 0711 "$dir"
    chown nobody:nogroup "$dir/nginx-temp"
    nginx_user="user nobody nogroup;"
fi
pids=()
nginx_pid=""

stop() {
    trap - EXIT INT TERM
    echo "cluster: stopping" >&2
    local pid
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    # Draining finishes the accepted requests: at most the request timeout (30 s by default).
    for _ in $(seq 400); do
        local alive=0
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ $alive -eq 0 ] && break
        sleep 0.1
    done
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    if [ -n "$nginx_pid" ]; then kill -QUIT "$nginx_pid" 2>/dev/null || true; fi
    wait 2>/dev/null || true
    if [ "${SLUICE_CLUSTER_KEEP:-0}" = 1 ]; then echo "cluster: logs kept in $dir" >&2; else rm -rf "$dir"; fi
}
trap stop EXIT
trap 'exit 0' INT TERM

upstreams=""
for i in $(seq "$replicas"); do
    rport=$((replica_port + i - 1))
    setpriv --pdeathsig TERM "$SLUICE" serve "$@" --host 127.0.0.1 --port "$rport" \
        >"$dir/replica-$i.log" 2>&1 &
    pids+=($!)
    echo "replica $! $rport"
    # max_fails=1: one refused, reset or 503 answer takes the replica out of turn for 2 s.
    upstreams+="        server 127.0.0.1:$rport max_fails=1 fail_timeout=2s;"$'\n'
done

cat >"$dir/nginx.conf" <<EOF
# Written by scripts/cluster.sh.
$nginx_user
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log warn;
events {
    worker_connections 4096;
}
http {
    access_log off;
    client_body_temp_path $dir/nginx-temp/body;
    proxy_temp_path $dir/nginx-temp/proxy;
    fastcgi_temp_path $dir/nginx-temp/fastcgi;
    uwsgi_temp_path $dir/nginx-temp/uwsgi;
    scgi_temp_path $dir/nginx-temp/scgi;
    # Larger than Sluice's own limit (--max-body-bytes, 1 MiB by default), so that Sluice
    # answers an oversized body with its JSON 413. nginx reads the whole body before it
    # forwards it, which is what lets it send the same body to another replica.
    client_max_body_size 8m;

    # Idle connections to the replicas are kept, and closed by nginx after 30 s: before a
    # replica would close them itself (sluice serve --idle-timeout-s, 90 s by default), so a
    # request is seldom sent on a connection the replica is closing (and if it is, it is
    # retried elsewhere like any other error).
    upstream sluice {
$upstreams        keepalive 64;
        keepalive_timeout 30s;
    }

    server {
        listen 127.0.0.1:$port;
        location / {
            proxy_pass http://sluice;
            # HTTP/1.1 without "Connection: close": connections to the replicas are kept alive.
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            # Another replica when one refuses the connection, resets it, dies mid-request
            # (error), does not answer in time (timeout) or answers 503 (draining or its queue
            # full). Inference is a POST that changes nothing, so POSTs are retried too
            # (non_idempotent). Not 504: the request's own deadline has passed.
            proxy_next_upstream error timeout http_503 non_idempotent;
            proxy_next_upstream_tries $replicas;
            proxy_next_upstream_timeout 40s;
            # Loopback: a live replica accepts at once.
            proxy_connect_timeout 1s;
            # Longer than the request timeout (--request-timeout-ms 30000): a replica answers
            # 504 by then itself.
            proxy_send_timeout 35s;
            proxy_read_timeout 35s;
        }
    }
}
EOF
setpriv --pdeathsig TERM "$NGINX" -c "$dir/nginx.conf" -e "$dir/nginx-error.log" &
nginx_pid=$!
echo "cluster: nginx (pid $nginx_pid) on 127.0.0.1:$port, logs in $dir" >&2

# Say on standard error once every replica is ready (GET /health 200), or which one exited.
if command -v curl >/dev/null 2>&1; then
    ready=0
    for i in "${!pids[@]}"; do
        rport=$((replica_port + i))
        while [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$rport/health")" != 200 ]; do
            if ! kill -0 "${pids[$i]}" 2>/dev/null; then
                echo "cluster: replica ${pids[$i]} exited: $(tail -1 "$dir/replica-$((i + 1)).log")" >&2
                continue 2
            fi
            sleep 0.2
        done
        ready=$((ready + 1))
    done
    echo "cluster: $ready of $replicas replicas ready" >&2
fi

# Stay in the foreground while nginx runs; `wait` returns early on a trapped signal.
while kill -0 "$nginx_pid" 2>/dev/null; do
    wait "$nginx_pid" || true
done
echo "cluster: nginx exited" >&2
exit 1
