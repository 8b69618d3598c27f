// Oracle: perfparser (KDAB, the unwinder behind hotspot) — its `.expected.txt` dumps of the
// `--call-graph dwarf` captures in ../shared/testdata/perfparser, made by PerfParserTestClient
// from perfparser's own libdw unwinding and symbolization (kallsyms off, ELF next to the data).
// profkit unwinds the same samples in-process (symbolize/unwind) and symbolizes them; for every
// sample the user frames must be the same: the same return addresses, leaf to root, and at each
// address the same chain of functions, inlined ones included.
//
// Names are compared by their unqualified identifier: perfparser qualifies inlined frames'
// DW_AT_name with the enclosing scopes ("std::generate_n<…>") while profkit prints DWARF names
// as llvm-symbolizer does ("generate_n<…>"); the identifier, template arguments and parameters
// dropped, is what both must agree on. Where several ELF symbols share an address (__hypot and
// hypot), perfparser names another alias than perf does; profkit takes perf's choice, so the
// dump's outermost name is replaced by the symbol profkit's table keeps at the dump's symbol
// address — after checking that the dump's symbol starts exactly there.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "model/diagnostics.h"
#include "parsers/registry.h"
#include "symbolize/demangle.h"
#include "symbolize/elf_symbols.h"
#include "symbolize/symbolize.h"
#include "symbolize/unwind.h"
#include "tests/support.h"

namespace profkit::test {
namespace {

struct Frame {
  uint64_t address = 0;
  std::vector<std::string> functions;  // innermost first
  bool operator<(const Frame& o) const { return std::tie(address, functions) < std::tie(o.address, o.functions); }
  bool operator==(const Frame& o) const = default;
};
using Stack = std::vector<Frame>;  // leaf first, user frames only

// "std::generate_n<…, main()::<lambda()> >(…)" -> "generate_n"; "main()::<lambda()>::operator()" -> "operator".
std::string identifier(std::string name) {
  if (name.ends_with(" (inlined)")) name.resize(name.size() - 10);
  if (name.ends_with(" (inline)")) name.resize(name.size() - 9);
  if (!name.empty() && name.back() == ')') {  // trailing parameter list
    int depth = 0;
    for (size_t i = name.size(); i-- > 0;) {
      if (name[i] == ')') ++depth;
      if (name[i] == '(' && --depth == 0) {
        name.resize(i);
        break;
      }
    }
  }
  std::string out;
  int depth = 0;
  for (char c : name) {
    if (c == '<') ++depth;
    else if (c == '>' && depth > 0) --depth;
    else if (depth == 0) out.push_back(c);
  }
  size_t colon = out.rfind("::");
  return colon == std::string::npos ? out : out.substr(colon + 2);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  parts.push_back(cur);
  return parts;
}

// Samples of a perfparser dump as a multiset of user stacks. Each physical frame is a group of
// lines ending with a symbol line that is not "(inlined)"; the group's first token is the frame's
// address and its symbol lines, in order, the inline chain (innermost first). Kernel frames are
// left out (kallsyms is off in the dump).
std::map<Stack, int64_t> read_expected(const std::string& text, std::string_view binary,
                                       const symbolize::ElfSymbols& symbols) {
  std::map<Stack, int64_t> stacks;
  Stack current;
  Frame group;
  bool in_sample = false, in_group = false;
  auto flush = [&] {
    if (in_sample) ++stacks[current];
    current.clear();
    in_sample = in_group = false;
  };
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line[0] != '\t') {  // "comm\tpid\ttid\ttime": a new sample
      flush();
      in_sample = true;
      continue;
    }
    auto fields = split(line.substr(1), '\t');
    if (fields.size() == 1) continue;  // "cycles: N"
    if (!in_group) {
      group = Frame{std::stoull(split(fields[0], ' ')[0], nullptr, 16), {}};
      in_group = true;
    }
    // "\tADDR PARENT\t[FILE:LINE:COL\t]SYMADDR SIZE[\tNAME BINARY PATH]": a symbol line ends with
    // the name after a "SYMADDR SIZE" field.
    auto hex_pair = [](const std::string& f) { return f.find_first_not_of("0123456789abcdef ") == std::string::npos; };
    if (fields.size() < 3 || !hex_pair(fields[fields.size() - 2]) || hex_pair(fields.back())) continue;
    const std::string& sym = fields.back();
    bool inlined = sym.ends_with(" (inlined)");
    // "NAME BINARY PATH " or "NAME BINARY PATH (inlined)": the name is what precedes BINARY.
    size_t at = sym.rfind(fmt::format(" {} /", binary));
    if (at != std::string::npos) {
      std::string name = sym.substr(0, at);
      if (!inlined) {  // an alias at the same address gets the name perf's rule picks
        uint64_t start = std::stoull(split(fields[fields.size() - 2], ' ')[0], nullptr, 16);
        const auto* ours = symbols.find(start);
        if (ours && ours->start == start) name = symbolize::demangle(ours->name);
      }
      group.functions.push_back(identifier(name));
    }
    if (!inlined) {
      if (!group.functions.empty()) current.push_back(group);
      in_group = false;
    }
  }
  flush();
  return stacks;
}

