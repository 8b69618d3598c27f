// model/profile_importer.h — copies parts of one Profile into a ProfileBuilder.
//
// Passes (filter, merge, diff, granularity…) read a source profile and build a new one. The
// importer remaps ids lazily and remembers each mapping, so every source string, function,
// location, stack and label set is translated once however many samples name it.
#pragma once

#include <vector>

#include "model/profile_builder.h"

namespace profkit::model {

class ProfileImporter {
 public:
  ProfileImporter(const Profile& src, ProfileBuilder& dst);

  StringId string(StringId id);
  MappingId mapping(MappingId id);
  FunctionId function(FunctionId id);
  LocationId location(LocationId id);
  StackId stack(StackId id);
  LabelSetId labels(LabelSetId id);

  // Declares the source's sample types in the builder (which must have none yet) and copies
  // period, times, drop/keep frames, default sample type, comments and source format.
  void copy_metadata();

 private:
  const Profile& src_;
  ProfileBuilder& dst_;
  std::vector<StringId> strings_;
  std::vector<MappingId> mappings_;
  std::vector<FunctionId> functions_;
  std::vector<LocationId> locations_;
  std::vector<StackId> stacks_;
  std::vector<LabelSetId> label_sets_;
  std::vector<bool> stack_done_;
  std::vector<bool> labels_done_;
  std::vector<LocationId> scratch_;
};

}  // namespace profkit::model
