#include <doctest/doctest.h>

#include "analysis/select.h"
#include "model/profile_builder.h"

using namespace profkit;

namespace {

model::Profile three_columns() {
  model::ProfileBuilder b;
  b.add_sample_type("samples", "count");
  b.add_sample_type("cycles", "events");
  b.add_sample_type("cpu-clock", "nanoseconds");
  model::LocationId a = b.add_named_frame("a"), c = b.add_named_frame("c");
  model::LocationId ac[] = {c, a}, only_a[] = {a};
  int64_t v1[] = {1, 100, 0}, v2[] = {2, 0, 5000}, v3[] = {4, 300, 7000};
  b.add_sample(b.intern_stack(ac), {}, v1);
  b.add_sample(b.intern_stack(only_a), {}, v2);
  b.add_sample(b.intern_stack(ac), b.intern_labels({model::Label{b.intern("pid"), {}, 7, {}}}), v3);
  b.metadata().default_sample_type = b.intern("cycles");
  return *b.finish();
}

void check_same(const model::Profile& copied, const model::Profile& moved) {
  REQUIRE(copied.sample_types().size() == moved.sample_types().size());
  for (size_t c = 0; c < copied.sample_types().size(); ++c) {
    CHECK(copied.str(copied.sample_types()[c].type) == moved.str(moved.sample_types()[c].type));
  }
  CHECK(copied.str(copied.default_sample_type) == moved.str(moved.default_sample_type));
  REQUIRE(copied.sample_count() == moved.sample_count());
  for (size_t i = 0; i < copied.sample_count(); ++i) {
    auto a = copied.values(i), b = moved.values(i);
    CHECK(std::vector<int64_t>(a.begin(), a.end()) == std::vector<int64_t>(b.begin(), b.end()));
    CHECK(copied.stack(copied.sample(i).stack).size() == moved.stack(moved.sample(i).stack).size());
  }
}

}  // namespace

TEST_CASE("analysis::select_sample_type in place equals the copying selection") {
  const model::Profile p = three_columns();
  for (const char* index : {"", "0", "cpu-clock", "samples"}) {
    for (bool mean : {false, true}) {
      CAPTURE(index);
      CAPTURE(mean);
      analysis::SampleSelection sel{index, mean};
      auto copied = analysis::select_sample_type(p, sel);
      auto moved = analysis::select_sample_type(model::Profile(p), sel);
      REQUIRE(copied);
      REQUIRE(moved);
      check_same(*copied, *moved);
    }
  }
  // The default is the profile's default type; --mean keeps the first column as divisor.
  auto d = analysis::select_sample_type(model::Profile(p), analysis::SampleSelection{"", true});
  REQUIRE(d);
  CHECK(d->str(d->sample_types()[0].type) == "cycles");
  CHECK(d->values(2)[0] == 300);
  CHECK(d->values(2)[1] == 4);
  auto bad = analysis::select_sample_type(model::Profile(p), analysis::SampleSelection{"nope", false});
  CHECK(!bad);
}
