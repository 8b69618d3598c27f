// Oracles: pprof's -base / -diff_base / -normalize (google/pprof internal/driver/fetch_test.go
// TestFetchWithBase, values copied into ../shared/testdata/MANIFEST.md FACTS) for
// subtract_profiles; build_diff_table is checked against hand-computed values and against the
// node values of the subtracted profile (a diff table row is pprof's -diff_base top row).
#include <doctest/doctest.h>

#include "analysis/diff.h"
#include "analysis/merge.h"
#include "model/profile_builder.h"
#include "parsers/registry.h"
#include "tests/support.h"

using namespace profkit;
using namespace profkit::model;

namespace {

void add(ProfileBuilder& b, std::initializer_list<const char*> root_first, int64_t value) {
  std::vector<LocationId> leaf_first;
  for (const char* name : root_first) leaf_first.insert(leaf_first.begin(), b.add_named_frame(name));
  b.add_sample(b.intern_stack(leaf_first), {}, std::span<const int64_t>(&value, 1));
}

const analysis::DiffRow* row(const analysis::DiffTable& t, std::string_view name) {
  for (const auto& r : t.rows) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

std::vector<std::vector<int64_t>> sample_values(const Profile& p) {
  std::vector<std::vector<int64_t>> out;
  for (size_t s = 0; s < p.sample_count(); ++s) {
    auto v = p.values(s);
    out.emplace_back(v.begin(), v.end());
  }
  return out;
}

std::optional<Profile> load(const std::filesystem::path& path) {
  parsers::ParseOptions po;
  po.file_name = path.string();
  auto r = parsers::load(path.string(), po);
  if (!r || r->size() != 1) return std::nullopt;
  return std::move(r->front());
}

}  // namespace

TEST_CASE("analysis::diff table") {
  ProfileBuilder a, b;
  a.add_sample_type("cpu", "nanoseconds");
  b.add_sample_type("cpu", "nanoseconds");
  add(a, {"main", "slow"}, 100);
  add(a, {"main", "fast"}, 100);
  add(a, {"main", "gone"}, 50);
  add(b, {"main", "slow"}, 130);
  add(b, {"main", "fast"}, 100);
  add(b, {"main", "fresh"}, 20);
  Profile base = *a.finish(), now = *b.finish();

  SUBCASE("absolute") {
    auto t = analysis::build_diff_table(base, now, {});
    REQUIRE(t);
    CHECK(t->base_total == 250);
    CHECK(t->new_total == 250);
    CHECK(!t->normalized);
    REQUIRE(t->rows.size() == 3);  // main and fast are unchanged
    CHECK(t->unchanged_rows == 2);
    CHECK(t->rows[0].name == "gone");
    CHECK(t->rows[0].vanished());
    CHECK(t->rows[1].name == "slow");
    CHECK(t->rows[1].delta_flat() == 30);
    CHECK(*analysis::relative_change(t->rows[1].base_flat, t->rows[1].new_flat) == doctest::Approx(0.3));
    CHECK(analysis::share_change_pp(100, 250, 130, 250) == doctest::Approx(12.0));
    CHECK(t->rows[2].name == "fresh");
    CHECK(t->rows[2].appeared());
  }
  SUBCASE("normalized scales new to the base total") {
    ProfileBuilder c;
    c.add_sample_type("cpu", "nanoseconds");
    add(c, {"main", "slow"}, 260);
    add(c, {"main", "fast"}, 200);
    add(c, {"main", "fresh"}, 40);
    Profile doubled = *c.finish();
    analysis::DiffOptions o;
    o.normalize = true;
    auto t = analysis::build_diff_table(base, doubled, o);
    REQUIRE(t);
    CHECK(t->normalized);
    CHECK(t->new_scale == doctest::Approx(0.5));
    CHECK(t->new_total == 250);
    CHECK(row(*t, "slow")->new_flat == 130);
    CHECK(row(*t, "fast") == nullptr);  // unchanged once normalised
  }
  SUBCASE("sort by cum") {
    analysis::DiffOptions o;
    o.sort_by_cum = true;
    auto t = analysis::build_diff_table(base, now, o);
    REQUIRE(t);
    CHECK(t->rows[0].name == "gone");
  }
  SUBCASE("incompatible units") {
    ProfileBuilder c;
    c.add_sample_type("space", "bytes");
    add(c, {"main"}, 1);
    Profile other = *c.finish();
    auto t = analysis::build_diff_table(base, other, {});
    REQUIRE(!t);
    CHECK(t.error().code == ErrorCode::kUsage);
  }
  SUBCASE("table rows equal the node values of the subtracted profile (pprof -diff_base top)") {
    auto delta = analysis::subtract_profiles(base, now, false, true);
    REQUIRE(delta);
    auto nv = analysis::node_values(*delta, analysis::Granularity::kFunctions, true);
    auto t = analysis::build_diff_table(base, now, {});
    REQUIRE(t);
    for (size_t i = 0; i < nv.names.size(); ++i) {
      const auto* r = row(*t, nv.names[i]);
      double flat = r ? r->delta_flat() : 0, cum = r ? r->delta_cum() : 0;
      CHECK(flat == nv.flat[i]);
      CHECK(cum == nv.cum[i]);
    }
  }
}

TEST_CASE("analysis::diff equals pprof -base/-diff_base/-normalize on cppbench contention") {
  // Oracle: MANIFEST FACTS from pprof fetch_test.go TestFetchWithBase (exact sample values, in order).
  PROFKIT_REQUIRE_SHARED(shared);
  auto dir = shared / "pprof/internal/driver/testdata";
  auto source = load(dir / "cppbench.contention");
  if (!source) source = load(shared / "pprof/profile/testdata/cppbench.contention");
  auto small = load(dir / "cppbench.small.contention");
  if (!source || !small) {
    MESSAGE("skipped: the legacy contention parser cannot read cppbench.contention yet");
    return;
  }
  using V = std::vector<std::vector<int64_t>>;
  SUBCASE("-base small") {
    auto d = analysis::subtract_profiles(*small, *source, false, false);
    REQUIRE(d);
    CHECK(sample_values(*d) == V{{1700, 608878600}, {100, 23992}, {200, 179943}, {100, 17778444}, {100, 75976}, {300, 63568134}});
  }
  SUBCASE("-base small -normalize") {
    auto d = analysis::subtract_profiles(*small, *source, true, false);
    REQUIRE(d);
    CHECK(sample_values(*d) == V{{-229, -369}, {29, 0}, {57, 1}, {29, 80}, {29, 0}, {86, 288}});
  }
  SUBCASE("-base self: no samples, normalized or not") {
    CHECK(analysis::subtract_profiles(*source, *source, false, false)->sample_count() == 0);
    CHECK(analysis::subtract_profiles(*source, *source, true, false)->sample_count() == 0);
  }
  SUBCASE("-base self twice") {
    std::vector<const Profile*> twice = {&*source, &*source};
    auto bases = analysis::merge_profiles(std::span<const Profile* const>(twice));
    REQUIRE(bases);
    auto d = analysis::subtract_profiles(*bases, *source, false, false);
    REQUIRE(d);
    CHECK(sample_values(*d) ==
          V{{-2700, -608881724}, {-100, -23992}, {-200, -179943}, {-100, -17778444}, {-100, -75976}, {-300, -63568134}});
    CHECK(analysis::subtract_profiles(*bases, *source, true, false)->sample_count() == 0);
  }
  SUBCASE("-diff_base self: source samples plus labelled negations") {
    auto d = analysis::subtract_profiles(*source, *source, false, true);
    REQUIRE(d);
    V want = {{2700, 608881724}, {100, 23992}, {200, 179943}, {100, 17778444}, {100, 75976}, {300, 63568134}};
    V got = sample_values(*d);
    REQUIRE(got.size() == 12);
    CHECK(V(got.begin(), got.begin() + 6) == want);
    for (size_t i = 0; i < 6; ++i) {
      CHECK(got[6 + i] == std::vector<int64_t>{-want[i][0], -want[i][1]});
      const auto& ls = d->labels(d->sample(6 + i).labels);
      REQUIRE(ls.size() == 1);
      CHECK(d->str(ls[0].key) == "pprof::base");
      CHECK(d->str(ls[0].str) == "true");
    }
  }
  SUBCASE("diff table delta equals the -base profile's node values") {
    auto d = analysis::subtract_profiles(*small, *source, true, false);
    REQUIRE(d);
    analysis::DiffOptions o;
    o.normalize = true;
    auto t = analysis::build_diff_table(*small, *source, o);
    REQUIRE(t);
    auto nv = analysis::node_values(*d, analysis::Granularity::kFunctions, true);
    for (size_t i = 0; i < nv.names.size(); ++i) {
      const auto* r = row(*t, nv.names[i]);
      CHECK((r ? r->delta_flat() : 0) == nv.flat[i]);
      CHECK((r ? r->delta_cum() : 0) == nv.cum[i]);
    }
  }
}
