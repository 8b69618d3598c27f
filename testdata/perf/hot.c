/* testdata/perf/hot.c — a small CPU-bound program for profkit's perf.data captures.
 *
 * Deterministic call tree with known weights: main -> run -> {spin_a (about 60 %),
 * middle -> spin_b (about 30 %), spin_c (about 10 %)}, all leaves in spin(). Runs the
 * number of rounds given as argv[1] (default 3000, about a second of CPU), a fixed amount
 * of work however busy the machine is, then prints a checksum so the work cannot be
 * optimised away. Built by scripts/gen-perf-captures.sh. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static volatile uint64_t sink;

__attribute__((noinline)) static uint64_t spin(uint64_t n, uint64_t seed) {
  uint64_t x = seed;
  for (uint64_t i = 0; i < n; ++i) {  /* xorshift64: nothing for the compiler to fold */
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
  }
  return x;
}

/* Each round passes its number as the seed, so no call is loop-invariant. */
__attribute__((noinline)) uint64_t spin_a(uint64_t n, uint64_t r) { return spin(6 * n, r + 1) ^ 0xa; }
__attribute__((noinline)) uint64_t spin_b(uint64_t n, uint64_t r) { return spin(3 * n, r + 2) ^ 0xb; }
__attribute__((noinline)) uint64_t middle(uint64_t n, uint64_t r) { return spin_b(n, r) + 1; }
__attribute__((noinline)) uint64_t spin_c(uint64_t n, uint64_t r) { return spin(n, r + 3) ^ 0xc; }

__attribute__((noinline)) void run(long rounds) {
  for (long r = 0; r < rounds; ++r) {
    sink += spin_a(20000, (uint64_t)r);
    sink += middle(20000, (uint64_t)r);
    sink += spin_c(20000, (uint64_t)r);
  }
}

int main(int argc, char** argv) {
  run(argc > 1 ? atol(argv[1]) : 3000);
  printf("%llu\n", (unsigned long long)sink);
  return 0;
}
