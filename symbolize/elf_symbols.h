// symbolize/elf_symbols.h — the ELF symbol table of one binary, as perf reads it.
//
// Function symbols (STT_FUNC, STT_GNU_IFUNC, global STT_NOTYPE and, as perf, unsized STT_NOTYPE
// labels; NOTYPE ones only in executable sections) from .symtab — of the debug file when it has
// one — else .dynsym. Symbols at the same address are
// reduced to one with perf's rule (sized over unsized, non-weak over weak, global over local,
// fewer leading underscores, longer name), and an unsized symbol ends where the next begins, so
// names agree with `perf report`. Both backends use this table: it names frames without DWARF
// and the outermost frame of every address (as llvm-symbolizer does with its own table).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace profkit::symbolize {

class ElfSymbols {
 public:
  // Loads the best table of `primary` (e.g. the debug file) or, without one, of `fallback`.
  // Unreadable files give an empty table.
  static ElfSymbols load(const std::string& primary, const std::string& fallback = "");

  struct Symbol {
    uint64_t start = 0;  // ELF virtual address
    uint64_t end = 0;    // one past the last byte
    std::string name;    // as in the file (mangled)
  };
  // The symbol covering `rel_addr`, or nullptr.
  const Symbol* find(uint64_t rel_addr) const;
  size_t size() const { return symbols_.size(); }

 private:
  std::vector<Symbol> symbols_;
};

}  // namespace profkit::symbolize
