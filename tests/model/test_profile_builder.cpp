#include <doctest/doctest.h>

#include "model/profile_builder.h"
#include "model/profile_importer.h"

using namespace profkit::model;

TEST_CASE("model::ProfileBuilder interns and aggregates") {
  ProfileBuilder b;
  b.add_sample_type("samples", "count");
  LocationId a = b.add_named_frame("a");
  LocationId c = b.add_named_frame("c");
  CHECK(b.add_named_frame("a") == a);  // functions and locations are interned

  LocationId ac[] = {c, a};
  StackId s1 = b.intern_stack(ac);
  CHECK(b.intern_stack(ac) == s1);
  LocationId only_a[] = {a};
  StackId s2 = b.intern_stack(only_a);
  CHECK(s1 != s2);
  CHECK(b.intern_stack({}) == StackId{});

  int64_t one[] = {1};
  int64_t five[] = {5};
  b.add_sample(s1, {}, one);
  b.add_sample(s1, {}, five);
  b.add_sample(s2, {}, one);

  SUBCASE("identical stacks aggregate while streaming") { CHECK(b.sample_count() == 2); }

  SUBCASE("labels keep samples apart") {
    LabelSetId l = b.intern_labels({Label{b.intern("pid"), {}, 42, {}}});
    b.add_sample(s1, l, one);
    CHECK(b.sample_count() == 3);
  }

  auto p = b.finish();
  REQUIRE(p);
  CHECK(p->total(0) >= 7);
  CHECK(p->stack(p->sample(0).stack).size() == 2);
  CHECK(p->str(p->function(p->location(p->stack(p->sample(0).stack)[0]).lines[0].function).name) == "c");
}

TEST_CASE("model::ProfileBuilder keeps samples apart when asked") {
  ProfileBuilder b(ProfileBuilder::Options{.aggregate = false});
  b.add_sample_type("samples", "count");
  LocationId x[] = {b.add_named_frame("x")};
  StackId s = b.intern_stack(x);
  int64_t one[] = {1};
  b.add_sample(s, {}, one, 100);
  b.add_sample(s, {}, one, 200);
  auto p = b.finish();
  REQUIRE(p);
  CHECK(p->sample_count() == 2);
  CHECK(p->sample(1).time_nanos == 200);
}

TEST_CASE("model::Profile default sample index follows pprof") {
  ProfileBuilder b;
  b.add_sample_type("alloc_objects", "count");
  b.add_sample_type("alloc_space", "bytes");
  b.add_sample_type("inuse_objects", "count");
  b.add_sample_type("inuse_space", "bytes");
  SUBCASE("last column without default") {
    auto p = b.finish();
    CHECK(p->default_sample_index() == 3);
  }
  SUBCASE("named default") {
    b.metadata().default_sample_type = b.intern("alloc_space");
    auto p = b.finish();
    CHECK(p->default_sample_index() == 1);
  }
}

TEST_CASE("model::ProfileImporter remaps into a new builder") {
  ProfileBuilder b;
  b.add_sample_type("cpu", "nanoseconds");
  b.metadata().period = 10;
  LocationId f[] = {b.add_named_frame("leaf"), b.add_named_frame("root")};
  int64_t v[] = {30};
  b.add_sample(b.intern_stack(f), b.intern_labels({Label{b.intern("comm"), b.intern("x"), 0, {}}}), v);
  auto src = b.finish();
  REQUIRE(src);

  ProfileBuilder d;
  d.intern("something else first");  // different string ids on purpose
  ProfileImporter imp(*src, d);
  imp.copy_metadata();
  int64_t vv[] = {30};
  d.add_sample(imp.stack(src->sample(0).stack), imp.labels(src->sample(0).labels), vv);
  auto dst = d.finish();
  REQUIRE(dst);
  CHECK(dst->period == 10);
  CHECK(dst->str(dst->sample_types()[0].unit) == "nanoseconds");
  auto st = dst->stack(dst->sample(0).stack);
  REQUIRE(st.size() == 2);
  CHECK(dst->str(dst->function(dst->location(st[1]).lines[0].function).name) == "root");
  CHECK(dst->str(dst->labels(dst->sample(0).labels)[0].str) == "x");
}

TEST_CASE("model::StackTable survives copies and moves") {
  StackTable t;
  LocationId a[] = {LocationId(1), LocationId(2)};
  LocationId b[] = {LocationId(3)};
  StackId sa = t.intern(a);
  StackId sb = t.intern(b);
  StackTable copy = t;
  CHECK(copy.intern(a) == sa);  // index rebuilt lazily
  StackTable moved = std::move(t);
  CHECK(moved.intern(b) == sb);
  CHECK(moved.frames(sa).size() == 2);
  LocationId c[] = {LocationId(4), LocationId(1)};
  CHECK(moved.intern(c).value == 3);
  CHECK(t.size() == 1);  // the moved-from table is empty and usable
  CHECK(t.intern(b).value == 1);
}

TEST_CASE("model::StackTable keeps distinct stacks apart past its growth (hash tags in slots)") {
  StackTable t;
  std::vector<StackId> ids;
  for (uint32_t i = 0; i < 20000; ++i) {
    LocationId f[] = {LocationId(1 + i % 97), LocationId(1 + i / 97), LocationId(7)};
    ids.push_back(t.intern(f));
  }
  for (uint32_t i = 0; i < 20000; ++i) {
    LocationId f[] = {LocationId(1 + i % 97), LocationId(1 + i / 97), LocationId(7)};
    REQUIRE(t.intern(f) == ids[i]);
    CHECK(t.frames(ids[i])[1] == LocationId(1 + i / 97));
  }
  CHECK(t.size() == 20001);
}
