// cli/cmd_diff.h — `profkit diff`: compare a base and a new profile (or repeated runs of each),
// print what changed, and judge the change with --fail-on rules (exit 1 when one breaks).
#pragma once

#include <CLI/CLI.hpp>

namespace profkit::cli {

void setup_diff(CLI::App& app, int& exit_code);

}  // namespace profkit::cli
