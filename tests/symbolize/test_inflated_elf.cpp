// symbolize::inflate_elf against binutils: `objcopy --compress-debug-sections=zlib|zstd` compresses
// a committed debug file; the inflated copy must hold, section by section, the bytes the
// uncompressed original holds (location lists and macros excepted: those are left out on
// purpose), and symbolizing through the compressed file must give llvm-symbolizer's answers.
// Hostile variants (a corrupt stream, a lying size) must fall back (-1), never crash.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>

#include "symbolize/inflated_elf.h"
#include "tests/support.h"
#include "tests/symbolize/symbolize_test_util.h"

using namespace profkit;
namespace fs = std::filesystem;

namespace {

struct Section {
  uint64_t flags = 0, type = 0, addr = 0;
  std::string data;  // the section's bytes as stored (still compressed when SHF_COMPRESSED)
};

// Sections by name, read with libelf from a descriptor (raw bytes, never decompressed).
std::map<std::string, Section> sections_of(int fd) {
  std::map<std::string, Section> out;
  elf_version(EV_CURRENT);
  Elf* elf = elf_begin(fd, ELF_C_READ_MMAP, nullptr);
  REQUIRE(elf);
  size_t shstrndx = 0;
  REQUIRE(elf_getshdrstrndx(elf, &shstrndx) == 0);
  for (Elf_Scn* scn = nullptr; (scn = elf_nextscn(elf, scn));) {
    GElf_Shdr sh;
    REQUIRE(gelf_getshdr(scn, &sh));
    Section s{sh.sh_flags, sh.sh_type, sh.sh_addr, {}};
    if (sh.sh_type != SHT_NOBITS && sh.sh_size) {
      Elf_Data* d = elf_rawdata(scn, nullptr);
      REQUIRE(d);
      s.data.assign(static_cast<const char*>(d->d_buf), d->d_size);
    }
    out[elf_strptr(elf, shstrndx, sh.sh_name)] = s;
  }
  elf_end(elf);
  return out;
}

std::map<std::string, Section> sections_of(const fs::path& p) {
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  auto s = sections_of(fd);
  ::close(fd);
  return s;
}

bool compress(const std::string& kind, const fs::path& in, const fs::path& out) {
  const std::string cmd = "objcopy --compress-debug-sections=" + kind + " '" + in.string() + "' '" + out.string() + "' 2>/dev/null";
  return std::system(cmd.c_str()) == 0 && fs::exists(out);
}

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / fmt::format("profkit-inflate-{}", ::getpid());
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

constexpr const char* kDemoBuildId = "e9869d35fab060b6da74d178912161c55a7bbcfe";

// Every `nth` address of inline_demo's hot functions (file-relative).
std::vector<uint64_t> demo_addresses(int nth) {
  std::vector<uint64_t> rel;
  std::istringstream in(test::read_file(test::testdata("symbolize") / "inline_demo.addrs"));
  std::string line;
  for (int i = 0; std::getline(in, line); ++i) {
    if (!line.empty() && i % nth == 0) rel.push_back(std::stoull(line, nullptr, 16));
  }
  return rel;
}

// The frames (frames_text) of each address of inline_demo mapped from `binary`, with `debug_dir`
// ("" = none) as a --debug-dir.
std::vector<std::string> demo_frames(const fs::path& binary, const std::vector<uint64_t>& rel, const std::string& debug_dir) {
  test::MappingSpec m;
  m.file = binary.string();
  m.build_id = kDemoBuildId;
  m.start = 0x555555554000;
  m.limit = m.start + 0x100000;
  for (uint64_t a : rel) m.addrs.push_back(m.start + a);
  auto in = test::make_unsymbolized({m});
  auto opts = test::hermetic_options();
  if (!debug_dir.empty()) opts.debug_dirs.push_back(debug_dir);
  model::Diagnostics diags;
  auto out = symbolize::symbolize(in, opts, diags);
  REQUIRE(out);
  std::vector<std::string> frames;
  for (uint64_t a : m.addrs) {
    const model::Location* l = test::location_at(*out, a);
    frames.push_back(l ? test::frames_text(*out, *l) : "<none>");
  }
  return frames;
}

// got == want address by address; and enough of them are inline chains to mean something.
void check_same_frames(const std::vector<std::string>& got, const std::vector<std::string>& want, const std::vector<uint64_t>& rel) {
  REQUIRE(got.size() == want.size());
  int inlined = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    CAPTURE(rel[i]);
    CHECK(got[i] == want[i]);
    if (want[i].find(" <- ") != std::string::npos) ++inlined;
  }
  CHECK(inlined > 10);
}

}  // namespace

