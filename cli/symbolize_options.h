// cli/symbolize_options.h — the symbolization flags, mapped onto symbolize::Options in one place.
//
//   --symbolizer libdw|llvm   backend (default libdw)
//   --symfs DIR               look binaries up under DIR (repeatable; like perf --symfs)
//   --debug-dir DIR           extra place for debug files and binaries (repeatable)
//   --kallsyms FILE           kernel symbols (default /proc/kallsyms)
//   --no-debuginfod           never ask the servers in DEBUGINFOD_URLS
//   --debuginfod-timeout S    overall limit of one debuginfod lookup, seconds (default 30)
//   --no-demangle             keep C++ linkage names
#pragma once

#include <CLI/CLI.hpp>

#include "symbolize/symbolize.h"

namespace profkit::cli {

void add_symbolize_options(CLI::App& cmd, symbolize::Options& options);

}  // namespace profkit::cli
