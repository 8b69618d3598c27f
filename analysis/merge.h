// analysis/merge.h — N profiles into one (pprof's profile.Merge, made layout-independent).
//
// * Value columns: the output has the first profile's columns that every input also has, matched
//   by type name with compatible units (model::compatible_units); values of an input in another
//   unit of the same family (ms vs ns) or with other fixed-point decimals are converted to the
//   output's. No common column, or a name match with incompatible units, is a kUsage error that
//   names both types and the input.
// * Addresses become mapping-relative: a location in mapping [start, limit) at file_offset gets
//   address - start + file_offset, and the mapping itself is rebased to start = file_offset, so
//   the same binary loaded at different addresses (ASLR, other runs) yields equal locations.
// * Samples with equal (stack, labels) add up; all-zero samples are dropped. Labels are kept;
//   MergeOptions::label_key adds a string label naming each input.
// * Metadata: period = max, duration = sum, time = earliest non-zero, comments = union in
//   first-seen order, default sample type / drop / keep frames from the first input that has one.
//
// Merging is associative and commutative up to sample order: merge(a, merge(b, c)) holds the same
// aggregated (stack text, labels) → values as merge(merge(a, b), c) and merge(c, b, a).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "model/profile.h"

namespace profkit::analysis {

struct MergeOptions {
  std::string label_key;                  // non-empty: add label label_key=source_names[i] to input i
  std::vector<std::string> source_names;  // one per input (used with label_key)
  bool relative_addresses = true;         // rebase addresses onto their mapping's file offset
};

model::Result<model::Profile> merge_profiles(std::span<const model::Profile* const> inputs, const MergeOptions& options = {});

// Convenience for two or a few profiles held by value.
model::Result<model::Profile> merge_profiles(std::span<const model::Profile> inputs, const MergeOptions& options = {});

// The profile without samples whose values are all zero (pprof drops them after a merge).
model::Result<model::Profile> drop_zero_samples(model::Profile profile);

// pprof's Profile.Scale/ScaleN: every value of column i becomes round(value × ratios[i]);
// samples whose scaled values are all zero are dropped (when any ratio differs from 1).
model::Result<model::Profile> scale_profile(const model::Profile& profile, std::span<const double> ratios);

}  // namespace profkit::analysis
