// symbolize/file_finder.h — finds the binary and the debug file of a mapping.
//
// Binary candidates, in order: the mapping's path under each --symfs root (or as is), perf's
// build-id cache (~/.debug/.build-id/xx/rest/elf, or .../vdso for a [vdso] mapping: perf keeps
// the recorded process's vdso there), and in each --debug-dir: <basename>,
// <build id>/<basename>, <build id>/debuginfo (the debuginfod cache layout).
// Debug file candidates, when the binary has no DWARF: by build id — <dir>/.build-id/xx/rest.debug
// for each --debug-dir and /usr/lib/debug (under each symfs root), ~/.debug/.build-id/xx/rest/debug,
// <debug-dir>/<build id>/debuginfo — then by .gnu_debuglink — next to the binary, in its .debug/
// subdir, /usr/lib/debug/<dir of the mapping's path>/, and in each --debug-dir (with and without
// the directory).
// debuginfod comes last, only with a known build id and only when DEBUGINFOD_URLS is set and
// Options::debuginfod is on: the debug file when none was found locally, then the executable when
// the binary is still missing (a debug file alone also serves as the binary: it keeps the program
// headers and the symbol table). Downloads land in libdebuginfod's cache and are checked like any
// other candidate; FoundFiles says what came from debuginfod and why a lookup failed.
// Every candidate's build id is checked against the recorded one: a file that differs is never
// used, and if nothing else is found the mapping is reported as kBuildIdMismatch.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/profile.h"
#include "symbolize/elf_file.h"
#include "symbolize/symbolize.h"

namespace profkit::symbolize {

struct FoundFiles {
  model::SymbolState state = model::SymbolState::kNotAttempted;  // kSymbolized when usable files were found
  std::string reason;       // why not, when state says a failure
  std::string binary;       // file whose PT_LOAD segments translate addresses ("" = none)
  ElfInfo binary_info;
  std::string debug_file;   // separate file with DWARF ("" = none needed or none found)
  ElfInfo debug_info;
  bool binary_from_debuginfod = false;  // `binary` is a file in debuginfod's cache
  bool debug_from_debuginfod = false;   // `debug_file` (or `binary`, when it is a debug file) is from debuginfod
  std::string debuginfod_error;         // a failed debuginfod lookup's answer ("" = not asked, or it worked)
  std::vector<std::string> tried;  // every path looked at, for messages and tests
};

class DebuginfodClient;

// "[vdso]", "[vdso32]", "[vdsox32]": the kernel's virtual DSO, which perf record copies into its
// build-id cache.
inline bool is_vdso_name(std::string_view file) { return file == "[vdso]" || file == "[vdso32]" || file == "[vdsox32]"; }

class FileFinder {
 public:
  explicit FileFinder(const Options& options);
  ~FileFinder();
  FileFinder(FileFinder&&) noexcept;
  FileFinder& operator=(FileFinder&&) noexcept;
  // `file` is the path the process saw, `build_id` the recorded hex id ("" = unknown: no check).
  // Not const: debuginfod answers are remembered for the finder's lifetime.
  FoundFiles find(const std::string& file, const std::string& build_id);

 private:
  std::vector<std::string> symfs_;       // "" means the real root
  std::vector<std::string> debug_dirs_;  // --debug-dir entries
  std::vector<std::string> system_debug_dirs_;  // /usr/lib/debug under each symfs root
  std::string perf_cache_;               // ~/.debug
  std::unique_ptr<DebuginfodClient> debuginfod_;  // null when Options::debuginfod is off
};

}  // namespace profkit::symbolize
