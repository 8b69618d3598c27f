// Oracle tests of both symbolization backends: llvm-symbolizer (LLVM 14) on the same addresses,
// pprof's and Parca's symbolized outputs, and perfparser's inline facts.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>
#include <unordered_map>

#include "symbolize/elf_file.h"
#include "tests/symbolize/symbolize_test_util.h"

using namespace profkit;
using test::MappingSpec;

namespace {

// Parses llvm-symbolizer's LLVM-style output with --print-address:
// "0xADDR\nfunction\nfile:line:column\n[function\nfile:line:column\n…]\n\n" into our frames_text form.
std::map<uint64_t, std::string> parse_llvm_symbolizer(const std::string& text) {
  std::map<uint64_t, std::string> out;
  std::istringstream in(text);
  std::string line;
  uint64_t addr = 0;
  bool have_addr = false;
  std::string chain;
  std::string function;
  bool want_function = true;
  auto flush = [&] {
    if (have_addr) out[addr] = chain;
    have_addr = false;
    chain.clear();
    want_function = true;
  };
  while (std::getline(in, line)) {
    if (line.empty()) {
      flush();
      continue;
    }
    if (!have_addr) {
      addr = std::stoull(line, nullptr, 16);
      have_addr = true;
      continue;
    }
    if (want_function) {
      function = line == "??" ? "" : line;
      want_function = false;
      continue;
    }
    // file:line:column; the file may itself contain ':'.
    size_t c2 = line.rfind(':');
    size_t c1 = line.rfind(':', c2 - 1);
    std::string file = line.substr(0, c1);
    if (file == "??") file.clear();
    want_function = true;
    if (function.empty() && file.empty() && line.substr(c1 + 1) == "0:0") continue;  // "??" = unresolved
    if (!chain.empty()) chain += " <- ";
    chain += fmt::format("{} {}:{}:{}", function, file, line.substr(c1 + 1, c2 - c1 - 1), line.substr(c2 + 1));
    want_function = true;
  }
  flush();
  return out;
}

std::string run_command(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

std::string find_llvm_symbolizer() {
  for (const char* p : {"/usr/bin/llvm-symbolizer-14", "/usr/lib/llvm-14/bin/llvm-symbolizer"}) {
    if (std::filesystem::exists(p)) return p;
  }
  return {};
}

std::vector<uint64_t> read_addrs(const std::filesystem::path& p) {
  std::vector<uint64_t> v;
  std::istringstream in(test::read_file(p));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) v.push_back(std::stoull(line, nullptr, 16));
  }
  return v;
}

// A mapping of `binary`'s executable PT_LOAD at a PIE-like base, as perf records it.
MappingSpec text_mapping(const std::string& binary, uint64_t base, const std::vector<uint64_t>& rel_addrs) {
  auto info = symbolize::read_elf_info(binary);
  REQUIRE(info);
  const symbolize::LoadSegment* text = nullptr;
  for (const auto& s : info->loads) {
    if (s.executable) text = &s;
  }
  REQUIRE(text);
  uint64_t load_bias = info->type == 3 ? base : 0;  // ET_DYN moves, ET_EXEC does not
  MappingSpec m;
  m.file = binary;
  m.build_id = info->build_id;
  m.start = text->vaddr + load_bias;
  m.limit = m.start + text->memsz;
  m.file_offset = text->offset;
  for (uint64_t a : rel_addrs) m.addrs.push_back(a + load_bias);
  return m;
}

// Symbolizes `rel_addrs` of `binary` with `backend`; returns rel_addr -> frames_text.
std::map<uint64_t, std::string> symbolize_with(const std::string& backend, const std::string& binary,
                                               const std::vector<uint64_t>& rel_addrs, bool demangled = false) {
  const uint64_t base = 0x555555554000;
  MappingSpec m = text_mapping(binary, base, rel_addrs);
  auto in = test::make_unsymbolized({m});
  model::Diagnostics diags;
  auto out = symbolize::symbolize(in, test::hermetic_options(backend), diags);
  REQUIRE(out);
  std::unordered_map<uint64_t, const model::Location*> by_addr;
  for (const model::Location& l : out->locations()) by_addr.emplace(l.address, &l);
  std::map<uint64_t, std::string> result;
  for (size_t i = 0; i < rel_addrs.size(); ++i) {
    auto it = by_addr.find(m.addrs[i]);
    result[rel_addrs[i]] = it == by_addr.end() ? "<no location>" : test::frames_text(*out, *it->second, demangled);
  }
  return result;
}

