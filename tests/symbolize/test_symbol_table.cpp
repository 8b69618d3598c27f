#include <doctest/doctest.h>

#include "symbolize/demangle.h"
#include "symbolize/symbol_table.h"
#include "tests/support.h"

#include <unistd.h>

#include <cstdio>
#include <string>

#include <fmt/format.h>

using profkit::symbolize::SymbolTable;

TEST_CASE("symbolize::SymbolTable kallsyms") {
  SUBCASE("text symbols, each up to the next") {
    auto t = SymbolTable::parse_kallsyms(
        "ffffffff81000000 T _stext\n"
        "ffffffff81000100 t helper\n"
        "ffffffff81000200 D some_data\n"
        "ffffffff81000300 T do_syscall_64\n"
        "ffffffffc0000000 t xfs_iomap\t[xfs]\n");
    CHECK(t.size() == 4);
    CHECK_FALSE(t.find(0xffffffff80ffffff));
    CHECK(t.find(0xffffffff81000000)->name == "_stext");
    CHECK(t.find(0xffffffff810002ff)->name == "helper");  // data symbols do not end text ones
    CHECK(t.find(0xffffffff81000305)->name == "do_syscall_64");
    CHECK(t.find(0xffffffffc0000010)->name == "xfs_iomap");
  }
  SUBCASE("the last symbol and the last before modules end a page on, as in perf") {
    auto t = SymbolTable::parse_kallsyms(
        "ffffffff81000000 T _stext\n"
        "ffffffff81000300 T _einittext\n"
        "ffffffffc0000000 t xfs_iomap\t[xfs]\n"
        "ffffffffc0000100 t xfs_last\t[xfs]\n");
    CHECK(t.find(0xffffffff81001fff)->name == "_einittext");
    CHECK_FALSE(t.find(0xffffffff81002000));  // a foreign kernel's address, not _einittext
    CHECK_FALSE(t.find(0xffffffff8e4c6607));
    CHECK(t.find(0xffffffffc0001fff)->name == "xfs_last");
    CHECK_FALSE(t.find(0xffffffffc0002000));
  }
  SUBCASE("kptr_restrict zeroes every address") {
    auto t = SymbolTable::parse_kallsyms("0000000000000000 T _stext\n0000000000000000 t helper\n");
    CHECK(t.zero_addresses());
    CHECK(t.size() == 0);
  }
  SUBCASE("malformed lines are counted") {
    auto t = SymbolTable::parse_kallsyms("zzz T x\nffffffff81000000 T\n\nffffffff81000000 T ok\n");
    CHECK(t.size() == 1);
    CHECK(t.malformed_lines() == 2);
  }
}

TEST_CASE("symbolize::SymbolTable perf-PID.map") {
  auto t = SymbolTable::parse_perf_map(
      "7f0000001000 40 LazyCompile:~foo /app/x.js:1\n"
      "0x7f0000002000 0x10 stub\n"
      "7f0000001000 not-hex broken\n"
      "7f0000003000 0 empty\n"
      "\n");
  CHECK(t.size() == 2);
  CHECK(t.malformed_lines() == 2);
  CHECK(t.find(0x7f0000001000)->name == "LazyCompile:~foo /app/x.js:1");
  CHECK(t.find(0x7f000000103f)->name == "LazyCompile:~foo /app/x.js:1");
  CHECK_FALSE(t.find(0x7f0000001040));
  CHECK(t.find(0x7f000000200f)->name == "stub");
  CHECK_FALSE(t.find(0x7f0000000fff));
}

TEST_CASE("symbolize::demangle") {
  // Oracle: c++filt (GNU) spells these the same way.
  using profkit::symbolize::demangle;
  CHECK(demangle("_ZN4demo8hot_loopERKSt6vectorImSaImEE") == "demo::hot_loop(std::vector<unsigned long, std::allocator<unsigned long> > const&)");
  CHECK(demangle("_ZN4demo3fibEi") == "demo::fib(int)");
  CHECK(demangle("_Z7c_entryi.cold") == "c_entry(int) [clone .cold]");
  CHECK(demangle("main") == "main");
  CHECK(demangle("_Znot-a-name") == "_Znot-a-name");
  profkit::symbolize::DemangleCache cache;
  CHECK(&cache.get("_ZN4demo3fibEi") == &cache.get("_ZN4demo3fibEi"));
}

