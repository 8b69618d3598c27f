#!/bin/sh
# scripts/gen-perf-captures.sh — builds testdata/perf/hot.c and records the perf.data captures
# the perf.data reader tests use. Rerun after changing hot.c; commit the outputs.
#
#   bin/hot           -O2 -g -fno-omit-frame-pointer (frame-pointer call graphs)
#   bin/hot-nofp      -O2 -g -fomit-frame-pointer    (for --call-graph dwarf)
#   bin/hot-stripped  `hot` stripped, with .gnu_debuglink to bin/hot.debug
#   fp.data           perf record -g, cpu-clock at 999 Hz
#   two-events.data   -e cpu-clock,task-clock
#   zstd.data         -z (PERF_RECORD_COMPRESSED)
#   pipe.data         perf record -o - (pipe mode)
#   dwarf.data        --call-graph dwarf,4096 at 200 Hz of hot-nofp
#   stripped.data     -g of hot-stripped (the symbolizer must find hot.debug)
#
# Binaries are built under /opt/profkit-perf (paths inside the captures name it) with
# -ffile-prefix-map so the DWARF names the source /src/hot.c. Needs cc, objcopy, perf and
# perf_event_paranoid <= 1 (or root).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
out="$here/testdata/perf"
work=/opt/profkit-perf
rounds=${PROFKIT_CAPTURE_ROUNDS:-3000}  # about 1 s of CPU

mkdir -p "$work" "$out/bin"
cp "$out/hot.c" "$work/hot.c"
cd "$work"
cflags="-O2 -g -ffile-prefix-map=$work=/src -Wl,--build-id"
cc $cflags -fno-omit-frame-pointer -o hot hot.c
cc $cflags -fomit-frame-pointer -o hot-nofp hot.c
objcopy --only-keep-debug hot hot.debug
objcopy --strip-all --add-gnu-debuglink=hot.debug hot hot-stripped

rm -f "$out"/*.data "$out"/*.data.old
rec() {
  env -i PATH=/usr/bin:/bin perf record -N -q "$@"
}
# Record from the output folder with relative output names, so the cmdline feature of the
# captures names no checkout path.
cd "$out"
rec -e cpu-clock -F 999 -g -o fp.data -- "$work/hot" "$rounds" >/dev/null
rec -e cpu-clock,task-clock -F 999 -g -o two-events.data -- "$work/hot" "$rounds" >/dev/null
rec -z -e cpu-clock -F 999 -g -o zstd.data -- "$work/hot" "$rounds" >/dev/null
# Pipe mode: the workload's stdout must not mix into perf's stream. Pipe mode has no build-id
# section, so --buildid-mmap puts the build ids into the MMAP2 records instead.
rec --buildid-mmap -e cpu-clock -F 999 -g -o - -- sh -c "exec $work/hot $rounds >/dev/null" >pipe.data
rec -e cpu-clock -F 200 --call-graph dwarf,4096 -o dwarf.data -- "$work/hot-nofp" "$rounds" >/dev/null
rec -e cpu-clock -F 999 -g -o stripped.data -- "$work/hot-stripped" "$rounds" >/dev/null
cd "$work"

cp hot hot-nofp hot-stripped hot.debug "$out/bin/"
chmod 644 "$out"/*.data
rm -f "$out"/*.data.old
ls -l "$out" "$out/bin"
