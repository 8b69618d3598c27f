#include <doctest/doctest.h>

#include "symbolize/elf_file.h"
#include "tests/support.h"

using namespace profkit;
using symbolize::elf_address;
using symbolize::read_elf_info;

TEST_CASE("symbolize::elf_address pprof ObjAddr facts for exe_linux_64") {
  // Oracle: pprof internal/binutils/binutils_test.go (MANIFEST FACTS): segment table and the
  // runtime address -> ELF address answers of ObjAddr for several mappings.
  PROFKIT_REQUIRE_SHARED(shared);
  auto info = read_elf_info((shared / "pprof/internal/binutils/testdata/exe_linux_64").string());
  REQUIRE(info);
  REQUIRE(info->loads.size() == 2);
  CHECK(info->type == 2);  // ET_EXEC
  CHECK(info->loads[0].offset == 0);
  CHECK(info->loads[0].vaddr == 0x400000);
  CHECK(info->loads[0].filesz == 0x6fc);
  CHECK(info->loads[1].offset == 0xe10);
  CHECK(info->loads[1].vaddr == 0x600e10);
  CHECK(info->loads[1].memsz == 0x238);
  CHECK(info->has_dwarf);
  auto segs = std::span<const symbolize::LoadSegment>(info->loads);

  SUBCASE("exec mapping") {
    CHECK(elf_address(0x5400000, 0x5401000, 0, segs, 0x5400400) == 0x400400);
    CHECK_FALSE(elf_address(0x5400000, 0x5401000, 0, segs, 0x5400800));
  }
  SUBCASE("data mapping at offset 0xe00") {
    CHECK(elf_address(0x5600e00, 0x5602000, 0xe00, segs, 0x5600e10) == 0x600e10);
    CHECK(elf_address(0x5600e00, 0x5602000, 0xe00, segs, 0x5600e00) == 0x600e00);
  }
  SUBCASE("page-aligned data mapping") {
    CHECK(elf_address(0x5600000, 0x5602000, 0, segs, 0x5601000) == 0x601000);
    CHECK_FALSE(elf_address(0x5600000, 0x5602000, 0, segs, 0x5601048));
  }
  SUBCASE("bad offset") { CHECK_FALSE(elf_address(0x5600000, 0x5602000, 0x2000, segs, 0x5600e10)); }
  SUBCASE("large mapping") { CHECK(elf_address(0x5600000, 0x5603000, 0, segs, 0x5600e10) == 0x600e10); }
  SUBCASE("simulated ASLR and the identity mapping") {
    CHECK(elf_address(0x400000, 0x4006fc, 0, segs, 0x40052d) == 0x40052d);
    CHECK(elf_address(0x500000, 0x5006fc, 0, segs, 0x50052d) == 0x40052d);
    CHECK(elf_address(0, 0, 0, segs, 0x40052d) == 0x40052d);
    CHECK_FALSE(elf_address(0x500000, 0x5006fc, 0, segs, 0x4fffff));  // below the mapping
  }
}

TEST_CASE("symbolize::read_elf_info build ids, debuglink and sections") {
  auto dir = test::testdata("symbolize");
  auto full = read_elf_info((dir / "inline_demo").string());
  auto stripped = read_elf_info((dir / "inline_demo.stripped").string());
  auto debug = read_elf_info((dir / "inline_demo.debug").string());
  REQUIRE(full);
  REQUIRE(stripped);
  REQUIRE(debug);

  SUBCASE("one build id for the binary, its stripped copy and its debug file") {
    CHECK(full->build_id.size() == 40);
    CHECK(stripped->build_id == full->build_id);
    CHECK(debug->build_id == full->build_id);
    CHECK(full->matches_build_id(full->build_id));
    CHECK_FALSE(full->matches_build_id("00112233445566778899aabbccddeeff00112233"));
  }
  SUBCASE("what each file carries") {
    CHECK(full->type == 3);  // PIE
    CHECK(full->has_dwarf);
    CHECK(full->has_symtab);
    CHECK_FALSE(stripped->has_dwarf);
    CHECK_FALSE(stripped->has_symtab);
    CHECK(stripped->debuglink == "inline_demo.debug");
    CHECK(debug->has_dwarf);
    CHECK(debug->loads.size() == full->loads.size());  // debug files keep the program headers
  }
  SUBCASE("perf's zero padding of short build ids") {
    symbolize::ElfInfo i;
    i.build_id = "0123456789abcdef0123456789abcdef";
    CHECK(i.matches_build_id("0123456789ABCDEF0123456789ABCDEF00000000"));
    CHECK_FALSE(i.matches_build_id("0123456789abcdef0123456789abcdef00000001"));
  }
}

TEST_CASE("symbolize::read_elf_info refuses what is not ELF") {
  test::TempDir tmp;
  SUBCASE("missing file") {
    auto r = read_elf_info((tmp.path / "nope").string());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == model::ErrorCode::kIo);
  }
  SUBCASE("text file") {
    test::write_file(tmp.path / "text", "hello, world\n");
    auto r = read_elf_info((tmp.path / "text").string());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == model::ErrorCode::kParse);
  }
  SUBCASE("truncated ELF (pprof's malformed_elf)") {
    // Oracle: pprof binutils tests — must be rejected cleanly.
    PROFKIT_REQUIRE_SHARED(shared);
    auto r = read_elf_info((shared / "pprof/internal/binutils/testdata/malformed_elf").string());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == model::ErrorCode::kParse);
  }
  SUBCASE("every truncation of a real binary") {
    std::string bytes = test::read_file(test::testdata("symbolize/inline_demo.stripped"));
    for (size_t n : {size_t{0}, size_t{4}, size_t{16}, size_t{63}, size_t{64}, size_t{100}, size_t{1000}, bytes.size() / 2,
                     bytes.size() - 1}) {
      test::write_file(tmp.path / "cut", bytes.substr(0, n));
      (void)read_elf_info((tmp.path / "cut").string());  // must not crash; may succeed partially
    }
  }
}
