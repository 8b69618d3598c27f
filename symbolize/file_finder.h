// symbolize/file_finder.h — finds the binary and the debug file of a mapping.
//
// Binary candidates, in order: the mapping's path under each --symfs root (or as is), perf's
// build-id cache (~/.debug/.build-id/xx/rest/elf), and in each --debug-dir: <basename>,
// <build id>/<basename>, <build id>/debuginfo (the debuginfod cache layout).
// Debug file candidates, when the binary has no DWARF: by build id — <dir>/.build-id/xx/rest.debug
// for each --debug-dir and /usr/lib/debug (under each symfs root), ~/.debug/.build-id/xx/rest/debug,
// <debug-dir>/<build id>/debuginfo — then by .gnu_debuglink — next to the binary, in its .debug/
// subdir, /usr/lib/debug/<dir of the mapping's path>/, and in each --debug-dir (with and without
// the directory).
// Every candidate's build id is checked against the recorded one: a file that differs is never
// used, and if nothing else is found the mapping is reported as kBuildIdMismatch.
#pragma once

#include <string>
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
  std::vector<std::string> tried;  // every path looked at, for messages and tests
};

class FileFinder {
 public:
  explicit FileFinder(const Options& options);
  // `file` is the path the process saw, `build_id` the recorded hex id ("" = unknown: no check).
  FoundFiles find(const std::string& file, const std::string& build_id) const;

 private:
  std::vector<std::string> symfs_;       // "" means the real root
  std::vector<std::string> debug_dirs_;  // --debug-dir entries
  std::vector<std::string> system_debug_dirs_;  // /usr/lib/debug under each symfs root
  std::string perf_cache_;               // ~/.debug
};

}  // namespace profkit::symbolize
