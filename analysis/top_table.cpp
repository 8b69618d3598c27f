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

// caller << 32 | callee -> EdgeState: open addressing, linear probing, at most half full (a
// lookup per frame that enters an inlinable node, so no node-based hash map here).
class EdgeTable {
 public:
  EdgeState& at(uint64_t key) {
    if (2 * (used_ + 1) > keys_.size()) grow();
    size_t i = slot(key, keys_.size());
    while (keys_[i] != 0 && keys_[i] != key + 1) i = (i + 1) & (keys_.size() - 1);
    if (keys_[i] == 0) {
      keys_[i] = key + 1;
      ++used_;
    }
    return states_[i];
  }
  template <class F>
  void for_each(F f) const {
    for (size_t i = 0; i < keys_.size(); ++i) {
      if (keys_[i] != 0) f(keys_[i] - 1, states_[i]);
    }
  }

 private:
  static size_t slot(uint64_t key, size_t size) { return ((key * 0x9E3779B97F4A7C15ULL) >> 20) & (size - 1); }
  void grow() {
    std::vector<uint64_t> keys(std::max<size_t>(64, 2 * keys_.size()), 0);
    std::vector<EdgeState> states(keys.size());
    for (size_t i = 0; i < keys_.size(); ++i) {
      if (keys_[i] == 0) continue;
      size_t j = slot(keys_[i] - 1, keys.size());
      while (keys[j] != 0) j = (j + 1) & (keys.size() - 1);
      keys[j] = keys_[i];
      states[j] = states_[i];
    }
    keys_ = std::move(keys);
    states_ = std::move(states);
  }
  std::vector<uint64_t> keys_;  // key + 1, 0 = empty
  std::vector<EdgeState> states_;
  size_t used_ = 0;
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
// `inline_edges` (optional) receives every caller -> callee edge into an inlinable node.
void accumulate(const model::Profile& p, const NodeMap& nodes, const StackValues& sv, const std::vector<bool>& can_inline,
                const std::vector<bool>& kept, std::vector<NodeStats>& stats,
                std::vector<std::pair<uint32_t, uint32_t>>* inline_edges = nullptr) {
  // The walk below is the hot loop of `top` (every frame of every distinct stack): plain arrays,
  // and the common cases without branches that depend on the data.
  const size_t n_nodes = nodes.size();
  std::vector<int64_t> cum(n_nodes), cum_div(n_nodes), flat(n_nodes), flat_div(n_nodes);
  std::vector<uint32_t> seen(n_nodes, UINT32_MAX);
  std::vector<uint8_t> plain_in(n_nodes), inlinable(n_nodes), hidden(n_nodes);
  for (size_t n = 0; n < n_nodes; ++n) {
    inlinable[n] = can_inline[n];
    hidden[n] = !kept.empty() && !kept[n];
  }
  const bool any_hidden = std::find(hidden.begin(), hidden.end(), 1) != hidden.end();
  EdgeTable edges;
  // Every location's nodes in one flat array (CSR).
  std::vector<uint32_t> first(p.locations().size() + 1), flat_nodes;
  for (size_t l = 0; l < p.locations().size(); ++l) {
    first[l] = static_cast<uint32_t>(flat_nodes.size());
    const auto& ln = nodes.nodes_of(model::LocationId::from_index(l));
    flat_nodes.insert(flat_nodes.end(), ln.begin(), ln.end());
  }
  first.back() = static_cast<uint32_t>(flat_nodes.size());
  constexpr uint32_t kNone = UINT32_MAX;
  for (uint32_t stack : sv.stacks) {
    const int64_t w = sv.w[stack], dw = sv.dw[stack];
    auto frames = p.stack(model::StackId(stack));
    uint32_t parent = kNone;
    bool residual = false;
    for (size_t i = frames.size(); i-- > 0;) {
      const size_t loc = frames[i].index();
      const uint32_t* locnodes = flat_nodes.data() + first[loc];
      const size_t count = first[loc + 1] - first[loc];
      for (size_t ni = count; ni-- > 0;) {
        const uint32_t n = locnodes[ni];
        if (any_hidden && hidden[n]) {
          residual = true;
          continue;
        }
        const int64_t fresh = seen[n] != stack;  // a node counts once per stack (recursion)
        seen[n] = stack;
        cum[n] += fresh * w;
        cum_div[n] += fresh * dw;
        const bool edge = parent != kNone && parent != n;
        if (edge && inlinable[n]) {
          // parent -> n is inline when n is not the outermost frame of its location; only the
          // edge's first crossing in a stack counts (pprof's Edge.Inline is an AND over samples).
          EdgeState& e = edges.at((uint64_t{parent} << 32) | n);
          if (e.last_sample != stack) {
            e.last_sample = stack;
            if (ni == count - 1) e.inline_all = false;
          }
        } else {
          plain_in[n] |= static_cast<uint8_t>(edge);
        }
        parent = n;
        residual = false;
      }
    }
    if (parent != kNone && !residual) {
      flat[parent] += w;
      flat_div[parent] += dw;
    }
  }
  stats.assign(n_nodes, NodeStats{});
  for (size_t n = 0; n < n_nodes; ++n) {
    stats[n] = NodeStats{flat[n], flat_div[n], cum[n], cum_div[n], false, plain_in[n] != 0};
  }
  edges.for_each([&](uint64_t key, const EdgeState& e) {
    NodeStats& callee = stats[static_cast<uint32_t>(key)];
    (e.inline_all ? callee.inline_in : callee.plain_in) = true;
    if (inline_edges) inline_edges->emplace_back(static_cast<uint32_t>(key >> 32), static_cast<uint32_t>(key));
  });
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
  std::vector<std::pair<uint32_t, uint32_t>> inline_edges;
  accumulate(p, nodes, sv, can_inline, {}, stats, &inline_edges);

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
  // And only when a dropped node is the direct caller of a shown inlinable node somewhere: else
  // every edge into such a node is the same with or without the dropped nodes.
  const bool edges_change = std::any_of(inline_edges.begin(), inline_edges.end(),
                                        [&](const auto& e) { return kept[e.second] && !kept[e.first]; });
  if (t.dropped_nodes > 0 && any_inline && edges_change) accumulate(p, nodes, sv, can_inline, kept, stats);
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
