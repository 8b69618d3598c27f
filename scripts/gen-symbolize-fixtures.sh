#!/bin/sh
# gen-symbolize-fixtures.sh — builds the symbolize/ test binaries and the llvm-symbolizer golden.
#
# Builds testdata/symbolize/inline_demo.cpp with g++ -O2 -g under the neutral folder
# /opt/profkit-sym, mapping that prefix to /src in the debug info, so the binaries do not depend
# on where the checkout lives. Produces in testdata/symbolize/:
#   inline_demo            PIE with DWARF (+ .symtab)
#   inline_demo.stripped   the same binary stripped (strip --strip-all) with a .gnu_debuglink
#   inline_demo.debug      its separate debug file (objcopy --only-keep-debug), same build id
#   inline_demo.addrs      the instruction addresses of the hot functions (objdump -d)
#   inline_demo.llvm-symbolizer.txt
#                          llvm-symbolizer-14 --inlining --no-demangle on those addresses: the
#                          oracle tests/symbolize compares both backends with
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
out="$here/testdata/symbolize"
work=/opt/profkit-sym
CXX=${CXX:-g++}
SYMBOLIZER=${SYMBOLIZER:-llvm-symbolizer-14}

mkdir -p "$work"
cp "$out/inline_demo.cpp" "$work/inline_demo.cpp"
cd "$work"
$CXX -std=c++17 -O2 -g -fno-omit-frame-pointer -Wl,--build-id=sha1 \
  -ffile-prefix-map="$work"=/src -o inline_demo inline_demo.cpp
objcopy --only-keep-debug inline_demo inline_demo.debug
cp inline_demo inline_demo.stripped
strip --strip-all inline_demo.stripped
objcopy --add-gnu-debuglink=inline_demo.debug inline_demo.stripped
cp inline_demo inline_demo.stripped inline_demo.debug "$out/"

# Instruction addresses of the hot functions (mangled names matched by a pattern).
hot='hot_loop|sort_and_sum|fib|c_entry|^main$|__introsort_loop|__insertion_sort|__adjust_heap'
objdump -d --no-show-raw-insn inline_demo | awk -v pat="$hot" '
  /^[0-9a-f]+ <.*>:$/ { name = $2; gsub(/[<>:]/, "", name); on = (name ~ pat); next }
  on && /^ *[0-9a-f]+:/ { a = $1; sub(/:$/, "", a); print "0x" a }' > "$out/inline_demo.addrs"

"$SYMBOLIZER" --obj="$out/inline_demo" --inlining --no-demangle --print-address --output-style=LLVM \
  < "$out/inline_demo.addrs" | sed "s|$out/||" > "$out/inline_demo.llvm-symbolizer.txt"
wc -l "$out/inline_demo.addrs" "$out/inline_demo.llvm-symbolizer.txt"
