// analysis/select.h — choosing which value column a report shows.
//
// pprof's rules: a name picks the column of that type ("inuse_space"), a number picks by index,
// nothing picks the profile's default (default_sample_type, else the last column). With `mean`
// (pprof's -mean, -mean_delay) views divide node totals by the totals of the first column.
#pragma once

#include <optional>
#include <string>

#include "model/profile.h"

namespace profkit::analysis {

struct SampleSelection {
  std::string index;  // type name or decimal column index; empty = the profile's default
  bool mean = false;  // report value / count per sample (e.g. delay per contention)
};

// Resolves `selection.index` against `profile`; a usage error names the available types.
model::Result<size_t> resolve_sample_index(const model::Profile& profile, const std::string& index);

// A profile whose column 0 is the selected one, so every later pass and view works on column 0.
// With `mean`, column 1 is the original first column (the divisor). Type names and units are kept.
model::Result<model::Profile> select_sample_type(const model::Profile& profile, const SampleSelection& selection);
// The same, reusing `profile`'s tables (they keep entries no sample uses any more, if they had any).
model::Result<model::Profile> select_sample_type(model::Profile&& profile, const SampleSelection& selection);

}  // namespace profkit::analysis
