#include "render/peek_text.h"

#include <fmt/format.h>

#include <ostream>

#include "model/units.h"

namespace profkit::render {

model::Result<void> render_peek(const model::Profile& p, const analysis::PeekTable& t, std::ostream& out) {
  if (p.sample_types().empty()) return model::make_error(model::ErrorCode::kParse, "profile has no sample types");
  const model::ValueType& vt = p.sample_types()[0];
  const std::string unit(p.str(vt.unit));
  // One unit for the report: the one the smallest shown value needs (pprof's selectOutputUnit).
  int64_t min_value = 0;
  for (const auto& n : t.nodes) {
    for (int64_t v : {n.flat, n.cum}) {
      v = v < 0 ? -v : v;
      if (v > 0 && (min_value == 0 || v < min_value)) min_value = v;
    }
  }
  if (min_value == 0) min_value = t.total;
  std::string out_unit = model::scale_value(model::to_real(min_value, vt.decimals), unit, "minimum").second;
  std::string max_unit = model::scale_value(model::to_real(t.total, vt.decimals), unit, "minimum").second;
  if (out_unit != max_unit && min_value * 100 < t.total) {
    out_unit = model::scale_value(model::to_real(100 * min_value, vt.decimals), unit, "minimum").second;
  }
  if (out_unit.empty()) out_unit = unit;
  auto fv = [&](int64_t v) {
    auto [scaled, label] = model::scale_value(model::to_real(v, vt.decimals), unit, out_unit);
    std::string s = fmt::format("{:.2f}", scaled);
    if (s.ends_with(".00")) s.resize(s.size() - 3);
    if (s == "0" || s == "-0") return std::string("0");
    return s + label;
  };
  int64_t shown = 0;
  for (const auto& n : t.nodes) shown += n.flat;
  const char* rule = "----------------------------------------------------------+-------------\n";
  out << fmt::format("Showing nodes accounting for {}, {} of {} total\n", fv(shown),
                     [&] {
                       std::string s = model::format_percentage(shown, t.total);
                       return s.substr(s.find_first_not_of(' '));
                     }(),
                     fv(t.total));
  out << rule << "      flat  flat%   sum%        cum   cum%   calls calls% + context \t \t \n" << rule;
  int64_t sum = 0;
  for (const auto& n : t.nodes) {
    int64_t in_total = 0, out_total = 0;
    for (const auto& c : n.callers) in_total += c.value;
    for (const auto& c : n.callees) out_total += c.value;
    for (const auto& c : n.callers) {
      out << fmt::format("{:>50} {} |   {}{}\n", fv(c.value), model::format_percentage(c.value, in_total), c.name,
                         c.inline_call ? " (inline)" : "");
    }
    sum += n.flat;
    out << fmt::format("{:>10} {} {} {:>10} {}                | {}\n", fv(n.flat), model::format_percentage(n.flat, t.total),
                       model::format_percentage(sum, t.total), fv(n.cum), model::format_percentage(n.cum, t.total), n.name);
    for (const auto& c : n.callees) {
      out << fmt::format("{:>50} {} |   {}{}\n", fv(c.value), model::format_percentage(c.value, out_total), c.name,
                         c.inline_call ? " (inline)" : "");
    }
    out << rule;
  }
  return {};
}

}  // namespace profkit::render
