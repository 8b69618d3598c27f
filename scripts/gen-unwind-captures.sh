#!/bin/sh
# scripts/gen-unwind-captures.sh — builds testdata/perf/unwind.cpp without frame pointers and
# records the --call-graph dwarf captures the unwinding tests compare with perf script/report.
# Rerun after changing unwind.cpp; commit the outputs.
#
#   bin/unwind           g++ -O2 -g -fomit-frame-pointer (libstdc++ and libc from the system)
#   unwind.data          --call-graph dwarf,6144 at 250 Hz
#   unwind-small.data    --call-graph dwarf,512: most stacks outgrow the copy ([truncated])
#
# Built under /opt/profkit-perf (the captures name that path) with -ffile-prefix-map, so the
# DWARF names /src/unwind.cpp; recorded under `env -i` so the copied stacks hold no environment
# of this machine. Needs g++, perf and perf_event_paranoid <= 1 (or root).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
out="$here/testdata/perf"
work=/opt/profkit-perf
rounds=${PROFKIT_CAPTURE_ROUNDS:-300}  # about 1 s of CPU
mkdir -p "$work" "$out/bin"
cp "$out/unwind.cpp" "$work/unwind.cpp"
cd "$work"
g++ -O2 -g -fomit-frame-pointer -ffile-prefix-map="$work"=/src -Wl,--build-id -o unwind unwind.cpp
rm -f "$out/unwind.data" "$out/unwind-small.data"
cd "$out"
rec() {
  env -i PATH=/usr/bin:/bin perf record -N -q "$@"
}
rec -e cpu-clock -F 250 --call-graph dwarf,6144 -o unwind.data -- "$work/unwind" "$rounds" >/dev/null
rec -e cpu-clock -F 100 --call-graph dwarf,512 -o unwind-small.data -- "$work/unwind" "$rounds" >/dev/null
cp "$work/unwind" "$out/bin/"
chmod 644 "$out"/unwind*.data
rm -f "$out"/*.data.old
ls -l "$out"/unwind* "$out/bin/unwind"
