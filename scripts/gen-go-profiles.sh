#!/bin/sh
# Regenerates testdata/go/: builds testdata/go/profgen (standard library only, no network) with
# the installed Go toolchain in a neutral folder, runs it, and records `go tool pprof -top` of
# every profile next to it as <file>.gopprof.top.txt (the oracle of tests/parsers/test_pprof_top).
#
#   scripts/gen-go-profiles.sh            # PROFKIT_GO_BUILD=/opt/profkit-go by default
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/testdata/go"
build=${PROFKIT_GO_BUILD:-/opt/profkit-go}

mkdir -p "$build"
cp "$root/testdata/go/profgen/main.go" "$build/main.go"
# A neutral build folder and -trimpath keep machine paths out of the binary and the profiles.
(cd "$build" && GOFLAGS= GOPROXY=off CGO_ENABLED=0 go build -trimpath -o profgen main.go)

rm -f "$out"/*.pb.gz "$out"/*.txt
(cd "$build" && GOMAXPROCS=2 ./profgen -out "$out" 2>/dev/null)
# A panic traceback with all goroutines (exit status 2 is the point).
(cd "$build" && GOMAXPROCS=2 GOTRACEBACK=all ./profgen -panic >/dev/null 2>"$out/panic.txt") || true

for f in "$out"/*.pb.gz "$out"/*.debug1.txt; do
  # Kept only when go tool pprof accepts the file (it refuses Go's empty-stack "N @" lines).
  if TZ=UTC go tool pprof -top -symbolize=none "$f" >"$f.gopprof.top.tmp" 2>/dev/null; then
    mv "$f.gopprof.top.tmp" "$f.gopprof.top.txt"
  else
    rm -f "$f.gopprof.top.tmp"
  fi
done
echo "wrote $(ls "$out" | wc -l) files to $out ($(go version))"
