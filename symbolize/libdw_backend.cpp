// symbolize/libdw_backend.cpp — the default backend: libdwfl/libdw in-process.
//
// One Dwfl per binary, reported offline at bias 0 so a Dwfl address is the ELF virtual address.
// A separate debug file is handed to libdwfl through our find_debuginfo callback (the module's
// user data points at its path). For an address: the innermost DIE comes from dwarf_getscopes,
// its concrete parent chain from dwarf_getscopes_die; each DW_TAG_inlined_subroutine adds a frame
// whose caller's line is the inlined DIE's DW_AT_call_file/line/column. The outermost frame takes
// the ELF symbol table's name when one covers the address (as llvm-symbolizer does), and the
// symbol table alone names frames where there is no DWARF.
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "symbolize/backend.h"

namespace profkit::symbolize {

namespace {

struct ModuleContext {
  std::string debug_file;
};

int find_debuginfo(Dwfl_Module*, void** userdata, const char*, Dwarf_Addr, const char*, const char*, GElf_Word,
                   char** debuginfo_file_name) {
  const auto* ctx = userdata ? static_cast<const ModuleContext*>(*userdata) : nullptr;
  if (!ctx || ctx->debug_file.empty()) return -1;
  int fd = ::open(ctx->debug_file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0 && debuginfo_file_name) *debuginfo_file_name = strdup(ctx->debug_file.c_str());
  return fd;
}

char* no_debuginfo_path = nullptr;
const Dwfl_Callbacks kCallbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = find_debuginfo,
    .section_address = dwfl_offline_section_address,
    .debuginfo_path = &no_debuginfo_path,
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
std::string absolute(const char* name, const std::string& comp_dir) {
  if (!name || !*name) return {};
  if (name[0] == '/' || comp_dir.empty()) return name;
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
    GElf_Sym sym;
    GElf_Off sym_offset = 0;
    GElf_Word shndx = 0;
    Elf* sym_elf = nullptr;
    Dwarf_Addr sym_bias = 0;
    const char* sym_name = dwfl_module_addrinfo(module_, addr, &sym_offset, &sym, &shndx, &sym_elf, &sym_bias);
    // Only code symbols name code: a sized symbol must cover the address, and the symbol's
    // section must be executable (an unsized data symbol such as Go's runtime.pclntab is not).
    if (sym_name && sym.st_size > 0 && sym_offset >= sym.st_size) sym_name = nullptr;
    if (sym_name && GELF_ST_TYPE(sym.st_info) != STT_FUNC) {
      GElf_Shdr shdr;
      Elf_Scn* scn = sym_elf ? elf_getscn(sym_elf, shndx) : nullptr;
      if (!scn || !gelf_getshdr(scn, &shdr) || !(shdr.sh_flags & SHF_EXECINSTR)) sym_name = nullptr;
    }

    Dwarf_Addr cu_bias = 0;
    Dwarf_Die* cudie = dwfl_module_addrdie(module_, addr, &cu_bias);
    if (!cudie) cudie = cu_by_ranges(addr, cu_bias);
    if (cudie) resolve_dwarf(cudie, addr - cu_bias, chain);
    if (chain.empty()) {
      if (sym_name && *sym_name) chain.push_back(ResolvedFrame{sym_name, {}, 0, 0, 0});
      return chain;
    }
    if (sym_name && *sym_name) chain.back().function = sym_name;
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

    Dwarf_Die* scopes = nullptr;
    int n = dwarf_getscopes(cudie, pc, &scopes);
    if (n <= 0) {
      free(scopes);
      if (!file.empty() || line) chain.push_back(ResolvedFrame{{}, file, line, column, 0});
      return;
    }
    // The concrete parent chain of the innermost scope (dwarf_getscopes follows abstract origins
    // instead once it meets an inlined instance, which is not the call chain we want).
    Dwarf_Die innermost = scopes[0];
    free(scopes);
    scopes = nullptr;
    n = dwarf_getscopes_die(&innermost, &scopes);
    if (n <= 0) {
      free(scopes);
      if (!file.empty() || line) chain.push_back(ResolvedFrame{{}, file, line, column, 0});
      return;
    }

    Dwarf_Files* files = nullptr;
    size_t nfiles = 0;
    bool have_files = dwarf_getsrcfiles(cudie, &files, &nfiles) == 0;
    bool found_function = false;
    for (int i = 0; i < n; ++i) {
      Dwarf_Die* die = &scopes[i];
      int tag = dwarf_tag(die);
      if (tag != DW_TAG_subprogram && tag != DW_TAG_inlined_subroutine && tag != DW_TAG_entry_point) continue;
      found_function = true;
      chain.push_back(ResolvedFrame{function_name(die), file, line, column, decl_line(die)});
      if (tag != DW_TAG_inlined_subroutine) break;
      // The caller's position is where this instance was inlined.
      int64_t call_file = udata(die, DW_AT_call_file);
      file.clear();
      if (have_files && call_file >= 0 && static_cast<size_t>(call_file) < nfiles) {
        file = absolute(dwarf_filesrc(files, static_cast<size_t>(call_file), nullptr, nullptr), comp_dir);
      }
      line = udata(die, DW_AT_call_line);
      column = udata(die, DW_AT_call_column);
    }
    free(scopes);
    if (!found_function && (!file.empty() || line)) chain.push_back(ResolvedFrame{{}, file, line, column, 0});
  }

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
    Dwfl* dwfl = dwfl_begin(&kCallbacks);
    if (!dwfl) return model::make_error(model::ErrorCode::kInternal, fmt::format("dwfl_begin: {}", dwfl_errmsg(-1)));
    dwfl_report_begin(dwfl);
    Dwfl_Module* module = dwfl_report_elf(dwfl, binary.c_str(), binary.c_str(), -1, 0, false);
    if (!module) {
      std::string msg = dwfl_errmsg(-1);
      dwfl_end(dwfl);
      return std::unexpected(model::Error{model::ErrorCode::kParse, "libdw: " + msg, binary, -1, -1});
    }
    dwfl_report_end(dwfl, nullptr, nullptr);
    auto ctx = std::make_unique<ModuleContext>(ModuleContext{debug_file});
    void** userdata = nullptr;
    dwfl_module_info(module, &userdata, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr);
    if (userdata) *userdata = ctx.get();
    Dwarf_Addr bias = 0;
    if (!dwfl_module_getelf(module, &bias)) bias = 0;
    return std::make_unique<LibdwBinary>(dwfl, module, std::move(ctx), bias);
  }
};

}  // namespace

std::unique_ptr<Backend> make_libdw_backend() { return std::make_unique<LibdwBackend>(); }

}  // namespace profkit::symbolize
