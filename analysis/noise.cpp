#include "analysis/noise.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "model/units.h"

namespace profkit::analysis {

namespace {

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Number of orderings of n1 x's and n2 y's per value of U (pairs with x above y), for all U.
std::vector<double> u_distribution(size_t n1, size_t n2) {
  // f[a][b] is the distribution for a x's and b y's; built up row by row.
  const size_t max_u = n1 * n2;
  std::vector<std::vector<std::vector<double>>> f(n1 + 1, std::vector<std::vector<double>>(n2 + 1));
  for (size_t a = 0; a <= n1; ++a) {
    for (size_t b = 0; b <= n2; ++b) {
      std::vector<double>& d = f[a][b];
      d.assign(a * b + 1, 0.0);
      if (a == 0 || b == 0) {
        d[0] = 1;
        continue;
      }
      // The largest value is an x (it beats all b y's) or a y (it adds nothing).
      const auto& with_x = f[a - 1][b];
      for (size_t u = 0; u < with_x.size(); ++u) d[u + b] += with_x[u];
      const auto& with_y = f[a][b - 1];
      for (size_t u = 0; u < with_y.size(); ++u) d[u] += with_y[u];
    }
  }
  (void)max_u;
  return f[n1][n2];
}

}  // namespace

double min_two_sided_p(size_t n1, size_t n2) {
  if (n1 == 0 || n2 == 0) return 1;
  double c = 1;  // C(n1+n2, n1)
  for (size_t i = 1; i <= n1; ++i) c = c * static_cast<double>(n2 + i) / static_cast<double>(i);
  return std::min(1.0, 2.0 / c);
}

MannWhitney mann_whitney(std::span<const double> x, std::span<const double> y) {
  MannWhitney r;
  const size_t n1 = x.size(), n2 = y.size();
  if (n1 == 0 || n2 == 0) return r;
  for (double a : x) {
    for (double b : y) r.u += a > b ? 1.0 : (a == b ? 0.5 : 0.0);
  }
  // Ties over the pooled sample (for the variance correction and the exact-test condition).
  std::vector<double> all(x.begin(), x.end());
  all.insert(all.end(), y.begin(), y.end());
  std::sort(all.begin(), all.end());
  double tie_term = 0;
  bool ties = false;
  for (size_t i = 0; i < all.size();) {
    size_t j = i;
    while (j < all.size() && all[j] == all[i]) ++j;
    double t = static_cast<double>(j - i);
    if (t > 1) {
      ties = true;
      tie_term += t * t * t - t;
    }
    i = j;
  }
  const double n = static_cast<double>(n1 + n2);
  const double mean = static_cast<double>(n1 * n2) / 2.0;
  if (!ties && n1 + n2 <= 50) {
    std::vector<double> dist = u_distribution(n1, n2);
    double total = 0;
    for (double c : dist) total += c;
    size_t u = static_cast<size_t>(r.u);  // integral without ties
    double lower = 0, upper = 0;
    for (size_t k = 0; k < dist.size(); ++k) {
      if (k <= u) lower += dist[k];
      if (k >= u) upper += dist[k];
    }
    r.p = std::min(1.0, 2.0 * std::min(lower, upper) / total);
    r.exact = true;
    return r;
  }
  double var = static_cast<double>(n1 * n2) / 12.0 * ((n + 1) - tie_term / (n * (n - 1)));
  if (var <= 0) {
    r.p = 1;
    return r;
  }
  double z = (std::fabs(r.u - mean) - 0.5) / std::sqrt(var);
  if (z < 0) z = 0;
  r.p = std::min(1.0, std::erfc(z / std::sqrt(2.0)));
  return r;
}

model::Result<DiffTable> build_noise_diff(std::span<const model::Profile* const> base_runs,
                                          std::span<const model::Profile* const> new_runs, const NoiseOptions& o) {
  if (base_runs.empty() || new_runs.empty()) {
    return model::make_error(model::ErrorCode::kUsage, "a noise-aware diff needs at least one run per side");
  }
  for (const auto* p : {base_runs[0], new_runs[0]}) {
    if (p->sample_types().empty()) return model::make_error(model::ErrorCode::kUsage, "cannot diff: a profile has no value column");
  }
  const model::Profile& ref = *base_runs[0];
  DiffTable t;
  t.noise = true;
  t.normalized = o.diff.normalize;
  t.sort_by_cum = o.diff.sort_by_cum;
  t.value_type = std::string(ref.str(ref.sample_types()[0].type));
  t.value_unit = std::string(ref.str(ref.sample_types()[0].unit));
  t.base_runs = base_runs.size();
  t.new_runs = new_runs.size();
  t.alpha = o.alpha;
  t.min_effect = o.min_effect;
  t.min_possible_p = min_two_sided_p(base_runs.size(), new_runs.size());
  t.normalization = o.diff.normalize ? "shares (each run scaled to the mean total of all runs)" : "absolute (as measured)";

  std::vector<const model::Profile*> runs(base_runs.begin(), base_runs.end());
  runs.insert(runs.end(), new_runs.begin(), new_runs.end());
  for (const auto* p : runs) t.decimals = std::max(t.decimals, p->sample_types()[0].decimals);

  // Per run: factor to the common unit/decimals, and total in those units.
  std::vector<double> factor(runs.size()), totals(runs.size());
  double mean_total = 0;
  for (size_t r = 0; r < runs.size(); ++r) {
    const model::Profile& p = *runs[r];
    const model::ValueType& vt = p.sample_types()[0];
    if (!model::compatible_units(p.str(vt.unit), t.value_unit)) {
      return model::make_error(model::ErrorCode::kUsage, fmt::format("cannot compare {}/{} with {}/{}: the units differ",
                                                                     t.value_type, t.value_unit, p.str(vt.type), p.str(vt.unit)));
    }
    double f = p.str(vt.unit) == t.value_unit ? 1.0 : model::scale_value(1.0, p.str(vt.unit), t.value_unit).first;
    for (int32_t i = vt.decimals; i < t.decimals; ++i) f *= 10;
    factor[r] = f;
    totals[r] = static_cast<double>(p.total(0)) * f;
    mean_total += totals[r];
  }
  mean_total /= static_cast<double>(runs.size());
  if (o.diff.normalize) {
    for (size_t r = 0; r < runs.size(); ++r) {
      factor[r] = totals[r] != 0 ? factor[r] * mean_total / totals[r] : 0;
      totals[r] = totals[r] != 0 ? mean_total : 0;
    }
  }

  // Per node: per-run flat and cum (0 where the node is absent).
  struct Series {
    std::vector<double> flat, cum;
  };
  std::unordered_map<std::string, size_t> index;
  std::vector<std::string> names;
  std::vector<Series> series;
  for (size_t r = 0; r < runs.size(); ++r) {
    NodeValues nv = node_values(*runs[r], o.diff.granularity, o.diff.inlines);
    for (size_t i = 0; i < nv.names.size(); ++i) {
      if (nv.flat[i] == 0 && nv.cum[i] == 0) continue;
      auto [it, inserted] = index.try_emplace(nv.names[i], names.size());
      if (inserted) {
        names.push_back(nv.names[i]);
        series.push_back(Series{std::vector<double>(runs.size()), std::vector<double>(runs.size())});
      }
      series[it->second].flat[r] += static_cast<double>(nv.flat[i]) * factor[r];
      series[it->second].cum[r] += static_cast<double>(nv.cum[i]) * factor[r];
    }
  }

  const size_t k = base_runs.size();
  auto split = [k](const std::vector<double>& v) {
    return std::make_pair(std::vector<double>(v.begin(), v.begin() + static_cast<ptrdiff_t>(k)),
                          std::vector<double>(v.begin() + static_cast<ptrdiff_t>(k), v.end()));
  };
  auto [base_totals, new_totals] = split(totals);
  t.base_total = median(base_totals);
  t.new_total = median(new_totals);
  if (!o.diff.normalize) t.p_total = mann_whitney(base_totals, new_totals).p;
  const double floor = o.node_fraction * std::max(std::fabs(t.base_total), std::fabs(t.new_total));

  for (size_t i = 0; i < names.size(); ++i) {
    auto [bf, nf] = split(series[i].flat);
    auto [bc, nc] = split(series[i].cum);
    DiffRow row;
    row.name = names[i];
    row.base_flat = median(bf);
    row.new_flat = median(nf);
    row.base_cum = median(bc);
    row.new_cum = median(nc);
    row.in_base = std::any_of(bc.begin(), bc.end(), [](double v) { return v != 0; });
    row.in_new = std::any_of(nc.begin(), nc.end(), [](double v) { return v != 0; });
    row.p_flat = mann_whitney(bf, nf).p;
    row.p_cum = mann_whitney(bc, nc).p;
    double b = o.diff.sort_by_cum ? row.base_cum : row.base_flat;
    double n = o.diff.sort_by_cum ? row.new_cum : row.new_flat;
    double p = o.diff.sort_by_cum ? row.p_cum : row.p_flat;
    auto rel = relative_change(b, n);
    bool big_enough = rel ? std::fabs(*rel) >= o.min_effect : n != 0;
    bool visible = std::max(std::fabs(b), std::fabs(n)) >= floor;
    row.significant = p < o.alpha && big_enough && visible;
    if (row.significant || o.keep_insignificant) t.rows.push_back(std::move(row));
  }
  sort_diff_rows(t);
  return t;
}

}  // namespace profkit::analysis
