// parsers/pprof/pprof_writer.h — writing a Profile as pprof's profile.proto.
//
// Every field the model shares with profile.proto is written: sample types, samples (stack,
// values, string and numeric labels with units), mappings with build id, offsets and has_* flags,
// locations with their inlined lines and is_folded, functions, drop/keep frames, times, period
// type and period, comments and default_sample_type. Model ids are positional, so pprof id =
// index + 1 for mappings, functions and locations. The string table lists strings in order of
// first use, "" first.
//
// Output is deterministic to the byte: fields in schema order, the gzip wrapper (on by default)
// carries no file name and mtime 0. Not representable in profile.proto and therefore dropped:
// per-sample timestamps, frame kinds (kernel/jit/inlined markers of collapsed input) and the
// mapping symbol state. Fixed-point columns (collapsed input with fractional counts) are written
// rounded to whole units.
#pragma once

#include <iosfwd>
#include <string>

#include "model/error.h"
#include "model/profile.h"

namespace profkit::parsers {

// Writes `profile` to `out`, gzipped unless `gzip` is false.
model::Result<void> write_pprof(const model::Profile& profile, std::ostream& out, bool gzip = true);

// The same, into a byte string (tests, in-memory round trips).
model::Result<std::string> pprof_bytes(const model::Profile& profile, bool gzip = true);

}  // namespace profkit::parsers
