#include <doctest/doctest.h>

#include "symbolize/demangle.h"
#include "symbolize/symbol_table.h"

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
