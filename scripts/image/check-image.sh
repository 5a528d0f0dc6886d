#!/usr/bin/env bash
# Runs the image that build-image.sh built and checks it serves as the Containerfile says:
# its configuration equals the Containerfile's runtime stage (compare_config.py); started with
# a model by hub id from a Hugging Face cache mounted on its volume (offline), it answers the
# README's `curl -X POST -d "test [MASK]"` with the transformers pipeline's JSON for the BERT
# fill-mask fixture (the fixture's expected/fill_mask.jsonl: keys, order, scores within 1e-4)
# and with exactly the bytes the same binary answers outside the container; its health check
# passes; it runs as uid 10001 and can write its cache; `stop` drains it and it exits 0. podman
# runs it as the Kubernetes manifest does: read-only root file system, no capabilities. With
# models/all-MiniLM-L6-v2 (scripts/setup.sh) it also runs the image's default command
# (`--model sentence-transformers/all-MiniLM-L6-v2`) from the cache and compares its answer the
# same way. Not run by CI (it needs build-image.sh's image).
#
#   scripts/image/check-image.sh [--runner auto|podman|chroot] [--port 18600]
#
# podman runs the image with runc and the host's network (this machine's cgroups are a v1/v2
# hybrid that crun refuses, and its limits allow no more than these --ulimit values); where
# podman cannot run containers at all, --runner chroot runs build-image.sh's root file system
# under unshare (mount and PID namespaces) and chroot as uid 10001, with the image's
# environment, and checks everything but the configuration and the health check's timer.
# Environment: SLUICE_IMAGE, SLUICE_IMAGE_WORK as for build-image.sh; SLUICE_BINARY, the
# binary to compare with outside the container (default .build/release/sluice, else the
# image's own copy).
set -euo pipefail
cd "$(dirname "$0")/../.."

IMAGE=${SLUICE_IMAGE:-localhost/sluice:latest}
WORK=${SLUICE_IMAGE_WORK:-/var/tmp/sluice-image}
ROOTFS=$WORK/rootfs
runner=auto
port=18600
while [ $# -gt 0 ]; do
    case $1 in
        --runner) runner=$2; shift 2 ;;
        --port) port=$2; shift 2 ;;
        *) echo "usage: $0 [--runner auto|podman|chroot] [--port P]" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" -eq 0 ] || { echo "check-image: needs root" >&2; exit 1; }
command -v curl >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq curl >/dev/null; }
if [ "$runner" != chroot ] && ! command -v runc >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq runc >/dev/null
fi

PODMAN_RUN=(podman run --runtime runc --ulimit nofile=16384:16384 --ulimit nproc=4096:4096 --network host)
if [ "$runner" = auto ]; then
    if "${PODMAN_RUN[@]}" --rm --entrypoint /bin/true "$IMAGE" >/dev/null 2>&1; then runner=podman; else runner=chroot; fi
fi
echo "check-image: runner $runner, image $IMAGE"

BINARY=${SLUICE_BINARY:-.build/release/sluice}
[ -x "$BINARY" ] || BINARY=$ROOTFS/usr/local/bin/sluice
FIXTURE=Tests/Fixtures/models/bert-tiny-uncased
MINILM=models/all-MiniLM-L6-v2
tmp=$(mktemp -d -t sluice-check-image.XXXXXX)
chmod 0755 "$tmp"
children=()
container=""
cleanup() {
    local pid
    for pid in "${children[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    if [ -n "$container" ]; then podman rm -f -v "$container" >/dev/null 2>&1 || true; fi
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

failed=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; failed=1; fi; }
health_of() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/health" || true; }
wait_healthy() {
    for _ in $(seq 600); do [ "$(health_of "$1")" = 200 ] && return 0; sleep 0.1; done
    return 1
}

