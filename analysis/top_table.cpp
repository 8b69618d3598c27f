#include "analysis/top_table.h"

#include <algorithm>
#include <cstdlib>
#include <numeric>
#include <span>
#include <unordered_map>

namespace profkit::analysis {

namespace {

struct NodeStats {
  int64_t flat = 0, flat_div = 0, cum = 0, cum_div = 0;
  bool inline_in = false, plain_in = false;
};

// A caller->callee edge: inline only if every sample that first crosses it does so inside one
// location (pprof's Edge.Inline is the AND over samples).
struct EdgeState {
  bool inline_all = true;
  uint32_t last_sample = UINT32_MAX;  // the stack that last crossed the edge
};

int64_t abs64(int64_t v) { return v < 0 ? -v : v; }

int64_t divided(int64_t v, int64_t div) { return div != 0 ? v / div : v; }

// Values per distinct stack: labels do not matter to the table, so samples that differ only in
// labels (pid, tid, …) are walked once.
struct StackValues {
  std::vector<uint32_t> stacks;  // stack ids with a non-zero value or divisor
  std::vector<int64_t> w, dw;    // indexed by stack id
};

StackValues sum_by_stack(const model::Profile& p, bool mean) {
  StackValues sv;
  sv.w.assign(p.stacks().size(), 0);
  sv.dw.assign(p.stacks().size(), 0);
  std::vector<bool> listed(p.stacks().size());
  for (size_t s = 0; s < p.sample_count(); ++s) {
    auto values = p.values(s);
    int64_t w = values[0];
    int64_t dw = mean && values.size() > 1 ? values[1] : 0;
    if (w == 0 && dw == 0) continue;
    uint32_t id = p.sample(s).stack.value;
    sv.w[id] += w;
    sv.dw[id] += dw;
    if (!listed[id]) {
      listed[id] = true;
      sv.stacks.push_back(id);
    }
  }
  return sv;
}

// One walk over every distinct stack's frames, root first, as pprof's graph builder does.
// `kept` (when non-empty) hides dropped nodes: edges then jump over them, and a stack whose leaf
// node is dropped adds no flat value. Edges are tracked only into nodes that can be reached
// inline (an inner line of some location); every other in-edge is a plain call.
void accumulate(const model::Profile& p, const NodeMap& nodes, const StackValues& sv, const std::vector<bool>& can_inline,
                const std::vector<bool>& kept, std::vector<NodeStats>& stats) {
  stats.assign(nodes.size(), NodeStats{});
  std::vector<uint32_t> seen(nodes.size(), UINT32_MAX);
  std::unordered_map<uint64_t, EdgeState> edges;
  // Every location's nodes in one flat array (CSR): the walk below is the hot loop of `top`.
  std::vector<uint32_t> first(p.locations().size() + 1), flat_nodes;
  for (size_t l = 0; l < p.locations().size(); ++l) {
    first[l] = static_cast<uint32_t>(flat_nodes.size());
    const auto& ln = nodes.nodes_of(model::LocationId::from_index(l));
    flat_nodes.insert(flat_nodes.end(), ln.begin(), ln.end());
  }
  first.back() = static_cast<uint32_t>(flat_nodes.size());
  for (uint32_t stack : sv.stacks) {
    const int64_t w = sv.w[stack], dw = sv.dw[stack];
    auto frames = p.stack(model::StackId(stack));
    int64_t parent = -1;
    bool residual = false;
    for (size_t i = frames.size(); i-- > 0;) {
      const size_t loc = frames[i].index();
      const std::span<const uint32_t> locnodes(flat_nodes.data() + first[loc], flat_nodes.data() + first[loc + 1]);
      for (size_t ni = locnodes.size(); ni-- > 0;) {
        uint32_t n = locnodes[ni];
        if (!kept.empty() && !kept[n]) {
          residual = true;
          continue;
        }
        if (seen[n] != stack) {
          seen[n] = stack;
          stats[n].cum += w;
          stats[n].cum_div += dw;
        }
        if (parent >= 0 && static_cast<uint32_t>(parent) != n) {
          if (!can_inline[n]) {
            stats[n].plain_in = true;
          } else {
            // parent -> n is inline when n is not the outermost frame of its location; only the
            // edge's first crossing in a stack counts (pprof's Edge.Inline is an AND over samples).
            EdgeState& e = edges[(uint64_t{static_cast<uint32_t>(parent)} << 32) | n];
            if (e.last_sample != stack) {
              e.last_sample = stack;
              if (ni == locnodes.size() - 1) e.inline_all = false;
            }
          }
        }
        parent = n;
        residual = false;
      }
    }
    if (parent >= 0 && !residual) {
      stats[parent].flat += w;
      stats[parent].flat_div += dw;
    }
  }
  for (const auto& [key, e] : edges) {
    NodeStats& callee = stats[static_cast<uint32_t>(key)];
    (e.inline_all ? callee.inline_in : callee.plain_in) = true;
  }
}

}  // namespace

TopTable build_top_table(const model::Profile& p, const TopOptions& o) {
  TopTable t;
  t.node_count = o.node_count;
  if (p.sample_types().empty()) return t;
  NodeMap nodes(p, o.granularity, o.inlines);

  // pprof's report total: absolute values, divided when reporting means.
  int64_t total = 0, total_div = 0;
  for (size_t s = 0; s < p.sample_count(); ++s) {
    auto v = p.values(s);
    total += abs64(v[0]);
    if (o.mean && v.size() > 1) total_div += abs64(v[1]);
  }
  t.total = divided(total, total_div);

  // Nodes that are an inner (inlined) line of some location: only edges into them can be inline.
  std::vector<bool> can_inline(nodes.size());
  bool any_inline = false;
  for (size_t l = 0; l < p.locations().size(); ++l) {
    const auto& ln = nodes.nodes_of(model::LocationId::from_index(l));
    for (size_t i = 0; i + 1 < ln.size(); ++i) can_inline[ln[i]] = any_inline = true;
  }
  const StackValues sv = sum_by_stack(p, o.mean);
  std::vector<NodeStats> stats;
  accumulate(p, nodes, sv, can_inline, {}, stats);

  // Cutoff from the sum of raw flat values (pprof: Nodes.Sum() of the full graph).
  int64_t flat_sum = 0;
  for (const NodeStats& s : stats) flat_sum += s.flat;
  t.cutoff = abs64(static_cast<int64_t>(static_cast<double>(flat_sum) * o.node_fraction));
  std::vector<bool> kept(nodes.size(), true);
  std::vector<uint32_t> order;
  for (uint32_t n = 0; n < nodes.size(); ++n) {
    // Nodes that carry no value are not graph nodes in pprof (selectNodesForGraph).
    if (stats[n].cum == 0 && stats[n].flat == 0) {
      kept[n] = false;
      continue;
    }
    if (t.cutoff > 0 && abs64(stats[n].cum) < t.cutoff) {
      kept[n] = false;
      ++t.dropped_nodes;
    } else {
      order.push_back(n);
    }
  }
  // Dropping nodes changes no flat or cum value, only which edges exist (they jump over dropped
  // nodes), so the second walk is needed only for inline labels.
  if (t.dropped_nodes > 0 && any_inline) accumulate(p, nodes, sv, can_inline, kept, stats);
  t.kept_nodes = static_cast<int64_t>(order.size());

  auto flat_of = [&](uint32_t n) { return o.mean ? divided(stats[n].flat, stats[n].flat_div) : stats[n].flat; };
  auto cum_of = [&](uint32_t n) { return o.mean ? divided(stats[n].cum, stats[n].cum_div) : stats[n].cum; };
  auto tie_break = [&](uint32_t l, uint32_t r) {
    const NodeKey& a = nodes.key(l);
    const NodeKey& b = nodes.key(r);
    if (a.address != b.address) return a.address < b.address;
    if (a.line != b.line) return a.line < b.line;
    if (a.start_line != b.start_line) return a.start_line < b.start_line;
    return l < r;
  };
  std::stable_sort(order.begin(), order.end(), [&](uint32_t l, uint32_t r) {
    // pprof sorts on the raw (undivided) flat/cum values.
    int64_t lf = abs64(stats[l].flat), rf = abs64(stats[r].flat);
    int64_t lc = abs64(stats[l].cum), rc = abs64(stats[r].cum);
    const std::string& ln = nodes.name(l);
    const std::string& rn = nodes.name(r);
    if (o.sort_by_cum) {
      if (lc != rc) return lc > rc;
      if (ln != rn) return ln < rn;
      if (lf != rf) return lf > rf;
    } else {
      if (lf != rf) return lf > rf;
      if (ln != rn) return ln < rn;
      if (lc != rc) return lc > rc;
    }
    return tie_break(l, r);
  });
  if (o.node_count > 0 && static_cast<int64_t>(order.size()) > o.node_count) order.resize(o.node_count);

  for (uint32_t n : order) {
    TopRow row;
    row.name = nodes.name(n);
    row.key = nodes.key(n);
    row.flat = flat_of(n);
    row.cum = cum_of(n);
    if (stats[n].inline_in) row.inline_label = stats[n].plain_in ? "(partial-inline)" : "(inline)";
    t.shown_total += row.flat;
    t.rows.push_back(std::move(row));
  }
  return t;
}

}  // namespace profkit::analysis
