// Oracle: `go tool pprof -top -symbolize=none` from go1.19 (the GEN-EXACT `*.gopprof119.top.txt`
// files next to every pprof input in ../shared/testdata, see its MANIFEST.md). profkit top must
// print the same report: Type/Time/Duration header, "Showing nodes …", "Dropped N nodes …", and
// every row (flat, flat%, sum%, cum, cum%, name, inline label) in the same order and units.
#include <doctest/doctest.h>

#include <filesystem>
#include <sstream>

#include "tests/support.h"

namespace fs = std::filesystem;
using profkit::test::read_file;
using profkit::test::run_profkit;

namespace {

// The report from its "Type:" line on, and then whole: "File:"/"Build ID:" name pprof's first
// mapping, which profkit keeps first (selecting the value column once re-imported mappings in the
// order samples used them, and one report named another binary).
std::string from_type_line(const std::string& report) {
  size_t pos = report.find("Type: ");
  return pos == std::string::npos ? report : report.substr(pos);
}

}  // namespace

TEST_CASE("cli::top equals go tool pprof -top on the shared corpus") {
  PROFKIT_REQUIRE_SHARED(shared);
  int compared = 0, byte_exact = 0;
  for (const auto& entry : fs::recursive_directory_iterator(shared)) {
    std::string golden = entry.path().string();
    const std::string suffix = ".gopprof119.top.txt";
    if (golden.size() < suffix.size() || golden.compare(golden.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
    std::string input = golden.substr(0, golden.size() - suffix.size());
    if (!fs::exists(input)) continue;  // e.g. merged reports without a single input file
    CAPTURE(input);
    auto r = run_profkit("top '" + input + "'");
    REQUIRE(r.exit_code == 0);
    std::string want = read_file(golden);
    CHECK(from_type_line(r.out) == from_type_line(want));
    ++compared;
    if (r.out == want) ++byte_exact;
  }
  MESSAGE("compared " << compared << " reports, " << byte_exact << " byte-exact including File/Build ID");
  CHECK(compared >= 30);
  CHECK(byte_exact == compared);
}

TEST_CASE("cli::top formats and errors") {
  profkit::test::TempDir tmp;
  auto folded = tmp.path / "t.folded";
  profkit::test::write_file(folded, "main;work;leaf 60\nmain;work 30\nmain;fib;fib;fib 10\n");
  SUBCASE("text") {
    auto r = run_profkit("top " + folded.string());
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("        60 60.00% 60.00%         60 60.00%  leaf\n") != std::string::npos);
  }
  SUBCASE("csv") {
    auto r = run_profkit("top -f csv " + folded.string());
    CHECK(r.out.starts_with("flat,flat%,sum%,cum,cum%,name,flat_value,cum_value,unit\n60,60.00%,60.00%,60,60.00%,leaf,60,60,count\n"));
  }
  SUBCASE("json") {
    auto r = run_profkit("top -f json " + folded.string());
    CHECK(r.out.find("\"name\": \"work\", \"flat\": 30, \"flat_pct\": 30.0000, \"sum_pct\": 90.0000, \"cum\": 90") !=
          std::string::npos);
  }
  SUBCASE("markdown") {
    auto r = run_profkit("top -f markdown " + folded.string());
    CHECK(r.out.find("| 30 | 30.00% | 90.00% | 90 | 90.00% | `work` |") != std::string::npos);
  }
  SUBCASE("stdin") {
    auto r = run_profkit("top -n 1 -", folded.string());
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("Showing top 1 nodes out of 4") != std::string::npos);
  }
  SUBCASE("bad input exits 3 with one line naming file and line") {
    auto bad = tmp.path / "bad.folded";
    profkit::test::write_file(bad, "a;b 1\na;b x\n");
    auto r = run_profkit("top " + bad.string());
    CHECK(r.exit_code == 3);
    CHECK(r.err.find(bad.string() + ":2") != std::string::npos);
  }
  SUBCASE("usage errors exit 2") {
    CHECK(run_profkit("top --granularity nope " + folded.string()).exit_code == 2);
    CHECK(run_profkit("top --sample-index nope " + folded.string()).exit_code == 2);
    CHECK(run_profkit("top --no-such-flag " + folded.string()).exit_code == 2);
  }
  SUBCASE("missing file exits 3") { CHECK(run_profkit("top /nonexistent/x.pb.gz").exit_code == 3); }
  SUBCASE("output file written atomically") {
    auto out = tmp.path / "out.txt";
    CHECK(run_profkit("top -o " + out.string() + " " + folded.string()).exit_code == 0);
    CHECK(read_file(out).find("leaf") != std::string::npos);
  }
}
