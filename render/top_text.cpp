#include "render/top_text.h"

#include <fmt/format.h>

#include <ctime>
#include <ostream>

#include "model/units.h"
#include "render/escape.h"
#include "render/report_units.h"

namespace profkit::render {

namespace {






std::string percent(int64_t v, int64_t total) {
  std::string p = model::format_percentage(v, total);
  size_t start = p.find_first_not_of(' ');
  return start == std::string::npos ? p : p.substr(start);
}

}  // namespace

std::vector<std::string> profile_labels(const model::Profile& p, int64_t total, bool mean) {
  std::vector<std::string> labels;
  if (!p.mappings().empty()) {
    const model::Mapping& m = p.mappings()[0];
    if (m.file.valid()) {
      std::string_view f = p.str(m.file);
      size_t slash = f.find_last_of('/');
      labels.push_back("File: " + std::string(slash == std::string_view::npos ? f : f.substr(slash + 1)));
    }
    if (m.build_id.valid()) labels.push_back("Build ID: " + std::string(p.str(m.build_id)));
  }
  for (model::StringId c : p.comments) {
    if (!p.str(c).starts_with("#")) labels.emplace_back(p.str(c));
  }
  if (!p.sample_types().empty()) {
    labels.push_back(std::string("Type: ") + (mean ? "mean_" : "") + std::string(p.str(p.sample_types()[0].type)));
  }
  if (p.time_nanos != 0) {
    std::time_t secs = static_cast<std::time_t>(p.time_nanos / 1000000000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    // go tool pprof (1.19) layout "Jan 2, 2006 at 3:04pm (MST)", always in UTC here.
    static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int hour12 = tm.tm_hour % 12 == 0 ? 12 : tm.tm_hour % 12;
    labels.push_back(fmt::format("Time: {} {}, {} at {}:{:02d}{} (UTC)", kMonths[tm.tm_mon], tm.tm_mday,
                                 tm.tm_year + 1900, hour12, tm.tm_min, tm.tm_hour < 12 ? "am" : "pm"));
  }
  if (p.duration_nanos != 0 && !p.sample_types().empty()) {
    const model::ValueType& vt = p.sample_types()[0];
    std::string sample_unit(p.str(vt.unit));
    std::string duration = model::format_value(p.duration_nanos, "nanoseconds");
    auto [total_ns, total_unit] = model::scale_value(model::to_real(total, vt.decimals), sample_unit, "nanoseconds");
    std::string ratio;
    if (total_unit == "ns" && total_ns != 0) {
      ratio = "(" + model::format_percentage(static_cast<int64_t>(total_ns), p.duration_nanos) + ")";
    }
    // pprof formats the total in the report's output unit; labels are computed before rows, so
    // the caller's unit choice is applied by render_top (which rewrites this line).
    labels.push_back(fmt::format("Duration: {}, Total samples = {{TOTAL}} {}", duration, ratio));
  }
  return labels;
}

model::Result<void> render_top(const model::Profile& p, const analysis::TopTable& t, const TopRenderOptions& o,
                               std::ostream& out) {
  if (p.sample_types().empty()) return model::make_error(model::ErrorCode::kParse, "profile has no sample types");
  const model::ValueType& vt = p.sample_types()[0];
  std::vector<std::pair<int64_t, int64_t>> shown;
  shown.reserve(t.rows.size());
  for (const auto& r : t.rows) shown.emplace_back(r.flat, r.cum);
  const ReportUnits fmtv(p.str(vt.unit), vt.decimals, shown, t.total);

  switch (o.format) {
    case TableFormat::kText: {
      for (std::string line : profile_labels(p, t.total, o.mean)) {
        if (size_t pos = line.find("{TOTAL}"); pos != std::string::npos) line.replace(pos, 7, fmtv(t.total));
        out << line << '\n';
      }
      out << fmt::format("Showing nodes accounting for {}, {} of {} total\n", fmtv(t.shown_total),
                         percent(t.shown_total, t.total), fmtv(t.total));
      if (t.total != 0) {
        if (t.dropped_nodes > 0) {
          out << fmt::format("Dropped {} node{} (cum <= {})\n", t.dropped_nodes, t.dropped_nodes > 1 ? "s" : "",
                             fmtv(t.cutoff));
        }
        if (t.node_count > 0 && t.node_count < t.kept_nodes) {
          out << fmt::format("Showing top {} nodes out of {}\n", t.node_count, t.kept_nodes);
        }
      }
      const char* bold = o.color ? "\x1b[1m" : "";
      const char* reset = o.color ? "\x1b[0m" : "";
      out << fmt::format("{}{:>10} {:>5}% {:>5}% {:>10} {:>5}%{}\n", bold, "flat", "flat", "sum", "cum", "cum", reset);
      int64_t sum = 0;
      for (const auto& r : t.rows) {
        sum += r.flat;
        out << fmt::format("{:>10} {} {} {:>10} {}  {}{}\n", fmtv(r.flat), model::format_percentage(r.flat, t.total),
                           model::format_percentage(sum, t.total), fmtv(r.cum), model::format_percentage(r.cum, t.total),
                           r.name, r.inline_label.empty() ? "" : " " + r.inline_label);
      }
      break;
    }
    case TableFormat::kCsv: {
      out << "flat,flat%,sum%,cum,cum%,name,flat_value,cum_value,unit\n";
      int64_t sum = 0;
      for (const auto& r : t.rows) {
        sum += r.flat;
        out << fmt::format("{},{},{},{},{},{},{},{},{}\n", csv_field(fmtv(r.flat)), percent(r.flat, t.total),
                           percent(sum, t.total), csv_field(fmtv(r.cum)), percent(r.cum, t.total), csv_field(r.name),
                           model::format_fixed(r.flat, vt.decimals), model::format_fixed(r.cum, vt.decimals),
                           csv_field(fmtv.sample_unit()));
      }
      break;
    }
    case TableFormat::kJson: {
      auto pct = [&](int64_t v) {
        return t.total == 0 ? 0.0 : static_cast<double>(v) / static_cast<double>(t.total) * 100.0;
      };
      out << "{\n";
      out << fmt::format("  \"sample_type\": \"{}{}\",\n", o.mean ? "mean_" : "", json_escape(p.str(vt.type)));
      out << fmt::format("  \"unit\": \"{}\",\n", json_escape(fmtv.sample_unit()));
      out << fmt::format("  \"total\": {},\n", model::format_fixed(t.total, vt.decimals));
      out << fmt::format("  \"shown_total\": {},\n", model::format_fixed(t.shown_total, vt.decimals));
      out << fmt::format("  \"dropped_nodes\": {},\n", t.dropped_nodes);
      out << "  \"rows\": [";
      int64_t sum = 0;
      for (size_t i = 0; i < t.rows.size(); ++i) {
        const auto& r = t.rows[i];
        sum += r.flat;
        out << (i ? ",\n" : "\n");
        out << fmt::format(
            "    {{\"name\": \"{}\", \"flat\": {}, \"flat_pct\": {:.4f}, \"sum_pct\": {:.4f}, \"cum\": {}, \"cum_pct\": {:.4f}{}}}",
            json_escape(r.name), model::format_fixed(r.flat, vt.decimals), pct(r.flat), pct(sum),
            model::format_fixed(r.cum, vt.decimals), pct(r.cum),
            r.inline_label.empty() ? "" : fmt::format(", \"inline\": \"{}\"", r.inline_label));
      }
      out << (t.rows.empty() ? "]\n" : "\n  ]\n");
      out << "}\n";
      break;
    }
    case TableFormat::kMarkdown: {
      out << fmt::format("**{}{}** — showing {} of {} total ({})\n\n", o.mean ? "mean_" : "", p.str(vt.type),
                         fmtv(t.shown_total), fmtv(t.total), percent(t.shown_total, t.total));
      out << "| flat | flat% | sum% | cum | cum% | name |\n";
      out << "|-----:|------:|-----:|----:|-----:|:-----|\n";
      int64_t sum = 0;
      for (const auto& r : t.rows) {
        sum += r.flat;
        out << fmt::format("| {} | {} | {} | {} | {} | `{}`{} |\n", fmtv(r.flat), percent(r.flat, t.total),
                           percent(sum, t.total), fmtv(r.cum), percent(r.cum, t.total), markdown_cell(r.name),
                           r.inline_label.empty() ? "" : " " + r.inline_label);
      }
      break;
    }
  }
  return {};
}

}  // namespace profkit::render
