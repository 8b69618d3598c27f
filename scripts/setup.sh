#!/usr/bin/env bash
# Installs every Debian package profkit builds, tests and benchmarks with.
# Idempotent and non-interactive: packages already installed are skipped, and apt is
# not touched at all when nothing is missing. Run as root (or with sudo available).
set -euo pipefail

packages=(
  # toolchain
  g++ cmake make ccache pkg-config ca-certificates
  # model / parsers
  libfmt-dev zlib1g-dev libzstd-dev libxxhash-dev protobuf-compiler libprotobuf-dev
  # symbolize
  libdw-dev libelf-dev libdeflate-dev libdebuginfod-dev llvm-14-dev
  # analysis
  libre2-dev libboost-graph-dev
  # cli and tests
  libcli11-dev doctest-dev
  # oracles used by tests when present (go tool pprof, perf, a debuginfod server); never needed to build
  golang-go linux-perf graphviz debuginfod
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages already installed"
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 2; }
  sudo=(sudo)
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
