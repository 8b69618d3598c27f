// cli/filter_options.h — the filter flags shared by top, flamegraph, diff, merge and callgraph.
//
// Maps --focus, --ignore, --hide, --show, --show-from, --prune-from, --tag-focus, --tag-ignore,
// --pid, --tid, --comm and --time onto analysis::FilterOptions (semantics in analysis/filter.h).
// --nodefraction is left to each command (its default differs per view); commands that want it
// as a filter set FilterOptions::node_fraction themselves.
#pragma once

#include <CLI/CLI.hpp>

#include "analysis/filter.h"
#include "model/diagnostics.h"
#include "model/profile.h"

namespace profkit::cli {

void add_filter_options(CLI::App& cmd, analysis::FilterOptions& options);

// The profile with the filters applied (a copy when no filter is set). Filters that matched
// nothing are reported to `diagnostics`; a bad regex / tag / time expression is kUsage.
model::Result<model::Profile> apply_filters(const model::Profile& profile, const analysis::FilterOptions& options,
                                            model::Diagnostics& diagnostics);

}  // namespace profkit::cli
