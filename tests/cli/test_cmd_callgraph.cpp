// Oracle: `go tool pprof -dot` (go1.19) output for pprof's sample.cpu, helper-generated into
// ../shared/testdata/pprof/internal/report/testdata/sample.cpu.gopprof119.dot: the same nodes (name,
// flat/cum label, order) and the same edges with their weights, with the same default pruning
// (nodefraction 0.005, edgefraction 0.001, nodecount 80).
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <regex>
#include <set>

#include "tests/support.h"

using profkit::test::run_profkit;

namespace {

// Node lines "N<i> [label=…" and edge lines "N<a> -> N<b> [label=\" value…\"": the structure.
std::vector<std::string> structure(const std::string& dot) {
  std::vector<std::string> out;
  std::regex node(R"re(^(N\d+) \[label="([^"]*)")re"), edge(R"re(^(N\d+ -> N\d+) \[label="([^"]*)")re");
  std::istringstream in(dot);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_search(line, m, edge) || std::regex_search(line, m, node)) out.push_back(m[1].str() + " " + m[2].str());
  }
  return out;
}

}  // namespace

TEST_CASE("cli::callgraph equals go tool pprof -dot structure on sample.cpu") {
  PROFKIT_REQUIRE_SHARED(shared);
  auto dir = shared / "pprof/internal/report/testdata";
  profkit::test::TempDir tmp;
  auto out = tmp.path / "g.dot";
  auto r = run_profkit(fmt::format("callgraph '{}' -o '{}'", (dir / "sample.cpu").string(), out.string()));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto got = structure(profkit::test::read_file(out));
  auto want = structure(profkit::test::read_file(dir / "sample.cpu.gopprof119.dot"));
  CHECK(want.size() == 29);  // 14 nodes, 15 edges
  CHECK(got == want);
}

TEST_CASE("cli::callgraph outputs") {
  profkit::test::TempDir tmp;
  auto in = tmp.path / "s.folded";
  profkit::test::write_file(in, "main;a;leaf 60\nmain;b;leaf 30\nmain;c 10\n");
  SUBCASE("dot on stdout is deterministic") {
    auto a = run_profkit(fmt::format("callgraph '{}'", in.string()));
    auto b = run_profkit(fmt::format("callgraph '{}'", in.string()));
    CHECK(a.exit_code == 0);
    CHECK(a.out == b.out);
    CHECK(a.out.find("digraph") == 0);
    CHECK(a.out.find("N1 [label=\"leaf\\n90 (90.00%)\"") != std::string::npos);
  }
  SUBCASE("svg through dot") {
    auto out = tmp.path / "g.svg";
    auto r = run_profkit(fmt::format("callgraph '{}' -o '{}'", in.string(), out.string()));
    if (r.exit_code == 3 && r.err.find("dot") != std::string::npos) {
      MESSAGE("skipped: Graphviz dot is not installed");
      return;
    }
    CHECK(r.exit_code == 0);
    CHECK(profkit::test::read_file(out).find("<svg") != std::string::npos);
  }
  SUBCASE("svg without dot on PATH is an input/environment error (exit 3)") {
    auto out = tmp.path / "g.svg";
    std::string cmd = std::string("env PATH=/nonexistent '") + PROFKIT_BINARY + "' callgraph '" + in.string() + "' -o '" +
                      out.string() + "' >/dev/null 2>&1";
    int status = std::system(cmd.c_str());
    CHECK(WEXITSTATUS(status) == 3);
  }
}
