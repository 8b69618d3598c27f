#!/usr/bin/env bash
# bench/run.sh — profkit against the anchors, on the same machine in the same run.
#
#   FLAMEGRAPH_DIR=/path/to/FlameGraph bench/run.sh [--quick]
#
# Makes its inputs under bench/work (not committed): a frame-pointer perf.data of two processes
# of `bench/workload.c --deep` (stacks 30 to 100 frames deep, ~80k distinct; >= 250 MB, about
# 10 MB with --quick), two --call-graph dwarf captures of 15 s and 45 s (>= 100 MB and
# >= 350 MB unless --quick: fixed costs such as reading kallsyms weigh less in the second), and the
# collapsed stacks FlameGraph makes of the first. Each row runs profkit and the anchor alternately
# and keeps each one's best run (see compare below): wall seconds and peak RSS, and profkit's ratio
# to the anchor.
# Anchors: perf report (its default call-graph mode, and -g none), perf script +
# stackcollapse-perf.pl + flamegraph.pl, go tool pprof. Delete bench/work to re-record.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
work=$here/work
profkit=${PROFKIT:-$root/build/profkit}
fg=${FLAMEGRAPH_DIR:-}
runs=${RUNS:-3}
fast_runs=${FAST_RUNS:-10}
quick=0
[[ ${1:-} == --quick ]] && quick=1
mkdir -p "$work"
[[ -x $profkit ]] || { echo "build profkit first (scripts/build.sh)"; exit 2; }

# run_once CMD: prints "seconds rss_kb" of one run (stdout discarded). Wall time to the
# millisecond from the clock around the run (/usr/bin/time's %e has hundredths only), peak RSS
# from /usr/bin/time.
run_once() {
  local start end m
  start=$(date +%s%N)
  /usr/bin/time -f '%M' -o "$work/.time" bash -c "$*" >/dev/null 2>"$work/.err" || {
    echo "FAILED: $*" >&2
    tail -3 "$work/.err" >&2
    echo "nan nan"
    return
  }
  end=$(date +%s%N)
  read -r m <"$work/.time"
  echo "$(awk "BEGIN{printf \"%.3f\", ($end - $start) / 1e9}") $m"
}

rows=()
# compare LABEL "PROFKIT CMD" "ANCHOR NAME" "ANCHOR CMD": runs the two alternately (so a drift in
# the machine's state hits both) and keeps each one's fastest run. $RUNS rounds, $FAST_RUNS when
# both first runs take under a second (this VM's run-to-run noise, +-10%, is then larger than the
# difference measured), and the anchor only once when it takes over 20 s.
compare() {
  local label=$1 ours=$2 anchor_name=$3 anchor=$4
  local pt="" pm="" at="" am="" t m rounds=$runs anchor_done=0
  for ((i = 0; i < rounds; i++)); do
    read -r t m < <(run_once "$ours")
    if [[ -z $pt ]] || awk "BEGIN{exit !($t < $pt)}"; then pt=$t pm=$m; fi
    if ((!anchor_done)); then
      read -r t m < <(run_once "$anchor")
      if [[ -z $at ]] || awk "BEGIN{exit !($t < $at)}"; then at=$t am=$m; fi
      awk "BEGIN{exit !($t > 20)}" && anchor_done=1
    fi
    if ((i == 0)) && awk "BEGIN{exit !($pt < 1 && $at < 1)}"; then rounds=$((fast_runs > runs ? fast_runs : runs)); fi
    if ((anchor_done)) && ((i + 1 >= runs)); then break; fi
  done
  local speed mem
  speed=$(awk "BEGIN{ if ($pt <= 0) print \"inf\"; else if ($at >= $pt) printf \"%.1fx faster\", $at / $pt; else printf \"%.1fx slower\", $pt / $at }")
  mem=$(awk "BEGIN{ if ($am > 0) printf \"%.2f\", $pm / $am; else print \"n/a\" }")
  rows+=("| $label | $pt s / $((pm / 1024)) MB | ${anchor_name//|/\\|}: $at s / $((am / 1024)) MB | $speed | ${mem}x RSS |")
}