std::map<Stack, int64_t> read_profkit(const model::Profile& p, std::string_view binary) {
  std::map<Stack, int64_t> stacks;
  for (size_t i = 0; i < p.sample_count(); ++i) {
    Stack s;
    for (model::LocationId id : p.stack(p.sample(i).stack)) {
      const model::Location& loc = p.location(id);
      if (!loc.mapping || !p.str(p.mapping(loc.mapping).file).ends_with(binary)) continue;
      Frame f{loc.address, {}};
      for (const model::Line& l : loc.lines) f.functions.push_back(identifier(std::string(p.str(p.function(l.function).name))));
      s.push_back(std::move(f));
    }
    stacks[s] += p.values(i)[0];  // column 0: samples
  }
  return stacks;
}

std::string describe(const Stack& s) {
  std::string out;
  for (const Frame& f : s) out += fmt::format(" {:x}[{}]", f.address, fmt::join(f.functions, ","));
  return out;
}

void check_capture(const std::filesystem::path& dir, const std::string& data, const std::string& binary,
                   size_t unwind_batch = 256) {
  CAPTURE(unwind_batch);
  model::Diagnostics diag;
  symbolize::Options so;
  so.debug_dirs = {dir.string()};  // the static binary sits next to the capture
  so.kallsyms = "/dev/null";
  so.system_debug_dirs = false;
  auto factory = symbolize::make_unwinder_factory(so);
  parsers::ParseOptions po;
  po.file_name = (dir / data).string();
  po.diagnostics = &diag;
  po.unwinder = factory.get();
  po.unwind_batch = unwind_batch;
  auto loaded = parsers::load(po.file_name, po);
  REQUIRE_MESSAGE(loaded.has_value(), (loaded ? "" : loaded.error().message));
  REQUIRE(loaded->size() == 1);
  auto symbolized = symbolize::symbolize(loaded->front(), so, diag);
  REQUIRE(symbolized.has_value());

  auto expected = read_expected(read_file(dir / (data + ".expected.txt")), binary,
                                symbolize::ElfSymbols::load((dir / binary).string()));
  auto actual = read_profkit(*symbolized, binary);
  int64_t total = 0, matched = 0;
  for (const auto& [stack, n] : expected) {
    total += n;
    auto it = actual.find(stack);
    int64_t got = it == actual.end() ? 0 : it->second;
    matched += std::min(got, n);
    if (got != n) MESSAGE("perfparser x" << n << ", profkit x" << got << ":" << describe(stack));
  }
  for (const auto& [stack, n] : actual) {
    if (!expected.count(stack)) MESSAGE("only profkit x" << n << ":" << describe(stack));
  }
  MESSAGE(data << ": " << matched << " of " << total << " samples have perfparser's user stack");
  CHECK(total > 0);
  CHECK(matched == total);
}

