#include "symbolize/elf_file.h"

#include <elf.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include <fmt/format.h>

namespace profkit::symbolize {

namespace {

// RAII for an open file descriptor and its libelf handle.
class ElfHandle {
 public:
  explicit ElfHandle(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return;
    elf_version(EV_CURRENT);
    elf_ = elf_begin(fd_, ELF_C_READ_MMAP, nullptr);
  }
  ~ElfHandle() {
    if (elf_) elf_end(elf_);
    if (fd_ >= 0) ::close(fd_);
  }
  ElfHandle(const ElfHandle&) = delete;
  ElfHandle& operator=(const ElfHandle&) = delete;
  bool opened() const { return fd_ >= 0; }
  Elf* get() const { return elf_; }

 private:
  int fd_ = -1;
  Elf* elf_ = nullptr;
};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Walks the notes of one SHT_NOTE section, picking up the GNU and Go build ids.
void read_notes(Elf_Data* data, ElfInfo& info) {
  size_t offset = 0;
  GElf_Nhdr nhdr;
  size_t name_offset = 0, desc_offset = 0;
  while (offset < data->d_size) {
    size_t next = gelf_getnote(data, offset, &nhdr, &name_offset, &desc_offset);
    if (next == 0 || next <= offset) break;
    const auto* base = static_cast<const unsigned char*>(data->d_buf);
    std::string_view name(reinterpret_cast<const char*>(base + name_offset), nhdr.n_namesz);
    if (!name.empty() && name.back() == '\0') name.remove_suffix(1);
    std::span<const unsigned char> desc(base + desc_offset, nhdr.n_descsz);
    if (name == "GNU" && nhdr.n_type == NT_GNU_BUILD_ID && info.build_id.empty()) {
      info.build_id = to_hex(desc);
    } else if (name == "Go" && nhdr.n_type == 4 && info.go_build_id.empty()) {  // NT_GO_BUILD_ID
      size_t n = desc.size();
      while (n > 0 && desc[n - 1] == 0) --n;
      info.go_build_id = to_hex(desc.first(n));
    }
    offset = next;
  }
}

}  // namespace

std::string to_hex(std::span<const unsigned char> bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

bool ElfInfo::matches_build_id(const std::string& id) const {
  std::string want = lower(id);
  auto same = [&](const std::string& have) {
    if (have.empty()) return false;
    if (want == have) return true;
    // perf pads short build ids with zeros to 20 bytes (40 hex digits).
    if (want.size() > have.size() && want.compare(0, have.size(), have) == 0) {
      return std::all_of(want.begin() + static_cast<std::ptrdiff_t>(have.size()), want.end(),
                         [](char c) { return c == '0'; });
    }
    return false;
  };
  return same(build_id) || same(go_build_id);
}

model::Result<ElfInfo> read_elf_info(const std::string& path) {
  ElfHandle h(path);
  if (!h.opened()) {
    return std::unexpected(model::Error{model::ErrorCode::kIo, std::strerror(errno), path, -1, -1});
  }
  Elf* elf = h.get();
  if (!elf || elf_kind(elf) != ELF_K_ELF) {
    return std::unexpected(model::Error{model::ErrorCode::kParse, "not an ELF file", path, -1, -1});
  }
  GElf_Ehdr ehdr;
  if (!gelf_getehdr(elf, &ehdr)) {
    return std::unexpected(
        model::Error{model::ErrorCode::kParse, fmt::format("bad ELF header: {}", elf_errmsg(-1)), path, -1, -1});
  }
  ElfInfo info;
  info.type = ehdr.e_type;

  size_t phnum = 0;
  if (elf_getphdrnum(elf, &phnum) == 0) {
    for (size_t i = 0; i < phnum; ++i) {
      GElf_Phdr ph;
      if (!gelf_getphdr(elf, static_cast<int>(i), &ph)) break;
      if (ph.p_type != PT_LOAD) continue;
      info.loads.push_back({ph.p_offset, ph.p_vaddr, ph.p_filesz, ph.p_memsz, (ph.p_flags & PF_X) != 0});
    }
  }

  // A separate debug file (objcopy --only-keep-debug) keeps the program headers but not the
  // segments' bytes: the executable segment has no file size and p_offset is meaningless there.
  // Offsets are rebuilt as the linker lays them out (vaddr minus the first segment's page).
  bool code_in_file = false;
  for (const LoadSegment& s : info.loads) code_in_file |= s.executable && s.filesz > 0;
  if (!info.loads.empty() && !code_in_file) {
    info.offsets_reconstructed = true;
    const uint64_t base = info.loads.front().vaddr & ~uint64_t{0xfff};
    for (LoadSegment& s : info.loads) {
      s.offset = s.vaddr - base;
      s.filesz = s.memsz;
    }
  }

  size_t shstrndx = 0;
  if (elf_getshdrstrndx(elf, &shstrndx) != 0) shstrndx = 0;
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn; scn = elf_nextscn(elf, scn)) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh)) break;
    const char* raw_name = shstrndx ? elf_strptr(elf, shstrndx, sh.sh_name) : nullptr;
    std::string_view name = raw_name ? raw_name : "";
    if (sh.sh_type == SHT_NOTE) {
      if (Elf_Data* data = elf_getdata(scn, nullptr); data && data->d_buf) read_notes(data, info);
    } else if (name == ".debug_info" || name == ".zdebug_info") {
      info.has_dwarf = sh.sh_type != SHT_NOBITS && sh.sh_size > 0;
    } else if (sh.sh_type == SHT_SYMTAB) {
      info.has_symtab = sh.sh_size > sh.sh_entsize;
    } else if (sh.sh_type == SHT_DYNSYM) {
      info.has_dynsym = sh.sh_size > sh.sh_entsize;
    } else if (name == ".gnu_debuglink" && sh.sh_type != SHT_NOBITS) {
      Elf_Data* data = elf_getdata(scn, nullptr);
      if (data && data->d_buf && data->d_size >= 5) {
        const char* p = static_cast<const char*>(data->d_buf);
        size_t len = strnlen(p, data->d_size);
        size_t crc_at = (len + 4) & ~size_t{3};
        if (len > 0 && len < data->d_size && crc_at + 4 <= data->d_size) {
          info.debuglink.assign(p, len);
          uint32_t crc = 0;
          std::memcpy(&crc, p + crc_at, 4);
          if (ehdr.e_ident[EI_DATA] == ELFDATA2MSB) crc = __builtin_bswap32(crc);
          info.debuglink_crc = crc;
        }
      }
    }
  }
  return info;
}

