// symbolize/backend.h — the interface both symbolization backends implement (private to symbolize/).
//
// A backend opens one binary (plus its separate debug file, if any) and answers, for an ELF
// virtual address (rel_addr), the chain of frames DWARF describes at that address: the innermost
// inlined function first. Names are returned as the file spells them (mangled); the pass adds the
// symbol table's name (ElfSymbols) and demangles. libdw and LLVM types never leave the backends.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/error.h"

namespace profkit::symbolize {

struct ResolvedFrame {
  std::string function;    // linkage (mangled) name, or plain name when there is none
  std::string file;        // source file of this frame's line ("" when unknown)
  int64_t line = 0;        // 0 when unknown
  int64_t column = 0;      // 0 when unknown
  int64_t start_line = 0;  // declaration line of the function, 0 when unknown
  bool operator==(const ResolvedFrame&) const = default;
};
using FrameChain = std::vector<ResolvedFrame>;  // innermost first; empty = unresolved

class BinarySymbols {
 public:
  virtual ~BinarySymbols() = default;
  virtual FrameChain resolve(uint64_t rel_addr) = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  // `binary` holds segments and symbols; `debug_file` ("" = none) holds separate DWARF.
  virtual model::Result<std::unique_ptr<BinarySymbols>> open(const std::string& binary,
                                                             const std::string& debug_file) = 0;
};

std::unique_ptr<Backend> make_libdw_backend();
// Loads the LLVM backend from the profkit-llvm.so module ($PROFKIT_LLVM_MODULE, else next to
// the running executable, else ../lib/profkit/ from it); an error says where it looked.
model::Result<std::unique_ptr<Backend>> load_llvm_backend();

}  // namespace profkit::symbolize
