#include "analysis/callgraph.h"

#include <boost/graph/adjacency_list.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <unordered_map>

#include "model/units.h"

namespace profkit::analysis {

namespace {

int64_t abs64(int64_t v) { return v < 0 ? -v : v; }

struct TagValue {
  int64_t flat = 0, cum = 0;
};

struct VertexProps {
  uint32_t node = 0;  // NodeMap index
  int64_t flat = 0, cum = 0;
  std::map<std::string, TagValue> label_tags;                            // joined string labels
  std::map<std::pair<std::string, std::string>, TagValue> numeric_tags;  // (labels, formatted value)
};

struct EdgeProps {
  int64_t weight = 0;
  bool residual = false;
  bool inline_call = true;
};

// listS out-edge lists: edges can be removed while descriptors of others stay valid.
using Graph = boost::adjacency_list<boost::listS, boost::vecS, boost::bidirectionalS, VertexProps, EdgeProps>;
using Vertex = boost::graph_traits<Graph>::vertex_descriptor;
using Edge = boost::graph_traits<Graph>::edge_descriptor;

struct PairHash {
  size_t operator()(const std::pair<uint32_t, uint32_t>& p) const { return std::hash<uint64_t>{}((uint64_t{p.first} << 32) | p.second); }
};

// Per-sample label strings as pprof's joinLabels makes them, and numeric labels formatted.
struct SampleTags {
  std::string labels;
  std::vector<std::string> numeric;
};

SampleTags sample_tags(const model::Profile& p, model::LabelSetId id) {
  SampleTags t;
  std::vector<std::string> parts;
  for (const model::Label& l : p.labels(id)) {
    if (l.str.valid()) {
      parts.push_back(fmt::format("{}:{}", p.str(l.key), p.str(l.str)));
    } else {
      std::string_view unit = l.num_unit.valid() ? p.str(l.num_unit) : p.str(l.key);
      t.numeric.push_back(model::format_value(l.num, unit));
    }
  }
  std::sort(parts.begin(), parts.end());
  for (size_t i = 0; i < parts.size(); ++i) t.labels += (i ? "\\n" : "") + parts[i];
  return t;
}

// pprof's graph.New over the nodes in `kept` (all when empty): flat to the leaf, cum and edges
// once per sample, edges jumping over dropped nodes marked residual.
Graph build(const model::Profile& p, const NodeMap& nm, const std::vector<bool>& kept, bool with_tags) {
  const size_t n = nm.size();
  std::vector<int64_t> flat(n), cum(n);
  std::vector<std::map<std::string, TagValue>> label_tags(with_tags ? n : 0);
  std::vector<std::map<std::pair<std::string, std::string>, TagValue>> numeric_tags(with_tags ? n : 0);
  std::unordered_map<std::pair<uint32_t, uint32_t>, EdgeProps, PairHash> edges;
  std::vector<std::pair<uint32_t, uint32_t>> edge_order;
  std::vector<size_t> seen_node(n, SIZE_MAX);
  std::unordered_map<std::pair<uint32_t, uint32_t>, size_t, PairHash> seen_edge;
  std::vector<SampleTags> tags_of(with_tags ? p.label_sets().size() : 0);
  std::vector<bool> tags_done(tags_of.size());

  auto add_tags = [&](uint32_t node, const SampleTags& t, int64_t w, bool is_flat) {
    if (!t.labels.empty()) {
      TagValue& v = label_tags[node][t.labels];
      (is_flat ? v.flat : v.cum) += w;
    }
    for (const std::string& num : t.numeric) {
      TagValue& v = numeric_tags[node][{t.labels, num}];
      (is_flat ? v.flat : v.cum) += w;
    }
  };

  for (size_t s = 0; s < p.sample_count(); ++s) {
    int64_t w = p.values(s)[0];
    if (w == 0) continue;
    const SampleTags* tags = nullptr;
    if (with_tags) {
      model::LabelSetId ls = p.sample(s).labels;
      if (!tags_done[ls.value]) {
        tags_of[ls.value] = sample_tags(p, ls);
        tags_done[ls.value] = true;
      }
      tags = &tags_of[ls.value];
    }
    auto frames = p.stack(p.sample(s).stack);
    int64_t parent = -1;
    bool residual = false;
    for (size_t i = frames.size(); i-- > 0;) {
      const auto& locnodes = nm.nodes_of(frames[i]);
      for (size_t ni = locnodes.size(); ni-- > 0;) {
        uint32_t node = locnodes[ni];
        if (!kept.empty() && !kept[node]) {
          residual = true;
          continue;
        }
        if (seen_node[node] != s) {
          seen_node[node] = s;
          cum[node] += w;
          if (tags) add_tags(node, *tags, w, false);
        }
        if (parent >= 0 && static_cast<uint32_t>(parent) != node) {
          std::pair<uint32_t, uint32_t> key{static_cast<uint32_t>(parent), node};
          auto [it, inserted] = seen_edge.try_emplace(key, s);
          if (inserted || it->second != s) {
            it->second = s;
            auto [e, fresh] = edges.try_emplace(key);
            if (fresh) edge_order.push_back(key);
            e->second.weight += w;
            if (residual) e->second.residual = true;
            if (ni == locnodes.size() - 1) e->second.inline_call = false;
          }
        }
        parent = node;
        residual = false;
      }
    }
    if (parent >= 0 && !residual) {
      flat[parent] += w;
      if (tags) add_tags(static_cast<uint32_t>(parent), *tags, w, true);
    }
  }

  Graph g;
  std::vector<int64_t> vertex_of(n, -1);
  for (uint32_t node = 0; node < n; ++node) {
    if (flat[node] == 0 && cum[node] == 0) continue;  // pprof's selectNodesForGraph
    Vertex v = boost::add_vertex(g);
    g[v].node = node;
    g[v].flat = flat[node];
    g[v].cum = cum[node];
    if (with_tags) {
      g[v].label_tags = std::move(label_tags[node]);
      g[v].numeric_tags = std::move(numeric_tags[node]);
    }
    vertex_of[node] = static_cast<int64_t>(v);
  }
  for (const auto& key : edge_order) {
    int64_t a = vertex_of[key.first], b = vertex_of[key.second];
    if (a < 0 || b < 0) continue;
    boost::add_edge(static_cast<Vertex>(a), static_cast<Vertex>(b), edges[key], g);
  }
  return g;
}

double edge_entropy(const Graph& g, Vertex v, bool incoming, int64_t self) {
  std::vector<int64_t> weights;
  if (incoming) {
    for (auto [it, end] = boost::in_edges(v, g); it != end; ++it) weights.push_back(g[*it].weight);
  } else {
    for (auto [it, end] = boost::out_edges(v, g); it != end; ++it) weights.push_back(g[*it].weight);
  }
  double score = 0;
  int64_t total = self;
  for (int64_t w : weights) {
    if (w > 0) total += abs64(w);
  }
  if (total != 0) {
    for (int64_t w : weights) {
      double frac = static_cast<double>(abs64(w)) / static_cast<double>(total);
      if (frac > 0) score += -frac * std::log2(frac);
    }
    if (self > 0) {
      double frac = static_cast<double>(abs64(self)) / static_cast<double>(total);
      score += -frac * std::log2(frac);
    }
  }
  return score;
}

// pprof's entropyScore: favour entry and leaf nodes and nodes whose edges spread the value.
int64_t entropy_score(const Graph& g, Vertex v) {
  double score = 0;
  if (boost::in_degree(v, g) == 0) {
    score += 1;
  } else {
    score += edge_entropy(g, v, true, 0);
  }
  if (boost::out_degree(v, g) == 0) {
    score += 1;
  } else {
    score += edge_entropy(g, v, false, g[v].flat);
  }
  return static_cast<int64_t>(score * static_cast<double>(g[v].cum)) + g[v].flat;
}

std::vector<Vertex> entropy_order(const Graph& g, const NodeMap& nm) {
  std::vector<Vertex> order;
  std::vector<int64_t> score(boost::num_vertices(g));
  for (Vertex v = 0; v < boost::num_vertices(g); ++v) {
    order.push_back(v);
    score[v] = entropy_score(g, v);
  }
  std::sort(order.begin(), order.end(), [&](Vertex l, Vertex r) {
    if (abs64(score[l]) != abs64(score[r])) return abs64(score[l]) > abs64(score[r]);
    const std::string& ln = nm.name(g[l].node);
    const std::string& rn = nm.name(g[r].node);
    if (ln != rn) return ln < rn;
    if (abs64(g[l].flat) != abs64(g[r].flat)) return abs64(g[l].flat) > abs64(g[r].flat);
    const NodeKey& a = nm.key(g[l].node);
    const NodeKey& b = nm.key(g[r].node);
    if (a.address != b.address) return a.address < b.address;
    if (a.line != b.line) return a.line < b.line;
    return g[l].node < g[r].node;
  });
  return order;
}

void trim_tags(Graph& g, int64_t cutoff) {
  for (Vertex v = 0; v < boost::num_vertices(g); ++v) {
    std::erase_if(g[v].label_tags, [&](const auto& kv) { return abs64(kv.second.flat) < cutoff && abs64(kv.second.cum) < cutoff; });
    std::erase_if(g[v].numeric_tags, [&](const auto& kv) { return abs64(kv.second.flat) < cutoff && abs64(kv.second.cum) < cutoff; });
  }
}

int64_t trim_edges(Graph& g, int64_t cutoff) {
  int64_t dropped = 0;
  boost::remove_edge_if(
      [&](const Edge& e) {
        bool drop = abs64(g[e].weight) < cutoff;
        dropped += drop;
        return drop;
      },
      g);
  return dropped;
}

int count_tags(const Graph& g, Vertex v) {
  int count = 0;
  for (const auto& kv : g[v].label_tags) count += kv.second.flat != 0;
  for (const auto& kv : g[v].numeric_tags) count += kv.second.flat != 0;
  return count;
}

// In-edges of v ordered as pprof's EdgeMap.Sort: |weight| desc, then caller and callee names.
std::vector<Edge> sorted_in_edges(const Graph& g, Vertex v, const NodeMap& nm) {
  std::vector<Edge> in;
  for (auto [it, end] = boost::in_edges(v, g); it != end; ++it) in.push_back(*it);
  std::sort(in.begin(), in.end(), [&](const Edge& a, const Edge& b) {
    if (abs64(g[a].weight) != abs64(g[b].weight)) return abs64(g[a].weight) > abs64(g[b].weight);
    const std::string& fa = nm.name(g[boost::source(a, g)].node);
    const std::string& fb = nm.name(g[boost::source(b, g)].node);
    if (fa != fb) return fa < fb;
    return nm.name(g[boost::target(a, g)].node) < nm.name(g[boost::target(b, g)].node);
  });
  return in;
}

// pprof's isRedundantEdge: can e's caller reach e's callee without e? (walks callers backwards)
bool redundant(const Graph& g, const Edge& e) {
  Vertex src = boost::source(e, g), dst = boost::target(e, g);
  std::vector<bool> seen(boost::num_vertices(g));
  seen[dst] = true;
  std::deque<Vertex> queue = {dst};
  while (!queue.empty()) {
    Vertex n = queue.front();
    queue.pop_front();
    for (auto [it, end] = boost::in_edges(n, g); it != end; ++it) {
      if (*it == e) continue;
      Vertex s = boost::source(*it, g);
      if (seen[s]) continue;
      if (s == src) return true;
      seen[s] = true;
      queue.push_back(s);
    }
  }
  return false;
}

}  // namespace

CallGraph build_call_graph(const model::Profile& p, const CallGraphOptions& o) {
  CallGraph out;
  out.node_count = o.node_count;
  if (p.sample_types().empty()) return out;
  NodeMap nm(p, o.granularity, o.inlines);
  const bool with_tags = p.label_sets().size() > 1;
  for (size_t s = 0; s < p.sample_count(); ++s) out.total += abs64(p.values(s)[0]);

  // 1. The full graph and the cutoffs.
  Graph g = build(p, nm, {}, with_tags);
  int64_t flat_sum = 0;
  for (Vertex v = 0; v < boost::num_vertices(g); ++v) flat_sum += g[v].flat;
  out.node_cutoff = abs64(static_cast<int64_t>(static_cast<double>(flat_sum) * o.node_fraction));
  out.edge_cutoff = abs64(static_cast<int64_t>(static_cast<double>(flat_sum) * o.edge_fraction));

  // 2. Nodes under the node cutoff.
  if (out.node_cutoff > 0) {
    std::vector<bool> kept(nm.size(), false);
    size_t count = 0;
    for (Vertex v = 0; v < boost::num_vertices(g); ++v) {
      if (abs64(g[v].cum) >= out.node_cutoff) {
        kept[g[v].node] = true;
        ++count;
      }
    }
    if (count != boost::num_vertices(g)) {
      out.dropped_nodes = static_cast<int64_t>(boost::num_vertices(g) - count);
      g = build(p, nm, kept, with_tags);
    }
  }
  out.nodes_before_count = static_cast<int64_t>(boost::num_vertices(g));

  // 3. Entropy order and the node count (tags count as nodelets, at most 4 per node).
  std::vector<Vertex> order = entropy_order(g, nm);
  if (o.node_count > 0) {
    trim_tags(g, out.node_cutoff);
    trim_edges(g, out.edge_cutoff);
    size_t max_nodes = static_cast<size_t>(o.node_count);
    int64_t count = 0;
    for (size_t i = 0; i < order.size(); ++i) {
      count += std::min(count_tags(g, order[i]), 4) + 1;
      if (count >= o.node_count) {
        max_nodes = i + 1;
        break;
      }
    }
    if (max_nodes < order.size()) {
      std::vector<bool> kept(nm.size(), false);
      for (size_t i = 0; i < max_nodes; ++i) kept[g[order[i]].node] = true;
      g = build(p, nm, kept, with_tags);
      order = entropy_order(g, nm);
    }
  }

  // 4. Final trims and redundant residual edges.
  trim_tags(g, out.node_cutoff);
  out.dropped_edges = trim_edges(g, out.edge_cutoff);
  for (size_t i = order.size(); i-- > 0;) {
    std::vector<Edge> in = sorted_in_edges(g, order[i], nm);
    for (size_t j = in.size(); j-- > 0;) {
      if (!g[in[j]].residual) break;
      if (redundant(g, in[j])) boost::remove_edge(in[j], g);
    }
  }

  std::vector<uint32_t> index_of(boost::num_vertices(g));
  for (size_t i = 0; i < order.size(); ++i) {
    Vertex v = order[i];
    index_of[v] = static_cast<uint32_t>(i);
    out.nodes.push_back(CallGraphNode{nm.name(g[v].node), nm.key(g[v].node), g[v].flat, g[v].cum});
  }
  for (auto [it, end] = boost::edges(g); it != end; ++it) {
    const EdgeProps& e = g[*it];
    out.edges.push_back(CallGraphEdge{index_of[boost::source(*it, g)], index_of[boost::target(*it, g)], e.weight,
                                      e.inline_call, e.residual});
  }
  std::sort(out.edges.begin(), out.edges.end(), [&](const CallGraphEdge& a, const CallGraphEdge& b) {
    if (abs64(a.weight) != abs64(b.weight)) return abs64(a.weight) > abs64(b.weight);
    if (out.nodes[a.from].name != out.nodes[b.from].name) return out.nodes[a.from].name < out.nodes[b.from].name;
    if (out.nodes[a.to].name != out.nodes[b.to].name) return out.nodes[a.to].name < out.nodes[b.to].name;
    return std::tie(a.from, a.to) < std::tie(b.from, b.to);
  });
  return out;
}

}  // namespace profkit::analysis
