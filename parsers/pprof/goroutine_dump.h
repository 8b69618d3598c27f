// parsers/pprof/goroutine_dump.h — Go goroutine dumps read as goroutine profiles.
//
// Reads the text Go prints for every goroutine: /debug/pprof/goroutine?debug=2, runtime.Stack,
// SIGQUIT dumps and panic / fatal error tracebacks. Each goroutine becomes one sample of
// goroutine/count = 1 whose stack is its frames (function with arguments stripped, file:line),
// innermost first, with the `created by` frame kept as the root. Labels, as panicparse groups
// goroutines: `state` (running, chan receive, select, IO wait, semacquire, …), `wait_minutes`
// (numeric, unit "minutes", when the dump shows one) and `locked_to_thread` ("true" when so).
// Samples with equal stacks and labels aggregate, so a leak — thousands of goroutines parked at
// one line — is one heavy sample. A panic or fatal error message becomes a profile comment.
// Lines that are neither goroutine headers nor frames (program output interleaved with the
// dump) are skipped and counted as warnings.
#pragma once

#include <cstdint>
#include <span>

#include "model/profile.h"
#include "parsers/format.h"

namespace profkit::parsers {

Sniff sniff_goroutine_dump(std::span<const uint8_t> head);
model::Result<model::Profile> parse_goroutine_dump(std::span<const uint8_t> bytes, const ParseOptions& options);

Format goroutine_dump_format();

}  // namespace profkit::parsers
