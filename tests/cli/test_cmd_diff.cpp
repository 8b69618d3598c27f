// Oracle: the fixtures of scripts/gen-diff-fixtures.sh, whose regressed variant makes exactly one
// function ~30 % slower (main.hashWork / hash_work) and one allocate twice as much
// (main.buildIndex / build_table); the "same" series is the base variant run again. Plus the
// documented CLI contract: exit 1 when a --fail-on rule breaks, 0 otherwise, 2 on bad rules.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include "tests/support.h"

using profkit::test::run_profkit;
using profkit::test::testdata;

namespace {

std::string runs(const std::string& dir, const std::string& series, const std::string& suffix, int n = 5) {
  std::string s;
  for (int i = 1; i <= n; ++i) s += fmt::format(" '{}'", testdata(fmt::format("diff/{}/{}-{}{}", dir, series, i, suffix)).string());
  return s;
}

// The first data row's name in text output (the line after the header that starts with Δflat).
std::string first_row(const std::string& out) {
  size_t h = out.find("Δshare");
  if (h == std::string::npos) return "";
  size_t start = out.find('\n', h) + 1;
  size_t end = out.find('\n', start);
  std::string line = out.substr(start, end - start);
  size_t name = line.rfind("  ");
  return name == std::string::npos ? line : line.substr(name + 2);
}

}  // namespace

TEST_CASE("cli::diff collapsed basics") {
  profkit::test::TempDir tmp;
  auto a = tmp.path / "a.folded", b = tmp.path / "b.folded";
  profkit::test::write_file(a, "main;slow 100\nmain;fast 100\nmain;gone 50\n");
  profkit::test::write_file(b, "main;slow 130\nmain;fast 100\nmain;fresh 20\n");
  std::string ab = fmt::format(" '{}' '{}'", a.string(), b.string());
  SUBCASE("text names appear/vanish and says no noise estimate") {
    auto r = run_profkit("diff" + ab);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("(new)") != std::string::npos);
    CHECK(r.out.find("(gone)") != std::string::npos);
    CHECK(r.out.find("Noise: not estimated") != std::string::npos);
    CHECK(r.out.find("absolute values") != std::string::npos);
  }
  SUBCASE("normalized says so") {
    auto r = run_profkit("diff --normalize" + ab);
    CHECK(r.out.find("normalized") != std::string::npos);
  }
  SUBCASE("verdict: exit 1 with a summary, exit 0 when rules hold") {
    auto r = run_profkit("diff --fail-on 'flat(slow) > 20%' --fail-on 'total > 5%'" + ab);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("rule 'flat(slow) > 20%' broke on 1 entry") != std::string::npos);
    CHECK(r.err.find("total > 5%") == std::string::npos);
    auto ok = run_profkit("diff --fail-on 'flat(slow) > 40%' --fail-on 'cum(any) > 100ms'" + ab);
    CHECK(ok.exit_code == 2);  // ms is not a unit of a count column
    auto ok2 = run_profkit("diff --fail-on 'flat(slow) > 40%' --fail-ignore slow --fail-on 'flat(any) > 10pp'" + ab);
    CHECK(ok2.exit_code == 0);
  }
  SUBCASE("bad rule is a usage error") {
    auto r = run_profkit("diff --fail-on 'flat(slow >> 20%'" + ab);
    CHECK(r.exit_code == 2);
  }
  SUBCASE("json, markdown and junit") {
    auto j = run_profkit("diff -f json --fail-on 'flat(any) > 5pp'" + ab);
    CHECK(j.exit_code == 1);
    CHECK(j.out.find("\"verdict\": \"fail\"") != std::string::npos);
    CHECK(j.out.find("\"status\": \"appeared\"") != std::string::npos);
    auto m = run_profkit("diff -f markdown" + ab);
    CHECK(m.out.find("| Δflat |") != std::string::npos);
    auto x = run_profkit("diff -f junit --fail-on 'flat(any) > 5pp' --fail-on 'total > 1%'" + ab);
    CHECK(x.out.find("<testsuites name=\"profkit diff\" tests=\"2\" failures=\"1\">") != std::string::npos);
    CHECK(x.out.find("<failure message=\"flat(any) &gt; 5pp broke on 2 entries\"") != std::string::npos);
  }
  SUBCASE("filters apply to both sides") {
    auto r = run_profkit("diff --ignore fresh" + ab);
    CHECK(r.out.find("fresh") == std::string::npos);
  }
}

