#!/usr/bin/env bash
# scripts/fuzz-afl.sh — coverage-guided fuzzing of the parsers with AFL++ (Debian package afl++).
#
#   scripts/fuzz-afl.sh [SECONDS] [TARGET…]     default: 300 s each for perf_data perf_dwarf pprof inflated_elf
#
# Builds the fuzz targets of tests/fuzz/ and the libraries they reach with afl-g++ (AFL++'s GCC
# instrumentation) into build-afl/, seeds afl-fuzz with tests/fuzz/corpus/TARGET, and copies
# every crash or hang it finds to build-afl/findings/TARGET/. Add a crasher to the corpus (it is
# replayed by the normal test suite) once it is fixed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-300}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(perf_data perf_dwarf pprof inflated_elf)
command -v afl-g++ >/dev/null || { echo "fuzz-afl: install afl++ (apt-get install afl++)" >&2; exit 2; }
out=$root/build-afl
mkdir -p "$out/obj"
cd "$root"
[[ -f build/gen/parsers/pprof/profile.pb.cc ]] || { echo "fuzz-afl: build once first (scripts/build.sh) for the generated protobuf code" >&2; exit 2; }
srcs=(tests/fuzz/afl_main.cc tests/fuzz/fuzz_*.cpp parsers/*.cpp parsers/*/*.cpp model/*.cpp
      symbolize/unwind.cpp symbolize/dwfl_common.cpp symbolize/file_finder.cpp symbolize/elf_file.cpp
      symbolize/debuginfod.cpp symbolize/inflated_elf.cpp symbolize/fast_unwind.cpp
      build/gen/parsers/pprof/profile.pb.cc)
printf '#define PROFKIT_SOURCE_DIR "%s"\n' "$root" >"$out/source_dir.h"
flags=(-std=c++23 -O1 -g -I. -Ibuild/gen -include "$out/source_dir.h")
export AFL_QUIET=1
objs=() todo=()
for s in "${srcs[@]}"; do
  o=$out/obj/$(echo "$s" | tr '/' '_').o
  objs+=("$o")
  [[ $o -nt $s ]] || todo+=("$s" "$o")
done
((${#todo[@]} == 0)) || printf '%s\n' "${todo[@]}" | xargs -P"$(nproc)" -n2 sh -c 'afl-g++ '"${flags[*]}"' -c "$0" -o "$1"'
afl-g++ "${objs[@]}" -o "$out/afl_driver" $(pkg-config --libs libdw libelf libzstd libxxhash libdeflate libdebuginfod protobuf re2) -lfmt -lz -pthread
for t in "${targets[@]}"; do
  echo "fuzz-afl: $t for ${seconds}s" >&2
  rm -rf "$out/run/$t"
  mkdir -p "$out/run"
  AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 \
    timeout $((seconds + 60)) afl-fuzz -V "$seconds" -m none -t 2000 -i "tests/fuzz/corpus/$t" -o "$out/run/$t" \
    -- "$out/afl_driver" "$t" @@ >"$out/$t.log" 2>&1 || true
  mkdir -p "$out/findings/$t"
  find "$out/run/$t" -path '*crashes/id*' -o -path '*hangs/id*' | while read -r f; do cp "$f" "$out/findings/$t/"; done
  stats=$(find "$out/run/$t" -name fuzzer_stats | head -1)
  if [[ -n $stats ]]; then
    grep -E '^(execs_done|corpus_count|saved_crashes|saved_hangs|bitmap_cvg) ' "$stats" | tr -s ' ' | sed "s/^/fuzz-afl: $t: /"
  else
    tail -5 "$out/$t.log"
  fi
done
