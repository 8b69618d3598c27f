// Oracle: linux-perf, run live on the --call-graph dwarf captures of scripts/gen-unwind-captures.sh
// (testdata/perf/unwind*.data: an -O2 C++ program without frame pointers, libstdc++ and libc
// from the system).
//  - `perf script --no-inline -F comm,ip,sym,dso`: perf unwinds each sample with its own libdw
//    unwinder; for >= 99 % of samples profkit's leaf-to-root sequence of functions (the symbol
//    each frame falls in) is the same.
//  - `perf report --no-children -g none --sort sym`: self % within 0.5 points for every symbol
//    above 1 %.
//  - unwind-small.data was recorded with an 512-byte stack copy: stacks that outgrow it end in a
//    [truncated] frame, and `profkit info` counts them.
// perf and profkit find the binaries through the same --symfs tree (the recorded /opt path maps
// to testdata/perf/bin; /usr and /lib are the system's). Skips when perf is absent or cannot
// read the captures.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>
#include <vector>

#include "analysis/stackcollapse_view.h"
#include "tests/support.h"

namespace fs = std::filesystem;
using profkit::test::read_file;
using profkit::test::run_profkit;

namespace {

bool have_perf() { return std::system("perf --version >/dev/null 2>&1") == 0; }

struct Symfs {
  profkit::test::TempDir tmp;
  fs::path root = tmp.path / "symfs";
  Symfs() {
    fs::create_directories(root / "opt");
    fs::create_directory_symlink(profkit::test::testdata("perf/bin"), root / "opt" / "profkit-perf");
    for (const char* dir : {"usr", "lib", "lib64"}) {
      if (fs::exists(fs::path("/") / dir)) fs::create_directory_symlink(fs::path("/") / dir, root / dir);
    }
  }
};

// Both sides spell a frame as perf prints a symbol: demangled without parameters (and so without
// a template's return type). profkit's top shows pprof-style names with parameters.
// A frame without a symbol is "[unknown]" in perf script and "[dso]" in the folded output (as
// stackcollapse-perf.pl writes it): both mean the same, e.g. libc's local __libc_start_call_main
// where libc has no debug file.
std::string tidy(const std::string& name) {
  if (name.size() >= 2 && name.front() == '[' && name.back() == ']' && name != "[truncated]") return "[unknown]";
  return profkit::analysis::tidy_function_name(name);
}

// perf script samples: "comm ip sym (dso)" frame lines, leaf first -> "comm;root;…;leaf" counts.
std::map<std::string, int64_t> perf_script_stacks(const std::string& text) {
  std::map<std::string, int64_t> out;
  std::istringstream in(text);
  std::string line, comm;
  std::vector<std::string> frames;
  bool in_sample = false;
  auto flush = [&] {
    if (!in_sample) return;
    std::string key = comm;
    for (auto it = frames.rbegin(); it != frames.rend(); ++it) key += ";" + *it;
    ++out[key];
    frames.clear();
    in_sample = false;
  };
  while (std::getline(in, line)) {
    if (line.empty()) {
      flush();
      continue;
    }
    if (line[0] != '\t' && line[0] != ' ') {
      flush();
      comm = line.substr(0, line.find(' '));
      in_sample = true;
      continue;
    }
    size_t start = line.find_first_not_of(" \t");
    size_t sp = line.find(' ', start);  // after the ip
    size_t dso = line.rfind(" (");
    if (sp == std::string::npos || dso == std::string::npos || dso <= sp) continue;
    frames.push_back(tidy(line.substr(sp + 1, dso - sp - 1)));
  }
  flush();
  return out;
}

// profkit convert -o x.folded: "comm;root;…;leaf count" (count = samples with --value samples).
std::map<std::string, int64_t> folded_stacks(const std::string& text) {
  std::map<std::string, int64_t> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    size_t sp = line.rfind(' ');
    if (sp == std::string::npos) continue;
    std::string stack;
    std::istringstream fs(line.substr(0, sp));
    std::string frame;
    while (std::getline(fs, frame, ';')) stack += (stack.empty() ? "" : ";") + tidy(frame);
    out[stack] += std::stoll(line.substr(sp + 1));
  }
  return out;
}

std::map<std::string, double> perf_report_self(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t mark = line.find("] ");
    if (line.find('%') == std::string::npos || mark == std::string::npos) continue;
    std::string sym = line.substr(mark + 2);
    while (!sym.empty() && sym.back() == ' ') sym.pop_back();
    out[tidy(sym)] += std::strtod(line.c_str(), nullptr);
  }
  return out;
}

