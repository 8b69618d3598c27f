// Oracle: `perf report --stdio --no-children -g none` (linux-perf, run live; perf 6.1 here) on the
// perf.data files of ../shared/testdata (see its MANIFEST.md): quipper's captures (perf 3.2–6.12,
// x86_64/i686/armv7, file and pipe mode, groups, branch stacks), perfparser's (dwarf, LBR, zstd),
// hotspot's and linux-perf-data's. For every row above 0.5 % self of perf's table, profkit top's
// flat% agrees within 0.1 percentage points, and every profkit row above 0.5 % exists in perf's.
//
// The binaries of most captures are not in the corpus and the kernels are not this machine's, so
// neither tool may look at this machine's files: both get an empty --symfs and --kallsyms /dev/null.
// What both can then see, and what is compared:
// * per binary, for every file perf can read: `--sort dso,sym` (rows summed per dso) against
//   `profkit top -g binaries`. Names are mapped: profkit's "[libc.so.6]" is perf's "libc.so.6",
//   "[ath9k.ko]" is "[ath9k]", "<unknown>" is "[unknown]"; perf names kernel samples of a capture
//   without a kernel map "[unknown]" although it marks them [k]: those count as [kernel.kallsyms].
// * per symbol, for the captures whose binaries ship with the corpus (perfparser's static gcc
//   binaries, placed at the recorded path in a --symfs tree): `--sort sym` against `profkit top
//   --no-inlines` (perf names the symbol an address falls in), both --no-demangle so names are the
//   ELF symbol table's. perf lists unsymbolized kernel samples per address ("[k] 0xffff…"),
//   profkit as one "[kernel.kallsyms]" row: perf's are summed into that row.
// * each event of a multi-event file (`--event NAME`; perf's names carry modifiers such as
//   ":ppH" that profkit drops when the file has no event descriptions); perf with --no-group
//   (one table per event, not group columns) and --no-branch-stack (a histogram of samples, not
//   of branches).
// Files perf cannot read here are listed with perf's reason. With perf 6.1 those are: the perf
// 6.5/6.6/6.16 captures cpp-inlining.perf.data, sleep.data and sleep.compressed.data ("more
// recent and unsupported ABI": a larger perf_event_attr), sleep.compressed2.pipe.data
// (PERF_RECORD_COMPRESSED2, type 83, is newer than perf 6.1), perf.data.true.v1 (the v1 format:
// perf finds no samples), and the deliberately broken perf.data.broken.gz and
// piped.corrupted.zero_size_sample-3.2. kKnownDisagreements lists the files where profkit is
// known to differ and why (reported as warnings until fixed).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support.h"

namespace fs = std::filesystem;
using profkit::test::read_file;
using profkit::test::run_profkit;

