// Fuzz target: the goroutine dump parser.
#include <cstdlib>

#include "parsers/pprof/goroutine_dump.h"
#include "parsers/pprof/pprof_writer.h"
#include "tests/fuzz/fuzz_target.h"

PROFKIT_FUZZ_TARGET(goroutine_dump) {
  using namespace profkit::parsers;
  std::span<const uint8_t> bytes(data, size);
  (void)sniff_goroutine_dump(bytes);
  auto p = parse_goroutine_dump(bytes, {});
  if (p && !pprof_bytes(*p, false)) std::abort();
}
