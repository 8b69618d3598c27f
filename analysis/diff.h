// analysis/diff.h — base vs new, per node: what grew, what shrank, what appeared or vanished.
//
// Two products:
//  * subtract_profiles(): pprof's -base / -diff_base as a Profile → Profile pass: new minus base
//    (every column), with -normalize scaling as pprof does it. Useful as an input to any view.
//  * build_diff_table(): the view model behind `profkit diff`. Rows are nodes at a granularity
//    (analysis/granularity.h), matched across the two profiles by their printable name; each row
//    holds flat and cum on both sides (column 0, see analysis::select_sample_type).
//
// Normalisation follows pprof's Profile.Normalize: the NEW profile is scaled, sample by sample
// with rounding, so that its total equals the base total; deltas are then differences of shares
// expressed in base units. Without it the values are compared as measured.
//
// Values are doubles so the noise-aware diff (analysis/noise.h) can store medians in the same
// rows; a plain diff stores exact integers (exact up to 2^53).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analysis/granularity.h"
#include "model/profile.h"

namespace profkit::analysis {

struct DiffOptions {
  Granularity granularity = Granularity::kFunctions;
  bool inlines = true;      // false: attribute inlined frames to the outermost function
  bool normalize = false;   // compare shares: scale new to the base total (pprof -normalize)
  bool sort_by_cum = false; // sort by |Δcum| instead of |Δflat|
};

struct DiffRow {
  std::string name;
  double base_flat = 0, base_cum = 0;  // column units (times 10^decimals, as stored)
  double new_flat = 0, new_cum = 0;    // after normalisation when normalized
  bool in_base = false, in_new = false;  // the node carries value on that side
  // Noise-aware diffs only: two-sided Mann-Whitney p-values across runs (-1 = not estimated),
  // and whether the row's change passed the significance and minimum-effect tests.
  double p_flat = -1, p_cum = -1;
  bool significant = true;

  double delta_flat() const { return new_flat - base_flat; }
  double delta_cum() const { return new_cum - base_cum; }
  bool appeared() const { return in_new && !in_base; }
  bool vanished() const { return in_base && !in_new; }
};

struct DiffTable {
  std::vector<DiffRow> rows;  // sorted by |Δ| (flat, or cum), then by name
  double base_total = 0;      // sum of column 0 over samples
  double new_total = 0;       // after normalisation (== base_total when normalized, unless empty)
  double new_scale = 1;       // factor the new side was multiplied by
  bool normalized = false;
  bool sort_by_cum = false;
  std::string value_type, value_unit;  // column 0: "cpu", "nanoseconds"
  int32_t decimals = 0;
  int64_t unchanged_rows = 0;  // nodes with no change at all (not listed)

  // Noise-aware diffs (analysis/noise.h).
  bool noise = false;
  size_t base_runs = 1, new_runs = 1;
  double alpha = 0.05;        // significance threshold
  double min_effect = 0;      // minimum |relative change| reported (fraction)
  double p_total = -1;        // p-value of the per-run totals (-1 = not estimated)
  double min_possible_p = 1;  // smallest two-sided p the run counts allow
  std::string normalization;  // how runs were made comparable ("absolute", "shares")
};

// Relative change of `base` → `now` as a fraction (0.3 = +30 %); nullopt when base is 0.
std::optional<double> relative_change(double base, double now);
// Change of share in percentage points: 100 × (now/now_total − base/base_total).
double share_change_pp(double base, double base_total, double now, double now_total);

// Per-node flat and cum of column 0, keyed by printable name (cum counted once per sample).
struct NodeValues {
  std::vector<std::string> names;
  std::vector<int64_t> flat, cum;
};
NodeValues node_values(const model::Profile& profile, Granularity granularity, bool inlines);

// Sorts rows by |Δ| (flat or cum) descending, ties by name; drops rows with no change at all
// (counting them in unchanged_rows).
void sort_diff_rows(DiffTable& table);

model::Result<DiffTable> build_diff_table(const model::Profile& base, const model::Profile& current, const DiffOptions& options);

// pprof's -base (diff_base = false) and -diff_base (diff_base = true: base samples keep their
// stacks and carry the label pprof::base=true, so they stay separate samples) with -normalize.
// All columns; the sample types must match (merge rules, analysis/merge.h).
model::Result<model::Profile> subtract_profiles(const model::Profile& base, const model::Profile& current, bool normalize,
                                                bool diff_base);

}  // namespace profkit::analysis
