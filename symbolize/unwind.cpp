#include "symbolize/unwind.h"

#include <fcntl.h>
#include <unistd.h>

#include <bit>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

#include <dwarf.h>
#include <elfutils/libdwfl.h>

#include "symbolize/dwfl_common.h"
#include "symbolize/file_finder.h"

namespace profkit::symbolize {
namespace {

using parsers::perf::AddressSpace;
using parsers::perf::UnwindArch;
using parsers::perf::UnwindEnd;
using parsers::perf::UnwindMap;
using parsers::perf::UnwindRequest;

constexpr size_t kMaxFrames = 1024;  // a runaway (cyclic) unwind stops here

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
    // perf's pseudo files ([vdso], [heap], //anon, memfd:…) have nothing on disk to read.
    if (!file.empty() && file.front() == '/') {
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
  explicit DwflUnwinder(Files& files) : files_(files) {}
  ~DwflUnwinder() override {
    for (auto& [pid, p] : processes_) dwfl_end(p.dwfl);
  }

  UnwindEnd unwind(const UnwindRequest& request, std::vector<uint64_t>& pcs) override;
  void forget(uint32_t pid) override {
    auto it = processes_.find(pid);
    if (it == processes_.end()) return;
    dwfl_end(it->second.dwfl);
    processes_.erase(it);
  }

 private:
  struct Process {
    Dwfl* dwfl = nullptr;
    bool attached = false;
    std::unordered_map<uint32_t, Dwfl_Module*> modules;  // mapping id -> module (null: no file)
    std::map<std::pair<std::string, uint64_t>, Dwfl_Module*> reported;  // (file, load bias) -> module
  };

  static pid_t next_thread(Dwfl*, void* arg, void** thread_argp);
  static bool get_thread(Dwfl*, pid_t, void* arg, void** thread_argp);
  static bool memory_read(Dwfl*, Dwarf_Addr addr, Dwarf_Word* result, void* arg);
  static bool set_initial_registers(Dwfl_Thread* thread, void* arg);
  static int frame(Dwfl_Frame* state, void* arg);

  Dwfl_Module* module_for(uint64_t addr);
  bool read_stack(uint64_t addr, uint64_t& value) const;
  bool read_binary(uint64_t addr, uint64_t& value);
  bool reg(unsigned perf_index, uint64_t& value) const {
    if (perf_index >= 64 || !(request_->regs_mask & (uint64_t{1} << perf_index))) return false;
    size_t i = static_cast<size_t>(std::popcount(request_->regs_mask & ((uint64_t{1} << perf_index) - 1)));
    if (i >= request_->regs.size()) return false;
    value = request_->regs[i];
    return true;
  }

  Files& files_;
  std::unordered_map<uint32_t, Process> processes_;
  // The unwind in progress.
  const UnwindRequest* request_ = nullptr;
  Process* process_ = nullptr;
  std::vector<uint64_t>* pcs_ = nullptr;
  uint64_t sp_ = 0;
  bool truncated_ = false;
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

bool DwflUnwinder::memory_read(Dwfl*, Dwarf_Addr addr, Dwarf_Word* result, void* arg) {
  auto* self = static_cast<DwflUnwinder*>(arg);
  uint64_t value = 0;
  if (self->read_stack(addr, value) || self->read_binary(addr, value)) {
    *result = value;
    return true;
  }
  // Above the copy and not in a binary: the stack goes on where perf stopped copying.
  if (addr >= self->sp_ + self->request_->stack.size()) self->truncated_ = true;
  return false;
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
  UnwindMap map;
  if (!request_->maps || !request_->maps->find(request_->pid, addr, map)) return nullptr;
  auto it = process_->modules.find(map.id);
  if (it != process_->modules.end()) return it->second;
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
      if (mod) attach_debug_file(mod, &binary.debug_file);
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

UnwindEnd DwflUnwinder::unwind(const UnwindRequest& request, std::vector<uint64_t>& pcs) {
  uint64_t pc = 0;
  request_ = &request;
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
  Factory(const Options& options, unsigned threads) : files_(options), threads_(threads ? threads : 1) {}
  std::unique_ptr<parsers::perf::Unwinder> make() override { return std::make_unique<DwflUnwinder>(files_); }
  unsigned threads() const override { return threads_; }

 private:
  Files files_;
  unsigned threads_;
};

}  // namespace

std::unique_ptr<parsers::perf::UnwinderFactory> make_unwinder_factory(const Options& options, unsigned threads) {
  return std::make_unique<Factory>(options, threads);
}

}  // namespace profkit::symbolize
