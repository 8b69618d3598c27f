#!/usr/bin/env bash
# scripts/gen-diff-fixtures.sh — regenerates the captures in testdata/diff/ used by the diff,
# noise and verdict tests (tests/cli/test_cmd_diff.cpp).
#
# Two tiny benchmarks, each with a "base" and a "regressed" variant of the same binary (selected
# on the command line): in the regressed one exactly one function does ~30 % more work
# (hash_work / main.hashWork) and one allocates twice as much (build_table / main.buildIndex).
#   go/  (go 1.19, built with -trimpath under /opt/profkit-diff): pprof CPU profiles of
#        RUNS runs of base, RUNS more runs of base ("same": for the no-regression noise check)
#        and RUNS runs of regressed; exact allocation profiles (MemProfileRate=1) of one run each.
#   c/   (gcc -O2 -g -fno-omit-frame-pointer, source paths mapped to /src): perf.data of the same
#        three series, `perf record -N -e cpu-clock -F 999 -g` in an empty environment; the
#        binary is kept (c/work) so the captures can be symbolized anywhere (--debug-dir).
# Runs of the three series are interleaved so that machine load drifts hit them alike.
# Usage: scripts/gen-diff-fixtures.sh [RUNS]   (default 5; >= 4 are needed for p < 0.05)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/testdata/diff
WORK=/opt/profkit-diff
RUNS=${1:-5}

rm -rf "$WORK"
mkdir -p "$WORK/go" "$WORK/c"
cp "$OUT/go/main.go" "$OUT/go/go.mod" "$WORK/go/"
cp "$OUT/c/work.c" "$WORK/c/"
rm -f "$OUT"/go/*.pb.gz "$OUT"/c/*.perf.data

# --- Go ------------------------------------------------------------------------------------
(cd "$WORK/go" && env GOCACHE="$WORK/gocache" GOPATH="$WORK/gopath" GOFLAGS= CGO_ENABLED=0 \
  go build -trimpath -o "$WORK/go/diffbench" .)
gorun() {  # variant cpu-out [heap-out]
  local heap=()
  [[ $# -ge 3 ]] && heap=(-heapprofile "$3")
  # asyncpreemptoff: keep SIGPROF samples in the loops, not in runtime.asyncPreempt.
  (cd "$WORK" && env -i PATH=/usr/bin:/bin GODEBUG=asyncpreemptoff=1 "$WORK/go/diffbench" \
    -variant "$1" -cpuprofile "$2" "${heap[@]}" >/dev/null)
}
for i in $(seq 1 "$RUNS"); do
  if [[ $i == 1 ]]; then
    gorun base "$OUT/go/base-$i.cpu.pb.gz" "$OUT/go/base.alloc.pb.gz"
    gorun regressed "$OUT/go/regressed-$i.cpu.pb.gz" "$OUT/go/regressed.alloc.pb.gz"
  else
    gorun base "$OUT/go/base-$i.cpu.pb.gz"
    gorun regressed "$OUT/go/regressed-$i.cpu.pb.gz"
  fi
  gorun base "$OUT/go/same-$i.cpu.pb.gz"
done

# --- C (perf.data) -------------------------------------------------------------------------
(cd "$WORK/c" && gcc -O2 -g -fno-omit-frame-pointer -ffile-prefix-map="$WORK/c"=/src -o "$WORK/c/work" work.c)
cp "$WORK/c/work" "$OUT/c/work"
crun() {  # variant out
  (cd "$WORK/c" && env -i PATH=/usr/bin:/bin perf record -N -e cpu-clock -F 999 -g -o "$2" \
    "$WORK/c/work" "$1" >/dev/null 2>&1)
  chmod 644 "$2"
}
for i in $(seq 1 "$RUNS"); do
  crun base "$OUT/c/base-$i.perf.data"
  crun regressed "$OUT/c/regressed-$i.perf.data"
  crun base "$OUT/c/same-$i.perf.data"
done
ls -l "$OUT/go" "$OUT/c"
