// The symbolization pass: finding binaries and debug files, reporting what failed and why,
// kernel and JIT frames, and keeping the rest of the profile intact.
#include <doctest/doctest.h>

#include <sys/auxv.h>

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "symbolize/elf_file.h"
#include "symbolize/symbol_table.h"
#include "tests/symbolize/symbolize_test_util.h"

using namespace profkit;
using test::MappingSpec;
namespace fs = std::filesystem;

namespace {

struct Demo {
  std::string build_id;
  uint64_t hot_loop = 0;  // rel_addr inside demo::hot_loop (from the llvm-symbolizer golden)
};

Demo demo() {
  Demo d;
  auto info = symbolize::read_elf_info(test::testdata("symbolize/inline_demo").string());
  REQUIRE(info);
  d.build_id = info->build_id;
  // First golden address whose outermost frame is demo::hot_loop.
  std::string golden = test::read_file(test::testdata("symbolize/inline_demo.llvm-symbolizer.txt"));
  size_t at = golden.find("_ZN4demo8hot_loopERKSt6vectorImSaImEE\n");
  REQUIRE(at != std::string::npos);
  size_t block = golden.rfind("\n0x", at);
  d.hot_loop = std::stoull(golden.substr(block + 1), nullptr, 16);
  return d;
}

// A whole-file mapping at a PIE base: process addr = base + rel_addr.
constexpr uint64_t kBase = 0x7f0000000000;
MappingSpec demo_mapping(const std::string& file, const std::string& build_id, uint64_t rel) {
  return MappingSpec{file, build_id, kBase, kBase + 0x5000, 0, {kBase + rel}};
}

struct Run {
  model::Profile profile;
  std::vector<symbolize::MappingReport> report;
  model::Diagnostics diags;
};

Run run(const std::vector<MappingSpec>& specs, const symbolize::Options& options) {
  Run r;
  auto out = symbolize::symbolize(test::make_unsymbolized(specs), options, r.diags, &r.report);
  REQUIRE(out);
  r.profile = std::move(*out);
  return r;
}

std::string outermost(const model::Profile& p, uint64_t addr) {
  const model::Location* l = test::location_at(p, addr);
  REQUIRE(l);
  if (l->lines.empty()) return "";
  return std::string(p.str(p.function(l->lines.back().function).name));
}

const char* kHotLoop = "demo::hot_loop(std::vector<unsigned long, std::allocator<unsigned long> > const&)";

}  // namespace

