#include "cli/symbolize_options.h"

namespace profkit::cli {

void add_symbolize_options(CLI::App& cmd, symbolize::Options& options) {
  cmd.add_option("--symbolizer", options.backend,
                 "Symbolization backend: libdw (in-process libdw, default) or llvm (LLVM's symbolizer library)")
      ->check(CLI::IsMember({"libdw", "llvm"}))
      ->group("Symbolization");
  cmd.add_option("--symfs", options.symfs, "Look binaries up under DIR, as perf --symfs does (repeatable)")
      ->type_name("DIR")
      ->allow_extra_args(false)  // one DIR per flag: never swallow the input files after it
      ->group("Symbolization");
  cmd.add_option("--debug-dir", options.debug_dirs,
                 "Also search DIR for debug files and binaries: .build-id/xx/rest.debug, <build id>/debuginfo, "
                 "<basename>, <dir of the binary>/<debuglink> (repeatable)")
      ->type_name("DIR")
      ->allow_extra_args(false)  // one DIR per flag: never swallow the input files after it
      ->group("Symbolization");
  cmd.add_option("--kallsyms", options.kallsyms, "Kernel symbol table for kernel frames (default /proc/kallsyms)")
      ->type_name("FILE")
      ->group("Symbolization");
  cmd.add_flag_callback("--no-debuginfod", [&options] { options.debuginfod = false; },
                        "Never ask debuginfod servers (otherwise asked by build id, after every local place, when "
                        "DEBUGINFOD_URLS is set)")
      ->group("Symbolization");
  cmd.add_option("--debuginfod-timeout", options.debuginfod_timeout,
                 "Seconds one debuginfod download may take in all (default 30; 0 = no limit of ours). A server that "
                 "sent nothing in time is not asked again for the same input")
      ->type_name("SECONDS")
      ->check(CLI::NonNegativeNumber)
      ->group("Symbolization");
  cmd.add_flag_callback("--no-demangle", [&options] { options.demangle = false; }, "Keep C++ names mangled")
      ->group("Symbolization");
}

}  // namespace profkit::cli