TEST_CASE("symbolize::inflate_elf restores what objcopy compressed") {
  if (std::system("command -v objcopy >/dev/null 2>&1") != 0) {
    MESSAGE("skipped: objcopy (binutils) is not installed");
    return;
  }
  const fs::path original = test::testdata("symbolize") / "inline_demo.debug";
  const auto plain = sections_of(original);
  TempDir tmp;
  for (const char* kind : {"zlib", "zstd"}) {
    SUBCASE(kind) {
      const fs::path packed = tmp.path / fmt::format("inline_demo.{}.debug", kind);
      if (!compress(kind, original, packed)) {
        MESSAGE("skipped: this objcopy cannot write " << kind << " sections");
        return;
      }
      const auto before = symbolize::inflate_stats();
      const int fd = symbolize::inflate_elf(packed.string());
      REQUIRE(fd >= 0);
      const auto after = symbolize::inflate_stats();
      CHECK(after.files == before.files + 1);
      CHECK(after.inflated_bytes - before.inflated_bytes > after.compressed_bytes - before.compressed_bytes);
      const auto got = sections_of(fd);
      ::close(fd);
      const auto packed_sections = sections_of(packed);
      int compressed = 0;
      for (const auto& [name, s] : packed_sections) {
        if (s.flags & SHF_COMPRESSED) ++compressed;
      }
      CHECK(compressed >= 5);  // objcopy really compressed the DWARF
      REQUIRE(got.size() == plain.size());
      for (const auto& [name, want] : plain) {
        CAPTURE(name);
        REQUIRE(got.count(name));
        const Section& s = got.at(name);
        CHECK((s.flags & SHF_COMPRESSED) == 0);
        CHECK(s.type == want.type);
        CHECK(s.addr == want.addr);
        if (name == ".debug_loclists" || name == ".debug_loc" || name == ".debug_macro") {
          CHECK(s.data.empty());  // left out: symbolization never reads them
        } else {
          CHECK(s.data == want.data);
        }
      }
    }
  }
}

TEST_CASE("symbolize::a compressed separate debug file symbolizes as llvm-symbolizer does") {
  // Oracle: llvm-symbolizer-14's golden for inline_demo (see test_backends.cpp), reached here
  // through the stripped binary and a zlib-compressed copy of its debug file found by build id.
  if (std::system("command -v objcopy >/dev/null 2>&1") != 0) {
    MESSAGE("skipped: objcopy (binutils) is not installed");
    return;
  }
  const auto dir = test::testdata("symbolize");
  TempDir tmp;
  const std::string build_id = kDemoBuildId;
  const fs::path debug = tmp.path / ".build-id" / build_id.substr(0, 2) / (build_id.substr(2) + ".debug");
  fs::create_directories(debug.parent_path());
  REQUIRE(compress("zlib", dir / "inline_demo.debug", debug));
  const auto rel = demo_addresses(7);
  REQUIRE(rel.size() > 50);
  const auto want = demo_frames(dir / "inline_demo", rel, "");
  const auto before = symbolize::inflate_stats();
  const auto got = demo_frames(dir / "inline_demo.stripped", rel, tmp.path.string());
  CHECK(symbolize::inflate_stats().files > before.files);  // the compressed file took our path
  check_same_frames(got, want, rel);
}

