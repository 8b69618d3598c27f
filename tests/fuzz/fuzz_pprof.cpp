// Fuzz target: the profile.proto decoder (sniffer, checked wire reader, validation) and, for
// inputs it accepts, the writer and a second read, which must succeed and agree.
#include <cstdlib>

#include "parsers/pprof/pprof_reader.h"
#include "parsers/pprof/pprof_string.h"
#include "parsers/pprof/pprof_writer.h"
#include "tests/fuzz/fuzz_target.h"

PROFKIT_FUZZ_TARGET(pprof) {
  using namespace profkit::parsers;
  std::span<const uint8_t> bytes(data, size);
  (void)sniff_pprof(bytes);
  auto p = parse_pprof(bytes, {});
  if (!p) return;
  auto out = pprof_bytes(*p, false);
  if (!out) std::abort();
  auto q = parse_pprof({reinterpret_cast<const uint8_t*>(out->data()), out->size()}, {});
  if (!q || pprof_string(*q) != pprof_string(*p)) std::abort();
}
