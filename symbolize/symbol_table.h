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
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"

namespace profkit::symbolize {

class SymbolTable {
 public:
  // A symbol as find() returns it; the name is a view into the table (valid while it lives).
  struct Symbol {
    uint64_t start = 0;
    uint64_t size = 0;       // 0 = until the next symbol (or `end`)
    std::string_view name;
    uint64_t end = 0;        // kallsyms: exclusive end where no next symbol stops it; 0 = none
    bool in_module = false;  // kallsyms: a module's symbol ("\t[module]")
  };

  SymbolTable() = default;
  SymbolTable(SymbolTable&&) noexcept = default;
  SymbolTable& operator=(SymbolTable&&) noexcept = default;
  SymbolTable(const SymbolTable&) = delete;
  SymbolTable& operator=(const SymbolTable&) = delete;

  // Parses kallsyms text. `zero_addresses` is set when every address is 0 (kptr_restrict).
  static SymbolTable parse_kallsyms(std::string_view text);
  // Parses a perf-PID.map; malformed lines are counted in malformed_lines().
  static SymbolTable parse_perf_map(std::string_view text);
  // Reads and parses a file (kIo when unreadable). A regular kallsyms file (a saved copy, perf's
  // build-id cache) is mapped and its names stay in the mapping; /proc/kallsyms is read.
  static model::Result<SymbolTable> load_kallsyms(const std::string& path);
  static model::Result<SymbolTable> load_perf_map(const std::string& path);

  // The symbol covering `addr`, or nullopt.
  std::optional<Symbol> find(uint64_t addr) const;

  size_t size() const { return entries_.size(); }
  bool zero_addresses() const { return zero_addresses_; }
  int64_t malformed_lines() const { return malformed_lines_; }

 private:
  // 16 bytes a symbol: kallsyms has 120k+ of them, and every byte of the table is a fresh page
  // to fault in on each run.
  struct Entry {
    uint64_t start;
    uint32_t name_at;         // offset of the name in names()
    uint32_t name_len : 31;
    uint32_t in_module : 1;
  };
  template <class Feed, class Keep>
  static SymbolTable build_kallsyms(Feed feed, Keep keep);
  // build_kallsyms' `keep` for text that is not kept: the name is copied into names_.
  static std::optional<uint32_t> copy_name(SymbolTable& table, std::string_view name);
  void sort_entries();
  const char* names() const { return mapped_ ? mapped_.get() : names_.data(); }
  Symbol symbol(size_t i) const;

  std::vector<Entry> entries_;
  std::vector<uint64_t> sizes_;                     // perf maps: each entry's size; empty for kallsyms
  std::vector<std::pair<uint32_t, uint64_t>> ends_;  // kallsyms: (entry, end) where one applies, by entry
  std::vector<char> names_;                          // names copied from text that is not kept
  std::shared_ptr<const char> mapped_;               // or: the mapped file the names are in
  bool zero_addresses_ = false;
  int64_t malformed_lines_ = 0;
};

// The GNU build id (hex) in a raw ELF note blob such as /sys/kernel/notes; "" when absent.
std::string build_id_from_notes(std::string_view notes);

}  // namespace profkit::symbolize
