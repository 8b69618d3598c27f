#include "analysis/select.h"

#include <fmt/format.h>

#include <charconv>

#include "model/profile_builder.h"
#include "model/profile_importer.h"

namespace profkit::analysis {

using model::ErrorCode;

namespace {

std::string available_types(const model::Profile& p) {
  std::string names;
  for (size_t i = 0; i < p.sample_types().size(); ++i) {
    names += fmt::format("{}{} ({})", i ? ", " : "", p.str(p.sample_types()[i].type), i);
  }
  return names.empty() ? "none" : names;
}

}  // namespace

model::Result<size_t> resolve_sample_index(const model::Profile& profile, const std::string& index) {
  const auto& types = profile.sample_types();
  if (types.empty()) return model::make_error(ErrorCode::kParse, "profile has no sample types");
  if (index.empty()) return profile.default_sample_index();
  size_t n = 0;
  auto [ptr, ec] = std::from_chars(index.data(), index.data() + index.size(), n);
  if (ec == std::errc() && ptr == index.data() + index.size()) {
    if (n < types.size()) return n;
    return model::make_error(ErrorCode::kUsage, fmt::format("sample index {} is out of range; this profile has: {}", n,
                                                            available_types(profile)));
  }
  for (size_t i = 0; i < types.size(); ++i) {
    if (profile.str(types[i].type) == index) return i;
  }
  // pprof also accepts a unique prefix-free "type/unit" spelling and the bare unit-less suffix
  // matches ("space" is not accepted: it is ambiguous); keep exact names only.
  return model::make_error(ErrorCode::kUsage, fmt::format("no sample type named '{}'; this profile has: {}", index,
                                                          available_types(profile)));
}

model::Result<model::Profile> select_sample_type(const model::Profile& profile, const SampleSelection& selection) {
  auto index = resolve_sample_index(profile, selection.index);
  if (!index) return std::unexpected(index.error());
  const auto& types = profile.sample_types();
  const model::ValueType& chosen = types[*index];

  // For --mean pprof divides node totals by the totals of the first column (the event count:
  // contentions, samples), so that column is kept as column 1 for the views to divide by.
  if (selection.mean && types.size() < 2) {
    return model::make_error(ErrorCode::kUsage, fmt::format("--mean needs a count column besides '{}'; this profile has: {}",
                                                            profile.str(chosen.type), available_types(profile)));
  }
  const bool mean = selection.mean;

  model::ProfileBuilder b(model::ProfileBuilder::Options{.aggregate = false, .keep_timestamps = true, .dedup_tables = false});
  model::ProfileImporter imp(profile, b);
  b.add_sample_type(profile.str(chosen.type), profile.str(chosen.unit), chosen.decimals);
  if (mean) b.add_sample_type(profile.str(types[0].type), profile.str(types[0].unit), types[0].decimals);
  {
    model::Profile& m = b.metadata();
    m.period_type = model::ValueType{imp.string(profile.period_type.type), imp.string(profile.period_type.unit),
                                     profile.period_type.decimals};
    m.period = profile.period;
    m.time_nanos = profile.time_nanos;
    m.duration_nanos = profile.duration_nanos;
    m.drop_frames = imp.string(profile.drop_frames);
    m.keep_frames = imp.string(profile.keep_frames);
    m.default_sample_type = imp.string(chosen.type);
    for (model::StringId c : profile.comments) m.comments.push_back(imp.string(c));
    m.source_format = profile.source_format;
  }
  for (size_t i = 0; i < profile.sample_count(); ++i) {
    auto v = profile.values(i);
    int64_t row[2] = {v[*index], v[0]};
    const model::Sample& s = profile.sample(i);
    b.add_sample(imp.stack(s.stack), imp.labels(s.labels), std::span<const int64_t>(row, mean ? 2 : 1), s.time_nanos);
  }
  return b.finish();
}

model::Result<model::Profile> select_sample_type(model::Profile&& profile, const SampleSelection& selection) {
  auto index = resolve_sample_index(profile, selection.index);
  if (!index) return std::unexpected(index.error());
  if (selection.mean && profile.sample_types().size() < 2) return select_sample_type(profile, selection);  // its error
  const size_t columns[2] = {*index, 0};
  const model::StringId chosen = profile.sample_types()[*index].type;
  profile.keep_columns(std::span<const size_t>(columns, selection.mean ? 2 : 1));
  profile.default_sample_type = chosen;
  return std::move(profile);
}

}  // namespace profkit::analysis
