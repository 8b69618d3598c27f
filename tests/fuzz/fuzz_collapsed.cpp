// Fuzz target "collapsed": sniff and parse arbitrary bytes (strict and lenient); whatever
// parses must write back, and the written text must read again to the same total.
#include <sstream>

#include "parsers/collapsed.h"
#include "tests/fuzz/fuzz_target.h"

PROFKIT_FUZZ_TARGET(collapsed) {
  using namespace profkit;
  std::span<const uint8_t> bytes(data, size);
  (void)parsers::sniff_collapsed(bytes);
  model::Diagnostics diags;
  for (bool lenient : {false, true}) {
    parsers::ParseOptions options;
    options.file_name = "fuzz";
    options.lenient = lenient;
    options.diagnostics = &diags;
    auto profiles = parsers::parse_collapsed(bytes, options);
    if (!profiles) continue;
    for (const model::Profile& p : *profiles) {
      std::ostringstream out;
      if (!parsers::write_collapsed(p, 0, out)) __builtin_trap();  // the parser keeps every total within int64
      const std::string text = out.str();
      // Lenient, so this never fails; a clean single-column re-read must keep the total. (Written
      // stacks that all end in " <number>" read back as a differential file, as they should.)
      model::Diagnostics again_diags;
      parsers::ParseOptions again_options;
      again_options.lenient = true;
      again_options.diagnostics = &again_diags;
      auto again = parsers::parse_collapsed({reinterpret_cast<const uint8_t*>(text.data()), text.size()}, again_options);
      if (!again) __builtin_trap();
      if (again->size() == 1 && again_diags.empty() && again->front().total(0) != p.total(0) &&
          again->front().sample_types()[0].decimals == p.sample_types()[0].decimals) {
        __builtin_trap();
      }
    }
  }
}
