#!/usr/bin/env bash
# Quick start: install dependencies, build, and run the main job on a bundled capture —
# the hottest functions as a table, and an interactive flamegraph SVG.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh profkit
capture=${1:-testdata/perf/fp.data}

mkdir -p out
echo
echo "== profkit top $capture"
build/profkit top -n 15 --debug-dir testdata/perf/bin "$capture"
echo
build/profkit flamegraph --debug-dir testdata/perf/bin "$capture" -o out/flamegraph.svg
echo "Open out/flamegraph.svg in a browser (click to zoom, Ctrl-F to search)."