TEST_CASE("symbolize::SymbolTable kallsyms: the one-pass line reader agrees with the field splitter") {
  // Lines the fast path takes and lines it hands to next_field(): the same table either way.
  const char* text =
      "ffffffff81000000 T _stext\n"
      "0xffffffff81000100 t prefixed\n"          // 0x: field splitter
      "ffffffff81000200  T two_spaces\n"         // extra blank: field splitter
      "ffffffff81000300 t\tafter_tab\n"          // tab before the name: field splitter
      "ffffffff81000400 T trailing \n"           // trailing blank
      "81000500 T short_address\n"               // fewer than 16 digits
      "ffffffff81000600 W weak\t[mod]\n"
      "ffffffff81000700 T bad\t[mod] extra\n"    // a fifth field
      "ffffffff81000800 D data\n"
      "ffffffff81000900 T\n"                     // no name: malformed
      "fffffffff81000a00 T seventeen_digits\n"   // 17 digits overflow: malformed
      "ffffffff81000b00 TT twochar\n"            // two-letter type: malformed
      "ffffffff81000c00 t last\r\n";
  auto t = SymbolTable::parse_kallsyms(text);
  CHECK(t.malformed_lines() == 3);
  CHECK(t.find(0xffffffff81000000)->name == "_stext");
  CHECK(t.find(0xffffffff81000100)->name == "prefixed");
  CHECK(t.find(0xffffffff81000200)->name == "two_spaces");
  CHECK(t.find(0xffffffff81000300)->name == "after_tab");
  CHECK(t.find(0xffffffff81000400)->name == "trailing");
  CHECK(t.find(0x81000500)->name == "short_address");
  CHECK(t.find(0xffffffff81000600)->name == "weak");
  CHECK(t.find(0xffffffff81000600)->in_module);
  CHECK(t.find(0xffffffff81000700)->name == "bad");
  CHECK(t.find(0xffffffff81000900)->name == "bad");  // data and the malformed line end nothing
  CHECK(t.find(0xffffffff81000c00)->name == "last");
  CHECK(t.size() == 9);
}

TEST_CASE("symbolize::SymbolTable kallsyms: a saved file (mapped, names left in place) equals the parsed text") {
  // Over 1 MiB; no trailing newline on the last line.
  std::string text;
  for (int i = 0; i < 60000; ++i) {
    text += fmt::format("ffffffff{:08x} {} symbol_number_{}{}\n", 0x81000000 + i * 16, i % 3 ? 'T' : 'd', i,
                        i % 7 == 0 ? "\t[module]" : "");
  }
  text += "ffffffffffff0000 T the_end";
  const std::string path = fmt::format("/tmp/profkit-kallsyms-test-{}", ::getpid());
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    REQUIRE(f);
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
  auto loaded = SymbolTable::load_kallsyms(path);
  std::remove(path.c_str());
  REQUIRE(loaded);
  auto parsed = SymbolTable::parse_kallsyms(text);
  REQUIRE(loaded->size() == parsed.size());
  CHECK(parsed.size() == 40001);
  int found = 0;
  for (uint64_t a = 0xffffffff81000000; a < 0xffffffff81000000 + 60000 * 16; a += 16 * 997 + 5) {
    const auto x = loaded->find(a);
    const auto y = parsed.find(a);
    REQUIRE(!x == !y);
    if (!x) continue;
    CHECK(x->name == y->name);
    CHECK(x->in_module == y->in_module);
    ++found;
  }
  CHECK(found > 30);
  CHECK(loaded->find(0xffffffffffff0001)->name == "the_end");
  CHECK_FALSE(SymbolTable::load_kallsyms("/nonexistent/kallsyms"));
}

TEST_CASE("symbolize::SymbolTable kallsyms: /proc/kallsyms, read in chunks, equals its parsed text") {
  // The other route of load_kallsyms(): a file that cannot be mapped (no size) is streamed.
  std::string text = profkit::test::read_file("/proc/kallsyms");
  if (text.empty()) {
    MESSAGE("skipped: /proc/kallsyms is not readable here");
    return;
  }
  auto loaded = SymbolTable::load_kallsyms("/proc/kallsyms");
  REQUIRE(loaded);
  auto parsed = SymbolTable::parse_kallsyms(text);
  CHECK(loaded->size() == parsed.size());  // (a module loaded in between would differ: not here)
  CHECK(loaded->zero_addresses() == parsed.zero_addresses());
  CHECK(loaded->malformed_lines() == 0);
  if (parsed.zero_addresses()) return;
  REQUIRE(parsed.size() > 1000);
  const uint64_t first = 0xffffffff80000000;
  int found = 0;
  for (uint64_t a = first; a < first + (uint64_t{1} << 30); a += 0x10001) {
    const auto x = loaded->find(a);
    const auto y = parsed.find(a);
    REQUIRE(!x == !y);
    if (!x) continue;
    CHECK(x->name == y->name);
    CHECK(x->start == y->start);
    ++found;
  }
  CHECK(found > 100);
}
