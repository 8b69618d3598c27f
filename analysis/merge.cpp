#include "analysis/merge.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "model/profile_builder.h"
#include "model/profile_importer.h"
#include "model/units.h"

namespace profkit::analysis {

using model::ErrorCode;

namespace {

std::string type_text(const model::Profile& p, const model::ValueType& vt) {
  return fmt::format("{}/{}", p.str(vt.type), p.str(vt.unit));
}

std::string types_text(const model::Profile& p) {
  std::string s;
  for (const auto& vt : p.sample_types()) s += (s.empty() ? "" : ", ") + type_text(p, vt);
  return s.empty() ? "none" : s;
}

std::string input_name(const MergeOptions& o, size_t i) {
  if (i < o.source_names.size() && !o.source_names[i].empty()) return o.source_names[i];
  return fmt::format("input #{}", i + 1);
}

double pow10(int32_t n) {
  double f = 1;
  for (int32_t i = 0; i < n; ++i) f *= 10;
  return f;
}

// Copies locations and stacks of one input, rebasing addresses onto their mapping's file offset.
class LocationRemap {
 public:
  LocationRemap(const model::Profile& src, model::ProfileBuilder& dst, model::ProfileImporter& imp, bool relative)
      : src_(src), dst_(dst), imp_(imp), relative_(relative), mappings_(src.mappings().size()),
        locations_(src.locations().size()), stacks_(src.stacks().size()), stack_done_(src.stacks().size()) {}

  model::StackId stack(model::StackId id) {
    if (!id.valid()) return id;
    if (!stack_done_[id.value]) {
      scratch_.clear();
      for (model::LocationId l : src_.stack(id)) scratch_.push_back(location(l));
      stacks_[id.value] = dst_.intern_stack(scratch_);
      stack_done_[id.value] = true;
    }
    return stacks_[id.value];
  }

 private:
  model::MappingId mapping(model::MappingId id) {
    if (!id.valid()) return id;
    model::MappingId& slot = mappings_[id.index()];
    if (!slot.valid()) {
      model::Mapping m = src_.mapping(id);
      m.file = imp_.string(m.file);
      m.build_id = imp_.string(m.build_id);
      if (relative_ && m.limit >= m.start) {
        m.limit = m.file_offset + (m.limit - m.start);
        m.start = m.file_offset;
      }
      slot = dst_.add_mapping(m);
    }
    return slot;
  }

  model::LocationId location(model::LocationId id) {
    model::LocationId& slot = locations_[id.index()];
    if (!slot.valid()) {
      model::Location l = src_.location(id);
      if (relative_ && l.mapping.valid()) {
        const model::Mapping& m = src_.mapping(l.mapping);
        if (m.limit >= m.start && l.address >= m.start) l.address = l.address - m.start + m.file_offset;
      }
      l.mapping = mapping(l.mapping);
      for (model::Line& line : l.lines) line.function = imp_.function(line.function);
      slot = dst_.add_location(std::move(l));
    }
    return slot;
  }