// Every byte address from each instruction to the next (gaps over 16 bytes end a function).
std::vector<uint64_t> every_byte(const std::vector<uint64_t>& insns) {
  std::vector<uint64_t> v;
  for (size_t i = 0; i < insns.size(); ++i) {
    uint64_t end = i + 1 < insns.size() && insns[i + 1] - insns[i] <= 16 ? insns[i + 1] : insns[i] + 1;
    for (uint64_t a = insns[i]; a < end; ++a) v.push_back(a);
  }
  return v;
}

std::vector<uint64_t> range(uint64_t start, uint64_t size) {
  std::vector<uint64_t> v;
  for (uint64_t a = start; a < start + size; ++a) v.push_back(a);
  return v;
}

}  // namespace

TEST_CASE("symbolize::backends agree with llvm-symbolizer on inline_demo") {
  // Oracle: llvm-symbolizer-14 --inlining --no-demangle (function, inline chain, file:line:column)
  // on every instruction address of inline_demo's hot functions; its output is committed as a
  // golden (scripts/gen-symbolize-fixtures.sh) and re-run live when llvm-symbolizer is installed.
  const auto dir = test::testdata("symbolize");
  const std::string binary = (dir / "inline_demo").string();
  const auto golden_path = dir / "inline_demo.llvm-symbolizer.txt";
  const std::vector<uint64_t> addrs = read_addrs(dir / "inline_demo.addrs");
  REQUIRE(addrs.size() > 500);
  auto expected = parse_llvm_symbolizer(test::read_file(golden_path));
  REQUIRE(expected.size() == addrs.size());

  SUBCASE("the golden is what llvm-symbolizer prints today") {
    std::string tool = find_llvm_symbolizer();
    if (tool.empty()) {
      MESSAGE("skipped: llvm-symbolizer-14 is not installed; comparing with the committed golden only");
      return;
    }
    std::string live = run_command("'" + tool + "' --obj='" + binary + "' --inlining --no-demangle --print-address --output-style=LLVM < '" +
                                   (dir / "inline_demo.addrs").string() + "'");
    CHECK(parse_llvm_symbolizer(live) == expected);
  }

  for (const char* backend : {"libdw", "llvm"}) {
    SUBCASE(backend) {
      auto got = symbolize_with(backend, binary, addrs);
      int64_t mismatches = 0, inlined = 0;
      for (uint64_t a : addrs) {
        if (got[a] != expected[a] && ++mismatches <= 5) {
          CHECK_MESSAGE(got[a] == expected[a], fmt::format("{:#x}: {} backend", a, backend));
        }
        if (expected[a].find(" <- ") != std::string::npos) ++inlined;
      }
      CHECK(mismatches == 0);
      CHECK(inlined > 300);  // the program is mostly inlined frames
    }
  }
}

