// Oracle: pprof's profile.Merge semantics (profile/merge.go): samples with equal stacks and labels
// add up, zero samples vanish, mappings of the same binary at other addresses merge; and the
// algebra the design asks for (associative, commutative), checked on seeded random profiles.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <map>
#include <random>

#include "analysis/merge.h"
#include "model/profile_builder.h"

using namespace profkit;
using namespace profkit::model;

namespace {

void add(ProfileBuilder& b, std::initializer_list<const char*> root_first, std::vector<int64_t> values,
         std::vector<Label> labels = {}) {
  std::vector<LocationId> leaf_first;
  for (const char* name : root_first) leaf_first.insert(leaf_first.begin(), b.add_named_frame(name));
  b.add_sample(b.intern_stack(leaf_first), b.intern_labels(std::move(labels)), values);
}

// (stack text, labels text) -> values: the canonical form two merges are compared in.
std::map<std::string, std::vector<int64_t>> canonical(const Profile& p) {
  std::map<std::string, std::vector<int64_t>> out;
  for (size_t s = 0; s < p.sample_count(); ++s) {
    std::string key;
    auto frames = p.stack(p.sample(s).stack);
    for (size_t i = frames.size(); i-- > 0;) {
      const Location& loc = p.location(frames[i]);
      std::string m = loc.mapping.valid() ? std::string(p.str(p.mapping(loc.mapping).file)) : "";
      key += fmt::format("{}@{:x}", m, loc.address);
      for (const Line& l : loc.lines) key += fmt::format(":{}", p.str(p.function(l.function).name));
      key += ';';
    }
    key += " |";
    for (const Label& l : p.labels(p.sample(s).labels)) key += fmt::format(" {}={}{}", p.str(l.key), p.str(l.str), l.num);
    auto v = p.values(s);
    auto& slot = out[key];
    if (slot.empty()) slot.assign(v.size(), 0);
    for (size_t i = 0; i < v.size(); ++i) slot[i] += v[i];
  }
  std::erase_if(out, [](const auto& kv) { return std::all_of(kv.second.begin(), kv.second.end(), [](int64_t x) { return x == 0; }); });
  return out;
}

Profile random_profile(uint32_t seed) {
  std::mt19937 rng(seed);
  ProfileBuilder b;
  b.add_sample_type("samples", "count");
  b.add_sample_type("cpu", "nanoseconds");
  // One binary mapped at a seed-dependent address: merge must line the runs up.
  uint64_t start = 0x400000 + 0x100000 * (seed % 7);
  MappingId m = b.add_mapping(Mapping{start, start + 0x10000, 0x1000, b.intern("/bin/app"), b.intern("abcd")});
  const char* names[] = {"main", "a", "b", "c", "d"};
  std::vector<LocationId> locs;
  for (int i = 0; i < 5; ++i) {
    FunctionId f = b.add_function(Function{b.intern(names[i]), b.intern(names[i]), b.intern("app.c"), 1});
    locs.push_back(b.add_location(Location{m, start + 0x100 * (i + 1), {Line{f, 10 + i, 0}}}));
  }
  int n = 3 + static_cast<int>(rng() % 5);
  for (int s = 0; s < n; ++s) {
    std::vector<LocationId> stack;
    int depth = 1 + static_cast<int>(rng() % 4);
    for (int d = 0; d < depth; ++d) stack.push_back(locs[rng() % locs.size()]);
    int64_t v[2] = {1 + static_cast<int64_t>(rng() % 10), 1000 * (1 + static_cast<int64_t>(rng() % 10))};
    std::vector<Label> ls;
    if (rng() % 2) ls.push_back(Label{b.intern("thread"), b.intern(rng() % 2 ? "t1" : "t2"), 0, {}});
    b.add_sample(b.intern_stack(stack), b.intern_labels(ls), v);
  }
  return *b.finish();
}

Profile merge(std::vector<const Profile*> ps, const analysis::MergeOptions& o = {}) {
  auto r = analysis::merge_profiles(std::span<const Profile* const>(ps), o);
  REQUIRE_MESSAGE(r, (r ? "" : r.error().to_string()));
  return std::move(*r);
}

}  // namespace

TEST_CASE("analysis::merge sums equal stacks and keeps others") {
  ProfileBuilder a, b;
  a.add_sample_type("samples", "count");
  b.add_sample_type("samples", "count");
  add(a, {"main", "f"}, {3});
  add(a, {"main", "g"}, {1});
  add(b, {"main", "f"}, {2});
  add(b, {"main", "h"}, {5});
  Profile pa = *a.finish(), pb = *b.finish();
  Profile m = merge({&pa, &pb});
  CHECK(m.sample_count() == 3);
  CHECK(m.total(0) == 11);
  auto c = canonical(m);
  CHECK(c.at("@0:main;@0:f; |") == std::vector<int64_t>{5});

  SUBCASE("label_source names each input") {
    analysis::MergeOptions o;
    o.label_key = "source";
    o.source_names = {"a.pb.gz", "b.pb.gz"};
    Profile l = merge({&pa, &pb}, o);
    CHECK(l.sample_count() == 4);
    auto lc = canonical(l);
    CHECK(lc.at("@0:main;@0:f; | source=a.pb.gz0") == std::vector<int64_t>{3});
    CHECK(lc.at("@0:main;@0:f; | source=b.pb.gz0") == std::vector<int64_t>{2});
  }
}

