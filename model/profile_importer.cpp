#include "model/profile_importer.h"

namespace profkit::model {

ProfileImporter::ProfileImporter(const Profile& src, ProfileBuilder& dst)
    : src_(src),
      dst_(dst),
      strings_(src.strings().size()),
      mappings_(src.mappings().size()),
      functions_(src.functions().size()),
      locations_(src.locations().size()),
      stacks_(src.stacks().size()),
      label_sets_(src.label_sets().size()),
      stack_done_(src.stacks().size()),
      labels_done_(src.label_sets().size()) {}

StringId ProfileImporter::string(StringId id) {
  if (!id.valid()) return id;
  StringId& slot = strings_[id.value];
  if (!slot.valid()) slot = dst_.intern(src_.str(id));
  return slot;
}

MappingId ProfileImporter::mapping(MappingId id) {
  if (!id.valid()) return id;
  MappingId& slot = mappings_[id.index()];
  if (!slot.valid()) {
    Mapping m = src_.mapping(id);
    m.file = string(m.file);
    m.build_id = string(m.build_id);
    slot = dst_.add_mapping(m);
  }
  return slot;
}

FunctionId ProfileImporter::function(FunctionId id) {
  if (!id.valid()) return id;
  FunctionId& slot = functions_[id.index()];
  if (!slot.valid()) {
    Function f = src_.function(id);
    f.name = string(f.name);
    f.system_name = string(f.system_name);
    f.filename = string(f.filename);
    slot = dst_.add_function(f);
  }
  return slot;
}

LocationId ProfileImporter::location(LocationId id) {
  if (!id.valid()) return id;
  LocationId& slot = locations_[id.index()];
  if (!slot.valid()) {
    Location l = src_.location(id);
    l.mapping = mapping(l.mapping);
    for (Line& line : l.lines) line.function = function(line.function);
    slot = dst_.add_location(std::move(l));
  }
  return slot;
}

StackId ProfileImporter::stack(StackId id) {
  if (!id.valid()) return id;
  if (!stack_done_[id.value]) {
    auto frames = src_.stack(id);
    std::vector<LocationId> mapped;
    mapped.reserve(frames.size());
    for (LocationId l : frames) mapped.push_back(location(l));
    stacks_[id.value] = dst_.intern_stack(mapped);
    stack_done_[id.value] = true;
  }
  return stacks_[id.value];
}

LabelSetId ProfileImporter::labels(LabelSetId id) {
  if (!id.valid()) return id;
  if (!labels_done_[id.value]) {
    std::vector<Label> ls = src_.labels(id);
    for (Label& l : ls) {
      l.key = string(l.key);
      l.str = string(l.str);
      l.num_unit = string(l.num_unit);
    }
    label_sets_[id.value] = dst_.intern_labels(std::move(ls));
    labels_done_[id.value] = true;
  }
  return label_sets_[id.value];
}

void ProfileImporter::copy_metadata() {
  for (const ValueType& vt : src_.sample_types()) {
    dst_.add_sample_type(src_.str(vt.type), src_.str(vt.unit), vt.decimals);
  }
  Profile& m = dst_.metadata();
  m.period_type = ValueType{string(src_.period_type.type), string(src_.period_type.unit), src_.period_type.decimals};
  m.period = src_.period;
  m.time_nanos = src_.time_nanos;
  m.duration_nanos = src_.duration_nanos;
  m.drop_frames = string(src_.drop_frames);
  m.keep_frames = string(src_.keep_frames);
  m.default_sample_type = string(src_.default_sample_type);
  m.comments.clear();
  for (StringId c : src_.comments) m.comments.push_back(string(c));
  m.source_format = src_.source_format;
}

}  // namespace profkit::model