# The deep capture's size follows the work done, not wall time: two processes each walk the
# workload's 512 fixed paths $rounds times, sampled every 50 us of CPU time (cpu-clock -c 50000).
rounds=520
dwarf_seconds=15
dwarf_long_seconds=45
if ((quick)); then rounds=20 dwarf_seconds=2 dwarf_long_seconds=4; fi
fp=$work/fp-deep-$rounds.perf.data

if command -v perf >/dev/null && [[ ! -f $fp ]]; then
  echo "recording the frame-pointer capture ($rounds rounds x 2 processes)…" >&2
  # Built once: rebuilding would change the build id other captures in bench/work refer to.
  [[ -x $work/workload ]] || gcc -O2 -g -fno-omit-frame-pointer -fno-inline -o "$work/workload" "$here/workload.c"
  (cd "$work" && env -i PATH=/usr/bin:/bin perf record -q -N -e cpu-clock -c 50000 -g -o "$fp" ./workload --deep "$rounds" 2 >/dev/null 2>&1) || true
  size=$(du -m "$fp" | cut -f1)
  ((quick || size >= 250)) || echo "warning: the capture has only $size MB (raise rounds in bench/run.sh)" >&2
fi
for pair in "dwarf.perf.data:$dwarf_seconds" "dwarf-long.perf.data:$dwarf_long_seconds"; do
  name=${pair%%:*} seconds=${pair##*:}
  if command -v perf >/dev/null && [[ ! -f $work/$name ]]; then
    echo "recording --call-graph dwarf capture $name (${seconds}s)…" >&2
    [[ -x $work/workload-nofp ]] || gcc -O2 -g -fomit-frame-pointer -o "$work/workload-nofp" "$here/workload.c"
    (cd "$work" && env -i PATH=/usr/bin:/bin perf record -q -N -e cpu-clock -F 999 --call-graph dwarf,8192 -o "$name" ./workload-nofp "$seconds" >/dev/null 2>&1) || true
  fi
done

if [[ -f $fp ]]; then
  size=$(du -m "$fp" | cut -f1)
  compare "top, perf.data -g, deep stacks (${size} MB)" "$profkit top $fp" \
    "perf report --no-children" "perf report -i $fp --stdio --no-children"
  compare "top, same capture" "$profkit top $fp" \
    "perf report --no-children -g none" "perf report -i $fp --stdio --no-children -g none --sort sym"
  if [[ -n $fg ]]; then
    compare "collapse perf.data (${size} MB)" "$profkit convert $fp -o $work/ours.folded" \
      "perf script | stackcollapse-perf.pl" "perf script -i $fp | $fg/stackcollapse-perf.pl"
    compare "flamegraph from perf.data (${size} MB)" "$profkit flamegraph $fp -o $work/ours.svg" \
      "perf script | stackcollapse-perf.pl | flamegraph.pl" \
      "perf script -i $fp | $fg/stackcollapse-perf.pl | $fg/flamegraph.pl"
    perf script -i "$fp" 2>/dev/null | "$fg/stackcollapse-perf.pl" >"$work/fp.folded"
    cmp -s "$work/fp.folded" "$work/ours.folded" || echo "warning: profkit convert differs from stackcollapse-perf.pl" >&2
    fsize=$(du -m "$work/fp.folded" | cut -f1)
    compare "flamegraph from collapsed (${fsize} MB)" "$profkit flamegraph $work/fp.folded -o $work/ours2.svg" \
      "flamegraph.pl" "$fg/flamegraph.pl $work/fp.folded"
  fi
fi
for name in dwarf.perf.data dwarf-long.perf.data; do
  [[ -f $work/$name ]] || continue
  size=$(du -m "$work/$name" | cut -f1)
  compare "top, --call-graph dwarf (${size} MB)" "$profkit top $work/$name" \
    "perf report --no-children" "perf report -i $work/$name --stdio --no-children"
done
if command -v go >/dev/null && [[ -f $root/testdata/go/cpu.pb.gz ]]; then
  compare "top, Go CPU pprof" "$profkit top $root/testdata/go/cpu.pb.gz" \
    "go tool pprof -top" "go tool pprof -top $root/testdata/go/cpu.pb.gz"
fi

echo
echo "| job | profkit (wall / peak RSS) | anchor (wall / peak RSS) | speed | memory |"
echo "|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
