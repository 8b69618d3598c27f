// tests/fuzz/afl_main.cc (.cc: the doctest suite globs *.cpp) — runs one registered fuzz target on one
// input file, for AFL++ or any file-based fuzzer: `afl_driver TARGET FILE`. scripts/fuzz-afl.sh builds it
// with afl-g++ (GCC instrumentation: Debian 12 clang-14 cannot compile std::expected for libFuzzer).
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include "tests/fuzz/fuzz_target.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s TARGET FILE\n", argv[0]);
    return 2;
  }
  auto& targets = profkit::test::fuzz_targets();
  auto it = targets.find(argv[1]);
  if (it == targets.end()) {
    std::fprintf(stderr, "unknown fuzz target %s\n", argv[1]);
    return 2;
  }
  std::ifstream in(argv[2], std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  it->second(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  return 0;
}
