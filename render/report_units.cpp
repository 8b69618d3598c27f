#include "render/report_units.h"

#include <fmt/format.h>

#include "model/units.h"

namespace profkit::render {

namespace {
int64_t abs64(int64_t v) { return v < 0 ? -v : v; }
}  // namespace

ReportUnits::ReportUnits(std::string_view sample_unit, int32_t decimals,
                         std::span<const std::pair<int64_t, int64_t>> shown, int64_t total)
    : sample_unit_(sample_unit), decimals_(decimals) {
  int64_t min_value = 0;
  for (const auto& [flat, cum] : shown) {
    int64_t v = abs64(flat) != 0 ? abs64(flat) : abs64(cum);
    if (v > 0 && (min_value == 0 || v < min_value)) min_value = v;
  }
  const int64_t max_value = total;
  if (min_value == 0) min_value = max_value;
  auto unit_of = [&](int64_t v) { return model::scale_value(model::to_real(v, decimals), sample_unit, "minimum").second; };
  std::string min_unit = unit_of(min_value), max_unit = unit_of(max_value);
  unit_ = min_unit;
  if (min_unit != max_unit && min_value * 100 < max_value) unit_ = unit_of(100 * min_value);
  if (unit_.empty()) unit_ = sample_unit_;
}

std::string ReportUnits::operator()(int64_t value) const {
  auto [scaled, label] = model::scale_value(model::to_real(value, decimals_), sample_unit_, unit_);
  std::string s = fmt::format("{:.2f}", scaled);
  if (s.ends_with(".00")) s.resize(s.size() - 3);
  if (s == "0" || s == "-0") return "0";
  return s + label;
}

}  // namespace profkit::render
