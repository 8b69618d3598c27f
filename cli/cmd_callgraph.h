// cli/cmd_callgraph.h — `profkit callgraph`: the caller→callee graph as DOT or SVG (via Graphviz).
#pragma once

#include <CLI/CLI.hpp>

namespace profkit::cli {

void setup_callgraph(CLI::App& app, int& exit_code);

}  // namespace profkit::cli
