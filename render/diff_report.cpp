#include "render/diff_report.h"

#include <fmt/format.h>

#include <cmath>
#include <ostream>
#include <sstream>

#include "model/units.h"
#include "render/escape.h"

namespace profkit::render {

namespace {

using analysis::DiffRow;
using analysis::DiffTable;
using analysis::RuleResult;




// A value of the table (stored scale, possibly fractional medians) with its unit.
std::string value(const DiffTable& t, double v) { return model::format_value(std::llround(v), t.value_unit, t.decimals); }

std::string signed_value(const DiffTable& t, double v) {
  if (std::llround(v) == 0) return "0";
  return (v > 0 ? "+" : "") + value(t, v);
}

std::string relative(double base, double now) {
  auto rel = analysis::relative_change(base, now);
  if (!rel) return now == 0 ? "0%" : "new";
  if (now == 0 && base != 0) return "gone";
  return fmt::format("{}{:.2f}%", *rel >= 0 ? "+" : "", *rel * 100);
}

std::string points(double pp) {
  if (std::fabs(pp) < 0.005) return "0pp";
  return fmt::format("{}{:.2f}pp", pp >= 0 ? "+" : "", pp);
}

std::string p_text(double p) {
  if (p < 0) return "-";
  if (p < 0.001) return fmt::format("{:.1e}", p);
  return fmt::format("{:.3f}", p);
}

std::string status(const DiffRow& r) {
  if (r.appeared()) return "appeared";
  if (r.vanished()) return "vanished";
  return "changed";
}

std::string json_number(double v, int32_t decimals) {
  double real = v / std::pow(10.0, decimals);
  if (std::isnan(real) || std::isinf(real)) return "null";
  if (real == std::floor(real) && std::fabs(real) < 9e15) return fmt::format("{}", static_cast<int64_t>(real));
  return fmt::format("{}", real);
}

std::string json_optional(std::optional<double> v, double scale = 1) {
  if (!v || std::isnan(*v) || std::isinf(*v)) return "null";
  return fmt::format("{}", *v * scale);
}

// The sentence that says what was compared.
std::string comparison_line(const DiffTable& t) {
  return fmt::format("{} ({}), {}", t.value_type, t.value_unit,
                     t.normalized ? "normalized: " + t.normalization : "absolute values");
}

std::string noise_line(const DiffTable& t) {
  if (!t.noise) {
    return "Noise: not estimated (one profile per side); repeat the runs and pass --base A1 A2 A3 A4 --new B1 B2 B3 B4 "
           "to tell changes from noise";
  }
  std::string s = fmt::format(
      "Noise: {} base vs {} new runs, two-sided Mann-Whitney U test, alpha {}, minimum effect {:.0f}%; runs compared {}; "
      "only significant changes are listed",
      t.base_runs, t.new_runs, t.alpha, t.min_effect * 100, t.normalization);
  if (t.min_possible_p >= t.alpha) {
    s += fmt::format(". Warning: with {} vs {} runs the smallest possible p is {:.3f} >= alpha, so nothing can be significant; "
                     "use at least 4 runs per side",
                     t.base_runs, t.new_runs, t.min_possible_p);
  }
  return s;
}

std::string totals_line(const DiffTable& t) {
  std::string s = fmt::format("Total: base {}, new {}, delta {} ({})", value(t, t.base_total), value(t, t.new_total),
                              signed_value(t, t.new_total - t.base_total), relative(t.base_total, t.new_total));
  if (t.noise && t.p_total >= 0) s += fmt::format(", p = {}", p_text(t.p_total));
  if (t.normalized && !t.noise) s += fmt::format(" (new scaled by {:.4g})", t.new_scale);
  return s;
}

size_t shown(const DiffTable& t, int64_t max_rows) {
  if (max_rows < 0 || static_cast<size_t>(max_rows) > t.rows.size()) return t.rows.size();
  return static_cast<size_t>(max_rows);
}

struct Columns {
  std::vector<std::string> cells;
};

std::vector<std::string> row_cells(const DiffTable& t, const DiffRow& r) {
  std::vector<std::string> c = {
      signed_value(t, r.delta_flat()),
      relative(r.base_flat, r.new_flat),
      points(analysis::share_change_pp(r.base_flat, t.base_total, r.new_flat, t.new_total)),
      value(t, r.base_flat),
      value(t, r.new_flat),
      signed_value(t, r.delta_cum()),
      relative(r.base_cum, r.new_cum),
      value(t, r.base_cum),
      value(t, r.new_cum),
  };
  if (t.noise) c.push_back(p_text(t.sort_by_cum ? r.p_cum : r.p_flat));
  std::string name = r.name;
  if (r.appeared()) name += "  (new)";
  if (r.vanished()) name += "  (gone)";
  c.push_back(name);
  return c;
}

std::vector<std::string> header_cells(const DiffTable& t) {
  std::vector<std::string> h = {"Δflat", "flat%", "Δshare", "base flat", "new flat", "Δcum", "cum%", "base cum", "new cum"};
  if (t.noise) h.push_back("p");
  h.push_back("name");
  return h;
}

// Display width of UTF-8 text (code points).
size_t width(std::string_view s) {
  size_t w = 0;
  for (unsigned char c : s) w += (c & 0xC0) != 0x80;
  return w;
}

void render_text(const DiffTable& t, const std::vector<RuleResult>& verdict, const DiffRenderOptions& o, std::ostream& out) {
  out << fmt::format("Diff of {}\n", comparison_line(t));
  if (!o.base_name.empty()) out << fmt::format("Base: {}\nNew:  {}\n", o.base_name, o.new_name);
  out << fmt::format("Granularity: {}; sorted by |{}|\n", o.granularity, t.sort_by_cum ? "Δcum" : "Δflat");
  out << totals_line(t) << '\n' << noise_line(t) << '\n';
  size_t n = shown(t, o.max_rows);
  if (t.rows.empty()) {
    out << (t.noise ? "No significant change.\n" : "No change.\n");
  } else {
    if (n < t.rows.size()) out << fmt::format("Showing {} of {} changed entries\n", n, t.rows.size());
    std::vector<std::vector<std::string>> rows = {header_cells(t)};
    for (size_t i = 0; i < n; ++i) rows.push_back(row_cells(t, t.rows[i]));
    std::vector<size_t> w(rows[0].size(), 0);
    for (const auto& r : rows) {
      for (size_t c = 0; c + 1 < r.size(); ++c) w[c] = std::max(w[c], width(r[c]));
    }
    for (const auto& r : rows) {
      std::string line;
      for (size_t c = 0; c + 1 < r.size(); ++c) {
        line += std::string(w[c] - width(r[c]), ' ') + r[c] + "  ";
      }
      line += r.back();
      out << line << '\n';
    }
  }
  if (!verdict.empty()) {
    out << "Verdict:\n";
    for (const RuleResult& r : verdict) {
      out << fmt::format("  {} {}\n", r.broken() ? "FAIL" : "pass", r.rule.text);
      for (const auto& b : r.breaches) {
        out << fmt::format("       {} {} ({} -> {})\n", b.measured, b.entry, value(t, b.base), value(t, b.now));
      }
    }
  }
}

void render_markdown(const DiffTable& t, const std::vector<RuleResult>& verdict, const DiffRenderOptions& o,
                     std::ostream& out) {
  bool failed = false;
  for (const auto& r : verdict) failed = failed || r.broken();
  out << fmt::format("### profkit diff: {}{}\n\n", comparison_line(t),
                     verdict.empty() ? "" : (failed ? " — **FAILED**" : " — passed"));
  if (!o.base_name.empty()) out << fmt::format("Base `{}` → new `{}`, granularity {}.\n\n", markdown_cell(o.base_name), markdown_cell(o.new_name), o.granularity);
  out << totals_line(t) << ".\n\n" << noise_line(t) << ".\n\n";
  if (!verdict.empty()) {
    for (const RuleResult& r : verdict) {
      out << fmt::format("- {} `{}`", r.broken() ? "❌ **failed**" : "✅ passed", markdown_cell(r.rule.text));
      for (size_t i = 0; i < r.breaches.size() && i < 10; ++i) {
        const auto& b = r.breaches[i];
        out << fmt::format("{} `{}` {}", i ? "," : ":", markdown_cell(b.entry), b.measured);
      }
      if (r.breaches.size() > 10) out << fmt::format(" and {} more", r.breaches.size() - 10);
      out << '\n';
    }
    out << '\n';
  }
  size_t n = shown(t, o.max_rows);
  if (t.rows.empty()) {
    out << (t.noise ? "No significant change.\n" : "No change.\n");
    return;
  }
  auto h = header_cells(t);
  out << '|';
  for (const auto& c : h) out << ' ' << c << " |";
  out << "\n|";
  for (size_t c = 0; c < h.size(); ++c) out << (c + 1 < h.size() ? "--:|" : ":--|");
  out << '\n';
  for (size_t i = 0; i < n; ++i) {
    auto cells = row_cells(t, t.rows[i]);
    out << '|';
    for (size_t c = 0; c + 1 < cells.size(); ++c) out << ' ' << cells[c] << " |";
    const DiffRow& r = t.rows[i];
    out << " `" << markdown_cell(r.name) << '`' << (r.appeared() ? " (new)" : r.vanished() ? " (gone)" : "") << " |\n";
  }
  if (n < t.rows.size()) out << fmt::format("\n{} more changed entries not shown.\n", t.rows.size() - n);
}

void render_json(const DiffTable& t, const std::vector<RuleResult>& verdict, const DiffRenderOptions& o, std::ostream& out) {
  bool failed = false;
  for (const auto& r : verdict) failed = failed || r.broken();
  out << "{\n";
  out << fmt::format("  \"value_type\": \"{}\",\n  \"unit\": \"{}\",\n", json_escape(t.value_type), json_escape(t.value_unit));
  out << fmt::format("  \"granularity\": \"{}\",\n", json_escape(o.granularity));
  out << fmt::format("  \"normalized\": {},\n  \"comparison\": \"{}\",\n", t.normalized ? "true" : "false",
                     json_escape(t.normalized ? t.normalization : "absolute"));
  out << fmt::format("  \"base_total\": {},\n  \"new_total\": {},\n", json_number(t.base_total, t.decimals),
                     json_number(t.new_total, t.decimals));
  if (t.noise) {
    out << fmt::format(
        "  \"noise\": {{\"base_runs\": {}, \"new_runs\": {}, \"test\": \"mann-whitney-u two-sided\", \"alpha\": {}, "
        "\"min_effect\": {}, \"min_possible_p\": {}, \"p_total\": {}, \"runs\": \"{}\"}},\n",
        t.base_runs, t.new_runs, t.alpha, t.min_effect, t.min_possible_p, t.p_total < 0 ? "null" : fmt::format("{}", t.p_total),
        json_escape(t.normalization));
  } else {
    out << "  \"noise\": null,\n  \"noise_note\": \"not estimated: one profile per side\",\n";
  }
  out << "  \"rows\": [";
  size_t n = o.max_rows < 0 ? t.rows.size() : shown(t, o.max_rows);
  for (size_t i = 0; i < n; ++i) {
    const DiffRow& r = t.rows[i];
    out << (i ? ",\n" : "\n");
    out << fmt::format(
        "    {{\"name\": \"{}\", \"status\": \"{}\", \"base_flat\": {}, \"new_flat\": {}, \"delta_flat\": {}, "
        "\"relative_flat\": {}, \"share_pp_flat\": {}, \"base_cum\": {}, \"new_cum\": {}, \"delta_cum\": {}, "
        "\"relative_cum\": {}, \"share_pp_cum\": {}",
        json_escape(r.name), status(r), json_number(r.base_flat, t.decimals), json_number(r.new_flat, t.decimals),
        json_number(r.delta_flat(), t.decimals), json_optional(analysis::relative_change(r.base_flat, r.new_flat)),
        fmt::format("{}", analysis::share_change_pp(r.base_flat, t.base_total, r.new_flat, t.new_total)),
        json_number(r.base_cum, t.decimals), json_number(r.new_cum, t.decimals), json_number(r.delta_cum(), t.decimals),
        json_optional(analysis::relative_change(r.base_cum, r.new_cum)),
        fmt::format("{}", analysis::share_change_pp(r.base_cum, t.base_total, r.new_cum, t.new_total)));
    if (t.noise) {
      out << fmt::format(", \"p_flat\": {}, \"p_cum\": {}, \"significant\": {}", r.p_flat, r.p_cum, r.significant ? "true" : "false");
    }
    out << '}';
  }
  out << (n == 0 ? "],\n" : "\n  ],\n");
  out << fmt::format("  \"unchanged_entries\": {},\n", t.unchanged_rows);
  out << "  \"rules\": [";
  for (size_t i = 0; i < verdict.size(); ++i) {
    const RuleResult& r = verdict[i];
    out << (i ? ",\n" : "\n");
    out << fmt::format("    {{\"rule\": \"{}\", \"broken\": {}, \"breaches\": [", json_escape(r.rule.text), r.broken() ? "true" : "false");
    for (size_t b = 0; b < r.breaches.size(); ++b) {
      const auto& br = r.breaches[b];
      out << fmt::format("{}{{\"entry\": \"{}\", \"measured\": \"{}\", \"base\": {}, \"new\": {}}}", b ? ", " : "",
                         json_escape(br.entry), json_escape(br.measured), json_number(br.base, t.decimals),
                         json_number(br.now, t.decimals));
    }
    out << "]}";
  }
  out << (verdict.empty() ? "],\n" : "\n  ],\n");
  out << fmt::format("  \"verdict\": \"{}\"\n}}\n", verdict.empty() ? "none" : failed ? "fail" : "pass");
}

void render_junit(const DiffTable& t, const std::vector<RuleResult>& verdict, const DiffRenderOptions& o, std::ostream& out) {
  size_t failures = 0;
  for (const auto& r : verdict) failures += r.broken();
  // Without rules the report is one passing test case carrying the summary.
  size_t tests = verdict.empty() ? 1 : verdict.size();
  std::ostringstream summary_stream;
  DiffRenderOptions text = o;
  text.format = DiffFormat::kText;
  render_text(t, {}, text, summary_stream);
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << fmt::format("<testsuites name=\"profkit diff\" tests=\"{}\" failures=\"{}\">\n", tests, failures);
  out << fmt::format("  <testsuite name=\"profkit diff {}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\">\n",
                     xml_escape(t.value_type), tests, failures);
  if (verdict.empty()) {
    out << "    <testcase classname=\"profkit.diff\" name=\"diff\">\n";
    out << "      <system-out>" << xml_escape(summary_stream.str()) << "</system-out>\n    </testcase>\n";
  }
  for (const RuleResult& r : verdict) {
    out << fmt::format("    <testcase classname=\"profkit.diff\" name=\"{}\">\n", xml_escape(r.rule.text));
    if (r.broken()) {
      std::string detail;
      for (const auto& b : r.breaches) {
        detail += fmt::format("{} {} ({} -> {})\n", b.measured, b.entry, value(t, b.base), value(t, b.now));
      }
      out << fmt::format("      <failure message=\"{}\" type=\"regression\">{}</failure>\n",
                         xml_escape(fmt::format("{} broke on {} entr{}", r.rule.text, r.breaches.size(),
                                                r.breaches.size() == 1 ? "y" : "ies")),
                         xml_escape(detail));
    }
    out << "      <system-out>" << xml_escape(summary_stream.str()) << "</system-out>\n";
    out << "    </testcase>\n";
  }
  out << "  </testsuite>\n</testsuites>\n";
}

}  // namespace

model::Result<void> render_diff(const DiffTable& t, const std::vector<RuleResult>& verdict, const DiffRenderOptions& o,
                                std::ostream& out) {
  switch (o.format) {
    case DiffFormat::kText: render_text(t, verdict, o, out); break;
    case DiffFormat::kMarkdown: render_markdown(t, verdict, o, out); break;
    case DiffFormat::kJson: render_json(t, verdict, o, out); break;
    case DiffFormat::kJunit: render_junit(t, verdict, o, out); break;
  }
  return {};
}

std::string verdict_summary(const DiffTable& t, const std::vector<RuleResult>& verdict) {
  std::string s;
  for (const RuleResult& r : verdict) {
    if (!r.broken()) continue;
    s += fmt::format("rule '{}' broke on {} entr{}:\n", r.rule.text, r.breaches.size(), r.breaches.size() == 1 ? "y" : "ies");
    for (size_t i = 0; i < r.breaches.size() && i < 10; ++i) {
      const auto& b = r.breaches[i];
      s += fmt::format("  {} {} ({} -> {})\n", b.measured, b.entry, value(t, b.base), value(t, b.now));
    }
    if (r.breaches.size() > 10) s += fmt::format("  … and {} more\n", r.breaches.size() - 10);
  }
  return s;
}

}  // namespace profkit::render
