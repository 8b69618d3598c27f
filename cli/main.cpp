// profkit — turns performance captures into answers.
//
// main() only assembles the command line: each command lives in cli/cmd_<name>.cpp with its
// options struct, its setup (flags) and its run step.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "cli/common.h"

#include "cli/cmd_top.h"
#include "cli/cmd_flamegraph.h"
#include "cli/cmd_convert.h"
#include "cli/cmd_info.h"
#include "cli/cmd_diff.h"
#include "cli/cmd_merge.h"
#include "cli/cmd_callgraph.h"

int main(int argc, char** argv) {
  CLI::App app{
      "profkit turns performance captures into answers.\n"
      "Reads perf.data, pprof profile.proto (gzipped or raw), Go legacy text profiles and goroutine dumps,\n"
      "and collapsed stacks; the format is detected from the bytes. '-' reads stdin.\n\n"
      "Exit codes: 0 ok, 1 a diff verdict failed, 2 usage error, 3 input unreadable or malformed, 4 internal error.",
      "profkit"};
  app.set_version_flag("--version", std::string("profkit ") + PROFKIT_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  int exit_code = profkit::cli::kExitOk;

  profkit::cli::setup_top(app, exit_code);
  profkit::cli::setup_flamegraph(app, exit_code);
  profkit::cli::setup_diff(app, exit_code);
  profkit::cli::setup_merge(app, exit_code);
  profkit::cli::setup_callgraph(app, exit_code);
  profkit::cli::setup_convert(app, exit_code);
  profkit::cli::setup_info(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "profkit: error: %s (see profkit --help)\n", e.what());
    return profkit::cli::kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "profkit: internal error: %s\n", e.what());
    return profkit::cli::kExitInternal;
  }
  return exit_code;
}
