#include "model/profile_builder.h"

#include <algorithm>
#include <functional>

namespace profkit::model {

namespace {
inline void mix(uint64_t& h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
}
}  // namespace

size_t ProfileBuilder::LabelSetHash::operator()(const std::vector<Label>& ls) const {
  uint64_t h = ls.size();
  for (const Label& l : ls) {
    mix(h, l.key.value);
    mix(h, l.str.value);
    mix(h, static_cast<uint64_t>(l.num));
    mix(h, l.num_unit.value);
  }
  return h;
}

size_t ProfileBuilder::LocationHash::operator()(const Location& l) const {
  uint64_t h = l.address;
  mix(h, l.mapping.value);
  mix(h, static_cast<uint64_t>(l.kind) | (uint64_t{l.is_folded} << 8));
  for (const Line& line : l.lines) {
    mix(h, line.function.value);
    mix(h, static_cast<uint64_t>(line.line));
    mix(h, static_cast<uint64_t>(line.column));
  }
  return h;
}

size_t ProfileBuilder::FunctionHash::operator()(const Function& f) const {
  uint64_t h = f.name.value;
  mix(h, f.system_name.value);
  mix(h, f.filename.value);
  mix(h, static_cast<uint64_t>(f.start_line));
  return h;
}

size_t ProfileBuilder::MappingHash::operator()(const Mapping& m) const {
  uint64_t h = m.start;
  mix(h, m.limit);
  mix(h, m.file_offset);
  mix(h, m.file.value);
  mix(h, m.build_id.value);
  return h;
}

ProfileBuilder::ProfileBuilder(Options options) : options_(options) {}

void ProfileBuilder::add_sample_type(std::string_view type, std::string_view unit, int32_t decimals) {
  profile_.sample_types_.push_back(ValueType{intern(type), intern(unit), decimals});
}

void ProfileBuilder::set_decimals(size_t type_index, int32_t decimals) {
  profile_.sample_types_.at(type_index).decimals = decimals;
}

MappingId ProfileBuilder::add_mapping(const Mapping& m) {
  if (options_.dedup_tables) {
    if (auto it = mapping_index_.find(m); it != mapping_index_.end()) return it->second;
  }
  profile_.mappings_.push_back(m);
  MappingId id = MappingId::from_index(profile_.mappings_.size() - 1);
  if (options_.dedup_tables) mapping_index_.emplace(m, id);
  return id;
}

void ProfileBuilder::make_main_mapping(MappingId id) {
  if (!id.valid() || id.index() == 0 || id.index() >= profile_.mappings_.size()) return;
  const MappingId first = MappingId::from_index(0);
  std::swap(profile_.mappings_[0], profile_.mappings_[id.index()]);
  for (Location& l : profile_.locations_) {
    if (l.mapping == first) {
      l.mapping = id;
    } else if (l.mapping == id) {
      l.mapping = first;
    }
  }
  if (options_.dedup_tables) {
    mapping_index_.clear();
    for (size_t i = 0; i < profile_.mappings_.size(); ++i) mapping_index_.emplace(profile_.mappings_[i], MappingId::from_index(i));
    location_index_.clear();
    for (size_t i = 0; i < profile_.locations_.size(); ++i) location_index_.emplace(profile_.locations_[i], LocationId::from_index(i));
  }
}

FunctionId ProfileBuilder::add_function(const Function& f) {
  if (options_.dedup_tables) {
    if (auto it = function_index_.find(f); it != function_index_.end()) return it->second;
  }
  profile_.functions_.push_back(f);
  FunctionId id = FunctionId::from_index(profile_.functions_.size() - 1);
  if (options_.dedup_tables) function_index_.emplace(f, id);
  return id;
}

LocationId ProfileBuilder::add_location(Location loc) {
  if (options_.dedup_tables) {
    if (auto it = location_index_.find(loc); it != location_index_.end()) return it->second;
  }
  profile_.locations_.push_back(loc);
  LocationId id = LocationId::from_index(profile_.locations_.size() - 1);
  if (options_.dedup_tables) location_index_.emplace(std::move(loc), id);
  return id;
}

LocationId ProfileBuilder::add_named_frame(std::string_view name, FrameKind kind) {
  StringId n = intern(name);
  FunctionId f = add_function(Function{n, n, StringId{}, 0});
  Location loc;
  loc.lines.push_back(Line{f, 0, 0});
  loc.kind = kind;
  return add_location(std::move(loc));
}

LabelSetId ProfileBuilder::intern_labels(std::vector<Label> labels) {
  if (labels.empty()) return LabelSetId{};
  std::sort(labels.begin(), labels.end());
  if (auto it = label_index_.find(labels); it != label_index_.end()) return it->second;
  LabelSetId id(static_cast<uint32_t>(profile_.label_sets_.size()));
  profile_.label_sets_.push_back(labels);
  label_index_.emplace(std::move(labels), id);
  return id;
}

size_t ProfileBuilder::add_sample(StackId stack, LabelSetId labels, std::span<const int64_t> values,
                                  int64_t time_nanos) {
  const size_t width = profile_.sample_types_.size();
  const bool mergeable = options_.aggregate && !(options_.keep_timestamps && time_nanos != 0);
  if (mergeable) {
    if (sample_index_.empty()) sample_index_.resize(1024);
    const uint64_t key = uint64_t{stack.value} << 32 | labels.value;
    uint64_t h = key * 0x9E3779B97F4A7C15ULL;
    h ^= h >> 29;
    size_t mask = sample_index_.size() - 1, slot = h & mask;
    while (sample_index_[slot].sample != 0 && sample_index_[slot].key != key) slot = (slot + 1) & mask;
    if (sample_index_[slot].sample != 0) {
      add_to_sample(sample_index_[slot].sample - 1, values);
      return sample_index_[slot].sample - 1;
    }
    sample_index_[slot] = SampleSlot{key, profile_.samples_.size() + 1};
    if (2 * ++sample_index_used_ > sample_index_.size()) {
      HugeVector<SampleSlot> grown(sample_index_.size() * 2);
      mask = grown.size() - 1;
      for (const SampleSlot& e : sample_index_) {
        if (e.sample == 0) continue;
        uint64_t g = e.key * 0x9E3779B97F4A7C15ULL;
        g ^= g >> 29;
        size_t j = g & mask;
        while (grown[j].sample != 0) j = (j + 1) & mask;
        grown[j] = e;
      }
      sample_index_ = std::move(grown);
    }
  }
  profile_.samples_.push_back(Sample{stack, labels, mergeable ? 0 : time_nanos});
  for (size_t i = 0; i < width; ++i) profile_.values_.push_back(i < values.size() ? values[i] : 0);
  return profile_.samples_.size() - 1;
}

Result<Profile> ProfileBuilder::finish() {
  if (auto ok = profile_.validate(); !ok) return std::unexpected(ok.error());
  Profile out = std::move(profile_);
  profile_ = Profile{};
  sample_index_.clear();
  sample_index_used_ = 0;
  label_index_.clear();
  location_index_.clear();
  function_index_.clear();
  mapping_index_.clear();
  return out;
}

}  // namespace profkit::model
