#include "symbolize/fast_unwind.h"

#include <dwarf.h>

#include <cstdlib>

namespace profkit::symbolize {

namespace {

// dwarf_frame_register's location description of one register, as a rule (libdw spells
// offset(N) as DW_OP_call_frame_cfa [DW_OP_plus_uconst N], val_offset(N) with a trailing
// DW_OP_stack_value, undefined as no ops in ops_mem, same value as no ops and a null pointer).
bool read_rule(Dwarf_Frame* frame, unsigned regno, CfiRow::Rule& rule, uint64_t& offset) {
  Dwarf_Op ops_mem[3];
  Dwarf_Op* ops = nullptr;
  size_t nops = 0;
  if (dwarf_frame_register(frame, static_cast<int>(regno), ops_mem, &ops, &nops) != 0) return false;
  offset = 0;
  if (nops == 0) {
    if (ops == ops_mem) {
      rule = CfiRow::Rule::kUndefined;
      return true;
    }
    if (ops == nullptr) {
      rule = CfiRow::Rule::kSameValue;
      return true;
    }
    return false;
  }
  if (ops[0].atom != DW_OP_call_frame_cfa) return false;
  size_t i = 1;
  if (i < nops && ops[i].atom == DW_OP_plus_uconst) offset = ops[i++].number;
  rule = CfiRow::Rule::kOffset;
  if (i < nops && ops[i].atom == DW_OP_stack_value) {
    rule = CfiRow::Rule::kValOffset;
    ++i;
  }
  return i == nops;
}

}  // namespace

CfiRow read_cfi_row(Dwarf_CFI* cfi, Dwarf_Addr rel_addr) {
  CfiRow row;
  Dwarf_Frame* frame = nullptr;
  if (!cfi || dwarf_cfi_addrframe(cfi, rel_addr, &frame) != 0) return row;  // kNoFde
  row.kind = CfiRow::Kind::kComplex;
  Dwarf_Addr start = 0, end = 0;
  bool signal = false;
  Dwarf_Op* cfa_ops = nullptr;
  size_t cfa_nops = 0;
  // A signal frame changes which pcs count as return addresses; another return register or a
  // CFA that is not register + offset needs libdwfl's evaluator.
  if (dwarf_frame_info(frame, &start, &end, &signal) == static_cast<int>(kX86_64ReturnReg) && !signal &&
      dwarf_frame_cfa(frame, &cfa_ops, &cfa_nops) == 0 && cfa_nops == 1 && cfa_ops[0].atom == DW_OP_bregx &&
      cfa_ops[0].number < kX86_64FrameRegs) {
    row.cfa_reg = static_cast<uint8_t>(cfa_ops[0].number);
    row.cfa_offset = cfa_ops[0].number2;
    bool simple = true;
    for (unsigned r = 0; r < kX86_64FrameRegs && simple; ++r) simple = read_rule(frame, r, row.rules[r], row.offsets[r]);
    if (simple) row.kind = CfiRow::Kind::kSimple;
  }
  free(frame);
  return row;
}

}  // namespace profkit::symbolize
