// symbolize/libdw_backend.cpp — the default backend: libdwfl/libdw in-process.
//
// One Dwfl per binary, reported offline at bias 0 so a Dwfl address is the ELF virtual address.
// A separate debug file is handed to libdwfl through our find_debuginfo callback (the module's
// user data points at its path). For an address: the CU (aranges, else the CUs' own ranges), the
// subprogram from a per-CU index of function ranges built on first use, then the nested scopes
// that contain the address; each DW_TAG_inlined_subroutine adds a frame
// whose caller's line is the inlined DIE's DW_AT_call_file/line/column. Symbol-table names come
// from ElfSymbols in the pass, shared by both backends.
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>

#include "symbolize/backend.h"
#include "symbolize/dwfl_common.h"
#include "symbolize/inflated_elf.h"

namespace profkit::symbolize {

namespace {

struct ModuleContext {
  std::string debug_file;
};

const char* attr_string(Dwarf_Die* die, unsigned int name) {
  Dwarf_Attribute attr;
  if (!dwarf_attr_integrate(die, name, &attr)) return nullptr;
  return dwarf_formstring(&attr);
}

std::string function_name(Dwarf_Die* die) {
  if (const char* s = attr_string(die, DW_AT_linkage_name)) return s;
  if (const char* s = attr_string(die, DW_AT_MIPS_linkage_name)) return s;
  if (const char* s = attr_string(die, DW_AT_name)) return s;
  return {};
}

int64_t decl_line(Dwarf_Die* die) {
  int line = 0;
  if (dwarf_decl_line(die, &line) != 0) return 0;
  return line;
}

int64_t udata(Dwarf_Die* die, unsigned int name) {
  Dwarf_Attribute attr;
  Dwarf_Word value = 0;
  if (!dwarf_attr(die, name, &attr) || dwarf_formudata(&attr, &value) != 0) return 0;
  return static_cast<int64_t>(value);
}

// DWARF file names relative to the compilation directory are made absolute against it, as
// llvm-symbolizer prints them (no normalisation of "..").
// libdw has already joined names of directory entry 0 with the compilation directory; a relative
// comp_dir (Go writes ".") leaves those relative but prefixed, and they are kept as they are.
std::string absolute(const char* name, const std::string& comp_dir) {
  if (!name || !*name) return {};
  std::string_view n(name);
  if (n.front() == '/' || comp_dir.empty()) return name;
  if (n.size() > comp_dir.size() && n.substr(0, comp_dir.size()) == comp_dir && n[comp_dir.size()] == '/') return name;
  return comp_dir + "/" + name;
}

class LibdwBinary final : public BinarySymbols {
 public:
  LibdwBinary(Dwfl* dwfl, Dwfl_Module* module, std::unique_ptr<ModuleContext> ctx, Dwarf_Addr bias)
      : dwfl_(dwfl), module_(module), ctx_(std::move(ctx)), bias_(bias) {}
  ~LibdwBinary() override { dwfl_end(dwfl_); }

  FrameChain resolve(uint64_t rel_addr) override {
    FrameChain chain;
    const Dwarf_Addr addr = rel_addr + bias_;
    Dwarf_Addr cu_bias = 0;
    Dwarf_Die* cudie = dwfl_module_addrdie(module_, addr, &cu_bias);
    if (!cudie) cudie = cu_by_ranges(addr, cu_bias);
    if (cudie) resolve_dwarf(cudie, addr - cu_bias, chain);
    return chain;
  }

