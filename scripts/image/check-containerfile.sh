#!/usr/bin/env bash
# Builds the Containerfile's runtime stage exactly as it is written, and runs check-image.sh on
# the result. The base images cannot be pulled here, so it builds with stand-ins: for
# debian:<release>-slim, a debootstrap minbase of that release from Debian's archive trimmed
# as the slim images are, imported as localhost/sluice-standin-debian:<release>-slim; for the
# build stage, a stage that only holds the binary built here with --static-swift-stdlib and
# stripped (what the real build stage produces). The runtime stage itself, every line from its
# FROM on, is copied from the Containerfile unchanged and built by buildah (chroot isolation),
# with its apt-get from Debian's archive. Not run by CI (root, a few minutes, the archive).
#
#   scripts/image/check-containerfile.sh [check-image.sh's options]
#
# Environment: SLUICE_IMAGE_WORK (default /var/tmp/sluice-image), SLUICE_BINARY (as for
# build-image.sh); the image is localhost/sluice-containerfile:latest.
set -euo pipefail
cd "$(dirname "$0")/../.."

IMAGE=localhost/sluice-containerfile:latest
WORK=${SLUICE_IMAGE_WORK:-/var/tmp/sluice-image}
[ "$(id -u)" -eq 0 ] || { echo "check-containerfile: needs root (debootstrap)" >&2; exit 1; }
need=()
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
command -v buildah >/dev/null 2>&1 || need+=(buildah)
command -v podman >/dev/null 2>&1 || need+=(podman)
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
# shellcheck source=scripts/image/debian.sh
source scripts/image/debian.sh
BASE=localhost/sluice-standin-debian:$release-slim

BINARY=${SLUICE_BINARY:-}
if [ -z "$BINARY" ]; then
    scripts/setup.sh
    swift build -c release -j 2 --product sluice --static-swift-stdlib --scratch-path .build-image
    BINARY=.build-image/release/sluice
fi

echo "check-containerfile: the stand-in for debian:$release-slim"
standin=$WORK/standin-rootfs
debian_minbase "$standin" "$WORK"
# What makes the slim images slim (debuerreotype-slimify): dpkg leaves out documentation but the
# copyright files, translations and man pages, now and in every later install.
cat >"$standin/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
EOF
find "$standin/usr/share/doc" -type f ! -name copyright -delete
find "$standin/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
rm -rf "$standin"/usr/share/man/* "$standin"/usr/share/info/* "$standin"/usr/share/groff/* \
    "$standin"/usr/share/lintian/overrides/* \
    "$standin"/var/lib/apt/lists/* "$standin"/var/cache/apt/*.bin "$standin"/var/cache/apt/archives/*.deb
: >"$standin/etc/resolv.conf"
tar -C "$standin" --numeric-owner --xattrs -cf "$WORK/standin.tar" .
podman rmi "$BASE" >/dev/null 2>&1 || true
podman import --quiet \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' "$WORK/standin.tar" "$BASE" >/dev/null
rm -f "$WORK/standin.tar"

context=$(mktemp -d -t sluice-containerfile.XXXXXX)
trap 'rm -rf "$context"' EXIT
mkdir -p "$context/scripts/image"
cp scripts/image/runtime-packages.txt scripts/image/runtime-setup.sh scripts/image/healthcheck.sh \
    "$context/scripts/image/"
strip -o "$context/sluice" "$BINARY"
{
    echo "# The stand-in build stage, then the Containerfile's runtime stage unchanged."
    echo "ARG RUNTIME_IMAGE"
    echo "FROM scratch AS build"
    echo "COPY sluice /out/sluice"
    echo
    # shellcheck disable=SC2016
    sed -n '/^FROM \${RUNTIME_IMAGE}$/,$p' Containerfile
} >"$context/Containerfile"
grep -q '^FROM ${RUNTIME_IMAGE}$' "$context/Containerfile" ||
    { echo "check-containerfile: no 'FROM \${RUNTIME_IMAGE}' stage in Containerfile" >&2; exit 1; }

echo "check-containerfile: buildah build of the runtime stage as $IMAGE"
previous=$(podman image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
buildah build --quiet --isolation chroot --format docker --layers=false \
    --build-arg RUNTIME_IMAGE="$BASE" -t "$IMAGE" -f "$context/Containerfile" "$context" \
    >"$WORK/containerfile-build.log" 2>&1 || { tail -30 "$WORK/containerfile-build.log"; exit 1; }
if [ -n "$previous" ] && [ "$previous" != "$(podman image inspect --format '{{.Id}}' "$IMAGE")" ]; then
    podman rmi "$previous" >/dev/null 2>&1 || true
fi
size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
echo "check-containerfile: $IMAGE is $((size / 1000000)) MB uncompressed"

SLUICE_IMAGE=$IMAGE scripts/image/check-image.sh "$@"
