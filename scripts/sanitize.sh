#!/usr/bin/env bash
# The whole test suite under AddressSanitizer and then ThreadSanitizer (issue 16), each in a build
# folder of its own (.build-address, .build-thread); then, with each, `sluice serve` itself under
# load and SIGTERM (scripts/overload/check_drain.py), where LeakSanitizer checks the server's own
# allocations at its exit. Each build takes a while on a small machine, so this runs outside CI:
#
#   scripts/sanitize.sh [address|thread ...]
#
# Leak checking is off for the test processes: at their exit LeakSanitizer reports the fixtures
# tests keep in `static let`s and a leak inside Foundation's String(contentsOf:), none of it the
# server's. The server run and the fuzzers (scripts/fuzz/run.sh) check leaks with it on;
# lsan-suppressions.txt lists what lives for the process by design.
set -euo pipefail
cd "$(dirname "$0")/.."
export SLUICE_TEST_MODEL_DIR="$PWD/models/all-MiniLM-L6-v2"
export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan-suppressions.txt"
export TSAN_OPTIONS="halt_on_error=1"
for sanitizer in ${*:-address thread}; do
    echo "== $sanitizer sanitizer: build"
    swift build --build-path ".build-$sanitizer" -j 2 --build-tests --sanitize="$sanitizer"
    echo "== $sanitizer sanitizer: tests"
    ASAN_OPTIONS=detect_leaks=0 swift test --build-path ".build-$sanitizer" -j 2 --skip-build --sanitize="$sanitizer"
    echo "== $sanitizer sanitizer: sluice serve under load, then SIGTERM"
    ASAN_OPTIONS=detect_leaks=1 python3 scripts/overload/check_drain.py ".build-$sanitizer/debug/sluice" \
        models/all-MiniLM-L6-v2 --clients 4 --items 2
    if grep -E "Sanitizer|SUMMARY" /tmp/sluice-check-drain.log; then
        echo "FAIL: the server's log has a sanitizer report (/tmp/sluice-check-drain.log)"
        exit 1
    fi
done