TEST_CASE("symbolize::backends agree with each other on every text byte of hot functions") {
  // Oracle: the two backends cross-check each other (libdw vs LLVM's DWARF reader), on every
  // byte address of the hot functions of inline_demo and of perfparser's static gcc binaries.
  std::vector<std::pair<std::string, std::vector<uint64_t>>> cases;
  const auto dir = test::testdata("symbolize");
  cases.emplace_back((dir / "inline_demo").string(), every_byte(read_addrs(dir / "inline_demo.addrs")));
  if (auto shared = test::shared_testdata()) {
    auto pp = *shared / "perfparser/tests/auto/perfdata";
    // Every byte of main and vector<double>::_M_realloc_insert (nm -S), then a stride through
    // all of .text of each static binary (glibc without DWARF, libstdc++ inlines), and Go.
    auto v = range(0x4014e0, 0x149);
    auto v2 = range(0x401c70, 0x162);
    v.insert(v.end(), v2.begin(), v2.end());
    for (uint64_t a = 0x401000; a < 0x480000; a += 7) v.push_back(a);
    cases.emplace_back((pp / "vector_static_gcc/vector_static_gcc_v9.1.0").string(), v);
    auto c = range(0x405fe5, 0xc2);
    for (uint64_t a = 0x401000; a < 0x420000; a += 3) c.push_back(a);
    cases.emplace_back((pp / "cpp-inlining/cpp-inlining").string(), c);
    std::vector<uint64_t> f;
    for (uint64_t a = 0x201000; a < 0x2a0000; a += 5) f.push_back(a);
    cases.emplace_back((pp / "fork_static_gcc/fork").string(), f);
    std::vector<uint64_t> g;
    for (uint64_t a = 0x401000; a < 0x463000; a += 5) g.push_back(a);
    cases.emplace_back((*shared / "parca/pkg/symbolizer/testdata/2d6912fd3dd64542f6f6294f4bf9cb6c265b3085/debuginfo").string(), g);
  } else {
    MESSAGE("../shared/testdata absent: cross-checking inline_demo only");
  }
  for (const auto& [binary, addrs] : cases) {
    CAPTURE(binary);
    auto a = symbolize_with("libdw", binary, addrs);
    auto b = symbolize_with("llvm", binary, addrs);
    int64_t mismatches = 0;
    for (uint64_t addr : addrs) {
      if (a[addr] != b[addr] && ++mismatches <= 5) {
        CHECK_MESSAGE(a[addr] == b[addr], fmt::format("{:#x}", addr));
      }
    }
    CHECK(mismatches == 0);
    MESSAGE(fmt::format("{}: {} addresses, {} disagreements", std::filesystem::path(binary).filename().string(), addrs.size(), mismatches));
  }
}

TEST_CASE("symbolize::pprof exe_linux_64 facts") {
  // Oracle: pprof binutils_test.go — 0x40052d -> main /tmp/hello.c:3, start line 3, also when
  // the binary is mapped at another address ("simulated ASLR").
  PROFKIT_REQUIRE_SHARED(shared);
  const std::string exe = (shared / "pprof/internal/binutils/testdata/exe_linux_64").string();
  for (const char* backend : {"libdw", "llvm"}) {
    const std::string backend_name = backend;
    CAPTURE(backend_name);
    MappingSpec m{exe, "", 0x400000, 0x4006fc, 0, {0x40052d}};
    MappingSpec aslr{exe, "", 0x500000, 0x5006fc, 0, {0x50052d}};
    model::Diagnostics diags;
    auto out = symbolize::symbolize(test::make_unsymbolized({m, aslr}), test::hermetic_options(backend), diags);
    REQUIRE(out);
    for (uint64_t a : {0x40052dull, 0x50052dull}) {
      const model::Location* l = test::location_at(*out, a);
      REQUIRE(l);
      REQUIRE(l->lines.size() == 1);
      const model::Function& f = out->function(l->lines[0].function);
      CHECK(out->str(f.name) == "main");
      CHECK(out->str(f.filename) == "/tmp/hello.c");
      CHECK(l->lines[0].line == 3);
      CHECK(f.start_line == 3);
    }
    CHECK(diags.empty());
  }
}

TEST_CASE("symbolize::perfparser vector_static_gcc inline and symbol-table facts") {
  // Oracle: perfparser's vector_static_gcc/perf.data.expected.txt (and llvm-symbolizer agrees):
  // 0x401572 is generate_n<…> (stl_algo.h:4449:13) inlined into main (vector.cpp:16:6);
  // __cos_fma, __libc_start_main and _start have no DWARF and come from the symbol table.
  PROFKIT_REQUIRE_SHARED(shared);
  const std::string exe = (shared / "perfparser/tests/auto/perfdata/vector_static_gcc/vector_static_gcc_v9.1.0").string();
  for (const char* backend : {"libdw", "llvm"}) {
    const std::string backend_name = backend;
    CAPTURE(backend_name);
    auto got = symbolize_with(backend, exe, {0x401572, 0x418cc1, 0x42089f, 0x401b6d}, true);
    CHECK(got[0x401572] ==
          "generate_n<std::back_insert_iterator<std::vector<double> >, int, main()::<lambda()> > "
          "/usr/include/c++/9.1.0/bits/stl_algo.h:4449:13 <- main "
          "/home/milian/projects/kdab/rnd/hotspot/3rdparty/perfparser/tests/auto/perfdata/vector_static_gcc/../../../manual/clients/vector.cpp:16:6");
    CHECK(got[0x418cc1] == "__cos_fma :0:0");
    CHECK(got[0x42089f] == "__libc_start_main :0:0");
    CHECK(got[0x401b6d] == "_start :0:0");
  }
}

