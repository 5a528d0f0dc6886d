# Sourced by build-image.sh and check-containerfile.sh (from the repository's root): the Debian
# release of the Containerfile's runtime stage, the archive apt uses on this machine, and
# `debian_minbase ROOTFS WORK [PACKAGES]`, a minimal Debian of that release as its slim images
# are made (debootstrap --variant=minbase), with apt pointed at the release, its -updates and
# its -security suites.

# The release of debian:<release>-slim in the Containerfile.
release=$(sed -n 's|^ARG RUNTIME_IMAGE=.*debian:\([a-z]*\)-slim$|\1|p' Containerfile)
[ -n "$release" ] || { echo "no debian:<release>-slim in Containerfile" >&2; exit 1; }
# The archive apt uses here (deb822 sources or a sources.list line), else Debian's own.
mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ && $2 ~ /\/debian\/?$/ {print $2; exit}')
[ -n "$mirror" ] || mirror=$(awk '/^deb / && $2 ~ /\/debian\/?$/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}
security=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ && $2 ~ /debian-security\/?$/ {print $2; exit}')
security=${security:-http://deb.debian.org/debian-security}

debian_minbase() {
    local rootfs=$1 work=$2 include=${3:-}
    mkdir -p "$work/debs"
    rm -rf "$rootfs"
    echo "debootstrap --variant=minbase $release from $mirror${include:+ with $include}"
    debootstrap --variant=minbase ${include:+--include="$include"} --cache-dir="$work/debs" \
        "$release" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
        { tail -20 "$work/debootstrap.log"; return 1; }
    rm -f "$rootfs/etc/apt/sources.list"
    cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $mirror
Suites: $release $release-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: $release-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
}