  const model::Profile& src_;
  model::ProfileBuilder& dst_;
  model::ProfileImporter& imp_;
  bool relative_;
  std::vector<model::MappingId> mappings_;
  std::vector<model::LocationId> locations_;
  std::vector<model::StackId> stacks_;
  std::vector<bool> stack_done_;
  std::vector<model::LocationId> scratch_;
};

// How column `out` of the merged profile reads from each input: the input's column and the
// factor its values are multiplied by (1 when units and decimals agree).
struct ColumnSource {
  size_t column = 0;
  double factor = 1;
};

}  // namespace

model::Result<model::Profile> merge_profiles(std::span<const model::Profile> inputs, const MergeOptions& options) {
  std::vector<const model::Profile*> ptrs;
  for (const auto& p : inputs) ptrs.push_back(&p);
  return merge_profiles(std::span<const model::Profile* const>(ptrs), options);
}

model::Result<model::Profile> merge_profiles(std::span<const model::Profile* const> inputs, const MergeOptions& o) {
  if (inputs.empty()) return model::make_error(ErrorCode::kUsage, "merge needs at least one profile");
  const model::Profile& first = *inputs[0];

  // Columns common to all inputs, in the first input's order.
  struct OutColumn {
    std::string type, unit;
    int32_t decimals = 0;
    std::vector<ColumnSource> sources;  // per input
  };
  std::vector<OutColumn> columns;
  for (const model::ValueType& vt : first.sample_types()) {
    OutColumn col{std::string(first.str(vt.type)), std::string(first.str(vt.unit)), vt.decimals, {}};
    bool everywhere = true;
    for (size_t i = 0; i < inputs.size() && everywhere; ++i) {
      const model::Profile& p = *inputs[i];
      const auto& types = p.sample_types();
      auto it = std::find_if(types.begin(), types.end(), [&](const model::ValueType& t) { return p.str(t.type) == col.type; });
      if (it == types.end()) {
        everywhere = false;
        break;
      }
      if (!model::compatible_units(p.str(it->unit), col.unit)) {
        return model::make_error(ErrorCode::kUsage,
                                 fmt::format("cannot merge sample type {} of {} with {} of {}: the units differ",
                                             type_text(first, vt), input_name(o, 0), type_text(p, *it), input_name(o, i)));
      }
      col.decimals = std::max(col.decimals, it->decimals);
      col.sources.push_back(ColumnSource{static_cast<size_t>(it - types.begin()), 1});
    }
    if (!everywhere) continue;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const model::Profile& p = *inputs[i];
      const model::ValueType& t = p.sample_types()[col.sources[i].column];
      double unit_factor = 1;
      if (p.str(t.unit) != col.unit) unit_factor = model::scale_value(1.0, p.str(t.unit), col.unit).first;
      col.sources[i].factor = unit_factor * pow10(col.decimals - t.decimals);
    }
    columns.push_back(std::move(col));
  }
  if (columns.empty()) {
    std::string detail;
    for (size_t i = 0; i < inputs.size(); ++i) detail += fmt::format("; {} has {}", input_name(o, i), types_text(*inputs[i]));
    return model::make_error(ErrorCode::kUsage, "cannot merge: the profiles have no sample type in common" + detail);
  }

  model::ProfileBuilder b;
  for (const OutColumn& c : columns) b.add_sample_type(c.type, c.unit, c.decimals);
  model::Profile& meta = b.metadata();
  model::StringId label_key = o.label_key.empty() ? model::StringId{} : b.intern(o.label_key);

