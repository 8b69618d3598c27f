// bench/workload.c — a CPU-bound program with many distinct call stacks, for benchmark captures.
// Sixteen functions call each other along paths chosen by a fixed pseudo-random sequence, so a
// capture holds thousands of unique stacks, deterministic from run to run.
//
//   workload SECONDS            paths 4 to 11 calls deep, for SECONDS of wall time
//   workload --deep ROUNDS N    N processes, each ROUNDS rounds over 512 fixed paths 30 to 99
//                               calls deep: about 100k unique stacks however long it runs, and a
//                               capture size set by the work done (CPU time), not by wall time
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

// One round walks 512 fixed paths, each 30 to 99 calls deep.
static void deep_rounds(long rounds) {
  for (long r = 0; r < rounds; ++r) {
    for (uint64_t p = 0; p < 512; ++p) {
      uint64_t s = next(next(p + 1));
      table[s >> 60](s, 30 + (int)((s >> 8) % 70));
    }
  }
}

int main(int argc, char** argv) {
  fn_t t[16] = {f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15};
  for (int i = 0; i < 16; ++i) table[i] = t[i];
  if (argc > 3 && strcmp(argv[1], "--deep") == 0) {
    long rounds = atol(argv[2]);
    int procs = atoi(argv[3]);
    for (int i = 1; i < procs; ++i)
      if (fork() == 0) {
        deep_rounds(rounds);
        return 0;
      }
    deep_rounds(rounds);
    while (wait(NULL) > 0) {
    }
    printf("%llu\n", (unsigned long long)sink);
    return 0;
  }
  double seconds = argc > 1 ? atof(argv[1]) : 5.0;
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