std::optional<uint64_t> elf_address(uint64_t start, uint64_t limit, uint64_t file_offset,
                                    std::span<const LoadSegment> loads, uint64_t addr, const LoadSegment** hit) {
  auto found = [&](const LoadSegment& s, uint64_t rel) {
    if (hit) *hit = &s;
    return std::optional<uint64_t>(rel);
  };
  constexpr uint64_t kPage = 4096;
  if (start == 0 && limit == 0 && file_offset == 0) {
    for (const LoadSegment& s : loads) {
      if (addr >= s.vaddr && addr - s.vaddr < s.memsz) return found(s, addr);
    }
    return std::nullopt;
  }
  if (addr < start || (limit > start && addr >= limit)) return std::nullopt;
  const uint64_t off = addr - start + file_offset;  // file offset the address was loaded from
  // Segments whose file bytes lie inside the mapping's file range are the ones it maps.
  auto inside = [&](const LoadSegment& s) {
    if (limit <= start) return true;
    return s.offset >= file_offset && s.offset + s.filesz <= file_offset + (limit - start);
  };
  // 1. Exact: within the bytes a mapped segment has in the file.
  for (const LoadSegment& s : loads) {
    if (inside(s) && off >= s.offset && off - s.offset < s.filesz) return found(s, off - s.offset + s.vaddr);
  }
  // 2. Loader view of a mapped segment: from its page-aligned offset to p_offset + p_memsz.
  for (const LoadSegment& s : loads) {
    const uint64_t first = s.offset & ~(kPage - 1);
    if (inside(s) && off >= first && off < s.offset + s.memsz) return found(s, s.vaddr + off - s.offset);
  }
  // 3. A mapping that covers only part of a segment (split by mprotect, RELRO): exact bytes.
  for (const LoadSegment& s : loads) {
    if (off >= s.offset && off - s.offset < s.filesz) return found(s, off - s.offset + s.vaddr);
  }
  return std::nullopt;
}

}  // namespace profkit::symbolize