TEST_CASE("symbolize::symbol aliases are chosen as perf chooses them") {
  // Oracle: `perf report --symfs … --sort sym` (perf 6.1) on perfparser's vector_static_gcc
  // capture names __ieee754_hypot (alias __hypot_finite) and __memmove_avx_unaligned_erms (alias
  // __memcpy_avx_unaligned_erms): among symbols at one address, the longer name wins.
  PROFKIT_REQUIRE_SHARED(shared);
  const std::string exe = (shared / "perfparser/tests/auto/perfdata/vector_static_gcc/vector_static_gcc_v9.1.0").string();
  for (const char* backend : {"libdw", "llvm"}) {
    const std::string backend_name = backend;
    CAPTURE(backend_name);
    auto got = symbolize_with(backend, exe, {0x41b3b4, 0x45a190}, true);
    CHECK(got[0x41b3b4] == "__ieee754_hypot :0:0");
    CHECK(got[0x45a190] == "__memmove_avx_unaligned_erms :0:0");
  }
}

TEST_CASE("symbolize::parca basic-cpp fact") {
  // Oracle: Parca dwarf_test.go — PC 0x401125 -> top2, src/basic-cpp.cpp, start line 8.
  PROFKIT_REQUIRE_SHARED(shared);
  const std::string exe = (shared / "parca/pkg/symbol/addr2line/testdata/basic-cpp-no-fp-with-debuginfo").string();
  for (const char* backend : {"libdw", "llvm"}) {
    const std::string backend_name = backend;
    CAPTURE(backend_name);
    MappingSpec m{exe, "", 0x400000, 0x402000, 0, {0x401125}};
    model::Diagnostics diags;
    auto out = symbolize::symbolize(test::make_unsymbolized({m}), test::hermetic_options(backend), diags);
    REQUIRE(out);
    const model::Location* l = test::location_at(*out, 0x401125);
    REQUIRE(l);
    REQUIRE(!l->lines.empty());
    const model::Function& f = out->function(l->lines.back().function);
    CHECK(out->str(f.name) == "top2()");
    CHECK(out->str(f.system_name) == "_Z4top2v");
    CHECK(std::string(out->str(f.filename)).ends_with("src/basic-cpp.cpp"));
    CHECK(f.start_line == 8);
  }
}

