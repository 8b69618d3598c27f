// symbolize/symbol_table.h — address-sorted name tables for frames without an ELF file:
// the kernel (/proc/kallsyms or a saved copy) and JIT code (perf-PID.map files).
//
//   kallsyms:     "ffffffff81000000 T _stext" (optionally "\t[module]"); text symbols (t/T/w/W)
//                 are kept, each ends where the next begins; as perf's symbols__fixup_end, the
//                 last one and the last before a kernel/module boundary end one page on
//                 (rounded up to a page), so far-away addresses do not land in them.
//   perf-PID.map: "START SIZE name" with hex START and SIZE (perf's JIT interface; name may
//                 contain spaces); an address matches when START <= addr < START + SIZE.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"

namespace profkit::symbolize {

class SymbolTable {
 public:
  struct Symbol {
    uint64_t start = 0;
    uint64_t size = 0;  // 0 = until the next symbol (or `end`)
    std::string_view name;   // in the table's name arena (valid while the table lives)
    uint64_t end = 0;        // kallsyms: exclusive end where no next symbol stops it; 0 = none
    bool in_module = false;  // kallsyms: a module's symbol ("\t[module]")
  };

  SymbolTable() = default;
  SymbolTable(SymbolTable&&) noexcept = default;
  SymbolTable& operator=(SymbolTable&&) noexcept = default;
  SymbolTable(const SymbolTable&) = delete;  // names point into names_
  SymbolTable& operator=(const SymbolTable&) = delete;

  // Parses kallsyms text. `zero_addresses` is set when every address is 0 (kptr_restrict).
  static SymbolTable parse_kallsyms(std::string_view text);
  // Parses a perf-PID.map; malformed lines are counted in malformed_lines().
  static SymbolTable parse_perf_map(std::string_view text);
  // Reads and parses a file (kIo when unreadable).
  static model::Result<SymbolTable> load_kallsyms(const std::string& path);
  static model::Result<SymbolTable> load_perf_map(const std::string& path);

  // The symbol covering `addr`, or nullptr.
  const Symbol* find(uint64_t addr) const;

  size_t size() const { return symbols_.size(); }
  bool zero_addresses() const { return zero_addresses_; }
  int64_t malformed_lines() const { return malformed_lines_; }

 private:
  void sort_and_index();
  template <class Feed>
  static SymbolTable build_kallsyms(Feed feed, size_t max_bytes, size_t max_lines);
  // Copies `name` into the arena; the arena is reserved once to the input's size, so views into
  // it stay valid (and a moved vector keeps its buffer).
  std::string_view keep(std::string_view name);
  std::vector<char> names_;
  std::vector<Symbol> symbols_;
  bool zero_addresses_ = false;
  int64_t malformed_lines_ = 0;
};

// The GNU build id (hex) in a raw ELF note blob such as /sys/kernel/notes; "" when absent.
std::string build_id_from_notes(std::string_view notes);

}  // namespace profkit::symbolize