namespace {

// The perf.data files of the shared corpus, relative to ../shared/testdata.
const char* const kCorpusFiles[] = {
    "perfparser/tests/auto/perfdata/vector_static_gcc/perf.data",
    "perfparser/tests/auto/perfdata/vector_static_gcc/perf.lbr.data",
    "perfparser/tests/auto/perfdata/fork_static_gcc/perf.data.zstd",
    "perfparser/tests/auto/perfdata/cpp-inlining/cpp-inlining.perf.data",
    "perfparser/tests/auto/perfdata/probe.data.file",
    "perfparser/tests/auto/perfdata/contentsize.data",
    "hotspot/tests/integrationtests/file_content/perf.data.true.v1",
    "hotspot/tests/integrationtests/file_content/perf.data.true.v2",
    "hotspot/tests/integrationtests/file_content/perf.data.broken.gz",
    "linux-perf-data/tests/fixtures/sleep.data",
    "linux-perf-data/tests/fixtures/sleep.compressed.data",
    "linux-perf-data/tests/fixtures/sleep.compressed2.pipe.data",
    "perf_data_converter/src/testdata/single-event-single-process.perf.data",
    "perf_data_converter/src/testdata/with-callchain.perf.data",
    "perf_data_converter/src/quipper/testdata/perf.data.armv7.perf_3.14-3.8",
    "perf_data_converter/src/quipper/testdata/perf.data.branch-4.14",
    "perf_data_converter/src/quipper/testdata/perf.data.callgraph-3.8",
    "perf_data_converter/src/quipper/testdata/perf.data.group_desc-4.14",
    "perf_data_converter/src/quipper/testdata/perf.data.hw_and_sw-3.4",
    "perf_data_converter/src/quipper/testdata/perf.data.hybrid_topology",
    "perf_data_converter/src/quipper/testdata/perf.data.i686-3.4",
    "perf_data_converter/src/quipper/testdata/perf.data.lost_samples-4.4",
    "perf_data_converter/src/quipper/testdata/perf.data.piped.corrupted.zero_size_sample-3.2",
    "perf_data_converter/src/quipper/testdata/perf.data.piped.header_features-4.16",
    "perf_data_converter/src/quipper/testdata/perf.data.piped.header_features_aligned-6.12",
    "perf_data_converter/src/quipper/testdata/perf.data.piped.lost_samples-4.4",
    "perf_data_converter/src/quipper/testdata/perf.data.piped.target-3.4",
    "perf_data_converter/src/quipper/testdata/perf.data.proc.map.timeout-3.18",
    "perf_data_converter/src/quipper/testdata/perf.data.remmap-3.2",
    "perf_data_converter/src/quipper/testdata/perf.data.singleprocess-3.4",
    "perf_data_converter/src/quipper/testdata/perf.data.systemwide.0-3.8",
    "perf_data_converter/src/quipper/testdata/perf.data.weight_struct",
};

// Binaries shipped with the corpus, at the path their capture recorded (for the --symfs tree).
struct SymfsEntry {
  const char* recorded_path;
  const char* corpus_path;  // relative to ../shared/testdata
};
const SymfsEntry kSymfsBinaries[] = {
    {"/home/milian/projects/kdab/rnd/hotspot/3rdparty/perfparser/tests/auto/perfdata/vector_static_gcc/"
     "vector_static_gcc_v9.1.0",
     "perfparser/tests/auto/perfdata/vector_static_gcc/vector_static_gcc_v9.1.0"},
    {"/home/dknysh/kdab-disasm-fraames/hotspot/3rdparty/perfparser/tests/auto/perfdata/vector_static_gcc/"
     "vector_static_gcc_v9.1.0",
     "perfparser/tests/auto/perfdata/vector_static_gcc/vector_static_gcc_v9.1.0"},
    {"/home/milian/projects/kdab/rnd/hotspot/3rdparty/perfparser/tests/auto/perfdata/fork_static_gcc/fork",
     "perfparser/tests/auto/perfdata/fork_static_gcc/fork"},
};

// The captures compared per symbol as well (their binaries are in kSymfsBinaries).
const char* const kSymbolFiles[] = {
    "perfparser/tests/auto/perfdata/vector_static_gcc/perf.data",
    "perfparser/tests/auto/perfdata/vector_static_gcc/perf.lbr.data",
    "perfparser/tests/auto/perfdata/fork_static_gcc/perf.data.zstd",
};

// Files where profkit is known to disagree with perf report, and why. Their deviations are
// reported as warnings; remove the entry once profkit agrees.
const std::map<std::string, std::string> kKnownDisagreements = {};

bool have_perf() {
  return std::system("perf --version >/dev/null 2>&1") == 0;
}

// One "# Samples: … of event 'NAME'" section of perf report: row name -> self percent.
struct PerfSection {
  std::string event;
  std::map<std::string, double> rows;
};

enum class Granularity { kBinary, kSymbol };

// A kernel module as perf names it: "[name]" with '-' as '_' (kmod_path__parse).
std::string module_name(std::string file) {
  file.resize(file.size() - 3);  // ".ko"
  std::replace(file.begin(), file.end(), '-', '_');
  return "[" + file + "]";
}

// Parses perf report's tables, printed with the period column ("-F period,dso,sym" or
// "-F period,sym"): percentages are summed from exact periods, since rows summed from perf's
// two-decimal percentages would accumulate rounding (hundreds of kernel addresses per binary).
std::vector<PerfSection> parse_perf_report(const std::string& text, Granularity g) {
  static const std::regex kSection(R"(^# Samples: .* of events? '(.*)'$)");
  static const std::regex kRow(R"(^\s*([0-9]+)\s+(.*?)\s*\[(.)\] (.*?)\s*$)");
  std::vector<PerfSection> out;
  std::vector<double> totals;  // period sum per section
  std::istringstream in(text);
  std::string line;
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_match(line, m, kSection)) {
      out.push_back(PerfSection{m[1].str(), {}});
      totals.push_back(0);
      continue;
    }
    if (out.empty() || line.empty() || line[0] == '#' || !std::regex_match(line, m, kRow)) continue;
    double period = std::strtod(m[1].str().c_str(), nullptr);
    std::string dso = m[2].str(), mark = m[3].str(), sym = m[4].str();
    bool kernel = mark == "k";
    std::string key;
    if (g == Granularity::kBinary) {
      key = (kernel && dso == "[unknown]") ? "[kernel.kallsyms]" : dso;
    } else {
      key = (kernel && sym.starts_with("0x")) ? "[kernel.kallsyms]" : sym;
    }
    out.back().rows[key] += period;
    totals.back() += period;
  }
  for (size_t i = 0; i < out.size(); ++i) {
    for (auto& [name, value] : out[i].rows) value = totals[i] > 0 ? 100.0 * value / totals[i] : 0.0;
  }
  return out;
}

