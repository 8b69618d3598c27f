// Fuzz target for --call-graph dwarf samples: the perf.data conversion with the libdwfl unwinder
// attached, so hostile REGS_USER / STACK_USER contents (a stack pointer anywhere, a pc in no
// mapping or in the middle of an instruction, dyn_size lying about the copy, a swapped file)
// drive real unwinds through the committed test binary. Any input must end in a Profile or an
// Error — never a crash, a hang or an unbounded allocation. Seeds: testdata/perf/unwind*.data.
#include <span>

#include "model/diagnostics.h"
#include "parsers/perf/profile_converter.h"
#include "symbolize/unwind.h"
#include "tests/fuzz/fuzz_target.h"

#ifndef PROFKIT_SOURCE_DIR
#define PROFKIT_SOURCE_DIR "."
#endif

PROFKIT_FUZZ_TARGET(perf_dwarf) {
  using namespace profkit;
  static auto factory = [] {
    symbolize::Options so;
    // The captures name /opt/profkit-perf/unwind; its copy is found by basename here.
    so.debug_dirs = {std::string(PROFKIT_SOURCE_DIR) + "/testdata/perf/bin"};
    so.system_debug_dirs = false;
    return symbolize::make_unwinder_factory(so);
  }();
  model::Diagnostics diag;
  parsers::ParseOptions options;
  options.file_name = "fuzz.data";
  options.diagnostics = &diag;
  options.unwinder = factory.get();
  (void)parsers::perf::convert_perf_data(std::span<const uint8_t>(data, size), options);
}
