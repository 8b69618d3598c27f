// Oracle: pprof's graph construction and pruning (internal/graph New, report newTrimmedGraph:
// nodefraction, nodecount by entropy order, residual edges, RemoveRedundantEdges) on small
// hand-made profiles; the full-size comparison with `go tool pprof -dot` is tests/cli/test_cmd_callgraph.cpp.
#include <doctest/doctest.h>

#include "analysis/callgraph.h"
#include "analysis/peek.h"
#include "model/profile_builder.h"

using namespace profkit;
using namespace profkit::model;

namespace {

void add(ProfileBuilder& b, std::initializer_list<const char*> root_first, int64_t value) {
  std::vector<LocationId> leaf_first;
  for (const char* name : root_first) leaf_first.insert(leaf_first.begin(), b.add_named_frame(name));
  b.add_sample(b.intern_stack(leaf_first), {}, std::span<const int64_t>(&value, 1));
}

const analysis::CallGraphEdge* edge(const analysis::CallGraph& g, std::string_view from, std::string_view to) {
  for (const auto& e : g.edges) {
    if (g.nodes[e.from].name == from && g.nodes[e.to].name == to) return &e;
  }
  return nullptr;
}

Profile profile() {
  ProfileBuilder b;
  b.add_sample_type("samples", "count");
  add(b, {"main", "a", "leaf"}, 600);
  add(b, {"main", "b", "leaf"}, 300);
  add(b, {"main", "b", "tiny"}, 2);
  add(b, {"main", "fib", "fib", "fib"}, 98);
  return *b.finish();
}

}  // namespace

TEST_CASE("analysis::callgraph nodes and edges") {
  Profile p = profile();
  SUBCASE("full graph") {
    analysis::CallGraphOptions o;
    o.node_fraction = 0;
    o.edge_fraction = 0;
    auto g = analysis::build_call_graph(p, o);
    CHECK(g.total == 1000);
    CHECK(g.nodes.size() == 6);
    REQUIRE(edge(g, "main", "a"));
    CHECK(edge(g, "main", "a")->weight == 600);
    CHECK(edge(g, "a", "leaf")->weight == 600);
    CHECK(edge(g, "b", "leaf")->weight == 300);
    CHECK(edge(g, "fib", "fib") == nullptr);  // self calls are not edges (pprof)
    CHECK(edge(g, "main", "fib")->weight == 98);
    // edges by weight desc
    for (size_t i = 1; i < g.edges.size(); ++i) CHECK(g.edges[i - 1].weight >= g.edges[i].weight);
  }
  SUBCASE("nodefraction drops small nodes; pprof's default 0.005 keeps tiny (cum 2 < 5) out") {
    auto g = analysis::build_call_graph(p, {});
    CHECK(g.dropped_nodes == 1);
    for (const auto& n : g.nodes) CHECK(n.name != "tiny");
  }
  SUBCASE("nodecount keeps the top nodes; edges over dropped nodes become residual") {
    analysis::CallGraphOptions o;
    o.node_count = 3;
    o.node_fraction = 0;
    auto g = analysis::build_call_graph(p, o);
    CHECK(g.nodes.size() == 3);
    CHECK(g.nodes_before_count == 6);
    bool residual = false;
    for (const auto& e : g.edges) residual = residual || e.residual;
    CHECK(residual);
  }
}

TEST_CASE("analysis::callgraph peek") {
  Profile p = profile();
  Diagnostics d;
  auto t = analysis::build_peek(p, {.regex = "^leaf$"}, d);
  REQUIRE(t);
  REQUIRE(t->nodes.size() == 1);
  const auto& n = t->nodes[0];
  CHECK(n.flat == 900);
  REQUIRE(n.callers.size() == 2);
  CHECK(n.callers[0].name == "a");
  CHECK(n.callers[0].value == 600);
  CHECK(n.callees.empty());
  auto none = analysis::build_peek(p, {.regex = "zzz"}, d);
  REQUIRE(none);
  CHECK(none->nodes.empty());
  CHECK(d.count("peek.no-match") == 1);
  CHECK(!analysis::build_peek(p, {.regex = "("}, d));
}

#include <sstream>

#include "render/peek_text.h"

TEST_CASE("analysis::callgraph peek renders pprof's -peek layout") {
  // Oracle: layout of pprof's internal/driver/testdata/pprof.cpu.peek (FORMAT-REF).
  Profile p = profile();
  Diagnostics d;
  auto t = analysis::build_peek(p, {.regex = "^leaf$"}, d);
  REQUIRE(t);
  std::ostringstream out;
  REQUIRE(render::render_peek(p, *t, out));
  std::string want =
      "Showing nodes accounting for 900, 90.00% of 1000 total\n"
      "----------------------------------------------------------+-------------\n"
      "      flat  flat%   sum%        cum   cum%   calls calls% + context \t \t \n"
      "----------------------------------------------------------+-------------\n"
      "                                               600 66.67% |   a\n"
      "                                               300 33.33% |   b\n"
      "       900 90.00% 90.00%        900 90.00%                | leaf\n"
      "----------------------------------------------------------+-------------\n";
  CHECK(out.str() == want);
}
