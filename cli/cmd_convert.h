// cli/cmd_convert.h — `profkit convert`: any input to pprof or collapsed stacks.
#pragma once

#include <CLI/CLI.hpp>

namespace profkit::cli {

void setup_convert(CLI::App& app, int& exit_code);

}  // namespace profkit::cli
