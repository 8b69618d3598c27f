// cli/cmd_top.h — `profkit top`: the flat/cumulative table of the hottest functions.
#pragma once

#include <CLI/CLI.hpp>

namespace profkit::cli {

void setup_top(CLI::App& app, int& exit_code);

}  // namespace profkit::cli