TEST_CASE("dwarf unwinding equals perfparser's dumps (vector_static_gcc, fork_static_gcc)") {
  PROFKIT_REQUIRE_SHARED(shared);
  auto root = shared / "perfparser/tests/auto/perfdata";
  // Batch sizes: one sample (every sample handed to the worker), a few, the default, and all at
  // once (unwound on the reading thread at the end or at a maps change).
  for (size_t batch : {size_t{1}, size_t{5}, size_t{256}, size_t{1} << 20}) {
    SUBCASE("vector_static_gcc") { check_capture(root / "vector_static_gcc", "perf.data", "vector_static_gcc_v9.1.0", batch); }
    SUBCASE("fork_static_gcc (zstd, several processes)") { check_capture(root / "fork_static_gcc", "perf.data.zstd", "fork", batch); }
  }
}

}  // namespace
}  // namespace profkit::test

namespace profkit::test {
namespace {

// perfparser's cpp-inlining capture (perf 6.6, a hybrid CPU: cpu_atom/cycles:Pu/ got no samples,
// cpu_core/cycles:Pu/ all of them) and its pipe-mode contentsize.data (no arch header).
TEST_CASE("dwarf captures: hybrid events and pipe mode without an arch header") {
  PROFKIT_REQUIRE_SHARED(shared);
  auto root = shared / "perfparser/tests/auto/perfdata";
  auto top = run_profkit("top --debug-dir '" + (root / "cpp-inlining").string() + "' '" +
                         (root / "cpp-inlining/cpp-inlining.perf.data").string() + "'");
  REQUIRE(top.exit_code == 0);
  CHECK(top.out.find("Type: cpu_core/cycles:Pu/") != std::string::npos);  // perf report's first table
  CHECK(top.out.find("main") != std::string::npos);
  auto info = run_profkit("info --debug-dir '" + (root / "cpp-inlining").string() + "' '" +
                          (root / "cpp-inlining/cpp-inlining.perf.data").string() + "'");
  REQUIRE(info.exit_code == 0);
  CHECK(info.out.find("unwound stacks: 538: 492 complete") != std::string::npos);
  // Pipe mode without feature records: perf's x86_64 register mask says the layout.
  auto pipe = run_profkit("info '" + (root / "contentsize.data").string() + "'");
  REQUIRE(pipe.exit_code == 0);
  CHECK(pipe.out.find("0 unsupported") != std::string::npos);
}

}  // namespace
}  // namespace profkit::test

namespace profkit::test {
namespace {

// The hand-off of batches to the unwind worker changes nothing: the committed dwarf captures give
// the same samples, stacks and order whether each sample is its own batch (all unwound on the
// worker, added one by one) or all wait for one batch (unwound on the reading thread).
TEST_CASE("dwarf unwinding: the batch size and the worker thread change no sample") {
  const auto dir = testdata("perf");
  symbolize::Options so;
  so.debug_dirs = {(dir / "bin").string()};
  so.kallsyms = "/dev/null";
  so.system_debug_dirs = false;
  so.debuginfod = false;
  auto factory = symbolize::make_unwinder_factory(so);
  for (std::string capture : {"unwind.data", "unwind-small.data", "dwarf.data"}) {
    CAPTURE(capture);
    std::vector<std::string> dumps;
    for (size_t batch : {size_t{1}, size_t{2}, size_t{7}, size_t{256}, size_t{1} << 20}) {
      model::Diagnostics diag;
      parsers::ParseOptions po;
      po.file_name = (dir / capture).string();
      po.diagnostics = &diag;
      po.unwinder = factory.get();
      po.unwind_batch = batch;
      po.keep_timestamps = true;  // one row per sample, in the order they were added
      auto loaded = parsers::load(po.file_name, po);
      REQUIRE(loaded.has_value());
      REQUIRE(loaded->size() == 1);
      const model::Profile& p = loaded->front();
      std::string dump;
      for (size_t i = 0; i < p.sample_count(); ++i) {
        dump += fmt::format("{} {}:", p.sample(i).time_nanos, p.values(i)[0]);
        for (model::LocationId id : p.stack(p.sample(i).stack)) dump += fmt::format(" {:x}", p.location(id).address);
        dump += '\n';
      }
      dumps.push_back(std::move(dump));
    }
    CHECK(std::count(dumps[0].begin(), dumps[0].end(), '\n') > 60);
    for (size_t i = 1; i < dumps.size(); ++i) CHECK(dumps[i] == dumps[0]);
  }
}

}  // namespace
}  // namespace profkit::test