TEST_CASE("symbolize::find binaries and debug files") {
  const Demo d = demo();
  const auto dir = test::testdata("symbolize");
  test::TempDir tmp;

  SUBCASE("the binary itself, with DWARF") {
    auto r = run({demo_mapping((dir / "inline_demo").string(), d.build_id, d.hot_loop)}, test::hermetic_options());
    CHECK(outermost(r.profile, kBase + d.hot_loop) == kHotLoop);
    REQUIRE(r.report.size() == 1);
    CHECK(r.report[0].state == model::SymbolState::kSymbolized);
    CHECK(r.report[0].debug_file.empty());
    CHECK(r.diags.empty());
    const model::Mapping& m = r.profile.mappings()[0];
    CHECK(m.has_functions);
    CHECK(m.has_filenames);
    CHECK(m.has_line_numbers);
    CHECK(m.symbol_state == model::SymbolState::kSymbolized);
  }
  SUBCASE("stripped binary, debug file through .gnu_debuglink next to it") {
    auto r = run({demo_mapping((dir / "inline_demo.stripped").string(), d.build_id, d.hot_loop)}, test::hermetic_options());
    CHECK(outermost(r.profile, kBase + d.hot_loop) == kHotLoop);
    CHECK(r.report[0].debug_file == (dir / "inline_demo.debug").string());
  }
  SUBCASE("stripped binary, debug file in a .debug subdir") {
    fs::create_directories(tmp.path / "bin/.debug");
    fs::copy_file(dir / "inline_demo.stripped", tmp.path / "bin/app");
    fs::copy_file(dir / "inline_demo.debug", tmp.path / "bin/.debug/inline_demo.debug");
    auto r = run({demo_mapping((tmp.path / "bin/app").string(), d.build_id, d.hot_loop)}, test::hermetic_options());
    CHECK(outermost(r.profile, kBase + d.hot_loop) == kHotLoop);
    CHECK(r.report[0].debug_file == (tmp.path / "bin/.debug/inline_demo.debug").string());
  }
  SUBCASE("stripped binary, debug file by build id under --debug-dir") {
    std::string id = d.build_id;
    fs::create_directories(tmp.path / "bin");
    fs::create_directories(tmp.path / "dbg/.build-id" / id.substr(0, 2));
    fs::copy_file(dir / "inline_demo.stripped", tmp.path / "bin/app");
    fs::copy_file(dir / "inline_demo.debug", tmp.path / "dbg/.build-id" / id.substr(0, 2) / (id.substr(2) + ".debug"));
    auto opts = test::hermetic_options();
    opts.debug_dirs.push_back((tmp.path / "dbg").string());
    for (const char* backend : {"libdw", "llvm"}) {
      opts.backend = backend;
      auto r = run({demo_mapping((tmp.path / "bin/app").string(), id, d.hot_loop)}, opts);
      CHECK(outermost(r.profile, kBase + d.hot_loop) == kHotLoop);
      CHECK(r.report[0].debug_file.find(".build-id") != std::string::npos);
    }
  }
  SUBCASE("stripped binary without its debug file: symbol table only") {
    fs::create_directories(tmp.path / "bin");
    fs::copy_file(dir / "inline_demo.stripped", tmp.path / "bin/app");
    auto r = run({demo_mapping((tmp.path / "bin/app").string(), d.build_id, d.hot_loop)}, test::hermetic_options());
    // strip --strip-all leaves only .dynsym, which does not name hot_loop: unresolved, reported.
    CHECK(r.report[0].resolved == 0);
    CHECK(r.diags.entries().size() == 1);
    CHECK(r.diags.entries()[0].example.find("unsymbolized: no symbol covers the address (no debug info found)") != std::string::npos);
  }
  SUBCASE("only the debug file exists, found by build id") {
    std::string id = d.build_id;
    fs::create_directories(tmp.path / "dbg/.build-id" / id.substr(0, 2));
    fs::copy_file(dir / "inline_demo.debug", tmp.path / "dbg/.build-id" / id.substr(0, 2) / (id.substr(2) + ".debug"));
    auto opts = test::hermetic_options();
    opts.debug_dirs.push_back((tmp.path / "dbg").string());
    auto r = run({demo_mapping("/usr/bin/not-on-this-machine", id, d.hot_loop)}, opts);
    CHECK(outermost(r.profile, kBase + d.hot_loop) == kHotLoop);
  }
  SUBCASE("--symfs root") {
    fs::create_directories(tmp.path / "root/usr/bin");
    fs::copy_file(dir / "inline_demo", tmp.path / "root/usr/bin/inline_demo");
    auto opts = test::hermetic_options();
    opts.symfs.push_back((tmp.path / "root").string());
    auto r = run({demo_mapping("/usr/bin/inline_demo", d.build_id, d.hot_loop)}, opts);
    CHECK(outermost(r.profile, kBase + d.hot_loop) == kHotLoop);
    CHECK(r.report[0].binary == (tmp.path / "root/usr/bin/inline_demo").string());
  }
  SUBCASE("perf's ~/.debug build-id cache") {
    std::string id = d.build_id;
    fs::path cached = tmp.path / ".debug/.build-id" / id.substr(0, 2) / id.substr(2);
    fs::create_directories(cached);
    fs::copy_file(dir / "inline_demo", cached / "elf");
    auto opts = test::hermetic_options();
    opts.perf_debug_cache = (tmp.path / ".debug").string();
    auto r = run({demo_mapping("/gone/inline_demo", id, d.hot_loop)}, opts);
    CHECK(outermost(r.profile, kBase + d.hot_loop) == kHotLoop);
    CHECK(r.report[0].binary == (cached / "elf").string());
  }
  SUBCASE("perf's cache copy of the [vdso]") {
    // perf record copies the recorded process's vdso to ~/.debug/.build-id/xx/rest/vdso. The
    // vdso of this process stands in for it; oracle: `nm -D` (binutils) on the same bytes.
    const auto base = static_cast<uintptr_t>(getauxval(AT_SYSINFO_EHDR));
    size_t size = 0;
    {
      std::istringstream maps(test::read_file("/proc/self/maps"));
      for (std::string line; std::getline(maps, line);) {
        if (line.ends_with("[vdso]")) {
          const uint64_t lo = std::stoull(line.substr(0, line.find('-')), nullptr, 16);
          const uint64_t hi = std::stoull(line.substr(line.find('-') + 1), nullptr, 16);
          if (lo == base) size = hi - lo;
        }
      }
    }
    if (!base || !size || std::system("command -v nm >/dev/null 2>&1") != 0) {
      MESSAGE("skipped: no vdso in this process, or no nm (binutils)");
      return;
    }
    const fs::path image = tmp.path / "vdso.so";
    test::write_file(image, std::string(reinterpret_cast<const char*>(base), size));
    auto info = symbolize::read_elf_info(image.string());
    REQUIRE(info);
    const std::string id = info->build_id;
    REQUIRE(id.size() >= 8);
    // The first defined function nm lists, with its address.
    std::string name;
    uint64_t addr = 0;
    {
      FILE* p = popen(("nm -D --defined-only '" + image.string() + "'").c_str(), "r");
      REQUIRE(p);
      char buf[512];
      while (fgets(buf, sizeof buf, p)) {
        std::istringstream f(buf);
        std::string a, t, n;
        if ((f >> a >> t >> n) && t == "T" && name.empty()) {
          name = n.substr(0, n.find('@'));
          addr = std::stoull(a, nullptr, 16);
        }
      }
      pclose(p);
    }
    REQUIRE_FALSE(name.empty());
    const fs::path cached = tmp.path / ".debug/.build-id" / id.substr(0, 2) / id.substr(2);
    fs::create_directories(cached);
    fs::copy_file(image, cached / "vdso");
    auto opts = test::hermetic_options();
    opts.perf_debug_cache = (tmp.path / ".debug").string();
    const MappingSpec vdso{"[vdso]", id, kBase, kBase + size, 0, {kBase + addr + 1}};
    auto r = run({vdso}, opts);
    const std::string got = outermost(r.profile, kBase + addr + 1);
    CHECK(got.substr(0, got.find('@')) == name);
    CHECK(r.report[0].binary == (cached / "vdso").string());
    // Without the cached copy it stays an address, with the reason said.
    auto bare = test::hermetic_options();
    bare.perf_debug_cache = (tmp.path / "empty").string();
    auto none = run({vdso}, bare);
    CHECK(outermost(none.profile, kBase + addr + 1).empty());
  }
  SUBCASE("--debug-dir holding a copy of the binary (pprof's binary path)") {
    fs::create_directories(tmp.path / "bins");
    fs::copy_file(dir / "inline_demo", tmp.path / "bins/inline_demo");
    auto opts = test::hermetic_options();
    opts.debug_dirs.push_back((tmp.path / "bins").string());
    auto r = run({demo_mapping("/opt/app/bin/inline_demo", d.build_id, d.hot_loop)}, opts);
    CHECK(outermost(r.profile, kBase + d.hot_loop) == kHotLoop);
  }
}

