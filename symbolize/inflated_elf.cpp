// symbolize/inflated_elf.cpp — see inflated_elf.h. The layout of the copy: the ELF header, the
// program headers, each section with contents (in index order, at its own alignment), then the
// section header table. Only 64-bit files in the host's byte order are handled; anything else
// goes to libdw unchanged.
#include "symbolize/inflated_elf.h"

#include <elf.h>
#include <fcntl.h>
#include <libdeflate.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace profkit::symbolize {

namespace {

std::atomic<int> g_files{0};
std::atomic<long long> g_compressed{0}, g_inflated{0};

#ifndef ELFCOMPRESS_ZSTD
constexpr uint32_t ELFCOMPRESS_ZSTD = 2;
#endif

// Sections no symbolization or unwinding step reads: they are given size 0 in the copy.
bool unused_section(std::string_view name) {
  static constexpr std::string_view kUnused[] = {".debug_loc",      ".debug_loclists",    ".debug_macro",
                                                 ".debug_macinfo",  ".debug_pubnames",    ".debug_pubtypes",
                                                 ".debug_gnu_pubnames", ".debug_gnu_pubtypes"};
  return std::find(std::begin(kUnused), std::end(kUnused), name) != std::end(kUnused);
}

// Deflate expands at most ~1032:1, zstd a little more; a header claiming more is lying.
constexpr uint64_t kMaxRatio = 2048;
constexpr uint64_t kMaxSection = uint64_t{4} << 30;

class Mapped {
 public:
  explicit Mapped(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st{};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= static_cast<off_t>(sizeof(Elf64_Ehdr))) {
      void* m = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
      if (m != MAP_FAILED) {
        data_ = static_cast<const uint8_t*>(m);
        size_ = static_cast<size_t>(st.st_size);
      }
    }
    ::close(fd);
  }
  ~Mapped() {
    if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
  }
  Mapped(const Mapped&) = delete;
  Mapped& operator=(const Mapped&) = delete;
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool holds(uint64_t offset, uint64_t len) const { return offset <= size_ && len <= size_ - offset; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

template <typename T>
T load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }
uint64_t sane_alignment(uint64_t a) { return a == 0 ? 1 : std::has_single_bit(a) && a <= 4096 ? a : 8; }

struct Placed {
  Elf64_Shdr out;
  uint64_t from = 0, from_size = 0;  // the input bytes (compressed: after the Chdr)
  uint32_t compression = 0;          // 0 = copied, ELFCOMPRESS_ZLIB, ELFCOMPRESS_ZSTD
  bool has_contents = false;
};

bool inflate_into(uint32_t type, const uint8_t* in, size_t in_size, uint8_t* out, size_t out_size) {
  if (type == ELFCOMPRESS_ZLIB) {
    thread_local struct Decompressor {
      libdeflate_decompressor* d = libdeflate_alloc_decompressor();
      ~Decompressor() { libdeflate_free_decompressor(d); }
    } dec;
    size_t got = 0;
    return dec.d && libdeflate_zlib_decompress(dec.d, in, in_size, out, out_size, &got) == LIBDEFLATE_SUCCESS &&
           got == out_size;
  }
  const size_t got = ZSTD_decompress(out, out_size, in, in_size);
  return !ZSTD_isError(got) && got == out_size;
}

}  // namespace

