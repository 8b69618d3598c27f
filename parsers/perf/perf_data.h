// parsers/perf/perf_data.h — perf.data (file and pipe mode) as a profkit input format.
//
// The layers: byte_reader (checked bytes) → file_info (header, attrs, features) → perf_reader
// (record stream, zstd) → record_orderer (timestamp order) → session (maps, comms, threads) →
// profile_converter (ProfileBuilder). perf_data_format() plugs the whole stack into the
// registry; PerfReader (perf_reader.h) is the API for passes that need raw records.
#pragma once

#include "parsers/format.h"

namespace profkit::parsers {

// sniff: "PERFILE2" in either byte order (and v1 "PERFFILE", so it is refused with a reason).
Format perf_data_format();

}  // namespace profkit::parsers
