#!/usr/bin/env bash
# Configures and builds profkit into ./build with ccache when available.
#   scripts/build.sh            everything (the profkit binary and the test suite)
#   scripts/build.sh profkit    only the binary
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build build -j"$jobs" "${targets[@]}"
