// analysis/callgraph.h — the caller→callee graph behind `profkit callgraph`, pruned as pprof does.
//
// Nodes are report nodes at a granularity (analysis/granularity.h) with flat and cum values of
// column 0; an edge caller→callee carries the value of the samples that made that call (once
// per sample), is `inline_call` when every such call was an inlined frame, and `residual` when
// it jumps over pruned nodes. Construction and pruning follow pprof's report.newTrimmedGraph
// for visual (dot) output:
//   1. build the full graph; node cutoff = node_fraction × Σflat, edge cutoff = edge_fraction × Σflat;
//   2. drop nodes with |cum| < node cutoff and rebuild (edges skip dropped nodes: residual);
//   3. order nodes by pprof's entropy score; trim tags and edges below the cutoffs; keep the
//      first node_count nodes (label tags counting as nodes, at most 4 per node) and rebuild;
//   4. drop edges below the edge cutoff and residual edges whose target is reachable otherwise.
// The graph is built with Boost.Graph inside the .cpp; this header exposes plain numbers only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/granularity.h"
#include "model/profile.h"

namespace profkit::analysis {

struct CallGraphOptions {
  Granularity granularity = Granularity::kFunctions;
  bool inlines = true;
  double node_fraction = 0.005;  // pprof -nodefraction
  double edge_fraction = 0.001;  // pprof -edgefraction
  int64_t node_count = 80;       // pprof -nodecount for graphs; <= 0 = no limit
};

struct CallGraphNode {
  std::string name;  // printable name (pprof's NodeInfo.PrintableName)
  NodeKey key;       // names resolve in the profile the graph was built from
  int64_t flat = 0;  // column units
  int64_t cum = 0;
};

struct CallGraphEdge {
  uint32_t from = 0, to = 0;  // indices into CallGraph::nodes
  int64_t weight = 0;
  bool inline_call = false;
  bool residual = false;
};

struct CallGraph {
  std::vector<CallGraphNode> nodes;  // in pprof's visual (entropy) order: N1, N2, …
  std::vector<CallGraphEdge> edges;  // by |weight| desc, then caller name, callee name
  int64_t total = 0;                 // pprof's report total: Σ|value| over samples
  int64_t node_cutoff = 0, edge_cutoff = 0;
  int64_t dropped_nodes = 0;         // under the node cutoff
  int64_t dropped_edges = 0;         // under the edge cutoff (final step)
  int64_t nodes_before_count = 0;    // nodes left after the cutoff, before node_count
  int64_t node_count = 0;            // as requested
};

CallGraph build_call_graph(const model::Profile& profile, const CallGraphOptions& options);

}  // namespace profkit::analysis