TEST_CASE("symbolize::failures are reported per mapping, never silent") {
  const Demo d = demo();
  const auto dir = test::testdata("symbolize");

  SUBCASE("build-id mismatch: the file is not used") {
    const std::string wrong = "00112233445566778899aabbccddeeff00112233";
    auto r = run({demo_mapping((dir / "inline_demo").string(), wrong, d.hot_loop)}, test::hermetic_options());
    REQUIRE(r.report.size() == 1);
    CHECK(r.report[0].state == model::SymbolState::kBuildIdMismatch);
    CHECK(r.report[0].resolved == 0);
    CHECK(r.report[0].reason.find("build id mismatch") != std::string::npos);
    CHECK(outermost(r.profile, kBase + d.hot_loop).empty());  // stays address-only
    CHECK(r.profile.mappings()[0].symbol_state == model::SymbolState::kBuildIdMismatch);
    CHECK_FALSE(r.profile.mappings()[0].has_functions);
    REQUIRE(r.diags.entries().size() == 1);
    CHECK(r.diags.entries()[0].example.find("(build id " + wrong + "): 1 of 1 addresses unsymbolized: build id mismatch") !=
          std::string::npos);
  }
  SUBCASE("missing file") {
    auto r = run({MappingSpec{"/nonexistent/libfoo.so", "abcdef0123", 0x1000, 0x9000, 0, {0x1234, 0x2345, 0x2345}}},
                 test::hermetic_options());
    REQUIRE(r.report.size() == 1);
    CHECK(r.report[0].state == model::SymbolState::kMissingFile);
    CHECK(r.report[0].addresses == 2);  // unique addresses
    REQUIRE(r.diags.entries().size() == 1);
    CHECK(r.diags.entries()[0].example ==
          "/nonexistent/libfoo.so (build id abcdef0123): 2 of 2 addresses unsymbolized: binary not found");
    CHECK(r.profile.mappings()[0].symbol_state == model::SymbolState::kMissingFile);
  }
  SUBCASE("addresses outside the file's segments") {
    MappingSpec m = demo_mapping((dir / "inline_demo").string(), d.build_id, d.hot_loop);
    m.addrs.push_back(kBase + 0x4ff0);  // past the last PT_LOAD
    auto r = run({m}, test::hermetic_options());
    CHECK(r.report[0].resolved == 1);
    CHECK(r.report[0].addresses == 2);
    CHECK(r.report[0].reason == "address outside the file's loadable segments");
    CHECK(r.profile.mappings()[0].symbol_state == model::SymbolState::kSymbolized);
  }
  SUBCASE("unknown backend is a usage error") {
    auto opts = test::hermetic_options("gdb");
    model::Diagnostics diags;
    auto out = symbolize::symbolize(test::make_unsymbolized({}), opts, diags);
    REQUIRE_FALSE(out);
    CHECK(out.error().code == model::ErrorCode::kUsage);
  }
}

