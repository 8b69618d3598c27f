// symbolize/elf_file.h — what the symbolizer needs to know about one ELF file, read with libelf.
//
// Build id (GNU note, else the Go build-id note hex-encoded), .gnu_debuglink, PT_LOAD segments
// (file offset ↔ virtual address), and whether DWARF and symbol tables are present. Reading a
// malformed or non-ELF file is an Error, never a crash. libelf stays inside elf_file.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "model/error.h"

namespace profkit::symbolize {

struct LoadSegment {
  uint64_t offset = 0;  // p_offset: file offset of the segment's first byte
  uint64_t vaddr = 0;   // p_vaddr: ELF virtual address of that byte
  uint64_t filesz = 0;  // bytes present in the file
  uint64_t memsz = 0;   // bytes in memory (>= filesz)
  bool executable = false;
};

struct ElfInfo {
  uint16_t type = 0;              // ET_EXEC (2), ET_DYN (3), …
  std::string build_id;           // hex of NT_GNU_BUILD_ID, lower case ("" when absent)
  std::string go_build_id;        // hex of the Go build-id note's string ("" when absent)
  std::string debuglink;          // .gnu_debuglink file name ("" when absent)
  uint32_t debuglink_crc = 0;
  std::vector<LoadSegment> loads;
  bool has_dwarf = false;         // .debug_info with contents (not NOBITS)
  bool has_symtab = false;        // .symtab with entries
  bool has_dynsym = false;        // .dynsym with entries
  bool offsets_reconstructed = false;  // a debug-only file: PT_LOAD offsets rebuilt from vaddrs

  // True when `id` (hex, as a profile recorded it) names this file: equal to the GNU or Go build
  // id, ignoring case and the zero padding old perf versions add up to 20 bytes.
  bool matches_build_id(const std::string& id) const;
};

// Reads `path`; kIo when it cannot be opened, kParse when it is not a well-formed ELF file.
model::Result<ElfInfo> read_elf_info(const std::string& path);

// The ELF virtual address (rel_addr) of process address `addr` in a mapping [start, limit) whose
// first byte is file offset `file_offset`, through the PT_LOAD segments `loads`; nullopt when the
// address lies outside every segment. Only segments whose file bytes lie inside the mapping's
// file range are considered (then any segment holding the exact byte, for mappings that cover
// part of a segment); a segment counts from its page-aligned file offset to p_offset + p_memsz,
// as the loader maps it (pprof's ObjAddr answers the same way). A mapping with start = limit = 0 (unknown layout)
// takes addr as the ELF address when a segment contains it. `hit` (optional) receives the segment.
std::optional<uint64_t> elf_address(uint64_t start, uint64_t limit, uint64_t file_offset,
                                    std::span<const LoadSegment> loads, uint64_t addr,
                                    const LoadSegment** hit = nullptr);

// Lower-case hex of `bytes`.
std::string to_hex(std::span<const unsigned char> bytes);

}  // namespace profkit::symbolize
