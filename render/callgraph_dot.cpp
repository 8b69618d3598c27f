#include "render/callgraph_dot.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <ostream>

#include "model/units.h"
#include "render/report_units.h"
#include "render/top_text.h"

namespace profkit::render {

namespace {

int64_t abs64(int64_t v) { return v < 0 ? -v : v; }

// pprof's dotColor: grey near 0, red for positive scores, green for negative ones.
std::string dot_color(double score, bool background) {
  const double shift = 0.7;
  double saturation = background ? 0.1 : 1.0;
  double value = background ? 0.93 : 0.7;
  score = std::max(-1.0, std::min(1.0, score));
  if (std::fabs(score) < 0.2) saturation *= std::fabs(score) / 0.2;
  if (score > 0) score = std::pow(score, 1.0 - shift);
  if (score < 0) score = -std::pow(-score, 1.0 - shift);
  double r, g;
  if (score < 0) {
    g = value;
    r = value * (1 + saturation * score);
  } else {
    r = value;
    g = value * (1 - saturation * score);
  }
  double b = value * (1 - saturation);
  auto byte = [](double x) { return static_cast<unsigned>(static_cast<uint8_t>(x * 255.0)); };
  return fmt::format("#{:02x}{:02x}{:02x}", byte(r), byte(g), byte(b));
}

std::string escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// pprof's multilinePrintableName: the name broken at "::" and "." (keeping "[...]").
std::string multiline(std::string_view name) {
  std::string s = escape(name);
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s.compare(i, 5, "[...]") == 0) {
      out += "[…]";
      i += 4;
    } else if (s.compare(i, 2, "::") == 0) {
      out += "\\n";
      ++i;
    } else if (s[i] == '.') {
      out += "\\n";
    } else {
      out += s[i];
    }
  }
  return out + "\\n";
}


}  // namespace

model::Result<void> render_callgraph_dot(const model::Profile& p, const analysis::CallGraph& g, std::ostream& out) {
  if (p.sample_types().empty()) return model::make_error(model::ErrorCode::kParse, "profile has no sample types");
  const model::ValueType& vt = p.sample_types()[0];
  // pprof's selectOutputUnit over the shown nodes.
  std::vector<std::pair<int64_t, int64_t>> node_values;
  node_values.reserve(g.nodes.size());
  for (const auto& n : g.nodes) node_values.emplace_back(n.flat, n.cum);
  const ReportUnits fv(p.str(vt.unit), vt.decimals, node_values, g.total);
  auto pct = [&](int64_t v) {
    std::string s = model::format_percentage(v, g.total);
    size_t start = s.find_first_not_of(' ');
    return start == std::string::npos ? s : s.substr(start);
  };

  std::string title = "unnamed";
  std::vector<std::string> legend = profile_labels(p, g.total, false);
  for (std::string& line : legend) {
    if (size_t pos = line.find("{TOTAL}"); pos != std::string::npos) line.replace(pos, 7, fv(g.total));
  }
  if (!legend.empty() && legend[0].starts_with("File: ")) title = legend[0].substr(6);
  int64_t shown = 0;
  for (const auto& n : g.nodes) shown += n.flat;
  legend.push_back(fmt::format("Showing nodes accounting for {}, {} of {} total", fv(shown), pct(shown), fv(g.total)));
  if (g.dropped_nodes > 0) legend.push_back(fmt::format("Dropped {} node{} (cum <= {})", g.dropped_nodes, g.dropped_nodes > 1 ? "s" : "", fv(g.node_cutoff)));
  if (g.dropped_edges > 0) legend.push_back(fmt::format("Dropped {} edge{} (freq <= {})", g.dropped_edges, g.dropped_edges > 1 ? "s" : "", fv(g.edge_cutoff)));
  if (g.node_count > 0 && static_cast<int64_t>(g.nodes.size()) < g.nodes_before_count) {
    legend.push_back(fmt::format("Showing top {} nodes out of {}", g.nodes.size(), g.nodes_before_count));
  }

  out << fmt::format("digraph \"{}\" {{\n", escape(title));
  out << "node [style=filled fillcolor=\"#f8f8f8\"]\n";
  std::string legend_text;
  for (const auto& l : legend) legend_text += escape(l) + "\\l";
  std::string first = legend.empty() ? "legend" : escape(legend[0]);
  out << fmt::format("subgraph cluster_L {{ \"{}\" [shape=box fontsize=16 label=\"{}\" tooltip=\"{}\"] }}\n", first, legend_text,
                     escape(title));

  int64_t max_flat = 0;
  for (const auto& n : g.nodes) max_flat = std::max(max_flat, abs64(n.flat));
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const auto& n = g.nodes[i];
    std::string label = multiline(n.name);
    if (n.flat != 0) {
      label += fmt::format("{} ({})", fv(n.flat), pct(n.flat));
      if (n.flat != n.cum) label += fmt::format("\\nof {} ({})", fv(n.cum), pct(n.cum));
    } else {
      label += fmt::format("0 of {} ({})", fv(n.cum), pct(n.cum));
    }
    int font = 8;
    if (max_flat != 0 && n.flat != 0) {
      font += static_cast<int>(std::ceil(16.0 * std::sqrt(static_cast<double>(abs64(n.flat)) / static_cast<double>(max_flat))));
    }
    double score = g.total != 0 ? static_cast<double>(n.cum) / static_cast<double>(abs64(g.total)) : 0;
    out << fmt::format(
        "N{} [label=\"{}\" id=\"node{}\" fontsize={} shape=box tooltip=\"{} ({})\" color=\"{}\" fillcolor=\"{}\"]\n", i + 1,
        label, i + 1, font, escape(n.name), fv(n.cum), dot_color(score, false), dot_color(score, true));
  }
  for (const auto& e : g.edges) {
    const auto& from = g.nodes[e.from];
    const auto& to = g.nodes[e.to];
    std::string attr = fmt::format("label=\" {}{}\"", fv(e.weight), e.inline_call ? "\\n (inline)" : "");
    if (g.total != 0) {
      int64_t weight = 1 + std::min<int64_t>(abs64(e.weight * 100 / g.total), 100);
      if (weight > 1) attr += fmt::format(" weight={}", weight);
      int64_t width = 1 + std::min<int64_t>(abs64(e.weight * 5 / g.total), 5);
      if (width > 1) attr += fmt::format(" penwidth={}", width);
      attr += fmt::format(" color=\"{}\"", dot_color(static_cast<double>(e.weight) / static_cast<double>(abs64(g.total)), false));
    }
    std::string tip = fmt::format("\"{} {} {} ({})\"", escape(from.name), e.residual ? "..." : "->", escape(to.name), fv(e.weight));
    attr += fmt::format(" tooltip={} labeltooltip={}", tip, tip);
    if (e.residual) {
      attr += " style=\"dotted\"";
    } else if (e.inline_call) {
      attr += " style=\"dashed\"";
    }
    out << fmt::format("N{} -> N{} [{}]\n", e.from + 1, e.to + 1, attr);
  }
  out << "}\n";
  return {};
}

}  // namespace profkit::render
