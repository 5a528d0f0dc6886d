#!/usr/bin/env bash
# Builds scripts/bench/kernels/linear_bench.c against Sluice's C kernels and runs it:
#   scripts/bench/kernels/run.sh K N REPS M [M ...]
# e.g. scripts/bench/kernels/run.sh 768 3072 40 4 32 128
set -euo pipefail
cd "$(dirname "$0")/../../.."
scripts/setup.sh >/dev/null
K=Sources/CSluiceKernels
out=$(mktemp -d)/linear_bench
clang -O2 -I$K/include scripts/bench/kernels/linear_bench.c $K/linear_stream.c $K/linear_wide.c $K/cpu.c \
    $K/threadpool.c $K/priorities.c $K/elementwise.c -lopenblas -lpthread -lm -o "$out"
exec "$out" "$@"