int inflate_elf(const std::string& path) {
  Mapped file(path);
  const uint8_t* base = file.data();
  if (!base) return -1;
  const auto eh = load<Elf64_Ehdr>(base);
  constexpr unsigned char kHostData = std::endian::native == std::endian::little ? ELFDATA2LSB : ELFDATA2MSB;
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_VERSION] != EV_CURRENT ||
      eh.e_ident[EI_DATA] != kHostData || eh.e_shoff == 0 || eh.e_shentsize != sizeof(Elf64_Shdr)) {
    return -1;
  }
  // Section and program header counts, with extended numbering (the real values in section 0).
  if (!file.holds(eh.e_shoff, sizeof(Elf64_Shdr))) return -1;
  const auto sh0 = load<Elf64_Shdr>(base + eh.e_shoff);
  const uint64_t shnum = eh.e_shnum ? eh.e_shnum : sh0.sh_size;
  const uint64_t shstrndx = eh.e_shstrndx == SHN_XINDEX ? sh0.sh_link : eh.e_shstrndx;
  const uint64_t phnum = eh.e_phnum == PN_XNUM ? sh0.sh_info : eh.e_phnum;
  if (shnum == 0 || shnum > (uint64_t{1} << 24) || !file.holds(eh.e_shoff, shnum * sizeof(Elf64_Shdr))) return -1;
  if (phnum && (eh.e_phentsize != sizeof(Elf64_Phdr) || phnum > 65536 || !file.holds(eh.e_phoff, phnum * sizeof(Elf64_Phdr)))) {
    return -1;
  }
  std::vector<Elf64_Shdr> in(shnum);
  std::memcpy(in.data(), base + eh.e_shoff, shnum * sizeof(Elf64_Shdr));
  if (std::none_of(in.begin(), in.end(), [](const Elf64_Shdr& s) { return s.sh_type != SHT_NOBITS && (s.sh_flags & SHF_COMPRESSED); })) {
    return -1;
  }
  const Elf64_Shdr* names = shstrndx < shnum && in[shstrndx].sh_type == SHT_STRTAB && !(in[shstrndx].sh_flags & SHF_COMPRESSED) &&
                                    file.holds(in[shstrndx].sh_offset, in[shstrndx].sh_size)
                                ? &in[shstrndx]
                                : nullptr;
  auto name_of = [&](const Elf64_Shdr& s) -> std::string_view {
    if (!names || s.sh_name >= names->sh_size) return {};
    const char* p = reinterpret_cast<const char*>(base + names->sh_offset + s.sh_name);
    return std::string_view(p, strnlen(p, names->sh_size - s.sh_name));
  };

  // Layout.
  std::vector<Placed> placed(shnum);
  uint64_t off = sizeof(Elf64_Ehdr);
  const uint64_t phoff = phnum ? off : 0;
  off += phnum * sizeof(Elf64_Phdr);
  long long compressed_bytes = 0;
  for (uint64_t i = 0; i < shnum; ++i) {
    const Elf64_Shdr& s = in[i];
    Placed& p = placed[i];
    p.out = s;
    if (i == 0) continue;  // the null section (or the extended counts): copied as it is
    if (s.sh_type == SHT_NOBITS || s.sh_size == 0) {
      p.out.sh_offset = off;  // no contents (so nothing compressed either)
      p.out.sh_flags &= ~static_cast<uint64_t>(SHF_COMPRESSED);
      continue;
    }
    if (!file.holds(s.sh_offset, s.sh_size)) return -1;
    uint64_t size = s.sh_size, align = sane_alignment(s.sh_addralign);
    p.from = s.sh_offset;
    p.from_size = s.sh_size;
    if (s.sh_flags & SHF_COMPRESSED) {
      if (s.sh_size < sizeof(Elf64_Chdr)) return -1;
      const auto ch = load<Elf64_Chdr>(base + s.sh_offset);
      if (ch.ch_type != ELFCOMPRESS_ZLIB && ch.ch_type != ELFCOMPRESS_ZSTD) return -1;
      if (ch.ch_size > kMaxSection || ch.ch_size > (s.sh_size - sizeof(Elf64_Chdr)) * kMaxRatio) return -1;
      p.compression = ch.ch_type;
      p.from += sizeof(Elf64_Chdr);
      p.from_size -= sizeof(Elf64_Chdr);
      size = ch.ch_size;
      align = sane_alignment(ch.ch_addralign);
      p.out.sh_flags &= ~static_cast<uint64_t>(SHF_COMPRESSED);
      p.out.sh_addralign = align;
      compressed_bytes += static_cast<long long>(s.sh_size);
    }
    if (unused_section(name_of(s))) {
      p.out.sh_flags &= ~static_cast<uint64_t>(SHF_COMPRESSED);
      p.out.sh_size = 0;
      p.out.sh_offset = off;
      continue;
    }
    // At least 8: libelf reads typed sections (hash tables, symbols, relocations) in place only
    // from offsets aligned for their entries, whatever sh_addralign says.
    off = align_up(off, std::max<uint64_t>(align, 8));
    p.out.sh_offset = off;
    p.out.sh_size = size;
    p.has_contents = true;
    off += size;
  }
  const uint64_t shoff = align_up(off, 8);
  const uint64_t total = shoff + shnum * sizeof(Elf64_Shdr);

  int fd = ::memfd_create("profkit-inflated-debug", MFD_CLOEXEC);
  if (fd < 0) return -1;
  if (::ftruncate(fd, static_cast<off_t>(total)) != 0) {
    ::close(fd);
    return -1;
  }
  void* m = ::mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (m == MAP_FAILED) {
    ::close(fd);
    return -1;
  }
  auto* out = static_cast<uint8_t*>(m);
#ifdef MADV_POPULATE_WRITE
  ::madvise(m, total, MADV_POPULATE_WRITE);  // one call instead of a fault per page (Linux >= 5.14)
#endif
  bool ok = true;
  long long inflated_bytes = 0;
  for (const Placed& p : placed) {
    if (!p.has_contents) continue;
    uint8_t* dst = out + p.out.sh_offset;
    if (p.compression) {
      ok = inflate_into(p.compression, base + p.from, p.from_size, dst, p.out.sh_size);
      if (!ok) break;
      inflated_bytes += static_cast<long long>(p.out.sh_size);
    } else {
      std::memcpy(dst, base + p.from, p.out.sh_size);
    }
  }
  if (ok) {
    Elf64_Ehdr oh = eh;
    oh.e_phoff = phoff;
    oh.e_shoff = shoff;
    std::memcpy(out, &oh, sizeof oh);
    // Program headers: a segment's file offset follows the section it starts in (notes are
    // found through PT_NOTE); offsets outside every copied section stay as they were.
    for (uint64_t i = 0; i < phnum; ++i) {
      auto ph = load<Elf64_Phdr>(base + eh.e_phoff + i * sizeof(Elf64_Phdr));
      for (const Placed& p : placed) {
        if (p.has_contents && !p.compression && ph.p_offset >= p.from && ph.p_offset < p.from + p.from_size) {
          ph.p_offset = p.out.sh_offset + (ph.p_offset - p.from);
          break;
        }
      }
      std::memcpy(out + phoff + i * sizeof(Elf64_Phdr), &ph, sizeof ph);
    }
    for (uint64_t i = 0; i < shnum; ++i) std::memcpy(out + shoff + i * sizeof(Elf64_Shdr), &placed[i].out, sizeof(Elf64_Shdr));
  }
  ::munmap(m, total);
  if (!ok) {
    ::close(fd);
    return -1;
  }
  g_files.fetch_add(1, std::memory_order_relaxed);
  g_compressed.fetch_add(compressed_bytes, std::memory_order_relaxed);
  g_inflated.fetch_add(inflated_bytes, std::memory_order_relaxed);
  return fd;
}

InflateStats inflate_stats() {
  return InflateStats{g_files.load(std::memory_order_relaxed), g_compressed.load(std::memory_order_relaxed),
                      g_inflated.load(std::memory_order_relaxed)};
}

}  // namespace profkit::symbolize
