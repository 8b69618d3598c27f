#include "cli/cmd_top.h"

#include <memory>

#include "analysis/peek.h"
#include "analysis/top_table.h"
#include "cli/common.h"
#include "cli/pipeline.h"
#include "cli/timing.h"
#include "render/peek_text.h"
#include "render/top_text.h"

namespace profkit::cli {

namespace {

struct TopCommand {
  std::string input;
  std::string output = "-";
  InputOptions in;
  analysis::TopOptions top;
  std::string granularity = "functions";
  std::string format = "text";
  bool no_inlines = false;
  std::string callers;  // --callers RE: show the callers of matching functions (pprof -peek)
  std::string callees;  // --callees RE
};

int run_top(const TopCommand& c) {
  model::Diagnostics diag;
  auto g = analysis::parse_granularity(c.granularity);
  if (!g) {
    return report_error(model::Error{model::ErrorCode::kUsage,
                                     "unknown --granularity '" + c.granularity +
                                         "'; use functions, filefunctions, files, lines, addresses or binaries"});
  }
  render::TopRenderOptions ro;
  if (c.format == "text") {
    ro.format = render::TableFormat::kText;
  } else if (c.format == "csv") {
    ro.format = render::TableFormat::kCsv;
  } else if (c.format == "json") {
    ro.format = render::TableFormat::kJson;
  } else if (c.format == "markdown" || c.format == "md") {
    ro.format = render::TableFormat::kMarkdown;
  } else {
    return report_error(model::Error{model::ErrorCode::kUsage, "unknown --format '" + c.format + "'; use text, csv, json or markdown"});
  }
  auto loaded = load_one(c.input, c.in, diag);
  if (!loaded) {
    print_diagnostics(diag);
    return report_error(loaded.error());
  }
  auto prepared = prepare(std::move(*loaded), c.in, diag);
  if (!prepared) {
    print_diagnostics(diag);
    return report_error(prepared.error());
  }
  if (!c.callers.empty() || !c.callees.empty()) {
    // pprof's peek: one block per matching function with its callers above and callees below.
    if (!c.callers.empty() && !c.callees.empty() && c.callers != c.callees) {
      return report_error(model::Error{model::ErrorCode::kUsage, "--callers and --callees must name the same regex when both are given"});
    }
    analysis::PeekOptions po{.regex = c.callers.empty() ? c.callees : c.callers,
                             .callers = !c.callers.empty(),
                             .callees = !c.callees.empty(),
                             .granularity = *g,
                             .inlines = !c.no_inlines,
                             .sort_by_cum = c.top.sort_by_cum};
    auto peek = analysis::build_peek(*prepared, po, diag);
    if (!peek) {
      print_diagnostics(diag);
      return report_error(peek.error());
    }
    auto written = write_output(c.output, [&](std::ostream& out) { return render::render_peek(*prepared, *peek, out); });
    print_diagnostics(diag);
    if (!written) return report_error(written.error());
    return kExitOk;
  }
  analysis::TopOptions to = c.top;
  to.granularity = *g;
  to.inlines = !c.no_inlines;
  to.mean = c.in.selection.mean;
  analysis::TopTable table = [&] {
    StageTimer timer("top table");
    return analysis::build_top_table(*prepared, to);
  }();
  ro.mean = to.mean;
  ro.color = ro.format == render::TableFormat::kText && (c.output == "-" || c.output.empty()) && use_color(1);
  auto written = write_output(c.output, [&](std::ostream& out) {
    StageTimer timer("render");
    return render::render_top(*prepared, table, ro, out);
  });
  print_diagnostics(diag);
  if (!written) return report_error(written.error());
  return kExitOk;
}

}  // namespace

void setup_top(CLI::App& app, int& exit_code) {
  auto cmd = std::make_shared<TopCommand>();
  CLI::App* sub = app.add_subcommand("top", "Show the functions with the most samples (flat and cumulative), as pprof -top does");
  sub->add_option("input", cmd->input, "Profile to read: perf.data, pprof, Go text, goroutine dump or collapsed stacks ('-' = stdin)")
      ->required();
  sub->add_option("-n,--nodecount", cmd->top.node_count, "Show at most N rows (default: all above --nodefraction)");
  sub->add_flag("--cum", cmd->top.sort_by_cum, "Sort by cumulative value instead of flat");
  sub->add_option("--nodefraction", cmd->top.node_fraction, "Hide rows whose cum is below this fraction of the total")
      ->default_val(0.005);
  sub->add_option("--granularity,-g", cmd->granularity, "Row per: functions, filefunctions, files, lines, addresses, binaries")
      ->default_val("functions");
  sub->add_flag("--no-inlines", cmd->no_inlines, "Attribute inlined code to the function it was inlined into");
  sub->add_option("--format,-f", cmd->format, "Output: text (pprof's layout), csv, json, markdown")->default_val("text");
  sub->add_option("-o,--output", cmd->output, "Write to FILE instead of stdout ('-' = stdout)");
  sub->add_option("--callers", cmd->callers, "Instead of the table: callers of functions matching RE (RE2), as pprof -peek");
  sub->add_option("--callees", cmd->callees, "Instead of the table: callees of functions matching RE (both: pprof -peek)");
  add_input_options(*sub, cmd->in);
  sub->footer(
      "Examples:\n"
      "  profkit top perf.data                       hottest functions by self time\n"
      "  profkit top --cum -n 20 cpu.pb.gz           top 20 by cumulative value\n"
      "  profkit top --inuse_space heap.pb.gz        heap in use (Go)\n"
      "  profkit top -f markdown stacks.folded       a table for a pull-request comment\n"
      "  profkit top --callers 'malloc$' perf.data   who calls malloc, and how much\n"
      "Columns (as pprof): flat = value where the function is the leaf; cum = value with the function\n"
      "anywhere on the stack (recursion counted once); sum% = running total of flat%.");
  sub->callback([cmd, &exit_code] { exit_code = run_top(*cmd); });
}

}  // namespace profkit::cli
