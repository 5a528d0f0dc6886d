#!/bin/sh
# Lays out the runtime image, run as root inside its root file system once the packages of
# runtime-packages.txt are installed: by the Containerfile's runtime stage, and by
# build-image.sh in a chroot of its debootstrap root, so that both images are the same. The
# user `sluice` (uid and gid 10001, no login), the Hugging Face cache /var/cache/huggingface
# owned by it (the image's volume), then what debian:*-slim leaves out: documentation but the
# copyright files, translations, man pages, apt's lists and caches.
set -eu
groupadd --gid 10001 sluice
useradd --uid 10001 --gid 10001 --home-dir /home/sluice --create-home --no-log-init \
    --shell /usr/sbin/nologin sluice
install -d -o 10001 -g 10001 -m 0755 /var/cache/huggingface
find /usr/share/doc -type f ! -name copyright -delete
find /usr/share/doc -depth -type d -empty -delete
find /usr/share/locale -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
rm -rf /usr/share/man/* /usr/share/info/* /usr/share/groff/* /usr/share/lintian/* \
    /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/apt/archives/*.deb \
    /var/cache/debconf/*-old /var/lib/dpkg/*-old /var/log/apt/* /var/log/dpkg.log
