#!/usr/bin/env bash
# Builds Sluice's runtime image without pulling any base image: the same image as the
# Containerfile's runtime stage, from Debian's packages alone. debootstrap lays out a minimal
# Debian of the Containerfile's release (minbase, as debian:<release>-slim is made) with the
# packages of runtime-packages.txt, from the archive apt uses on this machine; apt brings them
# up to date from the release's -updates and -security suites; runtime-setup.sh adds the user,
# the cache folder and removes what slim images leave out; the binary (built with
# --static-swift-stdlib, stripped) and the health check go to /usr/local/bin. buildah then
# makes it an image with the Containerfile's configuration (user, environment, volume, port,
# working directory, entry point, command, health check) in the local container storage, and
# podman saves it as a docker archive. Not run by CI (a few minutes, and it needs the archive).
#
#   scripts/image/build-image.sh            # then scripts/image/check-image.sh
#
# Environment: SLUICE_IMAGE (default localhost/sluice:latest), SLUICE_IMAGE_WORK (work folder,
# default /var/tmp/sluice-image: the root file system in rootfs/, debootstrap's download cache,
# the archive sluice-image.tar), SLUICE_BINARY (a release binary built with
# --static-swift-stdlib; default: built here into .build-image). Needs root (debootstrap,
# chroot); installs debootstrap, buildah and podman if missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

IMAGE=${SLUICE_IMAGE:-localhost/sluice:latest}
WORK=${SLUICE_IMAGE_WORK:-/var/tmp/sluice-image}
ROOTFS=$WORK/rootfs
[ "$(id -u)" -eq 0 ] || { echo "build-image: needs root (debootstrap, chroot)" >&2; exit 1; }

need=()
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
command -v buildah >/dev/null 2>&1 || need+=(buildah)
command -v podman >/dev/null 2>&1 || need+=(podman)
if [ ${#need[@]} -gt 0 ]; then
    echo "build-image: installing ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# shellcheck source=scripts/image/debian.sh
source scripts/image/debian.sh
packages=$(grep -v '^#' scripts/image/runtime-packages.txt | paste -sd, -)

# The binary: static Swift runtime, so that the image needs no Swift libraries.
BINARY=${SLUICE_BINARY:-}
if [ -z "$BINARY" ]; then
    scripts/setup.sh
    swift build -c release -j 2 --product sluice --static-swift-stdlib --scratch-path .build-image
    BINARY=.build-image/release/sluice
fi
if ldd "$BINARY" | grep -qE 'libswift|libFoundation|libdispatch|libBlocksRuntime'; then
    echo "build-image: $BINARY links the Swift runtime dynamically; build it with --static-swift-stdlib" >&2
    exit 1
fi

debian_minbase "$ROOTFS" "$WORK" "$packages"
install -m 0755 -D "$BINARY" "$ROOTFS/usr/local/bin/sluice"
strip "$ROOTFS/usr/local/bin/sluice"
install -m 0755 scripts/image/healthcheck.sh "$ROOTFS/usr/local/bin/sluice-healthcheck"
install -m 0644 -D scripts/image/runtime-setup.sh "$ROOTFS/tmp/image/runtime-setup.sh"
cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
# In a mount namespace of its own, so /proc and /dev go away with it.
echo "build-image: apt-get upgrade and runtime-setup.sh in the root file system"
unshare --mount --fork sh -euc '
    mount -t proc proc "$1/proc"
    mount --rbind /dev "$1/dev"
    chroot "$1" sh -euc "
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get upgrade -y -qq >/dev/null
        apt-get clean
        sh /tmp/image/runtime-setup.sh
        ldd /usr/local/bin/sluice | grep -q \"not found\" && { ldd /usr/local/bin/sluice; exit 1; } || true
    "
' sh "$ROOTFS"
rm -rf "$ROOTFS/tmp/image"
: >"$ROOTFS/etc/resolv.conf"

echo "build-image: $IMAGE"
# Docker's format: OCI image configurations have no health check.
export BUILDAH_FORMAT=docker
ctr=$(buildah from scratch)
mnt=$(buildah mount "$ctr")
tar -C "$ROOTFS" --numeric-owner --xattrs -cf - . | tar -C "$mnt" --numeric-owner --xattrs -xpf -
buildah umount "$ctr" >/dev/null
# The Containerfile's runtime configuration (check-image.sh compares the two), and the PATH
# that debian:<release>-slim sets.
buildah config \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env HF_HOME=/var/cache/huggingface \
    --env SLUICE_HOST=0.0.0.0 \
    --env SLUICE_PORT=8000 \
    --volume /var/cache/huggingface \
    --workingdir /home/sluice \
    --user 10001:10001 \
    --port 8000/tcp \
    --stop-signal SIGTERM \
    --healthcheck 'CMD /usr/local/bin/sluice-healthcheck' \
    --healthcheck-interval 10s --healthcheck-timeout 5s --healthcheck-start-period 60s \
    --healthcheck-retries 3 \
    --entrypoint '["/usr/local/bin/sluice", "serve"]' \
    --cmd '["--model", "sentence-transformers/all-MiniLM-L6-v2"]' \
    --label org.opencontainers.image.title=sluice \
    "$ctr"
previous=$(podman image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
buildah commit --quiet --format docker --rm "$ctr" "$IMAGE" >/dev/null
# The image this one replaces, now without a name.
if [ -n "$previous" ] && [ "$previous" != "$(podman image inspect --format '{{.Id}}' "$IMAGE")" ]; then
    podman rmi "$previous" >/dev/null 2>&1 || true
fi
rm -f "$WORK/sluice-image.tar"
podman save --quiet --format docker-archive -o "$WORK/sluice-image.tar" "$IMAGE"

size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
archive=$(stat -c %s "$WORK/sluice-image.tar")
gzipped=$(gzip -c "$WORK/sluice-image.tar" | wc -c)
echo "build-image: $IMAGE: $((size / 1000000)) MB uncompressed (the binary $(($(stat -c %s "$ROOTFS/usr/local/bin/sluice") / 1000000)) MB), archive $WORK/sluice-image.tar $((archive / 1000000)) MB, $((gzipped / 1000000)) MB gzipped"
