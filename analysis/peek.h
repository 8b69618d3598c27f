// analysis/peek.h — a node's neighbours: who calls it and whom it calls (pprof's -peek).
//
// For every node whose printable name matches a regex (RE2, anywhere in the name): its flat and
// cum, the callers with the value of their calls into it and the callees with the value of its
// calls out, from the full (unpruned) call graph of analysis/callgraph.h; a call that was always
// inlined is marked. Nodes come in pprof's text order (|flat| desc, or |cum| with sort_by_cum).
#pragma once

#include <string>
#include <vector>

#include "analysis/granularity.h"
#include "model/diagnostics.h"
#include "model/profile.h"

namespace profkit::analysis {

struct PeekOptions {
  std::string regex;            // which nodes to show
  bool callers = true;          // list each node's callers
  bool callees = true;          // list each node's callees
  Granularity granularity = Granularity::kFunctions;
  bool inlines = true;
  bool sort_by_cum = false;
};

struct PeekNeighbour {
  std::string name;
  int64_t value = 0;  // value of the calls along this edge
  bool inline_call = false;
};

struct PeekNode {
  std::string name;
  int64_t flat = 0, cum = 0;
  std::vector<PeekNeighbour> callers, callees;  // by value desc, then name
};

struct PeekTable {
  std::vector<PeekNode> nodes;
  int64_t total = 0;  // Σ|value| over samples
};

// kUsage for a bad regex; a regex that matches no node is reported to `diagnostics`.
model::Result<PeekTable> build_peek(const model::Profile& profile, const PeekOptions& options, model::Diagnostics& diagnostics);

}  // namespace profkit::analysis
