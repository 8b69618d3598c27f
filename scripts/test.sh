#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test. Tests that need ../shared/testdata, perf
# or go skip (and say so) where those are absent.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
ctest --test-dir build --output-on-failure
