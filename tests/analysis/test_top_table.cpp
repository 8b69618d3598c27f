// Oracle: pprof's graph semantics (internal/graph New / report TextItems): flat at the leaf,
// cum once per sample, recursion not double counted, nodefraction cutoff on cum.
#include <doctest/doctest.h>

#include "analysis/top_table.h"
#include "model/profile_builder.h"

using namespace profkit;
using namespace profkit::model;

namespace {

// Adds one sample whose stack is given root first (easier to read in tests).
void add(ProfileBuilder& b, std::initializer_list<const char*> root_first, int64_t value) {
  std::vector<LocationId> leaf_first;
  for (const char* name : root_first) leaf_first.insert(leaf_first.begin(), b.add_named_frame(name));
  b.add_sample(b.intern_stack(leaf_first), {}, std::span<const int64_t>(&value, 1));
}

const analysis::TopRow* find(const analysis::TopTable& t, std::string_view name) {
  for (const auto& r : t.rows) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("analysis::top_table flat and cum") {
  ProfileBuilder b;
  b.add_sample_type("samples", "count");
  add(b, {"main", "work", "leaf"}, 60);
  add(b, {"main", "work"}, 30);
  add(b, {"main", "fib", "fib", "fib"}, 10);
  auto p = b.finish();
  REQUIRE(p);
  analysis::TopTable t = analysis::build_top_table(*p, {});
  CHECK(t.total == 100);
  REQUIRE(t.rows.size() == 4);
  CHECK(t.rows[0].name == "leaf");
  CHECK(t.rows[0].flat == 60);
  CHECK(t.rows[1].name == "work");
  CHECK(t.rows[1].flat == 30);
  CHECK(t.rows[1].cum == 90);
  SUBCASE("recursion counts once in cum") {
    const auto* fib = find(t, "fib");
    REQUIRE(fib);
    CHECK(fib->flat == 10);
    CHECK(fib->cum == 10);
  }
  SUBCASE("main has all the cum and no flat") {
    const auto* m = find(t, "main");
    REQUIRE(m);
    CHECK(m->flat == 0);
    CHECK(m->cum == 100);
  }
  SUBCASE("sort by cum") {
    analysis::TopOptions o;
    o.sort_by_cum = true;
    auto c = analysis::build_top_table(*p, o);
    CHECK(c.rows[0].name == "main");
    CHECK(c.rows[1].name == "work");
  }
  SUBCASE("nodecount keeps the first rows") {
    analysis::TopOptions o;
    o.node_count = 2;
    auto c = analysis::build_top_table(*p, o);
    CHECK(c.rows.size() == 2);
    CHECK(c.kept_nodes == 4);
    CHECK(c.shown_total == 90);
  }
}

TEST_CASE("analysis::top_table drops nodes under the node fraction") {
  ProfileBuilder b;
  b.add_sample_type("samples", "count");
  add(b, {"main", "hot"}, 1000);
  add(b, {"main", "cold"}, 4);  // 0.4 % < 0.5 %
  auto p = b.finish();
  auto t = analysis::build_top_table(*p, {});
  CHECK(t.dropped_nodes == 1);
  CHECK(t.cutoff == 5);
  CHECK(find(t, "cold") == nullptr);
  CHECK(t.shown_total == 1000);
}

TEST_CASE("analysis::top_table marks inlined functions") {
  ProfileBuilder b;
  b.add_sample_type("samples", "count");
  FunctionId inner = b.add_function(Function{b.intern("inner"), b.intern("inner"), {}, 0});
  FunctionId outer = b.add_function(Function{b.intern("outer"), b.intern("outer"), {}, 0});
  Location loc;
  loc.lines = {Line{inner, 3, 0}, Line{outer, 10, 0}};  // inner inlined into outer
  LocationId l = b.add_location(loc);
  LocationId root = b.add_named_frame("main");
  LocationId st[] = {l, root};
  int64_t v = 5;
  b.add_sample(b.intern_stack(st), {}, std::span<const int64_t>(&v, 1));
  auto p = b.finish();
  auto t = analysis::build_top_table(*p, {});
  const auto* in = find(t, "inner");
  REQUIRE(in);
  CHECK(in->inline_label == "(inline)");
  CHECK(in->flat == 5);
  CHECK(find(t, "outer")->inline_label.empty());
  SUBCASE("no-inlines attributes to the outer function") {
    analysis::TopOptions o;
    o.inlines = false;
    auto n = analysis::build_top_table(*p, o);
    CHECK(find(n, "inner") == nullptr);
    CHECK(find(n, "outer")->flat == 5);
  }
  SUBCASE("granularity lines") {
    analysis::TopOptions o;
    o.granularity = analysis::Granularity::kBinaries;
    auto n = analysis::build_top_table(*p, o);
    REQUIRE(n.rows.size() == 1);
    CHECK(n.rows[0].name == "<unknown>");
  }
}
