#include "symbolize/unwind.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

#include <dwarf.h>
#include <elfutils/libdwfl.h>

#include "symbolize/dwfl_common.h"
#include "symbolize/fast_unwind.h"
#include "symbolize/file_finder.h"

namespace profkit::symbolize {
namespace {

using parsers::perf::AddressSpace;
using parsers::perf::UnwindArch;
using parsers::perf::UnwindEnd;
using parsers::perf::UnwindMap;
using parsers::perf::UnwindRequest;

constexpr size_t kMaxFrames = 1024;  // a runaway (cyclic) unwind stops here

// Samples unwound by the fast path and by libdwfl, over all unwinders of the process.
std::atomic<int64_t> g_fast_samples{0}, g_fallback_samples{0};

// The files of one mapped binary, found once per factory and shared by its unwinders.
struct Binary {
  bool usable = false;
  std::string path;        // the ELF with .eh_frame and PT_LOADs
  std::string debug_file;  // separate DWARF (.debug_frame), "" when none
};

class Files {
 public:
  explicit Files(const Options& options) : finder_(options) {}
  const Binary& get(std::string_view file, std::string_view build_id) {
    std::string key;
    key.reserve(file.size() + build_id.size() + 1);
    key.append(file).push_back('\0');
    key.append(build_id);
    std::lock_guard lock(mutex_);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    Binary b;
    // perf's pseudo files ([heap], //anon, memfd:…) have nothing on disk to read; the vdso has a
    // copy in perf's build-id cache when its build id was recorded.
    if ((!file.empty() && file.front() == '/') || (is_vdso_name(file) && !build_id.empty())) {
      FoundFiles found = finder_.find(std::string(file), std::string(build_id));
      if (!found.binary.empty()) {
        b.usable = true;
        b.path = found.binary;
        b.debug_file = found.debug_file;
      }
    }
    return cache_.emplace(std::move(key), std::move(b)).first->second;  // node-based: stable
  }

 private:
  FileFinder finder_;
  std::mutex mutex_;
  std::unordered_map<std::string, Binary> cache_;
};

class DwflUnwinder final : public parsers::perf::Unwinder {
 public:
  DwflUnwinder(Files& files, bool fast) : files_(files), fast_(fast) {}
  ~DwflUnwinder() override {
    for (auto& [pid, p] : processes_) dwfl_end(p.dwfl);
    g_fast_samples += fast_samples_;
    g_fallback_samples += fallback_samples_;
  }

  UnwindEnd unwind(const UnwindRequest& request, std::vector<uint64_t>& pcs) override;
  void forget(uint32_t pid) override {
    auto it = processes_.find(pid);
    if (it == processes_.end()) return;
    dwfl_end(it->second.dwfl);
    processes_.erase(it);
  }

 private:
  // A reported module as the fast path sees it: the binary (the key of its CFI rows) and the
  // load bias of its main ELF, so `addr - bias` is a file address.
  struct ModuleInfo {
    const Binary* binary = nullptr;
    uint64_t bias = 0;
    bool resolved = false;  // bias looked up
  };
  struct Process {
    Dwfl* dwfl = nullptr;
    bool attached = false;
    std::unordered_map<uint32_t, Dwfl_Module*> modules;  // mapping id -> module (null: no file)
    std::map<std::pair<std::string, uint64_t>, Dwfl_Module*> reported;  // (file, load bias) -> module
    std::unordered_map<Dwfl_Module*, ModuleInfo> module_info;
    std::pair<Dwfl_Module*, ModuleInfo*> last_info{nullptr, nullptr};  // the last module_info hit
  };

  static pid_t next_thread(Dwfl*, void* arg, void** thread_argp);
  static bool get_thread(Dwfl*, pid_t, void* arg, void** thread_argp);
  static bool memory_read(Dwfl*, Dwarf_Addr addr, Dwarf_Word* result, void* arg);
  static bool set_initial_registers(Dwfl_Thread* thread, void* arg);
  static int frame(Dwfl_Frame* state, void* arg);

