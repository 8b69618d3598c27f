#include "cli/cmd_flamegraph.h"

#include <fmt/format.h>

#include <charconv>
#include <cstdio>
#include <memory>

#include "analysis/flame_tree.h"
#include "cli/common.h"
#include "cli/pipeline.h"
#include "render/flamegraph_svg.h"
#include "render/palette.h"

namespace profkit::cli {

namespace {

struct FlamegraphCommand {
  std::string input;
  std::vector<std::string> diff;  // BASE NEW
  std::string output = "-";
  InputOptions in;
  render::FlamegraphOptions render;
  std::string min_width = "0.1";
  std::string diff_by = "self";
  std::string diff_width = "new";
  bool reverse = false;
  bool normalize = false;
};

model::Error usage(std::string message) { return model::Error{model::ErrorCode::kUsage, std::move(message), {}, -1, -1}; }

// "0.1" (pixels) or "0.5%" (of the total).
bool parse_min_width(const std::string& text, render::FlamegraphOptions& o) {
  std::string_view s = text;
  o.min_width_percent = s.ends_with('%');
  if (o.min_width_percent) s.remove_suffix(1);
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || !(v >= 0)) return false;
  o.min_width = v;
  return true;
}

// Loads and prepares one input; nullopt after reporting the error.
model::Result<model::Profile> load_prepared(const std::string& path, const InputOptions& in, model::Diagnostics& diag) {
  auto loaded = load_one(path, in, diag);
  if (!loaded) return std::unexpected(loaded.error());
  return prepare(std::move(*loaded), in, diag);
}

int run_flamegraph(FlamegraphCommand& c) {
  model::Diagnostics diag;
  render::FlamegraphOptions ro = c.render;
  if (!parse_min_width(c.min_width, ro)) {
    return report_error(usage("--minwidth wants a number of pixels or a percentage, e.g. 0.1 or 0.5%, not '" +
                              c.min_width + "'"));
  }
  if (!render::parse_palette(ro.palette)) {
    return report_error(usage("unknown --palette '" + ro.palette + "'; choose one of: " + render::palette_names()));
  }
  if (c.diff_by == "self") {
    ro.diff_by = render::DiffBy::kSelf;
  } else if (c.diff_by == "total") {
    ro.diff_by = render::DiffBy::kTotal;
  } else {
    return report_error(usage("--diff-by wants self or total, not '" + c.diff_by + "'"));
  }
  if (c.diff_width == "new") {
    ro.diff_width = render::DiffWidth::kNew;
  } else if (c.diff_width == "max") {
    ro.diff_width = render::DiffWidth::kMax;
  } else {
    return report_error(usage("--diff-width wants new or max, not '" + c.diff_width + "'"));
  }
  if (c.diff.empty() == c.input.empty()) {
    return report_error(usage(c.diff.empty() ? "give one INPUT, or --diff BASE NEW"
                                             : "give either INPUT or --diff BASE NEW, not both"));
  }
  if (!c.diff.empty() && c.diff.size() != 2) return report_error(usage("--diff wants two inputs: BASE NEW"));

  analysis::FlameTreeOptions to;
  to.reverse = c.reverse;
  model::Result<analysis::FlameTree> tree = model::make_error(model::ErrorCode::kInternal, "no tree built");
  auto fail = [&diag](const model::Error& e) {
    print_diagnostics(diag);
    return report_error(e);
  };
  if (!c.diff.empty()) {
    auto base = load_prepared(c.diff[0], c.in, diag);
    if (!base) return fail(base.error());
    auto now = load_prepared(c.diff[1], c.in, diag);
    if (!now) return fail(now.error());
    tree = analysis::build_diff_flame_tree(*base, *now, c.normalize, to);
  } else {
    auto all = load_all(c.input, c.in, diag);
    if (!all) return fail(all.error());
    if (all->empty()) return fail(model::Error{model::ErrorCode::kParse, "input holds no profile", c.input, -1, -1});
    if (all->size() == 2 && (*all)[0].source_format == "collapsed") {
      // A differential collapsed file ("stack BEFORE AFTER", difffolded.pl): draw the diff, as
      // flamegraph.pl does with such input.
      auto base = prepare((*all)[0], c.in, diag);
      if (!base) return fail(base.error());
      auto now = prepare((*all)[1], c.in, diag);
      if (!now) return fail(now.error());
      tree = analysis::build_diff_flame_tree(*base, *now, c.normalize, to);
    } else {
      if (all->size() > 1) {
        diag.note(fmt::format("{} holds {} profiles; drawing the last", c.input, all->size()));
      }
      auto p = prepare(all->back(), c.in, diag);
      if (!p) return fail(p.error());
      tree = analysis::build_flame_tree(*p, to);
    }
  }
  if (!tree) return fail(tree.error());
  if (tree->total() <= 0 && tree->base_total() <= 0) diag.note("the profile holds no samples; the flame graph is empty");
  if (tree->normalized()) {
    std::string note = fmt::format("base scaled by {:.4g} to the new total", tree->base_scale());
    ro.subtitle = ro.subtitle.empty() ? note : ro.subtitle + "; " + note;
  }

  render::FlamegraphStats stats;
  auto written = write_output(c.output, [&](std::ostream& out) { return render::render_flamegraph_svg(*tree, ro, out, &stats); });
  print_diagnostics(diag);
  if (!written) return report_error(written.error());
  if (c.output != "-" && !c.output.empty()) {
    std::string extra;
    if (stats.merged_frames > 0) extra = fmt::format(", {} of them merged narrow frames", stats.merged_frames);
    std::fprintf(stderr, "wrote flamegraph to %s (%zu frames%s)\n", c.output.c_str(), stats.frames, extra.c_str());
  }
  return kExitOk;
}

}  // namespace

