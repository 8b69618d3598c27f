// cli/pipeline.h — the load pipeline every reporting command runs, and its shared flags.
//
//   read + gunzip + sniff + parse  (parsers/)
//   → symbolize when addresses lack symbols  (symbolize/, when present)
//   → select the sample type (column 0 afterwards)  (analysis/select)
//
// Commands own the steps after that (views, renderers). Flags map onto InputOptions here, in one
// place, so `top`, `flamegraph`, `diff`… spell them the same way.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "analysis/select.h"
#include "model/diagnostics.h"
#include "model/profile.h"

#include "cli/filter_options.h"
#include "cli/symbolize_options.h"

namespace profkit::cli {

struct InputOptions {
  bool lenient = false;                // malformed collapsed lines become counted warnings
  analysis::SampleSelection selection;  // --sample-index / --mean / pprof shortcuts
  std::string event;                   // perf.data: --event NAME picks one event's column
  bool no_symbolize = false;           // keep raw addresses (--no-symbolize)
  bool no_unwind = false;              // --no-unwind: dwarf samples keep only the sampled user ip
  symbolize::Options symbolize;        // --symbolizer, --symfs, --debug-dir, --kallsyms…
  analysis::FilterOptions filter;      // --focus, --ignore, --hide, --show, --pid, --time…
};

// Adds --lenient, --sample-index, --mean and pprof's shortcuts (--inuse_space, --alloc_space,
// --inuse_objects, --alloc_objects, --contentions, --total_delay, --mean_delay), the
// symbolization flags and the filter flags.
void add_input_options(CLI::App& cmd, InputOptions& options);

// Parses every profile in `path` ("-" = stdin) and symbolizes addresses that lack symbols.
// Survivable problems go to `diagnostics`; `reports` (optional) receives what symbolization did
// per mapping (where binaries and debug files came from), for all profiles of the input.
model::Result<std::vector<model::Profile>> load_all(const std::string& path, const InputOptions& options,
                                                     model::Diagnostics& diagnostics,
                                                     std::vector<symbolize::MappingReport>* reports = nullptr);
// Loads `path` and expects exactly one profile; a two-column differential collapsed file
// yields its "after" side with a note (use `diff` to compare both sides).
model::Result<model::Profile> load_one(const std::string& path, const InputOptions& options,
                                       model::Diagnostics& diagnostics);
// Applies the filters, then sample-type selection: the returned profile's column 0 is what views show.
// Filter reports (e.g. "--focus matched nothing") go to `diagnostics`.
model::Result<model::Profile> prepare(const model::Profile& profile, const InputOptions& options,
                                      model::Diagnostics& diagnostics);
// As above, reusing `profile`'s tables when no filter applies (top and flamegraph on big inputs).
model::Result<model::Profile> prepare(model::Profile&& profile, const InputOptions& options,
                                      model::Diagnostics& diagnostics);
// As above, printing filter reports on stderr at once.
model::Result<model::Profile> prepare(const model::Profile& profile, const InputOptions& options);

}  // namespace profkit::cli
