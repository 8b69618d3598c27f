// cli/cmd_merge.h — `profkit merge`: many profiles (any formats) into one pprof or collapsed file.
#pragma once

#include <CLI/CLI.hpp>

namespace profkit::cli {

void setup_merge(CLI::App& app, int& exit_code);

}  // namespace profkit::cli
