// analysis/noise.h — a diff of repeated runs that tells real changes from run-to-run noise.
//
// Input: k base runs and m new runs of the same benchmark. For every node (and for the totals)
// the per-run values form two samples; a change is reported only when
//   * the two-sided Mann-Whitney U test rejects "same distribution" at p < alpha, and
//   * the relative change of the medians is at least min_effect, and
//   * the larger median is at least node_fraction of the larger median total (tiny nodes are noise).
//
// Runs are compared as measured ("absolute", the default: fixed-work benchmarks), or with
// `normalize` each run is first scaled to the mean total of all runs ("shares": fixed-duration
// runs, where only the split between functions matters).
//
// The test (mann_whitney): U counts the pairs (x_i, y_j) with x_i > y_j (ties ½). Without ties
// and with n1 + n2 <= 50 the p-value is exact, from the permutation distribution of U counted by
// dynamic programming; otherwise the normal approximation with tie correction of the variance
// and a continuity correction of ½. The p-value is two-sided. With n runs per side the smallest
// possible p is 2/C(2n, n): 0.1 for 3 vs 3, 0.029 for 4 vs 4, 0.0079 for 5 vs 5 — so at
// alpha = 0.05 at least 4 runs per side are needed for anything to be significant.
#pragma once

#include <span>
#include <vector>

#include "analysis/diff.h"
#include "model/profile.h"

namespace profkit::analysis {

struct MannWhitney {
  double u = 0;        // U statistic of the first sample
  double p = 1;        // two-sided p-value
  bool exact = false;  // exact permutation distribution (no ties, small samples)
};

MannWhitney mann_whitney(std::span<const double> x, std::span<const double> y);

// Smallest two-sided exact p-value reachable with n1 and n2 observations: 2 / C(n1+n2, n1).
double min_two_sided_p(size_t n1, size_t n2);

struct NoiseOptions {
  DiffOptions diff;            // granularity, inlines, normalize (= per-run shares), sort
  double alpha = 0.05;         // significance threshold for p
  double min_effect = 0.05;    // minimum |relative change| of the medians (0.05 = 5 %)
  double node_fraction = 0.005;  // ignore nodes below this fraction of the total
  bool keep_insignificant = false;  // list rows that failed the tests too (marked not significant)
};

// Column 0 of every run (see analysis::select_sample_type). Rows hold the medians of the runs;
// p_flat / p_cum the p-values; `significant` whether the row passed all tests on the sorted
// measure (flat, or cum with sort_by_cum). Without keep_insignificant only significant rows stay.
model::Result<DiffTable> build_noise_diff(std::span<const model::Profile* const> base_runs,
                                          std::span<const model::Profile* const> new_runs, const NoiseOptions& options);

}  // namespace profkit::analysis
