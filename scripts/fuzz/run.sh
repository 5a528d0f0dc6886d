#!/usr/bin/env bash
# Fuzzes Sluice's parsers with libFuzzer under AddressSanitizer (issue 16): builds the targets of
# Fuzz/Fuzz.swift optimised (-c release, as the server ships) with -sanitize=fuzzer,address into
# .build-fuzz, then runs each named target
# (default: all) for RUNS executions (default 10,000,000) from its committed seed corpus in
# Fuzz/corpus/TARGET, with leak detection on and a 10 s limit per input. New corpus entries go to
# .fuzz/TARGET and crashes to .fuzz/crashes/ (neither is committed; a crash becomes a
# regression test); each run's log and libFuzzer's final stats go to .fuzz/TARGET.log.
#
#   scripts/fuzz/run.sh [json|tokenizer|encode|safetensors|bodies ...]     RUNS=1000000 to change,
#                                                                           JOBS=2 for two processes,
#                                                                           MAX_SECONDS=3600 to stop there,
#                                                                           LEAKS=each|exit (below)
# MAX_SECONDS ends each process at that time with its final stats, as -runs does (stopping the
# run with SIGINT instead made libFuzzer's -jobs parent crash in its own exit code).
#
# Leaks: LeakSanitizer checks every process at its exit, in every mode: memory that nothing
# reaches any more then is reported and fails the run (what lives for the whole process by design
# is in scripts/lsan-suppressions.txt). LEAKS=each (the default) also makes libFuzzer scan the heap
# after each input whose mallocs and frees do not balance, which names the leaking input. The
# bodies target runs with LEAKS=exit unless told otherwise: its inputs go through the async server,
# whose allocations rarely balance within one input, so the scan ran after most inputs: 79
# executions per second instead of 1,226 (one process for 60 s each, from the seeds, on an
# Emerald Rapids Xeon).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-10000000}
JOBS=${JOBS:-1}
MAX_SECONDS=${MAX_SECONDS:-0}
targets=${*:-json tokenizer encode safetensors bodies}

mkdir -p .fuzz
echo "== build (log: .fuzz/build.log)"
swift build -c release --build-path .build-fuzz -j 2 --product sluice-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -D -Xswiftc SLUICE_FUZZING > .fuzz/build.log 2>&1 ||
    { tail -n 30 .fuzz/build.log; exit 1; }
root=$PWD
for target in $targets; do
    mkdir -p ".fuzz/$target" .fuzz/crashes ".fuzz/$target-jobs"
    echo "== $target: $RUNS executions in $JOBS process(es)"
    status=0
    # With JOBS > 1, libFuzzer runs JOBS processes of RUNS / JOBS executions each, sharing the
    # corpus folder; each logs to fuzz-N.log in .fuzz/TARGET-jobs.
    leaks=${LEAKS:-each}
    [ "$target" = bodies ] && leaks=${LEAKS:-exit}
    case $leaks in each) detect_leaks=1 ;; exit) detect_leaks=0 ;; *) echo "LEAKS is each or exit"; exit 2 ;; esac
    echo "   leak checks: $leaks"
    parallel=()
    [ "$JOBS" -gt 1 ] && parallel=(-jobs="$JOBS" -workers="$JOBS")
    (cd ".fuzz/$target-jobs" && rm -f fuzz-*.log &&
        LSAN_OPTIONS="suppressions=$root/scripts/lsan-suppressions.txt" SWIFT_BACKTRACE=enable=no \
        SLUICE_FUZZ_TARGET=$target "$root/.build-fuzz/release/sluice-fuzz" "$root/.fuzz/$target" \
        "$root/Fuzz/corpus/$target" -runs=$((RUNS / JOBS)) -timeout=10 -rss_limit_mb=4096 -detect_leaks=$detect_leaks \
        -print_final_stats=1 -max_total_time="$MAX_SECONDS" -artifact_prefix="$root/.fuzz/crashes/$target-" "${parallel[@]}") \
        > ".fuzz/$target.log" 2>&1 || status=$?
    logs=(".fuzz/$target.log")
    [ "$JOBS" -gt 1 ] && logs=(".fuzz/$target-jobs"/fuzz-*.log)
    grep -hE "^stat::number_of_executed_units|^stat::peak_rss_mb|Done [0-9]+ runs|ERROR|SUMMARY" "${logs[@]}" || true
    total=$(grep -h "^stat::number_of_executed_units" "${logs[@]}" | awk '{s += $2} END {print s + 0}')
    echo "$target: $total executions in all"
    if [ $status -ne 0 ]; then
        echo "FAIL $target (exit $status): see ${logs[*]} and .fuzz/crashes/"
        exit $status
    fi
done
