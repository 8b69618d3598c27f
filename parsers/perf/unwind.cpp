#include "parsers/perf/unwind.h"

namespace profkit::parsers::perf {

UnwindArch unwind_arch(std::string_view header_arch, uint64_t regs_abi) {
  if (regs_abi != 2) return UnwindArch::kUnsupported;  // no regs, or a 32-bit process
  if (header_arch == "x86_64" || header_arch == "amd64") return UnwindArch::kX86_64;
  if (header_arch == "aarch64" || header_arch == "arm64") return UnwindArch::kAarch64;
  return UnwindArch::kUnsupported;
}

}  // namespace profkit::parsers::perf