  std::vector<int64_t> row(columns.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const model::Profile& p = *inputs[i];
    model::ProfileImporter imp(p, b);

    // Metadata: the rules in the header.
    if (i == 0 || meta.period_type.type.value == 0) {
      meta.period_type = model::ValueType{imp.string(p.period_type.type), imp.string(p.period_type.unit), p.period_type.decimals};
    }
    meta.period = std::max(meta.period, p.period);
    meta.duration_nanos += p.duration_nanos;
    if (p.time_nanos != 0 && (meta.time_nanos == 0 || p.time_nanos < meta.time_nanos)) meta.time_nanos = p.time_nanos;
    if (!meta.drop_frames.valid()) meta.drop_frames = imp.string(p.drop_frames);
    if (!meta.keep_frames.valid()) meta.keep_frames = imp.string(p.keep_frames);
    if (!meta.default_sample_type.valid()) meta.default_sample_type = imp.string(p.default_sample_type);
    for (model::StringId c : p.comments) {
      model::StringId id = imp.string(c);
      if (std::find(meta.comments.begin(), meta.comments.end(), id) == meta.comments.end()) meta.comments.push_back(id);
    }
    if (meta.source_format.empty()) {
      meta.source_format = p.source_format;
    } else if (meta.source_format != p.source_format && meta.source_format != "merged") {
      meta.source_format = "merged";
    }

    LocationRemap remap(p, b, imp, o.relative_addresses);
    model::StringId source_value;
    if (label_key.valid()) source_value = b.intern(input_name(o, i));

    std::vector<model::LabelSetId> labels_done(p.label_sets().size());
    std::vector<bool> labels_seen(p.label_sets().size());
    for (size_t s = 0; s < p.sample_count(); ++s) {
      auto values = p.values(s);
      bool zero = true;
      for (size_t c = 0; c < columns.size(); ++c) {
        const ColumnSource& src = columns[c].sources[i];
        int64_t v = values[src.column];
        row[c] = src.factor == 1 ? v : static_cast<int64_t>(std::llround(static_cast<double>(v) * src.factor));
        zero = zero && row[c] == 0;
      }
      if (zero) continue;
      const model::Sample& smp = p.sample(s);
      model::LabelSetId ls;
      if (!labels_seen[smp.labels.value]) {
        labels_seen[smp.labels.value] = true;
        model::LabelSetId base = imp.labels(smp.labels);
        if (label_key.valid()) {
          std::vector<model::Label> with = b.peek().labels(base);
          std::erase_if(with, [&](const model::Label& l) { return l.key == label_key; });
          with.push_back(model::Label{label_key, source_value, 0, {}});
          base = b.intern_labels(std::move(with));
        }
        labels_done[smp.labels.value] = base;
      }
      ls = labels_done[smp.labels.value];
      b.add_sample(remap.stack(smp.stack), ls, row, smp.time_nanos);
    }
  }
  auto merged = b.finish();
  if (!merged) return merged;
  return drop_zero_samples(std::move(*merged));
}

model::Result<model::Profile> drop_zero_samples(model::Profile profile) {
  bool any_zero = false;
  for (size_t s = 0; s < profile.sample_count() && !any_zero; ++s) {
    auto v = profile.values(s);
    any_zero = std::all_of(v.begin(), v.end(), [](int64_t x) { return x == 0; });
  }
  if (!any_zero) return profile;
  model::ProfileBuilder b(model::ProfileBuilder::Options{.aggregate = false, .keep_timestamps = true, .dedup_tables = false});
  model::ProfileImporter imp(profile, b);
  imp.copy_metadata();
  for (size_t s = 0; s < profile.sample_count(); ++s) {
    auto v = profile.values(s);
    if (std::all_of(v.begin(), v.end(), [](int64_t x) { return x == 0; })) continue;
    const model::Sample& smp = profile.sample(s);
    b.add_sample(imp.stack(smp.stack), imp.labels(smp.labels), v, smp.time_nanos);
  }
  return b.finish();
}

model::Result<model::Profile> scale_profile(const model::Profile& p, std::span<const double> ratios) {
  if (ratios.size() != p.sample_types().size()) {
    return model::make_error(ErrorCode::kInternal, "scale_profile: one ratio per sample type expected");
  }
  if (std::all_of(ratios.begin(), ratios.end(), [](double r) { return r == 1.0; })) return p;
  model::ProfileBuilder b(model::ProfileBuilder::Options{.aggregate = false, .keep_timestamps = true, .dedup_tables = false});
  model::ProfileImporter imp(p, b);
  imp.copy_metadata();
  std::vector<int64_t> row(ratios.size());
  for (size_t s = 0; s < p.sample_count(); ++s) {
    auto values = p.values(s);
    bool keep = false;
    for (size_t c = 0; c < ratios.size(); ++c) {
      row[c] = ratios[c] == 1.0 ? values[c] : static_cast<int64_t>(std::llround(static_cast<double>(values[c]) * ratios[c]));
      // pprof keeps a sample when any *scaled* column is non-zero.
      if (ratios[c] != 1.0) keep = keep || row[c] != 0;
    }
    if (!keep) continue;
    const model::Sample& smp = p.sample(s);
    b.add_sample(imp.stack(smp.stack), imp.labels(smp.labels), row, smp.time_nanos);
  }
  return b.finish();
}

}  // namespace profkit::analysis
