// symbolize/symbolize.h — the symbolization pass: addresses in, functions and inlined lines out.
//
// A location that has a mapping and an address (addr, in the process) but no lines needs symbols.
// The pass groups such locations by mapping, finds the mapping's binary and debug file (by path,
// build id, .gnu_debuglink, perf's ~/.debug cache, --symfs and --debug-dir, then debuginfod), refuses files whose
// build id differs, turns each addr into the ELF virtual address (rel_addr) through the file's
// PT_LOAD segments, resolves every unique (binary, rel_addr) once with a backend (libdw by default,
// LLVM's symbolizer library on request) and writes functions and inlined lines (innermost first)
// into a new Profile. Kernel frames come from kallsyms, JIT frames from /tmp/perf-PID.map.
//
// Nothing is silent: each mapping gets a MappingReport, and a mapping with unresolved addresses
// gives one warning in Diagnostics saying how many and why. Unresolved addresses stay address-only.
// Library headers stay free of libdw/LLVM types; the backends live behind a PIMPL.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/diagnostics.h"
#include "model/error.h"
#include "model/profile.h"

namespace profkit::symbolize {

struct Options {
  std::string backend = "libdw";         // "libdw" (in-process libdw/libdwfl) or "llvm" (LLVMSymbolizer)
  std::vector<std::string> symfs;        // roots the mapping's path is looked up under (perf --symfs); empty = "/"
  std::vector<std::string> debug_dirs;   // extra dirs: .build-id/xx/rest.debug, <build id>/debuginfo, <basename>…
  std::string kallsyms;                  // kernel symbol table; empty = /proc/kallsyms (or perf's cached
                                         // kallsyms for the recorded kernel build id)
  std::string kernel_notes = "/sys/kernel/notes";  // the running kernel's build id, checked against
                                                    // the recorded one before /proc/kallsyms is used
  bool demangle = true;                  // C++ names demangled (GNU style, as perf and c++filt print them)
  std::string jit_map_dir = "/tmp";      // where perf-PID.map files live
  std::string perf_debug_cache;          // perf's build-id cache; empty = $HOME/.debug
  bool system_debug_dirs = true;         // also search /usr/lib/debug (under each symfs root)
  bool debuginfod = true;                // ask the servers in $DEBUGINFOD_URLS (when set) by build id, after
                                         // every local place; false = --no-debuginfod
  double debuginfod_timeout = 30;        // seconds one debuginfod lookup may take in all (<= 0: no limit of
                                         // ours; libdebuginfod's DEBUGINFOD_TIMEOUT still applies)
};

// What happened to one mapping that had addresses to symbolize.
struct MappingReport {
  std::string file;        // the mapping's file as the process saw it
  std::string build_id;    // hex, as recorded
  std::string binary;      // the file used for segments and symbols ("" when none was found)
  std::string debug_file;  // separate debug file used ("" when none / DWARF in the binary)
  bool binary_from_debuginfod = false;  // `binary` was downloaded from a debuginfod server (its cache path)
  bool debug_from_debuginfod = false;   // `debug_file` (or `binary`, when it is a debug file) came from debuginfod
  std::string debuginfod_error;         // what the debuginfod lookup answered when it failed ("" = not asked or ok)
  model::SymbolState state = model::SymbolState::kNotAttempted;
  std::string reason;      // why addresses stayed unresolved ("" when all resolved)
  int64_t addresses = 0;   // unique addresses that needed symbols
  int64_t resolved = 0;    // of those, how many got at least one frame
};

// A reusable symbolizer: binaries, debug files, kallsyms and demangled names stay cached across
// run() calls (a diff or merge symbolizes several profiles of the same binaries).
class Symbolizer {
 public:
  explicit Symbolizer(Options options);
  ~Symbolizer();
  Symbolizer(Symbolizer&&) noexcept;
  Symbolizer& operator=(Symbolizer&&) noexcept;

  // Returns the symbolized copy of `in`. Errors only for unusable options (unknown backend, an
  // explicit --kallsyms file that cannot be read); everything else is reported per mapping.
  model::Result<model::Profile> run(const model::Profile& in, model::Diagnostics& diagnostics);
  // The same, for a caller done with `in`: parts of it may be moved into the result.
  model::Result<model::Profile> run(model::Profile&& in, model::Diagnostics& diagnostics);
  // One entry per mapping that needed symbols in the last run(), in mapping order.
  const std::vector<MappingReport>& report() const;

  // Symbolizing while a parser still reads: preload() hands over one address of a mapping (the
  // first the parser met), and a thread finds the mapping's files, opens the binary and its
  // DWARF (or reads kallsyms, for the kernel) and resolves the address into the symbolizer's
  // caches. The next run() first waits for that thread; output is the same either way. Opening
  // libc's compressed DWARF or reading /proc/kallsyms takes tens of milliseconds each.
  struct Hint {
    std::string file, build_id;
    uint64_t start = 0, limit = 0, file_offset = 0, address = 0;
    bool kernel = false;
  };
  void preload(Hint hint);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// One-shot convenience; `report` (optional) receives the per-mapping reports.
model::Result<model::Profile> symbolize(const model::Profile& in, const Options& options,
                                        model::Diagnostics& diagnostics,
                                        std::vector<MappingReport>* report = nullptr);

// The same, for a caller done with `in`.
model::Result<model::Profile> symbolize(model::Profile&& in, const Options& options, model::Diagnostics& diagnostics,
                                        std::vector<MappingReport>* report = nullptr);

// True when some location has a mapping and an address but no lines.
bool needs_symbolization(const model::Profile& profile);

// "missing-file", "build-id-mismatch", … (for info and messages).
const char* symbol_state_name(model::SymbolState state);

}  // namespace profkit::symbolize
