#include "symbolize/elf_symbols.h"

#include <elf.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace profkit::symbolize {

namespace {

struct Candidate {
  uint64_t start, size;
  int binding;
  std::string name;
};

int leading_underscores(const std::string& s) {
  int n = 0;
  while (n < static_cast<int>(s.size()) && s[n] == '_') ++n;
  return n;
}

// perf's choose_best_symbol: true when `a` should be kept over `b` (same start address).
bool better(const Candidate& a, const Candidate& b) {
  if ((a.size > 0) != (b.size > 0)) return a.size > 0;
  if ((a.binding == STB_WEAK) != (b.binding == STB_WEAK)) return b.binding == STB_WEAK;
  if ((a.binding == STB_GLOBAL) != (b.binding == STB_GLOBAL)) return a.binding == STB_GLOBAL;
  int ua = leading_underscores(a.name), ub = leading_underscores(b.name);
  if (ua != ub) return ua < ub;
  return a.name.size() > b.name.size();
}

// Reads function symbols from the SHT_SYMTAB (or, when `dynamic`, SHT_DYNSYM) section of `path`.
bool read_table(const std::string& path, bool dynamic, std::vector<Candidate>& out) {
  if (path.empty()) return false;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  elf_version(EV_CURRENT);
  Elf* elf = elf_begin(fd, ELF_C_READ_MMAP, nullptr);
  bool found = false;
  if (elf && elf_kind(elf) == ELF_K_ELF) {
    const Elf64_Word want = dynamic ? SHT_DYNSYM : SHT_SYMTAB;
    for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn; scn = elf_nextscn(elf, scn)) {
      GElf_Shdr sh;
      if (!gelf_getshdr(scn, &sh) || sh.sh_type != want || sh.sh_entsize == 0) continue;
      Elf_Data* data = elf_getdata(scn, nullptr);
      if (!data) continue;
      const size_t count = data->d_size / sh.sh_entsize;
      for (size_t i = 0; i < count; ++i) {
        GElf_Sym sym;
        if (!gelf_getsym(data, static_cast<int>(i), &sym)) break;
        const int type = GELF_ST_TYPE(sym.st_info);
        const int binding = GELF_ST_BIND(sym.st_info);
        if (sym.st_shndx == SHN_UNDEF || sym.st_shndx >= SHN_LORESERVE || sym.st_value == 0) continue;
        // perf also takes unsized NOTYPE labels of any binding in executable sections
        // (elf_sym__is_label): assembly entry points such as ld.so's _dl_start_user.
        if (type != STT_FUNC && type != STT_GNU_IFUNC &&
            !(type == STT_NOTYPE && (binding == STB_GLOBAL || sym.st_size == 0))) {
          continue;
        }
        if (type == STT_NOTYPE) {
          GElf_Shdr target;
          Elf_Scn* ts = elf_getscn(elf, sym.st_shndx);
          if (!ts || !gelf_getshdr(ts, &target) || !(target.sh_flags & SHF_EXECINSTR)) continue;
        }
        const char* name = elf_strptr(elf, sh.sh_link, sym.st_name);
        if (!name || !*name) continue;
        out.push_back(Candidate{sym.st_value, sym.st_size, binding, name});
        found = true;
      }
    }
  }
  if (elf) elf_end(elf);
  ::close(fd);
  return found;
}

}  // namespace

ElfSymbols ElfSymbols::load(const std::string& primary, const std::string& fallback) {
  std::vector<Candidate> all;
  if (!read_table(primary, false, all) && !read_table(fallback, false, all) && !read_table(fallback, true, all)) {
    read_table(primary, true, all);
  }
  // Stable: on a full tie perf keeps the symbol that comes first in the table
  // (__libc_start_main@@GLIBC_2.34 over __libc_start_main@GLIBC_2.2.5).
  std::stable_sort(all.begin(), all.end(), [](const Candidate& a, const Candidate& b) { return a.start < b.start; });
  ElfSymbols table;
  for (size_t i = 0; i < all.size();) {
    size_t best = i, j = i + 1;
    for (; j < all.size() && all[j].start == all[i].start; ++j) {
      if (better(all[j], all[best])) best = j;
    }
    table.symbols_.push_back(Symbol{all[best].start, all[best].start + all[best].size, std::move(all[best].name)});
    i = j;
  }
  // An unsized symbol runs to the next one (the last to the end of its page and one more).
  for (size_t i = 0; i < table.symbols_.size(); ++i) {
    Symbol& s = table.symbols_[i];
    if (s.end > s.start) continue;
    s.end = i + 1 < table.symbols_.size() ? table.symbols_[i + 1].start : ((s.start + 4095) & ~uint64_t{4095}) + 4096;
  }
  return table;
}

const ElfSymbols::Symbol* ElfSymbols::find(uint64_t rel_addr) const {
  auto it = std::upper_bound(symbols_.begin(), symbols_.end(), rel_addr,
                             [](uint64_t a, const Symbol& s) { return a < s.start; });
  if (it == symbols_.begin()) return nullptr;
  const Symbol& s = *std::prev(it);
  return rel_addr < s.end ? &s : nullptr;
}

}  // namespace profkit::symbolize
