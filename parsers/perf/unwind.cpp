#include "parsers/perf/unwind.h"

namespace profkit::parsers::perf {

UnwindArch unwind_arch(std::string_view header_arch, uint64_t regs_abi, uint64_t regs_mask) {
  if (regs_abi != 2) return UnwindArch::kUnsupported;  // no regs, or a 32-bit process
  if (header_arch == "x86_64" || header_arch == "amd64") return UnwindArch::kX86_64;
  if (header_arch == "aarch64" || header_arch == "arm64") return UnwindArch::kAarch64;
  if (header_arch.empty() && regs_mask == 0xff0fffULL) return UnwindArch::kX86_64;
  if (header_arch.empty() && regs_mask == 0x1ffffffffULL) return UnwindArch::kAarch64;
  return UnwindArch::kUnsupported;
}

}  // namespace profkit::parsers::perf