TEST_CASE("symbolize::kernel frames through kallsyms") {
  test::TempDir tmp;
  test::write_file(tmp.path / "kallsyms",
                   "ffffffff81000000 T _stext\nffffffff81000100 T do_syscall_64\nffffffff81000200 t entry_SYSCALL_64\n");
  auto opts = test::hermetic_options();
  opts.kallsyms = (tmp.path / "kallsyms").string();
  MappingSpec k{"[kernel.kallsyms]_text", "", 0xffffffff81000000, 0xffffffffffffffff, 0xffffffff81000000,
                {0xffffffff81000105, 0xffffffff81000210, 0xffffffff80000000}};

  SUBCASE("names from the table") {
    auto r = run({k}, opts);
    CHECK(outermost(r.profile, 0xffffffff81000105) == "do_syscall_64");
    CHECK(outermost(r.profile, 0xffffffff81000210) == "entry_SYSCALL_64");
    CHECK(test::location_at(r.profile, 0xffffffff81000105)->kind == model::FrameKind::kKernel);
    CHECK(outermost(r.profile, 0xffffffff80000000).empty());
    CHECK(r.report[0].resolved == 2);
    CHECK(r.report[0].reason == "below the first kernel symbol");
  }
  SUBCASE("kptr_restrict") {
    test::write_file(tmp.path / "kallsyms", "0000000000000000 T _stext\n0000000000000000 T do_syscall_64\n");
    auto r = run({k}, opts);
    CHECK(r.report[0].state == model::SymbolState::kNoSymbols);
    CHECK(r.report[0].reason.find("kptr_restrict") != std::string::npos);
    CHECK(r.diags.entries().size() == 1);
  }
  SUBCASE("a recorded kernel build id must match the running kernel's before /proc/kallsyms is used") {
    // A notes blob as /sys/kernel/notes holds it: namesz, descsz, type 3, "GNU\0", 20 id bytes.
    std::string notes("\x04\0\0\0\x14\0\0\0\x03\0\0\0GNU\0", 16);
    for (int i = 0; i < 20; ++i) notes.push_back(static_cast<char>(0x11 * (i % 16)));
    test::write_file(tmp.path / "notes", notes);
    CHECK(symbolize::build_id_from_notes(notes) == "00112233445566778899aabbccddeeff00112233");
    opts.kallsyms.clear();
    opts.kernel_notes = (tmp.path / "notes").string();
    opts.perf_debug_cache = (tmp.path / ".debug").string();
    MappingSpec other = k;
    other.build_id = "ffffffffffffffffffffffffffffffffffffffff";
    auto r = run({other}, opts);
    CHECK(r.report[0].state == model::SymbolState::kBuildIdMismatch);
    CHECK(r.report[0].reason.find("the running kernel has build id 00112233") != std::string::npos);
    CHECK(outermost(r.profile, 0xffffffff81000105).empty());

    // perf's build-id cache holds the recorded kernel's kallsyms: used instead.
    fs::path cached = tmp.path / ".debug/.build-id/ff" / other.build_id.substr(2);
    fs::create_directories(cached);
    fs::copy_file(tmp.path / "kallsyms", cached / "kallsyms");
    auto r2 = run({other}, opts);
    CHECK(outermost(r2.profile, 0xffffffff81000105) == "do_syscall_64");
    CHECK(r2.report[0].binary == (cached / "kallsyms").string());
  }
  SUBCASE("an explicit kallsyms file that cannot be read is an error") {
    opts.kallsyms = (tmp.path / "missing").string();
    model::Diagnostics diags;
    auto out = symbolize::symbolize(test::make_unsymbolized({k}), opts, diags);
    REQUIRE_FALSE(out);
    CHECK(out.error().code == model::ErrorCode::kIo);
  }
}

