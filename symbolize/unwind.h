// symbolize/unwind.h — DWARF call-frame unwinding of perf's user stack copies, with libdwfl.
//
// For each sampled process the unwinder keeps one Dwfl: the process's binaries are reported as
// modules the first time an unwind touches them (at the address the process mapped them), so
// each binary's ELF and CFI (.eh_frame, else .debug_frame from its debug file) are opened and
// parsed once per address space and reused for every later sample. libdwfl walks the frames
// with callbacks that hand it the sampled registers, the copied stack bytes (reads past the
// copy mark the stack truncated) and, for other addresses, the mapped binaries' file bytes.
// Binaries and debug files are found as symbolization finds them (FileFinder: --symfs, build
// id, debuglink, --debug-dir), with the same build-id check.
//
// On x86_64 a sample whose CFI rows are all simple (symbolize/fast_unwind.h) is walked without
// libdwfl's frame machinery, with the same modules, reads and results; the rest, and every
// sample when PROFKIT_UNWIND_SLOW=1 is set as the factory is made, go through libdwfl.
#pragma once

#include <memory>

#include "parsers/perf/unwind.h"
#include "symbolize/symbolize.h"

namespace profkit::symbolize {

// `threads` unwinders may run at once (each make() result is used by one thread).
std::unique_ptr<parsers::perf::UnwinderFactory> make_unwinder_factory(const Options& options, unsigned threads = 1);

// Samples unwound by applying CFI rows directly and by libdwfl, summed over every unwinder of the
// process once it is destroyed (for tests and measurements).
struct UnwindCounts {
  int64_t fast = 0, fallback = 0;
};
UnwindCounts unwind_counts();

}  // namespace profkit::symbolize
