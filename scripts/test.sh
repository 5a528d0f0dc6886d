#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what is missing (scripts/setup.sh),
# checks formatting, builds, runs every test, then checks the command line end to end and that
# serving a model opens each file of its folder once, and that the deployment manifests agree
# with the server (scripts/deploy/check_deploy_properties.py, which needs only PyYAML).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

echo "== format (swift format lint --strict)"
swift format lint --strict --recursive --parallel Package.swift Sources Tests Fuzz

echo "== build and unit tests"
export SLUICE_TEST_MODEL_DIR="$PWD/models/all-MiniLM-L6-v2"
swift build -j 2 --build-tests
swift test -j 2 --skip-build
echo "== the kernel tests again, every family on its AVX2 path (SLUICE_SIMD=avx2, as --simd avx2)"
SLUICE_SIMD=avx2 swift test -j 2 --skip-build --filter SluiceTensorsTests

echo "== fuzz seed corpora and crash reproducers, replayed (scripts/fuzz/run.sh fuzzes)"
for target in json tokenizer encode safetensors bodies; do
    .build/debug/sluice-fuzz "$target" Fuzz/corpus/"$target"/* > /dev/null
done

echo "== command line"
scripts/check-cli.sh .build/debug/sluice

echo "== a model folder is read once"
scripts/check-folder-reads.sh .build/debug/sluice

echo "== deployment manifests: Kubernetes' and KServe's schemas, strict, and their agreement with the server"
scripts/deploy/check-manifests.sh
