// cli/cmd_flamegraph.h — `profkit flamegraph`: an interactive flame graph SVG, or a
// differential one (`--diff BASE NEW`, or a two-column collapsed file).
#pragma once

#include <CLI/CLI.hpp>

namespace profkit::cli {

void setup_flamegraph(CLI::App& app, int& exit_code);

}  // namespace profkit::cli
