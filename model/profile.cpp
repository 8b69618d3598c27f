#include "model/profile.h"

#include <fmt/format.h>

namespace profkit::model {

int64_t Profile::total(size_t type_index) const {
  int64_t sum = 0;
  const size_t width = sample_types_.size();
  for (size_t i = type_index; i < values_.size(); i += width) sum += values_[i];
  return sum;
}

void Profile::keep_columns(std::span<const size_t> columns) {
  const size_t width = sample_types_.size(), kept = columns.size();
  std::vector<ValueType> types;
  for (size_t c : columns) types.push_back(sample_types_.at(c));
  // Row by row, front to back, when rows do not grow: new row i ends before old row i + 1 starts,
  // and old row i was read out first. Growing rows (a column kept twice) go to a new buffer.
  std::vector<int64_t> row(kept);
  if (kept <= width) {
    for (size_t i = 0; i < samples_.size(); ++i) {
      for (size_t j = 0; j < kept; ++j) row[j] = values_[i * width + columns[j]];
      for (size_t j = 0; j < kept; ++j) values_[i * kept + j] = row[j];
    }
    values_.resize(samples_.size() * kept);
  } else {
    std::vector<int64_t> values(samples_.size() * kept);
    for (size_t i = 0; i < samples_.size(); ++i) {
      for (size_t j = 0; j < kept; ++j) values[i * kept + j] = values_[i * width + columns[j]];
    }
    values_ = std::move(values);
  }
  sample_types_ = std::move(types);
}

size_t Profile::default_sample_index() const {
  if (sample_types_.empty()) return 0;
  if (default_sample_type.valid()) {
    for (size_t i = 0; i < sample_types_.size(); ++i) {
      if (sample_types_[i].type == default_sample_type) return i;
    }
  }
  return sample_types_.size() - 1;
}

Result<void> Profile::validate() const {
  auto fail = [](std::string msg) { return make_error(ErrorCode::kInternal, std::move(msg)); };
  const size_t nstr = strings_.size();
  auto bad_str = [nstr](StringId s) { return s.value >= nstr; };
  for (const ValueType& vt : sample_types_) {
    if (bad_str(vt.type) || bad_str(vt.unit)) return fail("sample type names a string out of range");
  }
  if (values_.size() != samples_.size() * sample_types_.size()) {
    return fail("sample values do not match the number of sample types");
  }
  for (size_t i = 0; i < mappings_.size(); ++i) {
    const Mapping& m = mappings_[i];
    if (bad_str(m.file) || bad_str(m.build_id)) return fail(fmt::format("mapping {} names a string out of range", i + 1));
  }
  for (size_t i = 0; i < functions_.size(); ++i) {
    const Function& f = functions_[i];
    if (bad_str(f.name) || bad_str(f.system_name) || bad_str(f.filename)) {
      return fail(fmt::format("function {} names a string out of range", i + 1));
    }
  }
  for (size_t i = 0; i < locations_.size(); ++i) {
    const Location& l = locations_[i];
    if (l.mapping.value > mappings_.size()) return fail(fmt::format("location {} names mapping {} which does not exist", i + 1, l.mapping.value));
    for (const Line& line : l.lines) {
      if (!line.function.valid() || line.function.value > functions_.size()) {
        return fail(fmt::format("location {} names function {} which does not exist", i + 1, line.function.value));
      }
    }
  }
  for (size_t s = 0; s < stacks_.size(); ++s) {
    for (LocationId loc : stacks_.frames(StackId(static_cast<uint32_t>(s)))) {
      if (!loc.valid() || loc.value > locations_.size()) return fail(fmt::format("stack {} names location {} which does not exist", s, loc.value));
    }
  }
  for (const Sample& s : samples_) {
    if (s.stack.value >= stacks_.size()) return fail("sample names a stack which does not exist");
    if (s.labels.value >= label_sets_.size()) return fail("sample names a label set which does not exist");
  }
  return {};
}

}  // namespace profkit::model
