// cli/cmd_info.h — `profkit info`: what an input holds.
#pragma once

#include <CLI/CLI.hpp>

namespace profkit::cli {

void setup_info(CLI::App& app, int& exit_code);

}  // namespace profkit::cli