  Dwfl_Module* module_for(uint64_t addr);
  bool read_stack(uint64_t addr, uint64_t& value) const;
  bool read_binary(uint64_t addr, uint64_t& value);
  bool read_memory(uint64_t addr, uint64_t& value);
  const CfiRow* cfi_row(uint64_t addr);
  bool unwind_fast(uint64_t pc, std::vector<uint64_t>& pcs, UnwindEnd& end);
  // The request's registers by perf index (the sample lists one value per set mask bit, lowest
  // bit first), spread once per unwind: a lookup is then a bit test and a load.
  void spread_registers() {
    have_regs_ = 0;
    uint64_t mask = request_->regs_mask;
    for (size_t i = 0; mask && i < request_->regs.size(); ++i, mask &= mask - 1) {
      const unsigned bit = static_cast<unsigned>(__builtin_ctzll(mask));
      regs_by_index_[bit] = request_->regs[i];
      have_regs_ |= uint64_t{1} << bit;
    }
  }
  bool reg(unsigned perf_index, uint64_t& value) const {
    if (perf_index >= 64 || !(have_regs_ & (uint64_t{1} << perf_index))) return false;
    value = regs_by_index_[perf_index];
    return true;
  }
  uint64_t have_regs_ = 0;
  std::array<uint64_t, 64> regs_by_index_{};

