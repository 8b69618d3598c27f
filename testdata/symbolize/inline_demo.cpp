// inline_demo.cpp — a small -O2 C++ program whose hot paths are full of inlined frames.
// scripts/gen-symbolize-fixtures.sh builds it (with DWARF, stripped + separate debug file) for
// the symbolize/ tests; the tests compare our symbolizer with llvm-symbolizer on its addresses.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <vector>

namespace demo {

template <class T>
struct Accumulator {
  T total{};
  void add(T v) { total += mix(v); }
  static T mix(T v) { return (v ^ (v >> 7)) * static_cast<T>(0x9e3779b97f4a7c15ull); }
};

inline uint64_t square(uint64_t x) { return x * x; }

static inline uint64_t inner_step(uint64_t x) { return square(x + 1) % 1000003; }

__attribute__((noinline)) uint64_t hot_loop(const std::vector<uint64_t>& data) {
  Accumulator<uint64_t> acc;
  for (uint64_t v : data) acc.add(inner_step(v));
  return acc.total;
}

__attribute__((noinline)) uint64_t sort_and_sum(std::vector<uint64_t> data) {
  std::sort(data.begin(), data.end(), [](uint64_t a, uint64_t b) { return inner_step(a) < inner_step(b); });
  return std::accumulate(data.begin(), data.end(), uint64_t{0});
}

__attribute__((noinline)) uint64_t fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

}  // namespace demo

extern "C" __attribute__((noinline)) uint64_t c_entry(int rounds) {
  std::vector<uint64_t> data(4096);
  std::iota(data.begin(), data.end(), uint64_t{1});
  uint64_t sum = 0;
  for (int r = 0; r < rounds; ++r) {
    sum += demo::hot_loop(data);
    sum += demo::sort_and_sum(data);
    sum += demo::fib(20);
  }
  return sum;
}

int main(int argc, char** argv) {
  int rounds = argc > 1 ? std::atoi(argv[1]) : 10;
  std::printf("%llu\n", static_cast<unsigned long long>(c_entry(rounds)));
  return 0;
}
