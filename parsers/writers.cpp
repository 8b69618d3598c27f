#include "parsers/writers.h"

#include <fmt/format.h>

#include "parsers/collapsed.h"
#include "parsers/pprof/pprof_writer.h"

namespace profkit::parsers {

model::Result<OutputFormat> output_format_for(std::string_view name, std::string_view path) {
  if (name.empty()) {
    if (path.ends_with(".pb.gz") || path.ends_with(".pprof") || path.ends_with(".pprof.gz") || path.ends_with(".gz")) {
      return OutputFormat::kPprofGzip;
    }
    if (path.ends_with(".pb")) return OutputFormat::kPprofRaw;
    if (path.ends_with(".folded") || path.ends_with(".collapsed") || path.ends_with(".txt") || path == "-" ||
        path.empty()) {
      return OutputFormat::kCollapsed;
    }
    return model::make_error(model::ErrorCode::kUsage,
                             fmt::format("cannot tell the output format from '{}'; name it .pb.gz, .pb or .folded, "
                                         "or pass --output-format pprof|pprof-raw|collapsed",
                                         path));
  }
  if (name == "pprof" || name == "pb.gz") return OutputFormat::kPprofGzip;
  if (name == "pprof-raw" || name == "pb") return OutputFormat::kPprofRaw;
  if (name == "collapsed" || name == "folded") return OutputFormat::kCollapsed;
  return model::make_error(model::ErrorCode::kUsage,
                           fmt::format("unknown output format '{}'; use pprof, pprof-raw or collapsed", name));
}

model::Result<void> write_profile(const model::Profile& profile, OutputFormat format, size_t sample_index,
                                  std::ostream& out) {
  switch (format) {
    case OutputFormat::kPprofGzip:
    case OutputFormat::kPprofRaw:
      return write_pprof(profile, out, format == OutputFormat::kPprofGzip);
    case OutputFormat::kCollapsed:
      return write_collapsed(profile, sample_index, out);
  }
  return model::make_error(model::ErrorCode::kInternal, "unhandled output format");
}

}  // namespace profkit::parsers