TEST_CASE("analysis::merge value types") {
  SUBCASE("compatible units convert to the first profile's") {
    ProfileBuilder a, b;
    a.add_sample_type("cpu", "nanoseconds");
    b.add_sample_type("cpu", "milliseconds");
    add(a, {"main"}, {500});
    add(b, {"main"}, {2});
    Profile pa = *a.finish(), pb = *b.finish();
    Profile m = merge({&pa, &pb});
    CHECK(m.total(0) == 2000500);
    CHECK(m.str(m.sample_types()[0].unit) == "nanoseconds");
  }
  SUBCASE("incompatible units name both types") {
    ProfileBuilder a, b;
    a.add_sample_type("space", "bytes");
    b.add_sample_type("space", "nanoseconds");
    add(a, {"main"}, {1});
    add(b, {"main"}, {1});
    Profile pa = *a.finish(), pb = *b.finish();
    std::vector<const Profile*> ps = {&pa, &pb};
    auto r = analysis::merge_profiles(std::span<const Profile* const>(ps), {.source_names = {"A", "B"}});
    REQUIRE(!r);
    CHECK(r.error().code == ErrorCode::kUsage);
    CHECK(r.error().message.find("space/bytes of A") != std::string::npos);
    CHECK(r.error().message.find("space/nanoseconds of B") != std::string::npos);
  }
  SUBCASE("only common columns; none in common is an error") {
    ProfileBuilder a, b, c;
    a.add_sample_type("samples", "count");
    a.add_sample_type("cpu", "nanoseconds");
    b.add_sample_type("cpu", "nanoseconds");
    c.add_sample_type("contentions", "count");
    add(a, {"main"}, {1, 10});
    add(b, {"main"}, {20});
    add(c, {"main"}, {1});
    Profile pa = *a.finish(), pb = *b.finish(), pc = *c.finish();
    Profile m = merge({&pa, &pb});
    REQUIRE(m.sample_types().size() == 1);
    CHECK(m.total(0) == 30);
    std::vector<const Profile*> ps = {&pa, &pc};
    auto r = analysis::merge_profiles(std::span<const Profile* const>(ps));
    REQUIRE(!r);
    CHECK(r.error().message.find("no sample type in common") != std::string::npos);
  }
  SUBCASE("fractional decimals are aligned") {
    ProfileBuilder a, b;
    a.add_sample_type("samples", "count", 2);
    b.add_sample_type("samples", "count");
    add(a, {"main"}, {150});  // 1.50
    add(b, {"main"}, {2});
    Profile pa = *a.finish(), pb = *b.finish();
    Profile m = merge({&pa, &pb});
    CHECK(m.sample_types()[0].decimals == 2);
    CHECK(m.total(0) == 350);
  }
}

TEST_CASE("analysis::merge relative addresses line up different layouts") {
  Profile a = random_profile(1), b = random_profile(2);
  Profile m = merge({&a, &b});
  CHECK(m.mappings().size() == 1);
  CHECK(m.mappings()[0].start == 0x1000);
  CHECK(m.locations().size() == 5);
  CHECK(m.location(LocationId::from_index(0)).address >= 0x1000);
}

TEST_CASE("analysis::merge is associative and commutative") {
  for (uint32_t seed = 0; seed < 20; ++seed) {
    CAPTURE(seed);
    Profile a = random_profile(seed * 3 + 1), b = random_profile(seed * 3 + 2), c = random_profile(seed * 3 + 3);
    Profile ab = merge({&a, &b}), bc = merge({&b, &c});
    auto left = canonical(merge({&ab, &c}));
    auto right = canonical(merge({&a, &bc}));
    auto reversed = canonical(merge({&c, &b, &a}));
    auto flat = canonical(merge({&a, &b, &c}));
    CHECK(left == right);
    CHECK(left == reversed);
    CHECK(left == flat);
  }
}

TEST_CASE("analysis::merge scale_profile rounds like pprof and drops zero samples") {
  ProfileBuilder b;
  b.add_sample_type("samples", "count");
  add(b, {"main", "a"}, {100});
  add(b, {"main", "b"}, {1});
  Profile p = *b.finish();
  std::vector<double> r = {0.2857};
  auto s = analysis::scale_profile(p, r);
  REQUIRE(s);
  CHECK(s->sample_count() == 1);
  CHECK(s->total(0) == 29);
}
