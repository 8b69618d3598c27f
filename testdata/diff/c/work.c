/* A tiny benchmark for profkit's diff fixtures (scripts/gen-diff-fixtures.sh).
 *
 * `work base` does a fixed amount of work in three functions; `work regressed` makes
 * hash_work about 30 % slower (more rounds) and build_table allocate and fill twice as much.
 * Everything else is identical, so a diff of the two must name exactly those two functions. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) static uint64_t hash_work(long rounds, uint64_t seed) {
  uint64_t x = seed | 1;
  for (long i = 0; i < rounds; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x *= 0x9E3779B97F4A7C15ULL;
  }
  return x;
}

__attribute__((noinline)) static uint64_t parse_input(long n, uint64_t seed) {
  uint64_t acc = 0;
  for (long i = 0; i < n; i++) {
    acc += (seed + (uint64_t)i) % 10007;
    acc ^= acc >> 3;
  }
  return acc;
}

/* Allocates, fills and frees `chunks` blocks of 16 KiB one after the other (below malloc's mmap
 * threshold, so the same memory is reused and no page faults happen): the work is in this
 * function and grows with the allocation. */
__attribute__((noinline)) static uint64_t build_table(int chunks, uint64_t seed) {
  uint64_t sum = 0;
  for (int c = 0; c < chunks; c++) {
    volatile uint64_t *b = malloc(16384);
    for (int i = 0; i < 2048; i++) b[i] = seed * (uint64_t)(i + c);
    sum += b[c % 2048];
    free((void *)b);
  }
  return sum;
}

int main(int argc, char **argv) {
  int regressed = argc > 1 && strcmp(argv[1], "regressed") == 0;
  long rounds = 2000000;
  int chunks = 250;
  if (regressed) {
    rounds = rounds * 13 / 10;
    chunks *= 2;
  }
  uint64_t acc = 0;
  for (int iter = 0; iter < 40; iter++) {
    acc += parse_input(1500000, (uint64_t)iter);
    acc += hash_work(rounds, (uint64_t)iter);
    acc += build_table(chunks, (uint64_t)iter);
  }
  printf("%llu\n", (unsigned long long)acc);
  return 0;
}
