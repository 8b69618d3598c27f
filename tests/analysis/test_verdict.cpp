// Oracle: the --fail-on grammar documented in analysis/verdict.h and `profkit diff --help`,
// checked on hand-made diff tables.
#include <doctest/doctest.h>

#include "analysis/verdict.h"

using namespace profkit;

namespace {

analysis::DiffTable table() {
  analysis::DiffTable t;
  t.value_type = "cpu";
  t.value_unit = "nanoseconds";
  t.base_total = 1'000'000'000;  // 1 s
  t.new_total = 1'100'000'000;
  auto row = [](const char* name, double bf, double nf, double bc, double nc) {
    analysis::DiffRow r;
    r.name = name;
    r.base_flat = bf;
    r.new_flat = nf;
    r.base_cum = bc;
    r.new_cum = nc;
    r.in_base = bc != 0;
    r.in_new = nc != 0;
    return r;
  };
  t.rows = {row("main.handle", 100e6, 150e6, 500e6, 600e6), row("runtime.mallocgc", 50e6, 55e6, 50e6, 55e6),
            row("main.fresh", 0, 20e6, 0, 20e6), row("tiny", 1e6, 2e6, 1e6, 2e6)};
  return t;
}

std::vector<analysis::RuleResult> eval(const std::vector<std::string>& rules, analysis::VerdictOptions o = {}) {
  std::vector<analysis::Rule> parsed;
  for (const auto& r : rules) {
    auto p = analysis::parse_rule(r);
    REQUIRE_MESSAGE(p, r);
    parsed.push_back(*p);
  }
  auto res = analysis::evaluate_rules(table(), parsed, o);
  REQUIRE(res);
  return *res;
}

}  // namespace

TEST_CASE("analysis::verdict grammar") {
  SUBCASE("parses the documented forms") {
    auto r = analysis::parse_rule("total > +5%");
    REQUIRE(r);
    CHECK(r->target == analysis::Rule::Target::kTotal);
    CHECK(r->measure == analysis::Rule::Measure::kPercent);
    CHECK(r->threshold == 5);
    r = analysis::parse_rule("cum(^main\\.(handle|serve)) >= 10%");
    REQUIRE(r);
    CHECK(r->target == analysis::Rule::Target::kCum);
    CHECK(r->selector == "^main\\.(handle|serve)");
    CHECK(r->op == analysis::Rule::Op::kGreaterEqual);
    r = analysis::parse_rule("flat(any)>2pp");
    REQUIRE(r);
    CHECK(r->selector.empty());
    CHECK(r->measure == analysis::Rule::Measure::kPoints);
    r = analysis::parse_rule("flat(malloc) > 100ms");
    REQUIRE(r);
    CHECK(r->measure == analysis::Rule::Measure::kAbsolute);
    r = analysis::parse_rule("total < -20%");
    REQUIRE(r);
    CHECK(r->threshold == -20);
  }
  SUBCASE("rejects malformed rules with a usage error") {
    for (const char* bad : {"", "sum(x) > 1%", "flat(x > 1%", "flat(x) ~ 1%", "flat(x) > %", "total > 2pp", "flat([) > 1%",
                            "flat(x) > 5parsecs", "flat() > 1%"}) {
      CAPTURE(bad);
      auto r = analysis::parse_rule(bad);
      REQUIRE(!r);
      CHECK(r.error().code == model::ErrorCode::kUsage);
    }
  }
}

TEST_CASE("analysis::verdict evaluation") {
  SUBCASE("total relative") {
    auto r = eval({"total > 5%", "total > 15%"});
    CHECK(r[0].broken());
    CHECK(r[0].breaches[0].measured == "+10.00%");
    CHECK(!r[1].broken());
  }
  SUBCASE("entry relative: appeared counts as +inf, tiny entries are skipped") {
    auto r = eval({"flat(any) > 20%"});
    REQUIRE(r[0].breaches.size() == 2);
    CHECK(r[0].breaches[0].entry == "main.handle");
    CHECK(r[0].breaches[1].entry == "main.fresh");
    CHECK(r[0].breaches[1].measured == "new");
  }
  SUBCASE("cum of a regex") {
    auto r = eval({"cum(^main\\.handle$) > 10%", "cum(^main\\.handle$) > 25%"});
    CHECK(r[0].broken());
    CHECK(!r[1].broken());
  }
  SUBCASE("share points") {
    // main.handle: 10 % -> 13.64 % of the total = +3.64pp
    auto r = eval({"flat(handle) > 3pp", "flat(handle) > 4pp"});
    CHECK(r[0].broken());
    CHECK(!r[1].broken());
  }
  SUBCASE("absolute with units") {
    auto r = eval({"flat(handle) > 40ms", "flat(handle) > 0.06s", "total > 99ms"});
    CHECK(r[0].broken());
    CHECK(r[0].breaches[0].measured == "+50ms");
    CHECK(!r[1].broken());
    CHECK(r[2].broken());
  }
  SUBCASE("absolute threshold of the wrong family is a usage error") {
    auto p = analysis::parse_rule("flat(any) > 64kb");
    REQUIRE(p);
    auto res = analysis::evaluate_rules(table(), {*p}, {});
    REQUIRE(!res);
    CHECK(res.error().code == model::ErrorCode::kUsage);
  }
  SUBCASE("ignore excludes entries") {
    analysis::VerdictOptions o;
    o.ignore = {"fresh"};
    auto r = eval({"flat(any) > 20%"}, o);
    REQUIRE(r[0].breaches.size() == 1);
    CHECK(r[0].breaches[0].entry == "main.handle");
  }
  SUBCASE("shrinking") {
    auto r = eval({"flat(any) < -50%"});
    CHECK(!r[0].broken());
  }
  SUBCASE("noise tables judge significant rows only") {
    auto t = table();
    t.noise = true;
    t.p_total = 0.5;
    for (auto& row : t.rows) row.significant = row.name == "main.fresh";
    auto p1 = analysis::parse_rule("flat(any) > 20%");
    auto p2 = analysis::parse_rule("total > 1%");
    auto res = analysis::evaluate_rules(t, {*p1, *p2}, {});
    REQUIRE(res);
    REQUIRE((*res)[0].breaches.size() == 1);
    CHECK((*res)[0].breaches[0].entry == "main.fresh");
    CHECK(!(*res)[1].broken());
  }
}