TEST_CASE("symbolize::JIT frames through perf-PID.map") {
  test::TempDir tmp;
  test::write_file(tmp.path / "perf-4242.map", "7f1000001000 40 LazyCompile:~handler app.js:10\n7f1000002000 10 Builtin:Call\n");
  auto opts = test::hermetic_options();
  opts.jit_map_dir = tmp.path.string();

  SUBCASE("pid from the samples' pid label") {
    MappingSpec jit{"//anon", "", 0x7f1000000000, 0x7f1000010000, 0, {0x7f1000001010, 0x7f1000002004, 0x7f1000003000}};
    jit.pid = 4242;
    auto r = run({jit}, opts);
    CHECK(outermost(r.profile, 0x7f1000001010) == "LazyCompile:~handler app.js:10");
    CHECK(outermost(r.profile, 0x7f1000002004) == "Builtin:Call");
    CHECK(test::location_at(r.profile, 0x7f1000001010)->kind == model::FrameKind::kJit);
    CHECK(r.report[0].resolved == 2);
    CHECK(r.report[0].reason == "no perf-PID.map entry covers the address");
  }
  SUBCASE("pid from the mapping's name") {
    MappingSpec jit{"/tmp/perf-4242.map", "", 0x7f1000000000, 0x7f1000010000, 0, {0x7f1000001010}};
    auto r = run({jit}, opts);
    CHECK(outermost(r.profile, 0x7f1000001010) == "LazyCompile:~handler app.js:10");
  }
  SUBCASE("no map for the pid") {
    MappingSpec jit{"//anon", "", 0x7f1000000000, 0x7f1000010000, 0, {0x7f1000001010}};
    jit.pid = 7;
    auto r = run({jit}, opts);
    CHECK(r.report[0].state == model::SymbolState::kMissingFile);
    CHECK(r.report[0].reason.find("perf-7.map not found") != std::string::npos);
  }
}

TEST_CASE("symbolize::the rest of the profile is kept") {
  const Demo d = demo();
  model::ProfileBuilder b(model::ProfileBuilder::Options{.aggregate = true, .keep_timestamps = true});
  b.add_sample_type("cpu", "nanoseconds");
  b.metadata().period = 1000;
  model::Mapping m;
  m.start = kBase;
  m.limit = kBase + 0x5000;
  m.file = b.intern(test::testdata("symbolize/inline_demo").string());
  m.build_id = b.intern(d.build_id);
  model::MappingId mid = b.add_mapping(m);
  model::Location addr_only;
  addr_only.mapping = mid;
  addr_only.address = kBase + d.hot_loop;
  model::LocationId unsym = b.add_location(addr_only);
  model::LocationId named = b.add_named_frame("already_named");
  model::LocationId frames[] = {unsym, named};
  int64_t v1[] = {10}, v2[] = {20};
  model::LabelSetId labels = b.intern_labels({model::Label{b.intern("comm"), b.intern("app"), 0, {}}});
  b.add_sample(b.intern_stack(frames), labels, v1, 111);
  b.add_sample(b.intern_stack(frames), labels, v2, 222);
  auto in = b.finish();
  REQUIRE(in);
  CHECK(symbolize::needs_symbolization(*in));

  model::Diagnostics diags;
  auto out = symbolize::symbolize(*in, test::hermetic_options(), diags);
  REQUIRE(out);
  CHECK_FALSE(symbolize::needs_symbolization(*out));
  CHECK(out->sample_count() == in->sample_count());
  CHECK(out->total(0) == 30);
  CHECK(out->period == 1000);
  CHECK(out->sample(1).time_nanos == 222);
  auto stack = out->stack(out->sample(0).stack);
  REQUIRE(stack.size() == 2);
  CHECK(out->str(out->function(out->location(stack[1]).lines[0].function).name) == "already_named");
  CHECK(out->str(out->function(out->location(stack[0]).lines.back().function).name) == kHotLoop);
  CHECK(out->location(stack[0]).lines.size() > 1);  // inlined frames, innermost first
  CHECK(out->mapping(out->location(stack[0]).mapping).has_inline_frames);
  CHECK(out->labels(out->sample(0).labels).size() == 1);

  SUBCASE("symbolizing again changes nothing") {
    model::Diagnostics again;
    std::vector<symbolize::MappingReport> report;
    auto twice = symbolize::symbolize(*out, test::hermetic_options(), again, &report);
    REQUIRE(twice);
    CHECK(report.empty());
    CHECK(twice->locations() == out->locations());
  }
  SUBCASE("--no-demangle keeps linkage names") {
    auto opts = test::hermetic_options();
    opts.demangle = false;
    auto raw = symbolize::symbolize(*in, opts, diags);
    REQUIRE(raw);
    auto s = raw->stack(raw->sample(0).stack);
    CHECK(raw->str(raw->function(raw->location(s[0]).lines.back().function).name) ==
          "_ZN4demo8hot_loopERKSt6vectorImSaImEE");
  }
}

