#include "analysis/peek.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>

#include "analysis/callgraph.h"

namespace profkit::analysis {

model::Result<PeekTable> build_peek(const model::Profile& p, const PeekOptions& o, model::Diagnostics& diag) {
  RE2 re(o.regex, RE2::Quiet);
  if (!re.ok()) return model::make_error(model::ErrorCode::kUsage, fmt::format("bad regex '{}': {}", o.regex, re.error()));
  CallGraphOptions go;
  go.granularity = o.granularity;
  go.inlines = o.inlines;
  go.node_fraction = 0;
  go.edge_fraction = 0;
  go.node_count = 0;
  CallGraph g = build_call_graph(p, go);
  PeekTable t;
  t.total = g.total;
  std::vector<uint32_t> picked;
  for (uint32_t i = 0; i < g.nodes.size(); ++i) {
    if (RE2::PartialMatch(g.nodes[i].name, re)) picked.push_back(i);
  }
  auto abs64 = [](int64_t v) { return v < 0 ? -v : v; };
  std::sort(picked.begin(), picked.end(), [&](uint32_t l, uint32_t r) {
    const auto& a = g.nodes[l];
    const auto& b = g.nodes[r];
    int64_t ka = o.sort_by_cum ? abs64(a.cum) : abs64(a.flat), kb = o.sort_by_cum ? abs64(b.cum) : abs64(b.flat);
    if (ka != kb) return ka > kb;
    if (a.name != b.name) return a.name < b.name;
    return l < r;
  });
  if (picked.empty()) diag.warn("peek.no-match", fmt::format("'{}' matched no {}", o.regex, "node"));
  for (uint32_t i : picked) {
    PeekNode n{g.nodes[i].name, g.nodes[i].flat, g.nodes[i].cum, {}, {}};
    for (const CallGraphEdge& e : g.edges) {  // already by weight desc, then names
      if (o.callers && e.to == i) n.callers.push_back({g.nodes[e.from].name, e.weight, e.inline_call});
      if (o.callees && e.from == i) n.callees.push_back({g.nodes[e.to].name, e.weight, e.inline_call});
    }
    t.nodes.push_back(std::move(n));
  }
  return t;
}

}  // namespace profkit::analysis