 private:
  void resolve_dwarf(Dwarf_Die* cudie, Dwarf_Addr pc, FrameChain& chain) {
    const char* comp_dir_attr = attr_string(cudie, DW_AT_comp_dir);
    const std::string comp_dir = comp_dir_attr ? comp_dir_attr : "";
    std::string file;
    int64_t line = 0, column = 0;
    if (Dwarf_Line* l = dwarf_getsrc_die(cudie, pc)) {
      file = absolute(dwarf_linesrc(l, nullptr, nullptr), comp_dir);
      int n = 0;
      if (dwarf_lineno(l, &n) == 0) line = n;
      n = 0;
      if (dwarf_linecol(l, &n) == 0) column = n;
    }

    // The chain of function scopes at pc, innermost first: the subprogram from the CU's index,
    // then the inlined instances nested in it that contain pc.
    std::vector<Dwarf_Die> scopes;
    if (const Dwarf_Die* sub = subprogram_at(cudie, pc)) {
      scopes.push_back(*sub);
      Dwarf_Die cur = *sub;
      for (;;) {
        Dwarf_Die child;
        if (dwarf_child(&cur, &child) != 0) break;
        bool descended = false;
        do {
          const int tag = dwarf_tag(&child);
          if ((tag == DW_TAG_inlined_subroutine || tag == DW_TAG_lexical_block || tag == DW_TAG_try_block ||
               tag == DW_TAG_catch_block) &&
              dwarf_haspc(&child, pc) == 1) {
            if (tag == DW_TAG_inlined_subroutine) scopes.push_back(child);
            cur = child;
            descended = true;
            break;
          }
        } while (dwarf_siblingof(&child, &child) == 0);
        if (!descended) break;
      }
      std::reverse(scopes.begin(), scopes.end());
    } else if (imports_.count(dwarf_dieoffset(cudie))) {
      // Not in the index (dwz partial units, imported units): libdw's own scope search, then the
      // concrete parent chain of the innermost scope (dwarf_getscopes follows abstract origins
      // past an inlined instance, which is not the call chain).
      Dwarf_Die* found = nullptr;
      if (dwarf_getscopes(cudie, pc, &found) > 0) {
        Dwarf_Die innermost = found[0];
        free(found);
        found = nullptr;
        const int n = dwarf_getscopes_die(&innermost, &found);
        for (int i = 0; i < n; ++i) {
          const int tag = dwarf_tag(&found[i]);
          if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine || tag == DW_TAG_entry_point) {
            scopes.push_back(found[i]);
            if (tag != DW_TAG_inlined_subroutine) break;
          }
        }
      }
      free(found);
    }
    // No function scope (its DIE may live where we cannot see it): keep the line as a frame
    // without a name when the CU's own ranges hold pc; addresses only .debug_aranges attributes
    // to the CU (padding) get nothing, as llvm-symbolizer answers both cases.
    if (scopes.empty()) {
      if ((!file.empty() || line) && dwarf_haspc(cudie, pc) == 1) chain.push_back(ResolvedFrame{{}, file, line, column, 0});
      return;
    }

    Dwarf_Files* files = nullptr;
    size_t nfiles = 0;
    const bool have_files = dwarf_getsrcfiles(cudie, &files, &nfiles) == 0;
    for (Dwarf_Die& die : scopes) {
      const int tag = dwarf_tag(&die);
      chain.push_back(ResolvedFrame{function_name(&die), file, line, column, decl_line(&die)});
      if (tag != DW_TAG_inlined_subroutine) break;
      // The caller's position is where this instance was inlined.
      const int64_t call_file = udata(&die, DW_AT_call_file);
      file.clear();
      if (have_files && call_file >= 0 && static_cast<size_t>(call_file) < nfiles) {
        file = absolute(dwarf_filesrc(files, static_cast<size_t>(call_file), nullptr, nullptr), comp_dir);
      }
      line = udata(&die, DW_AT_call_line);
      column = udata(&die, DW_AT_call_column);
    }
  }

  // Subprograms with code, per CU, sorted by start: built on first use of the CU (one walk of
  // its DIE tree) so each address costs a binary search and a descent through its scopes.
  struct FunctionRange {
    Dwarf_Addr lo, hi;
    Dwarf_Die die;
  };
  static void collect_functions(Dwarf_Die* parent, std::vector<FunctionRange>& out, int depth, bool& imports) {
    Dwarf_Die child;
    if (depth > 64 || dwarf_child(parent, &child) != 0) return;
    do {
      const int tag = dwarf_tag(&child);
      if (tag == DW_TAG_imported_unit) imports = true;
      if (tag == DW_TAG_subprogram) {
        Dwarf_Addr base = 0, start = 0, end = 0;
        ptrdiff_t offset = 0;
        while ((offset = dwarf_ranges(&child, offset, &base, &start, &end)) > 0) {
          if (end > start) out.push_back(FunctionRange{start, end, child});
        }
      }
      if (tag == DW_TAG_subprogram || tag == DW_TAG_namespace || tag == DW_TAG_class_type ||
          tag == DW_TAG_structure_type || tag == DW_TAG_union_type || tag == DW_TAG_module ||
          tag == DW_TAG_lexical_block) {
        collect_functions(&child, out, depth + 1, imports);
      }
    } while (dwarf_siblingof(&child, &child) == 0);
  }

