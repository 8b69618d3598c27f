// cli/common.h — what every command shares: exit codes, error reporting, atomic output files.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>

#include "model/diagnostics.h"
#include "model/error.h"

namespace profkit::cli {

// Exit codes (DESIGN.md; documented in --help and the README).
enum ExitCode : int {
  kExitOk = 0,
  kExitVerdictFailed = 1,  // a diff verdict rule broke
  kExitUsage = 2,          // bad command line
  kExitBadInput = 3,       // an input could not be read or parsed
  kExitInternal = 4,       // a bug
};

// Prints "profkit: error: <one line>" (plus a hint when useful) on stderr; returns the exit code.
int report_error(const model::Error& error);
// Prints the diagnostics summary on stderr, once, when not empty.
void print_diagnostics(const model::Diagnostics& diagnostics);

// Writes an output through `writer`: "-" writes to stdout; a path is written to a temporary
// file beside it and renamed into place only when the writer succeeded, so a failed run never
// leaves a half-written file or destroys an existing one.
model::Result<void> write_output(const std::string& path, const std::function<model::Result<void>(std::ostream&)>& writer);

// True when stdout (fd 1) / stderr (fd 2) is a terminal and NO_COLOR is unset.
bool use_color(int fd);

}  // namespace profkit::cli
