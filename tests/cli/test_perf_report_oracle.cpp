// Oracle: `perf report --stdio --no-children -g none --sort sym` (linux-perf, run live) on the
// captures scripts/gen-perf-captures.sh committed under testdata/perf. For every user-space
// symbol above 0.5 % self, profkit top's flat% (with --no-inlines, since perf reports the symbol
// an address falls in, not inlined callees) agrees within 0.1 percentage points.
// perf finds the binaries through a --symfs tree that mirrors the recorded path; skips when perf
// is absent or cannot read the capture.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>
#include <vector>

#include "tests/support.h"

namespace fs = std::filesystem;
using profkit::test::read_file;
using profkit::test::run_profkit;

namespace {

bool have_perf() { return std::system("perf --version >/dev/null 2>&1") == 0; }

// "  99.51%  [.] spin" lines -> symbol -> percent, user-space ([.]) symbols only, of the first
// event's section (profkit's default column is the first event too).
std::map<std::string, double> parse_perf_report(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  int sections = 0;
  while (std::getline(in, line)) {
    if (line.starts_with("# Samples:") && ++sections > 1) break;
    if (line.empty() || line[0] == '#') continue;
    size_t pct = line.find('%');
    size_t mark = line.find("[.] ");
    if (pct == std::string::npos || mark == std::string::npos) continue;
    double v = std::strtod(line.c_str(), nullptr);
    std::string sym = line.substr(mark + 4);
    while (!sym.empty() && sym.back() == ' ') sym.pop_back();
    out[sym] += v;
  }
  return out;
}

// CSV rows of profkit top: flat%, name.
std::map<std::string, double> parse_profkit_csv(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::string cell;
    std::istringstream ls(line);
    while (std::getline(ls, cell, ',')) f.push_back(cell);
    if (f.size() < 6) continue;
    out[f[5]] = std::strtod(f[1].c_str(), nullptr);
  }
  return out;
}

}  // namespace

TEST_CASE("cli::top agrees with perf report on self % for the committed captures") {
  if (!have_perf()) {
    MESSAGE("skipped: perf is not installed");
    return;
  }
  profkit::test::TempDir tmp;
  // A symfs tree where the recorded path /opt/profkit-perf/<binary> resolves to testdata/perf/bin.
  fs::path symfs = tmp.path / "symfs";
  fs::create_directories(symfs / "opt");
  fs::create_directory_symlink(profkit::test::testdata("perf/bin"), symfs / "opt" / "profkit-perf");
  int compared_symbols = 0;
  for (std::string capture : {"fp.data", "two-events.data", "zstd.data", "stripped.data", "pipe.data"}) {
    CAPTURE(capture);
    fs::path data = profkit::test::testdata("perf/" + capture);
    fs::path report = tmp.path / "report.txt";
    std::string cmd = "perf report -i '" + data.string() + "' --symfs '" + symfs.string() +
                      "' --stdio --no-children -g none --sort sym > '" + report.string() + "' 2>/dev/null";
    if (capture == "pipe.data") {
      cmd = "perf report -i - --symfs '" + symfs.string() + "' --stdio --no-children -g none --sort sym < '" +
            data.string() + "' > '" + report.string() + "' 2>/dev/null";
    }
    if (std::system(cmd.c_str()) != 0) {
      MESSAGE("skipped " << capture << ": perf report could not read it here");
      continue;
    }
    auto theirs = parse_perf_report(read_file(report));
    auto r = run_profkit("top --no-inlines -f csv --nodefraction 0 --debug-dir '" +
                         profkit::test::testdata("perf/bin").string() + "' '" + data.string() + "'");
    REQUIRE(r.exit_code == 0);
    auto ours = parse_profkit_csv(r.out);
    for (const auto& [sym, pct] : theirs) {
      if (pct <= 0.5) continue;
      CAPTURE(sym);
      REQUIRE_MESSAGE(ours.count(sym), "profkit has no row for " << sym);
      CHECK(std::fabs(ours[sym] - pct) <= 0.1);
      ++compared_symbols;
    }
  }
  MESSAGE("compared " << compared_symbols << " symbols above 0.5 %");
}