TEST_CASE("cli::diff Go fixtures name the known regressions") {
  profkit::test::TempDir tmp;
  auto base = (tmp.path / "base.pb.gz").string(), regressed = (tmp.path / "regressed.pb.gz").string();
  // The pair: all runs of each side merged (one run alone carries ~10 % CPU-time noise here).
  auto m1 = run_profkit(fmt::format("merge -o '{}'{}", base, runs("go", "base", ".cpu.pb.gz")));
  auto m2 = run_profkit(fmt::format("merge -o '{}'{}", regressed, runs("go", "regressed", ".cpu.pb.gz")));
  REQUIRE_MESSAGE(m1.exit_code == 0, m1.err);
  REQUIRE_MESSAGE(m2.exit_code == 0, m2.err);
  SUBCASE("cpu: main.hashWork is the top regression; the rule breaks on exactly hashWork and buildIndex") {
    auto r = run_profkit(fmt::format("diff '{}' '{}' --fail-on 'flat(^main\\.) > 10%'", base, regressed));
    CHECK(r.exit_code == 1);
    CHECK(first_row(r.out) == "main.hashWork");
    CHECK(r.err.find("broke on 2 entries") != std::string::npos);
    CHECK(r.err.find("main.hashWork") != std::string::npos);
    CHECK(r.err.find("main.buildIndex") != std::string::npos);
    CHECK(r.err.find("main.parseInput") == std::string::npos);
  }
  SUBCASE("alloc_space: main.buildIndex is the top regression and the only breach") {
    auto r = run_profkit(fmt::format("diff --sample-index alloc_space '{}' '{}' --fail-on 'flat(any) > 50%'",
                                     testdata("diff/go/base.alloc.pb.gz").string(), testdata("diff/go/regressed.alloc.pb.gz").string()));
    CHECK(r.exit_code == 1);
    CHECK(first_row(r.out) == "main.buildIndex");
    CHECK(r.err.find("broke on 1 entry") != std::string::npos);
  }
  SUBCASE("noise: 5 vs 5 runs of the same program report nothing and pass") {
    auto r = run_profkit("diff --fail-on 'flat(any) > 10%' --fail-on 'total > 5%' --base" + runs("go", "base", ".cpu.pb.gz") +
                         " --new" + runs("go", "same", ".cpu.pb.gz"));
    CHECK_MESSAGE(r.exit_code == 0, r.out);
    CHECK(r.out.find("No significant change") != std::string::npos);
  }
  SUBCASE("noise: 5 vs 5 runs of the regressed pair report main.hashWork with p < 0.05") {
    auto r = run_profkit("diff -f json --fail-on 'flat(main\\.hashWork) > 10%' --base" + runs("go", "base", ".cpu.pb.gz") +
                         " --new" + runs("go", "regressed", ".cpu.pb.gz"));
    CHECK(r.exit_code == 1);
    size_t row = r.out.find("{\"name\": \"main.hashWork\"");
    REQUIRE(row != std::string::npos);
    size_t p = r.out.find("\"p_flat\": ", row);
    REQUIRE(p != std::string::npos);
    double pv = std::stod(r.out.substr(p + 10, 20));
    CHECK(pv < 0.05);
    CHECK(r.out.find("\"significant\": true", row) != std::string::npos);
  }
}

TEST_CASE("cli::diff C perf.data fixtures") {
  // Needs perf.data parsing and symbolization of testdata/diff/c/work (found by --debug-dir).
  std::string dir = testdata("diff/c").string();
  auto probe = run_profkit(fmt::format("top --debug-dir '{}' '{}'", dir, testdata("diff/c/base-1.perf.data").string()));
  if (probe.exit_code != 0 || probe.out.find("hash_work") == std::string::npos) {
    MESSAGE("skipped: profkit cannot read and symbolize the perf.data fixtures yet");
    return;
  }
  profkit::test::TempDir tmp;
  auto base = (tmp.path / "base.pb.gz").string(), regressed = (tmp.path / "regressed.pb.gz").string();
  REQUIRE(run_profkit(fmt::format("merge -o '{}'{}", base, runs("c", "base", ".perf.data"))).exit_code == 0);
  REQUIRE(run_profkit(fmt::format("merge -o '{}'{}", regressed, runs("c", "regressed", ".perf.data"))).exit_code == 0);
  auto r = run_profkit(fmt::format("diff --debug-dir '{}' '{}' '{}' --fail-on 'flat(^(hash_work|build_table|parse_input)$) > 10%'", dir,
                                   base, regressed));
  CHECK(r.exit_code == 1);
  CHECK(first_row(r.out) == "hash_work");
  CHECK(r.err.find("% parse_input") == std::string::npos);  // the rule text itself names it
  auto same = run_profkit(fmt::format("diff --debug-dir '{}' --fail-on 'flat(any) > 10%' --base{} --new{}", dir,
                                      runs("c", "base", ".perf.data"), runs("c", "same", ".perf.data")));
  CHECK(same.exit_code == 0);
  auto reg = run_profkit(fmt::format("diff --debug-dir '{}' --fail-on 'flat(hash_work) > 10%' --base{} --new{}", dir,
                                     runs("c", "base", ".perf.data"), runs("c", "regressed", ".perf.data")));
  CHECK(reg.exit_code == 1);
}