TEST_CASE("symbolize::a binary with its own compressed DWARF (-gz) symbolizes as the original") {
  // Oracle: the uncompressed inline_demo, which test_backends.cpp holds to llvm-symbolizer's
  // answers. Its zstd copy is the case elfutils 0.188 cannot read by itself (no zstd support).
  if (std::system("command -v objcopy >/dev/null 2>&1") != 0) {
    MESSAGE("skipped: objcopy (binutils) is not installed");
    return;
  }
  const auto dir = test::testdata("symbolize");
  TempDir tmp;
  const auto rel = demo_addresses(5);
  const auto want = demo_frames(dir / "inline_demo", rel, "");
  for (const char* kind : {"zlib", "zstd"}) {
    SUBCASE(kind) {
      const fs::path packed = tmp.path / fmt::format("inline_demo.{}", kind);
      if (!compress(kind, dir / "inline_demo", packed)) {
        MESSAGE("skipped: this objcopy cannot write " << kind << " sections");
        return;
      }
      check_same_frames(demo_frames(packed, rel, ""), want, rel);
    }
  }
}

TEST_CASE("symbolize::inflate_elf leaves what it cannot inflate to libdw") {
  TempDir tmp;
  auto write = [&](const std::string& name, const std::string& bytes) {
    const fs::path p = tmp.path / name;
    test::write_file(p, bytes);
    return p.string();
  };
  // Not ELF, empty, missing, and an ELF without compressed sections.
  CHECK(symbolize::inflate_elf(write("text", "not an ELF file at all, just words")) == -1);
  CHECK(symbolize::inflate_elf(write("empty", "")) == -1);
  CHECK(symbolize::inflate_elf((tmp.path / "missing").string()) == -1);
  CHECK(symbolize::inflate_elf((test::testdata("symbolize") / "inline_demo.debug").string()) == -1);
  if (std::system("command -v objcopy >/dev/null 2>&1") != 0) {
    MESSAGE("skipped the corrupt-stream cases: objcopy (binutils) is not installed");
    return;
  }
  const fs::path packed = tmp.path / "packed.debug";
  REQUIRE(compress("zlib", test::testdata("symbolize") / "inline_demo.debug", packed));
  const std::string good = test::read_file(packed);
  // Find .debug_info's compression header through libelf.
  uint64_t info_offset = 0, info_size = 0;
  {
    int fd = ::open(packed.c_str(), O_RDONLY | O_CLOEXEC);
    Elf* elf = elf_begin(fd, ELF_C_READ_MMAP, nullptr);
    size_t shstrndx = 0;
    elf_getshdrstrndx(elf, &shstrndx);
    for (Elf_Scn* scn = nullptr; (scn = elf_nextscn(elf, scn));) {
      GElf_Shdr sh;
      gelf_getshdr(scn, &sh);
      if (std::string(elf_strptr(elf, shstrndx, sh.sh_name)) == ".debug_info") {
        info_offset = sh.sh_offset;
        info_size = sh.sh_size;
      }
    }
    elf_end(elf);
    ::close(fd);
  }
  REQUIRE(info_size > 100);
  {
    int fd = symbolize::inflate_elf(packed.string());
    CHECK(fd >= 0);
    if (fd >= 0) ::close(fd);
  }
  // The deflate stream damaged in the middle.
  std::string bad = good;
  for (size_t i = 0; i < 64; ++i) bad[info_offset + info_size / 2 + i] ^= 0x5a;
  CHECK(symbolize::inflate_elf(write("corrupt.debug", bad)) == -1);
  // A header claiming 1 TiB, and one claiming a byte less than the stream holds.
  Elf64_Chdr ch;
  std::memcpy(&ch, good.data() + info_offset, sizeof ch);
  bad = good;
  Elf64_Chdr lie = ch;
  lie.ch_size = uint64_t{1} << 40;
  std::memcpy(bad.data() + info_offset, &lie, sizeof lie);
  CHECK(symbolize::inflate_elf(write("huge.debug", bad)) == -1);
  lie.ch_size = ch.ch_size - 1;
  std::memcpy(bad.data() + info_offset, &lie, sizeof lie);
  CHECK(symbolize::inflate_elf(write("short.debug", bad)) == -1);
  // An unknown compression type, and a file cut inside the section table.
  lie = ch;
  lie.ch_type = 77;
  std::memcpy(bad.data() + info_offset, &lie, sizeof lie);
  CHECK(symbolize::inflate_elf(write("type.debug", bad)) == -1);
  CHECK(symbolize::inflate_elf(write("cut.debug", good.substr(0, good.size() - 100))) == -1);
}
