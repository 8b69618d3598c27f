// parsers/perf/unwind.h — the seam between the perf.data reader and a DWARF stack unwinder.
//
// A `--call-graph dwarf` sample carries the user registers (REGS_USER) and a copy of the top of
// the user stack (STACK_USER) instead of a user callchain. Turning them into frames needs the
// sampled binaries and their CFI (.eh_frame / .debug_frame), i.e. libdw, which parsers/ must
// not depend on. So the reader asks an Unwinder through this interface; symbolize/ implements
// it (symbolize/unwind.h) and the CLI passes a factory in ParseOptions. Without one, dwarf
// samples keep the kernel part of their callchain and the sampled ip, as before.
//
// Everything here is plain data: the request's spans point into the record being decoded and
// are valid for the duration of one unwind() call.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace profkit::parsers::perf {

// Register layouts the unwinder understands (perf's arch/*/include/uapi/asm/perf_regs.h).
enum class UnwindArch : uint8_t { kUnsupported, kX86_64, kAarch64 };

// The process mapping that held an address when the sample was taken.
struct UnwindMap {
  uint64_t start = 0, end = 0, pgoff = 0;
  std::string_view file;      // path as the process saw it
  std::string_view build_id;  // hex, "" when unknown
  uint32_t id = 0;            // stable identity of this mapping (a new mmap gets a new id)
};

// Looks up the sampled process's mappings as of the sample's time.
class AddressSpace {
 public:
  virtual ~AddressSpace() = default;
  // False when no mapping of `pid` holds `addr`.
  virtual bool find(uint32_t pid, uint64_t addr, UnwindMap& out) const = 0;
};

struct UnwindRequest {
  UnwindArch arch = UnwindArch::kUnsupported;
  uint32_t pid = 0, tid = 0;
  uint64_t regs_mask = 0;               // attr.sample_regs_user
  std::span<const uint64_t> regs;       // one value per set mask bit, lowest bit first
  std::span<const uint8_t> stack;       // the bytes perf copied, starting at the sampled sp
  bool swap_bytes = false;              // stack words were written on the other endianness
  const AddressSpace* maps = nullptr;
};

enum class UnwindEnd : uint8_t {
  kComplete,     // reached the outermost frame (no return address / CFI says undefined)
  kTruncated,    // needed stack memory beyond the copied bytes: the stack copy was too small
  kBroken,       // stopped early: no mapping, no binary or no CFI for a pc, or a bad read
  kUnsupported,  // the register layout is not one the unwinder knows
};

class Unwinder {
 public:
  virtual ~Unwinder() = default;
  // Appends the user frames leaf first: the sampled pc, then each caller's return address minus
  // one (inside the call instruction, as perf and perfparser report dwarf-unwound callers).
  virtual UnwindEnd unwind(const UnwindRequest& request, std::vector<uint64_t>& pcs) = 0;
  // The pid's address space changed incompatibly (exec, or a process with a reused pid).
  virtual void forget(uint32_t pid) = 0;
};

// Hands out unwinders; one per thread that unwinds.
class UnwinderFactory {
 public:
  virtual ~UnwinderFactory() = default;
  virtual std::unique_ptr<Unwinder> make() = 0;
  virtual unsigned threads() const { return 1; }
};

// "x86_64"/"amd64" and "aarch64"/"arm64" headers map to a layout; with the sample's regs abi
// (1 = 32-bit, 2 = 64-bit) a 32-bit process is unsupported. Without an arch header (pipe mode
// without feature records) perf's default register masks tell x86_64 (0xff0fff: no segment
// registers) and arm64 (0x1ffffffff: x0-x30, sp, pc) apart.
UnwindArch unwind_arch(std::string_view header_arch, uint64_t regs_abi, uint64_t regs_mask);

}  // namespace profkit::parsers::perf