std::map<std::string, double> profkit_csv_flat(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    // flat,flat%,sum%,cum,cum%,name — the name may hold commas (quoted).
    std::vector<std::string> f;
    size_t pos = 0;
    for (int i = 0; i < 5; ++i) {
      size_t comma = line.find(',', pos);
      if (comma == std::string::npos) break;
      f.push_back(line.substr(pos, comma - pos));
      pos = comma + 1;
    }
    if (f.size() < 5) continue;
    std::string name;
    if (pos < line.size() && line[pos] == '"') {
      for (size_t i = pos + 1; i < line.size(); ++i) {
        if (line[i] == '"' && i + 1 < line.size() && line[i + 1] == '"') {
          name.push_back('"');
          ++i;
        } else if (line[i] == '"') {
          break;
        } else {
          name.push_back(line[i]);
        }
      }
    } else {
      name = line.substr(pos, line.find(',', pos) - pos);
    }
    out[tidy(name)] += std::strtod(f[1].c_str(), nullptr);
  }
  return out;
}

}  // namespace

TEST_CASE("dwarf unwinding agrees with perf script and perf report on own captures") {
  if (!have_perf()) {
    MESSAGE("skipped: perf is not installed");
    return;
  }
  Symfs symfs;
  const fs::path data = profkit::test::testdata("perf/unwind.data");
  const std::string sym = " --symfs '" + symfs.root.string() + "' ";
  const fs::path script = symfs.tmp.path / "script.txt";
  if (std::system(("perf script -i '" + data.string() + "'" + sym + "--no-inline -F comm,ip,sym,dso > '" +
                   script.string() + "' 2>/dev/null").c_str()) != 0) {
    MESSAGE("skipped: perf script could not read unwind.data here");
    return;
  }
  auto theirs = perf_script_stacks(read_file(script));

  const fs::path folded = symfs.tmp.path / "ours.folded";
  auto r = run_profkit("convert '" + data.string() + "'" + sym + "--sample-index samples -o '" + folded.string() + "'");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto ours = folded_stacks(read_file(folded));

  int64_t total = 0, same = 0;
  for (const auto& [stack, n] : theirs) {
    total += n;
    auto it = ours.find(stack);
    int64_t got = it == ours.end() ? 0 : it->second;
    same += std::min(got, n);
    if (got < n) MESSAGE("perf script x" << n << ", profkit x" << got << ": " << stack);
  }
  MESSAGE(same << " of " << total << " samples have perf script's leaf-to-root functions");
  CHECK(total > 100);
  CHECK(same * 100 >= total * 99);

  const fs::path report = symfs.tmp.path / "report.txt";
  REQUIRE(std::system(("perf report -i '" + data.string() + "'" + sym + "--stdio --no-children -g none --sort sym > '" +
                       report.string() + "' 2>/dev/null").c_str()) == 0);
  auto self = perf_report_self(read_file(report));
  auto top = run_profkit("top --no-inlines -f csv --nodefraction 0" + sym + "'" + data.string() + "'");
  REQUIRE(top.exit_code == 0);
  auto flat = profkit_csv_flat(top.out);
  int compared = 0;
  for (const auto& [name, pct] : self) {
    if (pct <= 1.0) continue;
    CAPTURE(name);
    REQUIRE_MESSAGE(flat.count(name), "profkit has no row for " << name);
    CHECK(std::fabs(flat[name] - pct) <= 0.5);
    ++compared;
  }
  CHECK(compared >= 3);
}

TEST_CASE("a stack that outgrows the copy ends in [truncated]") {
  Symfs symfs;
  const fs::path data = profkit::test::testdata("perf/unwind-small.data");
  const std::string sym = " --symfs '" + symfs.root.string() + "' ";
  auto info = run_profkit("info" + sym + "'" + data.string() + "'");
  REQUIRE(info.exit_code == 0);
  CHECK(info.out.find("call-graph: dwarf (stack copy 512 bytes)") != std::string::npos);
  size_t at = info.out.find("unwound stacks: ");
  REQUIRE(at != std::string::npos);
  CHECK(info.out.find("0 truncated", at) == std::string::npos);  // some were
  CHECK(info.err.find("[truncated]") != std::string::npos);      // and the warning says what to do

  const fs::path folded = symfs.tmp.path / "small.folded";
  auto r = run_profkit("convert '" + data.string() + "'" + sym + "-o '" + folded.string() + "'");
  REQUIRE(r.exit_code == 0);
  auto stacks = folded_stacks(read_file(folded));
  int64_t truncated = 0;
  for (const auto& [stack, n] : stacks) {
    size_t mark = stack.find("[truncated]");
    if (mark == std::string::npos) continue;
    truncated += n;
    // The marker sits at the root end of the user part (right after the comm), never inside.
    CHECK(stack.rfind("[truncated]") == mark);
    CHECK(stack.substr(0, mark) == "unwind;");
  }
  CHECK(truncated > 0);
}
