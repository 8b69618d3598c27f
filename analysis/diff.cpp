#include "analysis/diff.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "analysis/merge.h"
#include "model/profile_builder.h"
#include "model/profile_importer.h"
#include "model/units.h"

namespace profkit::analysis {

using model::ErrorCode;

std::optional<double> relative_change(double base, double now) {
  if (base == 0) return std::nullopt;
  return (now - base) / std::fabs(base);
}

double share_change_pp(double base, double base_total, double now, double now_total) {
  double b = base_total != 0 ? base / base_total : 0;
  double n = now_total != 0 ? now / now_total : 0;
  return 100.0 * (n - b);
}

NodeValues node_values(const model::Profile& p, Granularity granularity, bool inlines) {
  NodeMap nodes(p, granularity, inlines);
  // Nodes of equal printable name (possible at some granularities) share one entry.
  std::unordered_map<std::string, uint32_t> by_name;
  std::vector<uint32_t> entry_of(nodes.size());
  NodeValues out;
  for (uint32_t n = 0; n < nodes.size(); ++n) {
    auto [it, inserted] = by_name.try_emplace(nodes.name(n), static_cast<uint32_t>(out.names.size()));
    if (inserted) out.names.push_back(nodes.name(n));
    entry_of[n] = it->second;
  }
  out.flat.assign(out.names.size(), 0);
  out.cum.assign(out.names.size(), 0);
  if (p.sample_types().empty()) return out;
  std::vector<size_t> seen(out.names.size(), SIZE_MAX);
  for (size_t s = 0; s < p.sample_count(); ++s) {
    int64_t w = p.values(s)[0];
    if (w == 0) continue;
    auto frames = p.stack(p.sample(s).stack);
    bool leaf = true;
    for (model::LocationId loc : frames) {
      for (uint32_t n : nodes.nodes_of(loc)) {
        uint32_t e = entry_of[n];
        if (leaf) {
          out.flat[e] += w;
          leaf = false;
        }
        if (seen[e] != s) {
          seen[e] = s;
          out.cum[e] += w;
        }
      }
    }
  }
  return out;
}

void sort_diff_rows(DiffTable& t) {
  std::erase_if(t.rows, [&](const DiffRow& r) {
    bool unchanged = r.delta_flat() == 0 && r.delta_cum() == 0 && r.in_base == r.in_new;
    if (unchanged) ++t.unchanged_rows;
    return unchanged;
  });
  const bool cum = t.sort_by_cum;
  std::stable_sort(t.rows.begin(), t.rows.end(), [cum](const DiffRow& a, const DiffRow& b) {
    double da = std::fabs(cum ? a.delta_cum() : a.delta_flat());
    double db = std::fabs(cum ? b.delta_cum() : b.delta_flat());
    if (da != db) return da > db;
    double ea = std::fabs(cum ? a.delta_flat() : a.delta_cum());
    double eb = std::fabs(cum ? b.delta_flat() : b.delta_cum());
    if (ea != eb) return ea > eb;
    return a.name < b.name;
  });
}

namespace {

model::Result<std::pair<const model::ValueType*, const model::ValueType*>> check_columns(const model::Profile& base,
                                                                                       const model::Profile& cur) {
  if (base.sample_types().empty() || cur.sample_types().empty()) {
    return model::make_error(ErrorCode::kUsage, "cannot diff: a profile has no value column");
  }
  const model::ValueType& a = base.sample_types()[0];
  const model::ValueType& b = cur.sample_types()[0];
  if (!model::compatible_units(base.str(a.unit), cur.str(b.unit))) {
    return model::make_error(ErrorCode::kUsage, fmt::format("cannot diff {}/{} (base) with {}/{} (new): the units differ",
                                                            base.str(a.type), base.str(a.unit), cur.str(b.type), cur.str(b.unit)));
  }
  return std::make_pair(&a, &b);
}

// Column 0 of `p` expressed in `unit` with `decimals` (values as doubles).
double column_factor(const model::Profile& p, std::string_view unit, int32_t decimals) {
  const model::ValueType& vt = p.sample_types()[0];
  double f = 1;
  if (p.str(vt.unit) != unit) f = model::scale_value(1.0, p.str(vt.unit), unit).first;
  for (int32_t i = vt.decimals; i < decimals; ++i) f *= 10;
  return f;
}

}  // namespace

model::Result<DiffTable> build_diff_table(const model::Profile& base, const model::Profile& current, const DiffOptions& o) {
  auto cols = check_columns(base, current);
  if (!cols) return std::unexpected(cols.error());
  DiffTable t;
  t.normalized = o.normalize;
  t.sort_by_cum = o.sort_by_cum;
  t.value_type = std::string(base.str(cols->first->type));
  t.value_unit = std::string(base.str(cols->first->unit));
  t.decimals = std::max(cols->first->decimals, cols->second->decimals);
  t.normalization = o.normalize ? "shares (new scaled to the base total, as pprof -normalize)" : "absolute";

  const double base_factor = column_factor(base, t.value_unit, t.decimals);
  const double cur_factor = column_factor(current, t.value_unit, t.decimals);

  // pprof's Normalize scales each sample and rounds it, so do the same for equal numbers.
  const model::Profile* cur = &current;
  model::Profile scaled;
  double base_total = static_cast<double>(base.total(0)) * base_factor;
  double cur_total = static_cast<double>(current.total(0)) * cur_factor;
  if (o.normalize) {
    double ratio = cur_total != 0 ? base_total / cur_total : 0;
    std::vector<double> ratios(current.sample_types().size(), 1.0);
    ratios[0] = ratio * cur_factor;
    auto s = scale_profile(current, ratios);
    if (!s) return std::unexpected(s.error());
    scaled = std::move(*s);
    cur = &scaled;
    t.new_scale = ratio;
  }
  const double cur_value_factor = o.normalize ? 1.0 : cur_factor;

  NodeValues bv = node_values(base, o.granularity, o.inlines);
  NodeValues nv = node_values(*cur, o.granularity, o.inlines);
  std::unordered_map<std::string, size_t> row_of;
  for (size_t i = 0; i < bv.names.size(); ++i) {
    if (bv.flat[i] == 0 && bv.cum[i] == 0) continue;
    auto [it, inserted] = row_of.try_emplace(bv.names[i], t.rows.size());
    if (inserted) t.rows.push_back(DiffRow{.name = bv.names[i]});
    DiffRow& r = t.rows[it->second];
    r.base_flat += static_cast<double>(bv.flat[i]) * base_factor;
    r.base_cum += static_cast<double>(bv.cum[i]) * base_factor;
    r.in_base = true;
  }
  for (size_t i = 0; i < nv.names.size(); ++i) {
    if (nv.flat[i] == 0 && nv.cum[i] == 0) continue;
    auto [it, inserted] = row_of.try_emplace(nv.names[i], t.rows.size());
    if (inserted) t.rows.push_back(DiffRow{.name = nv.names[i]});
    DiffRow& r = t.rows[it->second];
    r.new_flat += static_cast<double>(nv.flat[i]) * cur_value_factor;
    r.new_cum += static_cast<double>(nv.cum[i]) * cur_value_factor;
    r.in_new = true;
  }
  t.base_total = base_total;
  t.new_total = static_cast<double>(cur->total(0)) * cur_value_factor;
  sort_diff_rows(t);
  return t;
}

namespace {

model::Result<model::Profile> with_label(const model::Profile& p, std::string_view key, std::string_view value) {
  model::ProfileBuilder b(model::ProfileBuilder::Options{.aggregate = false, .keep_timestamps = true, .dedup_tables = false});
  model::ProfileImporter imp(p, b);
  imp.copy_metadata();
  model::StringId k = b.intern(key), v = b.intern(value);
  std::vector<model::LabelSetId> done(p.label_sets().size());
  std::vector<bool> seen(p.label_sets().size());
  for (size_t s = 0; s < p.sample_count(); ++s) {
    const model::Sample& smp = p.sample(s);
    if (!seen[smp.labels.value]) {
      seen[smp.labels.value] = true;
      std::vector<model::Label> ls = b.peek().labels(imp.labels(smp.labels));
      std::erase_if(ls, [&](const model::Label& l) { return l.key == k; });
      ls.push_back(model::Label{k, v, 0, {}});
      done[smp.labels.value] = b.intern_labels(std::move(ls));
    }
    b.add_sample(imp.stack(smp.stack), done[smp.labels.value], p.values(s), smp.time_nanos);
  }
  return b.finish();
}

}  // namespace

model::Result<model::Profile> subtract_profiles(const model::Profile& base, const model::Profile& current, bool normalize,
                                                bool diff_base) {
  const size_t n = current.sample_types().size();
  if (base.sample_types().size() != n) {
    return model::make_error(ErrorCode::kUsage, "cannot diff: the profiles have different sample types");
  }
  for (size_t i = 0; i < n; ++i) {
    const auto& a = base.sample_types()[i];
    const auto& b = current.sample_types()[i];
    if (base.str(a.type) != current.str(b.type) || !model::compatible_units(base.str(a.unit), current.str(b.unit))) {
      return model::make_error(ErrorCode::kUsage,
                               fmt::format("cannot diff: sample type {}/{} (base) does not match {}/{} (new)", base.str(a.type),
                                           base.str(a.unit), current.str(b.type), current.str(b.unit)));
    }
  }
  model::Profile cur = current;
  if (normalize) {
    // pprof: p.Normalize(base) scales the source so that its per-column totals equal the base's.
    std::vector<double> ratios(n);
    for (size_t i = 0; i < n; ++i) {
      int64_t src = current.total(i);
      ratios[i] = src == 0 ? 0.0 : static_cast<double>(base.total(i)) / static_cast<double>(src);
    }
    auto s = scale_profile(current, ratios);
    if (!s) return std::unexpected(s.error());
    cur = std::move(*s);
  }
  model::Profile neg_input = base;
  if (diff_base) {
    auto labelled = with_label(base, "pprof::base", "true");
    if (!labelled) return std::unexpected(labelled.error());
    neg_input = std::move(*labelled);
  }
  std::vector<double> minus(n, -1.0);
  auto neg = scale_profile(neg_input, minus);
  if (!neg) return std::unexpected(neg.error());
  std::vector<const model::Profile*> both = {&cur, &*neg};
  return merge_profiles(std::span<const model::Profile* const>(both), MergeOptions{});
}

}  // namespace profkit::analysis