void setup_flamegraph(CLI::App& app, int& exit_code) {
  auto cmd = std::make_shared<FlamegraphCommand>();
  CLI::App* sub = app.add_subcommand("flamegraph", "Draw an interactive flame graph (SVG); --diff BASE NEW draws a differential one");
  sub->add_option("input", cmd->input, "Profile to read: perf.data, pprof, Go text, goroutine dump or collapsed stacks ('-' = stdin)");
  sub->add_option("--diff", cmd->diff, "Differential flame graph of two inputs, BASE first: red = grew, blue = shrank")
      ->expected(2);
  sub->add_option("-o,--output", cmd->output, "Write the SVG to FILE ('-' = stdout, the default)");
  sub->add_option("--title", cmd->render.title, "Title (default: \"Flame Graph\", or \"Icicle Graph\" with --inverted)");
  sub->add_option("--subtitle", cmd->render.subtitle, "Second heading line");
  sub->add_option("--width", cmd->render.width, "Image width in pixels")->default_val(1200);
  sub->add_option("--minwidth", cmd->min_width,
                  "Merge frames narrower than this into one \"…\" frame per parent: pixels, or a percentage with %")
      ->default_val("0.1");
  sub->add_option("--frame-budget", cmd->render.frame_budget,
                  "Draw at most N frames (raises --minwidth for huge profiles so browsers stay fast); 0 = no cap")
      ->default_val(50000);
  sub->add_flag("--inverted", cmd->render.inverted, "Icicle graph: the root at the top, stacks growing down");
  sub->add_flag("--reverse", cmd->reverse, "Merge stacks from the leaf: leaf functions at the root, their callers above");
  sub->add_option("--palette,--colors", cmd->render.palette,
                  "Colours: hot (default), mem, io, java, js, perl, red, green, blue, aqua, yellow, purple, orange")
      ->default_val("hot");
  sub->add_option("--countname", cmd->render.count_name,
                  "What the values count, shown in tooltips (default: samples, or the value type; time and bytes print scaled)");
  sub->add_option("--nametype", cmd->render.name_type, "Prefix of the details line")->default_val("Function:");
  sub->add_option("--diff-by", cmd->diff_by, "Colour a differential frame by its self (default, as difffolded) or total delta")
      ->default_val("self");
  sub->add_option("--diff-width", cmd->diff_width,
                  "Differential frame widths from the new side (default, as flamegraph.pl) or max(base, new), "
                  "so code that disappeared stays visible")
      ->default_val("new");
  sub->add_flag("--normalize", cmd->normalize, "Scale the base so its total equals the new total (noted in the subtitle)");
  add_input_options(*sub, cmd->in);
  sub->footer(
      "Examples:\n"
      "  profkit flamegraph perf.data -o cpu.svg                  CPU flame graph\n"
      "  profkit flamegraph --inverted --reverse stacks.folded > icicle.svg\n"
      "  profkit flamegraph --inuse_space --palette mem heap.pb.gz -o heap.svg\n"
      "  profkit flamegraph --diff before.pb.gz after.pb.gz --normalize -o diff.svg\n"
      "In the SVG: click a frame to zoom, \"Reset Zoom\" to go back, Ctrl-F (or \"Search\") to highlight\n"
      "frames matching a regular expression with the matched percentage, \"ic\" to ignore case.\n"
      "A two-column collapsed file (difffolded.pl output) is drawn as a differential flame graph.");
  sub->callback([cmd, &exit_code] { exit_code = run_flamegraph(*cmd); });
}

}  // namespace profkit::cli