TEST_CASE("symbolize::parca unsymbolized Go profiles against pprof's symbolized dump") {
  // Oracle: `go tool pprof -raw -symbolize=local:force <debuginfo>` on Parca's unsymbolized
  // profiles. go tool pprof reads Go binaries through Go's pclntab, which names the physical
  // function and the innermost line: so pprof's function is our outermost frame and pprof's
  // file:line our innermost frame's. The debug files are found through --debug-dir in the
  // debuginfod layout <dir>/<build id>/debuginfo. The "without-dwarf" file has no text section
  // and no code symbols (only pclntab, which we do not read): nothing may be named wrongly, and
  // what stays unresolved must be reported.
  PROFKIT_REQUIRE_SHARED(shared);
  const auto dir = shared / "parca/pkg/symbolizer/testdata";
  for (const char* name : {"normal-cpu.stripped.pprof", "without-dwarf-cpu.stripped.pprof"}) {
    const std::string profile_name = name;
    CAPTURE(profile_name);
    const bool dwarf = std::string(name).starts_with("normal");
    // Locations and mapping from the symbolized -raw dump: "N: 0xADDR M=1 function file:line s=0".
    std::istringstream in(test::read_file(dir / (std::string(name) + ".symbolized.gopprof119.raw.txt")));
    std::string line;
    bool in_locations = false;
    std::vector<std::tuple<uint64_t, std::string, std::string>> want;  // addr, function, file:line
    std::string build_id;
    while (std::getline(in, line)) {
      if (line == "Locations") in_locations = true;
      else if (line == "Mappings") in_locations = false;
      else if (in_locations) {
        std::istringstream ls(line);
        std::string id, addr, m, fn, fl, s;
        ls >> id >> addr >> m >> fn >> fl >> s;
        want.emplace_back(std::stoull(addr, nullptr, 16), fn, fl);
      } else if (line.starts_with("1: 0x400000/")) {  // "1: start/limit/offset file build_id [FN]…"
        std::istringstream ms(line);
        std::string id, range, file;
        ms >> id >> range >> file >> build_id;
      }
    }
    REQUIRE(want.size() > 100);
    REQUIRE(build_id.size() > 40);
    MappingSpec m{"/gone/pprof-example-app-go", build_id, 0x400000, 0x64a000, 0, {}};
    for (const auto& w : want) m.addrs.push_back(std::get<0>(w));
    for (const char* backend : {"libdw", "llvm"}) {
      const std::string backend_name = backend;
      CAPTURE(backend_name);
      auto opts = test::hermetic_options(backend);
      opts.debug_dirs.push_back(dir.string());
      model::Diagnostics diags;
      std::vector<symbolize::MappingReport> report;
      auto out = symbolize::symbolize(test::make_unsymbolized({m}), opts, diags, &report);
      REQUIRE(out);
      REQUIRE(report.size() == 1);
      if (dwarf) {
        CHECK(report[0].state == model::SymbolState::kSymbolized);
        CHECK(report[0].resolved == report[0].addresses);
        CHECK(diags.empty());
      } else {
        CHECK(report[0].resolved < report[0].addresses);
        CHECK(diags.entries().size() == 1);
      }
      int64_t bad = 0;
      for (const auto& [addr, fn, fl] : want) {
        const model::Location* l = test::location_at(*out, addr);
        REQUIRE(l);
        if (l->lines.empty()) {
          if (dwarf && ++bad <= 3) CHECK_MESSAGE(false, fmt::format("{:#x} unresolved", addr));
          continue;
        }
        const model::Function& outer = out->function(l->lines.back().function);
        const model::Function& inner = out->function(l->lines.front().function);
        std::string got_fl = fmt::format("{}:{}", out->str(inner.filename), l->lines.front().line);
        bool ok = out->str(outer.name) == fn && (!dwarf || got_fl == fl);
        if (!ok && ++bad <= 3) CHECK_MESSAGE(ok, fmt::format("{:#x}: want {} {}, got {} {}", addr, fn, fl, out->str(outer.name), got_fl));
      }
      CHECK(bad == 0);
    }
  }
}

TEST_CASE("symbolize::parca Go debuginfo 2d6912fd inline chain") {
  // Oracle: llvm-symbolizer 14 (MANIFEST FACTS; Parca's own expectation differs and is documented
  // there): 0x463781 -> main.iterate:27 <- main.iteratePerTenant:23 <- main.main:10.
  PROFKIT_REQUIRE_SHARED(shared);
  const auto dir = shared / "parca/pkg/symbolizer/testdata";
  const std::string id = "2d6912fd3dd64542f6f6294f4bf9cb6c265b3085";
  for (const char* backend : {"libdw", "llvm"}) {
    const std::string backend_name = backend;
    CAPTURE(backend_name);
    auto opts = test::hermetic_options(backend);
    opts.debug_dirs.push_back(dir.string());
    MappingSpec m{"/home/brancz/pprof-labels-example", id, 0x400000, 0x464000, 0, {0x463781}};
    model::Diagnostics diags;
    auto out = symbolize::symbolize(test::make_unsymbolized({m}), opts, diags);
    REQUIRE(out);
    const model::Location* l = test::location_at(*out, 0x463781);
    REQUIRE(l);
    std::string chain;
    for (const model::Line& line : l->lines) chain += fmt::format("{}:{} ", out->str(out->function(line.function).name), line.line);
    CHECK_MESSAGE(chain == "main.iterate:27 main.iteratePerTenant:23 main.main:10 ", backend);
  }
}