// Splits one CSV line (RFC 4180 quoting: C++ names carry commas).
std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> cells(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cells.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cells.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      cells.emplace_back();
    } else {
      cells.back() += c;
    }
  }
  return cells;
}

// A profkit row name in perf's spelling (see the header comment).
std::string perf_spelling(std::string name, Granularity g) {
  if (name == "<unknown>") return "[unknown]";
  if (name.size() >= 2 && name.front() == '[' && name.back() == ']') {
    std::string inner = name.substr(1, name.size() - 2);
    if (inner == "[kernel.kallsyms]") return inner;
    if (g == Granularity::kBinary) return inner.ends_with(".ko") ? module_name(inner) : inner;
  }
  return name;
}

// profkit top -f csv: name -> flat%.
std::map<std::string, double> parse_profkit_csv(const std::string& text, Granularity g) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);  // header: flat,flat%,sum%,cum,cum%,name,...
  while (std::getline(in, line)) {
    auto cells = split_csv(line);
    if (cells.size() < 6) continue;
    out[perf_spelling(cells[5], g)] += std::strtod(cells[1].c_str(), nullptr);
  }
  return out;
}

std::string quoted(const fs::path& p) {
  return "'" + p.string() + "'";
}

// Runs profkit top on one event of `file` (`event` empty: the default column). perf's event
// names may carry modifiers (":ppH") that profkit leaves out; the bare name is tried then.
profkit::test::RunResult profkit_top(const fs::path& file, const std::string& event, Granularity g,
                                     const fs::path& symfs) {
  std::string args = g == Granularity::kBinary ? "top -g binaries" : "top --no-inlines --no-demangle";
  args += " -f csv --nodefraction 0 --symfs " + quoted(symfs) + " --kallsyms /dev/null " + quoted(file);
  if (event.empty()) return run_profkit(args);
  auto r = run_profkit(args + " --event '" + event + "'");
  size_t colon = event.find(':');
  if (r.exit_code != 0 && colon != std::string::npos && event.find('/') == std::string::npos) {
    r = run_profkit(args + " --event '" + event.substr(0, colon) + "'");
  }
  return r;
}

// The first line of perf's complaint, for the list of files not compared.
std::string first_error_line(const std::string& err) {
  std::istringstream in(err);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line == "Error:" || line.starts_with("Warning:")) continue;
    return line;
  }
  return "no samples in perf's report";
}

struct Totals {
  int files = 0;
  int rows = 0;
  double max_deviation = 0;  // percentage points, over the asserted rows
};

// Compares one section at one granularity; `strict` false reports deviations as warnings.
// Returns the number of disagreeing rows.
int compare(const std::map<std::string, double>& theirs, const std::map<std::string, double>& ours, bool strict,
            Totals& totals) {
  int disagreements = 0;
  auto check = [&](bool ok, const std::string& what) {
    if (!ok) ++disagreements;
    if (strict) {
      CHECK_MESSAGE(ok, what);
    } else {
      WARN_MESSAGE(ok, what);
    }
  };
  for (const auto& [name, pct] : theirs) {
    if (pct <= 0.5) continue;
    auto it = ours.find(name);
    double mine = it == ours.end() ? 0.0 : it->second;
    double deviation = std::fabs(mine - pct);
    std::ostringstream what;
    what << name << ": perf report " << pct << "%, profkit "
         << (it == ours.end() ? "no row" : std::to_string(mine) + "%");
    check(deviation <= 0.1, what.str());
    if (strict) {
      totals.max_deviation = std::max(totals.max_deviation, deviation);
      ++totals.rows;
    }
  }
  for (const auto& [name, pct] : ours) {
    if (pct <= 0.5 || theirs.count(name)) continue;
    check(false, "profkit row " + name + " at " + std::to_string(pct) + "% has no row in perf report");
  }
  return disagreements;
}

}  // namespace

