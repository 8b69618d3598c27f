// symbolize/fast_unwind.h — x86_64 CFI rows reduced to rules the unwinder applies by itself.
//
// libdwfl's unwinder looks up and interprets a CFI row (dwarf_cfi_addrframe, a malloc'd
// Dwarf_Frame, a small DWARF expression evaluator) for every frame of every sample. Almost all
// rows of compiled code are simple: the CFA is a register plus an offset, and each register is
// undefined, unchanged, saved at CFA+N or equal to CFA+N. Such a row is read once per binary
// address (CfiRowCache) and applied here as libdwfl's frame_unwind.c would apply it (same
// register numbering, same order of memory reads, same end-of-stack rules); rows with anything
// else (expressions, register copies, signal frames, a return address other than rip) are
// kComplex, addresses without an FDE are kNoFde, and the caller unwinds those samples with
// libdwfl instead.
//
// Registers use the DWARF numbering of the x86_64 psABI: 0-15 general purpose, 16 the return
// address (rip), 17 of them as libdwfl's x86_64 backend keeps per frame.
#pragma once

#include <elfutils/libdw.h>

#include <array>
#include <cstdint>
#include <unordered_map>

namespace profkit::symbolize {

constexpr unsigned kX86_64FrameRegs = 17;
constexpr unsigned kX86_64ReturnReg = 16;

struct CfiRow {
  enum class Kind : uint8_t { kNoFde, kComplex, kSimple };
  enum class Rule : uint8_t { kUndefined, kSameValue, kOffset, kValOffset };
  Kind kind = Kind::kNoFde;
  uint8_t cfa_reg = 0;     // CFA = value of this register + cfa_offset (modulo 2^64)
  uint64_t cfa_offset = 0;
  std::array<Rule, kX86_64FrameRegs> rules{};
  std::array<uint64_t, kX86_64FrameRegs> offsets{};  // kOffset: saved at CFA+N; kValOffset: = CFA+N
};

// The row of `cfi` at `rel_addr` (an address in the CFI's own file), reduced as above.
CfiRow read_cfi_row(Dwarf_CFI* cfi, Dwarf_Addr rel_addr);

// Rows by (binary, file-relative address); one cache per unwinder, so no locking.
// A small direct-mapped table of recent hits sits in front of the map (whose nodes never move).
class CfiRowCache {
 public:
  const CfiRow* find(const void* binary, uint64_t rel_addr) {
    const Key key{binary, rel_addr};
    Recent& slot = recent_[hash(key) % kRecent];
    if (slot.row && slot.key == key) return slot.row;
    auto it = rows_.find(key);
    if (it == rows_.end()) return nullptr;
    slot = Recent{key, &it->second};
    return &it->second;
  }
  const CfiRow& insert(const void* binary, uint64_t rel_addr, const CfiRow& row) {
    const Key key{binary, rel_addr};
    const CfiRow& stored = rows_.insert_or_assign(key, row).first->second;
    recent_[hash(key) % kRecent] = Recent{key, &stored};
    return stored;
  }

 private:
  struct Key {
    const void* binary;
    uint64_t rel_addr;
    bool operator==(const Key&) const = default;
  };
  static size_t hash(const Key& k) {
    uint64_t h = (reinterpret_cast<uintptr_t>(k.binary) ^ k.rel_addr) * 0x9e3779b97f4a7c15ull;
    return static_cast<size_t>(h ^ (h >> 32));
  }
  struct KeyHash {
    size_t operator()(const Key& k) const { return hash(k); }
  };
  struct Recent {
    Key key{nullptr, 0};
    const CfiRow* row = nullptr;
  };
  static constexpr size_t kRecent = 4096;
  std::unordered_map<Key, CfiRow, KeyHash> rows_;
  std::array<Recent, kRecent> recent_{};
};

// The registers of one frame; `set` has bit r when register r is known.
struct FrameRegs {
  std::array<uint64_t, kX86_64FrameRegs> value{};
  uint32_t set = 0;
  bool has(unsigned r) const { return (set >> r) & 1u; }
  void put(unsigned r, uint64_t v) {
    value[r] = v;
    set |= 1u << r;
  }
};

// Applies a kSimple `row` of the frame `callee` and fills its caller's registers, reading saved
// registers with `read(addr, value) -> bool` in register order as libdwfl does. Returns false
// when the caller's pc is undefined (the outermost frame: rip undefined, unreadable or 0).
template <class Read>
bool apply_cfi_row(const CfiRow& row, const FrameRegs& callee, FrameRegs& caller, Read&& read) {
  caller.set = 0;
  const bool cfa_known = callee.has(row.cfa_reg);
  const uint64_t cfa = callee.value[row.cfa_reg] + row.cfa_offset;
  bool pc_undefined = false;
  for (unsigned r = 0; r < kX86_64FrameRegs; ++r) {
    switch (row.rules[r]) {
      case CfiRow::Rule::kUndefined:
        if (r == kX86_64ReturnReg) pc_undefined = true;
        break;
      case CfiRow::Rule::kSameValue:
        if (callee.has(r)) caller.put(r, callee.value[r]);
        break;
      case CfiRow::Rule::kOffset: {
        uint64_t v = 0;
        if (cfa_known && read(cfa + row.offsets[r], v)) caller.put(r, v);
        break;
      }
      case CfiRow::Rule::kValOffset:
        if (cfa_known) caller.put(r, cfa + row.offsets[r]);
        break;
    }
  }
  return !pc_undefined && caller.has(kX86_64ReturnReg) && caller.value[kX86_64ReturnReg] != 0;
}

}  // namespace profkit::symbolize
