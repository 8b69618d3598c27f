// Tests of the flame tree view model (analysis/flame_tree.{h,cpp}). Profiles are made with
// ProfileBuilder; expected trees are worked out by hand from the stacks.
#include <algorithm>
#include <ctime>
#include <string>
#include <utility>
#include <vector>

#include "analysis/flame_tree.h"
#include "model/profile_builder.h"
#include "tests/support.h"

using namespace profkit;
using analysis::FlameTree;
using model::FrameKind;

namespace {

// Root-first "a;b;c" stacks with counts; a "_[k]"/"_[j]"/"_[i]" suffix sets the frame kind.
model::Profile make_profile(const std::vector<std::pair<std::string, int64_t>>& stacks) {
  model::ProfileBuilder b;
  b.add_sample_type("samples", "count");
  for (const auto& [text, count] : stacks) {
    std::vector<model::LocationId> locs;
    size_t start = 0;
    while (start <= text.size() && !text.empty()) {
      size_t end = text.find(';', start);
      if (end == std::string::npos) end = text.size();
      std::string name = text.substr(start, end - start);
      FrameKind kind = FrameKind::kNormal;
      if (name.ends_with("_[k]")) kind = FrameKind::kKernel;
      if (name.ends_with("_[j]")) kind = FrameKind::kJit;
      if (name.ends_with("_[i]")) kind = FrameKind::kInlined;
      if (kind != FrameKind::kNormal) name.resize(name.size() - 4);
      locs.insert(locs.begin(), b.add_named_frame(name, kind));  // leaf first
      start = end + 1;
    }
    int64_t v[] = {count};
    b.add_sample(b.intern_stack(locs), {}, v);
  }
  auto p = b.finish();
  REQUIRE(p);
  return std::move(*p);
}

// The child of `node` named `name`, or UINT32_MAX.
uint32_t child(const FlameTree& t, uint32_t node, std::string_view name, FrameKind kind = FrameKind::kNormal) {
  const auto& n = t.node(node);
  for (uint32_t c = n.first_child; c < n.first_child + n.child_count; ++c) {
    if (t.name(c) == name && t.node(c).kind == kind) return c;
  }
  return UINT32_MAX;
}

std::vector<std::string> child_names(const FlameTree& t, uint32_t node) {
  std::vector<std::string> names;
  const auto& n = t.node(node);
  for (uint32_t c = n.first_child; c < n.first_child + n.child_count; ++c) names.emplace_back(t.name(c));
  return names;
}

}  // namespace

TEST_CASE("analysis::flame_tree builds totals, self values and sorted children") {
  auto p = make_profile({{"main;zeta", 3}, {"main;alpha", 2}, {"main", 1}, {"idle", 4}, {"main;alpha;beta", 5}});
  auto t = analysis::build_flame_tree(p);
  REQUIRE(t);
  CHECK(t->name(FlameTree::kRoot) == "all");
  CHECK(t->total() == 15);
  CHECK(child_names(*t, 0) == std::vector<std::string>{"idle", "main"});
  uint32_t main = child(*t, 0, "main");
  REQUIRE(main != UINT32_MAX);
  CHECK(t->node(main).total == 11);
  CHECK(t->node(main).self == 1);
  CHECK(child_names(*t, main) == std::vector<std::string>{"alpha", "zeta"});
  uint32_t alpha = child(*t, main, "alpha");
  CHECK(t->node(alpha).total == 7);
  CHECK(t->node(alpha).self == 2);
  CHECK(t->node(alpha).depth == 2);
  CHECK(t->node(alpha).parent == main);
  CHECK(t->node(child(*t, alpha, "beta")).self == 5);
  CHECK_FALSE(t->is_diff());
  CHECK(t->value_type() == "samples");

  SUBCASE("children are contiguous and after their parent") {
    for (uint32_t i = 0; i < t->size(); ++i) {
      const auto& n = t->node(i);
      int64_t sum = n.self;
      for (uint32_t c = n.first_child; c < n.first_child + n.child_count; ++c) {
        CHECK(c > i);
        CHECK(t->node(c).parent == i);
        sum += t->node(c).total;
      }
      CHECK(sum == n.total);
    }
  }
}

TEST_CASE("analysis::flame_tree frames: inlined lines, kinds, unsymbolized addresses") {
  model::ProfileBuilder b;
  b.add_sample_type("cpu", "nanoseconds");
  SUBCASE("a location with several lines is several frames, outermost first") {
    auto inner = b.add_function({b.intern("inner"), b.intern("inner"), {}, 0});
    auto outer = b.add_function({b.intern("outer"), b.intern("outer"), {}, 0});
    model::Location loc;
    loc.address = 0x1234;
    loc.lines = {{inner, 3, 0}, {outer, 10, 0}};
    model::LocationId ids[] = {b.add_location(loc), b.add_named_frame("main")};
    int64_t v[] = {7};
    b.add_sample(b.intern_stack(ids), {}, v);
    auto p = b.finish();
    REQUIRE(p);
    auto t = analysis::build_flame_tree(*p);
    REQUIRE(t);
    uint32_t m = child(*t, 0, "main");
    uint32_t o = child(*t, m, "outer");
    REQUIRE(o != UINT32_MAX);
    uint32_t i = child(*t, o, "inner", FrameKind::kInlined);
    REQUIRE(i != UINT32_MAX);
    CHECK(t->node(i).self == 7);
    CHECK(t->value_unit() == "nanoseconds");
  }
  SUBCASE("locations without lines are named by binary and offset, or address") {
    model::Mapping m;
    m.start = 0x400000;
    m.limit = 0x500000;
    m.file_offset = 0x1000;
    m.file = b.intern("/usr/lib/libfoo.so.1");
    model::Location in_lib;
    in_lib.mapping = b.add_mapping(m);
    in_lib.address = 0x400234;
    model::Location bare;
    bare.address = 0xdeadbeef;
    model::LocationId ids[] = {b.add_location(bare), b.add_location(in_lib)};
    int64_t v[] = {1};
    b.add_sample(b.intern_stack(ids), {}, v);
    auto p = b.finish();
    REQUIRE(p);
    auto t = analysis::build_flame_tree(*p);
    REQUIRE(t);
    uint32_t lib = child(*t, 0, "libfoo.so.1+0x1234");
    REQUIRE(lib != UINT32_MAX);
    CHECK(child(*t, lib, "0xdeadbeef") != UINT32_MAX);
  }
  SUBCASE("the same name with another kind is another frame") {
    model::LocationId a[] = {b.add_named_frame("read", FrameKind::kKernel)};
    model::LocationId c[] = {b.add_named_frame("read")};
    int64_t v[] = {1};
    b.add_sample(b.intern_stack(a), {}, v);
    b.add_sample(b.intern_stack(c), {}, v);
    auto p = b.finish();
    REQUIRE(p);
    auto t = analysis::build_flame_tree(*p);
    REQUIRE(t);
    CHECK(t->node(0).child_count == 2);
    CHECK(child(*t, 0, "read", FrameKind::kKernel) != UINT32_MAX);
    CHECK(child(*t, 0, "read") != UINT32_MAX);
  }
}

