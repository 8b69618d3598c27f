// Oracle: the Mann-Whitney U test's exact null distribution (smallest two-sided p = 2/C(n1+n2, n1))
// and the textbook normal approximation with tie and continuity corrections (what
// scipy.stats.mannwhitneyu(method="asymptotic") computes); noise diffs on synthetic runs.
#include <doctest/doctest.h>

#include <vector>

#include "analysis/noise.h"
#include "model/profile_builder.h"

using namespace profkit;
using namespace profkit::model;

namespace {

Profile run(int64_t hot, int64_t cold) {
  ProfileBuilder b;
  b.add_sample_type("cpu", "nanoseconds");
  auto add = [&](const char* leaf, int64_t v) {
    LocationId l[2] = {b.add_named_frame(leaf), b.add_named_frame("main")};
    b.add_sample(b.intern_stack(l), {}, std::span<const int64_t>(&v, 1));
  };
  add("hot", hot);
  add("cold", cold);
  return *b.finish();
}

}  // namespace

TEST_CASE("analysis::noise Mann-Whitney U") {
  SUBCASE("exact: complete separation") {
    std::vector<double> x = {1, 2, 3, 4, 5}, y = {6, 7, 8, 9, 10};
    auto r = analysis::mann_whitney(x, y);
    CHECK(r.exact);
    CHECK(r.u == 0);
    CHECK(r.p == doctest::Approx(2.0 / 252));
    CHECK(analysis::mann_whitney(y, x).p == doctest::Approx(2.0 / 252));
  }
  SUBCASE("exact: 3 vs 3 can never reach 0.05") {
    std::vector<double> x = {1, 2, 3}, y = {4, 5, 6};
    CHECK(analysis::mann_whitney(x, y).p == doctest::Approx(0.1));
    CHECK(analysis::min_two_sided_p(3, 3) == doctest::Approx(0.1));
    CHECK(analysis::min_two_sided_p(4, 4) == doctest::Approx(2.0 / 70));
  }
  SUBCASE("exact: interleaved samples are not significant") {
    std::vector<double> x = {1, 3, 5, 7}, y = {2, 4, 6, 8};
    auto r = analysis::mann_whitney(x, y);
    CHECK(r.u == 6);
    CHECK(r.p == doctest::Approx(0.6857).epsilon(0.001));  // 2 × P(U <= 6) = 2 × 24/70
  }
  SUBCASE("ties: normal approximation with tie correction") {
    std::vector<double> x = {1, 2, 3, 4}, y = {3, 4, 5, 6};
    auto r = analysis::mann_whitney(x, y);
    CHECK(!r.exact);
    CHECK(r.u == 2);
    CHECK(r.p == doctest::Approx(0.1081).epsilon(0.002));
  }
  SUBCASE("all equal") {
    std::vector<double> x = {5, 5, 5}, y = {5, 5, 5};
    CHECK(analysis::mann_whitney(x, y).p == 1);
  }
}

TEST_CASE("analysis::noise diff of runs") {
  std::vector<Profile> base, same, slower;
  int64_t jitter[] = {0, 3, -2, 4, -3};
  for (int i = 0; i < 5; ++i) {
    base.push_back(run(1000 + 10 * jitter[i], 500 - 7 * jitter[i]));
    same.push_back(run(1000 - 9 * jitter[i], 500 + 5 * jitter[(i + 2) % 5]));
    slower.push_back(run(1300 + 8 * jitter[(i + 1) % 5], 500 + 6 * jitter[i]));
  }
  auto ptrs = [](const std::vector<Profile>& v) {
    std::vector<const Profile*> out;
    for (const auto& p : v) out.push_back(&p);
    return out;
  };
  auto b = ptrs(base), s = ptrs(same), r = ptrs(slower);
  SUBCASE("same program: nothing significant") {
    auto t = analysis::build_noise_diff(b, s, {});
    REQUIRE(t);
    CHECK(t->noise);
    CHECK(t->rows.empty());
    CHECK(t->p_total > 0.05);
  }
  SUBCASE("regressed: hot is significant with its p-value, cold is not") {
    auto t = analysis::build_noise_diff(b, r, {});
    REQUIRE(t);
    REQUIRE(!t->rows.empty());
    CHECK(t->rows[0].name == "hot");
    CHECK(t->rows[0].p_flat == doctest::Approx(2.0 / 252));
    CHECK(t->rows[0].significant);
    for (const auto& row : t->rows) CHECK(row.name != "cold");
    CHECK(t->p_total < 0.05);
  }
  SUBCASE("keep_insignificant lists the rest, marked") {
    analysis::NoiseOptions o;
    o.keep_insignificant = true;
    auto t = analysis::build_noise_diff(b, r, o);
    REQUIRE(t);
    bool cold_seen = false;
    for (const auto& row : t->rows) {
      if (row.name == "main") {
        cold_seen = true;
        CHECK(!row.significant);
      }
    }
    CHECK(cold_seen);
  }
  SUBCASE("shares: every run scaled to the mean total") {
    analysis::NoiseOptions o;
    o.diff.normalize = true;
    auto t = analysis::build_noise_diff(b, r, o);
    REQUIRE(t);
    CHECK(t->normalized);
    CHECK(t->p_total == -1);
    REQUIRE(!t->rows.empty());
    CHECK(t->rows[0].name == "hot");
  }
}
