// analysis/top_table.h — the flat/cumulative table behind `profkit top`, as pprof defines it.
//
// flat = value of samples whose leaf frame is the node; cum = value of samples with the node
// anywhere on the stack, counted once per sample however often it recurses. Rows are nodes at a
// granularity (analysis/granularity.h). pprof's trimming applies: nodes with |cum| below
// node_fraction of the total are dropped (and counted), then the first node_count rows are kept.
// Numbers only — render/top_text.h formats them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/granularity.h"
#include "model/profile.h"

namespace profkit::analysis {

struct TopOptions {
  Granularity granularity = Granularity::kFunctions;
  bool inlines = true;          // false: attribute inlined code to the outermost function (pprof -noinlines)
  bool sort_by_cum = false;     // pprof -cum
  int64_t node_count = -1;      // rows to keep after sorting; -1 = all (pprof -nodecount)
  double node_fraction = 0.005; // drop nodes with |cum| < fraction × total (pprof -nodefraction)
  bool mean = false;            // column 1 holds divisors (analysis::select_sample_type with mean)
};

struct TopRow {
  std::string name;
  std::string inline_label;  // "", "(inline)" or "(partial-inline)"
  int64_t flat = 0;          // already divided when mean
  int64_t cum = 0;
  NodeKey key;
};

struct TopTable {
  std::vector<TopRow> rows;
  int64_t total = 0;         // pprof's report total: sum of |value| over samples (÷ divisor when mean)
  int64_t shown_total = 0;   // sum of flat over the rows shown
  int64_t dropped_nodes = 0; // nodes under the node_fraction cutoff
  int64_t cutoff = 0;        // the cutoff value itself (for "Dropped N nodes (cum <= X)")
  int64_t kept_nodes = 0;    // nodes left after the cutoff, before node_count
  int64_t node_count = -1;   // as requested
};

// Builds the table from column 0 of `profile` (see analysis::select_sample_type).
TopTable build_top_table(const model::Profile& profile, const TopOptions& options);

}  // namespace profkit::analysis