TEST_CASE("analysis::flame_tree reverse merges callers under the leaf") {
  auto p = make_profile({{"main;a;leaf", 3}, {"main;b;leaf", 2}, {"main;a", 1}});
  auto t = analysis::build_flame_tree(p, {.reverse = true});
  REQUIRE(t);
  CHECK(t->reversed());
  CHECK(child_names(*t, 0) == std::vector<std::string>{"a", "leaf"});
  uint32_t leaf = child(*t, 0, "leaf");
  CHECK(t->node(leaf).total == 5);
  CHECK(t->node(child(*t, leaf, "a")).total == 3);
  CHECK(t->node(child(*t, leaf, "b")).total == 2);
  CHECK(t->node(child(*t, child(*t, leaf, "b"), "main")).self == 2);
}

TEST_CASE("analysis::flame_tree differential trees") {
  auto base = make_profile({{"main;grow", 3}, {"main;gone", 2}, {"main", 5}});
  auto now = make_profile({{"main;grow", 9}, {"main;new", 1}, {"main", 5}});

  SUBCASE("both sides on one node, one-sided frames kept") {
    auto t = analysis::build_diff_flame_tree(base, now, false);
    REQUIRE(t);
    CHECK(t->is_diff());
    CHECK(t->total() == 15);
    CHECK(t->base_total() == 10);
    uint32_t main = child(*t, 0, "main");
    CHECK(child_names(*t, main) == std::vector<std::string>{"gone", "grow", "new"});
    auto& grow = t->node(child(*t, main, "grow"));
    CHECK(grow.base_total == 3);
    CHECK(grow.total == 9);
    auto& gone = t->node(child(*t, main, "gone"));
    CHECK(gone.base_self == 2);
    CHECK(gone.total == 0);
    auto& added = t->node(child(*t, main, "new"));
    CHECK(added.base_total == 0);
    CHECK(added.self == 1);
  }
  SUBCASE("normalize scales the base to the new total") {
    auto t = analysis::build_diff_flame_tree(base, now, true);
    REQUIRE(t);
    CHECK(t->normalized());
    CHECK(t->base_scale() == doctest::Approx(1.5));
    CHECK(t->base_total() == 15);
    CHECK(t->node(child(*t, child(*t, 0, "main"), "grow")).base_total == 5);  // 3 * 1.5 rounded
  }
  SUBCASE("different units are refused") {
    model::ProfileBuilder b;
    b.add_sample_type("alloc_space", "bytes");
    auto other = b.finish();
    REQUIRE(other);
    auto t = analysis::build_diff_flame_tree(base, *other, false);
    REQUIRE_FALSE(t);
    CHECK(t.error().code == model::ErrorCode::kUsage);
  }
}

TEST_CASE("analysis::flame_tree is fast on 1M samples with 100k unique stacks") {
  model::ProfileBuilder b(model::ProfileBuilder::Options{.aggregate = false});
  b.add_sample_type("samples", "count");
  std::vector<model::LocationId> funcs;
  for (int i = 0; i < 2000; ++i) funcs.push_back(b.add_named_frame("function_" + std::to_string(i)));
  std::vector<model::StackId> stacks;
  uint64_t rng = 12345;
  auto next = [&rng] {
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<uint32_t>(rng >> 33);
  };
  std::vector<model::LocationId> frames;
  for (int s = 0; s < 100000; ++s) {
    frames.clear();
    int depth = 10 + static_cast<int>(next() % 20);
    for (int d = 0; d < depth; ++d) frames.push_back(funcs[d < 4 ? d : next() % funcs.size()]);
    std::reverse(frames.begin(), frames.end());
    stacks.push_back(b.intern_stack(frames));
  }
  for (int i = 0; i < 1000000; ++i) {
    int64_t v[] = {1 + static_cast<int64_t>(i % 3)};
    b.add_sample(stacks[next() % stacks.size()], {}, v);
  }
  auto p = b.finish();
  REQUIRE(p);
  // CPU time, not wall time: the test machine may be busy with other builds.
  std::clock_t start = std::clock();
  auto t = analysis::build_flame_tree(*p);
  double seconds = static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
  REQUIRE(t);
  CHECK(t->total() == p->total(0));
  MESSAGE("flame tree of 1M samples / 100k stacks: " << t->size() << " nodes in " << seconds << " s CPU");
  CHECK(seconds < 1.0);
}
