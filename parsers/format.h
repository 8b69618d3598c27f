// parsers/format.h — what every input format provides: a sniffer and a parser.
//
// sniff() looks at the first bytes only and answers yes / no / need-more; "not my format" is a
// sniff answer, never a parse error. parse() turns the whole (already gunzipped) input into one
// or more Profiles — more than one when a format carries several (collapsed differential
// "stack BEFORE AFTER" lines are two profiles).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/diagnostics.h"
#include "model/error.h"
#include "model/profile.h"

namespace profkit::parsers {

namespace perf {
class UnwinderFactory;  // parsers/perf/unwind.h
}

enum class Sniff { kNo, kYes, kNeedMore };

// See ParseOptions::on_first_location.
struct FirstLocation {
  std::string_view file, build_id;  // the mapping's
  uint64_t start = 0, limit = 0, file_offset = 0;
  uint64_t address = 0;
  bool kernel = false;
};

struct ParseOptions {
  std::string file_name = "-";              // for error messages; "-" is stdin
  bool lenient = false;                     // malformed lines become counted warnings
  bool keep_timestamps = false;             // keep per-sample time (for --time filters)
  model::Diagnostics* diagnostics = nullptr;  // may be null: warnings are then dropped
  // The bytes are a read-only file mapping (InputBytes::is_file_mapping): a streaming parser may
  // drop the pages it has passed, so resident memory does not grow with the file.
  bool input_is_file_mapping = false;
  // Unwinds perf.data `--call-graph dwarf` user stacks; null keeps the sampled ip only.
  perf::UnwinderFactory* unwinder = nullptr;
  // Dwarf samples are unwound in batches of this many, each handed to a worker thread while the
  // next one fills (tests vary it to exercise the hand-off; 0 counts as 1).
  size_t unwind_batch = 256;
  // Called at the first location of each mapping (all kernel mappings count as one) that will
  // need symbols (perf.data), so the caller may start loading them while parsing goes on. The
  // views are valid during the call only. May be empty.
  std::function<void(const FirstLocation&)> on_first_location;
};

struct Format {
  std::string_view name;  // "collapsed", "pprof", "perf.data", …
  Sniff (*sniff)(std::span<const uint8_t> head);
  model::Result<std::vector<model::Profile>> (*parse)(std::span<const uint8_t> bytes, const ParseOptions& options);
};

// Convenience for parsers: warn through options.diagnostics when there is one.
inline void warn(const ParseOptions& options, const std::string& key, const std::string& message) {
  if (options.diagnostics) options.diagnostics->warn(key, message);
}

}  // namespace profkit::parsers
