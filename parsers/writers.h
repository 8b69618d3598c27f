// parsers/writers.h — writing a Profile in one of the formats we can produce.
//
// The format comes from an explicit name or from the output file name's suffix:
// .pb.gz / .pb / .pprof → pprof profile.proto (gzipped unless .pb); .folded / .collapsed / .txt →
// collapsed stacks. "-" (stdout) defaults to collapsed text.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>

#include "model/error.h"
#include "model/profile.h"

namespace profkit::parsers {

enum class OutputFormat { kPprofGzip, kPprofRaw, kCollapsed };

// Resolves `name` ("pprof", "pb", "collapsed", "folded"), or when empty the suffix of `path`.
model::Result<OutputFormat> output_format_for(std::string_view name, std::string_view path);

// Writes `profile` (column `sample_index` for single-column formats such as collapsed).
model::Result<void> write_profile(const model::Profile& profile, OutputFormat format, size_t sample_index,
                                  std::ostream& out);

}  // namespace profkit::parsers
