// model/profile_builder.h — the only way to make a Profile.
//
// Parsers and passes stream into a builder: it interns strings, functions, locations, stacks and
// label sets, and aggregates samples with identical (stack, labels) as they arrive, so memory
// grows with unique stacks, not with samples. finish() validates once and hands the Profile over.
//
// Aggregation is on by default; a source whose sample order or timestamps matter (a pprof raw
// dump, a `--time` filter) turns it off with Options::aggregate = false, and samples with a
// non-zero timestamp are never merged when keep_timestamps is set.
#pragma once

#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/huge_page_allocator.h"
#include "model/profile.h"

namespace profkit::model {

class ProfileBuilder {
 public:
  struct Options {
    bool aggregate = true;         // merge samples with equal (stack, labels)
    bool keep_timestamps = false;  // when aggregating, keep timestamped samples apart
    bool dedup_tables = true;      // intern equal functions/locations/mappings into one id
  };

  ProfileBuilder() : ProfileBuilder(Options{}) {}
  explicit ProfileBuilder(Options options);

  StringId intern(std::string_view s) { return profile_.strings_.intern(s); }
  std::string_view str(StringId id) const { return profile_.strings_.str(id); }

  // Value columns must be declared before the first sample.
  void add_sample_type(std::string_view type, std::string_view unit, int32_t decimals = 0);
  size_t sample_type_count() const { return profile_.sample_types_.size(); }
  // Changes the fixed-point scale of a column (collapsed input learns it while reading).
  void set_decimals(size_t type_index, int32_t decimals);

  MappingId add_mapping(const Mapping& m);
  // Makes `id` the first mapping (pprof's "main binary", shown as File:), swapping it with the
  // current first one in the mappings and in every location. Ids handed out before change.
  void make_main_mapping(MappingId id);
  FunctionId add_function(const Function& f);
  LocationId add_location(Location loc);
  // Convenience: a location with one line calling a function named `name` (no mapping).
  LocationId add_named_frame(std::string_view name, FrameKind kind = FrameKind::kNormal);

  StackId intern_stack(std::span<const LocationId> leaf_first) { return profile_.stacks_.intern(leaf_first); }
  // Takes `src`'s stacks as they are, ids included, for a profile whose locations have the same
  // ids as `src`'s (a pass that rewrites locations one to one). Only before the first stack.
  void copy_stacks_from(const Profile& src) {
    if (profile_.stacks_.size() == 1) profile_.stacks_ = src.stacks_;
  }
  // The same, taking them: `src` is left without stacks (and is only good for destruction).
  void take_stacks_from(Profile&& src) {
    if (profile_.stacks_.size() == 1) profile_.stacks_ = std::move(src.stacks_);
  }
  // Sorts `labels` into canonical order and interns the set; the empty set is LabelSetId{}.
  LabelSetId intern_labels(std::vector<Label> labels);

  // `values` must have sample_type_count() entries. Returns the index of the sample the values
  // went to (an existing one when aggregated).
  size_t add_sample(StackId stack, LabelSetId labels, std::span<const int64_t> values, int64_t time_nanos = 0);
  // Adds `values` to sample `index` (as returned by add_sample): what add_sample does for a
  // repeated (stack, labels) when aggregating, without looking the pair up.
  void add_to_sample(size_t index, std::span<const int64_t> values) {
    const size_t width = profile_.sample_types_.size();
    int64_t* row = profile_.values_.data() + index * width;
    for (size_t i = 0; i < width && i < values.size(); ++i) row[i] += values[i];
  }

  // Metadata fields of the profile under construction (period, times, comments, …).
  Profile& metadata() { return profile_; }
  const Profile& peek() const { return profile_; }
  size_t sample_count() const { return profile_.samples_.size(); }

  // Validates and returns the profile; the builder is empty afterwards.
  Result<Profile> finish();

 private:
  struct LabelSetHash {
    size_t operator()(const std::vector<Label>& ls) const;
  };
  struct LocationHash {
    size_t operator()(const Location& l) const;
  };
  struct FunctionHash {
    size_t operator()(const Function& f) const;
  };
  struct MappingHash {
    size_t operator()(const Mapping& m) const;
  };

  Options options_;
  Profile profile_;
  // (stack, labels) -> sample, open addressing with linear probing: a slot holds the key
  // (stack << 32 | labels) and sample index + 1 (0 = empty); power-of-two size, at most half full.
  struct SampleSlot {
    uint64_t key = 0;
    uint64_t sample = 0;
  };
  HugeVector<SampleSlot> sample_index_;
  size_t sample_index_used_ = 0;
  std::unordered_map<std::vector<Label>, LabelSetId, LabelSetHash> label_index_;
  std::unordered_map<Location, LocationId, LocationHash> location_index_;
  std::unordered_map<Function, FunctionId, FunctionHash> function_index_;
  std::unordered_map<Mapping, MappingId, MappingHash> mapping_index_;
};

}  // namespace profkit::model
