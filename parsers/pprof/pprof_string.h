// parsers/pprof/pprof_string.h — a Profile dumped the way pprof's Profile.String() prints it.
//
// The dump lists comments, period type and period, time and duration, the sample types (with
// [dflt] on the default), every sample (values, location ids, labels), every location (address,
// mapping, folded flag, lines) and every mapping. pprof's profile/testdata/*.string files are
// exact dumps of this kind, so a parser's output can be compared with them byte for byte.
// Ids are the model's positional ids, which equal pprof's for profiles read from its formats.
// Time is printed in UTC (pprof uses the local zone).
#pragma once

#include <string>

#include "model/profile.h"

namespace profkit::parsers {

std::string pprof_string(const model::Profile& profile);

// Go's time.Duration.String() ("4h35m2.83s", "1.5ms", "0s").
std::string go_duration_string(int64_t nanos);

}  // namespace profkit::parsers
