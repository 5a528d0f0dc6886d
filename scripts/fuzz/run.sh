#!/usr/bin/env bash
# Fuzzes Sluice's parsers with libFuzzer under AddressSanitizer (issue 16): builds the targets of
# Fuzz/Fuzz.swift optimised (-c release, as the server ships) with -sanitize=fuzzer,address into
# .build-fuzz, then runs each named target
# (default: all) for RUNS executions (default 10,000,000) from its committed seed corpus in
# Fuzz/corpus/TARGET, with leak detection on and a 10 s limit per input. New corpus entries go to
# .fuzz/TARGET and crashes to .fuzz/crashes/ (neither is committed; a crash becomes a
# regression test); each run's log and libFuzzer's final stats go to .fuzz/TARGET.log.
#
#   scripts/fuzz/run.sh [json|tokenizer|encode|safetensors|bodies ...]     RUNS=1000000 to change
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-10000000}
targets=${*:-json tokenizer encode safetensors bodies}

mkdir -p .fuzz
echo "== build (log: .fuzz/build.log)"
swift build -c release --build-path .build-fuzz -j 2 --product sluice-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -D -Xswiftc SLUICE_FUZZING > .fuzz/build.log 2>&1 ||
    { tail -n 30 .fuzz/build.log; exit 1; }
for target in $targets; do
    mkdir -p ".fuzz/$target" .fuzz/crashes
    echo "== $target: $RUNS executions"
    status=0
    LSAN_OPTIONS="suppressions=$PWD/scripts/lsan-suppressions.txt" SWIFT_BACKTRACE=enable=no \
        SLUICE_FUZZ_TARGET=$target .build-fuzz/release/sluice-fuzz ".fuzz/$target" "Fuzz/corpus/$target" \
        -runs="$RUNS" -timeout=10 -rss_limit_mb=4096 -detect_leaks=1 -print_final_stats=1 \
        -artifact_prefix=".fuzz/crashes/$target-" > ".fuzz/$target.log" 2>&1 || status=$?
    grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|Done [0-9]+ runs|ERROR|SUMMARY" \
        ".fuzz/$target.log" || true
    if [ $status -ne 0 ]; then
        echo "FAIL $target (exit $status): see .fuzz/$target.log and .fuzz/crashes/"
        exit $status
    fi
done