  Files& files_;
  const bool fast_;  // try unwind_fast before libdwfl
  std::unordered_map<uint32_t, Process> processes_;
  CfiRowCache rows_;
  int64_t fast_samples_ = 0, fallback_samples_ = 0;
  // The unwind in progress.
  const UnwindRequest* request_ = nullptr;
  Process* process_ = nullptr;
  std::vector<uint64_t>* pcs_ = nullptr;
  uint64_t sp_ = 0;
  bool truncated_ = false;
  // The mapping module_for found last in this unwind (the address space does not change during
  // one): [start, end) and its module, so a pc in the same mapping skips the lookups.
  uint64_t last_map_start_ = 0, last_map_end_ = 0;
  Dwfl_Module* last_map_module_ = nullptr;
};

// Registers in perf's numbering (arch/*/include/uapi/asm/perf_regs.h) by DWARF number.
constexpr unsigned kX86_64Dwarf[] = {
    0 /*ax*/, 3 /*dx*/, 2 /*cx*/, 1 /*bx*/, 4 /*si*/, 5 /*di*/, 6 /*bp*/, 7 /*sp*/,
    16, 17, 18, 19, 20, 21, 22, 23 /*r8-r15*/, 8 /*ip*/};
constexpr unsigned kX86_64Sp = 7, kX86_64Ip = 8;
constexpr unsigned kAarch64Sp = 31, kAarch64Pc = 32;  // x0..x30 are 0..30 in both numberings

pid_t DwflUnwinder::next_thread(Dwfl*, void* arg, void** thread_argp) {
  if (*thread_argp) return 0;
  auto* self = static_cast<DwflUnwinder*>(arg);
  *thread_argp = self;
  return static_cast<pid_t>(self->request_->tid ? self->request_->tid : self->request_->pid);
}

bool DwflUnwinder::get_thread(Dwfl*, pid_t, void* arg, void** thread_argp) {
  *thread_argp = arg;
  return true;
}

bool DwflUnwinder::read_stack(uint64_t addr, uint64_t& value) const {
  const auto& stack = request_->stack;
  if (addr < sp_ || addr - sp_ > stack.size() || stack.size() - (addr - sp_) < 8) return false;
  std::memcpy(&value, stack.data() + (addr - sp_), 8);
  if (request_->swap_bytes) value = __builtin_bswap64(value);
  return true;
}

// A word from the file bytes of the mapped binary holding `addr` (e.g. a CFA expression reading
// a GOT entry): PT_LOAD file contents, as the process saw them before writing to them.
bool DwflUnwinder::read_binary(uint64_t addr, uint64_t& value) {
  Dwfl_Module* mod = module_for(addr);
  if (!mod) return false;
  Dwarf_Addr bias = 0;
  Elf* elf = dwfl_module_getelf(mod, &bias);
  if (!elf) return false;
  size_t raw_size = 0;
  const char* raw = elf_rawfile(elf, &raw_size);
  size_t phnum = 0;
  if (!raw || elf_getphdrnum(elf, &phnum) != 0) return false;
  const uint64_t vaddr = addr - bias;
  for (size_t i = 0; i < phnum; ++i) {
    GElf_Phdr ph;
    if (!gelf_getphdr(elf, static_cast<int>(i), &ph) || ph.p_type != PT_LOAD) continue;
    if (vaddr < ph.p_vaddr || vaddr - ph.p_vaddr >= ph.p_filesz || ph.p_filesz - (vaddr - ph.p_vaddr) < 8) continue;
    uint64_t offset = ph.p_offset + (vaddr - ph.p_vaddr);
    if (offset > raw_size || raw_size - offset < 8) return false;
    std::memcpy(&value, raw + offset, 8);
    if (request_->swap_bytes) value = __builtin_bswap64(value);
    return true;
  }
  return false;
}

bool DwflUnwinder::read_memory(uint64_t addr, uint64_t& value) {
  if (read_stack(addr, value) || read_binary(addr, value)) return true;
  // Above the copy and not in a binary: the stack goes on where perf stopped copying.
  if (addr >= sp_ + request_->stack.size()) truncated_ = true;
  return false;
}

bool DwflUnwinder::memory_read(Dwfl*, Dwarf_Addr addr, Dwarf_Word* result, void* arg) {
  uint64_t value = 0;
  if (!static_cast<DwflUnwinder*>(arg)->read_memory(addr, value)) return false;
  *result = value;
  return true;
}

bool DwflUnwinder::set_initial_registers(Dwfl_Thread* thread, void* arg) {
  auto* self = static_cast<DwflUnwinder*>(arg);
  uint64_t v = 0;
  if (self->request_->arch == UnwindArch::kX86_64) {
    for (unsigned dwarf = 0; dwarf < std::size(kX86_64Dwarf); ++dwarf) {
      if (!self->reg(kX86_64Dwarf[dwarf], v)) continue;
      Dwarf_Word w = v;
      if (!dwfl_thread_state_registers(thread, static_cast<int>(dwarf), 1, &w)) return false;
    }
    if (!self->reg(kX86_64Ip, v)) return false;
    dwfl_thread_state_register_pc(thread, v);
    return true;
  }
  for (unsigned r = 0; r <= kAarch64Sp; ++r) {
    if (!self->reg(r, v)) continue;
    Dwarf_Word w = v;
    if (!dwfl_thread_state_registers(thread, static_cast<int>(r), 1, &w)) return false;
  }
  if (!self->reg(kAarch64Pc, v)) return false;
  dwfl_thread_state_register_pc(thread, v);
  return true;
}

// Reports the binary mapped at `addr` to the process's Dwfl the first time it is needed.
Dwfl_Module* DwflUnwinder::module_for(uint64_t addr) {
  if (addr >= last_map_start_ && addr < last_map_end_) return last_map_module_;
  UnwindMap map;
  if (!request_->maps || !request_->maps->find(request_->pid, addr, map)) return nullptr;
  auto it = process_->modules.find(map.id);
  if (it != process_->modules.end()) {
    last_map_start_ = map.start;
    last_map_end_ = map.end;
    last_map_module_ = it->second;
    return it->second;
  }
  Dwfl_Module* mod = nullptr;
  if (Dwfl_Module* existing = dwfl_addrmodule(process_->dwfl, addr)) {
    // Another mapping of a binary already reported (its other segment), or one that was
    // replaced at the same address — libdwfl cannot drop a module, so the first one stays.
    mod = existing;
  } else {
    const Binary& binary = files_.get(map.file, map.build_id);
    // The load bias: where the file's offset 0 sits (perf's unwind-libdw does the same); for
    // ET_EXEC files libdwfl uses the fixed addresses.
    const uint64_t base = map.start - map.pgoff;
    auto [known, fresh] = process_->reported.try_emplace(std::make_pair(binary.path, base), nullptr);
    if (!fresh) {
      // Another mapping of a file already reported at the same bias (an address outside the
      // ELF's segments): reporting it twice would give libdwfl two modules for one range.
      mod = nullptr;
    } else if (binary.usable) {
      std::string_view name = map.file.substr(map.file.rfind('/') + 1);
      dwfl_report_begin_add(process_->dwfl);
      mod = dwfl_report_elf(process_->dwfl, std::string(name).c_str(), binary.path.c_str(), -1, base, false);
      dwfl_report_end(process_->dwfl, nullptr, nullptr);
      if (mod) {
        attach_debug_file(mod, &binary.debug_file);
        process_->module_info[mod].binary = &binary;
      }
      known->second = mod;
    }
  }
  process_->modules.emplace(map.id, mod);
  return mod;
}

int DwflUnwinder::frame(Dwfl_Frame* state, void* arg) {
  auto* self = static_cast<DwflUnwinder*>(arg);
  Dwarf_Addr pc = 0;
  bool activation = false;
  if (!dwfl_frame_pc(state, &pc, nullptr)) return DWARF_CB_ABORT;
  // Whether this is a signal frame, and the next unwind step, need the module: report it now.
  self->module_for(pc);
  if (!dwfl_frame_pc(state, &pc, &activation)) return DWARF_CB_ABORT;
  // A caller's pc is its return address; like perf and perfparser keep the address inside the
  // call instruction, so its line and inline chain are those of the call.
  self->pcs_->push_back(activation ? pc : pc - 1);
  return self->pcs_->size() >= kMaxFrames ? DWARF_CB_ABORT : DWARF_CB_OK;
}

// The CFI row libdwfl would use at `addr` (the pc, minus one for callers): the module holding it
// as dwfl_addrmodule finds it, its .eh_frame, else its .debug_frame. Null when the module is
// unknown or has no ELF.
const CfiRow* DwflUnwinder::cfi_row(uint64_t addr) {
  Dwfl_Module* mod = dwfl_addrmodule(process_->dwfl, addr);
  if (!mod) return nullptr;
  if (process_->last_info.first != mod) {
    auto it = process_->module_info.find(mod);
    if (it == process_->module_info.end()) return nullptr;
    process_->last_info = {mod, &it->second};
  }
  ModuleInfo& info = *process_->last_info.second;
  if (!info.binary) return nullptr;
  if (!info.resolved) {
    // Rows are applied as libdwfl's x86_64 backend applies them: 64-bit x86_64 ELFs only.
    Dwarf_Addr bias = 0;
    Elf* elf = dwfl_module_getelf(mod, &bias);
    GElf_Ehdr ehdr;
    if (!elf || !gelf_getehdr(elf, &ehdr) || ehdr.e_machine != EM_X86_64 || gelf_getclass(elf) != ELFCLASS64) {
      info.binary = nullptr;  // never again
      return nullptr;
    }
    info.bias = bias;
    info.resolved = true;
  }
  const uint64_t rel_addr = addr - info.bias;
  if (const CfiRow* row = rows_.find(info.binary, rel_addr)) return row;
  CfiRow row;
  Dwarf_Addr bias = 0;
  if (Dwarf_CFI* eh = dwfl_module_eh_cfi(mod, &bias)) row = read_cfi_row(eh, addr - bias);
  if (row.kind == CfiRow::Kind::kNoFde) {
    if (Dwarf_CFI* dwarf = dwfl_module_dwarf_cfi(mod, &bias)) row = read_cfi_row(dwarf, addr - bias);
  }
  return &rows_.insert(info.binary, rel_addr, row);
}

// Walks the frames as dwfl_getthread_frames with frame() would — the same module reports,
// memory reads and pcs in the same order — as long as every row is kSimple. False (nothing
// appended, the truncation flag reset) when a row is not: libdwfl then unwinds the sample.
bool DwflUnwinder::unwind_fast(uint64_t pc, std::vector<uint64_t>& pcs, UnwindEnd& end) {
  FrameRegs frames[2];  // the frame being unwound and its caller, alternately
  FrameRegs* regs = &frames[0];
  FrameRegs* caller = &frames[1];
  uint64_t v = 0;
  for (unsigned dwarf = 0; dwarf < kX86_64FrameRegs; ++dwarf) {
    if (reg(kX86_64Dwarf[dwarf], v)) regs->put(dwarf, v);
  }
  const size_t first = pcs.size();
  auto read = [this](uint64_t addr, uint64_t& value) { return read_stack(addr, value) || read_memory(addr, value); };
  for (bool initial = true;; initial = false) {
    module_for(pc);
    // The initial frame's pc is exact; a caller's is a return address, looked up inside the call.
    const uint64_t at = initial ? pc : pc - 1;
    const CfiRow* row = cfi_row(at);
    if (!row || row->kind != CfiRow::Kind::kSimple) {
      pcs.resize(first);
      truncated_ = false;
      return false;
    }
    const bool more = apply_cfi_row(*row, *regs, *caller, read);
    pcs.push_back(at);
    if (pcs.size() >= kMaxFrames) {
      end = truncated_ ? UnwindEnd::kTruncated : UnwindEnd::kBroken;
      return true;
    }
    if (!more) {
      end = truncated_ ? UnwindEnd::kTruncated : UnwindEnd::kComplete;
      return true;
    }
    pc = caller->value[kX86_64ReturnReg];
    std::swap(regs, caller);
  }
}

UnwindEnd DwflUnwinder::unwind(const UnwindRequest& request, std::vector<uint64_t>& pcs) {
  uint64_t pc = 0;
  request_ = &request;
  spread_registers();
  unsigned sp_reg = request.arch == UnwindArch::kX86_64 ? kX86_64Sp : kAarch64Sp;
  unsigned pc_reg = request.arch == UnwindArch::kX86_64 ? kX86_64Ip : kAarch64Pc;
  if (request.arch == UnwindArch::kUnsupported || !reg(sp_reg, sp_) || !reg(pc_reg, pc)) {
    return UnwindEnd::kUnsupported;
  }
  auto [it, fresh] = processes_.try_emplace(request.pid);
  process_ = &it->second;
  if (fresh) {
    process_->dwfl = dwfl_begin(&kReportedModuleCallbacks);
    if (!process_->dwfl) {
      processes_.erase(it);
      pcs.push_back(pc);
      return UnwindEnd::kBroken;
    }
  }
  pcs_ = &pcs;
  truncated_ = false;
  last_map_start_ = last_map_end_ = 0;
  last_map_module_ = nullptr;
  const size_t first = pcs.size();
  if (!module_for(pc)) {
    pcs.push_back(pc);
    return UnwindEnd::kBroken;
  }
  if (!process_->attached) {
    static const Dwfl_Thread_Callbacks callbacks = {
        .next_thread = next_thread,
        .get_thread = get_thread,
        .memory_read = memory_read,
        .set_initial_registers = set_initial_registers,
        .detach = nullptr,
        .thread_detach = nullptr,
    };
    // The arch comes from the reported modules (the first one with an ELF machine).
    process_->attached = dwfl_attach_state(process_->dwfl, nullptr, static_cast<pid_t>(request.pid), &callbacks, this);
    if (!process_->attached) {
      pcs.push_back(pc);
      return UnwindEnd::kBroken;
    }
  }
  if (fast_ && request.arch == UnwindArch::kX86_64) {
    UnwindEnd end = UnwindEnd::kComplete;
    if (unwind_fast(pc, pcs, end)) {
      ++fast_samples_;
      return end;
    }
  }
  ++fallback_samples_;
  int rc = dwfl_getthread_frames(process_->dwfl, static_cast<pid_t>(request.tid ? request.tid : request.pid), frame, this);
  if (pcs.size() == first) pcs.push_back(pc);
  // A read past the copy ends the walk either way: libdwfl then treats the register it could not
  // restore as undefined, which looks like the outermost frame (rc 0).
  if (truncated_) return UnwindEnd::kTruncated;
  if (rc == 0) return UnwindEnd::kComplete;
  return UnwindEnd::kBroken;
}

class Factory final : public parsers::perf::UnwinderFactory {
 public:
  Factory(const Options& options, unsigned threads) : files_(options), threads_(threads ? threads : 1) {
    const char* slow = std::getenv("PROFKIT_UNWIND_SLOW");
    fast_ = !(slow && *slow && std::string_view(slow) != "0");
  }
  std::unique_ptr<parsers::perf::Unwinder> make() override { return std::make_unique<DwflUnwinder>(files_, fast_); }
  unsigned threads() const override { return threads_; }

 private:
  Files files_;
  unsigned threads_;
  bool fast_ = true;  // PROFKIT_UNWIND_SLOW=1 unwinds every sample with libdwfl
};

}  // namespace

std::unique_ptr<parsers::perf::UnwinderFactory> make_unwinder_factory(const Options& options, unsigned threads) {
  return std::make_unique<Factory>(options, threads);
}

UnwindCounts unwind_counts() { return UnwindCounts{g_fast_samples.load(), g_fallback_samples.load()}; }

}  // namespace profkit::symbolize