TEST_CASE("symbolize::a reused Symbolizer resolves each binary once") {
  const Demo d = demo();
  symbolize::Symbolizer s(test::hermetic_options());
  auto in = test::make_unsymbolized({demo_mapping(test::testdata("symbolize/inline_demo").string(), d.build_id, d.hot_loop)});
  model::Diagnostics diags;
  auto a = s.run(in, diags);
  auto b = s.run(in, diags);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->locations() == b->locations());
  CHECK(s.report().size() == 1);
}

TEST_CASE("symbolize::preloading while parsing changes nothing in the output or the reports") {
  // What `load_all` does: the parser hints each mapping's first address (and the kernel's) to a
  // Symbolizer's preload thread while it reads; run() afterwards must give what a cold run gives.
  const Demo d = demo();
  const std::string demo_file = test::testdata("symbolize/inline_demo").string();
  auto in = test::make_unsymbolized({demo_mapping(demo_file, d.build_id, d.hot_loop),
                                     demo_mapping("/nonexistent/libgone.so", "00112233", 0x1234)});
  auto opts = test::hermetic_options();
  model::Diagnostics cold_diags;
  std::vector<symbolize::MappingReport> cold_report;
  auto cold = symbolize::symbolize(in, opts, cold_diags, &cold_report);
  REQUIRE(cold);

  symbolize::Symbolizer warm(opts);
  warm.preload({demo_file, d.build_id, kBase, kBase + 0x5000, 0, kBase + d.hot_loop, false});
  warm.preload({"/nonexistent/libgone.so", "00112233", kBase, kBase + 0x5000, 0, kBase + 0x1234, false});
  warm.preload({"[kernel.kallsyms]", "", 0, UINT64_MAX, 0, 0xffffffff81000000, true});
  warm.preload({"//anon", "", 0x1000, 0x2000, 0, 0x1100, false});
  model::Diagnostics warm_diags;
  auto hot = warm.run(model::Profile(in), warm_diags);  // the moving overload, as load_all calls it
  REQUIRE(hot);
  CHECK(hot->locations() == cold->locations());
  CHECK(hot->functions() == cold->functions());
  CHECK(hot->mappings() == cold->mappings());
  REQUIRE(hot->sample_count() == cold->sample_count());
  for (size_t i = 0; i < hot->sample_count(); ++i) {
    auto a = hot->stack(hot->sample(i).stack), b = cold->stack(cold->sample(i).stack);
    CHECK(std::vector<model::LocationId>(a.begin(), a.end()) == std::vector<model::LocationId>(b.begin(), b.end()));
  }
  REQUIRE(warm.report().size() == cold_report.size());
  for (size_t i = 0; i < cold_report.size(); ++i) {
    CHECK(warm.report()[i].state == cold_report[i].state);
    CHECK(warm.report()[i].reason == cold_report[i].reason);
    CHECK(warm.report()[i].resolved == cold_report[i].resolved);
  }
  CHECK(warm_diags.summary() == cold_diags.summary());
}
