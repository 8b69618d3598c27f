// Fuzz target "collapsed": sniff and parse arbitrary bytes (strict and lenient); whatever
// parses must write back, and the written text must parse again to the same totals.
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
      if (auto written = parsers::write_collapsed(p, 0, out); !written) {
        if (written.error().code == model::ErrorCode::kLimit) continue;  // names made equal by ';'/'\r' escaping overflow
        __builtin_trap();
      }
      const std::string text = out.str();
      auto again = parsers::parse_collapsed({reinterpret_cast<const uint8_t*>(text.data()), text.size()}, {});
      // The writer's output is single-column unless every stack name ends in a number.
      if (!again) __builtin_trap();
      if (again->size() == 1 && again->front().total(0) != p.total(0) &&
          again->front().sample_types()[0].decimals == p.sample_types()[0].decimals) {
        __builtin_trap();
      }
    }
  }
}
