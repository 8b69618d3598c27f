// testdata/perf/unwind.cpp — the -O2 C++ workload of the --call-graph dwarf captures
// (scripts/gen-perf-captures.sh builds it without frame pointers). Hot paths: inlined templates
// (std::sort with a lambda, std::accumulate), a small recursion, a virtual call, std::map.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <numeric>
#include <vector>

namespace work {

struct Shape {
  virtual ~Shape() = default;
  virtual double area(int n) const = 0;
};
struct Square final : Shape {
  double area(int n) const override {
    double s = 0;
    for (int i = 0; i < n; ++i) s += static_cast<double>(i % 7) * 1.0001;
    return s;
  }
};

__attribute__((noinline)) void sort_values(std::vector<unsigned>& v, unsigned seed) {
  for (auto& x : v) x = seed = seed * 1103515245u + 12345u;
  std::sort(v.begin(), v.end(), [](unsigned a, unsigned b) { return (a ^ 0x5555u) < (b ^ 0x5555u); });
}

// Each level keeps a 256-byte buffer on the stack, so deep samples outgrow a small stack copy.
__attribute__((noinline)) long recurse(int depth, long acc) {
  volatile char frame[256];
  frame[depth % 256] = static_cast<char>(acc);
  if (depth == 0) {
    for (int i = 0; i < 200000; ++i) acc += (acc >> 3) ^ i;
    return acc + frame[0];
  }
  return recurse(depth - 1, acc + depth) + frame[depth % 256];
}

__attribute__((noinline)) long map_work(std::map<int, long>& m, int n) {
  for (int i = 0; i < n; ++i) m[(i * 7919) % 4099] += i;
  return std::accumulate(m.begin(), m.end(), 0L, [](long s, const auto& kv) { return s + kv.second; });
}

}  // namespace work

int main(int argc, char** argv) {
  int rounds = argc > 1 ? std::atoi(argv[1]) : 300;
  std::vector<unsigned> values(20000);
  std::map<int, long> m;
  std::unique_ptr<work::Shape> shape = std::make_unique<work::Square>();
  long sink = 0;
  for (int r = 0; r < rounds; ++r) {
    work::sort_values(values, static_cast<unsigned>(r));
    sink += work::recurse(6 + r % 4, r);
    sink += work::map_work(m, 20000);
    sink += static_cast<long>(shape->area(200000));
  }
  std::printf("%ld\n", sink);
  return 0;
}
