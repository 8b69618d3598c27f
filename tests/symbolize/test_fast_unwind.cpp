// The unwinder's fast path (symbolize/fast_unwind.h: simple CFI rows applied without libdwfl's
// frame machinery) must give exactly the stacks libdwfl gives, and must actually be the path
// most samples take. testdata/perf/unwind.data and unwind-small.data (--call-graph dwarf captures
// of testdata/perf/unwind.cpp, binary in testdata/perf/bin, libc from the running system; the
// small one's 512-byte stack copies truncate many stacks) are unwound twice: with the fast path,
// and with PROFKIT_UNWIND_SLOW=1 (every sample through libdwfl).
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <vector>

#include "model/diagnostics.h"
#include "parsers/registry.h"
#include "symbolize/fast_unwind.h"
#include "symbolize/symbolize.h"
#include "symbolize/unwind.h"
#include "tests/support.h"

namespace profkit::test {
namespace {

namespace fs = std::filesystem;

// Each sample's frames as addresses (leaf first, kernel frames and the [truncated] marker
// included), with the sample count of each stack.
std::map<std::vector<uint64_t>, int64_t> unwound_stacks(const std::string& capture, const fs::path& symfs, bool slow,
                                                         symbolize::UnwindCounts& counts) {
  if (slow) ::setenv("PROFKIT_UNWIND_SLOW", "1", 1);
  model::Diagnostics diag;
  symbolize::Options so;
  so.symfs = {symfs.string()};
  so.kallsyms = "/dev/null";
  so.debuginfod = false;
  const symbolize::UnwindCounts before = symbolize::unwind_counts();
  auto factory = symbolize::make_unwinder_factory(so, 2);
  if (slow) ::unsetenv("PROFKIT_UNWIND_SLOW");
  parsers::ParseOptions po;
  po.file_name = testdata(capture).string();
  po.diagnostics = &diag;
  po.unwinder = factory.get();
  std::map<std::vector<uint64_t>, int64_t> stacks;
  {
    auto loaded = parsers::load(po.file_name, po);
    REQUIRE_MESSAGE(loaded.has_value(), (loaded ? "" : loaded.error().message));
    REQUIRE(loaded->size() == 1);
    const model::Profile& p = loaded->front();
    for (size_t i = 0; i < p.sample_count(); ++i) {
      std::vector<uint64_t> s;
      for (model::LocationId id : p.stack(p.sample(i).stack)) s.push_back(p.location(id).address);
      stacks[s] += p.values(i)[0];
    }
  }  // the parse is over: its unwinders are gone and have added their counts
  const symbolize::UnwindCounts after = symbolize::unwind_counts();
  counts = symbolize::UnwindCounts{after.fast - before.fast, after.fallback - before.fallback};
  return stacks;
}

TEST_CASE("symbolize::fast_unwind gives libdwfl's stacks and takes most samples") {
  // The capture's binary sits under /opt/profkit-perf, the system libraries under /.
  TempDir tmp;
  const fs::path root = tmp.path / "symfs";
  fs::create_directories(root / "opt");
  fs::create_directory_symlink(testdata("perf/bin"), root / "opt" / "profkit-perf");
  for (const char* dir : {"usr", "lib", "lib64"}) {
    if (fs::exists(fs::path("/") / dir)) fs::create_directory_symlink(fs::path("/") / dir, root / dir);
  }

  for (const std::string capture : {"perf/unwind.data", "perf/unwind-small.data"}) {
    CAPTURE(capture);
    symbolize::UnwindCounts fast_counts, slow_counts;
    auto fast = unwound_stacks(capture, root, false, fast_counts);
    auto slow = unwound_stacks(capture, root, true, slow_counts);
    int64_t total = 0;
    for (const auto& [stack, n] : slow) total += n;
    MESSAGE(capture << ": " << fast_counts.fast << " samples unwound by the fast path, " << fast_counts.fallback
                    << " by libdwfl");
    // The slow run never takes the fast path; the fast run takes it for (nearly) every sample.
    CHECK(slow_counts.fast == 0);
    CHECK(slow_counts.fallback == total);
    CHECK(fast_counts.fast + fast_counts.fallback == total);
    CHECK(fast_counts.fast * 10 >= total * 9);
    // And both give the same stacks, [truncated] markers included.
    CHECK(total > 50);
    CHECK(fast.size() > 10);
    CHECK(fast == slow);
  }
}

TEST_CASE("symbolize::fast_unwind applies a row as libdwfl does") {
  using Rule = symbolize::CfiRow::Rule;
  // A frame after `push rbp; mov rbp, rsp`: CFA = rbp + 16, rip at CFA-8, rbp at CFA-16.
  symbolize::CfiRow row;
  row.kind = symbolize::CfiRow::Kind::kSimple;
  row.cfa_reg = 6;
  row.cfa_offset = 16;
  row.rules[3] = Rule::kSameValue;
  row.rules[6] = Rule::kOffset;
  row.offsets[6] = static_cast<uint64_t>(-16);
  row.rules[7] = Rule::kValOffset;
  row.rules[16] = Rule::kOffset;
  row.offsets[16] = static_cast<uint64_t>(-8);
  std::map<uint64_t, uint64_t> memory = {{0x1000, 0x2000}, {0x1008, 0x401234}};
  std::vector<uint64_t> reads;
  auto read = [&](uint64_t addr, uint64_t& value) {
    reads.push_back(addr);
    auto it = memory.find(addr);
    if (it == memory.end()) return false;
    value = it->second;
    return true;
  };

  symbolize::FrameRegs callee, caller;
  callee.put(3, 7);       // rbx
  callee.put(6, 0x1000);  // rbp
  callee.put(7, 0xff0);   // rsp
  callee.put(16, 0x400000);

  SUBCASE("a simple row restores rip, rsp, rbp and same-value registers") {
    CHECK(symbolize::apply_cfi_row(row, callee, caller, read));
    CHECK(caller.value[16] == 0x401234);
    CHECK(caller.value[7] == 0x1010);
    CHECK(caller.value[6] == 0x2000);
    CHECK(caller.value[3] == 7);
    CHECK_FALSE(caller.has(0));
    CHECK(reads == std::vector<uint64_t>{0x1000, 0x1008});  // in register order
  }
  SUBCASE("an undefined return address is the outermost frame") {
    row.rules[16] = Rule::kUndefined;
    CHECK_FALSE(symbolize::apply_cfi_row(row, callee, caller, read));
  }
  SUBCASE("an unreadable or zero return address is the outermost frame") {
    memory.erase(0x1008);
    CHECK_FALSE(symbolize::apply_cfi_row(row, callee, caller, read));
    memory[0x1008] = 0;
    CHECK_FALSE(symbolize::apply_cfi_row(row, callee, caller, read));
  }
  SUBCASE("a CFA register the frame does not know leaves the caller without a pc") {
    callee.set &= ~(1u << 6);
    CHECK_FALSE(symbolize::apply_cfi_row(row, callee, caller, read));
    CHECK(reads.empty());
  }
}

}  // namespace
}  // namespace profkit::test
