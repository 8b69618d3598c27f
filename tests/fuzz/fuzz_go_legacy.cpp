// Fuzz target: the legacy text and binary parsers (Go heap/count/contention, gperftools CPU,
// heap, contention, threadz, Java) and the mini regex matcher under them.
#include <cstdlib>

#include "parsers/pprof/legacy.h"
#include "parsers/pprof/pprof_string.h"
#include "parsers/pprof/pprof_writer.h"
#include "tests/fuzz/fuzz_target.h"

PROFKIT_FUZZ_TARGET(go_legacy) {
  using namespace profkit::parsers;
  std::span<const uint8_t> bytes(data, size);
  (void)sniff_legacy(bytes);
  auto p = parse_legacy(bytes, {});
  if (!p) return;
  (void)pprof_string(*p);
  if (!pprof_bytes(*p)) std::abort();
}