# A Hugging Face cache (HF_HOME) holding the fixture as sluice-test/bert-tiny-uncased and,
# when present, MiniLM as sentence-transformers/all-MiniLM-L6-v2, laid out as huggingface_hub
# lays it out (refs/main names the snapshot), owned by the image's user.
cache=$tmp/hf-home
add_to_cache() {  # add_to_cache FOLDER ORG/NAME
    local repo=$cache/hub/models--${2/\//--} commit=0123456789abcdef0123456789abcdef01234567
    mkdir -p "$repo/refs" "$repo/snapshots/$commit"
    printf '%s' "$commit" >"$repo/refs/main"
    cp -r "$1/." "$repo/snapshots/$commit/"
}
add_to_cache "$FIXTURE" sluice-test/bert-tiny-uncased
[ -f "$MINILM/model.safetensors" ] && add_to_cache "$MINILM" sentence-transformers/all-MiniLM-L6-v2
chown -R 10001:10001 "$cache"

# The same binary outside the container, on the same folders: the answers to match.
host_answer() {  # host_answer FOLDER BODY
    local hport=$((port + 50)) pid answer
    "$BINARY" serve --model "$1" --host 127.0.0.1 --port "$hport" >"$tmp/host.log" 2>&1 &
    pid=$!
    wait_healthy "$hport" || { cat "$tmp/host.log" >&2; return 1; }
    answer=$(curl -s -X POST -d "$2" "http://127.0.0.1:$hport/")
    kill -TERM "$pid"
    wait "$pid" || true
    printf '%s' "$answer"
}

# start_image NAME [serve arguments]: runs the image with the cache on its volume, offline,
# listening on 127.0.0.1:$port; sets `container` (podman) or the server's pid (chroot).
server_pid=""
start_image() {
    local name=$1
    shift
    if [ "$runner" = podman ]; then
        container=sluice-check-$name-$$
        # As deploy/kubernetes/deployment.yaml runs it: read-only root, /tmp and the cache
        # writable, no capabilities, no privilege escalation.
        "${PODMAN_RUN[@]}" -d --name "$container" -v "$cache:/var/cache/huggingface" \
            --read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges \
            -e HF_HUB_OFFLINE=1 -e SLUICE_HOST=127.0.0.1 -e SLUICE_PORT="$port" \
            "$IMAGE" "$@" >/dev/null 2>"$tmp/podman.err"
    else
        # The image's command when none is given (the Containerfile's CMD), its environment
        # and user, its root, the cache on its volume's path.
        if [ $# -eq 0 ]; then
            mapfile -t default_command < <(python3 -c 'import json, sys
for line in open(sys.argv[1]):
    if line.startswith("CMD "):
        print("\n".join(json.loads(line[4:])))' Containerfile)
            set -- "${default_command[@]}"
        fi
        unshare --mount --pid --fork --kill-child sh -euc '
            rootfs=$1 cache=$2 port=$3
            shift 3
            mount --bind "$cache" "$rootfs/var/cache/huggingface"
            mount -t proc proc "$rootfs/proc"
            exec chroot --userspec=10001:10001 "$rootfs" /usr/bin/env -i \
                PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
                HOME=/home/sluice HF_HOME=/var/cache/huggingface HF_HUB_OFFLINE=1 \
                SLUICE_HOST=127.0.0.1 SLUICE_PORT="$port" \
                /bin/sh -c "cd /home/sluice && exec /usr/local/bin/sluice serve \"\$@\"" sh "$@"
        ' sh "$ROOTFS" "$cache" "$port" "$@" >"$tmp/chroot-$name.log" 2>&1 &
        children+=($!)
        server_pid=$!
    fi
}
image_logs() {
    if [ "$runner" = podman ]; then podman logs "$container" 2>&1; else cat "$tmp"/chroot-*.log; fi
}
# stop_image: SIGTERM (podman stop; in the chroot, to the server, PID 1 of its namespace),
# then `status` is its exit status.
status=""
stop_image() {
    if [ "$runner" = podman ]; then
        podman stop -t 45 "$container" >/dev/null 2>&1
        status=$(podman inspect --format '{{.State.ExitCode}}' "$container")
    else
        status=0
        kill -TERM "$(pgrep -P "$server_pid")"
        wait "$server_pid" || status=$?
    fi
}
remove_image_container() {
    if [ "$runner" = podman ]; then podman rm -v "$container" >/dev/null 2>&1 || true; fi
    container=""
}

# Scores within 1e-4, keys in order, as scripts/check-cli.sh compares with the pipeline.
same_as_pipeline() {
    python3 scripts/same_json.py "$1" "$2"
}

if [ "$runner" = podman ]; then
    echo "== the image's configuration against the Containerfile"
    podman image inspect "$IMAGE" | python3 scripts/image/compare_config.py Containerfile || failed=1
    size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
    echo "image size: $((size / 1000000)) MB uncompressed"
fi

echo "== the README's curl against the BERT fill-mask fixture, served by hub id from the cache volume"
reference=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["json"])' \
    "$FIXTURE/expected/fill_mask.jsonl")
outside=$(host_answer "$FIXTURE" "test [MASK]")
start_image fixture --model sluice-test/bert-tiny-uncased
check "the server in the image becomes healthy" 'wait_healthy "$port"' || { image_logs; cat "$tmp/podman.err" 2>/dev/null; exit 1; }
answer=$(curl -s -X POST -d "test [MASK]" "http://127.0.0.1:$port/")
echo "curl -X POST -d \"test [MASK]\" http://127.0.0.1:$port/"
echo "$answer"
check "the answer is the transformers pipeline's (fixture expected/fill_mask.jsonl)" 'same_as_pipeline "$reference" "$answer"'
check "the answer is byte for byte the binary's outside the image" '[ -n "$outside" ] && [ "$answer" = "$outside" ]'
if [ "$runner" = podman ]; then
    check "the image's health check passes (podman healthcheck run)" 'podman healthcheck run "$container" >/dev/null 2>&1'
    user=$(podman exec "$container" id -u)
    check "it runs as uid 10001 (got $user)" '[ "$user" = 10001 ]'
    check "its user can write the cache volume" 'podman exec "$container" touch /var/cache/huggingface/.written'
else
    check "the health check script passes inside the root" \
        'chroot --userspec=10001:10001 "$ROOTFS" /usr/bin/env SLUICE_PORT="$port" /usr/local/bin/sluice-healthcheck'
    user=$(ps -o uid= -p "$(pgrep -P "$server_pid")" | tr -d ' ')
    check "it runs as uid 10001 (got $user)" '[ "$user" = 10001 ]'
    check "its user can write the cache volume" \
        'unshare --mount --fork sh -c "mount --bind \"\$1\" \"\$2/var/cache/huggingface\" && chroot --userspec=10001:10001 \"\$2\" touch /var/cache/huggingface/.written" sh "$cache" "$ROOTFS"'
fi
stop_image
check "SIGTERM drains it and it exits 0 (exit $status)" '[ "$status" = 0 ] && image_logs | grep -q draining'
remove_image_container

if [ -f "$MINILM/model.safetensors" ]; then
    echo "== the image's default command: sentence-transformers/all-MiniLM-L6-v2 from the cache"
    sentence="The quick brown fox jumps over the lazy dog."
    outside=$(host_answer "$MINILM" "$sentence")
    start_image default
    check "the default command's server becomes healthy" 'wait_healthy "$port"' || { image_logs; exit 1; }
    answer=$(curl -s -X POST -d "$sentence" "http://127.0.0.1:$port/")
    echo "curl -X POST -d \"$sentence\" → ${answer:0:60}… ($(echo "$answer" | tr ',' '\n' | wc -l) numbers)"
    check "the embedding is byte for byte the binary's outside the image" '[ -n "$outside" ] && [ "$answer" = "$outside" ]'
    stop_image
    check "it drains and exits 0 (exit $status)" '[ "$status" = 0 ]'
    remove_image_container
fi
exit $failed
