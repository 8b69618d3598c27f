// Fuzz target for the perf.data reader: the whole conversion to a Profile, and the raw record
// stream with every SAMPLE decoded (REGS_USER / STACK_USER included). Any input must end in a
// Profile or an Error — never a crash, hang or unbounded allocation.
#include <span>

#include "model/diagnostics.h"
#include "parsers/perf/perf_abi.h"
#include "parsers/perf/perf_reader.h"
#include "parsers/perf/profile_converter.h"
#include "tests/fuzz/fuzz_target.h"

PROFKIT_FUZZ_TARGET(perf_data) {
  using namespace profkit;
  std::span<const uint8_t> bytes(data, size);
  model::Diagnostics diag;
  parsers::ParseOptions options;
  options.file_name = "fuzz.data";
  options.diagnostics = &diag;
  options.keep_timestamps = (size & 1) != 0;
  (void)parsers::perf::convert_perf_data(bytes, options);

  auto reader = parsers::perf::PerfReader::open(bytes, "fuzz.data", &diag,
                                                parsers::perf::ReaderLimits{size_t{16} << 20});
  if (!reader) return;
  parsers::perf::SampleRecord sample;
  for (int i = 0; i < 1000000; ++i) {
    auto rec = reader->next();
    if (!rec || !*rec) break;
    if ((*rec)->type == parsers::perf::abi::kSample) {
      (void)parsers::perf::decode_sample(**rec, reader->event_for(**rec).attr, sample);
    } else if ((*rec)->type < parsers::perf::abi::kKernelRecordMax) {
      (void)parsers::perf::decode_sample_id(**rec, reader->event_for(**rec).attr);
    }
  }
}