  const Dwarf_Die* subprogram_at(Dwarf_Die* cudie, Dwarf_Addr pc) {
    auto [it, inserted] = functions_.try_emplace(dwarf_dieoffset(cudie));
    std::vector<FunctionRange>& fns = it->second;
    if (inserted) {
      bool imports = false;
      collect_functions(cudie, fns, 0, imports);
      if (imports) imports_.insert(dwarf_dieoffset(cudie));
      std::sort(fns.begin(), fns.end(), [](const FunctionRange& a, const FunctionRange& b) { return a.lo < b.lo; });
    }
    // Nested ranges start later than their parents: the first containing range going back is
    // the innermost subprogram.
    auto pos = std::upper_bound(fns.begin(), fns.end(), pc, [](Dwarf_Addr a, const FunctionRange& f) { return a < f.lo; });
    for (int steps = 0; pos != fns.begin() && steps < 256; ++steps) {
      --pos;
      if (pc < pos->hi) return &pos->die;
    }
    return nullptr;
  }
  std::unordered_map<Dwarf_Off, std::vector<FunctionRange>> functions_;  // CU offset -> subprograms
  std::unordered_set<Dwarf_Off> imports_;  // CUs that import partial units (dwz)

  // Files without .debug_aranges (Go, clang's default) leave dwfl_module_addrdie blind; then the
  // CUs' own address ranges are collected once and searched.
  Dwarf_Die* cu_by_ranges(Dwarf_Addr addr, Dwarf_Addr& cu_bias) {
    if (!cu_ranges_built_) {
      cu_ranges_built_ = true;
      Dwarf_Addr bias = 0;
      for (Dwarf_Die* cu = dwfl_module_nextcu(module_, nullptr, &bias); cu; cu = dwfl_module_nextcu(module_, cu, &bias)) {
        Dwarf_Addr base = 0, start = 0, end = 0;
        ptrdiff_t offset = 0;
        while ((offset = dwarf_ranges(cu, offset, &base, &start, &end)) > 0) {
          if (end > start) cu_ranges_.push_back(CuRange{start + bias, end + bias, bias, *cu});
        }
      }
      std::sort(cu_ranges_.begin(), cu_ranges_.end(), [](const CuRange& a, const CuRange& b) { return a.start < b.start; });
    }
    auto it = std::upper_bound(cu_ranges_.begin(), cu_ranges_.end(), addr,
                               [](Dwarf_Addr a, const CuRange& r) { return a < r.start; });
    while (it != cu_ranges_.begin()) {
      --it;
      if (addr < it->end) {
        cu_bias = it->bias;
        return &it->cu;
      }
      if (addr - it->start > (Dwarf_Addr{1} << 24)) break;  // ranges rarely nest; stop far away
    }
    return nullptr;
  }

  struct CuRange {
    Dwarf_Addr start, end, bias;
    Dwarf_Die cu;
  };
  std::vector<CuRange> cu_ranges_;
  bool cu_ranges_built_ = false;

  Dwfl* dwfl_;
  Dwfl_Module* module_;
  std::unique_ptr<ModuleContext> ctx_;
  Dwarf_Addr bias_;
};

class LibdwBackend final : public Backend {
 public:
  model::Result<std::unique_ptr<BinarySymbols>> open(const std::string& binary, const std::string& debug_file) override {
    Dwfl* dwfl = dwfl_begin(&kReportedModuleCallbacks);
    if (!dwfl) return model::make_error(model::ErrorCode::kInternal, fmt::format("dwfl_begin: {}", dwfl_errmsg(-1)));
    dwfl_report_begin(dwfl);
    // A binary that carries its own compressed DWARF (built with -gz) is read from an inflated
    // copy too (section headers and addresses as in the file; libdwfl owns the descriptor once
    // the module is reported). The unwinder keeps reading the file itself: it reads segment
    // bytes by file offset, which the copy does not keep.
    const int fd = debug_file.empty() ? inflate_elf(binary) : -1;
    Dwfl_Module* module = dwfl_report_elf(dwfl, binary.c_str(), binary.c_str(), fd, 0, false);
    if (!module) {
      if (fd >= 0) ::close(fd);
      std::string msg = dwfl_errmsg(-1);
      dwfl_end(dwfl);
      return std::unexpected(model::Error{model::ErrorCode::kParse, "libdw: " + msg, binary, -1, -1});
    }
    dwfl_report_end(dwfl, nullptr, nullptr);
    auto ctx = std::make_unique<ModuleContext>(ModuleContext{debug_file});
    attach_debug_file(module, &ctx->debug_file);
    Dwarf_Addr bias = 0;
    if (!dwfl_module_getelf(module, &bias)) bias = 0;
    return std::make_unique<LibdwBinary>(dwfl, module, std::move(ctx), bias);
  }
};

}  // namespace

std::unique_ptr<Backend> make_libdw_backend() { return std::make_unique<LibdwBackend>(); }

}  // namespace profkit::symbolize
