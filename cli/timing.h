// cli/timing.h — PROFKIT_TIMING=1 prints each pipeline stage's wall time on stderr.
//
// For bench/ and for anyone asking where a slow run goes; silent otherwise.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace profkit::cli {

class StageTimer {
 public:
  explicit StageTimer(const char* stage) : stage_(enabled() ? stage : nullptr), start_(std::chrono::steady_clock::now()) {}
  ~StageTimer() {
    if (!stage_) return;
    std::chrono::duration<double> d = std::chrono::steady_clock::now() - start_;
    std::fprintf(stderr, "profkit: timing: %-10s %8.3f s\n", stage_, d.count());
  }
  StageTimer(const StageTimer&) = delete;
  StageTimer& operator=(const StageTimer&) = delete;

 private:
  static bool enabled() {
    static const bool on = [] {
      const char* v = std::getenv("PROFKIT_TIMING");
      return v && *v && *v != '0';
    }();
    return on;
  }
  const char* stage_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace profkit::cli
