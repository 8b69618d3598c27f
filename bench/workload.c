// bench/workload.c — a CPU-bound program with many distinct call stacks, for benchmark captures.
// Sixteen functions call each other along paths chosen by a fixed pseudo-random sequence, so a
// capture holds thousands of unique stacks, deterministic from run to run.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile uint64_t sink;
typedef void (*fn_t)(uint64_t, int);
static fn_t table[16];

static inline uint64_t next(uint64_t x) { return x * 6364136223846793005ULL + 1442695040888963407ULL; }

static void spin(uint64_t seed, int n) {
  uint64_t x = seed;
  for (int i = 0; i < n; ++i) x = next(x) ^ (x >> 17);
  sink += x;
}

#define STEP(NAME, WORK)                                          \
  __attribute__((noinline)) static void NAME(uint64_t s, int d) { \
    spin(s, WORK);                                                \
    if (d > 0) table[(s >> 60) & 15](next(s), d - 1);             \
    __asm__ volatile("" ::: "memory");                            \
  }
STEP(f0, 200) STEP(f1, 400) STEP(f2, 100) STEP(f3, 800)
STEP(f4, 300) STEP(f5, 500) STEP(f6, 50) STEP(f7, 700)
STEP(f8, 250) STEP(f9, 150) STEP(f10, 600) STEP(f11, 350)
STEP(f12, 450) STEP(f13, 900) STEP(f14, 120) STEP(f15, 80)

int main(int argc, char** argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 5.0;
  fn_t t[16] = {f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15};
  for (int i = 0; i < 16; ++i) table[i] = t[i];
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  uint64_t s = 42;
  do {
    for (int i = 0; i < 1000; ++i) {
      s = next(s);
      table[s >> 60](s, 3 + (int)((s >> 8) % 8));
    }
    clock_gettime(CLOCK_MONOTONIC, &now);
  } while ((now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9 < seconds);
  printf("%llu\n", (unsigned long long)sink);
  return 0;
}