TEST_CASE("cli::top agrees with perf report on self % for the shared corpus perf.data files") {
  PROFKIT_REQUIRE_SHARED(shared);
  if (!have_perf()) {
    MESSAGE("skipped: perf is not installed");
    return;
  }
  profkit::test::TempDir tmp;
  const fs::path empty_symfs = tmp.path / "empty-symfs", symfs = tmp.path / "symfs";
  fs::create_directories(empty_symfs);
  for (const SymfsEntry& e : kSymfsBinaries) {
    fs::path link = symfs / fs::path(e.recorded_path).relative_path();
    fs::create_directories(link.parent_path());
    fs::create_symlink(shared / e.corpus_path, link);
  }
  const fs::path report = tmp.path / "report.txt", report_err = tmp.path / "report.err";
  // perf report's sections for `file`, or its complaint.
  auto perf_report = [&](const fs::path& file, Granularity g, const fs::path& tree, std::string& complaint) {
    std::string cmd =
        "perf report -i " + quoted(file) +
        " --stdio --no-children -g none --percent-limit 0 --no-group --no-branch-stack"
        " --kallsyms /dev/null --symfs " +
        quoted(tree) +
        (g == Granularity::kBinary ? " --sort dso,sym -F period,dso,sym" : " --no-demangle --sort sym -F period,sym") +
        " >" + quoted(report) + " 2>" + quoted(report_err);
    int status = std::system(cmd.c_str());
    auto sections = parse_perf_report(read_file(report), g);
    if (status != 0 || sections.empty()) complaint = first_error_line(read_file(report_err));
    return sections;
  };

  Totals totals[2];
  std::vector<std::string> compared, not_compared;
  for (std::string rel : kCorpusFiles) {
    CAPTURE(rel);
    const fs::path file = shared / rel;
    if (!fs::exists(file)) {
      not_compared.push_back(rel + ": absent from the corpus");
      continue;
    }
    auto known = kKnownDisagreements.find(rel);
    const bool strict = known == kKnownDisagreements.end();
    int disagreements = 0;
    std::string how;
    for (Granularity g : {Granularity::kBinary, Granularity::kSymbol}) {
      if (g == Granularity::kSymbol && std::ranges::find(kSymbolFiles, rel) == std::end(kSymbolFiles)) continue;
      const std::string granularity = g == Granularity::kBinary ? "per binary" : "per symbol";
      CAPTURE(granularity);
      const fs::path& tree = g == Granularity::kBinary ? empty_symfs : symfs;
      std::string complaint;
      auto sections = perf_report(file, g, tree, complaint);
      if (!complaint.empty()) {
        not_compared.push_back(rel + ": perf report cannot read it here (" + complaint + ")");
        break;
      }
      for (const PerfSection& section : sections) {
        CAPTURE(section.event);
        auto r = profkit_top(file, sections.size() > 1 ? section.event : "", g, tree);
        CHECK_MESSAGE(r.exit_code == 0, r.err);
        if (r.exit_code != 0) continue;
        disagreements += compare(section.rows, parse_profkit_csv(r.out, g), strict, totals[static_cast<int>(g)]);
      }
      if (strict) ++totals[static_cast<int>(g)].files;
      how += (how.empty() ? "" : ", ") + granularity;
    }
    if (how.empty()) continue;
    compared.push_back(rel + " (" + how + (strict ? "" : "; known disagreement, warnings only") + ")");
    if (!strict && disagreements > 0)
      MESSAGE(rel << ": " << disagreements << " rows disagree, known: " << known->second);
    if (!strict && disagreements == 0) MESSAGE(rel << " agrees now: remove it from kKnownDisagreements");
  }
  for (const std::string& what : compared) MESSAGE("compared: " << what);
  for (const std::string& why : not_compared) MESSAGE("not compared: " << why);
  MESSAGE("per binary: " << totals[0].files << " files, " << totals[0].rows << " rows above 0.5 %, max deviation "
                         << totals[0].max_deviation << " pp; per symbol: " << totals[1].files << " files, "
                         << totals[1].rows << " rows, max deviation " << totals[1].max_deviation << " pp");
  CHECK(totals[0].files > 0);
}
