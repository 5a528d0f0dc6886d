#!/usr/bin/env bash
# The whole test suite under AddressSanitizer and then ThreadSanitizer (issue 16), each in a build
# folder of its own (.build-address, .build-thread). Each build takes a while on a small machine,
# so this runs outside CI: scripts/sanitize.sh [address|thread ...].
set -euo pipefail
cd "$(dirname "$0")/.."
export SLUICE_TEST_MODEL_DIR="$PWD/models/all-MiniLM-L6-v2"
for sanitizer in ${*:-address thread}; do
    echo "== $sanitizer sanitizer: build"
    swift build --build-path ".build-$sanitizer" -j 2 --build-tests --sanitize="$sanitizer"
    echo "== $sanitizer sanitizer: tests"
    # Leaks are checked by the fuzzers; here the suite's own leaks at exit (caches held for the
    # process's life) are not errors.
    ASAN_OPTIONS=detect_leaks=0 TSAN_OPTIONS=halt_on_error=1 \
        swift test --build-path ".build-$sanitizer" -j 2 --skip-build --sanitize="$sanitizer"
done
